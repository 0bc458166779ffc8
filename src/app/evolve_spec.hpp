// Plain specification of a `nanodecoh evolve` run, as read from the TOML
// configuration (docs/evolve-config.md) and before any physics object exists:
// the grid's axes, the initial state, the protocol, one spec per dissipation
// channel, the observables, the output and the run options. evolve_config.hpp
// fills it; evolve_factory.hpp builds the library's SimulationSpec from it.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/input_names.hpp"
#include "app/model_inputs.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/material.hpp"

namespace nanodecoh::app {

/// kind = "diffusive": F = lambda |dx|^2 + angular_lambda dphi^2 (comparison model).
struct DiffusiveChannelSpec {
  double lambda = 0.0;          ///< 1/(m^2 s)
  double angular_lambda = 0.0;  ///< 1/(rad^2 s)
};

/// kind = "gaussian": saturating Gaussian with rate Gamma and length a (and angular length b).
struct GaussianChannelSpec {
  double rate = 0.0;            ///< 1/s
  double length = 0.0;          ///< m
  double angular_length = 0.0;  ///< rad; 0 = no angular decoherence
};

/// kind = "magnetic": F(dx) of the sphere's magnetic dipole in blackbody radiation, summed
/// over the fluctuation-dissipation-consistent photon processes (scattering, absorption of
/// field photons, thermal emission at t_internal; thermal_photon_rates.hpp, docs/rates.md).
struct MagneticChannelSpec {
  double radius = 0.0;  ///< m
  /// chi(omega): chi_real + i chi_imag, or the material's susceptibility.
  MaterialResponse susceptibility = MaterialResponse::constant({0.0, 0.0});
  double chi_real = 0.0;  ///< as given (for the label and the pole check)
  double chi_imag = 0.0;
  std::string response_origin;  ///< "chi_real/chi_imag" or the material's name
  double temperature = 300.0;   ///< T_env of the field, K
  double t_internal = 300.0;    ///< T_int of the particle, K
};

/// kind = "dielectric": the same for the sphere's electric dipole with eps(omega): a constant
/// `permittivity` or the material's tabulated/modelled eps(omega).
struct DielectricChannelSpec {
  double radius = 0.0;                 ///< m
  std::optional<double> permittivity;  ///< constant real eps, if given
  MaterialResponse response = MaterialResponse::constant({0.0, 0.0});
  std::string response_origin;  ///< "permittivity" or the material's name
  double temperature = 300.0;   ///< T_env, K
  double t_internal = 300.0;    ///< T_int, K
};

/// An emission rate given either directly (`rate`, 1/s) or as a specific outgassing rate q
/// (`outgassing` in `outgassing_unit`, as the `outgassing` command takes it), converted with
/// Gamma = q / (k_B T_gas) * emitting area (docs/localization.md).
struct EmissionRateSpec {
  std::optional<double> rate;        ///< 1/s
  std::optional<double> outgassing;  ///< q in outgassing_unit
  std::string outgassing_unit;
  double gas_temperature = 300.0;  ///< K (default: the channel's temperature)
};

/// kind = "desorption_sphere": closed-form Lambertian sphere, thermal spectrum.
struct DesorptionSphereChannelSpec {
  EmissionRateSpec emission;
  std::optional<double> radius;  ///< m; needed only with an outgassing rate
  double temperature = 300.0;    ///< K
  double atom_mass = 18.0;       ///< u
};

/// kind = "desorption": F from the localization engine (desorption eq. 48).
struct DesorptionChannelSpec {
  std::string body = "sphere";  ///< sphere | janus (its own body)
  /// The particle's body (particle.body), inherited when the channel gives none; then
  /// `body` is its kind and `radius` its radius (0 for a mesh).
  std::shared_ptr<const localization::Body> particle_body;
  double radius = 0.0;              ///< m
  std::optional<double> cap_angle;  ///< rad (janus; default pi/2)
  std::string flux = "lambertian";  ///< lambertian | isotropic | cosine-power
  std::optional<double> power;      ///< cosine-power exponent
  double temperature = 300.0;       ///< K
  double atom_mass = 18.0;          ///< u
  EmissionRateSpec emission;
  double tolerance = 1e-6;  ///< in units of the rate
  Eigen::Vector3d rotation_axis = Eigen::Vector3d::UnitZ();
};

/// kind = "table": F from an F-table file (docs/ftable-format.md).
struct TableChannelSpec {
  std::string file;
  std::optional<Eigen::Vector3d> rotation_axis;  ///< default: the file's rotation axis
  /// The grid's rotation axis (body frame) and its key, when the grid has one: the file's
  /// orientations must turn the body about it (checked when the file is read).
  std::optional<Eigen::Vector3d> grid_rotation_axis;
  std::string grid_rotation_axis_key;
  double diffusive_lambda = 0.0;  ///< 1/(m^2 s)
  double angular_lambda = 0.0;    ///< 1/(rad^2 s)
};

using ChannelSpec = std::variant<DiffusiveChannelSpec, GaussianChannelSpec, MagneticChannelSpec,
                                 DielectricChannelSpec, DesorptionSphereChannelSpec,
                                 DesorptionChannelSpec, TableChannelSpec>;

/// potential = "table": V tabulated in an HDF5 file.
struct PotentialTableSpec {
  std::string file;
  std::string position_dataset = "position";
  std::string potential_dataset = "potential";
};

/// One [[protocol]] segment; `table` is read only for potential = "table".
struct SegmentSpec {
  evolution::Segment segment;  ///< without the tabulated potential's values
  PotentialTableSpec table;
};

/// [particle]: the body every channel shares (docs/evolve-config.md, "The particle").
/// Mass and moment of inertia are given or derived from the material's density (or
/// particle.density) and the radius of a homogeneous sphere: m = rho 4/3 pi a^3, I = 2/5 m a^2.
struct ParticleSpec {
  std::optional<Material> material;  ///< particle.material, loaded
  std::optional<double> radius;      ///< m (particle.radius: a homogeneous sphere)
  /// particle.body (docs/evolve-config.md): the body's keys, the built body (centroid at the
  /// origin of its body frame) and its volume and inertia per unit density.
  std::optional<ModelInputs> body_inputs;
  std::shared_ptr<const localization::Body> body;
  localization::MassProperties body_mass;
  /// The body's radius for channels that need one (sphere and janus bodies), with its key.
  std::optional<double> body_radius;
  /// Inertia tensor in the body frame about the centroid (kg m^2), derived from the body.
  std::optional<Eigen::Matrix3d> inertia_tensor;
  bool moment_of_inertia_given = false;     ///< particle.moment_of_inertia was written
  std::optional<double> temperature;        ///< internal temperature, K
  std::optional<double> density;            ///< kg/m^3 (given or the material's)
  std::optional<double> mass;               ///< kg (given or derived)
  std::optional<double> moment_of_inertia;  ///< kg m^2 (given or derived)
  /// Derived or inherited values with their origin, one line each ("particle.mass =
  /// 1.15e-18 kg (derived: ...)"), for the run summary and the stored configuration.
  std::vector<std::string> derivations;
};

/// Everything the TOML configuration says, before any file is read or channel built.
struct EvolveSpec {
  ParticleSpec particle;
  std::vector<evolution::Axis> axes;  ///< inertia already set from [particle]
  evolution::InitialStateSpec initial;
  double time_step = 0.0;  ///< s
  std::size_t outputs = 50;
  std::vector<SegmentSpec> protocol;
  std::vector<ChannelSpec> channels;
  std::vector<std::vector<double>> marked_points;
  evolution::OutputSpec output;
  std::string backend = "auto";  ///< auto | cpu | cuda (parsed once the inputs are valid)
  evolution::Precision precision = evolution::Precision::complex128;
  evolution::FftPlanning fft_planning = evolution::FftPlanning::measure;
  bool compare_diffusive = false;
  double exact_tolerance = 1e-10;  ///< numerics.tolerance: F path integrals of the exact method
  bool coherence_only = false;     ///< observables.coherence_only (exact method, no rho)
  std::string config_toml;         ///< provenance
};

/// How the user named the fields of an EvolveSpec (TOML keys, `--set` paths).
struct EvolveNames {
  std::vector<InputNames> channels;  ///< one per channel: "channels[i]." + field
  /// The whole run's names, for evolution::validate() (the marked points' key).
  InputNames run;
  std::string backend = "run.backend";
};

/// A read configuration: the spec and the user's names of its fields.
struct EvolveInput {
  EvolveSpec spec;
  EvolveNames names;
};

}  // namespace nanodecoh::app
