// Internal: the user-facing description of an emission model (as given on
// the command line or in an ftable TOML file) and its one-time validation and
// conversion into an EmissionModel. Messages name the CLI flag or TOML key.
#pragma once

#include <optional>
#include <string>

#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::localization {

/// Raw model inputs; `names` maps each field to the flag/key used in messages.
struct ModelInputs {
  std::string body = "sphere";  ///< sphere|janus|spheroid|cylinder|mesh
  std::string mesh;             ///< mesh file
  std::string mesh_unit = "m";  ///< length unit of the mesh file: m|mm|um|nm
  std::string coverage_file;    ///< optional polar coverage CSV (angle rad, weight)
  std::optional<double> radius, semi_axis_a, semi_axis_c, length, cap_angle;
  std::string emission = "surface";  ///< surface|volume
  std::string flux = "lambertian";   ///< lambertian|isotropic|cosine-power
  double power = 1.0;
  std::string spectrum = "thermal";  ///< thermal|mono|table
  std::optional<double> surface_temperature, energy;
  std::string spectrum_file;
  std::optional<double> emitted_mass_amu;
  std::optional<double> rate;  ///< Gamma (Hz) of the emitting part
  std::optional<double> outgassing;
  std::string outgassing_unit;
  std::optional<double> gas_temperature;
  /// Prefix for parameter names: "--" for the CLI, "body." style keys for TOML.
  bool toml = false;
};

/// Builds and validates the model; throws InvalidArgument/IoError naming the input.
EmissionModel build_model(const ModelInputs& in);

}  // namespace nanodecoh::localization
