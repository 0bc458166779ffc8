// Physical validity of a density matrix read from a file (docs/evolve-config.md,
// "initial.kind = file"): rho must be Hermitian and positive semidefinite within
// a stated tolerance, with a positive trace (rho is normalised to trace 1
// afterwards). Small matrices get an exact eigen-decomposition; large ones the
// cheaper necessary conditions of a positive semidefinite Hermitian matrix:
// rho_ii >= 0 and |rho_ij|^2 <= rho_ii rho_jj (every 2 x 2 principal minor >= 0).
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

namespace nanodecoh::evolution {

/// Relative tolerance of check_density_matrix: deviations are measured against the
/// largest |rho_ij| (Hermiticity) or the largest eigenvalue (positivity). 1e-6 is
/// well above the rounding of a complex64 file (6e-8 relative per element) and far
/// below any physically meaningful negative probability.
inline constexpr double density_tolerance = 1e-6;

/// Matrices up to this many rows get the eigen-decomposition (about 1 s at 1024).
inline constexpr std::size_t density_eigen_limit = 1024;

/// Throws InvalidArgument naming `key` = `what` (e.g. "initial.path" and "a.h5:final/rho")
/// and what is wrong, if the n x n row-major `rho` is not a density matrix up to
/// normalisation.
void check_density_matrix(const std::vector<std::complex<double>>& rho, std::size_t n,
                          const std::string& key, const std::string& what,
                          double tolerance = density_tolerance,
                          std::size_t eigen_limit = density_eigen_limit);

}  // namespace nanodecoh::evolution
