// `nanodecoh evolve [CONFIG.toml] [--set k=v]... [--backend] [--out] [--resume]
// [--json] [--quiet] [--plot FILE.png]`: density-matrix evolution of a levitated
// nanoparticle on a grid (docs/physics.md section 4). Without CONFIG it runs the
// built-in default scenario. SIGINT/SIGTERM write a checkpoint and stop
// cleanly (exit code 130); errors are one line and exit code 2 (main.cpp).

#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>

#include "app/config_reading.hpp"
#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/evolve_run.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {
namespace {

struct EvolveOptions {
  std::string config, backend, out, resume, plot, max_memory;
  std::vector<std::string> overrides;
  bool json = false, quiet = false;
};

int run_evolve(const EvolveOptions& opt) {
  using namespace evolution;
  if (!opt.resume.empty() && (!opt.config.empty() || !opt.overrides.empty()))
    throw InvalidArgument(
        "--resume", opt.resume,
        "no CONFIG and no --set with --resume (the checkpoint holds the configuration)");
  if (!opt.config.empty()) app::require_input_file(opt.config, "config");
  const CheckpointHeader checkpoint =
      opt.resume.empty() ? CheckpointHeader{} : read_checkpoint_header(opt.resume);
  // One way: TOML (+ --set) -> EvolveSpec -> SimulationSpec (physics) -> run.
  io::Config config = !opt.resume.empty()  ? io::Config::from_string(checkpoint.config, opt.resume)
                      : opt.config.empty() ? io::Config::from_string(app::default_evolve_config(),
                                                                     "built-in default")
                                           : io::Config::from_file(opt.config);
  for (const auto& o : opt.overrides) config.apply_override(o);
  app::EvolveInput input = app::read_evolve_job(config);
  // A resumed run writes where the interrupted run was told to write (its --out included).
  if (!opt.out.empty())
    input.spec.output.file = opt.out;
  else if (!checkpoint.output_file.empty())
    input.spec.output.file = checkpoint.output_file;
  if (!opt.plot.empty() && input.spec.output.file.empty())
    throw InvalidArgument("--plot", opt.plot, "an output file (output.file or --out)");
  app::EvolveJob job =
      app::build_evolve_job(input, opt.backend, opt.max_memory, opt.resume.empty());
  const SimulationSpec& spec = job.spec;
  const BackendChoice backend_choice = job.backend;
  // Before the long computation: outputs writable, not an input, not in use.
  std::vector<std::filesystem::path> inputs = app::input_files(input.spec);
  inputs.emplace_back(opt.config);
  std::vector<std::filesystem::path> inputs_and_resumed = inputs;
  inputs_and_resumed.emplace_back(opt.resume);
  const io::OutputClaim output_claim = io::claim_outputs(
      {{spec.output.file, opt.out.empty() ? "output.file" : "--out"}, {opt.plot, "--plot"}},
      inputs_and_resumed);
  // The checkpoint may be the file resumed from; it is rewritten, which is intended.
  const io::OutputClaim checkpoint_claim =
      io::claim_outputs({{spec.output.checkpoint_file, "output.checkpoint_file"}}, inputs);
  // Only valid inputs reach the backend choice (and its CPU-fallback notice).
  const Backend backend = select_backend(backend_choice);

  const StopOnSignals stop_on_signals;  // SIGINT/SIGTERM: checkpoint and stop
  RunControl control;
  control.stop = StopOnSignals::flag();
  control.progress = !opt.quiet && !opt.json;
  control.resume_from = opt.resume;
  control.initial_state_checked = job.initial_checked;  // build_evolve_job checked it

  if (!opt.quiet && !opt.json)
    for (const std::string& line : input.spec.particle.derivations) std::cout << line << '\n';
  const RunResult result = run_simulation(spec, backend, control);
  if (result.interrupted) {
    std::cerr << "nanodecoh: interrupted at step " << result.steps << "; checkpoint written to "
              << result.checkpoint_written << "; continue with: nanodecoh evolve --resume "
              << result.checkpoint_written << '\n';
    return 130;
  }
  if (!opt.plot.empty()) run_plot_script("plot_evolution.py", spec.output.file, opt.plot);
  const Observables& last = result.series.back();
  if (opt.json) {
    print_json(std::cout, app::evolve_summary(result, spec, input.spec.particle.derivations));
  } else if (!opt.quiet) {
    for (const auto& line : result.segment_methods) std::cout << line << '\n';
    if (result.exact) {
      std::cout << "evolved exactly (chord-function method, no time steps) to t = " << last.time
                << " s, chi on " << to_string(result.backend) << ", in " << result.wall_seconds
                << " s; error estimate of the F path integrals " << result.exact_error_estimate
                << " (numerics.tolerance " << spec.exact_tolerance << ")";
      if (result.exact_initial_state_error >= 0.0)
        std::cout << ", of which the file state's interpolated chord function "
                  << result.exact_initial_state_error;
      std::cout << '\n';
    } else {
      std::cout << "evolved " << result.steps << " steps to t = " << last.time << " s on "
                << to_string(result.backend) << " (" << to_string(spec.precision) << ") in "
                << result.wall_seconds << " s"
                << (result.exact_error_estimate >= 0.0
                        ? "; the exact blocks without steps, error estimate of their F path "
                          "integrals " +
                              format_number(result.exact_error_estimate) + " (numerics.tolerance " +
                              format_number(spec.exact_tolerance) + ")"
                        : std::string())
                << (result.exact_error_estimate >= 0.0 && result.exact_initial_state_error >= 0.0
                        ? ", of which the interpolated chord function of a grid state " +
                              format_number(result.exact_initial_state_error)
                        : std::string())
                << "\n";
    }
    std::cout << "final trace " << last.trace << ", purity " << last.purity;
    if (!spec.marked_points.empty()) std::cout << ", coherence " << last.coherence_normalized;
    if (!result.diffusive_series.empty())
      std::cout << " (diffusive approximation: purity " << result.diffusive_series.back().purity
                << ", coherence " << result.diffusive_series.back().coherence_normalized << ")";
    std::cout << '\n';
    if (!spec.output.file.empty()) std::cout << "wrote " << spec.output.file << '\n';
    if (!opt.plot.empty()) std::cout << "wrote " << opt.plot << '\n';
  }
  return 0;
}

}  // namespace

Command register_evolve_command(CLI::App& root) {
  auto* app = root.add_subcommand(
      "evolve", "Evolve a density matrix on a grid (split-operator Lindblad solver)");
  auto opt = std::make_shared<EvolveOptions>();
  app->add_option("config", opt->config,
                  "TOML configuration (docs/evolve-config.md); default: built-in scenario")
      ->check(CLI::ExistingFile);
  app->add_option("--set", opt->overrides, "Override a configuration key: --set time.step=1e-6")
      ->allow_extra_args(false);
  add_backend_option(*app, opt->backend);
  app->add_option("--out", opt->out, "Output HDF5 file (overrides output.file)");
  app->add_option("--max-memory", opt->max_memory,
                  "Allow up to this much host memory (e.g. 64G) instead of the available memory");
  app->add_option("--resume", opt->resume, "Continue from a checkpoint file")
      ->check(CLI::ExistingFile);
  app->add_flag("--json", opt->json, "Print a final JSON summary on stdout (no progress)");
  app->add_flag("--quiet", opt->quiet, "No progress and no summary");
  app->add_option("--plot", opt->plot,
                  "Write plots to this PNG (needs /usr/bin/python3 with matplotlib, h5py)");
  return {app, [app, opt] {
            if (app->count("--backend") == 0) opt->backend.clear();  // run.backend decides
            return run_evolve(*opt);
          }};
}

}  // namespace nanodecoh::cli
