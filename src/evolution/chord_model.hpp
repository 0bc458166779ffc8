// Builds the plain-number model of the chi kernel (chord_kernel.hpp) from a run's grid,
// protocol, channels and initial state; the CPU and CUDA twins evaluate it.
#pragma once

#include <vector>

#include "evolution/chord_axes.hpp"
#include "evolution/chord_kernel.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution {

/// Throws InvalidArgument naming what the kernel cannot describe: what exact_method_obstacle()
/// refuses, more than chord::max_segments segments or chord::max_channels channels, a channel
/// other than gaussian (without angular length), diffusive or desorption_sphere (channels
/// without a closed form need their table: use the overload below).
chord::Model make_chord_model(const Grid& grid, const std::vector<Segment>& protocol,
                              const ChannelList& channels, const InitialStateSpec& initial,
                              double tolerance);

/// The model of a propagator, with its tabulated F (which it points into: valid while
/// `exact` lives). Throws like the overload above.
chord::Model make_chord_model(const ExactPropagator& exact);

/// The model of a propagator on a grid of several translation axes (chord_axes.hpp): one
/// closed-form model per axis (its segments, free where a segment's potential acts on another
/// axis; its factor of the product state), the closed-form channels and the propagator's table
/// of the others (which it points into: valid while `exact` lives). Throws InvalidArgument on a
/// grid of one axis (make_chord_model) or for what the kernel cannot describe.
chord::AxesModel make_axes_model(const ExactPropagator& exact);

/// The kernel's view of a grid state's chi_0 lattice (which it points into: valid while `state`
/// lives), with its limits, block norms and error bound (grid_chord.cpp).
chord::GridChordView grid_chord_view(const GridChord& state);

}  // namespace nanodecoh::evolution
