// Validation helpers: messages name the parameter, the value and the range.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nanodecoh/validate.hpp"

namespace nanodecoh {
namespace {

TEST(Validate, PositiveAcceptsPositiveFinite) {
  EXPECT_NO_THROW(require_positive("--radius", 1e-7));
}

TEST(Validate, PositiveRejectsZeroNegativeNanInf) {
  for (double bad : {0.0, -1e-7, std::nan(""), std::numeric_limits<double>::infinity()})
    EXPECT_THROW(require_positive("--radius", bad), InvalidArgument) << bad;
}

TEST(Validate, MessageNamesParameterValueAndRange) {
  try {
    require_positive("--radius", -1e-7);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "--radius");
    EXPECT_EQ(e.value(), "-1e-07");
    EXPECT_STREQ(e.what(), "--radius = -1e-07: expected a finite value > 0");
  }
}

TEST(Validate, RangeIsInclusive) {
  EXPECT_NO_THROW(require_in_range("--x", 0.0, 0.0, 1.0));
  EXPECT_NO_THROW(require_in_range("--x", 1.0, 0.0, 1.0));
  EXPECT_THROW(require_in_range("--x", 1.5, 0.0, 1.0), InvalidArgument);
  EXPECT_THROW(require_in_range("--x", std::nan(""), 0.0, 1.0), InvalidArgument);
}

TEST(Validate, FormatNumberRoundTrips) {
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(std::nan("")), "nan");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(Validate, AtLeast) {
  EXPECT_NO_THROW(require_at_least("--points", 2, 2));
  EXPECT_THROW(require_at_least("--points", 1, 2), InvalidArgument);
}

}  // namespace
}  // namespace nanodecoh
