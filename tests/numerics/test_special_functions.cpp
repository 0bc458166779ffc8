// The special functions of numerics/special_functions.hpp (Dawson's integral D, the thermal
// phase average G, the thermal sinc average S and 1 - S) and k_T against quadrature of their
// defining integrals with the independent oracle rules of tests/support/oracle_quadrature.hpp,
// at points on both sides of every branch switch (|x| = 0.2 for D; y = z/2 = 1 and 8 and
// z = 1e-3 for G and S).
//
// Oscillatory definitions cancel badly where G and S are small (Re G ~ 3/(4 y^4)), so the
// 1e-13 relative checks use the definitions moved by Cauchy's theorem onto the path of steepest
// descent through the saddle x = -iy (G) or x = +iy (S) of x^2 + izx, on which the integrands
// do not oscillate: for z > 0, y = z/2,
//   G(z) = 2 int_0^inf x^3 e^{-x^2} e^{-izx} dx
//        = 2 int_0^y s^3 e^{-s(z - s)} ds                 (x = -is, s in [0, y])
//        + 2 e^{-y^2} int_0^inf (t - iy)^3 e^{-t^2} dt     (x = t - iy),
//   S(z) = (2/z) int_0^inf x^2 e^{-x^2} sin(zx) dx
//        = (2/z) [-int_0^y s^2 e^{-s(z - s)} ds + 2 y e^{-y^2} int_0^inf t e^{-t^2} dt]
//                                                         (x = is, then x = t + iy).
// Both forms are also compared with the oscillatory definitions where those are accurate.
// G, S and 1 - S are built from D and its derivatives D'', D''' (Rybicki's series, ~1e-14
// relative, special_functions.hpp; measured up to 1.2e-14 for S): their 1e-13 relative bounds
// are 10x that, the oracles being asked for 1e-15.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/special_functions.hpp"
#include "numerics/special_functions.hpp"
#include "oracle_quadrature.hpp"

namespace nt = nanodecoh::testing;
namespace nn = nanodecoh::numerics;
using C = std::complex<double>;

namespace {

/// Panels of [0, 12] no wider than one period of exp(izx) (and 1); e^{-144} truncation.
std::vector<double> panels_to_12(double z) {
  const double width = std::min(1.0, M_PI / std::max(std::fabs(z), 1e-300));
  std::vector<double> p;
  for (double x = 0.0; x < 12.0; x += width) p.push_back(x);
  p.push_back(12.0);
  return p;
}

/// D(x) = int_0^x exp(t^2 - x^2) dt = int_0^x exp(-s (2x - s)) ds (s = x - t, so the
/// exponent carries no rounding of x^2), x >= 0; panels at 1/x and 10/x resolve the layer.
double dawson_oracle(double x) {
  const std::function<double(double)> f = [x](double s) { return std::exp(-s * (2.0 * x - s)); };
  std::vector<double> p{0.0};
  for (double b : {1.0 / x, 10.0 / x, 40.0 / x})
    if (b < x) p.push_back(b);
  p.push_back(x);
  return nt::tanh_sinh_panels<double>(f, p, 0.0, 1e-15).value;
}

/// Re G by the steepest-descent form of the file header (z != 0).
double re_g_oracle(double z) {
  const double y = 0.5 * std::fabs(z), az = std::fabs(z);
  const double vertical =
      nt::tanh_sinh<double>([az](double s) { return 2.0 * s * s * s * std::exp(-s * (az - s)); },
                            0.0, y, 0.0, 1e-15)
          .value;
  const double horizontal =
      nt::exp_sinh<double>(
          [y](double t) { return 2.0 * (t * t * t - 3.0 * t * y * y) * std::exp(-t * t); }, 0.0,
          1.0, 1e-17, 1e-15)
          .value;
  return vertical + std::exp(-y * y) * horizontal;
}

/// S by the steepest-descent form of the file header (z != 0).
double sinc_oracle(double z) {
  const double y = 0.5 * std::fabs(z), az = std::fabs(z);
  const double vertical =
      nt::tanh_sinh<double>([az](double s) { return s * s * std::exp(-s * (az - s)); }, 0.0, y, 0.0,
                            1e-15)
          .value;
  const double horizontal =
      nt::exp_sinh<double>([](double t) { return 2.0 * t * std::exp(-t * t); }, 0.0, 1.0, 0.0,
                           1e-15)
          .value;
  return 2.0 / az * (y * std::exp(-y * y) * horizontal - vertical);
}

/// G(z) = 2 int_0^inf x^3 e^{-x^2} e^{-izx} dx directly (x = sqrt(u)).
C g_definition(double z) {
  const std::function<C(double)> f = [z](double x) {
    return 2.0 * x * x * x * std::exp(-x * x) * std::exp(C(0.0, -z * x));
  };
  return nt::tanh_sinh_panels<C>(f, panels_to_12(z), 1e-16, 1e-15).value;
}

/// S(z) = (2/z) int_0^inf x^2 e^{-x^2} sin(zx) dx directly.
double sinc_definition(double z) {
  return nt::gauss_kronrod21<double>(
             [z](double x) { return 2.0 * x * x * std::exp(-x * x) * std::sin(z * x) / z; }, 0.0,
             12.0, 1e-17, 1e-15)
      .value;
}

/// 1 - sin(w)/w without cancellation: its Taylor series below w = 1.
double one_minus_sinc(double w) {
  if (w >= 1.0) return 1.0 - std::sin(w) / w;
  double term = w * w / 6.0, sum = 0.0;
  for (int k = 1; k < 20 && term != 0.0; ++k) {
    sum += term;
    term *= -w * w / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
  }
  return sum;
}

}  // namespace

TEST(SpecialFunctions, DawsonMatchesDefiningIntegral) {
  // D is accurate to ~1e-15 relative (special_functions.hpp) and the oracle to its 1e-15
  // request: 1e-14 relative, 5x their sum (measured 8e-16).
  for (double x : {1e-8, 0.01, 0.19, 0.21, 0.5, 1.0, 2.5, 5.0, 7.9, 8.1, 15.0, 50.0, 1e3}) {
    const double oracle = dawson_oracle(x);
    EXPECT_NEAR(nn::dawson(x), oracle, 1e-14 * oracle) << "x = " << x;
    EXPECT_EQ(nn::dawson(-x), -nn::dawson(x)) << "D is odd";
    EXPECT_EQ(nanodecoh::dawson(x), nn::dawson(x)) << "the public wrapper";
  }
  EXPECT_EQ(nn::dawson(0.0), 0.0);
  // Second oracle rule (Gauss-Kronrod) on the plain definition at a moderate x.
  const double gk = nt::gauss_kronrod21<double>([](double t) { return std::exp(t * t - 9.0); }, 0.0,
                                                3.0, 0.0, 1e-15)
                        .value;
  EXPECT_NEAR(nn::dawson(3.0), gk, 1e-14 * gk);  // as above (measured 3e-16)
}

TEST(SpecialFunctions, ThermalPhaseAverageRealPartMatchesSteepestDescentForm) {
  // 1e-13 relative everywhere away from the zero of Re G near z = 3.9 (no point is within
  // 0.9 of it), plus 1e-16 for the rounding of the terms of size 1 in the oracle's sum.
  for (double z :
       {1e-6, 0.1, 1.0, 1.99, 2.01, 3.0, 5.0, 8.0, 12.0, 15.99, 16.01, 25.0, 100.0, 1e4}) {
    const double oracle = re_g_oracle(z);
    EXPECT_NEAR(nn::thermal_phase_average_re(z), oracle, 1e-13 * std::fabs(oracle) + 1e-16)
        << "z = " << z;
    EXPECT_EQ(nn::thermal_phase_average_re(-z), nn::thermal_phase_average_re(z)) << "even";
  }
  EXPECT_EQ(nn::thermal_phase_average_re(0.0), 1.0);
}

TEST(SpecialFunctions, SteepestDescentFormsMatchTheOscillatoryDefinitions) {
  // Where the definitions do not cancel much (|z| <= 8): 1e-14 absolute, the rounding of
  // an oscillating integrand of size <= 1.
  for (double z : {0.3, 1.0, 3.0, 6.0, 8.0}) {
    EXPECT_NEAR(re_g_oracle(z), g_definition(z).real(), 1e-14) << "z = " << z;
    EXPECT_NEAR(sinc_oracle(z), sinc_definition(z), 1e-14) << "z = " << z;
  }
}

TEST(SpecialFunctions, ThermalPhaseAverageImaginaryPartMatchesDefinition) {
  // Im G is exact; the oracle is the oscillatory integral, good to ~2e-16 absolute (rounding
  // of terms of size 1), so 1e-13 relative plus that floor.
  for (double z : {1e-3, 0.3, 1.0, 2.0, 3.0, 6.0, 10.0}) {
    const double oracle = g_definition(z).imag();
    EXPECT_NEAR(nn::thermal_phase_average_im(z), oracle, 1e-13 * std::fabs(oracle) + 2e-16)
        << "z = " << z;
    EXPECT_EQ(nn::thermal_phase_average_im(-z), -nn::thermal_phase_average_im(z)) << "odd";
    const C g = nanodecoh::thermal_phase_average(z);
    EXPECT_EQ(g.real(), nn::thermal_phase_average_re(z));
    EXPECT_EQ(g.imag(), nn::thermal_phase_average_im(z));
  }
  EXPECT_EQ(nn::thermal_phase_average_im(0.0), 0.0);
  EXPECT_EQ(nn::thermal_phase_average_im(1e3), 0.0);  // exp(-250000): below every Re G
}

TEST(SpecialFunctions, ThermalSincAverageMatchesSteepestDescentForm) {
  // 1e-13 relative away from the zero of S near z = 3.03 (no point within 0.9 of it); at
  // the zero itself, 5e-16 absolute (a few ulp of the terms of size 0.3 that cancel there).
  for (double z : {1e-6, 5e-4, 2e-3, 0.5, 1.99, 2.01, 5.0, 8.0, 15.99, 16.01, 30.0, 80.0, 1e3}) {
    const double oracle = sinc_oracle(z);
    EXPECT_NEAR(nn::thermal_sinc_average(z), oracle, 1e-13 * std::fabs(oracle)) << "z = " << z;
    EXPECT_EQ(nn::thermal_sinc_average(-z), nn::thermal_sinc_average(z)) << "even";
    EXPECT_EQ(nanodecoh::thermal_sinc_average(z), nn::thermal_sinc_average(z));
  }
  EXPECT_NEAR(nn::thermal_sinc_average(3.03), sinc_oracle(3.03), 5e-16);
  EXPECT_EQ(nn::thermal_sinc_average(0.0), 1.0);
}

TEST(SpecialFunctions, OneMinusThermalSincAverageIsAccurateAtSmallZ) {
  // 1 - S = 2 int_0^inf x^3 e^{-x^2} (1 - sinc(zx)) dx, a positive integrand: 1e-13 relative
  // down to z = 1e-6, where 1 - S = z^2/3 and 1 - S(z) computed as a difference would be lost.
  for (double z : {1e-6, 1e-3, 0.01, 0.5, 1.99, 2.01, 5.0, 30.0}) {
    const std::function<double(double)> f = [z](double x) {
      return 2.0 * x * x * x * std::exp(-x * x) * one_minus_sinc(z * x);
    };
    SCOPED_TRACE(z);
    const double oracle = nt::tanh_sinh_panels<double>(f, panels_to_12(z), 0.0, 1e-15).value;
    EXPECT_NEAR(nn::one_minus_thermal_sinc_average(z), oracle, 1e-13 * oracle) << "z = " << z;
    EXPECT_EQ(nanodecoh::one_minus_thermal_sinc_average(z), nn::one_minus_thermal_sinc_average(z));
    EXPECT_EQ(nn::one_minus_thermal_sinc_average(-z), nn::one_minus_thermal_sinc_average(z));
  }
  EXPECT_EQ(nn::one_minus_thermal_sinc_average(0.0), 0.0);
}

TEST(SpecialFunctions, ThermalWaveNumberGivesTheMeanSquareMomentum) {
  // <p^2>/hbar^2 = int_0^inf (2 m E/hbar^2) f(E) dE = 2 k_T^2 for the flux-weighted Maxwell
  // spectrum f(E) = E exp(-E/kT)/(kT)^2 (docs/physics.md "Thermal spectrum").
  using namespace nanodecoh::constants;
  const double m = 18.0 * atomic_mass_unit, T = 300.0, kT = k_boltzmann * T;
  const double mean_p2 =
      nt::exp_sinh<double>(
          [&](double e) { return 2.0 * m * e / (hbar * hbar) * e * std::exp(-e / kT) / (kT * kT); },
          0.0, kT, 0.0, 1e-15)
          .value;
  const double k = nanodecoh::thermal_wave_number(m, T);
  // k_T is a closed form (a few ulp) and the oracle is asked for 1e-15: 1e-13 relative.
  EXPECT_NEAR(2.0 * k * k, mean_p2, 1e-13 * mean_p2);
  EXPECT_GT(k, 0.0);
}
