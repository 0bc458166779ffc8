// Physical constants, CODATA 2018 (docs/physics.md section 6). SI units throughout.
#pragma once

#include <numbers>

namespace nanodecoh::constants {

inline constexpr double pi = std::numbers::pi;
inline constexpr double hbar = 1.054571817e-34;                ///< J s (exact)
inline constexpr double k_boltzmann = 1.380649e-23;            ///< J/K (exact)
inline constexpr double speed_of_light = 299792458.0;          ///< m/s (exact)
inline constexpr double mu0 = 1.25663706212e-6;                ///< N/A^2
inline constexpr double eps0 = 8.8541878128e-12;               ///< F/m
inline constexpr double atomic_mass_unit = 1.66053906660e-27;  ///< kg
inline constexpr double pascal_per_torr = 101325.0 / 760.0;    ///< Pa
inline constexpr double pascal_per_mbar = 100.0;               ///< Pa

}  // namespace nanodecoh::constants
