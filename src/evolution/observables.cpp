// Observables (observables.hpp) from a complex128 rho on the host. Momentum
// distributions use the periodic diagonal sums c_m = sum_{i - j = m mod n} r_ij
// of the reduced matrix: q_f = (1/n) sum_m exp(-2 pi i f m/n) c_m.
#include "nanodecoh/evolution/observables.hpp"

#include <fftw3.h>

#include <cmath>
#include <mutex>

#include "nanodecoh/constants.hpp"

namespace nanodecoh::evolution {
namespace detail {
std::mutex& fftw_planner_mutex();  // cpu_propagator.cpp
}

using cplx = std::complex<double>;

ObservableCalculator::ObservableCalculator(const Grid& grid) : grid_member_(grid) {}

std::vector<cplx> ObservableCalculator::reduced_matrix(const std::vector<cplx>& rho,
                                                       std::size_t a) const {
  const auto& axes = grid_member_.axes();
  const std::size_t n = axes[a].points, nk = grid_member_.ket_size();
  std::size_t inner = 1;
  for (std::size_t b = a + 1; b < axes.size(); ++b) inner *= axes[b].points;
  const std::size_t outer = nk / (n * inner);
  std::vector<cplx> r(n * n, 0.0);
  // ket index I = (o * n + i) * inner + u, bra J = (o * n + j) * inner + u
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        cplx s = 0.0;
        const std::size_t I0 = (o * n + i) * inner, J0 = (o * n + j) * inner;
        for (std::size_t u = 0; u < inner; ++u) s += rho[(I0 + u) * nk + J0 + u];
        r[i * n + j] += s;
      }
  return r;
}

std::vector<double> ObservableCalculator::momentum_distribution(const std::vector<cplx>& reduced,
                                                                std::size_t a) const {
  const std::size_t n = grid_member_.axes()[a].points;
  std::vector<cplx> c(n, 0.0);
  // Index arithmetic without division: (i - j) mod n and (f m) mod n stepped along the loops.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) c[i >= j ? i - j : i + n - j] += reduced[i * n + j];
  std::vector<cplx> twiddle(n);
  for (std::size_t l = 0; l < n; ++l)
    twiddle[l] =
        std::polar(1.0, -2.0 * constants::pi * static_cast<double>(l) / static_cast<double>(n));
  std::vector<double> q(n);
  for (std::size_t f = 0; f < n; ++f) {
    cplx s = 0.0;
    std::size_t index = 0;  // (f m) mod n
    for (std::size_t m = 0; m < n; ++m) {
      s += twiddle[index] * c[m];
      index += f;
      if (index >= n) index -= n;
    }
    q[f] = s.real() / static_cast<double>(n);
  }
  return q;
}

Observables ObservableCalculator::compute(const std::vector<cplx>& rho,
                                          const std::vector<double>& potential,
                                          const std::vector<std::size_t>& marked) const {
  Observables obs;
  const std::size_t nk = grid_member_.ket_size();
  for (std::size_t I = 0; I < nk; ++I) {
    const double p = rho[I * nk + I].real();
    obs.trace += p;
    if (!potential.empty()) obs.energy += p * potential[I];
  }
  double purity = 0.0;
#pragma omp parallel for reduction(+ : purity) schedule(static) if (rho.size() >= (std::size_t{1} << 18))
  for (std::size_t i = 0; i < rho.size(); ++i) purity += std::norm(rho[i]);
  obs.purity = purity;
  const double trace = obs.trace;
  for (std::size_t a = 0; a < grid_member_.axis_count(); ++a) {
    const Axis& axis = grid_member_.axes()[a];
    const std::size_t n = axis.points;
    const auto r = reduced_matrix(rho, a);
    AxisObservables ax;
    ax.distribution.resize(n);
    double m1 = 0, m2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double p = r[i * n + i].real(), x = grid_member_.coordinate(a, i);
      ax.distribution[i] = p;
      m1 += p * x;
      m2 += p * x * x;
    }
    ax.mean = m1 / trace;
    ax.variance = m2 / trace - ax.mean * ax.mean;
    const auto q = momentum_distribution(r, a);
    double k1 = 0, k2 = 0;
    for (std::size_t f = 0; f < n; ++f) {
      const double k = grid_member_.wavenumber(a, f);
      // The Nyquist entry (n even) stands for +-k: it adds to <p^2> but not to <p>.
      if (!(n % 2 == 0 && f == n / 2)) k1 += q[f] * k;
      k2 += q[f] * k * k;
      if (std::fabs(k) > 0.9 * constants::pi / axis.step) ax.momentum_edge_population += q[f];
    }
    const double hbar = constants::hbar;
    ax.momentum_mean = hbar * k1 / trace;
    ax.momentum_variance = hbar * hbar * k2 / trace - ax.momentum_mean * ax.momentum_mean;
    ax.kinetic_energy = hbar * hbar * k2 / (2.0 * axis.inertia);
    obs.energy += ax.kinetic_energy;
    obs.axes.push_back(std::move(ax));
  }
  if (marked.size() == 2) {
    const cplx ab = rho[marked[0] * nk + marked[1]];
    const double aa = rho[marked[0] * nk + marked[0]].real(),
                 bb = rho[marked[1] * nk + marked[1]].real();
    obs.coherence = std::abs(ab);
    obs.coherence_normalized = aa > 0 && bb > 0 ? std::abs(ab) / std::sqrt(aa * bb) : 0.0;
  }
  return obs;
}

std::vector<double> ObservableCalculator::wigner_momenta(std::size_t a) const {
  const Axis& axis = grid_member_.axes()[a];
  const std::size_t n = axis.points;
  std::vector<double> p(n);
  for (std::size_t f = 0; f < n; ++f)
    p[f] = constants::pi * constants::hbar * (static_cast<double>(f) - static_cast<double>(n / 2)) /
           (static_cast<double>(n) * axis.step);
  return p;
}

std::vector<double> ObservableCalculator::wigner(const std::vector<cplx>& reduced,
                                                 std::size_t a) const {
  const Axis& axis = grid_member_.axes()[a];
  const std::size_t n = axis.points;
  const auto nn = static_cast<long long>(n);
  const double dp = constants::pi * constants::hbar / (static_cast<double>(n) * axis.step);
  std::vector<double> w(n * n, 0.0);
  // s_m (FFT order, m in [-n/2, n/2)) -> sum_m s_m exp(-2 pi i f m / n), shifted so f runs from
  // -n/2.
  auto* buffer = static_cast<fftw_complex*>(fftw_malloc(sizeof(fftw_complex) * n));
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    plan = fftw_plan_dft_1d(static_cast<int>(n), buffer, buffer, FFTW_FORWARD, FFTW_ESTIMATE);
  }
  for (long long i = 0; i < nn; ++i) {
    for (long long m = -nn / 2; m < nn - nn / 2; ++m) {
      const long long ip = i + m, im = i - m;
      const std::size_t slot = static_cast<std::size_t>((m + nn) % nn);
      if (ip >= 0 && ip < nn && im >= 0 && im < nn) {
        const cplx v = reduced[static_cast<std::size_t>(ip) * n + static_cast<std::size_t>(im)];
        buffer[slot][0] = v.real();
        buffer[slot][1] = v.imag();
      } else {
        buffer[slot][0] = buffer[slot][1] = 0.0;
      }
    }
    fftw_execute(plan);
    for (std::size_t f = 0; f < n; ++f) {
      const std::size_t src = (f + n - n / 2) % n;  // f - n/2 in FFT order
      w[static_cast<std::size_t>(i) * n + f] =
          buffer[src][0] / (static_cast<double>(n) * axis.step * dp);
    }
  }
  {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    fftw_destroy_plan(plan);
  }
  fftw_free(buffer);
  return w;
}

}  // namespace nanodecoh::evolution
