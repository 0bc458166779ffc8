// Memory before allocation (resources.hpp): sizes parse with their units, the
// refusal names the estimate and --max-memory, and the refusals of `evolve` (a
// 1e5-point axis) and `ftable` (100000 orientations, a fine mesh) happen before
// the allocation: the peak resident size (getrusage ru_maxrss) stays small.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/localization/body.hpp"
#include "nanodecoh/resources.hpp"
#include "run_cli.hpp"

namespace {
using namespace nanodecoh;

/// Peak resident size in bytes (ru_maxrss is in KiB on Linux).
double peak_rss_bytes(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

// A refused run may parse its input and start up; 300 MB is far above that
// (the CLI starts at ~20 MB) and far below any of the refused allocations (>= 8 GB).
constexpr double small_peak = 300e6;

TEST(Resources, MemorySizesParseWithTheirUnits) {
  EXPECT_EQ(parse_memory_size("1e9"), 1000000000u);
  EXPECT_EQ(parse_memory_size("512M"), 512000000u);
  EXPECT_EQ(parse_memory_size("8G"), 8000000000u);
  EXPECT_EQ(parse_memory_size("8GB"), 8000000000u);
  EXPECT_EQ(parse_memory_size("2GiB"), 2u * 1024u * 1024u * 1024u);
  EXPECT_EQ(parse_memory_size("1.5k"), 1500u);
  for (const char* bad : {"", "G", "-1G", "0", "8X", "8GBB", "nan", "1e30"})
    EXPECT_THROW(parse_memory_size(bad), InvalidArgument) << bad;
  EXPECT_EQ(format_bytes(12.9e9), "12.9 GB");
  EXPECT_EQ(format_bytes(999), "999 B");
}

TEST(Resources, RefusalNamesTheEstimateAndTheOverride) {
  try {
    require_memory(2e12, "a table", "use fewer points", 1000000000);
    FAIL() << "2 TB allowed under --max-memory 1 GB";
  } catch (const OutOfMemory& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("a table needs about 2 TB, more than --max-memory 1 GB"), std::string::npos)
        << what;
    EXPECT_NE(what.find("use fewer points"), std::string::npos) << what;
  }
  // The override allows more than is available (1 byte more than MemAvailable).
  const double available = static_cast<double>(available_memory_bytes());
  ASSERT_GT(available, 0);
  EXPECT_THROW(require_memory(available * 2, "x", "y"), OutOfMemory);
  EXPECT_NO_THROW(require_memory(available * 2, "x", "y", static_cast<std::size_t>(available * 3)));
}

TEST(Resources, EvolveRefusesAHugeGridBeforeAllocating) {
  const auto config = io::Config::from_string(R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 100000
step = 1.0e-12
[initial]
kind = "gaussian"
axis = "x"
width = 3.0e-9
[time]
step = 1.0e-6
outputs = 1
[[protocol]]
duration = 1.0e-5
potential = "free"
)");
  auto spec = app::make_simulation_spec(app::read_evolve_input(config));
  spec.output.file.clear();
  const double before = peak_rss_bytes(RUSAGE_SELF);
  // rho alone would be 1e10 elements, 160 GB: refused on any machine this suite runs on.
  EXPECT_THROW((void)evolution::run_simulation(spec, Backend::cpu, {}), OutOfMemory);
  EXPECT_LT(peak_rss_bytes(RUSAGE_SELF) - before, small_peak);
}

TEST(Resources, EvolveCliRefusesBeforeBuildingTheGridAndHonoursMaxMemory) {
  // 1e9 points: rho would be 1e18 elements. Refused from the axis sizes alone, before the
  // grid's offset tables (16 bytes per ket point, 16 GB here) are allocated.
  const std::string dir = nanodecoh::testing::make_temp_dir("resources_evolve");
  const auto r = nanodecoh::testing::run_cli(
      {"evolve", "--set", "axes[0].points=1000000000", "--out", dir + "/e.h5", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = nanodecoh::testing::without_backend_notice(r.err);
  EXPECT_EQ(nanodecoh::testing::count_lines(err), 1) << err;
  EXPECT_NE(err.find("density matrix (1e+09^2"), std::string::npos) << err;
  EXPECT_LT(peak_rss_bytes(RUSAGE_CHILDREN), small_peak);
  // --max-memory below what the built-in scenario needs (256^2 complex128 = 1 MiB of rho
  // alone, plus tables and host copies) refuses it, naming the flag.
  const auto tight = nanodecoh::testing::run_cli(
      {"evolve", "--out", dir + "/e.h5", "--quiet", "--max-memory", "2M"});
  EXPECT_EQ(tight.exit_code, 2) << tight.err;
  EXPECT_NE(tight.err.find("more than --max-memory"), std::string::npos) << tight.err;
}

TEST(Resources, FtableRefusesAHugeTableBeforeAllocating) {
  const std::string dir = nanodecoh::testing::make_temp_dir("resources_ftable");
  const std::string example = std::string(NANODECOH_SOURCE_DIR) + "/examples/ftable.toml";
  // 1e5 x 1e5 orientations x 512 displacements: 1e10 pairs, terabytes.
  const auto r = nanodecoh::testing::run_cli(
      {"ftable", example, "--out", dir + "/t.h5", "--set", "orientations.count=100000", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = nanodecoh::testing::without_backend_notice(r.err);
  EXPECT_EQ(nanodecoh::testing::count_lines(err), 1) << err;
  EXPECT_NE(err.find("100000 x 100000 orientations x 512 displacements needs about"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("--max-memory"), std::string::npos) << err;
  // RUSAGE_CHILDREN: the largest child this test process has waited for.
  EXPECT_LT(peak_rss_bytes(RUSAGE_CHILDREN), small_peak);
  // A bad --max-memory names the flag.
  const auto bad = nanodecoh::testing::run_cli(
      {"ftable", example, "--out", dir + "/t.h5", "--max-memory", "lots", "--quiet"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--max-memory = lots"), std::string::npos) << bad.err;
}

TEST(Resources, FtableCountsTheMeshNodes) {
  // 20480 triangles (icosphere, 5 subdivisions): node sets of at least 20480 * 3 * (16 + 36)
  // nodes of 112 bytes = 358 MB, above a --max-memory of 100 MB.
  const std::string dir = nanodecoh::testing::make_temp_dir("resources_mesh");
  localization::write_obj(dir + "/ball.obj", localization::make_icosphere(75e-9, 5));
  std::ofstream(dir + "/mesh.toml")
      << "[body]\nkind = \"mesh\"\nmesh = \"" + dir + "/ball.obj\"\n" + R"(
[emission]
emitted_mass_amu = 18.0
rate = 1.0
[spectrum]
kind = "thermal"
surface_temperature = 300.0
[orientations]
kind = "periodic"
count = 1
[displacements]
kind = "line"
count = 1
step = 1e-12
)";
  const auto r = nanodecoh::testing::run_cli(
      {"ftable", dir + "/mesh.toml", "--out", dir + "/t.h5", "--max-memory", "100M", "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("on a mesh of 20480 triangles needs about"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("more than --max-memory 100 MB"), std::string::npos) << r.err;
}

TEST(Resources, LocalizationCountsTheMeshNodes) {
  // The same 20480-triangle mesh for one value of `localization`: refused before the node
  // sets are built, naming the flag; a bad --max-memory names the flag too.
  const std::string dir = nanodecoh::testing::make_temp_dir("resources_mesh_localization");
  localization::write_obj(dir + "/ball.obj", localization::make_icosphere(75e-9, 5));
  const std::vector<std::string> args = {
      "localization", "--body", "mesh", "--mesh", dir + "/ball.obj", "--emitted-mass-amu",
      "18",           "--rate", "1",    "--dx",   "1e-9,0,0"};
  auto tight = args;
  tight.insert(tight.end(), {"--max-memory", "100M"});
  const auto r = nanodecoh::testing::run_cli(tight);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = nanodecoh::testing::without_backend_notice(r.err);
  EXPECT_EQ(nanodecoh::testing::count_lines(err), 1) << err;
  EXPECT_NE(err.find("localization: one value on a mesh of 20480 triangles needs about"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("more than --max-memory 100 MB"), std::string::npos) << err;
  EXPECT_LT(peak_rss_bytes(RUSAGE_CHILDREN), small_peak);
  auto bad = args;
  bad.insert(bad.end(), {"--max-memory", "lots"});
  const auto b = nanodecoh::testing::run_cli(bad);
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("--max-memory = lots"), std::string::npos) << b.err;
}

TEST(Resources, DurationsParseWithTheirUnits) {
  EXPECT_EQ(parse_duration("90"), 90.0);
  EXPECT_EQ(parse_duration("90s"), 90.0);
  EXPECT_EQ(parse_duration("1.5m"), 90.0);
  EXPECT_EQ(parse_duration("2h"), 7200.0);
  EXPECT_EQ(parse_duration("1d"), 86400.0);
  EXPECT_EQ(parse_duration("1e-3"), 1e-3);
  for (const char* bad : {"", "s", "-1", "0", "5x", "5ms", "1hh", "nan", "inf", "1e400"})
    EXPECT_THROW(parse_duration(bad), InvalidArgument) << bad;
  EXPECT_EQ(format_duration(42.4), "42s");
  EXPECT_EQ(format_duration(0.25), "0.25s");
  EXPECT_EQ(format_duration(750), "12m30s");
  EXPECT_EQ(format_duration(3 * 3600 + 5 * 60 + 10), "3h05m");
  EXPECT_EQ(format_duration(std::nan("")), "?");
}

TEST(Resources, TimeRefusalNamesTheEstimateAndTheFlag) {
  try {
    require_time(7200, "a table", "use fewer values", 60);
    FAIL() << "2 h allowed under --max-time 1 min";
  } catch (const TimeLimit& e) {
    EXPECT_STREQ(e.what(),
                 "a table needs about 2h00m, more than --max-time 1m00s: use fewer "
                 "values, or raise --max-time");
  }
  EXPECT_NO_THROW(require_time(7200, "a table", "use fewer values", 0));  // 0: no limit
  EXPECT_NO_THROW(require_time(30, "a table", "use fewer values", 60));
}

TEST(Resources, FtableRefusesATableOverMaxTimeAndWritesNothing) {
  // 4 x 4 orientations x 16 displacements of the reference sphere: 4 relative angles x 9
  // distances |dX| = 36 distinct geometries, more than the 8-value sample, so the estimate is
  // made; any table takes longer than 1 ns, so --max-time 1e-9 refuses it after the sample.
  const std::string dir = nanodecoh::testing::make_temp_dir("resources_ftable_time");
  const std::string example = std::string(NANODECOH_SOURCE_DIR) + "/examples/ftable.toml";
  const std::vector<std::string> args = {"ftable", example,
                                         "--out",  dir + "/t.h5",
                                         "--set",  "orientations.count=4",
                                         "--set",  "displacements.count=16",
                                         "--set",  "numerics.tolerance=1e-4",
                                         "--quiet"};
  auto tight = args;
  tight.insert(tight.end(), {"--max-time", "1e-9"});
  const auto r = nanodecoh::testing::run_cli(tight);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = nanodecoh::testing::without_backend_notice(r.err);
  EXPECT_EQ(nanodecoh::testing::count_lines(err), 1) << err;
  EXPECT_NE(err.find("ftable: 36 values (timed on 8) needs about"), std::string::npos) << err;
  EXPECT_NE(err.find("more than --max-time 1e-09s"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/t.h5"));
  // A generous limit lets the same table through.
  auto loose = args;
  loose.insert(loose.end(), {"--max-time", "1d"});
  const auto ok = nanodecoh::testing::run_cli(loose);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/t.h5"));
  // A bad --max-time names the flag, before any work.
  auto bad = args;
  bad.insert(bad.end(), {"--max-time", "soon"});
  const auto b = nanodecoh::testing::run_cli(bad);
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("--max-time = soon"), std::string::npos) << b.err;
}

}  // namespace
