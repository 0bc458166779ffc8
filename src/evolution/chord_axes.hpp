// The chi kernel of the exact method on a grid of two or three axes: translation axes and at most
// one libration axis (docs/physics.md, "Several translation axes" and "Translation and libration
// axes together"), shared like chord_kernel.hpp by the CPU twin (chord_kernel.cpp, OpenMP) and the
// CUDA twin (kernels/evolution/exact_chord.cu): one thread per point (k, r), k and r vectors with
// one component per axis (on the libration axis k in 1/rad and r = phi - phi' in rad).
//
// H = sum_a P_a^2/(2 M_a) (+ J^2/(2 I)) + V(t) with every segment's potential acting on one axis
// (free, linear or harmonic; the other axes are free during it) is separable, so the
// characteristic through (k, r) is one per axis: axis a's (k_a, r_a) moves under that axis' own
// linear map (chord_kernel.hpp's map_back with the axis' Model, I in place of M on the libration
// axis). The initial state is a product (the chosen state on its axis, a centred Gaussian on each
// other one: initial_state.hpp), so chi_0 is the product of the axes' closed forms. The
// dissipator:
//  - separable channels (diffusive, Lambda |r|^2 + Lambda_phi c^2 with the chord
//    c = 2 sin(r_phi/2), (TL1)) are a sum of one-axis terms, each held by its axis' Model and
//    integrated by the one-axis path_integral (closed form on a straight segment);
//  - coupled channels depend on the displacement vector: F(|r|) (gaussian, desorption_sphere, and
//    the other channels' F(|dX|) tabulated on a line) on translation axes, and with a libration
//    axis the gaussian F = Gamma (1 - exp(-|r|^2/(4 a^2) - c^2/(4 b^2))) (b = 0: no angular term;
//    (TL2)),
//   chi(k, r, t) = exp(i Phi) prod_a chi_0,a(k_a(0), r_a(0)) exp(-int_0^t F(r(s)) ds),
// the integral taken along the vector path r(s) through every segment, Phi the sum of the axes'
// linear-force phases. On a segment where every translation axis moves straight (no harmonic
// potential with omega > 0 on it), |r(s)|^2 is a quadratic in s: the translational gaussian has a
// closed form (along the path's direction times the factor of its distance from the origin); the
// angular gaussian is adaptive Gauss-Kronrod 7-15 cut where r_phi crosses 2 pi n (its dips, (TL3))
// and at the translation's closest approach (TL4); (TL1)-(TL4) are docs/physics.md's equations in
// "Translation and libration axes together"; every other integral (the tabulated F's too) is
// adaptive Gauss-Kronrod 7-15 of the whole segment.
//
// C++17, no CUDA header (as chord_kernel.hpp).
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "evolution/chord_kernel.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::evolution::chord {

inline constexpr int max_axes = 3;

/// Everything chi(k, r, t) depends on for a grid of several axes, as numbers.
struct AxesModel {
  int axes = 0;  ///< 2 or 3
  /// The libration axis (its Model's mass is the moment of inertia I, its chord in rad); -1: none.
  int rotation_axis = -1;
  /// Per axis: its mass (or I), the protocol's segments as that axis sees them (the segment's own
  /// potential on the axis it acts on, free on the others; the same durations on every axis), its
  /// factor of chi_0 (closed-form states only) and its share of the separable channels (diffusive
  /// on a translation axis, diffusive_angular on the libration axis: F is a sum over the axes).
  /// Their tables are unused.
  Model axis[max_axes];
  /// The coupled channels. gaussian: Gamma (1/s), a (m) and, with a libration axis, b (rad;
  /// 0: no angular term); desorption_sphere: Gamma and k_T (1/m), a function of |r| (translation
  /// axes only: exact_propagator.cpp refuses it with a libration axis).
  int channels = 0;
  ChannelKind channel_kind[max_channels] = {};
  double rate[max_channels] = {};
  double length[max_channels] = {};
  double angular_length[max_channels] = {};
  double tolerance = 1e-10;  ///< absolute error of the F path integral
  /// The channels without a closed form (magnetic, dielectric, the engine's desorption of an
  /// isotropic body, a function, an F-table file), summed and tabulated on a line of the first
  /// translation axis (the propagator checks, with a libration axis, that they do not depend on
  /// the orientation and, on several translation axes, that they are functions of |dX| alone);
  /// intervals = 0: none.
  TabulatedRate table;
  /// The one translation axis whose signed chord r_a the table is read at (a grid of one
  /// translation axis and a libration axis: F(-r) = conj F(r) need not be even, as for kicks of
  /// nonzero mean); -1: several translation axes, read at their |r|.
  int table_axis = -1;
};

/// True when coupled channel c has an angular term (a gaussian with b > 0 on a grid with a
/// libration axis): its integral is axes_angular_path_integral's.
NANODECOH_HD inline bool angular_channel(const AxesModel& m, int c) {
  return m.rotation_axis >= 0 && m.channel_kind[c] == ChannelKind::gaussian &&
         m.angular_length[c] > 0.0;
}

/// Coupled channel c's F (1/s) at the translation chords' |r|^2 = `distance2` (m^2) and the angle
/// chord `angle` = phi - phi' (rad; unused without a libration axis): the gaussian's (TL2).
NANODECOH_HD inline double axes_channel_rate(const AxesModel& m, int c, double distance2,
                                             double angle) {
  switch (m.channel_kind[c]) {
    case ChannelKind::gaussian: {
      // |r|^2/(4 a^2) + c^2/(4 b^2), c^2/(4 b^2) = sin^2(r_phi/2)/b^2 (channels.cpp)
      double exponent = distance2 / (4.0 * m.length[c] * m.length[c]);
      if (angular_channel(m, c)) {
        const double s = std::sin(0.5 * angle) / m.angular_length[c];
        exponent += s * s;
      }
      return m.rate[c] * -std::expm1(-exponent);
    }
    case ChannelKind::desorption_sphere:
      return m.rate[c] *
             numerics::one_minus_thermal_sinc_average(m.length[c] * std::sqrt(distance2));
    default:  // separable channels live on the axes' models (make_axes_model)
      return NAN;
  }
}

/// True when every translation axis moves straight in segment s (chord_kernel.hpp's straight()).
NANODECOH_HD inline bool translation_straight(const AxesModel& m, int s) {
  for (int a = 0; a < m.axes; ++a)
    if (a != m.rotation_axis && !straight(m.axis[a], s)) return false;
  return true;
}

/// int_0^span of the translational gaussian channel c (no angular term) along a straight vector
/// path backwards from r_end with velocities v_a = hbar k_a/M_a on the translation axes, so
/// r(tau) = r_end - v tau; `error` gains its error bound. |r(tau)|^2 = p^2 + (q - |v| tau)^2, p
/// the distance of the path's line from the origin and q = r_end . v/|v|, so the mean of
/// 1 - exp(-|r|^2/(4 a^2)) over the path is (1 - e) + e g, e = exp(-p^2/(4 a^2)) and g the mean of
/// 1 - exp(-u^2) along the line (gaussian_shape_mean, the one-axis form); p^2 from Lagrange's
/// identity sum_{a<b} (r_a v_b - r_b v_a)^2/|v|^2, without the cancellation of |r|^2 - q^2.
NANODECOH_HD inline double axes_straight_integral(const AxesModel& m, int c, const double* v,
                                                  const double* r_end, double span, double& error) {
  constexpr double eps = 2.220446049250313e-16;
  double speed2 = 0.0, along = 0.0, cross = 0.0, distance2 = 0.0;
  for (int a = 0; a < m.axes; ++a) {
    if (a == m.rotation_axis) continue;
    speed2 += v[a] * v[a];
    along += r_end[a] * v[a];
    distance2 += r_end[a] * r_end[a];
    for (int b = a + 1; b < m.axes; ++b) {
      if (b == m.rotation_axis) continue;
      const double w = r_end[a] * v[b] - r_end[b] * v[a];
      cross += w * w;
    }
  }
  const double speed = std::sqrt(speed2);
  const double scale = 0.5 / m.length[c];  // u = distance/(2 a)
  double q = 0.0, p2 = distance2;          // at rest: the point r_end itself
  if (speed > 0.0) {
    q = along / speed;
    p2 = cross / speed2;
  }
  const double travel = speed * span;
  double shape_error = 0.0;
  const double g =
      gaussian_shape_mean((q - 0.5 * travel) * scale, 0.5 * travel * scale, shape_error);
  const double x = p2 * scale * scale;
  const double e = std::exp(-x), one_minus_e = -std::expm1(-x);
  // Rounding: 8 eps of each of the two positive terms (exp, expm1 within 2 ulp), the shape
  // mean's bound times e.
  error += m.rate[c] * span * (8.0 * eps * (one_minus_e + e * g) + e * shape_error);
  return m.rate[c] * span * (one_minus_e + e * g);
}

/// The translation chords' |r|^2 (m^2) and the angle chord r_phi (rad; 0 without a libration
/// axis) at time tau before the end of segment s on the path ending at (k_end, r_end), each axis
/// mapped back by its own map.
NANODECOH_HD inline void chords_back(const AxesModel& m, int s, double tau, const double* k_end,
                                     const double* r_end, double& distance2, double& angle) {
  distance2 = 0.0;
  angle = 0.0;
  for (int a = 0; a < m.axes; ++a) {
    double kk = k_end[a], rr = r_end[a];
    map_back(m.axis[a], s, tau, kk, rr);
    if (a == m.rotation_axis)
      angle = rr;
    else
      distance2 += rr * rr;
  }
}

/// The translation chords' |r|^2 (m^2) at time tau before the end of segment s (chords_back).
NANODECOH_HD inline double distance2_back(const AxesModel& m, int s, double tau,
                                          const double* k_end, const double* r_end) {
  double distance2 = 0.0, angle = 0.0;
  chords_back(m, s, tau, k_end, r_end, distance2, angle);
  return distance2;
}

/// The times (s before the end of segment s) where the angle chord r_phi of a path crosses a
/// multiple of 2 pi (the dips of the angular F to its translational part) and, on a harmonic
/// segment, where r_phi turns (its extrema), (TL3), in increasing order, one at a time (next()):
/// the cuts of axes_angular_path_integral, as angular_gaussian_path_integral cuts a one-axis path
/// but without using periodicity (the translational factor is not periodic along the path), so the
/// number of pieces grows with the turns of the path.
struct AngleCuts {
  // Straight: r_phi(tau) = r_end - v tau. Harmonic: r_phi(tau) = A cos(w tau + phase), the cuts
  // within one period [0, period) at offset[0..count).
  bool harmonic = false;
  double r_end = 0.0, v = 0.0;
  double period = 0.0;
  int count = 0;
  double offset[64] = {};

  NANODECOH_HD AngleCuts(const Model& rot, int s, double k_end, double r_end_in) : r_end(r_end_in) {
    constexpr double two_pi = 6.283185307179586477;
    if (straight(rot, s)) {
      v = hbar / rot.mass * k_end;
      return;
    }
    harmonic = true;
    const double w = rot.frequency[s];
    const double q = hbar / (rot.mass * w) * k_end;  // A cos(phase) = r_end, A sin(phase) = q
    const double amplitude = std::hypot(r_end, q), phase = std::atan2(q, r_end);
    period = two_pi / w;
    const auto add = [&](double theta) {
      if (count >= 64) return;
      double t = std::fmod(theta - phase, two_pi);
      if (t < 0.0) t += two_pi;
      offset[count++] = t / w;
    };
    add(0.0);
    add(3.141592653589793238);
    const double levels = std::floor(amplitude / two_pi);
    for (double n = -levels; n <= levels && count + 2 <= 64; n += 1.0) {
      const double alpha = std::acos(std::fmax(-1.0, std::fmin(1.0, two_pi * n / amplitude)));
      add(alpha);
      add(two_pi - alpha);
    }
    sort_small(offset, count);
  }

  /// The first cut after tau (INFINITY: none).
  NANODECOH_HD double next(double tau) const {
    constexpr double two_pi = 6.283185307179586477;
    if (harmonic) {
      const double base = std::floor(tau / period) * period;
      for (int turn = 0; turn < 2; ++turn)
        for (int j = 0; j < count; ++j) {
          const double t = base + turn * period + offset[j];
          if (t > tau) return t;
        }
      return INFINITY;
    }
    if (v == 0.0) return INFINITY;
    // r_phi decreases in tau for v > 0: the next multiple below r_phi(tau), else above.
    const double x = (r_end - v * tau) / two_pi;
    double n = v > 0.0 ? std::ceil(x) - 1.0 : std::floor(x) + 1.0;
    for (int tries = 0; tries < 3; ++tries) {
      const double t = (r_end - two_pi * n) / v;
      if (t > tau) return t;
      n += v > 0.0 ? -1.0 : 1.0;  // rounding put it at or before tau: the one after
    }
    return INFINITY;
  }
};

/// int_0^span f(tau) along segment s backwards from (k_end, r_end) for an integrand f of the
/// vector path with a libration axis (the coupled channels with an angular term, a table over the
/// angle chord): adaptive Gauss-Kronrod 7-15, the path cut where r_phi crosses a multiple of 2 pi
/// and turns (AngleCuts, (TL3)) and, where the translation axes move straight, at the closest
/// approach of the translation chords to 0 (tau = r_end . v/|v|^2, (TL4)): F dips towards 0 only
/// where both parts are small, at the ends of pieces, where the rule's refinement sees the dip (an
/// adaptive rule started on a long path can step over it unseen). Each piece's share of `tol` is
/// in proportion to its length; `error` gains the accepted |K15 - G7|.
template <class T, class Integrand>
NANODECOH_HD inline T cut_path_integral(const AxesModel& m, int s, const double* k_end,
                                        const double* r_end, double span, double tol, double& error,
                                        const Integrand& f) {
  const int rot = m.rotation_axis;
  const AngleCuts cuts(m.axis[rot], s, k_end[rot], r_end[rot]);
  double closest = -1.0;
  if (translation_straight(m, s)) {
    double speed2 = 0.0, along = 0.0;
    for (int a = 0; a < m.axes; ++a) {
      if (a == rot) continue;
      const double v = hbar / m.axis[a].mass * k_end[a];
      speed2 += v * v;
      along += r_end[a] * v;
    }
    if (speed2 > 0.0) closest = along / speed2;
  }
  T sum{};
  double a = 0.0;
  while (a < span) {
    double b = cuts.next(a);
    if (!(b > a) || b > span) b = span;
    if (closest > a && closest < b) b = closest;
    const double from = a;
    const auto piece = [&](double x) { return f(from + x); };
    sum += adaptive_gk15<T>(piece, b - a, tol * (b - a) / span, error);
    a = b;
  }
  return sum;
}

/// int_0^span of the coupled channels with an angular term (angular_channel) along segment s
/// backwards from (k_end, r_end): Gamma (1 - exp(-|r|^2/(4 a^2) - sin^2(r_phi/2)/b^2)) has no
/// closed form along a path (the angular part alone has none: chord_kernel.hpp), so
/// cut_path_integral's adaptive rule.
NANODECOH_HD inline double axes_angular_path_integral(const AxesModel& m, int s,
                                                      const double* k_end, const double* r_end,
                                                      double span, double tol, double& error) {
  const auto f = [&](double tau) {
    double distance2 = 0.0, angle = 0.0;
    chords_back(m, s, tau, k_end, r_end, distance2, angle);
    double sum = 0.0;
    for (int c = 0; c < m.channels; ++c)
      if (angular_channel(m, c)) sum += axes_channel_rate(m, c, distance2, angle);
    return sum;
  };
  return cut_path_integral<double>(m, s, k_end, r_end, span, tol, error, f);
}

/// int_0^span F(r(tau)) dtau along segment s backwards from (k_end, r_end): the separable channels
/// axis by axis (TL1) (each axis' one-axis path_integral: closed form on a straight segment,
/// Gauss-Kronrod on a harmonic one); of the coupled ones, on a segment where every translation axis
/// moves straight the translational gaussian in closed form (axes_straight_integral), the angular
/// gaussian by axes_angular_path_integral, every other by adaptive Gauss-Kronrod 7-15 of the vector
/// path (each axis mapped back by its own map); `error` gains the bounds and the accepted |K15 -
/// G7|.
NANODECOH_HD inline double axes_path_integral(const AxesModel& m, int s, const double* k_end,
                                              const double* r_end, double span, double tol,
                                              double& error) {
  double total = 0.0;
  for (int a = 0; a < m.axes; ++a)
    if (m.axis[a].channels > 0)
      total += path_integral(m.axis[a], s, k_end[a], r_end[a], span, tol, error);
  const bool straight_translation = translation_straight(m, s);
  double v[max_axes] = {0.0, 0.0, 0.0};
  for (int a = 0; a < m.axes; ++a) v[a] = hbar / m.axis[a].mass * k_end[a];
  bool any_angular = false, any_other = false;
  for (int c = 0; c < m.channels; ++c) {
    if (angular_channel(m, c))
      any_angular = true;
    else if (straight_translation && m.channel_kind[c] == ChannelKind::gaussian)
      total += axes_straight_integral(m, c, v, r_end, span, error);
    else
      any_other = true;
  }
  if (any_angular) total += axes_angular_path_integral(m, s, k_end, r_end, span, tol, error);
  if (!any_other) return total;
  const auto f = [&](double tau) {
    double distance2 = 0.0, angle = 0.0;
    chords_back(m, s, tau, k_end, r_end, distance2, angle);
    double sum = 0.0;
    for (int c = 0; c < m.channels; ++c) {
      if (angular_channel(m, c)) continue;
      if (straight_translation && m.channel_kind[c] == ChannelKind::gaussian) continue;
      sum += axes_channel_rate(m, c, distance2, angle);
    }
    return sum;
  };
  return total + adaptive_gk15<double>(f, span, tol, error);
}

/// int_0^span F_table(|r(tau)|) dtau along segment s backwards from (k_end, r_end)
/// (F_table(r_a(tau)) at the signed chord of m.table_axis when there is one) by adaptive
/// Gauss-Kronrod 7-15 (|r| is not linear in tau even on a straight segment, so the one-axis exact
/// rule of table_line_integral does not apply); `error` gains the accepted |K15 - G7|. A lattice
/// table (angle_nodes > 0, (TL6)) is read at that chord and the angle chord r_phi(tau), and
/// integrated by cut_path_integral (its dips where r_phi crosses 2 pi n near r = 0). The
/// interpolant is only C^1 (a cubic per cell), so the rule refines at every cell edge the path
/// crosses; it is integrated to max(tol, error_rate span/10), a tenth of what the table's own
/// bound already adds to the estimate (axes_chord_at), not to digits the table does not hold.
NANODECOH_HD inline Complex axes_table_path_integral(const AxesModel& m, int s, const double* k_end,
                                                     const double* r_end, double span,
                                                     double tol_in, double& error) {
  const double tol = std::fmax(tol_in, 0.1 * m.table.error_rate * span);
  if (m.table.angle_nodes > 0) {
    const auto lattice = [&](double tau) {
      double distance2 = 0.0, chord = 0.0, angle = 0.0;
      for (int a = 0; a < m.axes; ++a) {
        double kk = k_end[a], rr = r_end[a];
        map_back(m.axis[a], s, tau, kk, rr);
        if (a == m.rotation_axis) {
          angle = rr;
        } else {
          distance2 += rr * rr;
          if (a == m.table_axis) chord = rr;
        }
      }
      return table_rate_2d(m.table, m.table_axis >= 0 ? chord : std::sqrt(distance2), angle);
    };
    return cut_path_integral<Complex>(m, s, k_end, r_end, span, tol, error, lattice);
  }
  const auto f = [&](double tau) {
    if (m.table_axis >= 0) {
      double k = k_end[m.table_axis], r = r_end[m.table_axis];
      map_back(m.axis[m.table_axis], s, tau, k, r);
      return table_rate(m.table, r);
    }
    return table_rate(m.table, std::sqrt(distance2_back(m, s, tau, k_end, r_end)));
  };
  return adaptive_gk15<Complex>(f, span, tol, error);
}

/// chi(k, r) at time t (0 <= t <= the protocol's duration), k[a] in 1/m and r[a] in m for each
/// translation axis (1/rad and rad on the libration axis); `error` receives the error estimate of
/// the F integral along the path. Points whose chi_0 at the start of the path is below 1e-30 (the
/// product of the axes' bounds, then the value) are 0 without an integral, as in chord_at. With
/// `cached_integral` and `cached_error` (one point of a ChordDampingCache table; closed-form
/// channels only): a stored integral (not NaN) and its estimate are used instead of the quadrature,
/// whose result is the same number; otherwise the computed ones are stored (the integral does not
/// depend on the initial state).
NANODECOH_HD inline Complex axes_chord_at(const AxesModel& m, double t, const double* k_in,
                                          const double* r_in, double& error,
                                          double* cached_integral = nullptr,
                                          double* cached_error = nullptr) {
  error = 0.0;
  const Model& first = m.axis[0];
  int last = 0;
  double begin = 0.0;
  while (last + 1 < first.segments && begin + first.duration[last] < t) {
    begin += first.duration[last];
    ++last;
  }
  double k[max_axes] = {0.0, 0.0, 0.0}, r[max_axes] = {0.0, 0.0, 0.0};
  double exponent = 0.0;
  for (int a = 0; a < m.axes; ++a) {
    double k0 = k_in[a], r0 = r_in[a];
    for (int s = last; s >= 0; --s) {
      const double span = s == last ? std::fmin(t - begin, first.duration[s]) : first.duration[s];
      if (span > 0.0) map_back(m.axis[a], s, span, k0, r0);
    }
    k[a] = k0;
    r[a] = r0;
    exponent += initial_chord_log_bound(m.axis[a], k0, r0);
  }
  constexpr double log_skip = -69.0775527898213705;  // ln 1e-30
  if (log_bound_below(exponent, log_skip)) return {0.0, 0.0};
  Complex start{1.0, 0.0};
  for (int a = 0; a < m.axes; ++a) {
    const Complex f = initial_chord(m.axis[a], k[a], r[a]);
    start = {start.re * f.re - start.im * f.im, start.re * f.im + start.im * f.re};
  }
  if (std::hypot(start.re, start.im) < 1e-30) return {0.0, 0.0};
  for (int a = 0; a < m.axes; ++a) {
    k[a] = k_in[a];
    r[a] = r_in[a];
  }
  const double tol = m.tolerance / static_cast<double>(last + 1);
  const bool known = cached_integral != nullptr && !std::isnan(*cached_integral);
  // Closed-form channels: coupled ones, or separable ones on the axes' models.
  bool damped = m.channels > 0;
  for (int a = 0; a < m.axes; ++a) damped = damped || m.axis[a].channels > 0;
  double phase = 0.0, integral = 0.0;
  Complex tabulated;  // the tabulated channels' (complex) integral; never cached
  for (int s = last; s >= 0; --s) {
    const double span = s == last ? std::fmin(t - begin, first.duration[s]) : first.duration[s];
    if (span <= 0.0) continue;
    if (damped && !known) integral += axes_path_integral(m, s, k, r, span, tol, error);
    if (m.table.intervals > 0) tabulated += axes_table_path_integral(m, s, k, r, span, tol, error);
    for (int a = 0; a < m.axes; ++a) {
      const Model& axis = m.axis[a];
      if (axis.segment_kind[s] == SegmentKind::linear)
        phase += -k[a] * axis.force[s] * span * span / (2.0 * axis.mass) +
                 r[a] * axis.force[s] * span / hbar;
      map_back(axis, s, span, k[a], r[a]);
    }
  }
  damping_from_cache(known, integral, error, cached_integral, cached_error);
  // The tabulated F differs from the true F by at most table.error_rate along the whole path.
  if (m.table.intervals > 0) error += t * m.table.error_rate;
  const Complex factor = cexp(-integral - tabulated.re, phase - tabulated.im);
  return {factor.re * start.re - factor.im * start.im, factor.re * start.im + factor.im * start.re};
}

/// The number of points of the twins' lists (`model.axes` components per point); throws
/// InvalidArgument when the lists do not hold whole points of the model's axes.
inline std::size_t axes_point_count(const AxesModel& model, const std::vector<double>& k,
                                    const std::vector<double>& r) {
  const std::size_t d = static_cast<std::size_t>(model.axes > 0 ? model.axes : 1);
  if (!(model.axes >= 1 && model.axes <= max_axes) || k.size() != r.size() || k.size() % d != 0)
    throw InvalidArgument("r", std::to_string(r.size()) + " components",
                          std::to_string(k.size()) + " (one per k component, " +
                              std::to_string(model.axes) + " per point)");
  return k.size() / d;
}

/// chi at the points i = 0..n-1, point i's components k[i axes + a], r[i axes + a], on the CPU
/// (OpenMP); `error` receives the largest estimate.
std::vector<std::complex<double>> axes_chord_values_cpu(const AxesModel& model, double t,
                                                        const std::vector<double>& k,
                                                        const std::vector<double>& r,
                                                        double* error);

/// The same on the CUDA device (one thread per point). Throws NotCompiled without CUDA,
/// CudaError or OutOfMemory from the device.
std::vector<std::complex<double>> axes_chord_values_cuda(const AxesModel& model, double t,
                                                         const std::vector<double>& k,
                                                         const std::vector<double>& r,
                                                         double* error);

/// Either twin.
inline std::vector<std::complex<double>> axes_chord_values(Backend backend, const AxesModel& model,
                                                           double t, const std::vector<double>& k,
                                                           const std::vector<double>& r,
                                                           double* error) {
  return backend == Backend::cuda ? axes_chord_values_cuda(model, t, k, r, error)
                                  : axes_chord_values_cpu(model, t, k, r, error);
}

}  // namespace nanodecoh::evolution::chord
