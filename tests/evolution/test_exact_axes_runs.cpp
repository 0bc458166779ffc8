// The exact method on several translation axes in whole runs (heavier than test_exact_axes.cpp:
// Release only, see CMakeLists.txt): the split operator's dt^2 convergence to the exact rho with a
// channel that couples the axes; physical states (eigenvalues of rho); an exact block handing rho
// to the split operator through run_simulation; `evolve` through the CLI against split runs.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "axes_test_support.hpp"
#include "exact_test_support.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/simulation.hpp"
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
  const auto rho = exact.density_matrix(4e-4);
  const std::size_t n = grid.ket_size();
  Eigen::MatrixXcd m(n, n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) m(i, j) = rho[i * n + j];
  // The continuum state's weight outside the box (measured below 1e-12) and the tolerance.
  EXPECT_NEAR(m.trace().real(), 1.0, 1e-10);
  // Hermitian: the chords -d are written as the conjugates of the chords d, exactly; the
  // diagonal's imaginary parts are the rounding of the transform's sums (elements <= 0.01).
  EXPECT_LT((m - m.adjoint()).cwiseAbs().maxCoeff(), 1e-16);
  const Eigen::VectorXd eigen =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd>(m, Eigen::EigenvaluesOnly).eigenvalues();
  // Samples of a positive kernel: positive up to the eigensolver's rounding (n u |rho|).
  EXPECT_GT(eigen.minCoeff(), -1e-13);
  const double purity = (m * m).trace().real();
  EXPECT_GT(purity, 0.0);
  EXPECT_LT(purity, 0.99);  // the channel has mixed the cat
}

// ---- through the run and the CLI ---------------------------------------------------------

// Trap on x (auto: exact), a double well on y (split: not quadratic), free flight (auto: split,
// since the exact method starts from rho on the grid only on one translation axis). The exact
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
  EXPECT_NE(run.segment_plan[2].reason.find("only on one translation axis"), std::string::npos)
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
  const auto r =
      run_cli({"evolve", path, "--out", dir + "/exact.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["steps"], 0);
  ASSERT_EQ(j["segments"].size(), 2u);
  for (const auto& segment : j["segments"]) {
    EXPECT_EQ(segment["method"], "exact") << segment;
    EXPECT_NE(
        segment["reason"].get<std::string>().find("quadratic potential on 2 translation axes"),
        std::string::npos)
        << segment;
  }
  EXPECT_LT(j["exact_error_estimate"].get<double>(), 1e-10);
  const auto exact =
      nanodecoh::io::Hdf5File::open_read(dir + "/exact.h5").read_complex("final/rho");
  ASSERT_EQ(exact.size(), 896u * 896u);
  std::vector<std::vector<cplx>> split;
  for (const char* dt : {"2.0e-6", "1.0e-6"}) {
    const std::string out = dir + "/split" + std::to_string(split.size()) + ".h5";
    const auto s = run_cli({"evolve", path, "--out", out, "--quiet", "--backend", "cpu", "--set",
                            std::string("time.step=") + dt, "--set", "protocol[0].method=\"split\"",
                            "--set", "protocol[1].method=\"split\""});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    split.push_back(nanodecoh::io::Hdf5File::open_read(out).read_complex("final/rho"));
  }
  std::vector<cplx> extrapolated(exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i)
    extrapolated[i] = (4.0 * split[1][i] - split[0][i]) / 3.0;
  const double scale = max_abs(exact);
  const double coarse = max_abs_difference(split[0], exact) / scale,
               fine = max_abs_difference(split[1], exact) / scale;
  EXPECT_NEAR(coarse / fine, 4.0, 0.05);
  // The grid floor of SplitConvergesToExactAsDtSquaredWithACoupledChannel (6.3e-8, the same
  // grid and a heavier particle): bound 2e-7.
  EXPECT_LT(max_abs_difference(extrapolated, exact) / scale, 2e-7)
      << "errors " << coarse << " " << fine;
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

}  // namespace
