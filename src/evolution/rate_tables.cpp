// The tabulated F of the channels without a closed form along the exact method's paths
// (rate_tables.hpp; docs/physics.md, "Tabulated F along the paths" and (TL6)): F-table files
// read as lines and lattices, the engine and the other channels evaluated on them, the values'
// checks (Re F >= 0, F = 0 at zero difference, Hermiticity) and the cubic Hermite interpolants
// with the bounds on their error.
#include "evolution/rate_tables.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "evolution/chord_kernel.hpp"
#include "evolution/exact_grid.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution::detail {

using cplx = std::complex<double>;

// ---- F-table files ------------------------------------------------------------------------

std::string ftable_line(const FTableChannel& channel, double& step, long long& count) {
  const io::FTable& t = channel.table();
  const Eigen::Matrix3d identity = Eigen::Matrix3d::Identity();
  bool has_identity = false;
  for (const auto& o : t.orientations) {
    Eigen::Matrix3d r;
    r << o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8];
    if ((r - identity).cwiseAbs().maxCoeff() <= 1e-9) has_identity = true;
  }
  const std::string name = "channel " + channel.name();
  if (!has_identity)
    return name +
           " has no identity orientation, so no F at zero orientation difference for a "
           "translation axis";
  std::vector<double> x;
  for (const auto& d : t.displacements)
    if (std::fabs(d[1]) <= 1e-9 * std::fabs(d[0]) && std::fabs(d[2]) <= 1e-9 * std::fabs(d[0]))
      x.push_back(std::fabs(d[0]));
  // The step: the smallest |x| clearly above zero (a line centred on a multiple of its step
  // computes its zero as a rounding residue, centre - i step).
  double largest = 0.0;
  for (double v : x) largest = std::max(largest, v);
  step = 0.0;
  for (double v : x)
    if (v > 1e-9 * largest && (step == 0.0 || v < step)) step = v;
  if (step == 0.0)
    return name + " has no displacement along x, so the exact method cannot tabulate F from it";
  std::vector<long long> nodes;
  for (double v : x) {
    const double j = std::round(v / step);
    if (std::fabs(v - j * step) > 1e-6 * step)
      return name + " has displacements along x that are not multiples of its smallest one (" +
             format_number(step) + " m): the exact method needs a uniform line";
    nodes.push_back(static_cast<long long>(j));
  }
  std::sort(nodes.begin(), nodes.end());
  count = 0;
  for (long long j : nodes)
    if (j == count + 1) count = j;  // the contiguous run 0 (F(0) = 0), 1, 2, ...
  return {};
}

namespace {

/// The orientations of an F-table file that are rotations about the channel's rotation axis u
/// (their indices) and their angles (rad): R = exp(a [u]x) has tr R = 1 + 2 cos a and
/// (R - R^T)/2 = sin a [u]x.
void orientation_angles(const FTableChannel& channel, std::vector<std::size_t>& index,
                        std::vector<double>& angle) {
  const io::FTable& t = channel.table();
  const Eigen::Vector3d u = channel.rotation_axis();
  index.clear();
  angle.clear();
  for (std::size_t i = 0; i < t.orientation_count(); ++i) {
    const auto& o = t.orientations[i];
    Eigen::Matrix3d r;
    r << o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8];
    const Eigen::Vector3d axial(0.5 * (r(2, 1) - r(1, 2)), 0.5 * (r(0, 2) - r(2, 0)),
                                0.5 * (r(1, 0) - r(0, 1)));
    const double a = std::atan2(u.dot(axial), 0.5 * (r.trace() - 1.0));
    if ((localization::rotation_about(u, a) - r).cwiseAbs().maxCoeff() <= 1e-9) {
      index.push_back(i);
      angle.push_back(a);
    }
  }
}

}  // namespace

std::string ftable_angle_lattice(const FTableChannel& channel, const std::string& key,
                                 FileLattice& out) {
  const io::FTable& t = channel.table();
  out = FileLattice{};
  out.channel = &channel;
  double& step = out.step;
  double& angle_step = out.angle_step;
  long long& count = out.count;
  long long& angle_count = out.angle_count;
  const std::string name = key + " (" + channel.source() + ")";
  std::vector<std::size_t> index;
  std::vector<double> angle;
  orientation_angles(channel, index, angle);
  if (index.size() < 2)
    return name + " has " + std::to_string(index.size()) +
           " orientation(s) about its rotation axis, so no lattice of angle differences";
  angle_step = 0.0;
  for (double a : angle)
    for (double b : angle)
      if (const double d = std::fabs(a - b); d > 1e-9 && (angle_step == 0.0 || d < angle_step))
        angle_step = d;
  // The displacements along x (signed), and their step.
  std::vector<std::size_t> along;
  step = 0.0;
  for (std::size_t k = 0; k < t.displacement_count(); ++k) {
    const auto& d = t.displacements[k];
    const double length = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (std::fabs(d[1]) > 1e-9 * length || std::fabs(d[2]) > 1e-9 * length) continue;
    along.push_back(k);
    if (std::fabs(d[0]) > 1e-15 && (step == 0.0 || std::fabs(d[0]) < step)) step = std::fabs(d[0]);
  }
  if (step == 0.0)
    return name + " has no displacement along x, so no lattice over (dx, phi - phi')";
  const double accuracy = channel.relative_accuracy() * channel.rate_scale();
  const double agree = 2.0 * accuracy + 1e-14 * channel.rate_scale();
  std::map<std::pair<long long, long long>, cplx> lattice;  // (q, j) -> F
  for (std::size_t a = 0; a < angle.size(); ++a)
    for (std::size_t b = 0; b < angle.size(); ++b) {
      const double d = angle[a] - angle[b], qd = std::round(d / angle_step);
      if (std::fabs(d - qd * angle_step) > 1e-6 * angle_step)
        return name + " has orientation differences that are not multiples of its smallest one (" +
               format_number(angle_step) + " rad): a lattice needs uniform angle differences";
      for (std::size_t k : along) {
        const double x = t.displacements[k][0], jd = std::round(x / step);
        if (std::fabs(x - jd * step) > 1e-6 * step)
          return name + " has displacements along x that are not multiples of its smallest one (" +
                 format_number(step) + " m): a lattice needs a uniform line";
        const auto at = std::make_pair(static_cast<long long>(qd), static_cast<long long>(jd));
        const cplx v = t.at(index[a], index[b], k);
        const auto found = lattice.find(at);
        if (found == lattice.end()) {
          lattice.emplace(at, v);
        } else if (std::abs(v - found->second) > agree) {
          return name + " depends on the orientation otherwise than through phi - phi': F = " +
                 format_number(found->second.real()) + " + " + format_number(found->second.imag()) +
                 "i and " + format_number(v.real()) + " + " + format_number(v.imag()) +
                 "i 1/s at the same phi - phi' = " + format_number(qd * angle_step) +
                 " rad and dx = " + format_number(x) + " m (they differ by " +
                 format_number(std::abs(v - found->second)) +
                 " 1/s, beyond twice the file's accuracy " + format_number(accuracy) + " 1/s)";
        }
      }
    }
  const auto present = [&](long long q, long long j) {
    return lattice.count({q, j}) > 0 || lattice.count({-q, -j}) > 0;
  };
  angle_count = 0;
  while (present(angle_count + 1, 0)) ++angle_count;
  const auto column = [&](long long j) {
    for (long long q = -angle_count; q <= angle_count; ++q)
      if (!present(q, j) || !present(q, -j)) return false;
    return true;
  };
  count = 0;
  while (column(count + 1)) ++count;
  const std::size_t nodes = static_cast<std::size_t>(2 * count + 1);
  out.values.assign(nodes * static_cast<std::size_t>(2 * angle_count + 1), 0.0);
  for (long long q = -angle_count; q <= angle_count; ++q)
    for (long long j = -count; j <= count; ++j) {
      const auto found = lattice.find({q, j});
      out.values[static_cast<std::size_t>(q + angle_count) * nodes +
                 static_cast<std::size_t>(j + count)] =
          found != lattice.end() ? found->second : std::conj(lattice.at({-q, -j}));
    }
  return {};
}

std::string ftable_angle_line(const FTableChannel& channel, const std::string& key, double& step,
                              long long& count, std::vector<cplx>* values) {
  const io::FTable& t = channel.table();
  const std::string name = key + " (" + channel.source() + ")";
  const Eigen::Vector3d u = channel.rotation_axis();
  // Zero displacement: matched as the channel matches a grid without translation axes (1e-15 m).
  std::size_t zero = t.displacement_count();
  for (std::size_t k = 0; k < t.displacement_count(); ++k) {
    const auto& d = t.displacements[k];
    if (std::fabs(d[0]) <= 1e-15 && std::fabs(d[1]) <= 1e-15 && std::fabs(d[2]) <= 1e-15) zero = k;
  }
  if (zero == t.displacement_count())
    return name + " has no displacement dX = 0, so no F of the angle alone for a rotation axis";
  std::vector<std::size_t> index;
  std::vector<double> angle;
  orientation_angles(channel, index, angle);
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on the one-expression form.
  std::string about = "(";
  about.append(format_number(u.x())).append(", ").append(format_number(u.y())).append(", ");
  about.append(format_number(u.z())).append(")");
  if (index.size() < 2)
    return name + " has " + std::to_string(index.size()) + " orientation(s) about " + about +
           ", so no F of a non-zero angle difference";
  // The step: the smallest difference clearly above zero (1e-9 rad: the matrices' matching).
  step = 0.0;
  for (std::size_t a = 0; a < angle.size(); ++a)
    for (std::size_t b = 0; b < angle.size(); ++b) {
      const double d = std::fabs(angle[a] - angle[b]);
      if (d > 1e-9 && (step == 0.0 || d < step)) step = d;
    }
  const double accuracy = channel.relative_accuracy() * channel.rate_scale();
  // Two values of the same F, each within `accuracy` of it, plus rounding of values up to the
  // scale.
  const double agree = 2.0 * accuracy + 1e-14 * channel.rate_scale();
  std::map<long long, cplx> line;                                  // j -> F(j h)
  std::map<long long, std::pair<std::size_t, std::size_t>> first;  // j -> its first pair
  for (std::size_t a = 0; a < angle.size(); ++a)
    for (std::size_t b = 0; b < angle.size(); ++b) {
      const double d = angle[a] - angle[b], jd = std::round(d / step);
      if (std::fabs(d - jd * step) > 1e-6 * step)
        return name + " has orientation differences that are not multiples of its smallest one (" +
               format_number(step) +
               " rad): the exact method needs a uniform line of angle differences";
      const long long j = static_cast<long long>(jd);
      const cplx v = t.at(index[a], index[b], zero);
      const auto found = line.find(j);
      if (found == line.end()) {
        line.emplace(j, v);
        first.emplace(j, std::make_pair(a, b));
      } else if (std::abs(v - found->second) > agree) {
        const auto [fa, fb] = first.at(j);
        return name + " is not a function of the angle difference alone: F = " +
               format_number(found->second.real()) + " + " + format_number(found->second.imag()) +
               "i at phi = " + format_number(angle[fa]) + ", phi' = " + format_number(angle[fb]) +
               " rad but " + format_number(v.real()) + " + " + format_number(v.imag()) +
               "i at phi = " + format_number(angle[a]) + ", phi' = " + format_number(angle[b]) +
               " rad (the same phi - phi'; they differ by " +
               format_number(std::abs(v - found->second)) +
               " 1/s, beyond twice the file's accuracy " + format_number(accuracy) +
               " 1/s): the exact method needs F(phi - phi')";
      }
    }
  count = 0;
  while (line.count(count + 1) > 0 || line.count(-(count + 1)) > 0) ++count;
  if (values != nullptr) {
    values->assign(static_cast<std::size_t>(2 * count + 1), 0.0);
    for (long long j = -count; j <= count; ++j) {
      const auto found = line.find(j);
      (*values)[static_cast<std::size_t>(j + count)] =
          found != line.end() ? found->second : std::conj(line.at(-j));
    }
  }
  return {};
}

// ---- lines and lattices of F ------------------------------------------------------------

namespace {

/// Adds a tabulated channel's values to `sum` (entry by entry): values within the channel's
/// stated accuracy below Re F = 0 are set to 0, as evaluate_channels does; beyond it, or not
/// finite, NumericalError naming the channel and where(i), the place of entry i.
template <class Where>
void add_checked_values(const DissipationChannel& channel, const std::vector<cplx>& values,
                        std::vector<cplx>& sum, const Where& where) {
  double largest = channel.rate_scale();
  for (const cplx& v : values) largest = std::max(largest, std::abs(v));
  const double tolerance = channel.relative_accuracy() * largest;
  for (std::size_t i = 0; i < values.size(); ++i) {
    cplx v = values[i];
    if (!std::isfinite(v.real()) || !std::isfinite(v.imag()) || v.real() < -tolerance)
      throw NumericalError("channel " + channel.name() + " gives F = " + format_number(v.real()) +
                           " + " + format_number(v.imag()) + "i 1/s at " + where(i) +
                           " (expected finite with Re F >= 0 within " + format_number(tolerance) +
                           " 1/s)");
    if (v.real() < 0.0) v.real(0.0);
    sum[i] += v;
  }
}

}  // namespace

std::vector<cplx> rotation_line(const ChannelList& tabulated, double step, long long count,
                                const ChannelTableContext& context) {
  const std::size_t n = static_cast<std::size_t>(2 * count + 1);
  std::vector<cplx> sum(n, 0.0);
  for (const auto& c : tabulated) {
    const DissipationChannel& f = c->definition();
    std::vector<cplx> values;
    if (const auto* table = dynamic_cast<const FTableChannel*>(&f)) {
      double h = 0.0;
      long long file_count = 0;
      std::vector<cplx> line;
      const std::string why = ftable_angle_line(*table, c->name(), h, file_count, &line);
      if (!why.empty() || file_count < count)
        throw NumericalError("channel " + c->name() + " gives no line of " + std::to_string(count) +
                             " angle steps (" + why + ")");
      values.assign(line.begin() + (file_count - count), line.begin() + (file_count + count + 1));
    } else {
      const std::vector<std::vector<double>> none(n);
      std::vector<std::vector<double>> ket(n), bra(n, std::vector<double>{0.0});
      for (long long j = -count; j <= count; ++j)
        ket[static_cast<std::size_t>(j + count)] = {static_cast<double>(j) * step};
      values = c->evaluate_points(none, ket, bra, context);  // a sweep's wrapper keeps them
    }
    add_checked_values(*c, values, sum, [&](std::size_t i) {
      return "phi - phi' = " +
             format_number((static_cast<double>(i) - static_cast<double>(count)) * step) + " rad";
    });
  }
  return sum;
}

long long table_count(double reach, double step) {
  long long n = static_cast<long long>(std::ceil(reach / step)) + 2;
  long long unit = 1;
  while ((n + unit - 1) / unit > 15) unit *= 2;
  return std::max<long long>(8, (n + unit - 1) / unit * unit);
}

double table_value_error(const ChannelList& tabulated, const std::vector<cplx>& values,
                         std::string& names) {
  double largest = 0.0;
  for (const cplx& v : values) largest = std::max(largest, std::abs(v));
  double error = 0.0;
  names.clear();
  for (const auto& c : tabulated) {
    error += c->relative_accuracy() * std::max(c->rate_scale(), largest);
    names += (names.empty() ? "" : ", ") + c->name();
  }
  return error;
}

namespace {

/// Per interval of nodes f (step h) the coefficients of the cubic Hermite interpolant whose
/// node derivatives are the fourth-order finite differences (5 points; one-sided at the ends):
/// O(h^4) everywhere, C^1, and local (a value's error reaches 3 intervals on each side only).
std::vector<cplx> hermite_coefficients(const std::vector<cplx>& f, double h) {
  const std::size_t n = f.size();
  std::vector<cplx> d(n);
  for (std::size_t j = 0; j < n; ++j) {
    if (j >= 2 && j + 2 < n)
      d[j] = (f[j - 2] - 8.0 * f[j - 1] + 8.0 * f[j + 1] - f[j + 2]) / (12.0 * h);
    else if (j == 0)
      d[j] = (-25.0 * f[0] + 48.0 * f[1] - 36.0 * f[2] + 16.0 * f[3] - 3.0 * f[4]) / (12.0 * h);
    else if (j == 1)
      d[j] = (-3.0 * f[0] - 10.0 * f[1] + 18.0 * f[2] - 6.0 * f[3] + f[4]) / (12.0 * h);
    else if (j == n - 2)
      d[j] = -(-3.0 * f[n - 1] - 10.0 * f[n - 2] + 18.0 * f[n - 3] - 6.0 * f[n - 4] + f[n - 5]) /
             (12.0 * h);
    else
      d[j] = -(-25.0 * f[n - 1] + 48.0 * f[n - 2] - 36.0 * f[n - 3] + 16.0 * f[n - 4] -
               3.0 * f[n - 5]) /
             (12.0 * h);
  }
  std::vector<cplx> c(4 * (n - 1));
  for (std::size_t j = 0; j + 1 < n; ++j) {
    const cplx slope = (f[j + 1] - f[j]) / h;
    c[4 * j] = f[j];
    c[4 * j + 1] = d[j];
    c[4 * j + 2] = (3.0 * slope - 2.0 * d[j] - d[j + 1]) / h;
    c[4 * j + 3] = (d[j] + d[j + 1] - 2.0 * slope) / (h * h);
  }
  return c;
}

cplx hermite_at(const std::vector<cplx>& c, std::size_t j, double u) {
  return c[4 * j] + u * (c[4 * j + 1] + u * (c[4 * j + 2] + u * c[4 * j + 3]));
}

}  // namespace

cplx HermiteLine::operator()(double x) const {
  const double u = (x - origin) / step;
  const std::size_t last = coefficients.size() / 4 - 1;
  const std::size_t j = std::min(static_cast<std::size_t>(std::max(u, 0.0)), last);
  return hermite_at(coefficients, j, x - origin - static_cast<double>(j) * step);
}

HermiteLine hermite_line(const std::vector<cplx>& values, double origin, double step) {
  HermiteLine line;
  line.coefficients = hermite_coefficients(values, step);
  line.origin = origin;
  line.step = step;
  std::vector<cplx> even;
  for (std::size_t j = 0; j < values.size(); j += 2) even.push_back(values[j]);
  const std::vector<cplx> half = hermite_coefficients(even, 2.0 * step);
  for (std::size_t j = 1; j + 1 < values.size(); j += 2)
    line.error_bound =
        std::max(line.error_bound, std::abs(hermite_at(half, j / 2, step) - values[j]));
  return line;
}

namespace {

/// The cubic Hermite coefficients of every row of a lattice of values (rows x nodes, row-major,
/// node spacing h) as doubles in chord::TabulatedRate's layout: per row, per interval, Re and Im
/// of c_0..c_3.
std::vector<double> lattice_coefficients(const std::vector<cplx>& values, std::size_t rows,
                                         std::size_t nodes, double h) {
  std::vector<double> out;
  out.reserve(rows * 8 * (nodes - 1));
  for (std::size_t i = 0; i < rows; ++i) {
    const std::vector<cplx> row(values.begin() + static_cast<std::ptrdiff_t>(i * nodes),
                                values.begin() + static_cast<std::ptrdiff_t>((i + 1) * nodes));
    for (const cplx& c : hermite_coefficients(row, h)) {
      out.push_back(c.real());
      out.push_back(c.imag());
    }
  }
  return out;
}

}  // namespace

RateLattice rate_lattice(const Grid& grid, const ChannelList& tabulated, double step,
                         long long count, double angle_step, long long angle_count,
                         const ChannelTableContext& context,
                         const std::vector<FileLattice>& file_lattices, const RateLattice* coarser,
                         std::size_t dx_factor, std::size_t angle_factor) {
  const std::size_t nodes = static_cast<std::size_t>(2 * count + 1),
                    rows = static_cast<std::size_t>(2 * angle_count + 1);
  const std::size_t axes = translation_axes(grid).size();
  const auto displacement = [&](std::size_t j) {
    return (static_cast<double>(j) - static_cast<double>(count)) * step;
  };
  const auto angle = [&](std::size_t i) {
    return (static_cast<double>(i) - static_cast<double>(angle_count)) * angle_step;
  };
  RateLattice lattice;
  lattice.values.assign(rows * nodes, 0.0);
  // The points to evaluate (row-major indices), the others copied from `coarser`.
  std::vector<std::size_t> fresh;
  const std::size_t coarse_nodes = nodes / dx_factor + 1;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < nodes; ++j) {
      if (coarser && i % angle_factor == 0 && j % dx_factor == 0)
        lattice.values[i * nodes + j] =
            coarser->values[(i / angle_factor) * coarse_nodes + j / dx_factor];
      else
        fresh.push_back(i * nodes + j);
    }
  if (fresh.empty()) return lattice;
  ChannelList files;
  std::vector<cplx> sum(fresh.size(), 0.0);
  const auto where = [&](std::size_t q) {
    return "dX = " + format_number(displacement(fresh[q] % nodes)) +
           " m, phi - phi' = " + format_number(angle(fresh[q] / nodes)) + " rad";
  };
  for (const auto& c : tabulated) {
    if (const auto* table = dynamic_cast<const FTableChannel*>(&c->definition())) {
      const auto own = std::find_if(file_lattices.begin(), file_lattices.end(),
                                    [&](const FileLattice& f) { return f.channel == table; });
      if (own == file_lattices.end()) {
        files.push_back(c);
        continue;
      }
      const long long n = own->count, m = own->angle_count;
      if (n < count || m < angle_count || std::fabs(own->step - step) > 1e-6 * step ||
          std::fabs(own->angle_step - angle_step) > 1e-6 * angle_step)
        throw NumericalError("channel " + c->name() + " gives no lattice of " +
                             std::to_string(count) + " x " + std::to_string(angle_count) +
                             " steps of " + format_number(step) + " m and " +
                             format_number(angle_step) + " rad per side");
      std::vector<cplx> values(fresh.size());
      for (std::size_t q = 0; q < fresh.size(); ++q) {
        const std::size_t i = fresh[q] / nodes, j = fresh[q] % nodes;
        values[q] =
            own->values[static_cast<std::size_t>(static_cast<long long>(i) - angle_count + m) *
                            static_cast<std::size_t>(2 * n + 1) +
                        static_cast<std::size_t>(static_cast<long long>(j) - count + n)];
      }
      add_checked_values(*c, values, sum, where);
      continue;
    }
    std::vector<std::vector<double>> d(fresh.size(), std::vector<double>(axes, 0.0)),
        ket(fresh.size()), bra(fresh.size(), std::vector<double>{0.0});
    for (std::size_t q = 0; q < fresh.size(); ++q) {
      d[q][0] = displacement(fresh[q] % nodes);
      ket[q] = {angle(fresh[q] / nodes)};
    }
    add_checked_values(*c, c->evaluate_points(d, ket, bra, context), sum, where);
  }
  if (!files.empty()) {
    Axis line = grid.axes()[translation_axes(grid).front()];  // lab x
    line.points = static_cast<std::size_t>(count) + 1;
    line.step = step;
    line.center = 0.0;
    const std::vector<cplx> f = evaluate_channels(Grid({line}), files, context);
    for (std::size_t q = 0; q < fresh.size(); ++q) sum[q] += f[fresh[q] % nodes];
  }
  for (std::size_t q = 0; q < fresh.size(); ++q) lattice.values[fresh[q]] = sum[q];
  return lattice;
}

void interpolate_lattice(RateLattice& lattice, long long count, double step, long long angle_count,
                         double angle_step) {
  const std::size_t nodes = static_cast<std::size_t>(2 * count + 1),
                    rows = static_cast<std::size_t>(2 * angle_count + 1);
  lattice.coefficients = lattice_coefficients(lattice.values, rows, nodes, step);
  const std::size_t coarse_nodes = nodes / 2 + 1, coarse_rows = rows / 2 + 1;
  std::vector<cplx> coarse;
  coarse.reserve(coarse_rows * coarse_nodes);
  for (std::size_t i = 0; i < rows; i += 2)
    for (std::size_t j = 0; j < nodes; j += 2) coarse.push_back(lattice.values[i * nodes + j]);
  const std::vector<double> coarse_coefficients =
      lattice_coefficients(coarse, coarse_rows, coarse_nodes, 2.0 * step);
  chord::TabulatedRate half;
  half.intervals = static_cast<int>(coarse_nodes - 1);
  half.origin = -static_cast<double>(count) * step;
  half.step = 2.0 * step;
  half.coefficients = coarse_coefficients.data();
  half.angle_nodes = static_cast<int>(coarse_rows);
  half.angle_origin = -static_cast<double>(angle_count) * angle_step;
  half.angle_step = 2.0 * angle_step;
  double bound = 0.0;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = i % 2 == 0 ? 1 : 0; j < nodes; j += i % 2 == 0 ? 2 : 1) {
      // The fine lattice's point, kept inside the coarse one against rounding at its edges.
      const double r = std::clamp(half.origin + static_cast<double>(j) * step, half.origin,
                                  half.origin + static_cast<double>(half.intervals) * half.step);
      const double theta = std::clamp(
          half.angle_origin + static_cast<double>(i) * angle_step, half.angle_origin,
          half.angle_origin + static_cast<double>(half.angle_nodes - 1) * half.angle_step);
      const chord::Complex v = chord::table_rate_2d(half, r, theta);
      bound = std::max(bound, std::abs(cplx(v.re, v.im) - lattice.values[i * nodes + j]));
    }
  lattice.interpolation_error = bound;
}

void check_table_symmetry(std::vector<cplx>& values, double value_error, const std::string& names,
                          const std::string& zero,
                          const std::function<std::string(std::size_t)>& where) {
  const double bound = 100.0 * value_error + 1e-300;
  const std::size_t centre = values.size() / 2;
  if (std::abs(values[centre]) > bound)
    throw NumericalError("the tabulated channels (" + names + ") give F(" + zero +
                         ") = " + format_number(values[centre].real()) + " + " +
                         format_number(values[centre].imag()) + "i 1/s (expected 0 within " +
                         format_number(bound) + " 1/s)");
  values[centre] = 0.0;
  for (std::size_t p = centre + 1; p < values.size(); ++p) {
    const cplx mirror = std::conj(values[values.size() - 1 - p]);
    if (std::abs(values[p] - mirror) > bound)
      throw NumericalError(
          "the tabulated channels (" + names + ") are not Hermitian: F(" + where(p) +
          ") = " + format_number(values[p].real()) + " + " + format_number(values[p].imag()) +
          "i but conj F at the mirrored point (" + where(values.size() - 1 - p) + ") is " +
          format_number(mirror.real()) + " + " + format_number(mirror.imag()) +
          "i 1/s (expected equal within " + format_number(bound) + " 1/s)");
  }
}

}  // namespace nanodecoh::evolution::detail
