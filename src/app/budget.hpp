// The decoherence budget of an evolve configuration (`nanodecoh budget`, docs/usage.md):
// for the run's particle and channels, each channel's F over the separations of the run's
// grid along the initial state's axis and beyond them until the saturating channels
// saturate, its long-wavelength (diffusive) approximation, the total, and the coherence
// exp(-Re F T) after a time T, per channel and in total. F of different channels add
// (the dissipator is a sum), so the total coherence is the product of the channels'.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/evolve_spec.hpp"
#include "nanodecoh/evolution/simulation.hpp"

namespace nanodecoh::app {

/// One channel's column of the budget, one value per separation.
struct BudgetChannel {
  std::string key;                    ///< "channels[i]" (or "total")
  std::string name;                   ///< the channel's description
  std::vector<double> rate;           ///< Re F, 1/s
  std::vector<double> rate_imag;      ///< Im F, 1/s (a phase, no decay)
  std::vector<double> rate_longwave;  ///< Re F of the diffusive approximation, 1/s
  std::vector<double> coherence;      ///< exp(-Re F T)
};

/// The budget along one axis of the run's grid.
struct Budget {
  std::string axis_name;
  bool rotation = false;   ///< separations are angles (rad), not lengths (m)
  double grid_step = 0.0;  ///< m or rad
  std::size_t grid_points = 0;
  double time = 0.0;               ///< T, s
  std::string time_origin;         ///< "--time" or "protocol duration"
  std::vector<double> separation;  ///< m or rad, increasing, from 0
  std::vector<bool> on_grid;       ///< separation is a difference of the run's grid
  std::vector<BudgetChannel> channels;
  BudgetChannel total;  ///< sums of the channels' F; product of their coherences
  /// Row of the superposition size (--dx, or the cat's separation), if any.
  std::optional<std::size_t> superposition_row;
  /// Why the rows beyond the grid stop before saturation, if they do ("" otherwise).
  std::string extension_note;
  double extension_time_limit = 0.0;  ///< s, BudgetOptions::extension_time_limit
};

/// Options of the budget beyond the configuration.
struct BudgetOptions {
  std::optional<double> time;                ///< T, s (default: the protocol's duration)
  std::optional<double> superposition_size;  ///< m or rad (default: a cat's separation)
  /// Wall time (s) the rows beyond the grid may take: a doubling whose predicted time would
  /// exceed it is not started, and extension_note says where the rows stopped and why.
  double extension_time_limit = 30.0;
};

/// Computes the budget of the configuration `input` whose channels `spec` holds (built by
/// make_simulation_spec). Throws InvalidArgument naming "--time" or "--dx" for a bad
/// option; channel errors propagate.
Budget compute_budget(const EvolveInput& input, const evolution::SimulationSpec& spec,
                      const BudgetOptions& options);

}  // namespace nanodecoh::app
