// Reading and writing triangle meshes: Wavefront OBJ (v/f records, polygons
// fanned into triangles) and STL (ASCII or binary; vertices welded by exact
// coordinates so shared edges are recognised). Parse errors throw IoError
// naming the file and the line or record.
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/localization/body.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::localization {

namespace {

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

TriangleMesh parse_obj(const std::string& text, const std::filesystem::path& path, double scale) {
  TriangleMesh mesh;
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  auto fail = [&](const std::string& what) {
    throw IoError("mesh " + path.string() + ": line " + std::to_string(line_number) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++line_number;
    std::istringstream ls(line);
    std::string tag;
    if (!(ls >> tag) || tag[0] == '#') continue;
    if (tag == "v") {
      double x, y, z;
      if (!(ls >> x >> y >> z)) fail("expected 'v x y z'");
      mesh.vertices.emplace_back(scale * x, scale * y, scale * z);
    } else if (tag == "f") {
      std::vector<int> idx;
      std::string item;
      while (ls >> item) {
        // "i", "i/t", "i//n", "i/t/n"; negative indices count from the end
        std::size_t used = 0;
        long v = 0;
        try {
          v = std::stol(item, &used);
        } catch (const std::exception&) {
          fail("bad face index '" + item + "'");
        }
        if (used < item.size() && item[used] != '/') fail("bad face index '" + item + "'");
        const long count = static_cast<long>(mesh.vertices.size());
        const long index = v > 0 ? v - 1 : count + v;
        if (v == 0 || index < 0 || index >= count) fail("face index " + item + " out of range");
        idx.push_back(static_cast<int>(index));
      }
      if (idx.size() < 3) fail("a face needs at least 3 vertices");
      for (std::size_t k = 1; k + 1 < idx.size(); ++k)
        mesh.triangles.push_back({idx[0], idx[k], idx[k + 1]});
    }
    // other records (vn, vt, o, g, s, usemtl, mtllib) do not affect the geometry
  }
  if (mesh.triangles.empty())
    throw IoError("mesh " + path.string() + ": no faces found (expected OBJ 'f' records)");
  return mesh;
}

struct Welder {
  std::map<std::array<double, 3>, int> index;
  TriangleMesh mesh;
  int add(double x, double y, double z) {
    const std::array<double, 3> key{x, y, z};
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    mesh.vertices.emplace_back(x, y, z);
    const int i = static_cast<int>(mesh.vertices.size()) - 1;
    index.emplace(key, i);
    return i;
  }
};

TriangleMesh parse_stl_ascii(const std::string& text, const std::filesystem::path& path,
                             double scale) {
  Welder w;
  std::istringstream in(text);
  std::string token;
  std::vector<int> corners;
  long record = 0;
  while (in >> token) {
    if (token == "vertex") {
      double x, y, z;
      if (!(in >> x >> y >> z))
        throw IoError("mesh " + path.string() + ": facet " + std::to_string(record) +
                      ": expected 'vertex x y z'");
      corners.push_back(w.add(scale * x, scale * y, scale * z));
    } else if (token == "endfacet") {
      if (corners.size() != 3)
        throw IoError("mesh " + path.string() + ": facet " + std::to_string(record) + " has " +
                      std::to_string(corners.size()) + " vertices, expected 3");
      w.mesh.triangles.push_back({corners[0], corners[1], corners[2]});
      corners.clear();
      ++record;
    }
  }
  if (w.mesh.triangles.empty())
    throw IoError("mesh " + path.string() + ": no facets found in ASCII STL");
  return std::move(w.mesh);
}

TriangleMesh parse_stl_binary(const std::string& data, const std::filesystem::path& path,
                              double scale) {
  if (data.size() < 84)
    throw IoError("mesh " + path.string() + ": binary STL shorter than its 84-byte header");
  std::uint32_t count = 0;
  std::memcpy(&count, data.data() + 80, 4);
  if (data.size() < 84 + 50ull * count)
    throw IoError("mesh " + path.string() + ": binary STL declares " + std::to_string(count) +
                  " triangles but has " + std::to_string(data.size()) + " bytes");
  Welder w;
  for (std::uint32_t t = 0; t < count; ++t) {
    const char* rec = data.data() + 84 + 50ull * t;
    int c[3];
    for (int k = 0; k < 3; ++k) {
      float xyz[3];
      std::memcpy(xyz, rec + 12 + 12 * k, 12);
      c[k] = w.add(scale * xyz[0], scale * xyz[1], scale * xyz[2]);
    }
    w.mesh.triangles.push_back({c[0], c[1], c[2]});
  }
  if (w.mesh.triangles.empty())
    throw IoError("mesh " + path.string() + ": binary STL has no triangles");
  return std::move(w.mesh);
}

}  // namespace

TriangleMesh read_mesh(const std::filesystem::path& path, double scale) {
  require_positive("mesh scale", scale);
  const std::string data = io::read_file(path);
  const std::string ext = lower_extension(path);
  if (ext == ".obj") return parse_obj(data, path, scale);
  if (ext == ".stl") {
    // ASCII STL starts with "solid" and contains "facet"; binary files may also start with "solid"
    const bool ascii = data.rfind("solid", 0) == 0 && data.find("facet") != std::string::npos &&
                       data.find("endfacet") != std::string::npos;
    return ascii ? parse_stl_ascii(data, path, scale) : parse_stl_binary(data, path, scale);
  }
  throw IoError("mesh " + path.string() + ": unknown mesh format '" + ext +
                "' (expected .obj or .stl)");
}

void write_obj(const std::filesystem::path& path, const TriangleMesh& mesh) {
  std::ostringstream out;
  out.precision(17);
  out << "# written by nanodecoh\n";
  for (const auto& v : mesh.vertices) out << "v " << v.x() << ' ' << v.y() << ' ' << v.z() << '\n';
  for (const auto& t : mesh.triangles)
    out << "f " << t[0] + 1 << ' ' << t[1] + 1 << ' ' << t[2] + 1 << '\n';
  io::write_text_atomically(path, out.str());
}

void write_binary_stl(const std::filesystem::path& path, const TriangleMesh& mesh) {
  std::string data(80, ' ');
  data.replace(0, 20, "nanodecoh binary STL");
  const auto count = static_cast<std::uint32_t>(mesh.triangles.size());
  data.append(reinterpret_cast<const char*>(&count), 4);
  for (const auto& t : mesh.triangles) {
    const Eigen::Vector3d n = (mesh.vertices[t[1]] - mesh.vertices[t[0]])
                                  .cross(mesh.vertices[t[2]] - mesh.vertices[t[0]])
                                  .normalized();
    float rec[12];
    for (int k = 0; k < 3; ++k) rec[k] = static_cast<float>(n[k]);
    for (int v = 0; v < 3; ++v)
      for (int k = 0; k < 3; ++k) rec[3 + 3 * v + k] = static_cast<float>(mesh.vertices[t[v]][k]);
    data.append(reinterpret_cast<const char*>(rec), sizeof rec);
    data.append(2, '\0');
  }
  io::write_text_atomically(path, data);
}

}  // namespace nanodecoh::localization
