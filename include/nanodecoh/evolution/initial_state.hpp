// Initial density matrices on the grid: a Gaussian wavepacket, the two-branch
// "cat" superposition of interferometry, the thermal state of a harmonic trap
// (Mehler kernel) and a state read from HDF5. The named axis gets the chosen
// state; every other axis starts in a centred Gaussian. rho is normalised so
// that sum_i rho_ii = 1 (rho_ij = rho(x_i, x_j) dx).
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"

namespace nanodecoh::evolution {

enum class InitialKind { gaussian, cat, thermal, file };

/// Parameters of the initial state.
struct InitialStateSpec {
  InitialKind kind = InitialKind::gaussian;
  std::size_t axis = 0;
  double width = 5e-9;                ///< position standard deviation of each Gaussian (m or rad)
  double separation = 0.0;            ///< cat: distance between the branch centres
  double center = 0.0;                ///< centre of the state (cat: midpoint of the branches)
  double momentum = 0.0;              ///< mean momentum (kg m/s, or J s on a rotation axis)
  double temperature = 0.0;           ///< thermal: K
  double frequency = 0.0;             ///< thermal: trap frequency (rad/s)
  std::string path;                   ///< file: HDF5 file
  std::string dataset = "final/rho";  ///< file: complex dataset with total_size elements
  /// Width of the Gaussian on every other axis; 0 means 4 grid steps.
  double other_width = 0.0;
};

/// Builds rho (complex128, row-major [ket][bra]). Throws InvalidArgument/IoError.
std::vector<std::complex<double>> make_initial_state(const Grid& grid,
                                                     const InitialStateSpec& spec);

/// Refuses (InvalidArgument, with the numbers) a state that the grid does not
/// resolve: more than `tolerance` of the population within 5% of an edge of the
/// box, or in the top 10% of the resolved momenta (|k| > 0.9 pi/dx).
void check_resolution(const Grid& grid, const std::vector<std::complex<double>>& rho,
                      double tolerance = 1e-6);

}  // namespace nanodecoh::evolution
