// The factory of the evolve application: builds the physics objects (dissipation
// channels, tabulated potentials) from the plain specs of evolve_spec.hpp and
// assembles the library's SimulationSpec. Library errors name spec fields
// ("rate"); make_simulation_spec() renames them to the user's keys
// ("channels[1].rate") with the EvolveNames read alongside the spec.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "app/evolve_spec.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"

namespace nanodecoh::app {

using ChannelPtr = std::shared_ptr<const evolution::DissipationChannel>;

/// The total emission rate Gamma (1/s) of `spec`: its rate, or its outgassing rate q converted
/// as the `outgassing` command does, Gamma = q / (k_B T_gas) * area (area in m^2). Throws
/// InvalidArgument naming "rate", "outgassing", "outgassing_unit" or "gas_temperature".
double emission_rate(const EmissionRateSpec& spec, double area);

/// F(dx) (1/s) of the `magnetic` and `dielectric` channels: the sum of
/// photon_channel_decoherence_rate() over scattering, absorption and emission.
double photon_decoherence_rate(const DipoleSphere& sphere, const PhotonTemperatures& t, double dx);
/// Their diffusive comparison Lambda (1/(m^2 s)): the sum of the processes' localization
/// parameters, F ~ Lambda dx^2 for dx much below the thermal wavelength.
double photon_localization_parameter(const DipoleSphere& sphere, const PhotonTemperatures& t);

/// The `desorption` channel: F from the localization engine (desorption eq. 48). Throws
/// InvalidArgument naming spec fields ("radius", "tolerance").
ChannelPtr make_desorption_channel(const DesorptionChannelSpec& spec);

/// The `table` channel: F read from an HDF5 file. Throws IoError or InvalidArgument.
ChannelPtr make_table_channel(const TableChannelSpec& spec);

/// Any channel kind; errors name spec fields.
ChannelPtr make_channel(const ChannelSpec& spec);

/// The potential of a segment, with a tabulated potential's values read from its file.
evolution::Potential make_potential(const SegmentSpec& spec);

/// Reads and builds the channels of [[channels]] tables, errors naming their keys
/// ("channels[0].radius").
evolution::ChannelList make_channels(const std::vector<io::Config>& tables);

/// The library's run description: channels built (errors renamed to the user's keys), potential
/// tables read. The library's validate() then checks the whole.
evolution::SimulationSpec make_simulation_spec(const EvolveInput& input);

/// Every file the run reads besides its configuration: the initial state, the potential
/// tables and the F tables. An output may not be one of them (io::claim_outputs).
std::vector<std::filesystem::path> input_files(const EvolveSpec& spec);

/// Builds the initial state on grids of up to 2^24 elements of rho (256 MiB) and checks that
/// the grid resolves it, so that such input errors are reported before the backend is chosen;
/// larger grids are checked by the run, after its memory check. Returns whether it checked
/// (false above 2^24 elements).
bool check_initial_state(const evolution::SimulationSpec& spec);

}  // namespace nanodecoh::app
