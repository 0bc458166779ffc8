// Reading the evolve configuration into an EvolveSpec (evolve_config.hpp): every key of
// docs/evolve-config.md. Values are checked here only where no physics is needed (kinds,
// integer ranges, axis names, input files, the time step against each segment); the
// library validates the rest when evolve_factory.hpp builds the run.
#include "app/evolve_config.hpp"

#include <cmath>

#include "app/config_reading.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/material.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

using evolution::AxisKind;

/// Index of the axis called `name` among `axes`; throws naming `key`.
std::size_t axis_index(const std::vector<evolution::Axis>& axes, const std::string& name,
                       const std::string& key) {
  std::string names;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].name == name) return a;
    names += (a ? ", " : "") + axes[a].name;
  }
  throw InvalidArgument(key, name, "the name of an axis (" + names + ")");
}

/// Grid step of an axis as the Grid will use it (a circle has 2 pi / points).
double effective_step(const evolution::Axis& axis) {
  return axis.kind == AxisKind::rotation && axis.mode == evolution::RotationMode::circle
             ? 2.0 * constants::pi / static_cast<double>(axis.points)
             : axis.step;
}

/// The library's names of the body fields under [particle.body].
InputNames particle_body_names() {
  InputNames names = InputNames::toml_table("particle.body.");
  names.add("body", "particle.body.kind")
      .add("semi_axis_a", "particle.body.semi_axes[0]")
      .add("semi_axis_c", "particle.body.semi_axes[1]");
  return names;
}

/// "mesh cube.obj", "sphere, radius 5e-08 m", ... for derivation lines and errors.
std::string body_description(const ModelInputs& in) {
  if (in.body == "mesh") return "mesh " + in.mesh;
  std::string text = in.body;
  if (in.radius) text += ", radius " + format_number(*in.radius) + " m";
  if (in.cap_angle) text += ", cap_angle " + format_number(*in.cap_angle) + " rad";
  if (in.length) text += ", length " + format_number(*in.length) + " m";
  if (in.semi_axis_a && in.semi_axis_c)
    text += ", semi_axes [" + format_number(*in.semi_axis_a) + ", " +
            format_number(*in.semi_axis_c) + "] m";
  return text;
}

/// [particle]: material, radius, internal temperature, density; mass and moment of inertia
/// given or derived (homogeneous sphere), a contradiction between given and derived values
/// being an error that names both.
ParticleSpec read_particle(const io::Config& config) {
  ParticleSpec p;
  std::string density_origin;
  if (config.has("particle.material")) {
    const std::string name = config.get_string("particle.material");
    try {
      p.material = load_material(name);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument("particle.material", "\"" + name + "\"", e.what());
    }
  }
  if (config.has("particle.radius")) {
    p.radius = config.get_double("particle.radius");
    require_positive("particle.radius", *p.radius);
  }
  if (config.has("particle.body")) {
    if (p.radius)
      throw InvalidArgument("particle.radius", format_number(*p.radius),
                            "no value with particle.body (the body gives the size: give "
                            "particle.body.radius, or particle.radius alone for a sphere)");
    ModelInputs in;
    read_body_keys(config, "particle.body.", in);
    p.body = particle_body_names().translate([&] { return build_body(in, &p.body_mass); });
    if (in.body == "sphere" || in.body == "janus") p.body_radius = in.radius;
    p.body_inputs = in;
  }
  if (config.has("particle.temperature")) {
    p.temperature = config.get_double("particle.temperature");
    require_positive("particle.temperature", *p.temperature);
  }
  if (config.has("particle.density")) {
    p.density = config.get_double("particle.density");
    require_positive("particle.density", *p.density);
    density_origin = "particle.density";
  } else if (p.material) {
    p.density = p.material->density;
    density_origin = "particle.material \"" + p.material->name + "\" (" + p.material->file + ")";
    p.derivations.push_back("particle.density = " + format_number(*p.density) + " kg/m^3 (from " +
                            density_origin + ")");
  }
  // Relative disagreement tolerated between a given and a derived value (rounding of the
  // given digits).
  constexpr double agreement = 1e-6;
  auto agree = [](double a, double b) { return std::abs(a - b) <= agreement * std::abs(b); };
  std::optional<double> derived_mass;
  if (p.density && p.radius)
    derived_mass = *p.density * 4.0 / 3.0 * constants::pi * std::pow(*p.radius, 3);
  if (p.density && p.body) derived_mass = *p.density * p.body_mass.volume;
  const std::string size_text = p.body ? "volume " + format_number(p.body_mass.volume) +
                                             " m^3 of particle.body (" +
                                             body_description(*p.body_inputs) + ")"
                                       : std::string("4/3 pi particle.radius^3");
  if (config.has("particle.mass")) {
    p.mass = config.get_double("particle.mass");
    require_positive("particle.mass", *p.mass);
    if (derived_mass && !agree(*p.mass, *derived_mass))
      throw InvalidArgument("particle.mass", format_number(*p.mass),
                            format_number(*derived_mass) + " kg, the mass of " +
                                (p.body ? "particle.body" : "a sphere of particle.radius") +
                                " with the density of " + density_origin +
                                " (give one of them, or consistent values)");
  } else if (derived_mass) {
    p.mass = derived_mass;
    p.derivations.push_back("particle.mass = " + format_number(*p.mass) +
                            " kg (derived: density of " + density_origin + " x " + size_text + ")");
  }
  if (p.body && p.mass) {
    // The homogeneous body's inertia tensor in its body frame about its centroid: the mass
    // density M/V times the tensor per unit density (closed form or polyhedral integrals).
    p.inertia_tensor = *p.mass / p.body_mass.volume * p.body_mass.inertia;
    const Eigen::Matrix3d& t = *p.inertia_tensor;
    std::string text = "[";
    for (int i = 0; i < 3; ++i) {
      text += i ? ", [" : "[";
      for (int j = 0; j < 3; ++j) text += (j ? ", " : "") + format_number(t(i, j));
      text += "]";
    }
    p.derivations.push_back("particle.inertia_tensor = " + text +
                            "] kg m^2 (derived: homogeneous particle.body of particle.mass, body "
                            "frame, about the centroid)");
  }
  std::optional<double> derived_inertia;
  if (p.mass && p.radius) derived_inertia = 0.4 * *p.mass * *p.radius * *p.radius;
  p.moment_of_inertia_given = config.has("particle.moment_of_inertia");
  if (p.body) {
    // A body's moment depends on the rotation axis: read_axes() derives it per axis and
    // checks a given particle.moment_of_inertia against it.
    if (p.moment_of_inertia_given) {
      p.moment_of_inertia = config.get_double("particle.moment_of_inertia");
      require_positive("particle.moment_of_inertia", *p.moment_of_inertia);
    }
    return p;
  }
  if (config.has("particle.moment_of_inertia")) {
    p.moment_of_inertia = config.get_double("particle.moment_of_inertia");
    require_positive("particle.moment_of_inertia", *p.moment_of_inertia);
    if (derived_inertia && !agree(*p.moment_of_inertia, *derived_inertia))
      throw InvalidArgument("particle.moment_of_inertia", format_number(*p.moment_of_inertia),
                            format_number(*derived_inertia) +
                                " kg m^2, 2/5 particle.mass particle.radius^2 of a homogeneous "
                                "sphere (give one of them, or consistent values)");
  } else if (derived_inertia) {
    p.moment_of_inertia = derived_inertia;
    p.derivations.push_back("particle.moment_of_inertia = " + format_number(*derived_inertia) +
                            " kg m^2 (derived: 2/5 particle.mass particle.radius^2, homogeneous "
                            "sphere)");
  }
  return p;
}

/// The grid's axes; a rotation axis turns the body about its body axis `rotation_axis`
/// (default z), appended to `rotation_axes`, and takes the body's moment about it.
std::vector<evolution::Axis> read_axes(const io::Config& config, const ParticleSpec& particle,
                                       std::vector<Eigen::Vector3d>* rotation_axes,
                                       std::vector<std::string>* derivations) {
  const auto tables = config.get_tables("axes");
  if (tables.empty()) throw InvalidArgument("axes", "missing", "one to three [[axes]] tables");
  std::vector<evolution::Axis> axes;
  for (const io::Config& a : tables) {
    evolution::Axis axis;
    axis.kind = get_choice<AxisKind>(
        a, "kind", "translation",
        {{"translation", AxisKind::translation}, {"rotation", AxisKind::rotation}});
    axis.name = a.get_string("name", axis.kind == AxisKind::translation ? "x" : "phi");
    axis.points = get_count(a, "points", 64, 2);
    axis.center = a.get_double("center", 0.0);
    if (axis.kind == AxisKind::translation) {
      axis.step = a.get_double("step");
      if (!particle.mass)
        throw InvalidArgument("particle.mass", "missing",
                              "a value > 0 (kg), or particle.radius or particle.body with "
                              "particle.material or particle.density, for translation axis " +
                                  axis.name);
      axis.inertia = *particle.mass;
    } else {
      axis.mode =
          get_choice<evolution::RotationMode>(a, "mode", "libration",
                                              {{"libration", evolution::RotationMode::libration},
                                               {"circle", evolution::RotationMode::circle}});
      axis.step = axis.mode == evolution::RotationMode::circle ? a.get_double("step", 1.0)
                                                               : a.get_double("step");
      const Eigen::Vector3d u = get_vector3(a, "rotation_axis", Eigen::Vector3d::UnitZ());
      if (!(u.allFinite() && u.norm() > 0.0))
        throw InvalidArgument(a.full_key("rotation_axis"), "a zero or non-finite vector",
                              "a non-zero body axis [x, y, z]");
      rotation_axes->push_back(u.normalized());
      if (particle.inertia_tensor) {
        // The grid angle turns the body about the body axis u (R(phi) u = u, and R = 1 at
        // phi = 0), so the moment is u^T I u with I in the body frame.
        const double moment =
            rotation_axes->back().dot(*particle.inertia_tensor * rotation_axes->back());
        if (particle.moment_of_inertia_given &&
            std::abs(*particle.moment_of_inertia - moment) > 1e-6 * moment)
          throw InvalidArgument(
              "particle.moment_of_inertia", format_number(*particle.moment_of_inertia),
              format_number(moment) + " kg m^2, the moment of particle.body about " +
                  a.full_key("rotation_axis") + " (give one of them, or consistent values)");
        axis.inertia = moment;
        if (!particle.moment_of_inertia_given)
          derivations->push_back(a.full_key("inertia") + " = " + format_number(moment) +
                                 " kg m^2 (derived: u^T I u of particle.body about " +
                                 a.full_key("rotation_axis") + ")");
        axes.push_back(axis);
        continue;
      }
      if (!particle.moment_of_inertia)
        throw InvalidArgument("particle.moment_of_inertia", "missing",
                              "a value > 0 (kg m^2), or particle.radius or particle.body with a "
                              "mass, for rotation axis " +
                                  axis.name);
      axis.inertia = *particle.moment_of_inertia;
    }
    axes.push_back(axis);
  }
  return axes;
}

evolution::InitialStateSpec read_initial(const io::Config& config,
                                         const std::vector<evolution::Axis>& axes) {
  using evolution::InitialKind;
  evolution::InitialStateSpec init;
  init.kind = get_choice<InitialKind>(config, "initial.kind", "gaussian",
                                      {{"gaussian", InitialKind::gaussian},
                                       {"cat", InitialKind::cat},
                                       {"thermal", InitialKind::thermal},
                                       {"file", InitialKind::file}});
  init.axis = axis_index(axes, config.get_string("initial.axis", axes[0].name), "initial.axis");
  init.width = config.get_double("initial.width", 5.0 * effective_step(axes[init.axis]));
  init.separation = config.get_double("initial.separation", 0.0);
  init.center = config.get_double("initial.center", 0.0);
  init.momentum = config.get_double("initial.momentum", 0.0);
  init.other_width = config.get_double("initial.other_width", 0.0);
  if (init.kind == InitialKind::thermal) {
    init.temperature = config.get_double("initial.temperature");
    init.frequency = config.get_double("initial.frequency");
  }
  if (init.kind == InitialKind::file) {
    init.path = config.get_string("initial.path");
    require_input_file(init.path, "initial.path");
    init.dataset = config.get_string("initial.dataset", "final/rho");
  }
  return init;
}

std::vector<SegmentSpec> read_protocol(const io::Config& config,
                                       const std::vector<evolution::Axis>& axes) {
  using evolution::PotentialKind;
  const auto tables = config.get_tables("protocol");
  if (tables.empty())
    throw InvalidArgument("protocol", "missing", "at least one [[protocol]] segment");
  std::vector<SegmentSpec> protocol;
  for (const io::Config& s : tables) {
    SegmentSpec spec;
    evolution::Segment& seg = spec.segment;
    seg.duration = s.get_double("duration");
    evolution::Potential& p = seg.potential;
    p.kind = get_choice<PotentialKind>(s, "potential", "free",
                                       {{"free", PotentialKind::free},
                                        {"harmonic", PotentialKind::harmonic},
                                        {"linear", PotentialKind::linear},
                                        {"double_well", PotentialKind::double_well},
                                        {"table", PotentialKind::table}});
    p.axis = axis_index(axes, s.get_string("axis", axes[0].name), s.full_key("axis"));
    switch (p.kind) {
      case PotentialKind::free:
        break;
      case PotentialKind::harmonic:
        p.frequency = s.get_double("frequency");
        break;
      case PotentialKind::linear:
        p.force = s.get_double("force");
        break;
      case PotentialKind::double_well:
        p.barrier = s.get_double("barrier");
        p.minima = s.get_double("minima");
        break;
      case PotentialKind::table:
        spec.table.file = s.get_string("file");
        require_input_file(spec.table.file, s.full_key("file"));
        spec.table.position_dataset = s.get_string("position_dataset", "position");
        spec.table.potential_dataset = s.get_string("potential_dataset", "potential");
        break;
    }
    spec.segment.method = get_choice<evolution::PropagationMethod>(
        s, "method", "auto",
        {{"auto", evolution::PropagationMethod::automatic},
         {"exact", evolution::PropagationMethod::exact},
         {"split", evolution::PropagationMethod::split_operator},
         {"split_operator", evolution::PropagationMethod::split_operator}});
    protocol.push_back(spec);
  }
  return protocol;
}

/// time.step must resolve every segment: a step longer than a segment would silently become
/// the segment's duration.
void require_step_fits_segments(double time_step, const std::vector<SegmentSpec>& protocol) {
  for (std::size_t s = 0; s < protocol.size(); ++s) {
    const double duration = protocol[s].segment.duration;
    if (time_step > 0.0 && duration > 0.0 && time_step > duration)
      throw InvalidArgument("time.step", format_number(time_step),
                            "at most protocol[" + std::to_string(s) +
                                "].duration = " + format_number(duration) + " s");
  }
}

/// The coherence's two marked points: observables.coherence_a/b, or for a cat the centres of
/// its branches, which must then lie on the grid.
std::vector<std::vector<double>> read_marked_points(const io::Config& config,
                                                    const std::vector<evolution::Axis>& axes,
                                                    const evolution::InitialStateSpec& init) {
  if (config.has("observables.coherence_a") || config.has("observables.coherence_b"))
    return {config.get_doubles("observables.coherence_a"),
            config.get_doubles("observables.coherence_b")};
  if (init.kind != evolution::InitialKind::cat) return {};
  std::vector<double> a, b;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const double c = i == init.axis ? init.center : axes[i].center;
    const double h = i == init.axis ? 0.5 * init.separation : 0.0;
    a.push_back(c - h);
    b.push_back(c + h);
  }
  // The branch centres must round to grid points, as the run rounds them: index
  // llround((x - center)/step + N/2) in [0, N), coordinate(i) = center + (i - N/2) step.
  const evolution::Axis& axis = axes[init.axis];
  const double step = effective_step(axis);
  const double half = static_cast<double>(axis.points / 2);
  auto on_grid = [&](double x) {
    const long long i = std::llround((x - axis.center) / step + half);
    return i >= 0 && i < static_cast<long long>(axis.points);
  };
  if (init.separation > 0.0 && step > 0.0 && (!on_grid(a[init.axis]) || !on_grid(b[init.axis])))
    throw InvalidArgument(
        "initial.separation", format_number(init.separation),
        "branch centres on axis " + axis.name + " (from " +
            format_number(axis.center - half * step) + " to " +
            format_number(axis.center + (static_cast<double>(axis.points) - 1 - half) * step) +
            ")");
  return {a, b};
}

}  // namespace

ChannelSpec read_channel_spec(const io::Config& c, const ParticleSpec& particle, InputNames* names,
                              std::vector<std::string>* derivation_lines) {
  // A value the channel does not give comes from [particle]; errors about it then name the
  // particle's key, and the run summary says where it came from.
  std::vector<std::string> ignored;
  std::vector<std::string>& derivations = derivation_lines ? *derivation_lines : ignored;
  auto inherit = [&](const std::string& field, const std::string& particle_key,
                     const std::string& text) {
    if (names) names->add(field, particle_key);
    derivations.push_back(c.full_key(field) + " = " + text + " (from " + particle_key + ")");
  };
  auto radius_of = [&]() -> std::optional<double> {
    if (c.has("radius")) return c.get_double("radius");
    if (particle.body_radius) {
      inherit("radius", "particle.body.radius", format_number(*particle.body_radius) + " m");
      return particle.body_radius;
    }
    if (!particle.radius) return std::nullopt;
    inherit("radius", "particle.radius", format_number(*particle.radius) + " m");
    return particle.radius;
  };
  auto required_radius = [&]() {
    const std::optional<double> r = radius_of();
    if (!r)
      throw InvalidArgument(c.full_key("radius"), "missing",
                            "a value > 0 (m), here or as particle.radius");
    return *r;
  };
  // The particle's (internal) temperature is the default of every temperature that belongs to
  // the particle: the desorbing surface and the thermal emitter.
  auto particle_temperature = [&](const std::string& field, double fallback) {
    if (c.has(field)) return c.get_double(field);
    if (!particle.temperature) return fallback;
    inherit(field, "particle.temperature", format_number(*particle.temperature) + " K");
    return *particle.temperature;
  };
  // The material of a photon channel: its own `material`, or the particle's.
  auto material_of = [&]() -> std::optional<Material> {
    if (c.has("material")) {
      const std::string name = c.get_string("material");
      try {
        return load_material(name);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(c.full_key("material"), "\"" + name + "\"", e.what());
      }
    }
    return particle.material;
  };
  auto read_emission = [&](EmissionRateSpec& e, double temperature) {
    if (c.has("rate")) e.rate = c.get_double("rate");
    if (c.has("outgassing")) {
      e.outgassing = c.get_double("outgassing");
      e.outgassing_unit = c.get_string("outgassing_unit");
    }
    e.gas_temperature = c.get_double("gas_temperature", temperature);
    if (e.rate && e.outgassing)
      throw InvalidArgument(
          c.full_key("rate"), format_number(*e.rate),
          "either a rate or an outgassing rate (" + c.full_key("outgassing") + "), not both");
    if (!e.rate && !e.outgassing)
      throw InvalidArgument(c.full_key("rate"), "missing",
                            "a total emission rate (1/s) or an outgassing rate (" +
                                c.full_key("outgassing") + " with outgassing_unit)");
  };

  const std::string kind = c.get_string("kind");
  if (kind == "diffusive") {
    DiffusiveChannelSpec s;
    s.lambda = c.get_double("lambda");
    s.angular_lambda = c.get_double("angular_lambda", 0.0);
    return s;
  }
  if (kind == "gaussian") {
    GaussianChannelSpec s;
    s.rate = c.get_double("rate");
    s.length = c.get_double("length");
    s.angular_length = c.get_double("angular_length", 0.0);
    return s;
  }
  if (kind == "magnetic" || kind == "dielectric") {
    const double radius = required_radius();
    const double temperature = c.get_double("temperature", 300.0);
    const double t_internal = particle_temperature("t_internal", temperature);
    const std::optional<Material> material = material_of();
    const std::string material_key =
        c.has("material") ? c.full_key("material") : std::string("particle.material");
    if (kind == "magnetic") {
      MagneticChannelSpec s;
      s.radius = radius;
      s.temperature = temperature;
      s.t_internal = t_internal;
      if (c.has("chi_real") || c.has("chi_imag") || !material) {
        s.chi_real = c.get_double("chi_real");
        s.chi_imag = c.get_double("chi_imag", 0.0);
        s.susceptibility = MaterialResponse::constant({s.chi_real, s.chi_imag});
        s.response_origin = "chi_real/chi_imag";
      } else {
        // The material's chi(omega), only where its data cover the thermal band (up to
        // 10 k_B T / hbar of the hotter of field and particle); no silent extrapolation.
        if (!material->susceptibility)
          throw InvalidArgument(
              c.full_key("chi_real"), "missing",
              "a value (" + material_key + " \"" + material->name + "\" has no susceptibility)");
        const double needed =
            10.0 * constants::k_boltzmann * std::max(temperature, t_internal) / constants::hbar;
        if (material->susceptibility->valid_max < needed)
          throw InvalidArgument(
              c.full_key("chi_real"), "missing",
              "a value: the susceptibility of " + material_key + " \"" + material->name +
                  "\" is valid up to " + format_number(material->susceptibility->valid_max) +
                  " rad/s, below the thermal band (" + format_number(needed) + " rad/s)");
        s.susceptibility = material->susceptibility->response;
        const std::complex<double> chi0 = s.susceptibility(0.0);
        s.chi_real = chi0.real();
        s.chi_imag = chi0.imag();
        s.response_origin = material->name;
        derivations.push_back(c.full_key("chi") + " = chi(omega) of " + material->name + " (" +
                              material->file + ") (from " + material_key + ")");
        if (names) names->add("chi_real", material_key).add("chi_imag", material_key);
      }
      return s;
    }
    DielectricChannelSpec s;
    s.radius = radius;
    s.temperature = temperature;
    s.t_internal = t_internal;
    if (c.has("permittivity") || !material) {
      s.permittivity = c.get_double("permittivity");
      s.response = MaterialResponse::constant({*s.permittivity, 0.0});
      s.response_origin = "permittivity";
    } else {
      s.response = material->permittivity.response;
      s.response_origin = material->name;
      derivations.push_back(c.full_key("eps") + " = eps(omega) of " + material->name + " (" +
                            material->file + ") (from " + material_key + ")");
    }
    return s;
  }
  if (kind == "desorption_sphere") {
    if (particle.body && particle.body_inputs->body != "sphere")
      throw InvalidArgument(c.full_key("kind"), "\"desorption_sphere\"",
                            "a channel of the particle's body: particle.body is " +
                                body_description(*particle.body_inputs) +
                                ", not a sphere (use kind = \"desorption\", which inherits it)");
    DesorptionSphereChannelSpec s;
    s.temperature = particle_temperature("temperature", 300.0);
    s.atom_mass = c.get_double("atom_mass", 18.0);
    read_emission(s.emission, s.temperature);
    if (s.emission.outgassing) {
      s.radius = radius_of();
      if (!s.radius)
        throw InvalidArgument(c.full_key("radius"), "missing",
                              "a value > 0 (m), here or as particle.radius, to convert " +
                                  c.full_key("outgassing") + " into a rate");
    }
    return s;
  }
  if (kind == "desorption") {
    DesorptionChannelSpec s;
    if (particle.body) {
      // The particle's body, unless the channel describes one; a description that differs
      // from particle.body is a contradiction (one particle has one body).
      const ModelInputs& pb = *particle.body_inputs;
      const std::string own_kind = c.get_string("body", pb.body);
      const bool same_kind = own_kind == pb.body;
      auto same = [](std::optional<double> a, std::optional<double> b) {
        return !a || (b && std::abs(*a - *b) <= 1e-6 * std::abs(*b));
      };
      const std::optional<double> own_radius =
          c.has("radius") ? std::optional<double>(c.get_double("radius")) : std::nullopt;
      const std::optional<double> own_cap =
          c.has("cap_angle") ? std::optional<double>(c.get_double("cap_angle")) : std::nullopt;
      std::string key;
      if (!same_kind)
        key = "body";
      else if (!same(own_radius, pb.radius))
        key = "radius";
      else if (!same(own_cap, pb.cap_angle))
        key = "cap_angle";
      if (!key.empty())
        throw InvalidArgument(c.full_key(key),
                              key == "body"
                                  ? "\"" + own_kind + "\""
                                  : format_number(key == "radius" ? *own_radius : *own_cap),
                              "the body of particle.body (" + body_description(pb) +
                                  "), which the channel inherits (give the body in one place, "
                                  "or consistent values)");
      s.particle_body = particle.body;
      s.body = pb.body;
      s.radius = pb.radius.value_or(0.0);
      s.cap_angle = pb.cap_angle;
      if (!c.has("body")) {
        if (names) names->add("body", "particle.body.kind");
        derivations.push_back(c.full_key("body") + " = " + body_description(pb) +
                              " (from particle.body)");
      }
    } else {
      s.body = c.get_string("body", "sphere");
      s.radius = required_radius();
      if (c.has("cap_angle")) s.cap_angle = c.get_double("cap_angle");
    }
    s.flux = c.get_string("flux", "lambertian");
    if (c.has("power")) s.power = c.get_double("power");
    s.temperature = particle_temperature("temperature", 300.0);
    s.atom_mass = c.get_double("atom_mass", 18.0);
    read_emission(s.emission, s.temperature);
    s.tolerance = c.get_double("tolerance", 1e-6);
    s.rotation_axis = get_vector3(c, "rotation_axis", Eigen::Vector3d::UnitZ());
    return s;
  }
  if (kind == "table") {
    TableChannelSpec s;
    s.file = c.get_string("file");
    require_input_file(s.file, c.full_key("file"));
    if (c.has("rotation_axis"))
      s.rotation_axis = get_vector3(c, "rotation_axis", Eigen::Vector3d::UnitZ());
    s.diffusive_lambda = c.get_double("diffusive_lambda", 0.0);
    s.angular_lambda = c.get_double("angular_lambda", 0.0);
    return s;
  }
  throw InvalidArgument(
      c.full_key("kind"), "\"" + kind + "\"",
      "\"desorption\" | \"desorption_sphere\" | \"gaussian\" | \"diffusive\" | \"magnetic\" | "
      "\"dielectric\" | \"table\"");
}

EvolveInput read_evolve_input(const io::Config& config) {
  EvolveInput input;
  EvolveSpec& spec = input.spec;
  spec.particle = read_particle(config);
  std::vector<Eigen::Vector3d> rotation_axes;
  spec.axes = read_axes(config, spec.particle, &rotation_axes, &spec.particle.derivations);
  spec.initial = read_initial(config, spec.axes);
  spec.time_step = config.get_double("time.step");
  spec.outputs = get_count(config, "time.outputs", 50, 1);
  spec.protocol = read_protocol(config, spec.axes);
  require_step_fits_segments(spec.time_step, spec.protocol);
  std::size_t rotation_axis_index = 0;
  for (std::size_t i = 0; i < spec.axes.size(); ++i)
    if (spec.axes[i].kind == AxisKind::rotation) rotation_axis_index = i;
  for (const io::Config& table : config.get_tables("channels")) {
    InputNames names = InputNames::toml_table(table.full_key("")).strip("channels.");
    spec.channels.push_back(
        read_channel_spec(table, spec.particle, &names, &spec.particle.derivations));
    if (auto* d = std::get_if<DesorptionChannelSpec>(&spec.channels.back())) {
      if (rotation_axes.size() > 1)
        throw InvalidArgument(table.full_key("kind"), "\"desorption\"",
                              "a grid of at most 3 translation axes and 1 rotation axis");
      if (rotation_axes.size() == 1) {
        // The channel turns the body about the grid axis' body axis unless it says otherwise;
        // another axis would turn a different body from the one whose moment the grid uses.
        const std::string axis_key =
            "axes[" + std::to_string(rotation_axis_index) + "].rotation_axis";
        if (!table.has("rotation_axis")) {
          d->rotation_axis = rotation_axes[0];
        } else if (d->rotation_axis.normalized().cross(rotation_axes[0]).norm() > 1e-9 ||
                   d->rotation_axis.dot(rotation_axes[0]) <= 0.0) {
          throw InvalidArgument(table.full_key("rotation_axis"),
                                "a different axis from " + axis_key,
                                "the body axis of rotation axis " + axis_key +
                                    " (give it in one place, or the same axis)");
        }
      }
    }
    input.names.channels.push_back(names);
  }
  spec.marked_points = read_marked_points(config, spec.axes, spec.initial);
  if (config.has("observables.coherence_a") || config.has("observables.coherence_b"))
    input.names.run.add("observables.coherence_points", "observables.coherence_a/coherence_b");
  spec.output.file = config.get_string("output.file", "evolve.h5");
  spec.output.final_state = config.get_bool("output.final_state", false);
  spec.output.snapshots = get_count(config, "output.snapshots", 0, 0);
  spec.output.snapshot_points = get_count(config, "output.snapshot_points", 128, 2);
  spec.output.wigner = config.get_bool("output.wigner", false);
  spec.output.checkpoint_every =
      get_count(config, "output.checkpoint_every", 0, 0, std::numeric_limits<long long>::max());
  spec.output.checkpoint_file = config.get_string("output.checkpoint_file", "");
  spec.backend = config.get_string("run.backend", "auto");
  spec.precision =
      get_choice<evolution::Precision>(config, "run.precision", "complex128",
                                       {{"complex128", evolution::Precision::complex128},
                                        {"complex64", evolution::Precision::complex64}});
  spec.compare_diffusive = config.get_bool("run.compare_diffusive", false);
  spec.fft_planning =
      get_choice<evolution::FftPlanning>(config, "numerics.fft_planning", "measure",
                                         {{"estimate", evolution::FftPlanning::estimate},
                                          {"measure", evolution::FftPlanning::measure},
                                          {"patient", evolution::FftPlanning::patient}});
  spec.exact_tolerance = config.get_double("numerics.tolerance", 1e-10);
  spec.coherence_only = config.get_bool("observables.coherence_only", false);
  return input;
}

const std::string& default_evolve_config() {
  static const std::string text =
      R"(# Built-in default of `nanodecoh evolve`: a 100 nm fused-silica sphere (radius 50 nm;
# mass and moment of inertia derived from the preset's density, 2200 kg/m^3) prepared in
# a 40 nm superposition -- 1000 times the ~40 pm wavelength of the water molecules it
# desorbs at 300 K -- in free flight. Desorption (Lambertian sphere, thermal spectrum)
# saturates at its total rate: each emission destroys the coherence, but no faster.
# Blackbody photons add the full (not long-wavelength), fluctuation-dissipation-consistent
# rates of the sphere's magnetic (silica's chi) and electric (silica's eps(omega))
# dipoles: scattering, absorption, and thermal emission at the particle's temperature.
# The diffusive (quadratic) approximation of the same channels runs alongside.
[particle]
material = "fused-silica"
radius = 50.0e-9
temperature = 300.0

[[axes]]
kind = "translation"
name = "x"
points = 256
step = 0.5e-9

[initial]
kind = "cat"
axis = "x"
width = 5.0e-9
separation = 40.0e-9

[time]
step = 1.0e-5
outputs = 101

[[protocol]]
duration = 2.0e-3
potential = "free"
# The split operator: the grid does not hold the momenta of the water kicks (hbar k_T), so
# the exact method would show the continuum state aliased on it (and tabulate the photon F).
method = "split"

[[channels]]
kind = "desorption_sphere"
rate = 1000.0
atom_mass = 18.0

[[channels]]
kind = "magnetic"
temperature = 300.0

[[channels]]
kind = "dielectric"
temperature = 300.0

[output]
file = "evolve.h5"
snapshots = 5
wigner = true

[run]
backend = "auto"
precision = "complex128"
compare_diffusive = true
)";
  return text;
}

}  // namespace nanodecoh::app
