// Google Benchmark of one split-operator step (docs/physics.md section 4): time per
// step and effective bandwidth, counted as the minimal traffic of one step --
// four FFT passes (read + write rho each) and two elementwise passes -- that is
// 12 * |rho| bytes per step. Never pass/fail. CPU: 1D N=1024 (complex128 and
// complex64). CUDA: 1D N=4096 and 8192, and a 2-axis 256 x 32 grid, both
// precisions; CUDA cases SkipWithError without a usable device. advance(1) against
// advance(64) (64 steps per iteration either way) on the CPU (1024) and CUDA (4096).
#include <benchmark/benchmark.h>

#include <cmath>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace ne = nanodecoh::evolution;

namespace {

ne::Grid make_grid(std::size_t nx, std::size_t nphi) {
  ne::Axis x;
  x.points = nx;
  x.step = 1e-9;
  x.inertia = 1e-18;
  std::vector<ne::Axis> axes{x};
  if (nphi > 0) {
    ne::Axis phi;
    phi.kind = ne::AxisKind::rotation;
    phi.name = "phi";
    phi.points = nphi;
    phi.step = 0.01;
    phi.inertia = 1e-33;
    axes.push_back(phi);
  }
  return ne::Grid(axes);
}

/// `steps` Strang steps per iteration, done as steps / steps_per_call calls of
/// advance(steps_per_call): advance(1) closes every step with two half kinetic steps (8 FFT
/// passes per step), advance(n) fuses the inner ones (4 passes per step).
void run_step(benchmark::State& state, nanodecoh::Backend backend, ne::Precision precision,
              std::size_t nx, std::size_t nphi, std::size_t steps = 10,
              std::size_t steps_per_call = 10) {
  if (backend == nanodecoh::Backend::cuda && !nanodecoh::cuda_device_status().usable) {
    state.SkipWithError(
        ("no usable CUDA device: " + nanodecoh::cuda_device_status().reason).c_str());
    return;
  }
  const ne::Grid grid = make_grid(nx, nphi);
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::cat;
  init.width = 0.02 * static_cast<double>(nx) * 1e-9;
  init.separation = 0.2 * static_cast<double>(nx) * 1e-9;
  auto propagator = ne::make_propagator(backend, ne::PropagatorLayout::from_grid(grid), precision);
  propagator->set_dissipation(
      ne::evaluate_channels(grid, {std::make_shared<ne::GaussianChannel>(100.0, 10e-9, 0.05)}));
  propagator->set_state(ne::make_initial_state(grid, init));
  ne::Potential harmonic;
  harmonic.kind = ne::PotentialKind::harmonic;
  harmonic.frequency = 1e3;
  propagator->set_segment(1e-7, ne::potential_on_grid(grid, harmonic));
  for (auto _ : state)
    for (std::size_t done = 0; done < steps; done += steps_per_call)
      benchmark::DoNotOptimize(propagator->advance(steps_per_call));
  const double element = precision == ne::Precision::complex128 ? 16.0 : 8.0;
  const double bytes_per_step = 12.0 * static_cast<double>(grid.total_size()) * element;
  state.counters["s_per_step"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
  state.counters["bytes_per_s"] = benchmark::Counter(bytes_per_step * static_cast<double>(steps),
                                                     benchmark::Counter::kIsIterationInvariantRate,
                                                     benchmark::Counter::kIs1024);
}

/// The peer problem (bench/peers/problem.py): a cat (sigma 10 nm, d 80 nm) of 1e-20 kg in free
/// flight on a 400 nm box under the saturating Gaussian F (Gamma 50 1/s, a 30 nm), complex128,
/// FFTs planned with FFTW_MEASURE (planning is outside the timed loop). Its s_per_step is what
/// bench/split_step_vs_numpy.py compares with numpy's split step of the same problem.
void run_peer_problem(benchmark::State& state, std::size_t n, std::size_t steps = 20) {
  ne::Axis x;
  x.points = n;
  x.step = 400e-9 / static_cast<double>(n);
  x.inertia = 1e-20;
  const ne::Grid grid({x});
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::cat;
  init.width = 10e-9;
  init.separation = 80e-9;
  ne::FftPlanOptions fft;
  fft.planning = ne::FftPlanning::measure;
  auto propagator = ne::make_cpu_propagator(ne::PropagatorLayout::from_grid(grid),
                                            ne::Precision::complex128, fft);
  propagator->set_dissipation(
      ne::evaluate_channels(grid, {std::make_shared<ne::GaussianChannel>(50.0, 30e-9)}));
  propagator->set_state(ne::make_initial_state(grid, init));
  propagator->set_segment(20e-3 / 4000.0, std::vector<double>(grid.ket_size(), 0.0));
  for (auto _ : state) benchmark::DoNotOptimize(propagator->advance(steps));
  state.counters["s_per_step"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
void cpu_peer_256(benchmark::State& s) {
  run_peer_problem(s, 256);
}
void cpu_peer_1024(benchmark::State& s) {
  run_peer_problem(s, 1024);
}
void cpu_peer_2048(benchmark::State& s) {
  run_peer_problem(s, 2048, 4);
}

void cpu_1024_c128(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cpu, ne::Precision::complex128, 1024, 0);
}
void cpu_1024_c64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cpu, ne::Precision::complex64, 1024, 0);
}
void cuda_4096_c128(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex128, 4096, 0);
}
void cuda_4096_c64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex64, 4096, 0);
}
void cuda_8192_c128(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex128, 8192, 0);
}
void cuda_8192_c64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex64, 8192, 0);
}
void cuda_256x32_c128(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex128, 256, 32);
}
void cuda_256x32_c64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex64, 256, 32);
}
// advance(1) against advance(64): 64 steps either way; the ratio of their s_per_step is the
// cost of closing every step (issue 15: chunks of one step on large grids).
void cpu_1024_c128_advance1(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cpu, ne::Precision::complex128, 1024, 0, 64, 1);
}
void cpu_1024_c128_advance64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cpu, ne::Precision::complex128, 1024, 0, 64, 64);
}
void cuda_4096_c128_advance1(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex128, 4096, 0, 64, 1);
}
void cuda_4096_c128_advance64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex128, 4096, 0, 64, 64);
}
void cuda_4096_c64_advance1(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex64, 4096, 0, 64, 1);
}
void cuda_4096_c64_advance64(benchmark::State& s) {
  run_step(s, nanodecoh::Backend::cuda, ne::Precision::complex64, 4096, 0, 64, 64);
}

}  // namespace

BENCHMARK(cpu_peer_256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cpu_peer_1024)->Unit(benchmark::kMillisecond)->UseRealTime();
// The thread threshold (docs/performance.md): run with OMP_NUM_THREADS=1 and without.
BENCHMARK(cpu_peer_2048)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(cpu_1024_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cpu_1024_c64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_4096_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_4096_c64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_8192_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_8192_c64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_256x32_c128)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_256x32_c64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cpu_1024_c128_advance1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(cpu_1024_c128_advance64)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK(cuda_4096_c128_advance1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_4096_c128_advance64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_4096_c64_advance1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(cuda_4096_c64_advance64)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
