// Shared pieces of the libFuzzer harnesses (tests/fuzz/README.md): a private
// scratch directory for readers that take a path, and the rule every harness
// checks -- a reader either returns or throws nanodecoh::Error; any other
// exception, a crash, a leak or undefined behaviour is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "nanodecoh/error.hpp"

namespace nanodecoh::fuzz {

/// A directory of this process in /dev/shm (or the temp dir), created once.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                     ? std::filesystem::path("/dev/shm")
                                     : std::filesystem::temp_directory_path();
    auto d = base / ("nanodecoh-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Writes `size` bytes to scratch_dir()/name and returns the path.
inline std::filesystem::path write_scratch(const std::string& name, const uint8_t* data,
                                           std::size_t size) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

/// Runs `body`; nanodecoh::Error is the documented way to refuse input. Anything
/// else escaping is reported and aborts, so libFuzzer records the input.
template <typename Body>
void expect_only_nanodecoh_errors(Body&& body) {
  try {
    body();
  } catch (const nanodecoh::Error&) {
  } catch (const std::exception& e) {
    std::cerr << "fuzz: non-nanodecoh exception escaped: " << e.what() << '\n';
    std::abort();
  }
}

}  // namespace nanodecoh::fuzz
