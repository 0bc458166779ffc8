// Range checks shared by the library and the CLI (see validate.hpp).
#include "nanodecoh/validate.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace nanodecoh {

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, x);
  return ec == std::errc{} ? std::string(buffer, end) : std::to_string(x);
}

void require_finite(std::string_view parameter, double x) {
  if (!std::isfinite(x))
    throw InvalidArgument(std::string(parameter), format_number(x), "a finite value");
}

void require_positive(std::string_view parameter, double x) {
  if (!std::isfinite(x) || !(x > 0.0))
    throw InvalidArgument(std::string(parameter), format_number(x), "a finite value > 0");
}

void require_nonnegative(std::string_view parameter, double x) {
  if (!std::isfinite(x) || x < 0.0)
    throw InvalidArgument(std::string(parameter), format_number(x), "a finite value >= 0");
}

void require_in_range(std::string_view parameter, double x, double lo, double hi) {
  if (!std::isfinite(x) || x < lo || x > hi)
    throw InvalidArgument(
        std::string(parameter), format_number(x),
        "a finite value in [" + format_number(lo) + ", " + format_number(hi) + "]");
}

void require_at_least(std::string_view parameter, long long n, long long lo) {
  if (n < lo)
    throw InvalidArgument(std::string(parameter), std::to_string(n),
                          "an integer >= " + std::to_string(lo));
}

}  // namespace nanodecoh
