// Internal: measured performance ceilings (roofline) of the device and the host.
// bench/bench_roofline.cpp reports them, and the other benchmarks divide their
// achieved bandwidth and FLOP rate by them ("fraction of peak"). Measured, not
// datasheet numbers: a large copy counts bytes read plus bytes written, an FMA
// loop counts 2 FLOP per fused multiply-add.
//
// Device functions are implemented in kernels/roofline/roofline.cu (timed with
// CUDA events, every call checked) and throw NotCompiled in builds without CUDA
// (roofline_unavailable.cpp); host functions in host_roofline.cpp (OpenMP).
#pragma once

#include <cstddef>

namespace nanodecoh::roofline {

/// Floating-point width of an FMA-rate measurement.
enum class Precision { float32, float64 };

/// Device-to-device copy bandwidth of a kernel with 16-byte accesses over a buffer
/// of `bytes` bytes, in bytes/s with read + write counted (2 * bytes per pass).
/// Median over `repeats` passes after one warm-up pass.
/// Throws NotCompiled without CUDA, CudaError on any failed call, InvalidArgument
/// for bytes < 1 MiB or repeats < 1.
double measure_device_copy_bandwidth(std::size_t bytes, int repeats);

/// Device FMA throughput in FLOP/s (2 per FMA): every multiprocessor is filled with
/// threads running independent FMA chains. Median over `repeats` launches.
double measure_device_fma_rate(Precision precision, int repeats);

/// Host copy bandwidth (OpenMP threads, each copying its slice with memcpy) in bytes/s,
/// read + write counted. Median over `repeats` passes after one warm-up.
double measure_host_copy_bandwidth(std::size_t bytes, int repeats);

/// Host FMA-loop throughput in FLOP/s (2 per multiply-add) over all OpenMP threads,
/// for the instruction set this build targets (no -march=native: what project code attains).
double measure_host_fma_rate(Precision precision, int repeats);

}  // namespace nanodecoh::roofline
