// The F-table file: one versioned HDF5 layout for tables of the complex
// localization rate F_{R_i,R_j}(dX_k) (desorption eqs. 2-3, 48; docs/physics.md
// section 2). `nanodecoh ftable` and the library write it, the evolution's
// `table` channel reads it. The layout is documented in docs/ftable-format.md:
//
//   /F                [P, P, D] complex128, 1/s   F[i, j, k] = F_{R_i, R_j}(dX_k),
//                                                 R_i on the ket side, R_j on the bra side,
//                                                 dX = X - X' (ket minus bra)
//   /orientations     [P, 3, 3] rotation matrices (body frame -> lab frame), row-major
//   /displacements    [D, 3] m
//   /angles           [P] rad   (optional: orientations are rotations about rotation_axis)
//   /rotation_axis    [3] (with /angles)
//   /displacement_coordinate [D] m (optional: displacements lie on a line along
//                     /displacement_axis [3])
//   /error_estimate   [P, P, D] 1/s (optional)
//   root attributes   schema = "nanodecoh.ftable", schema_version = 1, rate (1/s),
//                     tolerance (units of rate), orientation_kind, displacement_kind,
//                     layout, and the writer's provenance.
//
// Grid convention shared with the evolution's axes: a libration window or a line of
// N points has coordinates centre + (i - floor(N/2)) step, i = 0..N-1; a periodic circle
// has 2 pi i / N.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace nanodecoh::io {

class Hdf5File;

/// A table of F over orientation pairs and displacements, as stored in an F-table file.
struct FTable {
  /// Version of the layout this struct reads and writes.
  static constexpr long long schema_version = 1;

  /// P rotation matrices, row-major (R_i maps body-frame vectors to the lab frame).
  std::vector<std::array<double, 9>> orientations;
  /// D displacements dX = X - X' (m, lab frame).
  std::vector<std::array<double, 3>> displacements;
  /// F[(i * P + j) * D + k] = F_{R_i, R_j}(dX_k) (1/s).
  std::vector<std::complex<double>> values;
  /// Convergence estimate per value (1/s); empty when unknown.
  std::vector<double> error_estimates;

  /// "periodic", "libration" (rotations about rotation_axis by `angles`) or "list".
  std::string orientation_kind = "list";
  std::vector<double> angles;  ///< rad, one per orientation (empty for "list")
  std::array<double, 3> rotation_axis{0.0, 0.0, 1.0};
  /// "line" (along displacement_axis at `displacement_coordinate`) or "list".
  std::string displacement_kind = "list";
  std::vector<double> displacement_coordinate;  ///< m, one per displacement (line only)
  std::array<double, 3> displacement_axis{1.0, 0.0, 0.0};

  double rate = 0.0;       ///< total emission rate Gamma (1/s); 0 = unknown
  double tolerance = 0.0;  ///< quadrature tolerance in units of `rate`; 0 = unknown

  std::size_t orientation_count() const noexcept { return orientations.size(); }
  std::size_t displacement_count() const noexcept { return displacements.size(); }
  const std::complex<double>& at(std::size_t i, std::size_t j, std::size_t k) const {
    return values[(i * orientations.size() + j) * displacements.size() + k];
  }

  /// Checks shapes, finiteness and that every orientation is a rotation matrix. Errors name
  /// `source` (a file or a parameter) and the dataset. Throws InvalidArgument.
  void validate(const std::string& source) const;
};

/// Writes the table's datasets and attributes into an open file (the caller may add more,
/// e.g. the diffusive approximation and provenance).
void write_ftable(Hdf5File& file, const FTable& table);

/// Reads and validates an F-table file. Throws IoError (unreadable, or not an F-table file:
/// the message says which layout is expected) or InvalidArgument (inconsistent contents),
/// naming the path.
FTable read_ftable(const std::filesystem::path& path);

}  // namespace nanodecoh::io
