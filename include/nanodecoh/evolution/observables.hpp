// Observables of the density matrix at output times: trace, purity, per-axis
// position and momentum moments (translation: x, p; rotation: phi, J), energy,
// position distribution, the coherence between two marked points, |rho|
// snapshots of each axis's reduced matrix and the 1D Wigner function
// W(x, p) = (1/(pi hbar)) int dy rho(x+y, x-y) exp(-2 i p y/hbar) of a translation axis.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"

namespace nanodecoh::evolution {

/// Moments of one axis.
struct AxisObservables {
  double mean = 0.0;               ///< <x> (m) or <phi> (rad)
  double variance = 0.0;           ///< Var x (m^2) or Var phi (rad^2)
  double momentum_mean = 0.0;      ///< <p> (kg m/s) or <J> (J s)
  double momentum_variance = 0.0;  ///< Var p or Var J
  double kinetic_energy = 0.0;     ///< <P^2>/(2M) or <J^2>/(2I) (J)
  /// Population with |k| > 0.9 pi/step: the grid no longer resolves the state when it grows.
  double momentum_edge_population = 0.0;
  std::vector<double> distribution;  ///< rho_ii of the reduced matrix (sums to the trace)
};

/// Everything recorded at one output time.
struct Observables {
  double time = 0.0;  ///< s
  unsigned long long step = 0;
  double trace = 0.0;
  double purity = 0.0;
  double energy = 0.0;                ///< <H> with the potential of the current segment (J)
  double coherence = 0.0;             ///< |rho(a, b)| between the marked points
  double coherence_normalized = 0.0;  ///< |rho(a, b)| / sqrt(rho(a, a) rho(b, b))
  std::vector<AxisObservables> axes;
};

/// Computes observables on the host from a complex128 rho.
class ObservableCalculator {
 public:
  explicit ObservableCalculator(const Grid& grid);
  /// `potential` is V on the ket grid (J); `marked` holds the ket indices of the two
  /// marked points (coherence), or is empty.
  Observables compute(const std::vector<std::complex<double>>& rho,
                      const std::vector<double>& potential,
                      const std::vector<std::size_t>& marked) const;
  /// Reduced density matrix of axis a (n x n, other axes traced out).
  std::vector<std::complex<double>> reduced_matrix(const std::vector<std::complex<double>>& rho,
                                                   std::size_t a) const;
  /// Diagonal of the reduced matrix in momentum space, FFT order (sums to the trace).
  std::vector<double> momentum_distribution(const std::vector<std::complex<double>>& reduced,
                                            std::size_t a) const;
  /// Wigner function of translation axis a on n x n points [x][p]; p_f = pi hbar f/(n dx),
  /// f in [-n/2, n/2). Normalised to sum W dx dp = trace.
  std::vector<double> wigner(const std::vector<std::complex<double>>& reduced, std::size_t a) const;
  /// Momentum values of the Wigner grid (kg m/s).
  std::vector<double> wigner_momenta(std::size_t a) const;

 private:
  const Grid& grid_member_;
};

}  // namespace nanodecoh::evolution
