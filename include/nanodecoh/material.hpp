// Material data for the thermal-photon rates: density, permittivity eps(omega) and, where
// known, magnetic susceptibility chi(omega), read from a TOML file. Presets live in the
// top-level materials/ folder (fused-silica, diamond, gold; every number cites its source
// there); a user file has the same format (docs/materials.md).
#pragma once

#include <optional>
#include <string>

#include "nanodecoh/material_response.hpp"

namespace nanodecoh {

/// One response block of a material file with its provenance.
struct MaterialResponseData {
  MaterialResponse response = MaterialResponse::constant({0.0, 0.0});
  double valid_min = 0.0;  ///< lower end of the band the data are valid in, rad/s
  double valid_max = 0.0;  ///< upper end, rad/s
  std::string source;      ///< citation
};

/// A material as loaded from its file.
struct Material {
  std::string name;
  std::string file;                                    ///< path it was read from
  double density = 0.0;                                ///< kg/m^3
  std::string density_source;                          ///< citation
  MaterialResponseData permittivity;                   ///< eps(omega)
  std::optional<MaterialResponseData> susceptibility;  ///< chi(omega), if the file has it
};

/// Folder of the preset files (the source tree's materials/).
std::string material_presets_folder();

/// Loads `name_or_path`: a preset name (e.g. "fused-silica", looked up as
/// materials/NAME.toml) or the path of a .toml file. Throws InvalidArgument naming the file
/// and key for a missing file, malformed TOML, a missing or invalid key, or an unknown
/// model; frequencies are given in the file's `frequency_unit` ("rad/s", "cm^-1" or "eV").
Material load_material(const std::string& name_or_path);

}  // namespace nanodecoh
