// The `rates` job of the application layer, shared by the CLI (command_rates.cpp) and the
// Python module (nanodecoh.rates): momentum diffusion, localization parameter, decoherence and
// drag of a sphere in blackbody radiation as a magnetic and as an electric dipole
// (thermal_photon_rates.hpp), plus the magnetic paper's printed structure (magnetic_rates.hpp),
// and the JSON object `rates --json` prints (SI units, with a unit for every number).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/input_names.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/material.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"

namespace nanodecoh::app {

/// What the user gave: RatesInput's fields plus the optional inputs.
struct RatesRequest {
  RatesInput input;                     ///< radius, chi, temperature, shape_factor, dx
  std::optional<double> permittivity;   ///< constant eps (exclusive with material)
  std::optional<std::string> material;  ///< preset name or .toml file
  std::optional<double> density, mass;  ///< kg/m^3, kg (exclusive)
  std::optional<double> t_internal;     ///< K (default: temperature)
};

/// The consistent rates of one dipole and where its response came from.
struct DipoleRates {
  DipoleSphere sphere;
  ThermalPhotonRates rates;
};

/// A computed `rates` job.
struct RatesJob {
  RatesInput input;
  double t_internal = 0.0;
  std::optional<Material> material;
  RatesResult paper;
  DipoleRates magnetic, electric;
};

/// Validates and computes. Errors name RatesInput's fields and "permittivity", "material",
/// "density", "mass", "t_internal", renamed by `names`.
RatesJob compute_rates_job(const RatesRequest& request, const InputNames& names);

/// The JSON object of `rates --json`, with its "units".
nlohmann::json rates_json(const RatesJob& job);

}  // namespace nanodecoh::app
