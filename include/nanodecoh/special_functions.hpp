// Special functions of the thermal emission spectrum for library users and tests: thin
// host wrappers of the host/device implementations in src/numerics/special_functions.hpp
// (docs/physics.md "Thermal spectrum"), and the thermal wave number k_T, computed here
// for every module. No CUDA header is included.
#pragma once

#include <complex>

namespace nanodecoh {

/// Dawson's integral D(x) = exp(-x^2) int_0^x exp(t^2) dt (relative accuracy ~1e-15).
double dawson(double x);

/// Thermal phase average G(z) = int_0^inf u e^-u exp(-i z sqrt(u)) du: the average of
/// exp(-i k n.d) over the flux-weighted Maxwell spectrum f(E) = E exp(-E/kT)/(kT)^2,
/// z = k_T n.d. G(0) = 1, G(-z) = conj G(z).
std::complex<double> thermal_phase_average(double z);

/// Thermal energy average of sin(k r)/(k r) over the flux-weighted Maxwell spectrum,
/// S(z) with z = k_T r: S(z) = 1/2 + D(z/2) (1/z - z/2), D Dawson's integral. S(0) = 1.
double thermal_sinc_average(double z);

/// 1 - thermal_sinc_average(z), accurate relative to itself also for small z (z^2/3).
double one_minus_thermal_sinc_average(double z);

/// Thermal wave number k_T = sqrt(2 m k_B T)/hbar (1/m) of emitted particles of mass m (kg)
/// at temperature T (K): the momentum scale of the flux-weighted Maxwell spectrum,
/// <p^2>/hbar^2 = 2 k_T^2.
double thermal_wave_number(double mass, double temperature);

}  // namespace nanodecoh
