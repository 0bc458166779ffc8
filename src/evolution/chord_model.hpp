// Builds the plain-number model of the chi kernel (chord_kernel.hpp) from a run's grid,
// protocol, channels and initial state; the CPU and CUDA twins evaluate it.
#pragma once

#include <vector>

#include "evolution/chord_kernel.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution {

/// Throws InvalidArgument naming what the kernel cannot describe: what exact_method_obstacle()
/// refuses, more than chord::max_segments segments or chord::max_channels channels, a channel
/// other than gaussian (without angular length), diffusive or desorption_sphere.
chord::Model make_chord_model(const Grid& grid, const std::vector<Segment>& protocol,
                              const ChannelList& channels, const InitialStateSpec& initial,
                              double tolerance);

}  // namespace nanodecoh::evolution
