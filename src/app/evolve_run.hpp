// One `evolve` job of the application layer, shared by the CLI (`nanodecoh evolve`,
// `nanodecoh sweep`) and the Python module (python/src/bindings.cpp), so that both
// read, validate and summarise a run through the same code: a configuration (after
// its `--set` overrides) becomes an EvolveInput, then a validated SimulationSpec, and
// a finished run becomes the JSON summary that `evolve --json` prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/evolve_spec.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/simulation.hpp"

namespace nanodecoh::app {

/// Reads a configuration whose overrides are applied: the spec, every key used
/// (require_all_used), the provenance TOML set, and `output_file` (when not empty) replacing
/// output.file. Errors name the configuration's keys.
EvolveInput read_evolve_job(const io::Config& config, const std::string& output_file = "");

/// A run ready to start: the library's spec (validated) and the backend the user asked for.
struct EvolveJob {
  evolution::SimulationSpec spec;
  BackendChoice backend = BackendChoice::automatic;
  /// The initial state was built and passed check_resolution (check_initial_state): the run
  /// need not repeat it (RunControl::initial_state_checked).
  bool initial_checked = false;
};

/// Builds and validates the run of `input`. `backend` ("" = the configuration's run.backend,
/// else the --backend flag's text), `max_memory` ("" = the available memory, else the
/// --max-memory text). With `check_initial`, the initial state is built and checked on grids
/// small enough (check_initial_state). Throws InvalidArgument naming the user's keys.
EvolveJob build_evolve_job(const EvolveInput& input, const std::string& backend = "",
                           const std::string& max_memory = "", bool check_initial = true);

/// The observables of one output time as `evolve --json` prints them ("final").
nlohmann::json summarize_observables(const evolution::Observables& o,
                                     const evolution::SimulationSpec& spec);

/// The whole JSON summary of a finished run, as `evolve --json` prints it; `derived` lists what
/// the [particle] block derived (EvolveSpec::particle.derivations).
nlohmann::json evolve_summary(const evolution::RunResult& result,
                              const evolution::SimulationSpec& spec,
                              const std::vector<std::string>& derived = {});

}  // namespace nanodecoh::app
