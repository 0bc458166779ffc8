// Shared pieces of the subcommands: the Command record main.cpp dispatches on,
// JSON output that refuses NaN/inf, and common options.
#pragma once

#include <CLI/CLI.hpp>
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

/// Adds `--backend auto|cpu|cuda` (default auto) bound to `text`.
CLI::Option* add_backend_option(CLI::App& app, std::string& text);

}  // namespace nanodecoh::cli
