// Reading the evolve configuration into an EvolveSpec (evolve_config.hpp): every key of
// docs/evolve-config.md. Values are checked here only where no physics is needed (kinds,
// integer ranges, axis names, input files, the time step against each segment); the
// library validates the rest when evolve_factory.hpp builds the run.
#include "app/evolve_config.hpp"

#include <cmath>

#include "app/config_reading.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
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

std::vector<evolution::Axis> read_axes(const io::Config& config) {
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
      if (!config.has("particle.mass"))
        throw InvalidArgument("particle.mass", "missing",
                              "a value > 0 (kg) for translation axis " + axis.name);
      axis.inertia = config.get_double("particle.mass");
    } else {
      axis.mode =
          get_choice<evolution::RotationMode>(a, "mode", "libration",
                                              {{"libration", evolution::RotationMode::libration},
                                               {"circle", evolution::RotationMode::circle}});
      axis.step = axis.mode == evolution::RotationMode::circle ? a.get_double("step", 1.0)
                                                               : a.get_double("step");
      if (!config.has("particle.moment_of_inertia"))
        throw InvalidArgument("particle.moment_of_inertia", "missing",
                              "a value > 0 (kg m^2) for rotation axis " + axis.name);
      axis.inertia = config.get_double("particle.moment_of_inertia");
    }
    axes.push_back(axis);
  }
  // Keys read only for some axis kinds are still keys of the file: mark them read.
  if (config.has("particle.mass")) (void)config.get_double("particle.mass");
  if (config.has("particle.moment_of_inertia"))
    (void)config.get_double("particle.moment_of_inertia");
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

ChannelSpec read_channel_spec(const io::Config& c) {
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
  if (kind == "magnetic") {
    MagneticChannelSpec s;
    s.radius = c.get_double("radius");
    s.chi_real = c.get_double("chi_real");
    s.chi_imag = c.get_double("chi_imag", 0.0);
    s.temperature = c.get_double("temperature", 300.0);
    s.shape_factor = c.get_double("shape_factor", 0.5);
    return s;
  }
  if (kind == "dielectric") {
    DielectricChannelSpec s;
    s.radius = c.get_double("radius");
    s.permittivity = c.get_double("permittivity");
    s.temperature = c.get_double("temperature", 300.0);
    return s;
  }
  if (kind == "desorption_sphere") {
    DesorptionSphereChannelSpec s;
    s.rate = c.get_double("rate");
    s.temperature = c.get_double("temperature", 300.0);
    s.atom_mass = c.get_double("atom_mass", 18.0);
    return s;
  }
  if (kind == "desorption") {
    DesorptionChannelSpec s;
    s.body = c.get_string("body", "sphere");
    s.radius = c.get_double("radius");
    if (c.has("cap_angle")) s.cap_angle = c.get_double("cap_angle");
    s.flux = c.get_string("flux", "lambertian");
    if (c.has("power")) s.power = c.get_double("power");
    s.temperature = c.get_double("temperature", 300.0);
    s.atom_mass = c.get_double("atom_mass", 18.0);
    s.rate = c.get_double("rate");
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
  spec.axes = read_axes(config);
  spec.initial = read_initial(config, spec.axes);
  spec.time_step = config.get_double("time.step");
  spec.outputs = get_count(config, "time.outputs", 50, 1);
  spec.protocol = read_protocol(config, spec.axes);
  require_step_fits_segments(spec.time_step, spec.protocol);
  std::size_t rotation_axes = 0;
  for (const evolution::Axis& axis : spec.axes) rotation_axes += axis.kind == AxisKind::rotation;
  for (const io::Config& table : config.get_tables("channels")) {
    spec.channels.push_back(read_channel_spec(table));
    if (std::holds_alternative<DesorptionChannelSpec>(spec.channels.back()) && rotation_axes > 1)
      throw InvalidArgument(table.full_key("kind"), "\"desorption\"",
                            "a grid of at most 3 translation axes and 1 rotation axis");
    input.names.channels.push_back(InputNames::toml_table(table.full_key("")).strip("channels."));
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

}  // namespace nanodecoh::app
