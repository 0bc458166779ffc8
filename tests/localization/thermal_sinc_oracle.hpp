// An oracle for the translational F of a uniformly emitting Lambertian sphere with the thermal
// (flux-weighted Maxwell) spectrum, written in the tests: F_{R,R}(dX) = Gamma [1 - <sinc(k
// |dX|)>_E] (docs/localization.md, property 8), with f(E) = E exp(-E/kT)/(kT)^2 and k = sqrt(2 m
// E)/hbar, so in u = E/kT and z = k_T |dX|, k_T = sqrt(2 m k_B T)/hbar:
//   1 - <sinc> = int_0^inf u e^{-u} [1 - sin(z sqrt(u))/(z sqrt(u))] du.
// The integrand is analytic in u (the sinc is a power series in z^2 u) and decays as u e^{-u}:
// composite 12-point Gauss-Legendre on [0, 64] with 256 panels is exact to rounding (the tail
// beyond 64 is 65 e^{-64} ~ 1e-26; each panel of width 1/4 resolves the oscillation for
// z sqrt(u) up to several hundred). Small z uses the series 1 - sinc(x) = x^2/6 - x^4/120 + ...
// to avoid cancellation. The code's closed form (a Dawson function) is not used.
#pragma once

#include <cmath>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/quadrature.hpp"

namespace nanodecoh::testing {

/// k_T = sqrt(2 m k_B T)/hbar (1/m) for emitted mass m (kg) at temperature T (K).
inline double thermal_wavenumber(double mass, double temperature) {
  return std::sqrt(2.0 * mass * constants::k_boltzmann * temperature) / constants::hbar;
}

/// 1 - <sinc(k r)>_E as a function of z = k_T r, by quadrature (see the file comment).
inline double one_minus_thermal_sinc_by_quadrature(double z) {
  static const GaussLegendreRule rule = gauss_legendre(12);
  auto one_minus_sinc = [](double x) {
    if (x < 1e-3) {
      const double x2 = x * x;
      return x2 / 6.0 - x2 * x2 / 120.0 + x2 * x2 * x2 / 5040.0;
    }
    return 1.0 - std::sin(x) / x;
  };
  const int panels = 256;
  const double h = 64.0 / panels;
  double sum = 0.0;
  for (int p = 0; p < panels; ++p)
    for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
      const double u = h * (p + 0.5 * (rule.nodes[i] + 1.0));
      sum += 0.5 * h * rule.weights[i] * u * std::exp(-u) * one_minus_sinc(z * std::sqrt(u));
    }
  return sum;
}

}  // namespace nanodecoh::testing
