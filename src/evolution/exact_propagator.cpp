// The exact chord-function propagator (exact_propagator.hpp; docs/physics.md section 4,
// "Exact chord-function method").
//
// Conventions: chi(k, r) = int dX exp(-i k X) rho(X + r/2, X - r/2), eta = (-k, r/hbar) the
// dual of the Wigner variables (X, p). A segment whose classical flow is z -> S z + d maps
//   chi_end(eta) = exp(i eta.d) chi_start(S^T eta),
// so the characteristic runs backwards from (k, r) at the segment's end:
//   free:      k' = k,                             r' = r - (hbar/M) k tau
//   harmonic:  k' = k cos(w tau) + (M w/hbar) sin(w tau) r,
//              r' = r cos(w tau) - (hbar/(M w)) sin(w tau) k
//   linear F0: as free, with the phase -k F0 T^2/(2M) + r F0 T/hbar over the segment,
// tau the time before the segment's end. The dissipator multiplies chi by exp(-F(r) dt) at
// every point of that path, hence the factor exp(-int F(r(s)) ds).
#include "nanodecoh/evolution/exact_propagator.hpp"

#include "evolution/chord_model.hpp"
#include "evolution/radix2_fft.hpp"
#include "numerics/gauss_kronrod.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;

/// (k, r) at time tau before the end of a segment whose end point is (k, r).
void map_back(const Segment& segment, double mass, double tau, double& k, double& r) {
  const double hbar = constants::hbar;
  const Potential& p = segment.potential;
  if (p.kind == PotentialKind::harmonic && p.frequency > 0.0) {
    const double w = p.frequency, c = std::cos(w * tau), s = std::sin(w * tau);
    const double k0 = k * c + mass * w / hbar * s * r;
    const double r0 = r * c - hbar / (mass * w) * s * k;
    k = k0;
    r = r0;
    return;
  }
  r -= hbar / mass * k * tau;  // free, linear force and harmonic with w = 0
}

/// Adaptive Gauss-Kronrod 7-15 on [a, b] by recursive bisection, without allocation (one
/// call per point of chi, from many threads). An interval is accepted when |K15 - G7| is at
/// most its share `tol (b - a)/span` of the absolute tolerance or 1e-14 |K15| (rounding); the
/// accepted |K15 - G7| are summed into `error` (a bound: K15 is far more accurate than G7).
template <typename F>
cplx adaptive_gk15(const F& f, double a, double b, double tol, double span, double& error,
                   int depth = 0) {
  const double centre = 0.5 * (a + b);
  const auto [kronrod, gauss] = numerics::gk15_panel<cplx>(f, a, b);
  const double estimate = std::abs(kronrod - gauss);
  // A non-finite F (or an interval that will not converge within 2^-30 of the segment) is
  // accepted as it is: its error estimate (inf for NaN/inf) is reported, never hidden.
  if (!std::isfinite(estimate) ||
      estimate <= std::max(tol * (b - a) / span, 1e-14 * std::abs(kronrod)) || depth >= 30) {
    if (!std::isfinite(estimate)) {
      error = std::numeric_limits<double>::infinity();
      return kronrod;
    }
    error += estimate;
    return kronrod;
  }
  return adaptive_gk15(f, a, centre, tol, span, error, depth + 1) +
         adaptive_gk15(f, centre, b, tol, span, error, depth + 1);
}

// ---- the tabulated F of the channels without a closed form ------------------------------

/// A channel whose F the chi kernel evaluates in closed form (make_chord_model); every other
/// channel is tabulated.
bool closed_form(const DissipationChannel& channel) {
  return channel.defined_off_grid();
}

/// -ln(1e-30/4): chord_at skips points whose chi_0 at the start of the path is below 1e-30, and
/// a cat's chi_0 is at most 4/2 times its largest term (trace >= 2), so every point that is
/// integrated starts where each Gaussian factor of one term is at least exp(-70.5).
constexpr double kSupportLog = 70.5;

/// max over tau in [0, span] of |alpha cos(w tau) + beta sin(w tau)| = |A cos(w tau - phi)|.
double max_abs_sinusoid(double alpha, double beta, double w, double span) {
  const double amplitude = std::hypot(alpha, beta), phi = std::atan2(beta, alpha);
  const double first_peak = phi + std::ceil(-phi / constants::pi) * constants::pi;
  if (first_peak <= w * span) return amplitude;
  return std::max(std::fabs(alpha),
                  std::fabs(alpha * std::cos(w * span) + beta * std::sin(w * span)));
}

/// Where the F-table file of `channel` has F at zero orientation difference (identity ket and
/// bra orientations) along lab x: the step h and the largest J with every j h, |j| <= J, present
/// (directly or by Hermiticity). Returns "" or why the file cannot serve as a line.
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

/// True when the run has one axis and it is a rotation axis (a libration window: the obstacle
/// refuses circles). There r is the angle difference phi - phi' (rad), k is conjugate to the centre
/// angle (1/rad) and the axis' inertia is the moment of inertia I. (On several axes a libration
/// axis is one axis of the product: the tabulated F is a function of the translation chords.)
bool on_rotation_axis(const Grid& grid) {
  return grid.axis_count() == 1 && grid.axes()[0].kind == AxisKind::rotation;
}

/// The indices of the grid's translation axes, in order (translation axis number i is lab axis i:
/// x, y, z, as the channels place displacements).
std::vector<std::size_t> translation_axes(const Grid& grid) {
  std::vector<std::size_t> out;
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    if (grid.axes()[a].kind == AxisKind::translation) out.push_back(a);
  return out;
}

/// The index of the grid's rotation axis; grid.axis_count() when it has none.
std::size_t rotation_axis_index(const Grid& grid) {
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    if (grid.axes()[a].kind == AxisKind::rotation) return a;
  return grid.axis_count();
}

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

/// An F-table file read as a lattice over (dx, phi - phi') (TL6), for a translation axis x with a
/// libration axis: F(j h, q h_theta) = F_{R(a), R(b)}(j h e_x) for every pair of the file's
/// orientations about the channel's rotation axis with a - b = q h_theta and every displacement
/// j h along x (and, where a point is missing, conj F(-j h, -q h_theta), Hermiticity). F must
/// depend on the orientations through a - b alone: values at the same (j, q) must agree within
/// twice the file's accuracy plus rounding, as in ftable_angle_line. `step`, `angle_step`
/// receive h and h_theta (the smallest ones), `angle_count` the largest M with every |q| <= M
/// present at dx = 0, `count` the largest N with every (j, q), |j| <= N, |q| <= M present, and
/// `values` (if set) the lattice row-major, row q + M, node j + N. Returns "" or why the file
/// cannot serve as such a lattice; `key` names the channel's file for the message.
std::string ftable_angle_lattice(const FTableChannel& channel, const std::string& key, double& step,
                                 long long& count, double& angle_step, long long& angle_count,
                                 std::vector<cplx>* values) {
  const io::FTable& t = channel.table();
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
  if (values != nullptr) {
    const std::size_t nodes = static_cast<std::size_t>(2 * count + 1);
    values->assign(nodes * static_cast<std::size_t>(2 * angle_count + 1), 0.0);
    for (long long q = -angle_count; q <= angle_count; ++q)
      for (long long j = -count; j <= count; ++j) {
        const auto found = lattice.find({q, j});
        (*values)[static_cast<std::size_t>(q + angle_count) * nodes +
                  static_cast<std::size_t>(j + count)] =
            found != lattice.end() ? found->second : std::conj(lattice.at({-q, -j}));
      }
  }
  return {};
}

/// The line of an F-table file on a rotation axis: F(j h) = F_{R(a), R(b)}(0) for every pair of
/// the file's orientations about the channel's rotation axis with a - b = j h, at zero
/// displacement. F must depend on the angle difference alone: pairs with the same difference
/// must agree within twice the file's stated accuracy (each value within it of the truth), plus
/// rounding. `step` receives h (the smallest difference), `count` the largest J with every
/// |j| <= J present (directly or as the Hermitian partner of -j), and `values` (if set) F(j h)
/// for j = -count..count. Returns "" or why the file cannot serve as a line; `key` names the
/// channel's file for the message.
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

/// Why a channel cannot act on the exact method's rotation axis (channels[c]); "" when it can:
/// its F must be a function of the angle difference alone. The closed forms gaussian and
/// diffusive are (functions of the chord 2 sin((phi - phi')/2)); the engine's desorption is, by
/// isotropy (F_{QR, QR'}(Q dX) = F_{R, R'}(dX) for every rotation Q, so at dX = 0 F depends on
/// R^T R' alone, a rotation by phi' - phi about the axis); an F-table file is checked pair by
/// pair (ftable_angle_line); any other channel is checked on the grid's pairs.
std::string rotation_channel_obstacle(const Grid& grid, const DissipationChannel& channel,
                                      std::size_t c) {
  const DissipationChannel& f = channel.definition();
  const std::string key = "channels[" + std::to_string(c) + "]";
  if (dynamic_cast<const GaussianChannel*>(&f) || dynamic_cast<const DiffusiveChannel*>(&f) ||
      dynamic_cast<const LocalizationChannel*>(&f))
    return {};
  if (dynamic_cast<const DesorptionSphereChannel*>(&f))
    return key +
           " (desorption_sphere) cannot model a rotation axis (its F ignores the "
           "orientation; use kind = \"desorption\")";
  if (const auto* table = dynamic_cast<const FTableChannel*>(&f)) {
    double step = 0.0;
    long long count = 0;
    return ftable_angle_line(*table, key + ".file", step, count, nullptr);
  }
  // Any other channel: F on the grid's (phi_i, phi_j) pairs must depend on i - j alone.
  const std::size_t n = grid.axes()[0].points;
  const std::vector<cplx> table = f.tabulate(grid, ChannelTableContext{});
  double scale = f.rate_scale();
  for (const cplx& v : table) scale = std::max(scale, std::abs(v));
  const double agree = 2.0 * f.relative_accuracy() * scale + 1e-14 * scale;
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 1; j < n; ++j) {
      const cplx v = table[i * n + j], along = table[(i - 1) * n + (j - 1)];
      if (std::abs(v - along) > agree)
        return key + " (" + f.name() +
               ") is not a function of the angle difference alone on the grid: F = " +
               format_number(v.real()) + " + " + format_number(v.imag()) +
               "i at phi = " + format_number(grid.coordinate(0, i)) +
               ", phi' = " + format_number(grid.coordinate(0, j)) + " rad but " +
               format_number(along.real()) + " + " + format_number(along.imag()) +
               "i one step lower on both (the exact method needs F(phi - phi'))";
    }
  return {};
}

/// The step of the line table: the F-table files' (which must agree) or, without one, a quarter
/// of the grid step (the least of the axes') and of hbar over the largest typical recoil
/// momentum (the length on which emission F varies, 1/k_T for desorption).
std::string choose_table_step(const Grid& grid, const ChannelList& channels, double& step,
                              long long& file_count) {
  step = 0.0;
  file_count = -1;
  double file_step = 0.0;
  const bool rotation = on_rotation_axis(grid);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const auto& c = channels[i];
    if (closed_form(*c)) continue;
    if (const auto* table = dynamic_cast<const FTableChannel*>(&c->definition())) {
      double h = 0.0;
      long long count = 0;
      const std::string why =
          rotation ? ftable_angle_line(*table, "channels[" + std::to_string(i) + "].file", h, count,
                                       nullptr)
                   : ftable_line(*table, h, count);
      if (!why.empty()) return why;
      if (file_step > 0.0 && std::fabs(h - file_step) > 1e-6 * file_step)
        return std::string("the F-table files have different steps ") +
               (rotation ? "of angle (" : "along x (") + format_number(file_step) + " and " +
               format_number(h) + (rotation ? " rad)" : " m)");
      file_step = h;
      file_count = file_count < 0 ? count : std::min(file_count, count);
    }
  }
  if (file_step > 0.0) {
    step = file_step;
    return {};
  }
  // A quarter of the least step of the axes the table's variable lives on: the rotation axis
  // alone, or the translation axes (a libration axis among them does not enter |dX|).
  step = INFINITY;
  for (const Axis& axis : grid.axes())
    if (rotation || axis.kind == AxisKind::translation) step = std::min(step, 0.25 * axis.step);
  // (On a rotation axis a recoil momentum is not a scale of the angle: a quarter of the grid's
  // angular step, the scale on which the split operator samples F.)
  if (!rotation)
    for (const auto& c : channels)
      if (!closed_form(*c) && c->recoil_momentum() > 0.0)
        step = std::min(step, 0.25 * constants::hbar / c->recoil_momentum());
  return {};
}

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

/// The tabulated channels' summed F on the line of angle differences j step, |j| <= count, of
/// a rotation axis (F(phi - phi'), which rotation_channel_obstacle has established): an F-table
/// file's values at its own pairs (ftable_angle_line), every other channel evaluated at ket angle
/// j step and bra angle 0 (the engine in one batched call, DissipationChannel::evaluate_points,
/// on the run's backend, with its stop flag and progress line). A rotation line is not a grid (its
/// extent may exceed a libration window's 2 pi), so DissipationChannel::tabulate is not used.
/// Values within a channel's stated accuracy below Re F = 0 are set to 0, as evaluate_channels
/// does; beyond it, or not finite, NumericalError.
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

/// Nodes per side of the line table for the reach: ceil(reach/h) + 2, rounded up to m 2^e with
/// m in [8, 16) (at most 1/8 more), so that runs with nearby reaches (sweep points) use the same
/// line and share its table through the channels' table cache.
long long table_count(double reach, double step) {
  long long n = static_cast<long long>(std::ceil(reach / step)) + 2;
  long long unit = 1;
  while ((n + unit - 1) / unit > 15) unit *= 2;
  return std::max<long long>(8, (n + unit - 1) / unit * unit);
}

/// The most nodes per side a computed table may have (2^16: a few MB of coefficients and, for
/// the engine, the time of as many F values); beyond it the step grows and the description
/// says so.
constexpr long long kMaxTableCount = 65536;

/// The most nodes per side of a table over (dX, phi - phi') (TL6) along dX and along the angle:
/// at most 1025 x 513 values (34 MB of coefficients; for the engine, as many F values as a split
/// run's table of about a 64 x 64 grid).
constexpr long long kMaxLatticeCount = 512;
constexpr long long kMaxLatticeAngleCount = 256;

/// The tabulated values' own accuracy (1/s): the sum over the channels of each one's stated
/// relative accuracy of max(its scale, the largest |F| in `values`); `names` receives the
/// channels' names, comma-separated.
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

/// The cubic Hermite interpolant of F on a line of nodes (hermite_coefficients) and a bound on
/// its error.
struct HermiteLine {
  std::vector<cplx> coefficients;   ///< 4 per interval
  double origin = 0.0, step = 0.0;  ///< the first node and the spacing
  /// The same interpolant through every other node (step 2h), measured at the nodes it skips
  /// against the values there. For an O(h^4) rule that is ~16x the error of the full
  /// interpolant once F is resolved, and of the same size when it is not, so it stands as the
  /// bound (never smaller than the error it stands for).
  double error_bound = 0.0;

  /// The interpolant at x (origin <= x <= the last node).
  cplx operator()(double x) const {
    const double u = (x - origin) / step;
    const std::size_t last = coefficients.size() / 4 - 1;
    const std::size_t j = std::min(static_cast<std::size_t>(std::max(u, 0.0)), last);
    return hermite_at(coefficients, j, x - origin - static_cast<double>(j) * step);
  }
};

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

/// The tabulated F over (dX, phi - phi') (TL6): values on the lattice of displacements
/// (j - count) step along the first translation axis and angle differences (i - angle_count)
/// angle_step (the ket turned, the bra at the identity), row-major (row i, node j), their
/// coefficients (lattice_coefficients; chord::table_rate_2d interpolates them) and the bound on
/// the interpolation error: as for a line (HermiteLine), the same rule through every other row and
/// every other node, measured at the lattice's other points against the values there.
struct RateLattice {
  std::vector<cplx> values;
  std::vector<double> coefficients;
  double interpolation_error = 0.0;
};

/// The lattice of the tabulated channels' summed F (RateLattice): F-table files (which do not
/// depend on the orientation: exact_table_obstacle) by their line along x (evaluate_channels on
/// the line as a grid), the same in every row; every other channel evaluated at the lattice's
/// points in one evaluate_points call (the engine batched on the run's backend, with its stop
/// flag and progress line), its values checked as rotation_line's (add_checked_values); the files
/// in `lattice_files` (F of the orientations) by their own lattice (ftable_angle_lattice, whose
/// steps are then these). With `coarser` (a lattice whose steps are dx_factor and angle_factor
/// times these, 1 or 2, over the same extent), its values are taken at the points they share and
/// only the others evaluated.
RateLattice rate_lattice(const Grid& grid, const ChannelList& tabulated, double step,
                         long long count, double angle_step, long long angle_count,
                         const ChannelTableContext& context,
                         const std::vector<const DissipationChannel*>& lattice_files,
                         const RateLattice* coarser = nullptr, std::size_t dx_factor = 1,
                         std::size_t angle_factor = 1) {
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
      if (std::find(lattice_files.begin(), lattice_files.end(), table) == lattice_files.end()) {
        files.push_back(c);
        continue;
      }
      double h = 0.0, h_angle = 0.0;
      long long n = 0, m = 0;
      std::vector<cplx> own;
      const std::string why = ftable_angle_lattice(*table, c->name(), h, n, h_angle, m, &own);
      if (!why.empty() || n < count || m < angle_count)
        throw NumericalError("channel " + c->name() + " gives no lattice of " +
                             std::to_string(count) + " x " + std::to_string(angle_count) +
                             " steps per side (" + why + ")");
      std::vector<cplx> values(fresh.size());
      for (std::size_t q = 0; q < fresh.size(); ++q) {
        const std::size_t i = fresh[q] / nodes, j = fresh[q] % nodes;
        values[q] = own[static_cast<std::size_t>(static_cast<long long>(i) - angle_count + m) *
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

/// Fills `lattice`'s coefficients and interpolation bound from its values (RateLattice).
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

}  // namespace

double exact_path_reach(double mass, const std::vector<Segment>& protocol,
                        const InitialStateSpec& in) {
  const double hbar = constants::hbar, L = kSupportLog;
  double k_max = 0.0, r_max = 0.0;  // the box of (k_0, r_0) where chi_0 >= exp(-L) per factor
  switch (in.kind) {
    case InitialKind::file:
      throw InvalidArgument("initial.kind", "\"file\"",
                            "a closed-form state here (a grid state: the overload with its "
                            "GridChord's k_extent and r_extent)");
    case InitialKind::gaussian:
    case InitialKind::cat:
      k_max = std::sqrt(2.0 * L) / in.width;
      r_max = std::sqrt(8.0 * L) * in.width + (in.kind == InitialKind::cat ? in.separation : 0.0);
      break;
    case InitialKind::thermal: {
      const double b = hbar * in.frequency / (constants::k_boltzmann * in.temperature);
      const double l2 = hbar / (mass * in.frequency), t = std::tanh(0.5 * b);
      k_max = std::sqrt(L * 4.0 * t / l2);
      r_max = std::sqrt(L * 4.0 * l2 * t);
      break;
    }
  }
  return exact_path_reach(mass, protocol, k_max, r_max);
}

double exact_path_reach(double mass, const std::vector<Segment>& protocol, double k_max,
                        double r_max) {
  const double hbar = constants::hbar;
  // Forward from time 0: r(s) = a r_0 + b k_0, k(s) = e r_0 + f k_0; |r(s)| <= |a| r_max +
  // |b| k_max. Free and linear segments: a, b linear in time (the bound is largest at an end);
  // harmonic: sinusoids, bounded exactly by max_abs_sinusoid.
  double a = 1.0, b = 0.0, e = 0.0, f = 1.0, reach = r_max;
  for (const Segment& seg : protocol) {
    const double span = seg.duration;
    const Potential& p = seg.potential;
    if (p.kind == PotentialKind::harmonic && p.frequency > 0.0) {
      const double w = p.frequency, q = hbar / (mass * w);
      reach = std::max(reach, r_max * max_abs_sinusoid(a, q * e, w, span) +
                                  k_max * max_abs_sinusoid(b, q * f, w, span));
      const double c = std::cos(w * span), sn = std::sin(w * span);
      const double na = a * c + q * sn * e, nb = b * c + q * sn * f;
      const double ne = e * c - sn * a / q, nf = f * c - sn * b / q;
      a = na, b = nb, e = ne, f = nf;
    } else {
      const double v = hbar / mass * span;
      a += v * e;
      b += v * f;
      reach = std::max(reach, r_max * std::fabs(a) + k_max * std::fabs(b));
    }
  }
  return reach;
}

namespace {

/// exact_path_reach for a grid state on `grid` (GridChord with its default oversampling): every
/// (k_0, r_0) its lattice and stencil reach, |k_0| <= 2 pi/dx (1 + 8/N) and
/// |r_0| <= (Mr/2 + 4) dx with Mr the power of two >= 2N.
double grid_state_reach(const Grid& grid, const std::vector<Segment>& protocol) {
  const Axis& axis = grid.axes()[0];
  std::size_t mr = 1;
  while (mr < 2 * axis.points) mr <<= 1;
  const double k_max =
      2.0 * constants::pi / axis.step * (1.0 + 8.0 / static_cast<double>(axis.points));
  const double r_max = (0.5 * static_cast<double>(mr) + 4.0) * axis.step;
  return exact_path_reach(axis.inertia, protocol, k_max, r_max);
}

}  // namespace

namespace {

/// The protocol as axis `axis` of a grid of several sees it: each segment's potential on that
/// axis, free where it acts on another (renumbered to axis 0 of the axis alone).
std::vector<Segment> protocol_on_axis(const std::vector<Segment>& protocol, std::size_t axis) {
  std::vector<Segment> own = protocol;
  for (Segment& segment : own) {
    if (segment.potential.axis != axis) segment.potential = Potential{};
    segment.potential.axis = 0;
  }
  return own;
}

/// The factor on axis `axis` of a product initial state (initial_state.hpp): the chosen state
/// on its axis, on the others a Gaussian of other_width (0: 4 steps) centred on the axis, at
/// rest (as axis 0 of the axis alone).
InitialStateSpec state_on_axis(const Grid& grid, const InitialStateSpec& in, std::size_t axis) {
  if (axis == in.axis) {
    InitialStateSpec own = in;
    own.axis = 0;
    return own;
  }
  InitialStateSpec own;
  own.kind = InitialKind::gaussian;
  own.width = in.other_width > 0.0 ? in.other_width : 4.0 * grid.axes()[axis].step;
  own.center = grid.axes()[axis].center;
  own.momentum = 0.0;
  return own;
}

/// An F-table file on a grid of several translation axes stands for F(|dX|) through its line
/// along x (ftable_line): why the file's other displacements contradict that, or do not show
/// it; "" otherwise. Every displacement of the file in the span of the grid's axes, off x and
/// within the line (|dX| <= its end), is compared at the identity orientation with the line's
/// cubic Hermite interpolant at its length: they must agree within twice the file's accuracy
/// (two values of the same F, each within it) plus the interpolant's bound plus 1e-12 of their
/// size. For each axis after the first the file must hold such a displacement with a component
/// along it and a length of at least half of min(reach, the line's end): a check is as strong as
/// the file's points, and a file without them is refused.
std::string ftable_isotropy_obstacle(const Grid& grid, const FTableChannel& channel,
                                     std::size_t index, double reach) {
  double step = 0.0;
  long long count = 0;
  if (std::string why = ftable_line(channel, step, count); !why.empty()) return why;
  const std::vector<std::size_t> translation = translation_axes(grid);
  const std::size_t axes = translation.size();
  const std::string key = "channels[" + std::to_string(index) + "].file";
  const double end = static_cast<double>(count) * step;
  // The line j step (j = 0..count), then the file's displacements to check, in grid coordinates
  // (translation axis a is lab axis a).
  std::vector<std::vector<double>> points;
  for (long long j = 0; j <= count; ++j) {
    std::vector<double> d(axes, 0.0);
    d[0] = static_cast<double>(j) * step;
    points.push_back(d);
  }
  const std::size_t line_nodes = points.size();
  for (const auto& d : channel.table().displacements) {
    const double length = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (!(length > 1e-9 * step) || length > end) continue;
    bool in_span = true, off_x = false;
    for (std::size_t c = 1; c < 3; ++c)
      if (std::fabs(d[c]) > 1e-9 * length) {
        off_x = true;
        in_span = in_span && c < axes;
      }
    if (in_span && off_x) points.emplace_back(d.begin(), d.begin() + static_cast<long>(axes));
  }
  const std::vector<std::vector<double>> none(points.size());
  const std::vector<cplx> values = channel.evaluate_points(points, none, none);
  std::vector<cplx> symmetric(2 * line_nodes - 1);  // F(-r) = conj F(r)
  for (std::size_t j = 0; j < line_nodes; ++j) {
    symmetric[line_nodes - 1 + j] = values[j];
    symmetric[line_nodes - 1 - j] = std::conj(values[j]);
  }
  const HermiteLine line = hermite_line(symmetric, -end, step);
  const double shown_length = 0.5 * std::min(reach, end);
  std::vector<bool> shown(axes, false);
  for (std::size_t p = line_nodes; p < points.size(); ++p) {
    double length2 = 0.0;
    for (double v : points[p]) length2 += v * v;
    const double length = std::sqrt(length2);
    const cplx along = line(length), v = values[p];
    const double agree = 2.0 * channel.relative_accuracy() *
                             std::max({channel.rate_scale(), std::abs(along), std::abs(v)}) +
                         line.error_bound + 1e-12 * std::max(std::abs(along), std::abs(v));
    if (!(std::abs(v - along) <= agree)) {
      std::string where = "(";
      for (std::size_t a = 0; a < axes; ++a) where += (a ? ", " : "") + format_number(points[p][a]);
      return key + " (" + channel.name() + ") is not a function of |dX| alone: its line along " +
             grid.axes()[translation[0]].name + " gives F = " + format_number(along.real()) +
             " + " + format_number(along.imag()) + "i 1/s at |dX| = " + format_number(length) +
             " m but it holds " + format_number(v.real()) + " + " + format_number(v.imag()) +
             "i at dX = " + where + ") m (on several axes the exact method tabulates F(|dX|))";
    }
    if (length >= shown_length)
      for (std::size_t a = 1; a < axes; ++a)
        if (std::fabs(points[p][a]) > 1e-9 * length) shown[a] = true;
  }
  for (std::size_t a = 1; a < axes; ++a)
    if (!shown[a])
      return key + " (" + channel.name() + ") holds no displacement with a component along " +
             grid.axes()[translation[a]].name + " of length " + format_number(shown_length) +
             " to " + format_number(end) +
             " m, so it cannot show that F depends on |dX| alone, which the exact method on "
             "several axes needs (it tabulates F(|dX|) along x); add such displacements "
             "(ftable: displacements.kind = \"list\"), or use the split operator";
  return {};
}

/// exact_path_reach of the translation chords' |r| on a grid of several axes: the translation
/// axes' reaches combined, sqrt(sum_a reach_a^2) (each axis' chord bounded by its own, every axis
/// at once; a libration axis does not enter |r|).
double axes_path_reach(const Grid& grid, const std::vector<Segment>& protocol,
                       const InitialStateSpec& initial) {
  double sum = 0.0;
  for (std::size_t a : translation_axes(grid)) {
    const double reach = exact_path_reach(grid.axes()[a].inertia, protocol_on_axis(protocol, a),
                                          state_on_axis(grid, initial, a));
    sum += reach * reach;
  }
  return std::sqrt(sum);
}

/// exact_path_reach of the angle chord on a libration axis among several axes (rad); 0 without
/// one.
double angle_path_reach(const Grid& grid, const std::vector<Segment>& protocol,
                        const InitialStateSpec& initial) {
  const std::size_t rot = rotation_axis_index(grid);
  if (rot >= grid.axis_count()) return 0.0;
  return exact_path_reach(grid.axes()[rot].inertia, protocol_on_axis(protocol, rot),
                          state_on_axis(grid, initial, rot));
}

/// The rotation angle (rad, in [0, pi]) of the orientation o (row-major), from its trace.
double rotation_angle(const std::array<double, 9>& o) {
  return std::acos(std::clamp(0.5 * (o[0] + o[4] + o[8] - 1.0), -1.0, 1.0));
}

/// With a libration axis among several axes an F-table file stands for F(|dX|) at every pair of
/// orientations (the table is its line at the identity orientation): why the file's values at
/// other orientations contradict that, or do not show it; "" otherwise. Every value
/// F_{R_i, R_j}(dX_k) with |dX_k| <= `end` must agree with F_{1, 1}(dX_k) within twice the file's
/// accuracy plus 1e-12 of their size, and the file must hold an orientation turned by at least
/// half of min(angle_reach, pi) from the identity (a check is as strong as the file's points).
std::string ftable_orientation_obstacle(const Grid& grid, const FTableChannel& channel,
                                        std::size_t index, double end, double angle_reach) {
  const io::FTable& t = channel.table();
  const std::string key = "channels[" + std::to_string(index) + "].file (" + channel.name() + ")";
  const std::string& axis = grid.axes()[rotation_axis_index(grid)].name;
  std::size_t identity = t.orientation_count();
  double widest = 0.0;
  for (std::size_t i = 0; i < t.orientation_count(); ++i) {
    const double angle = rotation_angle(t.orientations[i]);
    if (angle <= 1e-9 && identity == t.orientation_count()) identity = i;
    widest = std::max(widest, angle);
  }
  const double shown = 0.5 * std::min(angle_reach, constants::pi);
  if (identity == t.orientation_count() || widest < shown)
    return key + " holds no orientation turned by " + format_number(shown) +
           " rad or more from the identity, so it cannot show that F does not depend on the "
           "orientation, which the exact method needs with libration axis " +
           axis +
           " among several axes (it tabulates F(|dX|) at the identity orientation); add "
           "orientations (ftable: orientations.kind = \"libration\"), or use the split operator";
  for (std::size_t k = 0; k < t.displacement_count(); ++k) {
    const auto& d = t.displacements[k];
    if (std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) > end) continue;
    const cplx reference = t.at(identity, identity, k);
    for (std::size_t i = 0; i < t.orientation_count(); ++i)
      for (std::size_t j = 0; j < t.orientation_count(); ++j) {
        const cplx v = t.at(i, j, k);
        const double agree =
            2.0 * channel.relative_accuracy() *
                std::max({channel.rate_scale(), std::abs(reference), std::abs(v)}) +
            1e-12 * std::max(std::abs(reference), std::abs(v));
        if (!(std::abs(v - reference) <= agree))
          return key + " depends on the orientation: F = " + format_number(reference.real()) +
                 " + " + format_number(reference.imag()) + "i 1/s at dX = (" + format_number(d[0]) +
                 ", " + format_number(d[1]) + ", " + format_number(d[2]) +
                 ") m with the identity orientations but " + format_number(v.real()) + " + " +
                 format_number(v.imag()) + "i between its orientations " + std::to_string(i) +
                 " and " + std::to_string(j) + " (turned by " +
                 format_number(rotation_angle(t.orientations[i])) + " and " +
                 format_number(rotation_angle(t.orientations[j])) + " rad); with libration axis " +
                 axis +
                 " among several axes the exact method takes an F-table file whose F does not "
                 "depend on the orientation, or one it reads as a table over (dx, phi - phi')";
      }
  }
  return {};
}

/// The nodes per side an F-table file must hold for paths reaching `reach` with its step: the
/// reach plus 2 steps (the interpolation's stencil; nothing is extrapolated), and at least 8 (the
/// error bound interpolates through every other node, which needs 5 of them).
long long file_nodes_needed(double reach, double step) {
  return std::max<long long>(static_cast<long long>(std::ceil(reach / step)) + 2, 8);
}

/// Why an F-table file whose F depends on the orientation cannot serve as the table over
/// (dx, phi - phi') (TL6) of a grid of one translation axis and a libration axis: it is not a
/// lattice of its own pairs (ftable_angle_lattice), or the lattice does not reach the paths'
/// `reach` (m) and `angle_reach` (rad) plus two steps (nothing is extrapolated); "" when it can.
std::string file_lattice_obstacle(const Grid& grid, const FTableChannel& channel, std::size_t index,
                                  double reach, double angle_reach) {
  if (translation_axes(grid).size() != 1)
    return "on " + std::to_string(translation_axes(grid).size()) +
           " translation axes a file is read as a line of |dX| only";
  double step = 0.0, angle_step = 0.0;
  long long count = 0, angle_count = 0;
  const std::string key = "channels[" + std::to_string(index) + "].file";
  if (std::string why =
          ftable_angle_lattice(channel, key, step, count, angle_step, angle_count, nullptr);
      !why.empty())
    return why;
  const long long needed = file_nodes_needed(reach, step),
                  angle_needed = file_nodes_needed(angle_reach, angle_step);
  if (count < needed || angle_count < angle_needed)
    return key + " covers |dx| <= " + format_number(static_cast<double>(count) * step) +
           " m and |phi - phi'| <= " +
           format_number(static_cast<double>(angle_count) * angle_step) +
           " rad at every pair, and the paths of the exact method reach " + format_number(reach) +
           " m and " + format_number(angle_reach) + " rad (plus 2 steps of " + format_number(step) +
           " m and " + format_number(angle_step) +
           " rad for the interpolation, 8 steps at least): it never extrapolates; tabulate up to "
           "at least " +
           format_number(static_cast<double>(needed) * step) + " m and " +
           format_number(static_cast<double>(angle_needed) * angle_step) + " rad";
  return {};
}

/// On a grid of several axes the tabulated channels' F is tabulated on a line of |dX| along the
/// first translation axis at the identity orientation and evaluated at the translation chords'
/// |r| (chord_axes.hpp) or, with a libration axis among them and F depending on phi - phi', over
/// (dX, phi - phi') with the bra at the identity (TL6). Why a channel does not have either form;
/// "" when it does, within twice its stated accuracy (two values of the same F, each within it)
/// plus 1e-12 of its size:
///  - isotropy (two or three translation axes): at lengths 3 steps, reach/8, reach/2 and reach,
///    F along every translation axis and the two diagonals (1, 1, ...) and (1, -1, 1, ...) agrees
///    with F along the first; with a libration axis also at 3 steps and reach/2 with the ket
///    turned by A = min(angle_reach, pi), along the second axis and the diagonal;
///  - a function of phi - phi' (a libration axis among the axes): at displacements 0, 3 steps,
///    reach/2 and reach along the first translation axis (and reach/2 along the second), F
///    between the window's ends (both ways), the window's centre c turned by A against c (both
///    ways) and c + A/2 with itself agrees with F at the same difference with the bra at 0;
///    `angle_dependent` is set when F at those differences differs from F at phi = phi' = 0 (an
///    F-table file must not depend on the orientation at all: ftable_orientation_obstacle).
/// One evaluate_points call per channel (the engine batched); an F-table file is checked on its
/// own points (ftable_isotropy_obstacle, ftable_orientation_obstacle).
std::string several_axes_table_obstacle(const Grid& grid, const ChannelList& channels, double step,
                                        double reach, double angle_reach,
                                        const ChannelTableContext& context, bool& angle_dependent) {
  angle_dependent = false;
  const std::vector<std::size_t> translation = translation_axes(grid);
  const std::size_t axes = translation.size(), rot = rotation_axis_index(grid);
  const bool libration = rot < grid.axis_count();
  // The points, each with the index of the point whose F it must equal (itself: a reference).
  std::vector<std::vector<double>> displacement, ket, bra;
  std::vector<std::size_t> reference;
  const auto add = [&](const std::vector<double>& d, double phi, double phi_prime,
                       std::size_t equal_to) {
    displacement.push_back(d);
    ket.push_back(libration ? std::vector<double>{phi} : std::vector<double>{});
    bra.push_back(libration ? std::vector<double>{phi_prime} : std::vector<double>{});
    reference.push_back(equal_to == SIZE_MAX ? reference.size() : equal_to);
    return reference.size() - 1;
  };
  const auto along = [&](std::size_t a, double length) {
    std::vector<double> d(axes, 0.0);
    d[a] = length;
    return d;
  };
  if (axes > 1) {
    const double norm = 1.0 / std::sqrt(static_cast<double>(axes));
    std::vector<double> diagonal(axes, norm), alternating(axes, norm);
    for (std::size_t a = 1; a < axes; a += 2) alternating[a] = -norm;
    for (double length : {3.0 * step, reach / 8.0, reach / 2.0, reach}) {
      const std::size_t first = add(along(0, length), 0.0, 0.0, SIZE_MAX);
      for (std::size_t a = 1; a < axes; ++a) add(along(a, length), 0.0, 0.0, first);
      for (const auto& e : {diagonal, alternating}) {
        std::vector<double> d(axes);
        for (std::size_t a = 0; a < axes; ++a) d[a] = length * e[a];
        add(d, 0.0, 0.0, first);
      }
    }
  }
  // With a libration axis: pairs (point of the difference phi - phi' with the bra at 0, the
  // identity pair at the same dX), whose F differ when F depends on phi - phi'.
  std::vector<std::pair<std::size_t, std::size_t>> turned;
  if (libration) {
    const Axis& window = grid.axes()[rot];
    const double c = window.center, lo = grid.coordinate(rot, 0),
                 hi = grid.coordinate(rot, window.points - 1),
                 turn = std::min(angle_reach, constants::pi);
    std::vector<std::vector<double>> places{along(0, 0.0), along(0, 3.0 * step),
                                            along(0, reach / 2.0), along(0, reach)};
    if (axes > 1) places.push_back(along(1, reach / 2.0));
    for (const auto& d : places) {
      const std::size_t zero = add(d, 0.0, 0.0, SIZE_MAX);
      for (const auto& [phi, phi_prime] : {std::pair{lo, hi},
                                           {hi, lo},
                                           {c + turn, c},
                                           {c, c + turn},
                                           {c + turn / 2, c + turn / 2}}) {
        std::size_t difference = zero;
        if (phi != phi_prime) {
          difference = add(d, phi - phi_prime, 0.0, SIZE_MAX);
          turned.emplace_back(difference, zero);
        }
        add(d, phi, phi_prime, difference);
      }
    }
    // Isotropy at a turned pair too (a lattice is read at |r| on two translation axes).
    if (axes > 1)
      for (double length : {3.0 * step, reach / 2.0}) {
        const std::size_t first = add(along(0, length), turn, 0.0, SIZE_MAX);
        add(along(1, length), turn, 0.0, first);
        std::vector<double> diagonal(axes, length / std::sqrt(static_cast<double>(axes)));
        add(diagonal, turn, 0.0, first);
      }
  }
  const auto where = [&](std::size_t p) {
    std::string text = "dX = (";
    for (std::size_t a = 0; a < axes; ++a)
      text += (a ? ", " : "") + format_number(displacement[p][a]);
    text += ") m";
    if (libration)
      text +=
          ", phi = " + format_number(ket[p][0]) + ", phi' = " + format_number(bra[p][0]) + " rad";
    return text;
  };
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (!channels[i] || closed_form(*channels[i])) continue;
    const DissipationChannel& f = channels[i]->definition();
    if (const auto* table = dynamic_cast<const FTableChannel*>(&f)) {
      if (std::string why = ftable_isotropy_obstacle(grid, *table, i, reach); !why.empty())
        return why;
      if (!libration) continue;
      double h = 0.0;
      long long count = 0;
      (void)ftable_line(*table, h, count);  // exact_method_obstacle: a line
      if (std::string why = ftable_orientation_obstacle(
              grid, *table, i, static_cast<double>(count) * h, angle_reach);
          !why.empty()) {
        // F of the orientations: the file's own lattice over (dx, phi - phi'), if it is one.
        if (std::string lattice = file_lattice_obstacle(grid, *table, i, reach, angle_reach);
            !lattice.empty())
          return why + " (as a table over (dx, phi - phi'): " + lattice + ")";
        angle_dependent = true;
      }
      continue;
    }
    if (displacement.empty()) continue;
    const std::vector<cplx> values = channels[i]->evaluate_points(displacement, ket, bra, context);
    // Two values of the same F, each within the channel's stated accuracy (plus rounding).
    const auto same = [&](const cplx& u, const cplx& v) {
      return std::abs(u - v) <=
             2.0 * f.relative_accuracy() * std::max({f.rate_scale(), std::abs(u), std::abs(v)}) +
                 1e-12 * std::max(std::abs(u), std::abs(v));
    };
    for (const auto& [difference, zero] : turned)
      if (!same(values[difference], values[zero])) angle_dependent = true;
    for (std::size_t p = 0; p < values.size(); ++p) {
      if (reference[p] == p) continue;
      const cplx expected = values[reference[p]], v = values[p];
      if (same(v, expected)) continue;
      const std::string head = "channels[" + std::to_string(i) + "] (" + f.name() + ")";
      const std::string values_text = format_number(expected.real()) + " + " +
                                      format_number(expected.imag()) + "i 1/s at " +
                                      where(reference[p]) + " but " + format_number(v.real()) +
                                      " + " + format_number(v.imag()) + "i at " + where(p);
      if (ket[p] == ket[reference[p]] && bra[p] == bra[reference[p]])
        return head + " is not a function of |dX| alone: F = " + values_text +
               " (on several axes the exact method tabulates F(|dX|))";
      return head + " depends on the orientation, not only on phi - phi': F = " + values_text +
             "; with libration axis " + grid.axes()[rot].name +
             " among several axes the exact method tabulates F over (dX, phi - phi') (a body "
             "symmetric about the rotation axis, or translation along it); use the split "
             "operator";
    }
  }
  return {};
}

}  // namespace

std::string exact_table_obstacle(const Grid& grid, const std::vector<Segment>& protocol,
                                 const ChannelList& channels, const InitialStateSpec& initial,
                                 const ChannelTableContext& context, bool* angle_table) {
  if (angle_table) *angle_table = false;
  double step = 0.0;
  long long file_count = -1;
  if (std::string why = choose_table_step(grid, channels, step, file_count); !why.empty())
    return why;
  const bool several = grid.axis_count() > 1;
  if (several && initial.kind == InitialKind::file) return {};  // exact_method_obstacle's
  const double reach = several ? axes_path_reach(grid, protocol, initial)
                       : initial.kind == InitialKind::file
                           ? grid_state_reach(grid, protocol)
                           : exact_path_reach(grid.axes()[0].inertia, protocol, initial);
  // The files' line must reach the paths (nothing is extrapolated), and on several axes every
  // tabulated channel must be a function of |dX| alone.
  if (file_count >= 0) {
    const long long needed = file_nodes_needed(reach, step);
    const bool rotation = on_rotation_axis(grid);
    const std::string what = rotation ? "|phi - phi'|" : "|dX|", unit = rotation ? " rad" : " m";
    if (needed > file_count)
      return "the F-table file(s) cover " + what +
             " <= " + format_number(static_cast<double>(file_count) * step) + unit +
             (rotation ? "" : " along x") + ", and the paths of the exact method reach " + what +
             " = " + format_number(reach) + unit + " (plus 2 steps of " + format_number(step) +
             unit +
             " for the interpolation, 8 steps at least): it never extrapolates; tabulate up to at "
             "least " +
             format_number(static_cast<double>(needed) * step) + unit;
  }
  if (!several) return {};
  bool angle_dependent = false;
  std::string why = several_axes_table_obstacle(grid, channels, step, reach,
                                                angle_path_reach(grid, protocol, initial), context,
                                                angle_dependent);
  if (angle_table) *angle_table = why.empty() && angle_dependent;
  return why;
}

namespace {

/// On translation axes: why an F-table file among the channels holds no uniform line of F along
/// x at the identity orientation (ftable_line), which the exact method tabulates; "" otherwise.
std::string ftable_line_obstacle(const ChannelList& channels) {
  for (const auto& channel : channels)
    if (channel && !closed_form(*channel))
      if (const auto* table = dynamic_cast<const FTableChannel*>(&channel->definition())) {
        double step = 0.0;
        long long count = 0;
        if (std::string why = ftable_line(*table, step, count); !why.empty()) return why;
      }
  return {};
}

/// Why the exact method cannot take a grid of several axes with a rotation axis among them; ""
/// when it can: no rotation axis, or one libration window with the closed-form gaussian and
/// diffusive (F of the translation chords and the angle chord: chord_axes.hpp) and tabulated
/// channels, which exact_table_obstacle then checks to be functions of |dX| alone, independent of
/// the orientation (a table of F over (|dX|, phi - phi') is not built). desorption_sphere ignores
/// the orientation, as on a libration axis alone.
std::string several_axes_rotation_obstacle(const Grid& grid, const ChannelList& channels) {
  const std::string axes = std::to_string(grid.axis_count());
  const Axis* rotation = nullptr;
  for (const Axis& a : grid.axes()) {
    if (a.kind != AxisKind::rotation) continue;
    if (a.mode == RotationMode::circle)
      return "the grid has " + axes + " axes and axis " + a.name +
             " is a full circle (mode = \"circle\"): the angle is periodic, so the wave number "
             "conjugate to the centre angle takes integer values only and the free map wraps "
             "around the circle; the exact method supports translation axes and one libration "
             "window (mode = \"libration\")";
    if (rotation)
      return "the grid has " + axes + " axes and two rotation axes (" + rotation->name + ", " +
             a.name + "); the exact method supports at most one libration axis";
    rotation = &a;
  }
  if (!rotation) return {};
  for (std::size_t c = 0; c < channels.size(); ++c) {
    if (!channels[c]) continue;
    if (dynamic_cast<const DesorptionSphereChannel*>(&channels[c]->definition()))
      return "channels[" + std::to_string(c) + "] (" + channels[c]->name() +
             ") cannot model rotation axis " + rotation->name +
             " (its F ignores the orientation; use kind = \"desorption\" with the split "
             "operator)";
  }
  return {};
}

}  // namespace

std::string exact_method_obstacle(const Grid& grid, const Segment& segment,
                                  const ChannelList& channels, const InitialStateSpec& initial) {
  switch (segment.potential.kind) {
    case PotentialKind::free:
    case PotentialKind::harmonic:
    case PotentialKind::linear:
      break;
    case PotentialKind::double_well:
    case PotentialKind::table:
      return std::string("potential \"") + to_string(segment.potential.kind) +
             "\" is not quadratic (the exact method needs free, linear or harmonic)";
  }
  if (grid.axis_count() > 1) {
    // Several axes: translation axes and at most one libration axis, closed-form states
    // (chord_axes.hpp).
    if (std::string why = several_axes_rotation_obstacle(grid, channels); !why.empty()) return why;
    // Channels without a closed form are tabulated as F(|dX|) on a line (exact_table_obstacle
    // checks that they are functions of |dX|; an F-table file by its own points off x).
    if (std::string why = ftable_line_obstacle(channels); !why.empty()) return why;
    if (initial.kind == InitialKind::file)
      return "initial.kind = \"file\" on a grid of " + std::to_string(grid.axis_count()) +
             " axes: the exact method interpolates file states on one axis only (a translation "
             "axis or a libration window)";
    return {};
  }
  const Axis& axis = grid.axes()[0];
  if (axis.kind == AxisKind::rotation && axis.mode == RotationMode::circle)
    return "axis " + axis.name +
           " is a full circle (mode = \"circle\"): the angle is periodic, so the wave number k "
           "conjugate to the centre angle takes integer values only and the free map "
           "phi - phi' -> phi - phi' - hbar k t/I wraps around the circle; the exact method "
           "supports translation axes and libration windows (mode = \"libration\")";
  // On a rotation axis every channel's F must be a function of phi - phi' alone.
  if (axis.kind == AxisKind::rotation)
    for (std::size_t c = 0; c < channels.size(); ++c)
      if (channels[c])
        if (std::string why = rotation_channel_obstacle(grid, *channels[c], c); !why.empty())
          return why;
  // Channels without a closed form are tabulated along the axis (an F-table file must hold a
  // uniform line of it: exact_table_obstacle).
  if (axis.kind == AxisKind::translation)
    if (std::string why = ftable_line_obstacle(channels); !why.empty()) return why;
  // initial.kind = "file" applies through its interpolated chord function (GridChord), which
  // reads rho on a translation axis or a libration window alike (the circle is refused above).
  return {};
}

std::size_t exact_k_points(const Grid& grid, std::size_t axis) {
  // One axis: a period of twice the box, so that a state's tails beyond the box do not wrap
  // into it. Several axes (the lattice is the product of the axes'): a period of the box, as
  // the split operator's own periodic box.
  const std::size_t factor = grid.axis_count() == 1 ? 4 : 2;
  std::size_t m = 1;
  while (m < factor * grid.axes()[axis].points) m <<= 1;
  return m;
}

std::vector<double> exact_k_grid(const Grid& grid, std::size_t k_points, std::size_t axis) {
  const double period = static_cast<double>(k_points) * 0.5 * grid.axes()[axis].step;
  std::vector<double> k(k_points);
  const long long half = static_cast<long long>(k_points / 2);
  for (std::size_t q = 0; q < k_points; ++q) {
    const long long f = static_cast<long long>(q) < half ? static_cast<long long>(q)
                                                         : static_cast<long long>(q) - 2 * half;
    k[q] = 2.0 * constants::pi * static_cast<double>(f) / period;
  }
  return k;
}

ExactPropagator::ExactPropagator(const Grid& grid, std::vector<Segment> protocol,
                                 ChannelList channels, InitialStateSpec initial, double tolerance,
                                 const ChannelTableContext& context)
    : grid_member_(grid),
      protocol_member_(std::move(protocol)),
      channels_member_(std::move(channels)),
      initial_member_(std::move(initial)),
      tolerance_member_(tolerance) {
  initialise(context);
}

ExactPropagator::ExactPropagator(const Grid& grid, std::vector<Segment> protocol,
                                 ChannelList channels, std::shared_ptr<const GridChord> state,
                                 double tolerance, const ChannelTableContext& context)
    : grid_member_(grid),
      protocol_member_(std::move(protocol)),
      channels_member_(std::move(channels)),
      tolerance_member_(tolerance),
      grid_state_member_(std::move(state)) {
  if (!grid_state_member_) throw InvalidArgument("state", "null", "a GridChord");
  initial_member_.kind = InitialKind::file;
  initial_member_.path.clear();
  initialise(context);
}

void ExactPropagator::initialise(const ChannelTableContext& context) {
  const Grid& grid = grid_member_;
  const double tolerance = tolerance_member_;
  if (!(tolerance >= 1e-15 && tolerance <= 1e-2))
    throw InvalidArgument("numerics.tolerance", format_number(tolerance), "1e-15 to 1e-2");
  if (protocol_member_.empty())
    throw InvalidArgument("protocol", "empty", "at least one [[protocol]] segment");
  for (std::size_t s = 0; s < protocol_member_.size(); ++s) {
    const std::string where = "protocol[" + std::to_string(s) + "]";
    const std::string obstacle =
        exact_method_obstacle(grid, protocol_member_[s], channels_member_, initial_member_);
    if (!obstacle.empty())
      throw InvalidArgument(
          where + ".method", "\"exact\"",
          "\"auto\" or \"split\" (the exact method does not apply: " + obstacle + ")");
    require_positive(where + ".duration", protocol_member_[s].duration);
    validate_potential(grid, protocol_member_[s].potential, where);
    duration_member_ += protocol_member_[s].duration;
  }
  for (const auto& c : channels_member_)
    if (!c) throw InvalidArgument("channels", "a null channel", "channels");
  mass_member_ = grid.axes()[0].inertia;
  const InitialStateSpec& in = initial_member_;
  if (in.axis >= grid.axis_count())
    throw InvalidArgument("initial.axis", std::to_string(in.axis),
                          "0 to " + std::to_string(grid.axis_count() - 1));
  require_positive("initial.width", in.kind == InitialKind::thermal || in.kind == InitialKind::file
                                        ? 1.0
                                        : in.width);
  if (in.kind == InitialKind::cat) require_positive("initial.separation", in.separation);
  if (in.kind == InitialKind::thermal) {
    require_positive("initial.temperature", in.temperature);
    require_positive("initial.frequency", in.frequency);
  }
  // A file state: its chord function on a lattice (read, checked and normalised by
  // make_initial_state), unless the caller gave the grid state.
  if (in.kind == InitialKind::file && !grid_state_member_)
    grid_state_member_ =
        std::make_shared<const GridChord>(GridChord::from_file(grid, initial_member_));
  k_points_member_ = exact_k_points(grid, 0);
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    axis_k_points_member_.push_back(exact_k_points(grid, a));
  build_table(context);
}

void ExactPropagator::build_table(const ChannelTableContext& context) {
  ChannelList tabulated;
  for (const auto& c : channels_member_)
    if (!closed_form(*c)) tabulated.push_back(c);
  if (tabulated.empty()) return;
  bool angle_table = false;
  const std::string obstacle = exact_table_obstacle(
      grid_member_, protocol_member_, channels_member_, initial_member_, context, &angle_table);
  if (!obstacle.empty())
    throw InvalidArgument("protocol[0].method", "\"exact\"",
                          "\"split\" (the exact method does not apply: " + obstacle + ")");
  double step = 0.0;
  long long file_count = -1;
  (void)choose_table_step(grid_member_, channels_member_, step, file_count);
  const double reach = grid_state_member_ ? exact_path_reach(mass_member_, protocol_member_,
                                                             grid_state_member_->k_extent(),
                                                             grid_state_member_->r_extent())
                       : grid_member_.axis_count() > 1
                           ? axes_path_reach(grid_member_, protocol_member_, initial_member_)
                           : exact_path_reach(mass_member_, protocol_member_, initial_member_);
  if (angle_table) {
    build_angle_table(tabulated, step, file_count, reach, context);
    return;
  }
  long long count = table_count(reach, step);
  bool coarsened = false;
  if (file_count >= 0) {
    count = std::min(count, file_count);  // the file's own nodes (exact_table_obstacle: enough)
  } else if (count > kMaxTableCount) {
    step = (reach / static_cast<double>(kMaxTableCount - 2)) * (1.0 + 1e-12);
    count = kMaxTableCount;
    coarsened = true;
  }
  // The line of displacements j step, |j| <= count, as a grid of one translation axis: its
  // difference table is exactly those values, so every channel tabulates it as it would a run's
  // grid (the engine in one batched call on the run's backend; an F-table file looked up at its
  // own nodes; a sweep's table-sharing wrapper caches it). On a rotation axis: the line of angle
  // differences (rotation_line).
  const bool rotation = on_rotation_axis(grid_member_);
  const std::vector<cplx> f = [&] {
    if (rotation) return rotation_line(tabulated, step, count, context);
    Axis line = grid_member_.axes()[translation_axes(grid_member_).front()];  // lab x
    line.points = static_cast<std::size_t>(count) + 1;
    line.step = step;
    line.center = 0.0;
    const Grid line_grid({line});
    return evaluate_channels(line_grid, tabulated, context);
  }();
  const std::string unit = rotation ? " rad" : " m";
  const std::size_t n = f.size(), zero = static_cast<std::size_t>(count);  // f[zero]: r = 0
  std::string names;
  const double value_error = table_value_error(tabulated, f, names);
  // Property 1 (F(0) = 0, trace conservation) and property 2 (F(-r) = conj F(r)), within a
  // generous 100x the values' accuracy (as the table channel checks its file).
  const double check = 100.0 * value_error + 1e-300;
  if (std::abs(f[zero]) > check)
    throw NumericalError("the tabulated channels (" + names + ") give F(0) = " +
                         format_number(f[zero].real()) + " + " + format_number(f[zero].imag()) +
                         "i 1/s (expected 0 within " + format_number(check) + " 1/s)");
  std::vector<cplx> values = f;
  values[zero] = 0.0;
  for (std::size_t j = 1; j <= zero; ++j)
    if (std::abs(values[zero + j] - std::conj(values[zero - j])) > check)
      throw NumericalError("the tabulated channels (" + names + ") are not Hermitian: F(" +
                           format_number(static_cast<double>(j) * step) + unit +
                           ") = " + format_number(values[zero + j].real()) + " + " +
                           format_number(values[zero + j].imag()) +
                           "i but conj F(-r) = " + format_number(values[zero - j].real()) + " + " +
                           format_number(-values[zero - j].imag()) + "i 1/s");
  const HermiteLine line = hermite_line(values, -static_cast<double>(count) * step, step);
  const std::vector<cplx>& c = line.coefficients;
  const double interpolation_error = line.error_bound;
  table_coefficients_member_.resize(2 * c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    table_coefficients_member_[2 * i] = c[i].real();
    table_coefficients_member_[2 * i + 1] = c[i].imag();
  }
  table_origin_member_ = -static_cast<double>(count) * step;
  table_step_member_ = step;
  table_error_rate_member_ = interpolation_error + value_error;
  table_text_member_ =
      "F of " + names + " tabulated on " + std::to_string(n) + " nodes of " + format_number(step) +
      unit + " (" + (rotation ? "|phi - phi'|" : "|dX|") +
      " <= " + format_number(static_cast<double>(count) * step) + unit + "; the paths reach " +
      format_number(reach) + unit +
      "), cubic Hermite interpolation: |error of F| <= " + format_number(table_error_rate_member_) +
      " 1/s (interpolation " + format_number(interpolation_error) + ", values " +
      format_number(value_error) + ")" +
      (coarsened
           ? "; the step was widened to keep " + std::to_string(kMaxTableCount) + " nodes per side"
           : std::string());
}

void ExactPropagator::build_angle_table(const ChannelList& tabulated, double step,
                                        long long file_count, double reach,
                                        const ChannelTableContext& context) {
  // The first lattice: 4 times the line's step along dX (the grid's step, or a recoil length;
  // an F-table file's own step is kept) and the libration axis' step along phi - phi', covering
  // the paths' reach; at most kMaxLatticeCount and kMaxLatticeAngleCount nodes per side (beyond,
  // the steps grow and the description says so). Then halved (both steps, or the angle's alone
  // with a file), at most twice, while the bound times the protocol's duration exceeds
  // numerics.tolerance and the doubled counts stay within those limits; each halving evaluates
  // only the new points.
  const bool file_step = file_count >= 0;
  double dx_step = file_step ? step : 4.0 * step;
  long long count = table_count(reach, dx_step);
  std::string notes;
  if (file_step) {
    count = std::min(count, file_count);
    if (count > kMaxLatticeCount)
      throw InvalidArgument("protocol[0].method", "\"exact\"",
                            "\"split\" (the exact method does not apply: the table over (dX, phi - "
                            "phi') would need " +
                                std::to_string(count) +
                                " nodes per side of the F-table file's step " +
                                format_number(step) + " m to reach |dX| = " + format_number(reach) +
                                " m, more than " + std::to_string(kMaxLatticeCount) + ")");
  } else if (count > kMaxLatticeCount) {
    dx_step = (reach / static_cast<double>(kMaxLatticeCount - 2)) * (1.0 + 1e-12);
    count = kMaxLatticeCount;
    notes += "; the step of dX was widened to keep " + std::to_string(kMaxLatticeCount) +
             " nodes per side";
  }
  const std::size_t rot = rotation_axis_index(grid_member_);
  double angle_step = grid_member_.axes()[rot].step;
  const double angle_reach = angle_path_reach(grid_member_, protocol_member_, initial_member_);
  long long angle_count = table_count(angle_reach, angle_step);
  // F-table files of the orientations are read at their own lattice (exact_table_obstacle has
  // checked that it is one and reaches the paths): its angle step, no halving.
  std::vector<const DissipationChannel*> lattice_files;
  for (std::size_t i = 0; i < channels_member_.size(); ++i) {
    const auto* table = dynamic_cast<const FTableChannel*>(&channels_member_[i]->definition());
    if (!table) continue;
    double h = 0.0, h_angle = 0.0;
    long long n = 0, m = 0;
    (void)ftable_line(*table, h, n);
    if (ftable_orientation_obstacle(grid_member_, *table, i, static_cast<double>(n) * h,
                                    angle_reach)
            .empty())
      continue;
    (void)ftable_angle_lattice(*table, "", h, n, h_angle, m, nullptr);
    if (!lattice_files.empty() && std::fabs(h_angle - angle_step) > 1e-6 * angle_step)
      throw InvalidArgument("protocol[0].method", "\"exact\"",
                            "\"split\" (the exact method does not apply: the F-table files have "
                            "different steps of angle (" +
                                format_number(angle_step) + " and " + format_number(h_angle) +
                                " rad))");
    lattice_files.push_back(table);
    angle_step = h_angle;
    angle_count = std::min(table_count(angle_reach, h_angle), m);
    count = std::min(count, n);  // every row of the file's lattice holds these nodes
  }
  if (lattice_files.empty() && angle_count > kMaxLatticeAngleCount) {
    angle_step = (angle_reach / static_cast<double>(kMaxLatticeAngleCount - 2)) * (1.0 + 1e-12);
    angle_count = kMaxLatticeAngleCount;
    notes += "; the step of phi - phi' was widened to keep " +
             std::to_string(kMaxLatticeAngleCount) + " nodes per side";
  }
  std::string names;
  double value_error = 0.0;
  // Property 1 (F(0) = 0) and property 2 (F_{R,R'}(-dX) = conj F_{R',R}(dX), here F(-r, -theta)
  // = conj F(r, theta)) within 100x the values' accuracy, as for a line; F(0, 0) set to 0.
  const auto check = [&](RateLattice& lattice) {
    std::vector<cplx>& values = lattice.values;
    value_error = table_value_error(tabulated, values, names);
    const double bound = 100.0 * value_error + 1e-300;
    const std::size_t nodes = static_cast<std::size_t>(2 * count + 1);
    const std::size_t zero =
        static_cast<std::size_t>(angle_count) * nodes + static_cast<std::size_t>(count);
    if (std::abs(values[zero]) > bound)
      throw NumericalError("the tabulated channels (" + names +
                           ") give F(0, 0) = " + format_number(values[zero].real()) + " + " +
                           format_number(values[zero].imag()) + "i 1/s (expected 0 within " +
                           format_number(bound) + " 1/s)");
    values[zero] = 0.0;
    for (std::size_t p = 0; p < values.size(); ++p) {
      const cplx mirror = std::conj(values[values.size() - 1 - p]);
      if (std::abs(values[p] - mirror) > bound)
        throw NumericalError(
            "the tabulated channels (" + names + ") are not Hermitian: F(" +
            format_number((static_cast<double>(p % nodes) - static_cast<double>(count)) * dx_step) +
            " m, " +
            format_number((static_cast<double>(p / nodes) - static_cast<double>(angle_count)) *
                          angle_step) +
            " rad) = " + format_number(values[p].real()) + " + " + format_number(values[p].imag()) +
            "i but conj F(-dX, -(phi - phi')) = " + format_number(mirror.real()) + " + " +
            format_number(mirror.imag()) + "i 1/s");
    }
    interpolate_lattice(lattice, count, dx_step, angle_count, angle_step);
  };
  RateLattice lattice = rate_lattice(grid_member_, tabulated, dx_step, count, angle_step,
                                     angle_count, context, lattice_files);
  check(lattice);
  int halvings = 0;
  while ((lattice.interpolation_error + value_error) * duration_member_ > tolerance_member_ &&
         halvings < 2 && lattice_files.empty()) {
    const bool halve_dx = !file_step && 2 * count <= kMaxLatticeCount;
    const bool halve_angle = 2 * angle_count <= kMaxLatticeAngleCount;
    if (!halve_dx && !halve_angle) {
      notes += "; not refined further: a halved lattice would exceed " +
               std::to_string(kMaxLatticeCount) + " x " + std::to_string(kMaxLatticeAngleCount) +
               " nodes per side";
      break;
    }
    if (halve_dx) {
      dx_step *= 0.5;
      count *= 2;
    }
    if (halve_angle) {
      angle_step *= 0.5;
      angle_count *= 2;
    }
    lattice = rate_lattice(grid_member_, tabulated, dx_step, count, angle_step, angle_count,
                           context, lattice_files, &lattice, halve_dx ? 2 : 1, halve_angle ? 2 : 1);
    check(lattice);
    ++halvings;
  }
  const std::size_t nodes = static_cast<std::size_t>(2 * count + 1),
                    rows = static_cast<std::size_t>(2 * angle_count + 1);
  table_coefficients_member_ = std::move(lattice.coefficients);
  table_origin_member_ = -static_cast<double>(count) * dx_step;
  table_step_member_ = dx_step;
  table_angle_nodes_member_ = static_cast<int>(rows);
  table_angle_origin_member_ = -static_cast<double>(angle_count) * angle_step;
  table_angle_step_member_ = angle_step;
  table_error_rate_member_ = lattice.interpolation_error + value_error;
  const bool one_chord = translation_axes(grid_member_).size() == 1;
  table_text_member_ =
      "F of " + names + " tabulated over (" + (one_chord ? "dX" : "|dX|") + ", phi - phi') on " +
      std::to_string(nodes) + " x " + std::to_string(rows) + " nodes of " + format_number(dx_step) +
      " m and " + format_number(angle_step) +
      " rad (|dX| <= " + format_number(static_cast<double>(count) * dx_step) +
      " m, |phi - phi'| <= " + format_number(static_cast<double>(angle_count) * angle_step) +
      " rad; the paths reach " + format_number(reach) + " m and " + format_number(angle_reach) +
      " rad; " +
      (lattice_files.empty()
           ? std::to_string(halvings) +
                 " halving(s) of the first lattice's steps towards numerics.tolerance"
           : std::string("the F-table file's own nodes")) +
      "), cubic Hermite "
      "interpolation in both: |error of F| <= " +
      format_number(table_error_rate_member_) + " 1/s (interpolation " +
      format_number(lattice.interpolation_error) + ", values " + format_number(value_error) + ")" +
      notes;
}

cplx ExactPropagator::rate(double r) const {
  // Translation: the displacement r; rotation: ket angle r, bra angle 0 (F of phi - phi' alone).
  thread_local std::vector<double> coordinate(1);
  static const std::vector<double> none, zero_angle{0.0};
  coordinate[0] = r;
  const bool rotation = on_rotation_axis(grid_member_);
  cplx sum = 0.0;
  for (const auto& channel : channels_member_)
    if (closed_form(*channel))
      sum += rotation ? channel->evaluate(none, coordinate, zero_angle)
                      : channel->evaluate(coordinate, none, none);
  return sum;
}

cplx ExactPropagator::initial_chord(double k, double r) const {
  const InitialStateSpec& in = initial_member_;
  const double hbar = constants::hbar;
  const cplx momentum_phase(0.0, in.momentum * r / hbar);
  switch (in.kind) {
    case InitialKind::gaussian: {
      const double s = in.width;
      return std::exp(cplx(-0.5 * k * k * s * s - r * r / (8.0 * s * s), -k * in.center) +
                      momentum_phase);
    }
    case InitialKind::cat: {
      // psi = g_- + g_+ (centres c -+ d/2): four terms g_a(x) g_b(x')*, each a Gaussian in the
      // centre X (mean (c_a + c_b)/2) and in r (mean c_a - c_b); trace 2 + 2 exp(-d^2/(8 s^2)).
      const double s = in.width, d = in.separation, c = in.center;
      const double gk = -0.5 * k * k * s * s, sr = 8.0 * s * s;
      cplx sum = std::exp(cplx(gk - r * r / sr, -k * (c + 0.5 * d))) +
                 std::exp(cplx(gk - r * r / sr, -k * (c - 0.5 * d))) +
                 std::exp(cplx(gk - (r - d) * (r - d) / sr, -k * c)) +
                 std::exp(cplx(gk - (r + d) * (r + d) / sr, -k * c));
      return sum * std::exp(momentum_phase) / (2.0 + 2.0 * std::exp(-d * d / sr));
    }
    case InitialKind::thermal: {
      // Mehler kernel: Var X = l^2/(2 tanh(b/2)), the r factor exp(-r^2 coth(b/2)/(4 l^2)).
      const double b = hbar * in.frequency / (constants::k_boltzmann * in.temperature);
      const double l2 = hbar / (mass_member_ * in.frequency);
      const double t = std::tanh(0.5 * b);
      return std::exp(cplx(-0.25 * k * k * l2 / t - r * r / (4.0 * l2 * t), -k * in.center) +
                      momentum_phase);
    }
    case InitialKind::file:
      break;
  }
  return (*grid_state_member_)(k, r);
}

cplx ExactPropagator::chord(double t, double k, double r, double* error) const {
  if (grid_member_.axis_count() > 1)
    throw InvalidArgument("k", "one number",
                          std::to_string(grid_member_.axis_count()) +
                              " components (one per axis: the vector overload of chord)");
  if (!(t >= 0.0 && t <= duration_member_ * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration_member_));
  // Segment holding t and the time spent in it.
  std::size_t last = 0;
  double begin = 0.0;
  while (last + 1 < protocol_member_.size() && begin + protocol_member_[last].duration < t) {
    begin += protocol_member_[last].duration;
    ++last;
  }
  double phase = 0.0, err = 0.0;
  cplx integral = 0.0;
  const double hbar = constants::hbar;
  // The start of the characteristic first: where chi_0 there is below 1e-30 (chi(0, 0) = 1),
  // chi is too (|exp(-int F)| <= 1, Re F >= 0 for every channel the method accepts), and its
  // contribution to rho lies far below rounding: skip the F integral.
  {
    double k0 = k, r0 = r;
    for (std::size_t s = last + 1; s-- > 0;) {
      const double span = s == last ? std::min(t - begin, protocol_member_[s].duration)
                                    : protocol_member_[s].duration;
      if (span > 0.0) map_back(protocol_member_[s], mass_member_, span, k0, r0);
    }
    if (std::abs(initial_chord(k0, r0)) < 1e-30) {
      if (error) *error = 0.0;
      return 0.0;
    }
  }
  // Share of the tolerance per segment, so the whole path meets it.
  const double tol = tolerance_member_ / static_cast<double>(last + 1);
  const bool any_closed_form = std::any_of(channels_member_.begin(), channels_member_.end(),
                                           [](const auto& c) { return closed_form(*c); });
  const chord::Model model = tabulated() ? make_chord_model(*this) : chord::Model{};
  for (std::size_t s = last + 1; s-- > 0;) {
    const Segment& segment = protocol_member_[s];
    const double span = s == last ? std::min(t - begin, segment.duration) : segment.duration;
    if (span <= 0.0) continue;
    if (tabulated()) {  // the kernel's own rule for the tabulated F (chord_kernel.hpp)
      double table_error = 0.0;
      const chord::Complex part =
          chord::table_path_integral(model, static_cast<int>(s), k, r, span, tol, table_error);
      integral += cplx(part.re, part.im);
      err += table_error;
    }
    if (any_closed_form) {
      const double k_end = k, r_end = r;
      const auto f = [&](double tau) {
        double kk = k_end, rr = r_end;
        map_back(segment, mass_member_, tau, kk, rr);
        return rate(rr);
      };
      double segment_error = 0.0;
      integral += adaptive_gk15(f, 0.0, span, tol, span, segment_error);
      err += segment_error;
    }
    if (segment.potential.kind == PotentialKind::linear) {
      const double f0 = segment.potential.force;
      phase += -k * f0 * span * span / (2.0 * mass_member_) + r * f0 * span / hbar;
    }
    map_back(segment, mass_member_, span, k, r);
  }
  if (tabulated()) err += t * table_error_rate_member_;  // |interpolated - true F| along the path
  if (grid_state_member_) err += grid_state_member_->error_estimate();  // chi_0's, |factor| <= 1
  if (error) *error = err;
  return std::exp(cplx(-integral.real(), phase - integral.imag())) * initial_chord(k, r);
}

std::vector<cplx> ExactPropagator::density_matrix(double t, double* error) const {
  return density_matrix(t, Backend::cpu, error);
}

std::vector<cplx> ExactPropagator::density_matrix(double t, Backend backend, double* error,
                                                  ChordDampingCache* damping) const {
  if (grid_member_.axis_count() > 1) return axes_density_matrix(t, backend, error, damping);
  const std::size_t n = grid_member_.axes()[0].points, m = k_points_member_;
  const double dx = grid_member_.axes()[0].step;
  const double period = static_cast<double>(m) * 0.5 * dx;
  const double x_first = grid_member_.coordinate(0, 0);  // centre X of i + j = 0
  const std::vector<double> k = exact_k_grid(grid_member_, m);
  const std::vector<cplx> twiddles = fft_twiddles(m);
  std::vector<cplx> shift(m);  // exp(i k_q x_first): the half grid starts at x_first
  for (std::size_t q = 0; q < m; ++q) shift[q] = std::exp(cplx(0.0, k[q] * x_first));
  // chi at every (k_q, r_d) (and +k_N, see below) through the kernel twin of `backend`.
  const chord::Model model = make_chord_model(*this);
  const long long nn = static_cast<long long>(n);
  const std::size_t per_chord = m + 1;
  std::vector<cplx> rho(n * n);
  double worst = 0.0;
  // Chord d's entries rho_{i, i-d} sit at the centre indices s = 2 i - d, all of the parity of
  // d: only those outputs of the length-m transform are needed. With p that parity,
  //   a_{2j+p} = sum_{q < m/2} (c_q + (-1)^p c_{q+m/2}) exp(2 pi i q p/m) exp(2 pi i q j/(m/2)),
  // one transform of length m/2 after folding.
  const std::vector<cplx> half_twiddles = fft_twiddles(m / 2);
  const double dk = 2.0 * constants::pi / period;  // spacing of the k grid
  const auto transform_chord = [&](long long d, const cplx* c, std::vector<cplx>& a) {
    const std::size_t h = m / 2;
    const bool odd = (d % 2) != 0;
    for (std::size_t q = 0; q < h; ++q) {
      cplx lo = c[q] * shift[q], hi = c[q + h] * shift[q + h];
      // Nyquist term (q + h = m/2): the mean of -k_N and +k_N (their phases agree on the half
      // grid), so that the sum is symmetric in k and rho stays Hermitian to rounding.
      if (q == 0) hi = 0.5 * (hi + c[m] * std::conj(shift[h]));
      a[q] = odd ? (lo - hi) * twiddles[q] : lo + hi;
    }
    inverse_fft(a, half_twiddles);
    // Ket i, bra j = i - d: the centre index i + j = 2 i - d = 2 (i - (d + p)/2) + p.
    const long long p = odd ? 1 : 0;
    // Chord -d is the conjugate of chord d (Hermiticity, below): rho_{j, i} = conj(rho_{i, j}).
    for (long long i = std::max(0LL, d); i < std::min(nn, nn + d); ++i) {
      const long long j = i - d, half_index = (2 * i - d - p) / 2;
      const cplx value = a[static_cast<std::size_t>(half_index)] * (dx / period);
      rho[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j)] = value;
      if (d != 0)
        rho[static_cast<std::size_t>(j) * n + static_cast<std::size_t>(i)] = std::conj(value);
    }
  };
  // Hermiticity: F(-r) = conj F(r) for every channel (a Hermitian dissipator) and chi_0(-k, -r) =
  // conj chi_0(k, r) (a Hermitian initial state); the characteristic through (-k, -r) is that
  // through (k, r) mirrored, and the linear force's phase is odd, so chi(-k, -r) =
  // conj chi(k, r) at every time (tested on the kernel, ExactPropagator.ChordIsHermitian). Only
  // the chords d >= 0 are computed; the chords d < 0 of rho are their conjugate transposes.
  // The path integrals of every point of this time, in the order below (chord d from 0,
  // then k); the CUDA twin computes them afresh.
  // (Not with tabulated channels: their integral is complex, the table stores real ones.)
  ChordDampingCache::Table* cached =
      damping != nullptr && backend == Backend::cpu && !tabulated()
          ? damping->table(t, static_cast<std::size_t>(nn) * per_chord)
          : nullptr;
  if (backend == Backend::cpu) {
    // One chord per iteration: chi over k into a buffer of the thread, then its transform.
#pragma omp parallel reduction(max : worst)
    {
      std::vector<cplx> a(m / 2), c(per_chord);
#pragma omp for schedule(dynamic, 4)
      for (long long d = 0; d <= nn - 1; ++d) {
        const double r = static_cast<double>(d) * dx;
        const std::size_t offset = static_cast<std::size_t>(d) * per_chord;
        // Outside [k_lo, k_hi] chord_at returns 0 without evaluating anything (chord_k_range).
        double k_lo = 0.0, k_hi = 0.0;
        if (!chord::chord_k_range(model, t, r, k_lo, k_hi)) continue;  // the chord stays 0
        const double k_margin = 2.0 * dk;  // two grid steps for the rounding of the range
        bool any = false;
        for (std::size_t q = 0; q <= m; ++q) {
          const double kq = q == m ? -k[m / 2] : k[q];  // q = m: +k_N
          if (kq < k_lo - k_margin || kq > k_hi + k_margin) {
            c[q] = 0.0;
            continue;
          }
          double e = 0.0;
          const chord::Complex v =
              chord::chord_at(model, t, kq, r, e, cached ? &cached->integral[offset + q] : nullptr,
                              cached ? &cached->error[offset + q] : nullptr);
          c[q] = cplx(v.re, v.im);
          worst = std::max(worst, e);
          any = any || v.re != 0.0 || v.im != 0.0;
        }
        if (any) transform_chord(d, c.data(), a);  // else the chord of rho stays 0
      }
    }
  } else {
    // Blocks of chords so that the point lists stay small.
    const long long block = std::max<long long>(1, (1LL << 20) / static_cast<long long>(per_chord));
    std::vector<double> kk, rr;
    for (long long first = 0; first <= nn - 1; first += block) {
      const long long last = std::min(nn - 1, first + block - 1);
      kk.clear();
      rr.clear();
      for (long long d = first; d <= last; ++d) {
        const double r = static_cast<double>(d) * dx;
        for (std::size_t q = 0; q < m; ++q) {
          kk.push_back(k[q]);
          rr.push_back(r);
        }
        kk.push_back(-k[m / 2]);  // +k_N
        rr.push_back(r);
      }
      double e = 0.0;
      const std::vector<cplx> chi = chord::chord_values(backend, model, t, kk, rr, &e);
      worst = std::max(worst, e);
#pragma omp parallel
      {
        std::vector<cplx> a(m / 2);
#pragma omp for schedule(static)
        for (long long d = first; d <= last; ++d)
          transform_chord(d, chi.data() + static_cast<std::size_t>(d - first) * per_chord, a);
      }
    }
  }
  if (error) *error = worst;
  return rho;
}

cplx ExactPropagator::element(double t, double x, double x_prime, double* error) const {
  if (grid_member_.axis_count() > 1)
    throw InvalidArgument("x", "one number",
                          std::to_string(grid_member_.axis_count()) +
                              " coordinates (one per axis: the vector overload of element)");
  if (!(t >= 0.0 && t <= duration_member_ * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration_member_));
  const std::size_t m = k_points_member_;
  const double period = static_cast<double>(m) * 0.5 * grid_member_.axes()[0].step;
  const std::vector<double> k = exact_k_grid(grid_member_, m);
  const double centre = 0.5 * (x + x_prime), r = x - x_prime;
  // chi at the m + 1 points through the CPU twin of the chi kernel (OpenMP), then the sum in a
  // fixed order (the same result for any number of threads).
  std::vector<double> kk(m + 1), rr(m + 1, r);
  for (std::size_t q = 0; q <= m; ++q) kk[q] = q == m ? -k[m / 2] : k[q];  // q = m: +k_N
  const chord::Model model = make_chord_model(*this);
  double worst = 0.0;
  const std::vector<cplx> chi = chord::chord_values_cpu(model, t, kk, rr, &worst);
  cplx sum = 0.0;
  for (std::size_t q = 0; q <= m; ++q) {
    // The two Nyquist ends enter with weight 1/2 (symmetric trapezoid).
    const double weight = q == m || q == m / 2 ? 0.5 : 1.0;
    sum += weight * chi[q] * std::exp(cplx(0.0, kk[q] * centre));
  }
  if (error) *error = worst;
  return sum / period;
}

namespace {

/// Channel c of a kernel model (kind, rate and length in the model's arrays) from a closed-form
/// channel: on a rotation axis (a libration window) its angular form (on a translation axis a
/// channel's angular part never acts, evaluate() receiving no angles; on a rotation axis its
/// translational part never acts, receiving no displacement). InvalidArgument for any other
/// channel (`kernel` names the kernel in the message).
void describe_channel(const DissipationChannel& channel, std::size_t c, bool rotation,
                      chord::ChannelKind* kind, double* rate, double* length, const char* kernel) {
  if (const auto* ga = dynamic_cast<const GaussianChannel*>(&channel); ga && rotation) {
    // F = Gamma (1 - exp(-chord^2/(4 b^2))); b = 0: no angular decoherence (rate 0, so that
    // the kernel never divides by b).
    kind[c] = chord::ChannelKind::gaussian_angular;
    rate[c] = ga->angular_length() > 0.0 ? ga->rate() : 0.0;
    length[c] = ga->angular_length() > 0.0 ? ga->angular_length() : 1.0;
  } else if (const auto* da = dynamic_cast<const DiffusiveChannel*>(&channel); da && rotation) {
    kind[c] = chord::ChannelKind::diffusive_angular;  // Lambda_phi chord^2
    rate[c] = da->angular_lambda();
  } else if (const auto* g = dynamic_cast<const GaussianChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::gaussian;
    rate[c] = g->rate();
    length[c] = g->length();
  } else if (const auto* d = dynamic_cast<const DiffusiveChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::diffusive;
    rate[c] = d->lambda();
  } else if (const auto* sphere = dynamic_cast<const DesorptionSphereChannel*>(&channel)) {
    kind[c] = chord::ChannelKind::desorption_sphere;
    rate[c] = sphere->rate();
    length[c] = sphere->thermal_wavenumber();
  } else {
    throw InvalidArgument(
        "channels[" + std::to_string(c) + "]", channel.name(),
        std::string("gaussian, diffusive or desorption_sphere for the ") + kernel);
  }
}

/// The closed-form channels of a run, at most chord::max_channels (InvalidArgument).
ChannelList closed_form_channels(const ChannelList& all_channels) {
  ChannelList channels;
  for (const auto& c : all_channels)
    if (closed_form(*c)) channels.push_back(c);
  if (channels.size() > static_cast<std::size_t>(chord::max_channels))
    throw InvalidArgument("channels", std::to_string(channels.size()) + " channels",
                          "at most " + std::to_string(chord::max_channels) + " for the chi kernel");
  return channels;
}

/// The propagator's tabulated F for the kernel (pointing into the propagator's coefficients);
/// intervals = 0 without tabulated channels.
chord::TabulatedRate tabulated_rate(const ExactPropagator& exact) {
  chord::TabulatedRate table;
  const std::vector<double>& c = exact.table_coefficients();
  if (c.empty()) return table;
  if (c.size() / 8 > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw InvalidArgument("channels", std::to_string(c.size() / 8) + " table intervals",
                          "at most 2^31 - 1 for the chi kernel");
  const std::size_t rows = static_cast<std::size_t>(std::max(exact.table_angle_nodes(), 1));
  table.intervals = static_cast<int>(c.size() / 8 / rows);
  table.angle_nodes = exact.table_angle_nodes();
  table.angle_origin = exact.table_angle_origin();
  table.angle_step = exact.table_angle_step();
  table.origin = exact.table_origin();
  table.step = exact.table_step();
  table.coefficients = c.data();
  table.error_rate = exact.table_error_rate();
  return table;
}

/// The model without the tabulated F (closed-form channels only); the caller has checked the
/// run (ExactPropagator's constructor).
chord::Model closed_form_model(const Grid& grid, const std::vector<Segment>& protocol,
                               const ChannelList& all_channels, const InitialStateSpec& initial,
                               double tolerance) {
  const ChannelList channels = closed_form_channels(all_channels);
  chord::Model m;
  m.mass = grid.axes()[0].inertia;  // M, or I on a rotation axis
  const bool rotation = on_rotation_axis(grid);
  m.tolerance = tolerance;
  if (protocol.size() > static_cast<std::size_t>(chord::max_segments))
    throw InvalidArgument("protocol", std::to_string(protocol.size()) + " segments",
                          "at most " + std::to_string(chord::max_segments) + " for the chi kernel");
  m.segments = static_cast<int>(protocol.size());
  for (std::size_t s = 0; s < protocol.size(); ++s) {
    const Potential& p = protocol[s].potential;
    m.segment_kind[s] = p.kind == PotentialKind::harmonic ? chord::SegmentKind::harmonic
                        : p.kind == PotentialKind::linear ? chord::SegmentKind::linear
                                                          : chord::SegmentKind::free;
    m.duration[s] = protocol[s].duration;
    m.frequency[s] = p.frequency;
    m.force[s] = p.force;
  }
  m.channels = static_cast<int>(channels.size());
  for (std::size_t c = 0; c < channels.size(); ++c)
    describe_channel(channels[c]->definition(), c, rotation, m.channel_kind, m.rate, m.length,
                     "chi kernel");
  m.width = initial.width;
  m.separation = initial.separation;
  m.center = initial.center;
  m.momentum = initial.momentum;
  switch (initial.kind) {
    case InitialKind::gaussian:
      m.state = chord::StateKind::gaussian;
      break;
    case InitialKind::cat:
      m.state = chord::StateKind::cat;
      m.cat_overlap = std::exp(-initial.separation * initial.separation /
                               (8.0 * initial.width * initial.width));
      break;
    case InitialKind::thermal: {
      m.state = chord::StateKind::thermal;
      const double b =
          constants::hbar * initial.frequency / (constants::k_boltzmann * initial.temperature);
      const double l2 = constants::hbar / (m.mass * initial.frequency);
      const double t = std::tanh(0.5 * b);
      m.thermal_k2 = 0.25 * l2 / t;
      m.thermal_r2 = 1.0 / (4.0 * l2 * t);
      break;
    }
    case InitialKind::file:
      m.state = chord::StateKind::grid;  // its lattice: make_chord_model(const ExactPropagator&)
      m.momentum = 0.0;
      m.center = 0.0;
      break;
  }
  return m;
}

}  // namespace

chord::Model make_chord_model(const Grid& grid, const std::vector<Segment>& protocol,
                              const ChannelList& channels, const InitialStateSpec& initial,
                              double tolerance) {
  for (std::size_t c = 0; c < channels.size(); ++c)
    if (channels[c] && !closed_form(*channels[c]))
      throw InvalidArgument("channels[" + std::to_string(c) + "]", channels[c]->name(),
                            "gaussian, diffusive or desorption_sphere here (a channel without a "
                            "closed form needs its table: make_chord_model(ExactPropagator))");
  if (initial.kind == InitialKind::file)
    throw InvalidArgument("initial.kind", "\"file\"",
                          "a closed-form state here (a grid state's lattice lives in its "
                          "propagator: make_chord_model(ExactPropagator))");
  if (grid.axis_count() > 1)
    throw InvalidArgument("grid", std::to_string(grid.axis_count()) + " axes",
                          "one axis for the one-axis chi kernel (several: make_axes_model)");
  // The same checks as the propagator (segments, channels, state, tolerance).
  const ExactPropagator check(grid, protocol, channels, initial, tolerance);
  return closed_form_model(grid, protocol, channels, initial, tolerance);
}

chord::AxesModel make_axes_model(const ExactPropagator& exact) {
  const Grid& grid = exact.grid();
  const std::size_t axes = grid.axis_count();
  if (axes < 2 || axes > static_cast<std::size_t>(chord::max_axes))
    throw InvalidArgument("grid", std::to_string(axes) + " axes",
                          "2 to " + std::to_string(chord::max_axes) +
                              " for the several-axes chi kernel (one axis: make_chord_model)");
  chord::AxesModel m;
  m.axes = static_cast<int>(axes);
  m.tolerance = exact.tolerance();
  const InitialStateSpec& in = exact.initial();
  for (std::size_t a = 0; a < axes; ++a) {
    // The axis as a grid of its own, the segments as it sees them, its factor of the state.
    m.axis[a] = closed_form_model(Grid({grid.axes()[a]}), protocol_on_axis(exact.protocol(), a),
                                  ChannelList{}, state_on_axis(grid, in, a), exact.tolerance());
    if (grid.axes()[a].kind == AxisKind::rotation) m.rotation_axis = static_cast<int>(a);
  }
  // The other channels: their summed F, tabulated by the propagator (build_table) on a signed
  // line, read at the one translation chord or at the translation chords' |r|.
  m.table = tabulated_rate(exact);
  if (const auto translation = translation_axes(grid); translation.size() == 1)
    m.table_axis = static_cast<int>(translation.front());
  for (const auto& channel : closed_form_channels(exact.channels())) {
    const DissipationChannel& definition = channel->definition();
    if (const auto* d = dynamic_cast<const DiffusiveChannel*>(&definition)) {
      // Separable, (TL1): Lambda |r|^2 + Lambda_phi c^2 = sum over the axes of Lambda r_a^2 and
      // Lambda_phi c^2 (docs/physics.md, "Translation and libration axes together"), each term in
      // its axis' model (the one-axis closed forms).
      for (std::size_t a = 0; a < axes; ++a) {
        chord::Model& axis = m.axis[a];
        const bool rotation = static_cast<int>(a) == m.rotation_axis;
        const double rate = rotation ? d->angular_lambda() : d->lambda();
        if (rate == 0.0) continue;
        axis.channel_kind[axis.channels] =
            rotation ? chord::ChannelKind::diffusive_angular : chord::ChannelKind::diffusive;
        axis.rate[axis.channels] = rate;
        ++axis.channels;
      }
      continue;
    }
    // Coupled: F of the translation chords' |r| (and the angle chord: a gaussian's angular
    // length, which acts only with a libration axis; evaluate() gets no angle without one).
    const int c = m.channels++;
    describe_channel(definition, static_cast<std::size_t>(c), false, m.channel_kind, m.rate,
                     m.length, "several-axes chi kernel");
    const auto* gaussian = dynamic_cast<const GaussianChannel*>(&definition);
    if (gaussian && m.rotation_axis >= 0) m.angular_length[c] = gaussian->angular_length();
  }
  return m;
}

chord::Model make_chord_model(const ExactPropagator& exact) {
  if (exact.grid().axis_count() > 1)
    throw InvalidArgument("grid", std::to_string(exact.grid().axis_count()) + " axes",
                          "one axis for the one-axis chi kernel (several: make_axes_model)");
  chord::Model m = closed_form_model(exact.grid(), exact.protocol(), exact.channels(),
                                     exact.initial(), exact.tolerance());
  m.table = tabulated_rate(exact);
  if (const auto& g = exact.grid_state()) {
    m.state = chord::StateKind::grid;
    m.grid_state.k_count = g->k_count();
    m.grid_state.r_count = g->r_count();
    m.grid_state.k_first = g->k_first();
    m.grid_state.k_step = g->k_step();
    m.grid_state.r_first = g->r_first();
    m.grid_state.r_step = g->r_step();
    m.grid_state.values = g->values().data();
    m.grid_state.k_limit = g->k_extent();
    m.grid_state.r_limit = g->r_extent();
    m.grid_state.k_blocks = g->k_blocks();
    m.grid_state.r_blocks = g->r_blocks();
    m.grid_state.block_norm = g->block_norms().empty() ? nullptr : g->block_norms().data();
    m.grid_state.block_threshold = g->block_threshold();
    m.grid_state.error = g->error_estimate();
  }
  return m;
}

}  // namespace nanodecoh::evolution
