// The test-oracle quadrature of tests/support/oracle_quadrature.hpp against closed forms:
// polynomials (exactness of the Gauss-Kronrod 10-21 constants), smooth and oscillatory
// integrands, endpoint singularities, semi-infinite intervals and complex integrands.
// Tolerances: every rule is asked for its default rel_tol = 1e-14, so each bound is 1e-14
// times the integral's magnitude (x 1 to 2), or that absolute 1e-14 on a part that is 0.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "oracle_quadrature.hpp"

namespace nt = nanodecoh::testing;

TEST(OracleQuadrature, GaussKronrodIntegratesDegree31OnOnePanel) {
  // K21 is exact to degree 31 and G10 to degree 19: x^18 leaves K21 - G10 at rounding, and
  // x^30 is still integrated exactly by the Kronrod rule (2/31 to a few ulp).
  for (int n : {0, 2, 10, 18, 30}) {
    const auto r =
        nt::gauss_kronrod21<double>([n](double x) { return std::pow(x, n); }, -1.0, 1.0, 1.0, 0.0);
    EXPECT_EQ(r.evaluations, 21);
    EXPECT_NEAR(r.value, 2.0 / (n + 1), 4e-16) << "n = " << n;
  }
}

TEST(OracleQuadrature, FiniteIntervalsMatchClosedForms) {
  // Tolerances: every rule is asked for 1e-14 relative; the results must hold to 1e-14 too
  // (a rounding floor of ~1e-16 per evaluation summed over a few hundred nodes).
  struct Case {
    std::function<double(double)> f;
    double a, b, exact;
    const char* what;
  };
  const Case cases[] = {
      {[](double x) { return std::sin(x); }, 0.0, M_PI, 2.0, "sin on [0, pi]"},
      {[](double x) { return std::exp(x); }, -1.0, 2.0, std::exp(2.0) - std::exp(-1.0), "exp"},
      {[](double x) { return 1.0 / (1.0 + x * x); }, 0.0, 1.0, M_PI / 4.0, "arctan'"},
      {[](double x) { return std::cos(40.0 * x); }, 0.0, 1.0, std::sin(40.0) / 40.0, "cos(40 x)"},
      {[](double x) { return std::exp(-1000.0 * x); }, 0.0, 1.0, (1.0 - std::exp(-1000.0)) / 1000.0,
       "boundary layer"},
  };
  for (const Case& c : cases) {
    const auto ts = nt::tanh_sinh<double>(c.f, c.a, c.b);
    const auto gk = nt::gauss_kronrod21<double>(c.f, c.a, c.b);
    EXPECT_NEAR(ts.value, c.exact, 1e-14 * std::fabs(c.exact)) << c.what;
    EXPECT_NEAR(gk.value, c.exact, 1e-14 * std::fabs(c.exact)) << c.what;
  }
}

TEST(OracleQuadrature, TanhSinhResolvesEndpointSingularities) {
  const auto inv_sqrt =
      nt::tanh_sinh<double>([](double x) { return 1.0 / std::sqrt(x); }, 0.0, 1.0);
  EXPECT_NEAR(inv_sqrt.value, 2.0, 2e-14);  // 1e-14 of 2 (measured 4e-16)
  const auto log = nt::tanh_sinh<double>([](double x) { return std::log(x); }, 0.0, 1.0);
  EXPECT_NEAR(log.value, -1.0, 1e-14);
  // int_0^1/2 x^-1/2 (1 - x)^-1/2 dx = pi/2. (Singularities at a nonzero upper end b are out
  // of reach of an f(x) interface: b - x rounds at 1e-16, so the oracles integrate towards
  // the singular end at 0.)
  const auto beta =
      nt::tanh_sinh<double>([](double x) { return 1.0 / std::sqrt(x * (1.0 - x)); }, 0.0, 0.5);
  EXPECT_NEAR(beta.value, 0.5 * M_PI, 1e-14);
}

TEST(OracleQuadrature, ExpSinhOnSemiInfiniteIntervals) {
  const auto e = nt::exp_sinh<double>([](double x) { return std::exp(-x); }, 0.0, 1.0);
  EXPECT_NEAR(e.value, 1.0, 1e-14);
  // int_0^inf x^3 e^{-x^2} dx = 1/2; int_1^inf dx/x^2 = 1 (algebraic decay)
  const auto g =
      nt::exp_sinh<double>([](double x) { return x * x * x * std::exp(-x * x); }, 0.0, 1.0);
  EXPECT_NEAR(g.value, 0.5, 1e-14);
  const auto alg = nt::exp_sinh<double>([](double x) { return 1.0 / (x * x); }, 1.0, 1.0);
  EXPECT_NEAR(alg.value, 1.0, 1e-14);
  // Planck: int_0^inf x^3/(e^x - 1) dx = pi^4/15
  const auto planck = nt::exp_sinh<double>(
      [](double x) { return x > 700.0 ? 0.0 : x * x * x / std::expm1(x); }, 0.0, 1.0);
  EXPECT_NEAR(planck.value, std::pow(M_PI, 4) / 15.0, 1e-14 * std::pow(M_PI, 4) / 15.0);
}

TEST(OracleQuadrature, ComplexIntegrandsAndPanels) {
  using C = std::complex<double>;
  // int_0^{2 pi} x e^{ix} dx = -2 pi i
  const std::function<C(double)> f = [](double x) { return x * std::exp(C(0.0, x)); };
  const auto gk = nt::gauss_kronrod21<C>(f, 0.0, 2.0 * M_PI);
  EXPECT_NEAR(gk.value.real(), 0.0, 1e-14);
  EXPECT_NEAR(gk.value.imag(), -2.0 * M_PI, 1e-14 * 2.0 * M_PI);
  const auto ts = nt::tanh_sinh_panels<C>(f, {0.0, M_PI, 2.0 * M_PI});
  EXPECT_NEAR(ts.value.real(), 0.0, 1e-14);
  EXPECT_NEAR(ts.value.imag(), -2.0 * M_PI, 1e-14 * 2.0 * M_PI);
}

TEST(OracleQuadrature, RefusesWhatItCannotResolve) {
  // 1/x on (0, 1] diverges: the adaptive rule must not return a number. (tanh-sinh, whose
  // nodes stop 1e-22 from the endpoint, would return the truncated integral ~50: it is only
  // used on integrable endpoint singularities.)
  EXPECT_THROW(
      nt::gauss_kronrod21<double>([](double x) { return 1.0 / x; }, 0.0, 1.0, 0.0, 1e-14, 200),
      std::runtime_error);
}
