// The table channel and the acceptance of channel tables, on an analytic Hermitian F
// (docs/physics.md properties 1 and 2), and the engine's exact zeros and stop requests.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <complex>

#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
namespace loc = nanodecoh::localization;
using nanodecoh::testing::make_temp_dir;
using cplx = std::complex<double>;

// ---- the table channel on an analytic Hermitian F ------------------------------------
namespace {

// F_{phi,phi'}(dx) = G(dx + c (phi - phi')) with G(y) = Gamma (1 - e^{-y^2/L^2}) + i K y
// e^{-y^2/L^2}: Re G even and Im G odd in y, so F_{phi',phi}(-dx) = G(-y) = conj G(y) (property 2),
// and F_{phi,phi}(0) = G(0) = 0 (property 1). Re G >= 0 everywhere.
constexpr double gamma_rate = 500.0, length = 2e-11, coupling = 1e-7, kappa = 3e12;
cplx analytic_f(double phi, double phi_prime, double dx) {
  const double y = dx + coupling * (phi - phi_prime);
  const double g = std::exp(-y * y / (length * length));
  return {gamma_rate * (1.0 - g), kappa * y * g};
}

ne::Grid two_axis_grid() {
  ne::Axis x;
  x.name = "x";
  x.points = 5;
  x.step = 1e-11;
  x.inertia = 1e-18;
  ne::Axis phi;
  phi.kind = ne::AxisKind::rotation;
  phi.name = "phi";
  phi.points = 4;
  phi.step = 5e-5;
  phi.inertia = 1e-30;
  return ne::Grid({x, phi});
}

/// An F table on the grid's angles and on the displacements (i - offset) step, i < count.
nanodecoh::io::FTable analytic_table(const ne::Grid& grid, long long first, long long count) {
  nanodecoh::io::FTable t;
  const Eigen::Vector3d z = Eigen::Vector3d::UnitZ();
  for (std::size_t i = 0; i < grid.axes()[1].points; ++i) {
    const double phi = grid.coordinate(1, i);
    t.angles.push_back(phi);
    const Eigen::Matrix3d m = loc::rotation_about(z, phi);
    t.orientations.push_back(
        {m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2)});
  }
  for (long long k = first; k < first + count; ++k)
    t.displacements.push_back({static_cast<double>(k) * grid.axes()[0].step, 0.0, 0.0});
  for (double a : t.angles)
    for (double b : t.angles)
      for (const auto& d : t.displacements) t.values.push_back(analytic_f(a, b, d[0]));
  t.orientation_kind = "libration";
  t.rate = gamma_rate;
  return t;
}

void expect_matches_analytic(const ne::Grid& grid, const std::vector<cplx>& table) {
  std::vector<double> dx, ket, bra;
  ASSERT_EQ(table.size(), grid.difference_table_size());
  for (std::size_t t = 0; t < table.size(); ++t) {
    grid.table_entry(t, dx, ket, bra);
    const cplx expected = analytic_f(ket[0], bra[0], dx[0]);
    // The table holds the analytic values at the grid's angles and displacements, up to the
    // rounding of the coordinates (u 2 pi |dF/dphi| ~ 1e-15 Gamma) and of the completion
    // (conjugation): 1e-14 Gamma (measured 0 here, 2.3e-16 Gamma for the periodic table).
    EXPECT_NEAR(std::abs(table[t] - expected), 0.0, 1e-14 * gamma_rate) << "entry " << t;
  }
}

}  // namespace

TEST(FTableChannel, FullTableGivesTheFunctionOnEveryGridPoint) {
  const ne::Grid grid = two_axis_grid();
  const ne::FTableChannel channel(analytic_table(grid, -4, 9), "analytic",
                                  Eigen::Vector3d::UnitZ());
  expect_matches_analytic(grid, channel.tabulate(grid, {}));
}

TEST(FTableChannel, OneSidedTableIsCompletedByHermiticity) {
  // only dX >= 0 tabulated: dX < 0 comes from conj F_{R',R}(-dX)
  const ne::Grid grid = two_axis_grid();
  const ne::FTableChannel channel(analytic_table(grid, 0, 5), "one-sided",
                                  Eigen::Vector3d::UnitZ());
  expect_matches_analytic(grid, channel.tabulate(grid, {}));
}

TEST(FTableChannel, MissingGridPointsAreRefusedByName) {
  const ne::Grid grid = two_axis_grid();
  // displacements 0..3 steps: the grid's 4-step difference is covered neither way
  const ne::FTableChannel short_table(analytic_table(grid, 0, 4), "short.h5",
                                      Eigen::Vector3d::UnitZ());
  try {
    (void)short_table.tabulate(grid, {});
    FAIL() << "a table without the 4-step displacement was accepted";
  } catch (const nanodecoh::InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("short.h5"), std::string::npos) << what;
    EXPECT_NE(what.find("x - x' = -4"), std::string::npos) << what;
  }
  // an orientation missing: refused, naming the angle
  auto table = analytic_table(grid, -4, 9);
  const std::size_t p = table.orientation_count(), d = table.displacement_count();
  nanodecoh::io::FTable fewer = table;
  fewer.orientations.pop_back();
  fewer.angles.pop_back();
  fewer.values.clear();
  for (std::size_t i = 0; i + 1 < p; ++i)
    for (std::size_t j = 0; j + 1 < p; ++j)
      for (std::size_t k = 0; k < d; ++k) fewer.values.push_back(table.at(i, j, k));
  const ne::FTableChannel missing(fewer, "fewer.h5", Eigen::Vector3d::UnitZ());
  EXPECT_THROW((void)missing.tabulate(grid, {}), nanodecoh::InvalidArgument);
}

TEST(FTableChannel, PhysicallyInvalidTablesAreRefused) {
  const ne::Grid grid = two_axis_grid();
  const auto good = analytic_table(grid, -4, 9);
  const std::size_t d = good.displacement_count();
  // F_{R,R}(0) != 0: the dissipator would not conserve the trace
  auto nonzero = good;
  nonzero.values[(1 * 4 + 1) * d + 4] = {1e-3 * gamma_rate, 0.0};
  EXPECT_THROW(ne::FTableChannel(nonzero, "f0.h5", Eigen::Vector3d::UnitZ()),
               nanodecoh::InvalidArgument);
  // within rounding it is set to exactly 0, with its sign
  auto rounding = good;
  rounding.values[(1 * 4 + 1) * d + 4] = {-1e-16 * gamma_rate, 1e-16 * gamma_rate};
  const ne::FTableChannel rounded(rounding, "rounded.h5", Eigen::Vector3d::UnitZ());
  EXPECT_EQ(rounded.table().at(1, 1, 4).real(), 0.0);
  EXPECT_EQ(rounded.table().at(1, 1, 4).imag(), 0.0);
  // Re F < 0 beyond the accuracy
  auto negative = good;
  negative.values[(0 * 4 + 2) * d + 1] = {-1e-3 * gamma_rate, 0.0};
  EXPECT_THROW(ne::FTableChannel(negative, "neg.h5", Eigen::Vector3d::UnitZ()),
               nanodecoh::InvalidArgument);
  // an entry that contradicts its Hermitian partner
  auto skewed = good;
  skewed.values[(0 * 4 + 2) * d + 6] += cplx(0.0, 0.1 * gamma_rate);
  const ne::FTableChannel skew(skewed, "skew.h5", Eigen::Vector3d::UnitZ());
  EXPECT_THROW((void)skew.tabulate(grid, {}), nanodecoh::InvalidArgument);
  // NaN, and a non-rotation orientation
  auto nan = good;
  nan.values[3] = {std::nan(""), 0.0};
  EXPECT_THROW(ne::FTableChannel(nan, "nan.h5", Eigen::Vector3d::UnitZ()),
               nanodecoh::InvalidArgument);
  auto sheared = good;
  sheared.orientations[0][1] = 0.5;
  EXPECT_THROW(ne::FTableChannel(sheared, "shear.h5", Eigen::Vector3d::UnitZ()),
               nanodecoh::InvalidArgument);
}

TEST(FTableChannel, FileRoundTripAndForeignFilesAreRefused) {
  const std::string dir = make_temp_dir("ftable_file");
  const ne::Grid grid = two_axis_grid();
  const auto table = analytic_table(grid, -4, 9);
  {
    auto file = nanodecoh::io::Hdf5File::create(dir + "/t.h5");
    nanodecoh::io::write_ftable(file, table);
  }
  const auto back = nanodecoh::io::read_ftable(dir + "/t.h5");
  EXPECT_EQ(back.values, table.values);
  EXPECT_EQ(back.angles, table.angles);
  EXPECT_EQ(back.orientations, table.orientations);
  EXPECT_EQ(back.displacements, table.displacements);
  EXPECT_EQ(back.rate, gamma_rate);
  {
    auto file = nanodecoh::io::Hdf5File::create(dir + "/other.h5");
    file.write("F", std::vector<double>{1.0, 2.0}, {2});
  }
  try {
    (void)nanodecoh::io::read_ftable(dir + "/other.h5");
    FAIL() << "a file without the F-table schema was read";
  } catch (const nanodecoh::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not an F-table file"), std::string::npos) << e.what();
  }
}

// ---- acceptance of a channel's table ----------------------------------------------------
TEST(ChannelAcceptance, RoundingBelowZeroIsClampedAndCountedRealNegativesFail) {
  ne::Axis x;
  x.points = 4;
  x.step = 1e-9;
  x.inertia = 1e-18;
  const ne::Grid grid({x});
  const auto with_value_at_zero = [](double value) {
    return std::make_shared<ne::FunctionChannel>(
        [value](const std::vector<double>& dx, const std::vector<double>&,
                const std::vector<double>&) {
          return dx[0] == 0.0 ? cplx(value, 0.0) : cplx(gamma_rate, 0.0);
        },
        "test", 0.0);
  };
  ne::ChannelTableReport report;
  const auto table =
      ne::evaluate_channels(grid, {with_value_at_zero(-1e-16 * gamma_rate)}, {}, &report);
  ASSERT_EQ(report.rounded_to_zero.size(), 1u);
  EXPECT_EQ(report.rounded_to_zero[0], 1u);
  EXPECT_EQ(table[3].real(), 0.0);  // entry (n - 1): x - x' = 0
  EXPECT_FALSE(std::signbit(table[3].real()));
  EXPECT_THROW((void)ne::evaluate_channels(grid, {with_value_at_zero(-1e-6 * gamma_rate)}),
               nanodecoh::NumericalError);
}

TEST(EngineZeros, EqualOrientationsAtZeroDisplacementAreExactlyZero) {
  // property 1 with its sign, on the sphere fast path and on the general quadrature
  loc::EmissionModel model;
  model.body = loc::make_sphere(75e-9);
  model.spectrum = loc::Spectrum::thermal(300.0);
  model.rate = 1000.0;
  for (const bool fast : {true, false}) {
    const loc::LocalizationRate engine(model);
    loc::RateOptions options;
    options.sphere_fast_path = fast;
    options.tolerance = 1e-8;
    const auto rs = loc::rotations_about({0, 0, 1}, loc::libration_angles(3, 1e-4, 0.0));
    const auto t = engine.table(rs, {Eigen::Vector3d::Zero(), {1e-11, 0, 0}}, options);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(t.at(i, i, 0), cplx(0.0, 0.0)) << "fast path " << fast;
      EXPECT_GT(t.at(i, i, 1).real(), 0.0);
      // 0 <= Re F = Gamma (1 - Re <phase>) <= 2 Gamma (the average of a phase factor has
      // modulus <= 1).
      for (std::size_t j = 0; j < 3; ++j)
        for (std::size_t k = 0; k < 2; ++k) {
          EXPECT_GE(t.at(i, j, k).real(), 0.0);
          EXPECT_LE(t.at(i, j, k).real(), 2.0 * model.rate);
        }
    }
  }
}

TEST(EngineStop, ATableStopsOnRequest) {
  loc::EmissionModel model;
  model.body = loc::make_sphere(75e-9);
  model.rate = 1000.0;
  const loc::LocalizationRate engine(model);
  std::atomic<bool> stop{true};
  loc::RateOptions options;
  options.stop = &stop;
  EXPECT_THROW((void)engine.table({Eigen::Matrix3d::Identity()}, {{1e-11, 0, 0}}, options),
               nanodecoh::Interrupted);
}

TEST(FTableChannel, PeriodicTableServesACircleAxis) {
  // `ftable` writes a periodic circle at 2 pi i / N, the grid's circle axis sits at
  // (i - N/2) 2 pi / N: the same rotations, matched as matrices (angles differ by 2 pi).
  // F = G(dx + c sin(phi - phi')) is Hermitian (property 2) and periodic in the angles.
  const auto periodic_f = [](double phi, double phi_prime, double dx) {
    return analytic_f(0.0, 0.0, dx + 2e-11 * std::sin(phi - phi_prime));
  };
  ne::Axis x;
  x.name = "x";
  x.points = 3;
  x.step = 1e-11;
  x.inertia = 1e-18;
  ne::Axis phi;
  phi.kind = ne::AxisKind::rotation;
  phi.mode = ne::RotationMode::circle;
  phi.name = "phi";
  phi.points = 8;
  phi.inertia = 1e-30;
  const ne::Grid grid({x, phi});
  nanodecoh::io::FTable t;
  t.orientation_kind = "periodic";
  t.angles = loc::periodic_angles(8);
  for (const Eigen::Matrix3d& m : loc::rotations_about({0, 0, 1}, t.angles))
    t.orientations.push_back(
        {m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2)});
  for (int k = 0; k <= 2; ++k) t.displacements.push_back({k * 1e-11, 0.0, 0.0});  // dX >= 0
  for (double a : t.angles)
    for (double b : t.angles)
      for (const auto& d : t.displacements) t.values.push_back(periodic_f(a, b, d[0]));
  t.rate = gamma_rate;
  const ne::FTableChannel channel(t, "periodic.h5", Eigen::Vector3d::UnitZ());
  const auto table = channel.tabulate(grid, {});
  std::vector<double> dx, ket, bra;
  for (std::size_t e = 0; e < table.size(); ++e) {
    grid.table_entry(e, dx, ket, bra);
    // As in expect_matches_analytic: 1e-14 Gamma (measured 2.3e-16 Gamma).
    EXPECT_NEAR(std::abs(table[e] - periodic_f(ket[0], bra[0], dx[0])), 0.0, 1e-14 * gamma_rate)
        << "entry " << e;
  }
}
