// The `localization` and `outgassing` jobs of the application layer, shared by the CLI
// (command_localization.cpp, command_outgassing.cpp) and the Python module
// (nanodecoh.localization, nanodecoh.outgassing): inputs -> validated model -> the rates, with
// errors renamed by the caller's InputNames (CLI flags, or Python keyword names).
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <complex>
#include <string>
#include <vector>

#include "app/input_names.hpp"
#include "app/model_inputs.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::app {

/// F_{R,R'}(dX) at pairs (displacements[i], angles[i]): ket orientation rotated by angles[i]
/// about `axis`, bra orientation the identity (desorption eqs. 2-3, 48).
struct LocalizationRequest {
  ModelInputs model;
  std::vector<Eigen::Vector3d> displacements;  ///< m
  std::vector<double> angles;                  ///< rad, one per displacement
  Eigen::Vector3d axis = Eigen::Vector3d::UnitZ();
  double tolerance = 1e-6;  ///< in units of Gamma
  std::string backend = "auto";
  std::size_t max_memory_bytes = 0;         ///< 0: the available memory (require_memory)
  const std::atomic<bool>* stop = nullptr;  ///< stops between points (throws Interrupted)
};

struct LocalizationResult {
  std::vector<localization::RateValue> values;  ///< F (1/s) with its error estimate
  std::vector<std::complex<double>> diffusive;  ///< the diffusive approximation (1/s)
  double rate = 0.0;                            ///< Gamma (1/s)
  localization::DiffusiveLimit limit;           ///< D0, F0 (eqs. 4, 6)
  Backend backend = Backend::cpu;
};

/// Validates (errors renamed by `names`: fields "displacements", "angles", "axis",
/// "tolerance", and the model's fields), then evaluates every point on the chosen backend.
LocalizationResult compute_localization(const LocalizationRequest& request,
                                        const InputNames& names);

/// Gamma = q/(k_B T) * 4 pi r^2 and the particle flux per area q/(k_B T).
struct OutgassingResult {
  double rate = 0.0;                    ///< 1/s
  double particle_flux_per_area = 0.0;  ///< 1/(m^2 s)
};

/// Errors name the fields "q", "unit", "radius", "temperature" renamed by `names`.
OutgassingResult compute_outgassing(double q, const std::string& unit, double radius,
                                    double temperature, const InputNames& names);

}  // namespace nanodecoh::app
