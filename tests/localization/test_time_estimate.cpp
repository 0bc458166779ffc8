// The time estimate of a localization table (localization::WorkEstimate, docs/usage.md
// "Resources"): a sample of 8 values spread over the recoil phases is converged first and
// timed; the estimate reaches the caller once, before the bulk, and may stop the table. What is
// tested here is what can be checked without timing anything (timings belong in bench/): which
// values are counted, the largest phase against its definition, that the sample's early start
// changes no bit of the table, that small tables get no estimate, and that a refusal stops the
// table before its bulk.
#include <gtest/gtest.h>

#include <cmath>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

using namespace nanodecoh;
using namespace nanodecoh::localization;

namespace {

constexpr double amu = constants::atomic_mass_unit;
constexpr double radius = 75e-9;

EmissionModel water_from(std::shared_ptr<const Body> body) {
  EmissionModel m;
  m.body = std::move(body);
  m.spectrum = Spectrum::thermal(300.0);
  m.emitted_mass = 18.0 * amu;
  m.rate = 2.5;
  return m;
}

/// k_T = sqrt(2 m k_B T) / hbar, written here from its definition (docs/physics.md).
double k_thermal() {
  return std::sqrt(2.0 * 18.0 * amu * constants::k_boltzmann * 300.0) / constants::hbar;
}

/// 4 orientations about z (0, 10, 20, 30 urad) and 5 displacements along x (0 to 8 pm):
/// 80 values at recoil phases up to ~1.6 rad (cheap ones: the fixed angular rule).
std::vector<Eigen::Matrix3d> orientations() {
  std::vector<Eigen::Matrix3d> out;
  for (int i = 0; i < 4; ++i) out.push_back(rotation_about(Eigen::Vector3d::UnitZ(), 1e-5 * i));
  return out;
}
std::vector<Eigen::Vector3d> displacements() {
  std::vector<Eigen::Vector3d> out;
  for (int k = 0; k < 5; ++k) out.emplace_back(2e-12 * k, 0.0, 0.0);
  return out;
}

/// Largest k_T (|dX| + |R_i - R_j| r) over the table: |R_i - R_j| = 2 sin(theta/2), theta
/// the relative angle (30 urad at most), |dX| at most 8 pm.
double largest_phase() {
  return k_thermal() * (8e-12 + 2.0 * std::sin(0.5 * 3e-5) * radius);
}

void expect_same_table(const RateTable& a, const RateTable& b) {
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t n = 0; n < a.values.size(); ++n) {
    // bitwise: every value is integrated on the same nodes in the same order either way
    EXPECT_EQ(a.values[n], b.values[n]) << n;
    EXPECT_EQ(a.error_estimates[n], b.error_estimates[n]) << n;
  }
  EXPECT_EQ(a.node_evaluations, b.node_evaluations);
  EXPECT_EQ(a.unique_jobs, b.unique_jobs);
}

RateOptions tolerance(double t) {
  RateOptions o;
  o.tolerance = t;
  return o;
}

void check_estimate_of(const LocalizationRate& engine) {
  RateOptions plain = tolerance(1e-5);
  const RateTable without = engine.table(orientations(), displacements(), plain);
  RateOptions timed = plain;
  std::vector<WorkEstimate> seen;
  std::size_t progress_before_estimate = 0;
  timed.progress = [&](std::size_t, std::size_t) {
    if (seen.empty()) ++progress_before_estimate;
  };
  timed.estimate = [&](const WorkEstimate& e) { seen.push_back(e); };
  const RateTable with = engine.table(orientations(), displacements(), timed);
  expect_same_table(without, with);
  ASSERT_EQ(seen.size(), 1u) << "the estimate is reported once";
  const WorkEstimate& e = seen.front();
  EXPECT_EQ(e.values, with.unique_jobs);
  EXPECT_EQ(e.sampled, estimate_sample_size);
  EXPECT_GT(e.sample_seconds, 0.0);
  // the extrapolation: the sample's cost per value times the values
  EXPECT_DOUBLE_EQ(
      e.seconds, e.sample_seconds * static_cast<double>(e.values) / static_cast<double>(e.sampled));
  // the largest phase of the table, against its definition; to rounding of the phase's
  // terms (a few ulp)
  EXPECT_NEAR(e.max_phase, largest_phase(), 1e-12 * largest_phase());
  // every converged value needs two levels at least; no sampled value needs more than the
  // table's highest
  EXPECT_GE(e.max_level, 1);
  EXPECT_LE(e.max_level, with.max_level);
  EXPECT_EQ(progress_before_estimate, 0u) << "no progress line before the estimate";
}

TEST(TimeEstimate, GeneralQuadratureCountsSamplesAndChangesNoBit) {
  // A Janus sphere has no symmetry reduction: 4 x 4 x 5 = 80 values, all integrated.
  const LocalizationRate engine(water_from(make_janus_sphere(radius, 1.0)));
  check_estimate_of(engine);
}

TEST(TimeEstimate, SphereFastPathCountsSamplesAndChangesNoBit) {
  // A uniform sphere takes the fast path, which integrates each distinct geometry once.
  const LocalizationRate engine(water_from(make_sphere(radius)));
  check_estimate_of(engine);
}

TEST(TimeEstimate, SmallTablesGetNoEstimate) {
  // 2 x 2 orientations x 2 displacements = 8 values, no more than the sample: no estimate.
  const LocalizationRate engine(water_from(make_janus_sphere(radius, 1.0)));
  RateOptions o = tolerance(1e-5);
  int calls = 0;
  o.estimate = [&](const WorkEstimate&) { ++calls; };
  const std::vector<Eigen::Matrix3d> two{Eigen::Matrix3d::Identity(),
                                         rotation_about(Eigen::Vector3d::UnitZ(), 1e-5)};
  engine.table(two, {Eigen::Vector3d(2e-12, 0, 0), Eigen::Vector3d(4e-12, 0, 0)}, o);
  EXPECT_EQ(calls, 0);
  // A fixed level has no convergence loop to estimate.
  o.fixed_level = 1;
  engine.table(orientations(), displacements(), o);
  EXPECT_EQ(calls, 0);
}

TEST(TimeEstimate, ARefusalStopsTheTableBeforeItsBulk) {
  const LocalizationRate engine(water_from(make_janus_sphere(radius, 1.0)));
  RateOptions o = tolerance(1e-5);
  std::size_t evaluated_after_refusal = 0;
  bool refused = false;
  o.progress = [&](std::size_t, std::size_t) {
    if (refused) ++evaluated_after_refusal;
  };
  o.estimate = [&](const WorkEstimate& e) {
    refused = true;
    throw TimeLimit("refused at " + std::to_string(e.seconds) + " s");
  };
  EXPECT_THROW(engine.table(orientations(), displacements(), o), TimeLimit);
  EXPECT_TRUE(refused);
  EXPECT_EQ(evaluated_after_refusal, 0u);
}

}  // namespace
