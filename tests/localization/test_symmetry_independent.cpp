// Symmetry checks that compare independently computed values (issue 14 item 4). With the
// sphere fast path and symmetry reduction, F(dX) and F(-dX) come from one cached job, so a
// Hermiticity check on such a table compares a value with itself. Here:
//  - a table with symmetry reduction and the fast path off (every entry integrated on its own,
//    asserted through unique_jobs) satisfies F_{R',R}(-dX) = conj F_{R,R'}(dX) (property 2);
//  - the fast-path table agrees entry by entry with that general table;
//  - F_{R,R}(dX) of both methods equals Gamma [1 - <sinc>] from the quadrature oracle written
//    in tests/localization/thermal_sinc_oracle.hpp, at 1e-8 Gamma.
// Tolerances: each engine value is converged to `tolerance * Gamma` (RateOptions::tolerance,
// an absolute bound per value), so two independent values differ by at most twice that; the
// oracle is exact to rounding (1e-15).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "nanodecoh/localization/localization_rate.hpp"
#include "sphere_test_model.hpp"
#include "thermal_sinc_oracle.hpp"

using namespace nanodecoh;
using namespace nanodecoh::localization;

namespace {

constexpr double tolerance = 1e-8;  // units of Gamma

RateOptions independent_options(bool fast_path, bool symmetry) {
  RateOptions o = nanodecoh::testing::rate_options(tolerance, fast_path);
  o.use_symmetry = symmetry;
  return o;
}

/// Three libration angles about a tilted axis (not centred on 0, so no orientation is the
/// identity) and four displacements symmetric about 0 (index 3 - k is -dX_k), at recoil phases
/// of order one (k_T * 7.5 pm ~ 1.1, k_T * a * 1e-4 ~ 1.1).
struct SmallTableGrid {
  std::vector<Eigen::Matrix3d> orientations =
      rotations_about({0.3, -0.5, 1.0}, libration_angles(3, 1e-4, 0.3e-4));
  // centre + (i - 2) step with centre = step/2: -1.5, -0.5, 0.5, 1.5 steps
  std::vector<Eigen::Vector3d> displacements =
      displacements_along({1.0, 0.4, -0.2}, 4, 5e-12, 2.5e-12);
};

}  // namespace

TEST(IndependentSymmetry, UnreducedGeneralTableIsHermitian) {
  const LocalizationRate engine(nanodecoh::testing::water_sphere());
  const double gamma = engine.model().rate;
  const SmallTableGrid g;
  const RateTable t =
      engine.table(g.orientations, g.displacements, independent_options(false, false));
  EXPECT_EQ(t.method, "surface-lune");
  // Every entry is its own integral: nothing below compares a value with itself.
  ASSERT_EQ(t.unique_jobs, 3u * 3u * 4u);
  double largest = 0;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_NEAR(std::abs(t.at(i, j, k) - std::conj(t.at(j, i, 3 - k))), 0.0,
                    2.0 * tolerance * gamma)
            << "R" << i << " R'" << j << " dX" << k;
        EXPECT_GE(t.at(i, j, k).real(), -tolerance * gamma);  // Re F >= 0 (property 1)
        EXPECT_LE(t.at(i, j, k).real(), 2.0 * gamma);         // |1 - <e^{i phase}>| <= 2
        largest = std::max(largest, std::abs(t.at(i, j, k)));
      }
  // Not trivial: the entries are far from zero compared with the tolerance.
  EXPECT_GT(largest, 1e4 * tolerance * gamma);
}

TEST(IndependentSymmetry, FastPathTableAgreesWithTheUnreducedGeneralTable) {
  const LocalizationRate engine(nanodecoh::testing::water_sphere());
  const double gamma = engine.model().rate;
  const SmallTableGrid g;
  const RateTable general =
      engine.table(g.orientations, g.displacements, independent_options(false, false));
  const RateTable fast =
      engine.table(g.orientations, g.displacements, independent_options(true, true));
  EXPECT_EQ(fast.method, "sphere-lune-density");
  EXPECT_LT(fast.unique_jobs, general.unique_jobs);  // the fast path did reduce
  for (std::size_t n = 0; n < general.values.size(); ++n)
    EXPECT_NEAR(std::abs(fast.values[n] - general.values[n]), 0.0, 2.0 * tolerance * gamma)
        << "entry " << n;
}

TEST(IndependentSymmetry, EqualOrientationsMatchTheThermalSincOracle) {
  const LocalizationRate engine(nanodecoh::testing::water_sphere());
  const auto& model = engine.model();
  const double gamma = model.rate;
  const double kT = nanodecoh::testing::thermal_wavenumber(model.emitted_mass, 300.0);
  const Eigen::Matrix3d r = rotation_about({0.3, -1, 2}, 1.1);
  for (bool fast : {true, false})
    for (double d : {2e-12, 7e-12, 2e-11}) {
      const Eigen::Vector3d dx = d * Eigen::Vector3d(0.6, -0.8, 0.0);
      const RateValue f = engine.evaluate(r, r, dx, independent_options(fast, fast));
      const double expected =
          gamma * nanodecoh::testing::one_minus_thermal_sinc_by_quadrature(kT * d);
      EXPECT_NEAR(f.value.real(), expected, tolerance * gamma)
          << (fast ? "fast path" : "general") << " |dX| = " << d;
      EXPECT_NEAR(f.value.imag(), 0.0, tolerance * gamma);  // inversion-symmetric body: real
      EXPECT_GT(expected, 1e3 * tolerance * gamma);         // not trivial
    }
  // F_{R,R}(0) = 0 (property 1): the engine returns an exact 0 on both methods (issue 9,
  // "Tolerances at zero"; it used to return rounding, -5.6e-16 and +3.3e-15), so no tolerance.
  for (bool fast : {true, false}) {
    const RateValue zero =
        engine.evaluate(r, r, Eigen::Vector3d::Zero(), independent_options(fast, fast));
    EXPECT_EQ(zero.value.real(), 0.0) << (fast ? "fast path" : "general");
    EXPECT_EQ(zero.value.imag(), 0.0) << (fast ? "fast path" : "general");
  }
}
