// The step kernels of the split-operator propagator, declared once for the CPU backend
// (cpu_propagator.cpp) and mirrored name for name by the CUDA backend
// (kernels/evolution/split_step.cu), docs/evolution.md "Backends":
//   apply_kinetic_factor:  rho(K; K') *= b_K conj(b_K')                  (kinetic half/full step)
//   apply_position_factor: rho(I; J)  *= a_I conj(a_J) D[ko_I + bo_J]    (potential and exp(-F dt))
//   count_non_finite, sum_norm, sum_diagonal: the reductions behind all_finite, purity, trace.
// Counts are 64-bit: a state of nk = 2^16 ket points has exactly 2^32 elements.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>

#include "nanodecoh/evolution/grid.hpp"

namespace nanodecoh::evolution {

/// rho(I; J) *= b_I conj(b_J) for I, J < nk (rho row-major nk x nk).
template <typename Real>
void apply_kinetic_factor(std::complex<Real>* rho, const std::complex<Real>* b, std::size_t nk);

/// rho(I; J) *= a_I conj(a_J) decay[ko_I + bo_J]; decay may be null (no table).
template <typename Real>
void apply_position_factor(std::complex<Real>* rho, const std::complex<Real>* a,
                           const std::complex<Real>* decay, const std::int64_t* ko,
                           const std::int64_t* bo, std::size_t nk);

/// Number of elements with a NaN or inf part among data[0], data[stride], ...,
/// data[(count - 1) stride] (stride 0 repeats data[0]: a view of any size over one element).
template <typename Real>
std::uint64_t count_non_finite(const std::complex<Real>* data, std::uint64_t count,
                               std::uint64_t stride);

/// sum |data[i]|^2 over count elements, accumulated in double.
template <typename Real>
double sum_norm(const std::complex<Real>* data, std::uint64_t count);

/// sum Re data[i (nk + 1)] for i < nk (the trace of an nk x nk matrix).
template <typename Real>
double sum_diagonal(const std::complex<Real>* data, std::uint64_t nk);

/// The CUDA twin of count_non_finite, on a device copy of `value` viewed `count` times with
/// stride 0 at `precision` (a test of the 64-bit device reduction at 2^32 elements without
/// 32 GiB). Throws NotCompiled in builds without CUDA.
std::uint64_t count_non_finite_on_device(std::complex<double> value, std::uint64_t count,
                                         Precision precision);

}  // namespace nanodecoh::evolution
