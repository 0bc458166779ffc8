// Contract tests of `nanodecoh rates` (docs/rates.md): JSON keys, the readable table,
// and one line on stderr + exit code 2 for each kind of bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_contract.hpp"
#include "run_cli.hpp"

namespace nanodecoh {
namespace {

using testing::count_lines;
using testing::run_cli;

// The default nanodiamond scenario of docs/rates.md, as (flag, value) pairs.
std::vector<std::pair<std::string, std::string>> scenario() {
  return {{"--radius", "1e-7"},     {"--chi-real", "-2.2e-5"}, {"--chi-imag", "0"},
          {"--temperature", "300"}, {"--permittivity", "5.7"}, {"--density", "3510"},
          {"--dx", "1e-6"}};
}

std::vector<std::string> args_with(const std::string& flag = "", const std::string& value = "",
                                   bool drop = false) {
  std::vector<std::string> args{"rates"};
  bool replaced = false;
  for (const auto& [f, v] : scenario()) {
    if (f == flag) {
      replaced = true;
      if (drop) continue;
      args.push_back(f + "=" + value);
    } else {
      args.push_back(f);
      args.push_back(v);
    }
  }
  if (!flag.empty() && !replaced && !drop) args.push_back(flag + "=" + value);
  return args;
}

void expect_one_line_error(const std::vector<std::string>& args, const std::string& must_contain) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(nanodecoh::testing::without_backend_notice(r.err)), 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(must_contain), std::string::npos) << r.err;
}

TEST(CliRates, JsonHasTheContractKeys) {
  std::vector<std::string> args = args_with();
  args.push_back("--json");
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines(r.out), 1);
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"momentum_diffusion", "momentum_diffusion_scattering", "momentum_diffusion_absorption",
        "localization_parameter", "decoherence_rate_longwave", "decoherence_rate",
        "decoherence_rate_saturated", "drag_coefficient", "fdt_ratio"}) {
    ASSERT_TRUE(j["magnetic"].contains(key)) << key;
    EXPECT_TRUE(j["magnetic"][key].is_number()) << key;
    EXPECT_TRUE(std::isfinite(j["magnetic"][key].get<double>())) << key;
  }
  for (const char* key : {"decoherence_rate_longwave", "decoherence_rate", "drag_coefficient"})
    EXPECT_TRUE(j["dielectric"][key].is_number()) << key;
  ASSERT_TRUE(j["ratio_decoherence_magnetic_to_dielectric"].is_number());
  // Cross-checks that need no library call: (M 33) and the (M 62) formula. The JSON carries 17
  // significant digits (exact round trip), so a closed-form relation holds to the rounding of
  // its few operations: a few ulp, bound 1e-14 relative (kClosed).
  constexpr double kClosed = 1e-14;
  const auto& m = j["magnetic"];
  const double hbar = 1.054571817e-34;
  EXPECT_NEAR(m["localization_parameter"].get<double>(),
              m["momentum_diffusion"].get<double>() / (2 * hbar * hbar),
              kClosed * m["localization_parameter"].get<double>());
  const double g = -2.2e-5 / (3 - 2.2e-5), e = 4.7 / 7.7;
  // Consistent rates: the same frequency integral for both dipoles, so the ratio is g^2/e^2 up
  // to the radiative correction of the dielectric polarizability, |1 - i k^3 alpha0/6pi|^-2 - 1
  // ~ (k^3 alpha0/6pi)^2: with alpha0 = 4 pi a^3 e = 7.7e-21 m^3 (a = 100 nm) and <k^6> =
  // kappa^6 Gamma(15) zeta(14)/(Gamma(9) zeta(8)) = 2.2e6 kappa^6 (kappa = 1.31e5/m at 300 K)
  // under the weight u^8 n (1 + n), 1.8e-6 (measured 1.8e-6); bound 1e-5.
  EXPECT_NEAR(j["ratio_decoherence_magnetic_to_dielectric"].get<double>(), g * g / (e * e),
              1e-5 * g * g / (e * e));
  EXPECT_NEAR(j["magnetic"]["decoherence_rate_longwave"].get<double>() /
                  j["dielectric"]["decoherence_rate_longwave"].get<double>(),
              j["ratio_decoherence_magnetic_to_dielectric"].get<double>(),
              kClosed * g * g / (e * e));
  // (M 62) with the SI polarizability, in the paper block.
  EXPECT_NEAR(j["paper"]["ratio_decoherence_magnetic_to_dielectric"].get<double>(), g * g / (e * e),
              kClosed * g * g / (e * e));
  // Fluctuation-dissipation: 1 for the consistent rates (diffusion and drag are two quadratures
  // of 1e-12 relative each: 5e-12), 2/beta = 4 for the paper's closed forms (kClosed).
  EXPECT_NEAR(m["fdt_ratio"].get<double>(), 1.0, 5e-12);
  EXPECT_NEAR(j["dielectric"]["fdt_ratio"].get<double>(), 1.0, 5e-12);
  EXPECT_NEAR(j["paper"]["magnetic"]["fdt_ratio"].get<double>(), 4.0, 4.0 * kClosed);
  // Channels add up; F long-wave is Lambda dx^2.
  const auto& c = j["dielectric"]["channels"];
  EXPECT_NEAR(c["scattering"]["decoherence_rate"].get<double>() +
                  c["absorption"]["decoherence_rate"].get<double>() +
                  c["emission"]["decoherence_rate"].get<double>(),
              j["dielectric"]["decoherence_rate"].get<double>(),
              kClosed * j["dielectric"]["decoherence_rate"].get<double>());
  EXPECT_NEAR(m["decoherence_rate_longwave"].get<double>(),
              m["localization_parameter"].get<double>() * 1e-12,
              kClosed * m["decoherence_rate_longwave"].get<double>());
  EXPECT_EQ(r.out.find("nan"), std::string::npos);
  EXPECT_EQ(r.out.find("inf"), std::string::npos);
}

// Every number in the output has a unit in `units` (tests/support/json_contract.hpp), and
// the inputs are echoed.
void expect_self_describing(const nlohmann::json& j) {
  testing::expect_self_describing(j);
  EXPECT_EQ(j["units"]["momentum_diffusion"], "kg^2 m^2 s^-3");
  EXPECT_EQ(j["units"]["decoherence_rate"], "s^-1");
  EXPECT_EQ(j["units"]["radius"], "m");
  EXPECT_EQ(j["units"]["fdt_ratio"], "1");
}

TEST(CliRates, JsonIsSelfDescribing) {
  std::vector<std::string> args = args_with();
  args.push_back("--json");
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  expect_self_describing(j);
  EXPECT_EQ(j["inputs"]["radius"].get<double>(), 1e-7);
  EXPECT_EQ(j["inputs"]["t_internal"].get<double>(), 300.0);  // defaults to --temperature
  EXPECT_EQ(j["inputs"]["permittivity"].get<double>(), 5.7);
}

TEST(CliRates, MassInsteadOfDensity) {
  std::vector<std::string> args = args_with("--density", "", true);
  args.insert(args.end(), {"--mass", "1.47e-17", "--shape-factor", "1", "--json"});
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["inputs"]["mass"].get<double>(), 1.47e-17);
  // As in JsonHasTheContractKeys: two 1e-12 quadratures; a closed form (a few ulp of 2).
  EXPECT_NEAR(j["magnetic"]["fdt_ratio"].get<double>(), 1.0, 5e-12);
  EXPECT_NEAR(j["paper"]["magnetic"]["fdt_ratio"].get<double>(), 2.0, 2e-14);  // 2/beta
}

TEST(CliRates, MaterialPresetGivesEpsAndDensity) {
  std::vector<std::string> args{"rates"};
  for (const auto& [flag, value] : scenario())
    if (flag != "--permittivity" && flag != "--density") args.insert(args.end(), {flag, value});
  args.insert(args.end(), {"--material", "fused-silica", "--t-internal", "600", "--json"});
  const auto r = run_cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // Density from the preset (2200 kg/m^3): m = 4/3 pi a^3 rho, to a few ulp (9.2e-18 kg: bound
  // 1e-14 relative, measured 1.7e-16).
  EXPECT_NEAR(j["inputs"]["mass"].get<double>(), 4.0 / 3.0 * 3.141592653589793 * 1e-21 * 2200.0,
              1e-14 * 9.2e-18);
  EXPECT_EQ(j["inputs"]["material"]["name"].get<std::string>(), "fused silica");
  const auto& d = j["dielectric"];
  // A hot, absorbing particle: emission exceeds absorption and the diffusion exceeds
  // 2 m xi k_B T_env.
  EXPECT_GT(d["channels"]["emission"]["event_rate"].get<double>(),
            d["channels"]["absorption"]["event_rate"].get<double>());
  EXPECT_GT(d["fdt_ratio"].get<double>(), 1.0);
  EXPECT_FALSE(j["paper"].contains("dielectric"));
  expect_self_describing(j);
}

TEST(CliRates, MaterialErrors) {
  std::vector<std::string> both = args_with();
  both.insert(both.end(), {"--material", "diamond"});
  expect_one_line_error(both, "--material");
  std::vector<std::string> unknown = args_with("--permittivity", "", true);
  unknown.insert(unknown.end(), {"--material", "unobtainium"});
  expect_one_line_error(unknown, "unobtainium");
  expect_one_line_error(args_with("--t-internal", "-1"), "--t-internal");
  expect_one_line_error(args_with("--t-internal", "nan"), "--t-internal");
}

TEST(CliRates, TableHasUnits) {
  const auto r = run_cli(args_with());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"kg^2 m^2 s^-3", "m^-2 s^-1", "s^-1", "<dp^2>/dt", "R11"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliRates, NonPositiveValuesAreRejected) {
  for (const char* flag : {"--radius", "--temperature", "--density"})
    for (const char* value : {"0", "-1e-7"}) expect_one_line_error(args_with(flag, value), flag);
  for (const char* value : {"0", "-1e-17"}) {
    std::vector<std::string> args = args_with("--density", "", true);
    args.push_back(std::string("--mass=") + value);
    expect_one_line_error(args, "--mass");
  }
  expect_one_line_error(args_with("--shape-factor", "0"), "--shape-factor");
  expect_one_line_error(args_with("--dx", "-1e-6"), "--dx");
  expect_one_line_error(args_with("--chi-imag", "-0.1"), "--chi-imag");
}

TEST(CliRates, NanAndInfAreRejectedNamingTheFlag) {
  for (const auto& [flag, unused] : scenario())
    for (const char* value : {"nan", "inf", "-inf", "NaN"}) {
      (void)unused;
      expect_one_line_error(args_with(flag, value), flag);
    }
  expect_one_line_error(args_with("--shape-factor", "nan"), "--shape-factor");
}

TEST(CliRates, UnknownFlag) {
  std::vector<std::string> args = args_with();
  args.push_back("--frobnicate");
  expect_one_line_error(args, "--frobnicate");
}

TEST(CliRates, MissingRequiredFlag) {
  for (const auto& [flag, unused] : scenario()) {
    (void)unused;
    if (flag == "--density") continue;  // optional alone; see the next test
    expect_one_line_error(args_with(flag, "", true), flag);
  }
}

TEST(CliRates, DensityAndMassBothOrNeither) {
  std::vector<std::string> both = args_with();
  both.insert(both.end(), {"--mass", "1e-17"});
  expect_one_line_error(both, "--mass");
  expect_one_line_error(args_with("--density", "", true), "--density");
}

TEST(CliRates, PermittivityOneIsRejected) {
  expect_one_line_error(args_with("--permittivity", "1"), "--permittivity");
  expect_one_line_error(args_with("--permittivity", "-2"), "--permittivity");
}

TEST(CliRates, NonNumericValue) {
  expect_one_line_error(args_with("--radius", "abc"), "--radius");
}

}  // namespace
}  // namespace nanodecoh
