// Fuzzes the `ftable` TOML configuration: parsing, the round trip through
// to_toml() (a configuration nanodecoh stored must parse again, with the same
// text), "--set key=value" overrides taken from the input's first line, and the
// emission-model keys read and validated as `ftable` does (build_model).
#include <cstdlib>
#include <iostream>

#include "fuzz_support.hpp"
#include "io/toml_config.hpp"
#include "localization/model_inputs.hpp"

namespace {

std::optional<double> optional_double(const nanodecoh::io::Config& c, const char* key) {
  if (!c.has(key)) return std::nullopt;
  return c.get_double(key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using nanodecoh::io::Config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = text.find('\n');
  nanodecoh::fuzz::expect_only_nanodecoh_errors([&] {
    Config config = Config::from_string(text, "fuzz.toml");
    const std::string stored = config.to_toml();
    const Config again = Config::from_string(stored, "stored");
    if (again.to_toml() != stored) {
      std::cerr << "fuzz: to_toml() is not a fixed point:\n" << stored << '\n';
      std::abort();
    }
    if (newline != std::string::npos) {
      Config overridden = config;
      overridden.apply_override(text.substr(0, newline));
      (void)overridden.to_toml();
    }
    nanodecoh::localization::ModelInputs in;
    in.toml = true;
    in.body = config.get_string("body.kind", "sphere");
    in.radius = optional_double(config, "body.radius");
    in.length = optional_double(config, "body.length");
    in.cap_angle = optional_double(config, "body.cap_angle");
    in.emission = config.get_string("emission.kind", "surface");
    in.flux = config.get_string("emission.flux", "lambertian");
    in.power = config.get_double("emission.power", 1.0);
    in.emitted_mass_amu = optional_double(config, "emission.emitted_mass_amu");
    in.rate = optional_double(config, "emission.rate");
    in.outgassing = optional_double(config, "emission.outgassing");
    in.outgassing_unit = config.get_string("emission.outgassing_unit", "");
    in.gas_temperature = optional_double(config, "emission.gas_temperature");
    in.spectrum = config.get_string("spectrum.kind", "thermal");
    in.surface_temperature = optional_double(config, "spectrum.surface_temperature");
    in.energy = optional_double(config, "spectrum.energy");
    if (in.body == "mesh" || !config.get_string("spectrum.file", "").empty()) return;  // files
    (void)nanodecoh::localization::build_model(in);
  });
  return 0;
}
