// The inverse DFT of the exact method's transforms from chi over k to rho over the centres
// (exact_propagator.cpp, exact_axes.cpp): radix 2, in place, unnormalised, on host vectors.
#pragma once

#include <cmath>
#include <complex>
#include <utility>
#include <vector>

#include "nanodecoh/constants.hpp"

namespace nanodecoh::evolution {

/// exp(2 pi i j/M) for j < M/2: the twiddle factors of inverse_fft, computed directly (no
/// recurrence, so their rounding does not grow with M).
inline std::vector<std::complex<double>> fft_twiddles(std::size_t m) {
  std::vector<std::complex<double>> w(m / 2);
  for (std::size_t j = 0; j < m / 2; ++j) {
    const double angle = 2.0 * constants::pi * static_cast<double>(j) / static_cast<double>(m);
    w[j] = std::complex<double>(std::cos(angle), std::sin(angle));
  }
  return w;
}

/// In-place radix-2 DFT with exp(+2 pi i q s/M) (M a power of two), unnormalised; `twiddles`
/// from fft_twiddles(M). The butterflies on the real and imaginary parts as plain doubles (kept
/// in registers), the first stage (twiddle 1) without multiplications.
inline void inverse_fft(std::vector<std::complex<double>>& a,
                        const std::vector<std::complex<double>>& twiddles) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  double* p = reinterpret_cast<double*>(a.data());  // [re, im] pairs (std::complex layout)
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    double* x = p + 2 * i;
    const double ur = x[0], ui = x[1], vr = x[2], vi = x[3];
    x[0] = ur + vr;
    x[1] = ui + vi;
    x[2] = ur - vr;
    x[3] = ui - vi;
  }
  const double* w = reinterpret_cast<const double*>(twiddles.data());
  for (std::size_t len = 4; len <= n; len <<= 1) {
    const std::size_t stride = n / len, half = len / 2;  // twiddle j: exp(2 pi i j/len)
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t j = 0; j < half; ++j) {
        const double wr = w[2 * j * stride], wi = w[2 * j * stride + 1];
        double* x = p + 2 * (i + j);
        double* y = x + 2 * half;
        const double vr = y[0] * wr - y[1] * wi, vi = y[0] * wi + y[1] * wr;
        const double ur = x[0], ui = x[1];
        x[0] = ur + vr;
        x[1] = ui + vi;
        y[0] = ur - vr;
        y[1] = ui - vi;
      }
  }
}

}  // namespace nanodecoh::evolution
