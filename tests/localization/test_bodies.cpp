// Bodies and meshes: quadrature nodes integrate areas and volumes exactly
// known in closed form; a finely triangulated sphere, written as OBJ and
// binary STL and read back, reproduces the analytic sphere's F and D0;
// malformed meshes are rejected.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "run_cli.hpp"
#include "sanitizers.hpp"

using namespace nanodecoh;
using namespace nanodecoh::localization;

namespace {

double total_weight(const QuadratureNodes& n) {
  double s = 0;
  for (double w : n.weight) s += w;
  return s;
}

EmissionModel water_model(std::shared_ptr<const Body> body) {
  EmissionModel m;
  m.body = std::move(body);
  m.spectrum = Spectrum::thermal(300.0);
  m.emitted_mass = 18.0 * constants::atomic_mass_unit;
  m.rate = 1.0;
  return m;
}

}  // namespace

TEST(BodyNodes, AreasAndVolumesMatchClosedForms) {
  const double a = 75e-9, pi = constants::pi;
  EXPECT_NEAR(total_weight(make_sphere(a)->surface_nodes(8)), 4 * pi * a * a, 1e-12 * a * a);
  EXPECT_NEAR(total_weight(make_sphere(a)->volume_nodes(8)), 4 * pi * a * a * a / 3,
              1e-12 * a * a * a);
  EXPECT_NEAR(total_weight(make_janus_sphere(a, 1.0)->surface_nodes(6)),
              2 * pi * a * a * (1 - std::cos(1.0)), 1e-12 * a * a);
  EXPECT_NEAR(total_weight(make_cylinder(2.0, 3.0)->surface_nodes(6)), 2 * pi * 2 * (3 + 2), 1e-12);
  // prolate spheroid a = 1, c = 2: area 2 pi a^2 (1 + c/(a e) asin e), e = sqrt(1 - a^2/c^2)
  const double e = std::sqrt(1 - 0.25);
  EXPECT_NEAR(total_weight(make_spheroid(1.0, 2.0)->surface_nodes(40)),
              2 * pi * (1 + 2 / e * std::asin(e)), 1e-10);
  for (const auto& n : make_spheroid(1.0, 2.0)->surface_nodes(5).normal)
    EXPECT_NEAR(n.norm(), 1.0, 1e-14);
  EXPECT_THROW((void)make_cylinder(1.0, 1.0)->volume_nodes(3), InvalidArgument);
}

TEST(MeshBody, TriangulatedSphereMatchesAnalyticSphere) {
  NANODECOH_SKIP_UNDER_SANITIZERS(
      "the Release suite runs this 1280-triangle cross-check (10 minutes here); a mesh body is "
      "integrated under ASan by LocalizationCli.CoverageFileAndMeshUnit");
  const double a = 75e-9;
  const std::string dir = nanodecoh::testing::make_temp_dir("mesh_sphere");
  const TriangleMesh ico = make_icosphere(a, 3);  // 1280 triangles, facets ~ 0.1 rad wide
  write_obj(dir + "/sphere.obj", ico);
  write_binary_stl(dir + "/sphere.stl", ico);
  const auto from_obj = make_mesh_body(read_mesh(dir + "/sphere.obj"));
  const auto from_stl = make_mesh_body(read_mesh(dir + "/sphere.stl"));
  EXPECT_NEAR(from_obj->surface_area(), 4 * constants::pi * a * a,
              1e-2 * 4 * constants::pi * a * a);
  EXPECT_NEAR(total_weight(from_obj->volume_nodes(2)), 4 * constants::pi * a * a * a / 3,
              1.5e-2 * a * a * a * 4.19);

  const LocalizationRate sphere(water_model(make_sphere(a)));
  const LocalizationRate obj(water_model(from_obj)), stl(water_model(from_stl));
  const Eigen::Matrix3d r = rotation_about({0, 0, 1}, 2e-4), id = Eigen::Matrix3d::Identity();
  const Eigen::Vector3d dx(1e-11, 0, 0);
  RateOptions o;
  o.tolerance = 1e-6;
  const auto f_sphere = sphere.evaluate(r, id, dx, o).value;
  RateOptions coarse;
  coarse.fixed_level = 0;  // three nodes per facet are plenty: the facets are 8 nm wide
  const auto f_obj = obj.evaluate(r, id, dx, coarse).value;
  const auto f_stl = stl.evaluate(r, id, dx, coarse).value;
  // facet normals deviate by up to ~0.06 rad from the sphere's: F agrees to ~1e-2 relative
  EXPECT_NEAR(std::abs(f_obj - f_sphere), 0.0, 1e-2 * std::abs(f_sphere));
  EXPECT_NEAR(std::abs(f_stl - f_obj), 0.0, 1e-5 * std::abs(f_obj));  // float coordinates in STL
  const auto d_mesh = obj.diffusive_limit(2).diffusion;
  const auto d_sphere = sphere.diffusive_limit(16).diffusion;
  EXPECT_NEAR((d_mesh - d_sphere).cwiseAbs().maxCoeff() / d_sphere.cwiseAbs().maxCoeff(), 0.0,
              2e-2);
}

TEST(MeshValidation, RejectsOpenInconsistentDegenerateAndMalformed) {
  const TriangleMesh good = make_icosphere(1.0, 1);
  EXPECT_NO_THROW((void)make_mesh_body(good));
  TriangleMesh open = good;
  open.triangles.pop_back();
  EXPECT_THROW((void)make_mesh_body(open), InvalidArgument);
  TriangleMesh flipped = good;
  std::swap(flipped.triangles[3][1], flipped.triangles[3][2]);
  EXPECT_THROW((void)make_mesh_body(flipped), InvalidArgument);
  TriangleMesh degenerate = good;
  degenerate.vertices.push_back(degenerate.vertices[0]);
  degenerate.triangles.push_back({0, 1, static_cast<int>(degenerate.vertices.size()) - 1});
  degenerate.triangles.push_back({1, 0, static_cast<int>(degenerate.vertices.size()) - 1});
  EXPECT_THROW((void)make_mesh_body(degenerate), InvalidArgument);
  TriangleMesh inward = good;  // all normals inwards: flipped, not rejected
  for (auto& t : inward.triangles) std::swap(t[1], t[2]);
  EXPECT_NO_THROW((void)make_mesh_body(inward));

  const std::string dir = nanodecoh::testing::make_temp_dir("mesh_bad");
  std::ofstream(dir + "/bad.obj") << "v 0 0 0\nv 1 0 0\nf 1 2 7\n";
  EXPECT_THROW((void)read_mesh(dir + "/bad.obj"), IoError);
  std::ofstream(dir + "/short.stl") << "not an stl";
  EXPECT_THROW((void)read_mesh(dir + "/short.stl"), IoError);
  EXPECT_THROW((void)read_mesh(dir + "/missing.obj"), IoError);
}

TEST(SpectrumTable, CsvReadAndRejected) {
  const std::string dir = nanodecoh::testing::make_temp_dir("spectrum_csv");
  std::ofstream(dir + "/ok.csv") << "energy_J,weight\n4e-21,1\n# comment\n8e-21, 3\n";
  const Spectrum s = Spectrum::from_csv(dir + "/ok.csv");
  ASSERT_EQ(s.energies.size(), 2u);
  EXPECT_DOUBLE_EQ(s.weights[1], 3.0);
  std::ofstream(dir + "/bad.csv") << "4e-21,1\n8e-21\n";
  EXPECT_THROW((void)Spectrum::from_csv(dir + "/bad.csv"), IoError);
  // a monoenergetic table equals the mono spectrum
  EmissionModel m = water_model(make_sphere(50e-9));
  m.spectrum = s;
  m.spectrum.weights = {1.0, 0.0};
  const LocalizationRate table(m);
  m.spectrum = Spectrum::mono(4e-21);
  const LocalizationRate mono(m);
  const Eigen::Matrix3d id = Eigen::Matrix3d::Identity();
  EXPECT_NEAR(std::abs(table.evaluate(id, id, {1e-11, 0, 0}).value -
                       mono.evaluate(id, id, {1e-11, 0, 0}).value),
              0.0, 1e-12);
}

TEST(Coverage, UniformTableEqualsTheUniformSphere) {
  // a constant tabulated coverage must reproduce the uniform sphere; the coverage switches the
  // engine to the general quadrature, the uniform sphere uses the sphere fast path
  EmissionModel uniform = water_model(make_sphere(75e-9));
  EmissionModel tabulated = uniform;
  tabulated.coverage = polar_coverage({0.0, 1.0, constants::pi}, {2.0, 2.0, 2.0});
  const Eigen::Matrix3d r = rotation_about({0.3, 0, 1}, 3e-4), id = Eigen::Matrix3d::Identity();
  const Eigen::Vector3d dx(1e-11, 0, 1e-11);
  RateOptions o;
  o.tolerance = 1e-9;
  const auto a = LocalizationRate(uniform).evaluate(r, id, dx, o).value;
  const auto b = LocalizationRate(tabulated).evaluate(r, id, dx, o).value;
  EXPECT_NEAR(std::abs(a - b), 0.0, 3e-9);
}

TEST(Coverage, ForceFollowsTheCoverage) {
  // coverage 1 + cos(theta): a Lambertian element emits on average (2/3) n_s, and
  // <cos theta> over the coverage is (2/3)/2 = 1/3, so F0 = -Gamma <p> (2/9) e_z
  std::vector<double> angles, weights;
  for (int i = 0; i <= 360; ++i) {
    angles.push_back(constants::pi * i / 360.0);
    weights.push_back(1.0 + std::cos(angles.back()));
  }
  EmissionModel m = water_model(make_sphere(75e-9));
  m.coverage = polar_coverage(angles, weights);
  const LocalizationRate engine(m);
  const auto f0 = engine.diffusive_limit(32).force_torque;
  const double expected = -engine.mean_momentum() * m.rate * 2.0 / 9.0;
  EXPECT_NEAR(f0[2], expected, 1e-4 * std::abs(expected));
  EXPECT_NEAR(f0[0], 0.0, 1e-10 * std::abs(expected));
  EXPECT_NEAR(f0[1], 0.0, 1e-10 * std::abs(expected));
  EXPECT_NEAR(f0.tail<3>().norm(), 0.0, 1e-12 * std::abs(expected) * 75e-9);  // radial emission
}

TEST(Coverage, RejectsBadTables) {
  EXPECT_THROW(polar_coverage({0.0}, {1.0}), InvalidArgument);
  EXPECT_THROW(polar_coverage({0.0, 0.0}, {1.0, 1.0}), InvalidArgument);
  EXPECT_THROW(polar_coverage({0.0, 4.0}, {1.0, 1.0}), InvalidArgument);
  EXPECT_THROW(polar_coverage({0.0, 1.0}, {1.0, -1.0}), InvalidArgument);
  EXPECT_THROW(polar_coverage({0.0, 1.0}, {0.0, 0.0}), InvalidArgument);
  EXPECT_THROW(polar_coverage_from_csv("/nonexistent/coverage.csv"), IoError);
}
