// Where the exact chord-function method applies, and how its table of F must be built
// (exact_propagator.hpp declares the public checks: exact_method_obstacle, exact_table_obstacle,
// exact_path_reach). The propagator and the run's method plan ask the same question here, once
// each: plan_rate_table checks the tabulated channels (on several axes by evaluating them:
// isotropy, dependence on the orientation) and hands the propagator what it found, so that its
// table (rate_tables.hpp) is built from these results without reading a file again.
#pragma once

#include <string>
#include <vector>

#include "evolution/rate_tables.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/grid_chord.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution::detail {

/// What plan_rate_table established about the channels without a closed form of one protocol.
struct RateTablePlan {
  /// The line's step (m, or rad on a rotation axis): the F-table files' own (which agree), or
  /// a quarter of the grid's step and of hbar over the largest recoil momentum.
  double step = 0.0;
  /// Nodes per side that every F-table file holds on its line; -1 without a file.
  long long file_count = -1;
  /// The largest |r| on the paths (exact_path_reach; on several axes the translation chords'
  /// |r|), and on a libration axis among several axes the angle chord's (rad).
  double reach = 0.0, angle_reach = 0.0;
  /// With a libration axis among several axes: F depends on phi - phi', so it is tabulated over
  /// (dX, phi - phi') (TL6) rather than on a line of dX.
  bool angle_table = false;
  /// The F-table files whose F depends on the orientation, read as their own lattice.
  std::vector<FileLattice> file_lattices;
};

/// Why the channels without a closed form cannot be tabulated for this protocol (the
/// conditions of exact_table_obstacle); "" when they can, `plan` then filled. `grid_state` (when
/// given) is the initial state on the grid whose lattice sets the paths' reach; without it a
/// file state's reach is that of GridChord's default lattice.
std::string plan_rate_table(const Grid& grid, const std::vector<Segment>& protocol,
                            const ChannelList& channels, const InitialStateSpec& initial,
                            const ChannelTableContext& context, const GridChord* grid_state,
                            RateTablePlan& plan);

}  // namespace nanodecoh::evolution::detail
