// Reading TOML into specs (src/app/evolve_config.hpp, ftable_config.hpp): what the reader
// checks without physics (missing values, integer ranges, the time step against each segment,
// the cat's marked points) and that it agrees with the library's own validation.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/ftable_config.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

const char* kConfig = R"(
[particle]
mass = 1e-20
[[axes]]
name = "x"
points = 48
step = 1.0e-9
[initial]
kind = "cat"
width = 3.0e-9
separation = 12.0e-9
[time]
step = 1.0e-6
[[protocol]]
duration = 2.0e-4
[[protocol]]
duration = 1.0e-4
potential = "harmonic"
frequency = 1.0e3
[[channels]]
kind = "gaussian"
rate = 2000.0
length = 4.0e-9
)";

InvalidArgument read_error(io::Config config) {
  try {
    const EvolveInput input = read_evolve_input(config);
    evolution::validate(make_simulation_spec(input));
  } catch (const InvalidArgument& e) {
    return e;
  }
  ADD_FAILURE() << "no InvalidArgument";
  return InvalidArgument("", "", "");
}

io::Config config_with(const std::string& assignment) {
  io::Config c = io::Config::from_string(kConfig);
  if (!assignment.empty()) c.apply_override(assignment);
  return c;
}

TEST(EvolveConfig, ReadsTheSpecWithoutBuildingPhysics) {
  const EvolveInput input = read_evolve_input(config_with(""));
  ASSERT_EQ(input.spec.axes.size(), 1u);
  EXPECT_EQ(input.spec.axes[0].inertia, 1e-20);
  ASSERT_EQ(input.spec.channels.size(), 1u);
  const auto* gaussian = std::get_if<GaussianChannelSpec>(&input.spec.channels[0]);
  ASSERT_NE(gaussian, nullptr);
  EXPECT_EQ(gaussian->rate, 2000.0);
  EXPECT_EQ(input.names.channels.at(0).user_key("rate"), "channels[0].rate");
  // The cat's default marked points are its branch centres, +-separation/2: a halving is exact,
  // so EXPECT_DOUBLE_EQ (4 ulp) only allows for the centre's addition.
  ASSERT_EQ(input.spec.marked_points.size(), 2u);
  EXPECT_DOUBLE_EQ(input.spec.marked_points[0][0], -6e-9);
  EXPECT_DOUBLE_EQ(input.spec.marked_points[1][0], 6e-9);
}

TEST(EvolveConfig, EveryExampleConfigurationReads) {
  // Every examples/evolve_*.toml is a valid configuration (read and checked, physics not
  // built); the Janus example's body gives the mass and the moment about its rotation axis.
  std::size_t read = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(NANODECOH_SOURCE_DIR) + "/examples")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("evolve_", 0) != 0 || entry.path().extension() != ".toml") continue;
    // Reads the table that `nanodecoh ftable examples/ftable_rotation_grid.toml` writes first
    // (FTablePath.* runs that path end to end).
    if (name == "evolve_ftable_rotation.toml") continue;
    SCOPED_TRACE(name);
    const io::Config config = io::Config::from_file(entry.path().string());
    EvolveInput input;
    EXPECT_NO_THROW(input = read_evolve_input(config));
    ++read;
    if (name == "evolve_janus_rotation.toml") {
      ASSERT_TRUE(input.spec.particle.body);
      ASSERT_EQ(input.spec.axes.size(), 2u);
      // 2/5 M a^2 of a uniform sphere (a Janus body's mass distribution is the sphere's),
      // M = 2200 kg/m^3 4/3 pi a^3: rounding only, 1e-14 relative.
      const double a = 75e-9, mass = 2200.0 * 4.0 / 3.0 * 3.141592653589793 * a * a * a;
      EXPECT_NEAR(input.spec.axes[1].inertia, 0.4 * mass * a * a, 1e-14 * 0.4 * mass * a * a);
    }
  }
  EXPECT_GE(read, 4u);
}

TEST(EvolveConfig, MissingMassSaysMissing) {
  io::Config c = io::Config::from_string(std::string(kConfig).replace(
      std::string(kConfig).find("mass = 1e-20"), 12, "temperature = 1.0"));
  try {
    (void)read_evolve_input(c);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "particle.mass");
    EXPECT_EQ(e.value(), "missing");
  }
}

TEST(EvolveConfig, TimeStepLongerThanASegmentNamesBoth) {
  const InvalidArgument e = read_error(config_with("time.step=1.5e-4"));
  EXPECT_EQ(e.parameter(), "time.step");
  EXPECT_NE(e.allowed().find("protocol[1].duration = " + format_number(1e-4)), std::string::npos)
      << e.what();
  // A step equal to the shortest segment is one step there, and allowed.
  EXPECT_NO_THROW((void)read_evolve_input(config_with("time.step=1e-4")));
}

TEST(EvolveConfig, ChannelErrorsNameTheIndexedKey) {
  // GaussianChannel itself names "channels.rate"; the application adds the index.
  EXPECT_EQ(read_error(config_with("channels[0].rate=-1")).parameter(), "channels[0].rate");
  EXPECT_EQ(read_error(config_with("channels[0].length=0")).parameter(), "channels[0].length");
}

// The reader refuses a cat whose branch centres fall off the grid, naming initial.separation;
// it must agree with the library's own check of the marked points (which rounds each to the
// nearest grid point) for every separation: the library is the oracle.
TEST(EvolveConfig, OversizedSeparationAgreesWithTheLibrarysCheck) {
  for (int k = 40; k <= 52; ++k) {
    const double separation = k * 1e-9;
    io::Config c = config_with("initial.separation=" + format_number(separation));
    bool reader_accepts = true;
    EvolveInput input;
    try {
      input = read_evolve_input(c);
    } catch (const InvalidArgument& e) {
      reader_accepts = false;
      EXPECT_EQ(e.parameter(), "initial.separation") << e.what();
    }
    // The library's check on the marked points the reader would have made.
    io::Config unchecked = config_with("initial.separation=" + format_number(separation));
    unchecked.apply_override("initial.kind=gaussian");
    EvolveInput gaussian = read_evolve_input(unchecked);
    gaussian.spec.marked_points = {{-0.5 * separation}, {0.5 * separation}};
    bool library_accepts = true;
    try {
      evolution::validate(make_simulation_spec(gaussian));
    } catch (const InvalidArgument&) {
      library_accepts = false;
    }
    EXPECT_EQ(reader_accepts, library_accepts) << "separation " << separation;
  }
}

TEST(EvolveConfig, IntegersAreRangeCheckedBeforeNarrowing) {
  try {
    (void)read_evolve_input(config_with("axes[0].points=4294967300"));
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "axes[0].points");
    EXPECT_EQ(e.value(), "4294967300");
  }
  EXPECT_THROW((void)read_evolve_input(config_with("time.outputs=-3")), InvalidArgument);
}

TEST(FtableConfig, CountBeyondIntIsRefusedNotWrapped) {
  io::Config c = io::Config::from_file(std::string(NANODECOH_SOURCE_DIR) + "/examples/ftable.toml");
  c.apply_override("orientations.count=4294967300");  // 2^32 + 4: would wrap to 4
  try {
    (void)read_ftable_spec(c);
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "orientations.count");
    EXPECT_NE(e.allowed().find("2147483647"), std::string::npos);
  }
  c.apply_override("orientations.count=7");
  EXPECT_EQ(read_ftable_spec(c).orientations.count, 7);
}

}  // namespace
}  // namespace nanodecoh::app
