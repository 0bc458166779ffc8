// Building the evolve run's physics from its specs (evolve_factory.hpp): one
// function per channel kind, each a thin mapping of spec fields onto a library
// constructor or rate function.
#include "app/evolve_factory.hpp"

#include "app/evolve_config.hpp"

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

/// Full (non-long-wavelength) F = R11 - R12 of a magnetic sphere in blackbody radiation
/// (magnetic eq. 54); the diffusive comparison is its dx^2 limit (magnetic eq. 60).
ChannelPtr make_magnetic_channel(const MagneticChannelSpec& spec) {
  RatesInput in;
  in.radius = spec.radius;
  in.chi_real = spec.chi_real;
  in.chi_imag = spec.chi_imag;
  in.temperature = spec.temperature;
  in.shape_factor = spec.shape_factor;
  in.permittivity = 2.0;  // unused here; validate() requires a valid dielectric comparison
  in.mass = 1.0;          // unused here (drag is not part of the dissipator)
  in.validate();          // names the fields: "radius", "chi_real", ...
  const std::complex<double> chi = in.susceptibility();
  const double lambda =
      decoherence_rate_longwave(in.radius, chi, in.temperature, in.shape_factor, 1.0).total;
  return make_isotropic_channel(
      [in, chi](double dx) {
        return decoherence_rate(in.radius, chi, in.temperature, in.shape_factor, dx).total;
      },
      "magnetic(radius=" + format_number(in.radius) + ", chi=" + format_number(in.chi_real) + "+" +
          format_number(in.chi_imag) + "i, T=" + format_number(in.temperature) + ")",
      lambda, thermal_photon_momentum(in.temperature));
}

/// Full F of a dielectric sphere (Maxwell dual of the magnetic scattering F); its dx^2 limit is
/// magnetic eq. 61.
ChannelPtr make_dielectric_channel(const DielectricChannelSpec& spec) {
  require_positive("radius", spec.radius);
  require_positive("temperature", spec.temperature);
  if (spec.permittivity == 1.0 || spec.permittivity == -2.0)
    throw InvalidArgument("permittivity", format_number(spec.permittivity),
                          "a finite value other than 1 and -2");
  const double lambda =
      dielectric_decoherence_rate_longwave(spec.radius, spec.permittivity, spec.temperature, 1.0);
  return make_isotropic_channel(
      [spec](double dx) {
        return dielectric_decoherence_rate(spec.radius, spec.permittivity, spec.temperature, dx);
      },
      "dielectric(radius=" + format_number(spec.radius) + ", eps=" +
          format_number(spec.permittivity) + ", T=" + format_number(spec.temperature) + ")",
      lambda, thermal_photon_momentum(spec.temperature));
}

ChannelPtr make_desorption_sphere_channel(const DesorptionSphereChannelSpec& spec) {
  require_positive("atom_mass", spec.atom_mass);
  return std::make_shared<evolution::DesorptionSphereChannel>(
      spec.rate, spec.temperature, spec.atom_mass * constants::atomic_mass_unit);
}

}  // namespace

/// The i-th translation axis of the grid moves the body along lab axis e_i (x, y, z in the order
/// of the translation axes), and a rotation axis of the grid turns it about `rotation_axis`.
/// F is integrated once per distinct (dX, phi, phi') of the grid to `tolerance` * Gamma.
ChannelPtr make_desorption_channel(const DesorptionChannelSpec& spec) {
  // The localization engine's complex F (desorption eq. 48), tabulated for the run's grid on
  // the run's backend (evolution/localization_channels.hpp).
  namespace loc = localization;
  loc::EmissionModel model;
  require_positive("radius", spec.radius);
  if (spec.body == "sphere")
    model.body = loc::make_sphere(spec.radius);
  else if (spec.body == "janus")
    model.body = loc::make_janus_sphere(spec.radius, spec.cap_angle.value_or(constants::pi / 2));
  else
    throw InvalidArgument("body", "\"" + spec.body + "\"", "\"sphere\" | \"janus\"");
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
  require_positive("rate", spec.rate);
  model.rate = spec.rate;
  return std::make_shared<evolution::LocalizationChannel>(
      std::make_shared<const loc::LocalizationRate>(model), spec.tolerance, spec.rotation_axis,
      "desorption(" + spec.body + ", radius=" + format_number(spec.radius) +
          ", rate=" + format_number(model.rate) + ", T=" + format_number(spec.temperature) + ")");
}

ChannelPtr make_table_channel(const TableChannelSpec& spec) {
  // An F-table file as `nanodecoh ftable` writes it (docs/ftable-format.md); a rotation grid
  // axis turns the body about the file's own axis unless the spec says otherwise.
  io::FTable table = io::read_ftable(spec.file);
  const Eigen::Vector3d file_axis(table.rotation_axis[0], table.rotation_axis[1],
                                  table.rotation_axis[2]);
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

void check_initial_state(const evolution::SimulationSpec& spec) {
  const evolution::Grid grid(spec.axes);
  if (grid.total_size() > (std::size_t{1} << 24)) return;
  const auto rho = evolution::make_initial_state(grid, spec.initial);
  evolution::check_resolution(grid, rho);
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
