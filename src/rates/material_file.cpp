// Material files (material.hpp): TOML with a top-level density and [permittivity] /
// [susceptibility] blocks, each a `constant`, `drude-lorentz` or `table` model
// (material_response.hpp) with its validity band and source. Format: docs/materials.md.
#include "nanodecoh/material.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

namespace {

// Factor from the file's frequency unit to rad/s.
double frequency_factor(const std::string& unit, const std::string& where) {
  if (unit == "rad/s") return 1.0;
  // wavenumber nu~ in cm^-1: omega = 2 pi c nu~ (100 nu~ in m^-1)
  if (unit == "cm^-1") return 2.0 * constants::pi * constants::speed_of_light * 100.0;
  // photon energy in eV: omega = E e / hbar
  if (unit == "eV") return 1.602176634e-19 / constants::hbar;
  throw InvalidArgument(where + ".frequency_unit", "\"" + unit + "\"",
                        "\"rad/s\", \"cm^-1\" or \"eV\"");
}

double required_number(const toml::table& t, const std::string& key, const std::string& where) {
  const toml::node* node = t.get(key);
  if (node == nullptr) throw InvalidArgument(where + "." + key, "missing", "a number");
  if (auto v = node->value<double>()) return *v;
  throw InvalidArgument(where + "." + key, "not a number", "a number");
}

std::string required_string(const toml::table& t, const std::string& key,
                            const std::string& where) {
  if (auto v = t[key].value<std::string>()) return *v;
  throw InvalidArgument(where + "." + key, t.contains(key) ? "not a string" : "missing",
                        "a string");
}

MaterialResponseData read_response(const toml::table& t, const std::string& where) {
  MaterialResponseData data;
  const std::string model = required_string(t, "model", where);
  const double unit = frequency_factor(t["frequency_unit"].value_or(std::string("rad/s")), where);
  data.source = required_string(t, "source", where);
  const toml::array* band = t["valid_band"].as_array();
  if (band == nullptr || band->size() != 2 || !(*band)[0].value<double>() ||
      !(*band)[1].value<double>())
    throw InvalidArgument(where + ".valid_band", "missing or malformed",
                          "[low, high] in the block's frequency unit");
  data.valid_min = *(*band)[0].value<double>() * unit;
  data.valid_max = *(*band)[1].value<double>() * unit;
  require_nonnegative(where + ".valid_band low", data.valid_min);
  if (!(data.valid_max > data.valid_min))
    throw InvalidArgument(where + ".valid_band", format_number(data.valid_max / unit),
                          "a high end above the low end");
  if (model == "constant") {
    data.response =
        MaterialResponse::constant({required_number(t, "real", where), t["imag"].value_or(0.0)});
  } else if (model == "drude-lorentz") {
    std::vector<LorentzOscillator> oscillators;
    if (const toml::array* list = t["oscillators"].as_array()) {
      for (std::size_t j = 0; j < list->size(); ++j) {
        const std::string name = where + ".oscillators[" + std::to_string(j) + "]";
        const toml::table* o = (*list)[j].as_table();
        if (o == nullptr)
          throw InvalidArgument(name, "not a table", "{strength, resonance, damping}");
        oscillators.push_back({required_number(*o, "strength", name),
                               required_number(*o, "resonance", name) * unit,
                               required_number(*o, "damping", name) * unit});
      }
    }
    data.response = MaterialResponse::drude_lorentz(
        required_number(t, "background", where), t["plasma_frequency"].value_or(0.0) * unit,
        t["drude_damping"].value_or(0.0) * unit, std::move(oscillators), where);
  } else if (model == "table") {
    const toml::array* rows = t["samples"].as_array();
    if (rows == nullptr)
      throw InvalidArgument(where + ".samples", "missing", "[[omega, Re, Im], ...]");
    std::vector<ResponseSample> samples;
    for (std::size_t i = 0; i < rows->size(); ++i) {
      const toml::array* row = (*rows)[i].as_array();
      const std::string name = where + ".samples[" + std::to_string(i) + "]";
      if (row == nullptr || row->size() != 3 || !(*row)[0].value<double>() ||
          !(*row)[1].value<double>() || !(*row)[2].value<double>())
        throw InvalidArgument(name, "malformed", "[omega, Re, Im] (three numbers)");
      samples.push_back({*(*row)[0].value<double>() * unit, *(*row)[1].value<double>(),
                         *(*row)[2].value<double>()});
    }
    data.response = MaterialResponse::table(std::move(samples), where);
  } else {
    throw InvalidArgument(where + ".model", "\"" + model + "\"",
                          "\"constant\", \"drude-lorentz\" or \"table\"");
  }
  return data;
}

}  // namespace

std::string material_presets_folder() {
  return NANODECOH_MATERIALS_DIR;
}

Material load_material(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       std::filesystem::path(name_or_path).extension() == ".toml";
  const std::filesystem::path path =
      is_path ? std::filesystem::path(name_or_path)
              : std::filesystem::path(material_presets_folder()) / (name_or_path + ".toml");
  std::ifstream in(path);
  if (!in)
    throw InvalidArgument("material", "\"" + name_or_path + "\"",
                          is_path ? "a readable material file (" + path.string() + " not found)"
                                  : "a preset name (fused-silica, diamond, gold; no " +
                                        path.string() + ") or the path of a .toml file");
  std::ostringstream text;
  text << in.rdbuf();
  toml::table root;
  try {
    root = toml::parse(text.str(), path.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << path.string() << ":" << e.source().begin.line << ":" << e.source().begin.column;
    throw InvalidArgument(where.str(), "malformed TOML",
                          "valid TOML (" + std::string(e.description()) + ")");
  }
  const std::string file = path.string();
  Material m;
  m.file = file;
  m.name = required_string(root, "name", file);
  m.density = required_number(root, "density", file);
  require_positive(file + ".density", m.density);
  m.density_source = required_string(root, "density_source", file);
  const toml::table* eps = root["permittivity"].as_table();
  if (eps == nullptr)
    throw InvalidArgument(file + ".permittivity", "missing", "a [permittivity] block");
  m.permittivity = read_response(*eps, file + ".permittivity");
  if (const toml::table* chi = root["susceptibility"].as_table())
    m.susceptibility = read_response(*chi, file + ".susceptibility");
  return m;
}

}  // namespace nanodecoh
