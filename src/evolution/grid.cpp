// Grid of the evolution (grid.hpp): coordinates, FFT wave numbers, kinetic
// frequencies hbar k^2/(2M) (eq. (1)) and the additive offsets of the dissipator
// difference table.
#include "nanodecoh/evolution/grid.hpp"

#include <cmath>
#include <set>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

Grid::Grid(std::vector<Axis> axes) : axes_member_(std::move(axes)) {
  if (axes_member_.empty() || axes_member_.size() > 3)
    throw InvalidArgument("axes", std::to_string(axes_member_.size()) + " axes", "1 to 3 axes");
  std::set<std::string> names;
  for (std::size_t a = 0; a < axes_member_.size(); ++a) {
    Axis& axis = axes_member_[a];
    const std::string key = "axes[" + std::to_string(a) + "]";
    if (!names.insert(axis.name).second)
      throw InvalidArgument(key + ".name", axis.name, "a unique axis name");
    require_at_least(key + ".points", static_cast<long long>(axis.points), 2);
    if (axis.kind == AxisKind::rotation && axis.mode == RotationMode::circle)
      axis.step = 2.0 * constants::pi / static_cast<double>(axis.points);
    require_positive(key + ".step", axis.step);
    require_finite(key + ".center", axis.center);
    require_positive(axis.kind == AxisKind::translation ? std::string("particle.mass")
                                                        : std::string("particle.moment_of_inertia"),
                     axis.inertia);
    if (axis.kind == AxisKind::rotation && axis.mode == RotationMode::libration &&
        axis.step * static_cast<double>(axis.points) > 2.0 * constants::pi + 1e-12)
      throw InvalidArgument(key + ".step", format_number(axis.step),
                            "a libration window of at most 2 pi (use mode = \"circle\")");
    if (ket_size_member_ > (std::size_t{1} << 31) / axis.points)
      throw InvalidArgument(key + ".points", std::to_string(axis.points),
                            "a grid of at most 2^31 ket points");
    ket_size_member_ *= axis.points;
  }
  // Difference table: strides row-major over the axes.
  const std::size_t d = axes_member_.size();
  table_strides_member_.assign(d, 1);
  std::vector<std::size_t> table_dims(d);
  for (std::size_t a = 0; a < d; ++a) {
    const std::size_t n = axes_member_[a].points;
    table_dims[a] = axes_member_[a].kind == AxisKind::translation ? 2 * n - 1 : n * n;
  }
  for (std::size_t a = d; a-- > 1;)
    table_strides_member_[a - 1] = table_strides_member_[a] * table_dims[a];
  table_size_member_ = table_strides_member_[0] * table_dims[0];
  ket_offsets_member_.assign(ket_size_member_, 0);
  bra_offsets_member_.assign(ket_size_member_, 0);
  for (std::size_t index = 0; index < ket_size_member_; ++index) {
    const std::vector<std::size_t> idx = unravel(index);
    std::int64_t ko = 0, bo = 0;
    for (std::size_t a = 0; a < d; ++a) {
      const auto n = static_cast<std::int64_t>(axes_member_[a].points);
      const auto s = static_cast<std::int64_t>(table_strides_member_[a]);
      const auto i = static_cast<std::int64_t>(idx[a]);
      if (axes_member_[a].kind == AxisKind::translation) {
        ko += (i + n - 1) * s;  // entry (i - j + n - 1)
        bo -= i * s;
      } else {
        ko += i * n * s;  // entry (i * n + j)
        bo += i * s;
      }
    }
    ket_offsets_member_[index] = ko;
    bra_offsets_member_[index] = bo;
  }
}

std::size_t Grid::axis_index(const std::string& name, const std::string& parameter) const {
  std::string names;
  for (std::size_t a = 0; a < axes_member_.size(); ++a) {
    if (axes_member_[a].name == name) return a;
    names += (a ? ", " : "") + axes_member_[a].name;
  }
  throw InvalidArgument(parameter, name, "the name of an axis (" + names + ")");
}

double Grid::coordinate(std::size_t a, std::size_t i) const {
  const Axis& axis = axes_member_[a];
  return axis.center + (static_cast<double>(i) - static_cast<double>(axis.points / 2)) * axis.step;
}

double Grid::wavenumber(std::size_t a, std::size_t f) const {
  const Axis& axis = axes_member_[a];
  const auto n = static_cast<long long>(axis.points);
  long long signed_f = static_cast<long long>(f);
  if (signed_f >= (n + 1) / 2) signed_f -= n;  // FFT order; n even: f = n/2 -> -n/2
  return 2.0 * constants::pi * static_cast<double>(signed_f) / (static_cast<double>(n) * axis.step);
}

std::vector<std::size_t> Grid::unravel(std::size_t index) const {
  std::vector<std::size_t> idx(axes_member_.size());
  for (std::size_t a = axes_member_.size(); a-- > 0;) {
    idx[a] = index % axes_member_[a].points;
    index /= axes_member_[a].points;
  }
  return idx;
}

std::vector<double> Grid::kinetic_frequencies() const {
  std::vector<double> omega(ket_size_member_, 0.0);
  for (std::size_t index = 0; index < ket_size_member_; ++index) {
    const std::vector<std::size_t> idx = unravel(index);
    double w = 0.0;
    for (std::size_t a = 0; a < axes_member_.size(); ++a) {
      const double k = wavenumber(a, idx[a]);
      w += constants::hbar * k * k / (2.0 * axes_member_[a].inertia);
    }
    omega[index] = w;
  }
  return omega;
}

double Grid::max_momentum(std::size_t a) const {
  return constants::pi * constants::hbar / axes_member_[a].step;
}

void Grid::table_entry(std::size_t t, std::vector<double>& displacement,
                       std::vector<double>& angle_ket, std::vector<double>& angle_bra) const {
  displacement.clear();
  angle_ket.clear();
  angle_bra.clear();
  for (std::size_t a = 0; a < axes_member_.size(); ++a) {
    const std::size_t u = t / table_strides_member_[a];
    t %= table_strides_member_[a];
    const std::size_t n = axes_member_[a].points;
    if (axes_member_[a].kind == AxisKind::translation) {
      displacement.push_back((static_cast<double>(u) - static_cast<double>(n - 1)) *
                             axes_member_[a].step);
    } else {
      angle_ket.push_back(coordinate(a, u / n));
      angle_bra.push_back(coordinate(a, u % n));
    }
  }
}

void Grid::table_entry_indices(std::size_t t, std::vector<long long>& difference,
                               std::vector<std::size_t>& ket_point,
                               std::vector<std::size_t>& bra_point) const {
  difference.clear();
  ket_point.clear();
  bra_point.clear();
  for (std::size_t a = 0; a < axes_member_.size(); ++a) {
    const std::size_t u = t / table_strides_member_[a];
    t %= table_strides_member_[a];
    const std::size_t n = axes_member_[a].points;
    if (axes_member_[a].kind == AxisKind::translation) {
      difference.push_back(static_cast<long long>(u) - static_cast<long long>(n - 1));
    } else {
      ket_point.push_back(u / n);
      bra_point.push_back(u % n);
    }
  }
}

const char* to_string(Precision precision) {
  return precision == Precision::complex128 ? "complex128" : "complex64";
}

}  // namespace nanodecoh::evolution
