// The tabulated F of the channels without a closed form along the exact method's paths
// (docs/physics.md, "Tabulated F along the paths" and (TL6)). The exact propagator sums these
// channels' F once, on a uniform line of displacements (or angle differences on a libration
// axis) or, with a libration axis among translation axes and F depending on phi - phi', on a
// lattice over (dX, phi - phi'); the chi kernel interpolates it by cubic Hermite polynomials
// (chord::table_rate, chord::table_rate_2d). Here: F-table files read as such lines and
// lattices, the other channels evaluated on them (the engine in one batched call), the values'
// checks, and the interpolants with the bounds on their error. Which run may be tabulated, and
// how far the tables must reach, is exact_applicability.hpp's.
#pragma once

#include <complex>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"

namespace nanodecoh::evolution::detail {

// ---- F-table files ------------------------------------------------------------------------

/// Where the F-table file of `channel` has F at zero orientation difference (identity ket and
/// bra orientations) along lab x: the step h and the largest J with every j h, |j| <= J, present
/// (directly or by Hermiticity). Returns "" or why the file cannot serve as a line.
std::string ftable_line(const FTableChannel& channel, double& step, long long& count);

/// The line of an F-table file on a rotation axis: F(j h) = F_{R(a), R(b)}(0) for every pair of
/// the file's orientations about the channel's rotation axis with a - b = j h, at zero
/// displacement. F must depend on the angle difference alone: pairs with the same difference
/// must agree within twice the file's stated accuracy (each value within it of the truth), plus
/// rounding. `step` receives h (the smallest difference), `count` the largest J with every
/// |j| <= J present (directly or as the Hermitian partner of -j), and `values` (if set) F(j h)
/// for j = -count..count. Returns "" or why the file cannot serve as a line; `key` names the
/// channel's file for the message.
std::string ftable_angle_line(const FTableChannel& channel, const std::string& key, double& step,
                              long long& count, std::vector<std::complex<double>>* values);

/// An F-table file read as a lattice over (dx, phi - phi') (TL6): F(j step, q angle_step),
/// |j| <= count, |q| <= angle_count, row-major (row q + angle_count, node j + count).
struct FileLattice {
  const FTableChannel* channel = nullptr;
  double step = 0.0;        ///< along x (m)
  double angle_step = 0.0;  ///< of phi - phi' (rad)
  long long count = 0;      ///< nodes per side along x
  long long angle_count = 0;
  std::vector<std::complex<double>> values;
};

/// An F-table file read as a lattice over (dx, phi - phi') (TL6), for a translation axis x with a
/// libration axis: F(j h, q h_theta) = F_{R(a), R(b)}(j h e_x) for every pair of the file's
/// orientations about the channel's rotation axis with a - b = q h_theta and every displacement
/// j h along x (and, where a point is missing, conj F(-j h, -q h_theta), Hermiticity). F must
/// depend on the orientations through a - b alone: values at the same (j, q) must agree within
/// twice the file's accuracy plus rounding, as in ftable_angle_line. `lattice` receives the
/// smallest steps h and h_theta, the largest angle_count M with every |q| <= M present at dx = 0,
/// the largest count N with every (j, q), |j| <= N, |q| <= M present, and the values. Returns ""
/// or why the file cannot serve as such a lattice; `key` names the channel's file for the message.
std::string ftable_angle_lattice(const FTableChannel& channel, const std::string& key,
                                 FileLattice& lattice);

// ---- lines and lattices of F ----------------------------------------------------------------

/// The tabulated channels' summed F on the line of angle differences j step, |j| <= count, of
/// a rotation axis (F(phi - phi'), which rotation_channel_obstacle has established): an F-table
/// file's values at its own pairs (ftable_angle_line), every other channel evaluated at ket angle
/// j step and bra angle 0 (the engine in one batched call, DissipationChannel::evaluate_points,
/// on the run's backend, with its stop flag and progress line). A rotation line is not a grid (its
/// extent may exceed a libration window's 2 pi), so DissipationChannel::tabulate is not used.
/// Values within a channel's stated accuracy below Re F = 0 are set to 0, as evaluate_channels
/// does; beyond it, or not finite, NumericalError.
std::vector<std::complex<double>> rotation_line(const ChannelList& tabulated, double step,
                                                long long count,
                                                const ChannelTableContext& context);

/// Nodes per side of the line table for the reach: ceil(reach/h) + 2, rounded up to m 2^e with
/// m in [8, 16) (at most 1/8 more), so that runs with nearby reaches (sweep points) use the same
/// line and share its table through the channels' table cache.
long long table_count(double reach, double step);

/// The most nodes per side a computed table may have (2^16: a few MB of coefficients and, for
/// the engine, the time of as many F values); beyond it the step grows and the description
/// says so.
constexpr long long kMaxTableCount = 65536;

/// The most nodes per side of a table over (dX, phi - phi') (TL6) along dX and along the angle:
/// at most 1025 x 513 values (34 MB of coefficients; for the engine, as many F values as a split
/// run's table of about a 64 x 64 grid).
constexpr long long kMaxLatticeCount = 512;
constexpr long long kMaxLatticeAngleCount = 256;

/// The tabulated values' own accuracy (1/s): the sum over the channels of each one's stated
/// relative accuracy of max(its scale, the largest |F| in `values`); `names` receives the
/// channels' names, comma-separated.
double table_value_error(const ChannelList& tabulated,
                         const std::vector<std::complex<double>>& values, std::string& names);

/// Property 1 (F = 0 at zero difference: the trace is kept) and property 2 (Hermiticity,
/// F(-p) = conj F(p)) of a table of the tabulated channels' summed F whose points lie
/// symmetrically about its centre entry (a line of 2n + 1 nodes, or rows of them row-major:
/// entry size - 1 - i is the mirror of entry i), within 100x the values' accuracy `value_error`
/// (as FTableChannel checks its file). Otherwise NumericalError naming the channels (`names`)
/// and the point: `where(i)` gives entry i's coordinates with units, `zero` those of the centre
/// as the message writes them ("0", "0, 0"). Sets the centre to exactly 0.
void check_table_symmetry(std::vector<std::complex<double>>& values, double value_error,
                          const std::string& names, const std::string& zero,
                          const std::function<std::string(std::size_t)>& where);

/// The cubic Hermite interpolant of F on a line of nodes and a bound on its error.
struct HermiteLine {
  std::vector<std::complex<double>> coefficients;  ///< 4 per interval
  double origin = 0.0, step = 0.0;                 ///< the first node and the spacing
  /// The same interpolant through every other node (step 2h), measured at the nodes it skips
  /// against the values there. For an O(h^4) rule that is ~16x the error of the full
  /// interpolant once F is resolved, and of the same size when it is not, so it stands as the
  /// bound (never smaller than the error it stands for).
  double error_bound = 0.0;

  /// The interpolant at x (origin <= x <= the last node).
  std::complex<double> operator()(double x) const;
};

/// The interpolant through `values` at nodes origin + j step: node derivatives from
/// fourth-order finite differences (5 points; one-sided at the ends), so O(h^4) everywhere, C^1,
/// and local (a value's error reaches 3 intervals on each side only).
HermiteLine hermite_line(const std::vector<std::complex<double>>& values, double origin,
                         double step);

/// The tabulated F over (dX, phi - phi') (TL6): values on the lattice of displacements
/// (j - count) step along the first translation axis and angle differences (i - angle_count)
/// angle_step (the ket turned, the bra at the identity), row-major (row i, node j), their
/// coefficients (chord::TabulatedRate's layout: per row, per interval, Re and Im of c_0..c_3;
/// chord::table_rate_2d interpolates them) and the bound on the interpolation error: as for a
/// line (HermiteLine), the same rule through every other row and every other node, measured at
/// the lattice's other points against the values there.
struct RateLattice {
  std::vector<std::complex<double>> values;
  std::vector<double> coefficients;
  double interpolation_error = 0.0;
};

/// The lattice of the tabulated channels' summed F (RateLattice, values only): F-table files
/// that do not depend on the orientation (plan_rate_table) by their line along x
/// (evaluate_channels on the line as a grid), the same in every row; the files in `file_lattices`
/// (F of the orientations) by their own lattice, whose steps are then these; every other channel
/// evaluated at the lattice's points in one evaluate_points call (the engine batched on the run's
/// backend, with its stop flag and progress line), its values checked as rotation_line's. With
/// `coarser` (a lattice whose steps are dx_factor and angle_factor times these, 1 or 2, over the
/// same extent), its values are taken at the points they share and only the others evaluated.
RateLattice rate_lattice(const Grid& grid, const ChannelList& tabulated, double step,
                         long long count, double angle_step, long long angle_count,
                         const ChannelTableContext& context,
                         const std::vector<FileLattice>& file_lattices,
                         const RateLattice* coarser = nullptr, std::size_t dx_factor = 1,
                         std::size_t angle_factor = 1);

/// Fills `lattice`'s coefficients and interpolation bound from its values (RateLattice).
void interpolate_lattice(RateLattice& lattice, long long count, double step, long long angle_count,
                         double angle_step);

}  // namespace nanodecoh::evolution::detail
