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
#include "app/rates_job.hpp"
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

void print_table(std::ostream& out, const app::RatesJob& job) {
  const RatesInput& in = job.input;
  const std::optional<Material>& material = job.material;
  const RatesResult& paper = job.paper;
  const app::DipoleRates& magnetic = job.magnetic;
  const app::DipoleRates& electric = job.electric;
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
      << " K, T_internal = " << format_number(job.t_internal)
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
            RatesOptions& o = *opts;
            app::RatesRequest request;
            request.input = o.input;
            if (o.material_option->count() > 0) request.material = o.material;
            if (o.permittivity_option->count() > 0) request.permittivity = o.input.permittivity;
            if (o.density_option->count() > 0) request.density = o.density;
            if (o.mass_option->count() > 0) request.mass = o.mass;
            if (o.t_internal_option->count() > 0) request.t_internal = o.t_internal;
            // The job validates, naming RatesInput's fields; report the flags.
            const app::InputNames flags =
                app::InputNames::flags()
                    .add("superposition_size", "--dx")
                    .add("density/mass", "--density/--mass")
                    .add("permittivity/material", "--permittivity/--material");
            const app::RatesJob job = app::compute_rates_job(request, flags);
            if (o.json) {
              print_json(std::cout, app::rates_json(job));
            } else {
              std::ostringstream table;
              print_table(table, job);
              std::cout << table.str();
            }
            return 0;
          }};
}

}  // namespace nanodecoh::cli
