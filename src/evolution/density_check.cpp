// Density-matrix validity (density_check.hpp): Hermiticity, positive trace and
// positive semidefiniteness, by eigenvalues (small n) or 2 x 2 principal minors.
#include "nanodecoh/evolution/density_check.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <sstream>

#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

void check_density_matrix(const std::vector<std::complex<double>>& rho, std::size_t n,
                          const std::string& key, const std::string& what, double tolerance,
                          std::size_t eigen_limit) {
  const auto refuse = [&](const std::string& problem) {
    std::ostringstream allowed;
    allowed << "a Hermitian, positive semidefinite rho with positive trace (tolerance " << tolerance
            << " relative to its largest element)";
    throw InvalidArgument(key, what + " " + problem, allowed.str());
  };
  const auto at = [&](std::size_t i, std::size_t j) { return rho[i * n + j]; };
  double largest = 0.0, trace = 0.0;
  for (const auto& v : rho) largest = std::max(largest, std::abs(v));
  for (std::size_t i = 0; i < n; ++i) trace += at(i, i).real();
  if (!(trace > 0)) refuse("has trace " + format_number(trace));
  const double allowed_error = tolerance * largest;

  double worst = 0.0;
  std::size_t worst_i = 0, worst_j = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i; j < n; ++j) {
      const double d = std::abs(at(i, j) - std::conj(at(j, i)));
      if (d > worst) worst = d, worst_i = i, worst_j = j;
    }
  if (worst > allowed_error)
    refuse("is not Hermitian: |rho[" + std::to_string(worst_i) + "][" + std::to_string(worst_j) +
           "] - conj(rho[" + std::to_string(worst_j) + "][" + std::to_string(worst_i) +
           "])| = " + format_number(worst / trace) + " after normalisation to trace 1");

  for (std::size_t i = 0; i < n; ++i)
    if (at(i, i).real() < -allowed_error)
      refuse("is not positive semidefinite: rho[" + std::to_string(i) + "][" + std::to_string(i) +
             "] = " + format_number(at(i, i).real() / trace) +
             " (a negative probability) after normalisation to trace 1");

  if (n <= eigen_limit) {
    // Eigenvalues of the Hermitian part; the anti-Hermitian rest is below tolerance.
    Eigen::MatrixXcd m(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            0.5 * (at(i, j) + std::conj(at(j, i)));
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(m, Eigen::EigenvaluesOnly);
    if (solver.info() != Eigen::Success) refuse("has no converged eigen-decomposition");
    const double lowest = solver.eigenvalues().minCoeff();
    const double highest = solver.eigenvalues().maxCoeff();
    if (lowest < -tolerance * highest)
      refuse("is not positive semidefinite: smallest eigenvalue " + format_number(lowest / trace) +
             " after normalisation to trace 1");
    return;
  }
  // Necessary conditions only: every 2 x 2 principal minor is >= 0.
  const double slack = allowed_error * allowed_error;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double bound = std::max(at(i, i).real(), 0.0) * std::max(at(j, j).real(), 0.0);
      if (std::norm(at(i, j)) > bound * (1 + tolerance) + slack)
        refuse("is not positive semidefinite: |rho[" + std::to_string(i) + "][" +
               std::to_string(j) +
               "]|^2 = " + format_number(std::norm(at(i, j)) / (trace * trace)) +
               " exceeds rho[i][i] rho[j][j] = " + format_number(bound / (trace * trace)) +
               " after normalisation to trace 1");
    }
}

}  // namespace nanodecoh::evolution
