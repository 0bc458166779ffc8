// Tests of the roofline measurements used as ceilings by the benchmarks: they reject
// bad arguments by name, return finite positive rates, and the device versions
// throw NotCompiled in a CPU-only build or measure when a device is usable.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/error.hpp"
#include "roofline/roofline.hpp"
#include "run_cli.hpp"

namespace {

using nanodecoh::roofline::Precision;
constexpr std::size_t kMiB = std::size_t{1} << 20;

// These are plausibility ranges, not accuracy bounds (timings are never pass/fail): a unit or
// timer error (s vs ms vs ns: factors of 1e3 and more) must fail. Lower: 100 MB/s and
// 100 MFLOP/s (this loaded 2-core machine measured 2.5e10 B/s and 6.9e9 FLOP/s). Upper, 10x
// above what any machine attains: a host copies below 1e13 B/s and computes below 1e14 FLOP/s
// (hundreds of cores x ~1e11 FLOP/s); a GPU copies below 1e13 B/s (H200 HBM: 4.8e12) and
// computes below 1e15 FLOP/s (H200 FP32: 6.7e13).
constexpr double kHostBandwidthCeiling = 1e14, kHostFlopCeiling = 1e15;
constexpr double kDeviceBandwidthCeiling = 1e14, kDeviceFlopCeiling = 1e16;

TEST(HostRoofline, CopyBandwidthIsFinitePositive) {
  const double bandwidth = nanodecoh::roofline::measure_host_copy_bandwidth(16 * kMiB, 2);
  EXPECT_TRUE(std::isfinite(bandwidth));
  EXPECT_GT(bandwidth, 1e8);  // any machine copies faster than 100 MB/s
  EXPECT_LT(bandwidth, kHostBandwidthCeiling);
}

TEST(HostRoofline, FmaRateIsFinitePositiveInBothPrecisions) {
  for (Precision precision : {Precision::float32, Precision::float64}) {
    const double rate = nanodecoh::roofline::measure_host_fma_rate(precision, 1);
    EXPECT_TRUE(std::isfinite(rate));
    EXPECT_GT(rate, 1e8);
    EXPECT_LT(rate, kHostFlopCeiling);
  }
}

TEST(HostRoofline, RejectsBadArgumentsByName) {
  try {
    nanodecoh::roofline::measure_host_copy_bandwidth(1024, 1);
    FAIL() << "expected InvalidArgument";
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("measure_host_copy_bandwidth: bytes"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(nanodecoh::roofline::measure_host_fma_rate(Precision::float64, 0),
               nanodecoh::InvalidArgument);
}

TEST(DeviceRoofline, NotCompiledWithoutCuda) {
  if (nanodecoh::cuda_device_status().compiled)
    GTEST_SKIP() << "CUDA build: covered by MeasuresOnUsableDevice";
  EXPECT_THROW(nanodecoh::roofline::measure_device_copy_bandwidth(64 * kMiB, 1),
               nanodecoh::NotCompiled);
  EXPECT_THROW(nanodecoh::roofline::measure_device_fma_rate(Precision::float64, 1),
               nanodecoh::NotCompiled);
}

TEST(DeviceRoofline, MeasuresOnUsableDevice) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const double bandwidth = nanodecoh::roofline::measure_device_copy_bandwidth(256 * kMiB, 3);
  EXPECT_TRUE(std::isfinite(bandwidth));
  EXPECT_GT(bandwidth, 1e10);
  EXPECT_LT(bandwidth, kDeviceBandwidthCeiling);
  for (Precision precision : {Precision::float32, Precision::float64}) {
    const double rate = nanodecoh::roofline::measure_device_fma_rate(precision, 3);
    EXPECT_TRUE(std::isfinite(rate));
    EXPECT_GT(rate, 1e10);
    EXPECT_LT(rate, kDeviceFlopCeiling);
  }
}

}  // namespace
