// Fuzzes the `evolve` TOML configuration: parsing (io::Config), reading into a
// SimulationSpec (every key, channel and protocol segment) and validate().
// Nothing here allocates a density matrix, so grid sizes from the input are safe.
#include "evolution/evolve_config.hpp"
#include "fuzz_support.hpp"
#include "nanodecoh/evolution/simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nanodecoh::fuzz::expect_only_nanodecoh_errors([&] {
    const auto config = nanodecoh::io::Config::from_string(text, "fuzz.toml");
    std::string backend;
    const auto spec = nanodecoh::evolution::read_simulation_spec(config, backend);
    config.require_all_used();
    nanodecoh::evolution::validate(spec);
  });
  return 0;
}
