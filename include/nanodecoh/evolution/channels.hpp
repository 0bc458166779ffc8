// Dissipation channels of the evolution: each gives the complex decoherence
// factor F on the grid's differences and orientation pairs, so that the
// dissipator is (D rho)(x; x') = -F(x, x') rho(x; x') (docs/physics.md
// section 1; desorption eqs. (2)-(3)). The split-operator step multiplies rho
// by exp(-F dt) exactly.
//
// Implemented here: the diffusive model Lambda |dx|^2 (comparison only), the
// saturating Gaussian Gamma [1 - exp(-dx^2/(4 a^2))], the Lambertian sphere
// with a thermal spectrum Gamma [1 - <sin(k dx)/(k dx)>_E] (docs/physics.md
// property 8) and an arbitrary function. The localization engine and F-table
// files plug in through localization_channels.hpp.
#pragma once

#include <atomic>
#include <complex>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/special_functions.hpp"  // thermal_sinc_average, k_T of the sphere channel

namespace nanodecoh::evolution {

/// How a channel's table is built for one run.
struct ChannelTableContext {
  Backend backend = Backend::cpu;           ///< where heavy tables are computed
  const std::atomic<bool>* stop = nullptr;  ///< when set, a long build stops (throws Interrupted)
  bool progress = false;                    ///< progress line on stderr for slow tables
};

/// One term of the dissipator.
class DissipationChannel {
 public:
  virtual ~DissipationChannel() = default;
  /// Short description for logs and output files.
  virtual std::string name() const = 0;
  /// F (1/s) for displacements x - x' (m, one per translation axis, in grid
  /// order) and the ket and bra angles (rad, one per rotation axis).
  virtual std::complex<double> evaluate(const std::vector<double>& displacement,
                                        const std::vector<double>& angle_ket,
                                        const std::vector<double>& angle_bra) const = 0;
  /// The channel's short-distance (diffusive) approximation, F ~ Lambda |dx|^2 + Lambda_phi dphi^2.
  virtual std::unique_ptr<DissipationChannel> diffusive_approximation() const = 0;
  /// Momentum of one typical emission (kg m/s), for the recoil-resolution warning; 0 if none.
  virtual double recoil_momentum() const { return 0.0; }

  /// evaluate() at many points, in order: point p is (displacement[p], angle_ket[p],
  /// angle_bra[p]). The default calls evaluate() point by point; a channel whose values cost
  /// an integration each (the localization engine) overrides it with one batched evaluation
  /// of its distinct points, equal to evaluate() at each, on `context`'s backend, stopping on
  /// its stop flag (Interrupted) and with its progress line.
  virtual std::vector<std::complex<double>> evaluate_points(
      const std::vector<std::vector<double>>& displacement,
      const std::vector<std::vector<double>>& angle_ket,
      const std::vector<std::vector<double>>& angle_bra,
      const ChannelTableContext& context = {}) const;

  /// F (1/s) on the grid's difference table (Grid::difference_table_size entries, layout of
  /// Grid::table_entry). The default calls evaluate() entry by entry; channels backed by a
  /// batched engine or a file override it. Throws InvalidArgument when the channel cannot
  /// model an axis of the grid (it never acts as F = 0 there).
  virtual std::vector<std::complex<double>> tabulate(const Grid& grid,
                                                     const ChannelTableContext& context) const;
  /// Scale of F (1/s) that accuracy statements refer to: the total rate Gamma of a
  /// saturating channel; 0 when the channel has none (then the largest |F| on the grid).
  virtual double rate_scale() const { return 0.0; }
  /// Accuracy of F in units of the scale: a value with -accuracy * scale <= Re F < 0 is
  /// rounding and is set to 0 (counted); a more negative one is an error.
  virtual double relative_accuracy() const { return 1e-12; }
  /// True when evaluate() gives F at every real displacement cheaply (a closed form), as the
  /// exact chord-function method needs along its paths (exact_propagator.hpp); false for F known
  /// only on the grid's differences (files, the engine, a quadrature per distance).
  virtual bool defined_off_grid() const { return false; }
  /// The channel that defines F: this one, or the one a wrapper (remembering_channel.hpp)
  /// delegates to; what the exact method's chi kernel reads its closed form from
  /// (make_chord_model).
  virtual const DissipationChannel& definition() const { return *this; }
};

/// F = Lambda |dx|^2 + Lambda_phi sum chord^2, chord = 2 sin((phi - phi')/2) (= phi - phi' to
/// O(dphi^3); periodic, and exp(-F t) stays a positive map on a circle).
class DiffusiveChannel final : public DissipationChannel {
 public:
  /// lambda in 1/(m^2 s), angular_lambda in 1/(rad^2 s); both >= 0.
  DiffusiveChannel(double lambda, double angular_lambda = 0.0);
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  bool defined_off_grid() const override { return true; }
  double lambda() const noexcept { return lambda_member_; }
  double angular_lambda() const noexcept { return angular_lambda_member_; }

 private:
  double lambda_member_;
  double angular_lambda_member_;
};

/// Saturating Gaussian model F = Gamma [1 - exp(-|dx|^2/(4 a^2) - sum chord^2/(4 b^2))],
/// chord = 2 sin((phi - phi')/2); angular_length b = 0 means no angular decoherence.
class GaussianChannel final : public DissipationChannel {
 public:
  GaussianChannel(double rate, double length, double angular_length = 0.0,
                  std::string label = "gaussian");
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  bool defined_off_grid() const override { return true; }
  double rate_scale() const override { return rate_member_; }
  double rate() const noexcept { return rate_member_; }                      ///< Gamma (1/s)
  double length() const noexcept { return length_member_; }                  ///< a (m)
  double angular_length() const noexcept { return angular_length_member_; }  ///< b (rad)

 private:
  double rate_member_, length_member_, angular_length_member_;
  std::string label_member_;
};

/// Lambertian sphere emitting atoms of mass m with the thermal spectrum at T:
/// F(dX) = Gamma [1 - <sin(k|dX|)/(k|dX|)>_E] (docs/physics.md property 8), for
/// translation axes only: the emission sites move with the body, so its rotational F
/// is not zero, and a grid with a rotation axis is refused (use the `desorption`
/// channel, which integrates it with the localization engine).
class DesorptionSphereChannel final : public DissipationChannel {
 public:
  /// rate Gamma (1/s), temperature T (K), atom_mass m (kg).
  DesorptionSphereChannel(double rate, double temperature, double atom_mass);
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  bool defined_off_grid() const override { return true; }
  double recoil_momentum() const override;
  std::vector<std::complex<double>> tabulate(const Grid& grid,
                                             const ChannelTableContext& context) const override;
  double rate_scale() const override { return rate_member_; }
  double rate() const noexcept { return rate_member_; }  ///< Gamma (1/s)
  /// k_T = sqrt(2 m k_B T)/hbar (1/m).
  double thermal_wavenumber() const noexcept { return thermal_wavenumber_member_; }

 private:
  double rate_member_, temperature_member_, atom_mass_member_, thermal_wavenumber_member_;
};

/// Any F given as a function of (x - x', ket angles, bra angles).
class FunctionChannel final : public DissipationChannel {
 public:
  using Function = std::function<std::complex<double>(const std::vector<double>& displacement,
                                                      const std::vector<double>& angle_ket,
                                                      const std::vector<double>& angle_bra)>;
  FunctionChannel(Function function, std::string label, double diffusive_lambda,
                  double angular_lambda = 0.0, double recoil_momentum = 0.0);
  std::string name() const override { return label_member_; }
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  double recoil_momentum() const override { return recoil_member_; }

 private:
  Function function_member_;
  std::string label_member_;
  double lambda_member_, angular_lambda_member_, recoil_member_;
};

using ChannelList = std::vector<std::shared_ptr<const DissipationChannel>>;

/// What building the channels' table found, per channel (in channel order).
struct ChannelTableReport {
  std::vector<std::size_t> rounded_to_zero;  ///< entries with tiny negative Re F set to 0
  std::vector<double> largest_rounding;      ///< largest |Re F| among them (1/s)
};

/// Sum of the channels' F on the grid's difference table (see Grid::difference_table_size),
/// each channel's table from DissipationChannel::tabulate. Entries within a channel's stated
/// accuracy below zero are set to 0 and counted in `report`; throws NumericalError naming the
/// channel and the grid point if a channel gives NaN/inf or a genuinely negative Re F.
std::vector<std::complex<double>> evaluate_channels(const Grid& grid, const ChannelList& channels,
                                                    const ChannelTableContext& context = {},
                                                    ChannelTableReport* report = nullptr);

/// Describes table entry t of the grid for messages: "x - x' = 1e-09 m, phi = 0.1 | 0 rad".
std::string describe_table_entry(const Grid& grid, std::size_t t);

/// The diffusive approximation of every channel.
ChannelList diffusive_approximations(const ChannelList& channels);

}  // namespace nanodecoh::evolution
