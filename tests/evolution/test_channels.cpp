// Channels against independent oracles (the thermal sinc average itself is tested in
// tests/numerics/test_special_functions.cpp): limits of the Lambertian sphere (docs/physics.md
// property 8: F(0) = 0, F -> Gamma, F ~ Gamma <k^2> r^2/6), the Gaussian and
// tabulated models, and the difference-table layout against direct coordinates.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "app/evolve_factory.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/remembering_channel.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/quadrature.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"

namespace ne = nanodecoh::evolution;
using nanodecoh::constants::hbar;

TEST(ChannelSphere, LimitsAndDiffusiveApproximation) {
  const double gamma = 250.0, T = 300.0, m = 18.0 * nanodecoh::constants::atomic_mass_unit;
  ne::DesorptionSphereChannel sphere(gamma, T, m);
  const double kT = std::sqrt(2.0 * m * nanodecoh::constants::k_boltzmann * T) / hbar;
  // The same closed form: rounding of a product and a root, a few u (1e-15).
  EXPECT_NEAR(sphere.thermal_wavenumber(), kT, 1e-15 * kT);
  EXPECT_EQ(sphere.evaluate({0.0}, {}, {}), std::complex<double>(0.0, 0.0));
  // Property 6: saturates. At k_T r = 1.5e5 the flux-weighted <sinc> is ~ 4/(k_T r)^4 ~ 1e-20
  // (the sine transform of s^2 exp(-s^2)): the bound is rounding, 1e-14 Gamma (measured 0).
  EXPECT_NEAR(sphere.evaluate({1e-6}, {}, {}).real(), gamma, 1e-14 * gamma);
  // Property 8: D0 = Gamma <p^2>/6 -> F ~ Gamma <k^2> r^2 / 6, <p^2> = 4 m k_B T. The
  // neglected next term of the series, -<k^4> r^4/120, is <k^4> r^2 / (20 <k^2>) = 3 k_T^2
  // r^2 / 20 = 3.4e-9 relative at r = 1e-15 m (k_T = 1.5e11 1/m; measured 3.3e-9): bound 2e-8.
  const double r = 1e-15;
  const double k2 = 4.0 * m * nanodecoh::constants::k_boltzmann * T / (hbar * hbar);
  EXPECT_NEAR(sphere.evaluate({r}, {}, {}).real() / (gamma * k2 * r * r / 6.0), 1.0, 2e-8);
  // The diffusive approximation is the quadratic itself: rounding (measured 2.2e-16).
  auto diffusive = sphere.diffusive_approximation();
  EXPECT_NEAR(diffusive->evaluate({r}, {}, {}).real() / (gamma * k2 * r * r / 6.0), 1.0, 1e-14);
  // Isotropic in the translation displacement; the same |dX| through two displacement vectors
  // (the rounding of |dX| and of the sinc average, a few u Gamma: 1e-14 Gamma).
  EXPECT_NEAR(sphere.evaluate({3e-11, 4e-11}, {}, {}).real(),
              sphere.evaluate({5e-11}, {}, {}).real(), 1e-14 * gamma);
  // F = Gamma [1 - <sinc>] with sinc in [-0.21724, 1]: 0 <= Re F <= 1.21724 Gamma everywhere.
  for (double x = 0; x < 1e-9; x += 1.3e-12) {
    EXPECT_GE(sphere.evaluate({x}, {}, {}).real(), 0.0);
    EXPECT_LE(sphere.evaluate({x}, {}, {}).real(), 1.21724 * gamma);
  }
  // The rms momentum of one emitted atom, sqrt(<p^2>) = sqrt(4 m k_B T) (rounding: 1e-14).
  const double p_rms = std::sqrt(4.0 * m * nanodecoh::constants::k_boltzmann * T);
  EXPECT_NEAR(sphere.recoil_momentum(), p_rms, 1e-14 * p_rms);
}

TEST(ChannelGaussian, FormulaAndAngles) {
  ne::GaussianChannel g(100.0, 10e-9, 0.5);
  // Closed forms of values <= 100: rounding, ~10 u 100 = 1e-13 (the chord of 0.2 - (-0.1)
  // rounds differently from sin(0.15): measured 5.3e-15); bound 1e-12.
  EXPECT_NEAR(g.evaluate({20e-9}, {}, {}).real(), 100.0 * (1.0 - std::exp(-1.0)), 1e-12);
  const double chord = 2.0 * std::sin(0.15);
  EXPECT_NEAR(g.evaluate({0.0}, {0.2}, {-0.1}).real(),
              100.0 * (1.0 - std::exp(-chord * chord / 1.0)), 1e-12);
  EXPECT_THROW(ne::GaussianChannel(1.0, -1.0), nanodecoh::InvalidArgument);
}

TEST(ChannelTable, GridDifferenceTableMatchesDirectCoordinates) {
  ne::Axis x{ne::AxisKind::translation, "x", 5, 1e-9, 0.0, 1e-18, ne::RotationMode::libration};
  ne::Axis phi{ne::AxisKind::rotation, "phi", 4, 1.0, 0.0, 1e-33, ne::RotationMode::circle};
  const ne::Grid grid({x, phi});
  ne::ChannelList channels{std::make_shared<ne::FunctionChannel>(
      [](const std::vector<double>& d, const std::vector<double>& a, const std::vector<double>& b) {
        return std::complex<double>(d[0] * d[0] * 1e18 + a[0] * a[0], 3.0 * b[0]);
      },
      "probe", 0.0)};
  const auto table = ne::evaluate_channels(grid, channels);
  for (std::size_t I = 0; I < grid.ket_size(); ++I)
    for (std::size_t J = 0; J < grid.ket_size(); ++J) {
      const auto i = grid.unravel(I), j = grid.unravel(J);
      const double dx = grid.coordinate(0, i[0]) - grid.coordinate(0, j[0]);
      const double pa = grid.coordinate(1, i[1]), pb = grid.coordinate(1, j[1]);
      const auto f = table[static_cast<std::size_t>(grid.ket_offsets()[I] + grid.bra_offsets()[J])];
      // The same arithmetic on the same coordinates: values <= 25, rounding 4 u 25 = 1.1e-14
      // (measured 0).
      EXPECT_NEAR(f.real(), dx * dx * 1e18 + pa * pa, 1e-14);
      EXPECT_NEAR(f.imag(), 3.0 * pb, 1e-14);
    }
}

TEST(ChannelFactory, BuildsEveryKindAndRejectsUnknown) {
  auto config = nanodecoh::io::Config::from_string(R"(
[[channels]]
kind = "gaussian"
rate = 1.0
length = 1e-9
[[channels]]
kind = "diffusive"
lambda = 1e10
[[channels]]
kind = "desorption_sphere"
rate = 5.0
[[channels]]
kind = "magnetic"
radius = 5e-8
chi_real = -1e-5
[[channels]]
kind = "dielectric"
radius = 5e-8
permittivity = 3.8
)");
  EXPECT_EQ(nanodecoh::app::make_channels(config.get_tables("channels")).size(), 5u);
  auto bad = nanodecoh::io::Config::from_string("[[channels]]\nkind = \"laser\"\n");
  EXPECT_THROW(nanodecoh::app::make_channels(bad.get_tables("channels")),
               nanodecoh::InvalidArgument);
}

// The magnetic and dielectric channels of `[[channels]]` evaluate the fluctuation-dissipation-
// consistent photon rates (thermal_photon_rates.hpp) at the grid distance |dX|: the sum of
// scattering, absorption and emission. Oracles: the rates library's per-process F, the test's
// own quadrature of the defining integral int domega rate(omega) K(omega dx / c) (occupations
// from Planck's law written here, std::sph_bessel for the isotropic kick), Schlosshauer's
// long-wavelength scattering rate, F(0) = 0 and Re F >= 0.
double test_bose(double omega, double t) {
  using namespace nanodecoh::constants;
  return t <= 0.0 ? 0.0 : 1.0 / std::expm1(hbar * omega / (k_boltzmann * t));
}

// `scale` (1/s): the size of the result, for the absolute tolerance of the quadrature.
double reference_photon_f(const nanodecoh::DipoleSphere& s, nanodecoh::PhotonTemperatures t,
                          double dx, double scale) {
  using namespace nanodecoh;
  using namespace nanodecoh::constants;
  const double w = k_boltzmann * std::max(t.environment, t.internal) / hbar;
  double total = 0.0;
  for (PhotonChannel c :
       {PhotonChannel::scattering, PhotonChannel::absorption, PhotonChannel::emission}) {
    auto integrand = [&](double omega) {
      if (omega <= 0) return 0.0;
      const DipoleCrossSections x = dipole_cross_sections(s, omega);
      const double sigma = c == PhotonChannel::scattering ? x.scattering : x.absorption;
      const double ne = test_bose(omega, t.environment), np = test_bose(omega, t.internal);
      const double occ = c == PhotonChannel::scattering   ? ne * (1 + ne)
                         : c == PhotonChannel::absorption ? ne * (1 + np)
                                                          : np * (1 + ne);
      const double y = omega * dx / speed_of_light;
      // 1 - j0(y) without cancellation at small y (its Taylor series there).
      const double isotropic = y < 1e-2 ? y * y / 6.0 * (1.0 - y * y / 20.0 + y * y * y * y / 840.0)
                                        : 1.0 - std::sph_bessel(0, y);
      const double kernel =
          c == PhotonChannel::scattering ? angular_decoherence_kernel(y) : isotropic;
      return sigma * omega * omega / (pi * pi * speed_of_light * speed_of_light) * occ * kernel;
    };
    for (double lo = 1e-9 * w; lo < 70 * w; lo += 2.0 * w)
      total += integrate(integrand, lo, lo + 2.0 * w, 1e-12 * scale, 1e-10, 20000).value;
  }
  return total;
}

TEST(ChannelFactory, MagneticAndDielectricUseTheConsistentPhotonRates) {
  using namespace nanodecoh;
  const auto config = io::Config::from_string(R"(
[[channels]]
kind = "magnetic"
radius = 1e-7
chi_real = -2.2e-5
chi_imag = 1e-6
t_internal = 500.0
[[channels]]
kind = "dielectric"
radius = 1e-7
permittivity = 5.7
)");
  const auto channels = app::make_channels(config.get_tables("channels"));
  ASSERT_EQ(channels.size(), 2u);
  const DipoleSphere magnetic{DipoleKind::magnetic, 1e-7,
                              MaterialResponse::constant({-2.2e-5, 1e-6})};
  const DipoleSphere electric{DipoleKind::electric, 1e-7, MaterialResponse::constant({5.7, 0.0})};
  const PhotonTemperatures hot{300.0, 500.0}, equal{300.0, 300.0};
  for (double dx : {1e-9, 3e-6, 4e-5}) {
    double library = 0.0;
    for (PhotonChannel c :
         {PhotonChannel::scattering, PhotonChannel::absorption, PhotonChannel::emission})
      library += photon_channel_decoherence_rate(magnetic, c, hot, dx);
    const double f = channels[0]->evaluate({dx}, {}, {}).real();
    // The same three library calls summed: 2 u (measured 0).
    EXPECT_NEAR(f, library, 1e-14 * library);
    // The oracle integrates to 1e-10 relative per panel (1e-12 f absolute), the library to
    // 1e-12 of the saturated rate: 10x the oracle's 1e-10 (measured <= 1.2e-15).
    EXPECT_NEAR(f, reference_photon_f(magnetic, hot, dx, f), 1e-9 * f) << dx;
    EXPECT_DOUBLE_EQ(channels[0]->evaluate({0.6 * dx, -0.8 * dx}, {}, {}).real(),
                     f);  // depends on |dX| only
    const double fe = channels[1]->evaluate({-dx}, {}, {}).real();
    EXPECT_NEAR(fe, reference_photon_f(electric, equal, dx, fe), 1e-9 * fe) << dx;
  }
  // F(0) = 0 and Re F >= 0, Im F = 0 on a grid of distances.
  for (const auto& channel : channels) {
    EXPECT_EQ(channel->evaluate({0.0}, {}, {}), std::complex<double>(0.0, 0.0));
    for (double dx = 1e-10; dx < 1e-3; dx *= 7.0) {
      EXPECT_GE(channel->evaluate({dx}, {}, {}).real(), 0.0);
      EXPECT_EQ(channel->evaluate({dx}, {}, {}).imag(), 0.0);
    }
  }
  // Diffusive comparison: quadratic with the summed localization parameters.
  double lambda = 0.0;
  for (PhotonChannel c :
       {PhotonChannel::scattering, PhotonChannel::absorption, PhotonChannel::emission})
    lambda += photon_channel_rates(magnetic, c, hot, 1.0, 0.0).localization_parameter;
  const auto diffusive = channels[0]->diffusive_approximation();
  // The same three localization parameters summed and scaled: rounding (measured 1.2e-16).
  EXPECT_NEAR(diffusive->evaluate({2e-8}, {}, {}).real(), lambda * 4e-16, 1e-14 * lambda * 4e-16);
  const auto bad =
      io::Config::from_string("[[channels]]\nkind = \"magnetic\"\nradius = -1\nchi_real = 0\n");
  try {
    app::make_channels(bad.get_tables("channels"));
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "channels[0].radius");
  }
}

TEST(ChannelFactory, DielectricChannelInTheLongWavelengthLimitIsSchlosshauers) {
  // M. Schlosshauer, "Decoherence and the Quantum-to-Classical Transition" (Springer 2007),
  // Sec. 3.4.3: Lambda = 8! 8 zeta(9) c a^6 / (9 pi) (k_B T/hbar c)^9 ((eps-1)/(eps+2))^2 for
  // spontaneous scattering; the stimulated factor n (1 + n) turns zeta(9) into zeta(8). A real
  // eps has no absorption or emission. dx = 0.1 nm is 1e-5 of the thermal wavelength: F is
  // Lambda dx^2 to ~ <u^10>/<u^8> (k_T dx)^2 / 10 ~ 2e-9.
  using namespace nanodecoh;
  using namespace nanodecoh::constants;
  const auto config = io::Config::from_string(
      "[[channels]]\nkind = \"dielectric\"\nradius = 1e-8\npermittivity = 5.7\n");
  const auto channels = app::make_channels(config.get_tables("channels"));
  const double a = 1e-8, t = 300.0, eps = 5.7, dx = 1e-10;
  const double kappa = k_boltzmann * t / (hbar * speed_of_light);
  const double e = (eps - 1) / (eps + 2);
  const double zeta8 = 1.0040773561979443394;
  const double lambda =
      40320.0 * 8 * zeta8 * speed_of_light * std::pow(a, 6) / (9 * pi) * std::pow(kappa, 9) * e * e;
  // Bound 1e-8: 5x the neglected ~2e-9 (measured 2.2e-9).
  EXPECT_NEAR(channels[0]->evaluate({dx}, {}, {}).real(), lambda * dx * dx,
              1e-8 * lambda * dx * dx);
}

// The `desorption` kind calls the localization engine. For a Lambertian sphere without rotation
// it must reproduce the closed form of `desorption_sphere` (docs/physics.md property 8) to the
// engine's tolerance; for a Janus sphere with a rotation axis F is complex and Hermitian
// (docs/physics.md property 2: F_{R',R}(-dX) = conj F_{R,R'}(dX)).
TEST(ChannelFactory, DesorptionFromTheLocalizationEngine) {
  const auto config = nanodecoh::io::Config::from_string(R"(
[[channels]]
kind = "desorption"
radius = 75e-9
rate = 100.0
tolerance = 1e-7
[[channels]]
kind = "desorption_sphere"
rate = 100.0
[[channels]]
kind = "desorption"
body = "janus"
radius = 75e-9
rate = 100.0
rotation_axis = [1.0, 0.0, 0.0]
)");
  const auto channels = nanodecoh::app::make_channels(config.get_tables("channels"));
  ASSERT_EQ(channels.size(), 3u);
  // The engine converges to the configured tolerance 1e-7 Gamma; the closed form is exact to
  // ~1e-15 Gamma, so the bound is 1e-7 Gamma (measured 3e-12 Gamma).
  for (double dx : {5e-12, 2e-11, 6e-11}) {
    const auto engine = channels[0]->evaluate({dx}, {}, {});
    const auto closed = channels[1]->evaluate({dx}, {}, {});
    EXPECT_NEAR(engine.real(), closed.real(), 1e-7 * 100.0) << dx;
    EXPECT_NEAR(engine.imag(), 0.0, 1e-7 * 100.0) << dx;
  }
  // Two independently converged values (different cache keys), each within the default
  // tolerance 1e-6 Gamma: they differ by at most 2e-6 Gamma.
  const auto f = channels[2]->evaluate({0.0, 0.0, 2e-11}, {2e-4}, {0.0});
  const auto g = channels[2]->evaluate({0.0, 0.0, -2e-11}, {0.0}, {2e-4});
  EXPECT_GT(std::abs(f.imag()), 1e-6 * 100.0);  // no inversion symmetry: Im F != 0 along the axis
  EXPECT_NEAR(f.real(), g.real(), 2e-6 * 100.0);
  EXPECT_NEAR(f.imag(), -g.imag(), 2e-6 * 100.0);
  // F_{R,R}(0) = 0: the engine's exact zero (test_ftable_channel.cpp); rounding 1e-14 Gamma.
  EXPECT_NEAR(channels[2]->evaluate({0.0}, {0.1}, {0.1}).real(), 0.0, 1e-14 * 100.0);
}

// remembering_channel returns again what it computed for the same points or grid (exactly the
// inner channel's values), computes anew for other points, batches over its limit and tables it
// is told not to keep, keeps nothing from a computation that throws, and forwards the rest
// (definition() included: the exact method's closed forms see through it).
TEST(RememberingChannel, ReturnsWhatItComputedForTheSameInputOnly) {
  auto calls = std::make_shared<std::atomic<int>>(0);  // tabulate may evaluate in parallel
  auto fail = std::make_shared<bool>(false);
  const auto inner = std::make_shared<ne::FunctionChannel>(
      [calls, fail](const std::vector<double>& d, const std::vector<double>&,
                    const std::vector<double>&) {
        ++*calls;
        if (*fail) throw nanodecoh::NumericalError("asked to fail");
        return std::complex<double>(d[0] * d[0], d[0]);
      },
      "counted", 0.0);
  auto computed = std::make_shared<std::atomic<std::size_t>>(0);
  const auto kept = ne::remembering_channel(inner, ne::RememberOptions{false, 3}, computed);
  EXPECT_EQ(kept->name(), "counted");
  EXPECT_EQ(&kept->definition(), inner.get());
  const std::vector<std::vector<double>> d{{1.0}, {2.0}}, other{{1.0}, {2.5}}, none(2);
  const auto first = kept->evaluate_points(d, none, none);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1], std::complex<double>(4.0, 2.0));  // the inner channel's F
  EXPECT_EQ(*calls, 2);
  EXPECT_EQ(kept->evaluate_points(d, none, none), first);  // remembered
  EXPECT_EQ(*calls, 2);
  (void)kept->evaluate_points(other, none, none);  // other points: computed
  EXPECT_EQ(*calls, 4);
  const std::vector<std::vector<double>> many{{1.0}, {2.0}, {3.0}, {4.0}}, none4(4);
  (void)kept->evaluate_points(many, none4, none4);  // over the limit of 3 points: not kept
  (void)kept->evaluate_points(many, none4, none4);
  EXPECT_EQ(*calls, 12);
  EXPECT_EQ(computed->load(), 4u);  // batches the inner channel computed
  // A computation that throws is not kept: the same points are computed again.
  *fail = true;
  const std::vector<std::vector<double>> fresh{{7.0}};
  const std::vector<std::vector<double>> none1(1);
  EXPECT_THROW((void)kept->evaluate_points(fresh, none1, none1), nanodecoh::NumericalError);
  *fail = false;
  EXPECT_EQ(kept->evaluate_points(fresh, none1, none1)[0], std::complex<double>(49.0, 7.0));
  // Tables: computed each time here (tables = false), kept with the default options.
  ne::Axis x;
  x.points = 4;
  x.step = 1e-9;
  x.inertia = 1e-20;
  const ne::Grid grid({x});
  const int before = calls->load();
  (void)kept->tabulate(grid, {});
  const int per_table = calls->load() - before;
  EXPECT_GT(per_table, 0);
  (void)kept->tabulate(grid, {});
  EXPECT_EQ(*calls, before + 2 * per_table);
  const auto sharing = ne::remembering_channel(inner);
  const auto table = sharing->tabulate(grid, {});
  EXPECT_EQ(sharing->tabulate(grid, {}), table);
  EXPECT_EQ(*calls, before + 3 * per_table);
  EXPECT_EQ(table, inner->tabulate(grid, {}));
  // Wrapping again (run_simulation's wrapper around a sweep's channel) adds no second layer when
  // the channel already keeps as much; it does when more is asked for, or a count.
  EXPECT_EQ(ne::remembering_channel(sharing, ne::RememberOptions{false, 4096}), sharing);
  EXPECT_EQ(ne::remembering_channel(sharing), sharing);
  EXPECT_NE(ne::remembering_channel(kept), kept);  // kept: no tables, batches of at most 3
  EXPECT_NE(ne::remembering_channel(sharing, {}, computed), sharing);
}
