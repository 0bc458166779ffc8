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
#include "nanodecoh/evolution/simulation.hpp"

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

/// kind = "magnetic": full F = R11 - R12 of a magnetic sphere in blackbody radiation
/// (magnetic eq. 54).
struct MagneticChannelSpec {
  double radius = 0.0;  ///< m
  double chi_real = 0.0;
  double chi_imag = 0.0;
  double temperature = 300.0;  ///< K
  double shape_factor = 0.5;
};

/// kind = "dielectric": full F of a dielectric sphere (limit: magnetic eq. 61).
struct DielectricChannelSpec {
  double radius = 0.0;  ///< m
  double permittivity = 0.0;
  double temperature = 300.0;  ///< K
};

/// kind = "desorption_sphere": closed-form Lambertian sphere, thermal spectrum.
struct DesorptionSphereChannelSpec {
  double rate = 0.0;           ///< 1/s
  double temperature = 300.0;  ///< K
  double atom_mass = 18.0;     ///< u
};

/// kind = "desorption": F from the localization engine (desorption eq. 48).
struct DesorptionChannelSpec {
  std::string body = "sphere";      ///< sphere | janus
  double radius = 0.0;              ///< m
  std::optional<double> cap_angle;  ///< rad (janus; default pi/2)
  std::string flux = "lambertian";  ///< lambertian | isotropic | cosine-power
  std::optional<double> power;      ///< cosine-power exponent
  double temperature = 300.0;       ///< K
  double atom_mass = 18.0;          ///< u
  double rate = 0.0;                ///< 1/s
  double tolerance = 1e-6;          ///< in units of the rate
  Eigen::Vector3d rotation_axis = Eigen::Vector3d::UnitZ();
};

/// kind = "table": F from an F-table file (docs/ftable-format.md).
struct TableChannelSpec {
  std::string file;
  std::optional<Eigen::Vector3d> rotation_axis;  ///< default: the file's rotation axis
  double diffusive_lambda = 0.0;                 ///< 1/(m^2 s)
  double angular_lambda = 0.0;                   ///< 1/(rad^2 s)
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

/// Everything the TOML configuration says, before any file is read or channel built.
struct EvolveSpec {
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
