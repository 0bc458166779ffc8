// The exact method on several translation axes in whole runs (heavier than test_exact_axes.cpp:
// Release only, see CMakeLists.txt): the split operator's dt^2 convergence to the exact rho with a
// channel that couples the axes; physical states (eigenvalues of rho); an exact block handing rho
// to the split operator through run_simulation; `evolve` through the CLI against split runs, and
// from an F-table file that `nanodecoh ftable` wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "axes_test_support.hpp"
#include "evolve_test_configs.hpp"
#include "exact_test_support.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using namespace nanodecoh::testing::exact;
using namespace nanodecoh::testing::axes;
using nanodecoh::testing::count_lines;
using nanodecoh::testing::make_temp_dir;
using nanodecoh::testing::run_cli;

// The saturating Gaussian F of |r| couples x and y. A trap on x, then a force on y (the
// release within it) on plane(): the split operator converges to the exact rho as dt^2
// (successive error ratios 4: measured 3.999 and 3.996) and, with the dt^2 term removed, agrees
// with it to the split operator's own grid floor (measured 6.3e-8 of max |rho|, 2026-12-01,
// x86-64; bound 2e-7). The kicks of F (momenta of width 1/(sqrt 2 a)) must stay inside the band
// limit of y: a = 5 nm (at 2 nm the aliased kicks cost 1e-4 of max |rho|).
TEST(ExactOnSeveralAxes, SplitConvergesToExactAsDtSquaredWithACoupledChannel) {
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2000.0), 0),
      on_axis(segment(ne::PotentialKind::linear, 1.5e-4, 2e-23), 1)};
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)};
  expect_split_converges_to_exact(plane(), protocol, channels, small_cat(0), 2e-7);
}

// Trace 1, Hermitian, positive semidefinite, purity in (0, 1] on plane() after a trap on y and a
// release under the coupled channel.
TEST(ExactOnSeveralAxes, StatesArePhysical) {
  const ne::Grid grid = plane();
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)};
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2000.0), 1),
      segment(ne::PotentialKind::free, 2e-4)};
  const ne::ExactPropagator exact(grid, protocol, channels, small_cat(0), 1e-12);
  // Trace: the continuum state's weight outside the box (measured below 1e-12) and the
  // tolerance.
  expect_physical_mixed_state(exact.density_matrix(4e-4), grid.ket_size(), 1e-10);
}

// ---- through the run and the CLI ---------------------------------------------------------

// Trap on x (auto: exact), a double well on y (split: not quadratic), free flight (auto: split,
// since the exact method starts from rho on the grid only on one axis). The exact
// block hands rho on the grid to the split operator: the run's final state equals the exact
// propagator's rho at the block's end advanced by the split operator with the same step.
TEST(ExactOnSeveralAxes, ExactBlockHandsOffToTheSplitOperator) {
  const ne::Grid grid = plane();
  ne::Segment well = on_axis(segment(ne::PotentialKind::free, 1e-4), 1);
  well.potential.kind = ne::PotentialKind::double_well;
  well.potential.barrier = 1e-30;
  well.potential.minima = 6e-9;
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2000.0), 0), well,
      segment(ne::PotentialKind::free, 1e-4)};
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)};
  ne::SimulationSpec spec;
  spec.axes = grid.axes();
  spec.initial = small_cat(0);
  spec.protocol = protocol;
  spec.channels = channels;
  spec.time_step = 2e-6;
  spec.outputs = 3;
  spec.output.final_state = true;
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  const ne::RunResult run = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_EQ(run.segment_plan.size(), 3u);
  EXPECT_TRUE(run.segment_plan[0].exact);
  EXPECT_FALSE(run.segment_plan[1].exact);
  EXPECT_NE(run.segment_plan[1].reason.find("not quadratic"), std::string::npos);
  EXPECT_FALSE(run.segment_plan[2].exact);
  EXPECT_NE(run.segment_plan[2].reason.find("rho on the grid only on one axis"), std::string::npos)
      << run.segment_plan[2].reason;
  // The oracle: the exact propagator's rho after the trap, then the split operator.
  const ne::ExactPropagator trap(grid, {protocol[0]}, channels, small_cat(0), spec.exact_tolerance);
  auto p = ne::make_propagator(nanodecoh::Backend::cpu, ne::PropagatorLayout::from_grid(grid),
                               ne::Precision::complex128);
  p->set_dissipation(ne::evaluate_channels(grid, channels));
  p->set_state(trap.density_matrix(2e-4));
  for (std::size_t s = 1; s < 3; ++s) {
    p->set_segment(2e-6, ne::potential_on_grid(grid, protocol[s].potential));
    p->advance(50);
  }
  ASSERT_EQ(run.final_state.size(), grid.total_size());
  // The same operations on the same numbers (measured: equal to the last bit).
  EXPECT_LT(max_abs_difference(run.final_state, p->state()), 1e-15);
}

// `nanodecoh evolve` on two translation axes: "auto" runs the quadratic protocol with the exact
// method (no steps), its final rho agreeing with the split operator's Richardson extrapolation
// (time.step 2 and 1 us) to the split operator's grid floor; "exact" on a double well is one
// line naming the segment and the reason.
TEST(ExactOnSeveralAxes, EvolveThroughTheCli) {
  const std::string dir = make_temp_dir("exact_axes_cli");
  const std::string config = R"(
[particle]
mass = 1.5e-20
[[axes]]
name = "x"
points = 32
step = 1e-9
[[axes]]
name = "y"
points = 28
step = 1.3e-9
center = 1e-9
[initial]
kind = "cat"
axis = "x"
width = 1.5e-9
separation = 6e-9
center = 0.5e-9
other_width = 2.2e-9
[time]
step = 2.0e-6
outputs = 3
[[protocol]]
duration = 2.0e-4
potential = "harmonic"
axis = "x"
frequency = 2.0e3
[[protocol]]
duration = 1.5e-4
potential = "linear"
axis = "y"
force = 2.0e-23
[[channels]]
kind = "gaussian"
rate = 4000.0
length = 5e-9
[output]
final_state = true
)";
  const std::string path = dir + "/run.toml";
  std::ofstream(path) << config;
  // The grid floor of SplitConvergesToExactAsDtSquaredWithACoupledChannel (6.3e-8, the same
  // grid and a heavier particle): bound 2e-7.
  expect_cli_exact_matches_extrapolated_split(
      dir, path, "quadratic potential on 2 translation axes", 896u * 896u, 2e-7);
  // Exact on a double well: refused, one line.
  std::string well = config;
  const std::string linear = "potential = \"linear\"\naxis = \"y\"\nforce = 2.0e-23\n";
  ASSERT_NE(well.find(linear), std::string::npos);
  well.replace(well.find(linear), linear.size(),
               "potential = \"double_well\"\naxis = \"y\"\nbarrier = 1e-30\nminima = 6e-9\n"
               "method = \"exact\"\n");
  std::ofstream(dir + "/well.toml") << well;
  const auto refused = run_cli({"evolve", dir + "/well.toml", "--out", dir + "/refused.h5"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(count_lines(nanodecoh::testing::without_backend_notice(refused.err)), 1) << refused.err;
  EXPECT_NE(refused.err.find("protocol[1].method"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("not quadratic"), std::string::npos) << refused.err;
}

// The ftable -> evolve path on two axes, as a user takes it: `nanodecoh ftable` tabulates a
// Lambertian sphere's desorption F at a list of displacements (a line along x as far as the paths
// reach, lines along y and the diagonal to half of that), and `evolve` with method = "exact" on a
// grid of x and y takes F(|dX|) from the file's line once its points off x agree with it. Oracle:
// the closed-form sphere (`desorption_sphere`, docs/physics.md property 8) in the same exact run;
// the two agree within their stated error estimates (as the one-axis FTablePath test). A file
// whose F along y differs (the Gaussian of a along x, a/1.3 along y, written here) is one line
// naming channels[0].file.
TEST(ExactOnSeveralAxes, FtableFileDrivesTheExactMethodThroughTheCli) {
  const std::string dir = make_temp_dir("exact_axes_ftable");
  const double step = 5e-10, root_half = std::sqrt(0.5);
  std::ostringstream points;
  points.precision(17);
  const auto add_line = [&](double ex, double ey, int first, int last) {
    for (int j = first; j <= last; ++j)
      points << (points.tellp() > 0 ? ", " : "") << j * step * ex << ", " << j * step * ey << ", 0";
  };
  add_line(1.0, 0.0, 0, 170);  // to 85 nm (the paths reach 82 nm)
  add_line(0.0, 1.0, 1, 84);
  add_line(root_half, root_half, 1, 84);
  const std::string ftable = nanodecoh::testing::lambertian_sphere_ftable(
      1.0, 1000.0, 0.02,
      "[orientations]\nkind = \"libration\"\naxis = [0, 0, 1]\ncount = 1\nstep = 1.0e-3\n"
      "[displacements]\nkind = \"list\"\npoints = [" +
          points.str() + "]\n",
      1e-6);
  std::ofstream(dir + "/ftable.toml") << ftable;
  const auto made = run_cli(
      {"ftable", dir + "/ftable.toml", "--out", dir + "/F.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string base = R"(
[particle]
mass = 1e-20
[[axes]]
name = "x"
points = 32
step = 1.0e-9
[[axes]]
name = "y"
points = 20
step = 1.5e-9
[initial]
kind = "cat"
axis = "x"
width = 2.0e-9
separation = 8.0e-9
other_width = 2.0e-9
[time]
step = 1.0e-5
outputs = 3
[[protocol]]
duration = 1.0e-4
potential = "free"
method = "exact"
[output]
final_state = true
)";
  const auto a = evolve_json(
      dir, "table", base + "[[channels]]\nkind = \"table\"\nfile = \"" + dir + "/F.h5\"\n");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto ja = nlohmann::json::parse(a.out);
  EXPECT_EQ(ja["steps"], 0);
  EXPECT_NE(ja["methods"][0].get<std::string>().find("2 translation axes"), std::string::npos);
  EXPECT_NE(a.err.find("tabulated on 341 nodes of 5e-10 m"), std::string::npos) << a.err;
  const auto b = evolve_json(dir, "sphere",
                             base +
                                 "[[channels]]\nkind = \"desorption_sphere\"\nrate = 1000.0\n"
                                 "temperature = 0.02\natom_mass = 1.0\n");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto jb = nlohmann::json::parse(b.out);
  EXPECT_LT(ja["exact_error_estimate"].get<double>(), 1e-4);  // the table resolves F
  expect_exact_runs_agree(dir, "table", ja, "sphere", jb, 0.95);
  // An anisotropic file: refused through the CLI, one line naming the file's key.
  const auto anisotropic =
      gaussian_table(1000.0, 5e-9, step, 170, {{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, 1.3);
  {
    auto file = nanodecoh::io::Hdf5File::create(dir + "/A.h5");
    nanodecoh::io::write_ftable(file, anisotropic->table());
  }
  const auto refused = evolve_json(
      dir, "anisotropic", base + "[[channels]]\nkind = \"table\"\nfile = \"" + dir + "/A.h5\"\n");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(count_lines(nanodecoh::testing::without_backend_notice(refused.err)), 1) << refused.err;
  EXPECT_NE(refused.err.find("protocol[0].method"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("channels[0].file"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("is not a function of |dX| alone"), std::string::npos) << refused.err;
}

}  // namespace
