// Reading the ftable configuration (ftable_config.hpp): every key of
// docs/ftable-config.md, integers range-checked before narrowing, input files
// checked; the orientations and displacements built from their specs.
#include "app/ftable_config.hpp"

#include "app/config_reading.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::app {
namespace {

std::optional<double> optional_double(const io::Config& c, const char* key) {
  if (!c.has(key)) return std::nullopt;
  return c.get_double(key);
}

ModelInputs read_model_inputs(const io::Config& c) {
  ModelInputs in;
  read_body_keys(c, "body.", in);
  in.coverage_file = c.get_string("emission.coverage_file", "");
  in.emission = c.get_string("emission.kind", "surface");
  in.flux = c.get_string("emission.flux", "lambertian");
  in.power = c.get_double("emission.power", 1.0);
  in.emitted_mass_amu = optional_double(c, "emission.emitted_mass_amu");
  in.rate = optional_double(c, "emission.rate");
  in.outgassing = optional_double(c, "emission.outgassing");
  in.outgassing_unit = c.get_string("emission.outgassing_unit", "");
  in.gas_temperature = optional_double(c, "emission.gas_temperature");
  in.spectrum = c.get_string("spectrum.kind", "thermal");
  in.surface_temperature = optional_double(c, "spectrum.surface_temperature");
  in.energy = optional_double(c, "spectrum.energy");
  in.spectrum_file = c.get_string("spectrum.file", "");
  return in;
}

OrientationSpec read_orientations(const io::Config& c) {
  OrientationSpec o;
  o.kind = c.get_string("orientations.kind");
  if (o.kind == "list") {
    const auto v = c.get_doubles("orientations.matrices");
    if (v.empty() || v.size() % 9 != 0)
      throw InvalidArgument("orientations.matrices", std::to_string(v.size()) + " numbers",
                            "9 numbers (row-major) per rotation matrix");
    for (std::size_t i = 0; i < v.size(); i += 9) {
      Eigen::Matrix3d m;
      m << v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8];
      o.matrices.push_back(m);
    }
    return o;
  }
  if (o.kind != "periodic" && o.kind != "libration")
    throw InvalidArgument("orientations.kind", o.kind, "one of periodic, libration, list");
  o.axis = get_vector3(c, "orientations.axis", Eigen::Vector3d::UnitZ());
  o.count = static_cast<int>(get_count(c, "orientations.count", std::nullopt, 1));
  if (o.kind == "libration") {
    o.step = c.get_double("orientations.step");
    o.centre = c.get_double("orientations.centre", 0.0);
  }
  return o;
}

DisplacementSpec read_displacements(const io::Config& c) {
  DisplacementSpec d;
  d.kind = c.get_string("displacements.kind");
  if (d.kind == "line") {
    d.axis = get_vector3(c, "displacements.axis", Eigen::Vector3d::UnitX());
    d.count = static_cast<int>(get_count(c, "displacements.count", std::nullopt, 1));
    d.step = c.get_double("displacements.step");
    d.centre = c.get_double("displacements.centre", 0.0);
  } else if (d.kind == "list") {
    const auto v = c.get_doubles("displacements.points");
    if (v.empty() || v.size() % 3 != 0)
      throw InvalidArgument("displacements.points", std::to_string(v.size()) + " numbers",
                            "3 numbers (m) per point");
    for (std::size_t i = 0; i < v.size(); i += 3) d.points.emplace_back(v[i], v[i + 1], v[i + 2]);
  } else {
    throw InvalidArgument("displacements.kind", d.kind, "line or list");
  }
  return d;
}

}  // namespace

FtableSpec read_ftable_spec(const io::Config& config) {
  FtableSpec spec;
  spec.model = read_model_inputs(config);
  spec.orientations = read_orientations(config);
  spec.displacements = read_displacements(config);
  spec.numerics.tolerance = config.get_double("numerics.tolerance", 1e-6);
  spec.numerics.use_symmetry = config.get_bool("numerics.use_symmetry", true);
  spec.numerics.sphere_fast_path = config.get_bool("numerics.sphere_fast_path", true);
  return spec;
}

Orientations make_orientations(const OrientationSpec& spec) {
  Orientations o;
  o.kind = spec.kind;
  if (spec.kind == "list") {
    o.matrices = spec.matrices;
    return o;
  }
  o.angles = spec.kind == "periodic"
                 ? localization::periodic_angles(spec.count)
                 : localization::libration_angles(spec.count, spec.step, spec.centre);
  o.matrices = localization::rotations_about(spec.axis, o.angles);
  o.axis = spec.axis.normalized();
  return o;
}

Displacements make_displacements(const DisplacementSpec& spec) {
  Displacements d;
  d.kind = spec.kind;
  if (spec.kind == "list") {
    d.points = spec.points;
    return d;
  }
  d.points = localization::displacements_along(spec.axis, spec.count, spec.step, spec.centre);
  d.axis = spec.axis.normalized();
  for (const auto& point : d.points) d.coordinate.push_back(point.dot(d.axis));
  return d;
}

}  // namespace nanodecoh::app
