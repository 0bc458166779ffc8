// The time-dependent potential V(x, phi, t) of the evolution as a protocol: a
// list of segments, each a duration, a static potential on one axis and the
// method that propagates it (eq. (1); docs/physics.md section 4).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"

namespace nanodecoh::evolution {

enum class PotentialKind { free, harmonic, linear, double_well, table };

/// A potential acting on one axis.
struct Potential {
  PotentialKind kind = PotentialKind::free;
  std::size_t axis = 0;
  double frequency =
      0.0;  ///< harmonic: omega (rad/s); V = M omega^2 x^2/2 (circle: I omega^2 (1 - cos phi))
  double force = 0.0;                  ///< linear: V = -force x (N, or N m on a rotation axis)
  double barrier = 0.0;                ///< double_well: V = barrier ((x/minima)^2 - 1)^2 (J)
  double minima = 0.0;                 ///< double_well: position of the minima (m)
  std::vector<double> table_position;  ///< table: ascending coordinates (m or rad)
  std::vector<double> table_value;     ///< table: V (J), linear interpolation, clamped outside
};

/// How a segment is propagated: the Strang split operator on the grid, the exact
/// chord-function solution (exact_propagator.hpp; quadratic potentials, F defined at every
/// displacement), or `automatic`: exact where it applies, the split operator elsewhere.
enum class PropagationMethod { split_operator, exact, automatic };

/// One protocol segment.
struct Segment {
  double duration = 0.0;  ///< s
  Potential potential;
  PropagationMethod method = PropagationMethod::automatic;
};

/// V (J) at every ket grid point (relative to the axis centre).
std::vector<double> potential_on_grid(const Grid& grid, const Potential& potential);

/// Validates a potential on a grid (axis exists; parameters valid). Throws InvalidArgument.
void validate_potential(const Grid& grid, const Potential& potential, const std::string& where);

const char* to_string(PotentialKind kind);
/// "split", "exact" or "auto".
const char* to_string(PropagationMethod method);

}  // namespace nanodecoh::evolution
