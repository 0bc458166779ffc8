// Internal interface of the sphere fast path (sphere_integrand.hpp): when it
// applies, and F for a batch of reduced geometries at one panel order.
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

#include "localization/engine.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::localization::detail {

/// A uniformly emitting sphere (no coverage) with Lambertian surface emission and a
/// thermal spectrum: the model the closed-form lune density W_sigma describes.
bool sphere_fast_path_applies(const EmissionModel& model);

/// k_T = sqrt(2 m k_B T)/hbar of a thermal model (1/m).
double thermal_wave_number(const EmissionModel& model);

/// F (1/s) of every job with q Gauss-Legendre nodes per panel; adds the number of
/// integrand evaluations to `evaluations`.
std::vector<std::complex<double>> sphere_rates(const EmissionModel& model,
                                               const std::vector<SphereJob>& jobs, int q,
                                               Backend backend, std::uint64_t& evaluations);

}  // namespace nanodecoh::localization::detail
