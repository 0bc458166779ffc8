// Atomic file writes (atomic_file.hpp): temporary file + fsync + rename.
#include "nanodecoh/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "nanodecoh/error.hpp"

namespace nanodecoh::io {
namespace fs = std::filesystem;

namespace {
void fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;  // best effort: the rename is what makes the write atomic
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (!fs::is_directory(dir))
    throw IoError("cannot write " + path.string() + ": directory " + dir.string() +
                  " does not exist");
  std::random_device rd;
  // Built with append: GCC 12 warns falsely (-Wrestrict) on a chain of operator+ here.
  std::string name(".");
  name.append(path.filename().string()).append(".tmp").append(std::to_string(::getpid()));
  name.append("-").append(std::to_string(rd() % 100000));
  const fs::path temporary = dir / name;
  try {
    write(temporary);
    fsync_path(temporary);
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    throw IoError("cannot rename temporary file onto " + path.string() + ": " + ec.message());
  }
  fsync_path(dir);
}

void write_text_atomically(const fs::path& path, const std::string& content) {
  write_atomically(path, [&](const fs::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out << content;
    out.close();
    if (!out) throw IoError("cannot write " + temporary.string() + ": " + std::strerror(errno));
  });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path.string() + ": " + std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace nanodecoh::io
