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
    EXPECT_NEAR(sum, 2.0, 1e-13) << n;
    for (int i = 0; i < n; ++i) EXPECT_NEAR(rule.nodes[i], -rule.nodes[n - 1 - i], 1e-15);
  }
}

TEST(GaussLegendre, ExactForPolynomialsUpToDegree2nMinus1) {
  for (int n : {3, 8, 20}) {
    const auto rule = gauss_legendre(n);
    for (int degree = 0; degree <= 2 * n - 1; degree += 2) {
      double sum = 0.0;
      for (int i = 0; i < n; ++i) sum += rule.weights[i] * std::pow(rule.nodes[i], degree);
      EXPECT_NEAR(sum, 2.0 / (degree + 1), 1e-13) << "n=" << n << " degree=" << degree;
    }
  }
}

TEST(GaussLegendre, RejectsZeroNodes) {
  EXPECT_THROW(gauss_legendre(0), InvalidArgument);
}

TEST(AdaptiveQuadrature, SmoothAndPeaked) {
  EXPECT_NEAR(integrate([](double x) { return std::exp(x); }, 0, 1).value, std::numbers::e - 1,
              1e-14);
  // Lorentzian of width 1e-4: integral over [-1,1] is 2 atan(1e4).
  const double w = 1e-4;
  const auto r = integrate([w](double x) { return w / (x * x + w * w); }, -1, 1, 0, 1e-12);
  EXPECT_NEAR(r.value, 2 * std::atan(1 / w), 1e-10);
  EXPECT_LT(r.error_estimate, 1e-9);
}

TEST(AdaptiveQuadrature, Oscillatory) {
  // int_0^{50 pi} sin^2 x dx = 25 pi
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
  EXPECT_NEAR(std::abs(r.value - exact), 0.0, 1e-13);
}

TEST(AdaptiveQuadrature, SemiInfinitePlanck) {
  // int_0^inf x^3/(e^x - 1) dx = pi^4/15
  const auto r = integrate_to_infinity(
      [](double x) { return x == 0 ? 0.0 : x * x * x / std::expm1(x); }, 0, 3.0);
  EXPECT_NEAR(r.value, std::pow(std::numbers::pi, 4) / 15, 1e-11);
}

TEST(AdaptiveQuadrature, NonConvergenceThrows) {
  EXPECT_THROW(integrate([](double x) { return 1.0 / std::sqrt(std::abs(x)) + (x == 0 ? 0 : 0); },
                         -1, 1, 0, 1e-15, 20),
               NumericalError);
}

}  // namespace
}  // namespace nanodecoh
