// Angular part of the decoherence factor (magnetic eq. 52-54, docs/physics.md section 5):
// spherical Bessel functions j0, j1, j2 and the closed form of the double solid-angle
// integral
//   I(x) = int dOmega int dOmega' (1 + cos^2 theta) exp(i x (k^ - k^').e)
//        = 16 pi^2 [ j0^2 + 2 (j1/x)^2 + (j1/x - j2)^2 ].
// Derivation: 1 + cos^2 theta = 1 + sum_ij k_i k_j k'_i k'_j, and
// int dOmega n_i n_j exp(i x n.e) = 4 pi [ (j1/x) delta_ij - j2 e_i e_j ], so the
// double integral is 16 pi^2 j0^2 + T:T with T = (j1/x) 1 - j2 e e.
// Near x = 0 both I and 1 - I/I(0) lose all digits to cancellation; there they are
// evaluated from Taylor series (coefficients computed exactly with sympy).
#include <array>
#include <cmath>
#include <string>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

namespace {

// Below this |x| the Bessel functions come from their power series.
constexpr double bessel_series_limit = 2.0;
// Below this x the kernel 1 - I/I(0) comes from its Taylor series.
constexpr double kernel_series_limit = 1.5;

// 1 - (3/4)[j0^2 + 2 (j1/x)^2 + (j1/x - j2)^2] = sum_k c_k x^(2k), k = 1..16.
constexpr std::array<double, 16> kernel_series = {
    1.0 / 3.0,
    -7.0 / 150.0,
    11.0 / 3150.0,
    -16.0 / 99225.0,
    1.0 / 198450.0,
    -29.0 / 255405150.0,
    37.0 / 19155386250.0,
    -46.0 / 1791028614375.0,
    4.0 / 14584090145625.0,
    -67.0 / 27870196268289375.0,
    79.0 / 4487101599194589375.0,
    -8.0 / 73159265204259609375.0,
    53.0 / 90863807383690434843750.0,
    -1.0 / 370213694546771771718750.0,
    137.0 / 12498044114204468241453281250.0,
    -2.0 / 50884893893546763554488359375.0,
};

}  // namespace

double spherical_bessel_j(int n, double x) {
  if (n < 0 || n > 2)
    throw InvalidArgument("spherical_bessel_j order", std::to_string(n), "0, 1 or 2");
  require_finite("spherical_bessel_j argument", x);
  const double ax = std::abs(x);
  if (ax < bessel_series_limit) {
    // j_n(x) = x^n sum_k (-x^2/2)^k / (k! (2n+2k+1)!!)
    double double_factorial = 1.0;  // (2n+1)!!
    for (int m = 3; m <= 2 * n + 1; m += 2) double_factorial *= m;
    double term = std::pow(x, n) / double_factorial;
    double sum = term;
    for (int k = 1; k < 30; ++k) {
      term *= -x * x / (2.0 * k * (2.0 * n + 2.0 * k + 1.0));
      sum += term;
      if (std::abs(term) < 1e-18 * std::abs(sum)) break;
    }
    return sum;
  }
  const double s = std::sin(x), c = std::cos(x);
  switch (n) {
    case 0:
      return s / x;
    case 1:
      return s / (x * x) - c / x;
    default:
      return (3.0 / (x * x) - 1.0) * s / x - 3.0 * c / (x * x);
  }
}

double angular_interference_integral(double x) {
  require_finite("angular_interference_integral argument", x);
  const double ax = std::abs(x);
  const double full = 64.0 * constants::pi * constants::pi / 3.0;  // I(0), (M 59)
  if (ax < kernel_series_limit) return full * (1.0 - angular_decoherence_kernel(ax));
  // Direct form: no cancellation where I is small (large x).
  const double j0 = spherical_bessel_j(0, ax);
  const double j1_over_x = spherical_bessel_j(1, ax) / ax;
  const double j2 = spherical_bessel_j(2, ax);
  return 16.0 * constants::pi * constants::pi *
         (j0 * j0 + 2.0 * j1_over_x * j1_over_x + (j1_over_x - j2) * (j1_over_x - j2));
}

double angular_decoherence_kernel(double x) {
  require_finite("angular_decoherence_kernel argument", x);
  const double ax = std::abs(x);
  if (ax < kernel_series_limit) {
    const double x2 = ax * ax;
    double sum = 0.0;
    for (auto it = kernel_series.rbegin(); it != kernel_series.rend(); ++it) sum = sum * x2 + *it;
    return sum * x2;
  }
  const double j0 = spherical_bessel_j(0, ax);
  const double j1_over_x = spherical_bessel_j(1, ax) / ax;
  const double j2 = spherical_bessel_j(2, ax);
  const double q = j0 * j0 + 2.0 * j1_over_x * j1_over_x + (j1_over_x - j2) * (j1_over_x - j2);
  return 1.0 - 0.75 * q;
}

}  // namespace nanodecoh
