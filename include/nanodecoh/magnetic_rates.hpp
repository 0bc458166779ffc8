// Momentum diffusion, decoherence and drag of a (dia)magnetic nanosphere in a
// thermal electromagnetic field, and the dielectric counterparts they are
// compared with (magnetic-nanoparticle paper, cited "(M n)"):
//   Clausius-Mossotti polarizability            (M 25-30)
//   momentum diffusion <dp^2>/dt                (M 15-19, 22, 23, 31, 32, D1-D4)
//   localization parameter, long-wave rate      (M 33)
//   decoherence factor F = R11 - R12            (M 50-54, 60; exact angular form of
//                                                docs/physics.md section 5)
//   drag coefficient, fluctuation-dissipation   (M 75-79, E2)
//   dielectric sphere and ratios                (M 61, 62, 80-82)
// Where a printed closed form disagrees with the integral it comes from, the
// functions follow the integral; docs/paper-notes.md lists each case.
// These functions keep the paper's structure (its cross term in (M 19) and its shape
// factor beta of (M 20)), which violates the fluctuation-dissipation relation by 2/beta;
// the consistent rates, for any eps(omega) and chi(omega) and with absorption and thermal
// emission, are in thermal_photon_rates.hpp (docs/paper-notes.md, "Consistent rates").
// SI units throughout; temperatures in K.
#pragma once

#include <complex>
#include <functional>
#include <optional>

namespace nanodecoh {

/// Complex volume susceptibility chi(omega) = chi_R + i chi_I as a function of the
/// angular frequency omega (rad/s). chi_I >= 0 is absorption (passive medium).
using SusceptibilityFunction = std::function<std::complex<double>(double omega)>;

/// Inputs of `nanodecoh rates`, validated once by validate(). Every field names
/// the CLI flag it comes from.
struct RatesInput {
  double radius = 0.0;              ///< sphere radius a, m (--radius)
  double chi_real = 0.0;            ///< Re chi, dimensionless volume susceptibility (--chi-real)
  double chi_imag = 0.0;            ///< Im chi >= 0 (--chi-imag)
  double temperature = 0.0;         ///< bath temperature T, K (--temperature)
  double permittivity = 0.0;        ///< relative permittivity eps (real) of the dielectric
                                    ///< comparison (--permittivity)
  std::optional<double> density;    ///< kg/m^3 (--density); exactly one of density, mass
  std::optional<double> mass;       ///< kg (--mass)
  double shape_factor = 0.5;        ///< beta of (M 20), 1/2 for a sphere (--shape-factor)
  double superposition_size = 0.0;  ///< dx, m (--dx)

  /// Throws InvalidArgument naming the field ("chi_real"), the value and what is allowed:
  /// radius, temperature, density or mass, shape factor: finite and > 0;
  /// chi_real finite and >= -1 (mu_r >= 0, the perfect diamagnet); chi_imag
  /// finite and >= 0; permittivity finite, not 1 (no dielectric response, the
  /// ratios are undefined) and not -2 (Clausius-Mossotti pole); dx finite and >= 0;
  /// exactly one of density and mass.
  void validate() const;
  /// Particle mass, kg: `mass`, or (4/3) pi a^3 density.
  double particle_mass() const;
  /// chi_real + i chi_imag.
  std::complex<double> susceptibility() const { return {chi_real, chi_imag}; }
};

/// Clausius-Mossotti factor chi/(3 + chi) (M 25), dimensionless.
std::complex<double> clausius_mossotti_factor(std::complex<double> chi);

/// Magnetic polarizability alpha = (4 pi a^3/mu0) chi/(3 + chi), in J/T^2 -- (M 25) with the
/// 4 pi of SI units that the paper omits (docs/paper-notes.md)
/// (m = alpha B). Real part (M 26), imaginary part = absorption part (M 27, 29),
/// |alpha|^2 (M 28).
std::complex<double> magnetic_polarizability(double radius, std::complex<double> chi);

/// Extinction imaginary part of alpha (M 22, 30): scattering part
/// mu0 omega^3 |alpha|^2 beta / (6 pi c^3) plus absorption part Im alpha. J/T^2.
double magnetic_polarizability_extinction(double radius, std::complex<double> chi, double omega,
                                          double shape_factor);

/// <dp^2>/dt split into its parts, kg^2 m^2 s^-3.
struct MomentumDiffusion {
  double total = 0.0;       ///< scattering + absorption (M 23, 31, 32)
  double scattering = 0.0;  ///< |alpha|^2 term, = (M 19) = magnetic + electric + cross
  double absorption = 0.0;  ///< alpha_I^abs / beta term of (M 23)
  double magnetic = 0.0;    ///< gradient-of-B part of the scattering term (M 15, D2)
  double electric = 0.0;    ///< m x dE/dt part (M 16, D1)
  double cross = 0.0;       ///< interference of the two (M 18, D3), negative
};

/// Closed form for constant chi (M 32 and D1-D3 with the absorption prefactor of
/// (M 23); see docs/paper-notes.md).
MomentumDiffusion momentum_diffusion(double radius, std::complex<double> chi, double temperature,
                                     double shape_factor);
/// The defining integral (M 19, 23) over omega by adaptive quadrature, for any chi(omega).
MomentumDiffusion momentum_diffusion_quadrature(double radius, const SusceptibilityFunction& chi,
                                                double temperature, double shape_factor);

/// Localization parameter Lambda = <dp^2>/dt / (2 hbar^2) (M 33), m^-2 s^-1.
double localization_parameter(double momentum_diffusion);

/// A rate split into its scattering (|alpha|^2) and absorption (Im alpha) parts.
struct RateParts {
  double total = 0.0;
  double scattering = 0.0;
  double absorption = 0.0;
};

/// Decoherence factor F(dx) = R11 - R12 in the long-wavelength limit (M 60),
/// constant chi, 1/s. Grows like dx^2.
RateParts decoherence_rate_longwave(double radius, std::complex<double> chi, double temperature,
                                    double shape_factor, double dx);
/// Saturated rate R11 (M 53), constant chi, 1/s: the limit of F(dx) for
/// dx >> hbar c / (k_B T).
RateParts decoherence_rate_saturated(double radius, std::complex<double> chi, double temperature,
                                     double shape_factor);
/// Full decoherence factor F(dx) = R11 - R12 (M 54) for any dx, with the exact
/// angular integral (angular_interference_integral), constant chi, 1/s.
RateParts decoherence_rate(double radius, std::complex<double> chi, double temperature,
                           double shape_factor, double dx);
/// Same for any chi(omega), by quadrature over k.
RateParts decoherence_rate_quadrature(double radius, const SusceptibilityFunction& chi,
                                      double temperature, double shape_factor, double dx);

/// Drag coefficient xi of F = -xi m v (M 77, 78 with the sign of (M 77)), constant
/// chi, closed form (M 79 corrected), 1/s.
RateParts drag_coefficient(double radius, std::complex<double> chi, double temperature,
                           double shape_factor, double mass);
/// The defining integral (M 78) with alpha_I of (M 22) by quadrature, any chi(omega).
RateParts drag_coefficient_quadrature(double radius, const SusceptibilityFunction& chi,
                                      double temperature, double shape_factor, double mass);

/// (<dp^2>/dt) / (2 m xi k_B T) (M E2); 1 if the fluctuation-dissipation relation
/// held. With (M 23) and (M 78) it is 2/beta for every chi; when chi = 0 (both
/// rates vanish) the chi -> 0 limit 2/beta is returned.
double fdt_ratio(double momentum_diffusion, double drag_coefficient, double mass,
                 double temperature, double shape_factor);

/// Long-wavelength decoherence factor of a dielectric sphere (M 61), real eps, 1/s.
double dielectric_decoherence_rate_longwave(double radius, double permittivity, double temperature,
                                            double dx);
/// Full decoherence factor of a dielectric sphere for any dx (no long-wavelength expansion),
/// real eps, 1/s: the electric twin of decoherence_rate(), obtained by Maxwell duality
/// (chi/(3+chi) -> (eps-1)/(eps+2)). Reduces to (M 61) for dx << hbar c/(k_B T) and saturates
/// for dx >> hbar c/(k_B T).
double dielectric_decoherence_rate(double radius, double permittivity, double temperature,
                                   double dx);
/// Einstein-Hopf drag coefficient of a dielectric sphere (M 80), 1/s.
double dielectric_drag_coefficient(double radius, double permittivity, double temperature,
                                   double mass);
/// F_B / F_E for chi_I = 0 (M 62, 82) with the SI polarizability: (chi_R/(3+chi_R))^2
/// |(eps+2)/(eps-1)|^2 (the printed 1/(16 pi^2) comes from (M 25); see docs/paper-notes.md).
double ratio_decoherence_magnetic_to_dielectric(double chi_real, double permittivity);
/// xi_B / xi_E for chi_I = 0 (M 81 corrected, SI polarizability): beta (chi_R/(3+chi_R))^2
/// |(eps+2)/(eps-1)|^2.
double ratio_drag_magnetic_to_dielectric(double chi_real, double permittivity, double shape_factor);

/// Spherical Bessel function j_n(x), n = 0, 1, 2, accurate for all x >= 0
/// (power series below x = 0.5 avoids the cancellation of the trigonometric form).
double spherical_bessel_j(int n, double x);

/// Double angular integral of (M 52):
/// int dOmega int dOmega' (1 + cos^2 theta) exp(i x (k^ - k^').e)
/// = 16 pi^2 [ j0^2 + 2 (j1/x)^2 + (j1/x - j2)^2 ],  x = k |dx|.  Equals 64 pi^2/3 at x = 0.
double angular_interference_integral(double x);
/// 1 - angular_interference_integral(x) / (64 pi^2/3), in [0, 1]: the fraction of R11
/// that a mode of wavenumber k contributes to F at x = k |dx|. x^2/3 for small x
/// (evaluated by its Taylor series there), -> 1 for large x.
double angular_decoherence_kernel(double x);

/// Everything `nanodecoh rates` prints.
struct RatesResult {
  double mass = 0.0;                             ///< kg
  std::complex<double> clausius_mossotti;        ///< chi/(3+chi)
  std::complex<double> polarizability;           ///< alpha, J/T^2
  MomentumDiffusion momentum_diffusion;          ///< kg^2 m^2 s^-3
  double localization_parameter = 0.0;           ///< Lambda, m^-2 s^-1
  double localization_rate = 0.0;                ///< gamma = Lambda dx^2 (M 33), 1/s
  RateParts decoherence_longwave;                ///< (M 60), 1/s
  RateParts decoherence;                         ///< full F(dx) (M 54), 1/s
  RateParts decoherence_saturated;               ///< R11 (M 53), 1/s
  RateParts drag;                                ///< xi (M 79), 1/s
  double fdt_ratio = 0.0;                        ///< (M E2) diagnostic
  double thermal_wavelength = 0.0;               ///< hbar c / (k_B T), m
  double dielectric_decoherence_longwave = 0.0;  ///< (M 61), 1/s
  double dielectric_decoherence = 0.0;           ///< full form, 1/s
  double dielectric_drag = 0.0;                  ///< (M 80), 1/s
  double ratio_decoherence = 0.0;                ///< (M 62) at chi_I = 0
  double ratio_drag = 0.0;                       ///< (M 81) at chi_I = 0
};

/// Validates `input` and computes every rate. Throws NumericalError if a result is
/// not finite (e.g. overflow for absurd inputs).
RatesResult compute_rates(const RatesInput& input);

}  // namespace nanodecoh
