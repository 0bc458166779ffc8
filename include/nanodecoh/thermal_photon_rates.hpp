// Fluctuation-dissipation-consistent thermal-photon rates of a sphere seen as a point
// electric or magnetic dipole in blackbody radiation at T_env, with its own internal
// temperature T_int (docs/rates.md; derivation in docs/paper-notes.md,
// "Consistent rates"). Three photon channels, each a process with a momentum kick q:
//   scattering  k -> k'   rate n_e (1 + n_e) sigma_sca,  q = hbar (k - k'), dipole pattern
//   absorption  k         rate n_e (1 + n_p) sigma_abs,  q = hbar k, isotropic
//   emission    k         rate n_p (1 + n_e) sigma_abs,  q = -hbar k, isotropic
// per unit omega times the photon flux factor omega^2 / (pi^2 c^2); n_e, n_p are the Bose
// occupations at T_env and T_int. From these:
//   F(dx)     = int domega rate(omega) K(k dx)        (K: 1 - <cos(q.dx/hbar)>)
//   <dp_x^2>/dt = int dOmega rate <q_x^2>             (2/3 hbar^2 k^2 scattering, 1/3 absorption)
//   m xi      = -(hbar / 3 pi^2 c^4) int omega^4 sigma dn_e/domega   (Doppler, Einstein-Hopf)
// with sigma_ext = k Im alpha, sigma_sca = k^4 |alpha|^2 / (6 pi), sigma_abs = sigma_ext -
// sigma_sca for the radiatively corrected polarizability volume
//   alpha = alpha0 / (1 - i k^3 alpha0 / (6 pi)),  alpha0 = 4 pi a^3 (eps-1)/(eps+2)  (electric)
//                                                  alpha0 = 4 pi a^3 chi/(3+chi)       (magnetic)
// (alpha = alpha_E/eps0 or mu0 alpha_M, m^3; the two dipoles are Maxwell duals). At
// T_int = T_env, <dp_x^2>/dt = 2 m xi k_B T for every eps(omega), chi(omega).
// SI units; temperatures in K.
#pragma once

#include <complex>

#include "nanodecoh/material_response.hpp"

namespace nanodecoh {

/// Which point dipole of the sphere couples to the field.
enum class DipoleKind { electric, magnetic };

/// "electric" or "magnetic".
const char* to_string(DipoleKind kind);

/// A sphere of radius a (m) with eps(omega) (electric) or chi(omega) (magnetic).
struct DipoleSphere {
  DipoleKind kind = DipoleKind::electric;
  double radius = 0.0;
  MaterialResponse response = MaterialResponse::constant({0.0, 0.0});
};

/// Temperatures of the field (T_env) and of the particle's internal degrees of freedom
/// (T_int), K.
struct PhotonTemperatures {
  double environment = 0.0;  ///< T_env > 0
  double internal = 0.0;     ///< T_int >= 0
};

/// The three photon processes.
enum class PhotonChannel { scattering, absorption, emission };

/// "scattering", "absorption" or "emission".
const char* to_string(PhotonChannel channel);

/// Quasi-static Clausius-Mossotti polarizability volume alpha0, m^3:
/// 4 pi a^3 (eps-1)/(eps+2) or 4 pi a^3 chi/(3+chi).
std::complex<double> static_polarizability_volume(DipoleKind kind, double radius,
                                                  std::complex<double> response);

/// Radiatively corrected polarizability volume alpha0 / (1 - i k^3 alpha0 / (6 pi)), m^3;
/// k = omega/c in 1/m. It satisfies the optical theorem exactly.
std::complex<double> radiative_polarizability_volume(std::complex<double> static_volume, double k);

/// Cross sections of the point dipole, m^2.
struct DipoleCrossSections {
  double extinction = 0.0;  ///< k Im alpha
  double scattering = 0.0;  ///< k^4 |alpha|^2 / (6 pi)
  double absorption = 0.0;  ///< extinction - scattering (>= 0 for a passive material)
};
DipoleCrossSections dipole_cross_sections(const DipoleSphere& sphere, double omega);

/// Events per second per unit omega, s^-1 / (rad/s), of `channel` at omega (rad/s).
double channel_spectral_rate(const DipoleSphere& sphere, PhotonChannel channel,
                             const PhotonTemperatures& temperatures, double omega);

/// Per-event decoherence kernel 1 - <cos(q.dx/hbar)> at x = k |dx|: the exact dipole
/// angular average angular_decoherence_kernel(x) for scattering, 1 - j0(x) for absorption
/// and emission (isotropic kick of size hbar k). In [0, 2); x^2/3 resp. x^2/6 for small x.
double channel_decoherence_kernel(PhotonChannel channel, double x);

/// Everything one channel contributes.
struct PhotonChannelRates {
  double decoherence_rate = 0.0;           ///< F(dx), 1/s (full, no long-wavelength expansion)
  double decoherence_rate_longwave = 0.0;  ///< Lambda dx^2, 1/s
  double event_rate = 0.0;                 ///< F(dx -> inf): photons per second, 1/s
  double localization_parameter = 0.0;     ///< Lambda = <dp_x^2>/dt / (2 hbar^2), m^-2 s^-1
  double momentum_diffusion = 0.0;         ///< <dp_x^2>/dt, kg^2 m^2 s^-3
  double drag_coefficient = 0.0;           ///< xi of F = -xi m v, 1/s (0 for emission)
};

/// One channel for the superposition size dx (m) and the particle mass (kg).
/// Throws InvalidArgument for a non-positive radius, T_env or mass, negative T_int or dx, or a
/// tabulated response that does not cover the thermal band; NumericalError if not finite.
PhotonChannelRates photon_channel_rates(const DipoleSphere& sphere, PhotonChannel channel,
                                        const PhotonTemperatures& temperatures, double mass,
                                        double dx);

/// Only F(dx) of one channel, 1/s: what a master-equation channel needs on its grid.
double photon_channel_decoherence_rate(const DipoleSphere& sphere, PhotonChannel channel,
                                       const PhotonTemperatures& temperatures, double dx);

/// All three channels and their sum.
struct ThermalPhotonRates {
  PhotonChannelRates scattering;
  PhotonChannelRates absorption;
  PhotonChannelRates emission;
  PhotonChannelRates total;  ///< field-by-field sum of the three
  /// <dp_x^2>/dt / (2 m xi k_B T_env): exactly 1 at T_int = T_env (fluctuation-dissipation).
  double fdt_ratio = 0.0;
};
ThermalPhotonRates thermal_photon_rates(const DipoleSphere& sphere,
                                        const PhotonTemperatures& temperatures, double mass,
                                        double dx);

}  // namespace nanodecoh
