// Emitting bodies of the localization-rate engine and their quadrature nodes
// (desorption eqs. 2, 47: the surface integral int_dV d2s and the volume
// integral int_V d3s). Every body is given in its body frame with the centre
// of mass at the origin; surface nodes carry the position s, the outward
// normal n_s and the area weight, at a requested resolution, so that sums over
// nodes converge to the integrals as the resolution grows.
#pragma once

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nanodecoh::localization {

/// Quadrature nodes on a surface or in a volume (struct of arrays). For
/// surface nodes `weight` is the area element (m^2) and `normal` the outward
/// unit normal; for volume nodes `weight` is the volume element (m^3) and
/// `normal` is zero.
struct QuadratureNodes {
  std::vector<Eigen::Vector3d> position;  ///< s, body frame (m)
  std::vector<Eigen::Vector3d> normal;    ///< n_s, body frame
  std::vector<double> weight;             ///< area (m^2) or volume (m^3)
  std::size_t size() const noexcept { return weight.size(); }
};

/// Which symmetry the engine may use (docs/physics.md property 4).
enum class BodySymmetry {
  none,          ///< no reduction
  full_rotation  ///< a sphere with uniform emission: F depends only on R R'^T
};

/// Mass properties of a homogeneous body per unit density (multiply by rho, kg/m^3).
struct MassProperties {
  double volume = 0.0;                                       ///< V, m^3
  Eigen::Vector3d centroid = Eigen::Vector3d::Zero();        ///< volume centroid, m
  Eigen::Matrix3d inertia = Eigen::Matrix3d::Zero();         ///< about the centroid, m^5
  Eigen::Matrix3d inertia_origin = Eigen::Matrix3d::Zero();  ///< about the frame's origin, m^5
};

/// A rigid emitting body. Only the emitting part of the surface is returned
/// by surface_nodes() (e.g. the cap of a Janus sphere).
class Body {
 public:
  virtual ~Body() = default;
  /// Human-readable kind ("sphere", "janus", ...).
  virtual std::string kind() const = 0;
  /// Surface nodes of the emitting surface at resolution `n` >= 1 (roughly n
  /// nodes per polar direction; the node count grows like n^2).
  virtual QuadratureNodes surface_nodes(int n) const = 0;
  /// Volume nodes at resolution `n`. Throws InvalidArgument for bodies without
  /// a volume model (only sphere and mesh provide one).
  virtual QuadratureNodes volume_nodes(int n) const;
  /// Area of the emitting surface (m^2).
  virtual double emitting_area() const = 0;
  /// Total surface area (m^2).
  virtual double surface_area() const = 0;
  /// Largest distance of a surface point from the centre of mass (m).
  virtual double bounding_radius() const = 0;
  /// Symmetry of the body together with a uniformly emitting surface.
  virtual BodySymmetry symmetry() const { return BodySymmetry::none; }
  /// Number of triangles of a mesh body (0 for the analytic bodies); sets the size
  /// of its node sets, 3 n^2 nodes per triangle at surface resolution n (memory estimate).
  virtual std::size_t triangle_count() const { return 0; }
  /// Volume and inertia tensor per unit density of the homogeneous body in its body frame
  /// (centroid at the origin): closed forms for the analytic bodies (a Janus sphere is a
  /// homogeneous sphere; its cap only selects where it emits), the exact polyhedral
  /// integrals of mesh_mass_properties() for a mesh.
  virtual MassProperties mass_properties() const = 0;
};

/// Sphere of radius `radius` (m). Provides volume nodes.
std::shared_ptr<const Body> make_sphere(double radius);
/// Janus sphere: only the cap within `cap_angle` (rad, in (0, pi]) of the body z axis emits.
std::shared_ptr<const Body> make_janus_sphere(double radius, double cap_angle);
/// Spheroid with equatorial semi-axis `a` (x, y) and polar semi-axis `c` (z), in m.
std::shared_ptr<const Body> make_spheroid(double a, double c);
/// Finite cylinder of radius `radius` and length `length` along z, with end caps (m).
std::shared_ptr<const Body> make_cylinder(double radius, double length);

/// A closed triangle mesh: vertices (m) and triangles (vertex indices,
/// counter-clockwise seen from outside).
struct TriangleMesh {
  std::vector<Eigen::Vector3d> vertices;
  std::vector<std::array<int, 3>> triangles;
};

/// Reads a mesh from an OBJ or STL (ASCII or binary) file; `scale` multiplies
/// the coordinates (e.g. 1e-9 for a file in nm). Throws IoError when the file
/// cannot be read or parsed.
TriangleMesh read_mesh(const std::filesystem::path& path, double scale = 1.0);
/// Writes a mesh as Wavefront OBJ (for tests and examples).
void write_obj(const std::filesystem::path& path, const TriangleMesh& mesh);
/// Writes a mesh as binary STL (for tests and examples).
void write_binary_stl(const std::filesystem::path& path, const TriangleMesh& mesh);

/// A triangulated body. Validates that the mesh is closed (every edge shared
/// by exactly two triangles), consistently oriented and free of degenerate
/// triangles, and that its normals point outwards (triangles counter-clockwise seen from
/// outside, positive enclosed volume); throws InvalidArgument naming `parameter` otherwise
/// (an inside-out mesh is refused, not flipped). The body is translated so that its
/// volume centroid (uniform density) is the origin. Provides volume nodes
/// (signed tetrahedra from the centroid).
std::shared_ptr<const Body> make_mesh_body(const TriangleMesh& mesh,
                                           const std::string& parameter = "mesh");

/// Exact mass properties per unit density of the polyhedron bounded by a closed mesh whose
/// triangles wind counter-clockwise seen from outside: by the divergence theorem, sums over
/// the signed tetrahedra (0, a, b, c) of every triangle, V = sum a.(b x c)/6 and second
/// moments int x x^T dV = sum a.(b x c)/120 (a a^T + b b^T + c c^T + (a+b+c)(a+b+c)^T);
/// the inertia is tr(C) 1 - C. Throws InvalidArgument naming `parameter` for a volume
/// <= 0 (an inside-out mesh). The mesh must be closed (make_mesh_body() checks that).
MassProperties mesh_mass_properties(const TriangleMesh& mesh, const std::string& parameter);

/// A triangulated unit-free icosphere of `subdivisions` levels scaled to `radius`
/// (vertices on the sphere); used by tests and examples.
TriangleMesh make_icosphere(double radius, int subdivisions);
/// The box [0, a] x [0, b] x [0, c] (m): 12 triangles, counter-clockwise seen from outside.
TriangleMesh make_box(double a, double b, double c);

}  // namespace nanodecoh::localization
