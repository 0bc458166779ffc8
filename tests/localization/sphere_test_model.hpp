// The model most localization tests share: the paper's 75 nm sphere emitting water
// (18 u) with the Lambertian law and a thermal spectrum at 300 K, Gamma = 2.5 / s.
#pragma once

#include "nanodecoh/constants.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::testing {

inline localization::EmissionModel water_sphere() {
  localization::EmissionModel m;
  m.body = localization::make_sphere(75e-9);
  m.spectrum = localization::Spectrum::thermal(300.0);
  m.emitted_mass = 18.0 * constants::atomic_mass_unit;
  m.rate = 2.5;
  return m;
}

/// Convergence options with the sphere fast path on or off.
inline localization::RateOptions rate_options(double tolerance, bool sphere_fast_path) {
  localization::RateOptions o;
  o.tolerance = tolerance;
  o.sphere_fast_path = sphere_fast_path;
  return o;
}

}  // namespace nanodecoh::testing
