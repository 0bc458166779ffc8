// Validation of the `nanodecoh rates` inputs (RatesInput, magnetic_rates.hpp) and the
// particle mass m = (4/3) pi a^3 rho used by the drag coefficient (magnetic eq. 77-80).
#include <cmath>
#include <string>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

void RatesInput::validate() const {
  require_positive("radius", radius);
  require_finite("chi_real", chi_real);
  if (chi_real < -1.0)
    throw InvalidArgument("chi_real", format_number(chi_real),
                          "a finite value >= -1 (mu_r = 1 + chi >= 0; -1 is a perfect diamagnet)");
  require_nonnegative("chi_imag", chi_imag);
  require_positive("temperature", temperature);
  require_finite("permittivity", permittivity);
  if (permittivity == 1.0 || permittivity == -2.0)
    throw InvalidArgument("permittivity", format_number(permittivity),
                          "a finite value other than 1 (no dielectric response: the "
                          "magnetic-to-dielectric ratios are undefined) and -2 "
                          "(Clausius-Mossotti pole)");
  if (density.has_value() == mass.has_value())
    throw InvalidArgument("density/mass", density ? "both given" : "neither given",
                          "exactly one of a density (kg/m^3) or a mass (kg)");
  if (density) require_positive("density", *density);
  if (mass) require_positive("mass", *mass);
  require_positive("shape_factor", shape_factor);
  require_nonnegative("superposition_size", superposition_size);
}

double RatesInput::particle_mass() const {
  if (mass) return *mass;
  if (!density)
    throw InvalidArgument("density/mass", "neither given",
                          "exactly one of a density (kg/m^3) or a mass (kg)");
  return 4.0 / 3.0 * constants::pi * radius * radius * radius * *density;
}

}  // namespace nanodecoh
