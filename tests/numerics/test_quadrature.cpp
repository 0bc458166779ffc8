// Quadrature against closed forms: polynomial exactness of Gauss-Legendre,
// and adaptive Gauss-Kronrod on smooth, peaked, oscillatory and
// semi-infinite integrands with known integrals.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "nanodecoh/error.hpp"
#include "nanodecoh/quadrature.hpp"

namespace nanodecoh {
namespace {

TEST(GaussLegendre, WeightsSumToTwoAndNodesSymmetric) {
  for (int n : {1, 2, 5, 16, 101, 1000}) {
    const auto rule = gauss_legendre(n);
    double sum = 0.0;
    for (double w : rule.weights) sum += w;
    // Summing n <= 1000 positive weights rounds by at most n u sum(w) = 2.2e-13 (u = 1.1e-16);
    // a random walk of the roundings gives sqrt(n) u 2 = 7e-15 (measured 3.6e-15): 1e-13.
    EXPECT_NEAR(sum, 2.0, 1e-13) << n;
    // Nodes in [-1, 1] from Newton's iteration: a few ulp (2.2e-16) each, measured 0.
    for (int i = 0; i < n; ++i) EXPECT_NEAR(rule.nodes[i], -rule.nodes[n - 1 - i], 1e-15);
  }
}

TEST(GaussLegendre, ExactForPolynomialsUpToDegree2nMinus1) {
  for (int n : {3, 8, 20}) {
    const auto rule = gauss_legendre(n);
    for (int degree = 0; degree <= 2 * n - 1; degree += 2) {
      double sum = 0.0;
      for (int i = 0; i < n; ++i) sum += rule.weights[i] * std::pow(rule.nodes[i], degree);
      // Exact up to rounding: n <= 20 terms of size <= 2, n u 2 = 4.4e-15 (measured 5.6e-16).
      EXPECT_NEAR(sum, 2.0 / (degree + 1), 1e-14) << "n=" << n << " degree=" << degree;
    }
  }
}

TEST(GaussLegendre, RejectsZeroNodes) {
  EXPECT_THROW(gauss_legendre(0), InvalidArgument);
}

// Tolerances: integrate() is asked for rel_tol (default 1e-12) and stops once its error
// estimate is below rel_tol |value|; each bound is that request times |value| (x 1 to 3), or
// tighter where the integrand is resolved to rounding on one panel.
TEST(AdaptiveQuadrature, SmoothAndPeaked) {
  // exp on [0, 1]: one Gauss-Kronrod panel is exact to rounding (measured 0); 1e-14.
  EXPECT_NEAR(integrate([](double x) { return std::exp(x); }, 0, 1).value, std::numbers::e - 1,
              1e-14);
  // Lorentzian of width 1e-4: integral over [-1,1] is 2 atan(1e4).
  const double w = 1e-4;
  const auto r = integrate([w](double x) { return w / (x * x + w * w); }, -1, 1, 0, 1e-12);
  // Requested 1e-12 relative of pi: 3.1e-12; bound 1e-11 (measured 0).
  EXPECT_NEAR(r.value, 2 * std::atan(1 / w), 1e-11);
  // The stopping rule itself: the estimate is below the requested 1e-12 |value|.
  EXPECT_LE(r.error_estimate, 1e-12 * std::fabs(r.value));
}

TEST(AdaptiveQuadrature, Oscillatory) {
  // int_0^{50 pi} sin^2 x dx = 25 pi; requested 1e-12 of 78.5 = 7.9e-11 (measured 7e-14).
  EXPECT_NEAR(
      integrate([](double x) { return std::sin(x) * std::sin(x); }, 0, 50 * std::numbers::pi).value,
      25 * std::numbers::pi, 1e-10);
}

TEST(AdaptiveQuadrature, ComplexIntegrand) {
  // int_0^1 exp(i k x) dx = (exp(ik) - 1)/(ik)
  const double k = 30.0;
  const auto r =
      integrate_complex([k](double x) { return std::exp(std::complex<double>(0, k * x)); }, 0, 1);
  const auto exact = (std::exp(std::complex<double>(0, k)) - 1.0) / std::complex<double>(0, k);
  // Requested 1e-12 of |exact| = 0.066: 6.6e-14; bound 1e-13 (measured 8e-18).
  EXPECT_NEAR(std::abs(r.value - exact), 0.0, 1e-13);
}

TEST(AdaptiveQuadrature, SemiInfinitePlanck) {
  // int_0^inf x^3/(e^x - 1) dx = pi^4/15
  const auto r = integrate_to_infinity(
      [](double x) { return x == 0 ? 0.0 : x * x * x / std::expm1(x); }, 0, 3.0);
  // Requested 1e-12 of 6.49: 6.5e-12; bound 1e-11 (measured 2.7e-15).
  EXPECT_NEAR(r.value, std::pow(std::numbers::pi, 4) / 15, 1e-11);
}

TEST(AdaptiveQuadrature, NonConvergenceThrows) {
  EXPECT_THROW(integrate([](double x) { return 1.0 / std::sqrt(std::abs(x)) + (x == 0 ? 0 : 0); },
                         -1, 1, 0, 1e-15, 20),
               NumericalError);
}

}  // namespace
}  // namespace nanodecoh
