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
#include "cli/commands.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {
namespace {

struct EvolveOptions {
  std::string config, backend, out, resume, plot, max_memory;
  std::vector<std::string> overrides;
  bool json = false, quiet = false;
};

nlohmann::json summarize(const evolution::Observables& o, const evolution::SimulationSpec& spec) {
  nlohmann::json j{{"time", o.time},
                   {"step", o.step},
                   {"trace", o.trace},
                   {"purity", o.purity},
                   {"energy", o.energy},
                   {"coherence", o.coherence},
                   {"coherence_normalized", o.coherence_normalized}};
  for (std::size_t a = 0; a < o.axes.size(); ++a)
    j["axes"][spec.axes[a].name] = {{"mean", o.axes[a].mean},
                                    {"variance", o.axes[a].variance},
                                    {"momentum_mean", o.axes[a].momentum_mean},
                                    {"momentum_variance", o.axes[a].momentum_variance}};
  return j;
}

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
  app::EvolveInput input = app::read_evolve_input(config);
  config.require_all_used();
  input.spec.config_toml = config.to_toml();
  // What [particle] derived, and which channel values it supplied, as comments of the stored
  // configuration (the same lines again on --resume, so the checkpoint's configuration matches).
  if (!input.spec.particle.derivations.empty()) {
    input.spec.config_toml += "\n# Derived from [particle] by nanodecoh:\n";
    for (const std::string& line : input.spec.particle.derivations)
      input.spec.config_toml += "# " + line + "\n";
  }
  // A resumed run writes where the interrupted run was told to write (its --out included).
  if (!opt.out.empty())
    input.spec.output.file = opt.out;
  else if (!checkpoint.output_file.empty())
    input.spec.output.file = checkpoint.output_file;
  if (!opt.plot.empty() && input.spec.output.file.empty())
    throw InvalidArgument("--plot", opt.plot, "an output file (output.file or --out)");
  const BackendChoice backend_choice =
      opt.backend.empty() ? parse_backend_choice(input.spec.backend, input.names.backend)
                          : parse_backend_choice(opt.backend, "--backend");
  SimulationSpec spec = app::make_simulation_spec(input);
  if (!opt.max_memory.empty()) spec.max_memory_bytes = parse_memory_size(opt.max_memory);
  input.names.run.translate([&] { validate(spec); });
  if (opt.resume.empty()) app::check_initial_state(spec);
  // Before the long computation: outputs writable, not an input, not in use.
  const std::string initial_file =
      spec.initial.kind == evolution::InitialKind::file ? spec.initial.path : "";
  const io::OutputClaim output_claim = io::claim_outputs(
      {{spec.output.file, opt.out.empty() ? "output.file" : "--out"}, {opt.plot, "--plot"}},
      {opt.config, opt.resume, initial_file});
  // The checkpoint may be the file resumed from; it is rewritten, which is intended.
  const io::OutputClaim checkpoint_claim = io::claim_outputs(
      {{spec.output.checkpoint_file, "output.checkpoint_file"}}, {opt.config, initial_file});
  // Only valid inputs reach the backend choice (and its CPU-fallback notice).
  const Backend backend = select_backend(backend_choice);

  const StopOnSignals stop_on_signals;  // SIGINT/SIGTERM: checkpoint and stop
  RunControl control;
  control.stop = StopOnSignals::flag();
  control.progress = !opt.quiet && !opt.json;
  control.resume_from = opt.resume;

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
    nlohmann::json j{
        {"backend", std::string(to_string(result.backend))},
        {"precision", to_string(spec.precision)},
        {"steps", result.steps},
        {"wall_seconds", result.wall_seconds},
        {"output", spec.output.file},
        {"memory_bytes",
         {{"backend", result.memory.backend_bytes}, {"host", result.memory.host_bytes}}},
        {"version", version_string},
        {"derived", input.spec.particle.derivations},
        {"final", summarize(last, spec)}};
    if (!result.diffusive_series.empty())
      j["diffusive_final"] = summarize(result.diffusive_series.back(), spec);
    if (!result.checkpoint_written.empty()) j["checkpoint"] = result.checkpoint_written;
    print_json(std::cout, j);
  } else if (!opt.quiet) {
    std::cout << "evolved " << result.steps << " steps to t = " << last.time << " s on "
              << to_string(result.backend) << " (" << to_string(spec.precision) << ") in "
              << result.wall_seconds << " s\n"
              << "final trace " << last.trace << ", purity " << last.purity;
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
