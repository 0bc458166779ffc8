// The evolve job shared by the CLI and the Python module (evolve_run.hpp).
#include "app/evolve_run.hpp"

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "app/json_units.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::app {

EvolveInput read_evolve_job(const io::Config& config, const std::string& output_file) {
  EvolveInput input = read_evolve_input(config);
  config.require_all_used();
  input.spec.config_toml = config.to_toml();
  // What [particle] derived, and which channel values it supplied, as comments of the stored
  // configuration (the same lines again on --resume, so the checkpoint's configuration matches).
  if (!input.spec.particle.derivations.empty()) {
    input.spec.config_toml += "\n# Derived from [particle] by nanodecoh:\n";
    for (const std::string& line : input.spec.particle.derivations)
      input.spec.config_toml += "# " + line + "\n";
  }
  if (!output_file.empty()) input.spec.output.file = output_file;
  return input;
}

EvolveJob build_evolve_job(const EvolveInput& input, const std::string& backend,
                           const std::string& max_memory, bool check_initial) {
  EvolveJob job;
  job.backend = backend.empty() ? parse_backend_choice(input.spec.backend, input.names.backend)
                                : parse_backend_choice(backend, "--backend");
  job.spec = make_simulation_spec(input);
  if (!max_memory.empty()) job.spec.max_memory_bytes = parse_memory_size(max_memory);
  input.names.run.translate([&] { evolution::validate(job.spec); });
  if (check_initial) job.initial_checked = check_initial_state(job.spec);
  return job;
}

nlohmann::json summarize_observables(const evolution::Observables& o,
                                     const evolution::SimulationSpec& spec) {
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

nlohmann::json evolve_summary(const evolution::RunResult& result,
                              const evolution::SimulationSpec& spec,
                              const std::vector<std::string>& derived) {
  nlohmann::json j{{"backend", std::string(to_string(result.backend))},
                   {"precision", evolution::to_string(spec.precision)},
                   {"steps", result.steps},
                   {"wall_seconds", result.wall_seconds},
                   {"output", spec.output.file},
                   {"memory_bytes",
                    {{"backend", result.memory.backend_bytes}, {"host", result.memory.host_bytes}}},
                   {"version", version_string},
                   {"derived", derived},
                   {"final", summarize_observables(result.series.back(), spec)}};
  if (!result.diffusive_series.empty())
    j["diffusive_final"] = summarize_observables(result.diffusive_series.back(), spec);
  if (!result.checkpoint_written.empty()) j["checkpoint"] = result.checkpoint_written;
  j["methods"] = result.segment_methods;
  // The same per segment as data: the method, its block (consecutive segments with one method),
  // its time span and why.
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& m : result.segment_plan)
    segments.push_back({{"method", m.exact ? "exact" : "split"},
                        {"block", m.block},
                        {"time_begin", m.time_begin},
                        {"time_end", m.time_end},
                        {"reason", m.reason}});
  j["segments"] = segments;
  // Every segment exact, or the exact blocks of a mixed run.
  if (result.exact_error_estimate >= 0.0) j["exact_error_estimate"] = result.exact_error_estimate;
  if (result.exact_error_estimate >= 0.0 && result.exact_initial_state_error >= 0.0)
    j["exact_initial_state_error"] = result.exact_initial_state_error;
  // The configuration after --set overrides and [particle] derivations, exactly as stored in
  // the result file's `config` attribute (units of its keys: docs/evolve-config.md).
  j["inputs"] = {{"config_toml", spec.config_toml}};
  nlohmann::json axis_units = nlohmann::json::object();
  for (const auto& axis : spec.axes)
    axis_units[axis.name] = axis_observable_units(axis.kind == evolution::AxisKind::rotation);
  add_units(j, {{"axes", axis_units}});
  return j;
}

}  // namespace nanodecoh::app
