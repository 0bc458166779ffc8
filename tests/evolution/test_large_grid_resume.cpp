// Bit-identical resume on a grid of nk^2 = 2^24 elements (64 x 64 ket points, complex64, CPU):
// the chunk rule (schedule.hpp) keeps 8 fused steps per chunk there (a rule of 2^24
// element-steps per chunk gave chunks of one step, paying two half kinetic steps per step),
// a stop is honoured at the first chunk boundary, and the resumed run equals the uninterrupted
// one bit for bit. Slow (about 20 Strang steps of a 2^24-element state): label no_sanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <sstream>

#include "evolution/schedule.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;

TEST(LargeGridResume, StopAndResumeAreBitIdenticalWithFusedChunks) {
  const std::string dir = nanodecoh::testing::make_temp_dir("large_resume");
  ne::SimulationSpec spec;
  ne::Axis x;
  x.name = "x";
  x.points = 64;
  x.step = 1e-9;
  x.inertia = 1e-20;
  ne::Axis y = x;
  y.name = "y";
  spec.axes = {x, y};
  spec.protocol = {ne::Segment{9e-6, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.time_step = 1e-6;  // 9 steps: a chunk of 8, then 1
  spec.initial.kind = ne::InitialKind::gaussian;
  spec.initial.width = 5e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 2;
  spec.precision = ne::Precision::complex64;
  spec.output.checkpoint_file = dir + "/large.ckpt.h5";
  spec.config_toml = "# large grid";
  const ne::Grid grid(spec.axes);
  ASSERT_EQ(grid.total_size(), std::size_t{1} << 24);
  ASSERT_EQ(ne::make_schedule(spec, grid.total_size()).chunk, 8u);

  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  const auto straight = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_EQ(straight.steps, 9u);

  std::atomic<bool> stop{true};
  control.stop = &stop;
  const auto stopped = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.steps, 8u);  // one fused chunk of 8 steps, closed at its boundary

  control.stop = nullptr;
  control.resume_from = spec.output.checkpoint_file;
  const auto resumed = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_EQ(resumed.final_state.size(), straight.final_state.size());
  EXPECT_EQ(0, std::memcmp(resumed.final_state.data(), straight.final_state.data(),
                           straight.final_state.size() * sizeof(cplx)));
}
