// Reading and writing the F-table file (ftable_file.hpp, docs/ftable-format.md).
#include "nanodecoh/io/ftable_file.hpp"

#include <cmath>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::io {
namespace {

constexpr const char* k_schema_name = "nanodecoh.ftable";

bool finite(const std::complex<double>& v) {
  return std::isfinite(v.real()) && std::isfinite(v.imag());
}

/// A root attribute that may be absent (then `fallback`); one that is present but cannot be read
/// as a string (or number) is an IoError naming it, never the fallback.
std::string optional_string_attribute(const Hdf5File& file, const std::string& name,
                                      const std::string& fallback) {
  return file.has_attribute("/", name) ? file.read_string_attribute("/", name) : fallback;
}

double optional_double_attribute(const Hdf5File& file, const std::string& name) {
  return file.has_attribute("/", name) ? file.read_double_attribute("/", name) : 0.0;
}

std::array<double, 3> read_vector3(const Hdf5File& file, const std::string& path,
                                   const std::array<double, 3>& fallback) {
  if (!file.exists(path)) return fallback;
  const std::vector<double> v = file.read_doubles(path);
  if (v.size() != 3)
    throw InvalidArgument(file.path().string() + ":" + path, std::to_string(v.size()) + " numbers",
                          "3 numbers");
  return {v[0], v[1], v[2]};
}

}  // namespace

void FTable::validate(const std::string& source) const {
  const std::size_t p = orientations.size(), d = displacements.size();
  if (p == 0) throw InvalidArgument(source + ":/orientations", "empty", "at least 1 orientation");
  if (d == 0) throw InvalidArgument(source + ":/displacements", "empty", "at least 1 displacement");
  if (values.size() != p * p * d)
    throw InvalidArgument(source + ":/F", std::to_string(values.size()) + " values",
                          std::to_string(p * p * d) + " values (orientations^2 x displacements)");
  if (!error_estimates.empty() && error_estimates.size() != values.size())
    throw InvalidArgument(source + ":/error_estimate",
                          std::to_string(error_estimates.size()) + " values",
                          std::to_string(values.size()) + " values (the shape of /F)");
  if (!angles.empty() && angles.size() != p)
    throw InvalidArgument(source + ":/angles", std::to_string(angles.size()) + " angles",
                          std::to_string(p) + " angles (one per orientation)");
  if (!displacement_coordinate.empty() && displacement_coordinate.size() != d)
    throw InvalidArgument(source + ":/displacement_coordinate",
                          std::to_string(displacement_coordinate.size()) + " values",
                          std::to_string(d) + " values (one per displacement)");
  for (std::size_t i = 0; i < p; ++i) {
    const auto& m = orientations[i];
    // R R^T = 1 and det R = +1 within rounding.
    double worst = 0.0;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        double dot = 0.0;
        for (int c = 0; c < 3; ++c) dot += m[3 * a + c] * m[3 * b + c];
        worst = std::max(worst, std::fabs(dot - (a == b ? 1.0 : 0.0)));
      }
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                       m[2] * (m[3] * m[7] - m[4] * m[6]);
    if (!(worst <= 1e-9) || !(std::fabs(det - 1.0) <= 1e-9))
      throw InvalidArgument(source + ":/orientations[" + std::to_string(i) + "]",
                            "not a rotation matrix", "R R^T = 1 and det R = 1 (to 1e-9)");
  }
  for (std::size_t k = 0; k < d; ++k)
    for (double x : displacements[k])
      if (!std::isfinite(x))
        throw InvalidArgument(source + ":/displacements[" + std::to_string(k) + "]", "NaN or inf",
                              "finite displacements (m)");
  for (std::size_t n = 0; n < values.size(); ++n)
    if (!finite(values[n]))
      throw InvalidArgument(source + ":/F[" + std::to_string(n) + "]", "NaN or inf",
                            "finite values (1/s)");
  if (!std::isfinite(rate) || rate < 0)
    throw InvalidArgument(source + ": attribute rate", format_number(rate), "a finite value >= 0");
  if (!std::isfinite(tolerance) || tolerance < 0 || tolerance >= 1)
    throw InvalidArgument(source + ": attribute tolerance", format_number(tolerance),
                          "a value in [0, 1) (units of rate)");
}

void write_ftable(Hdf5File& file, const FTable& table) {
  table.validate(file.path().string());
  const std::size_t p = table.orientation_count(), d = table.displacement_count();
  file.write("F", table.values, {p, p, d}, "1/s");
  if (!table.error_estimates.empty())
    file.write("error_estimate", table.error_estimates, {p, p, d}, "1/s");
  std::vector<double> matrices, points;
  matrices.reserve(9 * p);
  for (const auto& m : table.orientations) matrices.insert(matrices.end(), m.begin(), m.end());
  points.reserve(3 * d);
  for (const auto& x : table.displacements) points.insert(points.end(), x.begin(), x.end());
  file.write("orientations", matrices, {p, 3, 3}, "");
  file.write("displacements", points, {d, 3}, "m");
  if (!table.angles.empty()) {
    file.write("angles", table.angles, {p}, "rad");
    file.write("rotation_axis",
               std::vector<double>(table.rotation_axis.begin(), table.rotation_axis.end()), {3});
  }
  if (!table.displacement_coordinate.empty()) {
    file.write("displacement_coordinate", table.displacement_coordinate, {d}, "m");
    file.write("displacement_axis",
               std::vector<double>(table.displacement_axis.begin(), table.displacement_axis.end()),
               {3});
  }
  file.set_attribute("/", "schema", std::string(k_schema_name));
  file.set_attribute("/", "schema_version", FTable::schema_version);
  file.set_attribute("/", "orientation_kind", table.orientation_kind);
  file.set_attribute("/", "displacement_kind", table.displacement_kind);
  file.set_attribute("/", "rate", table.rate);
  file.set_attribute("/", "rate_unit", std::string("1/s"));
  file.set_attribute("/", "tolerance", table.tolerance);
  file.set_attribute("/", "tolerance_unit", std::string("rate"));
  file.set_attribute("/", "layout",
                     std::string("F[i, j, k] = F_{R_i, R_j}(dX_k): R_i ket, R_j bra, dX = X - X'"));
}

FTable read_ftable(const std::filesystem::path& path) {
  const Hdf5File file = Hdf5File::open_read(path);
  const std::string source = path.string();
  const std::string schema = optional_string_attribute(file, "schema", "");
  if (schema != k_schema_name)
    throw IoError(source + " is not an F-table file (root attribute schema = \"" + schema +
                  "\", expected \"" + k_schema_name +
                  "\"; write it with `nanodecoh ftable` or see docs/ftable-format.md)");
  const double version = file.read_double_attribute("/", "schema_version");
  if (version != static_cast<double>(FTable::schema_version))
    throw IoError(source + " has F-table schema_version " + format_number(version) +
                  "; this nanodecoh reads version " + std::to_string(FTable::schema_version));
  FTable t;
  std::vector<std::size_t> shape;
  const std::vector<double> matrices = file.read_doubles("orientations", &shape);
  if (shape.size() != 3 || shape[1] != 3 || shape[2] != 3)
    throw InvalidArgument(source + ":/orientations", "a dataset of another shape", "[P, 3, 3]");
  for (std::size_t i = 0; i < shape[0]; ++i) {
    std::array<double, 9> m{};
    for (std::size_t c = 0; c < 9; ++c) m[c] = matrices[9 * i + c];
    t.orientations.push_back(m);
  }
  const std::vector<double> points = file.read_doubles("displacements", &shape);
  if (shape.size() != 2 || shape[1] != 3)
    throw InvalidArgument(source + ":/displacements", "a dataset of another shape", "[D, 3] (m)");
  for (std::size_t k = 0; k < shape[0]; ++k)
    t.displacements.push_back({points[3 * k], points[3 * k + 1], points[3 * k + 2]});
  t.values = file.read_complex("F", &shape);
  const std::size_t p = t.orientations.size(), d = t.displacements.size();
  if (shape != std::vector<std::size_t>{p, p, d})
    throw InvalidArgument(source + ":/F", "a dataset of another shape",
                          "[P, P, D] = [" + std::to_string(p) + ", " + std::to_string(p) + ", " +
                              std::to_string(d) + "]");
  if (file.exists("error_estimate")) t.error_estimates = file.read_doubles("error_estimate");
  if (file.exists("angles")) t.angles = file.read_doubles("angles");
  t.rotation_axis = read_vector3(file, "rotation_axis", t.rotation_axis);
  if (file.exists("displacement_coordinate"))
    t.displacement_coordinate = file.read_doubles("displacement_coordinate");
  t.displacement_axis = read_vector3(file, "displacement_axis", t.displacement_axis);
  t.orientation_kind = optional_string_attribute(file, "orientation_kind", "list");
  t.displacement_kind = optional_string_attribute(file, "displacement_kind", "list");
  t.rate = optional_double_attribute(file, "rate");
  t.tolerance = optional_double_attribute(file, "tolerance");
  t.validate(source);
  return t;
}

}  // namespace nanodecoh::io
