// Material response models (material_response.hpp): constant, Drude + Lorentz, table.
#include "nanodecoh/material_response.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

MaterialResponse MaterialResponse::constant(std::complex<double> value) {
  require_finite("response value (real part)", value.real());
  require_finite("response value (imaginary part)", value.imag());
  MaterialResponse r;
  r.background_ = value;
  r.band_max_ = std::numeric_limits<double>::infinity();
  return r;
}

MaterialResponse MaterialResponse::drude_lorentz(double background, double plasma_frequency,
                                                 double drude_damping,
                                                 std::vector<LorentzOscillator> oscillators,
                                                 const std::string& where) {
  require_finite(where + " background", background);
  require_nonnegative(where + " plasma frequency", plasma_frequency);
  require_nonnegative(where + " Drude damping", drude_damping);
  if (plasma_frequency > 0.0 && drude_damping == 0.0)
    throw InvalidArgument(where + " Drude damping", "0",
                          "a finite value > 0 when a plasma frequency is given");
  for (std::size_t j = 0; j < oscillators.size(); ++j) {
    const std::string name = where + " oscillator " + std::to_string(j + 1);
    require_finite(name + " strength", oscillators[j].strength);
    require_positive(name + " resonance", oscillators[j].resonance);
    require_nonnegative(name + " damping", oscillators[j].damping);
  }
  MaterialResponse r;
  r.background_ = {background, 0.0};
  r.plasma_frequency_ = plasma_frequency;
  r.drude_damping_ = drude_damping;
  r.oscillators_ = std::move(oscillators);
  r.where_ = where;
  r.band_max_ = std::numeric_limits<double>::infinity();
  return r;
}

MaterialResponse MaterialResponse::table(std::vector<ResponseSample> samples,
                                         const std::string& where) {
  if (samples.size() < 2)
    throw InvalidArgument(where, std::to_string(samples.size()) + " rows",
                          "at least 2 rows of (omega, Re, Im)");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::string row = where + " row " + std::to_string(i + 1);
    require_nonnegative(row + " omega", samples[i].omega);
    require_finite(row + " real part", samples[i].real);
    require_nonnegative(row + " imaginary part", samples[i].imag);
    if (i > 0 && !(samples[i].omega > samples[i - 1].omega))
      throw InvalidArgument(
          row + " omega", format_number(samples[i].omega),
          "strictly greater than the previous row's " + format_number(samples[i - 1].omega));
  }
  MaterialResponse r;
  r.where_ = where;
  r.band_min_ = samples.front().omega;
  r.band_max_ = samples.back().omega;
  r.samples_ = std::move(samples);
  return r;
}

std::complex<double> MaterialResponse::operator()(double omega) const {
  if (!samples_.empty()) {
    if (!(omega >= band_min_ && omega <= band_max_))
      throw InvalidArgument(where_ + " frequency", format_number(omega) + " rad/s",
                            "inside the tabulated band [" + format_number(band_min_) + ", " +
                                format_number(band_max_) + "] rad/s");
    const auto upper =
        std::lower_bound(samples_.begin(), samples_.end(), omega,
                         [](const ResponseSample& s, double w) { return s.omega < w; });
    if (upper == samples_.begin()) return {upper->real, upper->imag};
    const auto lower = upper - 1;
    const double t = (omega - lower->omega) / (upper->omega - lower->omega);
    return {lower->real + t * (upper->real - lower->real),
            lower->imag + t * (upper->imag - lower->imag)};
  }
  std::complex<double> r = background_;
  const std::complex<double> i(0.0, 1.0);
  if (plasma_frequency_ > 0.0 && omega > 0.0)
    r -= plasma_frequency_ * plasma_frequency_ / (omega * omega + i * drude_damping_ * omega);
  for (const LorentzOscillator& o : oscillators_) {
    const double w02 = o.resonance * o.resonance;
    r += o.strength * w02 / (w02 - omega * omega - i * o.damping * omega);
  }
  return r;
}

}  // namespace nanodecoh
