// Memory estimates against the available memory (resources.hpp).
#include "nanodecoh/resources.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "nanodecoh/error.hpp"

namespace nanodecoh {

std::size_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line))
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream in(line.substr(13));
      std::size_t kib = 0;
      in >> kib;
      return kib * 1024;
    }
  return 0;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 6) bytes /= 1000.0, ++u;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, u == 0 ? "%.0f %s" : "%.3g %s", bytes, units[u]);
  return buffer;
}

namespace {

/// "8GiB" -> (8, "GiB"): the leading number and the rest; calls `refuse` (which throws) when
/// the text does not start with a number.
template <typename Refuse>
std::pair<double, std::string> number_and_unit(const std::string& text, Refuse refuse) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    refuse();
  }
  return {value, text.substr(used)};
}

}  // namespace

std::size_t parse_memory_size(const std::string& text, const std::string& flag) {
  const auto refuse = [&] {
    throw InvalidArgument(flag, text.empty() ? "\"\"" : text,
                          "a memory size > 0 such as 8G, 512M, 2GiB or 1e9 (bytes)");
  };
  const auto [value, unit] = number_and_unit(text, refuse);
  double scale = 1;
  if (!unit.empty()) {
    const char prefix = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
    const std::string rest = unit.substr(1);
    const bool binary = rest == "i" || rest == "iB";
    if (!(rest.empty() || rest == "B" || binary)) refuse();
    const double base = binary ? 1024.0 : 1000.0;
    switch (prefix) {
      case 'K':
        scale = base;
        break;
      case 'M':
        scale = base * base;
        break;
      case 'G':
        scale = base * base * base;
        break;
      case 'T':
        scale = base * base * base * base;
        break;
      case 'B':
        if (rest.empty()) break;
        refuse();
        break;
      default:
        refuse();
    }
  }
  const double bytes = value * scale;
  if (!std::isfinite(bytes) || !(bytes >= 1) || bytes > 1.8e19) refuse();
  return static_cast<std::size_t>(bytes);
}

void require_memory(double need_bytes, const std::string& what, const std::string& suggestion,
                    std::size_t max_memory_bytes) {
  if (max_memory_bytes > 0) {
    if (need_bytes > static_cast<double>(max_memory_bytes))
      throw OutOfMemory(what + " needs about " + format_bytes(need_bytes) +
                        ", more than --max-memory " +
                        format_bytes(static_cast<double>(max_memory_bytes)) + ": " + suggestion +
                        ", or raise --max-memory");
    return;
  }
  const std::size_t available = available_memory_bytes();
  if (available > 0 && need_bytes > static_cast<double>(available))
    throw OutOfMemory(what + " needs about " + format_bytes(need_bytes) + ", " +
                      format_bytes(static_cast<double>(available)) +
                      " is available: " + suggestion + ", or --max-memory to try anyway");
}

double parse_duration(const std::string& text, const std::string& flag) {
  const auto refuse = [&] {
    throw InvalidArgument(flag, text.empty() ? "\"\"" : text,
                          "a duration > 0 such as 90, 90s, 15m, 2h or 1d");
  };
  const auto [value, unit] = number_and_unit(text, refuse);
  double scale = 1;
  if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  else if (!(unit.empty() || unit == "s"))
    refuse();
  const double seconds = value * scale;
  if (!std::isfinite(seconds) || !(seconds > 0)) refuse();
  return seconds;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char buffer[32];
  const long s = std::lround(seconds);
  if (seconds < 1)
    std::snprintf(buffer, sizeof buffer, "%.2gs", seconds);
  else if (s < 60)
    std::snprintf(buffer, sizeof buffer, "%lds", s);
  else if (s < 3600)
    std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buffer;
}

void require_time(double seconds, const std::string& what, const std::string& suggestion,
                  double max_seconds) {
  if (max_seconds > 0 && seconds > max_seconds)
    throw TimeLimit(what + " needs about " + format_duration(seconds) + ", more than --max-time " +
                    format_duration(max_seconds) + ": " + suggestion + ", or raise --max-time");
}

}  // namespace nanodecoh
