// Reading the `nanodecoh evolve` TOML configuration (docs/evolve-config.md) into
// a plain EvolveSpec with the user's names of its fields, and the built-in
// default scenario. Nothing here builds physics or reads a data file (except the
// particle's material, whose density the mass and the axes' inertia need): that is
// evolve_factory.hpp, the next step of the one-way path
// TOML -> EvolveSpec -> SimulationSpec -> run.
#pragma once

#include <string>
#include <vector>

#include "app/evolve_spec.hpp"
#include "io/toml_config.hpp"

namespace nanodecoh::app {

/// Reads one [[channels]] table (and marks its keys used). Kinds: "diffusive", "gaussian",
/// "magnetic", "dielectric", "desorption_sphere", "desorption", "table". Values the table does
/// not give are inherited from `particle` (radius, material, temperatures); `names` (if given)
/// then maps those fields to the particle's keys, and `derivations` gets one line per inherited
/// value. Throws InvalidArgument naming the key ("channels[1].kind").
ChannelSpec read_channel_spec(const io::Config& table, const ParticleSpec& particle = {},
                              InputNames* names = nullptr,
                              std::vector<std::string>* derivations = nullptr);

/// Reads a whole configuration (and marks its keys used). Checks what needs no physics: kinds,
/// integer ranges, axis names, input files, time.step against each segment's duration.
EvolveInput read_evolve_input(const io::Config& config);

/// The built-in default scenario (TOML text): a 100 nm silica sphere in a 40 nm
/// superposition, free flight under desorption and blackbody scattering, compared with the
/// diffusive approximation.
const std::string& default_evolve_config();

/// True when two non-zero vectors point the same way (to 1e-9 in angle): a channel's
/// rotation axis against the grid's.
bool same_direction(const Eigen::Vector3d& a, const Eigen::Vector3d& b);

}  // namespace nanodecoh::app
