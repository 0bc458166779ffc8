// The chi kernel of the exact method on a grid of two or three translation axes (docs/physics.md,
// "Several translation axes"), shared like chord_kernel.hpp by the CPU twin (chord_kernel.cpp,
// OpenMP) and the CUDA twin (kernels/evolution/exact_chord.cu): one thread per point (k, r),
// k and r vectors with one component per axis.
//
// H = sum_a P_a^2/(2 M_a) + V(t) with every segment's potential acting on one axis (free,
// linear or harmonic; the other axes are free during it) is separable, so the characteristic
// through (k, r) is one per axis: axis a's (k_a, r_a) moves under that axis' own linear map
// (chord_kernel.hpp's map_back with the axis' Model). The initial state is a product (the
// chosen state on its axis, a centred Gaussian on each other one: initial_state.hpp), so chi_0
// is the product of the axes' closed forms. The dissipator couples the axes: F depends on the
// displacement vector, F(|r|) for the channels accepted here (the closed forms gaussian,
// diffusive, desorption_sphere, and the other channels' F(|dX|) tabulated on a line), and
//   chi(k, r, t) = exp(i Phi) prod_a chi_0,a(k_a(0), r_a(0)) exp(-int_0^t F(|r(s)|) ds),
// the integral taken along the vector path r(s) through every segment, Phi the sum of the axes'
// linear-force phases. On a segment where every axis moves straight (no harmonic potential with
// omega > 0), |r(s)|^2 is a quadratic in s: the gaussian and diffusive integrals have closed
// forms (the gaussian's along the path's direction times the factor of its distance from the
// origin); every other integral (the tabulated F's too) is adaptive Gauss-Kronrod 7-15.
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

/// Everything chi(k, r, t) depends on for a grid of several translation axes, as numbers.
struct AxesModel {
  int axes = 0;  ///< 2 or 3
  /// Per axis: its mass, the protocol's segments as that axis sees them (the segment's own
  /// potential on the axis it acts on, free on the others; the same durations on every axis) and
  /// its factor of chi_0 (closed-form states only). Their channel lists and tables are unused.
  Model axis[max_axes];
  int channels = 0;
  /// gaussian: Gamma (1/s) and a (m); diffusive: Lambda (1/(m^2 s)); desorption_sphere: Gamma
  /// and k_T (1/m), each a function of |r| (channels.hpp).
  ChannelKind channel_kind[max_channels] = {};
  double rate[max_channels] = {};
  double length[max_channels] = {};
  double tolerance = 1e-10;  ///< absolute error of the F path integral
  /// The channels without a closed form (magnetic, dielectric, the engine's desorption of an
  /// isotropic body, a function), summed and tabulated as F(|dX|) on a line (the propagator
  /// checks that each is a function of |dX| alone), evaluated at |r|; intervals = 0: none.
  TabulatedRate table;
};

/// The channels' F (1/s) at |r|^2 = `distance2` (m^2); with `skip_closed_form`, the gaussian and
/// diffusive channels are left out (their integrals are taken in closed form).
NANODECOH_HD inline double axes_rate(const AxesModel& m, double distance2, bool skip_closed_form) {
  double f = 0.0;
  for (int c = 0; c < m.channels; ++c) {
    switch (m.channel_kind[c]) {
      case ChannelKind::gaussian:
        if (!skip_closed_form)
          f += m.rate[c] * -std::expm1(-distance2 / (4.0 * m.length[c] * m.length[c]));
        break;
      case ChannelKind::diffusive:
        if (!skip_closed_form) f += m.rate[c] * distance2;
        break;
      case ChannelKind::desorption_sphere:
        f += m.rate[c] *
             numerics::one_minus_thermal_sinc_average(m.length[c] * std::sqrt(distance2));
        break;
      default:  // angular channels: not on translation axes (exact_propagator.cpp refuses them)
        f += NAN;
        break;
    }
  }
  return f;
}

/// True when every axis moves straight in segment s (chord_kernel.hpp's straight()).
NANODECOH_HD inline bool axes_straight(const AxesModel& m, int s) {
  for (int a = 0; a < m.axes; ++a)
    if (!straight(m.axis[a], s)) return false;
  return true;
}

/// int_0^span of the gaussian (or diffusive) channel c along a straight vector path backwards
/// from r_end with velocities v_a = hbar k_a/M_a, so r(tau) = r_end - v tau; `error` gains its
/// error bound.
///  - diffusive: Lambda span sum_a ((r_a - v_a span/2)^2 + (v_a span)^2/12), positive terms.
///  - gaussian: |r(tau)|^2 = p^2 + (q - |v| tau)^2, p the distance of the path's line from the
///    origin and q = r_end . v/|v|, so the mean of 1 - exp(-|r|^2/(4 a^2)) over the path is
///    (1 - e) + e g, e = exp(-p^2/(4 a^2)) and g the mean of 1 - exp(-u^2) along the line
///    (gaussian_shape_mean, the one-axis form); p^2 from Lagrange's identity
///    sum_{a<b} (r_a v_b - r_b v_a)^2/|v|^2, without the cancellation of |r|^2 - q^2.
NANODECOH_HD inline double axes_straight_integral(const AxesModel& m, int c, const double* v,
                                                  const double* r_end, double span, double& error) {
  constexpr double eps = 2.220446049250313e-16;
  if (m.channel_kind[c] == ChannelKind::diffusive) {
    double sum = 0.0;
    for (int a = 0; a < m.axes; ++a) {
      const double travel = v[a] * span, mid = r_end[a] - 0.5 * travel;
      sum += mid * mid + travel * travel / 12.0;
    }
    const double value = m.rate[c] * span * sum;
    error += 8.0 * eps * value;
    return value;
  }
  double speed2 = 0.0, along = 0.0, cross = 0.0, distance2 = 0.0;
  for (int a = 0; a < m.axes; ++a) {
    speed2 += v[a] * v[a];
    along += r_end[a] * v[a];
    distance2 += r_end[a] * r_end[a];
    for (int b = a + 1; b < m.axes; ++b) {
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

/// |r|^2 (m^2) at time tau before the end of segment s on the path ending at (k_end, r_end),
/// each axis mapped back by its own map.
NANODECOH_HD inline double distance2_back(const AxesModel& m, int s, double tau,
                                          const double* k_end, const double* r_end) {
  double distance2 = 0.0;
  for (int a = 0; a < m.axes; ++a) {
    double kk = k_end[a], rr = r_end[a];
    map_back(m.axis[a], s, tau, kk, rr);
    distance2 += rr * rr;
  }
  return distance2;
}

/// int_0^span F(|r(tau)|) dtau along segment s backwards from (k_end, r_end): on a segment where
/// every axis moves straight, the gaussian and diffusive channels in closed form
/// (axes_straight_integral), every other channel by adaptive Gauss-Kronrod 7-15 of the vector
/// path (each axis mapped back by its own map); `error` gains the bounds and the accepted
/// |K15 - G7|.
NANODECOH_HD inline double axes_path_integral(const AxesModel& m, int s, const double* k_end,
                                              const double* r_end, double span, double tol,
                                              double& error) {
  const bool skip_closed_form = axes_straight(m, s);
  double closed = 0.0;
  bool any_other = false;
  double v[max_axes] = {0.0, 0.0, 0.0};
  for (int a = 0; a < m.axes; ++a) v[a] = hbar / m.axis[a].mass * k_end[a];
  for (int c = 0; c < m.channels; ++c) {
    const bool closed_kind =
        m.channel_kind[c] == ChannelKind::gaussian || m.channel_kind[c] == ChannelKind::diffusive;
    if (skip_closed_form && closed_kind)
      closed += axes_straight_integral(m, c, v, r_end, span, error);
    else
      any_other = true;
  }
  if (!any_other) return closed;
  const auto f = [&](double tau) {
    return axes_rate(m, distance2_back(m, s, tau, k_end, r_end), skip_closed_form);
  };
  return closed + adaptive_gk15<double>(f, span, tol, error);
}

/// int_0^span F_table(|r(tau)|) dtau along segment s backwards from (k_end, r_end) by adaptive
/// Gauss-Kronrod 7-15 (|r| is not linear in tau even on a straight segment, so the one-axis
/// exact rule of table_line_integral does not apply); `error` gains the accepted |K15 - G7|.
NANODECOH_HD inline Complex axes_table_path_integral(const AxesModel& m, int s, const double* k_end,
                                                     const double* r_end, double span, double tol,
                                                     double& error) {
  const auto f = [&](double tau) {
    return table_rate(m.table, std::sqrt(distance2_back(m, s, tau, k_end, r_end)));
  };
  return adaptive_gk15<Complex>(f, span, tol, error);
}

/// chi(k, r) at time t (0 <= t <= the protocol's duration), k[a] in 1/m and r[a] in m for each
/// axis; `error` receives the error estimate of the F integral along the path. Points whose chi_0
/// at the start of the path is below 1e-30 (the product of the axes' bounds, then the value) are
/// 0 without an integral, as in chord_at. With `cached_integral` and `cached_error` (one point of
/// a ChordDampingCache table; closed-form channels only): a stored integral (not NaN) and its
/// estimate are used instead of the quadrature, whose result is the same number; otherwise the
/// computed ones are stored (the integral does not depend on the initial state).
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
  double phase = 0.0, integral = 0.0;
  Complex tabulated;  // the tabulated channels' (complex) integral; never cached
  for (int s = last; s >= 0; --s) {
    const double span = s == last ? std::fmin(t - begin, first.duration[s]) : first.duration[s];
    if (span <= 0.0) continue;
    if (m.channels > 0 && !known) integral += axes_path_integral(m, s, k, r, span, tol, error);
    if (m.table.intervals > 0) tabulated += axes_table_path_integral(m, s, k, r, span, tol, error);
    for (int a = 0; a < m.axes; ++a) {
      const Model& axis = m.axis[a];
      if (axis.segment_kind[s] == SegmentKind::linear)
        phase += -k[a] * axis.force[s] * span * span / (2.0 * axis.mass) +
                 r[a] * axis.force[s] * span / hbar;
      map_back(axis, s, span, k[a], r[a]);
    }
  }
  if (known) {
    integral = *cached_integral;
    error = *cached_error;
  } else if (cached_integral != nullptr) {
    *cached_integral = integral;
    *cached_error = error;
  }
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
