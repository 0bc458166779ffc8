// Grids, segments and states of the exact method's tests on several translation axes
// (test_exact_axes.cpp, test_exact_axes_runs.cpp).
#pragma once

#include <algorithm>
#include <complex>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::testing::axes {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;

/// A grid of translation axes x, y (and z) with the given points, steps (m) and masses (kg).
inline ne::Grid axes_grid(const std::vector<std::size_t>& points, const std::vector<double>& steps,
                          const std::vector<double>& masses,
                          const std::vector<double>& centres = {}) {
  std::vector<ne::Axis> axes;
  const char* names[] = {"x", "y", "z"};
  for (std::size_t a = 0; a < points.size(); ++a) {
    ne::Axis axis;
    axis.name = names[a];
    axis.points = points[a];
    axis.step = steps[a];
    axis.inertia = masses[a];
    axis.center = centres.empty() ? 0.0 : centres[a];
    axes.push_back(axis);
  }
  return ne::Grid(axes);
}

/// The two-axis grid of the comparisons with the split operator: 32 points of 1 nm on x, 28 of
/// 1.3 nm on y (centred at 1 nm), different masses. It holds small_cat(0) with its amplitude
/// below 1e-7 at the box's edges and its momenta within 8 widths of the band limit: a state the
/// periodic box of the split operator represents as the continuum (measured: an amplitude of
/// 2e-3 at the edges costs 6e-4 of max |rho| in free flight, 2e-6 costs 2e-6).
inline ne::Grid plane() {
  return axes_grid({32, 28}, {1e-9, 1.3e-9}, {1e-20, 1.5e-20}, {0.0, 1e-9});
}

inline ne::Segment on_axis(ne::Segment s, std::size_t axis) {
  s.potential.axis = axis;
  return s;
}

/// The cat of the two-axis cases on axis `axis`: branches 6 nm apart, width 1.5 nm, off centre and
/// moving; every other axis in a Gaussian of 2.2 nm.
inline ne::InitialStateSpec small_cat(std::size_t axis = 0) {
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::cat;
  in.axis = axis;
  in.width = 1.5e-9;
  in.separation = 6e-9;
  in.center = 0.5e-9;
  in.momentum = 3e-27;
  in.other_width = 2.2e-9;
  return in;
}

inline double max_abs(const std::vector<cplx>& v) {
  double m = 0.0;
  for (const cplx& x : v) m = std::max(m, std::abs(x));
  return m;
}

}  // namespace nanodecoh::testing::axes
