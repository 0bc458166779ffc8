// Contract tests of `nanodecoh budget` (src/app/budget.hpp, docs/usage.md): every row of a
// channel equals that channel's own F at the row's separation (oracles: the Gaussian closed
// form Gamma [1 - exp(-d^2/(4 a^2))], the rates library's per-process photon F summed over
// scattering, absorption and emission, the desorbing sphere's rate from its outgassing rate
// q/(k_B T) 4 pi a^2 and its saturation at that rate), the total is their sum, the coherence
// column is exp(-F T), the JSON carries its inputs and a unit for every number, and bad input
// is one line naming the flag or key with exit code 2.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_contract.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/material_response.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"
#include "run_cli.hpp"

namespace nanodecoh {
namespace {

using testing::count_lines;
using testing::make_temp_dir;
using testing::run_cli;

const char* kConfig = R"(
[particle]
radius = 5.0e-8
density = 2200.0
temperature = 400.0
[[axes]]
name = "x"
points = 64
step = 2.0e-9
[initial]
kind = "cat"
width = 6.0e-9
separation = 40.0e-9
[time]
step = 1.0e-6
[[protocol]]
duration = 2.0e-4
[[protocol]]
duration = 1.0e-4
[[channels]]
kind = "gaussian"
rate = 300.0
length = 1.0e-8
[[channels]]
kind = "dielectric"
permittivity = 5.7
temperature = 300.0
[[channels]]
kind = "desorption_sphere"
outgassing = 1.0e-9
outgassing_unit = "pa-m3-per-s-m2"
)";

std::string write_config(const std::string& dir) {
  const std::string path = dir + "/run.toml";
  std::ofstream(path) << kConfig;
  return path;
}

nlohmann::json budget_json(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"budget"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back("--json");
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 1);
  return nlohmann::json::parse(r.out);
}

void expect_one_line_error(const std::vector<std::string>& args, const std::string& must_contain) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(testing::without_backend_notice(r.err)), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
}

TEST(CliBudget, RowsAreTheChannelsOwnFAndCoherenceIsExpMinusFT) {
  const std::string cfg = write_config(make_temp_dir("cli_budget_rows"));
  const double time = 2.5e-3;
  const nlohmann::json j = budget_json({cfg, "--time", "2.5e-3"});
  ASSERT_EQ(j["channels"].size(), 3u);
  EXPECT_EQ(j["time"].get<double>(), time);
  const std::vector<double> d = j["separation"];
  ASSERT_GT(d.size(), 64u);  // the grid's 64 separations and rows beyond it
  EXPECT_EQ(d[0], 0.0);
  const DipoleSphere sphere{DipoleKind::electric, 5.0e-8, MaterialResponse::constant({5.7, 0.0})};
  const PhotonTemperatures temperatures{300.0, 400.0};  // T_internal from particle.temperature
  const double a = 5.0e-8;
  const double gamma_desorption =
      1.0e-9 / (constants::k_boltzmann * 400.0) * 4.0 * constants::pi * a * a;
  const auto& g = j["channels"][0];
  const auto& e = j["channels"][1];
  const auto& s = j["channels"][2];
  // Tolerances: the JSON carries 17 digits (exact round trip). A closed form evaluated twice
  // agrees to a few ulp of its largest term: 300 (1 - exp(...)) to a few ulp of 300 (5.7e-14
  // each): 2e-12; Gamma x^2/(4 l^2) to 1e-14 relative; sums and exp(-F T) to a few ulp
  // (measured 0 to 1.4e-14 absolute).
  for (std::size_t r = 0; r < d.size(); r += 7) {
    const double x = d[r];
    const double gauss = 300.0 * (1.0 - std::exp(-x * x / (4e-16)));
    EXPECT_NEAR(g["decoherence_rate"][r].get<double>(), gauss, 2e-12) << x;
    EXPECT_NEAR(g["decoherence_rate_longwave"][r].get<double>(), 300.0 * x * x / 4e-16,
                1e-14 * (1.0 + 300.0 * x * x / 4e-16));
    double photon = 0.0;
    for (PhotonChannel c :
         {PhotonChannel::scattering, PhotonChannel::absorption, PhotonChannel::emission})
      photon += photon_channel_decoherence_rate(sphere, c, temperatures, x);
    // The same library calls, summed: a few ulp (measured 0).
    EXPECT_NEAR(e["decoherence_rate"][r].get<double>(), photon, 1e-14 * photon + 1e-300) << x;
    double total = 0.0;
    for (const auto& c : j["channels"]) {
      const double f = c["decoherence_rate"][r];
      EXPECT_GE(f, 0.0);
      EXPECT_NEAR(c["coherence"][r].get<double>(), std::exp(-f * time), 1e-15);
      total += f;
    }
    EXPECT_NEAR(j["total"]["decoherence_rate"][r].get<double>(), total, 1e-15 * total);
    // Upper bounds for the two channels with a rate (the photon row is pinned above): the
    // Gaussian F <= Gamma; the desorbing sphere's F = Gamma (1 - <sinc>) <= 2 Gamma, and above
    // Gamma where <sinc> < 0 (k_T d > 3.03), so Gamma itself is no bound.
    EXPECT_LE(g["decoherence_rate"][r].get<double>(), 300.0);
    EXPECT_LE(s["decoherence_rate"][r].get<double>(), 2.0 * gamma_desorption);
    EXPECT_NEAR(j["total"]["coherence"][r].get<double>(), std::exp(-total * time), 1e-15);
  }
  // F(0) = 0; the desorbing sphere saturates at its outgassing rate far beyond the grid.
  for (const auto& c : j["channels"]) EXPECT_EQ(c["decoherence_rate"][0].get<double>(), 0.0);
  // At the last row (d = 1.3e-4 m, k_T d ~ 2e7) 1 - F/Gamma = <sinc> = O((k_T d)^-4) ~ 1e-29:
  // only rounding is left (measured 2.2e-16 relative); bound 1e-14 relative.
  EXPECT_NEAR(s["decoherence_rate"].back().get<double>(), gamma_desorption,
              1e-14 * gamma_desorption);
  EXPECT_TRUE(j["extension_note"].get<std::string>().empty()) << j["extension_note"];
  // The superposition row is the cat's separation.
  EXPECT_EQ(j["superposition"]["separation"].get<double>(), 40.0e-9);
  EXPECT_EQ(j["inputs"]["time"].get<double>(), time);
  EXPECT_EQ(j["inputs"]["time_origin"].get<std::string>(), "--time");
}

TEST(CliBudget, DefaultTimeIsTheProtocolsDurationAndDxAddsARow) {
  const std::string cfg = write_config(make_temp_dir("cli_budget_default"));
  const nlohmann::json j = budget_json({cfg, "--dx", "3.3e-9"});
  // 2e-4 + 1e-4: one rounding, <= 1 ulp (5.4e-20, measured 1 ulp); bound 3e-19.
  EXPECT_NEAR(j["time"].get<double>(), 3.0e-4, 3e-19);
  const auto& sup = j["superposition"];
  EXPECT_EQ(sup["separation"].get<double>(), 3.3e-9);
  const double f = sup["total"]["decoherence_rate"];
  EXPECT_NEAR(sup["total"]["coherence"].get<double>(), std::exp(-f * 3.0e-4), 1e-15);
  const double gauss = 300.0 * (1.0 - std::exp(-3.3e-9 * 3.3e-9 / 4e-16));
  EXPECT_NEAR(sup["channels"][0]["decoherence_rate"].get<double>(), gauss, 2e-12);  // as above
}

TEST(CliBudget, JsonHasAUnitForEveryNumber) {
  const std::string cfg = write_config(make_temp_dir("cli_budget_units"));
  const nlohmann::json j = budget_json({cfg});
  testing::expect_self_describing(j);  // tests/support/json_contract.hpp
  const auto& units = j["units"];
  EXPECT_EQ(units["separation"], "m");
  EXPECT_EQ(units["decoherence_rate"], "s^-1");
  EXPECT_EQ(units["coherence"], "1");
  // rho 4/3 pi a^3 (9.2e-19 kg) to a few ulp: 1e-14 relative.
  EXPECT_NEAR(j["inputs"]["particle"]["mass"].get<double>(),
              2200.0 * 4.0 / 3.0 * constants::pi * 1.25e-22, 1e-14 * 9.2e-19);
}

TEST(CliBudget, BadInputIsOneLineNamingTheFlagOrKey) {
  const std::string dir = make_temp_dir("cli_budget_bad");
  const std::string cfg = write_config(dir);
  expect_one_line_error({"budget", cfg, "--time", "-1"}, "--time");
  expect_one_line_error({"budget", cfg, "--time", "0"}, "--time");
  expect_one_line_error({"budget", cfg, "--dx", "0"}, "--dx");
  expect_one_line_error({"budget", cfg, "--time", "abc"}, "--time");
  expect_one_line_error({"budget", cfg, "--plot", dir + "/missing/b.png"}, "--plot");
  expect_one_line_error({"budget", cfg, "--set", "particle.radius=-1e-8"}, "particle.radius");
  expect_one_line_error({"budget", cfg, "--set", "particle.mass=1e-20"}, "particle.mass");
  expect_one_line_error({"budget", cfg, "--set", "channels[2].outgassing_unit=\"furlongs\""},
                        "channels[2].outgassing_unit");
  expect_one_line_error({"budget", cfg, "--set", "channels[1].colour=\"red\""},
                        "channels[1].colour");
}

TEST(CliBudget, PlotWritesAPng) {
  const std::string dir = make_temp_dir("cli_budget_plot");
  const std::string cfg = write_config(dir);
  const auto r = run_cli({"budget", cfg, "--plot", dir + "/b.png"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream png(dir + "/b.png", std::ios::binary);
  const std::string head(std::istreambuf_iterator<char>(png), {});
  ASSERT_GT(head.size(), 8u);
  EXPECT_EQ(head.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace nanodecoh
