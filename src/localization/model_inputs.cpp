// Conversion of user inputs (CLI flags or ftable TOML keys) into a validated
// EmissionModel, including the outgassing normalisation Gamma = q/(k_B T) *
// area (physics.md section 3).
#include "localization/model_inputs.hpp"

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::localization {

namespace {

std::string name(const ModelInputs& in, const char* cli, const char* key) {
  return in.toml ? key : cli;
}

double need(const ModelInputs& in, const std::optional<double>& v, const char* cli, const char* key,
            const std::string& why) {
  if (!v) throw InvalidArgument(name(in, cli, key), "(missing)", "a value: required " + why);
  require_positive(name(in, cli, key), *v);
  return *v;
}

/// Metres per unit of the mesh file.
double mesh_unit_scale(const ModelInputs& in) {
  if (in.mesh_unit == "m") return 1.0;
  if (in.mesh_unit == "mm") return 1e-3;
  if (in.mesh_unit == "um") return 1e-6;
  if (in.mesh_unit == "nm") return 1e-9;
  throw InvalidArgument(name(in, "--mesh-unit", "body.mesh_unit"), in.mesh_unit,
                        "one of m, mm, um, nm");
}

}  // namespace

EmissionModel build_model(const ModelInputs& in) {
  EmissionModel m;
  const std::string why_body = "for --body " + in.body;
  if (in.body == "sphere") {
    m.body = make_sphere(need(in, in.radius, "--radius", "body.radius", why_body));
  } else if (in.body == "janus") {
    const double r = need(in, in.radius, "--radius", "body.radius", why_body);
    if (!in.cap_angle)
      throw InvalidArgument(name(in, "--cap-angle", "body.cap_angle"), "(missing)",
                            "a half-angle in (0, pi] " + why_body);
    m.body = make_janus_sphere(r, *in.cap_angle);
  } else if (in.body == "spheroid") {
    const double a = need(in, in.semi_axis_a, "--semi-axes", "body.semi_axes", why_body);
    const double c = need(in, in.semi_axis_c, "--semi-axes", "body.semi_axes", why_body);
    m.body = make_spheroid(a, c);
  } else if (in.body == "cylinder") {
    m.body = make_cylinder(need(in, in.radius, "--radius", "body.radius", why_body),
                           need(in, in.length, "--length", "body.length", why_body));
  } else if (in.body == "mesh") {
    if (in.mesh.empty())
      throw InvalidArgument(name(in, "--mesh", "body.mesh"), "(missing)",
                            "a mesh file " + why_body);
    m.body = make_mesh_body(read_mesh(in.mesh, mesh_unit_scale(in)),
                            name(in, "--mesh", "body.mesh") + " " + in.mesh);
  } else {
    throw InvalidArgument(name(in, "--body", "body.kind"), in.body,
                          "one of sphere, janus, spheroid, cylinder, mesh");
  }

  if (!in.coverage_file.empty()) {
    const std::string parameter = name(in, "--coverage-file", "emission.coverage_file");
    if (in.emission != "surface")
      throw InvalidArgument(parameter, in.coverage_file, "a coverage for surface emission only");
    m.coverage = polar_coverage_from_csv(in.coverage_file, parameter);
  }

  if (in.emission == "surface")
    m.kind = EmissionKind::surface;
  else if (in.emission == "volume")
    m.kind = EmissionKind::volume;
  else
    throw InvalidArgument(name(in, "--emission", "emission.kind"), in.emission,
                          "surface or volume");

  if (in.flux == "lambertian") {
    m.flux_law = FluxLaw::lambertian;
  } else if (in.flux == "isotropic") {
    m.flux_law = FluxLaw::isotropic;
  } else if (in.flux == "cosine-power") {
    m.flux_law = FluxLaw::cosine_power;
    require_in_range(name(in, "--power", "emission.power"), in.power, 0.0, 64.0);
    m.power = in.power;
  } else {
    throw InvalidArgument(name(in, "--flux", "emission.flux"), in.flux,
                          "one of lambertian, isotropic, cosine-power");
  }

  if (in.spectrum == "thermal") {
    const double t = in.surface_temperature.value_or(300.0);
    require_positive(name(in, "--surface-temperature", "spectrum.surface_temperature"), t);
    m.spectrum = Spectrum::thermal(t);
  } else if (in.spectrum == "mono") {
    m.spectrum =
        Spectrum::mono(need(in, in.energy, "--energy", "spectrum.energy", "for --spectrum mono"));
  } else if (in.spectrum == "table") {
    if (in.spectrum_file.empty())
      throw InvalidArgument(name(in, "--spectrum-file", "spectrum.file"), "(missing)",
                            "a CSV file for --spectrum table");
    m.spectrum = Spectrum::from_csv(in.spectrum_file);
  } else {
    throw InvalidArgument(name(in, "--spectrum", "spectrum.kind"), in.spectrum,
                          "one of thermal, mono, table");
  }

  m.emitted_mass =
      need(in, in.emitted_mass_amu, "--emitted-mass-amu", "emission.emitted_mass_amu", "") *
      constants::atomic_mass_unit;

  if (in.rate && in.outgassing)
    throw InvalidArgument(name(in, "--rate", "emission.rate"), format_number(*in.rate),
                          "either a rate or an outgassing rate, not both");
  if (in.rate) {
    require_positive(name(in, "--rate", "emission.rate"), *in.rate);
    m.rate = *in.rate;
  } else if (in.outgassing) {
    require_positive(name(in, "--outgassing", "emission.outgassing"), *in.outgassing);
    const OutgassingUnit unit = parse_outgassing_unit(
        in.outgassing_unit, name(in, "--outgassing-unit", "emission.outgassing_unit"));
    const double t = need(in, in.gas_temperature, "--gas-temperature", "emission.gas_temperature",
                          "with an outgassing rate");
    const double area =
        m.kind == EmissionKind::volume ? m.body->surface_area() : m.body->emitting_area();
    m.rate = outgassing_rate(*in.outgassing, unit, t, area);
  } else {
    throw InvalidArgument(
        name(in, "--rate", "emission.rate"), "(missing)",
        "a total emission rate (Hz) or an outgassing rate with unit and gas temperature");
  }
  m.validate();
  return m;
}

}  // namespace nanodecoh::localization
