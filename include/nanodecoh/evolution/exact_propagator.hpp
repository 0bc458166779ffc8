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
// Supported today: grids of one translation axis; initial states gaussian, cat, thermal (closed
// form chord functions); channels whose F is defined at every real displacement
// (DissipationChannel::defined_off_grid). exact_method_obstacle() names what is missing.
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator_reuse.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution {

/// Why the exact method cannot propagate `segment` on this grid with these channels and this
/// initial state; "" when it can.
std::string exact_method_obstacle(const Grid& grid, const Segment& segment,
                                  const ChannelList& channels, const InitialStateSpec& initial);

/// The exact chord-function propagator of one protocol on a grid of one translation axis.
class ExactPropagator {
 public:
  /// Throws InvalidArgument naming the segment when exact_method_obstacle() is not empty, or
  /// when `tolerance` (absolute error of the F path integral, dimensionless) is not in
  /// [1e-15, 1e-2].
  ExactPropagator(const Grid& grid, std::vector<Segment> protocol, ChannelList channels,
                  InitialStateSpec initial, double tolerance);

  /// chi(k, r) at time t (s, 0 <= t <= the protocol's duration), k in 1/m, r in m; chi(0, 0)
  /// is the trace (1). `error` (if set) receives the quadrature's error estimate of the F
  /// integral (relative error of chi).
  std::complex<double> chord(double t, double k, double r, double* error = nullptr) const;

  /// The initial chord function (closed form), chi(k, r, 0).
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
  /// band-limited states the grid resolves), chi from the CPU twin of the chi kernel.
  std::complex<double> element(double t, double x, double x_prime, double* error = nullptr) const;

  /// Sum of the segment durations (s).
  double duration() const noexcept { return duration_member_; }
  /// Number of k points used by density_matrix and element (a power of two >= 4 N).
  std::size_t k_points() const noexcept { return k_points_member_; }

 private:
  Grid grid_member_;
  std::vector<Segment> protocol_member_;
  ChannelList channels_member_;
  InitialStateSpec initial_member_;
  double tolerance_member_;
  double duration_member_ = 0.0;
  double mass_member_ = 0.0;
  std::size_t k_points_member_ = 0;

  std::complex<double> rate(double r) const;
};

/// The k values (1/m) at which density_matrix samples chi: k_q = 2 pi q/(M dx/2), q in
/// [-M/2, M/2), M = k_points; rho on the grid is exact for states whose centre coordinate
/// (x + x')/2 stays within a period M dx/2 and whose momenta the grid resolves.
std::vector<double> exact_k_grid(const Grid& grid, std::size_t k_points);

}  // namespace nanodecoh::evolution
