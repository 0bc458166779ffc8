// Atomic output files: the content is written to a temporary file in the
// target's directory, flushed to disk, then renamed over the target, so a
// reader never sees a half-written file and a crash leaves the old one intact.
// Guarantees (docs/usage.md, "Output files"):
//  - every write, the fsync and the close of the temporary are checked; HDF5
//    files closed while the callback runs report their close errors here too;
//  - on any failure the temporary is removed, the target is untouched, and an
//    IoError names the target and the system error ("No space left on device
//    (ENOSPC)");
//  - a target that exists and is not a regular file (a device, a FIFO, a
//    directory) is refused before anything is written; a symbolic link to a
//    regular file is written through (the link stays).
// Temporaries are named ".nanodecoh-tmp.<pid>.<random>.<target name>" so the
// target's extension is kept (matplotlib picks the format from it) and stale
// ones of dead processes can be recognised (output_claim.hpp).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace nanodecoh::io {

/// Calls `write(temporary_path)`, fsyncs the file and renames it to `path`.
/// If `write` throws, the temporary is removed and the exception propagates.
/// Throws IoError when the directory does not exist, the target is not a
/// regular file, any write/close/fsync fails, or the rename fails.
void write_atomically(
    const std::filesystem::path& path,
    const std::function<void(const std::filesystem::path& temporary_path)>& write);

/// Writes `content` to `path` atomically (text or binary).
void write_text_atomically(const std::filesystem::path& path, const std::string& content);

/// Reads a whole file; throws IoError naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// "No space left on device (ENOSPC)" for errno value `error`.
std::string describe_system_error(int error);

/// Prefix of every temporary file write_atomically creates.
inline constexpr const char* temporary_prefix = ".nanodecoh-tmp.";

/// Records a failure to finish a file that was being written inside
/// write_atomically's callback but could not throw (an HDF5 file closed by a
/// destructor). write_atomically turns it into an IoError and does not rename.
/// Outside write_atomically the failure is dropped (the caller never sees the
/// file as complete anyway).
void report_deferred_write_error(const std::string& message);

}  // namespace nanodecoh::io
