// Numerical quadrature shared by every module: Gauss-Legendre rules (for the
// smooth, mapped integrands of the localization rate) and adaptive
// Gauss-Kronrod (7-15) with an error estimate, on finite and semi-infinite
// intervals, for real or complex integrands.
#pragma once

#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <vector>

namespace nanodecoh {

/// Gauss-Legendre rule with n nodes on [-1, 1]; exact for polynomials of degree <= 2n-1.
struct GaussLegendreRule {
  std::vector<double> nodes;
  std::vector<double> weights;
};

/// Nodes and weights by Newton iteration on P_n (accurate to ~1e-15 for n up to several thousand).
/// Throws InvalidArgument for n < 1.
GaussLegendreRule gauss_legendre(int n);

/// Result of an adaptive quadrature.
template <typename T>
struct QuadratureResult {
  T value{};
  double error_estimate = 0.0;  ///< |GK15 - G7| summed over the final intervals
  int evaluations = 0;
};

/// Adaptive Gauss-Kronrod 7-15 on [a, b]. Subdivides the interval with the largest error until
/// the total error estimate is below max(abs_tol, rel_tol |value|). Throws NumericalError if
/// max_intervals is reached before that, or if f returns a non-finite value.
QuadratureResult<double> integrate(const std::function<double(double)>& f, double a, double b,
                                   double abs_tol = 0.0, double rel_tol = 1e-12,
                                   int max_intervals = 4000);
/// Complex-valued integrand, same algorithm (error on |.|).
QuadratureResult<std::complex<double>> integrate_complex(
    const std::function<std::complex<double>(double)>& f, double a, double b, double abs_tol = 0.0,
    double rel_tol = 1e-12, int max_intervals = 4000);

/// Integral over [a, inf) by the map x = a + scale * t / (1 - t), t in [0, 1).
/// `scale` should be the width over which f varies (e.g. k_B T / hbar for a Planck integrand).
QuadratureResult<double> integrate_to_infinity(const std::function<double(double)>& f, double a,
                                               double scale, double abs_tol = 0.0,
                                               double rel_tol = 1e-12, int max_intervals = 4000);

}  // namespace nanodecoh
