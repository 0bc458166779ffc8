// `nanodecoh sweep [CONFIG.toml] --vary KEY=V1,V2,... [--vary ...] [--zip] [--set k=v]...
// --out FILE.h5 [--backend] [--max-memory] [--json] [--quiet]`: evolve runs over the outer
// product of the values (last key fastest) or, with --zip, over zipped lists, written to one
// HDF5 file with a dimension per key (docs/sweep-file.md). The same engine as the Python
// module's nanodecoh.sweep (app/sweep.hpp). SIGINT/SIGTERM stop after keeping the finished
// points; the same command resumes without recomputing them (exit code 130 when stopped).
#include <iostream>
#include <memory>

#include "app/config_reading.hpp"
#include "app/evolve_config.hpp"
#include "app/json_units.hpp"
#include "app/sweep.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::cli {
namespace {

struct SweepOptions {
  std::string config, backend, out, max_memory;
  std::vector<std::string> overrides, vary;
  bool zip = false, json = false, quiet = false;
};

int run_sweep_command(const SweepOptions& opt) {
  if (!opt.config.empty()) app::require_input_file(opt.config, "config");
  io::Config config =
      opt.config.empty() ? io::Config::from_string(app::default_evolve_config(), "built-in default")
                         : io::Config::from_file(opt.config);
  for (const auto& o : opt.overrides) config.apply_override(o);
  app::SweepSpec spec;
  spec.zip = opt.zip;
  for (const auto& v : opt.vary) spec.dimensions.push_back(app::parse_vary(v, "--vary"));
  app::Sweep sweep(std::move(config), std::move(spec), opt.backend, opt.max_memory);

  const StopOnSignals stop_on_signals;  // SIGINT/SIGTERM: keep finished points and stop
  evolution::RunControl control;
  control.stop = StopOnSignals::flag();
  const bool talk = !opt.quiet && !opt.json;
  app::SweepReport report;
  try {
    report = app::run_sweep(
        sweep, opt.out, control,
        [&](std::size_t done, std::size_t total) {
          if (talk) std::cerr << "nanodecoh: sweep point " << done << " of " << total << " done\n";
        },
        opt.config);
  } catch (const Interrupted& e) {
    // The finished points are kept: the same command continues (main.cpp would say "nothing
    // written").
    std::cerr << "nanodecoh: interrupted: " << e.what() << "; run the same command to continue\n";
    return 130;
  }
  if (opt.json) {
    // The inputs as the user wrote them (each point's configuration, with the units of its
    // keys in docs/evolve-config.md, is in the output file and its summaries).
    nlohmann::json out = {{"inputs",
                           {{"config", opt.config.empty() ? "built-in default" : opt.config},
                            {"overrides", opt.overrides},
                            {"vary", opt.vary},
                            {"zip", opt.zip}}},
                          {"points", sweep.size()},
                          {"computed", report.computed},
                          {"resumed", report.found},
                          {"table_builds", report.table_builds},
                          {"propagator_builds", report.propagator_builds},
                          {"output", opt.out}};
    app::add_units(out);
    print_json(std::cout, out);
  } else if (!opt.quiet) {
    std::cout << "swept " << sweep.size() << " points (" << report.computed << " computed, "
              << report.found << " resumed, " << report.table_builds << " F tables and "
              << report.propagator_builds << " propagators built)\n"
              << "wrote " << opt.out << '\n';
  }
  return 0;
}

}  // namespace

Command register_sweep_command(CLI::App& root) {
  auto* app = root.add_subcommand(
      "sweep", "Evolve runs over values of configuration keys, into one HDF5 file");
  auto opt = std::make_shared<SweepOptions>();
  app->add_option("config", opt->config,
                  "TOML configuration (docs/evolve-config.md); default: built-in scenario")
      ->check(CLI::ExistingFile);
  app->add_option("--vary", opt->vary,
                  "A swept key and its values: --vary initial.separation=1e-8,2e-8")
      ->required()
      ->allow_extra_args(false);
  app->add_flag("--zip", opt->zip,
                "Pair the i-th values of every key instead of the outer product");
  app->add_option("--set", opt->overrides, "Override a configuration key: --set time.step=1e-6")
      ->allow_extra_args(false);
  add_backend_option(*app, opt->backend);
  app->add_option("--out", opt->out, "Output HDF5 file of the sweep")->required();
  app->add_option("--max-memory", opt->max_memory,
                  "Allow up to this much host memory per run (e.g. 64G)");
  app->add_flag("--json", opt->json, "Print a final JSON summary on stdout (no progress)");
  app->add_flag("--quiet", opt->quiet, "No progress and no summary");
  return {app, [app, opt] {
            if (app->count("--backend") == 0) opt->backend.clear();  // run.backend decides
            return run_sweep_command(*opt);
          }};
}

}  // namespace nanodecoh::cli
