// Dissipation channels of the evolution: each gives the complex decoherence
// factor F on the grid's differences and orientation pairs, so that the
// dissipator is (D rho)(x; x') = -F(x, x') rho(x; x') (physics.md section 1;
// desorption eqs. (2)-(3)). The split-operator step multiplies rho by
// exp(-F dt) exactly.
//
// Implemented here: the diffusive model Lambda |dx|^2 (comparison only), the
// saturating Gaussian Gamma [1 - exp(-dx^2/(4 a^2))], the Lambertian sphere
// with a thermal spectrum Gamma [1 - <sin(k dx)/(k dx)>_E] (physics.md
// property 8), a tabulated F and an arbitrary function. The magnetic and
// dielectric rates and the full localization engine plug in through
// TabulatedChannel or FunctionChannel.
#pragma once

#include <complex>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/special_functions.hpp"  // thermal_sinc_average, k_T of the sphere channel

namespace nanodecoh::evolution {

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
};

/// F = Lambda |dx|^2 + Lambda_phi sum (phi - phi')^2 (angle difference wrapped into [-pi, pi)).
class DiffusiveChannel final : public DissipationChannel {
 public:
  /// lambda in 1/(m^2 s), angular_lambda in 1/(rad^2 s); both >= 0.
  DiffusiveChannel(double lambda, double angular_lambda = 0.0);
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
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

 private:
  double rate_member_, length_member_, angular_length_member_;
  std::string label_member_;
};

/// Lambertian sphere emitting atoms of mass m with the thermal spectrum at T:
/// F(dX) = Gamma [1 - <sin(k|dX|)/(k|dX|)>_E] (physics.md property 8). Depends on
/// the translation displacement only (rotational decoherence of a sphere needs
/// the localization engine).
class DesorptionSphereChannel final : public DissipationChannel {
 public:
  /// rate Gamma (1/s), temperature T (K), atom_mass m (kg).
  DesorptionSphereChannel(double rate, double temperature, double atom_mass);
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  double recoil_momentum() const override;
  /// k_T = sqrt(2 m k_B T)/hbar (1/m).
  double thermal_wavenumber() const noexcept { return thermal_wavenumber_member_; }

 private:
  double rate_member_, temperature_member_, atom_mass_member_, thermal_wavenumber_member_;
};

/// F tabulated on |dx| (m, ascending from 0; linear interpolation, constant beyond
/// the last point) and optionally on the angle difference phi - phi' of the first
/// rotation axis (rad, ascending; bilinear, clamped). values[ia * distances.size() + ir].
class TabulatedChannel final : public DissipationChannel {
 public:
  TabulatedChannel(std::vector<double> distances, std::vector<double> angle_differences,
                   std::vector<std::complex<double>> values, std::string label = "table",
                   double diffusive_lambda = 0.0, double recoil_momentum = 0.0);
  std::string name() const override;
  std::complex<double> evaluate(const std::vector<double>& displacement,
                                const std::vector<double>& angle_ket,
                                const std::vector<double>& angle_bra) const override;
  std::unique_ptr<DissipationChannel> diffusive_approximation() const override;
  double recoil_momentum() const override { return recoil_member_; }

 private:
  std::vector<double> distances_member_, angles_member_;
  std::vector<std::complex<double>> values_member_;
  std::string label_member_;
  double lambda_member_, recoil_member_;
};

/// Any F given as a function (the wiring point for the localization engine).
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

/// Sum of the channels' F on the grid's difference table (see Grid::difference_table_size).
/// Throws NumericalError if a channel returns NaN/inf or Re F < 0.
std::vector<std::complex<double>> evaluate_channels(const Grid& grid, const ChannelList& channels);

/// The diffusive approximation of every channel.
ChannelList diffusive_approximations(const ChannelList& channels);

}  // namespace nanodecoh::evolution
