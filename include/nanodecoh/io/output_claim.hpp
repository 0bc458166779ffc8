// Claiming a command's output files before a long computation starts
// (docs/usage.md, "Output files"): every output is checked (its directory
// exists and is writable, the path is not a device, FIFO or directory, and not
// one of the run's inputs), stale temporaries of dead nanodecoh processes next
// to it are removed, and a lock file (".nanodecoh-lock.<name>", flock) shows
// other nanodecoh processes that this one writes it. The lock is released when
// the claim is destroyed, and by the kernel when the process dies (kill -9), so
// it never goes stale.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nanodecoh::io {

/// An output file and the flag or key the user named it with ("--out", "output.file").
struct OutputTarget {
  std::filesystem::path path;
  std::string flag;
};

/// Holds the locks of claimed outputs; releases them on destruction.
class OutputClaim {
 public:
  OutputClaim() = default;
  OutputClaim(OutputClaim&& other) noexcept;
  OutputClaim& operator=(OutputClaim&& other) noexcept;
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;
  ~OutputClaim();

 private:
  friend OutputClaim claim_outputs(const std::vector<OutputTarget>&,
                                   const std::vector<std::filesystem::path>&);
  struct Lock {
    int fd;
    std::filesystem::path path;
  };
  std::vector<Lock> locks_;
};

/// Checks and locks `outputs` (empty paths are skipped; two targets naming one
/// file are claimed once). Throws InvalidArgument naming the flag when a path
/// exists and is not a regular file or is one of `inputs`; IoError naming the
/// path and the system error when its directory is missing or not writable,
/// or when another nanodecoh process (its pid is named) holds the lock.
OutputClaim claim_outputs(const std::vector<OutputTarget>& outputs,
                          const std::vector<std::filesystem::path>& inputs);

/// Removes the temporaries of write_atomically (".nanodecoh-tmp.<pid>.*") in
/// `dir` whose process no longer exists; returns how many were removed.
/// Temporaries of running processes are left alone.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace nanodecoh::io
