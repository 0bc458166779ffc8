// Fuzzes the `evolve` TOML configuration: parsing (io::Config), the application
// layer's reading into specs and building of the SimulationSpec (every key,
// channel and protocol segment), and validate().
// Nothing here allocates a density matrix, so grid sizes from the input are safe.
#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "fuzz_support.hpp"
#include "nanodecoh/evolution/simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nanodecoh::fuzz::expect_only_nanodecoh_errors([&] {
    const auto config = nanodecoh::io::Config::from_string(text, "fuzz.toml");
    const auto input = nanodecoh::app::read_evolve_input(config);
    config.require_all_used();
    nanodecoh::evolution::validate(nanodecoh::app::make_simulation_spec(input));
  });
  return 0;
}
