// Thermal-photon channels of a point dipole (thermal_photon_rates.hpp; derivation in
// docs/paper-notes.md, "Consistent rates"). Every quantity is one integral over omega of
// a channel's spectral event rate
//   r_c(omega) = sigma_c(omega) omega^2 / (pi^2 c^2) * occupation_c(omega)
// (omega^2/(pi^2 c^3) is the photon number density per unit omega of both polarizations,
// times c for the flux), with occupation n_e (1 + n_e), n_e (1 + n_p), n_p (1 + n_e) for
// scattering, absorption, emission, weighted by
//   F(dx):        K_c(k dx)         (1 - <cos(q.dx/hbar)> over the kick directions)
//   <dp_x^2>/dt:  v_c hbar^2 k^2    (v = 2/3 scattering: <|k^ - k'^|^2>/3 with <cos> = 0;
//                                    v = 1/3 absorption and emission)
//   m xi:         -(hbar/(3 pi^2 c^4)) omega^4 sigma_c dn_e/domega (Doppler-shifted flux;
//                                    the emission in the particle frame is isotropic: no drag)
// The quadrature runs over omega in units of omega_T = k_B max(T_env, T_int)/hbar.
#include "nanodecoh/thermal_photon_rates.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
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

// Beyond u = hbar omega/(k_B T) = u_max every Planck weight u^p e^-u (p <= 8) is below
// 1e-19 of its integral: the end of the panel quadrature of F(dx).
constexpr double u_max = 80.0;
// Below this y = omega_T dx / c the kernel varies slowly: one adaptive mapped integral.
constexpr double smooth_y = 1.0;
// Above this y, F = R - c^2 C / dx^2 with the leading asymptotic coefficient C (relative
// error O(y^-3) for scattering, O(y^-4) for absorption and emission).
constexpr double asymptotic_y = 1.0e3;
// A tabulated response must cover [table_low u, table_high u] of the lowest resp. highest
// temperature: the Planck weight outside is below ~1e-6 resp. 1e-12 of the total.
constexpr double table_low_u = 1e-3;
constexpr double table_high_u = 50.0;

// Bose occupation 1/(e^u - 1); 0 at u = inf (T = 0).
double bose(double omega, double temperature) {
  if (temperature <= 0.0) return 0.0;
  const double u = hbar * omega / (k_boltzmann * temperature);
  return u > 700.0 ? 0.0 : 1.0 / std::expm1(u);
}

// 1 + n = 1/(1 - e^-u).
double bose_plus_one(double omega, double temperature) {
  if (temperature <= 0.0) return 1.0;
  const double u = hbar * omega / (k_boltzmann * temperature);
  return u > 700.0 ? 1.0 : -1.0 / std::expm1(-u);
}

// -dn/domega = (hbar / k_B T) e^u/(e^u - 1)^2 = (hbar / k_B T) / (4 sinh^2(u/2)).
double minus_bose_derivative(double omega, double temperature) {
  const double u = hbar * omega / (k_boltzmann * temperature);
  if (u > 700.0) return 0.0;
  const double s = std::sinh(0.5 * u);
  return hbar / (k_boltzmann * temperature) / (4.0 * s * s);
}

// Occupation factor of each channel; n_e (1 + n_e) is written as the derivative to keep
// full accuracy near omega -> 0 where n -> inf.
double occupation(PhotonChannel channel, const PhotonTemperatures& t, double omega) {
  switch (channel) {
    case PhotonChannel::scattering:
      return minus_bose_derivative(omega, t.environment) * k_boltzmann * t.environment / hbar;
    case PhotonChannel::absorption:
      return bose(omega, t.environment) * bose_plus_one(omega, t.internal);
    case PhotonChannel::emission:
      return bose(omega, t.internal) * bose_plus_one(omega, t.environment);
  }
  throw InvalidArgument("photon channel", std::to_string(static_cast<int>(channel)),
                        "scattering, absorption or emission");
}

double channel_cross_section(const DipoleSphere& sphere, PhotonChannel channel, double omega) {
  const DipoleCrossSections s = dipole_cross_sections(sphere, omega);
  return channel == PhotonChannel::scattering ? s.scattering : s.absorption;
}

// <q_x^2> / (hbar k)^2 per event.
double kick_variance_factor(PhotonChannel channel) {
  return channel == PhotonChannel::scattering ? 2.0 / 3.0 : 1.0 / 3.0;
}

void validate_inputs(const DipoleSphere& sphere, const PhotonTemperatures& t, double dx) {
  require_positive("sphere radius", sphere.radius);
  require_positive("environment temperature", t.environment);
  require_nonnegative("internal temperature", t.internal);
  require_nonnegative("superposition size dx", std::abs(dx));
  if (sphere.response.is_table()) {
    const double t_low = t.internal > 0.0 ? std::min(t.environment, t.internal) : t.environment;
    const double t_high = std::max(t.environment, t.internal);
    const double need_low = table_low_u * k_boltzmann * t_low / hbar;
    const double need_high = table_high_u * k_boltzmann * t_high / hbar;
    if (sphere.response.band_min() > need_low || sphere.response.band_max() < need_high)
      throw InvalidArgument("material table band",
                            "[" + format_number(sphere.response.band_min()) + ", " +
                                format_number(sphere.response.band_max()) + "] rad/s",
                            "a band covering the thermal band [" + format_number(need_low) + ", " +
                                format_number(need_high) + "] rad/s of T = " +
                                format_number(t_low) + " to " + format_number(t_high) + " K");
  }
}

double reference_frequency(const PhotonTemperatures& t) {
  return k_boltzmann * std::max(t.environment, t.internal) / hbar;
}

// int f(omega) domega over the band where the response is defined.
double integrate_spectrum(const DipoleSphere& sphere, const PhotonTemperatures& t,
                          const std::function<double(double)>& f) {
  const double omega_t = reference_frequency(t);
  if (sphere.response.is_table())
    return integrate(f, sphere.response.band_min(), sphere.response.band_max(), 0.0, 1e-12, 20000)
        .value;
  return integrate_to_infinity(f, 0.0, omega_t, 0.0, 1e-12, 20000).value;
}

void require_finite_result(const char* what, double value) {
  if (!std::isfinite(value))
    throw NumericalError(std::string(what) + " is not finite (" + format_number(value) +
                         "); the inputs are outside the range this model can represent");
}

// 1 - j0(x), by its Taylor series where the direct form cancels.
double one_minus_j0(double x) {
  const double ax = std::abs(x);
  if (ax < 0.5) {
    const double x2 = ax * ax;
    // sum_{k>=1} (-1)^(k+1) x^(2k) / (2k+1)!
    double term = x2 / 6.0, sum = term;
    for (int k = 2; k < 12; ++k) {
      term *= -x2 / ((2.0 * k) * (2.0 * k + 1.0));
      sum += term;
    }
    return sum;
  }
  return 1.0 - std::sin(ax) / ax;
}

}  // namespace

const char* to_string(DipoleKind kind) {
  return kind == DipoleKind::electric ? "electric" : "magnetic";
}

const char* to_string(PhotonChannel channel) {
  switch (channel) {
    case PhotonChannel::scattering:
      return "scattering";
    case PhotonChannel::absorption:
      return "absorption";
    case PhotonChannel::emission:
      return "emission";
  }
  return "unknown";
}

std::complex<double> static_polarizability_volume(DipoleKind kind, double radius,
                                                  std::complex<double> response) {
  const double volume = 4.0 * pi * radius * radius * radius;
  // eps - 1 over eps + 2, or chi over chi + 3: the same Clausius-Mossotti factor with
  // eps = 1 + chi (mu_r = 1 + chi).
  const std::complex<double> minus_one = kind == DipoleKind::electric ? response - 1.0 : response;
  return volume * minus_one / (minus_one + 3.0);
}

std::complex<double> radiative_polarizability_volume(std::complex<double> static_volume, double k) {
  const std::complex<double> i(0.0, 1.0);
  return static_volume / (1.0 - i * k * k * k * static_volume / (6.0 * pi));
}

DipoleCrossSections dipole_cross_sections(const DipoleSphere& sphere, double omega) {
  const double k = omega / speed_of_light;
  const std::complex<double> alpha0 =
      static_polarizability_volume(sphere.kind, sphere.radius, sphere.response(omega));
  const std::complex<double> alpha = radiative_polarizability_volume(alpha0, k);
  DipoleCrossSections s;
  s.extinction = k * alpha.imag();
  s.scattering = k * k * k * k * std::norm(alpha) / (6.0 * pi);
  // extinction - scattering = k |alpha/alpha0|^2 Im alpha0 exactly (optical theorem); written
  // in this form it has no cancellation when the material barely absorbs.
  s.absorption = alpha0 == 0.0 ? 0.0 : k * std::norm(alpha / alpha0) * alpha0.imag();
  return s;
}

double channel_spectral_rate(const DipoleSphere& sphere, PhotonChannel channel,
                             const PhotonTemperatures& temperatures, double omega) {
  if (!(omega > 0.0)) return 0.0;
  const double sigma = channel_cross_section(sphere, channel, omega);
  if (sigma == 0.0) return 0.0;
  const double occ = occupation(channel, temperatures, omega);
  if (occ == 0.0) return 0.0;
  return sigma * omega * omega / (pi * pi * speed_of_light * speed_of_light) * occ;
}

double channel_decoherence_kernel(PhotonChannel channel, double x) {
  return channel == PhotonChannel::scattering ? angular_decoherence_kernel(x) : one_minus_j0(x);
}

double photon_channel_decoherence_rate(const DipoleSphere& sphere, PhotonChannel channel,
                                       const PhotonTemperatures& temperatures, double dx) {
  validate_inputs(sphere, temperatures, dx);
  const double distance = std::abs(dx);
  if (distance == 0.0) return 0.0;
  auto rate = [&](double omega) {
    return channel_spectral_rate(sphere, channel, temperatures, omega);
  };
  const double omega_t = reference_frequency(temperatures);
  const double y = omega_t * distance / speed_of_light;
  const double s = distance / speed_of_light;  // k dx = omega s
  double f = 0.0;
  if (y <= smooth_y) {
    f = integrate_spectrum(sphere, temperatures, [&](double omega) {
      const double r = rate(omega);
      return r == 0.0 ? 0.0 : r * channel_decoherence_kernel(channel, omega * s);
    });
  } else if (y > asymptotic_y) {
    const double saturated = integrate_spectrum(sphere, temperatures, rate);
    if (channel == PhotonChannel::scattering) {
      // K = 1 - (3/4) [2 sin^2 x / x^2 + O(x^-4)]; the oscillating half integrates to O(y^-3).
      const double inverse_square = integrate_spectrum(sphere, temperatures, [&](double omega) {
        const double r = rate(omega);
        return r == 0.0 ? 0.0 : r / (omega * omega);
      });
      f = saturated - 0.75 * inverse_square / (s * s);
    } else {
      // int r j0(omega s) = (1/s) int (r/omega) sin(omega s) = g(0)/s^2 + O(s^-4), g = r/omega.
      const double low = std::max(sphere.response.band_min(), 1e-6 * omega_t);
      f = saturated - rate(low) / low / (s * s);
    }
  } else {
    // Panels no wider than a quarter period of the kernel's oscillation, each by adaptive
    // Gauss-Kronrod (resolves narrow material resonances); the absolute tolerance per panel
    // is a 1e-12 share of the saturated rate R >= F.
    const double lo = sphere.response.is_table() ? sphere.response.band_min() : 0.0;
    const double hi = sphere.response.is_table() ? sphere.response.band_max() : u_max * omega_t;
    const double width = omega_t * std::min(0.5, pi / (2.0 * y));
    const long panels = static_cast<long>(std::ceil((hi - lo) / width));
    const double step = (hi - lo) / static_cast<double>(panels);
    const double saturated = integrate_spectrum(sphere, temperatures, rate);
    const double panel_tolerance = 1e-12 * saturated / static_cast<double>(panels);
    auto integrand = [&](double omega) {
      const double r = rate(omega);
      return r == 0.0 ? 0.0 : r * channel_decoherence_kernel(channel, omega * s);
    };
    for (long i = 0; i < panels; ++i) {
      const double a = lo + static_cast<double>(i) * step;
      f += integrate(integrand, a, i + 1 == panels ? hi : a + step, panel_tolerance, 1e-12).value;
    }
  }
  require_finite_result("decoherence rate", f);
  return f;
}

PhotonChannelRates photon_channel_rates(const DipoleSphere& sphere, PhotonChannel channel,
                                        const PhotonTemperatures& temperatures, double mass,
                                        double dx) {
  validate_inputs(sphere, temperatures, dx);
  require_positive("particle mass", mass);
  PhotonChannelRates out;
  auto rate = [&](double omega) {
    return channel_spectral_rate(sphere, channel, temperatures, omega);
  };
  out.event_rate = integrate_spectrum(sphere, temperatures, rate);
  const double v = kick_variance_factor(channel);
  out.momentum_diffusion = integrate_spectrum(sphere, temperatures, [&](double omega) {
    const double r = rate(omega);
    const double hbar_k = hbar * omega / speed_of_light;
    return r == 0.0 ? 0.0 : r * v * hbar_k * hbar_k;
  });
  out.localization_parameter = out.momentum_diffusion / (2.0 * hbar * hbar);
  out.decoherence_rate_longwave = out.localization_parameter * dx * dx;
  out.decoherence_rate = photon_channel_decoherence_rate(sphere, channel, temperatures, dx);
  if (channel != PhotonChannel::emission) {
    const double c4 = std::pow(speed_of_light, 4);
    const double friction = integrate_spectrum(sphere, temperatures, [&](double omega) {
      if (!(omega > 0.0)) return 0.0;
      const double sigma = channel_cross_section(sphere, channel, omega);
      const double o2 = omega * omega;
      return sigma == 0.0
                 ? 0.0
                 : o2 * o2 * sigma * minus_bose_derivative(omega, temperatures.environment);
    });
    out.drag_coefficient = hbar / (3.0 * pi * pi * c4) * friction / mass;
  }
  require_finite_result("photon event rate", out.event_rate);
  require_finite_result("momentum diffusion", out.momentum_diffusion);
  require_finite_result("drag coefficient", out.drag_coefficient);
  return out;
}

ThermalPhotonRates thermal_photon_rates(const DipoleSphere& sphere,
                                        const PhotonTemperatures& temperatures, double mass,
                                        double dx) {
  ThermalPhotonRates r;
  r.scattering = photon_channel_rates(sphere, PhotonChannel::scattering, temperatures, mass, dx);
  r.absorption = photon_channel_rates(sphere, PhotonChannel::absorption, temperatures, mass, dx);
  r.emission = photon_channel_rates(sphere, PhotonChannel::emission, temperatures, mass, dx);
  auto sum = [&](double PhotonChannelRates::*field) {
    return r.scattering.*field + r.absorption.*field + r.emission.*field;
  };
  r.total.decoherence_rate = sum(&PhotonChannelRates::decoherence_rate);
  r.total.decoherence_rate_longwave = sum(&PhotonChannelRates::decoherence_rate_longwave);
  r.total.event_rate = sum(&PhotonChannelRates::event_rate);
  r.total.localization_parameter = sum(&PhotonChannelRates::localization_parameter);
  r.total.momentum_diffusion = sum(&PhotonChannelRates::momentum_diffusion);
  r.total.drag_coefficient = sum(&PhotonChannelRates::drag_coefficient);
  const double denominator =
      2.0 * mass * r.total.drag_coefficient * k_boltzmann * temperatures.environment;
  if (denominator > 0.0) {
    r.fdt_ratio = r.total.momentum_diffusion / denominator;
  } else {
    // Vanishing response: the limit of a weak absorber with constant Im alpha0, whose
    // diffusion and drag both go like int omega^5 (occupations) (see the header).
    const PhotonTemperatures& t = temperatures;
    const double omega_t = reference_frequency(t);
    auto weight = [](double omega) { return std::pow(omega, 5); };
    const double num = integrate_to_infinity(
                           [&](double w) {
                             return w > 0.0
                                        ? weight(w) * (occupation(PhotonChannel::absorption, t, w) +
                                                       occupation(PhotonChannel::emission, t, w))
                                        : 0.0;
                           },
                           0.0, omega_t)
                           .value;
    const double den =
        integrate_to_infinity(
            [&](double w) {
              return w > 0.0 ? 2.0 * weight(w) * occupation(PhotonChannel::scattering, t, w) : 0.0;
            },
            0.0, omega_t)
            .value;
    r.fdt_ratio = num / den;
  }
  require_finite_result("fluctuation-dissipation ratio", r.fdt_ratio);
  return r;
}

}  // namespace nanodecoh
