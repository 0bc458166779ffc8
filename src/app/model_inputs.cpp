// Conversion of the model inputs (model_inputs.hpp) into a validated
// EmissionModel, including the outgassing normalisation Gamma = q/(k_B T) *
// area (docs/localization.md), and the user's names of each input.
#include "app/model_inputs.hpp"

#include "app/config_reading.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {

namespace {

double need(const std::optional<double>& v, const char* field, const std::string& why) {
  if (!v) throw InvalidArgument(field, "(missing)", "a value: required " + why);
  require_positive(field, *v);
  return *v;
}

/// Runs `read` on the input file `path` given for `field`; a file that cannot be parsed
/// (IoError: the reader names the path, line and problem) becomes an input error naming the
/// field, which the application renames to the user's flag or key.
template <typename Read>
auto named_file_errors(const char* field, const std::string& path, const std::string& what,
                       Read&& read) {
  require_input_file(path, field);
  try {
    return read();
  } catch (const IoError& e) {
    throw InvalidArgument(field, path, what + " (" + e.what() + ")");
  }
}

/// Metres per unit of the mesh file.
double mesh_unit_scale(const ModelInputs& in) {
  if (in.mesh_unit == "m") return 1.0;
  if (in.mesh_unit == "mm") return 1e-3;
  if (in.mesh_unit == "um") return 1e-6;
  if (in.mesh_unit == "nm") return 1e-9;
  throw InvalidArgument("mesh_unit", in.mesh_unit, "one of m, mm, um, nm");
}

}  // namespace

std::shared_ptr<const localization::Body> build_body(const ModelInputs& in,
                                                     localization::MassProperties* mass) {
  using namespace localization;
  std::shared_ptr<const Body> body;
  const std::string why_body = "for body " + in.body;
  if (in.body == "sphere") {
    body = make_sphere(need(in.radius, "radius", why_body));
  } else if (in.body == "janus") {
    const double r = need(in.radius, "radius", why_body);
    if (!in.cap_angle)
      throw InvalidArgument("cap_angle", "(missing)", "a half-angle in (0, pi] " + why_body);
    body = make_janus_sphere(r, *in.cap_angle);
  } else if (in.body == "spheroid") {
    const double a = need(in.semi_axis_a, "semi_axis_a", why_body);
    const double c = need(in.semi_axis_c, "semi_axis_c", why_body);
    body = make_spheroid(a, c);
  } else if (in.body == "cylinder") {
    body = make_cylinder(need(in.radius, "radius", why_body), need(in.length, "length", why_body));
  } else if (in.body == "mesh") {
    if (in.mesh.empty()) throw InvalidArgument("mesh", "(missing)", "a mesh file " + why_body);
    const double scale = mesh_unit_scale(in);
    TriangleMesh mesh = named_file_errors("mesh", in.mesh, "an OBJ or STL mesh",
                                          [&] { return read_mesh(in.mesh, scale); });
    body = make_mesh_body(mesh, "mesh " + in.mesh);  // closed and consistently oriented
    if (mass) *mass = mesh_mass_properties(mesh, "mesh " + in.mesh);
    return body;
  } else {
    throw InvalidArgument("body", in.body, "one of sphere, janus, spheroid, cylinder, mesh");
  }
  if (mass) *mass = body->mass_properties();
  return body;
}

void read_body_keys(const io::Config& c, const std::string& prefix, ModelInputs& in) {
  auto optional_double = [&](const std::string& key) -> std::optional<double> {
    if (!c.has(prefix + key)) return std::nullopt;
    return c.get_double(prefix + key);
  };
  in.body = c.get_string(prefix + "kind");
  in.mesh = c.get_string(prefix + "mesh", "");
  in.mesh_unit = c.get_string(prefix + "mesh_unit", "m");
  in.radius = optional_double("radius");
  in.length = optional_double("length");
  in.cap_angle = optional_double("cap_angle");
  if (c.has(prefix + "semi_axes")) {
    const auto v = c.get_doubles(prefix + "semi_axes");
    if (v.size() != 2)
      throw InvalidArgument(c.full_key(prefix + "semi_axes"), std::to_string(v.size()) + " numbers",
                            "[a, c] (m)");
    in.semi_axis_a = v[0];
    in.semi_axis_c = v[1];
  }
}

localization::EmissionModel build_model(const ModelInputs& in) {
  using namespace localization;
  EmissionModel m;
  m.body = build_body(in);

  if (!in.coverage_file.empty()) {
    if (in.emission != "surface")
      throw InvalidArgument("coverage_file", in.coverage_file,
                            "a coverage for surface emission only");
    m.coverage = named_file_errors(
        "coverage_file", in.coverage_file, "a CSV of (polar angle rad, weight) rows",
        [&] { return polar_coverage_from_csv(in.coverage_file, "coverage_file"); });
  }

  if (in.emission == "surface")
    m.kind = EmissionKind::surface;
  else if (in.emission == "volume")
    m.kind = EmissionKind::volume;
  else
    throw InvalidArgument("emission", in.emission, "surface or volume");

  if (in.flux == "lambertian") {
    m.flux_law = FluxLaw::lambertian;
  } else if (in.flux == "isotropic") {
    m.flux_law = FluxLaw::isotropic;
  } else if (in.flux == "cosine-power") {
    m.flux_law = FluxLaw::cosine_power;
    require_in_range("power", in.power, 0.0, 64.0);
    m.power = in.power;
  } else {
    throw InvalidArgument("flux", in.flux, "one of lambertian, isotropic, cosine-power");
  }

  if (in.spectrum == "thermal") {
    const double t = in.surface_temperature.value_or(300.0);
    require_positive("surface_temperature", t);
    m.spectrum = Spectrum::thermal(t);
  } else if (in.spectrum == "mono") {
    m.spectrum = Spectrum::mono(need(in.energy, "energy", "for spectrum mono"));
  } else if (in.spectrum == "table") {
    if (in.spectrum_file.empty())
      throw InvalidArgument("spectrum_file", "(missing)", "a CSV file for spectrum table");
    m.spectrum =
        named_file_errors("spectrum_file", in.spectrum_file, "a CSV of (energy J, weight) rows",
                          [&] { return Spectrum::from_csv(in.spectrum_file); });
  } else {
    throw InvalidArgument("spectrum", in.spectrum, "one of thermal, mono, table");
  }

  m.emitted_mass = need(in.emitted_mass_amu, "emitted_mass_amu", "") * constants::atomic_mass_unit;

  if (in.rate && in.outgassing)
    throw InvalidArgument("rate", format_number(*in.rate),
                          "either a rate or an outgassing rate, not both");
  if (in.rate) {
    require_positive("rate", *in.rate);
    m.rate = *in.rate;
  } else if (in.outgassing) {
    require_positive("outgassing", *in.outgassing);
    const OutgassingUnit unit = parse_outgassing_unit(in.outgassing_unit, "outgassing_unit");
    const double t = need(in.gas_temperature, "gas_temperature", "with an outgassing rate");
    const double area =
        m.kind == EmissionKind::volume ? m.body->surface_area() : m.body->emitting_area();
    m.rate = outgassing_rate(*in.outgassing, unit, t, area);
  } else {
    throw InvalidArgument(
        "rate", "(missing)",
        "a total emission rate (Hz) or an outgassing rate with unit and gas temperature");
  }
  m.validate();
  return m;
}

InputNames model_input_flags() {
  InputNames names = InputNames::flags();
  names.add("semi_axis_a", "--semi-axes (A)")
      .add("semi_axis_c", "--semi-axes (C)")
      .add("emitted_mass", "--emitted-mass-amu")
      .add("spectrum_file", "--spectrum-file");
  return names;  // every other field f is the flag --f with '_' -> '-'
}

InputNames model_input_toml_keys() {
  InputNames names;
  names.add("body", "body.kind")
      .add("mesh", "body.mesh")
      .add("mesh_unit", "body.mesh_unit")
      .add("radius", "body.radius")
      .add("length", "body.length")
      .add("cap_angle", "body.cap_angle")
      .add("semi_axis_a", "body.semi_axes[0]")
      .add("semi_axis_c", "body.semi_axes[1]")
      .add("coverage_file", "emission.coverage_file")
      .add("emission", "emission.kind")
      .add("flux", "emission.flux")
      .add("power", "emission.power")
      .add("emitted_mass_amu", "emission.emitted_mass_amu")
      .add("emitted_mass", "emission.emitted_mass_amu")
      .add("rate", "emission.rate")
      .add("outgassing", "emission.outgassing")
      .add("outgassing_unit", "emission.outgassing_unit")
      .add("gas_temperature", "emission.gas_temperature")
      .add("spectrum", "spectrum.kind")
      .add("surface_temperature", "spectrum.surface_temperature")
      .add("energy", "spectrum.energy")
      .add("spectrum_file", "spectrum.file")
      .add("tolerance", "numerics.tolerance");
  return names;
}

nlohmann::json to_json(const ModelInputs& in) {
  nlohmann::json j = nlohmann::json::object();
  const auto text = [&](const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
  };
  const auto number = [&](const char* key, const std::optional<double>& v) {
    if (v) j[key] = *v;
  };
  text("body", in.body);
  text("mesh", in.mesh);
  if (!in.mesh.empty()) text("mesh_unit", in.mesh_unit);
  text("coverage_file", in.coverage_file);
  number("radius", in.radius);
  number("semi_axis_a", in.semi_axis_a);
  number("semi_axis_c", in.semi_axis_c);
  number("length", in.length);
  number("cap_angle", in.cap_angle);
  text("emission", in.emission);
  text("flux", in.flux);
  if (in.flux == "cosine-power") j["power"] = in.power;
  text("spectrum", in.spectrum);
  number("surface_temperature", in.surface_temperature);
  number("energy", in.energy);
  text("spectrum_file", in.spectrum_file);
  number("emitted_mass_amu", in.emitted_mass_amu);
  number("rate", in.rate);
  number("outgassing", in.outgassing);
  text("outgassing_unit", in.outgassing_unit);
  number("gas_temperature", in.gas_temperature);
  return j;
}

}  // namespace nanodecoh::app
