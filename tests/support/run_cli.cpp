// Implementation of the CLI runner used by the contract tests.
#include "run_cli.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

extern char** environ;

namespace nanodecoh::testing {

std::string make_temp_dir(const std::string& tag) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() /
             ("nanodecoh-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

namespace {
/// Runs the CLI; when `signal_number` is non-zero, sends it `signal_after_ms` after the start.
CliResult run_cli_with_signal(const std::vector<std::string>& args, int signal_number,
                              int signal_after_ms) {
  const std::string dir = make_temp_dir("cli");
  const std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  std::vector<std::string> argv_storage{NANODECOH_CLI_PATH};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed for " + argv_storage[0]);
  if (signal_number != 0) {
    usleep(static_cast<useconds_t>(signal_after_ms) * 1000);
    kill(pid, signal_number);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = file_contents(out_path);
  result.err = file_contents(err_path);
  std::filesystem::remove_all(dir);
  return result;
}
}  // namespace

CliResult run_cli(const std::vector<std::string>& args) {
  return run_cli_with_signal(args, 0, 0);
}

CliResult run_cli_signalled(const std::vector<std::string>& args, int signal_number, int after_ms) {
  return run_cli_with_signal(args, signal_number, after_ms);
}

std::string without_backend_notice(const std::string& err) {
  static const std::string notice = "nanodecoh: no usable CUDA device";
  std::string kept;
  std::size_t start = 0;
  while (start < err.size()) {
    std::size_t end = err.find('\n', start);
    end = end == std::string::npos ? err.size() : end + 1;
    if (err.compare(start, notice.size(), notice) != 0) kept.append(err, start, end - start);
    start = end;
  }
  return kept;
}

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += (c == '\n');
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

}  // namespace nanodecoh::testing
