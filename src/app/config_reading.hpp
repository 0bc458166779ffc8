// Helpers of the application layer for reading TOML values into spec fields:
// choices from a fixed list, integers range-checked before they are narrowed,
// 3-vectors, and input files checked to be readable regular files. Every
// error names the key (or flag) the user wrote.
#pragma once

#include <Eigen/Core>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "io/toml_config.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::app {

/// The integer at `key` (or `fallback` if absent), checked to lie in [lo, hi] before the caller
/// narrows it; throws InvalidArgument naming the full key, the value and the range.
long long get_integer(const io::Config& c, const std::string& key,
                      std::optional<long long> fallback, long long lo, long long hi);

/// get_integer() as a count of at least `lo`, at most `hi` (default: the largest int).
std::size_t get_count(const io::Config& c, const std::string& key,
                      std::optional<long long> fallback, long long lo,
                      long long hi = std::numeric_limits<int>::max());

/// A 3-vector [x, y, z] at `key`, or `fallback` if absent.
Eigen::Vector3d get_vector3(const io::Config& c, const std::string& key,
                            const Eigen::Vector3d& fallback);

/// The string at `key` (or `fallback`), which must be one of `choices`; throws naming the key and
/// listing the choices.
template <typename Enum>
Enum get_choice(const io::Config& c, const std::string& key, const std::string& fallback,
                std::initializer_list<std::pair<const char*, Enum>> choices) {
  const std::string text = fallback.empty() ? c.get_string(key) : c.get_string(key, fallback);
  std::string allowed;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    allowed += (allowed.empty() ? "" : " | ") + std::string("\"") + name + "\"";
  }
  throw InvalidArgument(c.full_key(key), "\"" + text + "\"", allowed);
}

/// Throws InvalidArgument naming `user_key` and `path` unless `path` is a regular file this
/// process can read (a directory, a missing or an unreadable file are input errors, exit 2).
void require_input_file(const std::string& path, const std::string& user_key);

}  // namespace nanodecoh::app
