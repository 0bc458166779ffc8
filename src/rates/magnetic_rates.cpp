// Magnetic and dielectric rates of a nanosphere in blackbody radiation
// (magnetic-nanoparticle paper, "(M n)"; see magnetic_rates.hpp for the list).
//
// All integrals over frequency are written in u = hbar omega/(k_B T) = k/kappa,
// kappa = k_B T/(hbar c) (inverse thermal wavelength). With alpha = (a3/mu0) g, a3 = 4 pi a^3 (the
// SI polarizability; (M 25) omits the 4 pi, see polarizability_volume), g = chi/(3 + chi) (M 25):
//   <dp^2>/dt  (M 23) = (2 hbar^2 c a3^2 kappa^9 / 9 pi^3) int u^8 n(n+1) |g|^2
//                     + (4 hbar^2 c a3 kappa^6 / 3 pi^2 beta) int u^5 n(n+1) Im g
//   F(dx)      (M 54) = (c a3^2 kappa^7 / 6 pi^3) int u^6 n |g|^2 S(u y)
//                     + (c a3 kappa^4 / pi^2 beta) int u^3 n Im g S(u y),  y = kappa dx
//   xi         (M 78) = (hbar a3^2 beta kappa^8 / 18 pi^3 m) int u^8 n(n+1) |g|^2
//                     + (hbar a3 kappa^5 / 3 pi^2 m) int u^5 n(n+1) Im g
// with S(x) = 1 - I(x)/I(0) (angular_kernel.cpp) and -dn/du = n(n+1). The closed
// forms use int u^s n(n+1) du = Gamma(s+1) zeta(s) and int u^s n du = Gamma(s+1) zeta(s+1).
#include <algorithm>
#include <cmath>
#include <string>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/quadrature.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

namespace {

using constants::hbar;
using constants::k_boltzmann;
using constants::pi;
using constants::speed_of_light;

constexpr double pi2 = pi * pi;
constexpr double pi3 = pi2 * pi;
constexpr double pi4 = pi2 * pi2;
// Riemann zeta at the integers that occur; odd values to 20 digits.
constexpr double zeta4 = pi4 / 90.0;
constexpr double zeta5 = 1.0369277551433699263;
constexpr double zeta6 = pi4 * pi2 / 945.0;
constexpr double zeta7 = 1.0083492773819228268;
constexpr double zeta8 = pi4 * pi4 / 9450.0;
constexpr double zeta9 = 1.0020083928260822144;
// Gamma(n) = (n-1)!
constexpr double gamma4 = 6.0, gamma6 = 120.0, gamma7 = 720.0, gamma9 = 40320.0;

// Beyond this u = hbar omega/(k_B T) every Planck weight is below 1e-280 of its peak.
constexpr double u_cutoff = 700.0;
// Panel quadrature of the full F covers u in [0, u_max_kernel]; the weights
// u^p n(u), p <= 8, are below 1e-19 of their integral beyond it.
constexpr double u_max_kernel = 80.0;
// Above this y = kappa dx, F uses the asymptotic form R11 - (3/4 y^2) int w/u^2
// (relative error O(y^-3)).
constexpr double asymptotic_y = 1.0e3;

// 4 pi a^3: the SI moment of a sphere in a uniform field is m = 4 pi a^3 g H = (4 pi a^3/mu0) g B,
// the magnetic dual of alpha_E = 4 pi eps0 a^3 (eps-1)/(eps+2). (M 25) prints a^3/mu0 g, without
// the 4 pi (docs/paper-notes.md); every formula below that the paper writes with a^3 from (M 25)
// uses this volume instead.
double polarizability_volume(double radius) {
  return 4.0 * pi * radius * radius * radius;
}

double inverse_thermal_wavelength(double temperature) {
  return k_boltzmann * temperature / (hbar * speed_of_light);
}

double omega_of_u(double u, double temperature) {
  return u * k_boltzmann * temperature / hbar;
}

// u^p n(u) (n(u) + 1) = u^(p-2) (u / (2 sinh(u/2)))^2, safe from over/underflow.
double bose_pair_weight(double u, int p) {
  if (!(u > 0.0) || u > u_cutoff) return 0.0;
  const double r = 0.5 * u / std::sinh(0.5 * u);
  return std::pow(u, p - 2) * r * r;
}

// u^p n(u) = u^(p-1) u / (e^u - 1).
double bose_weight(double u, int p) {
  if (!(u > 0.0) || u > u_cutoff) return 0.0;
  return std::pow(u, p - 1) * (u / std::expm1(u));
}

double integrate_u(const std::function<double(double)>& f, double scale) {
  return integrate_to_infinity(f, 0.0, scale, 0.0, 1e-12, 20000).value;
}

// int_0^inf w(u) S(u y) du for a smooth weight w that decays like e^-u.
double kernel_integral(const std::function<double(double)>& weight, double y) {
  if (y == 0.0) return 0.0;
  if (y > asymptotic_y) {
    // S = 1 - (3/4) Q with Q(x) = 1/x^2 + oscillating terms + O(x^-4).
    const double saturated = integrate_u(weight, 4.0);
    const double inverse_square =
        integrate_u([&](double u) { return u > 1e-100 ? weight(u) / (u * u) : 0.0; }, 4.0);
    return saturated - 0.75 * inverse_square / (y * y);
  }
  // Gauss-Legendre panels no wider than a quarter period of the oscillation of S.
  static const GaussLegendreRule rule = gauss_legendre(12);
  const double width = std::min(0.5, pi / (2.0 * y));
  const long panels = static_cast<long>(std::ceil(u_max_kernel / width));
  double total = 0.0;
  for (long i = 0; i < panels; ++i) {
    const double lo = static_cast<double>(i) * width, half = 0.5 * width, mid = lo + half;
    double panel = 0.0;
    for (std::size_t j = 0; j < rule.nodes.size(); ++j) {
      const double u = mid + half * rule.nodes[j];
      panel += rule.weights[j] * weight(u) * angular_decoherence_kernel(u * y);
    }
    total += panel * half;
  }
  return total;
}

void require_finite_result(const char* what, double value) {
  if (!std::isfinite(value))
    throw NumericalError(std::string(what) + " is not finite (" + format_number(value) +
                         "); the inputs are outside the range this model can represent");
}

RateParts make_parts(double scattering, double absorption) {
  return {scattering + absorption, scattering, absorption};
}

MomentumDiffusion make_diffusion(double scattering, double absorption) {
  MomentumDiffusion d;
  d.scattering = scattering;
  d.absorption = absorption;
  d.total = scattering + absorption;
  // (M 15):(M 16):(M 18) = 1/9 : 3/9 : -2/9 of the 2/9 in (M 19).
  d.magnetic = 0.5 * scattering;
  d.electric = 1.5 * scattering;
  d.cross = -scattering;
  return d;
}

double cm_squared(double chi_real) {
  const double g = chi_real / (3.0 + chi_real);
  return g * g;
}

double dielectric_cm_squared(double permittivity) {
  const double e = (permittivity - 1.0) / (permittivity + 2.0);
  return e * e;
}

// int u^8 n(n+1) |g(u)|^2 du and int u^5 n(n+1) Im g(u) du: the two frequency integrals that
// momentum diffusion (M 23) and drag (M 78) share (hence their fixed ratio, M E2).
std::pair<double, double> bose_pair_integrals(const SusceptibilityFunction& chi,
                                              double temperature) {
  auto g_at = [&](double u) { return clausius_mossotti_factor(chi(omega_of_u(u, temperature))); };
  const double scattering = integrate_u(
      [&](double u) {
        const double w = bose_pair_weight(u, 8);
        return w == 0.0 ? 0.0 : w * std::norm(g_at(u));
      },
      8.0);
  const double absorption = integrate_u(
      [&](double u) {
        const double w = bose_pair_weight(u, 5);
        return w == 0.0 ? 0.0 : w * g_at(u).imag();
      },
      5.0);
  return {scattering, absorption};
}

}  // namespace

std::complex<double> clausius_mossotti_factor(std::complex<double> chi) {
  return chi / (3.0 + chi);
}

std::complex<double> magnetic_polarizability(double radius, std::complex<double> chi) {
  return polarizability_volume(radius) / constants::mu0 * clausius_mossotti_factor(chi);
}

double magnetic_polarizability_extinction(double radius, std::complex<double> chi, double omega,
                                          double shape_factor) {
  const std::complex<double> alpha = magnetic_polarizability(radius, chi);
  const double k = omega / speed_of_light;
  return constants::mu0 * k * k * k * std::norm(alpha) * shape_factor / (6.0 * pi) + alpha.imag();
}

MomentumDiffusion momentum_diffusion(double radius, std::complex<double> chi, double temperature,
                                     double shape_factor) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const std::complex<double> g = clausius_mossotti_factor(chi);
  const double k6 = std::pow(kappa, 6);
  const double scattering = 2.0 * hbar * hbar * speed_of_light * a3 * a3 * k6 * kappa * kappa *
                            kappa * std::norm(g) * gamma9 * zeta8 / (9.0 * pi3);
  const double absorption = 4.0 * hbar * hbar * speed_of_light * a3 * k6 * g.imag() * gamma6 *
                            zeta5 / (3.0 * pi2 * shape_factor);
  return make_diffusion(scattering, absorption);
}

MomentumDiffusion momentum_diffusion_quadrature(double radius, const SusceptibilityFunction& chi,
                                                double temperature, double shape_factor) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const double k6 = std::pow(kappa, 6);
  const auto [scattering_integral, absorption_integral] = bose_pair_integrals(chi, temperature);
  const double scattering = 2.0 * hbar * hbar * speed_of_light * a3 * a3 * k6 * kappa * kappa *
                            kappa * scattering_integral / (9.0 * pi3);
  const double absorption = 4.0 * hbar * hbar * speed_of_light * a3 * k6 * absorption_integral /
                            (3.0 * pi2 * shape_factor);
  return make_diffusion(scattering, absorption);
}

double localization_parameter(double momentum_diffusion) {
  return momentum_diffusion / (2.0 * hbar * hbar);
}

RateParts decoherence_rate_longwave(double radius, std::complex<double> chi, double temperature,
                                    double shape_factor, double dx) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const std::complex<double> g = clausius_mossotti_factor(chi);
  const double k6dx2 = std::pow(kappa, 6) * dx * dx;
  const double scattering = speed_of_light * a3 * a3 * k6dx2 * kappa * kappa * kappa *
                            std::norm(g) * gamma9 * zeta9 / (18.0 * pi3);
  const double absorption =
      speed_of_light * a3 * k6dx2 * g.imag() * gamma6 * zeta6 / (3.0 * pi2 * shape_factor);
  return make_parts(scattering, absorption);
}

RateParts decoherence_rate_saturated(double radius, std::complex<double> chi, double temperature,
                                     double shape_factor) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const std::complex<double> g = clausius_mossotti_factor(chi);
  const double k4 = std::pow(kappa, 4);
  const double scattering = speed_of_light * a3 * a3 * k4 * kappa * kappa * kappa * std::norm(g) *
                            gamma7 * zeta7 / (6.0 * pi3);
  const double absorption =
      speed_of_light * a3 * k4 * g.imag() * gamma4 * zeta4 / (pi2 * shape_factor);
  return make_parts(scattering, absorption);
}

RateParts decoherence_rate(double radius, std::complex<double> chi, double temperature,
                           double shape_factor, double dx) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double y = kappa * std::abs(dx);
  const double a3 = polarizability_volume(radius);
  const std::complex<double> g = clausius_mossotti_factor(chi);
  const double k4 = std::pow(kappa, 4);
  const double scattering_integral = kernel_integral([](double u) { return bose_weight(u, 6); }, y);
  const double absorption_integral =
      g.imag() == 0.0 ? 0.0 : kernel_integral([](double u) { return bose_weight(u, 3); }, y);
  const double scattering = speed_of_light * a3 * a3 * k4 * kappa * kappa * kappa * std::norm(g) *
                            scattering_integral / (6.0 * pi3);
  const double absorption =
      speed_of_light * a3 * k4 * g.imag() * absorption_integral / (pi2 * shape_factor);
  return make_parts(scattering, absorption);
}

double dielectric_decoherence_rate(double radius, double permittivity, double temperature,
                                   double dx) {
  // Maxwell duality: a dielectric sphere with e = (eps-1)/(eps+2) scatters like a magnetic one
  // with chi/(3+chi) = e, i.e. chi = 3e/(1-e); only the |alpha|^2 (scattering) part exists for
  // real eps. The shape factor enters the absorption part alone, so its value is irrelevant.
  const double e = (permittivity - 1.0) / (permittivity + 2.0);
  return decoherence_rate(radius, {3.0 * e / (1.0 - e), 0.0}, temperature, 0.5, dx).scattering;
}

RateParts decoherence_rate_quadrature(double radius, const SusceptibilityFunction& chi,
                                      double temperature, double shape_factor, double dx) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double y = kappa * std::abs(dx);
  const double a3 = polarizability_volume(radius);
  const double k4 = std::pow(kappa, 4);
  const double scattering_integral = kernel_integral(
      [&](double u) {
        const double w = bose_weight(u, 6);
        return w == 0.0 ? 0.0
                        : w * std::norm(clausius_mossotti_factor(chi(omega_of_u(u, temperature))));
      },
      y);
  const double absorption_integral = kernel_integral(
      [&](double u) {
        const double w = bose_weight(u, 3);
        return w == 0.0 ? 0.0
                        : w * clausius_mossotti_factor(chi(omega_of_u(u, temperature))).imag();
      },
      y);
  const double scattering =
      speed_of_light * a3 * a3 * k4 * kappa * kappa * kappa * scattering_integral / (6.0 * pi3);
  const double absorption = speed_of_light * a3 * k4 * absorption_integral / (pi2 * shape_factor);
  return make_parts(scattering, absorption);
}

RateParts drag_coefficient(double radius, std::complex<double> chi, double temperature,
                           double shape_factor, double mass) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const std::complex<double> g = clausius_mossotti_factor(chi);
  const double k5 = std::pow(kappa, 5);
  // Gamma(9) zeta(8) / (18 pi^3) = 32 pi^5 / 135 (M 79, first term).
  const double scattering = hbar * a3 * a3 * shape_factor * k5 * kappa * kappa * kappa *
                            std::norm(g) * gamma9 * zeta8 / (18.0 * pi3 * mass);
  // Gamma(6) zeta(5) / (3 pi^2) = 4.2025 (printed 41.47 in M 79).
  const double absorption = hbar * a3 * k5 * g.imag() * gamma6 * zeta5 / (3.0 * pi2 * mass);
  return make_parts(scattering, absorption);
}

RateParts drag_coefficient_quadrature(double radius, const SusceptibilityFunction& chi,
                                      double temperature, double shape_factor, double mass) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = polarizability_volume(radius);
  const double k5 = std::pow(kappa, 5);
  const auto [scattering_integral, absorption_integral] = bose_pair_integrals(chi, temperature);
  const double scattering = hbar * a3 * a3 * shape_factor * k5 * kappa * kappa * kappa *
                            scattering_integral / (18.0 * pi3 * mass);
  const double absorption = hbar * a3 * k5 * absorption_integral / (3.0 * pi2 * mass);
  return make_parts(scattering, absorption);
}

double fdt_ratio(double momentum_diffusion, double drag_coefficient, double mass,
                 double temperature, double shape_factor) {
  const double denominator = 2.0 * mass * drag_coefficient * k_boltzmann * temperature;
  if (denominator == 0.0) return 2.0 / shape_factor;  // chi -> 0 limit
  return momentum_diffusion / denominator;
}

double dielectric_decoherence_rate_longwave(double radius, double permittivity, double temperature,
                                            double dx) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = radius * radius * radius;
  return dx * dx * 8.0 * a3 * a3 * speed_of_light / (9.0 * pi) *
         dielectric_cm_squared(permittivity) * std::pow(kappa, 9) * zeta9 * gamma9;
}

double dielectric_drag_coefficient(double radius, double permittivity, double temperature,
                                   double mass) {
  const double kappa = inverse_thermal_wavelength(temperature);
  const double a3 = radius * radius * radius;
  return 512.0 * pi4 * pi3 * a3 * a3 * hbar / (135.0 * mass) * std::pow(kappa, 8) *
         dielectric_cm_squared(permittivity);
}

double ratio_decoherence_magnetic_to_dielectric(double chi_real, double permittivity) {
  return cm_squared(chi_real) / dielectric_cm_squared(permittivity);
}

double ratio_drag_magnetic_to_dielectric(double chi_real, double permittivity,
                                         double shape_factor) {
  return shape_factor * cm_squared(chi_real) / dielectric_cm_squared(permittivity);
}

RatesResult compute_rates(const RatesInput& input) {
  input.validate();
  const std::complex<double> chi = input.susceptibility();
  const double a = input.radius, t = input.temperature, beta = input.shape_factor;
  const double dx = input.superposition_size;
  RatesResult r;
  r.mass = input.particle_mass();
  r.clausius_mossotti = clausius_mossotti_factor(chi);
  r.polarizability = magnetic_polarizability(a, chi);
  r.momentum_diffusion = momentum_diffusion(a, chi, t, beta);
  r.localization_parameter = localization_parameter(r.momentum_diffusion.total);
  r.localization_rate = r.localization_parameter * dx * dx;
  r.decoherence_longwave = decoherence_rate_longwave(a, chi, t, beta, dx);
  r.decoherence = decoherence_rate(a, chi, t, beta, dx);
  r.decoherence_saturated = decoherence_rate_saturated(a, chi, t, beta);
  r.drag = drag_coefficient(a, chi, t, beta, r.mass);
  r.fdt_ratio = fdt_ratio(r.momentum_diffusion.total, r.drag.total, r.mass, t, beta);
  r.thermal_wavelength = 1.0 / inverse_thermal_wavelength(t);
  r.dielectric_decoherence_longwave =
      dielectric_decoherence_rate_longwave(a, input.permittivity, t, dx);
  r.dielectric_decoherence = dielectric_decoherence_rate(a, input.permittivity, t, dx);
  r.dielectric_drag = dielectric_drag_coefficient(a, input.permittivity, t, r.mass);
  r.ratio_decoherence =
      ratio_decoherence_magnetic_to_dielectric(input.chi_real, input.permittivity);
  r.ratio_drag = ratio_drag_magnetic_to_dielectric(input.chi_real, input.permittivity, beta);

  const std::pair<const char*, double> checks[] = {
      {"mass", r.mass},
      {"momentum diffusion", r.momentum_diffusion.total},
      {"momentum diffusion (scattering)", r.momentum_diffusion.scattering},
      {"momentum diffusion (absorption)", r.momentum_diffusion.absorption},
      {"localization parameter", r.localization_parameter},
      {"localization rate", r.localization_rate},
      {"long-wave decoherence rate", r.decoherence_longwave.total},
      {"decoherence rate", r.decoherence.total},
      {"saturated decoherence rate", r.decoherence_saturated.total},
      {"drag coefficient", r.drag.total},
      {"fluctuation-dissipation ratio", r.fdt_ratio},
      {"thermal wavelength", r.thermal_wavelength},
      {"dielectric decoherence rate (long-wavelength)", r.dielectric_decoherence_longwave},
      {"dielectric decoherence rate", r.dielectric_decoherence},
      {"dielectric drag coefficient", r.dielectric_drag},
      {"decoherence ratio", r.ratio_decoherence},
      {"drag ratio", r.ratio_drag},
  };
  for (const auto& [what, value] : checks) require_finite_result(what, value);
  return r;
}

}  // namespace nanodecoh
