// Bodies and their quadrature nodes (desorption eqs. 2 and 47: the surface
// integral int d2s and the volume integral int d3s). Smooth patches use
// Gauss-Legendre in the polar coordinate and the periodic trapezoid rule in
// azimuth, both exponentially convergent for smooth integrands; meshes use a
// degree-2 triangle rule on n^2 sub-triangles of each facet.
#include "nanodecoh/localization/body.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <utility>

#include "nanodecoh/error.hpp"
#include "nanodecoh/quadrature.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::localization {

namespace {

constexpr double pi = std::numbers::pi;

/// Volume nodes from surface nodes of a star-shaped (about the origin) or closed
/// body: p = r q, dV = r^2 dr (q . n_q) dA_q, Gauss-Legendre in r on [0, 1].
/// For a closed surface the signed cone decomposition is exact even when the
/// body is not star-shaped (weights may then be negative).
QuadratureNodes cone_volume_nodes(const QuadratureNodes& surface, int n) {
  const GaussLegendreRule rule = gauss_legendre(n);
  QuadratureNodes out;
  for (std::size_t i = 0; i < surface.size(); ++i) {
    const double cone = surface.position[i].dot(surface.normal[i]) * surface.weight[i];
    for (int k = 0; k < n; ++k) {
      const double r = 0.5 * (rule.nodes[k] + 1.0);
      out.position.push_back(r * surface.position[i]);
      out.normal.push_back(Eigen::Vector3d::Zero());
      out.weight.push_back(cone * r * r * 0.5 * rule.weights[k]);
    }
  }
  return out;
}

/// Nodes on the sphere cap theta in [0, theta_max]: Gauss-Legendre in the polar
/// angle theta itself (weight sin(theta)), not in cos(theta), so integrands with
/// a cone point at the poles (|sin(theta)|, e.g. the lune width for a rotation
/// about z) stay smooth in the quadrature variable.
QuadratureNodes sphere_cap_nodes(double radius, double theta_max, int n) {
  const GaussLegendreRule rule = gauss_legendre(n);
  const int m = 2 * n;
  QuadratureNodes out;
  const double half = 0.5 * theta_max;
  for (int i = 0; i < n; ++i) {
    const double theta = half * (rule.nodes[i] + 1.0);
    const double st = std::sin(theta), mu = std::cos(theta);
    for (int j = 0; j < m; ++j) {
      const double phi = 2.0 * pi * (j + 0.5) / m;
      const Eigen::Vector3d normal(st * std::cos(phi), st * std::sin(phi), mu);
      out.position.push_back(radius * normal);
      out.normal.push_back(normal);
      out.weight.push_back(radius * radius * half * rule.weights[i] * st * 2.0 * pi / m);
    }
  }
  return out;
}

/// Mass properties per unit density of a homogeneous body with the given volume and
/// principal moments (m^5) about its body axes x, y, z (centroid at the origin).
MassProperties principal_mass_properties(double volume, double ixx, double iyy, double izz) {
  MassProperties m;
  m.volume = volume;
  m.inertia = Eigen::Vector3d(ixx, iyy, izz).asDiagonal();
  m.inertia_origin = m.inertia;
  return m;
}

/// A homogeneous sphere of radius a: V = 4/3 pi a^3, I = 2/5 V a^2 about every axis.
MassProperties sphere_mass_properties(double a) {
  const double v = 4.0 / 3.0 * pi * a * a * a;
  return principal_mass_properties(v, 0.4 * v * a * a, 0.4 * v * a * a, 0.4 * v * a * a);
}

class Sphere final : public Body {
 public:
  explicit Sphere(double radius) : radius_(radius) {}
  std::string kind() const override { return "sphere"; }
  QuadratureNodes surface_nodes(int n) const override { return sphere_cap_nodes(radius_, pi, n); }
  QuadratureNodes volume_nodes(int n) const override {
    return cone_volume_nodes(surface_nodes(n), n);
  }
  double emitting_area() const override { return 4.0 * pi * radius_ * radius_; }
  double surface_area() const override { return emitting_area(); }
  double bounding_radius() const override { return radius_; }
  BodySymmetry symmetry() const override { return BodySymmetry::full_rotation; }
  MassProperties mass_properties() const override { return sphere_mass_properties(radius_); }

 private:
  double radius_;
};

class JanusSphere final : public Body {
 public:
  JanusSphere(double radius, double cap_angle) : radius_(radius), cap_angle_(cap_angle) {}
  std::string kind() const override { return "janus"; }
  QuadratureNodes surface_nodes(int n) const override {
    return sphere_cap_nodes(radius_, cap_angle_, n);
  }
  double emitting_area() const override {
    return 2.0 * pi * radius_ * radius_ * (1.0 - std::cos(cap_angle_));
  }
  double surface_area() const override { return 4.0 * pi * radius_ * radius_; }
  double bounding_radius() const override { return radius_; }
  MassProperties mass_properties() const override { return sphere_mass_properties(radius_); }

 private:
  double radius_, cap_angle_;
};

class Spheroid final : public Body {
 public:
  Spheroid(double a, double c) : a_(a), c_(c) {}
  std::string kind() const override { return "spheroid"; }
  QuadratureNodes surface_nodes(int n) const override {
    const GaussLegendreRule rule = gauss_legendre(n);
    const int m = 2 * n;
    QuadratureNodes out;
    for (int i = 0; i < n; ++i) {
      const double mu = rule.nodes[i];
      const double st = std::sqrt(std::max(0.0, 1.0 - mu * mu));
      // |d s/d mu x d s/d phi| = a sqrt(a^2 mu^2 + c^2 (1 - mu^2))
      const double jac = a_ * std::sqrt(a_ * a_ * mu * mu + c_ * c_ * st * st);
      for (int j = 0; j < m; ++j) {
        const double phi = 2.0 * pi * (j + 0.5) / m;
        const double cp = std::cos(phi), sp = std::sin(phi);
        out.position.emplace_back(a_ * st * cp, a_ * st * sp, c_ * mu);
        out.normal.push_back(Eigen::Vector3d(c_ * st * cp, c_ * st * sp, a_ * mu).normalized());
        out.weight.push_back(jac * rule.weights[i] * 2.0 * pi / m);
      }
    }
    return out;
  }
  double emitting_area() const override { return surface_area(); }
  double surface_area() const override {
    const QuadratureNodes nodes = surface_nodes(64);
    double area = 0;
    for (double w : nodes.weight) area += w;
    return area;
  }
  double bounding_radius() const override { return std::max(a_, c_); }
  /// V = 4/3 pi a^2 c; I_xx = I_yy = V (a^2 + c^2)/5, I_zz = 2/5 V a^2.
  MassProperties mass_properties() const override {
    const double v = 4.0 / 3.0 * pi * a_ * a_ * c_;
    const double ixx = v * (a_ * a_ + c_ * c_) / 5.0;
    return principal_mass_properties(v, ixx, ixx, 0.4 * v * a_ * a_);
  }

 private:
  double a_, c_;
};

class Cylinder final : public Body {
 public:
  Cylinder(double radius, double length) : radius_(radius), length_(length) {}
  std::string kind() const override { return "cylinder"; }
  QuadratureNodes surface_nodes(int n) const override {
    const GaussLegendreRule rule = gauss_legendre(n);
    const int m = std::max(2 * n, 8);
    QuadratureNodes out;
    const double h = 0.5 * length_;
    for (int j = 0; j < m; ++j) {
      const double phi = 2.0 * pi * (j + 0.5) / m;
      const double cp = std::cos(phi), sp = std::sin(phi);
      for (int i = 0; i < n; ++i) {
        // side wall
        const double z = h * rule.nodes[i];
        out.position.emplace_back(radius_ * cp, radius_ * sp, z);
        out.normal.emplace_back(cp, sp, 0.0);
        out.weight.push_back(radius_ * h * rule.weights[i] * 2.0 * pi / m);
        // end caps, rho in [0, radius] with the area element rho drho dphi
        const double rho = 0.5 * radius_ * (rule.nodes[i] + 1.0);
        const double w = rho * 0.5 * radius_ * rule.weights[i] * 2.0 * pi / m;
        for (double side : {1.0, -1.0}) {
          out.position.emplace_back(rho * cp, rho * sp, side * h);
          out.normal.emplace_back(0.0, 0.0, side);
          out.weight.push_back(w);
        }
      }
    }
    return out;
  }
  double emitting_area() const override { return surface_area(); }
  double surface_area() const override { return 2.0 * pi * radius_ * (length_ + radius_); }
  double bounding_radius() const override { return std::hypot(radius_, 0.5 * length_); }
  /// V = pi r^2 L; I_xx = I_yy = V (3 r^2 + L^2)/12, I_zz = V r^2/2.
  MassProperties mass_properties() const override {
    const double v = pi * radius_ * radius_ * length_;
    const double ixx = v * (3.0 * radius_ * radius_ + length_ * length_) / 12.0;
    return principal_mass_properties(v, ixx, ixx, 0.5 * v * radius_ * radius_);
  }

 private:
  double radius_, length_;
};

class MeshBody final : public Body {
 public:
  explicit MeshBody(TriangleMesh mesh) : mesh_(std::move(mesh)) {
    area_ = 0;
    radius_ = 0;
    for (const auto& t : mesh_.triangles) area_ += triangle_normal(t).norm() * 0.5;
    for (const auto& v : mesh_.vertices) radius_ = std::max(radius_, v.norm());
  }
  std::string kind() const override { return "mesh"; }
  QuadratureNodes surface_nodes(int n) const override {
    // degree-2 rule with barycentric points (2/3, 1/6, 1/6) and permutations
    static constexpr double bary[3][3] = {
        {2.0 / 3, 1.0 / 6, 1.0 / 6}, {1.0 / 6, 2.0 / 3, 1.0 / 6}, {1.0 / 6, 1.0 / 6, 2.0 / 3}};
    QuadratureNodes out;
    for (const auto& t : mesh_.triangles) {
      const Eigen::Vector3d& p0 = mesh_.vertices[t[0]];
      const Eigen::Vector3d e1 = (mesh_.vertices[t[1]] - p0) / n;
      const Eigen::Vector3d e2 = (mesh_.vertices[t[2]] - p0) / n;
      const Eigen::Vector3d cr = triangle_normal(t);
      const Eigen::Vector3d normal = cr.normalized();
      const double sub_area = 0.5 * cr.norm() / (n * n);
      // sub-triangles of the n x n barycentric grid: "up" (i,j),(i+1,j),(i,j+1) and "down"
      for (int i = 0; i < n; ++i)
        for (int j = 0; i + j < n; ++j)
          for (int up = 0; up < 2; ++up) {
            if (up == 1 && i + j + 2 > n) continue;
            Eigen::Vector3d c[3];
            if (up == 0) {
              c[0] = p0 + i * e1 + j * e2;
              c[1] = c[0] + e1;
              c[2] = c[0] + e2;
            } else {
              c[0] = p0 + (i + 1) * e1 + (j + 1) * e2;
              c[1] = c[0] - e1;
              c[2] = c[0] - e2;
            }
            for (const auto& b : bary) {
              out.position.push_back(b[0] * c[0] + b[1] * c[1] + b[2] * c[2]);
              out.normal.push_back(normal);
              out.weight.push_back(sub_area / 3.0);
            }
          }
    }
    return out;
  }
  QuadratureNodes volume_nodes(int n) const override {
    return cone_volume_nodes(surface_nodes(n), n);
  }
  double emitting_area() const override { return area_; }
  double surface_area() const override { return area_; }
  double bounding_radius() const override { return radius_; }
  std::size_t triangle_count() const override { return mesh_.triangles.size(); }
  MassProperties mass_properties() const override { return mesh_mass_properties(mesh_, "mesh"); }

 private:
  Eigen::Vector3d triangle_normal(const std::array<int, 3>& t) const {
    return (mesh_.vertices[t[1]] - mesh_.vertices[t[0]])
        .cross(mesh_.vertices[t[2]] - mesh_.vertices[t[0]]);
  }
  TriangleMesh mesh_;
  double area_, radius_;
};

}  // namespace

QuadratureNodes Body::volume_nodes(int) const {
  throw InvalidArgument("emission", "volume",
                        "surface for a " + kind() + " body (volume emission: sphere or mesh)");
}

std::shared_ptr<const Body> make_sphere(double radius) {
  require_positive("radius", radius);
  return std::make_shared<Sphere>(radius);
}

std::shared_ptr<const Body> make_janus_sphere(double radius, double cap_angle) {
  require_positive("radius", radius);
  if (!(cap_angle > 0.0 && cap_angle <= pi))
    throw InvalidArgument("cap_angle", format_number(cap_angle), "a half-angle in (0, pi] rad");
  return std::make_shared<JanusSphere>(radius, cap_angle);
}

std::shared_ptr<const Body> make_spheroid(double a, double c) {
  require_positive("semi_axis_a", a);
  require_positive("semi_axis_c", c);
  return std::make_shared<Spheroid>(a, c);
}

std::shared_ptr<const Body> make_cylinder(double radius, double length) {
  require_positive("radius", radius);
  require_positive("length", length);
  return std::make_shared<Cylinder>(radius, length);
}

std::shared_ptr<const Body> make_mesh_body(const TriangleMesh& input,
                                           const std::string& parameter) {
  TriangleMesh mesh = input;
  if (mesh.triangles.size() < 4)
    throw InvalidArgument(parameter, std::to_string(mesh.triangles.size()) + " triangles",
                          "a closed triangle mesh (at least 4 triangles)");
  const int nv = static_cast<int>(mesh.vertices.size());
  double extent = 0;
  for (const auto& v : mesh.vertices) {
    if (!v.allFinite())
      throw InvalidArgument(parameter, "a vertex with NaN or inf", "finite coordinates");
    extent = std::max(extent, v.cwiseAbs().maxCoeff());
  }
  std::map<std::pair<int, int>, int> directed;
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t) {
    const auto& tri = mesh.triangles[t];
    for (int k = 0; k < 3; ++k)
      if (tri[k] < 0 || tri[k] >= nv)
        throw InvalidArgument(
            parameter, "triangle " + std::to_string(t) + " vertex index " + std::to_string(tri[k]),
            "indices of existing vertices");
    const double area = 0.5 * (mesh.vertices[tri[1]] - mesh.vertices[tri[0]])
                                  .cross(mesh.vertices[tri[2]] - mesh.vertices[tri[0]])
                                  .norm();
    if (!(area > 1e-14 * extent * extent))
      throw InvalidArgument(
          parameter,
          "degenerate triangle " + std::to_string(t) + " (area " + format_number(area) + ")",
          "triangles of non-zero area");
    for (int k = 0; k < 3; ++k) ++directed[{tri[k], tri[(k + 1) % 3]}];
  }
  for (const auto& [edge, count] : directed) {
    if (count > 1)
      throw InvalidArgument(
          parameter,
          "edge " + std::to_string(edge.first) + "-" + std::to_string(edge.second) +
              " traversed in the same direction by " + std::to_string(count) + " triangles",
          "a consistently oriented mesh (inconsistent normals or non-manifold edge)");
    if (!directed.contains({edge.second, edge.first}))
      throw InvalidArgument(
          parameter, "open edge " + std::to_string(edge.first) + "-" + std::to_string(edge.second),
          "a closed mesh (every edge shared by exactly two triangles)");
  }
  // signed volume and centroid (uniform density) by tetrahedra from the origin
  double volume = 0;
  Eigen::Vector3d moment = Eigen::Vector3d::Zero();
  for (const auto& tri : mesh.triangles) {
    const Eigen::Vector3d& a = mesh.vertices[tri[0]];
    const Eigen::Vector3d& b = mesh.vertices[tri[1]];
    const Eigen::Vector3d& c = mesh.vertices[tri[2]];
    const double v = a.dot(b.cross(c)) / 6.0;
    volume += v;
    moment += v * (a + b + c) / 4.0;
  }
  if (!(std::fabs(volume) > 1e-12 * extent * extent * extent))
    throw InvalidArgument(parameter, "enclosed volume " + format_number(volume),
                          "a mesh enclosing a non-zero volume");
  // Consistently oriented, but every normal inwards: the emission directions (outward
  // normals) would all be reversed. Refused, as the particle block's mass properties refuse
  // it, rather than flipped behind the user's back.
  if (volume < 0)
    throw InvalidArgument(parameter,
                          "inside out (enclosed volume " + format_number(volume) +
                              ": its triangles wind clockwise seen from outside)",
                          "triangles wound counter-clockwise seen from outside (outward "
                          "normals): reverse the vertex order of every triangle");
  const Eigen::Vector3d centroid = moment / volume;
  for (auto& v : mesh.vertices) v -= centroid;
  return std::make_shared<MeshBody>(std::move(mesh));
}

MassProperties mesh_mass_properties(const TriangleMesh& mesh, const std::string& parameter) {
  // Divergence theorem: the polyhedron is the signed sum of the tetrahedra (0, a, b, c) over
  // its triangles. A tetrahedron is the unit simplex under x = A u with A = [a b c], so
  // int x x^T dV = det(A) A (int_simplex u u^T d3u) A^T with int u_i u_j = (1 + delta_ij)/120.
  MassProperties m;
  Eigen::Vector3d moment = Eigen::Vector3d::Zero();
  Eigen::Matrix3d second = Eigen::Matrix3d::Zero();
  for (const auto& tri : mesh.triangles) {
    const Eigen::Vector3d& a = mesh.vertices.at(static_cast<std::size_t>(tri[0]));
    const Eigen::Vector3d& b = mesh.vertices.at(static_cast<std::size_t>(tri[1]));
    const Eigen::Vector3d& c = mesh.vertices.at(static_cast<std::size_t>(tri[2]));
    const double det = a.dot(b.cross(c));
    const Eigen::Vector3d sum = a + b + c;
    m.volume += det / 6.0;
    moment += det / 24.0 * sum;
    second += det / 120.0 *
              (a * a.transpose() + b * b.transpose() + c * c.transpose() + sum * sum.transpose());
  }
  if (!(m.volume > 0.0))
    throw InvalidArgument(parameter, "enclosed volume " + format_number(m.volume) + " m^3",
                          "a closed mesh enclosing a positive volume with its triangles "
                          "counter-clockwise seen from outside (this one is inside out or empty)");
  m.centroid = moment / m.volume;
  const Eigen::Matrix3d centred = second - m.volume * m.centroid * m.centroid.transpose();
  m.inertia_origin = second.trace() * Eigen::Matrix3d::Identity() - second;
  m.inertia = centred.trace() * Eigen::Matrix3d::Identity() - centred;
  return m;
}

TriangleMesh make_box(double a, double b, double c) {
  TriangleMesh m;
  for (int i = 0; i < 8; ++i)
    m.vertices.emplace_back((i & 1) ? a : 0.0, (i & 2) ? b : 0.0, (i & 4) ? c : 0.0);
  // faces as quads (outward normal by the right-hand rule), split into two triangles
  const int quads[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                           {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
  for (const auto& q : quads) {
    m.triangles.push_back({q[0], q[1], q[2]});
    m.triangles.push_back({q[0], q[2], q[3]});
  }
  return m;
}

TriangleMesh make_icosphere(double radius, int subdivisions) {
  require_positive("radius", radius);
  require_at_least("subdivisions", subdivisions, 0);
  const double t = (1.0 + std::sqrt(5.0)) / 2.0;
  TriangleMesh m;
  for (auto [x, y, z] : std::initializer_list<std::array<double, 3>>{{-1, t, 0},
                                                                     {1, t, 0},
                                                                     {-1, -t, 0},
                                                                     {1, -t, 0},
                                                                     {0, -1, t},
                                                                     {0, 1, t},
                                                                     {0, -1, -t},
                                                                     {0, 1, -t},
                                                                     {t, 0, -1},
                                                                     {t, 0, 1},
                                                                     {-t, 0, -1},
                                                                     {-t, 0, 1}})
    m.vertices.push_back(Eigen::Vector3d(x, y, z).normalized());
  m.triangles = {{0, 11, 5}, {0, 5, 1},  {0, 1, 7},   {0, 7, 10}, {0, 10, 11},
                 {1, 5, 9},  {5, 11, 4}, {11, 10, 2}, {10, 7, 6}, {7, 1, 8},
                 {3, 9, 4},  {3, 4, 2},  {3, 2, 6},   {3, 6, 8},  {3, 8, 9},
                 {4, 9, 5},  {2, 4, 11}, {6, 2, 10},  {8, 6, 7},  {9, 8, 1}};
  for (int level = 0; level < subdivisions; ++level) {
    std::map<std::pair<int, int>, int> midpoint;
    auto mid = [&](int a, int b) {
      const auto key = std::minmax(a, b);
      auto it = midpoint.find(key);
      if (it != midpoint.end()) return it->second;
      m.vertices.push_back((m.vertices[a] + m.vertices[b]).normalized());
      const int index = static_cast<int>(m.vertices.size()) - 1;
      midpoint.emplace(key, index);
      return index;
    };
    std::vector<std::array<int, 3>> next;
    for (const auto& tri : m.triangles) {
      const int a = mid(tri[0], tri[1]), b = mid(tri[1], tri[2]), c = mid(tri[2], tri[0]);
      next.push_back({tri[0], a, c});
      next.push_back({tri[1], b, a});
      next.push_back({tri[2], c, b});
      next.push_back({a, b, c});
    }
    m.triangles = std::move(next);
  }
  for (auto& v : m.vertices) v *= radius;
  return m;
}

}  // namespace nanodecoh::localization
