// Special functions of the thermal emission spectrum, in one place for the host and the
// CUDA kernels (marked NANODECOH_HD): Dawson's integral D, the thermal phase average G,
// the thermal sinc average S and 1 - S. docs/physics.md "Thermal spectrum" derives them.
//
// The flux-weighted Maxwell spectrum f(E) = E exp(-E/kT)/(kT)^2 gives, with u = E/kT,
// k = k_T sqrt(u), k_T = sqrt(2 m k_B T)/hbar (thermal_wave_number, src/numerics/
// special_functions.cpp), z = k_T n.d or k_T |d| and y = z/2:
//     G(z) = int_0^inf u e^-u exp(-i z sqrt(u)) du = 2 int_0^inf x^3 e^{-x^2} e^{-izx} dx,
//     Re G = 1 - y^2 - y (3 - 2 y^2) D(y) = -D'''(y)/4,
//     Im G = -sqrt(pi) (3z/4 - z^3/8) exp(-y^2),
//     S(z) = int_0^inf u e^-u sin(z sqrt u)/(z sqrt u) du = (y + (1 - 2 y^2) D(y))/z
//          = -D''(y)/(4 y),
// using D' = 1 - 2 y D, D'' = -2y + (4y^2 - 2) D, D''' = 4y^2 - 4 + (12y - 8y^3) D.
// The closed forms in D cancel catastrophically as y grows (Re G ~ 3/(4 y^4) is the
// difference of terms of size y^4 D/y, S ~ -1/(4 y^4) of terms of size y): for 1 <= y < 8
// D'' and D''' are summed directly from the derivatives of Rybicki's series (relative error
// ~1e-14, checked against quadrature in tests/numerics/test_special_functions.cpp), and
// for y >= 8 the asymptotic series are used.
#pragma once

#include <cmath>

#include "core/host_device.hpp"

namespace nanodecoh::numerics {

inline constexpr double k_sqrt_pi = 1.7724538509055160273;

/// sin(x) and cos(x): one sincos() on the device (one argument reduction for both), std::sin
/// and std::cos on the host. The values are those of the separate calls on either side.
NANODECOH_HD inline void sin_cos(double x, double* s, double* c) {
#if defined(__CUDA_ARCH__)
  ::sincos(x, s, c);
#else
  *s = std::sin(x);
  *c = std::cos(x);
#endif
}

/// Rybicki's series for Dawson's integral and its derivatives,
///     D^(order)(x) = (1/sqrt(pi)) sum_{n odd} P_order(x - n h) exp(-(x - n h)^2) / n,
/// P_0 = 1, P_2(u) = 4u^2 - 2, P_3(u) = 12u - 8u^3 (the derivatives of exp(-u^2)/exp(-u^2)),
/// with h = 0.2: the error of the series is below exp(-(pi/(2h))^2) ~ 1e-27 times
/// (pi/h)^order, and terms with |x - n h| > 7 are below 1e-21 of the result. The sum runs
/// over n = m +- j with m the even multiple of h nearest x and j = 1, 3, ..., 35; with
/// x' = x - m h, exp(-(x - (m +- j) h)^2) = exp(-x'^2) exp(+-2 x' j h) exp(-(j h)^2).
/// Order 0 loses relative accuracy for |x| << 1 (use dawson()).
template <int Order>
NANODECOH_HD inline double rybicki_sum(double x) {
  static_assert(Order == 0 || Order == 2 || Order == 3, "orders 0, 2 and 3 are implemented");
  constexpr double h = 0.2;
  constexpr int terms = 18;  // j = 1, 3, ..., 35: j h up to 7
  const double m = 2.0 * std::nearbyint(x / (2.0 * h));
  const double xp = x - m * h;  // in [-h, h]
  const double e1 = std::exp(2.0 * xp * h);
  const double e2 = e1 * e1;
  double ej = e1;                      // e1^j for odd j
  double cj = 0.96078943915232320;     // exp(-(j h)^2) for j = 1, i.e. exp(-0.04)
  double ratio = 0.72614903707369083;  // c_{j+2}/c_j = exp(-4 (j+1) h^2), starts at exp(-0.32)
  double sum = 0.0;
  for (int i = 0; i < terms; ++i) {
    const double j = 2.0 * i + 1.0;
    double p_plus = 1.0, p_minus = 1.0;  // P(u) at n = m + j (u = x' - j h) and n = m - j
    if constexpr (Order == 2) {
      const double up = xp - j * h, um = xp + j * h;
      p_plus = 4.0 * up * up - 2.0;
      p_minus = 4.0 * um * um - 2.0;
    } else if constexpr (Order == 3) {
      const double up = xp - j * h, um = xp + j * h;
      p_plus = up * (12.0 - 8.0 * up * up);
      p_minus = um * (12.0 - 8.0 * um * um);
    }
    // p+ e/(m+j) + p- /(e (m-j)) over one common denominator: one division per term
    sum += cj * (p_plus * ej * ej * (m - j) + p_minus * (m + j)) / (ej * ((m + j) * (m - j)));
    ej *= e2;
    cj *= ratio;
    ratio *= 0.72614903707369083;  // exp(-8 h^2)
  }
  return std::exp(-xp * xp) * sum / k_sqrt_pi;
}

/// Dawson's integral D(x) = exp(-x^2) int_0^x exp(t^2) dt: Rybicki's series (rybicki_sum),
/// and below |x| = 0.2 the Taylor series x sum_k (-2 x^2)^k / (2k+1)!!, where the series of
/// Rybicki loses relative accuracy. Relative error ~1e-15 for every finite x.
/// Evaluated at |x| and given the sign of x, so that D(-x) = -D(x) exactly.
NANODECOH_HD inline double dawson(double x) {
  if (std::fabs(x) < 0.2) {
    const double x2 = x * x;
    double term = x, sum = x;
    for (int k = 1; k < 12; ++k) {  // term 12 is below (0.08)^12/12!! ~ 1e-15 of term 0
      term *= -2.0 * x2 / (2.0 * k + 1.0);
      sum += term;
    }
    return sum;
  }
  const double d = rybicki_sum<0>(std::fabs(x));
  return x < 0.0 ? -d : d;
}

/// Re G(z), G(z) = int_0^inf u e^-u exp(-i z sqrt u) du (see the file header); even in z.
/// y = |z|/2 < 1: the closed form in D (no cancellation there); 1 <= y < 8: -D'''(y)/4;
/// y >= 8: the asymptotic series Re G = 2 sum_j (2j+3)!/(j! z^(2j+4)) (its smallest term at
/// y = 8 is ~exp(-y^2) ~ 1e-28 of the sum).
NANODECOH_HD inline double thermal_phase_average_re(double z) {
  const double az = std::fabs(z);
  const double y = 0.5 * az;
  if (y < 1.0) return 1.0 - y * y - y * (3.0 - 2.0 * y * y) * dawson(y);
  if (y < 8.0) return -0.25 * rybicki_sum<3>(y);
  // terms t_j = 2 (2j+3)! / (j! z^(2j+4)); ratio (2j+5)(2j+4)/((j+1) z^2)
  const double inv_z2 = 1.0 / (az * az);
  double term = 12.0 * inv_z2 * inv_z2;
  double sum = term;
  for (int j = 0; j < 60; ++j) {
    term *= (2.0 * j + 5.0) * (2.0 * j + 4.0) / (j + 1.0) * inv_z2;
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum;
}

/// Im G(z) = -sqrt(pi) (3z/4 - z^3/8) exp(-z^2/4): exact for every z (odd in z).
NANODECOH_HD inline double thermal_phase_average_im(double z) {
  const double y = 0.5 * z;
  if (std::fabs(y) > 27.0) return 0.0;  // exp(-y^2) < 1e-316: below any Re G
  return -k_sqrt_pi * (0.75 * z - 0.125 * z * z * z) * std::exp(-y * y);
}

/// S(z) = <sin(k d)/(k d)>_E = int_0^inf u e^-u sin(z sqrt u)/(z sqrt u) du, z = k_T d
/// (even in z). |z| < 1e-3: the moments series 1 - <u> z^2/6 + <u^2> z^4/120, <u> = 2,
/// <u^2> = 6 (next term 24 z^6/5040 < 5e-21); y = |z|/2 < 1: (y + (1 - 2y^2) D(y))/z;
/// 1 <= y < 8: -D''(y)/(4y); y >= 8: the asymptotic series -(2/z) sum_j (2j+2)!/(j! z^(2j+3))
/// of the sine transform of x^2 e^{-x^2}. S crosses zero near z = 3.03, where its relative
/// error grows as 1e-16/|S|.
NANODECOH_HD inline double thermal_sinc_average(double z) {
  const double az = std::fabs(z);
  const double y = 0.5 * az;
  if (az < 1e-3) {
    const double z2 = az * az;
    return 1.0 - z2 / 3.0 + z2 * z2 / 20.0;
  }
  if (y < 1.0) return (y + (1.0 - 2.0 * y * y) * dawson(y)) / az;
  if (y < 8.0) return -0.25 * rybicki_sum<2>(y) / y;
  const double inv_z2 = 1.0 / (az * az);
  double term = 2.0 * inv_z2 / az;  // (2)!/0! / z^3
  double sum = term;
  for (int j = 0; j < 60; ++j) {
    term *= (2.0 * j + 4.0) * (2.0 * j + 3.0) / (j + 1.0) * inv_z2;
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return -2.0 * sum / az;
}

/// 1 - S(z), accurate relative to itself also where it is small (1 - S = z^2/3 + O(z^4)):
/// for y = |z|/2 < 1 the series 1 - S = sum_{m>=1} y^(2m) c_{m-1} (2m+2)/(2m+1),
/// c_m = (-2)^m/(2m+1)!! (terms below 1.4 in size for a result >= 0.77 at y = 1, so the
/// rounding error stays ~1e-16 relative); beyond, 1 - S with S from thermal_sinc_average
/// (|S| <= 0.24 there, no cancellation).
NANODECOH_HD inline double one_minus_thermal_sinc_average(double z) {
  const double y = 0.5 * std::fabs(z);
  if (y >= 1.0) return 1.0 - thermal_sinc_average(z);
  const double y2 = y * y;
  double c = 1.0, power = y2, sum = 0.0;
  for (int m = 1; m < 40; ++m) {  // at y = 1 the terms fall below 1e-17 before m = 20
    const double term = power * c * (2.0 * m + 2.0) / (2.0 * m + 1.0);
    sum += term;
    if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    c *= -2.0 / (2.0 * m + 1.0);
    power *= y2;
  }
  return sum;
}

}  // namespace nanodecoh::numerics
