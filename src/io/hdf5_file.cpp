// HDF5 output (hdf5_file.hpp) on the HDF5 C API. Every call is checked; a
// failure throws IoError naming the file and the object. HDF5's own error
// stack printing is switched off so errors reach the user once, as one line.
#include "nanodecoh/io/hdf5_file.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <utility>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/resources.hpp"

namespace nanodecoh::io {
namespace {

/// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), close_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes now and returns the status: closing a dataset or attribute being written
  /// may flush its data, and that write can fail (a full disk).
  herr_t close() { return id_ >= 0 ? close_(std::exchange(id_, -1)) : 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void silence_hdf5_errors() {
  static const bool done = [] {
    // No library shutdown at exit: after a close that failed (a full disk), HDF5 keeps the
    // file in its tables and its exit handler crashes on it (SIGSEGV in H5F__close_cb,
    // HDF5 1.10). Every file nanodecoh opens is closed by its owner before exit anyway.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

/// The system error behind the HDF5 call that just failed: the file drivers put
/// "errno = 28, error message = ..." into the description of their stack entry.
/// Must run before the next HDF5 API call, which clears the stack.
std::string system_error_of_last_failure() {
  int found = 0;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* entry, void* data) -> herr_t {
        if (entry->desc == nullptr) return 0;
        if (const char* at = std::strstr(entry->desc, "errno = ")) {
          const int value = std::atoi(at + 8);
          if (value > 0) *static_cast<int*>(data) = value;
        }
        return 0;
      },
      &found);
  return found > 0 ? ": " + describe_system_error(found) : std::string();
}

void check(herr_t status, const std::string& what, const std::filesystem::path& file) {
  if (status < 0)
    throw IoError("HDF5: " + what + " failed in " + file.string() + system_error_of_last_failure());
}

hid_t complex_type(hid_t real_type, std::size_t size) {
  const hid_t type = H5Tcreate(H5T_COMPOUND, 2 * size);
  H5Tinsert(type, "r", 0, real_type);
  H5Tinsert(type, "i", size, real_type);
  return type;
}

std::vector<hsize_t> to_dims(const std::vector<std::size_t>& shape, std::size_t size,
                             const std::string& path) {
  const std::size_t product =
      std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<std::size_t>());
  if (product != size) throw IoError("HDF5: shape does not match data size for " + path);
  return {shape.begin(), shape.end()};
}

}  // namespace

Hdf5File::Hdf5File(long long id, std::filesystem::path path)
    : file_id_(id), path_(std::move(path)) {}

Hdf5File Hdf5File::create(const std::filesystem::path& path) {
  silence_hdf5_errors();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0)
    throw IoError("cannot create HDF5 file " + path.string() + system_error_of_last_failure());
  return Hdf5File(id, path);
}

namespace {
/// The process's data segment (VmData of /proc/self/status) in bytes; 0 if unknown.
rlim_t data_segment_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmData:") {
      rlim_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(4096, '\n');
  }
  return 0;
}

/// What a child process of in_limited_child ended with.
struct ChildOutcome {
  int status = 0;          ///< waitpid's status
  bool timed_out = false;  ///< killed after 30 s of wall time
  bool too_long = false;   ///< killed for writing more than the output limit
  std::string output;      ///< what it wrote to its pipe (at most the limit)
};

/// Runs `body(fd)` with libhdf5 in a child process whose data segment may grow by at most 1 GiB
/// and which may use 60 s of CPU and 30 s of wall time; what it writes to `fd` (at most
/// `max_output` bytes) comes back in the outcome, and its return value is its exit status.
/// Found by fuzz_hdf5_inputs: damaged files make libhdf5 1.10 allocate memory without bound,
/// crash, or copy gigabytes over its own buffers, none of which can be checked from outside
/// libhdf5; such work is done here, so that only its result reaches the reading process.
template <class Body>
ChildOutcome in_limited_child(const std::filesystem::path& path, std::size_t max_output,
                              const Body& body) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0)
    throw IoError("cannot check " + path.string() +
                  " before reading it: " + describe_system_error(errno));
  const pid_t child = fork();
  if (child < 0) {
    const int error = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw IoError("cannot check " + path.string() +
                  " before reading it: " + describe_system_error(error));
  }
  if (child == 0) {
    // Die at once on a crash: handlers inherited from a host (a sanitizer, a fuzzer, Python)
    // must not run in this copy of the process.
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGXCPU}) signal(sig, SIG_DFL);
    close(pipe_fds[0]);
    const rlim_t data = data_segment_bytes() + (rlim_t{1} << 30);
    const rlimit data_limit{data, data}, cpu_limit{60, 61};
    setrlimit(RLIMIT_DATA, &data_limit);
    setrlimit(RLIMIT_CPU, &cpu_limit);
    _exit(body(pipe_fds[1]));
  }
  close(pipe_fds[1]);
  fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  ChildOutcome outcome;
  const auto drain = [&] {
    char buffer[4096];
    for (;;) {
      const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
      if (got <= 0) return;
      outcome.output.append(buffer, static_cast<std::size_t>(got));
      if (outcome.output.size() > max_output) {
        outcome.too_long = true;
        outcome.output.resize(max_output);
        return;
      }
    }
  };
  // Wait at most 30 s of wall time (a child stuck in a handler it inherited is killed).
  long waited_us = 0;
  for (long pause_us = 100;; pause_us = std::min(2 * pause_us, 10000L)) {
    drain();
    const pid_t done = waitpid(child, &outcome.status, WNOHANG);
    if (done == child) break;
    if (done < 0 && errno != EINTR) {
      const int error = errno;
      close(pipe_fds[0]);
      throw IoError("cannot check " + path.string() +
                    " before reading it: " + describe_system_error(error));
    }
    if (waited_us >= 30000000 || outcome.too_long) {
      kill(child, SIGKILL);
      while (waitpid(child, &outcome.status, 0) < 0 && errno == EINTR) {
      }
      outcome.timed_out = !outcome.too_long;
      break;
    }
    usleep(static_cast<useconds_t>(pause_us));
    waited_us += pause_us;
  }
  if (!outcome.timed_out && !outcome.too_long) drain();
  close(pipe_fds[0]);
  return outcome;
}

/// Walks every link of `path` with libhdf5 in a limited child (in_limited_child): a damaged
/// group structure makes libhdf5 1.10 allocate memory without bound (more than 5 GB in 30 s)
/// while it looks up a name, and other damage makes it crash, so a file is read only after a
/// child has walked its structure. Legitimate nanodecoh files need a few megabytes for this.
void probe_structure(const std::filesystem::path& path) {
  const ChildOutcome outcome = in_limited_child(path, 0, [&](int) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) return 2;
    const herr_t walked = H5Lvisit(
        file, H5_INDEX_NAME, H5_ITER_NATIVE,
        [](hid_t, const char*, const H5L_info_t*, void*) -> herr_t { return 0; }, nullptr);
    return walked < 0 ? 1 : 0;
  });
  const int status = outcome.status;
  if (outcome.timed_out)
    throw IoError("cannot open " + path.string() +
                  ": libhdf5 did not finish walking its groups within 30 s: the file is "
                  "damaged");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
    throw IoError("cannot open " + path.string() + ": not a readable HDF5 file");
  throw IoError("cannot open " + path.string() + ": " +
                (WIFSIGNALED(status) ? "libhdf5 crashed or exceeded its limits walking its "
                                       "groups (signal " +
                                           std::to_string(WTERMSIG(status)) + ")"
                                     : std::string("libhdf5 cannot walk its groups within 1 GiB "
                                                   "of memory")) +
                ": the file is damaged");
}

/// The longest variable-length string attribute read (1 MiB: a run's configuration is a few kB).
constexpr std::size_t kMaxVariableString = std::size_t{1} << 20;

/// A variable-length string attribute (h5py's `str`), converted by libhdf5 in a limited child
/// (in_limited_child) whose result comes back through a pipe: converting one from a damaged
/// global heap made libhdf5 1.10 copy 4 GB over its own buffers (regression
/// hdf5_inputs-damaged-vlen-string-heap), and the reading process never converts one itself.
/// `file` is the reading process's open file (the child works on its copy of libhdf5's state).
std::string read_variable_string(hid_t file, const std::filesystem::path& path,
                                 const std::string& object, const std::string& name) {
  const ChildOutcome outcome = in_limited_child(path, kMaxVariableString, [&](int fd) {
    const hid_t attr =
        H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0) return 3;
    const hid_t space = H5Aget_space(attr);
    if (space < 0 || H5Sget_simple_extent_npoints(space) != 1) return 4;
    // In the file's character set (libhdf5 converts no string between ASCII and UTF-8).
    const hid_t file_type = H5Aget_type(attr);
    const hid_t text = H5Tcopy(H5T_C_S1);
    if (file_type < 0 || text < 0 || H5Tset_size(text, H5T_VARIABLE) < 0 ||
        H5Tset_cset(text, H5Tget_cset(file_type)) < 0)
      return 5;
    char* value = nullptr;
    if (H5Aread(attr, text, &value) < 0) return 5;
    if (value == nullptr) return 0;  // a null string: read as empty
    const std::size_t length = strnlen(value, kMaxVariableString + 1);
    for (std::size_t written = 0; written < length;) {
      const ssize_t put = write(fd, value + written, length - written);
      if (put <= 0) return 6;
      written += static_cast<std::size_t>(put);
    }
    return 0;  // (the child's memory and handles go with it)
  });
  const std::string where = "attribute " + name + " of " + object + " in " + path.string();
  const int status = outcome.status;
  if (outcome.too_long)
    throw IoError("HDF5: " + where + " is a string of more than " +
                  std::to_string(kMaxVariableString) + " bytes");
  if (outcome.timed_out)
    throw IoError("HDF5: libhdf5 did not finish reading " + where +
                  " within 30 s: the file is damaged");
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case 0:
        return outcome.output;
      case 3:
        throw IoError("HDF5: no attribute " + name + " on " + object + " in " + path.string());
      case 4:
        throw IoError("HDF5: " + where + " is not a single string");
      default:
        throw IoError("HDF5: cannot read " + where + ": the file is damaged");
    }
  }
  throw IoError("HDF5: cannot read " + where + ": libhdf5 crashed or exceeded its limits (signal " +
                std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0) +
                "): the file is damaged");
}
}  // namespace

Hdf5File Hdf5File::open_read(const std::filesystem::path& path) {
  silence_hdf5_errors();
  if (!std::filesystem::exists(path))
    throw IoError("cannot open " + path.string() + ": no such file");
  probe_structure(path);
  // H5F_CLOSE_STRONG: closing the file also closes whatever libhdf5 still holds open in it,
  // so that a damaged file refused half-way leaves nothing behind in the library.
  Handle access(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!access.valid() || H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG) < 0)
    throw IoError("HDF5: cannot set up reading " + path.string());
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.get());
  if (id < 0) throw IoError("cannot open " + path.string() + ": not a readable HDF5 file");
  return Hdf5File(id, path);
}

Hdf5File::Hdf5File(Hdf5File&& other) noexcept
    : file_id_(std::exchange(other.file_id_, -1)), path_(std::move(other.path_)) {}

Hdf5File& Hdf5File::operator=(Hdf5File&& other) noexcept {
  if (this != &other) {
    if (file_id_ >= 0 && H5Fclose(file_id_) < 0)
      report_deferred_write_error("HDF5: closing (flushing) failed in " + path_.string() +
                                  system_error_of_last_failure());
    file_id_ = std::exchange(other.file_id_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

Hdf5File::~Hdf5File() {
  if (file_id_ < 0) return;
  // A destructor cannot throw: a failed close (the final flush hit a full disk)
  // is reported to the enclosing write_atomically, which then does not rename.
  if (H5Fclose(file_id_) < 0)
    report_deferred_write_error("HDF5: closing (flushing) failed in " + path_.string() +
                                system_error_of_last_failure());
}

void Hdf5File::close() {
  if (file_id_ < 0) return;
  const hid_t id = std::exchange(file_id_, -1);
  check(H5Fclose(id), "closing (flushing)", path_);
}

bool Hdf5File::exists(const std::string& path) const {
  if (path == "/") return true;
  // Check every prefix: H5Lexists fails on a missing intermediate group.
  std::size_t pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos)
    if (H5Lexists(file_id_, path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  return H5Lexists(file_id_, path.c_str(), H5P_DEFAULT) > 0;
}

void Hdf5File::create_group(const std::string& path) {
  Handle plist(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(plist.get(), 1);
  Handle group(H5Gcreate2(file_id_, path.c_str(), plist.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!group.valid())
    throw IoError("HDF5: cannot create group " + path + " in " + path_.string() +
                  system_error_of_last_failure());
  check(group.close(), "closing group " + path, path_);
}

namespace {
void write_raw(hid_t file, const std::filesystem::path& file_path, const std::string& path,
               hid_t type, const void* data, const std::vector<hsize_t>& dims) {
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  Handle plist(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(plist.get(), 1);
  Handle set(
      H5Dcreate2(file, path.c_str(), type, space.get(), plist.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  if (!set.valid())
    throw IoError("HDF5: cannot create dataset " + path + " in " + file_path.string() +
                  system_error_of_last_failure());
  check(H5Dwrite(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing " + path,
        file_path);
  check(set.close(), "closing dataset " + path, file_path);
}
}  // namespace

void Hdf5File::write(const std::string& path, const std::vector<double>& data,
                     const std::vector<std::size_t>& shape, const std::string& unit) {
  write_raw(file_id_, path_, path, H5T_NATIVE_DOUBLE, data.data(),
            to_dims(shape, data.size(), path));
  if (!unit.empty()) set_attribute(path, "unit", unit);
}

void Hdf5File::write(const std::string& path, const std::vector<std::complex<double>>& data,
                     const std::vector<std::size_t>& shape, const std::string& unit) {
  Handle type(complex_type(H5T_NATIVE_DOUBLE, sizeof(double)), H5Tclose);
  write_raw(file_id_, path_, path, type.get(), data.data(), to_dims(shape, data.size(), path));
  if (!unit.empty()) set_attribute(path, "unit", unit);
}

void Hdf5File::write(const std::string& path, const std::vector<std::complex<float>>& data,
                     const std::vector<std::size_t>& shape, const std::string& unit) {
  Handle type(complex_type(H5T_NATIVE_FLOAT, sizeof(float)), H5Tclose);
  write_raw(file_id_, path_, path, type.get(), data.data(), to_dims(shape, data.size(), path));
  if (!unit.empty()) set_attribute(path, "unit", unit);
}

void Hdf5File::write(const std::string& path, const std::vector<unsigned long long>& data,
                     const std::vector<std::size_t>& shape) {
  write_raw(file_id_, path_, path, H5T_NATIVE_ULLONG, data.data(),
            to_dims(shape, data.size(), path));
}

void Hdf5File::write_scalar(const std::string& path, double value, const std::string& unit) {
  write_raw(file_id_, path_, path, H5T_NATIVE_DOUBLE, &value, {});
  if (!unit.empty()) set_attribute(path, "unit", unit);
}

namespace {
template <typename Fn>
void with_attribute_target(hid_t file, const std::filesystem::path& file_path,
                           const std::string& object, Fn fn) {
  Handle target(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
  if (!target.valid()) throw IoError("HDF5: no object " + object + " in " + file_path.string());
  fn(target.get());
  check(target.close(), "closing " + object, file_path);
}

void write_attribute(hid_t target, const std::string& name, hid_t type, const void* value,
                     const std::filesystem::path& file_path) {
  if (H5Aexists(target, name.c_str()) > 0) H5Adelete(target, name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(target, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.valid())
    throw IoError("HDF5: cannot create attribute " + name + " in " + file_path.string());
  check(H5Awrite(attr.get(), type, value), "writing attribute " + name, file_path);
  check(attr.close(), "closing attribute " + name, file_path);
}
}  // namespace

void Hdf5File::set_attribute(const std::string& object, const std::string& name,
                             const std::string& value) {
  with_attribute_target(file_id_, path_, object, [&](hid_t target) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), value.empty() ? 1 : value.size());
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    write_attribute(target, name, type.get(), value.empty() ? "" : value.data(), path_);
  });
}

void Hdf5File::set_attribute(const std::string& object, const std::string& name, double value) {
  with_attribute_target(file_id_, path_, object, [&](hid_t target) {
    write_attribute(target, name, H5T_NATIVE_DOUBLE, &value, path_);
  });
}

void Hdf5File::set_attribute(const std::string& object, const std::string& name, long long value) {
  with_attribute_target(file_id_, path_, object, [&](hid_t target) {
    write_attribute(target, name, H5T_NATIVE_LLONG, &value, path_);
  });
}

namespace {
bool standard_float(hid_t type) {
  for (hid_t standard : {H5T_IEEE_F64LE, H5T_IEEE_F64BE, H5T_IEEE_F32LE, H5T_IEEE_F32BE})
    if (H5Tequal(type, standard) > 0) return true;
  return false;
}

/// Whether a stored compound is a complex number laid out as nanodecoh writes it
/// (`complex_type`): members "r" and "i" of one IEEE float type, at offsets 0 and the float's
/// size, and nothing else. A damaged member offset (16 MB into a 16-byte compound) made
/// libhdf5's struct conversion read freed memory (found by fuzz_hdf5_inputs).
bool complex_layout(hid_t file_type) {
  if (H5Tget_class(file_type) != H5T_COMPOUND || H5Tget_nmembers(file_type) != 2) return false;
  Handle real(H5Tget_member_type(file_type, 0), H5Tclose);
  Handle imag(H5Tget_member_type(file_type, 1), H5Tclose);
  if (!real.valid() || !imag.valid() || !standard_float(real.get()) ||
      H5Tequal(real.get(), imag.get()) <= 0)
    return false;
  const std::size_t part = H5Tget_size(real.get());
  if (H5Tget_size(file_type) != 2 * part || H5Tget_member_offset(file_type, 0) != 0 ||
      H5Tget_member_offset(file_type, 1) != part)
    return false;
  const auto member_is = [&](unsigned index, const char* expected) {
    char* name = H5Tget_member_name(file_type, index);
    const bool same = name != nullptr && std::string(name) == expected;
    H5free_memory(name);
    return same;
  };
  return member_is(0, "r") && member_is(1, "i");
}

/// Whether libhdf5 may convert the stored type to `mem_type`: IEEE floats (or a complex
/// compound of two, see complex_layout) and integers of at most 8 bytes. A damaged float
/// description makes libhdf5's conversion allocate gigabytes (found by fuzz_hdf5_inputs).
bool convertible_file_type(hid_t file_type, hid_t mem_type) {
  switch (H5Tget_class(mem_type)) {
    case H5T_FLOAT:
      return standard_float(file_type);
    case H5T_INTEGER:
      return H5Tget_class(file_type) == H5T_INTEGER && H5Tget_size(file_type) <= 8;
    case H5T_COMPOUND:
      return complex_layout(file_type);
    default:
      return false;
  }
}

template <typename T>
std::vector<T> read_raw(hid_t file, const std::filesystem::path& file_path, const std::string& path,
                        hid_t mem_type, std::vector<std::size_t>* shape) {
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw IoError("HDF5: no dataset " + path + " in " + file_path.string());
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  if (rank < 0)
    throw IoError("HDF5: dataset " + path + " in " + file_path.string() + " is damaged");
  // Before allocating: the element count a (possibly damaged) header declares, in double so
  // that it cannot overflow, must fit the memory, and uncompressed data must fit the file.
  double count_declared = 1;
  for (auto d : dims) count_declared *= static_cast<double>(d);
  const double bytes = count_declared * sizeof(T);
  Handle create_plist(H5Dget_create_plist(set.get()), H5Pclose);
  const bool compressed = create_plist.valid() && H5Pget_nfilters(create_plist.get()) > 0;
  std::error_code ec;
  const double file_bytes = static_cast<double>(std::filesystem::file_size(file_path, ec));
  if (!compressed && !ec && bytes > file_bytes + 1e6)
    throw IoError("HDF5: dataset " + path + " in " + file_path.string() + " declares " +
                  format_bytes(bytes) + " of data, more than the file's " +
                  format_bytes(file_bytes) + ": the file is damaged");
  // Uncompressed data shorter than declared (a damaged layout) makes libhdf5 1.10 read
  // from a null buffer (found by fuzz_hdf5_inputs): refuse it before H5Dread.
  Handle file_type(H5Dget_type(set.get()), H5Tclose);
  if (!file_type.valid() || !convertible_file_type(file_type.get(), mem_type))
    throw IoError("HDF5: dataset " + path + " in " + file_path.string() +
                  " does not hold IEEE floating-point numbers (or integers) of the expected "
                  "kind: the file is damaged or not a nanodecoh input");
  const double stored_bytes_needed =
      count_declared * static_cast<double>(file_type.valid() ? H5Tget_size(file_type.get()) : 0);
  if (!compressed && count_declared > 0 &&
      static_cast<double>(H5Dget_storage_size(set.get())) < stored_bytes_needed)
    throw IoError("HDF5: dataset " + path + " in " + file_path.string() + " stores " +
                  format_bytes(static_cast<double>(H5Dget_storage_size(set.get()))) + " of the " +
                  format_bytes(stored_bytes_needed) +
                  " its shape declares: the file is damaged or incomplete");
  require_memory(bytes, "reading dataset " + path + " of " + file_path.string(), "check the file");
  const auto count = static_cast<std::size_t>(count_declared);
  std::vector<T> data(count);
  check(H5Dread(set.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "reading " + path,
        file_path);
  if (shape) shape->assign(dims.begin(), dims.end());
  return data;
}
}  // namespace

std::vector<double> Hdf5File::read_doubles(const std::string& path,
                                           std::vector<std::size_t>* shape) const {
  return read_raw<double>(file_id_, path_, path, H5T_NATIVE_DOUBLE, shape);
}

std::vector<std::complex<double>> Hdf5File::read_complex(const std::string& path,
                                                         std::vector<std::size_t>* shape) const {
  Handle type(complex_type(H5T_NATIVE_DOUBLE, sizeof(double)), H5Tclose);
  return read_raw<std::complex<double>>(file_id_, path_, path, type.get(), shape);
}

std::vector<unsigned long long> Hdf5File::read_u64(const std::string& path,
                                                   std::vector<std::size_t>* shape) const {
  return read_raw<unsigned long long>(file_id_, path_, path, H5T_NATIVE_ULLONG, shape);
}

std::string Hdf5File::read_string_attribute(const std::string& object,
                                            const std::string& name) const {
  std::string value;
  bool variable = false;  // a variable-length string: converted in a child

  with_attribute_target(file_id_, path_, object, [&](hid_t target) {
    Handle attr(H5Aopen(target, name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attr.valid())
      throw IoError("HDF5: no attribute " + name + " on " + object + " in " + path_.string());
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    Handle space(H5Aget_space(attr.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_STRING)
      throw IoError("HDF5: attribute " + name + " on " + object + " in " + path_.string() +
                    " is not a string");
    // One string: an array of them was read into `value` past its end.
    if (H5Sget_simple_extent_npoints(space.get()) != 1)
      throw IoError("HDF5: attribute " + name + " on " + object + " in " + path_.string() +
                    " is not a single string");
    if (H5Tis_variable_str(type.get()) != 0) {
      variable = true;
      return;
    }
    value.resize(H5Tget_size(type.get()));
    check(H5Aread(attr.get(), type.get(), value.data()), "reading attribute " + name, path_);
    while (!value.empty() && value.back() == '\0') value.pop_back();
  });
  if (variable) return read_variable_string(file_id_, path_, object, name);
  return value;
}

bool Hdf5File::has_attribute(const std::string& object, const std::string& name) const {
  htri_t exists = -1;
  with_attribute_target(file_id_, path_, object,
                        [&](hid_t target) { exists = H5Aexists(target, name.c_str()); });
  if (exists < 0)
    throw IoError("HDF5: cannot look up attribute " + name + " on " + object + " in " +
                  path_.string());
  return exists > 0;
}

double Hdf5File::read_double_attribute(const std::string& object, const std::string& name) const {
  double value = 0;
  with_attribute_target(file_id_, path_, object, [&](hid_t target) {
    Handle attr(H5Aopen(target, name.c_str(), H5P_DEFAULT), H5Aclose);
    if (!attr.valid())
      throw IoError("HDF5: no attribute " + name + " on " + object + " in " + path_.string());
    // One number: an array attribute was read into `value` past its end.
    Handle type(H5Aget_type(attr.get()), H5Tclose);
    Handle space(H5Aget_space(attr.get()), H5Sclose);
    const H5T_class_t kind = H5Tget_class(type.get());
    if ((kind != H5T_FLOAT && kind != H5T_INTEGER) ||
        H5Sget_simple_extent_npoints(space.get()) != 1)
      throw IoError("HDF5: attribute " + name + " on " + object + " in " + path_.string() +
                    " is not a single number");
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "reading attribute " + name, path_);
  });
  return value;
}

}  // namespace nanodecoh::io
