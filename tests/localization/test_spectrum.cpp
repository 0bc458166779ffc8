// Oracles for the thermal spectrum closed forms of f_integrand.hpp (physics.md
// "Thermal spectrum"): G(z) = int u e^-u e^{-iz sqrt u} du and <sinc>_E against
// direct adaptive quadrature of their defining integrals, for small, medium
// and large z, and Dawson's integral against its defining integral.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "localization/f_integrand.hpp"
#include "nanodecoh/quadrature.hpp"

namespace ld = nanodecoh::localization::detail;

namespace {

// G(z) = 2 int_0^inf x^3 e^{-x^2} e^{-izx} dx (u = x^2); the integrand is below 1e-30 beyond x = 9.
std::complex<double> g_direct(double z) {
  return nanodecoh::integrate_complex(
             [z](double x) {
               return 2.0 * x * x * x * std::exp(-x * x) *
                      std::exp(std::complex<double>(0, -z * x));
             },
             0.0, 9.5, 4e-16, 1e-13, 20000)
      .value;
}

double sinc_direct(double z) {
  return nanodecoh::integrate(
             [z](double x) { return 2.0 * x * x * std::exp(-x * x) * std::sin(z * x) / z; }, 0.0,
             9.5, 1e-18, 1e-14, 20000)
      .value;
}

}  // namespace

TEST(SpectrumThermal, DawsonMatchesDefiningIntegral) {
  for (double x : {1e-6, 0.05, 0.3, 1.0, 2.5, 5.0, 7.9, 8.1, 9.5}) {
    const double direct =
        std::exp(-x * x) *
        nanodecoh::integrate([](double t) { return std::exp(t * t); }, 0.0, x, 0.0, 1e-15).value;
    EXPECT_NEAR(ld::dawson(x), direct, 4e-16 + 1e-14 * std::fabs(direct)) << "x = " << x;
    EXPECT_NEAR(ld::dawson(-x), -ld::dawson(x), 1e-17 + 4e-15 * std::fabs(direct));
  }
}

TEST(SpectrumThermal, PhaseAverageMatchesQuadratureSmallMediumLarge) {
  for (double z : {0.0, 1e-4, 0.3, 1.0, 3.0, 7.5, 12.0, 15.99, 16.01, 25.0, 40.0, -3.0, -20.0}) {
    const std::complex<double> direct = g_direct(z);
    const ld::Cplx g = ld::thermal_phase_average(z);
    const double tol = 2e-14 + 1e-9 * std::abs(direct);
    EXPECT_NEAR(g.re, direct.real(), tol) << "z = " << z;
    EXPECT_NEAR(g.im, direct.imag(), tol) << "z = " << z;
  }
  EXPECT_DOUBLE_EQ(ld::thermal_phase_average(0.0).re, 1.0);
  // very large z: quadrature cannot resolve 1e-9 of the cancelling integral, so use
  // the leading asymptotic term 12/z^4 (integration by parts at x = 0) as the oracle
  for (double z : {100.0, 300.0, 1e4}) {
    const double g = ld::thermal_phase_average_re(z);
    EXPECT_NEAR(g, 12.0 / std::pow(z, 4), 12.0 / std::pow(z, 4) * 25.0 / (z * z)) << "z = " << z;
    if (z <= 100.0) {
      EXPECT_NEAR(g, g_direct(z).real(), 1e-14) << "z = " << z;
    }
  }
}

TEST(SpectrumThermal, SincAverageMatchesQuadrature) {
  for (double z : {1e-5, 5e-4, 2e-3, 0.5, 2.0, 6.0, 15.9, 16.1, 30.0, 80.0}) {
    const double direct = sinc_direct(z);
    EXPECT_NEAR(ld::thermal_sinc_average(z), direct, 2e-14 + 1e-9 * std::fabs(direct))
        << "z = " << z;
  }
  EXPECT_DOUBLE_EQ(ld::thermal_sinc_average(0.0), 1.0);
}
