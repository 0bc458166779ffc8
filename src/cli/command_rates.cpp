// `nanodecoh rates`: momentum diffusion, localization parameter, decoherence factor
// and drag of a magnetic nanosphere, and the dielectric comparison (magnetic eq.
// 25-33, 54, 60-62, 75-82; see include/nanodecoh/magnetic_rates.hpp and docs/rates.md).
// Prints a table with units, or one JSON object (SI units) with --json.
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "app/input_names.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::cli {

namespace {

struct RatesOptions {
  RatesInput input;
  double density = 0.0;
  double mass = 0.0;
  CLI::Option* density_option = nullptr;
  CLI::Option* mass_option = nullptr;
  bool json = false;
};

nlohmann::json parts_json(const RateParts& parts) {
  return {
      {"total", parts.total}, {"scattering", parts.scattering}, {"absorption", parts.absorption}};
}

nlohmann::json to_json(const RatesInput& in, const RatesResult& r) {
  const MomentumDiffusion& d = r.momentum_diffusion;
  nlohmann::json magnetic = {
      {"clausius_mossotti_real", r.clausius_mossotti.real()},
      {"clausius_mossotti_imag", r.clausius_mossotti.imag()},
      {"polarizability_real", r.polarizability.real()},
      {"polarizability_imag", r.polarizability.imag()},
      {"momentum_diffusion", d.total},
      {"momentum_diffusion_scattering", d.scattering},
      {"momentum_diffusion_absorption", d.absorption},
      {"momentum_diffusion_magnetic", d.magnetic},
      {"momentum_diffusion_electric", d.electric},
      {"momentum_diffusion_cross", d.cross},
      {"localization_parameter", r.localization_parameter},
      {"localization_rate", r.localization_rate},
      {"decoherence_rate_longwave", r.decoherence_longwave.total},
      {"decoherence_rate", r.decoherence.total},
      {"decoherence_rate_saturated", r.decoherence_saturated.total},
      {"decoherence_rate_parts", parts_json(r.decoherence)},
      {"decoherence_rate_longwave_parts", parts_json(r.decoherence_longwave)},
      {"decoherence_rate_saturated_parts", parts_json(r.decoherence_saturated)},
      {"drag_coefficient", r.drag.total},
      {"drag_coefficient_parts", parts_json(r.drag)},
      {"fdt_ratio", r.fdt_ratio},
  };
  nlohmann::json inputs = {{"radius", in.radius},
                           {"chi_real", in.chi_real},
                           {"chi_imag", in.chi_imag},
                           {"temperature", in.temperature},
                           {"permittivity", in.permittivity},
                           {"shape_factor", in.shape_factor},
                           {"dx", in.superposition_size},
                           {"mass", r.mass}};
  if (in.density) inputs["density"] = *in.density;
  return {{"inputs", inputs},
          {"thermal_wavelength", r.thermal_wavelength},
          {"magnetic", magnetic},
          {"dielectric",
           {{"decoherence_rate_longwave", r.dielectric_decoherence_longwave},
            {"decoherence_rate", r.dielectric_decoherence},
            {"drag_coefficient", r.dielectric_drag}}},
          {"ratio_decoherence_magnetic_to_dielectric", r.ratio_decoherence},
          {"ratio_drag_magnetic_to_dielectric", r.ratio_drag},
          {"units",
           {{"momentum_diffusion", "kg^2 m^2 s^-3"},
            {"localization_parameter", "m^-2 s^-1"},
            {"rates", "s^-1"},
            {"lengths", "m"},
            {"mass", "kg"},
            {"polarizability", "J T^-2"}}}};
}

void print_table(std::ostream& out, const RatesInput& in, const RatesResult& r) {
  auto row = [&out](const std::string& name, double value, const std::string& unit) {
    std::ostringstream number;
    number << std::scientific << std::setprecision(6) << value;
    out << "  " << std::left << std::setw(40) << name << std::right << std::setw(15) << number.str()
        << "  " << unit << '\n';
  };
  out << "Magnetic sphere: a = " << format_number(in.radius)
      << " m, chi = " << format_number(in.chi_real) << " + " << format_number(in.chi_imag)
      << " i, T = " << format_number(in.temperature)
      << " K, beta = " << format_number(in.shape_factor)
      << ", dx = " << format_number(in.superposition_size) << " m, m = " << format_number(r.mass)
      << " kg\n";
  out << "  thermal wavelength hbar c/(k_B T): " << format_number(r.thermal_wavelength) << " m\n";
  out << "Momentum diffusion (M 23, 32)\n";
  row("<dp^2>/dt", r.momentum_diffusion.total, "kg^2 m^2 s^-3");
  row("  scattering (|alpha|^2)", r.momentum_diffusion.scattering, "kg^2 m^2 s^-3");
  row("  absorption (Im alpha)", r.momentum_diffusion.absorption, "kg^2 m^2 s^-3");
  row("  magnetic part (M 15)", r.momentum_diffusion.magnetic, "kg^2 m^2 s^-3");
  row("  electric part (M 16)", r.momentum_diffusion.electric, "kg^2 m^2 s^-3");
  row("  cross part (M 18)", r.momentum_diffusion.cross, "kg^2 m^2 s^-3");
  row("localization parameter Lambda (M 33)", r.localization_parameter, "m^-2 s^-1");
  row("gamma = Lambda dx^2 (M 33)", r.localization_rate, "s^-1");
  out << "Decoherence factor F = R11 - R12 (M 54)\n";
  row("F(dx), long-wavelength (M 60)", r.decoherence_longwave.total, "s^-1");
  row("F(dx), full angular form", r.decoherence.total, "s^-1");
  row("R11, saturated (dx -> inf)", r.decoherence_saturated.total, "s^-1");
  out << "Drag F = -xi m v (M 79)\n";
  row("xi", r.drag.total, "s^-1");
  row("<dp^2>/dt / (2 m xi k_B T) (M E2)", r.fdt_ratio, "");
  out << "Dielectric sphere, eps = " << format_number(in.permittivity) << '\n';
  row("F_E(dx), long-wavelength (M 61)", r.dielectric_decoherence_longwave, "s^-1");
  row("F_E(dx), full angular form", r.dielectric_decoherence, "s^-1");
  row("xi_E (M 80)", r.dielectric_drag, "s^-1");
  out << "Magnetic / dielectric at chi_I = 0\n";
  row("decoherence F_B/F_E (M 62)", r.ratio_decoherence, "");
  row("drag xi_B/xi_E (M 81, corrected)", r.ratio_drag, "");
}

}  // namespace

Command register_rates_command(CLI::App& root) {
  auto* app = root.add_subcommand(
      "rates", "Momentum diffusion, decoherence and drag of a magnetic nanosphere (SI units)");
  auto opts = std::make_shared<RatesOptions>();
  RatesInput& in = opts->input;
  app->add_option("--radius", in.radius, "Sphere radius a, m")->required();
  app->add_option("--chi-real", in.chi_real, "Re chi, volume magnetic susceptibility")->required();
  app->add_option("--chi-imag", in.chi_imag, "Im chi >= 0 (absorption)")->required();
  app->add_option("--temperature", in.temperature, "Bath temperature, K")->required();
  app->add_option("--permittivity", in.permittivity,
                  "Relative permittivity of the dielectric comparison (real, != 1)")
      ->required();
  opts->density_option = app->add_option("--density", opts->density, "Mass density, kg/m^3");
  opts->mass_option = app->add_option("--mass", opts->mass, "Particle mass, kg");
  opts->density_option->excludes(opts->mass_option);
  app->add_option("--shape-factor", in.shape_factor, "Shape factor beta of (M 20)")
      ->capture_default_str();
  app->add_option("--dx", in.superposition_size, "Superposition size, m")->required();
  app->add_flag("--json", opts->json, "Print one JSON object (SI units)");

  return {app, [opts] {
            RatesInput input = opts->input;
            if (opts->density_option->count() > 0) input.density = opts->density;
            if (opts->mass_option->count() > 0) input.mass = opts->mass;
            // compute_rates validates first, naming RatesInput's fields; report the flags.
            const app::InputNames flags = app::InputNames::flags()
                                              .add("superposition_size", "--dx")
                                              .add("density/mass", "--density/--mass");
            const RatesResult result = flags.translate([&] { return compute_rates(input); });
            if (opts->json) {
              print_json(std::cout, to_json(input, result));
            } else {
              std::ostringstream table;
              print_table(table, input, result);
              std::cout << table.str();
            }
            return 0;
          }};
}

}  // namespace nanodecoh::cli
