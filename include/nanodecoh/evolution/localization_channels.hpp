// Channels whose F is the complex localization rate of an emitting body
// (desorption eqs. 2-3 and 48; docs/physics.md section 2): computed by the
// localization engine for the run's grid (`desorption`), or read from an
// F-table file written by `nanodecoh ftable` (`table`).
//
// Placement of the body on the grid (both channels): the i-th translation axis
// moves the body along lab axis e_i (x, y, z in the order of the translation
// axes); the rotation axis (at most one) turns it about a fixed lab axis u by
// its angle, R(phi) = exp(phi [u]x). The dissipator entry of (ket point, bra
// point) is F_{R(phi), R(phi')}(X - X') (ket orientation first).
#pragma once

#include <Eigen/Core>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/io/ftable_file.hpp"

namespace nanodecoh::localization {
class LocalizationRate;
}

namespace nanodecoh::evolution {

/// The orientations and displacements that a grid's dissipator needs, and where each entry
/// of the grid's difference table finds its F in a table over them.
struct GridSampling {
  std::vector<double> angles;                  ///< rad, the rotation axis' points (0 if none)
  std::vector<Eigen::Matrix3d> orientations;   ///< R(angle) about the rotation axis
  std::vector<Eigen::Vector3d> displacements;  ///< every X - X' of the translation axes (m)
  /// Per grid table entry: (i * P + j) * D + k of F_{R_i, R_j}(dX_k).
  std::vector<std::size_t> entry;
};

/// Samples `grid` for a body placed as described at the top of this file. Throws
/// InvalidArgument naming `parameter` for grids with more than 3 translation or more than 1
/// rotation axes, or a zero rotation axis.
GridSampling sample_grid(const Grid& grid, const Eigen::Vector3d& rotation_axis,
                         const std::string& parameter);

/// The `desorption` channel: F from the localization engine, tabulated for the whole grid in
/// one batched LocalizationRate::table call on the run's backend (symmetry reduction,
/// progress, stop requests), converged to `tolerance` * Gamma.
class LocalizationChannel final : public DissipationChannel {
 public:
  /// `tolerance` in units of Gamma (>= localization::minimum_tolerance); `rotation_axis`
  /// (lab frame, non-zero) is the axis a rotation grid axis turns the body about.
  LocalizationChannel(std::shared_ptr<const localization::LocalizationRate> engine,
                      double tolerance, const Eigen::Vector3d& rotation_axis, std::string label);
  std::string name() const override { return label_member_; }
  /// One value through the engine (tabulate() is the efficient path).
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  /// All points in one batched engine call (LocalizationRate::values) on the context's
  /// backend, each distinct (dX, phi, phi') integrated once; equal to evaluate() point by point.
  /// The context's stop flag interrupts it between batches, as tabulate().
  std::vector<std::complex<double>> evaluate_points(
      const std::vector<std::vector<double>>& displacement,
      const std::vector<std::vector<double>>& angle_ket,
      const std::vector<std::vector<double>>& angle_bra,
      const ChannelTableContext& context = {}) const override;
  /// F ~ Lambda |dx|^2 + Lambda_phi dphi^2 with Lambda = e_x.D0_PP.e_x / hbar^2 and
  /// Lambda_phi = u.D0_JJ.u / hbar^2 (desorption eq. 4, docs/physics.md property 7).
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  double recoil_momentum() const override;
  std::vector<std::complex<double>> tabulate(const Grid& grid,
                                             const ChannelTableContext& context) const override;
  double rate_scale() const override;
  double relative_accuracy() const override { return tolerance_member_; }

 private:
  std::shared_ptr<const localization::LocalizationRate> engine_member_;
  double tolerance_member_;
  Eigen::Vector3d rotation_axis_member_;
  std::string label_member_;
};

/// The `table` channel: F from an F-table file (io::FTable). Each grid entry takes the
/// table's value at the same ket orientation, bra orientation and displacement (matched to
/// 1e-9 in the rotation matrices and 1e-6 of the grid step in dX), or, when only its
/// Hermitian partner is tabulated, F_{R,R'}(dX) = conj F_{R',R}(-dX) (docs/physics.md
/// property 2). An entry covered by neither is an error naming the grid point; nothing is
/// interpolated or extrapolated, and nothing is taken as zero.
class FTableChannel final : public DissipationChannel {
 public:
  /// Validates the physics of the table (throws InvalidArgument naming `source`):
  /// F_{R,R}(0) = 0 within the table's tolerance (then set to exactly 0), Re F >= 0 within
  /// it. `rotation_axis` (lab frame) is the axis a rotation grid axis turns the body about;
  /// diffusive_lambda (1/(m^2 s)) and angular_lambda (1/(rad^2 s)) define the channel's
  /// diffusive comparison.
  FTableChannel(io::FTable table, std::string source, const Eigen::Vector3d& rotation_axis,
                double diffusive_lambda = 0.0, double angular_lambda = 0.0);
  std::string name() const override { return "table(" + source_member_ + ")"; }
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  std::vector<std::complex<double>> tabulate(const Grid& grid,
                                             const ChannelTableContext& context) const override;
  double rate_scale() const override { return scale_member_; }
  double relative_accuracy() const override;
  /// The table as read (after F_{R,R}(0) was set to 0).
  const io::FTable& table() const noexcept { return table_member_; }
  /// The file the table came from (as given to the constructor).
  const std::string& source() const noexcept { return source_member_; }
  /// The unit axis (lab frame) a rotation grid axis turns the body about.
  const Eigen::Vector3d& rotation_axis() const noexcept { return rotation_axis_member_; }

 private:
  /// F_{R_i, R_j}(dX) for the given orientations and displacement (lab frame); `where`
  /// describes the point for the error message.
  std::complex<double> lookup(const Eigen::Matrix3d& ket, const Eigen::Matrix3d& bra,
                              const Eigen::Vector3d& dx, double length_tolerance,
                              const std::string& where) const;

  io::FTable table_member_;
  std::string source_member_;
  Eigen::Vector3d rotation_axis_member_;
  double lambda_member_, angular_lambda_member_;
  double scale_member_ = 0.0;
};

}  // namespace nanodecoh::evolution
