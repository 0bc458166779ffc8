// Mass properties of homogeneous bodies (localization/body.hpp): the exact polyhedral
// integrals of mesh_mass_properties() and the closed forms of the analytic bodies.
// Oracles, all written here: a box's V = abc and I_xx = V (b^2 + c^2)/12; a corner
// tetrahedron's V = abc/6, int x^2 dV = V a^2/10 and int x y dV = V ab/20 (slices of area
// bc (1 - x/a)^2 / 2, Beta integrals); an icosphere's moment converging to 2/5 M a^2 of the
// ball as O(h^2) (inscribed facets of width h miss a shell of depth ~ h^2/a); the
// parallel-axis theorem for a translated mesh; I -> Q I Q^T (trace invariant) under a rotation.
#include <gtest/gtest.h>

#include <Eigen/Geometry>
#include <cmath>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/localization/body.hpp"

namespace nanodecoh::localization {
namespace {

using constants::pi;

/// The box [0, a] x [0, b] x [0, c] (make_box: 12 triangles, outward by the right-hand rule).
TriangleMesh box(double a, double b, double c) {
  return make_box(a, b, c);
}

/// The corner tetrahedron (0, a e_x, b e_y, c e_z).
TriangleMesh corner_tetrahedron(double a, double b, double c) {
  TriangleMesh m;
  m.vertices = {{0, 0, 0}, {a, 0, 0}, {0, b, 0}, {0, 0, c}};
  m.triangles = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};
  return m;
}

/// Relative tolerance of the polyhedral sums: a few dozen products of three coordinates, each
/// rounded at 1.1e-16, give ~1e-15 of the largest term (for the translated mesh the largest
/// terms are the moments about the far origin, V |d|^2, which the tolerances below scale
/// with); 1e-14 is 10x that.
constexpr double kRounding = 1e-14;

void expect_matrix_near(const Eigen::Matrix3d& a, const Eigen::Matrix3d& b, double tol) {
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(a(i, j), b(i, j), tol) << "(" << i << ", " << j << ")";
}

TEST(MassProperties, BoxInClosedForm) {
  const double a = 1.0, b = 2.0, c = 3.0, v = a * b * c;
  const MassProperties m = mesh_mass_properties(box(a, b, c), "mesh");
  EXPECT_NEAR(m.volume, v, kRounding * v);
  EXPECT_NEAR((m.centroid - Eigen::Vector3d(a / 2, b / 2, c / 2)).norm(), 0.0, kRounding * c);
  const Eigen::Matrix3d expected =
      Eigen::Vector3d(v * (b * b + c * c) / 12, v * (a * a + c * c) / 12, v * (a * a + b * b) / 12)
          .asDiagonal();
  expect_matrix_near(m.inertia, expected, kRounding * v * c * c);
}

TEST(MassProperties, CornerTetrahedronInClosedForm) {
  const double a = 1.0, b = 2.0, c = 3.0, v = a * b * c / 6.0;
  const MassProperties m = mesh_mass_properties(corner_tetrahedron(a, b, c), "mesh");
  EXPECT_NEAR(m.volume, v, kRounding * v);
  const Eigen::Vector3d centroid(a / 4, b / 4, c / 4);
  EXPECT_NEAR((m.centroid - centroid).norm(), 0.0, kRounding * c);
  // second moments about the origin: int x_i^2 = V L_i^2/10, int x_i x_j = V L_i L_j/20
  const Eigen::Vector3d l(a, b, c);
  Eigen::Matrix3d second;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) second(i, j) = v * l[i] * l[j] / (i == j ? 10.0 : 20.0);
  const Eigen::Matrix3d about_origin = second.trace() * Eigen::Matrix3d::Identity() - second;
  expect_matrix_near(m.inertia_origin, about_origin, kRounding * v * c * c);
  const Eigen::Matrix3d centred = second - v * centroid * centroid.transpose();
  expect_matrix_near(m.inertia, centred.trace() * Eigen::Matrix3d::Identity() - centred,
                     kRounding * v * c * c);
}

TEST(MassProperties, IcosphereConvergesToTheBallAtSecondOrder) {
  // Inscribed facets of width h ~ 2^-s miss a shell of depth ~ h^2/(8a): the error of
  // I_zz against the ball's 2/5 M a^2 = 8 pi/15 a^5 falls by 4 per subdivision.
  const double a = 1.0, ball = 8.0 * pi / 15.0;
  double previous = 0.0;
  for (int s = 1; s <= 5; ++s) {
    const MassProperties m = mesh_mass_properties(make_icosphere(a, s), "mesh");
    const double error = std::abs(m.inertia(2, 2) - ball);
    // the icosphere's own moment of inertia about any axis through the centre: isotropic to
    // the same order (icosahedral symmetry makes the second-moment tensor exactly isotropic)
    EXPECT_NEAR(m.inertia(0, 0), m.inertia(2, 2), kRounding * ball);
    if (s >= 3) {
      const double ratio = previous / error;
      // asymptotic ratio 4; at s = 3..5 the next-order term h^4 changes it by < 5 %
      EXPECT_GT(ratio, 3.8) << "subdivisions " << s;
      EXPECT_LT(ratio, 4.2) << "subdivisions " << s;
    }
    previous = error;
  }
  EXPECT_LT(previous / ball, 2e-3);
}

TEST(MassProperties, TranslatedMeshObeysTheParallelAxisTheorem) {
  TriangleMesh m = corner_tetrahedron(1.0, 2.0, 3.0);
  const MassProperties at_home = mesh_mass_properties(m, "mesh");
  const Eigen::Vector3d d(5.0, -7.0, 11.0);
  for (auto& v : m.vertices) v += d;
  const MassProperties moved = mesh_mass_properties(m, "mesh");
  const double scale = moved.volume * d.squaredNorm();
  EXPECT_NEAR((moved.centroid - at_home.centroid - d).norm(), 0.0, kRounding * d.norm());
  // about the centroid nothing changes; about the origin I_c + V (|c|^2 1 - c c^T)
  expect_matrix_near(moved.inertia, at_home.inertia, kRounding * scale);
  const Eigen::Vector3d c = moved.centroid;
  expect_matrix_near(moved.inertia_origin,
                     moved.inertia + moved.volume * (c.squaredNorm() * Eigen::Matrix3d::Identity() -
                                                     c * c.transpose()),
                     kRounding * scale);
}

TEST(MassProperties, RotatedMeshRotatesTheTensorAndKeepsItsTrace) {
  TriangleMesh m = box(1.0, 2.0, 3.0);
  const MassProperties before = mesh_mass_properties(m, "mesh");
  const Eigen::Matrix3d q =
      Eigen::AngleAxisd(0.7, Eigen::Vector3d(1.0, -2.0, 0.5).normalized()).toRotationMatrix();
  for (auto& v : m.vertices) v = q * v;
  const MassProperties after = mesh_mass_properties(m, "mesh");
  const double scale = before.inertia.trace();
  EXPECT_NEAR(after.inertia.trace(), before.inertia.trace(), kRounding * scale);
  expect_matrix_near(after.inertia, q * before.inertia * q.transpose(), kRounding * scale);
  EXPECT_NEAR(after.volume, before.volume, kRounding * before.volume);
}

TEST(MassProperties, InsideOutMeshIsRefusedNamingTheParameter) {
  TriangleMesh m = box(1.0, 1.0, 1.0);
  for (auto& t : m.triangles) std::swap(t[1], t[2]);
  try {
    (void)mesh_mass_properties(m, "particle.body.mesh");
    FAIL() << "no throw";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "particle.body.mesh");
    EXPECT_NE(e.allowed().find("inside out"), std::string::npos) << e.what();
  }
}

TEST(MassProperties, AnalyticBodiesInClosedForm) {
  // A Janus sphere is a homogeneous sphere: its cap only says where it emits.
  const double a = 2.0, v = 4.0 / 3.0 * pi * a * a * a;
  for (const auto& body : {make_sphere(a), make_janus_sphere(a, 1.0)}) {
    const MassProperties m = body->mass_properties();
    EXPECT_NEAR(m.volume, v, kRounding * v);
    expect_matrix_near(m.inertia, 0.4 * v * a * a * Eigen::Matrix3d::Identity(),
                       kRounding * v * a * a);
  }
  // A cylinder (r, L) against its mesh-free closed form, and the icosphere-free check of the
  // spheroid: a = c is the sphere.
  const MassProperties cyl = make_cylinder(1.0, 4.0)->mass_properties();
  const double vc = pi * 4.0;
  EXPECT_NEAR(cyl.inertia(2, 2), vc / 2.0, kRounding * vc);
  EXPECT_NEAR(cyl.inertia(0, 0), vc * (3.0 + 16.0) / 12.0, kRounding * vc);
  const MassProperties round = make_spheroid(a, a)->mass_properties();
  expect_matrix_near(round.inertia, 0.4 * v * a * a * Eigen::Matrix3d::Identity(),
                     kRounding * v * a * a);
}

}  // namespace
}  // namespace nanodecoh::localization
