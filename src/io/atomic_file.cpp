// Atomic file writes (atomic_file.hpp): temporary file + checked writes +
// fsync + rename; the target is replaced only after everything succeeded.
#include "nanodecoh/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "nanodecoh/error.hpp"

namespace nanodecoh::io {
namespace fs = std::filesystem;

namespace {

/// Deferred errors of the innermost write_atomically call running on this thread.
thread_local std::vector<std::string>* deferred_errors = nullptr;

/// Removes `path` on destruction unless released (the temporary of a failed write).
class TemporaryFile {
 public:
  explicit TemporaryFile(fs::path path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

fs::path unique_temporary_name(const fs::path& dir, const fs::path& target) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::string name(temporary_prefix);
  name.append(std::to_string(::getpid())).append(".");
  name.append(std::to_string(generator() % 1000000000ULL)).append(".");
  name.append(target.filename().string());
  return dir / name;
}

/// The file actually written: a symbolic link is followed so that it stays a
/// link to the new content. Refuses a target that exists and is not a regular
/// file (renaming over /dev/null or a FIFO would replace it).
fs::path resolve_target(const fs::path& path) {
  std::error_code ec;
  fs::path target = path;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    target = fs::weakly_canonical(path, ec);
    if (ec)
      throw IoError("cannot write " + path.string() +
                    ": cannot resolve the symbolic link: " + describe_system_error(ec.value()));
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw IoError("cannot write " + path.string() + ": it exists and is not a regular file (" +
                  (S_ISDIR(st.st_mode)    ? "a directory"
                   : S_ISFIFO(st.st_mode) ? "a FIFO"
                   : S_ISCHR(st.st_mode)  ? "a character device"
                   : S_ISBLK(st.st_mode)  ? "a block device"
                   : S_ISSOCK(st.st_mode) ? "a socket"
                                          : "not a plain file") +
                  "); it is left untouched");
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec))
    throw IoError("cannot write " + path.string() + ": directory " + dir.string() +
                  " does not exist");
  return target;
}

void fsync_or_throw(const fs::path& temporary, const fs::path& target) {
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw IoError("cannot write " + target.string() +
                  ": reopening the temporary file failed: " + describe_system_error(errno));
  const int synced = ::fsync(fd);
  const int sync_error = errno;
  const int closed = ::close(fd);
  const int close_error = errno;
  if (synced != 0)
    throw IoError("cannot write " + target.string() +
                  ": fsync failed: " + describe_system_error(sync_error));
  if (closed != 0)
    throw IoError("cannot write " + target.string() +
                  ": close failed: " + describe_system_error(close_error));
}

/// Best effort: makes the rename durable. A failure here cannot undo the rename.
void fsync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& target) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError("cannot write " + target.string() + ": " + describe_system_error(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string describe_system_error(int error) {
  const char* name = ::strerrorname_np(error);
  return std::string(std::strerror(error)) + (name ? " (" + std::string(name) + ")" : "");
}

void report_deferred_write_error(const std::string& message) {
  if (deferred_errors) deferred_errors->push_back(message);
}

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  const fs::path target = resolve_target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path temporary_path = unique_temporary_name(dir, target);
  // Created here (exclusively) so that a read-only directory fails before any work.
  const int fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH);
  if (fd < 0)
    throw IoError("cannot write " + path.string() + ": cannot create a file in " + dir.string() +
                  ": " + describe_system_error(errno));
  ::close(fd);
  TemporaryFile temporary(temporary_path);

  std::vector<std::string> errors;
  std::vector<std::string>* const outer = deferred_errors;
  deferred_errors = &errors;
  try {
    write(temporary.path());
  } catch (const IoError& e) {
    deferred_errors = outer;
    throw IoError("cannot write " + path.string() + " (nothing replaced): " + e.what());
  } catch (...) {
    deferred_errors = outer;
    throw;
  }
  deferred_errors = outer;
  if (!errors.empty())
    throw IoError("cannot write " + path.string() + " (nothing replaced): " + errors.front());
  fsync_or_throw(temporary.path(), path);
  if (::rename(temporary.path().c_str(), target.c_str()) != 0)
    throw IoError("cannot replace " + path.string() +
                  " with the new file (nothing replaced): " + describe_system_error(errno));
  temporary.release();
  fsync_directory(dir);
}

void write_text_atomically(const fs::path& path, const std::string& content) {
  write_atomically(path, [&](const fs::path& temporary) {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
      throw IoError("cannot open " + temporary.string() + ": " + describe_system_error(errno));
    try {
      write_all(fd, content.data(), content.size(), temporary);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0)
      throw IoError("cannot close " + temporary.string() + ": " + describe_system_error(errno));
  });
}

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw IoError("cannot read " + path.string() + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string() + ": " + describe_system_error(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace nanodecoh::io
