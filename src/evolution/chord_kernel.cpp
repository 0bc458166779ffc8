// The CPU twins of the chi kernels (chord_kernel.hpp, one axis; chord_axes.hpp, several
// translation axes): one OpenMP iteration per (k, r) point, the same host/device functions as the
// CUDA twins (kernels/evolution/exact_chord.cu). The models are built from the run's objects by
// exact_propagator.cpp (make_chord_model, make_axes_model).
#include "evolution/chord_kernel.hpp"

#include <algorithm>

#include "evolution/chord_axes.hpp"

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::evolution::chord {

static_assert(hbar == constants::hbar, "chord_kernel.hpp repeats constants::hbar");

std::vector<std::complex<double>> chord_values_cpu(const Model& model, double t,
                                                   const std::vector<double>& k,
                                                   const std::vector<double>& r, double* error,
                                                   double* cached_integral, double* cached_error) {
  if (k.size() != r.size())
    throw InvalidArgument("r", std::to_string(r.size()) + " points",
                          std::to_string(k.size()) + " points (one per k)");
  std::vector<std::complex<double>> out(k.size());
  double worst = 0.0;
  const long long n = static_cast<long long>(k.size());
  // Threads only for many points: an off-grid element (4N + 1 points, well under a millisecond)
  // runs on the calling thread, so that no team wakes up and spins for it.
#pragma omp parallel for schedule(dynamic, 64) reduction(max : worst) if (n >= 16384)
  for (long long i = 0; i < n; ++i) {
    double e = 0.0;
    const std::size_t j = static_cast<std::size_t>(i);
    const Complex c =
        chord_at(model, t, k[j], r[j], e, cached_integral ? cached_integral + j : nullptr,
                 cached_error ? cached_error + j : nullptr);
    out[static_cast<std::size_t>(i)] = {c.re, c.im};
    worst = std::max(worst, e);
  }
  if (error) *error = worst;
  return out;
}

std::vector<std::complex<double>> axes_chord_values_cpu(const AxesModel& model, double t,
                                                        const std::vector<double>& k,
                                                        const std::vector<double>& r,
                                                        double* error) {
  const long long n = static_cast<long long>(axes_point_count(model, k, r));
  const std::size_t d = static_cast<std::size_t>(model.axes);
  std::vector<std::complex<double>> out(static_cast<std::size_t>(n));
  double worst = 0.0;
#pragma omp parallel for schedule(dynamic, 64) reduction(max : worst) if (n >= 4096)
  for (long long i = 0; i < n; ++i) {
    double e = 0.0;
    const std::size_t j = static_cast<std::size_t>(i) * d;
    const Complex c = axes_chord_at(model, t, k.data() + j, r.data() + j, e);
    out[static_cast<std::size_t>(i)] = {c.re, c.im};
    worst = std::max(worst, e);
  }
  if (error) *error = worst;
  return out;
}

}  // namespace nanodecoh::evolution::chord
