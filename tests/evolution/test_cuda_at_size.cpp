// CUDA against the CPU at sizes where the launch geometry matters (issue 14 item 8, issue 15
// item 7): multi-block grids (1-D 4096, 2-D 64 x 64: 2^24 elements), grids of at least 2^20
// elements whose sizes are not multiples of any block size (1-D 1025, 2-D 33 x 31, 3-D
// 11 x 10 x 9), in both precisions, comparing the state, trace, purity and all_finite
// (reductions and grid-stride tails); the stop flag, checkpoints and resume on CUDA; and a CLI
// run with `--backend cuda`. Every test is skipped, with the reason, when no CUDA device is
// usable. scripts/gpu-check.sh runs this file as its "multi-block" stage.
//
// Tolerance of a comparison: an FFT pass rounds by at most about u log2 N (the butterfly depth)
// relative to the largest element, and the same rounded factors at every step make these add
// up coherently over the 4 n passes of n steps (the linear growth measured in complex64 in
// test_physics_backends.cpp). Each backend rounds on its own, so the bound is 10 u 4 n log2 N
// (u = 1.1e-16 / 6.0e-8): the factor 10 because cuFFT's rounding has not been measured here.
// A wrong factor, index or launch gives errors of order one.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "evolution_oracles.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using nanodecoh::Backend;
using nanodecoh::constants::hbar;
using nanodecoh::testing::cplx;

namespace {

double unit_roundoff(ne::Precision precision) {
  return precision == ne::Precision::complex128 ? 1.1e-16 : 6.0e-8;
}
double comparison_tolerance(ne::Precision precision, double steps, double points) {
  return 10.0 * unit_roundoff(precision) * 4.0 * steps * std::log2(points);
}

struct GridCase {
  std::string name;
  std::vector<std::size_t> points;  ///< per axis; the last may be a rotation circle
  bool rotation_last;
  ne::Precision precision;
};

ne::Grid make_grid(const GridCase& c) {
  std::vector<ne::Axis> axes;
  for (std::size_t a = 0; a < c.points.size(); ++a) {
    ne::Axis axis;
    axis.name = std::string(1, static_cast<char>('x' + a));  // x, y, z
    axis.points = c.points[a];
    if (c.rotation_last && a + 1 == c.points.size()) {
      axis.kind = ne::AxisKind::rotation;
      axis.mode = ne::RotationMode::circle;
      axis.inertia = 50.0 * hbar;  // hbar/I = 0.02 1/s: several rotational phases in 0.1 s
    } else {
      axis.kind = ne::AxisKind::translation;
      axis.step = 1e-9;
      axis.inertia = hbar / (axis.step * axis.step) * 0.01;  // hbar/(M dx^2) = 100 1/s
    }
    axes.push_back(axis);
  }
  return ne::Grid(axes);
}

class CudaAgainstCpu : public ::testing::TestWithParam<GridCase> {
 protected:
  void SetUp() override { NANODECOH_REQUIRE_CUDA_DEVICE(); }
};

// A cat (or Gaussian) with a harmonic potential on the first axis, a Gaussian channel on every
// axis and a Janus channel (complex F) on the first: every factor of the step is exercised.
TEST_P(CudaAgainstCpu, StateTracePurityAndAllFiniteAgree) {
  const auto& c = GetParam();
  const ne::Grid grid = make_grid(c);
  const double n0 = static_cast<double>(c.points[0]);
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::cat;
  init.width = std::max(0.03 * n0, 2.0) * 1e-9;  // resolved on every grid (>= 2 steps)
  init.separation = std::max(0.2 * n0, 4.0) * 1e-9;
  init.momentum = 0.5 * hbar / init.width;
  ne::Potential harmonic;
  harmonic.kind = ne::PotentialKind::harmonic;
  harmonic.frequency = 5.0;
  const auto V = ne::potential_on_grid(grid, harmonic);
  const double a = 0.05 * n0 * 1e-9;
  ne::ChannelList channels{
      std::make_shared<ne::GaussianChannel>(4.0, a, c.rotation_last ? 0.5 : 0.0),
      std::make_shared<ne::FunctionChannel>(
          [a](const std::vector<double>& d, const std::vector<double>&,
              const std::vector<double>&) {
            return 3.0 * (1.0 - std::exp(cplx(-d[0] * d[0] / (4 * a * a), d[0] / a)));
          },
          "janus", 3.0 / (2 * a * a))};
  const auto table = ne::evaluate_channels(grid, channels);
  const auto rho0 = ne::make_initial_state(grid, init);
  const std::size_t steps = 6;
  std::unique_ptr<ne::Propagator> props[2] = {
      ne::make_propagator(Backend::cpu, ne::PropagatorLayout::from_grid(grid), c.precision),
      ne::make_propagator(Backend::cuda, ne::PropagatorLayout::from_grid(grid), c.precision)};
  for (auto& p : props) {
    p->set_dissipation(table);
    p->set_state(rho0);
    p->set_segment(0.02, V);
    ASSERT_EQ(p->advance(steps), steps);
  }
  const double tol = comparison_tolerance(c.precision, steps, n0);
  const auto cpu = props[0]->state(), cuda = props[1]->state();
  ASSERT_EQ(cpu.size(), grid.total_size());
  const auto [diff, scale] = nanodecoh::testing::max_difference_and_scale(cpu, cuda);
  EXPECT_LT(diff, tol * scale);
  EXPECT_NEAR(props[1]->trace(), props[0]->trace(), tol);
  EXPECT_NEAR(props[1]->purity() / props[0]->purity(), 1.0, tol);
  // The reductions against a sum done here in long double.
  long double trace = 0, purity = 0;
  for (std::size_t i = 0; i < grid.ket_size(); ++i) trace += cuda[i * grid.ket_size() + i].real();
  for (const auto& v : cuda) purity += std::norm(v);
  EXPECT_NEAR(props[1]->trace(), static_cast<double>(trace), tol);
  EXPECT_NEAR(props[1]->purity() / static_cast<double>(purity), 1.0, tol);
  EXPECT_LT(props[0]->purity(), 0.999);  // dissipation acted
  for (auto& p : props) EXPECT_TRUE(p->all_finite()) << nanodecoh::to_string(p->backend());
  // all_finite sees one bad element at the very end (the tail of a grid-stride loop), and an
  // all-NaN state (a count that must not wrap).
  auto bad = cuda;
  bad.back() = cplx(0.0, std::nan(""));
  for (auto& p : props) {
    p->set_state(bad);
    EXPECT_FALSE(p->all_finite()) << nanodecoh::to_string(p->backend());
  }
  std::fill(bad.begin(), bad.end(), cplx(std::nan(""), std::nan("")));
  for (auto& p : props) {
    p->set_state(bad);
    EXPECT_FALSE(p->all_finite()) << nanodecoh::to_string(p->backend());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Grids, CudaAgainstCpu,
    ::testing::Values(GridCase{"x4096_c128", {4096}, false, ne::Precision::complex128},
                      GridCase{"x4096_c64", {4096}, false, ne::Precision::complex64},
                      GridCase{"x64_phi64_c128", {64, 64}, true, ne::Precision::complex128},
                      GridCase{"x64_phi64_c64", {64, 64}, true, ne::Precision::complex64},
                      GridCase{"x1025_c128", {1025}, false, ne::Precision::complex128},
                      GridCase{"x1025_c64", {1025}, false, ne::Precision::complex64},
                      GridCase{"x33_phi31_c128", {33, 31}, true, ne::Precision::complex128},
                      GridCase{"x11_y10_z9_c64", {11, 10, 9}, false, ne::Precision::complex64}),
    [](const ::testing::TestParamInfo<GridCase>& param_info) { return param_info.param.name; });

// ---- runs on CUDA: stop flag, checkpoints, resume, CLI ---------------------------------------

ne::SimulationSpec checkpoint_spec(const std::string& dir) {
  ne::Axis x;
  x.name = "x";
  x.points = 48;
  x.step = 1e-9;
  x.inertia = 1e-20;
  ne::SimulationSpec spec;
  spec.axes = {x};
  spec.protocol = {ne::Segment{2e-4, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.protocol.push_back(spec.protocol[0]);
  spec.protocol[1].potential.kind = ne::PotentialKind::harmonic;
  spec.protocol[1].potential.frequency = 1e3;
  spec.time_step = 1e-6;
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = 3e-9;
  spec.initial.separation = 12e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 7;
  spec.output.checkpoint_every = 200;
  spec.output.checkpoint_file = dir + "/run.ckpt.h5";
  spec.output.final_state = true;
  spec.config_toml = "# test";
  return spec;
}

ne::RunResult run_quiet(const ne::SimulationSpec& spec, Backend backend,
                        const std::string& resume = "", const std::atomic<bool>* stop = nullptr) {
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  control.resume_from = resume;
  control.stop = stop;
  return ne::run_simulation(spec, backend, control);
}

bool bit_identical(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(cplx)) == 0;
}

TEST(CudaRuns, CheckpointResumeIsBitIdenticalOnCuda) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const std::string dir = nanodecoh::testing::make_temp_dir("cuda_ckpt");
  auto spec = checkpoint_spec(dir);
  const auto straight = run_quiet(spec, Backend::cuda);
  EXPECT_EQ(straight.backend, Backend::cuda);
  ASSERT_EQ(straight.checkpoint_written, spec.output.checkpoint_file);
  const auto resumed = run_quiet(spec, Backend::cuda, spec.output.checkpoint_file);
  EXPECT_TRUE(bit_identical(resumed.final_state, straight.final_state));
  // The same run on the CPU agrees within the rounding of 400 steps on 48 points.
  const auto cpu = run_quiet(spec, Backend::cpu);
  const auto [diff, scale] =
      nanodecoh::testing::max_difference_and_scale(cpu.final_state, straight.final_state);
  EXPECT_LT(diff, comparison_tolerance(ne::Precision::complex128, 400, 48) * scale);
}

TEST(CudaRuns, StopFlagWritesACheckpointAndResumeFinishesOnCuda) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const std::string dir = nanodecoh::testing::make_temp_dir("cuda_stop");
  auto spec = checkpoint_spec(dir);
  spec.output.checkpoint_every = 0;
  const auto straight = run_quiet(spec, Backend::cuda);
  std::atomic<bool> stop{true};
  const auto stopped = run_quiet(spec, Backend::cuda, "", &stop);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_GE(stopped.steps, 1u);
  EXPECT_LT(stopped.steps, 400u);
  const auto resumed = run_quiet(spec, Backend::cuda, spec.output.checkpoint_file);
  EXPECT_TRUE(bit_identical(resumed.final_state, straight.final_state));
}

TEST(CudaRuns, CliEvolveWithBackendCudaMatchesCpu) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const std::string dir = nanodecoh::testing::make_temp_dir("cuda_cli");
  std::ofstream(dir + "/run.toml") << R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 300
step = 1.0e-9
[initial]
kind = "cat"
axis = "x"
width = 8.0e-9
separation = 60.0e-9
[time]
step = 1.0e-6
outputs = 5
[[protocol]]
duration = 2.0e-4
potential = "free"
[[channels]]
kind = "gaussian"
rate = 2000.0
length = 10.0e-9
)";
  nlohmann::json j[2];
  const char* backends[2] = {"cpu", "cuda"};
  for (int b = 0; b < 2; ++b) {
    const auto r = nanodecoh::testing::run_cli({"evolve", dir + "/run.toml", "--out",
                                                dir + "/" + backends[b] + ".h5", "--json",
                                                "--backend", backends[b]});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j[b] = nlohmann::json::parse(r.out);
    EXPECT_EQ(j[b]["backend"], backends[b]);
  }
  const double tol = comparison_tolerance(ne::Precision::complex128, 200, 300);
  for (const char* key : {"trace", "purity"})
    EXPECT_NEAR(j[1]["final"][key].get<double>(), j[0]["final"][key].get<double>(), tol) << key;
  EXPECT_LT(j[0]["final"]["purity"].get<double>(), 0.9);  // dissipation acted
}

}  // namespace
