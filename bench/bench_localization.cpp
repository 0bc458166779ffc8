// Benchmark of the localization-rate table (desorption eq. 48) on each
// compiled backend: the reference table of the issue (75 nm sphere,
// Lambertian, thermal 300 K, water; 32 libration angles about z spaced 1e-4
// rad; 512 displacements along x spaced 5 pm; tolerance 1e-6 Gamma), plus a
// reduced table for quick runs. Reports node evaluations per second.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace {

using namespace nanodecoh;
using namespace nanodecoh::localization;

void run_table(benchmark::State& state, Backend backend, int angles, int displacements,
               double tolerance = 1e-6, bool fast_path = true) {
  if (backend == Backend::cuda && !cuda_device_status().usable) {
    state.SkipWithError(("no usable CUDA device: " + cuda_device_status().reason).c_str());
    return;
  }
  EmissionModel m;
  m.body = make_sphere(75e-9);
  m.spectrum = Spectrum::thermal(300.0);
  m.emitted_mass = 18.0 * constants::atomic_mass_unit;
  m.rate = 1.0;
  const LocalizationRate engine(m);
  const auto rs = rotations_about({0, 0, 1}, libration_angles(angles, 1e-4, 0.0));
  const auto dxs = displacements_along({1, 0, 0}, displacements, 5e-12, 0.0);
  RateOptions options;
  options.tolerance = tolerance;
  options.sphere_fast_path = fast_path;
  std::uint64_t evaluations = 0;
  std::size_t unique = 0;
  int level = 0;
  for (auto _ : state) {
    const RateTable t = engine.table(rs, dxs, options, backend);
    evaluations += t.node_evaluations;
    unique = t.unique_jobs;
    level = t.max_level;
    benchmark::DoNotOptimize(t.values.data());
  }
  state.counters["unique_values"] = static_cast<double>(unique);
  state.counters["max_level"] = level;
  state.counters["node_evals"] = static_cast<double>(evaluations);
  state.counters["node_evals_per_s"] =
      benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kIsRate);
  state.counters["values"] = static_cast<double>(angles) * angles * displacements;
}

// The reference table with the sphere fast path: minutes on a CPU (about 13 on 2 cores).
// NANODECOH_BENCH_SKIP_REFERENCE_CPU=1 skips it for quick runs.
void BM_reference_table_cpu(benchmark::State& s) {
  if (std::getenv("NANODECOH_BENCH_SKIP_REFERENCE_CPU")) {
    s.SkipWithError("skipped: NANODECOH_BENCH_SKIP_REFERENCE_CPU is set");
    return;
  }
  run_table(s, Backend::cpu, 32, 512);
}
void BM_reference_table_cuda(benchmark::State& s) {
  run_table(s, Backend::cuda, 32, 512);
}
// A range of sizes: angles x displacements (5 pm apart) at tolerance 10^-arg2 Gamma.
void BM_table_cpu(benchmark::State& s) {
  run_table(s, Backend::cpu, static_cast<int>(s.range(0)), static_cast<int>(s.range(1)),
            std::pow(10.0, -static_cast<double>(s.range(2))));
}
// The general surface-times-lune quadrature on the same tables (RateOptions::sphere_fast_path
// = false): what every non-spherical body uses, and the reference the fast path is tested against.
void BM_table_general_cpu(benchmark::State& s) {
  run_table(s, Backend::cpu, static_cast<int>(s.range(0)), static_cast<int>(s.range(1)),
            std::pow(10.0, -static_cast<double>(s.range(2))), false);
}
void BM_table_cuda(benchmark::State& s) {
  run_table(s, Backend::cuda, static_cast<int>(s.range(0)), static_cast<int>(s.range(1)),
            std::pow(10.0, -static_cast<double>(s.range(2))));
}

}  // namespace

BENCHMARK(BM_table_cpu)
    ->Args({2, 8, 4})
    ->Args({4, 8, 4})
    ->Args({4, 16, 4})
    ->Args({8, 64, 6})
    ->Args({16, 128, 6})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_table_general_cpu)
    ->Args({2, 8, 4})
    ->Args({4, 8, 4})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_table_cuda)
    ->Args({2, 8, 4})
    ->Args({4, 8, 4})
    ->Args({4, 16, 4})
    ->Args({4, 32, 6})
    ->Args({8, 128, 6})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_reference_table_cpu)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_reference_table_cuda)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_MAIN();
