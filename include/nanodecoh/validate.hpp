// Input validation at the library boundary. Each check throws InvalidArgument
// naming the parameter, the value and the allowed range, so every caller (CLI,
// config file, library user) gets the same one-line message.
#pragma once

#include <string>
#include <string_view>

#include "nanodecoh/error.hpp"

namespace nanodecoh {

/// Shortest round-trip decimal text of x ("1e-07", "nan", "inf").
std::string format_number(double x);

/// Throws InvalidArgument unless x is finite.
void require_finite(std::string_view parameter, double x);
/// Throws unless x is finite and x > 0.
void require_positive(std::string_view parameter, double x);
/// Throws unless x is finite and x >= 0.
void require_nonnegative(std::string_view parameter, double x);
/// Throws unless x is finite and lo <= x <= hi.
void require_in_range(std::string_view parameter, double x, double lo, double hi);
/// Throws unless n >= lo (integer parameters such as grid sizes).
void require_at_least(std::string_view parameter, long long n, long long lo);

}  // namespace nanodecoh
