// Potentials of the protocol segments (protocol.hpp) evaluated on the ket grid.
#include "nanodecoh/evolution/protocol.hpp"

#include <algorithm>
#include <cmath>

#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

const char* to_string(PotentialKind kind) {
  switch (kind) {
    case PotentialKind::free:
      return "free";
    case PotentialKind::harmonic:
      return "harmonic";
    case PotentialKind::linear:
      return "linear";
    case PotentialKind::double_well:
      return "double_well";
    case PotentialKind::table:
      return "table";
  }
  return "unknown";
}

const char* to_string(PropagationMethod method) {
  switch (method) {
    case PropagationMethod::split_operator:
      return "split";
    case PropagationMethod::exact:
      return "exact";
    case PropagationMethod::automatic:
      return "auto";
  }
  return "unknown";
}

void validate_potential(const Grid& grid, const Potential& p, const std::string& where) {
  if (p.axis >= grid.axis_count())
    throw InvalidArgument(where + ".axis", std::to_string(p.axis), "an existing axis");
  switch (p.kind) {
    case PotentialKind::free:
      break;
    case PotentialKind::harmonic:
      require_nonnegative(where + ".frequency", p.frequency);
      break;
    case PotentialKind::linear:
      require_finite(where + ".force", p.force);
      break;
    case PotentialKind::double_well:
      require_nonnegative(where + ".barrier", p.barrier);
      require_positive(where + ".minima", p.minima);
      break;
    case PotentialKind::table:
      if (p.table_position.size() < 2 || p.table_position.size() != p.table_value.size())
        throw InvalidArgument(where + ".file",
                              std::to_string(p.table_position.size()) + " positions and " +
                                  std::to_string(p.table_value.size()) + " values",
                              "at least 2 positions and as many values");
      for (std::size_t i = 0; i < p.table_position.size(); ++i) {
        require_finite(where + ".table value", p.table_value[i]);
        if (i > 0 && !(p.table_position[i] > p.table_position[i - 1]))
          throw InvalidArgument(where + ".file",
                                "positions not ascending at index " + std::to_string(i),
                                "ascending positions");
      }
      break;
  }
}

namespace {
double evaluate(const Grid& grid, const Potential& p, double x) {
  const Axis& axis = grid.axes()[p.axis];
  switch (p.kind) {
    case PotentialKind::free:
      return 0.0;
    case PotentialKind::harmonic:
      if (axis.kind == AxisKind::rotation && axis.mode == RotationMode::circle)
        return axis.inertia * p.frequency * p.frequency * (1.0 - std::cos(x));
      return 0.5 * axis.inertia * p.frequency * p.frequency * x * x;
    case PotentialKind::linear:
      return -p.force * x;
    case PotentialKind::double_well: {
      const double u = x / p.minima;
      return p.barrier * (u * u - 1.0) * (u * u - 1.0);
    }
    case PotentialKind::table: {
      const auto& xs = p.table_position;
      if (x <= xs.front()) return p.table_value.front();
      if (x >= xs.back()) return p.table_value.back();
      const std::size_t i =
          static_cast<std::size_t>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin()) - 1;
      const double w = (x - xs[i]) / (xs[i + 1] - xs[i]);
      return p.table_value[i] * (1.0 - w) + p.table_value[i + 1] * w;
    }
  }
  return 0.0;
}
}  // namespace

std::vector<double> potential_on_grid(const Grid& grid, const Potential& potential) {
  const std::size_t n = grid.axes()[potential.axis].points;
  std::vector<double> on_axis(n);
  for (std::size_t i = 0; i < n; ++i)
    on_axis[i] = evaluate(grid, potential, grid.coordinate(potential.axis, i));
  std::vector<double> v(grid.ket_size());
  for (std::size_t index = 0; index < v.size(); ++index)
    v[index] = on_axis[grid.unravel(index)[potential.axis]];
  return v;
}

}  // namespace nanodecoh::evolution
