// Shared pieces of the subcommands: the Command record main.cpp dispatches on,
// JSON output that refuses NaN/inf, and common options.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "nanodecoh/backend.hpp"

namespace nanodecoh::cli {

/// A registered subcommand: its CLI11 app and what to run once it parsed.
/// `run` returns the process exit code; errors are thrown as nanodecoh::Error.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// Throws NumericalError naming the first NaN or inf found in `value` (its
/// JSON path, e.g. "magnetic.fdt_ratio"). No output of nanodecoh contains them.
void require_finite_json(const nlohmann::json& value, const std::string& path = "");

/// Checks with require_finite_json, then prints `value` on one line to `out`.
void print_json(std::ostream& out, const nlohmann::json& value);

/// Runs Debian's /usr/bin/python3 (which has python3-matplotlib and python3-h5py) on the
/// plotting script `script` (e.g. "plot_evolution.py") with the HDF5 input and the PNG output,
/// without a shell. The script is looked up next to the installed binary
/// (../share/nanodecoh/scripts), then in the source tree. Throws IoError if it fails.
void run_plot_script(const std::string& script, const std::string& h5_path,
                     const std::string& png_path);

/// While alive, SIGINT and SIGTERM set flag() instead of killing the process, so long
/// computations can stop cleanly (a checkpoint, or nothing half-written); the previous
/// handlers are restored on destruction. One at a time.
class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
  /// The flag the handlers set.
  static const std::atomic<bool>* flag();

 private:
  void (*previous_int_)(int);
  void (*previous_term_)(int);
};

/// Adds `--backend auto|cpu|cuda` (default auto) bound to `text`.
CLI::Option* add_backend_option(CLI::App& app, std::string& text);

}  // namespace nanodecoh::cli
