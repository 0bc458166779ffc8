// The sweep engine's bookkeeping (src/app/sweep.hpp): the --vary syntax, the sweep's shape,
// the order of the points (row-major, last key fastest; zip pairs), errors naming the flag or
// key, the shared F tables (one build per distinct channel and grid), and the shared
// propagator: a sweep over initial-state keys builds one propagator (split operator, or the
// exact method's path-integral tables) and every point equals a single run bit for bit; a
// swept key the propagator depends on (time.step, a channel rate) builds one per value and
// still equals single runs. The oracle is the single run: the same code without any sharing
// (itself checked against closed forms in tests/evolution). The files are compared with single
// evolve runs and with the CLI in python/tests/test_sweep.py.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/evolve_run.hpp"
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
  // Batches of points (the exact method's line of angle differences and isotropy check): one
  // evaluation per list of points, equal to the unshared channel's.
  const std::vector<std::vector<double>> points{{0.0}, {1e-9}, {3e-9}}, none(3);
  const auto p = first[0]->evaluate_points(points, none, none, context);
  EXPECT_EQ(cache.table_builds(), 4u);
  EXPECT_EQ(second[0]->evaluate_points(points, none, none, context), p);
  EXPECT_EQ(cache.table_builds(), 4u);
  EXPECT_EQ(p, spec.channels[0]->evaluate_points(points, none, none, context));
  const std::vector<std::vector<double>> other{{0.0}, {2e-9}};
  first[0]->evaluate_points(other, none, none, context);
  EXPECT_EQ(cache.table_builds(), 5u);
}

namespace fs = std::filesystem;

/// A fresh folder for a test's files, removed at the end.
struct TemporaryFolder {
  fs::path path;
  explicit TemporaryFolder(const std::string& name)
      : path(fs::temp_directory_path() /
             ("nanodecoh_" + name + "_" + std::to_string(static_cast<long long>(getpid())))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TemporaryFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// The single run of `config` with `assignments` (no sharing of any kind): the oracle.
evolution::RunResult single_run(const std::string& config,
                                const std::vector<std::string>& assignments,
                                const std::string& output_file) {
  io::Config c = io::Config::from_string(config, "test");
  for (const std::string& a : assignments) c.apply_override(a);
  const EvolveInput input = read_evolve_job(c, output_file);
  const EvolveJob job = build_evolve_job(input, "cpu", "", false);
  evolution::RunControl control;
  return evolution::run_simulation(job.spec, Backend::cpu, control);
}

/// Bitwise equality of two runs' records and final states.
void expect_same_run(const evolution::RunResult& a, const evolution::RunResult& b,
                     const std::string& what) {
  ASSERT_EQ(a.series.size(), b.series.size()) << what;
  for (std::size_t i = 0; i < a.series.size(); ++i) {
    const evolution::Observables &x = a.series[i], &y = b.series[i];
    EXPECT_EQ(x.time, y.time) << what;
    EXPECT_EQ(x.step, y.step) << what;
    EXPECT_EQ(x.trace, y.trace) << what << " output " << i;
    EXPECT_EQ(x.purity, y.purity) << what << " output " << i;
    EXPECT_EQ(x.energy, y.energy) << what << " output " << i;
    EXPECT_EQ(x.coherence, y.coherence) << what << " output " << i;
    ASSERT_EQ(x.axes.size(), y.axes.size());
    for (std::size_t k = 0; k < x.axes.size(); ++k) {
      EXPECT_EQ(x.axes[k].variance, y.axes[k].variance) << what << " output " << i;
      EXPECT_EQ(x.axes[k].momentum_variance, y.axes[k].momentum_variance) << what;
      EXPECT_EQ(x.axes[k].distribution, y.axes[k].distribution) << what << " output " << i;
    }
  }
  ASSERT_EQ(a.diffusive_series.size(), b.diffusive_series.size()) << what;
  for (std::size_t i = 0; i < a.diffusive_series.size(); ++i)
    EXPECT_EQ(a.diffusive_series[i].purity, b.diffusive_series[i].purity) << what;
  EXPECT_EQ(a.exact_error_estimate, b.exact_error_estimate) << what;
  ASSERT_FALSE(a.final_state.empty()) << what;
  EXPECT_TRUE(a.final_state == b.final_state) << what << ": final rho differs";
}

/// Runs every point of `spec` through the sweep (shared tables and propagators) and compares
/// it with its single run; returns the sweep's propagator builds (and its F-table builds in
/// `table_builds` when given).
std::size_t sweep_equals_single_runs(const std::string& config, const SweepSpec& spec,
                                     const std::string& name, std::size_t* table_builds = nullptr) {
  TemporaryFolder folder(name);
  Sweep sweep(io::Config::from_string(config, "test"), spec, "cpu");
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    const std::string point = (folder.path / ("point_" + std::to_string(i) + ".h5")).string();
    const std::string single = (folder.path / ("single_" + std::to_string(i) + ".h5")).string();
    evolution::RunControl control;
    const Sweep::PointRun run = sweep.run_point(i, point, control);
    expect_same_run(run.result, single_run(config, point_assignments(spec, i), single),
                    name + " point " + std::to_string(i));
  }
  if (table_builds != nullptr) *table_builds = sweep.table_builds();
  return sweep.propagator_builds();
}

const std::string final_state_output = "final_state = true\n";

TEST(SweepReuse, InitialStateSweepBuildsOneSplitPropagatorAndEqualsSingleRuns) {
  // 2 x 3 over the cat's separation and width: the propagator (FFT plans, buffers) is the
  // first point's for all six.
  const std::string config =
      testing::small_cat_config(testing::free_segment("1e-5"), final_state_output);
  const SweepSpec spec{{{"initial.separation", {"1.0e-8", "1.2e-8"}},
                        {"initial.width", {"2.0e-9", "2.5e-9", "3.0e-9"}}},
                       false};
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "split_initial"), 1u);
}

TEST(SweepReuse, DiffusiveComparisonHasItsOwnSharedPropagator) {
  const std::string config = testing::small_cat_config(
      testing::free_segment("1e-5"), final_state_output + "[run]\ncompare_diffusive = true\n");
  const SweepSpec spec{{{"initial.width", {"2.0e-9", "3.0e-9"}}}, false};
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "split_diffusive"), 2u);  // main + comparison
}

TEST(SweepReuse, InitialStateSweepSharesTheExactPathIntegralsAndEqualsSingleRuns) {
  // The exact method (free flight, Gaussian channel): the F path integrals are computed for
  // the first point and taken from its tables afterwards; a narrower state needs more k
  // points, which the later point integrates and stores.
  const std::string config = testing::small_cat_config(
      "[[protocol]]\nduration = 2e-5\npotential = \"free\"\nmethod = \"exact\"\n",
      final_state_output);
  const SweepSpec spec{
      {{"initial.separation", {"1.0e-8", "1.2e-8"}}, {"initial.width", {"3.0e-9", "2.0e-9"}}},
      false};
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "exact_initial"), 1u);
}

TEST(SweepReuse, MixedProtocolSharesBothAndEqualsSingleRuns) {
  // A protocol mixing the methods (trap exact, double well split, free flight exact from the
  // split operator's rho), with the diffusive comparison: per run (main and comparison) one
  // split propagator and one path-integral cache of the leading exact block, shared by every
  // point; each point equal to its single run bit for bit.
  const std::string config = testing::small_cat_config(
      "[[protocol]]\nduration = 2e-5\npotential = \"harmonic\"\nfrequency = 1e3\n"
      "[[protocol]]\nduration = 1e-5\npotential = \"double_well\"\nbarrier = 5e-32\n"
      "minima = 6e-9\n"
      "[[protocol]]\nduration = 1e-5\npotential = \"free\"\nmethod = \"exact\"\n",
      final_state_output + "[run]\ncompare_diffusive = true\n");
  const SweepSpec spec{{{"initial.width", {"2.5e-9", "3.0e-9"}}}, false};
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "mixed_initial"), 4u);
}

TEST(SweepReuse, EngineDesorptionTableIsBuiltOnceAndPointsEqualSingleRuns) {
  // A `desorption` channel whose F the localization engine computes for the grid's 95
  // differences (Janus sphere: the general quadrature), in a harmonic trap (split operator):
  // the sweep over the cat's separation and width builds one table and one propagator, and
  // every point equals its single run, which computes its own table with the same
  // deterministic engine (sums in item order, docs/localization.md). Picometre cats of a
  // 1 um sphere as in examples/evolve_janus_trap.toml, on a grid small enough for a test
  // (recoil phases up to 0.7 rad).
  const std::string config = R"(
[particle]
radius = 5.0e-7
density = 2200.0
temperature = 300.0
[[axes]]
kind = "translation"
name = "x"
points = 48
step = 1.0e-13
[initial]
kind = "cat"
axis = "x"
width = 3.0e-13
separation = 1.2e-12
[time]
step = 1.0e-6
outputs = 3
[[protocol]]
duration = 4.0e-6
potential = "harmonic"
frequency = 3.1416e5
[[channels]]
kind = "desorption"
body = "janus"
rate = 1.0e5
tolerance = 1.0e-4
[output]
)" + final_state_output;
  const SweepSpec spec{
      {{"initial.separation", {"1.0e-12", "1.2e-12"}}, {"initial.width", {"2.0e-13", "3.0e-13"}}},
      false};
  std::size_t tables = 0;
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "engine_desorption", &tables), 1u);
  EXPECT_EQ(tables, 1u);
}

TEST(SweepReuse, EngineLineOfALibrationAxisIsBuiltOnceAndPointsEqualSingleRuns) {
  // The exact method on a libration axis with the engine's `desorption` (a sphere turned about
  // z): its F is evaluated on a line of angle differences (one batched engine call,
  // evaluate_points), which the sweep keeps like a grid table: one build for both points, each
  // point equal to its single run (which evaluates its own line with the same deterministic
  // engine) bit for bit.
  const std::string config = R"(
[particle]
moment_of_inertia = 1.7e-26
[[axes]]
kind = "rotation"
name = "phi"
mode = "libration"
points = 40
step = 2.5e-5
[initial]
kind = "cat"
axis = "phi"
width = 4.0e-5
separation = 2.0e-4
[time]
step = 1.0e-5
outputs = 2
[[protocol]]
duration = 3.0e-4
potential = "free"
method = "exact"
[[channels]]
kind = "desorption"
body = "sphere"
radius = 75e-9
rate = 800.0
temperature = 30.0
atom_mass = 18.0
tolerance = 1e-4
[output]
)" + final_state_output;
  const SweepSpec spec{{{"initial.separation", {"2.0e-4", "1.5e-4"}}}, false};
  std::size_t tables = 0;
  EXPECT_EQ(sweep_equals_single_runs(config, spec, "engine_libration_line", &tables), 1u);
  EXPECT_EQ(tables, 1u);
}

TEST(SweepReuse, AKeyThePropagatorDependsOnBuildsOnePerValue) {
  const std::string config =
      testing::small_cat_config(testing::free_segment("1e-5"), final_state_output);
  // time.step outermost: each value's three points share one propagator.
  const SweepSpec by_step{
      {{"time.step", {"1.0e-6", "5.0e-7"}}, {"initial.width", {"2.0e-9", "2.5e-9", "3.0e-9"}}},
      false};
  EXPECT_EQ(sweep_equals_single_runs(config, by_step, "split_step"), 2u);
  // A channel rate as the fastest key: every point has another propagator than the previous.
  const SweepSpec by_rate{
      {{"initial.width", {"2.0e-9", "3.0e-9"}}, {"channels[0].rate", {"1000.0", "2000.0"}}}, false};
  EXPECT_EQ(sweep_equals_single_runs(config, by_rate, "split_rate"), 4u);
}

TEST(SweepReuse, KeyIgnoresOnlyTheInitialStateAndTheOutputs) {
  io::Config a =
      io::Config::from_string(testing::small_cat_config(testing::free_segment("1e-5"), ""), "a");
  const std::string base = propagator_reuse_key(a, "cpu", "");
  io::Config b = a;
  b.apply_override("initial.width=2.0e-9");
  b.apply_override("output.snapshots=3");
  EXPECT_EQ(propagator_reuse_key(b, "cpu", ""), base);
  for (const char* other :
       {"time.step=2e-6", "channels[0].rate=10.0", "axes[0].step=2e-9", "particle.mass=2e-20",
        "protocol[0].duration=2e-5", "run.precision='complex64'", "numerics.tolerance=1e-8"}) {
    io::Config c = a;
    c.apply_override(other);
    EXPECT_NE(propagator_reuse_key(c, "cpu", ""), base) << other;
  }
  EXPECT_NE(propagator_reuse_key(a, "cuda", ""), base);
  EXPECT_NE(propagator_reuse_key(a, "cpu", "1G"), base);
}

}  // namespace
}  // namespace nanodecoh::app
