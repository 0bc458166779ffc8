// Host entry points of the special functions (nanodecoh/special_functions.hpp): wrappers
// of the host/device implementations in special_functions.hpp, and k_T.
#include "nanodecoh/special_functions.hpp"

#include <cmath>

#include "nanodecoh/constants.hpp"
#include "numerics/special_functions.hpp"

namespace nanodecoh {

double dawson(double x) {
  return numerics::dawson(x);
}

std::complex<double> thermal_phase_average(double z) {
  return {numerics::thermal_phase_average_re(z), numerics::thermal_phase_average_im(z)};
}

double thermal_sinc_average(double z) {
  return numerics::thermal_sinc_average(z);
}

double one_minus_thermal_sinc_average(double z) {
  return numerics::one_minus_thermal_sinc_average(z);
}

double thermal_wave_number(double mass, double temperature) {
  return std::sqrt(2.0 * mass * constants::k_boltzmann * temperature) / constants::hbar;
}

}  // namespace nanodecoh
