// Atomic output files: the content is written to a temporary file in the
// target's directory, flushed to disk, then renamed over the target, so a
// reader never sees a half-written file and a crash leaves the old one intact.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace nanodecoh::io {

/// Calls `write(temporary_path)`, fsyncs the file and renames it to `path`.
/// If `write` throws, the temporary is removed and the exception propagates.
/// Throws IoError when the directory does not exist or the rename fails.
void write_atomically(
    const std::filesystem::path& path,
    const std::function<void(const std::filesystem::path& temporary_path)>& write);

/// Writes `content` to `path` atomically (text or binary).
void write_text_atomically(const std::filesystem::path& path, const std::string& content);

/// Reads a whole file; throws IoError naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace nanodecoh::io
