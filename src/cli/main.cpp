// Entry point of the `nanodecoh` command-line tool. Parses the subcommand with
// CLI11 and runs it. Every error -- bad flags, out-of-range values, unreadable
// files, numerical failures -- becomes one line on stderr and exit code 2.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/version.hpp"

int main(int argc, char** argv) {
  using namespace nanodecoh::cli;
  CLI::App root{"nanodecoh: decoherence of levitated nanoparticles (Lindblad master equation)"};
  root.set_version_flag(
      "--version", std::string(nanodecoh::version_string) + " (" + nanodecoh::git_revision + ")");
  root.require_subcommand(1);

  std::vector<Command> commands;
  commands.push_back(register_device_command(root));
  commands.push_back(register_localization_command(root));
  commands.push_back(register_outgassing_command(root));
  commands.push_back(register_ftable_command(root));
  commands.push_back(register_rates_command(root));
  commands.push_back(register_evolve_command(root));
  commands.push_back(register_sweep_command(root));
  commands.push_back(register_budget_command(root));

  // A first word that names no subcommand is named back (CLI11 would only say that a
  // subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const Command& command : commands) {
      found = found || command.app->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + command.app->get_name();
    }
    if (!found) {
      std::cerr << "nanodecoh: error: unknown subcommand '" << argv[1] << "': expected one of "
                << known << " (see 'nanodecoh --help')\n";
      return 2;
    }
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "nanodecoh: error: " << e.what() << " (see 'nanodecoh --help')\n";
    return 2;
  }

  try {
    for (const Command& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const nanodecoh::Interrupted& e) {
    std::cerr << "nanodecoh: interrupted: " << e.what() << " (nothing written)\n";
    return 130;
  } catch (const nanodecoh::Error& e) {
    std::cerr << "nanodecoh: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "nanodecoh: internal error: " << e.what() << '\n';
    return 3;
  }
  std::cerr << "nanodecoh: error: no subcommand given (see 'nanodecoh --help')\n";
  return 2;
}
