// Linear response of a material as a function of angular frequency: the relative
// permittivity eps(omega) or the volume magnetic susceptibility chi(omega) that the
// thermal-photon rates (thermal_photon_rates.hpp, docs/rates.md) need.
// Models: a constant, Drude plus Lorentz oscillators,
//   r(omega) = r_inf - omega_p^2 / (omega^2 + i gamma_D omega)
//            + sum_j delta_j omega_j^2 / (omega_j^2 - omega^2 - i gamma_j omega),
// or a table of (omega, Re r, Im r) interpolated linearly inside its band and refused
// outside it. Time dependence exp(-i omega t): Im r > 0 is absorption.
#pragma once

#include <complex>
#include <string>
#include <vector>

namespace nanodecoh {

/// One Lorentz oscillator delta omega0^2 / (omega0^2 - omega^2 - i gamma omega).
struct LorentzOscillator {
  double strength = 0.0;   ///< delta (dimensionless): its contribution at omega = 0
  double resonance = 0.0;  ///< omega0, rad/s
  double damping = 0.0;    ///< gamma, rad/s
};

/// One row of a tabulated response.
struct ResponseSample {
  double omega = 0.0;  ///< rad/s
  double real = 0.0;
  double imag = 0.0;
};

/// eps(omega) or chi(omega); see the file comment for the models.
class MaterialResponse {
 public:
  /// Frequency-independent value (the rates' constant-eps/chi case).
  static MaterialResponse constant(std::complex<double> value);
  /// r_inf + Drude term (plasma_frequency = 0 for none) + Lorentz oscillators. Throws
  /// InvalidArgument (naming `where`) for non-finite or negative frequencies/dampings, or a
  /// Drude term without damping.
  static MaterialResponse drude_lorentz(double background, double plasma_frequency,
                                        double drude_damping,
                                        std::vector<LorentzOscillator> oscillators,
                                        const std::string& where = "material");
  /// Table sorted by omega (>= 2 rows, strictly increasing, finite, Im >= 0); evaluation
  /// outside [first omega, last omega] throws InvalidArgument naming `where`.
  static MaterialResponse table(std::vector<ResponseSample> samples, const std::string& where);

  /// r(omega), omega >= 0 in rad/s. At omega = 0 the Drude term is not evaluated (it is
  /// singular); callers weight it by a power of omega that vanishes there.
  std::complex<double> operator()(double omega) const;

  /// Band where the response is defined: [0, inf) for models, the table's range otherwise.
  double band_min() const { return band_min_; }
  double band_max() const { return band_max_; }
  bool is_table() const { return !samples_.empty(); }

 private:
  std::complex<double> background_{0.0, 0.0};
  double plasma_frequency_ = 0.0;
  double drude_damping_ = 0.0;
  std::vector<LorentzOscillator> oscillators_;
  std::vector<ResponseSample> samples_;
  std::string where_;
  double band_min_ = 0.0;
  double band_max_ = 0.0;
};

}  // namespace nanodecoh
