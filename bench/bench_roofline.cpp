// Roofline ceilings: measured device copy bandwidth and FMA rate (float, double),
// and the same for the host (OpenMP memcpy, FMA loop). Other benchmarks divide
// their achieved bytes/s and FLOP/s by these numbers (bench/RESULTS.md,
// docs/performance.md). Device cases skip with the reason when no CUDA device is
// usable. Each case runs one measurement (a median over several timed passes)
// and reports it as a counter; the iteration time is the whole measurement.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/error.hpp"
#include "roofline/roofline.hpp"

namespace {

using nanodecoh::roofline::Precision;

constexpr int kRepeats = 20;

bool skip_without_device(benchmark::State& state) {
  const auto& status = nanodecoh::cuda_device_status();
  if (status.usable) return false;
  state.SkipWithError(("no usable CUDA device: " + status.reason).c_str());
  return true;
}

// Runs `measure` once per iteration; reports its last value under `counter`.
template <typename Measure>
void run_measurement(benchmark::State& state, const char* counter, Measure measure) {
  double value = 0.0;
  try {
    for (auto _ : state) {
      value = measure();
      benchmark::DoNotOptimize(value);
    }
  } catch (const nanodecoh::Error& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters[counter] = benchmark::Counter(value);
}

void BM_DeviceCopyBandwidth(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const auto bytes = static_cast<std::size_t>(state.range(0)) << 20;
  state.SetLabel("device copy kernel, 16-byte accesses, read+write counted");
  run_measurement(state, "bytes_per_second", [&] {
    return nanodecoh::roofline::measure_device_copy_bandwidth(bytes, kRepeats);
  });
}
BENCHMARK(BM_DeviceCopyBandwidth)->Arg(1024)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_DeviceFmaRate(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const Precision precision = state.range(0) == 32 ? Precision::float32 : Precision::float64;
  state.SetLabel(state.range(0) == 32 ? "float32 FMA chains" : "float64 FMA chains");
  run_measurement(state, "flops", [&] {
    return nanodecoh::roofline::measure_device_fma_rate(precision, kRepeats);
  });
}
BENCHMARK(BM_DeviceFmaRate)->Arg(32)->Arg(64)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_HostCopyBandwidth(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0)) << 20;
  state.SetLabel("OpenMP memcpy, read+write counted");
  run_measurement(state, "bytes_per_second",
                  [&] { return nanodecoh::roofline::measure_host_copy_bandwidth(bytes, 5); });
}
BENCHMARK(BM_HostCopyBandwidth)->Arg(256)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_HostFmaRate(benchmark::State& state) {
  const Precision precision = state.range(0) == 32 ? Precision::float32 : Precision::float64;
  state.SetLabel(state.range(0) == 32 ? "float32 multiply-add loop" : "float64 multiply-add loop");
  run_measurement(state, "flops",
                  [&] { return nanodecoh::roofline::measure_host_fma_rate(precision, 5); });
}
BENCHMARK(BM_HostFmaRate)->Arg(32)->Arg(64)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
