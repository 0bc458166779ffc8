// The complex localization rate F_{R,R'}(dX) of a body that emits atoms
// (desorption eqs. 2-3 and 48; volume emission eqs. 43 and 47), its
// diffusive limit (eqs. 4, 6, 9) and tables of F over orientation pairs and
// displacements. Conventions follow docs/physics.md section 2: dX = X - X', R on the
// ket side, R' on the bra side, and the dissipator is -F rho(X,R; X',R').
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <complex>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/localization/body.hpp"

namespace nanodecoh::localization {

/// Angular law of the flux leaving a surface element with normal n_s,
/// normalised so that int d2n g = 1.
enum class FluxLaw {
  lambertian,    ///< g = n.n_s Theta(n.n_s) / pi (desorption eq. 9)
  isotropic,     ///< g = Theta(n.n_s) / (2 pi): isotropic into the outer half-space
  cosine_power,  ///< g = (k + 1)/(2 pi) (n.n_s)^k Theta(n.n_s)
};

/// Where the atoms come from.
enum class EmissionKind {
  surface,  ///< desorption from the surface (Sec. II)
  volume,   ///< transparent volume emitter, isotropic (Sec. III, eq. 43)
};

/// Energy distribution of the emitted atoms (a flux distribution f(E), int f = 1).
struct Spectrum {
  enum class Kind { thermal, mono, table };
  Kind kind = Kind::thermal;
  double temperature = 300.0;    ///< surface temperature (K), thermal: f = E e^{-E/kT}/(kT)^2
  double energy = 0.0;           ///< mono: kinetic energy (J)
  std::vector<double> energies;  ///< table: energies (J)
  std::vector<double> weights;   ///< table: weights (normalised on use)

  static Spectrum thermal(double temperature);
  static Spectrum mono(double energy);
  /// Reads a two-column CSV (energy in J, weight); '#' lines and a header line
  /// that does not parse as numbers are skipped. Throws IoError.
  static Spectrum from_csv(const std::filesystem::path& path);
};

/// A complete emission model; validate() checks every field once.
struct EmissionModel {
  std::shared_ptr<const Body> body;
  EmissionKind kind = EmissionKind::surface;
  FluxLaw flux_law = FluxLaw::lambertian;
  double power = 1.0;  ///< exponent k of FluxLaw::cosine_power (>= 0)
  /// Optional surface coverage c(s) >= 0 (body frame): emission per area is
  /// proportional to it. Empty: uniform.
  std::function<double(const Eigen::Vector3d&)> coverage;
  Spectrum spectrum;
  double emitted_mass = 18.0 * 1.66053906660e-27;  ///< mass of one atom (kg)
  double rate = 1.0;                               ///< Gamma: total emission rate (1/s)

  /// Throws InvalidArgument naming the bad field.
  void validate() const;
};

/// A coverage that depends on the body-frame polar angle theta of the surface point (about
/// body z) only, linearly interpolated between (angle, weight) rows and constant beyond
/// them. Angles strictly increasing in [0, pi], weights finite, >= 0, not all zero; errors
/// name `parameter`.
std::function<double(const Eigen::Vector3d&)> polar_coverage(
    std::vector<double> angles, std::vector<double> weights,
    const std::string& parameter = "coverage_file");
/// The same from a two-column CSV (polar angle in rad, weight). Throws IoError or
/// InvalidArgument naming `parameter` and the file.
std::function<double(const Eigen::Vector3d&)> polar_coverage_from_csv(
    const std::filesystem::path& path, const std::string& parameter = "coverage_file");

/// Units of a specific outgassing rate (throughput per area).
enum class OutgassingUnit { pa_m3_per_s_m2, torr_l_per_s_cm2, mbar_l_per_s_cm2 };
/// Parses "pa-m3-per-s-m2", "torr-l-per-s-cm2" or "mbar-l-per-s-cm2".
OutgassingUnit parse_outgassing_unit(const std::string& text,
                                     const std::string& parameter = "outgassing_unit");
/// q in SI units (Pa m / s = Pa m^3 s^-1 m^-2).
double outgassing_to_si(double q, OutgassingUnit unit);
/// Particle flux per area q / (k_B T) (1/(m^2 s)) for q in `unit` at gas temperature T (K).
double outgassing_particle_flux(double q, OutgassingUnit unit, double gas_temperature);
/// Total emission rate Gamma = q/(k_B T) * area (1/s).
double outgassing_rate(double q, OutgassingUnit unit, double gas_temperature, double area);

/// Rotation by `angle` (rad) about `axis` (normalised; zero axis throws naming `parameter`).
Eigen::Matrix3d rotation_about(const Eigen::Vector3d& axis, double angle,
                               const std::string& parameter = "axis");
/// N angles 2 pi i / N, i = 0..N-1 (a periodic full circle).
std::vector<double> periodic_angles(int count);
/// N angles centre + (i - floor(N/2)) step (a libration window; the convention of the
/// evolution's grid axes, Grid::coordinate).
std::vector<double> libration_angles(int count, double step, double centre);
/// Rotations about one axis by the given angles.
std::vector<Eigen::Matrix3d> rotations_about(const Eigen::Vector3d& axis,
                                             const std::vector<double>& angles);
/// N displacements (centre + (i - floor(N/2)) step) * unit(axis) (m), the convention of the
/// evolution's grid axes.
std::vector<Eigen::Vector3d> displacements_along(const Eigen::Vector3d& axis, int count,
                                                 double step, double centre);

/// One complex rate with its convergence estimate.
struct RateValue {
  std::complex<double> value;  ///< F (1/s)
  double error_estimate = 0;   ///< |F_L - F_{L-1}| of the last two resolutions (1/s)
  int level = 0;               ///< resolution level that converged
};

/// A table F[i][j][k] = F_{R_i, R_j}(dX_k), row-major in (i, j, k).
struct RateTable {
  std::size_t orientation_count = 0;
  std::size_t displacement_count = 0;
  std::vector<std::complex<double>> values;  ///< (1/s)
  std::vector<double> error_estimates;       ///< (1/s)
  double max_error_estimate = 0;             ///< (1/s)
  std::uint64_t node_evaluations = 0;        ///< integrand evaluations, all levels
  std::size_t unique_jobs = 0;               ///< F values actually integrated (after symmetry)
  int max_level = 0;                         ///< highest resolution level any value needed
  Backend backend = Backend::cpu;
  std::string method;  ///< "sphere-lune-density" (fast path) or "surface-lune" (general)
  const std::complex<double>& at(std::size_t i, std::size_t j, std::size_t k) const {
    return values[(i * orientation_count + j) * displacement_count + k];
  }
};

/// The time a table will take, estimated before its bulk starts (docs/usage.md, "Resources").
/// A sample of the values, spread evenly over the order of their recoil phases (the cost of
/// a value grows with its phase), is converged first and timed; its mean cost per value
/// times the number of values is `seconds`. The sample's results are kept: the estimate
/// costs no extra work. Its error is the sampling error of a mean over 8 values (and the
/// machine's load).
struct WorkEstimate {
  std::size_t values = 0;     ///< values to integrate (after symmetry reduction)
  std::size_t sampled = 0;    ///< values timed
  double sample_seconds = 0;  ///< wall time of the sample, converged
  double seconds = 0;         ///< sample_seconds * values / sampled
  double max_phase = 0;       ///< largest recoil phase bound k_max (|dX| + |R - R'| r_max) (rad)
  int max_level = 0;          ///< highest resolution level a sampled value needed
};

/// "about 3m20s for 8192 values (8 of them, spread over recoil phases up to 190 rad, took
/// 3.3s to converge, at resolution levels up to 2)"
std::string describe(const WorkEstimate& estimate);

/// Estimates below this many seconds are not worth a line on the terminal.
inline constexpr double estimate_report_seconds = 10.0;

/// Values a WorkEstimate times; tables of at most this many values get no estimate (the
/// sample would be the whole work).
inline constexpr std::size_t estimate_sample_size = 8;

/// Options of the convergence loop.
struct RateOptions {
  double tolerance = 1e-6;   ///< absolute tolerance in units of Gamma (>= 1e-13)
  bool use_symmetry = true;  ///< use BodySymmetry where it provably holds
  /// For a uniformly emitting Lambertian sphere with a thermal spectrum (and use_symmetry),
  /// integrate with the closed-form lune density and graded panels (docs/localization.md,
  /// "Sphere fast path"); false forces the general surface-times-lune quadrature.
  bool sphere_fast_path = true;
  int max_level = 9;     ///< give up (NumericalError) beyond this level
  int fixed_level = -1;  ///< >= 0: evaluate at this level only, no convergence loop
  /// Called with (jobs done, jobs total) after each batch; may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
  /// Checked before each batch (seconds of work on a CPU): when set, table() throws
  /// Interrupted. May be null.
  const std::atomic<bool>* stop = nullptr;
  /// Called once, before the bulk of a table of more than estimate_sample_size values, with
  /// the time estimate; may be empty. It may throw (e.g. a time limit) to stop the table
  /// before the bulk starts.
  std::function<void(const WorkEstimate&)> estimate;
};

/// Minimum tolerance (units of Gamma) double precision supports for F.
inline constexpr double minimum_tolerance = 1e-13;

/// Throws InvalidArgument naming "tolerance" (outside [minimum_tolerance, 1)) or "max_level".
void validate_options(const RateOptions& options);

/// Diffusive limit of an emission model (desorption eqs. 4, 6).
struct DiffusiveLimit {
  Eigen::Matrix<double, 6, 6> diffusion;     ///< D0, body frame, blocks (P, J): kg^2 m^2/s^3 etc.
  Eigen::Matrix<double, 6, 1> force_torque;  ///< F0 = (force N, torque N m), body frame
};

/// The engine: validates the model once, then evaluates F on either backend.
class LocalizationRate {
 public:
  explicit LocalizationRate(EmissionModel model);
  const EmissionModel& model() const noexcept { return model_; }

  /// F_{R,R'}(dX) converged to options.tolerance * Gamma.
  RateValue evaluate(const Eigen::Matrix3d& r, const Eigen::Matrix3d& r_prime,
                     const Eigen::Vector3d& dx, const RateOptions& options = {},
                     Backend backend = Backend::cpu) const;
  /// One point (R, R', dX) of F for values().
  struct Point {
    Eigen::Matrix3d r, r_prime;  ///< ket and bra orientations
    Eigen::Vector3d dx;          ///< X - X' (m, lab frame)
  };
  /// F at each of `points` in one batched convergence on `backend`: the jobs, levels and
  /// reductions of table() (F_{R,R}(0) = 0 exactly; a uniformly emitting sphere's pair taken
  /// as (R R'^T, 1)), each distinct point integrated once. Equals table() at the same points
  /// job by job; costs one job per distinct point instead of orientations^2 x displacements.
  std::vector<RateValue> values(const std::vector<Point>& points, const RateOptions& options = {},
                                Backend backend = Backend::cpu) const;

  /// The full table over all orientation pairs and displacements.
  RateTable table(const std::vector<Eigen::Matrix3d>& orientations,
                  const std::vector<Eigen::Vector3d>& displacements,
                  const RateOptions& options = {}, Backend backend = Backend::cpu) const;

  /// Lower estimate of the host memory (bytes) that table() needs for `orientations`
  /// x `orientations` x `displacements` values (the job specifications, converged values
  /// and the table itself, without symmetry reduction) plus the node sets of a mesh body
  /// at the two coarsest surface resolutions any converged value needs. Computed in
  /// double so that absurd counts do not overflow.
  static double estimate_table_memory(const EmissionModel& model, double orientations,
                                      double displacements);

  /// D0 (eq. 4) and F0 (eq. 6) by quadrature of the model's flux; `resolution` is the
  /// surface resolution (-1: 24, or 1 for meshes, whose facets are flat).
  DiffusiveLimit diffusive_limit(int resolution = -1) const;
  /// D0 of eq. (9) for a Lambertian surface flux (throws for other models).
  Eigen::Matrix<double, 6, 6> lambertian_diffusion_analytic(int resolution = -1) const;
  /// Diffusive approximation F ~ -i xi.F0/hbar + xi.D0.xi/hbar^2 (docs/physics.md property 7),
  /// xi = (R'^T dX, R'^T w), w the rotation vector of R R'^T.
  static std::complex<double> diffusive_approximation(const DiffusiveLimit& limit,
                                                      const Eigen::Matrix3d& r,
                                                      const Eigen::Matrix3d& r_prime,
                                                      const Eigen::Vector3d& dx);
  /// Spectral moments <p> (kg m/s) and <p^2> (kg^2 m^2/s^2) of the emitted atoms.
  double mean_momentum() const;
  double mean_momentum_squared() const;

 private:
  /// table() for the sphere fast path (RateOptions::sphere_fast_path).
  RateTable sphere_table(const std::vector<Eigen::Matrix3d>& orientations,
                         const std::vector<Eigen::Vector3d>& displacements,
                         const RateOptions& options, Backend backend) const;

  EmissionModel model_;
};

}  // namespace nanodecoh::localization
