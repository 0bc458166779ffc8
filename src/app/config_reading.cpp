// Implementation of the TOML reading helpers (config_reading.hpp).
#include "app/config_reading.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace nanodecoh::app {

long long get_integer(const io::Config& c, const std::string& key,
                      std::optional<long long> fallback, long long lo, long long hi) {
  const long long v = fallback ? c.get_int(key, *fallback) : c.get_int(key);
  if (v < lo || v > hi)
    throw InvalidArgument(c.full_key(key), std::to_string(v),
                          "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

std::size_t get_count(const io::Config& c, const std::string& key,
                      std::optional<long long> fallback, long long lo, long long hi) {
  return static_cast<std::size_t>(get_integer(c, key, fallback, lo, hi));
}

Eigen::Vector3d get_vector3(const io::Config& c, const std::string& key,
                            const Eigen::Vector3d& fallback) {
  if (!c.has(key)) return fallback;
  const auto v = c.get_doubles(key);
  if (v.size() != 3)
    throw InvalidArgument(c.full_key(key), std::to_string(v.size()) + " numbers", "[x, y, z]");
  return {v[0], v[1], v[2]};
}

void require_input_file(const std::string& path, const std::string& user_key) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw InvalidArgument(user_key, path, "an existing file (no such file)");
  if (fs::is_directory(status))
    throw InvalidArgument(user_key, path, "a readable file (it is a directory)");
  if (!fs::is_regular_file(status)) throw InvalidArgument(user_key, path, "a regular file");
  if (::access(path.c_str(), R_OK) != 0)
    throw InvalidArgument(user_key, path,
                          std::string("a readable file (") + std::strerror(errno) + ")");
}

}  // namespace nanodecoh::app
