// The specification of an emission model (body, emission, spectrum and rate) as
// the `localization` flags or the `ftable` TOML keys give it, and the factory
// that validates it once and builds the library's EmissionModel. Errors name
// the spec fields ("radius", "semi_axis_a"); model_input_flags() and
// model_input_toml_keys() map them to what the user typed.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/input_names.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::app {

/// Raw model inputs, one field per flag or key.
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
};

/// The body of `in` (body, mesh, mesh_unit, radius, cap_angle, semi_axis_a/c, length), built
/// and validated; throws InvalidArgument naming the field, a mesh's errors naming
/// "mesh <path>". With `mass` non-null, also its mass properties per unit density; a mesh's
/// from the file as read, so that an inside-out mesh (negative volume) is refused.
std::shared_ptr<const localization::Body> build_body(const ModelInputs& in,
                                                     localization::MassProperties* mass = nullptr);

/// Reads the body keys `prefix` + kind, mesh, mesh_unit, radius, length, cap_angle, semi_axes
/// (the ftable configuration's [body] table, evolve's [particle.body]) into `in`.
void read_body_keys(const io::Config& c, const std::string& prefix, ModelInputs& in);

/// Builds and validates the model (including the outgassing normalisation Gamma = q/(k_B T) *
/// area, docs/localization.md); throws InvalidArgument naming the field, IoError for files.
localization::EmissionModel build_model(const ModelInputs& in);

/// The inputs as given, for a `--json` output's "inputs": every field that was set (strings
/// that are empty and optionals without a value are left out), keyed by field name.
nlohmann::json to_json(const ModelInputs& in);

/// The `localization` command's flags of each field ("semi_axis_a" -> "--semi-axes (A)").
InputNames model_input_flags();
/// The `ftable` configuration's keys of each field ("radius" -> "body.radius").
InputNames model_input_toml_keys();

}  // namespace nanodecoh::app
