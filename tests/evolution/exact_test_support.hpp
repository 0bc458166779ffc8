// Helpers of the exact method's tests (test_exact_propagator.cpp, test_exact_axes.cpp): grids,
// segments, the Strang split operator as the oracle the exact
// method converges to, and run_simulation with two outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <complex>
#include <sstream>
#include <vector>

#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/protocol.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/ftable_file.hpp"

namespace nanodecoh::testing::exact {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;

constexpr double kMass = 1e-20;  // kg: hbar/M = 1.05e-14 m^2/s
constexpr double kStep = 1e-9;   // m

inline ne::Grid line(std::size_t points, double step = kStep) {
  ne::Axis axis;
  axis.points = points;
  axis.step = step;
  axis.inertia = kMass;
  return ne::Grid({axis});
}

inline ne::Segment segment(ne::PotentialKind kind, double duration, double value = 0.0) {
  ne::Segment s;
  s.duration = duration;
  s.potential.kind = kind;
  if (kind == ne::PotentialKind::harmonic) s.potential.frequency = value;
  if (kind == ne::PotentialKind::linear) s.potential.force = value;
  return s;
}

inline double max_abs_difference(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

/// Strang split operator over the whole protocol, `steps_per_segment` steps in each segment.
inline std::vector<cplx> split_run(const ne::Grid& grid, const std::vector<ne::Segment>& protocol,
                                   const ne::ChannelList& channels,
                                   const ne::InitialStateSpec& initial,
                                   std::size_t steps_per_segment) {
  auto p = ne::make_propagator(nanodecoh::Backend::cpu, ne::PropagatorLayout::from_grid(grid),
                               ne::Precision::complex128);
  p->set_dissipation(ne::evaluate_channels(grid, channels));
  p->set_state(ne::make_initial_state(grid, initial));
  for (const auto& s : protocol) {
    p->set_segment(s.duration / static_cast<double>(steps_per_segment),
                   ne::potential_on_grid(grid, s.potential));
    p->advance(steps_per_segment);
  }
  return p->state();
}

/// run_simulation on the CPU (method "auto" unless the segments say otherwise) with two outputs
/// and its notices kept out of the test's output: the method plan and the result.
inline ne::RunResult run_two_outputs(const ne::Grid& grid, const ne::InitialStateSpec& in,
                                     const std::vector<ne::Segment>& protocol,
                                     const ne::ChannelList& channels, double time_step) {
  ne::SimulationSpec spec;
  spec.axes = grid.axes();
  spec.initial = in;
  spec.protocol = protocol;
  spec.channels = channels;
  spec.time_step = time_step;
  spec.outputs = 2;
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  return ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
}

/// The split operator converges to the exact rho as dt^2 at 25, 50 and 100 steps (ratios 4 within
/// the next order's share, see the callers), 400 steps are within errors[100]/12 of it (the dt^2
/// law gives /16; /12 leaves room for the floor), and with the dt^2 term removed (Richardson,
/// 200 and 400 steps) the two agree to `extrapolated_bound` of max |rho|.
inline void expect_split_converges_to_exact(const ne::Grid& grid,
                                            const std::vector<ne::Segment>& protocol,
                                            const ne::ChannelList& channels,
                                            const ne::InitialStateSpec& in,
                                            double extrapolated_bound) {
  const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-13);
  double error = 1.0;
  const auto reference = exact.density_matrix(exact.duration(), &error);
  EXPECT_LT(error, 1e-12);  // the estimate against 10x the configured tolerance 1e-13
  double scale = 0.0;
  for (const auto& v : reference) scale = std::max(scale, std::abs(v));
  std::vector<double> errors;
  for (std::size_t steps : {25, 50, 100})
    errors.push_back(max_abs_difference(split_run(grid, protocol, channels, in, steps), reference) /
                     scale);
  EXPECT_GT(errors[0], 1e-6) << "the split error should be visible at 25 steps";
  EXPECT_NEAR(errors[0] / errors[1], 4.0, 0.03);
  EXPECT_NEAR(errors[1] / errors[2], 4.0, 0.04);
  const auto coarse = split_run(grid, protocol, channels, in, 200);
  const auto fine = split_run(grid, protocol, channels, in, 400);
  std::vector<cplx> extrapolated(fine.size());
  for (std::size_t i = 0; i < fine.size(); ++i) extrapolated[i] = (4.0 * fine[i] - coarse[i]) / 3.0;
  EXPECT_LT(max_abs_difference(fine, reference) / scale, errors[2] / 12.0);
  EXPECT_LT(max_abs_difference(extrapolated, reference) / scale, extrapolated_bound)
      << "errors " << errors[0] << " " << errors[1] << " " << errors[2] << " extrapolated "
      << max_abs_difference(extrapolated, reference) / scale;
}

/// An F table in memory: identity orientation, displacements j step along each of `directions`
/// (unit vectors of the lab frame) for j = 0..count (dX >= 0 only along x; the channel completes
/// dX < 0 by Hermiticity), F the Gaussian closed form of |dX|, with the y component weighted by
/// `y_weight` (1: a function of |dX|).
inline std::shared_ptr<ne::FTableChannel> gaussian_table(
    double rate, double a, double step, std::size_t count,
    const std::vector<std::array<double, 3>>& directions = {{1.0, 0.0, 0.0}},
    double y_weight = 1.0) {
  nanodecoh::io::FTable table;
  table.orientations = {{1, 0, 0, 0, 1, 0, 0, 0, 1}};
  for (std::size_t d = 0; d < directions.size(); ++d)
    for (std::size_t j = d == 0 ? 0 : 1; j <= count; ++j) {
      const double length = static_cast<double>(j) * step;
      const std::array<double, 3> v{length * directions[d][0], length * directions[d][1],
                                    length * directions[d][2]};
      const double d2 = v[0] * v[0] + y_weight * y_weight * v[1] * v[1] + v[2] * v[2];
      table.displacements.push_back(v);
      table.values.push_back(rate * -std::expm1(-d2 / (4 * a * a)));
    }
  table.rate = rate;
  table.tolerance = 1e-15;
  return std::make_shared<ne::FTableChannel>(table, "gaussian.h5", Eigen::Vector3d(0, 0, 1));
}

}  // namespace nanodecoh::testing::exact
