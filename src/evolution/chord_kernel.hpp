// The chi kernel of the exact method as plain data and host/device functions (NANODECOH_HD),
// shared by the CPU twin (src/evolution/chord_kernel.cpp, OpenMP) and the CUDA twin
// (kernels/evolution/exact_chord.cu): one thread per (k, r) point. The formulas are those of
// exact_propagator.cpp (docs/physics.md, "Exact chord-function method"); the channels are the
// closed forms gaussian, diffusive and desorption_sphere (and on a libration axis the angular
// gaussian and diffusive forms, functions of the chord 2 sin(r/2) of the angle difference r),
// described by numbers so that the device can evaluate them, and one tabulated F (TabulatedRate:
// the sum of the channels without a closed form, interpolated by piecewise cubic Hermite
// polynomials). Adaptive Gauss-Kronrod 7-15 without recursion or allocation (an explicit stack of
// at most 32 pending intervals); the tabulated F is integrated exactly, interval by interval, where
// the path is a straight line in r.
//
// C++17, no CUDA header, so that the host code and the launchers both include it.
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "core/host_device.hpp"
#include "nanodecoh/backend.hpp"
#include "numerics/gauss_kronrod.hpp"
#include "numerics/special_functions.hpp"

namespace nanodecoh::evolution::chord {

/// hbar (J s), CODATA 2018 exact; nanodecoh/constants.hpp is C++20 and nvcc compiles C++17, so
/// it is repeated here (chord_kernel.cpp checks that the two agree).
inline constexpr double hbar = 1.054571817e-34;

inline constexpr int max_segments = 32;
inline constexpr int max_channels = 8;

enum class SegmentKind : int { free = 0, harmonic = 1, linear = 2 };
enum class ChannelKind : int {
  gaussian = 0,
  diffusive = 1,
  desorption_sphere = 2,
  /// Libration axis (r = phi - phi' in rad): Gamma (1 - exp(-c^2/(4 b^2))) and
  /// Lambda_phi c^2, c = 2 sin(r/2) the chord (channels.hpp).
  gaussian_angular = 3,
  diffusive_angular = 4
};
/// `grid`: a state given on a grid (initial.kind = "file", or rho held in memory), its chi_0
/// interpolated from a lattice (GridChordView).
enum class StateKind : int { gaussian = 0, cat = 1, thermal = 2, grid = 3 };

/// Points per axis of the tensor Lagrange interpolation of a GridChordView (grid_chord_value);
/// the error estimate compares it with grid_chord_check_order points (grid_chord.cpp).
inline constexpr int grid_chord_order = 12;
inline constexpr int grid_chord_check_order = 10;

/// chi_0 of a state given on a grid (include/nanodecoh/evolution/grid_chord.hpp, which builds
/// it): the band-limited chord function sampled on the lattice k_a = k_first + a k_step
/// (a < k_count), r_b = r_first + b r_step (b < r_count), values[2 (a r_count + b)] = Re and
/// [... + 1] = Im; 0 outside the lattice (band-limited in k, the box in r). The pointer is host
/// memory for the CPU twin and device memory inside the CUDA twin.
struct GridChordView {
  int k_count = 0, r_count = 0;        ///< 0: no grid state
  double k_first = 0.0, k_step = 0.0;  ///< 1/m
  double r_first = 0.0, r_step = 0.0;  ///< m
  const double* values = nullptr;      ///< 2 k_count r_count numbers
  /// chi_0 is taken as 0 where |k| > k_limit or |r| > r_limit: every lattice value that a
  /// point there interpolates is below the grid state's neglect level (GridChord), so |chi_0|
  /// is below 2.7 times it there (the 12-point rule's Lebesgue constant is 1.62 per axis),
  /// which `error` includes.
  double k_limit = 0.0, r_limit = 0.0;
  /// Per block of grid_chord_block x grid_chord_block lattice cells (block (i, j) holds the
  /// cells a in [i B, i B + B), b in [j B, j B + B)), block_norm[i r_blocks + j] = the largest
  /// |value|^2 of every node a point in those cells interpolates: below block_threshold (the
  /// neglect level squared), chi_0 there is taken as 0 (as beyond the limits). Host or device
  /// memory, like `values`; null: no blocks.
  int k_blocks = 0, r_blocks = 0;
  const double* block_norm = nullptr;
  double block_threshold = 0.0;
  double error = 0.0;  ///< bound on |interpolated - true chi_0| (chi(0, 0) = trace = 1)
};

/// Lattice cells per block side of GridChordView::block_norm.
inline constexpr int grid_chord_block = 8;

/// True when every lattice value that chi_0 at (k, r) would interpolate is below the neglect
/// level (beyond the limits, or in a block whose block_norm is below block_threshold): |chi_0|
/// is then below 2.7 times it (the 12-point rule's Lebesgue constant is 1.62 per axis) and
/// taken as 0.
NANODECOH_HD inline bool grid_chord_negligible(const GridChordView& g, double k, double r) {
  if (!(std::fabs(k) <= g.k_limit && std::fabs(r) <= g.r_limit)) return true;
  if (g.block_norm == nullptr) return false;
  const double u = (k - g.k_first) / g.k_step, v = (r - g.r_first) / g.r_step;
  int i = static_cast<int>(std::floor(u)) / grid_chord_block,
      j = static_cast<int>(std::floor(v)) / grid_chord_block;
  if (u < 0.0 || v < 0.0) return false;  // (not reached inside the limits)
  i = i < g.k_blocks ? i : g.k_blocks - 1;
  j = j < g.r_blocks ? j : g.r_blocks - 1;
  return g.block_norm[static_cast<long long>(i) * g.r_blocks + j] < g.block_threshold;
}

/// The channels whose F has no closed form (magnetic, dielectric, desorption by the engine, an F
/// table, a function), summed and tabulated on the uniform nodes r_j = origin + j step,
/// j = 0..intervals, and interpolated between them by a cubic polynomial per interval:
/// F(r) = sum_p c_p u^p, u = r - r_j, with coefficients[8 j + 2 p] = Re c_p and
/// coefficients[8 j + 2 p + 1] = Im c_p (exact_propagator.cpp, build_table). The pointer is
/// host memory for the CPU twin and device memory inside the CUDA twin.
///
/// With angle_nodes > 0 (a grid of translation axes and a libration axis, F depending on the
/// angle chord too: chord_axes.hpp) the table is F(r, theta) on the lattice r_j x theta_i,
/// theta_i = angle_origin + i angle_step, i = 0..angle_nodes-1: row i is a line as above (8
/// intervals numbers from coefficients + 8 intervals i), and between the rows the line values are
/// joined by the same cubic Hermite rule (node derivatives the fourth-order finite differences,
/// one-sided at the ends: table_rate_2d), the tensor product of the two one-dimensional rules.
struct TabulatedRate {
  int intervals = 0;                     ///< 0: no tabulated channel
  double origin = 0.0, step = 0.0;       ///< m (rad on a rotation axis alone)
  const double* coefficients = nullptr;  ///< table_doubles() numbers
  double error_rate = 0.0;  ///< 1/s: bound on |interpolated - true F| (interpolation + values)
  int angle_nodes = 0;      ///< 0: a line; else the rows of the lattice (at least 6)
  double angle_origin = 0.0, angle_step = 0.0;  ///< rad
};

/// The number of doubles at t.coefficients.
inline std::size_t table_doubles(const TabulatedRate& t) {
  if (t.intervals <= 0) return 0;
  return 8 * static_cast<std::size_t>(t.intervals) *
         static_cast<std::size_t>(t.angle_nodes > 0 ? t.angle_nodes : 1);
}

/// Everything chi(k, r, t) depends on, as numbers (trivially copyable to the device).
struct Model {
  double mass = 0.0;  ///< the axis' inertia: mass M (kg) or moment of inertia I (kg m^2)
  int segments = 0;
  SegmentKind segment_kind[max_segments] = {};
  double duration[max_segments] = {};   ///< s
  double frequency[max_segments] = {};  ///< harmonic omega (rad/s)
  double force[max_segments] = {};      ///< linear F0 (N)
  int channels = 0;
  ChannelKind channel_kind[max_channels] = {};
  /// gaussian, sphere: Gamma (1/s); diffusive: Lambda (1/(m^2 s)), angular: 1/(rad^2 s)
  double rate[max_channels] = {};
  double length[max_channels] = {};  ///< gaussian: a (m), angular: b (rad); sphere: k_T (1/m)
  StateKind state = StateKind::gaussian;
  double width = 0.0, separation = 0.0, center = 0.0, momentum = 0.0;
  double thermal_k2 = 0.0, thermal_r2 = 0.0;  ///< thermal: coefficients of k^2 and r^2 in log chi
  double cat_overlap = -1.0;  ///< cat: exp(-d^2/(8 s^2)) (make_chord_model; < 0: computed)
  double tolerance = 1e-10;   ///< absolute error of the F path integral
  TabulatedRate table;        ///< the tabulated channels (intervals = 0: none)
  GridChordView grid_state;   ///< state == StateKind::grid: its chi_0 lattice
  /// A full circle (period = 2 pi; 0 on a line or a libration window): k is an integer and the
  /// state is the periodisation of the closed form, whose chord function is
  /// g_k(r) = sum_j (-1)^(k j) chi(k, r + j period) / period_norm (initial_chord); the terms
  /// |j| <= period_terms around r reduced to [-period/2, period/2] hold every value above
  /// 1e-30 (make_chord_model), period_norm = sum_j chi(0, j period) the trace of the
  /// periodisation, and period_log_scale = ln(2 period_terms + 1) - ln(period_norm) widens the
  /// log bound to the sum's.
  double period = 0.0;
  int period_terms = 0;
  double period_norm = 1.0, period_log_scale = 0.0;
};

/// A complex number both sides can use (std::complex is host-only before cuda::std).
struct Complex {
  double re = 0.0, im = 0.0;
};

NANODECOH_HD inline Complex operator+(Complex a, Complex b) {
  return {a.re + b.re, a.im + b.im};
}
NANODECOH_HD inline Complex& operator+=(Complex& a, Complex b) {
  a.re += b.re;
  a.im += b.im;
  return a;
}
NANODECOH_HD inline Complex operator*(Complex a, double s) {
  return {a.re * s, a.im * s};
}

NANODECOH_HD inline Complex cexp(double re, double im) {
  const double m = std::exp(re);
  if (im == 0.0) return {m, 0.0};  // no phase (centre 0, momentum 0): no sine and cosine
  return {m * std::cos(im), m * std::sin(im)};
}

/// (k, r) at time tau before the end of segment s, from its end point.
NANODECOH_HD inline void map_back(const Model& m, int s, double tau, double& k, double& r) {
  if (m.segment_kind[s] == SegmentKind::harmonic && m.frequency[s] > 0.0) {
    const double w = m.frequency[s], c = std::cos(w * tau), sn = std::sin(w * tau);
    const double k0 = k * c + m.mass * w / hbar * sn * r;
    const double r0 = r * c - hbar / (m.mass * w) * sn * k;
    k = k0;
    r = r0;
    return;
  }
  r -= hbar / m.mass * k * tau;
}

/// True when segment s moves r along a straight line (r(tau) = r_end - (hbar k/M) tau): free,
/// linear force, and harmonic with omega = 0.
NANODECOH_HD inline bool straight(const Model& m, int s) {
  return !(m.segment_kind[s] == SegmentKind::harmonic && m.frequency[s] > 0.0);
}

/// True when channel c has a closed-form integral along a straight path (gaussian, diffusive,
/// diffusive_angular; not gaussian_angular, whose mean of exp(-sin^2(u)/b^2) has none).
NANODECOH_HD inline bool closed_form_channel(const Model& m, int c) {
  return m.channel_kind[c] == ChannelKind::gaussian ||
         m.channel_kind[c] == ChannelKind::diffusive ||
         m.channel_kind[c] == ChannelKind::diffusive_angular;
}

/// Sum of the channels' F(r) (1/s), real for these closed forms; with `skip_closed_form`, the
/// channels of closed_form_channel() are left out (their integrals are taken in closed form).
NANODECOH_HD inline double rate(const Model& m, double r, bool skip_closed_form = false,
                                bool skip_angular_gaussian = false) {
  double f = 0.0;
  for (int c = 0; c < m.channels; ++c) {
    if (skip_closed_form && closed_form_channel(m, c)) continue;
    if (skip_angular_gaussian && m.channel_kind[c] == ChannelKind::gaussian_angular) continue;
    switch (m.channel_kind[c]) {
      case ChannelKind::gaussian:
        f += m.rate[c] * -std::expm1(-r * r / (4.0 * m.length[c] * m.length[c]));
        break;
      case ChannelKind::diffusive:
        f += m.rate[c] * r * r;
        break;
      case ChannelKind::desorption_sphere:
        f += m.rate[c] * numerics::one_minus_thermal_sinc_average(m.length[c] * std::fabs(r));
        break;
      case ChannelKind::gaussian_angular: {  // c^2/(4 b^2) = sin^2(r/2)/b^2
        const double s = std::sin(0.5 * r) / m.length[c];
        f += m.rate[c] * -std::expm1(-s * s);
        break;
      }
      case ChannelKind::diffusive_angular: {
        const double chord = 2.0 * std::sin(0.5 * r);
        f += m.rate[c] * chord * chord;
        break;
      }
    }
  }
  return f;
}

/// The mean of 1 - exp(-u^2) over u in [c - h, c + h] (h >= 0), the saturating Gaussian F's
/// shape along a straight path (docs/physics.md, "Closed-form path integrals"); `error` gains a
/// bound on its error. Two forms:
///  - 2h > 1/2: 1 - (sqrt(pi)/2) (erf(c + h) - erf(c - h))/(2h), the difference of erf taken
///    as a difference of erfc where both ends have the same sign (no cancellation between two
///    numbers near 1). Rounding bound: 8 eps (1 + (sqrt(pi)/2)(|e1| + |e2|)/(2h)), glibc's erf
///    and erfc being within 2 ulp (CUDA's within 4).
///  - 2h <= 1/2 (velocity near 0, down to h = 0 where the mean is 1 - exp(-c^2)): 8-point
///    Gauss-Legendre of -expm1(-u^2); its remainder is below 4e-19 on intervals of length 1/2
///    (Delta^16 (8!)^4/(17 (16!)^3) max|f^(16)|, |f^(16)| <= 1.09 sqrt(16! 2^16) by Cramer's
///    bound on Hermite functions), the rounding below 8 eps times the (positive) mean.
NANODECOH_HD inline double gaussian_shape_mean(double c, double h, double& error) {
  constexpr double eps = 2.220446049250313e-16;
  if (h > 0.25) {
    const double lo = c - h, hi = c + h;
    double e1, e2, difference;  // erf(hi) - erf(lo) = e1 - e2 (or e1 + e2)
    if (lo >= 0.0) {
      e1 = std::erfc(lo);
      e2 = std::erfc(hi);
      difference = e1 - e2;
    } else if (hi <= 0.0) {
      e1 = std::erfc(-hi);
      e2 = std::erfc(-lo);
      difference = e1 - e2;
    } else {
      e1 = std::erf(hi);
      e2 = std::erf(-lo);
      difference = e1 + e2;
    }
    const double scale = 0.886226925452758014 / (2.0 * h);  // sqrt(pi)/2 / Delta
    error += 8.0 * eps * (1.0 + scale * (std::fabs(e1) + std::fabs(e2)));
    return 1.0 - scale * difference;
  }
  const double x[4] = {0.183434642495649805, 0.525532409916328986, 0.796666477413626740,
                       0.960289856497536232};
  const double w[4] = {0.362683783378361983, 0.313706645877887287, 0.222381034453374471,
                       0.101228536290376259};
  double sum = 0.0;
  for (int j = 0; j < 4; ++j) {
    const double a = c - h * x[j], b = c + h * x[j];
    sum += w[j] * (-std::expm1(-a * a) - std::expm1(-b * b));
  }
  const double mean = 0.5 * sum;
  error += 8.0 * eps * mean + 4e-19;
  return mean;
}

/// int_0^span F_c(r_end - v tau) dtau for a closed_form_channel c along a straight path with
/// v = hbar k/M; `error` gains its error bound.
NANODECOH_HD inline double straight_integral(const Model& m, int c, double k, double r_end,
                                             double span, double& error) {
  const double travel = hbar / m.mass * k * span;  // r_end - r_start
  if (m.channel_kind[c] == ChannelKind::diffusive_angular) {
    // Lambda_phi int 4 sin^2(r/2) dtau = 2 Lambda_phi span (1 - mean of cos r), the mean of cos
    // over [c - h, c + h] being cos(c) sin(h)/h: 1 - cos(c) sinc(h) = 2 sin^2(c/2) +
    // cos(c) (1 - sinc(h)), without the cancellation of 1 - (something near 1) at small c and h.
    // 1 - sinc(h) by its alternating series below h = 1/2 (terms to h^14/15!: the remainder is
    // below h^16/17! < 5e-20), directly above (1 - sinc(h) >= 0.04); either way within a few eps
    // absolute.
    const double mid = r_end - 0.5 * travel, h = 0.5 * std::fabs(travel);
    double one_minus_sinc;
    if (h < 0.5) {
      const double h2 = h * h;
      // h^2/3! - h^4/5! + h^6/7! - ... - h^14/15! (Horner)
      one_minus_sinc =
          h2 *
          (1.0 / 6 -
           h2 * (1.0 / 120 -
                 h2 * (1.0 / 5040 -
                       h2 * (1.0 / 362880 - h2 * (1.0 / 39916800 - h2 * (1.0 / 6227020800 -
                                                                         h2 / 1307674368000.0))))));
    } else {
      one_minus_sinc = 1.0 - std::sin(h) / h;
    }
    const double half = std::sin(0.5 * mid), cosine = std::cos(mid);
    const double a = 2.0 * half * half, b = cosine * one_minus_sinc;
    const double value = 2.0 * m.rate[c] * span * (a + b);
    // Rounding: 8 eps of 2 sin^2(c/2) and of |cos c| (1 - sinc(h) within a few eps absolute;
    // sin and cos within 2 ulp).
    error += 8.0 * 2.220446049250313e-16 * 2.0 * m.rate[c] * span * (a + std::fabs(cosine));
    return value;
  }
  if (m.channel_kind[c] == ChannelKind::diffusive) {
    // Lambda int (r_end - v tau)^2 dtau = Lambda span ((r_end - travel/2)^2 + travel^2/12): a sum
    // of positive terms, rounding below 8 eps of it.
    const double mid = r_end - 0.5 * travel;
    const double value = m.rate[c] * span * (mid * mid + travel * travel / 12.0);
    error += 8.0 * 2.220446049250313e-16 * value;
    return value;
  }
  // Gaussian: Gamma int (1 - exp(-r^2/(4 a^2))) dtau = Gamma span * the mean of 1 - exp(-u^2)
  // over u = r/(2a) from r_start/(2a) to r_end/(2a).
  const double scale = 0.5 / m.length[c];
  double shape_error = 0.0;
  const double mean = gaussian_shape_mean((r_end - 0.5 * travel) * scale,
                                          0.5 * std::fabs(travel) * scale, shape_error);
  error += m.rate[c] * span * shape_error;
  return m.rate[c] * span * mean;
}

/// Lagrange weights of `order` (<= 16) equispaced nodes 0..order-1 at position t (node units),
/// in the first barycentric form w_j = L(t) c_j/(t - j), L(t) = prod_i (t - i),
/// c_j = 1/prod_{i != j} (j - i) = (-1)^(order-1-j)/(j! (order-1-j)!) (by the recurrence
/// c_{j+1} = -c_j (order-1-j)/(j+1)); at a node, the Kronecker delta.
NANODECOH_HD inline void lagrange_weights(int order, double t, double* w) {
  double product = 1.0;
  int node = -1;
  for (int i = 0; i < order; ++i) {
    const double d = t - static_cast<double>(i);
    if (d == 0.0) node = i;
    product *= d;
  }
  if (node >= 0) {
    for (int j = 0; j < order; ++j) w[j] = j == node ? 1.0 : 0.0;
    return;
  }
  double c = 1.0;  // c_0 = (-1)^(order-1)/(order-1)!
  for (int i = 1; i < order; ++i) c /= -static_cast<double>(i);
  for (int j = 0; j < order; ++j) {
    w[j] = product * c / (t - static_cast<double>(j));
    c *= -static_cast<double>(order - 1 - j) / static_cast<double>(j + 1);
  }
}

/// chi_0(k, r) of a grid state: tensor-product Lagrange interpolation with `order` (even, <= 16)
/// points per axis on the lattice of `g` (docs/physics.md, "States from a file"); lattice points
/// outside the lattice count as 0 (band limit in k, box in r), so beyond order/2 steps from the
/// lattice the result is 0.
NANODECOH_HD inline Complex grid_chord_value(const GridChordView& g, double k, double r,
                                             int order = grid_chord_order) {
  if (grid_chord_negligible(g, k, r)) return {0.0, 0.0};
  const double u = (k - g.k_first) / g.k_step, v = (r - g.r_first) / g.r_step;
  const double half = 0.5 * static_cast<double>(order);
  if (!(u > -half && u < static_cast<double>(g.k_count - 1) + half && v > -half &&
        v < static_cast<double>(g.r_count - 1) + half))
    return {0.0, 0.0};  // (NaN too: never evaluated as a point of the lattice)
  const double fu = std::floor(u), fv = std::floor(v);
  const int a0 = static_cast<int>(fu) - order / 2 + 1, b0 = static_cast<int>(fv) - order / 2 + 1;
  double wk[16], wr[16];
  lagrange_weights(order, u - static_cast<double>(a0), wk);
  lagrange_weights(order, v - static_cast<double>(b0), wr);
  Complex sum;
  for (int i = 0; i < order; ++i) {
    const int a = a0 + i;
    if (a < 0 || a >= g.k_count) continue;
    const double* row = g.values + 2 * static_cast<long long>(a) * g.r_count;
    double re = 0.0, im = 0.0;
    for (int j = 0; j < order; ++j) {
      const int b = b0 + j;
      if (b < 0 || b >= g.r_count) continue;
      re += wr[j] * row[2 * b];
      im += wr[j] * row[2 * b + 1];
    }
    sum.re += wk[i] * re;
    sum.im += wk[i] * im;
  }
  return sum;
}

/// True when (k, r) lies beyond the limits of `g`, where grid_chord_value is 0.
NANODECOH_HD inline bool grid_chord_outside(const GridChordView& g, double k, double r) {
  return grid_chord_negligible(g, k, r);
}

/// The closed-form chi_0(k, r) of a state on a line (docs/physics.md).
NANODECOH_HD inline Complex line_initial_chord(const Model& m, double k, double r) {
  const double p_phase = m.momentum * r / hbar;
  if (m.state == StateKind::gaussian) {
    const double s = m.width;
    return cexp(-0.5 * k * k * s * s - r * r / (8.0 * s * s), p_phase - k * m.center);
  }
  if (m.state == StateKind::thermal)
    return cexp(-m.thermal_k2 * k * k - m.thermal_r2 * r * r, p_phase - k * m.center);
  // Four terms g_a(x) g_b(x')*: the two diagonal ones share exp(-r^2/(8 s^2)) and differ in the
  // phase -k (c -+ d/2), which sums to 2 cos(k d/2) exp(-i k c); the two cross terms share the
  // phase -k c. One complex exponential (real when the phase is 0), a cosine and three real ones.
  const double s = m.width, d = m.separation, c = m.center;
  const double sr = 8.0 * s * s;
  const double centre_term = std::exp(-r * r / sr);
  const double overlap = m.cat_overlap >= 0.0 ? m.cat_overlap : std::exp(-d * d / sr);
  // (Not exp(-r^2/sr) exp(-d^2/sr) cosh(2 r d/sr): the rounding of those large exponents would
  // cost up to 1e-13 relative where the product is of order 1.)
  const double cross = std::exp(-(r - d) * (r - d) / sr) + std::exp(-(r + d) * (r + d) / sr);
  const double shape = 2.0 * std::cos(0.5 * k * d) * centre_term + cross;
  const Complex common = cexp(-0.5 * k * k * s * s, p_phase - k * c);
  const double norm = 2.0 + 2.0 * overlap;
  return {common.re * shape / norm, common.im * shape / norm};
}

/// The log of an upper bound on |line_initial_chord(m, k, r)| for a closed-form state, from
/// quadratic forms alone (no transcendental call). The cat's |chi_0| is at most
/// 4 exp(-k^2 s^2/2 - q/(8 s^2)) / 2, q the least of r^2 and (r -+ d)^2 (each term at most exp
/// of its exponent, the norm at least 2).
NANODECOH_HD inline double line_initial_chord_log_bound(const Model& m, double k, double r) {
  if (m.state == StateKind::gaussian) {
    const double s = m.width;
    return -0.5 * k * k * s * s - r * r / (8.0 * s * s);
  }
  if (m.state == StateKind::thermal) return -m.thermal_k2 * k * k - m.thermal_r2 * r * r;
  const double s = m.width, d = m.separation;
  const double a = r * r, b = (r - d) * (r - d), c = (r + d) * (r + d);
  const double q = a < b ? (a < c ? a : c) : (b < c ? b : c);
  return -0.5 * k * k * s * s - q / (8.0 * s * s) + 0.693147180559945309;  // + ln 2
}

/// r reduced to [-period/2, period/2] on a circle: r = reduced + turns period.
NANODECOH_HD inline double reduce_to_period(const Model& m, double r, double& turns) {
  turns = std::nearbyint(r / m.period);
  return r - turns * m.period;
}

/// True when (-1)^(k j) = -1 for integer-valued k and j (both odd).
NANODECOH_HD inline bool odd_product(double k, double j) {
  return std::fmod(std::fabs(k), 2.0) == 1.0 && std::fmod(std::fabs(j), 2.0) == 1.0;
}

/// chi_0(k, r): the closed form on a line or a libration window, a grid state's interpolation,
/// or on a circle (m.period > 0, integer k) the chord function of the periodised closed form
/// (docs/physics.md, "A free rotor on a circle"):
///   g_k(r) = sum_j (-1)^(k j) chi(k, r + j P) / norm,
/// taken as (-1)^(k q) sum_{|j| <= period_terms} (-1)^(k j) chi(k, r' + j P) / norm with
/// r = r' + q P, r' in [-P/2, P/2], so that a path winding many times costs no more terms.
NANODECOH_HD inline Complex initial_chord(const Model& m, double k, double r) {
  if (m.state == StateKind::grid) return grid_chord_value(m.grid_state, k, r);
  if (!(m.period > 0.0)) return line_initial_chord(m, k, r);
  double turns = 0.0;
  const double reduced = reduce_to_period(m, r, turns);
  Complex sum;
  for (int j = -m.period_terms; j <= m.period_terms; ++j) {
    const Complex term = line_initial_chord(m, k, reduced + static_cast<double>(j) * m.period);
    sum += odd_product(k, static_cast<double>(j)) ? term * -1.0 : term;
  }
  const double sign = odd_product(k, turns) ? -1.0 : 1.0;
  return sum * (sign / m.period_norm);
}

/// The log of an upper bound on |initial_chord(m, k, r)| for a closed-form state: the line's,
/// or on a circle the largest term's plus ln(number of terms) - ln(norm).
NANODECOH_HD inline double initial_chord_log_bound(const Model& m, double k, double r) {
  if (!(m.period > 0.0)) return line_initial_chord_log_bound(m, k, r);
  double turns = 0.0;
  const double reduced = reduce_to_period(m, r, turns);
  double largest = -INFINITY;
  for (int j = -m.period_terms; j <= m.period_terms; ++j)
    largest = std::fmax(
        largest, line_initial_chord_log_bound(m, k, reduced + static_cast<double>(j) * m.period));
  return largest + m.period_log_scale;
}

/// True when an exponent (a sum of initial_chord_log_bound values) is certainly below
/// `log_bound`: a margin of 1e-12 relative (and 1e-9 absolute) for the rounding of the exponents.
NANODECOH_HD inline bool log_bound_below(double exponent, double log_bound) {
  return exponent < log_bound - 1e-9 - 1e-12 * std::fabs(exponent);
}

/// True when |initial_chord(m, k, r)| is certainly below `bound` (without evaluating it):
/// initial_chord_log_bound, or for a grid state the lattice's extent.
NANODECOH_HD inline bool initial_chord_below(const Model& m, double k, double r, double log_bound) {
  // A grid state has no cheap bound inside its lattice: only the lattice's extent.
  if (m.state == StateKind::grid) return grid_chord_outside(m.grid_state, k, r);
  return log_bound_below(initial_chord_log_bound(m, k, r), log_bound);
}

/// The interval j of the tabulated F holding r and u = r - r_j; false outside the table (the
/// host sizes the table to cover every path that matters, exact_propagator.cpp).
NANODECOH_HD inline bool table_interval(const TabulatedRate& t, double r, int& j, double& u) {
  const double x = (r - t.origin) / t.step;
  if (!(x >= 0.0 && x <= static_cast<double>(t.intervals))) return false;
  j = static_cast<int>(x);
  if (j >= t.intervals) j = t.intervals - 1;  // r at the last node
  u = r - (t.origin + static_cast<double>(j) * t.step);
  return true;
}

/// The tabulated F at r (1/s); NaN outside the table (never silently extrapolated).
NANODECOH_HD inline Complex table_rate(const TabulatedRate& t, double r) {
  int j = 0;
  double u = 0.0;
  if (!table_interval(t, r, j, u)) return {NAN, NAN};
  const double* c = t.coefficients + 8 * j;
  return {c[0] + u * (c[2] + u * (c[4] + u * c[6])), c[1] + u * (c[3] + u * (c[5] + u * c[7]))};
}

/// The derivative at node i of values f on nodes 0..n-1 of spacing h, f[q] held for q in
/// [w0, w0 + 6): the fourth-order finite difference, five points, one-sided at the ends (the rule
/// of exact_propagator.cpp's hermite_coefficients).
NANODECOH_HD inline Complex node_derivative(const Complex* f, int w0, int i, int n, double h) {
  const auto at = [&](int q) { return f[q - w0]; };
  // sum_q w_q f[first + sign q] times sign/(12 h): the stencil reflected at the upper end.
  const auto combine = [&](int first, int sign, double w0_, double w1, double w2, double w3,
                           double w4) {
    const Complex d = at(first) * w0_ + at(first + sign) * w1 + at(first + 2 * sign) * w2 +
                      at(first + 3 * sign) * w3 + at(first + 4 * sign) * w4;
    return d * (static_cast<double>(sign) / (12.0 * h));
  };
  if (i >= 2 && i + 2 < n) return combine(i - 2, 1, 1.0, -8.0, 0.0, 8.0, -1.0);
  if (i == 0) return combine(0, 1, -25.0, 48.0, -36.0, 16.0, -3.0);
  if (i == 1) return combine(0, 1, -3.0, -10.0, 18.0, -6.0, 1.0);
  if (i == n - 2) return combine(n - 1, -1, -3.0, -10.0, 18.0, -6.0, 1.0);
  return combine(n - 1, -1, -25.0, 48.0, -36.0, 16.0, -3.0);
}

/// The tabulated F at (r, theta) on a lattice table (angle_nodes > 0): the six rows around theta
/// read at r (table_rate), joined by the cubic Hermite polynomial between the two rows holding
/// theta with node_derivative's slopes. NaN outside the lattice (never extrapolated).
NANODECOH_HD inline Complex table_rate_2d(const TabulatedRate& t, double r, double theta) {
  const int n = t.angle_nodes;
  const double x = (theta - t.angle_origin) / t.angle_step;
  if (!(x >= 0.0 && x <= static_cast<double>(n - 1))) return {NAN, NAN};
  int i = static_cast<int>(x);
  if (i > n - 2) i = n - 2;  // theta at the last row
  const double u = theta - (t.angle_origin + static_cast<double>(i) * t.angle_step);
  int w0 = i - 2;
  if (w0 > n - 6) w0 = n - 6;
  if (w0 < 0) w0 = 0;
  Complex f[6];
  TabulatedRate row = t;
  for (int q = 0; q < 6; ++q) {
    row.coefficients = t.coefficients + 8 * static_cast<long long>(t.intervals) * (w0 + q);
    f[q] = table_rate(row, r);
  }
  const double h = t.angle_step;
  const Complex f0 = f[i - w0], f1 = f[i + 1 - w0];
  const Complex d0 = node_derivative(f, w0, i, n, h), d1 = node_derivative(f, w0, i + 1, n, h);
  // c0 + c1 u + c2 u^2 + c3 u^3 with the interval's slope s = (f1 - f0)/h (hermite_coefficients)
  const Complex slope = (f1 + f0 * -1.0) * (1.0 / h);
  const Complex c2 = (slope * 3.0 + d0 * -2.0 + d1 * -1.0) * (1.0 / h);
  const Complex c3 = (d0 + d1 + slope * -2.0) * (1.0 / (h * h));
  return f0 + (d0 + (c2 + c3 * u) * u) * u;
}

/// int of the tabulated F along a straight path in r, from ra (tau = 0) to rb (tau = span): the
/// interpolant's exact integral, interval by interval (each interval's polynomial times the time
/// spent in it), so no quadrature error. Each interval's mean value over [ua, ub] is written
/// without differences of antiderivatives, and the time is shared out in proportion to the
/// intervals' widths as computed (u = r - r_j), normalised by their sum: a path much shorter than
/// its distance from the origin (small k; widths carry the rounding of r - r_j) keeps every digit
/// of the mean (dividing by hi - lo instead would scale the integral by that rounding).
NANODECOH_HD inline Complex table_line_integral(const TabulatedRate& t, double ra, double rb,
                                                double span) {
  const double lo = std::fmin(ra, rb), hi = std::fmax(ra, rb);
  int j_lo = 0, j_hi = 0;
  double u_lo = 0.0, u_hi = 0.0;
  if (!table_interval(t, lo, j_lo, u_lo) || !table_interval(t, hi, j_hi, u_hi)) return {NAN, NAN};
  Complex sum;
  double width = 0.0;
  for (int j = j_lo; j <= j_hi; ++j) {
    const double ua = j == j_lo ? u_lo : 0.0, ub = j == j_hi ? u_hi : t.step;
    const double* c = t.coefficients + 8 * j;
    const double m1 = 0.5 * (ua + ub), m2 = (ua * ua + ua * ub + ub * ub) / 3.0,
                 m3 = 0.5 * (ua + ub) * 0.5 * (ua * ua + ub * ub);
    const double w = j_lo == j_hi ? 1.0 : std::fmax(ub - ua, 0.0);
    sum.re += w * (c[0] + c[2] * m1 + c[4] * m2 + c[6] * m3);
    sum.im += w * (c[1] + c[3] * m1 + c[5] * m2 + c[7] * m3);
    width += w;
  }
  if (!(width > 0.0)) return table_rate(t, lo) * span;  // a path shorter than the rounding
  return sum * (span / width);
}

/// |K15 - G7| and |K15| of a panel, for real and complex integrands.
NANODECOH_HD inline double panel_difference(double kronrod, double gauss) {
  return std::fabs(kronrod - gauss);
}
NANODECOH_HD inline double panel_difference(const Complex& kronrod, const Complex& gauss) {
  return std::hypot(kronrod.re - gauss.re, kronrod.im - gauss.im);
}
NANODECOH_HD inline double panel_size(double kronrod) {
  return std::fabs(kronrod);
}
NANODECOH_HD inline double panel_size(const Complex& kronrod) {
  return std::hypot(kronrod.re, kronrod.im);
}

/// int_0^span f(tau) dtau by adaptive Gauss-Kronrod 7-15 with an explicit stack (no recursion
/// in device code): a panel [a, b] is accepted when |K15 - G7| is within its share
/// tol (b - a)/span of the tolerance, or within 1e-14 |K15| (rounding), or at depth 30 or a
/// full stack; `error` gains every accepted |K15 - G7| (NaN and inf propagate into it).
template <typename T, typename Integrand>
NANODECOH_HD inline T adaptive_gk15(const Integrand& f, double span, double tol, double& error) {
  double stack_a[32], stack_b[32];
  int stack_depth[32];
  int top = 0;
  stack_a[0] = 0.0;
  stack_b[0] = span;
  stack_depth[0] = 0;
  T total{};
  while (top >= 0) {
    const double a = stack_a[top], b = stack_b[top];
    const int depth = stack_depth[top];
    --top;
    const auto [kronrod, gauss] = numerics::gk15_panel<T>(f, a, b);
    const double estimate = panel_difference(kronrod, gauss);
    const bool accept = !(estimate > tol * (b - a) / span) ||
                        !(estimate > 1e-14 * panel_size(kronrod)) || depth >= 30 || top >= 30;
    if (accept) {
      total += kronrod;
      error += estimate;
      continue;
    }
    const double centre = 0.5 * (a + b);
    ++top;
    stack_a[top] = centre;
    stack_b[top] = b;
    stack_depth[top] = depth + 1;
    ++top;
    stack_a[top] = a;
    stack_b[top] = centre;
    stack_depth[top] = depth + 1;
  }
  return total;
}

/// The angular Gaussian F of channel c at the angle difference r (1/s).
NANODECOH_HD inline double angular_gaussian_rate(const Model& m, int c, double r) {
  const double s = std::sin(0.5 * r) / m.length[c];
  return m.rate[c] * -std::expm1(-s * s);
}

/// Sorts the first n of `x` (insertion sort; n <= 64).
NANODECOH_HD inline void sort_small(double* x, int n) {
  for (int i = 1; i < n; ++i) {
    const double v = x[i];
    int j = i - 1;
    while (j >= 0 && x[j] > v) {
      x[j + 1] = x[j];
      --j;
    }
    x[j + 1] = v;
  }
}

/// int_lo^hi f by adaptive_gk15 piece by piece between the sorted `breaks` inside (lo, hi), each
/// piece's share of `tol` in proportion to its length in a total `whole`.
template <typename Integrand>
NANODECOH_HD inline double integrate_between(const Integrand& f, double lo, double hi,
                                             const double* breaks, int count, double tol,
                                             double whole, double& error) {
  double sum = 0.0, a = lo;
  for (int i = 0; i <= count; ++i) {
    const double b = i < count ? breaks[i] : hi;
    if (!(b > a)) continue;
    if (b > hi) break;
    const auto piece = [&](double x) { return f(a + x); };
    sum += adaptive_gk15<double>(piece, b - a, tol * (b - a) / whole, error);
    a = b;
  }
  if (hi > a) {
    const auto piece = [&](double x) { return f(a + x); };
    sum += adaptive_gk15<double>(piece, hi - a, tol * (hi - a) / whole, error);
  }
  return sum;
}

/// int_0^span of the angular Gaussian F (channel c, period 2 pi in r, its only features the dips
/// to 0 at r = 2 pi n, of width ~b) along segment s backwards from (k_end, r_end). An adaptive
/// rule started on the whole path can step over a dip unseen (every node on the plateau, K15 =
/// G7), so the path is cut where r crosses a multiple of 2 pi (and, on a harmonic segment, at
/// the extrema of r), leaving each dip at the end of a piece, where Gauss-Kronrod's refinement
/// sees it; and paths that wind around the circle many times use the periodicity: a straight
/// path's full turns each add the same integral in r (one turn integrated once), a harmonic
/// path repeats with the period 2 pi/w of the trap. At most 64 cuts per stretch: a harmonic
/// path of amplitude above ~90 rad (far beyond any libration window's states) keeps only its
/// extrema and the first dips. `error` gains the accepted |K15 - G7|.
NANODECOH_HD inline double angular_gaussian_path_integral(const Model& m, int s, int c,
                                                          double k_end, double r_end, double span,
                                                          double tol, double& error) {
  constexpr double two_pi = 6.283185307179586477;
  constexpr int max_breaks = 64;
  double breaks[max_breaks];
  if (straight(m, s)) {
    // r(x) = r_end - travel x over x in [0, 1]: int_0^span F dtau = span int_0^1 F(r(x)) dx.
    const double travel = hbar / m.mass * k_end * span;
    const auto f = [&](double x) { return span * angular_gaussian_rate(m, c, r_end - travel * x); };
    if (travel == 0.0) return span * angular_gaussian_rate(m, c, r_end);
    const double r_start = r_end - travel, lo = std::fmin(r_start, r_end),
                 hi = std::fmax(r_start, r_end);
    // The multiples of 2 pi inside (lo, hi), as x = (r_end - 2 pi n)/travel.
    const double n_first = std::floor(lo / two_pi) + 1.0, n_last = std::ceil(hi / two_pi) - 1.0;
    const double crossings = n_last - n_first + 1.0;
    if (crossings <= 2.0) {
      int count = 0;
      for (double n = n_first; n <= n_last; n += 1.0)
        breaks[count++] = (r_end - two_pi * n) / travel;
      sort_small(breaks, count);
      return integrate_between(f, 0.0, 1.0, breaks, count, tol, 1.0, error);
    }
    // Many turns: the two partial ends, and (crossings - 1) full turns, each the integral of F
    // over one turn in r divided by |travel| (F even and 2 pi periodic: twice [0, pi], its dip
    // at the end 0).
    const double x1 = (r_end - two_pi * n_first) / travel, x2 = (r_end - two_pi * n_last) / travel;
    const double xa = std::fmin(x1, x2), xb = std::fmax(x1, x2);
    const double turns = crossings - 1.0;
    const double share = tol / (1.0 + turns);
    double sum = integrate_between(f, 0.0, xa, nullptr, 0, share * xa, xa > 0.0 ? xa : 1.0, error) +
                 integrate_between(f, xb, 1.0, nullptr, 0, share * (1.0 - xb),
                                   xb < 1.0 ? 1.0 - xb : 1.0, error);
    const auto half_turn = [&](double u) { return angular_gaussian_rate(m, c, u); };
    double turn_error = 0.0;
    const double turn =
        2.0 * adaptive_gk15<double>(half_turn, 3.141592653589793238,
                                    share * std::fabs(travel) / (2.0 * span * turns), turn_error);
    const double scale = span * turns / std::fabs(travel);  // s per unit of r, times the turns
    error += 2.0 * scale * turn_error;
    return sum + scale * turn;
  }
  // Harmonic: r(tau) = A cos(w tau + phi), A cos(phi) = r_end, A sin(phi) = hbar k_end/(I w).
  const double w = m.frequency[s];
  const double q = hbar / (m.mass * w) * k_end;
  const double amplitude = std::hypot(r_end, q), phi = std::atan2(q, r_end);
  const auto f = [&](double tau) {
    double kk = k_end, rr = r_end;
    map_back(m, s, tau, kk, rr);
    return angular_gaussian_rate(m, c, rr);
  };
  // Cuts within one period [0, T): theta = w tau + phi at the extrema (m pi) and where
  // cos(theta) = 2 pi n/A.
  const double period = two_pi / w;
  int count = 0;
  const auto add = [&](double theta) {
    if (count >= max_breaks) return;
    double t = std::fmod(theta - phi, two_pi);
    if (t < 0.0) t += two_pi;
    breaks[count++] = t / w;
  };
  add(0.0);
  add(3.141592653589793238);
  const double levels = std::floor(amplitude / two_pi);
  for (double n = -levels; n <= levels && count + 2 <= max_breaks; n += 1.0) {
    const double alpha = std::acos(std::fmax(-1.0, std::fmin(1.0, two_pi * n / amplitude)));
    add(alpha);
    add(two_pi - alpha);
  }
  sort_small(breaks, count);
  if (span <= period) {
    int inside = 0;
    while (inside < count && breaks[inside] < span) ++inside;
    return integrate_between(f, 0.0, span, breaks, inside, tol, span, error);
  }
  // The path repeats every period: full periods, then the rest.
  const double full = std::floor(span / period), rest = span - full * period;
  double period_error = 0.0;
  const double one =
      integrate_between(f, 0.0, period, breaks, count, tol / full, span, period_error);
  error += full * period_error;
  int inside = 0;
  while (inside < count && breaks[inside] < rest) ++inside;
  return full * one + integrate_between(f, 0.0, rest, breaks, inside, tol, span, error);
}

/// On a circle (m.period > 0): int of the periodic tabulated F along a straight path in r from
/// ra to rb taking the time span, the table holding one turn (|r| <= period/2 and two nodes
/// beyond: exact_applicability.cpp). The path is moved by whole turns so that its lower end lies
/// in [-period/2, period/2]; a path inside that turn is table_line_integral's; a longer one is cut
/// at the seams +-period/2 into a first piece, whole turns (one turn's integral, times their
/// number) and a last piece, each taking its share of the time in proportion to its length.
NANODECOH_HD inline Complex circle_table_line_integral(const Model& m, double ra, double rb,
                                                       double span) {
  const double half = 0.5 * m.period;
  double turns = 0.0;
  const double lo = reduce_to_period(m, std::fmin(ra, rb), turns);
  const double length = std::fabs(rb - ra), hi = lo + length;
  if (hi <= half) return table_line_integral(m.table, lo, hi, span);
  const double per_length = span / length;  // s per rad of r
  Complex sum = table_line_integral(m.table, lo, half, per_length * (half - lo));
  const double beyond = hi - half;
  const double whole = std::floor(beyond / m.period), rest = beyond - whole * m.period;
  if (whole > 0.0) sum += table_line_integral(m.table, -half, half, per_length * m.period) * whole;
  if (rest > 0.0) sum += table_line_integral(m.table, -half, -half + rest, per_length * rest);
  return sum;
}

/// int_0^span F_table(r(tau)) dtau along segment s backwards from (k_end, r_end): exact
/// (table_line_integral; circle_table_line_integral on a circle) where r is linear in tau (free,
/// linear force); on a harmonic segment
/// adaptive Gauss-Kronrod 7-15 like path_integral, `error` gaining the accepted |K15 - G7|.
NANODECOH_HD inline Complex table_path_integral(const Model& m, int s, double k_end, double r_end,
                                                double span, double tol, double& error) {
  if (!(m.segment_kind[s] == SegmentKind::harmonic && m.frequency[s] > 0.0)) {
    const double r_start = r_end - hbar / m.mass * k_end * span;
    return m.period > 0.0 ? circle_table_line_integral(m, r_end, r_start, span)
                          : table_line_integral(m.table, r_end, r_start, span);
  }
  const auto f = [&](double tau) {
    double kk = k_end, rr = r_end;
    map_back(m, s, tau, kk, rr);
    return table_rate(m.table, rr);
  };
  return adaptive_gk15<Complex>(f, span, tol, error);
}

/// int_0^span F(r(tau)) dtau along segment s backwards from (k_end, r_end): on a straight
/// segment the closed_form_channel()s in closed form (straight_integral), every other channel by
/// adaptive Gauss-Kronrod 7-15 with an explicit stack; `error` gains the closed forms' bounds and
/// the accepted |K15 - G7|.
NANODECOH_HD inline double path_integral(const Model& m, int s, double k_end, double r_end,
                                         double span, double tol, double& error) {
  const bool skip_closed_form = straight(m, s);
  double closed = 0.0;
  bool any_other = false;
  for (int c = 0; c < m.channels; ++c) {
    if (m.channel_kind[c] == ChannelKind::gaussian_angular)
      closed += angular_gaussian_path_integral(m, s, c, k_end, r_end, span, tol, error);
    else if (skip_closed_form && closed_form_channel(m, c))
      closed += straight_integral(m, c, k_end, r_end, span, error);
    else
      any_other = true;
  }
  if (!any_other) return closed;
  const auto f = [&](double tau) {
    double kk = k_end, rr = r_end;
    map_back(m, s, tau, kk, rr);
    return rate(m, rr, skip_closed_form, true);
  };
  return closed + adaptive_gk15<double>(f, span, tol, error);
}

/// The k range outside which every point (k, r) of the chord r at time t is skipped by chord_at
/// (initial_chord_below at ln 1e-30): false when the whole chord is skipped, else [lo, hi] (1/m),
/// a superset (one unit of slack in the exponent). The start of the characteristic is linear in
/// k for fixed r, (k0, r0) = k (a, b) + (c, e), so each quadratic form of initial_chord_below is
/// a concave quadratic in k, above the bound on an interval; the range spans their union.
NANODECOH_HD inline bool chord_k_range(const Model& m, double t, double r, double& lo, double& hi) {
  int last = 0;
  double begin = 0.0;
  while (last + 1 < m.segments && begin + m.duration[last] < t) {
    begin += m.duration[last];
    ++last;
  }
  double a = 1.0, b = 0.0, c = 0.0, e = r;  // (k, r) = (1, 0) and (0, r) mapped back
  for (int s = last; s >= 0; --s) {
    const double span = s == last ? std::fmin(t - begin, m.duration[s]) : m.duration[s];
    if (span > 0.0) {
      map_back(m, s, span, a, b);
      map_back(m, s, span, c, e);
    }
  }
  if (m.state == StateKind::grid) {
    // (k0, r0) = k (a, b) + (c, e) must stay within the limits (grid_chord_outside), widened
    // by a lattice step for rounding: |a k + c| <= hk and |b k + e| <= hr, each an interval of
    // k (or every k, or none).
    const GridChordView& g = m.grid_state;
    const double hk = g.k_limit + g.k_step, hr = g.r_limit + g.r_step;
    double l = -INFINITY, h = INFINITY;
    const double slope[2] = {a, b}, offset0[2] = {c, e}, half_width[2] = {hk, hr};
    for (int j = 0; j < 2; ++j) {
      if (slope[j] == 0.0) {
        if (std::fabs(offset0[j]) > half_width[j]) return false;
        continue;
      }
      const double k1 = (-half_width[j] - offset0[j]) / slope[j],
                   k2 = (half_width[j] - offset0[j]) / slope[j];
      l = std::fmax(l, std::fmin(k1, k2));
      h = std::fmin(h, std::fmax(k1, k2));
    }
    if (!(l <= h)) return false;
    lo = l;
    hi = h;
    return true;
  }
  // Exponent of the bound: -p k0^2 - w (r0 - shift)^2 + offset, for each shift.
  double p, w, offset = 0.0;
  double shifts[3] = {0.0, 0.0, 0.0};
  int count = 1;
  if (m.state == StateKind::thermal) {
    p = m.thermal_k2;
    w = m.thermal_r2;
  } else {
    p = 0.5 * m.width * m.width;
    w = 1.0 / (8.0 * m.width * m.width);
    if (m.state == StateKind::cat) {
      shifts[1] = m.separation;
      shifts[2] = -m.separation;
      count = 3;
      offset = 0.693147180559945309;
    }
  }
  const double level = -69.0775527898213705 - 1.0;  // ln 1e-30, one unit of slack
  if (m.period > 0.0) {
    // A circle: every shift j period of the periodised sum moves r0, so only the k part of
    // the bound is kept, -p k0^2 + offset + period_log_scale >= level with k0 = k (free
    // segments alone, a = 1).
    const double room = offset + m.period_log_scale - level;
    if (!(p > 0.0) || !(room > 0.0) || !(a != 0.0)) return false;
    const double k_bound = std::sqrt(room / p) / std::fabs(a);
    lo = -k_bound - c / a;
    hi = k_bound - c / a;
    return true;
  }
  bool any = false;
  for (int j = 0; j < count; ++j) {
    // -(p a^2 + w b^2) k^2 - 2 (p a c + w b (e - shift)) k - (p c^2 + w (e - shift)^2) + offset
    const double f = e - shifts[j];
    const double qa = p * a * a + w * b * b, qb = 2.0 * (p * a * c + w * b * f),
                 qc = p * c * c + w * f * f - offset + level;
    // qa k^2 + qb k + qc <= 0 where the bound may pass.
    const double disc = qb * qb - 4.0 * qa * qc;
    if (!(qa > 0.0) || !(disc >= 0.0)) continue;
    const double root = std::sqrt(disc);
    const double k1 = (-qb - root) / (2.0 * qa), k2 = (-qb + root) / (2.0 * qa);
    lo = any ? std::fmin(lo, k1) : k1;
    hi = any ? std::fmax(hi, k2) : k2;
    any = true;
  }
  return any;
}

/// One point of a ChordDampingCache table (closed-form channels only: the stored estimate replaces
/// the whole path's): with `known` (a stored integral, not NaN) the stored integral and its
/// estimate replace the computed ones, the same numbers; otherwise, with a cache, they are stored.
NANODECOH_HD inline void damping_from_cache(bool known, double& integral, double& error,
                                            double* cached_integral, double* cached_error) {
  if (known) {
    integral = *cached_integral;
    error = *cached_error;
  } else if (cached_integral != nullptr) {
    *cached_integral = integral;
    *cached_error = error;
  }
}

/// chi(k, r) at time t (0 <= t <= the protocol's duration); `error` receives the error estimate
/// of the F integral along the path. With `cached_integral` and `cached_error` (one point of a
/// ChordDampingCache table): a stored integral (not NaN) and its estimate are used instead of
/// the quadrature, whose result is the same number; otherwise the computed ones are stored.
/// The F integral does not depend on the initial state, so runs that differ only in it share
/// the table (propagator_reuse.hpp).
NANODECOH_HD inline Complex chord_at(const Model& m, double t, double k, double r, double& error,
                                     double* cached_integral = nullptr,
                                     double* cached_error = nullptr) {
  error = 0.0;
  int last = 0;
  double begin = 0.0;
  while (last + 1 < m.segments && begin + m.duration[last] < t) {
    begin += m.duration[last];
    ++last;
  }
  // chi_0 at the start of the characteristic first: below 1e-30 the F integral cannot matter.
  double k0 = k, r0 = r;
  for (int s = last; s >= 0; --s) {
    const double span = s == last ? std::fmin(t - begin, m.duration[s]) : m.duration[s];
    if (span > 0.0) map_back(m, s, span, k0, r0);
  }
  // ln(1e-30): the bound first (cheap), then the value; a point the bound skips is one the
  // value would skip.
  if (initial_chord_below(m, k0, r0, -69.0775527898213705)) return {0.0, 0.0};
  const Complex start = initial_chord(m, k0, r0);
  if (std::hypot(start.re, start.im) < 1e-30) return {0.0, 0.0};
  const double tol = m.tolerance / static_cast<double>(last + 1);
  const bool known = cached_integral != nullptr && !std::isnan(*cached_integral);
  double phase = 0.0, integral = 0.0;
  Complex tabulated;  // the tabulated channels' (complex) integral; never cached
  for (int s = last; s >= 0; --s) {
    const double span = s == last ? std::fmin(t - begin, m.duration[s]) : m.duration[s];
    if (span <= 0.0) continue;
    if (m.channels > 0 && !known) integral += path_integral(m, s, k, r, span, tol, error);
    if (m.table.intervals > 0) tabulated += table_path_integral(m, s, k, r, span, tol, error);
    if (m.segment_kind[s] == SegmentKind::linear)
      phase += -k * m.force[s] * span * span / (2.0 * m.mass) + r * m.force[s] * span / hbar;
    map_back(m, s, span, k, r);
  }
  damping_from_cache(known, integral, error, cached_integral, cached_error);
  // The tabulated F differs from the true F by at most table.error_rate along the whole path.
  if (m.table.intervals > 0) error += t * m.table.error_rate;
  // A grid state's interpolated chi_0 is within grid_state.error of the true one, and the
  // factor has modulus at most 1.
  if (m.state == StateKind::grid) error += m.grid_state.error;
  // Without linear forces or a complex F the phase is 0: cexp then takes no sine and cosine.
  const Complex factor = cexp(-integral - tabulated.re, phase - tabulated.im);
  return {factor.re * start.re - factor.im * start.im, factor.re * start.im + factor.im * start.re};
}

/// chi at the points (k[i], r[i]) on the CPU (OpenMP); `error` receives the largest estimate.
/// `cached_integral` and `cached_error` (both or neither; k.size() entries each): the points'
/// slots in a ChordDampingCache table (chord_at).
std::vector<std::complex<double>> chord_values_cpu(const Model& model, double t,
                                                   const std::vector<double>& k,
                                                   const std::vector<double>& r, double* error,
                                                   double* cached_integral = nullptr,
                                                   double* cached_error = nullptr);

/// The same on the CUDA device (one thread per point). Throws NotCompiled without CUDA,
/// CudaError or OutOfMemory from the device.
std::vector<std::complex<double>> chord_values_cuda(const Model& model, double t,
                                                    const std::vector<double>& k,
                                                    const std::vector<double>& r, double* error);

/// Either twin.
inline std::vector<std::complex<double>> chord_values(Backend backend, const Model& model, double t,
                                                      const std::vector<double>& k,
                                                      const std::vector<double>& r, double* error) {
  return backend == Backend::cuda ? chord_values_cuda(model, t, k, r, error)
                                  : chord_values_cpu(model, t, k, r, error);
}

}  // namespace nanodecoh::evolution::chord
