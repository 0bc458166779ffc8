// Host ceilings for the benchmarks (roofline.hpp): a parallel memcpy bandwidth
// (bytes read + bytes written per pass) and an FMA-loop FLOP rate (2 FLOP per
// multiply-add), both over all OpenMP threads, each the median of several passes.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/error.hpp"
#include "roofline/roofline.hpp"

namespace nanodecoh::roofline {
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void require_repeats(int repeats, const char* function) {
  if (repeats < 1)
    throw InvalidArgument(std::string(function) + ": repeats", std::to_string(repeats),
                          "an integer >= 1");
}

// Independent multiply-add chains, vectorisable (`omp simd`): kLanes accumulators per
// thread so the FMA latency is hidden. x <- x * a + b stays bounded for 0 < a < 1.
template <typename Real>
Real fma_chains(long long iterations, Real seed) {
  constexpr int kLanes = 32;
  Real acc[kLanes];
  for (int lane = 0; lane < kLanes; ++lane) acc[lane] = seed + static_cast<Real>(lane) * Real(1e-3);
  const Real a = Real(0.999999);
  const Real b = Real(1e-6);
  for (long long it = 0; it < iterations; ++it) {
#pragma omp simd
    for (int lane = 0; lane < kLanes; ++lane) acc[lane] = acc[lane] * a + b;
  }
  Real sum = 0;
  for (int lane = 0; lane < kLanes; ++lane) sum += acc[lane];
  return sum;
}

template <typename Real>
double host_fma_rate(int repeats) {
  constexpr long long kIterations = 1 << 22;  // ~1.3e8 multiply-adds per thread per pass
  constexpr int kLanes = 32;
  const int threads = omp_get_max_threads();
  std::vector<Real> sink(static_cast<std::size_t>(threads));
  std::vector<double> rates;
  for (int pass = 0; pass <= repeats; ++pass) {  // pass 0 is the warm-up
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const int id = omp_get_thread_num();
      sink[static_cast<std::size_t>(id)] =
          fma_chains<Real>(kIterations, Real(0.5) + Real(id) * Real(1e-2));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (pass > 0)
      rates.push_back(2.0 * kLanes * static_cast<double>(kIterations) * threads / seconds);
  }
  // Use the results so the loops cannot be removed.
  Real total = 0;
  for (Real value : sink) total += value;
  if (!(total > 0))
    throw NumericalError("measure_host_fma_rate: FMA chains produced a non-positive sum");
  return median(rates);
}

}  // namespace

double measure_host_copy_bandwidth(std::size_t bytes, int repeats) {
  require_repeats(repeats, "measure_host_copy_bandwidth");
  if (bytes < (std::size_t{1} << 20))
    throw InvalidArgument("measure_host_copy_bandwidth: bytes", std::to_string(bytes), ">= 1 MiB");
  auto source = std::make_unique_for_overwrite<unsigned char[]>(bytes);
  auto target = std::make_unique_for_overwrite<unsigned char[]>(bytes);
  const int threads = omp_get_max_threads();
  const std::size_t chunk =
      (bytes + static_cast<std::size_t>(threads) - 1) / static_cast<std::size_t>(threads);
  // First touch by the thread that copies the slice later (NUMA placement), non-zero data.
#pragma omp parallel num_threads(threads)
  {
    const std::size_t begin =
        std::min(bytes, chunk * static_cast<std::size_t>(omp_get_thread_num()));
    const std::size_t end = std::min(bytes, begin + chunk);
    for (std::size_t i = begin; i < end; ++i) {
      source[i] = static_cast<unsigned char>(i * 131u + 7u);
      target[i] = 1;
    }
  }
  std::vector<double> rates;
  for (int pass = 0; pass <= repeats; ++pass) {
    const auto start = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const std::size_t begin =
          std::min(bytes, chunk * static_cast<std::size_t>(omp_get_thread_num()));
      const std::size_t end = std::min(bytes, begin + chunk);
      std::memcpy(target.get() + begin, source.get() + begin, end - begin);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (pass > 0) rates.push_back(2.0 * static_cast<double>(bytes) / seconds);
  }
  if (std::memcmp(target.get(), source.get(), bytes) != 0)
    throw NumericalError("measure_host_copy_bandwidth: the copy does not match its source");
  return median(rates);
}

double measure_host_fma_rate(Precision precision, int repeats) {
  require_repeats(repeats, "measure_host_fma_rate");
  switch (precision) {
    case Precision::float32:
      return host_fma_rate<float>(repeats);
    case Precision::float64:
      return host_fma_rate<double>(repeats);
  }
  throw InvalidArgument("measure_host_fma_rate: precision",
                        std::to_string(static_cast<int>(precision)), "float32 or float64");
}

}  // namespace nanodecoh::roofline
