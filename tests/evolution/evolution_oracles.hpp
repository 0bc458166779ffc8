// Independent oracles for the evolution tests (shared by the backend-parameterised physics
// suite and the channel matrix), none of which uses the propagator under test:
//  - a composite Gauss-Legendre rule written here (the nodes come from the library's
//    gauss_legendre, which has its own tests against closed forms);
//  - the exact free flight of a cat under a translation-invariant F(r) through the
//    characteristic function (docs/evolution.md, "free flight"): rho~_t(k, r) =
//    rho~_0(k, r - v t) exp(-int_0^t F(r - v (t - tau)) dtau), v = hbar k / M;
//  - a dense Lindblad generator on a small grid, exponentiated by Eigen: kinetic energy from
//    the DFT of the grid, the potential on the diagonal and the dissipator -F(x, x') rho(x, x')
//    with a complex F (Im F carries forces and torques; Hermiticity needs
//    F(x', x) = conj F(x, x')).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <functional>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/quadrature.hpp"

namespace nanodecoh::testing {

using cplx = std::complex<double>;

/// Composite Gauss-Legendre on [a, b] with `panels` equal panels.
template <typename F>
auto composite_gauss_legendre(F f, double a, double b, int panels,
                              const nanodecoh::GaussLegendreRule& rule) {
  decltype(f(a)) sum{};
  const double h = (b - a) / panels;
  for (int p = 0; p < panels; ++p) {
    const double lo = a + p * h;
    for (std::size_t i = 0; i < rule.nodes.size(); ++i)
      sum += rule.weights[i] * 0.5 * h * f(lo + 0.5 * h * (rule.nodes[i] + 1.0));
  }
  return sum;
}

/// Exact free flight of a cat (centres +-d/2, width s, mass M) under a translation-invariant,
/// real F(r).
struct FreeFlightOracle {
  double s, d, M;
  std::function<double(double)> F;
  /// rho~_0(k, r) = int dR e^{-ikR} psi(R + r/2) psi*(R - r/2), psi = g_{-d/2} + g_{d/2},
  /// normalised.
  cplx rho0(double k, double r) const {
    using nanodecoh::constants::pi;
    const double s2 = s * s;
    const double norm = 2.0 * std::sqrt(2.0 * pi * s2) * (1.0 + std::exp(-d * d / (8.0 * s2)));
    cplx sum = 0.0;
    for (double a : {-0.5 * d, 0.5 * d})
      for (double b : {-0.5 * d, 0.5 * d}) {
        const cplx c(0.5 * (a + b) / s2, -k);
        const double rest =
            ((0.5 * r - a) * (0.5 * r - a) + (0.5 * r + b) * (0.5 * r + b)) / (4.0 * s2);
        sum += std::sqrt(2.0 * pi * s2) * std::exp(0.5 * s2 * c * c - rest);
      }
    return sum / norm;
  }
  /// rho~_t(k, r).
  cplx rho_t(double k, double r, double t, const nanodecoh::GaussLegendreRule& rule) const {
    const double v = nanodecoh::constants::hbar * k / M;
    const double integral =
        composite_gauss_legendre([&](double tau) { return F(r - v * (t - tau)); }, 0.0, t, 2, rule);
    return rho0(k, r - v * t) * std::exp(-integral);
  }
  /// Purity (1/2 pi) int dk int dr |rho~_t|^2 and the normalised coherence between the two
  /// branches |rho(-d/2, d/2)| / sqrt(rho(-d/2, -d/2) rho(d/2, d/2)) at time t.
  struct Values {
    double purity, coherence;
  };
  Values at(double t) const {
    using nanodecoh::constants::pi;
    const auto rule = nanodecoh::gauss_legendre(12);
    const double K = 10.0 / s, Rmax = 160e-9;
    const double purity =
        composite_gauss_legendre(
            [&](double k) {
              return composite_gauss_legendre(
                  [&](double r) { return std::norm(rho_t(k, r, t, rule)); }, -Rmax, Rmax, 40, rule);
            },
            -K, K, 30, rule) /
        (2.0 * pi);
    // rho(R + r/2, R - r/2) = (1/2 pi) int dk e^{ikR} rho~_t(k, r)
    auto element = [&](double R, double r) {
      return composite_gauss_legendre(
                 [&](double k) { return std::exp(cplx(0, k * R)) * rho_t(k, r, t, rule); }, -K, K,
                 30, rule) /
             (2.0 * pi);
    };
    const double coherence = std::abs(element(0.0, -d)) / std::sqrt(element(-0.5 * d, 0.0).real() *
                                                                    element(0.5 * d, 0.0).real());
    return {purity, coherence};
  }
};

/// F between two ket indices of a grid (flat indices I, J), complex.
using GridF = std::function<cplx(std::size_t, std::size_t)>;

/// Dense Lindblad reference: exp(L t) vec(rho0), rho0 row-major [ket][bra], with the grid
/// Hamiltonian built from the DFT (E = hbar^2 k^2 / (2 inertia) on every axis, the grid's own
/// momentum set) and dissipator -F(I, J) rho(I, J).
inline Eigen::VectorXcd dense_lindblad_reference(const nanodecoh::evolution::Grid& grid,
                                                 const std::vector<double>& V, const GridF& F,
                                                 const std::vector<cplx>& rho0, double t) {
  using nanodecoh::constants::hbar;
  using nanodecoh::constants::pi;
  const std::size_t nk = grid.ket_size(), d = grid.axis_count();
  Eigen::MatrixXcd H =
      Eigen::MatrixXcd::Zero(static_cast<Eigen::Index>(nk), static_cast<Eigen::Index>(nk));
  for (std::size_t I = 0; I < nk; ++I)
    for (std::size_t J = 0; J < nk; ++J) {
      const auto i = grid.unravel(I), j = grid.unravel(J);
      cplx h = 0.0;
      for (std::size_t a = 0; a < d; ++a) {
        bool others_equal = true;
        for (std::size_t b = 0; b < d; ++b)
          if (b != a && i[b] != j[b]) others_equal = false;
        if (!others_equal) continue;
        const auto& ax = grid.axes()[a];
        const long long n = static_cast<long long>(ax.points);
        for (long long f = -n / 2; f < n - n / 2; ++f) {
          const double k = 2 * pi * static_cast<double>(f) / (static_cast<double>(n) * ax.step);
          const double e = hbar * hbar * k * k / (2 * ax.inertia);
          const double dij = (static_cast<double>(i[a]) - static_cast<double>(j[a])) * ax.step;
          h += e * std::exp(cplx(0, k * dij)) / static_cast<double>(n);
        }
      }
      if (I == J) h += V[I];
      H(static_cast<Eigen::Index>(I), static_cast<Eigen::Index>(J)) = h;
    }
  const auto N2 = static_cast<Eigen::Index>(nk * nk);
  Eigen::MatrixXcd L = Eigen::MatrixXcd::Zero(N2, N2);
  const cplx mi(0, -1.0 / hbar);
  for (std::size_t I = 0; I < nk; ++I)
    for (std::size_t J = 0; J < nk; ++J) {
      const auto row = static_cast<Eigen::Index>(I * nk + J);
      for (std::size_t K = 0; K < nk; ++K) {
        L(row, static_cast<Eigen::Index>(K * nk + J)) +=
            mi * H(static_cast<Eigen::Index>(I), static_cast<Eigen::Index>(K));
        L(row, static_cast<Eigen::Index>(I * nk + K)) -=
            mi * H(static_cast<Eigen::Index>(K), static_cast<Eigen::Index>(J));
      }
      L(row, row) -= F(I, J);
    }
  Eigen::VectorXcd v(N2);
  for (Eigen::Index i = 0; i < N2; ++i) v(i) = rho0[static_cast<std::size_t>(i)];
  const Eigen::MatrixXcd E = (L * t).exp();
  return E * v;
}

/// max_i |a_i - b_i|.
inline double max_abs_difference(const std::vector<cplx>& a, const Eigen::VectorXcd& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b(static_cast<Eigen::Index>(i))));
  return m;
}

/// max_i |a_i - b_i| and max_i |a_i|.
inline std::pair<double, double> max_difference_and_scale(const std::vector<cplx>& a,
                                                          const std::vector<cplx>& b) {
  double m = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    m = std::max(m, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(a[i]));
  }
  return {m, scale};
}

}  // namespace nanodecoh::testing
