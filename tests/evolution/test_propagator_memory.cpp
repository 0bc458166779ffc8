// The one memory formula of the propagator (propagator.hpp, docs/performance.md "Memory") and
// the 64-bit reductions of both backends (src/evolution/step_kernels.hpp).
//  - The formula is checked against the sizes of the buffers each backend holds, counted here
//    from the layout (rho, the three factor tables, the two offset arrays, exp(-F dt), the
//    cuFFT work area bound, the complex128 exchange copy and the staging buffer).
//  - count_non_finite counts 2^32 + 5 NaN elements (a stride-0 view over one NaN, so no 32 GiB
//    are needed): a 32-bit counter would give 5, and 0 at exactly 2^32 (issue: all_finite at
//    nk = 2^16). The CUDA twin is checked the same way when a device is usable.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "evolution/step_kernels.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;

namespace {

ne::PropagatorLayout layout_of(std::size_t points_x, std::size_t points_y) {
  ne::Axis x, y;
  x.name = "x";
  x.points = points_x;
  x.step = 1e-9;
  x.inertia = 1e-20;
  y = x;
  y.name = "y";
  y.points = points_y;
  return ne::PropagatorLayout::from_grid(ne::Grid({x, y}));
}

}  // namespace

TEST(PropagatorMemory, CountsEveryBufferOfEachBackend) {
  const auto layout = layout_of(12, 10);
  const std::size_t nk = 120, total = nk * nk;
  // A translation axis of n points has 2n - 1 differences: the table is 23 x 19.
  ASSERT_EQ(layout.table_size, 23u * 19u);
  for (const auto precision : {ne::Precision::complex128, ne::Precision::complex64}) {
    const std::size_t e = precision == ne::Precision::complex128 ? 16 : 8;
    const std::size_t rho = total * e;
    const std::size_t factor_tables = 3 * nk * e;               // half, full, potential
    const std::size_t offsets = 2 * nk * sizeof(std::int64_t);  // ket and bra offsets
    const std::size_t decay = layout.table_size * e;            // exp(-F dt)
    const std::size_t exchange = total * 16;                    // complex128 state()
    const std::size_t f_table = layout.table_size * 16;         // kept for set_segment
    const auto cpu = ne::estimate_memory(layout, precision, nanodecoh::Backend::cpu);
    EXPECT_EQ(cpu.state_bytes, rho);
    // FFTW transforms in place; the column sweeps copy blocks of at most 8 columns into one
    // scratch block per OpenMP thread.
    // (rows padded by one 64-byte cache line).
    EXPECT_EQ(cpu.fft_work_bytes, ne::cpu_propagator_threads() * 8 * (nk + 64 / e) * e);
    EXPECT_EQ(cpu.backend_bytes, rho + factor_tables + offsets + decay + cpu.fft_work_bytes);
    EXPECT_EQ(cpu.host_bytes, exchange + f_table + cpu.backend_bytes);
    const auto cuda = ne::estimate_memory(layout, precision, nanodecoh::Backend::cuda);
    EXPECT_EQ(cuda.state_bytes, rho);
    // One cuFFT work area shared by both plans, bounded by one state.
    EXPECT_EQ(cuda.fft_work_bytes, rho);
    EXPECT_EQ(cuda.backend_bytes, 2 * rho + factor_tables + offsets + decay);
    // Host: the exchange copy, the F table and one staging chunk (not a second full copy).
    EXPECT_EQ(cuda.host_bytes, exchange + f_table + ne::host_staging_elements * e);
  }
}

TEST(NonFiniteCount, CpuCountsPast2To32WithoutWrapping) {
  const std::complex<float> nan(std::numeric_limits<float>::quiet_NaN(), 0.0f);
  const std::complex<float> inf(0.0f, std::numeric_limits<float>::infinity());
  const std::complex<float> finite(1.0f, -2.0f);
  const std::uint64_t two32 = std::uint64_t{1} << 32;
  EXPECT_EQ(ne::count_non_finite(&nan, two32 + 5, 0), two32 + 5);
  EXPECT_EQ(ne::count_non_finite(&inf, 7, 0), 7u);
  EXPECT_EQ(ne::count_non_finite(&finite, 1000, 0), 0u);
  const std::complex<double> nan64(0.0, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(ne::count_non_finite(&nan64, 3, 0), 3u);
}

TEST(NonFiniteCount, CudaCountsPast2To32WithoutWrapping) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const std::uint64_t two32 = std::uint64_t{1} << 32;
  const std::complex<double> nan(std::numeric_limits<double>::quiet_NaN(), 0.0);
  EXPECT_EQ(ne::count_non_finite_on_device(nan, two32 + 5, ne::Precision::complex64), two32 + 5);
  EXPECT_EQ(ne::count_non_finite_on_device(nan, two32, ne::Precision::complex128), two32);
  EXPECT_EQ(ne::count_non_finite_on_device({1.0, 2.0}, 1000, ne::Precision::complex64), 0u);
}
