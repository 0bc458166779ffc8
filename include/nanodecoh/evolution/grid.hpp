// The grid of the density-matrix evolution (docs/physics.md section 4): a tensor
// product of 1 to 3 axes, each a translation coordinate (mass M, step dx) or a
// rotation angle about a fixed body axis (moment of inertia I; a periodic full
// circle or a libration window). rho(x; x') keeps a ket and a bra copy of every
// axis and is stored row-major as [ket axes..., bra axes...].
//
// This header is C++17 so that the CUDA launchers can include it.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nanodecoh::evolution {

/// What an axis describes.
enum class AxisKind { translation, rotation };
/// A rotation axis covers the full periodic circle or a small libration window.
enum class RotationMode { circle, libration };
/// Storage precision of rho.
enum class Precision { complex128, complex64 };

/// One axis of the grid.
struct Axis {
  AxisKind kind = AxisKind::translation;
  std::string name = "x";
  std::size_t points = 64;
  double step = 1e-9;    ///< m (translation) or rad (rotation); a circle uses 2 pi / points
  double center = 0.0;   ///< m or rad: coordinate of point points/2
  double inertia = 0.0;  ///< mass M (kg) for translation, moment of inertia I (kg m^2) for rotation
  RotationMode mode = RotationMode::libration;  ///< rotation only
};

/// Tensor-product grid of 1 to 3 axes. Coordinates are center + (i - n/2) step;
/// wave numbers follow the FFT order, k_f = 2 pi f / (n step), f in [-n/2, n/2).
class Grid {
 public:
  /// Validates the axes (1 to 3; points >= 2; step, inertia > 0; unique names) and
  /// sets the step of circle axes to 2 pi / points. Throws InvalidArgument.
  explicit Grid(std::vector<Axis> axes);

  const std::vector<Axis>& axes() const noexcept { return axes_member_; }
  std::size_t axis_count() const noexcept { return axes_member_.size(); }
  /// Index of the axis called `name`; throws InvalidArgument naming `parameter` if absent.
  std::size_t axis_index(const std::string& name, const std::string& parameter) const;
  /// Number of ket points (product of the axis sizes).
  std::size_t ket_size() const noexcept { return ket_size_member_; }
  /// Number of elements of rho (ket_size squared).
  std::size_t total_size() const noexcept { return ket_size_member_ * ket_size_member_; }
  /// Coordinate of point i on axis a (m or rad).
  double coordinate(std::size_t a, std::size_t i) const;
  /// Wave number of FFT index f on axis a (1/m or 1/rad).
  double wavenumber(std::size_t a, std::size_t f) const;
  /// Per-axis indices of ket (or bra) multi-index `index` (row-major).
  std::vector<std::size_t> unravel(std::size_t index) const;
  /// Kinetic angular frequency hbar k^2 / (2 M) summed over axes, for every ket FFT index (rad/s).
  std::vector<double> kinetic_frequencies() const;
  /// Largest momentum the grid resolves on axis a, pi hbar / step (kg m/s or J s).
  double max_momentum(std::size_t a) const;

  /// Layout of the table of dissipator values: translation axes contribute the
  /// 2n-1 differences i - j, rotation axes all n^2 pairs (i, j). The table
  /// index of (ket I, bra J) is ket_offsets()[I] + bra_offsets()[J].
  std::size_t difference_table_size() const noexcept { return table_size_member_; }
  const std::vector<std::int64_t>& ket_offsets() const noexcept { return ket_offsets_member_; }
  const std::vector<std::int64_t>& bra_offsets() const noexcept { return bra_offsets_member_; }
  /// Coordinates of table entry t: displacement x - x' (m) per translation axis,
  /// ket and bra angles (rad) per rotation axis, in axis order.
  void table_entry(std::size_t t, std::vector<double>& displacement, std::vector<double>& angle_ket,
                   std::vector<double>& angle_bra) const;
  /// Indices of table entry t: the point difference i - j in [-(n-1), n-1] per translation
  /// axis, and the ket and bra point indices per rotation axis, in axis order.
  void table_entry_indices(std::size_t t, std::vector<long long>& difference,
                           std::vector<std::size_t>& ket_point,
                           std::vector<std::size_t>& bra_point) const;

 private:
  std::vector<Axis> axes_member_;
  std::size_t ket_size_member_ = 1;
  std::size_t table_size_member_ = 1;
  std::vector<std::size_t> table_strides_member_;
  std::vector<std::int64_t> ket_offsets_member_;
  std::vector<std::int64_t> bra_offsets_member_;
};

/// "complex128" or "complex64".
const char* to_string(Precision precision);

}  // namespace nanodecoh::evolution
