// Test helper: runs the built `nanodecoh` executable with arguments and
// captures its exit code, stdout and stderr, for CLI contract tests.
#pragma once

#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"

namespace nanodecoh::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;  ///< everything written to stdout
  std::string err;  ///< everything written to stderr
};

/// Runs NANODECOH_CLI_PATH with `args` (no shell involved). `stdin` is /dev/null.
CliResult run_cli(const std::vector<std::string>& args);

/// Like run_cli, and sends `signal_number` to the process `after_ms` milliseconds after its
/// start (if it is still running).
CliResult run_cli_signalled(const std::vector<std::string>& args, int signal_number, int after_ms);

/// The bytes of the file at `path` (empty if it cannot be read).
std::string file_contents(const std::string& path);

/// Number of lines in `text` (a trailing newline does not start a new line).
int count_lines(const std::string& text);

/// `err` without the documented one-line CPU-fallback notice of a CUDA build that finds no
/// device ("nanodecoh: no usable CUDA device ..."), so tests of the one-line error contract
/// pass in CPU-only and CUDA builds alike.
std::string without_backend_notice(const std::string& err);

/// A fresh empty directory under the system temp dir, named after `tag`.
std::string make_temp_dir(const std::string& tag);

}  // namespace nanodecoh::testing

/// Skips the current test when no CUDA device is usable, saying why.
#define NANODECOH_REQUIRE_CUDA_DEVICE()                                      \
  do {                                                                       \
    const auto& nanodecoh_status_ = ::nanodecoh::cuda_device_status();       \
    if (!nanodecoh_status_.usable)                                           \
      GTEST_SKIP() << "no usable CUDA device: " << nanodecoh_status_.reason; \
  } while (0)
