// A small RAII wrapper over the HDF5 C API for nanodecoh's outputs: groups,
// double and complex128 datasets with a shape and a unit attribute, and string
// and number attributes. Complex numbers use the h5py convention, a compound
// type with fields "r" and "i", so `h5py` reads them as numpy complex arrays.
#pragma once

#include <complex>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace nanodecoh::io {

class Hdf5File {
 public:
  /// Creates (truncates) a file for writing. Throws IoError.
  static Hdf5File create(const std::filesystem::path& path);
  /// Opens an existing file read-only. Throws IoError.
  static Hdf5File open_read(const std::filesystem::path& path);

  Hdf5File(Hdf5File&& other) noexcept;
  Hdf5File& operator=(Hdf5File&& other) noexcept;
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;
  /// Closes the file. A close that fails (the final flush hit a full disk) inside
  /// io::write_atomically's callback makes that write fail; nothing is renamed.
  ~Hdf5File();

  /// Flushes and closes now; throws IoError (with the system error) if that fails.
  void close();

  /// Creates a group (and its parents) such as "timeseries" or "snapshots/step_10".
  void create_group(const std::string& path);
  bool exists(const std::string& path) const;

  /// Writes a row-major dataset of the given shape (product of shape == data.size()).
  /// `unit` (may be empty) is stored as the attribute "unit".
  void write(const std::string& path, const std::vector<double>& data,
             const std::vector<std::size_t>& shape, const std::string& unit = "");
  void write(const std::string& path, const std::vector<std::complex<double>>& data,
             const std::vector<std::size_t>& shape, const std::string& unit = "");
  void write(const std::string& path, const std::vector<std::complex<float>>& data,
             const std::vector<std::size_t>& shape, const std::string& unit = "");
  void write(const std::string& path, const std::vector<unsigned long long>& data,
             const std::vector<std::size_t>& shape);
  /// Scalar convenience.
  void write_scalar(const std::string& path, double value, const std::string& unit = "");

  /// Attributes on an object ("/" for the file root).
  void set_attribute(const std::string& object, const std::string& name, const std::string& value);
  void set_attribute(const std::string& object, const std::string& name, double value);
  void set_attribute(const std::string& object, const std::string& name, long long value);

  /// Reads a dataset; `shape` receives its dimensions. Throws IoError on a missing path or wrong
  /// type.
  std::vector<double> read_doubles(const std::string& path,
                                   std::vector<std::size_t>* shape = nullptr) const;
  std::vector<std::complex<double>> read_complex(const std::string& path,
                                                 std::vector<std::size_t>* shape = nullptr) const;
  std::vector<unsigned long long> read_u64(const std::string& path,
                                           std::vector<std::size_t>* shape = nullptr) const;
  /// A string attribute: fixed-length, or variable-length (h5py's `str`, converted in a limited
  /// child process: a damaged file cannot harm the reader). Throws IoError when it is missing,
  /// not one string, longer than 1 MiB, or cannot be read.
  std::string read_string_attribute(const std::string& object, const std::string& name) const;
  /// Whether `object` ("/" for the root) has an attribute `name` (IoError when it cannot tell).
  bool has_attribute(const std::string& object, const std::string& name) const;
  double read_double_attribute(const std::string& object, const std::string& name) const;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  Hdf5File(long long id, std::filesystem::path path);
  long long file_id_ = -1;  // hid_t, kept opaque so this header needs no HDF5 include
  std::filesystem::path path_;
};

}  // namespace nanodecoh::io
