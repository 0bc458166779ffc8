// `nanodecoh rates`: momentum diffusion, localization parameter, decoherence factor and
// drag of a sphere in blackbody radiation, as a magnetic dipole (chi) and as an electric
// dipole (eps or a material's eps(omega)), from the fluctuation-dissipation-consistent
// photon channels (thermal_photon_rates.hpp: scattering, absorption, emission at
// T_internal), plus the magnetic paper's printed structure (magnetic eq. 25-33, 54, 60-62,
// 75-82; magnetic_rates.hpp) in a `paper` block for comparison. See docs/rates.md.
// Prints a table with units, or one JSON object (SI units) with --json.
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "app/input_names.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/material.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::cli {

namespace {

struct RatesOptions {
  RatesInput input;
  double density = 0.0;
  double mass = 0.0;
  double t_internal = 0.0;
  std::string material;
  CLI::Option* density_option = nullptr;
  CLI::Option* mass_option = nullptr;
  CLI::Option* permittivity_option = nullptr;
  CLI::Option* material_option = nullptr;
  CLI::Option* t_internal_option = nullptr;
  bool json = false;
};

// The consistent rates of one dipole and where its response came from.
struct DipoleRates {
  DipoleSphere sphere;
  ThermalPhotonRates rates;
};

nlohmann::json parts_json(const RateParts& parts) {
  return {
      {"total", parts.total}, {"scattering", parts.scattering}, {"absorption", parts.absorption}};
}

nlohmann::json channel_json(const PhotonChannelRates& c) {
  return {{"decoherence_rate", c.decoherence_rate},
          {"decoherence_rate_longwave", c.decoherence_rate_longwave},
          {"event_rate", c.event_rate},
          {"localization_parameter", c.localization_parameter},
          {"momentum_diffusion", c.momentum_diffusion},
          {"drag_coefficient", c.drag_coefficient}};
}

nlohmann::json dipole_json(const ThermalPhotonRates& r) {
  return {{"momentum_diffusion", r.total.momentum_diffusion},
          {"momentum_diffusion_scattering", r.scattering.momentum_diffusion},
          {"momentum_diffusion_absorption", r.absorption.momentum_diffusion},
          {"momentum_diffusion_emission", r.emission.momentum_diffusion},
          {"localization_parameter", r.total.localization_parameter},
          {"localization_rate", r.total.decoherence_rate_longwave},
          {"decoherence_rate_longwave", r.total.decoherence_rate_longwave},
          {"decoherence_rate", r.total.decoherence_rate},
          {"decoherence_rate_saturated", r.total.event_rate},
          {"drag_coefficient", r.total.drag_coefficient},
          {"fdt_ratio", r.fdt_ratio},
          {"channels",
           {{"scattering", channel_json(r.scattering)},
            {"absorption", channel_json(r.absorption)},
            {"emission", channel_json(r.emission)}}}};
}

// The magnetic paper's printed structure (M 19-23, 54, 60, 78-82), kept for comparison.
nlohmann::json paper_json(const RatesResult& r, bool with_dielectric) {
  const MomentumDiffusion& d = r.momentum_diffusion;
  nlohmann::json paper = {
      {"magnetic",
       {{"momentum_diffusion", d.total},
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
        {"fdt_ratio", r.fdt_ratio}}}};
  if (with_dielectric) {
    paper["dielectric"] = {{"decoherence_rate_longwave", r.dielectric_decoherence_longwave},
                           {"decoherence_rate", r.dielectric_decoherence},
                           {"drag_coefficient", r.dielectric_drag}};
    paper["ratio_decoherence_magnetic_to_dielectric"] = r.ratio_decoherence;
    paper["ratio_drag_magnetic_to_dielectric"] = r.ratio_drag;
  }
  return paper;
}

nlohmann::json to_json(const RatesInput& in, const RatesOptions& opts,
                       const std::optional<Material>& material, const RatesResult& paper,
                       const DipoleRates& magnetic, const DipoleRates& electric) {
  nlohmann::json magnetic_block = dipole_json(magnetic.rates);
  magnetic_block["clausius_mossotti_real"] = paper.clausius_mossotti.real();
  magnetic_block["clausius_mossotti_imag"] = paper.clausius_mossotti.imag();
  magnetic_block["polarizability_real"] = paper.polarizability.real();
  magnetic_block["polarizability_imag"] = paper.polarizability.imag();
  nlohmann::json inputs = {{"radius", in.radius},           {"chi_real", in.chi_real},
                           {"chi_imag", in.chi_imag},       {"temperature", in.temperature},
                           {"t_internal", opts.t_internal}, {"shape_factor", in.shape_factor},
                           {"dx", in.superposition_size},   {"mass", paper.mass}};
  if (in.density) inputs["density"] = *in.density;
  if (material) {
    inputs["material"] = {{"name", material->name},
                          {"file", material->file},
                          {"permittivity_source", material->permittivity.source},
                          {"permittivity_valid_band",
                           {material->permittivity.valid_min, material->permittivity.valid_max}}};
  } else {
    inputs["permittivity"] = in.permittivity;
  }
  const double ratio_f = magnetic.rates.total.decoherence_rate_longwave /
                         electric.rates.total.decoherence_rate_longwave;
  const double ratio_xi =
      magnetic.rates.total.drag_coefficient / electric.rates.total.drag_coefficient;
  return {{"inputs", inputs},
          {"thermal_wavelength", paper.thermal_wavelength},
          {"magnetic", magnetic_block},
          {"dielectric", dipole_json(electric.rates)},
          {"ratio_decoherence_magnetic_to_dielectric", ratio_f},
          {"ratio_drag_magnetic_to_dielectric", ratio_xi},
          {"paper", paper_json(paper, !material.has_value())}};
}

// Unit of a numeric output key (the last component of its path; the same key means the same
// quantity everywhere in the output). "1" is dimensionless.
std::string unit_of(const std::string& key) {
  static const std::map<std::string, std::string> exact = {
      {"radius", "m"},
      {"dx", "m"},
      {"thermal_wavelength", "m"},
      {"temperature", "K"},
      {"t_internal", "K"},
      {"mass", "kg"},
      {"density", "kg m^-3"},
      {"chi_real", "1"},
      {"chi_imag", "1"},
      {"permittivity", "1"},
      {"shape_factor", "1"},
      {"permittivity_valid_band", "rad s^-1"},
      {"clausius_mossotti_real", "1"},
      {"clausius_mossotti_imag", "1"},
      {"polarizability_real", "J T^-2"},
      {"polarizability_imag", "J T^-2"},
      {"localization_parameter", "m^-2 s^-1"},
      {"localization_rate", "s^-1"},
      {"event_rate", "s^-1"},
      {"drag_coefficient", "s^-1"},
      {"fdt_ratio", "1"},
      {"total", "s^-1"},
      {"scattering", "s^-1"},
      {"absorption", "s^-1"},
  };
  if (const auto it = exact.find(key); it != exact.end()) return it->second;
  if (key.rfind("momentum_diffusion", 0) == 0) return "kg^2 m^2 s^-3";
  if (key.rfind("decoherence_rate", 0) == 0) return "s^-1";
  if (key.rfind("ratio_", 0) == 0) return "1";
  throw std::logic_error("rates: no unit for output key " + key);
}

// Adds "units": {key: unit} for every numeric value (or array of numbers) in `out`.
void add_units(nlohmann::json& out) {
  nlohmann::json units = nlohmann::json::object();
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->is_object()) {
        walk(*it);
      } else if (it->is_number() || (it->is_array() && !it->empty() && it->front().is_number())) {
        units[it.key()] = unit_of(it.key());
      }
    }
  };
  walk(out);
  out["units"] = units;
}

void print_dipole(std::ostream& out, const std::string& title, const ThermalPhotonRates& r) {
  auto row = [&out](const std::string& name, double value, const std::string& unit) {
    std::ostringstream number;
    number << std::scientific << std::setprecision(6) << value;
    out << "  " << std::left << std::setw(40) << name << std::right << std::setw(15) << number.str()
        << "  " << unit << '\n';
  };
  out << title << '\n';
  row("<dp^2>/dt", r.total.momentum_diffusion, "kg^2 m^2 s^-3");
  row("  scattering", r.scattering.momentum_diffusion, "kg^2 m^2 s^-3");
  row("  absorption", r.absorption.momentum_diffusion, "kg^2 m^2 s^-3");
  row("  emission", r.emission.momentum_diffusion, "kg^2 m^2 s^-3");
  row("localization parameter Lambda", r.total.localization_parameter, "m^-2 s^-1");
  row("F(dx), long-wavelength (Lambda dx^2)", r.total.decoherence_rate_longwave, "s^-1");
  row("F(dx), full", r.total.decoherence_rate, "s^-1");
  row("  scattering", r.scattering.decoherence_rate, "s^-1");
  row("  absorption", r.absorption.decoherence_rate, "s^-1");
  row("  emission", r.emission.decoherence_rate, "s^-1");
  row("R11, saturated (photons per second)", r.total.event_rate, "s^-1");
  row("drag xi", r.total.drag_coefficient, "s^-1");
  row("<dp^2>/dt / (2 m xi k_B T)", r.fdt_ratio, "");
}

void print_table(std::ostream& out, const RatesInput& in, const RatesOptions& opts,
                 const std::optional<Material>& material, const RatesResult& paper,
                 const DipoleRates& magnetic, const DipoleRates& electric) {
  auto row = [&out](const std::string& name, double value, const std::string& unit) {
    std::ostringstream number;
    number << std::scientific << std::setprecision(6) << value;
    out << "  " << std::left << std::setw(40) << name << std::right << std::setw(15) << number.str()
        << "  " << unit << '\n';
  };
  out << "Sphere: a = " << format_number(in.radius) << " m, chi = " << format_number(in.chi_real)
      << " + " << format_number(in.chi_imag) << " i, eps = "
      << (material ? material->name + " (" + material->file + ")" : format_number(in.permittivity))
      << ", T = " << format_number(in.temperature)
      << " K, T_internal = " << format_number(opts.t_internal)
      << " K, dx = " << format_number(in.superposition_size)
      << " m, m = " << format_number(paper.mass) << " kg\n";
  out << "  thermal wavelength hbar c/(k_B T): " << format_number(paper.thermal_wavelength)
      << " m\n";
  print_dipole(out, "Magnetic dipole (chi), fluctuation-dissipation consistent", magnetic.rates);
  print_dipole(out, "Electric dipole (eps), fluctuation-dissipation consistent", electric.rates);
  out << "Magnetic paper's printed structure, beta = " << format_number(in.shape_factor)
      << " (for comparison; docs/paper-notes.md)\n";
  row("<dp^2>/dt (M 23, 32)", paper.momentum_diffusion.total, "kg^2 m^2 s^-3");
  row("F(dx), long-wavelength (M 60)", paper.decoherence_longwave.total, "s^-1");
  row("F(dx), full (M 54)", paper.decoherence.total, "s^-1");
  row("R11, saturated (M 53)", paper.decoherence_saturated.total, "s^-1");
  row("xi (M 79)", paper.drag.total, "s^-1");
  row("<dp^2>/dt / (2 m xi k_B T) (M E2)", paper.fdt_ratio, "");
  if (!material) {
    row("F_E(dx), long-wavelength (M 61)", paper.dielectric_decoherence_longwave, "s^-1");
    row("xi_E (M 80)", paper.dielectric_drag, "s^-1");
  }
}

}  // namespace

Command register_rates_command(CLI::App& root) {
  auto* app = root.add_subcommand(
      "rates",
      "Momentum diffusion, decoherence and drag of a nanosphere in blackbody radiation (SI units)");
  auto opts = std::make_shared<RatesOptions>();
  RatesInput& in = opts->input;
  app->add_option("--radius", in.radius, "Sphere radius a, m")->required();
  app->add_option("--chi-real", in.chi_real, "Re chi, volume magnetic susceptibility")->required();
  app->add_option("--chi-imag", in.chi_imag, "Im chi >= 0 (absorption)")->required();
  app->add_option("--temperature", in.temperature, "Environment (field) temperature, K")
      ->required();
  opts->t_internal_option =
      app->add_option("--t-internal", opts->t_internal,
                      "Internal temperature of the particle, K (default: --temperature)");
  opts->permittivity_option = app->add_option("--permittivity", in.permittivity,
                                              "Constant relative permittivity eps (real, != 1)");
  opts->material_option = app->add_option(
      "--material", opts->material,
      "Material preset (fused-silica, diamond, gold) or .toml file giving eps(omega) and a "
      "default density");
  opts->permittivity_option->excludes(opts->material_option);
  opts->density_option = app->add_option("--density", opts->density, "Mass density, kg/m^3");
  opts->mass_option = app->add_option("--mass", opts->mass, "Particle mass, kg");
  opts->density_option->excludes(opts->mass_option);
  app->add_option("--shape-factor", in.shape_factor,
                  "Shape factor beta of (M 20); affects only the `paper` block")
      ->capture_default_str();
  app->add_option("--dx", in.superposition_size, "Superposition size, m")->required();
  app->add_flag("--json", opts->json, "Print one JSON object (SI units)");

  return {app, [opts] {
            RatesInput input = opts->input;
            RatesOptions& o = *opts;
            std::optional<Material> material;
            if (o.material_option->count() > 0) material = load_material(o.material);
            if (!material && o.permittivity_option->count() == 0)
              throw InvalidArgument("--permittivity/--material", "neither given",
                                    "exactly one of --permittivity (constant eps) or --material "
                                    "(preset name or .toml file)");
            if (o.density_option->count() > 0) input.density = o.density;
            if (o.mass_option->count() > 0) input.mass = o.mass;
            if (material && !input.density && !input.mass) input.density = material->density;
            if (material) {
              // The paper's dielectric comparison needs one real constant eps; with a material
              // it is left out of the output, and this placeholder (eps = 1 would be refused)
              // keeps compute_rates from evaluating the dielectric formulas at a pole.
              input.permittivity = 2.0;
            }
            if (o.t_internal_option->count() > 0) {
              require_nonnegative("--t-internal", o.t_internal);
            }
            // compute_rates validates first, naming RatesInput's fields; report the flags.
            const app::InputNames flags = app::InputNames::flags()
                                              .add("superposition_size", "--dx")
                                              .add("density/mass", "--density/--mass");
            const RatesResult paper = flags.translate([&] { return compute_rates(input); });
            if (o.t_internal_option->count() == 0) o.t_internal = input.temperature;
            const PhotonTemperatures temperatures{input.temperature, o.t_internal};
            const double dx = input.superposition_size;
            DipoleRates magnetic{{DipoleKind::magnetic, input.radius,
                                  MaterialResponse::constant(input.susceptibility())},
                                 {}};
            magnetic.rates = thermal_photon_rates(magnetic.sphere, temperatures, paper.mass, dx);
            DipoleRates electric{{DipoleKind::electric, input.radius,
                                  material ? material->permittivity.response
                                           : MaterialResponse::constant({input.permittivity, 0.0})},
                                 {}};
            electric.rates = thermal_photon_rates(electric.sphere, temperatures, paper.mass, dx);
            if (o.json) {
              nlohmann::json out = to_json(input, o, material, paper, magnetic, electric);
              add_units(out);
              print_json(std::cout, out);
            } else {
              std::ostringstream table;
              print_table(table, input, o, material, paper, magnetic, electric);
              std::cout << table.str();
            }
            return 0;
          }};
}

}  // namespace nanodecoh::cli
