// TOML configuration: typed getters with full key names in errors, --set
// overrides, arrays of tables, and rejection of unused (misspelt) keys.
#include <gtest/gtest.h>

#include "io/toml_config.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::io {
namespace {

const char* kExample = R"(
title = "demo"
[grid]
points = 64
step = 1e-9
[[protocol]]
duration = 1e-3
potential = "free"
[[protocol]]
duration = 2e-3
potential = "harmonic"
)";

TEST(Config, TypedGettersAndDefaults) {
  auto c = Config::from_string(kExample);
  EXPECT_EQ(c.get_int("grid.points"), 64);
  // Decimal literals are parsed correctly rounded, so these are exact up to EXPECT_DOUBLE_EQ's
  // 4 ulp (here and below).
  EXPECT_DOUBLE_EQ(c.get_double("grid.step"), 1e-9);
  EXPECT_DOUBLE_EQ(c.get_double("grid.points"), 64.0);  // integers read as numbers
  EXPECT_EQ(c.get_string("title"), "demo");
  EXPECT_DOUBLE_EQ(c.get_double("grid.mass", 2.0), 2.0);
  const auto segments = c.get_tables("protocol");
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[1].get_string("potential"), "harmonic");
  EXPECT_DOUBLE_EQ(segments[0].get_double("duration"), 1e-3);
  EXPECT_EQ(segments[1].full_key("duration"), "protocol[1].duration");
}

TEST(Config, ErrorsNameTheKey) {
  auto c = Config::from_string(kExample);
  try {
    c.get_int("grid.step");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "grid.step");
  }
  EXPECT_THROW(c.get_double("grid.missing"), InvalidArgument);
  EXPECT_THROW(Config::from_string("a = = 1", "bad.toml"), InvalidArgument);
}

TEST(Config, OverridesReplaceAndCreate) {
  auto c = Config::from_string(kExample);
  c.apply_override("grid.points=128");
  c.apply_override("run.backend=cpu");
  c.apply_override("grid.step=2e-9");
  EXPECT_EQ(c.get_int("grid.points"), 128);
  EXPECT_EQ(c.get_string("run.backend"), "cpu");
  EXPECT_DOUBLE_EQ(c.get_double("grid.step"), 2e-9);
  EXPECT_THROW(c.apply_override("novalue"), InvalidArgument);
  EXPECT_THROW(c.apply_override("title.x=1"), InvalidArgument);
}

TEST(Config, OverridesReachIntoArraysOfTables) {
  auto c = Config::from_string(kExample);
  c.apply_override("protocol[1].duration=5e-3");
  c.apply_override("protocol[0].frequency=1e5");
  const auto segments = c.get_tables("protocol");
  EXPECT_DOUBLE_EQ(segments[1].get_double("duration"), 5e-3);
  EXPECT_DOUBLE_EQ(segments[0].get_double("frequency"), 1e5);
  EXPECT_THROW(c.apply_override("protocol[2].duration=1"), InvalidArgument);  // out of range
  EXPECT_THROW(c.apply_override("grid[0].points=1"), InvalidArgument);        // not an array
  EXPECT_THROW(c.apply_override("protocol[x].duration=1"), InvalidArgument);  // bad index
}

TEST(Config, UnusedKeyIsRejected) {
  auto c = Config::from_string("[grid]\npoints = 3\npionts = 4\n");
  c.get_int("grid.points");
  try {
    c.require_all_used();
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "grid.pionts");
  }
}

TEST(Config, NonFiniteNumbersRejected) {
  auto c = Config::from_string("x = nan\n");
  EXPECT_THROW(c.get_double("x"), InvalidArgument);
}

}  // namespace
}  // namespace nanodecoh::io
