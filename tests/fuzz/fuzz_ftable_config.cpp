// Fuzzes the `ftable` TOML configuration: parsing, the round trip through
// to_toml() (a configuration nanodecoh stored must parse again, with the same
// text), "--set key=value" overrides taken from the input's first line, and the
// emission-model keys read and validated as `ftable` does (build_model).
#include <cstdlib>
#include <iostream>
#include <optional>

#include "app/ftable_config.hpp"
#include "app/model_inputs.hpp"
#include "fuzz_support.hpp"
#include "io/toml_config.hpp"

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
    // the application layer's reading of every key, then the emission model it builds
    const nanodecoh::app::FtableSpec spec = nanodecoh::app::read_ftable_spec(config);
    if (spec.model.body == "mesh" || !spec.model.spectrum_file.empty() ||
        !spec.model.coverage_file.empty())
      return;  // files
    (void)nanodecoh::app::build_model(spec.model);
  });
  return 0;
}
