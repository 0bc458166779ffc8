// How the exact chord-function method sees a run (exact_propagator.hpp; docs/physics.md
// section 4): which channels its kernel evaluates in closed form (the others are tabulated:
// rate_tables.hpp), which axes carry the translation chords and the angle chord, and what one
// axis of a product grid sees of the protocol and of the initial state (each axis has its own
// linear map: docs/physics.md, "Several translation axes").
#pragma once

#include <cstddef>
#include <vector>

#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution::detail {

/// A channel whose F the chi kernel evaluates in closed form (make_chord_model); every other
/// channel is tabulated.
inline bool closed_form(const DissipationChannel& channel) {
  return channel.defined_off_grid();
}

/// True when the run has one axis and it is a rotation axis (a libration window, or a full
/// circle: on_circle). There r is the angle difference phi - phi' (rad), k is conjugate to the
/// centre angle (1/rad) and the axis' inertia is the moment of inertia I. (On several axes a
/// libration axis is one axis of the product: the tabulated F is a function of the translation
/// chords.)
inline bool on_rotation_axis(const Grid& grid) {
  return grid.axis_count() == 1 && grid.axes()[0].kind == AxisKind::rotation;
}

/// True when the run has one axis and it is a full circle (RotationMode::circle): k is an
/// integer and the state periodic (docs/physics.md, "A free rotor on a circle").
inline bool on_circle(const Grid& grid) {
  return on_rotation_axis(grid) && grid.axes()[0].mode == RotationMode::circle;
}

/// The indices of the grid's translation axes, in order (translation axis number i is lab axis i:
/// x, y, z, as the channels place displacements).
inline std::vector<std::size_t> translation_axes(const Grid& grid) {
  std::vector<std::size_t> out;
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    if (grid.axes()[a].kind == AxisKind::translation) out.push_back(a);
  return out;
}

/// The index of the grid's rotation axis; grid.axis_count() when it has none.
inline std::size_t rotation_axis_index(const Grid& grid) {
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    if (grid.axes()[a].kind == AxisKind::rotation) return a;
  return grid.axis_count();
}

/// The protocol as axis `axis` of a grid of several sees it: each segment's potential on that
/// axis, free where it acts on another (renumbered to axis 0 of the axis alone).
inline std::vector<Segment> protocol_on_axis(const std::vector<Segment>& protocol,
                                             std::size_t axis) {
  std::vector<Segment> own = protocol;
  for (Segment& segment : own) {
    if (segment.potential.axis != axis) segment.potential = Potential{};
    segment.potential.axis = 0;
  }
  return own;
}

/// The factor on axis `axis` of a product initial state (initial_state.hpp): the chosen state
/// on its axis, on the others a Gaussian of other_width (0: 4 steps) centred on the axis, at
/// rest (as axis 0 of the axis alone).
inline InitialStateSpec state_on_axis(const Grid& grid, const InitialStateSpec& in,
                                      std::size_t axis) {
  if (axis == in.axis) {
    InitialStateSpec own = in;
    own.axis = 0;
    return own;
  }
  InitialStateSpec own;
  own.kind = InitialKind::gaussian;
  own.width = in.other_width > 0.0 ? in.other_width : 4.0 * grid.axes()[axis].step;
  own.center = grid.axes()[axis].center;
  own.momentum = 0.0;
  return own;
}

}  // namespace nanodecoh::evolution::detail
