// The exact chord-function method on grids of two and three translation axes (chord_axes.hpp,
// exact_axes.cpp; docs/physics.md, "Several translation axes") against independent oracles
// (whole runs against the split operator and the CLI: test_exact_axes_runs.cpp):
//  - a channel that is a sum over the axes (diffusive, Lambda |r|^2) leaves the axes independent:
//    rho is the tensor product of the one-axis exact solutions (each validated on its own in
//    test_exact_propagator.cpp) on two axes, chi the product of the one-axis chi on three, with
//    a trap, a force and a release acting on different axes;
//  - chi at points across (k, r) against the characteristic solution written here: the product
//    of the axes' closed-form Gaussian chi_0 at the start of the path and a composite
//    Gauss-Legendre quadrature of F(|r(s)|) along the vector path (gaussian, diffusive and the
//    desorption sphere of |r|; free, harmonic and linear segments);
//  - rho at points (element) against rho on the grid at grid points, on two and three axes;
//  - the F path integrals shared between initial states (a sweep's cache) giving the same rho;
//  - the CPU and CUDA twins; the refusals (a circle axis with others, an F-table file without
//    points off x, a file state) naming the reason;
//  - observables.coherence_only against the full run's coherence at off-grid points;
//  - a channel without a closed form (tabulated as F(|dX|)) against its closed form, and one
//    that depends on the direction of dX refused; the same for an F-table file whose points off
//    x show (or contradict) that its F is a function of |dX|.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "axes_test_support.hpp"
#include "evolution/chord_model.hpp"
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

namespace {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using namespace nanodecoh::testing::exact;
using namespace nanodecoh::testing::axes;

/// rho of the axes' one-axis exact solutions, tensor product in the grid's layout
/// ([ket axes..., bra axes...], row-major).
std::vector<cplx> product_of_axes(const ne::Grid& grid, const std::vector<ne::Segment>& protocol,
                                  double lambda, const ne::InitialStateSpec& in, double t) {
  std::vector<std::vector<cplx>> factors;
  for (std::size_t a = 0; a < grid.axis_count(); ++a) {
    const ne::Grid line_grid({grid.axes()[a]});
    const ne::ChannelList channels{std::make_shared<ne::DiffusiveChannel>(lambda)};
    const ne::ExactPropagator one(line_grid, seen_by(protocol, a), channels,
                                  factor_on(in, grid.axes()[a], a), 1e-13);
    factors.push_back(one.density_matrix(t));
  }
  const std::size_t ket = grid.ket_size();
  std::vector<cplx> rho(ket * ket);
  for (std::size_t i = 0; i < ket; ++i)
    for (std::size_t j = 0; j < ket; ++j) {
      const auto ki = grid.unravel(i), kj = grid.unravel(j);
      cplx v = 1.0;
      for (std::size_t a = 0; a < grid.axis_count(); ++a) {
        const std::size_t n = grid.axes()[a].points;
        v *= factors[a][ki[a] * n + kj[a]];
      }
      rho[i * ket + j] = v;
    }
  return rho;
}

// ---- separable channel: the product of one-axis solutions ----------------------------------

// Lambda |r|^2 = sum_a Lambda r_a^2 and a product state: chi factorises over the axes, and so
// does rho. The two sides share only the per-axis linear maps and closed-form chi_0 (each
// tested on one axis); the several-axes lattice, folding, transforms and vector path are this
// code's own. Different masses, steps and sizes per axis; a trap on x, a force on y, a release.
TEST(ExactOnSeveralAxes, SeparableChannelGivesTheProductOfOneAxisSolutions) {
  const ne::Grid grid = axes_grid({24, 20}, {1e-9, 1.2e-9}, {1e-20, 1.5e-20}, {0.0, 1e-9});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2000.0), 0),
      on_axis(segment(ne::PotentialKind::linear, 1.5e-4, 2e-23), 1),
      segment(ne::PotentialKind::free, 1e-4)};
  const double lambda = 3e17;  // 1/(m^2 s)
  const ne::ChannelList channels{std::make_shared<ne::DiffusiveChannel>(lambda)};
  for (std::size_t axis : {0, 1}) {
    const ne::InitialStateSpec in = small_cat(axis);
    const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-13);
    for (double t : {0.0, 1.2e-4, 4.5e-4}) {
      double error = 1.0;
      const auto rho = exact.density_matrix(t, &error);
      EXPECT_LT(error, 1e-12);
      const auto expected = product_of_axes(grid, protocol, lambda, in, t);
      // Two sums of the same numbers in another order and the closed-form path integrals:
      // rounding of elements <= 0.05 (measured below 1e-16).
      EXPECT_LT(max_abs_difference(rho, expected), 1e-14 * std::max(1.0, max_abs(expected)))
          << "cat on axis " << axis << ", t = " << t;
    }
  }
}

// Three axes (8 x 6 x 8 points): chi is the product of the one-axis chi (the kernel's vector
// path against three one-axis propagators' quadratures), and rho on the grid at grid points is
// the trapezoid sum of element() (the three-axis lattice, folding and transforms). The state is
// not inside this small box, so rho on the grid is not the product of the one-axis rho (the
// one-axis lattice's period is twice the box, the several-axes' the box: exact_k_points); the
// two-axis test above compares rho itself on a box that holds the state.
TEST(ExactOnSeveralAxes, ThreeAxesChiIsTheProductAndRhoTheTrapezoidSum) {
  const ne::Grid grid =
      axes_grid({8, 6, 8}, {2.5e-9, 3e-9, 2.5e-9}, {1e-20, 2e-20, 1e-20}, {0.0, 1e-9, 0.0});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 1e-4, 3000.0), 2),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, -1e-23), 1),
      segment(ne::PotentialKind::free, 1e-4)};
  ne::InitialStateSpec in = small_cat(2);
  in.width = 3e-9;
  in.other_width = 4e-9;
  const double lambda = 1e17;
  const ne::ChannelList channels{std::make_shared<ne::DiffusiveChannel>(lambda)};
  const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-13);
  std::vector<ne::ExactPropagator> axes;
  for (std::size_t a = 0; a < 3; ++a)
    axes.emplace_back(ne::Grid({grid.axes()[a]}), seen_by(protocol, a), channels,
                      factor_on(in, grid.axes()[a], a), 1e-13);
  for (double t : {0.5e-4, 1.7e-4, 3e-4})
    for (const std::vector<double>& k :
         {std::vector<double>{0.0, 0.0, 0.0}, {1e8, -2e8, 3e8}, {-4e8, 5e7, -1e8}})
      for (const std::vector<double>& r :
           {std::vector<double>{0.0, 0.0, 0.0}, {2e-9, -3e-9, 5e-9}, {-6e-9, 1e-9, -2e-9}}) {
        cplx expected = 1.0;
        for (std::size_t a = 0; a < 3; ++a) expected *= axes[a].chord(t, k[a], r[a]);
        EXPECT_LT(std::abs(exact.chord(t, k, r) - expected), 1e-13 * std::abs(expected) + 1e-16)
            << "t " << t;
      }
  const double t = 2.5e-4;
  const auto rho = exact.density_matrix(t);
  const std::size_t ket = grid.ket_size();
  const double volume = 2.5e-9 * 3e-9 * 2.5e-9;
  for (std::size_t i : {std::size_t{0}, std::size_t{77}, std::size_t{200}})
    for (std::size_t j : {std::size_t{3}, std::size_t{77}, std::size_t{383}}) {
      const auto ki = grid.unravel(i), kj = grid.unravel(j);
      std::vector<double> x, xp;
      for (std::size_t a = 0; a < 3; ++a) {
        x.push_back(grid.coordinate(a, ki[a]));
        xp.push_back(grid.coordinate(a, kj[a]));
      }
      EXPECT_LT(std::abs(exact.element(t, x, xp) * volume - rho[i * ket + j]), 1e-15)
          << i << " " << j;
    }
}

// ---- chi against the characteristic solution written here -----------------------------------

// Gaussian states on both axes (widths, centres and momenta of their own), three channels of |r|
// and the three segment kinds on different axes: chi from the CPU twin against chi_0 at the
// start of the path times exp(i Phi - int F) by 64-panel Gauss-Legendre (16 points) per segment.
TEST(ExactOnSeveralAxes, ChiMatchesTheCharacteristicQuadrature) {
  const double masses[2] = {1e-20, 2e-20}, w = 3000.0, force = 1.5e-23;
  const ne::Grid grid = axes_grid({32, 32}, {1e-9, 1e-9}, {masses[0], masses[1]}, {0.0, 2e-9});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, w), 1),
      on_axis(segment(ne::PotentialKind::linear, 2e-4, force), 0),
      segment(ne::PotentialKind::free, 2e-4)};
  const double gamma = 2000.0, a = 3e-9, lambda = 2e17, sphere = 700.0;
  const auto desorption =
      std::make_shared<ne::DesorptionSphereChannel>(sphere, 300.0, 18 * 1.66053906660e-27);
  const double k_thermal = desorption->thermal_wavenumber();
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(gamma, a),
                                 std::make_shared<ne::DiffusiveChannel>(lambda), desorption};
  const ne::InitialStateSpec in = moving_gaussian(4e-9);
  const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-12);
  const auto rule = nanodecoh::gauss_legendre(16);
  // F(|r|) from the channels' definitions (channels.hpp), the sphere's through the library's
  // thermal sinc average (tested against quadrature in test_special_functions).
  const auto F = [&](double distance) {
    return gamma * -std::expm1(-distance * distance / (4.0 * a * a)) +
           lambda * distance * distance +
           sphere * (1.0 - nanodecoh::thermal_sinc_average(k_thermal * distance));
  };
  const double durations[3] = {2e-4, 2e-4, 2e-4};
  for (double t : {1.5e-4, 3.3e-4, 6e-4})
    for (double kx : {0.0, 3e7, -2e8})
      for (double ky : {0.0, -1e8, 2.5e8})
        for (double rx : {0.0, 2e-9, -7e-9})
          for (double ry : {0.0, -3e-9, 9e-9}) {
            double k[2] = {kx, ky}, r[2] = {rx, ry};
            double integral = 0.0, phase = 0.0, end = 0.0;
            int last = 0;
            while (last < 2 && end + durations[last] < t) end += durations[last++];
            for (int s = last; s >= 0; --s) {
              const double span = s == last ? t - end : durations[s];
              const double ke[2] = {k[0], k[1]}, re[2] = {r[0], r[1]};
              const auto along = [&](double tau) {
                double d2 = 0.0;
                for (int ax = 0; ax < 2; ++ax) {
                  double kk = ke[ax], rr = re[ax];
                  back(s == 0 && ax == 1 ? w : 0.0, masses[ax], tau, kk, rr);
                  d2 += rr * rr;
                }
                return F(std::sqrt(d2));
              };
              integral += nanodecoh::testing::composite_gauss_legendre(along, 0.0, span, 64, rule);
              if (s == 1)  // the force on x: phase of the linear potential (docs/physics.md)
                phase +=
                    -k[0] * force * span * span / (2.0 * masses[0]) + r[0] * force * span / hbar;
              for (int ax = 0; ax < 2; ++ax)
                back(s == 0 && ax == 1 ? w : 0.0, masses[ax], span, k[ax], r[ax]);
              if (s > 0) end -= durations[s - 1];
            }
            const cplx chi0 = gaussian_chi0(in.width, in.center, in.momentum, k[0], r[0]) *
                              gaussian_chi0(in.other_width, 2e-9, 0.0, k[1], r[1]);
            const cplx expected = chi0 * std::exp(cplx(-integral, phase));
            double error = 1.0;
            const cplx value = exact.chord(t, {kx, ky}, {rx, ry}, &error);
            EXPECT_LT(error, 1e-11);
            EXPECT_LT(std::abs(value - expected), 1e-11 * std::max(std::abs(expected), 1e-3))
                << "t " << t << " k " << kx << " " << ky << " r " << rx << " " << ry;
          }
}

// ---- rho at points, physical states, backends ------------------------------------------------

// element() at grid points is rho on the grid over the cell volume (the same trapezoid sum over
// k), and at points between them it is the continuum rho (checked against the average of a
// symmetric pair, which the trapezoid rule resolves: a smooth state).
TEST(ExactOnSeveralAxes, ElementsAtGridPointsAreTheDensityMatrix) {
  const ne::Grid grid = axes_grid({16, 12}, {1.5e-9, 2e-9}, {1e-20, 1e-20});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 3e-4, 2500.0), 0)};
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(2000.0, 3e-9)};
  const ne::ExactPropagator exact(grid, protocol, channels, small_cat(0), 1e-12);
  const double t = 2.2e-4;
  const auto rho = exact.density_matrix(t);
  const double volume = 1.5e-9 * 2e-9;
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
  EXPECT_THROW((void)exact.element(t, 0.0, 0.0), nanodecoh::InvalidArgument);
  EXPECT_THROW((void)exact.chord(t, 0.0, 0.0), nanodecoh::InvalidArgument);
}

class AxesChordTwins : public ::testing::TestWithParam<nanodecoh::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == nanodecoh::Backend::cuda) NANODECOH_REQUIRE_CUDA_DEVICE();
  }
};

// rho on the grid from either twin of the several-axes chi kernel: equal to the CPU's up to the
// order of additions.
TEST_P(AxesChordTwins, DensityMatrixOnEitherBackend) {
  const ne::Grid grid = axes_grid({16, 12}, {1.5e-9, 2e-9}, {1e-20, 1e-20});
  const ne::ChannelList channels{
      std::make_shared<ne::GaussianChannel>(2000.0, 3e-9),
      std::make_shared<ne::DesorptionSphereChannel>(300.0, 300.0, 18 * 1.66053906660e-27)};
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 2e-4, 2500.0), 1),
      on_axis(segment(ne::PotentialKind::linear, 2e-4, 1e-23), 0)};
  const ne::ExactPropagator exact(grid, protocol, channels, small_cat(1), 1e-12);
  const auto cpu = exact.density_matrix(3e-4, nanodecoh::Backend::cpu);
  const auto here = exact.density_matrix(3e-4, GetParam());
  EXPECT_LT(max_abs_difference(cpu, here), 1e-14);
}

INSTANTIATE_TEST_SUITE_P(Backends, AxesChordTwins,
                         ::testing::Values(nanodecoh::Backend::cpu, nanodecoh::Backend::cuda),
                         [](const auto& test_info) {
                           return std::string(nanodecoh::to_string(test_info.param));
                         });

// Runs that differ only in the initial state share the F path integrals (a sweep's
// ChordDampingCache): rho with the integrals stored by another state equals rho computed
// afresh, bit for bit, on two axes with a harmonic segment (quadrature) and straight ones.
TEST(ExactOnSeveralAxes, SharedPathIntegralsGiveTheSameDensityMatrix) {
  const ne::Grid grid = axes_grid({16, 12}, {1.5e-9, 2e-9}, {1e-20, 1.5e-20});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 1e-4, 2000.0), 1),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, 2e-23), 0)};
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)};
  ne::InitialStateSpec narrow = small_cat(0);
  narrow.width = 1.2e-9;  // broader in k: needs points the first state skipped
  const ne::ExactPropagator first(grid, protocol, channels, small_cat(0), 1e-12);
  const ne::ExactPropagator second(grid, protocol, channels, narrow, 1e-12);
  const double t = 1.6e-4;
  double plain_error = 0.0, shared_error = 0.0, unused = 0.0;
  const auto plain = second.density_matrix(t, nanodecoh::Backend::cpu, &plain_error);
  ne::ChordDampingCache cache(std::size_t{1} << 30);
  EXPECT_TRUE(first.density_matrix(t, nanodecoh::Backend::cpu, &unused, &cache) ==
              first.density_matrix(t, nanodecoh::Backend::cpu));
  EXPECT_GT(cache.bytes(), 0u);
  const auto shared = second.density_matrix(t, nanodecoh::Backend::cpu, &shared_error, &cache);
  EXPECT_TRUE(shared == plain);
  EXPECT_EQ(shared_error, plain_error);
  EXPECT_FALSE(cache.full());
  // A cache without room: nothing is stored, full() says so, the result is the same.
  ne::ChordDampingCache none(0);
  EXPECT_TRUE(second.density_matrix(t, nanodecoh::Backend::cpu, nullptr, &none) == plain);
  EXPECT_TRUE(none.full());
}

// ---- what the several-axes method does not cover ----------------------------------------------

TEST(ExactOnSeveralAxes, RefusesWhatItDoesNotCoverNamingTheReason) {
  const ne::Segment free = segment(ne::PotentialKind::free, 1e-4);
  const ne::ChannelList gaussian{std::make_shared<ne::GaussianChannel>(100.0, 3e-9)};
  // A full circle with a translation axis (a libration window with translation axes:
  // test_exact_translation_libration.cpp).
  std::vector<ne::Axis> axes = axes_grid({16}, {1e-9}, {1e-20}).axes();
  ne::Axis angle;
  angle.kind = ne::AxisKind::rotation;
  angle.mode = ne::RotationMode::circle;
  angle.name = "phi";
  angle.points = 16;
  angle.step = 0.01;
  angle.inertia = 1e-34;
  axes.push_back(angle);
  const ne::Grid mixed(axes);
  EXPECT_NE(ne::exact_method_obstacle(mixed, free, gaussian, small_cat(0))
                .find("axis phi is a full circle"),
            std::string::npos);
  const ne::Grid grid = plane();
  // An F-table file with points along x only: they say nothing of the other directions.
  const ne::ChannelList file_table{gaussian_table(100.0, 3e-9, 0.25e-9, 4096)};
  EXPECT_TRUE(ne::exact_method_obstacle(grid, free, file_table, small_cat(0)).empty());
  EXPECT_NE(ne::exact_table_obstacle(grid, {free}, file_table, small_cat(0))
                .find("channels[0].file (table(gaussian.h5)) holds no displacement with a "
                      "component along y"),
            std::string::npos);
  // A file state.
  ne::InitialStateSpec file;
  file.kind = ne::InitialKind::file;
  file.path = "state.h5";
  EXPECT_NE(ne::exact_method_obstacle(grid, free, gaussian, file).find("initial.kind = \"file\""),
            std::string::npos);
  // Through the constructor: the segment and the reason.
  try {
    const ne::ExactPropagator refused(grid, {free}, file_table, small_cat(0), 1e-12);
    ADD_FAILURE() << "no refusal";
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("protocol[0].method"), std::string::npos) << e.what();
  }
  // "auto" with closed forms: exact.
  const auto exact = run_two_outputs(grid, small_cat(0), {free}, gaussian, 1e-5);
  EXPECT_TRUE(exact.segment_plan[0].exact);
}

// ---- through the run ---------------------------------------------------------------------

// observables.coherence_only on two axes: the series of time, trace and coherence between two
// marked points off the grid (rho never built) equals the full exact run's (rho on the grid for
// everything else, the same elements at the marked points), and the branch coherence decays.
TEST(ExactOnSeveralAxes, CoherenceOnlyEqualsTheFullRunsCoherence) {
  const ne::Grid grid = plane();
  ne::SimulationSpec spec;
  spec.axes = grid.axes();
  spec.initial = small_cat(0);
  // Straight segments (the path integrals in closed form: a fast full run).
  spec.protocol = {on_axis(segment(ne::PotentialKind::linear, 2e-4, 1e-23), 1),
                   segment(ne::PotentialKind::free, 1e-4)};
  spec.channels = {std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)};
  spec.time_step = 1e-6;
  spec.outputs = 3;
  // The branch centres, off the grid's points (x 0.5 nm from them, y between two points).
  spec.marked_points = {{-2.5e-9, 1.65e-9}, {3.5e-9, 1.65e-9}};
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  const ne::RunResult full = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  spec.coherence_only = true;
  const ne::RunResult only = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  ASSERT_EQ(full.series.size(), only.series.size());
  for (std::size_t i = 0; i < full.series.size(); ++i) {
    const auto &a = full.series[i], &b = only.series[i];
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.coherence, b.coherence);
    EXPECT_EQ(a.coherence_normalized, b.coherence_normalized);
    // chi(0, 0) against rho's trace on the grid: the state's weight beyond the box.
    EXPECT_NEAR(a.trace, b.trace, 1e-10);
  }
  EXPECT_LT(only.series.back().coherence_normalized,
            0.9 * only.series.front().coherence_normalized);
}

// ---- channels without a closed form: F(|dX|) tabulated on a line -----------------------------

/// The saturating Gaussian F as a plain function of the displacement vector, with the y
/// component weighted by `anisotropy` (1: a function of |dX|): no closed form for the kernel.
std::shared_ptr<ne::FunctionChannel> vector_gaussian_function(double rate, double a,
                                                              double anisotropy = 1.0) {
  return std::make_shared<ne::FunctionChannel>(
      [rate, a, anisotropy](const std::vector<double>& d, const std::vector<double>&,
                            const std::vector<double>&) {
        double d2 = 0.0;
        for (std::size_t i = 0; i < d.size(); ++i)
          d2 += (i == 1 ? anisotropy * anisotropy : 1.0) * d[i] * d[i];
        return cplx(rate * -std::expm1(-d2 / (4 * a * a)), 0.0);
      },
      "gaussian_function", rate / (4 * a * a));
}

// A channel without a closed form on two axes (the Gaussian F of |dX| as a plain function): F is
// tabulated on a line of |dX| and integrated along the vector path by adaptive quadrature; rho
// equals the closed-form channel's within the table's stated error (its bound on F times the
// duration, part of the run's error estimate), on harmonic, linear and free segments on
// different axes. (A small grid: the quadrature of the interpolated F costs far more per point
// than the closed forms.)
TEST(ExactOnSeveralAxes, TabulatedChannelOfTheDistanceAgreesWithItsClosedForm) {
  const ne::Grid grid = axes_grid({16, 12}, {1.5e-9, 2e-9}, {1e-20, 1.5e-20});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 1e-4, 2000.0), 0),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, 2e-23), 1),
      segment(ne::PotentialKind::free, 1e-4)};
  const double tolerance = 1e-10;
  const ne::ExactPropagator closed(grid, protocol,
                                   {std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)},
                                   small_cat(0), tolerance);
  const ne::ExactPropagator tabulated(grid, protocol, {vector_gaussian_function(4000.0, 5e-9)},
                                      small_cat(0), tolerance);
  ASSERT_TRUE(tabulated.tabulated());
  EXPECT_NE(tabulated.table_description().find("|dX|"), std::string::npos);
  // The interpolation of a smooth F on steps of a quarter of the least grid step (0.375 nm),
  // stated at half that resolution (measured 1.3e-6 over 3e-4 s).
  const double bound = tabulated.table_error_rate() * tabulated.duration();
  EXPECT_LT(bound, 3e-6);
  for (double t : {0.7e-4, 3e-4}) {
    double error = 0.0;
    const auto rho = tabulated.density_matrix(t, &error);
    EXPECT_GE(error, tabulated.table_error_rate() * t);  // the table's share is reported
    EXPECT_LT(error, 3e-6);
    const auto reference = closed.density_matrix(t);
    // Each chi within |chi_0| (table bound + the tolerances) of the reference's, rho a sum over
    // k: max |rho| times the bound is generous for this smooth state.
    EXPECT_LT(max_abs_difference(rho, reference),
              tabulated.table_error_rate() * t * max_abs(reference) + 4 * tolerance)
        << t;
  }
}

// An F that is not a function of |dX| alone is refused (naming the channel and the two values),
// and "auto" keeps the run on the split operator.
TEST(ExactOnSeveralAxes, RefusesATabulatedChannelThatDependsOnTheDirection) {
  const ne::Grid grid = plane();
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::free, 1e-4)};
  const ne::ChannelList anisotropic{vector_gaussian_function(4000.0, 5e-9, 2.0)};
  const std::string why = ne::exact_table_obstacle(grid, protocol, anisotropic, small_cat(0));
  EXPECT_NE(why.find("channels[0] (gaussian_function) is not a function of |dX| alone"),
            std::string::npos)
      << why;
  EXPECT_THROW(ne::ExactPropagator(grid, protocol, anisotropic, small_cat(0), 1e-12),
               nanodecoh::InvalidArgument);
  EXPECT_TRUE(ne::exact_table_obstacle(grid, protocol, {vector_gaussian_function(4000.0, 5e-9)},
                                       small_cat(0))
                  .empty());
  // "auto" leaves tabulated channels to the split operator without evaluating them (on several
  // axes the check would cost engine integrations), and says so; "exact" is refused naming the
  // segment and the reason.
  const auto split = run_two_outputs(grid, small_cat(0), protocol, anisotropic, 1e-5);
  ASSERT_EQ(split.segment_plan.size(), 1u);
  EXPECT_FALSE(split.segment_plan[0].exact);
  EXPECT_NE(split.segment_plan[0].reason.find("has no closed-form F"), std::string::npos)
      << split.segment_plan[0].reason;
  std::vector<ne::Segment> asked = protocol;
  asked[0].method = ne::PropagationMethod::exact;
  try {
    (void)run_two_outputs(grid, small_cat(0), asked, anisotropic, 1e-5);
    ADD_FAILURE() << "no refusal";
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("protocol[0].method"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a function of |dX| alone"), std::string::npos)
        << e.what();
  }
}

// An F-table file on two axes: its line along x stands for F(|dX|) once its points along y and
// the diagonal agree with it (ftable_isotropy_obstacle). rho equals the closed-form Gaussian
// channel's within the table's stated error, as for the function above; the file's own nodes
// (0.25 nm) set the table's step.
TEST(ExactOnSeveralAxes, AnFTableFileOfTheDistanceAgreesWithItsClosedForm) {
  const ne::Grid grid = axes_grid({16, 12}, {1.5e-9, 2e-9}, {1e-20, 1.5e-20});
  const std::vector<ne::Segment> protocol{
      on_axis(segment(ne::PotentialKind::harmonic, 1e-4, 2000.0), 0),
      on_axis(segment(ne::PotentialKind::linear, 1e-4, 2e-23), 1),
      segment(ne::PotentialKind::free, 1e-4)};
  const double tolerance = 1e-10, root_half = std::sqrt(0.5);
  const std::vector<std::array<double, 3>> plane_directions{
      {1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {root_half, root_half, 0.0}, {root_half, -root_half, 0.0}};
  const auto file = gaussian_table(4000.0, 5e-9, 0.25e-9, 1200, plane_directions);
  const ne::ExactPropagator closed(grid, protocol,
                                   {std::make_shared<ne::GaussianChannel>(4000.0, 5e-9)},
                                   small_cat(0), tolerance);
  const ne::ExactPropagator tabulated(grid, protocol, {file}, small_cat(0), tolerance);
  ASSERT_TRUE(tabulated.tabulated());
  EXPECT_NE(tabulated.table_description().find("of 2.5e-10 m"), std::string::npos)
      << tabulated.table_description();
  const double t = 3e-4;
  double error = 0.0;
  const auto rho = tabulated.density_matrix(t, &error);
  EXPECT_GE(error, tabulated.table_error_rate() * t);
  EXPECT_LT(error, 3e-6);
  const auto reference = closed.density_matrix(t);
  EXPECT_LT(max_abs_difference(rho, reference),
            tabulated.table_error_rate() * t * max_abs(reference) + 4 * tolerance);
  // A file whose F along y is another Gaussian (a = 5 nm / 1.3 along y): refused, naming the
  // file's channel and both values; points along y that reach less than half the paths: refused
  // as not showing it.
  const auto anisotropic = gaussian_table(4000.0, 5e-9, 0.25e-9, 1200, plane_directions, 1.3);
  const std::string why = ne::exact_table_obstacle(grid, protocol, {anisotropic}, small_cat(0));
  EXPECT_NE(why.find("channels[0].file (table(gaussian.h5)) is not a function of |dX| alone"),
            std::string::npos)
      << why;
  EXPECT_THROW(ne::ExactPropagator(grid, protocol, {anisotropic}, small_cat(0), tolerance),
               nanodecoh::InvalidArgument);
  auto short_y = gaussian_table(4000.0, 5e-9, 0.25e-9, 1200);
  {
    nanodecoh::io::FTable table = short_y->table();
    for (std::size_t j = 1; j <= 8; ++j) {  // y up to 2 nm
      const double y = static_cast<double>(j) * 0.25e-9;
      table.displacements.push_back({0.0, y, 0.0});
      table.values.push_back(4000.0 * -std::expm1(-y * y / (4 * 5e-9 * 5e-9)));
    }
    short_y = std::make_shared<ne::FTableChannel>(table, "gaussian.h5", Eigen::Vector3d(0, 0, 1));
  }
  EXPECT_NE(ne::exact_table_obstacle(grid, protocol, {short_y}, small_cat(0))
                .find("holds no displacement with a component along y of length"),
            std::string::npos);
}

// The engine's desorption of a Janus sphere (its cap about body z): on the x-y plane the body is
// symmetric under the rotations about z, which turn the plane onto itself, so F is a function of
// |dX| there and the exact method takes it; on a grid of x, y and z the displacement along z
// sees the cap's axis, and the channel is refused naming it.
TEST(ExactOnSeveralAxes, AJanusBodyIsAFunctionOfTheDistanceInTheXyPlaneOnly) {
  namespace loc = nanodecoh::localization;
  loc::EmissionModel model;
  model.body = loc::make_janus_sphere(75e-9, 1.0);
  model.spectrum = loc::Spectrum::thermal(0.002);  // 1/k_T = 11 nm: recoil phases up to ~6
  model.emitted_mass = 1.00794 * 1.66053906660e-27;
  model.rate = 800.0;
  const ne::ChannelList janus{std::make_shared<ne::LocalizationChannel>(
      std::make_shared<const loc::LocalizationRate>(model), 1e-6, Eigen::Vector3d(0, 0, 1),
      "desorption(janus)")};
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::free, 1e-4)};
  EXPECT_EQ(ne::exact_table_obstacle(plane(), protocol, janus, small_cat(0)), "");
  const ne::Grid space = axes_grid({16, 12, 12}, {1e-9, 1.3e-9, 1.3e-9}, {1e-20, 1e-20, 1e-20});
  const std::string why = ne::exact_table_obstacle(space, protocol, janus, small_cat(0));
  EXPECT_NE(why.find("channels[0] (desorption(janus)) is not a function of |dX| alone"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find(" but "), std::string::npos) << why;
  EXPECT_NE(why.find("at dX = (0, 0, "), std::string::npos) << why;  // the point along z
}

}  // namespace
