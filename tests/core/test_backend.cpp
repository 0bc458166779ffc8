// Backend selection: the device query, the announced CPU fallback and the
// refusal of an explicit CUDA request without a device.
#include <gtest/gtest.h>

#include <sstream>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/version.hpp"
#include "run_cli.hpp"

namespace nanodecoh {
namespace {

TEST(Backend, ParseChoices) {
  EXPECT_EQ(parse_backend_choice("auto"), BackendChoice::automatic);
  EXPECT_EQ(parse_backend_choice("cpu"), BackendChoice::cpu);
  EXPECT_EQ(parse_backend_choice("cuda"), BackendChoice::cuda);
  EXPECT_THROW(parse_backend_choice("gpu"), InvalidArgument);
}

TEST(Backend, StatusIsConsistentWithBuild) {
  const DeviceStatus& s = cuda_device_status();
  EXPECT_EQ(s.compiled, cuda_compiled);
  if (!s.usable) {
    EXPECT_FALSE(s.reason.empty());
  }
  if (s.usable) {
    EXPECT_GT(s.device_count, 0);
  }
}

TEST(Backend, CpuChoiceIsAlwaysCpu) {
  std::ostringstream notice;
  EXPECT_EQ(select_backend(BackendChoice::cpu, notice), Backend::cpu);
  EXPECT_TRUE(notice.str().empty());
}

TEST(Backend, AutoFallsBackToCpuWithoutDevice) {
  if (cuda_device_status().usable) GTEST_SKIP() << "a CUDA device is usable here";
  std::ostringstream notice;
  EXPECT_EQ(select_backend(BackendChoice::automatic, notice), Backend::cpu);
  if (cuda_compiled) {
    EXPECT_NE(notice.str().find("using the CPU backend"), std::string::npos) << notice.str();
    EXPECT_EQ(testing::count_lines(notice.str()), 1);
  }
}

TEST(Backend, ExplicitCudaWithoutDeviceThrows) {
  if (cuda_device_status().usable) GTEST_SKIP() << "a CUDA device is usable here";
  EXPECT_THROW(select_backend(BackendChoice::cuda), InvalidArgument);
}

TEST(Backend, AutoUsesCudaWhenUsable) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  EXPECT_EQ(select_backend(BackendChoice::automatic), Backend::cuda);
}

TEST(DeviceCommand, JsonReportsStatus) {
  const auto r = testing::run_cli({"device", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"cuda_compiled\""), std::string::npos);
}

TEST(Cli, UnknownSubcommandIsOneLineExit2) {
  const auto r = testing::run_cli({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
}

TEST(Cli, HelpExitsZero) {
  const auto r = testing::run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
}

}  // namespace
}  // namespace nanodecoh
