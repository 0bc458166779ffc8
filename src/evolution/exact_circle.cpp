// The exact method on a full circle (exact_propagator.hpp; docs/physics.md, "A free rotor on a
// circle"). With k = m - m' the integer conjugate to the centre angle c = (phi + phi')/2 and
// r = phi - phi',
//   rho(phi, phi', t) = (1/2 pi) sum_k exp(i k c) g_k(r, t),
//   g_k(r, t) = g_k(r - hbar k t/I, 0) exp(-int_0^t F(r - hbar k (t - s)/I) ds),
// g_k(r, 0) the periodised closed form (chord_kernel.hpp, initial_chord). The chi kernel twins
// evaluate g_k at the integers |k| <= K and the grid's angle differences; the sums over k are
// taken here, on the host, at the grid's centre angles (exact point values: no transform, so no
// aliasing in k).
#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "evolution/chord_model.hpp"
#include "evolution/exact_grid.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"

namespace nanodecoh::evolution {

using namespace detail;

namespace {
using cplx = std::complex<double>;
}  // namespace

std::vector<cplx> ExactPropagator::circle_density_matrix(double t, Backend backend,
                                                         double* error) const {
  const Axis& axis = grid_member_.axes()[0];
  const std::size_t n = axis.points;
  const long long nn = static_cast<long long>(n), k_max = circle_k_max_member_;
  const std::size_t per_chord = static_cast<std::size_t>(2 * k_max + 1);
  const double step = axis.step;  // 2 pi/n
  // phi_i = offset + i step, so c_ij = offset + (i + j) pi/n: exp(i k c_ij) =
  // exp(i k offset) w[(k (i + j)) mod 2n], w[q] = exp(i pi q/n) (exact roots of unity).
  const double offset = grid_member_.coordinate(0, 0);
  std::vector<cplx> roots(2 * n);
  for (std::size_t q = 0; q < 2 * n; ++q)
    roots[q] = std::polar(1.0, constants::pi * static_cast<double>(q) / static_cast<double>(n));
  std::vector<cplx> shift(per_chord);
  for (long long k = -k_max; k <= k_max; ++k)
    shift[static_cast<std::size_t>(k + k_max)] = std::polar(1.0, static_cast<double>(k) * offset);
  const chord::Model model = make_chord_model(*this);
  const double scale = step / (2.0 * constants::pi);  // rho_ij = step rho(phi_i, phi_j)
  std::vector<cplx> rho(n * n);
  double worst = 0.0;
  // Chords d = i - j >= 0 (r = d step); the chords d < 0 are their conjugates (Hermiticity:
  // g_{-k}(-r) = conj g_k(r), as on a line).
  const long long block = std::max<long long>(1, (1LL << 20) / static_cast<long long>(per_chord));
  std::vector<double> kk, rr;
  for (long long first = 0; first < nn; first += block) {
    const long long last = std::min(nn - 1, first + block - 1);
    kk.clear();
    rr.clear();
    for (long long d = first; d <= last; ++d)
      for (long long k = -k_max; k <= k_max; ++k) {
        kk.push_back(static_cast<double>(k));
        rr.push_back(static_cast<double>(d) * step);
      }
    double e = 0.0;
    const std::vector<cplx> g = chord::chord_values(backend, model, t, kk, rr, &e);
    worst = std::max(worst, e);
#pragma omp parallel
    {
      std::vector<long long> ks;
      std::vector<cplx> b;
#pragma omp for schedule(dynamic, 4)
      for (long long d = first; d <= last; ++d) {
        ks.clear();
        b.clear();
        const cplx* chord_d = g.data() + static_cast<std::size_t>(d - first) * per_chord;
        for (long long k = -k_max; k <= k_max; ++k) {
          const std::size_t q = static_cast<std::size_t>(k + k_max);
          if (chord_d[q] == cplx(0.0)) continue;
          ks.push_back(k);
          b.push_back(chord_d[q] * shift[q]);
        }
        if (ks.empty()) continue;  // the chord of rho stays 0
        const long long two_n = 2 * nn;
        for (long long i = d; i < nn; ++i) {
          const long long j = i - d, s = i + j;
          cplx sum = 0.0;
          for (std::size_t p = 0; p < ks.size(); ++p) {
            long long q = (ks[p] * s) % two_n;
            if (q < 0) q += two_n;
            sum += b[p] * roots[static_cast<std::size_t>(q)];
          }
          const cplx value = sum * scale;
          rho[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j)] = value;
          if (d != 0)
            rho[static_cast<std::size_t>(j) * n + static_cast<std::size_t>(i)] = std::conj(value);
        }
      }
    }
  }
  if (error) *error = worst;
  return rho;
}

cplx ExactPropagator::circle_element(double t, double phi, double phi_prime, double* error) const {
  const long long k_max = circle_k_max_member_;
  const double centre = 0.5 * (phi + phi_prime), r = phi - phi_prime;
  std::vector<double> kk, rr(static_cast<std::size_t>(2 * k_max + 1), r);
  for (long long k = -k_max; k <= k_max; ++k) kk.push_back(static_cast<double>(k));
  const chord::Model model = make_chord_model(*this);
  double worst = 0.0;
  const std::vector<cplx> g = chord::chord_values_cpu(model, t, kk, rr, &worst);
  // The sum in a fixed order (the same result for any number of threads).
  cplx sum = 0.0;
  for (std::size_t q = 0; q < g.size(); ++q) sum += g[q] * std::polar(1.0, kk[q] * centre);
  if (error) *error = worst;
  return sum / (2.0 * constants::pi);
}

}  // namespace nanodecoh::evolution
