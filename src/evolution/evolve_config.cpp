// Typed reading of the evolve configuration (evolve_config.hpp): every key of
// docs/evolve-config.md, validated once here and in validate(SimulationSpec).
#include "evolution/evolve_config.hpp"

#include <cmath>
#include <map>
#include <mutex>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

template <typename Enum>
Enum parse_choice(const io::Config& c, const std::string& key, const std::string& fallback,
                  std::initializer_list<std::pair<const char*, Enum>> choices) {
  const std::string text = fallback.empty() ? c.get_string(key) : c.get_string(key, fallback);
  std::string allowed;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    allowed += (allowed.empty() ? "" : " | ") + std::string("\"") + name + "\"";
  }
  throw InvalidArgument(c.full_key(key), "\"" + text + "\"", allowed);
}

std::size_t get_count(const io::Config& c, const std::string& key, long long fallback,
                      long long lo) {
  const long long v = c.get_int(key, fallback);
  require_at_least(c.full_key(key), v, lo);
  return static_cast<std::size_t>(v);
}

/// A translation-only channel whose F depends on |dX| alone, evaluated by `rate_of_distance`
/// once per distinct |dX| of the grid (the full-form rates cost a quadrature each).
std::shared_ptr<const DissipationChannel> make_isotropic_channel(
    std::function<double(double)> rate_of_distance, std::string label, double diffusive_lambda,
    double recoil_momentum) {
  auto cache = std::make_shared<std::map<double, double>>();
  auto mutex = std::make_shared<std::mutex>();
  auto function = [rate_of_distance, cache, mutex](const std::vector<double>& displacement,
                                                   const std::vector<double>&,
                                                   const std::vector<double>&) {
    double sum = 0.0;
    for (double d : displacement) sum += d * d;
    const double distance = std::sqrt(sum);
    std::lock_guard<std::mutex> lock(*mutex);
    auto it = cache->find(distance);
    if (it == cache->end()) it = cache->emplace(distance, rate_of_distance(distance)).first;
    return std::complex<double>(it->second, 0.0);
  };
  return std::make_shared<FunctionChannel>(function, std::move(label), diffusive_lambda, 0.0,
                                           recoil_momentum);
}

/// Mean momentum of a thermal photon, 2.701 k_B T/c (its recoil is always resolved).
double thermal_photon_momentum(double temperature) {
  return 2.701 * constants::k_boltzmann * temperature / constants::speed_of_light;
}

/// An optional [x, y, z] key (a rotation axis), `fallback` when absent.
Eigen::Vector3d axis_key(const io::Config& c, const std::string& key,
                         const Eigen::Vector3d& fallback) {
  if (!c.has(key)) return fallback;
  const auto v = c.get_doubles(key);
  if (v.size() != 3)
    throw InvalidArgument(c.full_key(key), std::to_string(v.size()) + " numbers", "3 numbers");
  const Eigen::Vector3d axis(v[0], v[1], v[2]);
  localization::rotation_about(axis, 0.0, c.full_key(key));  // rejects a zero axis
  return axis;
}

/// The desorption channel from the localization engine (desorption eq. 48, complex F),
/// tabulated for the run's grid on the run's backend (localization_channels.hpp).
std::shared_ptr<const DissipationChannel> make_desorption_channel(const io::Config& c) {
  namespace loc = localization;
  loc::EmissionModel model;
  const std::string body = c.get_string("body", "sphere");
  const double radius = c.get_double("radius");
  require_positive(c.full_key("radius"), radius);
  if (body == "sphere")
    model.body = loc::make_sphere(radius);
  else if (body == "janus")
    model.body = loc::make_janus_sphere(radius, c.get_double("cap_angle", constants::pi / 2));
  else
    throw InvalidArgument(c.full_key("body"), "\"" + body + "\"", "\"sphere\" | \"janus\"");
  const std::string flux = c.get_string("flux", "lambertian");
  if (flux == "lambertian")
    model.flux_law = loc::FluxLaw::lambertian;
  else if (flux == "isotropic")
    model.flux_law = loc::FluxLaw::isotropic;
  else if (flux == "cosine-power") {
    model.flux_law = loc::FluxLaw::cosine_power;
    model.power = c.get_double("power");
  } else
    throw InvalidArgument(c.full_key("flux"), "\"" + flux + "\"",
                          "\"lambertian\" | \"isotropic\" | \"cosine-power\"");
  const double temperature = c.get_double("temperature", 300.0);
  require_positive(c.full_key("temperature"), temperature);
  model.spectrum = loc::Spectrum::thermal(temperature);
  const double amu = c.get_double("atom_mass", 18.0);
  require_positive(c.full_key("atom_mass"), amu);
  model.emitted_mass = amu * constants::atomic_mass_unit;
  model.rate = c.get_double("rate");
  require_positive(c.full_key("rate"), model.rate);
  const double tolerance = c.get_double("tolerance", 1e-6);
  require_in_range(c.full_key("tolerance"), tolerance, loc::minimum_tolerance, 1.0);
  const Eigen::Vector3d axis = axis_key(c, "rotation_axis", Eigen::Vector3d::UnitZ());
  return std::make_shared<LocalizationChannel>(
      std::make_shared<const loc::LocalizationRate>(model), tolerance, axis,
      "desorption(" + body + ", radius=" + format_number(radius) +
          ", rate=" + format_number(model.rate) + ", T=" + format_number(temperature) + ")");
}

/// The table channel: an F-table file as `nanodecoh ftable` writes it (docs/ftable-format.md).
std::shared_ptr<const DissipationChannel> make_table_channel(const io::Config& c) {
  const std::string path = c.get_string("file");
  io::FTable table = io::read_ftable(path);
  // A rotation grid axis turns the body about the table's own axis unless the config says
  // otherwise.
  const Eigen::Vector3d table_axis(table.rotation_axis[0], table.rotation_axis[1],
                                   table.rotation_axis[2]);
  const Eigen::Vector3d axis = axis_key(c, "rotation_axis", table_axis);
  const double lambda = c.get_double("diffusive_lambda", 0.0);
  require_nonnegative(c.full_key("diffusive_lambda"), lambda);
  const double angular_lambda = c.get_double("angular_lambda", 0.0);
  require_nonnegative(c.full_key("angular_lambda"), angular_lambda);
  return std::make_shared<FTableChannel>(std::move(table), path, axis, lambda, angular_lambda);
}

}  // namespace

ChannelList make_channels(const std::vector<io::Config>& tables) {
  ChannelList channels;
  for (const io::Config& c : tables) {
    const std::string kind = c.get_string("kind");
    if (kind == "diffusive") {
      channels.push_back(std::make_shared<DiffusiveChannel>(c.get_double("lambda"),
                                                            c.get_double("angular_lambda", 0.0)));
    } else if (kind == "gaussian") {
      channels.push_back(std::make_shared<GaussianChannel>(
          c.get_double("rate"), c.get_double("length"), c.get_double("angular_length", 0.0)));
    } else if (kind == "magnetic") {
      // Full (non-long-wavelength) F = R11 - R12 of a magnetic sphere in blackbody radiation
      // (magnetic eq. 54); the diffusive comparison is its dx^2 limit (magnetic eq. 60).
      RatesInput in;
      in.radius = c.get_double("radius");
      in.chi_real = c.get_double("chi_real");
      in.chi_imag = c.get_double("chi_imag", 0.0);
      in.temperature = c.get_double("temperature", 300.0);
      in.shape_factor = c.get_double("shape_factor", 0.5);
      in.permittivity = 2.0;  // unused here; validate() requires a valid dielectric comparison
      in.mass = 1.0;          // unused here (drag is not part of the dissipator)
      try {
        in.validate();
      } catch (const InvalidArgument& e) {  // report the config key, not the CLI flag
        std::string key = e.parameter().substr(e.parameter().find_first_not_of('-'));
        for (char& ch : key) ch = ch == '-' ? '_' : ch;
        throw InvalidArgument(c.full_key(key), e.value(), e.allowed());
      }
      const std::complex<double> chi = in.susceptibility();
      const double lambda =
          decoherence_rate_longwave(in.radius, chi, in.temperature, in.shape_factor, 1.0).total;
      channels.push_back(make_isotropic_channel(
          [in, chi](double dx) {
            return decoherence_rate(in.radius, chi, in.temperature, in.shape_factor, dx).total;
          },
          "magnetic(radius=" + format_number(in.radius) + ", chi=" + format_number(in.chi_real) +
              "+" + format_number(in.chi_imag) + "i, T=" + format_number(in.temperature) + ")",
          lambda, thermal_photon_momentum(in.temperature)));
    } else if (kind == "dielectric") {
      // Full F of a dielectric sphere (Maxwell dual of the magnetic scattering F); its dx^2
      // limit is magnetic eq. 61.
      const double radius = c.get_double("radius");
      const double permittivity = c.get_double("permittivity");
      const double temperature = c.get_double("temperature", 300.0);
      require_positive(c.full_key("radius"), radius);
      require_positive(c.full_key("temperature"), temperature);
      if (permittivity == 1.0 || permittivity == -2.0)
        throw InvalidArgument(c.full_key("permittivity"), format_number(permittivity),
                              "a finite value other than 1 and -2");
      const double lambda =
          dielectric_decoherence_rate_longwave(radius, permittivity, temperature, 1.0);
      channels.push_back(make_isotropic_channel(
          [radius, permittivity, temperature](double dx) {
            return dielectric_decoherence_rate(radius, permittivity, temperature, dx);
          },
          "dielectric(radius=" + format_number(radius) + ", eps=" + format_number(permittivity) +
              ", T=" + format_number(temperature) + ")",
          lambda, thermal_photon_momentum(temperature)));
    } else if (kind == "desorption") {
      channels.push_back(make_desorption_channel(c));
    } else if (kind == "desorption_sphere") {
      const double amu = c.get_double("atom_mass", 18.0);
      require_positive(c.full_key("atom_mass"), amu);
      channels.push_back(std::make_shared<DesorptionSphereChannel>(
          c.get_double("rate"), c.get_double("temperature", 300.0),
          amu * constants::atomic_mass_unit));
    } else if (kind == "table") {
      channels.push_back(make_table_channel(c));
    } else {
      throw InvalidArgument(
          c.full_key("kind"), "\"" + kind + "\"",
          "\"desorption\" | \"desorption_sphere\" | \"gaussian\" | \"diffusive\" | \"magnetic\" | "
          "\"dielectric\" | \"table\"");
    }
  }
  return channels;
}

SimulationSpec read_simulation_spec(const io::Config& config, std::string& backend_choice) {
  SimulationSpec spec;
  const double mass = config.get_double("particle.mass", 0.0);
  const bool has_inertia = config.has("particle.moment_of_inertia");
  const double inertia = config.get_double("particle.moment_of_inertia", 0.0);
  const auto axes = config.get_tables("axes");
  if (axes.empty()) throw InvalidArgument("axes", "missing", "one to three [[axes]] tables");
  for (const io::Config& a : axes) {
    Axis axis;
    axis.kind = parse_choice<AxisKind>(
        a, "kind", "translation",
        {{"translation", AxisKind::translation}, {"rotation", AxisKind::rotation}});
    axis.name = a.get_string("name", axis.kind == AxisKind::translation ? "x" : "phi");
    axis.points = get_count(a, "points", 64, 2);
    axis.center = a.get_double("center", 0.0);
    if (axis.kind == AxisKind::translation) {
      axis.step = a.get_double("step");
      require_positive("particle.mass", mass);
      axis.inertia = mass;
    } else {
      axis.mode = parse_choice<RotationMode>(
          a, "mode", "libration",
          {{"libration", RotationMode::libration}, {"circle", RotationMode::circle}});
      axis.step =
          axis.mode == RotationMode::circle ? a.get_double("step", 1.0) : a.get_double("step");
      if (!has_inertia)
        throw InvalidArgument("particle.moment_of_inertia", "missing",
                              "a value > 0 (kg m^2) for rotation axis " + axis.name);
      axis.inertia = inertia;
    }
    spec.axes.push_back(axis);
  }
  const Grid grid(spec.axes);
  // Initial state.
  InitialStateSpec& init = spec.initial;
  init.kind = parse_choice<InitialKind>(config, "initial.kind", "gaussian",
                                        {{"gaussian", InitialKind::gaussian},
                                         {"cat", InitialKind::cat},
                                         {"thermal", InitialKind::thermal},
                                         {"file", InitialKind::file}});
  init.axis =
      grid.axis_index(config.get_string("initial.axis", grid.axes()[0].name), "initial.axis");
  init.width = config.get_double("initial.width", 5.0 * grid.axes()[init.axis].step);
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
    init.dataset = config.get_string("initial.dataset", "final/rho");
  }
  // Time and protocol.
  spec.time_step = config.get_double("time.step");
  spec.outputs = get_count(config, "time.outputs", 50, 1);
  const auto segments = config.get_tables("protocol");
  if (segments.empty())
    throw InvalidArgument("protocol", "missing", "at least one [[protocol]] segment");
  for (const io::Config& s : segments) {
    Segment seg;
    seg.duration = s.get_double("duration");
    Potential& p = seg.potential;
    p.kind = parse_choice<PotentialKind>(s, "potential", "free",
                                         {{"free", PotentialKind::free},
                                          {"harmonic", PotentialKind::harmonic},
                                          {"linear", PotentialKind::linear},
                                          {"double_well", PotentialKind::double_well},
                                          {"table", PotentialKind::table}});
    p.axis = grid.axis_index(s.get_string("axis", grid.axes()[0].name), s.full_key("axis"));
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
      case PotentialKind::table: {
        const io::Hdf5File file = io::Hdf5File::open_read(s.get_string("file"));
        p.table_position = file.read_doubles(s.get_string("position_dataset", "position"));
        p.table_value = file.read_doubles(s.get_string("potential_dataset", "potential"));
        break;
      }
    }
    const std::string method = s.get_string("method", "split_operator");
    if (method != "split_operator")
      throw InvalidArgument(s.full_key("method"), "\"" + method + "\"", "\"split_operator\"");
    spec.protocol.push_back(seg);
  }
  spec.channels = make_channels(config.get_tables("channels"));
  // Observables: coherence between two marked points (default for a cat: the branch centres).
  if (config.has("observables.coherence_a") || config.has("observables.coherence_b")) {
    spec.marked_points = {config.get_doubles("observables.coherence_a"),
                          config.get_doubles("observables.coherence_b")};
  } else if (init.kind == InitialKind::cat) {
    std::vector<double> a, b;
    for (std::size_t i = 0; i < grid.axis_count(); ++i) {
      const double c = i == init.axis ? init.center : grid.axes()[i].center;
      const double h = i == init.axis ? 0.5 * init.separation : 0.0;
      a.push_back(c - h);
      b.push_back(c + h);
    }
    spec.marked_points = {a, b};
  }
  // Output and run.
  spec.output.file = config.get_string("output.file", "evolve.h5");
  spec.output.final_state = config.get_bool("output.final_state", false);
  spec.output.snapshots = get_count(config, "output.snapshots", 0, 0);
  spec.output.snapshot_points = get_count(config, "output.snapshot_points", 128, 2);
  spec.output.wigner = config.get_bool("output.wigner", false);
  spec.output.checkpoint_every = get_count(config, "output.checkpoint_every", 0, 0);
  spec.output.checkpoint_file = config.get_string("output.checkpoint_file", "");
  backend_choice = config.get_string("run.backend", "auto");
  spec.precision = parse_choice<Precision>(
      config, "run.precision", "complex128",
      {{"complex128", Precision::complex128}, {"complex64", Precision::complex64}});
  spec.compare_diffusive = config.get_bool("run.compare_diffusive", false);
  return spec;
}

const std::string& default_evolve_config() {
  static const std::string text =
      R"(# Built-in default of `nanodecoh evolve`: a 100 nm silica sphere (radius 50 nm,
# 2200 kg/m^3) prepared in a 40 nm superposition -- 1000 times the ~40 pm
# wavelength of the water molecules it desorbs at 300 K -- in free flight.
# Desorption (Lambertian sphere, thermal spectrum) saturates at its total rate:
# each emission destroys the coherence, but no faster. Blackbody scattering off the
# sphere's magnetic (silica: chi = -1.1e-5) and electric (static eps = 3.8) dipoles
# adds the full, non-long-wavelength rates of the magnetic paper. The diffusive
# (quadratic) approximation of the same channels runs alongside.
[particle]
mass = 1.152e-18

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

[[channels]]
kind = "desorption_sphere"
rate = 1000.0
temperature = 300.0
atom_mass = 18.0

[[channels]]
kind = "magnetic"
radius = 50.0e-9
chi_real = -1.1e-5
temperature = 300.0

[[channels]]
kind = "dielectric"
radius = 50.0e-9
permittivity = 3.8
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

}  // namespace nanodecoh::evolution
