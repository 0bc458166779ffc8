// The deterministic step schedule of an evolution run (docs/evolution.md, "Schedule"):
// segment boundaries, output and snapshot steps, and the chunks of fused Strang steps
// between them. The split-operator fuses the half kinetic steps inside a chunk
// (K/2 P (K P)^(n-1) K/2), so the chunk boundaries decide the rounding of a run. They
// depend only on the configuration (protocol, time step, outputs, snapshots) and the grid
// size, never on the checkpoint interval or on when a stop was requested, so a resumed run
// is bit-identical to an uninterrupted one and the checkpoint interval does not change the
// result.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "nanodecoh/evolution/simulation.hpp"

namespace nanodecoh::evolution {

/// Longest chunk of fused steps between stop checks: about 2^27 element-steps, at least 8
/// and at most 256 steps. The floor of 8 keeps the half kinetic steps fused on large grids
/// (a chunk closes with one extra half kinetic step, so the overhead is at most 1/16 of the
/// kinetic work); the budget bounds the time between stop checks on small ones. It depends
/// only on the number of elements of rho, so it is part of the deterministic schedule.
unsigned long long chunk_steps(std::size_t rho_elements);

/// Step numbers of the protocol: segment s covers steps [segment_begin[s], segment_begin[s+1]).
struct Schedule {
  std::vector<unsigned long long> segment_begin;  ///< size segments + 1
  std::vector<double> segment_dt;                 ///< time step of each segment (s)
  std::vector<double> segment_time;               ///< start time of each segment (s)
  std::set<unsigned long long> outputs;           ///< steps with recorded observables
  std::set<unsigned long long> snapshots;         ///< steps with |rho| snapshots
  unsigned long long chunk = 1;                   ///< chunk_steps of the grid

  unsigned long long total() const { return segment_begin.back(); }
  /// Simulated time at `step` (s).
  double time_at(unsigned long long step) const;
  /// Index of the segment that contains `step` (the last one for step == total()).
  std::size_t segment_of(unsigned long long step) const;
  /// The next chunk boundary after `step` (< total()): the nearest of the next output, the next
  /// snapshot (when `with_snapshots`), the segment end and the next multiple of `chunk`.
  unsigned long long next_break(unsigned long long step, bool with_snapshots) const;
  /// Whether `step` is a chunk boundary of the run (0 and total() included).
  bool is_break(unsigned long long step, bool with_snapshots) const;
  /// Whether a checkpoint is due at the boundary `step` reached from the boundary `previous`:
  /// one is written at the first boundary at or after each multiple of `every` (0 = never),
  /// so checkpoints never add boundaries of their own.
  static bool checkpoint_due(unsigned long long previous, unsigned long long step,
                             std::size_t every);
};

/// Plans the run of `spec` on a grid whose rho has `rho_elements` elements. Throws
/// InvalidArgument ("time.step") for more than 1e12 steps in a segment.
Schedule make_schedule(const SimulationSpec& spec, std::size_t rho_elements);

}  // namespace nanodecoh::evolution
