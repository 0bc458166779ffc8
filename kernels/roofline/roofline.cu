// Device ceilings for the benchmarks (src/roofline/roofline.hpp): the bandwidth of
// a device-to-device copy kernel with 16-byte accesses (bytes read + written) and
// the FMA throughput of independent FMA chains in float and double (2 FLOP each).
// Timed with CUDA events after a warm-up, median of `repeats`; every CUDA call is
// checked and every launch followed by NANODECOH_CUDA_CHECK_LAUNCH().
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "nanodecoh/error.hpp"
#include "roofline/roofline.hpp"

namespace nanodecoh::roofline {
namespace {

constexpr int kThreads = 256;
constexpr int kChains = 8;            // independent FMA chains per thread (hide latency)
constexpr int kFmaIterations = 4096;  // iterations of the chain loop per thread

using cuda::DeviceBuffer;

/// Owns a pair of CUDA events.
class EventPair {
 public:
  EventPair() {
    NANODECOH_CUDA_CHECK(cudaEventCreate(&start_));
    const cudaError_t code = cudaEventCreate(&stop_);
    if (code != cudaSuccess) cudaEventDestroy(start_);
    NANODECOH_CUDA_CHECK(code);
  }
  ~EventPair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;
  void record_start() { NANODECOH_CUDA_CHECK(cudaEventRecord(start_)); }
  void record_stop() { NANODECOH_CUDA_CHECK(cudaEventRecord(stop_)); }
  /// Seconds between the two events (waits for the stop event).
  double seconds() {
    NANODECOH_CUDA_CHECK(cudaEventSynchronize(stop_));
    float milliseconds = 0.0f;
    NANODECOH_CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start_, stop_));
    return 1e-3 * static_cast<double>(milliseconds);
  }

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

__global__ void fill_pattern(uint4* data, std::size_t count) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const auto v = static_cast<unsigned>(i);
    data[i] = make_uint4(v * 2654435761u, v ^ 0x9e3779b9u, v + 12345u, ~v);
  }
}

// Grid-stride copy, one 16-byte load and store per element and iteration.
__global__ void copy_16b(const uint4* __restrict__ source, uint4* __restrict__ target,
                         std::size_t count) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    target[i] = source[i];
}

__global__ void count_mismatches(const uint4* a, const uint4* b, std::size_t count,
                                 unsigned long long* bad) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const uint4 x = a[i];
    const uint4 y = b[i];
    if (x.x != y.x || x.y != y.y || x.z != y.z || x.w != y.w) atomicAdd(bad, 1ull);
  }
}

// kChains independent chains x <- x * a + b per thread; one store per thread keeps them live.
template <typename Real>
__global__ void fma_chains(Real* out, Real a, Real b) {
  const unsigned id = blockIdx.x * blockDim.x + threadIdx.x;
  Real x[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c) x[c] = static_cast<Real>(1 + ((id + c) & 7)) * Real(0.125);
  for (int it = 0; it < kFmaIterations; ++it) {
#pragma unroll
    for (int c = 0; c < kChains; ++c) {
      if constexpr (std::is_same_v<Real, float>)
        x[c] = fmaf(x[c], a, b);  // single-precision FFMA, no promotion to double
      else
        x[c] = fma(x[c], a, b);
    }
  }
  Real sum = 0;
#pragma unroll
  for (int c = 0; c < kChains; ++c) sum += x[c];
  out[id] = sum;
}

int device_blocks(int per_sm) {
  int device = 0;
  NANODECOH_CUDA_CHECK(cudaGetDevice(&device));
  int sms = 0;
  NANODECOH_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms * per_sm;
}

template <typename Real>
double device_fma_rate(int repeats) {
  const int blocks = device_blocks(16);
  const std::size_t threads = static_cast<std::size_t>(blocks) * kThreads;
  const DeviceBuffer<Real> out(threads);
  Real* out_ptr = out.get();
  const Real a = Real(0.999999);
  const Real b = Real(1e-6);
  fma_chains<Real><<<blocks, kThreads>>>(out_ptr, a, b);  // warm-up (module load)
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  EventPair events;
  std::vector<double> rates;
  const double flops =
      2.0 * kChains * static_cast<double>(kFmaIterations) * static_cast<double>(threads);
  for (int r = 0; r < repeats; ++r) {
    events.record_start();
    fma_chains<Real><<<blocks, kThreads>>>(out_ptr, a, b);
    NANODECOH_CUDA_CHECK_LAUNCH();
    events.record_stop();
    rates.push_back(flops / events.seconds());
  }
  Real first = 0;
  NANODECOH_CUDA_CHECK(cudaMemcpy(&first, out_ptr, sizeof(Real), cudaMemcpyDeviceToHost));
  if (!(first > 0))
    throw NumericalError("measure_device_fma_rate: FMA kernel produced a non-positive result");
  return median(rates);
}

void require_repeats(int repeats, const char* function) {
  if (repeats < 1)
    throw InvalidArgument(std::string(function) + ": repeats", std::to_string(repeats),
                          "an integer >= 1");
}

}  // namespace

double measure_device_copy_bandwidth(std::size_t bytes, int repeats) {
  require_repeats(repeats, "measure_device_copy_bandwidth");
  if (bytes < (std::size_t{1} << 20))
    throw InvalidArgument("measure_device_copy_bandwidth: bytes", std::to_string(bytes),
                          ">= 1 MiB");
  const std::size_t count = bytes / sizeof(uint4);
  const std::size_t used = count * sizeof(uint4);
  const DeviceBuffer<uint4> source(count), target(count);
  uint4* src = source.get();
  uint4* dst = target.get();
  const int blocks = device_blocks(8);
  fill_pattern<<<blocks, kThreads>>>(src, count);
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(
      cudaMemset(dst, 0xA5, used));                 // poison: a copy that skips elements is caught
  copy_16b<<<blocks, kThreads>>>(src, dst, count);  // warm-up
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());

  EventPair events;
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    events.record_start();
    copy_16b<<<blocks, kThreads>>>(src, dst, count);
    NANODECOH_CUDA_CHECK_LAUNCH();
    events.record_stop();
    rates.push_back(2.0 * static_cast<double>(used) / events.seconds());
  }
  const DeviceBuffer<unsigned long long> mismatches(1);
  unsigned long long* bad = mismatches.get();
  NANODECOH_CUDA_CHECK(cudaMemset(bad, 0, sizeof(unsigned long long)));
  count_mismatches<<<blocks, kThreads>>>(src, dst, count, bad);
  NANODECOH_CUDA_CHECK_LAUNCH();
  unsigned long long host_bad = 0;
  NANODECOH_CUDA_CHECK(cudaMemcpy(&host_bad, bad, sizeof(host_bad), cudaMemcpyDeviceToHost));
  if (host_bad != 0)
    throw NumericalError("measure_device_copy_bandwidth: " + std::to_string(host_bad) + " of " +
                         std::to_string(count) + " 16-byte elements were not copied");
  return median(rates);
}

double measure_device_fma_rate(Precision precision, int repeats) {
  require_repeats(repeats, "measure_device_fma_rate");
  switch (precision) {
    case Precision::float32:
      return device_fma_rate<float>(repeats);
    case Precision::float64:
      return device_fma_rate<double>(repeats);
  }
  throw InvalidArgument("measure_device_fma_rate: precision",
                        std::to_string(static_cast<int>(precision)), "float32 or float64");
}

}  // namespace nanodecoh::roofline
