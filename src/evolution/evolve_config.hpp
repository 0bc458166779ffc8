// Reading the `nanodecoh evolve` TOML configuration (docs/evolve-config.md) into
// a typed SimulationSpec, the one factory that builds dissipation channels from
// [[channels]], and the built-in default scenario. Internal to the library and
// the CLI (io::Config is internal).
#pragma once

#include <string>
#include <vector>

#include "io/toml_config.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/simulation.hpp"

namespace nanodecoh::evolution {

/// Builds one channel per [[channels]] table. Kinds: "diffusive", "gaussian",
/// "desorption_sphere", "magnetic" and "dielectric" (placeholders: saturating
/// Gaussians until the rates library is wired), "table" (HDF5 file). Throws InvalidArgument.
ChannelList make_channels(const std::vector<io::Config>& tables);

/// Reads a whole configuration (and marks its keys used). `backend_choice` receives run.backend.
SimulationSpec read_simulation_spec(const io::Config& config, std::string& backend_choice);

/// The built-in default scenario (TOML text): a 100 nm silica sphere in a 40 nm
/// superposition, free flight under desorption and a magnetic placeholder channel,
/// compared with the diffusive approximation.
const std::string& default_evolve_config();

}  // namespace nanodecoh::evolution
