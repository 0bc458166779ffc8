// Building the evolve run's physics from its specs (evolve_factory.hpp): one
// function per channel kind, each a thin mapping of spec fields onto a library
// constructor or rate function.
#include "app/evolve_factory.hpp"

#include "app/evolve_config.hpp"

#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/thermal_photon_rates.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

using evolution::FunctionChannel;

/// A translation-only channel whose F depends on |dX| alone, evaluated by `rate_of_distance`
/// once per distinct |dX| of the grid (the full-form rates cost a quadrature each).
ChannelPtr make_isotropic_channel(std::function<double(double)> rate_of_distance, std::string label,
                                  double diffusive_lambda, double recoil_momentum) {
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

constexpr PhotonChannel photon_processes[] = {PhotonChannel::scattering, PhotonChannel::absorption,
                                              PhotonChannel::emission};

/// A photon channel of evolve: F(|dX|) summed over scattering, absorption and emission
/// (thermal_photon_rates.hpp), its diffusive comparison the sum of the processes'
/// localization parameters.
ChannelPtr make_photon_channel(const DipoleSphere& sphere, const PhotonTemperatures& t,
                               std::string label) {
  const double lambda = photon_localization_parameter(sphere, t);
  return make_isotropic_channel(
      [sphere, t](double dx) { return photon_decoherence_rate(sphere, t, dx); }, std::move(label),
      lambda, thermal_photon_momentum(std::max(t.environment, t.internal)));
}

/// The temperatures of a photon channel, checked under the channel's field names.
PhotonTemperatures photon_temperatures(double temperature, double t_internal) {
  require_positive("temperature", temperature);
  require_nonnegative("t_internal", t_internal);
  return {temperature, t_internal};
}

ChannelPtr make_magnetic_channel(const MagneticChannelSpec& spec) {
  require_positive("radius", spec.radius);
  // chi = -3 is the pole of chi/(3 + chi); Im chi < 0 would be a gain medium.
  require_nonnegative("chi_imag", spec.chi_imag);
  if (std::abs(3.0 + spec.chi_real) < 1e-12 && spec.chi_imag == 0.0)
    throw InvalidArgument("chi_real", format_number(spec.chi_real), "a value other than -3");
  const PhotonTemperatures t = photon_temperatures(spec.temperature, spec.t_internal);
  const DipoleSphere sphere{DipoleKind::magnetic, spec.radius, spec.susceptibility};
  return make_photon_channel(
      sphere, t,
      "magnetic(radius=" + format_number(spec.radius) + ", chi=" +
          (spec.response_origin == "chi_real/chi_imag"
               ? format_number(spec.chi_real) + "+" + format_number(spec.chi_imag) + "i"
               : spec.response_origin) +
          ", T=" + format_number(t.environment) + ", T_internal=" + format_number(t.internal) +
          ")");
}

ChannelPtr make_dielectric_channel(const DielectricChannelSpec& spec) {
  require_positive("radius", spec.radius);
  if (spec.permittivity && (*spec.permittivity == 1.0 || *spec.permittivity == -2.0))
    throw InvalidArgument("permittivity", format_number(*spec.permittivity),
                          "a finite value other than 1 and -2");
  const PhotonTemperatures t = photon_temperatures(spec.temperature, spec.t_internal);
  const DipoleSphere sphere{DipoleKind::electric, spec.radius, spec.response};
  // A tabulated eps(omega) must cover the thermal band: checked now, under the channel's name.
  (void)photon_decoherence_rate(sphere, t, 0.0);
  return make_photon_channel(
      sphere, t,
      "dielectric(radius=" + format_number(spec.radius) + ", eps=" +
          (spec.permittivity ? format_number(*spec.permittivity) : spec.response_origin) + ", T=" +
          format_number(t.environment) + ", T_internal=" + format_number(t.internal) + ")");
}

ChannelPtr make_desorption_sphere_channel(const DesorptionSphereChannelSpec& spec) {
  require_positive("atom_mass", spec.atom_mass);
  require_positive("temperature", spec.temperature);
  double area = 0.0;
  if (spec.emission.outgassing) {
    require_positive("radius", spec.radius.value_or(0.0));
    area = 4.0 * constants::pi * *spec.radius * *spec.radius;
  }
  return std::make_shared<evolution::DesorptionSphereChannel>(
      emission_rate(spec.emission, area), spec.temperature,
      spec.atom_mass * constants::atomic_mass_unit);
}

}  // namespace

double emission_rate(const EmissionRateSpec& spec, double area) {
  if (spec.rate) {
    require_positive("rate", *spec.rate);
    return *spec.rate;
  }
  if (!spec.outgassing) throw InvalidArgument("rate", "missing", "a rate or an outgassing rate");
  require_positive("outgassing", *spec.outgassing);
  const localization::OutgassingUnit unit =
      localization::parse_outgassing_unit(spec.outgassing_unit, "outgassing_unit");
  require_positive("gas_temperature", spec.gas_temperature);
  return localization::outgassing_rate(*spec.outgassing, unit, spec.gas_temperature, area);
}

double photon_decoherence_rate(const DipoleSphere& sphere, const PhotonTemperatures& t, double dx) {
  double f = 0.0;
  for (PhotonChannel process : photon_processes)
    f += photon_channel_decoherence_rate(sphere, process, t, dx);
  return f;
}

double photon_localization_parameter(const DipoleSphere& sphere, const PhotonTemperatures& t) {
  double lambda = 0.0;
  // The mass only enters the drag, which the dissipator does not use.
  for (PhotonChannel process : photon_processes)
    lambda += photon_channel_rates(sphere, process, t, 1.0, 0.0).localization_parameter;
  return lambda;
}

/// The i-th translation axis of the grid moves the body along lab axis e_i (x, y, z in the order
/// of the translation axes), and a rotation axis of the grid turns it about `rotation_axis`.
/// F is integrated once per distinct (dX, phi, phi') of the grid to `tolerance` * Gamma.
ChannelPtr make_desorption_channel(const DesorptionChannelSpec& spec) {
  // The localization engine's complex F (desorption eq. 48), tabulated for the run's grid on
  // the run's backend (evolution/localization_channels.hpp).
  namespace loc = localization;
  loc::EmissionModel model;
  if (spec.particle_body) {
    model.body = spec.particle_body;  // inherited from particle.body (any kind, also a mesh)
  } else {
    require_positive("radius", spec.radius);
    if (spec.body == "sphere")
      model.body = loc::make_sphere(spec.radius);
    else if (spec.body == "janus")
      model.body = loc::make_janus_sphere(spec.radius, spec.cap_angle.value_or(constants::pi / 2));
    else
      throw InvalidArgument("body", "\"" + spec.body + "\"", "\"sphere\" | \"janus\"");
  }
  if (spec.flux == "lambertian")
    model.flux_law = loc::FluxLaw::lambertian;
  else if (spec.flux == "isotropic")
    model.flux_law = loc::FluxLaw::isotropic;
  else if (spec.flux == "cosine-power") {
    model.flux_law = loc::FluxLaw::cosine_power;
    if (!spec.power) throw InvalidArgument("power", "missing", "a number (flux = cosine-power)");
    model.power = *spec.power;
  } else
    throw InvalidArgument("flux", "\"" + spec.flux + "\"",
                          "\"lambertian\" | \"isotropic\" | \"cosine-power\"");
  require_positive("temperature", spec.temperature);
  model.spectrum = loc::Spectrum::thermal(spec.temperature);
  require_positive("atom_mass", spec.atom_mass);
  model.emitted_mass = spec.atom_mass * constants::atomic_mass_unit;
  model.rate = emission_rate(spec.emission, model.body->emitting_area());
  return std::make_shared<evolution::LocalizationChannel>(
      std::make_shared<const loc::LocalizationRate>(model), spec.tolerance, spec.rotation_axis,
      "desorption(" + spec.body +
          (spec.radius > 0.0 ? ", radius=" + format_number(spec.radius) : std::string()) +
          ", rate=" + format_number(model.rate) + ", T=" + format_number(spec.temperature) + ")");
}

ChannelPtr make_table_channel(const TableChannelSpec& spec) {
  // An F-table file as `nanodecoh ftable` writes it (docs/ftable-format.md); a rotation grid
  // axis turns the body about the file's own axis unless the spec says otherwise.
  io::FTable table = io::read_ftable(spec.file);
  const Eigen::Vector3d file_axis(table.rotation_axis[0], table.rotation_axis[1],
                                  table.rotation_axis[2]);
  // On a grid with a rotation axis, the table's orientations must turn the body about that
  // axis (the one the grid's moment of inertia is about), unless the channel names the axis
  // itself (then read_evolve_input has checked it against the grid's).
  if (spec.grid_rotation_axis && !spec.rotation_axis &&
      !same_direction(file_axis, *spec.grid_rotation_axis)) {
    std::ostringstream what;
    what << spec.file << " (orientations about (" << file_axis.transpose() << "))";
    std::ostringstream allowed;
    allowed << "a table of orientations about the grid's body axis " << spec.grid_rotation_axis_key
            << " = (" << spec.grid_rotation_axis->transpose()
            << "): make the table with that orientations.axis, or set the grid's axis";
    throw InvalidArgument("file", what.str(), allowed.str());
  }
  return std::make_shared<evolution::FTableChannel>(std::move(table), spec.file,
                                                    spec.rotation_axis.value_or(file_axis),
                                                    spec.diffusive_lambda, spec.angular_lambda);
}

ChannelPtr make_channel(const ChannelSpec& spec) {
  struct Build {
    ChannelPtr operator()(const DiffusiveChannelSpec& s) const {
      return std::make_shared<evolution::DiffusiveChannel>(s.lambda, s.angular_lambda);
    }
    ChannelPtr operator()(const GaussianChannelSpec& s) const {
      return std::make_shared<evolution::GaussianChannel>(s.rate, s.length, s.angular_length);
    }
    ChannelPtr operator()(const MagneticChannelSpec& s) const { return make_magnetic_channel(s); }
    ChannelPtr operator()(const DielectricChannelSpec& s) const {
      return make_dielectric_channel(s);
    }
    ChannelPtr operator()(const DesorptionSphereChannelSpec& s) const {
      return make_desorption_sphere_channel(s);
    }
    ChannelPtr operator()(const DesorptionChannelSpec& s) const {
      return make_desorption_channel(s);
    }
    ChannelPtr operator()(const TableChannelSpec& s) const { return make_table_channel(s); }
  };
  return std::visit(Build{}, spec);
}

evolution::Potential make_potential(const SegmentSpec& spec) {
  evolution::Potential potential = spec.segment.potential;
  if (potential.kind == evolution::PotentialKind::table) {
    const io::Hdf5File file = io::Hdf5File::open_read(spec.table.file);
    potential.table_position = file.read_doubles(spec.table.position_dataset);
    potential.table_value = file.read_doubles(spec.table.potential_dataset);
  }
  return potential;
}

evolution::SimulationSpec make_simulation_spec(const EvolveInput& input) {
  const EvolveSpec& in = input.spec;
  evolution::SimulationSpec spec;
  spec.axes = in.axes;
  spec.initial = in.initial;
  spec.time_step = in.time_step;
  spec.outputs = in.outputs;
  for (const SegmentSpec& s : in.protocol) {
    evolution::Segment segment = s.segment;
    segment.potential = make_potential(s);
    spec.protocol.push_back(std::move(segment));
  }
  for (std::size_t i = 0; i < in.channels.size(); ++i) {
    const InputNames names =
        i < input.names.channels.size() ? input.names.channels[i] : InputNames();
    spec.channels.push_back(names.translate([&] { return make_channel(in.channels[i]); }));
  }
  spec.marked_points = in.marked_points;
  spec.output = in.output;
  spec.precision = in.precision;
  spec.fft_planning = in.fft_planning;
  spec.fft_wisdom_cache = evolution::default_fft_wisdom_cache(in.precision);
  spec.compare_diffusive = in.compare_diffusive;
  spec.exact_tolerance = in.exact_tolerance;
  spec.coherence_only = in.coherence_only;
  spec.config_toml = in.config_toml;
  return spec;
}

evolution::ChannelList make_channels(const std::vector<io::Config>& tables) {
  evolution::ChannelList channels;
  for (const io::Config& table : tables) {
    const ChannelSpec spec = read_channel_spec(table);
    const InputNames names = InputNames::toml_table(table.full_key("")).strip("channels.");
    channels.push_back(names.translate([&] { return make_channel(spec); }));
  }
  return channels;
}

bool check_initial_state(const evolution::SimulationSpec& spec) {
  const evolution::Grid grid(spec.axes);
  if (grid.total_size() > (std::size_t{1} << 24)) return false;
  const auto rho = evolution::make_initial_state(grid, spec.initial);
  evolution::check_resolution(grid, rho);
  return true;
}

std::vector<std::filesystem::path> input_files(const EvolveSpec& spec) {
  std::vector<std::filesystem::path> files;
  if (spec.initial.kind == evolution::InitialKind::file) files.emplace_back(spec.initial.path);
  for (const auto& segment : spec.protocol)
    if (!segment.table.file.empty()) files.emplace_back(segment.table.file);
  for (const auto& channel : spec.channels)
    if (const auto* table = std::get_if<TableChannelSpec>(&channel))
      files.emplace_back(table->file);
  return files;
}

}  // namespace nanodecoh::app
