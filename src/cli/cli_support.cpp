// Implementation of the shared CLI pieces (cli_support.hpp).
#include "cli/cli_support.hpp"

#include <csignal>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <ostream>
#include <vector>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"

extern char** environ;

namespace nanodecoh::cli {

void require_finite_json(const nlohmann::json& value, const std::string& path) {
  if (value.is_number_float() && !std::isfinite(value.get<double>()))
    throw NumericalError("result " + (path.empty() ? std::string("value") : path) +
                         " is not finite; refusing to print it");
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      require_finite_json(it.value(), path.empty() ? it.key() : path + "." + it.key());
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      require_finite_json(value[i], path + "[" + std::to_string(i) + "]");
  }
}

void print_json(std::ostream& out, const nlohmann::json& value) {
  require_finite_json(value);
  out << value.dump() << '\n';
}

void run_plot_script(const std::string& script, const std::string& h5_path,
                     const std::string& png_path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  fs::path path = exe.parent_path() / ".." / "share" / "nanodecoh" / "scripts" / script;
  if (ec || !fs::exists(path)) path = fs::path(NANODECOH_SCRIPTS_DIR) / script;
  if (!fs::exists(path)) throw IoError("--plot: plotting script " + script + " not found");
  // The script writes a temporary PNG; it replaces png_path only if the script succeeded.
  io::write_atomically(png_path, [&](const fs::path& temporary_png) {
    std::vector<std::string> args{"/usr/bin/python3", path.string(), h5_path,
                                  temporary_png.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw Error(
          "--plot: cannot start /usr/bin/python3 (install Debian's python3-matplotlib and "
          "python3-h5py)");
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw Error("--plot " + png_path + ": " + path.string() +
                  " failed (needs Debian's python3-matplotlib and python3-h5py)");
  });
}

CLI::Option* add_backend_option(CLI::App& app, std::string& text) {
  text = "auto";
  return app.add_option("--backend", text, "Compute backend: auto (CUDA if usable), cpu or cuda")
      ->capture_default_str();
}

namespace {
std::atomic<bool> stop_requested{false};
extern "C" void request_stop(int) {
  stop_requested.store(true);
}
}  // namespace

StopOnSignals::StopOnSignals() {
  stop_requested.store(false);
  previous_int_ = std::signal(SIGINT, request_stop);
  previous_term_ = std::signal(SIGTERM, request_stop);
}

StopOnSignals::~StopOnSignals() {
  std::signal(SIGINT, previous_int_);
  std::signal(SIGTERM, previous_term_);
}

const std::atomic<bool>* StopOnSignals::flag() {
  return &stop_requested;
}

}  // namespace nanodecoh::cli
