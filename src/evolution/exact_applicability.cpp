// Where the exact chord-function method applies (exact_propagator.hpp, exact_applicability.hpp;
// docs/physics.md section 4): quadratic potentials, channels whose F depends on the chords the
// method follows (on a rotation axis phi - phi' alone; on several axes |dX| and phi - phi'),
// tables of F that reach every path that matters, and initial states it can start from.
#include "evolution/exact_applicability.hpp"

#include <algorithm>
#include <cmath>

#include "evolution/exact_grid.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

using namespace detail;
using cplx = std::complex<double>;

namespace {

// ---- how far the paths reach --------------------------------------------------------------

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

// ---- channels on a rotation axis and the line's step --------------------------------------

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

// ---- channels on several axes --------------------------------------------------------------

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
/// `reach` (m) and `angle_reach` (rad) plus two steps (nothing is extrapolated); "" when it can,
/// `lattice` then holding it.
std::string file_lattice_obstacle(const Grid& grid, const FTableChannel& channel, std::size_t index,
                                  double reach, double angle_reach, FileLattice& lattice) {
  if (translation_axes(grid).size() != 1)
    return "on " + std::to_string(translation_axes(grid).size()) +
           " translation axes a file is read as a line of |dX| only";
  const std::string key = "channels[" + std::to_string(index) + "].file";
  if (std::string why = ftable_angle_lattice(channel, key, lattice); !why.empty()) return why;
  const double step = lattice.step, angle_step = lattice.angle_step;
  const long long count = lattice.count, angle_count = lattice.angle_count;
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
///    F-table file must not depend on the orientation at all, ftable_orientation_obstacle, or
///    be a lattice over (dx, phi - phi') of its own, file_lattice_obstacle: `file_lattices`
///    receives those).
/// One evaluate_points call per channel (the engine batched); an F-table file is checked on its
/// own points (ftable_isotropy_obstacle, ftable_orientation_obstacle).
std::string several_axes_table_obstacle(const Grid& grid, const ChannelList& channels, double step,
                                        double reach, double angle_reach,
                                        const ChannelTableContext& context, bool& angle_dependent,
                                        std::vector<FileLattice>& file_lattices) {
  angle_dependent = false;
  file_lattices.clear();
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
        FileLattice lattice;
        if (std::string not_lattice =
                file_lattice_obstacle(grid, *table, i, reach, angle_reach, lattice);
            !not_lattice.empty())
          return why + " (as a table over (dx, phi - phi'): " + not_lattice + ")";
        file_lattices.push_back(std::move(lattice));
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

std::string detail::plan_rate_table(const Grid& grid, const std::vector<Segment>& protocol,
                                    const ChannelList& channels, const InitialStateSpec& initial,
                                    const ChannelTableContext& context, const GridChord* grid_state,
                                    RateTablePlan& plan) {
  plan = RateTablePlan{};
  if (std::string why = choose_table_step(grid, channels, plan.step, plan.file_count); !why.empty())
    return why;
  const bool several = grid.axis_count() > 1;
  if (several && initial.kind == InitialKind::file) return {};  // exact_method_obstacle's
  const double step = plan.step;
  const long long file_count = plan.file_count;
  // On a full circle F is periodic in r, and the kernel reads a table of one turn, |r| <= pi,
  // however far the paths wind (chord_kernel.hpp, circle_table_line_integral).
  const double reach = plan.reach =
      on_circle(grid) ? constants::pi
      : several       ? axes_path_reach(grid, protocol, initial)
      : grid_state    ? exact_path_reach(grid.axes()[0].inertia, protocol, grid_state->k_extent(),
                                         grid_state->r_extent())
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
  plan.angle_reach = angle_path_reach(grid, protocol, initial);
  bool angle_dependent = false;
  std::string why = several_axes_table_obstacle(grid, channels, step, reach, plan.angle_reach,
                                                context, angle_dependent, plan.file_lattices);
  if (!why.empty()) return why;
  for (const FileLattice& file : plan.file_lattices)
    if (const double first = plan.file_lattices.front().angle_step;
        std::fabs(file.angle_step - first) > 1e-6 * first)
      return "the F-table files have different steps of angle (" + format_number(first) + " and " +
             format_number(file.angle_step) + " rad)";
  plan.angle_table = angle_dependent;
  return {};
}

std::string exact_table_obstacle(const Grid& grid, const std::vector<Segment>& protocol,
                                 const ChannelList& channels, const InitialStateSpec& initial,
                                 const ChannelTableContext& context, bool* angle_table) {
  RateTablePlan plan;
  const std::string why =
      plan_rate_table(grid, protocol, channels, initial, context, nullptr, plan);
  if (angle_table) *angle_table = plan.angle_table;
  return why;
}

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
  if (on_circle(grid)) {
    // A free rotor (docs/physics.md, "A free rotor on a circle"): integer k, the periodised
    // closed-form state, F periodic in phi - phi'.
    if (segment.potential.kind == PotentialKind::harmonic)
      return "axis " + axis.name +
             " is a full circle (mode = \"circle\"), where the harmonic potential is "
             "I w^2 (1 - cos phi), not quadratic: the exact method takes free segments on a "
             "circle (a harmonic trap on a libration window, mode = \"libration\")";
    if (segment.potential.kind == PotentialKind::linear)
      return "axis " + axis.name +
             " is a full circle (mode = \"circle\"), where a constant torque's potential "
             "-torque phi is not periodic: the exact method takes free segments on a circle";
    if (initial.kind == InitialKind::file)
      return "initial.kind = \"file\" on axis " + axis.name +
             ", a full circle (mode = \"circle\"): the exact method starts a circle from the "
             "closed-form states (gaussian, cat, thermal) only";
  }
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
  // reads rho on a translation axis or a libration window alike (not a circle: refused above).
  return {};
}

}  // namespace nanodecoh::evolution
