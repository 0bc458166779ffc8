// Grids, states and channels of the exact method's tests on a translation axis and a libration
// axis together (test_exact_translation_libration.cpp, test_exact_translation_libration_runs.cpp).
// The libration axis mirrors the translation axis in grid units, as the one-axis libration tests
// do (test_exact_propagator.cpp): a step of 0.01 rad for 1 nm and I such that
// hbar/(I dphi^2) = hbar/(M dx^2).
#pragma once

#include <memory>
#include <vector>

#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"

namespace nanodecoh::testing::translation_libration {

namespace ne = nanodecoh::evolution;

constexpr double kMass = 1e-20;                                                   // kg
constexpr double kStep = 1e-9;                                                    // m
constexpr double kAngleStep = 0.01;                                               // rad
constexpr double kInertia = kMass * (kStep / kAngleStep) * (kStep / kAngleStep);  // kg m^2

/// A grid of translation axis x (mass kMass) and libration axis phi (moment of inertia kInertia),
/// in that order, or phi first.
inline ne::Grid mixed_grid(std::size_t x_points, std::size_t phi_points, bool phi_first = false,
                           double x_step = kStep, double phi_step = kAngleStep) {
  ne::Axis x;
  x.name = "x";
  x.points = x_points;
  x.step = x_step;
  x.inertia = kMass;
  ne::Axis phi;
  phi.kind = ne::AxisKind::rotation;
  phi.mode = ne::RotationMode::libration;
  phi.name = "phi";
  phi.points = phi_points;
  phi.step = phi_step;
  phi.inertia = kInertia;
  return phi_first ? ne::Grid({phi, x}) : ne::Grid({x, phi});
}

/// A torque (N m) with the translation tests' force (N) per step.
constexpr double torque(double force) {
  return force * kStep / kAngleStep;
}

/// A cat on axis `axis` of the grid (x or phi, in that axis' units), branches 5 steps apart,
/// width 1.5 steps, half a step off centre, moving; the other axis in a Gaussian of 1.8 steps
/// (other_width in the other axis' unit: the grid has only one other axis).
inline ne::InitialStateSpec cat_on(const ne::Grid& grid, std::size_t axis) {
  const ne::Axis& own = grid.axes()[axis];
  const ne::Axis& other = grid.axes()[1 - axis];
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::cat;
  in.axis = axis;
  in.width = 1.5 * own.step;
  in.separation = 5.0 * own.step;
  in.center = 0.5 * own.step;
  in.momentum = 3e-27 * kStep / own.step;  // the same phase per step on either axis
  in.other_width = 1.8 * other.step;
  return in;
}

}  // namespace nanodecoh::testing::translation_libration
