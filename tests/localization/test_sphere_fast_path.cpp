// The sphere fast path (src/localization/sphere_integrand.hpp) against independent
// oracles: the elliptic integrals and the lune density W_sigma against quadrature of
// their defining integrals, the graded panel rule's invariants, F_{R,R}(0) = 0 and
// Hermiticity of a table; and a coarse run of the general quadrature's graded panels.
// The cross-checks of the two methods at large phases (minutes under ASan) are in
// test_localization_accuracy.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "localization/sphere_integrand.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "oracle_quadrature.hpp"
#include "sphere_test_model.hpp"

using namespace nanodecoh;
using namespace nanodecoh::localization;
using nanodecoh::testing::rate_options;
using nanodecoh::testing::water_sphere;
namespace detail = nanodecoh::localization::detail;

namespace {

constexpr double pi = constants::pi;

/// int_0^{pi/2} f(phi) dphi to near machine precision (oracle rule of tests/support).
double quarter(const std::function<double(double)>& f) {
  return nanodecoh::testing::gauss_kronrod21<double>(f, 0.0, 0.5 * pi, 0.0, 1e-13, 100000).value;
}

/// int_a^b f by tanh-sinh (square-root end points of the lune integrands converge too).
double tanh_sinh(const std::function<double(double)>& f, double a, double b, double rel_tol) {
  return nanodecoh::testing::tanh_sinh<double>(f, a, b, 0.0, rel_tol).value;
}

}  // namespace

TEST(SphereFastPath, EllipticIntegralsMatchTheirDefiningIntegrals) {
  for (double q : {1.0, 0.5, 1e-2, 2e-5, 5e-6, 1e-7}) {
    // 1 - m sin^2 p = cos^2 p + q sin^2 p, without cancellation near m = 1
    auto delta = [q](double p) {
      return std::sqrt(std::cos(p) * std::cos(p) + q * std::sin(p) * std::sin(p));
    };
    const double k = quarter([&](double p) { return 1.0 / delta(p); });
    const double e = quarter(delta);
    const detail::EllipticKE agm = detail::complete_elliptic_complementary(q);
    // The AGM is good to rounding; the oracle is asked for 1e-13 relative: 1e-12 = 10x that
    // (measured 1.8e-14 relative, and 5e-14 absolute for E <= pi/2 and E - qK).
    EXPECT_NEAR(agm.k, k, 1e-12 * k) << "q = " << q;
    EXPECT_NEAR(agm.e, e, 1e-12) << "q = " << q;
    // both branches of E - qK (series below q = 1e-5)
    EXPECT_NEAR(detail::elliptic_e_minus_qk(q), e - q * k, 1e-12) << "q = " << q;
  }
}

TEST(SphereFastPath, LuneDensityMatchesTheLuneIntegral) {
  // int W_sigma(u) f(u) du = (1/pi) int_0^pi dbeta int_{|phi| < acos(sigma)} dphi
  //   sin^2(beta) sqrt(cos^2(phi) - sigma^2) f(sin(beta) sin(phi))   (the lune in its coordinates)
  const std::vector<std::function<double(double)>> tests = {
      [](double) { return 1.0; }, [](double u) { return u * u; },
      [](double u) { return std::cos(5.0 * u); }, [](double u) { return u * u * u * u * u * u; }};
  for (double sigma : {0.0, 1e-3, 0.3, 0.8}) {
    const double phi_max = std::acos(sigma), c = std::sqrt(1.0 - sigma * sigma);
    for (std::size_t t = 0; t < tests.size(); ++t) {
      const auto& f = tests[t];
      const double lune =
          tanh_sinh(
              [&](double beta) {
                const double sb = std::sin(beta);
                return sb * sb *
                       tanh_sinh(
                           [&](double phi) {
                             const double cp = std::cos(phi);
                             return std::sqrt(std::max(0.0, cp * cp - sigma * sigma)) *
                                    f(sb * std::sin(phi));
                           },
                           -phi_max, phi_max, 1e-13);
              },
              0.0, pi, 1e-12) /
          pi;
      // the density in u = c sin(v), whose end points are square-root like; split at u = 0,
      // where E - qK has its u^2 log(u^2) term
      const std::function<double(double)> in_v = [&](double v) {
        const double u = c * std::sin(v);
        return c * std::cos(v) * detail::lune_projection_density(sigma, u) * f(u);
      };
      const double density =
          tanh_sinh(in_v, -0.5 * pi, 0.0, 1e-13) + tanh_sinh(in_v, 0.0, 0.5 * pi, 1e-13);
      // The nested oracle is asked for 1e-12 (outer) and 1e-13 (inner) relative of values <= 1;
      // the density side for 1e-13: bound 1e-11 (measured 5e-14).
      EXPECT_NEAR(density, lune, 1e-11) << "sigma " << sigma << " test " << t;
      if (t == 0) {
        EXPECT_NEAR(detail::lune_overlap(sigma), lune, 1e-11) << "sigma " << sigma;
      }
    }
  }
  EXPECT_DOUBLE_EQ(detail::lune_overlap(0.0), 1.0);
}

TEST(SphereFastPath, GradedEdgesAreSortedBoundedAndFineNextToFeatures) {
  const detail::Feature features[3] = {{0.3, 1e-4, 2}, {-0.5, 1e-3, 2}, {2.0, 1e-2, 2}};
  std::vector<double> edges(detail::k_max_edges);
  const int m = detail::graded_edges(-1.0, 1.0, features, 3, edges.data());
  ASSERT_GE(m, 2 + 3);
  ASSERT_LE(m, detail::k_max_edges);
  EXPECT_EQ(edges[0], -1.0);
  EXPECT_EQ(edges[m - 1], 1.0);
  for (int i = 1; i < m; ++i) EXPECT_LT(edges[i - 1], edges[i]) << "edge " << i;
  auto panel_at = [&](double x) {
    for (int i = 1; i < m; ++i)
      if (x <= edges[i]) return edges[i] - edges[i - 1];
    return 0.0;
  };
  EXPECT_LE(panel_at(0.3 + 0.5e-4), 1e-4 * (1 + 1e-12));
  EXPECT_LE(panel_at(-0.5 - 0.5e-3), 1e-3 * (1 + 1e-12));
  // the feature outside the interval grades towards the nearer end with scale 1e-2 + 1
  EXPECT_LE(panel_at(0.99), 1.01);
  // in a feature's cell (up to the midpoint to the next feature) a panel is never wider
  // than the larger of twice the feature's scale and its distance from the feature
  struct Cell {
    double at, scale, lo, hi;
  };
  for (const Cell& cell : {Cell{0.3, 1e-4, -0.1, 0.65}, Cell{-0.5, 1e-3, -1.0, -0.1}})
    for (int i = 1; i < m; ++i) {
      const double a = edges[i - 1], b = edges[i];
      if (a < cell.lo || b > cell.hi) continue;
      const double distance = a >= cell.at ? a - cell.at : (b <= cell.at ? cell.at - b : 0.0);
      EXPECT_LE(b - a, std::max(2.0 * cell.scale, distance) * (1 + 1e-12))
          << "panel [" << a << ", " << b << "] near " << cell.at;
    }
  // no features: the k_min_panels plain panels
  EXPECT_EQ(detail::graded_edges(0.0, 1.0, features, 0, edges.data()), detail::k_min_panels + 1);
}

TEST(SphereFastPath, EqualOrientationsAtZeroDisplacementGiveZero) {
  const LocalizationRate engine(water_sphere());
  const Eigen::Matrix3d r = rotation_about({0.3, -1, 2}, 1.1);
  const RateValue f = engine.evaluate(r, r, Eigen::Vector3d::Zero(), rate_options(1e-10, true));
  EXPECT_NEAR(std::abs(f.value), 0.0, 1e-14);  // rounding of 1 - <1> (measured 0)
}

TEST(SphereFastPath, TableUsesTheReducedGeometry) {
  // 5 angles and 5 displacements centred on 0 (grid convention centre + (i - 2) step)
  const LocalizationRate engine(water_sphere());
  const auto rs = rotations_about({0, 0, 1}, libration_angles(5, 1e-4, 0.0));
  const auto dxs = displacements_along({1, 0, 0}, 5, 5e-12, 0.0);
  const RateTable t = engine.table(rs, dxs, rate_options(1e-8, true));
  EXPECT_EQ(t.method, "sphere-lune-density");
  // F depends on |theta| (0..4 steps) and |dX| (0, 1, 2 steps) only
  EXPECT_EQ(t.unique_jobs, 5u * 3u);
  // F_{R,R}(0) = 0 exactly (property 1), with its sign
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(t.at(i, i, 2).real(), 0.0);
    EXPECT_EQ(t.at(i, i, 2).imag(), 0.0);
  }
  for (std::size_t n = 0; n < t.values.size(); ++n) {
    EXPECT_GE(t.values[n].real(), 0.0) << n;        // property 1
    EXPECT_LE(t.values[n].real(), 2.0 * 2.5) << n;  // |1 - <e^{i phase}>| <= 2
  }
}

TEST(GradedGeneralPath, RunsAtLargePhases) {
  // the general quadrature's graded panels (phases >= 40) at their coarsest level: finite,
  // within the bounds of property 1, and real for the inversion-symmetric sphere. The
  // accuracy checks against the fast path are in test_localization_accuracy.cpp.
  const LocalizationRate engine(water_sphere());
  RateOptions coarse;
  coarse.sphere_fast_path = false;
  coarse.fixed_level = 0;
  const Eigen::Matrix3d r = rotation_about({0, 1, 0}, 1e-3), id = Eigen::Matrix3d::Identity();
  const RateValue f = engine.evaluate(r, id, {2e-10, 0, 1e-10}, coarse);
  EXPECT_TRUE(std::isfinite(f.value.real()));
  // k_T |d| ~ 40: F - Gamma = -Gamma <e^{i k.dX}> is small, and level 0 of the graded rule is
  // good to ~1e-5 Gamma (level 2 to 1.7e-6 Gamma, test_localization_accuracy.cpp; measured
  // 9e-6 Gamma here); bound 1e-4 Gamma.
  EXPECT_NEAR(f.value.real(), 2.5, 1e-4 * 2.5);
  // Im F vanishes for the inversion-symmetric sphere; at level 0 it is the rule's error on the
  // odd part (measured 2e-8 Gamma); bound 1e-7 Gamma.
  EXPECT_NEAR(f.value.imag(), 0.0, 1e-7 * 2.5);
}
