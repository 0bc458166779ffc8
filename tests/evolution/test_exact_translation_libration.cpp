// The exact chord-function method on a grid of a translation axis and a libration axis together
// (chord_axes.hpp, exact_axes.cpp; docs/physics.md, "Translation and libration axes together")
// against independent oracles (the product of one-axis solutions, whole runs against the split
// operator, physical states and the CLI: test_exact_translation_libration_runs.cpp):
//  - chi at points across (k, r) against the characteristic solution written here: the product
//    of the axes' closed-form Gaussian chi_0 at the start of the path and a composite
//    Gauss-Legendre quadrature of the coupled gaussian F(|r|, r_phi) along the vector path (free,
//    harmonic and linear segments on either axis; paths whose angle winds several turns);
//  - rho at points (element) against rho on the grid; the CPU and CUDA twins;
//  - tabulated channels independent of the orientation (a function, F-table files) against the
//    closed form they tabulate; channels of phi - phi' tabulated over (dX, phi - phi') against the
//    characteristic quadrature and the closed form; those that depend on the orientations apart
//    (and F-table files that depend on the orientation) refused, naming the channel and both
//    values; the engine's Janus desorption about its cap's axis accepted, across it refused;
//  - the refusals (desorption_sphere, a circle axis with a translation axis) naming the channel or
//    axis.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <sstream>
#include <vector>

#include "axes_test_support.hpp"
#include "evolution/chord_axes.hpp"
#include "evolution_oracles.hpp"
#include "exact_test_support.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/localization/body.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/quadrature.hpp"
#include "run_cli.hpp"  // NANODECOH_REQUIRE_CUDA_DEVICE
#include "translation_libration_test_support.hpp"

namespace {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using nanodecoh::testing::axes::max_abs;
using nanodecoh::testing::axes::on_axis;
using nanodecoh::testing::exact::back;
using nanodecoh::testing::exact::gaussian_chi0;
using nanodecoh::testing::exact::gaussian_table;
using nanodecoh::testing::exact::max_abs_difference;
using nanodecoh::testing::exact::moving_gaussian;
using nanodecoh::testing::exact::run_two_outputs;
using nanodecoh::testing::exact::seen_by;
using nanodecoh::testing::exact::segment;
using namespace nanodecoh::testing::translation_libration;

// ---- chi against the characteristic solution written here -----------------------------------

// Gaussian states on both axes, the coupled gaussian channel
// F = Gamma (1 - exp(-r_x^2/(4 a^2) - (2 sin(r_phi/2))^2/(4 b^2))) and the separable diffusive
// one, a trap on phi, a force on x and a release: chi from the CPU twin against chi_0 at the start
// of the path times exp(i Phi - int F) by composite Gauss-Legendre (16 points) per segment, its
// panels under a fifth of b in r_phi (the dips of F where r_phi crosses 2 pi n, of width ~b).
// (k_phi within the state's reach: paths that wind around the circle start where chi_0 is 0; the
// kernel's cuts on such paths are tested on their own below.)
TEST(ExactOnTranslationAndLibration, ChiMatchesTheCharacteristicQuadrature) {
  const ne::Grid grid = mixed_grid(32, 32);
  const double inertia[2] = {kMass, kInertia}, w = 3000.0;
  for (std::size_t trapped : {1, 0}) {
    const std::size_t pushed = 1 - trapped;
    const double force = pushed == 0 ? 1.5e-23 : torque(1.5e-23);
    const std::vector<ne::Segment> protocol{
        on_axis(segment(ne::PotentialKind::harmonic, 2e-4, w), trapped),
        on_axis(segment(ne::PotentialKind::linear, 2e-4, force), pushed),
        segment(ne::PotentialKind::free, 2e-4)};
    const double gamma = 2000.0, a = 3e-9, b = 0.05, lambda = 2e17, angular_lambda = 2e3;
    const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(gamma, a, b),
                                   std::make_shared<ne::DiffusiveChannel>(lambda, angular_lambda)};
    const ne::InitialStateSpec in = moving_gaussian(0.04);
    const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-12);
    EXPECT_FALSE(exact.tabulated());
    const auto rule = nanodecoh::gauss_legendre(16);
    // F from the channels' definitions (docs/evolve-config.md, "Channels").
    const auto F = [&](double rx, double rphi) {
      const double chord = 2.0 * std::sin(0.5 * rphi);
      return gamma * -std::expm1(-rx * rx / (4.0 * a * a) - chord * chord / (4.0 * b * b)) +
             lambda * rx * rx + angular_lambda * chord * chord;
    };
    const double durations[3] = {2e-4, 2e-4, 2e-4};
    for (double t : {1.5e-4, 3.3e-4, 6e-4})
      for (double kx : {0.0, 3e7, -2e8})
        for (double kphi : {0.0, -40.0, 90.0, 250.0})
          for (double rx : {0.0, 2e-9, -7e-9})
            for (double rphi : {0.0, -0.03, 0.09}) {
              double k[2] = {kx, kphi}, r[2] = {rx, rphi};
              double integral = 0.0, phase = 0.0, end = 0.0;
              int last = 0;
              while (last < 2 && end + durations[last] < t) end += durations[last++];
              for (int s = last; s >= 0; --s) {
                const double span = s == last ? t - end : durations[s];
                const double ke[2] = {k[0], k[1]}, re[2] = {r[0], r[1]};
                const auto along = [&](double tau) {
                  double kk[2] = {ke[0], ke[1]}, rr[2] = {re[0], re[1]};
                  for (int ax = 0; ax < 2; ++ax)
                    back(s == 0 && ax == static_cast<int>(trapped) ? w : 0.0, inertia[ax], tau,
                         kk[ax], rr[ax]);
                  return F(rr[0], rr[1]);
                };
                // r_phi moves at most by |hbar k_phi/I| span (straight) or its amplitude (trap).
                const double sweep = std::fabs(hbar * ke[1] / kInertia) * span +
                                     std::hypot(re[1], hbar * ke[1] / (kInertia * w));
                const int panels = 64 + static_cast<int>(sweep / (0.2 * b));
                integral +=
                    nanodecoh::testing::composite_gauss_legendre(along, 0.0, span, panels, rule);
                if (s == 1)  // the force: phase of the linear potential (docs/physics.md)
                  phase += -k[pushed] * force * span * span / (2.0 * inertia[pushed]) +
                           r[pushed] * force * span / hbar;
                for (int ax = 0; ax < 2; ++ax)
                  back(s == 0 && ax == static_cast<int>(trapped) ? w : 0.0, inertia[ax], span,
                       k[ax], r[ax]);
                if (s > 0) end -= durations[s - 1];
              }
              const cplx chi0 = gaussian_chi0(in.width, in.center, in.momentum, k[0], r[0]) *
                                gaussian_chi0(in.other_width, 0.0, 0.0, k[1], r[1]);
              const cplx expected = chi0 * std::exp(cplx(-integral, phase));
              double error = 1.0;
              const cplx value = exact.chord(t, {kx, kphi}, {rx, rphi}, &error);
              EXPECT_LT(error, 1e-11);
              EXPECT_LT(std::abs(value - expected), 1e-11 * std::max(std::abs(expected), 1e-3))
                  << "trapped " << trapped << " t " << t << " k " << kx << " " << kphi << " r "
                  << rx << " " << rphi;
            }
  }
}

// The coupled gaussian's path integral in the kernel (axes_angular_path_integral: Gauss-Kronrod
// cut where r_phi crosses 2 pi n, where it turns and at the translation's closest approach)
// against composite Gauss-Legendre of F along the vector path written here (panels under a fifth
// of b in r_phi and of a in r_x, long double), from rest through paths that wind ten turns
// (straight) or swing over several multiples of 2 pi (a trap on phi, more than one period), with
// the translation chord passing through 0 or not.
TEST(ExactOnTranslationAndLibration, CoupledGaussianPathIntegralAcrossTurns) {
  namespace chord = ne::chord;
  const double rate = 700.0, a = 3e-9, b = 0.05, w = 3000.0, span = 2e-4;
  chord::AxesModel m;
  m.axes = 2;
  m.rotation_axis = 1;
  for (int ax = 0; ax < 2; ++ax) {
    m.axis[ax].mass = ax == 0 ? kMass : kInertia;
    m.axis[ax].segments = 2;
    m.axis[ax].duration[0] = m.axis[ax].duration[1] = span;
  }
  m.axis[1].segment_kind[1] = chord::SegmentKind::harmonic;  // segment 1: a trap on phi
  m.axis[1].frequency[1] = w;
  m.channels = 1;
  m.channel_kind[0] = chord::ChannelKind::gaussian;
  m.rate[0] = rate;
  m.length[0] = a;
  m.angular_length[0] = b;
  const auto F = [&](long double rx, long double rphi) {
    const long double s = std::sin(rphi / 2.0L) / b;
    return rate * -std::expm1(-rx * rx / (4.0L * a * a) - s * s);
  };
  const auto rule = nanodecoh::gauss_legendre(20);
  for (int s : {0, 1})
    for (double kx : {0.0, 1e8, -6e8})
      for (double kphi : {0.0, 1.0, -30.0, 4.7e3, -3e4, 3e5})
        for (double rx : {0.0, 5e-9})
          for (double rphi : {0.0, -0.02, 3.0}) {
            if (s == 1 && std::fabs(kphi) > 3e4) continue;  // amplitude 105 rad: beyond the cuts
            const double ke[2] = {kx, kphi}, re[2] = {rx, rphi};
            const auto along = [&](double tau) {
              long double kk[2] = {ke[0], ke[1]}, rr[2] = {re[0], re[1]};
              for (int ax = 0; ax < 2; ++ax) {
                const long double inertia = m.axis[ax].mass;
                if (s == 1 && ax == 1) {
                  const long double c = std::cos(w * static_cast<long double>(tau)),
                                    sn = std::sin(w * static_cast<long double>(tau));
                  const long double r0 = rr[ax] * c - hbar / (inertia * w) * sn * kk[ax];
                  rr[ax] = r0;
                } else {
                  rr[ax] -= hbar / inertia * kk[ax] * tau;
                }
              }
              return F(rr[0], rr[1]);
            };
            const double sweep_phi = std::fabs(hbar * kphi / kInertia) * span +
                                     std::hypot(rphi, hbar * kphi / (kInertia * w));
            const double sweep_x = std::fabs(hbar * kx / kMass) * span;
            const int panels = 64 + static_cast<int>(sweep_phi / (0.2 * b)) +
                               static_cast<int>(sweep_x / (0.2 * a));
            const double expected = static_cast<double>(
                nanodecoh::testing::composite_gauss_legendre(along, 0.0, span, panels, rule));
            double error = 0.0;
            const double got = chord::axes_path_integral(m, s, ke, re, span, 1e-13, error);
            EXPECT_LE(std::abs(got - expected), error + 1e-15 * std::abs(expected) + 1e-20)
                << "segment " << s << " k " << kx << " " << kphi << " r " << rx << " " << rphi;
            EXPECT_LT(error, 1e-12) << "segment " << s << " k " << kx << " " << kphi;
          }
}

/// The grid (x, phi, y) of the tests with two translation axes and a libration axis (the libration
/// axis between them), its protocol (a trap on y, a torque on phi, a force on x) and state (the cat
/// on phi, Gaussians of 2 nm on x and y).
struct XPhiY {
  ne::Axis x = mixed_grid(10, 8).axes()[0], phi = mixed_grid(10, 8).axes()[1], y = with_name_y(x);
  ne::Grid grid{{x, phi, y}};
  std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2500.0), 2),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, torque(1e-23)), 1),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, 2e-23), 0)};
  ne::InitialStateSpec in = with_other_width(cat_on(mixed_grid(10, 8), 1), 2e-9);

  static ne::Axis with_name_y(ne::Axis y) {
    y.name = "y";
    y.points = 6;
    y.step = 1.3e-9;
    y.inertia = 1.5e-20;
    return y;
  }
  static ne::InitialStateSpec with_other_width(ne::InitialStateSpec in, double width) {
    in.other_width = width;  // the Gaussians on x and y (m)
    return in;
  }
};

// Two translation axes and a libration axis (x, phi, y: the libration axis between them). The
// diffusive channel (TL1) is separable: chi is the product of the three one-axis chi; a gaussian
// without angular length acts on |r| of x and y alone: chi is the two-translation-axes chi (the
// several-axes kernel without a libration axis, tested in test_exact_axes.cpp) times the libration
// axis' free chi. A trap on y, a torque on phi, a force on x; the cat on phi.
TEST(ExactOnTranslationAndLibration, TwoTranslationAxesAndALibrationAxis) {
  const XPhiY setup;
  const ne::Axis &x = setup.x, &phi = setup.phi, &y = setup.y;
  const ne::Grid& grid = setup.grid;
  const std::vector<ne::Segment>& protocol = setup.protocol;
  const ne::InitialStateSpec& in = setup.in;
  const auto factor = [&](std::size_t a) {
    ne::InitialStateSpec f = in;
    f.axis = 0;
    if (a != 1) {
      f = ne::InitialStateSpec{};
      f.kind = ne::InitialKind::gaussian;
      f.width = 2e-9;
    }
    return f;
  };
  const double lambda = 2e17, angular_lambda = 2e3;
  const ne::ExactPropagator diffusive(
      grid, protocol, {std::make_shared<ne::DiffusiveChannel>(lambda, angular_lambda)}, in, 1e-13);
  const auto gaussian_channel = std::make_shared<ne::GaussianChannel>(3000.0, 4e-9);
  const ne::ExactPropagator gaussian(grid, protocol, {gaussian_channel}, in, 1e-13);
  // The two translation axes alone (x, y), and each axis alone.
  std::vector<ne::Segment> xy = protocol;
  xy[0].potential.axis = 1;  // y is axis 1 of (x, y)
  xy[1].potential = ne::Potential{};
  ne::InitialStateSpec xy_state;
  xy_state.kind = ne::InitialKind::gaussian;
  xy_state.width = 2e-9;
  xy_state.other_width = 2e-9;
  const ne::ExactPropagator translation(ne::Grid({x, y}), xy, {gaussian_channel}, xy_state, 1e-13);
  const ne::Axis axes[3] = {x, phi, y};
  for (double t : {1.5e-4, 4e-4})
    for (const std::vector<double>& k :
         {std::vector<double>{0.0, 0.0, 0.0}, {3e8, -40.0, 1e8}, {-1e8, 90.0, -2e8}})
      for (const std::vector<double>& r :
           {std::vector<double>{0.0, 0.0, 0.0}, {2e-9, 0.03, -1.3e-9}, {-4e-9, -0.05, 2.6e-9}}) {
        cplx product = 1.0;
        for (std::size_t a = 0; a < 3; ++a) {
          const bool rotation = a == 1;
          const ne::ExactPropagator one(
              ne::Grid({axes[a]}), seen_by(protocol, a),
              {std::make_shared<ne::DiffusiveChannel>(rotation ? 0.0 : lambda,
                                                      rotation ? angular_lambda : 0.0)},
              factor(a), 1e-13);
          product *= one.chord(t, k[a], r[a]);
        }
        double error = 1.0;
        const cplx value = diffusive.chord(t, k, r, &error);
        EXPECT_LT(error, 1e-12);
        EXPECT_LT(std::abs(value - product), 1e-13 * std::max(std::abs(product), 1e-3))
            << "diffusive, t " << t << " k " << k[0] << " " << k[1] << " " << k[2];
        const ne::ExactPropagator free_phi(ne::Grid({phi}), seen_by(protocol, 1), {}, factor(1),
                                           1e-13);
        const cplx expected =
            translation.chord(t, {k[0], k[2]}, {r[0], r[2]}) * free_phi.chord(t, k[1], r[1]);
        EXPECT_LT(std::abs(gaussian.chord(t, k, r, &error) - expected),
                  1e-13 * std::max(std::abs(expected), 1e-3))
            << "gaussian, t " << t << " k " << k[0] << " " << k[1] << " " << k[2];
      }
}

// Two translation axes and a libration axis (x, phi, y) with a channel tabulated over
// (|dX|, phi - phi') (TL6): the coupled gaussian Gamma (1 - exp(-|dX|^2/(4 a^2) -
// sin^2((phi - phi')/2)/b^2)) written as a function of the displacement vector and the angles
// gives the chi of the closed-form gaussian (cut quadrature, no table) within the two estimates;
// and a function of the direction of dX beside the angle is refused, as on translation axes.
TEST(ExactOnTranslationAndLibration, TwoTranslationAxesWithATableOverTheAngleDifference) {
  const XPhiY setup;
  const ne::Grid& grid = setup.grid;
  const std::vector<ne::Segment>& protocol = setup.protocol;
  const ne::InitialStateSpec& in = setup.in;
  const double gamma = 3000.0, a = 4e-9, b = 0.05;
  const auto function = [=](double y_weight) {
    return std::make_shared<ne::FunctionChannel>(
        [=](const std::vector<double>& d, const std::vector<double>& ket,
            const std::vector<double>& bra) {
          const double s = std::sin(0.5 * (ket[0] - bra[0]));
          const double d2 = d[0] * d[0] + y_weight * d[1] * d[1];
          return cplx(gamma * -std::expm1(-d2 / (4 * a * a) - s * s / (b * b)), 0.0);
        },
        "angle_gaussian", gamma / (4 * a * a), gamma / (4 * b * b));
  };
  const ne::ExactPropagator closed(grid, protocol,
                                   {std::make_shared<ne::GaussianChannel>(gamma, a, b)}, in, 1e-12);
  const ne::ExactPropagator tabulated(grid, protocol, {function(1.0)}, in, 1e-12);
  ASSERT_GT(tabulated.table_angle_nodes(), 0);
  EXPECT_NE(tabulated.table_description().find("tabulated over (|dX|, phi - phi')"),
            std::string::npos)
      << tabulated.table_description();
  for (double t : {1.5e-4, 4e-4})
    for (const std::vector<double>& k :
         {std::vector<double>{0.0, 0.0, 0.0}, {3e8, -40.0, 1e8}, {-1e8, 90.0, -2e8}})
      for (const std::vector<double>& r :
           {std::vector<double>{0.0, 0.0, 0.0}, {2e-9, 0.03, -1.3e-9}, {-4e-9, -0.05, 2.6e-9}}) {
        double closed_error = 1.0, error = 1.0;
        const cplx expected = closed.chord(t, k, r, &closed_error);
        const cplx value = tabulated.chord(t, k, r, &error);
        EXPECT_LT(error, 1e-5);
        EXPECT_LT(std::abs(value - expected),
                  (error + closed_error + 1e-11) * std::max(std::abs(expected), 1e-3))
            << "t " << t << " k " << k[0] << " " << k[1] << " " << k[2];
      }
  // Weighted towards x: not a function of |dX| at the turned pair either.
  const std::string why = ne::exact_table_obstacle(grid, protocol, {function(0.5)}, in);
  EXPECT_NE(why.find("channels[0] (angle_gaussian) is not a function of |dX| alone"),
            std::string::npos)
      << why;
}

// ---- rho at points --------------------------------------------------------

// element() at grid points is rho on the grid over the cell volume (dx dphi), on the mixed grid.
TEST(ExactOnTranslationAndLibration, ElementsAtGridPointsAreTheDensityMatrix) {
  const ne::Grid grid = mixed_grid(16, 12, false, 1.5e-9, 0.02);
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 3e-4, 2500.0), 1)};
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(2000.0, 3e-9, 0.04)};
  const ne::ExactPropagator exact(grid, protocol, channels, cat_on(grid, 0), 1e-12);
  const double t = 2.2e-4;
  const auto rho = exact.density_matrix(t);
  const double volume = 1.5e-9 * 0.02;
  const std::size_t ket = grid.ket_size();
  for (std::size_t i : {std::size_t{0}, std::size_t{37}, std::size_t{100}})
    for (std::size_t j : {std::size_t{5}, std::size_t{37}, std::size_t{150}}) {
      const auto ki = grid.unravel(i), kj = grid.unravel(j);
      const std::vector<double> x{grid.coordinate(0, ki[0]), grid.coordinate(1, ki[1])},
          xp{grid.coordinate(0, kj[0]), grid.coordinate(1, kj[1])};
      double error = 1.0;
      const cplx value = exact.element(t, x, xp, &error) * volume;
      EXPECT_LT(error, 1e-11);
      EXPECT_LT(std::abs(value - rho[i * ket + j]), 1e-14) << i << " " << j;
    }
}

class TranslationLibrationTwins : public ::testing::TestWithParam<nanodecoh::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == nanodecoh::Backend::cuda) NANODECOH_REQUIRE_CUDA_DEVICE();
  }
};

// rho on the grid from either twin of the chi kernel on a translation axis and a libration axis
// (the coupled gaussian with its angular length: the cut quadrature on the device too; the
// separable diffusive channel; a trap on phi, a force on x): equal to the CPU's up to the order
// of additions.
TEST_P(TranslationLibrationTwins, DensityMatrixOnEitherBackend) {
  const ne::Grid grid = mixed_grid(16, 12, false, 1.5e-9, 0.02);
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(2000.0, 3e-9, 0.04),
                                 std::make_shared<ne::DiffusiveChannel>(1e17, 1e3)};
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2500.0), 1),
      on_axis(segment(ne::PotentialKind::linear, 2e-4, 1e-23), 0)};
  const ne::ExactPropagator exact(grid, protocol, channels, cat_on(grid, 1), 1e-12);
  const auto cpu = exact.density_matrix(3e-4, nanodecoh::Backend::cpu);
  const auto here = exact.density_matrix(3e-4, GetParam());
  double worst = 0.0;
  for (std::size_t i = 0; i < cpu.size(); ++i) worst = std::max(worst, std::abs(cpu[i] - here[i]));
  EXPECT_LT(worst, 1e-14);
}

INSTANTIATE_TEST_SUITE_P(Backends, TranslationLibrationTwins,
                         ::testing::Values(nanodecoh::Backend::cpu, nanodecoh::Backend::cuda),
                         [](const auto& test_info) {
                           return std::string(nanodecoh::to_string(test_info.param));
                         });

// ---- tabulated channels independent of the orientation ---------------------------------------

/// F = Gamma (1 - exp(-|dX|^2/(4 a^2))) as a function of the displacement that ignores the angles,
/// plus angular_rate (1 - cos(phi - phi')) (0: independent of the orientation).
std::shared_ptr<ne::FunctionChannel> distance_function(double rate, double a,
                                                       double angular_rate = 0.0) {
  return std::make_shared<ne::FunctionChannel>(
      [rate, a, angular_rate](const std::vector<double>& d, const std::vector<double>& ket,
                              const std::vector<double>& bra) {
        double d2 = 0.0;
        for (double v : d) d2 += v * v;
        const double turn = ket.empty() ? 0.0 : 1.0 - std::cos(ket[0] - bra[0]);
        return cplx(rate * -std::expm1(-d2 / (4 * a * a)) + angular_rate * turn, 0.0);
      },
      "distance_function", 0.5 * rate / (4 * a * a));
}

// A channel whose F is a function of |dX| and does not depend on the orientation (a photon
// channel, a body symmetric about the rotation axis) is tabulated as F(|dX|) along the translation
// chords, as on translation axes alone: with the coupled angular gaussian beside it, rho equals
// the all-closed-form run's (the same Gaussian in closed form) within the table's stated error,
// for a function on (x, phi) and an F-table file with orientations turned up to 3 rad about the
// axis on (phi, x), through a trap on phi, a force on x and a release.
TEST(ExactOnTranslationAndLibration,
     AnOrientationIndependentTabulatedChannelAgreesWithItsClosedForm) {
  const double tolerance = 1e-10, t = 2.5e-4;
  const auto angular = std::make_shared<ne::GaussianChannel>(300.0, 4e-9, 0.05);
  const auto file =
      gaussian_table(4000.0, 5e-9, 0.25e-9, 1200, {{1.0, 0.0, 0.0}}, 1.0, {0.0, 1.0, 2.0, 3.0});
  for (bool phi_first : {false, true}) {
    const ne::Grid grid = mixed_grid(16, 12, phi_first);
    const std::size_t x = phi_first ? 1 : 0, phi = 1 - x;
    const std::vector<ne::Segment> protocol{
        on_axis(segment(ne::PotentialKind::harmonic, 1e-4, 2000.0), phi),
        on_axis(segment(ne::PotentialKind::linear, 1e-4, 2e-23), x),
        segment(ne::PotentialKind::free, 0.5e-4)};
    const ne::InitialStateSpec in = cat_on(grid, x);
    const ne::ExactPropagator closed(grid, protocol,
                                     {std::make_shared<ne::GaussianChannel>(4000.0, 5e-9), angular},
                                     in, tolerance);
    const auto reference = closed.density_matrix(t);
    // The function on (x, phi), the file (after the closed form) on (phi, x).
    const ne::ChannelList channels =
        phi_first ? ne::ChannelList{angular, file}
                  : ne::ChannelList{distance_function(4000.0, 5e-9), angular};
    {
      SCOPED_TRACE(phi_first ? "file, phi first" : "function, x first");
      EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, channels, in), "");
      const ne::ExactPropagator tabulated(grid, protocol, channels, in, tolerance);
      ASSERT_TRUE(tabulated.tabulated());
      double error = 0.0;
      const auto rho = tabulated.density_matrix(t, &error);
      EXPECT_GE(error, tabulated.table_error_rate() * t);
      EXPECT_LT(error, 1e-6);
      EXPECT_LT(max_abs_difference(rho, reference),
                tabulated.table_error_rate() * t * max_abs(reference) + 4 * tolerance);
    }
    // The channels acted: the coherence between the cat's branches (at phi = 0) fell.
    const auto branch = [&](double sign) {
      std::vector<double> point(2, 0.0);
      point[x] = in.center + sign * 0.5 * in.separation;
      return point;
    };
    EXPECT_LT(std::abs(closed.element(t, branch(-1), branch(1)) /
                       closed.element(0.0, branch(-1), branch(1))),
              0.9);
  }
}

// A channel whose kicks along the one translation axis have a mean (a thrust), F = Gamma (1 -
// exp(i q dX - dX^2/(4 a^2))), the characteristic function of Gaussian kicks of mean hbar q, is
// Hermitian (F(-dX) = conj F(dX)) but not even: on one translation axis with a libration axis the
// table is read at the signed chord r_x, not at |r_x|. chi against the characteristic quadrature
// of that F written here, at chords of both signs and on paths through r_x = 0, within the
// propagator's own estimate (the table's bound, ~5e-6 here); read at |r_x| chi is off by up to
// 6 % of its value here, 1e4 times that estimate.
TEST(ExactOnTranslationAndLibration, AThrustAlongTheOneTranslationAxisKeepsItsSign) {
  const ne::Grid grid = mixed_grid(32, 32);
  const double gamma = 2000.0, a = 3e-9, q = 2e8, w = 3000.0, force = 1.5e-23;
  const auto F = [=](double rx) {
    return gamma * (1.0 - std::exp(cplx(-rx * rx / (4.0 * a * a), q * rx)));
  };
  const auto thrust = std::make_shared<ne::FunctionChannel>(
      [F](const std::vector<double>& d, const std::vector<double>&, const std::vector<double>&) {
        return F(d[0]);
      },
      "thrust", gamma / (4.0 * a * a));
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, w), 1),
      on_axis(segment(ne::PotentialKind::linear, 2e-4, force), 0),
      segment(ne::PotentialKind::free, 2e-4)};
  const ne::InitialStateSpec in = moving_gaussian(0.04);
  const ne::ExactPropagator exact(grid, protocol, {thrust}, in, 1e-12);
  ASSERT_TRUE(exact.tabulated());
  const auto rule = nanodecoh::gauss_legendre(16);
  const double durations[3] = {2e-4, 2e-4, 2e-4};
  double largest_phase = 0.0;
  for (double t : {1.5e-4, 3.3e-4, 6e-4})
    for (double kx : {0.0, 3e7, -2e8, 6e8})
      for (double kphi : {0.0, 90.0})
        for (double rx : {0.0, 2e-9, -7e-9})
          for (double rphi : {0.0, 0.09}) {
            double k[2] = {kx, kphi}, r[2] = {rx, rphi};
            cplx integral = 0.0;
            double phase = 0.0, end = 0.0;
            int last = 0;
            while (last < 2 && end + durations[last] < t) end += durations[last++];
            for (int s = last; s >= 0; --s) {
              const double span = s == last ? t - end : durations[s];
              const double ke = k[0], re = r[0];
              // x is free or pushed (straight) in every segment: r_x(tau) = r_end - hbar k tau/M.
              integral += nanodecoh::testing::composite_gauss_legendre(
                  [&](double tau) { return F(re - hbar * ke / kMass * tau); }, 0.0, span, 64, rule);
              if (s == 1)  // the force on x: phase of the linear potential (docs/physics.md)
                phase += -k[0] * force * span * span / (2.0 * kMass) + r[0] * force * span / hbar;
              back(0.0, kMass, span, k[0], r[0]);
              back(s == 0 ? w : 0.0, kInertia, span, k[1], r[1]);
              if (s > 0) end -= durations[s - 1];
            }
            largest_phase = std::max(largest_phase, std::fabs(integral.imag()));
            const cplx chi0 = gaussian_chi0(in.width, in.center, in.momentum, k[0], r[0]) *
                              gaussian_chi0(in.other_width, 0.0, 0.0, k[1], r[1]);
            const cplx expected = chi0 * std::exp(cplx(-integral.real(), phase - integral.imag()));
            double error = 1.0;
            const cplx value = exact.chord(t, {kx, kphi}, {rx, rphi}, &error);
            EXPECT_LT(error, 1e-4);
            EXPECT_LT(std::abs(value - expected),
                      (error + 1e-11) * std::max(std::abs(expected), 1e-3))
                << "t " << t << " k " << kx << " " << kphi << " r " << rx << " " << rphi;
          }
  EXPECT_GT(largest_phase, 0.3);  // the kicks' mean acts
}

// A channel whose F depends on the angle difference as well as the displacement (a thrust along x
// and angular kicks with a mean),
//   F(r_x, theta) = Gamma (1 - exp(i q r_x - r_x^2 (1 + sin^2(theta/2))/(4 a^2)
//                                  - sin^2(theta/2)/b^2 + i kappa sin theta)),
// theta = phi - phi' (Hermitian, F(0, 0) = 0, Re F >= 0, not separable), is tabulated over
// (r_x, theta) (TL6): chi against the characteristic quadrature of that F written here, at chords
// of both signs on both axes, through a trap on phi, a force on x and a release, within the
// propagator's own estimate (the lattice's bound is part of it, and at most 1e-4 here). The angle
// acts: its part of the F integral reaches 0.03 on these paths where |chi_0| > 1e-3 (measured
// 0.047), 300 times the estimate.
/// The thrust with angular kicks of nonzero mean of the tests below (1/s), theta = phi - phi':
/// Gamma (1 - exp(i q r_x - r_x^2 (1 + sin^2(theta/2))/(4 a^2) - sin^2(theta/2)/b^2 +
/// i kappa sin theta)).
constexpr double kSpinRate = 2000.0, kSpinA = 3e-9, kSpinB = 0.3;
cplx thrust_and_spin(double rx, double theta) {
  const double q = 2e8, kappa = 0.5, s2 = std::pow(std::sin(0.5 * theta), 2);
  return kSpinRate * (1.0 - std::exp(cplx(-rx * rx * (1.0 + s2) / (4.0 * kSpinA * kSpinA) -
                                              s2 / (kSpinB * kSpinB),
                                          q * rx + kappa * std::sin(theta))));
}

std::shared_ptr<ne::FunctionChannel> thrust_and_spin_function() {
  return std::make_shared<ne::FunctionChannel>(
      [](const std::vector<double>& d, const std::vector<double>& ket,
         const std::vector<double>& bra) { return thrust_and_spin(d[0], ket[0] - bra[0]); },
      "thrust_and_spin", kSpinRate / (4.0 * kSpinA * kSpinA), kSpinRate / (4.0 * kSpinB * kSpinB));
}

/// A trap on phi, a force on x, a release (2e-4 s each), the tests' w and force.
constexpr double kSpinW = 3000.0, kSpinForce = 1.5e-23;
std::vector<ne::Segment> trap_force_release() {
  return {on_axis(segment(ne::PotentialKind::harmonic, 2e-4, kSpinW), 1),
          on_axis(segment(ne::PotentialKind::linear, 2e-4, kSpinForce), 0),
          segment(ne::PotentialKind::free, 2e-4)};
}

TEST(ExactOnTranslationAndLibration, AnFOfTheAngleDifferenceMatchesTheCharacteristicQuadrature) {
  const ne::Grid grid = mixed_grid(32, 32);
  const double w = kSpinW, force = kSpinForce;
  const auto F = thrust_and_spin;
  const auto channel = thrust_and_spin_function();
  const std::vector<ne::Segment> protocol = trap_force_release();
  const ne::InitialStateSpec in = moving_gaussian(0.04);
  bool angle_table = false;
  EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, {channel}, in, {}, &angle_table), "");
  EXPECT_TRUE(angle_table);
  // numerics.tolerance 1e-12 halves the first lattice's steps twice, 2e-4 once (a coarser
  // lattice, a larger bound in the estimate).
  const ne::ExactPropagator fine(grid, protocol, {channel}, in, 1e-12),
      coarse(grid, protocol, {channel}, in, 2e-4);
  for (const auto* exact : {&fine, &coarse}) {
    ASSERT_TRUE(exact->tabulated());
    ASSERT_GT(exact->table_angle_nodes(), 0);
    EXPECT_NE(exact->table_description().find("tabulated over (dX, phi - phi')"), std::string::npos)
        << exact->table_description();
  }
  EXPECT_NE(fine.table_description().find("; 2 halving(s)"), std::string::npos)
      << fine.table_description();
  EXPECT_NE(coarse.table_description().find("; 1 halving(s)"), std::string::npos)
      << coarse.table_description();
  EXPECT_GT(coarse.table_error_rate(), 4.0 * fine.table_error_rate());
  const auto rule = nanodecoh::gauss_legendre(16);
  const double durations[3] = {2e-4, 2e-4, 2e-4};
  double largest_angle_part = 0.0;
  for (double t : {1.5e-4, 3.3e-4, 6e-4})
    for (double kx : {0.0, 3e7, -2e8})
      for (double kphi : {0.0, 90.0, -200.0})
        for (double rx : {0.0, 2e-9, -7e-9})
          for (double rphi : {0.0, 0.09, -0.2}) {
            double k[2] = {kx, kphi}, r[2] = {rx, rphi};
            cplx integral = 0.0, without_angle = 0.0;
            double phase = 0.0, end = 0.0;
            int last = 0;
            while (last < 2 && end + durations[last] < t) end += durations[last++];
            for (int s = last; s >= 0; --s) {
              const double span = s == last ? t - end : durations[s];
              const double kxe = k[0], rxe = r[0], kpe = k[1], rpe = r[1];
              // x moves straight in every segment; phi is trapped in segment 0, free after.
              const auto path = [&](double tau, double& rx_tau, double& theta_tau) {
                rx_tau = rxe - hbar * kxe / kMass * tau;
                double kk = kpe;
                theta_tau = rpe;
                back(s == 0 ? w : 0.0, kInertia, tau, kk, theta_tau);
              };
              integral += nanodecoh::testing::composite_gauss_legendre(
                  [&](double tau) {
                    double x = 0.0, theta = 0.0;
                    path(tau, x, theta);
                    return F(x, theta);
                  },
                  0.0, span, 64, rule);
              without_angle += nanodecoh::testing::composite_gauss_legendre(
                  [&](double tau) {
                    double x = 0.0, theta = 0.0;
                    path(tau, x, theta);
                    return F(x, 0.0);
                  },
                  0.0, span, 64, rule);
              if (s == 1)  // the force on x: phase of the linear potential (docs/physics.md)
                phase += -k[0] * force * span * span / (2.0 * kMass) + r[0] * force * span / hbar;
              back(0.0, kMass, span, k[0], r[0]);
              back(s == 0 ? w : 0.0, kInertia, span, k[1], r[1]);
              if (s > 0) end -= durations[s - 1];
            }
            const cplx chi0 = gaussian_chi0(in.width, in.center, in.momentum, k[0], r[0]) *
                              gaussian_chi0(in.other_width, 0.0, 0.0, k[1], r[1]);
            if (std::abs(chi0) > 1e-3)
              largest_angle_part = std::max(largest_angle_part, std::abs(integral - without_angle));
            const cplx expected = chi0 * std::exp(cplx(-integral.real(), phase - integral.imag()));
            for (const auto* exact : {&fine, &coarse}) {
              double error = 1.0;
              const cplx value = exact->chord(t, {kx, kphi}, {rx, rphi}, &error);
              EXPECT_LT(error, exact == &fine ? 1e-4 : 1e-3);
              EXPECT_LT(std::abs(value - expected),
                        (error + 1e-11) * std::max(std::abs(expected), 1e-3))
                  << "t " << t << " k " << kx << " " << kphi << " r " << rx << " " << rphi
                  << (exact == &fine ? " fine" : " coarse");
            }
          }
  EXPECT_GT(largest_angle_part, 0.03);  // the angle difference acts where chi is not negligible
}

// The table over (dX, phi - phi') read by either twin of the chi kernel (a function of both, a
// trap on phi, a force on x): rho on the grid equal to the CPU's up to the order of additions.
TEST_P(TranslationLibrationTwins, ATableOverTheAngleDifferenceOnEitherBackend) {
  const ne::Grid grid = mixed_grid(16, 12, false, 1.5e-9, 0.02);
  const ne::ChannelList channels{distance_function(2000.0, 3e-9, 50.0)};
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2500.0), 1),
      on_axis(segment(ne::PotentialKind::linear, 2e-4, 1e-23), 0)};
  const ne::ExactPropagator exact(grid, protocol, channels, cat_on(grid, 1), 1e-12);
  ASSERT_GT(exact.table_angle_nodes(), 0);
  const auto cpu = exact.density_matrix(3e-4, nanodecoh::Backend::cpu);
  const auto here = exact.density_matrix(3e-4, GetParam());
  double worst = 0.0;
  for (std::size_t i = 0; i < cpu.size(); ++i) worst = std::max(worst, std::abs(cpu[i] - here[i]));
  EXPECT_LT(worst, 1e-14);
}

/// An F-table file of thrust_and_spin: orientations about z at 0, h_angle, ..., (n_angles - 1)
/// h_angle and displacements j 0.5 nm along x, j = 0..n_x (the negative ones by Hermiticity).
std::shared_ptr<ne::FTableChannel> thrust_and_spin_file(std::size_t n_angles, double h_angle,
                                                        std::size_t n_x) {
  nanodecoh::io::FTable table;
  for (std::size_t i = 0; i < n_angles; ++i) {
    const double a = static_cast<double>(i) * h_angle, c = std::cos(a), s = std::sin(a);
    table.orientations.push_back({c, -s, 0, s, c, 0, 0, 0, 1});
  }
  for (std::size_t j = 0; j <= n_x; ++j)
    table.displacements.push_back({static_cast<double>(j) * 0.5e-9, 0.0, 0.0});
  for (std::size_t i = 0; i < n_angles; ++i)
    for (std::size_t k = 0; k < n_angles; ++k)
      for (const auto& d : table.displacements)
        table.values.push_back(
            thrust_and_spin(d[0], (static_cast<double>(i) - static_cast<double>(k)) * h_angle));
  table.rate = kSpinRate;
  table.tolerance = 1e-15;
  return std::make_shared<ne::FTableChannel>(table, "spin.h5", Eigen::Vector3d(0, 0, 1));
}

// An F-table file whose F depends on phi - phi' (the ftable -> evolve path of a thrust with
// angular kicks) is read as its own lattice over (dx, phi - phi'), negative dx by Hermiticity:
// chi equals the function's (its own lattice at the grid's steps, tested against the
// characteristic quadrature above) within the two estimates, at chords of both signs. A file
// whose angles do not reach the paths is refused, naming the extent needed.
TEST(ExactOnTranslationAndLibration, AnFTableFileOfTheAngleDifferenceIsReadAsALattice) {
  const ne::Grid grid = mixed_grid(32, 32);
  const std::vector<ne::Segment> protocol = trap_force_release();
  const ne::InitialStateSpec in = moving_gaussian(0.04);
  const auto file = thrust_and_spin_file(56, 0.02, 200);
  bool angle_table = false;
  EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, {file}, in, {}, &angle_table), "");
  EXPECT_TRUE(angle_table);
  const ne::ExactPropagator from_file(grid, protocol, {file}, in, 1e-12),
      from_function(grid, protocol, {thrust_and_spin_function()}, in, 1e-12);
  ASSERT_GT(from_file.table_angle_nodes(), 0);
  EXPECT_NE(from_file.table_description().find("the F-table file's own nodes"), std::string::npos)
      << from_file.table_description();
  EXPECT_NEAR(from_file.table_angle_step(), 0.02, 1e-12);
  for (double t : {1.5e-4, 6e-4})
    for (double kx : {0.0, -2e8})
      for (double kphi : {0.0, 90.0})
        for (double rx : {0.0, 2e-9, -7e-9})
          for (double rphi : {0.0, 0.09, -0.2}) {
            double e_file = 1.0, e_function = 1.0;
            const cplx a = from_file.chord(t, {kx, kphi}, {rx, rphi}, &e_file);
            const cplx b = from_function.chord(t, {kx, kphi}, {rx, rphi}, &e_function);
            EXPECT_LT(e_file, 1e-3);  // the file's lattice of 0.5 nm and 0.02 rad
            EXPECT_LT(std::abs(a - b), (e_file + e_function + 1e-11) * std::max(std::abs(b), 1e-3))
                << "t " << t << " k " << kx << " " << kphi << " r " << rx << " " << rphi;
          }
  const std::string why =
      ne::exact_table_obstacle(grid, protocol, {thrust_and_spin_file(11, 0.02, 200)}, in);
  EXPECT_NE(why.find("(as a table over (dx, phi - phi'): channels[0].file covers |dx| <= "),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("it never extrapolates; tabulate up to at least 9.75e-08 m and "),
            std::string::npos)
      << why;
}

/// F = Gamma (1 - exp(-|dX|^2/(4 a^2))) plus turn_rate (1 - cos(phi - phi')) (1 + 0.5 cos(phi +
/// phi')): Hermitian, 0 at equal arguments, but a function of the orientations' centre too.
std::shared_ptr<ne::FunctionChannel> centre_dependent_function(double rate, double a,
                                                               double turn_rate) {
  return std::make_shared<ne::FunctionChannel>(
      [=](const std::vector<double>& d, const std::vector<double>& ket,
          const std::vector<double>& bra) {
        double d2 = 0.0;
        for (double v : d) d2 += v * v;
        const double turn =
            (1.0 - std::cos(ket[0] - bra[0])) * (1.0 + 0.5 * std::cos(ket[0] + bra[0]));
        return cplx(rate * -std::expm1(-d2 / (4 * a * a)) + turn_rate * turn, 0.0);
      },
      "centre_function", 0.5 * rate / (4 * a * a));
}

// With the libration axis among the axes, a tabulated channel whose F depends on phi - phi' only
// (here by 50 (1 - cos(phi - phi')) 1/s) is tabulated over (dX, phi - phi'); one that depends on
// the orientations' centre too is refused, naming the channel, the points and both values; so is
// an F-table file that depends on the orientation at all (its pairs are not read as a table over
// phi - phi'), and one that holds only the identity orientation (it cannot show that F does not
// depend on it). "exact" is refused naming the segment.
TEST(ExactOnTranslationAndLibration, TabulatedChannelsOfMoreThanTheAngleDifferenceAreRefused) {
  const ne::Grid grid = mixed_grid(20, 16);
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::free, 1e-4)};
  const ne::InitialStateSpec in = cat_on(grid, 0);
  const auto expect_obstacle = [&](const ne::ChannelList& channels, const std::string& what) {
    const std::string why = ne::exact_table_obstacle(grid, protocol, channels, in);
    EXPECT_NE(why.find(what), std::string::npos) << why;
    try {
      const ne::ExactPropagator refused(grid, protocol, channels, in, 1e-10);
      ADD_FAILURE() << "no refusal of " << what;
    } catch (const nanodecoh::InvalidArgument& e) {
      EXPECT_EQ(e.parameter(), "protocol[0].method");
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_obstacle({centre_dependent_function(4000.0, 5e-9, 50.0)},
                  "channels[0] (centre_function) depends on the orientation, not only on phi - "
                  "phi': F = ");
  expect_obstacle({centre_dependent_function(4000.0, 5e-9, 50.0)}, "with libration axis phi among");
  expect_obstacle(
      {gaussian_table(4000.0, 5e-9, 0.25e-9, 1200, {{1.0, 0.0, 0.0}}, 1.0, {0.0, 1.0, 2.0}, 50.0)},
      "channels[0].file (table(gaussian.h5)) depends on the orientation");
  expect_obstacle({gaussian_table(4000.0, 5e-9, 0.25e-9, 1200)},
                  "channels[0].file (table(gaussian.h5)) holds no orientation turned by");
  // A function of phi - phi' passes, tabulated over (dX, phi - phi'); without the angular term
  // it is a line of |dX|.
  bool angle_table = false;
  EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, {distance_function(4000.0, 5e-9, 50.0)}, in,
                                     {}, &angle_table),
            "");
  EXPECT_TRUE(angle_table);
  EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, {distance_function(4000.0, 5e-9)}, in, {},
                                     &angle_table),
            "");
  EXPECT_FALSE(angle_table);
}

// The engine's desorption depends on the orientation even for a body symmetric about the rotation
// axis: each emission's recoil carries angular momentum about it (r x p of a site off the axis),
// so F between two orientations at dX = 0 is the rotational decoherence rate, not 0. For a Janus
// sphere librating about its cap's axis z, F_{R(phi),R(phi')}(dX) = F_{R(phi - phi'),1}(dX) (the
// body is symmetric about z), so it is tabulated over (dX, phi - phi'). About y (the cap's axis z
// turning, x across the axis) F depends on phi and phi' apart: refused, naming the channel, both
// points and values.
TEST(ExactOnTranslationAndLibration, TheEnginesDesorptionIsTabulatedOverTheAngleDifference) {
  namespace loc = nanodecoh::localization;
  loc::EmissionModel model;
  model.body = loc::make_janus_sphere(75e-9, 1.0);
  model.spectrum = loc::Spectrum::thermal(0.002);  // 1/k_T = 11 nm
  model.emitted_mass = 1.00794 * 1.66053906660e-27;
  model.rate = 800.0;
  const auto rate = std::make_shared<const loc::LocalizationRate>(model);
  const auto janus_about = [&](const Eigen::Vector3d& axis) {
    return ne::ChannelList{
        std::make_shared<ne::LocalizationChannel>(rate, 1e-6, axis, "desorption(janus)")};
  };
  const ne::Grid grid = mixed_grid(16, 12);
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::free, 1e-4)};
  const ne::InitialStateSpec in = cat_on(grid, 0);
  bool angle_table = false;
  EXPECT_EQ(ne::exact_table_obstacle(grid, protocol, janus_about(Eigen::Vector3d(0, 0, 1)), in, {},
                                     &angle_table),
            "");
  EXPECT_TRUE(angle_table);
  const std::string why =
      ne::exact_table_obstacle(grid, protocol, janus_about(Eigen::Vector3d(0, 1, 0)), in);
  EXPECT_NE(why.find("channels[0] (desorption(janus)) depends on the orientation, not only on "
                     "phi - phi': F = "),
            std::string::npos)
      << why;
}

// ---- what the method does not cover ---------------------------------------------------------

/// The exact method's refusal of `channels` on `grid` names `what`; through the constructor the
/// refusal names protocol[0].method, and "auto" keeps the split operator saying why.
void expect_refused(const ne::Grid& grid, const ne::ChannelList& channels, const std::string& what,
                    bool split_can_run = true) {
  const ne::Segment free = segment(ne::PotentialKind::free, 1e-4);
  const ne::InitialStateSpec in = cat_on(grid, 0);
  const std::string why = ne::exact_method_obstacle(grid, free, channels, in);
  EXPECT_NE(why.find(what), std::string::npos) << why;
  try {
    const ne::ExactPropagator refused(grid, {free}, channels, in, 1e-12);
    ADD_FAILURE() << "no refusal of " << what;
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "protocol[0].method");
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  if (!split_can_run) return;  // (the channel cannot act on this grid at all)
  const auto split = run_two_outputs(grid, in, {free}, channels, 2e-5);
  EXPECT_FALSE(split.segment_plan[0].exact);
  EXPECT_NE(split.segment_plan[0].reason.find(what), std::string::npos)
      << split.segment_plan[0].reason;
}

// A lattice over (dX, phi - phi') is checked as a line is (rate_tables.hpp,
// check_table_symmetry): F(0, 0) = 0 (the trace is kept) and F(-r, -theta) = conj F(r, theta)
// (Hermiticity). The thrust with angular kicks passes both; adding a constant breaks the first,
// an imaginary part even in theta the second: each refused naming the channel and the point.
TEST(ExactOnTranslationAndLibration, ALatticeThatBreaksTraceOrHermiticityIsRefused) {
  const ne::Grid grid = mixed_grid(32, 32);
  const ne::InitialStateSpec in = moving_gaussian(0.04);
  const auto broken = [&](const char* name, auto extra) {
    return std::make_shared<ne::FunctionChannel>(
        [extra](const std::vector<double>& d, const std::vector<double>& ket,
                const std::vector<double>& bra) {
          return thrust_and_spin(d[0], ket[0] - bra[0]) + extra(ket[0] - bra[0]);
        },
        name, kSpinRate / (4.0 * kSpinA * kSpinA), kSpinRate / (4.0 * kSpinB * kSpinB));
  };
  const auto shifted = broken("shifted", [](double) { return cplx(1.0, 0.0); });
  const auto even = broken("even_imaginary", [](double theta) {
    return cplx(0.0, 50.0 * std::pow(std::sin(0.5 * theta), 2));
  });
  for (const auto& [channel, expected] :
       {std::pair{shifted, std::string("(shifted) give F(0, 0) = 1 + 0i 1/s")},
        std::pair{even, std::string("(even_imaginary) are not Hermitian: F(")}}) {
    bool angle_table = false;
    // The plan accepts it (a function of phi - phi' alone); its table is refused.
    ASSERT_EQ(ne::exact_table_obstacle(grid, trap_force_release(), {channel}, in, {}, &angle_table),
              "");
    EXPECT_TRUE(angle_table);
    try {
      const ne::ExactPropagator exact(grid, trap_force_release(), {channel}, in, 1e-6);
      ADD_FAILURE() << channel->name() << " accepted";
    } catch (const nanodecoh::NumericalError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      if (channel == even) {
        EXPECT_NE(std::string(e.what()).find(" rad) = "), std::string::npos) << e.what();
      }
    }
  }
}

/// A channel that records every batch of points it is asked for (evaluate_points), F that of
/// the thrust with angular kicks.
class RecordingChannel final : public ne::DissipationChannel {
 public:
  std::string name() const override { return "recording"; }
  cplx evaluate(const std::vector<double>& d, const std::vector<double>& ket,
                const std::vector<double>& bra) const override {
    return thrust_and_spin(d[0], ket[0] - bra[0]);
  }
  std::unique_ptr<ne::DissipationChannel> diffusive_approximation() const override {
    return std::make_unique<ne::DiffusiveChannel>(kSpinRate / (4.0 * kSpinA * kSpinA),
                                                  kSpinRate / (4.0 * kSpinB * kSpinB));
  }
  double rate_scale() const override { return kSpinRate; }
  std::vector<cplx> evaluate_points(const std::vector<std::vector<double>>& d,
                                    const std::vector<std::vector<double>>& ket,
                                    const std::vector<std::vector<double>>& bra,
                                    const ne::ChannelTableContext& context) const override {
    batches.push_back({d, ket, bra});
    return DissipationChannel::evaluate_points(d, ket, bra, context);
  }
  struct Batch {
    std::vector<std::vector<double>> d, ket, bra;
    bool operator==(const Batch& o) const { return d == o.d && ket == o.ket && bra == o.bra; }
  };
  mutable std::vector<Batch> batches;
};

// A run with method = "exact" checks its tabulated channels twice: in the method plan (before
// any segment runs) and when the propagator builds its table. The run's channels remember those
// batches (remembering_channel), so the engine would evaluate each once: no batch of points
// reaches the channel twice, and the run's result is that of the propagator built directly.
TEST(ExactOnTranslationAndLibration, ARunEvaluatesEachBatchOfPointsOnce) {
  const ne::Grid grid = mixed_grid(24, 24);
  const auto channel = std::make_shared<RecordingChannel>();
  std::vector<ne::Segment> protocol = trap_force_release();
  for (ne::Segment& s : protocol) s.method = ne::PropagationMethod::exact;
  const ne::InitialStateSpec in = cat_on(grid, 0);
  ne::SimulationSpec spec;
  spec.axes = grid.axes();
  spec.initial = in;
  spec.protocol = protocol;
  spec.channels = {channel};
  spec.time_step = 1e-5;
  spec.outputs = 2;
  spec.exact_tolerance = 1e-6;  // a coarse lattice: the test is about the batches
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  const ne::RunResult run = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_GE(channel->batches.size(), 2u);  // the check and the lattice at least
  for (std::size_t a = 0; a < channel->batches.size(); ++a)
    for (std::size_t b = a + 1; b < channel->batches.size(); ++b)
      EXPECT_FALSE(channel->batches[a] == channel->batches[b])
          << "batch " << a << " of " << channel->batches[a].d.size()
          << " points evaluated again as batch " << b;
  // The propagator built directly gives the same rho.
  const ne::ExactPropagator exact(grid, protocol, {channel}, in, spec.exact_tolerance);
  const std::vector<cplx> rho = exact.density_matrix(exact.duration());
  ASSERT_EQ(run.final_state.size(), rho.size());
  EXPECT_LT(max_abs_difference(run.final_state, rho), 1e-12 * max_abs(rho));
}

TEST(ExactOnTranslationAndLibration, RefusesWhatItDoesNotCoverNamingTheReason) {
  const ne::Grid grid = mixed_grid(24, 20);
  const auto gaussian = std::make_shared<ne::GaussianChannel>(100.0, 3e-9, 0.05);
  // desorption_sphere ignores the orientation.
  expect_refused(
      grid, {std::make_shared<ne::DesorptionSphereChannel>(300.0, 300.0, 18 * 1.66053906660e-27)},
      "(desorption_sphere", false);
  // A full circle with a translation axis.
  std::vector<ne::Axis> axes = grid.axes();
  axes[1].mode = ne::RotationMode::circle;
  axes[1].points = 16;
  const ne::Grid circle(axes);
  expect_refused(circle, {gaussian}, "axis phi is a full circle");
  // The closed forms are accepted, the libration axis first too.
  const ne::Segment free = segment(ne::PotentialKind::free, 1e-4);
  for (bool phi_first : {false, true}) {
    const ne::Grid g = mixed_grid(24, 20, phi_first);
    EXPECT_EQ(
        ne::exact_method_obstacle(
            g, free, {gaussian, std::make_shared<ne::DiffusiveChannel>(1e17, 1e3)}, cat_on(g, 0)),
        "");
  }
}

}  // namespace
