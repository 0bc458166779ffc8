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
#include "evolution/exact_applicability.hpp"
#include "evolution/exact_grid.hpp"
#include "evolution/radix2_fft.hpp"
#include "evolution/rate_tables.hpp"
#include "numerics/gauss_kronrod.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

using namespace detail;

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

}  // namespace

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
  if (on_circle(grid)) {
    // The integer k that carry the state (free segments keep k: the range at t = 0 holds at
    // every time) and the periodisation's terms and trace, as the kernel's model has them.
    const chord::Model model = make_chord_model(*this);
    double lo = 0.0, hi = 0.0;
    if (!chord::chord_k_range(model, 0.0, 0.0, lo, hi))
      throw InvalidArgument("initial", "a state without chord function above 1e-30",
                            "a closed-form state of positive width");
    circle_k_max_member_ = static_cast<long long>(std::floor(std::max(std::fabs(lo), hi)));
    circle_terms_member_ = model.period_terms;
    circle_norm_member_ = model.period_norm;
    k_points_member_ = static_cast<std::size_t>(2 * circle_k_max_member_ + 1);
    axis_k_points_member_[0] = k_points_member_;
  }
}

void ExactPropagator::build_table(const ChannelTableContext& context) {
  ChannelList tabulated;
  for (const auto& c : channels_member_)
    if (!closed_form(*c)) tabulated.push_back(c);
  if (tabulated.empty()) return;
  RateTablePlan plan;
  const std::string obstacle =
      plan_rate_table(grid_member_, protocol_member_, channels_member_, initial_member_, context,
                      grid_state_member_.get(), plan);
  if (!obstacle.empty())
    throw InvalidArgument("protocol[0].method", "\"exact\"",
                          "\"split\" (the exact method does not apply: " + obstacle + ")");
  if (plan.angle_table) {
    build_angle_table(tabulated, plan, context);
    return;
  }
  double step = plan.step;
  const long long file_count = plan.file_count;
  const double reach = plan.reach;
  long long count = table_count(reach, step);
  bool coarsened = false;
  if (file_count >= 0) {
    count = std::min(count, file_count);  // the file's own nodes (plan_rate_table: enough)
  } else if (count > kMaxTableCount) {
    step = (reach / static_cast<double>(kMaxTableCount - 2)) * (1.0 + 1e-12);
    count = kMaxTableCount;
    coarsened = true;
  }
  // The line of displacements j step, |j| <= count, as a grid of one translation axis: its
  // difference table is exactly those values, so every channel tabulates it as it would a run's
  // grid (the engine in one batched call on the run's backend; an F-table file looked up at its
  // own nodes; a remembering channel (a sweep's) keeps it). On a rotation axis: the line of angle
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
  std::vector<cplx> values = f;
  check_table_symmetry(values, value_error, names, "0", [&](std::size_t j) {
    return format_number((static_cast<double>(j) - static_cast<double>(zero)) * step) + unit;
  });
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

void ExactPropagator::build_angle_table(const ChannelList& tabulated,
                                        const detail::RateTablePlan& plan,
                                        const ChannelTableContext& context) {
  // The first lattice: 4 times the line's step along dX (the grid's step, or a recoil length;
  // an F-table file's own step is kept) and the libration axis' step along phi - phi', covering
  // the paths' reach; at most kMaxLatticeCount and kMaxLatticeAngleCount nodes per side (beyond,
  // the steps grow and the description says so). Then halved (both steps, or the angle's alone
  // with a file), at most twice, while the bound times the protocol's duration exceeds
  // numerics.tolerance and the doubled counts stay within those limits; each halving evaluates
  // only the new points.
  const double step = plan.step, reach = plan.reach, angle_reach = plan.angle_reach;
  const long long file_count = plan.file_count;
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
  long long angle_count = table_count(angle_reach, angle_step);
  // F-table files of the orientations are read at their own lattice (plan_rate_table has
  // checked that it is one, reaches the paths and has the other files' steps): its angle step,
  // no halving.
  const std::vector<FileLattice>& lattice_files = plan.file_lattices;
  for (const FileLattice& file : lattice_files) {
    angle_step = file.angle_step;
    angle_count = std::min(table_count(angle_reach, file.angle_step), file.angle_count);
    count = std::min(count, file.count);  // every row of the file's lattice holds these nodes
  }
  if (lattice_files.empty() && angle_count > kMaxLatticeAngleCount) {
    angle_step = (angle_reach / static_cast<double>(kMaxLatticeAngleCount - 2)) * (1.0 + 1e-12);
    angle_count = kMaxLatticeAngleCount;
    notes += "; the step of phi - phi' was widened to keep " +
             std::to_string(kMaxLatticeAngleCount) + " nodes per side";
  }
  std::string names;
  double value_error = 0.0;
  // Property 1 (F(0, 0) = 0) and property 2 (F_{R,R'}(-dX) = conj F_{R',R}(dX), here
  // F(-r, -theta) = conj F(r, theta)), as for a line; F(0, 0) set to 0.
  const auto check = [&](RateLattice& lattice) {
    value_error = table_value_error(tabulated, lattice.values, names);
    const std::size_t nodes = static_cast<std::size_t>(2 * count + 1);
    check_table_symmetry(lattice.values, value_error, names, "0, 0", [&](std::size_t p) {
      return format_number((static_cast<double>(p % nodes) - static_cast<double>(count)) *
                           dx_step) +
             " m, " +
             format_number((static_cast<double>(p / nodes) - static_cast<double>(angle_count)) *
                           angle_step) +
             " rad";
    });
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
  if (grid_state_member_) return (*grid_state_member_)(k, r);
  if (!on_circle(grid_member_)) return line_initial_chord(k, r);
  // The periodised state's chord function, g_k(r) = sum_j (-1)^(k j) chi(k, r + 2 pi j)/norm
  // (docs/physics.md, "A free rotor on a circle"), over the terms r + 2 pi j within
  // circle_terms_member_ turns of 0 (the closed form is below 1e-30 beyond).
  const double period = 2.0 * constants::pi;
  const long long nearest = std::llround(r / period), odd_k = std::llabs(std::llround(k)) % 2;
  cplx sum = 0.0;
  for (long long j = -nearest - circle_terms_member_; j <= -nearest + circle_terms_member_; ++j) {
    const cplx term = line_initial_chord(k, r + static_cast<double>(j) * period);
    sum += odd_k == 1 && std::llabs(j) % 2 == 1 ? -term : term;
  }
  return sum / circle_norm_member_;
}

cplx ExactPropagator::line_initial_chord(double k, double r) const {
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
  throw InvalidArgument("initial.kind", "\"file\"", "a closed-form state (line_initial_chord)");
}

cplx ExactPropagator::chord(double t, double k, double r, double* error) const {
  if (grid_member_.axis_count() > 1)
    throw InvalidArgument("k", "one number",
                          std::to_string(grid_member_.axis_count()) +
                              " components (one per axis: the vector overload of chord)");
  if (!(t >= 0.0 && t <= duration_member_ * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration_member_));
  if (on_circle(grid_member_) && !(std::isfinite(k) && k == std::nearbyint(k)))
    throw InvalidArgument("k", format_number(k),
                          "an integer on a full circle (the wave number of the centre angle)");
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
  if (on_circle(grid_member_)) return circle_density_matrix(t, backend, error);
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
  if (on_circle(grid_member_)) return circle_element(t, x, x_prime, error);
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

}  // namespace nanodecoh::evolution
