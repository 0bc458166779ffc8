// `nanodecoh budget [CONFIG.toml] [--set k=v]... [--time T] [--dx D] [--plot FILE.png]
// [--json]`: the decoherence budget of an evolve configuration (src/app/budget.hpp,
// docs/usage.md): each channel's F over the separations of the run's grid and beyond,
// its long-wavelength approximation, the total, and the coherence exp(-F T) after T, in
// seconds instead of a full evolution. Errors are one line and exit code 2 (main.cpp).
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "app/budget.hpp"
#include "app/config_reading.hpp"
#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/json_units.hpp"
#include "nanodecoh/resources.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::cli {
namespace {

struct BudgetCliOptions {
  std::string config, plot, max_time;
  std::vector<std::string> overrides;
  double time = 0.0, dx = 0.0;
  CLI::Option* time_option = nullptr;
  CLI::Option* dx_option = nullptr;
  bool json = false;
};

nlohmann::json column_json(const app::BudgetChannel& c) {
  return {{"key", c.key},
          {"name", c.name},
          {"decoherence_rate", c.rate},
          {"decoherence_rate_imag", c.rate_imag},
          {"decoherence_rate_longwave", c.rate_longwave},
          {"coherence", c.coherence}};
}

nlohmann::json row_json(const app::BudgetChannel& c, std::size_t r) {
  return {{"key", c.key},
          {"name", c.name},
          {"decoherence_rate", c.rate[r]},
          {"decoherence_rate_imag", c.rate_imag[r]},
          {"decoherence_rate_longwave", c.rate_longwave[r]},
          {"coherence", c.coherence[r]}};
}

/// Key of the channel with the largest Re F in row r; "-" where every F is 0.
std::string dominant(const app::Budget& b, std::size_t r) {
  std::string key = "-";
  double largest = 0.0;
  for (const auto& c : b.channels)
    if (c.rate[r] > largest) {
      largest = c.rate[r];
      key = c.key;
    }
  return key;
}

nlohmann::json to_json(const app::Budget& b, const app::EvolveInput& input,
                       const BudgetCliOptions& o) {
  const std::string length = b.rotation ? "rad" : "m";
  nlohmann::json inputs = {{"config", o.config.empty() ? "built-in default" : o.config},
                           {"overrides", o.overrides},
                           {"time", b.time},
                           {"time_origin", b.time_origin},
                           {"derivations", input.spec.particle.derivations}};
  if (b.superposition_row) inputs["dx"] = b.separation[*b.superposition_row];
  inputs["max_time"] = b.extension_time_limit;
  const app::ParticleSpec& p = input.spec.particle;
  nlohmann::json particle = nlohmann::json::object();
  if (p.material) particle["material"] = p.material->name + " (" + p.material->file + ")";
  if (p.radius) particle["radius"] = *p.radius;
  if (p.temperature) particle["temperature"] = *p.temperature;
  if (p.density) particle["density"] = *p.density;
  if (p.mass) particle["mass"] = *p.mass;
  if (p.moment_of_inertia) particle["moment_of_inertia"] = *p.moment_of_inertia;
  if (p.body) {
    particle["body"] = p.body->kind();
    particle["volume"] = p.body_mass.volume;
  }
  if (p.inertia_tensor) {
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < 3; ++i)
      rows.push_back(
          {(*p.inertia_tensor)(i, 0), (*p.inertia_tensor)(i, 1), (*p.inertia_tensor)(i, 2)});
    particle["inertia_tensor"] = rows;
  }
  inputs["particle"] = particle;
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : b.channels) channels.push_back(column_json(c));
  nlohmann::json out = {{"inputs", inputs},
                        {"axis",
                         {{"name", b.axis_name},
                          {"kind", b.rotation ? "rotation" : "translation"},
                          {"grid_points", b.grid_points},
                          {"grid_step", b.grid_step}}},
                        {"time", b.time},
                        {"separation", b.separation},
                        {"on_grid", b.on_grid},
                        {"channels", channels},
                        {"total", column_json(b.total)},
                        {"extension_note", b.extension_note}};
  if (b.superposition_row) {
    const std::size_t r = *b.superposition_row;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& c : b.channels) rows.push_back(row_json(c, r));
    out["superposition"] = {{"separation", b.separation[r]},
                            {"channels", rows},
                            {"total", row_json(b.total, r)},
                            {"dominant", dominant(b, r)}};
  }
  // Every number's unit, by key (the same key means the same quantity everywhere); lengths
  // along the axis are angles on a rotation axis.
  app::add_units(out, {{"separation", length}, {"dx", length}, {"grid_step", length}});
  return out;
}

std::string sci(double x) {
  std::ostringstream s;
  s << std::scientific << std::setprecision(3) << x;
  return s.str();
}

void print_table(std::ostream& out, const app::Budget& b, const app::EvolveInput& input) {
  const std::string unit = b.rotation ? "rad" : "m";
  for (const std::string& line : input.spec.particle.derivations) out << line << '\n';
  for (const auto& c : b.channels) out << c.key << ": " << c.name << '\n';
  out << "Decoherence budget along axis " << b.axis_name << " (grid: " << b.grid_points
      << " points, step " << format_number(b.grid_step) << ' ' << unit
      << "), T = " << format_number(b.time) << " s (" << b.time_origin << ")\n";
  if (b.superposition_row) {
    const std::size_t r = *b.superposition_row;
    out << "At the superposition size " << format_number(b.separation[r]) << ' ' << unit << ":\n";
    out << "  " << std::left << std::setw(14) << "channel" << std::right << std::setw(12)
        << "F (1/s)" << std::setw(14) << "long-wave" << std::setw(14) << "exp(-F T)" << '\n';
    auto row = [&](const app::BudgetChannel& c) {
      out << "  " << std::left << std::setw(14) << c.key << std::right << std::setw(12)
          << sci(c.rate[r]) << std::setw(14) << sci(c.rate_longwave[r]) << std::setw(14)
          << sci(c.coherence[r]) << '\n';
    };
    for (const auto& c : b.channels) row(c);
    row(b.total);
    out << "  dominant: " << dominant(b, r) << '\n';
  }
  // A compact table over separations: about 16 rows, geometrically spaced, plus the last.
  out << "Total F over separations (" << unit << "; * = beyond the grid):\n";
  out << "  " << std::setw(12) << "separation" << std::setw(12) << "F (1/s)" << std::setw(14)
      << "long-wave" << std::setw(14) << "exp(-F T)"
      << "  dominant\n";
  double next = 0.0;
  for (std::size_t r = 0; r < b.separation.size(); ++r) {
    const bool last = r + 1 == b.separation.size();
    if (b.separation[r] < next && !last && r != b.superposition_row) continue;
    next = std::max(b.separation[r] * 1.8, b.grid_step);
    out << (b.on_grid[r] ? "  " : "* ") << std::setw(12) << sci(b.separation[r]) << std::setw(12)
        << sci(b.total.rate[r]) << std::setw(14) << sci(b.total.rate_longwave[r]) << std::setw(14)
        << sci(b.total.coherence[r]) << "  " << dominant(b, r) << '\n';
  }
  if (!b.extension_note.empty()) out << "note: " << b.extension_note << '\n';
}

int run_budget(const BudgetCliOptions& o) {
  if (!o.config.empty()) app::require_input_file(o.config, "config");
  io::Config config =
      o.config.empty() ? io::Config::from_string(app::default_evolve_config(), "built-in default")
                       : io::Config::from_file(o.config);
  for (const auto& s : o.overrides) config.apply_override(s);
  app::EvolveInput input = app::read_evolve_input(config);
  config.require_all_used();
  const io::OutputClaim claim = io::claim_outputs({{o.plot, "--plot"}}, {o.config});
  const evolution::SimulationSpec spec = app::make_simulation_spec(input);
  app::BudgetOptions options;
  if (o.time_option->count() > 0) options.time = o.time;
  if (o.dx_option->count() > 0) options.superposition_size = o.dx;
  if (!o.max_time.empty()) options.extension_time_limit = parse_duration(o.max_time, "--max-time");
  const app::Budget budget = app::compute_budget(input, spec, options);
  const nlohmann::json j = to_json(budget, input, o);
  require_finite_json(j);
  if (!o.plot.empty()) {
    // The plotting script reads the JSON from a private temporary file.
    namespace fs = std::filesystem;
    std::string temp = (fs::temp_directory_path() / "nanodecoh-budget-XXXXXX").string();
    const int fd = mkstemp(temp.data());
    if (fd < 0)
      throw IoError("--plot: cannot create a temporary file in " +
                    fs::temp_directory_path().string());
    close(fd);
    struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{temp};
    {
      std::ofstream file(temp);
      file << j.dump();
      if (!file) throw IoError("--plot: cannot write the temporary file " + temp);
    }
    run_plot_script("plot_budget.py", temp, o.plot);
  }
  if (o.json) {
    print_json(std::cout, j);
  } else {
    std::ostringstream table;
    print_table(table, budget, input);
    std::cout << table.str();
    if (!o.plot.empty()) std::cout << "wrote " << o.plot << '\n';
  }
  return 0;
}

}  // namespace

Command register_budget_command(CLI::App& root) {
  auto* app = root.add_subcommand(
      "budget",
      "Decoherence budget of an evolve configuration: F per channel, long-wavelength "
      "approximation, total, coherence after a time (no evolution)");
  auto o = std::make_shared<BudgetCliOptions>();
  app->add_option("config", o->config,
                  "evolve TOML configuration (docs/evolve-config.md); default: built-in scenario")
      ->check(CLI::ExistingFile);
  app->add_option("--set", o->overrides, "Override a configuration key: --set particle.radius=1e-7")
      ->allow_extra_args(false);
  o->time_option =
      app->add_option("--time", o->time,
                      "Time T (s) for the coherence exp(-F T); default: the protocol's duration");
  o->dx_option = app->add_option("--dx", o->dx,
                                 "Superposition size along the initial state's axis (m, or rad "
                                 "on a rotation axis); default: the cat's separation");
  app->add_option("--plot", o->plot,
                  "Plot F per channel and its long-wavelength approximation vs separation to this "
                  "PNG (needs /usr/bin/python3 with matplotlib)");
  app->add_option("--max-time", o->max_time,
                  "Wall time the rows beyond the grid may take before saturation (90, 20m, 2h; "
                  "default 30s)");
  app->add_flag("--json", o->json, "Print one JSON object (SI units, with a units map)");
  return {app, [o] { return run_budget(*o); }};
}

}  // namespace nanodecoh::cli
