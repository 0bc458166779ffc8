// A mesh particle through the command line, as a user takes it: an OBJ box as
// `particle.body` of an `evolve` configuration whose `desorption` channel inherits it, run by
// `nanodecoh evolve`, then `nanodecoh budget` (with a Gaussian channel instead). Oracles: the
// box's volume abc, mass rho abc and inertia tensor about its centroid
// M diag(b^2 + c^2, c^2 + a^2, a^2 + b^2)/12 (closed forms, written here), and the evolved
// state's trace (1 to rounding, 4 u n).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "nanodecoh/localization/body.hpp"
#include "run_cli.hpp"

namespace nanodecoh {
namespace {

using testing::make_temp_dir;
using testing::run_cli;

constexpr double a = 100e-9, b = 60e-9, c = 40e-9;  // box edges (m)
constexpr double density = 2200.0;                  // kg/m^3, fused-silica's preset

std::string write_config(const std::string& dir) {
  localization::write_obj(dir + "/box.obj", localization::make_box(100.0, 60.0, 40.0));
  const std::string path = dir + "/box.toml";
  std::ofstream(path) << R"(
[particle]
material = "fused-silica"
temperature = 300.0
body = { kind = "mesh", mesh = ")" +
                             dir + R"(/box.obj", mesh_unit = "nm" }
[[axes]]
name = "x"
points = 16
step = 1.0e-12
[initial]
kind = "cat"
width = 1.0e-12
separation = 4.0e-12
[time]
step = 1.0e-6
[[protocol]]
duration = 1.0e-5
# The split operator needs the mesh engine's F at the grid's 31 differences; "auto" would pick
# the exact method, which tabulates it along the paths (~240 values at a quarter step): minutes.
method = "split"
[[channels]]
kind = "desorption"
rate = 1000.0
tolerance = 1.0e-4
[output]
final_state = false
)";
  return path;
}

TEST(ParticleBodyCli, MeshParticleRunsThroughEvolveAndBudget) {
  const std::string dir = make_temp_dir("cli_particle_body");
  const std::string config = write_config(dir);

  const auto evolve = run_cli({"evolve", config, "--out", dir + "/run.h5", "--json"});
  ASSERT_EQ(evolve.exit_code, 0) << evolve.err;
  const auto summary = nlohmann::json::parse(evolve.out);
  // 10 steps: rounding of the trace 4 u n = 4.4e-15; 1e-13 leaves the grid's sums room
  EXPECT_NEAR(summary["final"]["trace"].get<double>(), 1.0, 1e-13);
  const double purity = summary["final"]["purity"].get<double>();
  EXPECT_GT(purity, 0.0);
  EXPECT_LE(purity, 1.0 + 1e-13);
  bool mesh_channel = false;
  for (const auto& line : summary["derived"])
    if (line.get<std::string>().find("mesh") != std::string::npos) mesh_channel = true;
  EXPECT_TRUE(mesh_channel) << summary["derived"].dump();

  // The budget of the same particle; its channel is replaced by a cheap Gaussian one through
  // an inline-table --set, because the budget extends the engine channel's separations up
  // to saturation, which on a mesh body takes minutes (docs/usage.md, budget).
  const auto budget = run_cli({"budget", config, "--json", "--set",
                               "channels[0]={kind=\"gaussian\", rate=5.0, length=1e-9}"});
  ASSERT_EQ(budget.exit_code, 0) << budget.err;
  const auto particle = nlohmann::json::parse(budget.out)["inputs"]["particle"];
  EXPECT_EQ(particle["body"].get<std::string>(), "mesh");
  // exact polyhedral integrals of a box: rounding of a few sums, 1e-14 relative
  const double volume = a * b * c, mass = density * volume;
  EXPECT_NEAR(particle["volume"].get<double>(), volume, 1e-14 * volume);
  EXPECT_NEAR(particle["mass"].get<double>(), mass, 1e-14 * mass);
  const double edges[3] = {a, b, c};
  const auto& tensor = particle["inertia_tensor"];
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double expected = i == j ? mass *
                                           (edges[(i + 1) % 3] * edges[(i + 1) % 3] +
                                            edges[(i + 2) % 3] * edges[(i + 2) % 3]) /
                                           12.0
                                     : 0.0;
      const double scale = mass * a * a / 12.0;
      EXPECT_NEAR(tensor[i][j].get<double>(), expected, 1e-13 * scale) << i << "," << j;
    }
}

}  // namespace
}  // namespace nanodecoh
