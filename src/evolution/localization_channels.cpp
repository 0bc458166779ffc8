// The `desorption` and `table` channels (localization_channels.hpp): the grid is
// sampled once into the orientations R(phi_i) of its rotation axis and the
// displacements of its translation axes; the engine integrates F over that set
// in one batched table (desorption eqs. 2-3, 48), or the F-table file is looked
// up on it, completing missing entries by Hermiticity,
// F_{R',R}(-dX) = conj F_{R,R'}(dX) (docs/physics.md property 2).
#include "nanodecoh/evolution/localization_channels.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

Eigen::Matrix3d matrix_of(const std::array<double, 9>& m) {
  Eigen::Matrix3d r;
  r << m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8];
  return r;
}

std::string vector_text(const Eigen::Vector3d& v) {
  std::ostringstream out;
  out << '(' << format_number(v.x()) << ", " << format_number(v.y()) << ", " << format_number(v.z())
      << ')';
  return out.str();
}

/// Smallest step of the grid's translation axes (m); 0 without translation axes.
double smallest_translation_step(const Grid& grid) {
  double step = 0.0;
  for (const Axis& axis : grid.axes())
    if (axis.kind == AxisKind::translation)
      step = step == 0.0 ? axis.step : std::min(step, axis.step);
  return step;
}

/// Displacements are matched to 1e-6 of the grid step (1e-15 m on a grid without translation
/// axes, where every displacement is exactly zero).
double length_tolerance_for(const Grid& grid) {
  const double step = smallest_translation_step(grid);
  return step > 0 ? 1e-6 * step : 1e-15;
}

/// One grid point in the body placement of localization_channels.hpp: X - X' in the lab
/// frame and the ket and bra angles about the rotation axis. Throws InvalidArgument naming
/// `parameter` for more than 3 translation or 1 rotation coordinate.
struct PointPlacement {
  Eigen::Vector3d dx = Eigen::Vector3d::Zero();
  double phi = 0.0, phi_prime = 0.0;
};

PointPlacement place_point(const std::vector<double>& displacement,
                           const std::vector<double>& angle_ket,
                           const std::vector<double>& angle_bra, const std::string& parameter) {
  if (displacement.size() > 3 || angle_ket.size() > 1 || angle_bra.size() != angle_ket.size())
    throw InvalidArgument(parameter, "a point with more than 3 translation or 1 rotation axis",
                          "at most 3 translation axes and 1 rotation axis");
  PointPlacement p;
  for (std::size_t i = 0; i < displacement.size(); ++i)
    p.dx[static_cast<Eigen::Index>(i)] = displacement[i];
  if (!angle_ket.empty()) {
    p.phi = angle_ket[0];
    p.phi_prime = angle_bra[0];
  }
  return p;
}

}  // namespace

GridSampling sample_grid(const Grid& grid, const Eigen::Vector3d& rotation_axis,
                         const std::string& parameter) {
  std::vector<std::size_t> translation, rotation;
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    (grid.axes()[a].kind == AxisKind::translation ? translation : rotation).push_back(a);
  if (translation.size() > 3 || rotation.size() > 1)
    throw InvalidArgument(parameter,
                          std::to_string(translation.size()) + " translation and " +
                              std::to_string(rotation.size()) + " rotation axes",
                          "a grid of at most 3 translation axes and 1 rotation axis");
  GridSampling s;
  if (rotation.empty()) {
    s.angles = {0.0};
  } else {
    for (std::size_t i = 0; i < grid.axes()[rotation[0]].points; ++i)
      s.angles.push_back(grid.coordinate(rotation[0], i));
  }
  s.orientations = localization::rotations_about(rotation_axis, s.angles);
  // Displacements: the tensor product of every translation axis' differences (i - j) step,
  // row-major in the order of the translation axes (the grid table's order).
  std::vector<std::size_t> extent;
  std::size_t count = 1;
  for (std::size_t a : translation) {
    extent.push_back(2 * grid.axes()[a].points - 1);
    count *= extent.back();
  }
  s.displacements.resize(count, Eigen::Vector3d::Zero());
  for (std::size_t k = 0; k < count; ++k) {
    std::size_t rest = k;
    for (std::size_t m = translation.size(); m-- > 0;) {
      const std::size_t u = rest % extent[m];
      rest /= extent[m];
      const Axis& axis = grid.axes()[translation[m]];
      s.displacements[k][static_cast<Eigen::Index>(m)] =
          (static_cast<double>(u) - static_cast<double>(axis.points - 1)) * axis.step;
    }
  }
  // Grid table entry -> (i, j, k).
  const std::size_t p = s.orientations.size(), d = s.displacements.size();
  s.entry.resize(grid.difference_table_size());
  std::vector<long long> difference;
  std::vector<std::size_t> ket, bra;
  for (std::size_t t = 0; t < s.entry.size(); ++t) {
    grid.table_entry_indices(t, difference, ket, bra);
    std::size_t k = 0;
    for (std::size_t m = 0; m < difference.size(); ++m) {
      const auto n = static_cast<long long>(grid.axes()[translation[m]].points);
      k = k * extent[m] + static_cast<std::size_t>(difference[m] + n - 1);
    }
    const std::size_t i = ket.empty() ? 0 : ket[0], j = bra.empty() ? 0 : bra[0];
    s.entry[t] = (i * p + j) * d + k;
  }
  return s;
}

// ---- desorption: the localization engine ------------------------------------------------
LocalizationChannel::LocalizationChannel(
    std::shared_ptr<const localization::LocalizationRate> engine, double tolerance,
    const Eigen::Vector3d& rotation_axis, std::string label)
    : engine_member_(std::move(engine)),
      tolerance_member_(tolerance),
      rotation_axis_member_(rotation_axis),
      label_member_(std::move(label)) {
  if (!engine_member_) throw InvalidArgument("engine", "null", "a localization engine");
  require_in_range("tolerance", tolerance, localization::minimum_tolerance, 1.0);
  localization::rotation_about(rotation_axis, 0.0, "rotation_axis");  // rejects a zero axis
  rotation_axis_member_.normalize();
}

std::complex<double> LocalizationChannel::evaluate(const std::vector<double>& displacement,
                                                   const std::vector<double>& angle_ket,
                                                   const std::vector<double>& angle_bra) const {
  const PointPlacement p = place_point(displacement, angle_ket, angle_bra, label_member_);
  localization::RateOptions options;
  options.tolerance = tolerance_member_;
  return engine_member_
      ->evaluate(localization::rotation_about(rotation_axis_member_, p.phi),
                 localization::rotation_about(rotation_axis_member_, p.phi_prime), p.dx, options)
      .value;
}

namespace {

/// The engine's options for one batch of a channel's values: its tolerance, the run's stop flag
/// (the engine throws Interrupted between batches), a progress line "desorption table" once the
/// engine reports progress and its time estimate when long (both on stderr, when the context
/// asks for them). Keeps the progress line, so it stays in place while the engine runs.
class EngineBatch {
 public:
  EngineBatch(double tolerance, const ChannelTableContext& context) {
    options.tolerance = tolerance;
    options.stop = context.stop;
    options.progress = [this, show = context.progress](std::size_t done, std::size_t total) {
      if (!progress_)
        progress_ = std::make_unique<io::ProgressReporter>("desorption table", total, show,
                                                           "values");
      progress_->update(done);
    };
    options.estimate = [show = context.progress](const localization::WorkEstimate& e) {
      if (show && e.seconds >= localization::estimate_report_seconds)
        std::cerr << "desorption table: " << localization::describe(e) << '\n';
    };
  }
  EngineBatch(const EngineBatch&) = delete;
  EngineBatch& operator=(const EngineBatch&) = delete;
  /// Ends the progress line (if one was started).
  void finish() {
    if (progress_) progress_->finish();
  }

  localization::RateOptions options;

 private:
  std::unique_ptr<io::ProgressReporter> progress_;
};

}  // namespace

std::vector<std::complex<double>> LocalizationChannel::evaluate_points(
    const std::vector<std::vector<double>>& displacement,
    const std::vector<std::vector<double>>& angle_ket,
    const std::vector<std::vector<double>>& angle_bra, const ChannelTableContext& context) const {
  std::vector<localization::LocalizationRate::Point> points;
  points.reserve(displacement.size());
  for (std::size_t i = 0; i < displacement.size(); ++i) {
    const PointPlacement p =
        place_point(displacement[i], angle_ket.at(i), angle_bra.at(i), label_member_);
    points.push_back({localization::rotation_about(rotation_axis_member_, p.phi),
                      localization::rotation_about(rotation_axis_member_, p.phi_prime), p.dx});
  }
  EngineBatch batch(tolerance_member_, context);
  std::vector<std::complex<double>> out;
  out.reserve(points.size());
  for (const localization::RateValue& v :
       engine_member_->values(points, batch.options, context.backend))
    out.push_back(v.value);
  batch.finish();
  return out;
}

std::vector<std::complex<double>> LocalizationChannel::tabulate(
    const Grid& grid, const ChannelTableContext& context) const {
  const GridSampling s = sample_grid(grid, rotation_axis_member_, "channels.kind = \"desorption\"");
  EngineBatch batch(tolerance_member_, context);
  const localization::RateTable table =
      engine_member_->table(s.orientations, s.displacements, batch.options, context.backend);
  batch.finish();
  std::vector<std::complex<double>> out(s.entry.size());
  for (std::size_t t = 0; t < out.size(); ++t) out[t] = table.values[s.entry[t]];
  return out;
}

std::unique_ptr<DissipationChannel> LocalizationChannel::diffusive_approximation() const {
  const auto limit = engine_member_->diffusive_limit();
  const double hbar2 = constants::hbar * constants::hbar;
  const Eigen::Vector3d& u = rotation_axis_member_;
  const double lambda = limit.diffusion(0, 0) / hbar2;
  const double angular_lambda = u.dot(limit.diffusion.bottomRightCorner<3, 3>() * u) / hbar2;
  return std::make_unique<DiffusiveChannel>(lambda, angular_lambda);
}

double LocalizationChannel::recoil_momentum() const {
  return engine_member_->mean_momentum();
}

double LocalizationChannel::rate_scale() const {
  return engine_member_->model().rate;
}

// ---- table: an F-table file ---------------------------------------------------------------
FTableChannel::FTableChannel(io::FTable table, std::string source,
                             const Eigen::Vector3d& rotation_axis, double diffusive_lambda,
                             double angular_lambda)
    : table_member_(std::move(table)),
      source_member_(std::move(source)),
      rotation_axis_member_(rotation_axis),
      lambda_member_(diffusive_lambda),
      angular_lambda_member_(angular_lambda) {
  table_member_.validate(source_member_);
  require_nonnegative("diffusive_lambda", diffusive_lambda);
  require_nonnegative("angular_lambda", angular_lambda);
  localization::rotation_about(rotation_axis, 0.0, "rotation_axis");  // rejects a zero axis
  rotation_axis_member_.normalize();
  io::FTable& t = table_member_;
  for (const auto& v : t.values) scale_member_ = std::max(scale_member_, std::abs(v));
  scale_member_ = std::max(scale_member_, t.rate);
  const double tolerance = relative_accuracy() * scale_member_;
  const std::size_t p = t.orientation_count(), d = t.displacement_count();
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j)
      for (std::size_t k = 0; k < d; ++k) {
        std::complex<double>& v = t.values[(i * p + j) * d + k];
        const std::string where =
            "F[" + std::to_string(i) + ", " + std::to_string(j) + ", " + std::to_string(k) + "]";
        const bool same_orientation =
            (matrix_of(t.orientations[i]) - matrix_of(t.orientations[j])).cwiseAbs().maxCoeff() <=
            1e-12;
        const auto& x = t.displacements[k];
        if (same_orientation && x[0] == 0.0 && x[1] == 0.0 && x[2] == 0.0) {
          // F_{R,R}(0) = 0 (property 1): otherwise the dissipator would not conserve the trace
          if (std::abs(v) > tolerance)
            throw InvalidArgument(source_member_ + ":/" + where,
                                  format_number(v.real()) + " + " + format_number(v.imag()) + "i",
                                  "F_{R,R}(0) = 0 within the table's tolerance " +
                                      format_number(tolerance) + " 1/s (trace conservation)");
          v = 0.0;
        } else if (v.real() < -tolerance) {
          throw InvalidArgument(
              source_member_ + ":/" + where, format_number(v.real()) + " 1/s",
              "Re F >= 0 (within the table's tolerance " + format_number(tolerance) + " 1/s)");
        }
      }
}

double FTableChannel::relative_accuracy() const {
  // the quadrature tolerance the table was computed to, or rounding for tables without one
  return table_member_.tolerance > 0 ? table_member_.tolerance : 1e-12;
}

namespace {

/// Index of the table orientation equal to `r` (to 1e-9 in every element), or npos.
std::size_t find_orientation(const io::FTable& t, const Eigen::Matrix3d& r) {
  for (std::size_t i = 0; i < t.orientation_count(); ++i)
    if ((matrix_of(t.orientations[i]) - r).cwiseAbs().maxCoeff() <= 1e-9) return i;
  return npos;
}

/// Index of the table displacement within `tolerance` (m, every component) of `dx`, or npos.
/// `order` lists the table's displacements sorted by x.
std::size_t find_displacement(const io::FTable& t, const std::vector<std::size_t>& order,
                              const Eigen::Vector3d& dx, double tolerance) {
  auto first = std::lower_bound(order.begin(), order.end(), dx.x() - tolerance,
                                [&](std::size_t k, double x) { return t.displacements[k][0] < x; });
  for (auto it = first; it != order.end() && t.displacements[*it][0] <= dx.x() + tolerance; ++it) {
    const auto& x = t.displacements[*it];
    if (std::fabs(x[1] - dx.y()) <= tolerance && std::fabs(x[2] - dx.z()) <= tolerance) return *it;
  }
  return npos;
}

std::vector<std::size_t> sorted_by_x(const io::FTable& t) {
  std::vector<std::size_t> order(t.displacement_count());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return t.displacements[a][0] < t.displacements[b][0];
  });
  return order;
}

}  // namespace

std::complex<double> FTableChannel::lookup(const Eigen::Matrix3d& ket, const Eigen::Matrix3d& bra,
                                           const Eigen::Vector3d& dx, double length_tolerance,
                                           const std::string& where) const {
  const io::FTable& t = table_member_;
  const std::vector<std::size_t> order = sorted_by_x(t);
  const std::size_t i = find_orientation(t, ket), j = find_orientation(t, bra);
  if (i != npos && j != npos) {
    if (const std::size_t k = find_displacement(t, order, dx, length_tolerance); k != npos)
      return t.at(i, j, k);
    if (const std::size_t k = find_displacement(t, order, -dx, length_tolerance); k != npos)
      return std::conj(t.at(j, i, k));
  }
  throw InvalidArgument(source_member_, "no F for " + where + " nor for its Hermitian partner",
                        "a table covering every grid point (docs/ftable-format.md)");
}

std::complex<double> FTableChannel::evaluate(const std::vector<double>& displacement,
                                             const std::vector<double>& angle_ket,
                                             const std::vector<double>& angle_bra) const {
  const PointPlacement p = place_point(displacement, angle_ket, angle_bra, source_member_);
  return lookup(localization::rotation_about(rotation_axis_member_, p.phi),
                localization::rotation_about(rotation_axis_member_, p.phi_prime), p.dx,
                std::max(1e-9 * p.dx.norm(), 1e-15),
                "dX = " + vector_text(p.dx) + " m, phi = " + format_number(p.phi) + " rad (ket), " +
                    format_number(p.phi_prime) + " rad (bra)");
}

std::vector<std::complex<double>> FTableChannel::tabulate(const Grid& grid,
                                                          const ChannelTableContext&) const {
  const io::FTable& t = table_member_;
  const GridSampling s = sample_grid(grid, rotation_axis_member_, source_member_);
  const double tolerance = length_tolerance_for(grid);
  const std::vector<std::size_t> order = sorted_by_x(t);
  // grid orientation -> table orientation; grid displacement -> table index of dX and of -dX
  std::vector<std::size_t> orientation(s.orientations.size()), plus(s.displacements.size()),
      minus(s.displacements.size());
  for (std::size_t i = 0; i < orientation.size(); ++i)
    orientation[i] = find_orientation(t, s.orientations[i]);
  for (std::size_t k = 0; k < plus.size(); ++k) {
    plus[k] = find_displacement(t, order, s.displacements[k], tolerance);
    minus[k] = find_displacement(t, order, -s.displacements[k], tolerance);
  }
  const std::size_t p = s.orientations.size(), d = s.displacements.size();
  // Both an entry and its Hermitian partner tabulated: they must agree (property 2) within
  // the table's accuracy; a generous 100x margin separates quadrature error from a wrong table.
  const double hermiticity_tolerance = 100.0 * relative_accuracy() * scale_member_;
  std::vector<std::complex<double>> out(s.entry.size());
  for (std::size_t e = 0; e < out.size(); ++e) {
    const std::size_t n = s.entry[e], k = n % d, i = n / d / p, j = (n / d) % p;
    const std::size_t ti = orientation[i], tj = orientation[j];
    const bool direct = ti != npos && tj != npos && plus[k] != npos;
    const bool partner = ti != npos && tj != npos && minus[k] != npos;
    if (!direct && !partner) {
      std::ostringstream what;
      what << "no F for the grid point " << describe_table_entry(grid, e)
           << " (dX = " << vector_text(s.displacements[k]) << " m";
      if (ti == npos || tj == npos)
        what << "; its orientation " << (ti == npos ? i : j) << " (angle "
             << format_number(s.angles[ti == npos ? i : j]) << " rad about "
             << vector_text(rotation_axis_member_) << ") is not in the table";
      what << ") nor for its Hermitian partner";
      throw InvalidArgument(source_member_, what.str(),
                            "a table covering every grid point, with the grid's angles and "
                            "displacements (docs/ftable-format.md)");
    }
    const std::complex<double> value =
        direct ? t.at(ti, tj, plus[k]) : std::conj(t.at(tj, ti, minus[k]));
    if (direct && partner) {
      const std::complex<double> mirror = std::conj(t.at(tj, ti, minus[k]));
      if (std::abs(value - mirror) > hermiticity_tolerance)
        throw InvalidArgument(
            source_member_,
            "F = " + format_number(value.real()) + " + " + format_number(value.imag()) + "i at " +
                describe_table_entry(grid, e) + " but its Hermitian partner " + "gives " +
                format_number(mirror.real()) + " + " + format_number(mirror.imag()) + "i",
            "a Hermitian table, F_{R',R}(-dX) = conj F_{R,R'}(dX) within " +
                format_number(hermiticity_tolerance) + " 1/s");
    }
    out[e] = value;
  }
  return out;
}

std::unique_ptr<DissipationChannel> FTableChannel::diffusive_approximation() const {
  return std::make_unique<DiffusiveChannel>(lambda_member_, angular_lambda_member_);
}

}  // namespace nanodecoh::evolution
