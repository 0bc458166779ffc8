// `nanodecoh ftable CONFIG.toml`: tabulates F_{R_i,R_j}(dX_k) over orientation
// pairs and displacements (desorption eqs. 2-3, 48) with the diffusive
// approximation (eqs. 4, 6), and writes it atomically to HDF5 with axes,
// units, tolerance, error estimates, backend, version and the full
// configuration, in the F-table layout of docs/ftable-format.md (config keys:
// docs/ftable-config.md). SIGINT/SIGTERM stop it without writing (exit 130).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "app/config_reading.hpp"
#include "app/ftable_job.hpp"
#include "cli/commands.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {

Command register_ftable_command(CLI::App& root) {
  struct Options {
    std::string config, out = "ftable.h5", plot, backend = "auto", max_memory, max_time;
    std::vector<std::string> sets;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* app =
      root.add_subcommand("ftable", "Table of F over orientation pairs and displacements (HDF5)");
  app->add_option("config", o->config, "TOML configuration (docs/ftable-config.md)")->required();
  app->add_option("--out", o->out, "Output HDF5 file (default ftable.h5)");
  app->add_option("--plot", o->plot,
                  "Also plot Re F and Im F vs dX to this PNG (needs /usr/bin/python3)");
  app->add_option("--set", o->sets, "Override a configuration key: key=value (repeatable)");
  app->add_flag("--quiet", o->quiet, "No progress line on stderr");
  app->add_option("--max-memory", o->max_memory,
                  "Allow up to this much memory (e.g. 64G) instead of the available memory");
  app->add_option("--max-time", o->max_time,
                  "Refuse a table whose estimated time exceeds this (e.g. 90s, 20m, 2h)");
  add_backend_option(*app, o->backend);
  return {app, [o] {
            using namespace localization;
            const BackendChoice backend_choice = parse_backend_choice(o->backend);
            // TOML (+ --set) -> specs -> emission model, memory checked (app/ftable_job.hpp).
            app::require_input_file(o->config, "config");
            io::Config config = io::Config::from_file(o->config);
            for (const auto& s : o->sets) config.apply_override(s);
            const double max_seconds = o->max_time.empty() ? 0.0 : parse_duration(o->max_time);
            app::FtableInputs inputs = app::read_ftable_inputs(
                config, o->max_memory.empty() ? 0 : parse_memory_size(o->max_memory));
            // Time: estimated from a timed sample of the values before the bulk starts
            // (localization::WorkEstimate); --max-time refuses the rest.
            inputs.options.estimate = [&](const WorkEstimate& e) {
              require_time(e.seconds,
                           "ftable: " + std::to_string(e.values) + " values (timed on " +
                               std::to_string(e.sampled) + ")",
                           "use fewer orientations.count or displacements.count, a larger "
                           "numerics.tolerance or a coarser mesh",
                           max_seconds);
              if (!o->quiet && e.seconds >= estimate_report_seconds)
                std::cerr << "ftable: " << describe(e) << '\n';
            };
            std::vector<std::filesystem::path> input_files = inputs.input_files;
            input_files.push_back(o->config);
            // Before the long computation: outputs writable, not an input, not in use.
            const io::OutputClaim claim =
                io::claim_outputs({{o->out, "--out"}, {o->plot, "--plot"}}, input_files);
            // Only valid inputs reach the backend choice (and its CPU-fallback notice).
            const Backend backend = select_backend(backend_choice);

            std::unique_ptr<io::ProgressReporter> progress;
            const StopOnSignals stop_on_signals;  // SIGINT/SIGTERM: stop, write nothing
            const app::FtableResult result =
                app::compute_ftable(std::move(inputs), backend, StopOnSignals::flag(),
                                    [&](std::size_t done, std::size_t total) {
                                      if (!progress)
                                        progress = std::make_unique<io::ProgressReporter>(
                                            "ftable", total, !o->quiet, "values");
                                      progress->update(done);
                                    });
            if (progress) progress->finish();
            app::write_ftable_result(o->out, result);
            const std::size_t p = result.table.orientation_count(),
                              nd = result.table.displacement_count();
            if (!o->plot.empty()) {
              run_plot_script("plot_ftable.py", o->out, o->plot);
            }
            if (!o->quiet)
              std::cerr << "ftable: " << p << "x" << p << "x" << nd << " values ("
                        << result.unique_jobs << " integrated), max error estimate "
                        << result.max_error_estimate << " 1/s -> " << o->out << '\n';
            return 0;
          }};
}

}  // namespace nanodecoh::cli
