// The sweep engine's bookkeeping (src/app/sweep.hpp): the --vary syntax, the sweep's shape,
// the order of the points (row-major, last key fastest; zip pairs), errors naming the flag or
// key, and the shared F tables (one build per distinct channel and grid). The runs themselves
// are compared with single evolve runs and with the CLI in python/tests/test_sweep.py.
#include <gtest/gtest.h>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/sweep.hpp"
#include "evolve_test_configs.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::app {
namespace {

TEST(Sweep, ParsesVaryFlags) {
  const SweepDimension d = parse_vary("initial.separation = 1e-8, 2e-8,3e-8");
  EXPECT_EQ(d.key, "initial.separation");
  EXPECT_EQ(d.values, (std::vector<std::string>{"1e-8", "2e-8", "3e-8"}));
  for (const char* bad : {"initial.separation", "=1,2", "key=1,,2", "key="}) {
    try {
      parse_vary(bad, "--vary");
      FAIL() << bad;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(e.parameter(), "--vary") << bad;
    }
  }
}

TEST(Sweep, OuterProductIsRowMajorWithTheLastKeyFastest) {
  const SweepSpec spec{{{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}}, false};
  EXPECT_EQ(sweep_shape(spec), (std::vector<std::size_t>{2, 3}));
  const std::vector<std::vector<std::string>> expected{{"a=1", "b=x"}, {"a=1", "b=y"},
                                                       {"a=1", "b=z"}, {"a=2", "b=x"},
                                                       {"a=2", "b=y"}, {"a=2", "b=z"}};
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(point_assignments(spec, i), expected[i]) << i;
  EXPECT_THROW(point_assignments(spec, 6), InvalidArgument);
}

TEST(Sweep, ZipPairsEqualLengthLists) {
  SweepSpec spec{{{"a", {"1", "2"}}, {"b", {"x", "y"}}}, true};
  EXPECT_EQ(sweep_shape(spec), (std::vector<std::size_t>{2}));
  EXPECT_EQ(point_assignments(spec, 1), (std::vector<std::string>{"a=2", "b=y"}));
  spec.dimensions[1].values.push_back("z");
  try {
    sweep_shape(spec);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("b"), std::string::npos) << e.what();
  }
}

TEST(Sweep, RefusesNoKeyAndRepeatedKeys) {
  EXPECT_THROW(sweep_shape(SweepSpec{}), InvalidArgument);
  EXPECT_THROW(sweep_shape(SweepSpec{{{"a", {"1"}}, {"a", {"2"}}}, false}), InvalidArgument);
}

TEST(Sweep, BadValueOfAPointNamesTheKey) {
  const io::Config base =
      io::Config::from_string(testing::small_cat_config(testing::free_segment("2e-6"), ""), "test");
  try {
    Sweep sweep(base, SweepSpec{{{"channels[0].rate", {"100.0", "-1.0"}}}, false});
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "channels[0].rate") << e.what();
  }
}

TEST(Sweep, SharedChannelsBuildEachTableOnce) {
  io::Config config =
      io::Config::from_string(testing::small_cat_config(testing::free_segment("2e-6"), ""), "test");
  const EvolveInput input = read_evolve_input(config);
  const evolution::SimulationSpec spec = make_simulation_spec(input);
  ChannelTableCache cache;
  const evolution::Grid grid(spec.axes);
  const evolution::ChannelTableContext context;
  // Two builds of the same channel table (e.g. two points varying the initial state).
  const evolution::ChannelList first = cache.share(config, spec.channels);
  const evolution::ChannelList second = cache.share(config, make_simulation_spec(input).channels);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], second[0]);
  const auto a = first[0]->tabulate(grid, context);
  const auto b = second[0]->tabulate(grid, context);
  EXPECT_EQ(cache.table_builds(), 1u);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, spec.channels[0]->tabulate(grid, context));  // the unshared channel's table
  // Another grid: another table.
  std::vector<evolution::Axis> axes = spec.axes;
  axes[0].points = 32;
  first[0]->tabulate(evolution::Grid(axes), context);
  EXPECT_EQ(cache.table_builds(), 2u);
  // Another channel configuration: another channel.
  config.apply_override("channels[0].rate=1000.0");
  const EvolveInput changed = read_evolve_input(config);
  const evolution::ChannelList third = cache.share(config, make_simulation_spec(changed).channels);
  EXPECT_NE(third[0], first[0]);
  third[0]->tabulate(grid, context);
  EXPECT_EQ(cache.table_builds(), 3u);
}

}  // namespace
}  // namespace nanodecoh::app
