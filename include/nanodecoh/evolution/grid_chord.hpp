// The chord function chi_0(k, r) = int dX exp(-i k X) rho(X + r/2, X - r/2) of a state given on
// a grid of one translation axis or one libration window (an `initial.kind = "file"` state, or
// the split operator's rho held in memory; on a window x is the angle, in rad), at any (k, r): what the exact method needs where a characteristic starts
// (docs/physics.md, "States from a file"). The grid's rho is read as the band-limited state whose
// samples it holds (rho_ij = dx rho(x_i, x_j), momenta below pi/dx in both arguments):
//   chi_0(k, r) = sum_ij rho_ij exp(-i k X_ij) (dx/pi) sin(w (r - r_ij))/(r - r_ij),
//   X_ij = (x_i + x_j)/2, r_ij = x_i - x_j, w = pi/dx - |k|/2 (0 for |k| >= 2 pi/dx),
// evaluated on a lattice by FFTs (over the centres of each chord, then over the chords with the
// band-limit window |P| < w), both oversampled, and between the lattice points by 12-point
// tensor Lagrange interpolation (chord_kernel.hpp, grid_chord_value, shared by the CPU and CUDA
// twins of the chi kernel). The stated error adds the interpolation's (12 against 10 points at
// the cells' centres, where it is largest) and the model's: the weight of the state at the box's
// edges and at the grid's highest momenta, which a band-limited state in the box cannot hold.
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"

namespace nanodecoh::evolution {

/// How finely GridChord samples chi_0 before interpolating.
struct GridChordOptions {
  /// Oversampling of the lattice in k and in r (2 or more; each factor 2 doubles the memory and
  /// raises the interpolation's accuracy by about 2^12).
  int oversampling = 2;
  /// Memory limit for the lattice (bytes; 0: the available memory), as --max-memory.
  std::size_t max_memory_bytes = 0;
};

/// chi_0 of a grid state at any (k, r), with its error bound.
class GridChord {
 public:
  /// From rho on `grid` (one translation axis or libration window of N points, reads(); N x N,
  /// row-major [ket][bra], rho_ij = dx rho(x_i, x_j), as the split operator holds it; not
  /// renormalised: chi(0, 0) is its trace). Throws InvalidArgument (not such an axis, wrong size, NaN/inf, bad
  /// options) or OutOfMemory (the lattice, bytes_needed(), does not fit).
  GridChord(const Grid& grid, std::vector<std::complex<double>> rho,
            const GridChordOptions& options = {});

  /// From an `initial.kind = "file"` spec: make_initial_state (reads initial.path's
  /// initial.dataset, checks it is a density matrix, normalises the trace to 1), then as above.
  static GridChord from_file(const Grid& grid, const InitialStateSpec& spec,
                             const GridChordOptions& options = {});

  /// Bytes the constructor allocates for `grid` (the lattice, the work arrays and rho).
  static double bytes_needed(const Grid& grid, const GridChordOptions& options = {});

  /// Whether a grid state's chord function can be read on `grid`: one translation axis, or one
  /// rotation axis in libration mode (a window of angles, read as a line: k in 1/rad, r in rad).
  /// A circle's angle is periodic (integer k), which this reading does not model.
  static bool reads(const Grid& grid);

  /// chi_0(k, r) (k in 1/m, r in m): 12-point tensor Lagrange interpolation on the lattice.
  std::complex<double> operator()(double k, double r) const;
  /// The same with `order` points per axis (even, 2 to 12): a check of the interpolation.
  std::complex<double> value(double k, double r, int order) const;

  /// Bound on |chi_0 interpolated - chi_0 of the band-limited state| plus the model's error
  /// (edge and momentum weights), dimensionless (chi(0, 0) = trace = 1).
  double error_estimate() const noexcept {
    return interpolation_error_member_ + 2.7 * neglect_level_member_ + model_error_member_;
  }
  /// The interpolation's part (|12-point - 10-point| at the cells' centres, the maximum).
  double interpolation_error() const noexcept { return interpolation_error_member_; }
  /// Lattice values below this level are neglected (chi_0 is taken as 0 where a point's
  /// stencil holds only such values, adding 2.7 times it to error_estimate): a tenth of the
  /// interpolation error over 2.7, at least 1e-31.
  double neglect_level() const noexcept { return neglect_level_member_; }
  /// The model's part: 2 sqrt(w) + w with w the population in the two outermost grid points
  /// at each end plus the momentum population in the two outermost momentum bins at each end.
  double model_error() const noexcept { return model_error_member_; }
  /// One line for the run's notices (lattice, oversampling, error and its parts).
  std::string description() const;

  /// The lattice (chord::GridChordView's fields): k_a = k_first() + a k_step(), a < k_count();
  /// r_b = r_first() + b r_step(), b < r_count(); values()[2 (a r_count + b)] = Re, +1 = Im.
  int k_count() const noexcept { return k_count_member_; }
  int r_count() const noexcept { return r_count_member_; }
  double k_first() const noexcept { return k_first_member_; }
  double k_step() const noexcept { return k_step_member_; }
  double r_first() const noexcept { return r_first_member_; }
  double r_step() const noexcept { return r_step_member_; }
  const std::vector<double>& values() const noexcept { return values_member_; }
  /// chord::GridChordView::block_norm and its shape (k_blocks x r_blocks).
  const std::vector<double>& block_norms() const noexcept { return block_norm_member_; }
  int k_blocks() const noexcept { return k_blocks_member_; }
  /// A block whose norm is below this (neglect_level() squared) is taken as 0.
  double block_threshold() const noexcept { return block_threshold_member_; }
  int r_blocks() const noexcept { return r_blocks_member_; }
  /// |k| (1/m) and |r| (m) beyond which chi_0 is taken as 0: every lattice value within the
  /// stencil's reach of such a point is below neglect_level(). At most 2 pi/dx and the
  /// lattice's largest |r|.
  double k_extent() const noexcept { return k_limit_member_; }
  double r_extent() const noexcept { return r_limit_member_; }
  /// The trace of the rho it was built from (chi(0, 0)).
  double trace() const noexcept { return trace_member_; }

 private:
  int k_count_member_ = 0, r_count_member_ = 0;
  double k_first_member_ = 0.0, k_step_member_ = 0.0, r_first_member_ = 0.0, r_step_member_ = 0.0;
  double k_limit_member_ = 0.0, r_limit_member_ = 0.0, neglect_level_member_ = 0.0,
         block_threshold_member_ = 0.0;
  std::vector<double> values_member_, block_norm_member_;
  int k_blocks_member_ = 0, r_blocks_member_ = 0;
  double interpolation_error_member_ = 0.0, model_error_member_ = 0.0, edge_weight_member_ = 0.0,
         momentum_weight_member_ = 0.0, trace_member_ = 0.0;
  int oversampling_member_ = 2;
};

}  // namespace nanodecoh::evolution
