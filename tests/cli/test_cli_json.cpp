// Contract of every `--json` output (issue: self-describing JSON): each subcommand's object
// carries its "inputs" and a unit for every number (tests/support/json_contract.hpp), and
// docs/usage.md names every key that the outputs have.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/json_units.hpp"
#include "evolve_test_configs.hpp"
#include "json_contract.hpp"
#include "run_cli.hpp"

namespace nanodecoh {
namespace {

using testing::expect_self_describing;
using testing::make_temp_dir;
using testing::run_cli;

nlohmann::json json_of(const std::vector<std::string>& args) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// A translation axis x and a libration axis phi of a 75 nm sphere (the ftable path tests'
// grid, smaller), free flight under a Gaussian channel on x.
const char* two_axis_config = R"(
[particle]
mass = 3.9e-18
moment_of_inertia = 8.8e-33
[[axes]]
kind = "translation"
name = "x"
points = 16
step = 5.0e-12
[[axes]]
kind = "rotation"
name = "phi"
mode = "libration"
points = 24
step = 2.0e-5
[initial]
kind = "cat"
axis = "phi"
width = 2.0e-5
separation = 8.0e-5
other_width = 6.0e-12
[time]
step = 2.0e-6
outputs = 3
[[protocol]]
duration = 2.0e-5
potential = "free"
[[channels]]
kind = "gaussian"
rate = 100.0
length = 2.0e-11
[output]
snapshots = 0
)";

// Every subcommand with --json, on small inputs; the keys of all their outputs.
std::set<std::string> all_output_keys(const std::string& dir) {
  std::set<std::string> keys;
  const auto add = [&](const nlohmann::json& j) {
    const auto k = expect_self_describing(j);
    keys.insert(k.begin(), k.end());
  };
  add(json_of({"device", "--json"}));
  add(json_of({"outgassing", "--q", "1e-5", "--unit", "torr-l-per-s-cm2", "--radius", "1e-7",
               "--temperature", "300", "--json"}));
  add(json_of({"localization", "--body", "sphere", "--radius", "5e-8", "--emitted-mass-amu", "18",
               "--outgassing", "1e-9", "--outgassing-unit", "pa-m3-per-s-m2", "--gas-temperature",
               "300", "--dx", "1e-10,0,0", "--angle", "1e-3", "--json"}));
  add(json_of({"rates", "--radius", "1e-7", "--chi-real", "-2.2e-5", "--chi-imag", "0",
               "--temperature", "300", "--permittivity", "5.7", "--density", "3510", "--dx", "1e-6",
               "--json"}));
  const std::string cat =
      write(dir + "/cat.toml", testing::small_cat_config(testing::free_segment("2.0e-6"), ""));
  add(json_of({"evolve", cat, "--out", dir + "/cat.h5", "--quiet", "--json"}));
  add(json_of({"budget", cat, "--time", "1e-3", "--json"}));
  const std::string two = write(dir + "/two_axes.toml", two_axis_config);
  const nlohmann::json rotation = json_of({"evolve", two, "--out", dir + "/two.h5", "--json"});
  add(rotation);
  add(json_of({"sweep", cat, "--vary", "initial.width=2e-9,3e-9", "--out", dir + "/sweep.h5",
               "--quiet", "--json"}));
  // The per-axis units follow the axis kind.
  const auto& axes = rotation["units"]["axes"];
  EXPECT_EQ(axes["x"]["mean"], "m");
  EXPECT_EQ(axes["x"]["momentum_variance"], "kg^2 m^2 s^-2");
  EXPECT_EQ(axes["phi"]["mean"], "rad");
  EXPECT_EQ(axes["phi"]["momentum_mean"], "J s");
  return keys;
}

TEST(JsonOutputs, EverySubcommandCarriesItsInputsAndAUnitForEveryNumber) {
  const std::set<std::string> keys = all_output_keys(make_temp_dir("cli_json_contract"));
  // docs/usage.md lists every key (in backticks) that any --json output has.
  const std::set<std::string> documented =
      testing::documented_keys(std::string(NANODECOH_SOURCE_DIR) + "/docs/usage.md");
  for (const std::string& key : keys)
    EXPECT_TRUE(documented.count(key)) << "docs/usage.md does not list the key `" << key << "`";
}

TEST(JsonOutputs, SpotUnitsFollowFromTheDefinitions) {
  const auto dir = make_temp_dir("cli_json_units");
  // F0 = -int Phi p (n, s x n) (desorption eq. 6): a force (N) and a torque (N m); D0 blocks
  // (P, J) of momentum x momentum / s (eq. 4).
  const nlohmann::json loc =
      json_of({"localization", "--body", "sphere", "--radius", "5e-8", "--emitted-mass-amu", "18",
               "--rate", "1000", "--dx", "1e-10,0,0", "--json"});
  EXPECT_EQ(loc["units"]["force_torque"][0], "N");
  EXPECT_EQ(loc["units"]["force_torque"][5], "N m");
  EXPECT_EQ(loc["units"]["diffusion_tensor"][0][0], "kg^2 m^2 s^-3");
  EXPECT_EQ(loc["units"]["diffusion_tensor"][0][3], "kg^2 m^3 s^-3");
  EXPECT_EQ(loc["units"]["diffusion_tensor"][4][4], "kg^2 m^4 s^-3");
  EXPECT_EQ(loc["units"]["re"], "s^-1");
  EXPECT_EQ(loc["inputs"]["dx"][0].get<double>(), 1e-10);
  EXPECT_EQ(loc["inputs"]["rate"].get<double>(), 1000.0);
  // The outgassing rate's unit is the one the user named.
  const nlohmann::json og = json_of({"outgassing", "--q", "1e-5", "--unit", "mbar-l-per-s-cm2",
                                     "--radius", "1e-7", "--temperature", "300", "--json"});
  EXPECT_EQ(og["units"]["q"], "mbar L s^-1 cm^-2");
  EXPECT_EQ(og["inputs"]["q"].get<double>(), 1e-5);
  // evolve's inputs are the configuration after --set, as stored in the result file.
  const std::string cat =
      write(dir + "/cat.toml", testing::small_cat_config(testing::free_segment("2.0e-6"), ""));
  const nlohmann::json ev = json_of({"evolve", cat, "--set", "initial.width=2.5e-9", "--out",
                                     dir + "/cat.h5", "--quiet", "--json"});
  EXPECT_NE(ev["inputs"]["config_toml"].get<std::string>().find("width = 2.5"), std::string::npos);
}

TEST(JsonOutputs, AnOutputKeyWithoutAUnitIsABug) {
  nlohmann::json out = {{"inputs", nlohmann::json::object()}, {"mystery_quantity", 1.0}};
  EXPECT_THROW(app::add_units(out), std::logic_error);
  // Strings and booleans need no unit; an override replaces the shared table's unit.
  nlohmann::json fine = {{"name", "x"}, {"flag", true}, {"separation", 1.0}};
  app::add_units(fine, {{"separation", "rad"}});
  EXPECT_EQ(fine["units"], nlohmann::json({{"separation", "rad"}}));
}

}  // namespace
}  // namespace nanodecoh
