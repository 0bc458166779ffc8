// Exact phase-space (chord / characteristic-function) solution of the master equation for
// quadratic protocols (docs/physics.md section 4, "Exact chord-function method"):
//   chi(k, r, t) = int dX exp(-i k X) rho(X + r/2, X - r/2, t),
// and for H = P^2/2M + V with V free, linear (-F0 x) or harmonic (M w^2 x^2/2) in every
// segment, and F depending on r = x - x' only,
//   chi(k, r, t) = exp(i Phi) chi(k_0, r_0, 0) exp(-int_0^t F(r(s)) ds),
// where (k(s), r(s)) is the classical characteristic ending at (k, r) at time t (a linear
// symplectic map per segment), Phi the phase of the linear forces, and the F integral is taken
// along the whole path through every segment: in closed form for the gaussian and diffusive
// channels on straight (free, linear) segments, by adaptive Gauss-Kronrod quadrature otherwise
// (chord() always by quadrature: the reference the kernel twins are tested against).
//
// On one rotation axis that is a full circle (mode = "circle"), free segments only: k is an
// integer, chi is the chord function g_k(r) of the periodised state (a closed form), and the
// free map and the F integral are those of a libration window, r winding around the circle
// (docs/physics.md, "A free rotor on a circle").
//
// Supported today: grids of one translation axis or one rotation axis in libration mode (the
// angle phi, r = phi - phi' in rad, k conjugate to the centre angle in 1/rad, the moment of
// inertia I in place of M; V = I w^2 phi^2/2 and -torque phi as in the split operator; the state
// must stay inside the window, which is not periodic; every channel's F a function of
// phi - phi' alone); initial states gaussian, cat, thermal (closed form chord functions) and, on
// a translation axis, states given on the grid (a file, or rho in memory: GridChord, the
// band-limited interpolation of their chord function); channels whose F is defined at every real
// displacement (DissipationChannel::defined_off_grid: closed forms) and every other channel on that
// axis (magnetic, dielectric, the engine's desorption, an F-table file, a function), whose summed F
// is tabulated once per propagator on a uniform line of displacements covering every path that
// matters and interpolated by piecewise cubic Hermite polynomials (docs/physics.md, "Tabulated
// F along the paths"). And grids of two or three translation axes (docs/physics.md, "Several
// translation axes"): every segment's potential acts on one axis, the others being free, so the
// characteristic is one linear map per axis; the state is a product of closed forms (the chosen
// state on its axis, a centred Gaussian on the others); the channels' F is a function of |r|
// (the closed forms gaussian, diffusive, desorption_sphere; the others tabulated as F(|dX|) once
// exact_table_obstacle has checked that they are functions of |dX| alone), integrated along the
// vector path; with a libration axis among them, of (r, phi - phi') (the others tabulated over
// both when they depend on the angle difference; docs/physics.md, "Translation and libration
// axes together"). exact_method_obstacle() and exact_table_obstacle() name what is missing.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/grid_chord.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator_reuse.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution {

namespace detail {
struct RateTablePlan;  // src/evolution/exact_applicability.hpp
}  // namespace detail

/// Why the exact method cannot propagate `segment` on this grid with these channels and this
/// initial state; "" when it can.
std::string exact_method_obstacle(const Grid& grid, const Segment& segment,
                                  const ChannelList& channels, const InitialStateSpec& initial);

/// Why the channels without a closed form cannot be tabulated for this whole protocol (an F
/// table file that is not a uniform line along x at zero orientation difference, on a rotation
/// axis a uniform line of angle differences at dX = 0, or that does not reach as far as the
/// paths do; on several axes a channel whose F depends on the direction of dX or, with a
/// libration axis among them, on the orientation otherwise than through phi - phi' (an F-table
/// file: on the orientation at all), checked by evaluating it, the engine in one batched call on
/// `context`'s backend, with its stop flag and progress line; an F-table file checked on its own
/// points); "" when they can (or there are none). With a libration axis among several axes,
/// `angle_table` (when given) is set to whether some channel depends on phi - phi', so that F is
/// tabulated over (dX, phi - phi') rather than on a line of dX. Call after
/// exact_method_obstacle() is empty for every segment.
std::string exact_table_obstacle(const Grid& grid, const std::vector<Segment>& protocol,
                                 const ChannelList& channels, const InitialStateSpec& initial,
                                 const ChannelTableContext& context = {},
                                 bool* angle_table = nullptr);

/// Largest |r| (m, or rad on a rotation axis, `mass` then the moment of inertia) on any
/// characteristic of the protocol that starts where the closed-form
/// chi_0 is at least 1e-30 (the points whose F integral is computed, chord_kernel.hpp), at any
/// time up to the protocol's end: the extent a tabulated F must cover. Closed-form states only
/// (InvalidArgument for initial.kind = "file": use the overload below).
double exact_path_reach(double mass, const std::vector<Segment>& protocol,
                        const InitialStateSpec& initial);
/// The same for characteristics that start anywhere in |k_0| <= k_max (1/m), |r_0| <= r_max (m)
/// (a grid state: its lattice's extent).
double exact_path_reach(double mass, const std::vector<Segment>& protocol, double k_max,
                        double r_max);

/// The exact chord-function propagator of one protocol on a grid of one translation axis, one
/// libration axis, or two or three translation axes.
class ExactPropagator {
 public:
  /// Throws InvalidArgument naming the segment when exact_method_obstacle() is not empty, or
  /// when `tolerance` (absolute error of the F path integral, dimensionless) is not in
  /// [1e-15, 1e-2], or exact_table_obstacle() is not empty. Channels without a closed form are
  /// tabulated here, once (each channel's DissipationChannel::tabulate on a line grid, with
  /// `context`'s backend, stop flag and progress: the engine in one batched call).
  ExactPropagator(const Grid& grid, std::vector<Segment> protocol, ChannelList channels,
                  InitialStateSpec initial, double tolerance,
                  const ChannelTableContext& context = {});

  /// From a state given on the grid (GridChord: rho held in memory, e.g. the split operator's
  /// at the start of an exact block, or GridChord::from_file): chi_0 is its interpolated chord
  /// function, whose error bound (GridChord::error_estimate) is added to every point's
  /// estimate. initial() then reports kind = file with an empty path. Throws as above, or
  /// InvalidArgument when `state` is null.
  ExactPropagator(const Grid& grid, std::vector<Segment> protocol, ChannelList channels,
                  std::shared_ptr<const GridChord> state, double tolerance,
                  const ChannelTableContext& context = {});

  /// chi(k, r) at time t (s, 0 <= t <= the protocol's duration), k in 1/m, r in m (on a
  /// rotation axis 1/rad and rad; on a full circle k an integer, InvalidArgument otherwise);
  /// chi(0, 0) is the trace (1). `error` (if set) receives the quadrature's error estimate of the F
  /// integral (relative error of chi). Grids of one axis (InvalidArgument otherwise: use the
  /// overload below).
  std::complex<double> chord(double t, double k, double r, double* error = nullptr) const;
  /// chi(k, r) on a grid of any number of axes, one component of k and r per axis (on one axis
  /// the overload above; on several, the CPU twin of the chi kernel, chord_axes.hpp).
  std::complex<double> chord(double t, const std::vector<double>& k, const std::vector<double>& r,
                             double* error = nullptr) const;

  /// The initial chord function, chi(k, r, 0): closed form, or a grid state's interpolation.
  std::complex<double> initial_chord(double k, double r) const;

  /// rho on the grid at time t, row-major [ket][bra], normalised like the split operator's
  /// (rho_ij = dx rho(x_i, x_j)). `error` receives the largest error estimate of the F
  /// integral over the points used. chi from the CPU twin of the chi kernel (OpenMP).
  std::vector<std::complex<double>> density_matrix(double t, double* error = nullptr) const;
  /// The same with chi from the kernel twin of `backend` (chord_kernel.hpp: OpenMP on the CPU,
  /// one thread per point on CUDA); the inverse transforms run on the host. With `damping`
  /// (CPU only; propagator_reuse.hpp) the F path integrals are taken from and stored into its
  /// table of time t, unless that table would exceed its budget; the result is the same.
  std::vector<std::complex<double>> density_matrix(double t, Backend backend,
                                                   double* error = nullptr,
                                                   ChordDampingCache* damping = nullptr) const;

  /// rho(x, x') (1/m) at any two points, on the grid or not, without building rho: the inverse
  /// transform over k of chi(k, x - x') by the trapezoid rule (spectrally accurate for the
  /// band-limited states the grid resolves), chi from the CPU twin of the chi kernel. Grids of
  /// one axis (InvalidArgument otherwise: use the overload below).
  std::complex<double> element(double t, double x, double x_prime, double* error = nullptr) const;
  /// The same at points with one coordinate per axis (1/m^D on D axes): on several axes the sum
  /// over the tensor lattice of k, with the trapezoid's weight 1/2 at each axis' Nyquist ends.
  std::complex<double> element(double t, const std::vector<double>& x,
                               const std::vector<double>& x_prime, double* error = nullptr) const;

  /// The tabulated F of the channels without a closed form (summed): nodes r_j = origin + j
  /// step (m), j = 0..intervals, and per interval the 8 numbers (Re, Im of c_0..c_3) of
  /// F(r) = sum_p c_p (r - r_j)^p (the layout of chord::TabulatedRate, which
  /// make_chord_model(const ExactPropagator&) points at them). Empty without such channels.
  const std::vector<double>& table_coefficients() const noexcept {
    return table_coefficients_member_;
  }
  bool tabulated() const noexcept { return !table_coefficients_member_.empty(); }
  double table_origin() const noexcept { return table_origin_member_; }
  double table_step() const noexcept { return table_step_member_; }
  /// A table over (dX, phi - phi') (a libration axis among several axes and a channel that
  /// depends on the angle difference): its rows theta_i = table_angle_origin() + i
  /// table_angle_step() (rad), i = 0..table_angle_nodes()-1, each a line as above, one after the
  /// other in table_coefficients(); 0 rows: a line.
  int table_angle_nodes() const noexcept { return table_angle_nodes_member_; }
  double table_angle_origin() const noexcept { return table_angle_origin_member_; }
  double table_angle_step() const noexcept { return table_angle_step_member_; }
  /// Bound on |interpolated - true F| of the tabulated channels (1/s; 0 without them): the
  /// interpolation error (measured at half resolution) plus the values' stated accuracy.
  double table_error_rate() const noexcept { return table_error_rate_member_; }
  /// One line describing the table (nodes, step, extent, error bound) for the run's notices;
  /// "" without tabulated channels.
  const std::string& table_description() const noexcept { return table_text_member_; }

  const Grid& grid() const noexcept { return grid_member_; }
  const std::vector<Segment>& protocol() const noexcept { return protocol_member_; }
  const ChannelList& channels() const noexcept { return channels_member_; }
  const InitialStateSpec& initial() const noexcept { return initial_member_; }
  /// The grid state (initial.kind = "file" or the GridChord constructor); null otherwise.
  const std::shared_ptr<const GridChord>& grid_state() const noexcept { return grid_state_member_; }
  double tolerance() const noexcept { return tolerance_member_; }

  /// Sum of the segment durations (s).
  double duration() const noexcept { return duration_member_; }
  /// Number of k points used by density_matrix and element on axis 0, and on axis a
  /// (exact_k_points).
  std::size_t k_points() const noexcept { return k_points_member_; }
  std::size_t k_points(std::size_t axis) const { return axis_k_points_member_.at(axis); }

 private:
  Grid grid_member_;
  std::vector<Segment> protocol_member_;
  ChannelList channels_member_;
  InitialStateSpec initial_member_;
  double tolerance_member_;
  double duration_member_ = 0.0;
  double mass_member_ = 0.0;
  std::size_t k_points_member_ = 0;
  std::vector<std::size_t> axis_k_points_member_;
  std::vector<double> table_coefficients_member_;
  double table_origin_member_ = 0.0, table_step_member_ = 0.0, table_error_rate_member_ = 0.0;
  int table_angle_nodes_member_ = 0;
  double table_angle_origin_member_ = 0.0, table_angle_step_member_ = 0.0;
  std::string table_text_member_;
  std::shared_ptr<const GridChord> grid_state_member_;

  /// The checks and set-up shared by the constructors (after the members are set).
  void initialise(const ChannelTableContext& context);

  /// Tabulates the channels without a closed form (constructor).
  void build_table(const ChannelTableContext& context);
  /// build_table's table over (dX, phi - phi') (a libration axis among several axes and a
  /// channel that depends on the angle difference; docs/physics.md (TL6)).
  void build_angle_table(const ChannelList& tabulated, const detail::RateTablePlan& plan,
                         const ChannelTableContext& context);
  /// Sum of the closed-form channels' F at r (1/s).
  std::complex<double> rate(double r) const;
  /// density_matrix on a grid of several axes (chord_axes.hpp), `damping` as there.
  std::vector<std::complex<double>> axes_density_matrix(double t, Backend backend, double* error,
                                                        ChordDampingCache* damping) const;
  /// density_matrix and element on a full circle (exact_circle.cpp): sums over the integers
  /// |k| <= circle_k_max_member_.
  std::vector<std::complex<double>> circle_density_matrix(double t, Backend backend,
                                                          double* error) const;
  std::complex<double> circle_element(double t, double phi, double phi_prime, double* error) const;
  /// The closed-form chi_0 on a line (initial_chord sums its periodisation on a circle).
  std::complex<double> line_initial_chord(double k, double r) const;

  // A full circle: the integer k of density_matrix run over |k| <= circle_k_max_member_ (the
  // state's, chord_k_range), and the periodisation has circle_terms_member_ terms per side
  // around the reduced r and the trace circle_norm_member_ (make_chord_model).
  long long circle_k_max_member_ = 0;
  int circle_terms_member_ = 0;
  double circle_norm_member_ = 1.0;
};

/// Host memory (bytes) that ExactPropagator::density_matrix holds besides rho: on one axis per
/// thread (at most 64 counted) a column of chi over k; on several axes the values of a block of
/// chords (2^20 points, and their k and r lists for the CUDA twin), per thread one lattice of
/// prod M_a points, and the bound tables.
std::size_t exact_work_bytes(const Grid& grid);

/// The number of k points of axis `axis` (ExactPropagator::k_points): the least power of two
/// >= 4 N on a grid of one axis (a period of the centre coordinate of twice the box), >= 2 N on
/// a grid of several (a period of the box: the lattice is the product of the axes').
std::size_t exact_k_points(const Grid& grid, std::size_t axis);

/// The k values (1/m) at which density_matrix samples chi on axis `axis`: k_q = 2 pi q/(M dx/2),
/// q in [-M/2, M/2) (FFT order), M = k_points; rho on the grid is exact for states whose centre
/// coordinate (x + x')/2 stays within a period M dx/2 and whose momenta the grid resolves.
std::vector<double> exact_k_grid(const Grid& grid, std::size_t k_points, std::size_t axis = 0);

}  // namespace nanodecoh::evolution
