// The path the project is about, through the CLI as a user takes it: F from the
// localization engine driving the evolution, directly (`desorption` channel) or
// through an F-table file that `nanodecoh ftable` wrote (`table` channel), on
// translation and rotation axes. Oracles: the closed-form Lambertian sphere
// (docs/physics.md property 8), the engine evaluated point by point, and
// exp(-Re F t) for a static cat.
#include <gtest/gtest.h>

#include <filesystem>

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "evolve_test_configs.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "run_cli.hpp"

namespace loc = nanodecoh::localization;
using nanodecoh::testing::make_temp_dir;
using nanodecoh::testing::run_cli;
using cplx = std::complex<double>;

namespace {

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::vector<cplx> final_rho(const std::string& h5) {
  return nanodecoh::io::Hdf5File::open_read(h5).read_complex("final/rho");
}

double max_abs_difference(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

/// The final state of a run is a density matrix: trace 1, Hermitian, positive, purity <= 1, to
/// rounding of the 100 split-operator steps of every run here: trace 4 u n = 4.4e-14, bound
/// 4e-13 (measured 9.3e-15, 2026-11-30); Hermiticity 1e-14 (measured 3.1e-15); the smallest
/// eigenvalue to Eigen's n u ||rho|| = 3.5e-14 for n = 320: -2e-13 (measured -8.7e-17); the
/// purity, a sum of up to 1e5 terms, n u = 1.1e-11 at most: 1e-12 above 1.
void expect_physical_final_state(const std::string& h5) {
  std::vector<std::size_t> shape;
  const auto rho = nanodecoh::io::Hdf5File::open_read(h5).read_complex("final/rho", &shape);
  const auto n =
      static_cast<Eigen::Index>(std::llround(std::sqrt(static_cast<double>(rho.size()))));
  ASSERT_EQ(static_cast<std::size_t>(n * n), rho.size());
  Eigen::MatrixXcd m(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) m(i, j) = rho[static_cast<std::size_t>(i * n + j)];
  EXPECT_NEAR(m.trace().real(), 1.0, 4e-13) << h5;
  EXPECT_LT((m - m.adjoint()).cwiseAbs().maxCoeff(), 1e-14) << h5;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> eig(0.5 * (m + m.adjoint()));
  EXPECT_GT(eig.eigenvalues().minCoeff(), -2e-13) << h5;
  EXPECT_LE((m * m).trace().real(), 1.0 + 1e-12) << h5;
}

double max_abs(const std::vector<cplx>& a) {
  double m = 0.0;
  for (const auto& v : a) m = std::max(m, std::abs(v));
  return m;
}

// A translation axis x (16 points, 5 pm) and a libration axis phi (20 points, 20 urad) of a
// 75 nm silica-like sphere; recoil phases k_T |dX| up to ~11 and k_T a dphi up to ~2.
const char* grid_block = R"(
[particle]
mass = 3.9e-18
moment_of_inertia = 8.8e-33
[[axes]]
kind = "translation"
name = "x"
points = 16
step = 5.0e-12
[[axes]]
kind = "rotation"
name = "phi"
mode = "libration"
points = 20
step = 2.0e-5
[initial]
kind = "cat"
axis = "phi"
width = 2.0e-5
separation = 1.2e-4
other_width = 6.0e-12
[time]
step = 2.0e-6
outputs = 3
[[protocol]]
duration = 2.0e-4
potential = "free"
[output]
final_state = true
)";

// The ftable covering that grid: the 20 libration angles and the 31 differences of x.
const std::string ftable_config = nanodecoh::testing::lambertian_sphere_ftable(
    18.0, 1000.0, 300.0,
    "[orientations]\nkind = \"libration\"\naxis = [0, 0, 1]\ncount = 20\nstep = 2.0e-5\n"
    "[displacements]\nkind = \"line\"\naxis = [1, 0, 0]\ncount = 31\nstep = 5.0e-12\n",
    1e-9);

const char* desorption_channel = R"(
[[channels]]
kind = "desorption"
body = "sphere"
radius = 75e-9
rate = 1000.0
temperature = 300.0
atom_mass = 18.0
tolerance = 1e-9
)";

}  // namespace

TEST(FTablePath, FtableFileDrivesEvolveLikeTheDesorptionChannel) {
  const std::string dir = make_temp_dir("ftable_path");
  const auto made = run_cli({"ftable", write_file(dir + "/ftable.toml", ftable_config), "--out",
                             dir + "/F.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string table_run = write_file(
      dir + "/table.toml",
      std::string(grid_block) + "[[channels]]\nkind = \"table\"\nfile = \"" + dir + "/F.h5\"\n");
  const std::string engine_run =
      write_file(dir + "/engine.toml", std::string(grid_block) + desorption_channel);
  const auto a =
      run_cli({"evolve", table_run, "--out", dir + "/a.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b =
      run_cli({"evolve", engine_run, "--out", dir + "/b.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto rho_a = final_rho(dir + "/a.h5"), rho_b = final_rho(dir + "/b.h5");
  expect_physical_final_state(dir + "/a.h5");
  expect_physical_final_state(dir + "/b.h5");
  // the same engine values on the same angles and displacements (the file stores the doubles):
  // equal to the rounding of the table's completion, a few u (measured: bitwise equal)
  EXPECT_LE(max_abs_difference(rho_a, rho_b), 1e-14 * max_abs(rho_a));
  // and the dissipator acted: the cat lost coherence
  const auto json =
      run_cli({"evolve", table_run, "--json", "--backend", "cpu", "--out", dir + "/c.h5"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const double coherence =
      nlohmann::json::parse(json.out)["final"]["coherence_normalized"].get<double>();
  EXPECT_LT(coherence, 0.99);
  EXPECT_GT(coherence, 0.0);
  // The F table is an input of the run: neither --out nor the checkpoint may replace it.
  const auto table_bytes = nanodecoh::testing::file_contents(dir + "/F.h5");
  const auto as_out =
      run_cli({"evolve", table_run, "--out", dir + "/F.h5", "--quiet", "--backend", "cpu"});
  EXPECT_EQ(as_out.exit_code, 2) << as_out.err;
  EXPECT_NE(as_out.err.find("--out"), std::string::npos) << as_out.err;
  const auto as_checkpoint =
      run_cli({"evolve", table_run, "--out", dir + "/d.h5", "--quiet", "--backend", "cpu", "--set",
               "output.checkpoint_file=\"" + dir + "/F.h5\""});
  EXPECT_EQ(as_checkpoint.exit_code, 2) << as_checkpoint.err;
  EXPECT_NE(as_checkpoint.err.find("output.checkpoint_file"), std::string::npos)
      << as_checkpoint.err;
  EXPECT_EQ(nanodecoh::testing::file_contents(dir + "/F.h5"), table_bytes);
  // The table's orientations turn the body about z; a grid turning it about x (whose moment
  // of inertia is about x) must not be given the table's values: one line naming the file.
  const auto other_axis =
      run_cli({"evolve", table_run, "--out", dir + "/e.h5", "--quiet", "--backend", "cpu", "--set",
               "axes[1].rotation_axis=[1.0, 0.0, 0.0]"});
  EXPECT_EQ(other_axis.exit_code, 2) << other_axis.err;
  EXPECT_EQ(
      nanodecoh::testing::count_lines(nanodecoh::testing::without_backend_notice(other_axis.err)),
      1)
      << other_axis.err;
  EXPECT_NE(other_axis.err.find("channels[0].file"), std::string::npos) << other_axis.err;
  EXPECT_NE(other_axis.err.find("axes[1].rotation_axis"), std::string::npos) << other_axis.err;
  // ... nor may the channel name an axis other than the grid's.
  const auto channel_axis =
      run_cli({"evolve", table_run, "--out", dir + "/e.h5", "--quiet", "--backend", "cpu", "--set",
               "channels[0].rotation_axis=[0.0, 1.0, 0.0]"});
  EXPECT_EQ(channel_axis.exit_code, 2) << channel_axis.err;
  EXPECT_NE(channel_axis.err.find("channels[0].rotation_axis"), std::string::npos)
      << channel_axis.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/e.h5"));
}

TEST(FTablePath, ATableThatMissesGridPointsIsRefusedByEvolve) {
  // displacements up to 2 steps only: the grid's larger differences are covered neither way
  const std::string dir = make_temp_dir("ftable_missing");
  std::string config = ftable_config;
  config.replace(config.find("count = 31"), 10, "count = 5");
  const auto made = run_cli({"ftable", write_file(dir + "/ftable.toml", config), "--out",
                             dir + "/F.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto r =
      run_cli({"evolve",
               write_file(dir + "/run.toml", std::string(grid_block) +
                                                 "[[channels]]\nkind = \"table\"\nfile = \"" + dir +
                                                 "/F.h5\"\n"),
               "--quiet", "--backend", "cpu", "--out", dir + "/run.h5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(nanodecoh::testing::count_lines(nanodecoh::testing::without_backend_notice(r.err)), 1)
      << r.err;
  EXPECT_NE(r.err.find("no F for the grid point x - x' = -7.5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir + "/F.h5"), std::string::npos) << r.err;
}

namespace {

/// A static cat on one rotation axis (`axis_toml`: the [[axes]] table) under the desorption
/// channel, with branches at -/+ `half_separation` (rad). I = 1e-22 kg m^2 keeps a branch of
/// width >= 25 urad from spreading by more than (hbar t/(2 I s))^2/s^2 ~ 4e-13 over the
/// 1 ms run, so rho(a, b; t) = rho(a, b; 0) exp(-F t) and the branch coherence is
/// exp(-Re F t), F = F_{R(phi_a), R(phi_b)}(0) from the engine evaluated directly (1e-10
/// Gamma). The channel's tolerance 1e-9 Gamma changes F t by <= 1e-9 (Gamma t = 1), the
/// coherence by <= 1e-9 of itself: bound 5e-9 (measured 1.4e-14). Returns Re F (1/s).
double expect_static_cat_decays_with_the_engines_f(const std::string& tag,
                                                   const std::string& axis_toml, double width,
                                                   double half_separation) {
  const std::string dir = make_temp_dir(tag);
  const double duration = 1.0e-3;
  std::ostringstream config;
  config.precision(17);
  config << "[particle]\nmoment_of_inertia = 1e-22\n"
         << axis_toml << "[initial]\nkind = \"cat\"\naxis = \"phi\"\nwidth = " << width
         << "\nseparation = " << 2 * half_separation
         << "\n[time]\nstep = 1.0e-5\noutputs = 2\n[[protocol]]\nduration = " << duration
         << "\npotential = \"free\"\n[output]\nfinal_state = true\n"
         << desorption_channel;
  const auto r = run_cli({"evolve", write_file(dir + "/run.toml", config.str()), "--json", "--out",
                          dir + "/run.h5", "--backend", "cpu"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return 0.0;
  expect_physical_final_state(dir + "/run.h5");
  const double coherence =
      nlohmann::json::parse(r.out)["final"]["coherence_normalized"].get<double>();
  loc::EmissionModel model;
  model.body = loc::make_sphere(75e-9);
  model.spectrum = loc::Spectrum::thermal(300.0);
  model.emitted_mass = 18.0 * nanodecoh::constants::atomic_mass_unit;
  model.rate = 1000.0;
  const loc::LocalizationRate engine(model);
  loc::RateOptions options;
  options.tolerance = 1e-10;
  const Eigen::Vector3d z = Eigen::Vector3d::UnitZ();
  const cplx f =
      engine
          .evaluate(loc::rotation_about(z, -half_separation),
                    loc::rotation_about(z, half_separation), Eigen::Vector3d::Zero(), options)
          .value;
  EXPECT_NEAR(coherence, std::exp(-f.real() * duration), 5e-9);
  return f.real();
}

}  // namespace

TEST(FTablePath, StaticRotationalCatDecaysAsExpOfMinusReFt) {
  // a libration window of 24 points, step 25 urad; branches 8 steps apart: a rotation of
  // 2e-4 rad moves the surface by 15 pm, F ~ Gamma/2
  const double re_f = expect_static_cat_decays_with_the_engines_f(
      "ftable_rotcat",
      "[[axes]]\nkind = \"rotation\"\nname = \"phi\"\nmode = \"libration\"\npoints = 24\n"
      "step = 2.5e-5\n",
      2.5e-5, 1.0e-4);
  EXPECT_GT(re_f, 50.0);
}

TEST(FTablePath, StaticCatOnACircleAxisDecaysAsExpOfMinusReFt) {
  // a full circle of 32 orientations (step pi/16), branches (width pi/8) half a turn apart:
  // recoil phases k_T a pi ~ 3.5e4, where F is within 3e-8 of Gamma
  const double pi = nanodecoh::constants::pi;
  const double re_f = expect_static_cat_decays_with_the_engines_f(
      "ftable_circle",
      "[[axes]]\nkind = \"rotation\"\nname = \"phi\"\nmode = \"circle\"\npoints = 32\n", pi / 8,
      pi / 2);
  // saturated: every emission tells the branches apart; two-sided, 10x the 3e-8 Gamma left
  EXPECT_NEAR(re_f, 1000.0, 3e-7 * 1000.0);
}

TEST(FTablePath, EngineOnTranslationGridMatchesClosedFormSphere) {
  // desorption (engine, tolerance 1e-10 Gamma) against desorption_sphere (closed form,
  // property 8) through evolve: F differs by <= 1e-10 Gamma = 1e-7 1/s, so over 2e-4 s the
  // states differ by <= 2e-11 relative: bound 2e-10 (measured 2.5e-15, 2026-11-30). Both runs use
  // the split operator (method = "auto" would propagate the closed form exactly, the engine's table
  // by splitting, and the comparison would measure the split's dt^2 error instead of F).
  const std::string dir = make_temp_dir("ftable_translation");
  const std::string base = R"(
[particle]
mass = 3.9e-18
[[axes]]
kind = "translation"
name = "x"
points = 32
step = 1.0e-11
[initial]
kind = "cat"
axis = "x"
width = 1.5e-11
separation = 1.2e-10
[time]
step = 1.0e-6
outputs = 2
[[protocol]]
duration = 2.0e-4
potential = "free"
method = "split"
[output]
final_state = true
)";
  const std::string engine =
      base +
      "[[channels]]\nkind = \"desorption\"\nradius = 75e-9\nrate = 1000.0\ntolerance = 1e-10\n";
  const std::string closed = base + "[[channels]]\nkind = \"desorption_sphere\"\nrate = 1000.0\n";
  const auto a = run_cli({"evolve", write_file(dir + "/a.toml", engine), "--out", dir + "/a.h5",
                          "--quiet", "--backend", "cpu"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run_cli({"evolve", write_file(dir + "/b.toml", closed), "--out", dir + "/b.h5",
                          "--quiet", "--backend", "cpu"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto rho_a = final_rho(dir + "/a.h5"), rho_b = final_rho(dir + "/b.h5");
  EXPECT_LE(max_abs_difference(rho_a, rho_b), 2e-10 * max_abs(rho_b));
  expect_physical_final_state(dir + "/a.h5");
}

TEST(FTablePath, DesorptionSphereRefusesRotationAxes) {
  // its F ignores the orientation, which would act as F = 0 on a rotation axis
  const std::string dir = make_temp_dir("ftable_refuse");
  const std::string config =
      std::string(grid_block) + "[[channels]]\nkind = \"desorption_sphere\"\nrate = 1000.0\n";
  const auto r = run_cli({"evolve", write_file(dir + "/r.toml", config), "--quiet", "--backend",
                          "cpu", "--out", dir + "/r.h5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("desorption_sphere"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rotation axis phi"), std::string::npos) << r.err;
}

// An F table made by `nanodecoh ftable` drives `evolve` with method = "exact" end to end: the
// table's line of displacements (identity orientation, along x) is interpolated along the
// characteristics. Oracle: the same run with the closed-form Lambertian sphere
// (desorption_sphere, property 8, the same physics the engine integrated into the file), whose
// final state must agree within the exact run's reported error estimate (which includes the
// interpolation's error bound and the table's tolerance, times the duration). Light atoms at
// 0.02 K make 1/k_T = 3.5 nm, so the table's 0.5 nm step resolves F; its 200 displacements
// (dX >= 0, completed by Hermiticity) reach 99.5 nm, beyond the paths' ~87 nm. A table shorter than
// the paths is refused with method = "exact" (never extrapolated), and "auto" then uses the split
// operator and says why.
TEST(FTablePath, FtableFileDrivesTheExactMethodThroughTheCli) {
  const std::string dir = make_temp_dir("ftable_exact");
  const std::string ftable = nanodecoh::testing::lambertian_sphere_ftable(
      1.0, 1000.0, 0.02,
      "[orientations]\nkind = \"libration\"\naxis = [0, 0, 1]\ncount = 1\nstep = 1.0e-3\n"
      "[displacements]\nkind = \"line\"\naxis = [1, 0, 0]\ncount = 200\nstep = 5.0e-10\n"
      "centre = 5.0e-8\n",
      1e-7);
  const auto made = run_cli({"ftable", write_file(dir + "/ftable.toml", ftable), "--out",
                             dir + "/F.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string base = R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 48
step = 1.0e-9
[initial]
kind = "cat"
axis = "x"
width = 2.0e-9
separation = 8.0e-9
[time]
step = 1.0e-5
outputs = 3
[[protocol]]
duration = 5.0e-4
potential = "free"
method = "exact"
[output]
final_state = true
)";
  const std::string table_channel = "[[channels]]\nkind = \"table\"\nfile = \"" + dir + "/F.h5\"\n";
  const auto a = run_cli({"evolve", write_file(dir + "/a.toml", base + table_channel), "--out",
                          dir + "/a.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto ja = nlohmann::json::parse(a.out);
  EXPECT_EQ(ja["steps"], 0);
  EXPECT_NE(ja["methods"][0].get<std::string>().find("exact"), std::string::npos);
  EXPECT_NE(a.err.find("tabulated on"), std::string::npos) << a.err;  // the table's notice
  const double estimate = ja["exact_error_estimate"].get<double>();
  const auto b = run_cli(
      {"evolve",
       write_file(dir + "/b.toml", base + "[[channels]]\nkind = \"desorption_sphere\"\nrate = "
                                          "1000.0\ntemperature = 0.02\natom_mass = 1.0\n"),
       "--out", dir + "/b.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto jb = nlohmann::json::parse(b.out);
  const auto rho_a = final_rho(dir + "/a.h5"), rho_b = final_rho(dir + "/b.h5");
  // chi differs by at most its relative error estimate; rho_ij = (dx/L) sum_q chi(k_q, r) (M
  // terms, dx/L = 2/M) moves by at most twice that, plus the closed-form run's own estimate.
  const double bound = 2.0 * (estimate + jb["exact_error_estimate"].get<double>()) + 1e-14;
  EXPECT_LE(max_abs_difference(rho_a, rho_b), bound);
  EXPECT_LT(estimate, 1e-3);  // the table resolves F
  const double coherence = ja["final"]["coherence_normalized"].get<double>();
  EXPECT_LT(coherence, 0.9);  // the channel acted
  EXPECT_NEAR(coherence, jb["final"]["coherence_normalized"].get<double>(), 2.0 * bound + 1e-12);
  // A table up to 49.5 nm: enough for the grid's differences (47 nm, so the split operator can
  // use it), not for the paths (the cat's chord function reaches |r| ~ 56 nm and free flight
  // moves it by hbar k t/M up to ~31 nm more).
  std::string short_config = ftable;
  short_config.replace(short_config.find("count = 200"), 11, "count = 100");
  short_config.replace(short_config.find("centre = 5.0e-8"), 15, "centre = 2.5e-8");
  const auto made_short = run_cli({"ftable", write_file(dir + "/short.toml", short_config), "--out",
                                   dir + "/S.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made_short.exit_code, 0) << made_short.err;
  std::string short_run = base + "[[channels]]\nkind = \"table\"\nfile = \"" + dir + "/S.h5\"\n";
  const auto refused = run_cli({"evolve", write_file(dir + "/s.toml", short_run), "--out",
                                dir + "/s.h5", "--quiet", "--backend", "cpu"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(
      nanodecoh::testing::count_lines(nanodecoh::testing::without_backend_notice(refused.err)), 1)
      << refused.err;
  EXPECT_NE(refused.err.find("protocol[0].method"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("never extrapolates"), std::string::npos) << refused.err;
  short_run.replace(short_run.find("method = \"exact\""), 16, "method = \"auto\"");
  const auto fallback = run_cli({"evolve", write_file(dir + "/f.toml", short_run), "--out",
                                 dir + "/f.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  const auto jf = nlohmann::json::parse(fallback.out);
  EXPECT_GT(jf["steps"].get<int>(), 0);
  EXPECT_NE(jf["methods"][0].get<std::string>().find("never extrapolates"), std::string::npos)
      << jf["methods"][0];
}

// An F table that `nanodecoh ftable` wrote for a rotation grid (a Lambertian sphere's desorption
// turned about z: 97 libration angles of 25 urad, dX = 0) drives `evolve` with method = "exact" on
// a libration axis of 64 of those angles: the line of angle differences comes from the file's
// pairs (up to 96 steps, beyond the paths' ~89). Oracle: the split operator on the same file
// through the CLI at 50 and 100 steps per segment, its dt^2 term removed (ratio of the two
// errors 4 +- 0.1). The exact run's estimate covers the file's tolerance and the interpolation at
// the file's step (t times the table's bound); the extrapolated split agrees within twice that
// plus its own dt^4 and grid floor (ExactPropagatorLibration.EngineDesorption...: 5e-11 on the
// same state). A file whose F depends on the angles themselves, not only on their difference, is
// refused with one line naming channels[0].file.
TEST(FTablePath, FtableFileOnARotationGridDrivesTheExactMethod) {
  const std::string dir = make_temp_dir("ftable_rotation_exact");
  const std::string ftable = nanodecoh::testing::lambertian_sphere_ftable(
      18.0, 800.0, 30.0,
      "[orientations]\nkind = \"libration\"\naxis = [0, 0, 1]\ncount = 97\nstep = 2.5e-5\n"
      "[displacements]\nkind = \"line\"\naxis = [1, 0, 0]\ncount = 1\nstep = 1.0e-12\n",
      1e-6);
  const auto made = run_cli({"ftable", write_file(dir + "/ftable.toml", ftable), "--out",
                             dir + "/F.h5", "--quiet", "--backend", "cpu"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  // I = hbar/(1.05e4 dphi^2): the translation tests' kinetic scale per step.
  std::ostringstream config;
  config.precision(17);
  config << "[particle]\nmoment_of_inertia = " << nanodecoh::constants::hbar / (1.05e4 * 6.25e-10)
         << R"(
[[axes]]
kind = "rotation"
name = "phi"
mode = "libration"
points = 64
step = 2.5e-5
[initial]
kind = "cat"
axis = "phi"
width = 6.25e-5
separation = 2.5e-4
[time]
step = 6.0e-6
outputs = 2
[[protocol]]
duration = 3.0e-4
potential = "harmonic"
frequency = 1.0e3
method = "exact"
[[protocol]]
duration = 3.0e-4
potential = "free"
method = "exact"
[output]
final_state = true
[[channels]]
kind = "table"
file = ")"
         << dir << "/F.h5\"\n";
  const std::string run = write_file(dir + "/run.toml", config.str());
  const auto exact =
      run_cli({"evolve", run, "--out", dir + "/exact.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(exact.exit_code, 0) << exact.err;
  const auto je = nlohmann::json::parse(exact.out);
  EXPECT_EQ(je["steps"], 0);
  EXPECT_NE(je["methods"][0].get<std::string>().find("libration axis"), std::string::npos);
  EXPECT_NE(exact.err.find("|phi - phi'|"), std::string::npos) << exact.err;  // the table notice
  const double estimate = je["exact_error_estimate"].get<double>();
  const auto rho = final_rho(dir + "/exact.h5");
  const double scale = max_abs(rho);
  std::vector<std::vector<cplx>> split;
  for (const char* dt : {"6.0e-6", "3.0e-6"}) {
    const std::string out = dir + "/split" + std::to_string(split.size()) + ".h5";
    const auto r = run_cli({"evolve", run, "--out", out, "--quiet", "--backend", "cpu", "--set",
                            std::string("time.step=") + dt, "--set", "protocol[0].method=\"split\"",
                            "--set", "protocol[1].method=\"split\""});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    split.push_back(final_rho(out));
    expect_physical_final_state(out);
  }
  const double coarse = max_abs_difference(split[0], rho) / scale,
               fine = max_abs_difference(split[1], rho) / scale;
  EXPECT_GT(fine, 1e-7) << "the split operator's dt^2 error should be visible";
  EXPECT_NEAR(coarse / fine, 4.0, 0.1);
  std::vector<cplx> extrapolated(rho.size());
  for (std::size_t i = 0; i < rho.size(); ++i)
    extrapolated[i] = (4.0 * split[1][i] - split[0][i]) / 3.0;
  const double difference = max_abs_difference(extrapolated, rho) / scale;
  // Measured 2026-11-30 (x86-64): ratio 4.005, difference 1.4e-8 against the estimate 1.0e-6
  // (t times the table's half-step interpolation bound 8.9e-4 1/s and the file's tolerance
  // 8e-4 1/s, both worst cases; the split uses the same file values).
  EXPECT_LT(difference, 2.0 * estimate + 1e-8) << "estimate " << estimate;
  // The file's step resolves F (F varies on ~11 steps): estimate measured 1.0e-6, bound 3e-6.
  EXPECT_LT(estimate, 3e-6);
  // A table of the same angles whose F depends on the centre angle too.
  {
    nanodecoh::io::FTable t;
    std::vector<double> angles;
    for (int j = -48; j <= 48; ++j) angles.push_back(j * 2.5e-5);
    for (double a : angles)
      t.orientations.push_back(
          {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1});
    t.displacements = {{0.0, 0.0, 0.0}};
    for (double a : angles)
      for (double b : angles) {
        const double c = (a - b) / 1e-4;
        t.values.push_back(800.0 * -std::expm1(-c * c) * (1.0 + 1e6 * (a + b) * (a + b)));
      }
    t.rate = 800.0;
    t.tolerance = 1e-9;
    auto file = nanodecoh::io::Hdf5File::create(dir + "/tilted.h5");
    nanodecoh::io::write_ftable(file, t);
  }
  std::string tilted = config.str();
  tilted.replace(tilted.find(dir + "/F.h5"), (dir + "/F.h5").size(), dir + "/tilted.h5");
  const auto refused = run_cli({"evolve", write_file(dir + "/tilted.toml", tilted), "--out",
                                dir + "/tilted_run.h5", "--quiet", "--backend", "cpu"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(
      nanodecoh::testing::count_lines(nanodecoh::testing::without_backend_notice(refused.err)), 1)
      << refused.err;
  EXPECT_NE(refused.err.find("protocol[0].method"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("channels[0].file"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("not a function of the angle difference alone"), std::string::npos)
      << refused.err;
}
