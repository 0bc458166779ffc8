// The subcommands of `nanodecoh`, one file each (command_<name>.cpp).
#pragma once

#include "cli/cli_support.hpp"

namespace nanodecoh::cli {

/// `nanodecoh device`: which backend `auto` would choose, and why.
Command register_device_command(CLI::App& root);
/// `nanodecoh localization`: one complex localization rate F (desorption paper).
Command register_localization_command(CLI::App& root);
/// `nanodecoh outgassing`: emission rate from a specific outgassing rate.
Command register_outgassing_command(CLI::App& root);
/// `nanodecoh ftable CONFIG.toml`: HDF5 table of F over orientations and displacements.
Command register_ftable_command(CLI::App& root);

/// `nanodecoh rates`: magnetic and dielectric momentum diffusion, decoherence and drag.
Command register_rates_command(CLI::App& root);
/// `nanodecoh evolve`: density-matrix evolution on a grid (docs/evolution.md).
Command register_evolve_command(CLI::App& root);
/// `nanodecoh sweep`: evolve runs over the outer product (or zip) of configuration values.
Command register_sweep_command(CLI::App& root);
/// `nanodecoh budget CONFIG.toml`: per-channel decoherence budget of an evolve configuration.
Command register_budget_command(CLI::App& root);

}  // namespace nanodecoh::cli
