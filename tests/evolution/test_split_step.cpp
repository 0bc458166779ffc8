// Runs of the evolution on the CPU: checkpoints (bit-identical resume, the stop flag,
// corruption detection), the resolution check of initial states, potentials (Ehrenfest for a
// linear force, tabulated against analytic) and the Wigner function's normalisation.
// The physics suites (exact free flight, dense Liouvillian, stationarity, spreading, trace,
// Hermiticity, positivity, purity, complex64) run on every backend and precision in
// test_physics_backends.cpp; CUDA against the CPU at size in test_cuda_at_size.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nanodecoh/backend.hpp"

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using nanodecoh::constants::pi;

namespace {

ne::Axis translation(std::size_t n, double dx, double mass, const std::string& name = "x") {
  ne::Axis a;
  a.kind = ne::AxisKind::translation;
  a.name = name;
  a.points = n;
  a.step = dx;
  a.inertia = mass;
  return a;
}

ne::SimulationSpec base_spec(std::vector<ne::Axis> axes, double duration, double dt) {
  ne::SimulationSpec spec;
  spec.axes = std::move(axes);
  spec.protocol = {ne::Segment{duration, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.time_step = dt;
  spec.outputs = 2;
  return spec;
}

ne::RunResult run_quiet(const ne::SimulationSpec& spec,
                        nanodecoh::Backend backend = nanodecoh::Backend::cpu,
                        const std::string& resume = "") {
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  control.resume_from = resume;
  return ne::run_simulation(spec, backend, control);
}

ne::SimulationSpec checkpoint_spec(const std::string& dir) {
  auto spec = base_spec({translation(48, 1e-9, 1e-20)}, 2e-4, 1e-6);
  spec.protocol.push_back(spec.protocol[0]);
  spec.protocol[1].potential.kind = ne::PotentialKind::harmonic;
  spec.protocol[1].potential.frequency = 1e3;
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = 3e-9;
  spec.initial.separation = 12e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 7;
  spec.output.checkpoint_every = 200;
  spec.output.checkpoint_file = dir + "/run.ckpt.h5";
  spec.output.snapshots = 3;
  spec.config_toml = "# test";
  return spec;
}
}  // namespace

TEST(CheckpointResume, ResumeIsBitIdentical) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_ckpt");
  auto spec = checkpoint_spec(dir);  // 400 steps; the last checkpoint is written at step 200
  const auto straight = run_quiet(spec);
  ASSERT_EQ(straight.checkpoint_written, spec.output.checkpoint_file);
  const auto resumed = run_quiet(spec, nanodecoh::Backend::cpu, spec.output.checkpoint_file);
  ASSERT_EQ(resumed.final_state.size(), straight.final_state.size());
  EXPECT_EQ(0, std::memcmp(resumed.final_state.data(), straight.final_state.data(),
                           straight.final_state.size() * sizeof(cplx)));
  ASSERT_EQ(resumed.series.size(), straight.series.size());
  for (std::size_t k = 0; k < straight.series.size(); ++k)
    EXPECT_EQ(resumed.series[k].purity, straight.series[k].purity);
}

TEST(CheckpointResume, StopFlagWritesACheckpointAndResumeFinishes) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_stop");
  auto spec = checkpoint_spec(dir);
  spec.output.checkpoint_every = 0;
  const auto straight = run_quiet(spec);
  std::atomic<bool> stop{true};
  ne::RunControl control;
  std::ostringstream notices;
  control.notices = &notices;
  control.stop = &stop;
  const auto stopped = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_GE(stopped.steps, 1u);
  EXPECT_LT(stopped.steps, 400u);
  const auto resumed = run_quiet(spec, nanodecoh::Backend::cpu, spec.output.checkpoint_file);
  // The stop is honoured at a chunk boundary of the deterministic schedule, so the resumed
  // run is bit-identical to the straight one.
  ASSERT_EQ(resumed.final_state.size(), straight.final_state.size());
  EXPECT_EQ(0, std::memcmp(resumed.final_state.data(), straight.final_state.data(),
                           straight.final_state.size() * sizeof(cplx)));
}

TEST(CheckpointResume, CorruptCheckpointIsDetected) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_corrupt");
  auto spec = checkpoint_spec(dir);
  run_quiet(spec);
  const std::string path = spec.output.checkpoint_file;
  // Flip bytes in the middle of rho (the largest dataset of the file).
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = std::filesystem::file_size(path);
  for (std::uintmax_t off = size / 3; off < size / 3 + 64; off += 8) {
    f.seekp(static_cast<std::streamoff>(off));
    f.put('\x5a');
  }
  f.close();
  try {
    run_quiet(spec, nanodecoh::Backend::cpu, path);
    FAIL() << "a corrupt checkpoint was accepted";
  } catch (const nanodecoh::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(path, size / 2);
  EXPECT_THROW(run_quiet(spec, nanodecoh::Backend::cpu, path), nanodecoh::IoError);
}

TEST(InitialStateResolution, RefusesUnresolvedStatesWithTheNumbers) {
  ne::Grid grid({translation(64, 1e-9, 1e-18)});
  ne::InitialStateSpec narrow;
  narrow.width = 0.3e-9;
  try {
    ne::check_resolution(grid, ne::make_initial_state(grid, narrow));
    FAIL();
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("momentum"), std::string::npos) << e.what();
  }
  ne::InitialStateSpec wide;
  wide.width = 20e-9;
  EXPECT_THROW(ne::check_resolution(grid, ne::make_initial_state(grid, wide)),
               nanodecoh::InvalidArgument);
}

TEST(SplitStepPotentials, LinearForceFollowsEhrenfest) {
  // V = -F x: <p>(t) = p0 + F t and <x>(t) = p0 t/M + F t^2/(2M) exactly (state far from the
  // edges), and the Strang step (velocity Verlet) is exact for a constant force, so the error
  // is rounding: 4 u n = 2.2e-14 of the momentum spread hbar/(2 s0) = 130 F t, ~3e-12 F t, and
  // of the positions (up to 128 dx) ~1e-13 dx (measured 2e-13 F t and 1e-13 dx, 2026-11-30):
  // bounds 1e-11 F t and 1e-12 dx.
  const double dx = 1e-9, M = 1e-18, s0 = 4 * dx, force = 2e-28, t = 0.5;
  auto spec = base_spec({translation(256, dx, M)}, t, t / 50);
  spec.protocol[0].potential.kind = ne::PotentialKind::linear;
  spec.protocol[0].potential.force = force;
  spec.initial.width = s0;
  spec.initial.center = -20e-9;
  spec.outputs = 3;
  const auto result = run_quiet(spec);
  for (const auto& o : result.series) {
    EXPECT_NEAR(o.axes[0].momentum_mean, force * o.time, 1e-11 * force * t);
    EXPECT_NEAR(o.axes[0].mean, -20e-9 + force * o.time * o.time / (2 * M), 1e-12 * dx);
  }
}

TEST(SplitStepPotentials, TabulatedPotentialMatchesTheAnalyticOne) {
  const double dx = 1e-9, M = hbar / (dx * dx);
  ne::Grid grid({translation(32, dx, M)});
  ne::Potential harmonic;
  harmonic.kind = ne::PotentialKind::harmonic;
  harmonic.frequency = 0.3;
  ne::Potential table;
  table.kind = ne::PotentialKind::table;
  for (double x = -20e-9; x <= 20e-9; x += 0.5e-9) {  // nodes contain the grid points: exact
    table.table_position.push_back(x);
    table.table_value.push_back(0.5 * M * 0.09 * x * x);
  }
  const auto a = ne::potential_on_grid(grid, harmonic), b = ne::potential_on_grid(grid, table);
  // Linear interpolation between nodes on the grid points is exact: the rounding of the two
  // evaluations of 0.5 M w^2 x^2 and of the interpolation weights, ~4 u (measured 3.2e-16 of
  // the largest value): 4e-15.
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], 4e-15 * a.back());
  ne::Potential well;
  well.kind = ne::PotentialKind::double_well;
  well.barrier = 2.0;
  well.minima = 4e-9;
  const auto w = ne::potential_on_grid(grid, well);
  // The quartic at x = 0 and x = minima: a few roundings of values <= 2 (measured 0).
  EXPECT_NEAR(w[16], 2.0, 1e-14);  // x = 0: the barrier
  EXPECT_NEAR(w[20], 0.0, 1e-14);  // x = 4 nm: a minimum
}

TEST(Observables, WignerOfAGaussianIsNormalisedWithPeakOneOverPiHbar) {
  const double dx = 1e-9;
  ne::Grid grid({translation(128, dx, 1e-18)});
  ne::InitialStateSpec init;
  init.width = 6e-9;
  const auto rho = ne::make_initial_state(grid, init);
  ne::ObservableCalculator calc(grid);
  const auto w = calc.wigner(calc.reduced_matrix(rho, 0), 0);
  const auto p = calc.wigner_momenta(0);
  const double dp = p[1] - p[0];
  double sum = 0, peak = 0;
  for (double v : w) {
    sum += v * dx * dp;
    peak = std::max(peak, v);
  }
  // A Gaussian of width 6 dx is sampled with exponentially small error: the normalisation is
  // exact up to the rounding of a sum of 128^2 terms (measured 1e-14): 1e-13; the peak
  // W(0, 0) = 1/(pi hbar) of a pure Gaussian likewise (measured 0): 1e-14.
  EXPECT_NEAR(sum, 1.0, 1e-13);
  EXPECT_NEAR(peak * pi * hbar, 1.0, 1e-14);
}
