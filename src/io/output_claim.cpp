// Output claims (output_claim.hpp): the checks before a long computation, the
// removal of stale temporaries and the per-output lock file.
#include "nanodecoh/io/output_claim.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <set>
#include <utility>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"

namespace nanodecoh::io {
namespace fs = std::filesystem;

namespace {

constexpr const char* lock_prefix = ".nanodecoh-lock.";

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

fs::path directory_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

/// The path that identifies an output: symbolic links resolved, "./a" == "a".
fs::path identity(const fs::path& path) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path) : canonical;
}

void check_target(const OutputTarget& target, const std::vector<fs::path>& inputs) {
  const std::string shown = target.path.string();
  struct stat st {};
  if (::stat(target.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw InvalidArgument(target.flag, shown,
                          std::string("a regular file or a new path (it is ") +
                              file_type_name(st.st_mode) + ", left untouched)");
  for (const fs::path& input : inputs) {
    std::error_code ec;
    if (!input.empty() && fs::equivalent(target.path, input, ec))
      throw InvalidArgument(
          target.flag, shown,
          "a path different from the run's input " + input.string() + " (it would be overwritten)");
  }
  const fs::path dir = directory_of(identity(target.path));
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InvalidArgument(target.flag, shown,
                          "a path in an existing directory (" + dir.string() + " does not exist)");
  // Probe: the same kind of exclusive create write_atomically will do at the end.
  const fs::path probe = dir / (std::string(temporary_prefix) + std::to_string(::getpid()) +
                                ".probe." + target.path.filename().string());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0)
    throw IoError("cannot write " + shown + " (" + target.flag + "): cannot create a file in " +
                  dir.string() + ": " + describe_system_error(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

/// Locks `lock_path` (creating it) and returns its descriptor. The inode check
/// guards against a lock file that its previous holder unlinked meanwhile.
int acquire_lock(const fs::path& lock_path, const OutputTarget& target) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                          S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH);
    if (fd < 0)
      throw IoError("cannot write " + target.path.string() + " (" + target.flag +
                    "): cannot create the lock file " + lock_path.string() + ": " +
                    describe_system_error(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      char buffer[32] = {};
      const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
      ::close(fd);
      if (error != EWOULDBLOCK)
        throw IoError("cannot lock " + lock_path.string() + ": " + describe_system_error(error));
      const std::string holder = n > 0 ? " (pid " + std::to_string(std::atol(buffer)) + ")" : "";
      throw IoError(target.path.string() + " (" + target.flag +
                    ") is being written by another nanodecoh process" + holder +
                    ": wait for it to finish or choose another path");
    }
    struct stat held {
    }, current{};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path.c_str(), &current) == 0 &&
        held.st_ino == current.st_ino && held.st_dev == current.st_dev) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) == 0) {
        const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
        (void)written;  // the pid is informative only; the flock is the lock
      }
      return fd;
    }
    ::close(fd);  // unlinked by its previous holder after we opened it: retry
  }
  throw IoError("cannot lock " + lock_path.string() + ": it keeps being replaced");
}

}  // namespace

OutputClaim::OutputClaim(OutputClaim&& other) noexcept : locks_(std::move(other.locks_)) {
  other.locks_.clear();
}

OutputClaim& OutputClaim::operator=(OutputClaim&& other) noexcept {
  if (this != &other) {
    OutputClaim old(std::move(*this));
    locks_ = std::move(other.locks_);
    other.locks_.clear();
  }
  return *this;
}

OutputClaim::~OutputClaim() {
  // Unlink while still holding the lock, then close (which releases it).
  for (const Lock& lock : locks_) {
    ::unlink(lock.path.c_str());
    ::close(lock.fd);
  }
}

OutputClaim claim_outputs(const std::vector<OutputTarget>& outputs,
                          const std::vector<fs::path>& inputs) {
  OutputClaim claim;
  std::set<fs::path> claimed;
  for (const OutputTarget& target : outputs) {
    if (target.path.empty()) continue;
    check_target(target, inputs);
    const fs::path id = identity(target.path);
    if (!claimed.insert(id).second) continue;
    remove_stale_temporaries(id.parent_path());
    const fs::path lock_path = id.parent_path() / (lock_prefix + id.filename().string());
    claim.locks_.push_back({acquire_lock(lock_path, target), lock_path});
  }
  return claim;
}

std::size_t remove_stale_temporaries(const fs::path& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  const std::string prefix = temporary_prefix;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* after = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &after, 10);
    if (pid <= 0 || after == nullptr || *after != '.') continue;
    if (pid == ::getpid()) continue;
    // The process is gone (ESRCH); EPERM means it exists under another user.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code remove_error;
    if (fs::remove(it->path(), remove_error)) ++removed;
  }
  return removed;
}

}  // namespace nanodecoh::io
