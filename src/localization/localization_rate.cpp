// The localization-rate engine (desorption eqs. 2-3, 48; volume emission eqs.
// 43, 47; diffusive limit eqs. 4, 6, 9): validation, node sets, the
// convergence loop that raises the resolution until two successive levels
// agree within the tolerance (docs/physics.md "Scales"), symmetry reduction for a
// uniformly emitting sphere (docs/physics.md property 4), and the OpenMP CPU
// backend evaluating the shared integrand of f_integrand.hpp.
#include "nanodecoh/localization/localization_rate.hpp"

#include <omp.h>

#include <Eigen/Geometry>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "localization/engine.hpp"
#include "localization/sphere_fast_path.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/quadrature.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/special_functions.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::localization {

using detail::Cplx;
using detail::Job;
using detail::NodeBank;

namespace {

/// Node counts per resolution step; successive levels always move one step up.
constexpr std::array<int, 20> k_buckets = {4,   6,   8,   12,  16,  24,  32,   48,   64,   96,
                                           128, 192, 256, 384, 512, 768, 1024, 1536, 2048, 3072};

int bucket_index_at_least(double n) {
  for (std::size_t i = 0; i < k_buckets.size(); ++i)
    if (k_buckets[i] >= n) return static_cast<int>(i);
  return static_cast<int>(k_buckets.size()) - 1;
}

int bucket(int index) {
  if (index >= static_cast<int>(k_buckets.size()))
    throw NumericalError(
        "localization rate: resolution beyond " + std::to_string(k_buckets.back()) +
        " nodes per direction needed; raise --tolerance or reduce the phases (|dX|, angle)");
  return k_buckets[index];
}

double flux_power(const EmissionModel& m) {
  switch (m.flux_law) {
    case FluxLaw::lambertian:
      return 1.0;
    case FluxLaw::isotropic:
      return 0.0;
    case FluxLaw::cosine_power:
      return m.power;
  }
  return 1.0;
}

/// Spectral wave numbers: the thermal scale k_T or the discrete nodes.
struct WaveNumbers {
  bool thermal = true;
  double k_thermal = 0;
  std::vector<double> k, w;
  double k_max = 0;  ///< phase scale used to pick the resolution
};

WaveNumbers wave_numbers(const EmissionModel& m) {
  WaveNumbers out;
  const double two_m = 2.0 * m.emitted_mass;
  switch (m.spectrum.kind) {
    case Spectrum::Kind::thermal:
      out.thermal = true;
      out.k_thermal = thermal_wave_number(m.emitted_mass, m.spectrum.temperature);
      out.k_max = out.k_thermal;
      break;
    case Spectrum::Kind::mono:
      out.thermal = false;
      out.k = {std::sqrt(two_m * m.spectrum.energy) / constants::hbar};
      out.w = {1.0};
      out.k_max = out.k[0];
      break;
    case Spectrum::Kind::table: {
      out.thermal = false;
      double total = 0;
      for (double w : m.spectrum.weights) total += w;
      for (std::size_t i = 0; i < m.spectrum.energies.size(); ++i) {
        if (m.spectrum.weights[i] == 0) continue;
        out.k.push_back(std::sqrt(two_m * m.spectrum.energies[i]) / constants::hbar);
        out.w.push_back(m.spectrum.weights[i] / total);
        out.k_max = std::max(out.k_max, out.k.back());
      }
      break;
    }
  }
  return out;
}

/// Operator norm of R - R' (2 sin(theta/2) for a relative rotation by theta).
double rotation_difference_norm(const Eigen::Matrix3d& r, const Eigen::Matrix3d& rp) {
  return std::sqrt(0.5 * (r - rp).squaredNorm());
}

/// The engine's per-call state: model-derived constants and the node bank.
class Integrator {
 public:
  explicit Integrator(const EmissionModel& model) : model_(model), waves_(wave_numbers(model)) {
    power_ = flux_power(model);
    volume_ = model.kind == EmissionKind::volume;
    bank_.spectrum_k = waves_.k;
    bank_.spectrum_w = waves_.w;
  }

  struct Spec {
    Eigen::Matrix3d r, rp;
    Eigen::Vector3d dx;
  };

  /// Phase bound above which graded panels beat the fixed rule (measured: equal cost near
  /// k|d| ~ 40 on a Janus sphere, 10x slower near 10; near 200 tens of seconds per value
  /// where the fixed rule, O(phase^4) evaluations, takes hours).
  static constexpr double k_graded_min_phase = 40.0;
  /// Bound on the recoil phase k |d_s| over the body.
  double phase_bound(const Spec& spec) const {
    const double size = model_.body->bounding_radius();
    const double rot = rotation_difference_norm(spec.r, spec.rp) * size;
    return waves_.k_max * (spec.dx.norm() + rot);
  }

  /// Resolution of a job at a level: (surface n, angular n).
  std::pair<int, int> resolution(const Spec& spec, int level) const {
    const double phase_total = phase_bound(spec);
    // Measured on the 1 mrad / 75 nm / water case: the solid-angle rule needs ~2 nodes per
    // radian of k_T |d| (the thermal average reaches k ~ 3 k_T), the surface rule far fewer.
    const double ang_scale = waves_.thermal ? 2.0 : 0.7;
    const int ang = bucket(bucket_index_at_least(6.0 + ang_scale * phase_total) + level);
    const int surf = bucket(bucket_index_at_least(4.0 + 0.25 * phase_total) + level);
    return {surf, ang};
  }

  Job make_job(const Spec& spec, int level) {
    const auto [ns, na] = resolution(spec, level);
    Job job{};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        job.r[3 * i + j] = spec.r(i, j);
        job.rp[3 * i + j] = spec.rp(i, j);
      }
    for (int i = 0; i < 3; ++i) job.dx[i] = spec.dx[i];
    const auto s = surface_set(ns);
    job.surface_offset = s.first;
    job.surface_count = s.second;
    job.graded = !volume_ && waves_.thermal && phase_bound(spec) >= k_graded_min_phase ? 1 : 0;
    if (job.graded) {
      // graded panels (f_integrand.hpp): the level sets the nodes per panel, 4, 6, 8, ...
      const auto g = gauss_set(bucket(level));
      job.gauss_offset = g.first;
      job.gauss_count = g.second;
    } else if (!volume_) {
      const auto b = beta_set(na);
      const auto p = psi_set(na);
      job.beta_offset = b.first;
      job.beta_count = b.second;
      job.psi_offset = p.first;
      job.psi_count = p.second;
    }
    return job;
  }

  /// Evaluates jobs on a backend and converts the node sums to F (1/s).
  std::vector<std::complex<double>> evaluate(const std::vector<Job>& jobs, Backend backend,
                                             const std::atomic<bool>* stop = nullptr) {
    detail::BatchSettings settings;
    settings.spectrum.thermal = waves_.thermal ? 1 : 0;
    settings.spectrum.k_scale = waves_.k_thermal;
    settings.spectrum.k = bank_.spectrum_k.data();
    settings.spectrum.w = bank_.spectrum_w.data();
    settings.spectrum.count = static_cast<int>(bank_.spectrum_k.size());
    settings.law.power = power_;
    settings.law.norm = (power_ + 1.0) / (2.0 * constants::pi);
    settings.volume = volume_;
    const std::vector<detail::LuneSum> sums =
        backend == Backend::cuda ? detail::evaluate_jobs_cuda(bank_, settings, jobs)
                                 : detail::evaluate_jobs_cpu(bank_, settings, jobs, stop);
    std::vector<std::complex<double>> out(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const Job& job = jobs[i];
      // graded jobs carry their own hemisphere normaliser; the fixed rule's is computed here
      const double norm = volume_ ? 1.0 : (job.graded ? sums[i].norm : lune_normaliser(job));
      evaluations_ += static_cast<std::uint64_t>(sums[i].evaluations);
      const std::complex<double> s(sums[i].re / norm, sums[i].im / norm);
      out[i] = model_.rate * (1.0 - s);
      if (!std::isfinite(out[i].real()) || !std::isfinite(out[i].imag()))
        throw NumericalError("localization rate: non-finite F at dX = (" +
                             format_number(job.dx[0]) + ", " + format_number(job.dx[1]) + ", " +
                             format_number(job.dx[2]) + ")");
    }
    return out;
  }

  std::uint64_t evaluations() const { return evaluations_; }

  /// Surface (or volume) node set at resolution n: positions, normals, emission weights summing
  /// to 1.
  std::pair<int, int> surface_set(int n) {
    auto it = bank_.surface_sets.find(n);
    if (it != bank_.surface_sets.end()) return it->second;
    const QuadratureNodes nodes =
        volume_ ? model_.body->volume_nodes(n) : model_.body->surface_nodes(n);
    std::vector<double> w(nodes.size());
    double total = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const double c = model_.coverage ? model_.coverage(nodes.position[i]) : 1.0;
      if (!(std::isfinite(c) && c >= 0))
        throw InvalidArgument("coverage", format_number(c),
                              "a finite coverage >= 0 everywhere on the surface");
      w[i] = nodes.weight[i] * c;
      total += w[i];
    }
    if (!(total > 0))
      throw InvalidArgument("coverage", "zero everywhere", "a coverage > 0 somewhere");
    const int offset = static_cast<int>(bank_.sw.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      bank_.sx.push_back(nodes.position[i].x());
      bank_.sy.push_back(nodes.position[i].y());
      bank_.sz.push_back(nodes.position[i].z());
      bank_.nx.push_back(nodes.normal[i].x());
      bank_.ny.push_back(nodes.normal[i].y());
      bank_.nz.push_back(nodes.normal[i].z());
      bank_.sw.push_back(w[i] / total);
    }
    const std::pair<int, int> set{offset, static_cast<int>(nodes.size())};
    bank_.surface_sets.emplace(n, set);
    return set;
  }

  /// A node set built from the n-point Gauss-Legendre rule: looked up in `sets`, or
  /// appended once by `append(rule)` to arrays whose current length is `size`.
  template <typename Append>
  static std::pair<int, int> rule_set(std::map<int, std::pair<int, int>>& sets, std::size_t size,
                                      int n, Append append) {
    if (auto it = sets.find(n); it != sets.end()) return it->second;
    append(gauss_legendre(n));
    const std::pair<int, int> set{static_cast<int>(size), n};
    sets.emplace(n, set);
    return set;
  }

  /// Polar rule on [0, pi]: cos, sin and the weight times sin(beta)^(k+1).
  std::pair<int, int> beta_set(int n) {
    return rule_set(bank_.beta_sets, bank_.beta_w.size(), n, [&](const GaussLegendreRule& rule) {
      for (int i = 0; i < n; ++i) {
        const double beta = 0.5 * constants::pi * (rule.nodes[i] + 1.0);
        const double sb = std::sin(beta);
        bank_.beta_cos.push_back(std::cos(beta));
        bank_.beta_sin.push_back(sb);
        // measure sin(beta) times the flux law's sin(beta)^k
        bank_.beta_w.push_back(0.5 * constants::pi * rule.weights[i] * sb * std::pow(sb, power_));
      }
    });
  }

  /// Gauss-Legendre nodes and weights on [-1, 1] for the graded panels.
  std::pair<int, int> gauss_set(int n) {
    return rule_set(bank_.gauss_sets, bank_.gauss_x.size(), n, [&](const GaussLegendreRule& rule) {
      bank_.gauss_x.insert(bank_.gauss_x.end(), rule.nodes.begin(), rule.nodes.end());
      bank_.gauss_w.insert(bank_.gauss_w.end(), rule.weights.begin(), rule.weights.end());
    });
  }

  /// Azimuth rule on the unit interval with the (1 - cos t)/2 end-point map.
  std::pair<int, int> psi_set(int n) {
    return rule_set(bank_.psi_sets, bank_.psi_w.size(), n, [&](const GaussLegendreRule& rule) {
      for (int i = 0; i < n; ++i) {
        const double t = 0.5 * constants::pi * (rule.nodes[i] + 1.0);
        bank_.psi_u.push_back(0.5 * (1.0 - std::cos(t)));
        bank_.psi_w.push_back(0.25 * constants::pi * std::sin(t) * rule.weights[i]);
      }
    });
  }

  /// The same quadrature applied to int d2n g(n.n_s) over the hemisphere (= 1
  /// analytically); dividing by it makes F_{R,R}(0) = 0 to rounding.
  double lune_normaliser(const Job& job) const {
    double sum = 0;
    const double norm = (power_ + 1.0) / (2.0 * constants::pi);
    for (int j = 0; j < job.psi_count; ++j) {
      const double psi = -0.5 * constants::pi + constants::pi * bank_.psi_u[job.psi_offset + j];
      const double c = std::cos(psi);
      const double amp = power_ == 0.0 ? 1.0 : std::pow(c * c, 0.5 * power_);
      double inner = 0;
      for (int i = 0; i < job.beta_count; ++i) inner += bank_.beta_w[job.beta_offset + i];
      sum += constants::pi * bank_.psi_w[job.psi_offset + j] * norm * amp * inner;
    }
    return sum;
  }

  const NodeBank& bank() const { return bank_; }

 private:
  const EmissionModel& model_;
  WaveNumbers waves_;
  double power_ = 1.0;
  bool volume_ = false;
  NodeBank bank_;
  std::uint64_t evaluations_ = 0;
};

}  // namespace

namespace {
std::string three_digits(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}
}  // namespace

std::string describe(const WorkEstimate& e) {
  return "about " + format_duration(e.seconds) + " for " + std::to_string(e.values) + " values (" +
         std::to_string(e.sampled) + " of them, spread over recoil phases up to " +
         three_digits(e.max_phase) + " rad, took " + format_duration(e.sample_seconds) +
         " to converge, at resolution levels up to " + std::to_string(e.max_level) + ")";
}

void validate_options(const RateOptions& options) {
  if (!(std::isfinite(options.tolerance) && options.tolerance >= minimum_tolerance &&
        options.tolerance < 1.0))
    throw InvalidArgument("tolerance", format_number(options.tolerance),
                          "a tolerance in [" + format_number(minimum_tolerance) +
                              ", 1) in units of Gamma (double precision limits F to ~1e-13 Gamma)");
  require_at_least("max_level", options.max_level, 1);
}

namespace {

void require_rotation(const Eigen::Matrix3d& r, const std::string& parameter) {
  if (!r.allFinite() ||
      (r * r.transpose() - Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff() > 1e-9 ||
      r.determinant() < 0)
    throw InvalidArgument(parameter, "a matrix that is not a rotation",
                          "an orthogonal matrix with determinant +1");
}

/// Converged values with their estimates and the work done.
struct Converged {
  std::vector<RateValue> values;
  std::uint64_t evaluations = 0;
};

/// Evaluates the values `which` at one resolution level (F in 1/s).
using LevelEvaluator = std::function<std::vector<std::complex<double>>(
    const std::vector<std::size_t>& which, int level)>;

/// Up to `size` values spread evenly over the order of `phases` (the smallest and the largest
/// included), so that their mean cost is close to the mean cost of all values.
std::vector<std::size_t> phase_spread_sample(const std::vector<double>& phases, std::size_t size) {
  std::vector<std::size_t> order(phases.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return phases[a] < phases[b]; });
  std::vector<std::size_t> sample;
  for (std::size_t i = 0; i < size; ++i)
    sample.push_back(order[(i * (order.size() - 1) + (size - 1) / 2) / (size - 1)]);
  return sample;
}

/// The convergence loop shared by both integration methods: raise the level of every
/// value until two successive levels agree within options.tolerance * Gamma. Values are
/// evaluated in batches of `batch` so that progress is reported during a level.
/// `phases` (one per value, the recoil phase bound that sets its cost) picks the sample
/// that options.estimate is computed from (WorkEstimate); the sample's values are converged
/// before all others. Each value's result does not depend on the values it shares a batch
/// with or on when it runs, so the order changes no bit.
std::vector<RateValue> converge_levels(std::size_t count, double rate, const RateOptions& options,
                                       const LevelEvaluator& run, std::size_t batch,
                                       const std::vector<double>& phases) {
  std::vector<RateValue> values(count);
  std::vector<std::complex<double>> previous(count);
  const double tol = options.tolerance * rate;
  const int first = options.fixed_level >= 0 ? options.fixed_level : 0;
  std::size_t done = 0;
  // One level of the values `which`, in batches; returns those that need the next level.
  // `report`: call options.progress (not during the estimate's sample, which comes first).
  const auto run_level = [&](const std::vector<std::size_t>& which_all, int level, bool report) {
    if (which_all.empty()) return std::vector<std::size_t>{};
    const bool compare = options.fixed_level < 0 && level > first;
    if (compare && level > options.max_level) {
      const RateValue& worst = values[which_all.front()];
      throw NumericalError("localization rate: " + std::to_string(which_all.size()) +
                           " values did not converge to --tolerance " +
                           format_number(options.tolerance) + " within " +
                           std::to_string(options.max_level) + " resolution levels (last change " +
                           format_number(worst.error_estimate / rate) + " Gamma)");
    }
    std::vector<std::size_t> still;
    for (std::size_t start = 0; start < which_all.size(); start += batch) {
      if (options.stop && options.stop->load())
        throw Interrupted("localization rate: stopped on request after " + std::to_string(done) +
                          " of " + std::to_string(count) + " values");
      const std::vector<std::size_t> which(
          which_all.begin() + start, which_all.begin() + std::min(which_all.size(), start + batch));
      const auto current = run(which, level);
      for (std::size_t i = 0; i < which.size(); ++i) {
        const std::size_t v = which[i];
        const double change = compare ? std::abs(current[i] - previous[v]) : 0.0;
        values[v] = {current[i], change, level};
        previous[v] = current[i];
        if (options.fixed_level >= 0 || (compare && change <= tol))
          ++done;
        else
          still.push_back(v);
      }
      if (options.progress && compare && report) options.progress(done, count);
    }
    return still;
  };

  std::vector<std::size_t> active;
  if (options.estimate && options.fixed_level < 0 && count > estimate_sample_size &&
      phases.size() == count) {
    // The sample first, to the tolerance, timed; the rest after the estimate.
    const std::vector<std::size_t> sample = phase_spread_sample(phases, estimate_sample_size);
    const auto begin = std::chrono::steady_clock::now();
    std::vector<std::size_t> pending = sample;
    for (int level = first; !pending.empty(); ++level) pending = run_level(pending, level, false);
    WorkEstimate estimate;
    estimate.values = count;
    estimate.sampled = sample.size();
    estimate.sample_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    estimate.seconds =
        estimate.sample_seconds * static_cast<double>(count) / static_cast<double>(sample.size());
    estimate.max_phase = *std::max_element(phases.begin(), phases.end());
    for (std::size_t v : sample) estimate.max_level = std::max(estimate.max_level, values[v].level);
    options.estimate(estimate);
    if (options.progress) options.progress(done, count);
    std::vector<bool> in_sample(count, false);
    for (std::size_t v : sample) in_sample[v] = true;
    for (std::size_t v = 0; v < count; ++v)
      if (!in_sample[v]) active.push_back(v);
  } else {
    active.resize(count);
    for (std::size_t i = 0; i < count; ++i) active[i] = i;
  }
  for (int level = first; !active.empty(); ++level) active = run_level(active, level, true);
  return values;
}

/// The general method: surface nodes times the lune quadrature (f_integrand.hpp).
Converged converge(const EmissionModel& model, const std::vector<Integrator::Spec>& specs,
                   const RateOptions& options, Backend backend) {
  Integrator integrator(model);
  auto run = [&](const std::vector<std::size_t>& which, int level) {
    std::vector<Job> jobs;
    jobs.reserve(which.size());
    for (std::size_t i : which) jobs.push_back(integrator.make_job(specs[i], level));
    return integrator.evaluate(jobs, backend, options.stop);
  };
  Converged out;
  // batches: enough jobs to fill a GPU; on a CPU small enough that progress and a stop
  // request are seen within seconds at moderate phases
  const std::size_t batch = backend == Backend::cuda ? 4096 : 256;
  std::vector<double> phases(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) phases[i] = integrator.phase_bound(specs[i]);
  out.values = converge_levels(specs.size(), model.rate, options, run, batch, phases);
  out.evaluations = integrator.evaluations();
  return out;
}

bool symmetric_sphere(const EmissionModel& model) {
  return model.body->symmetry() == BodySymmetry::full_rotation && !model.coverage;
}

}  // namespace

LocalizationRate::LocalizationRate(EmissionModel model) : model_(std::move(model)) {
  model_.validate();
}

RateValue LocalizationRate::evaluate(const Eigen::Matrix3d& r, const Eigen::Matrix3d& r_prime,
                                     const Eigen::Vector3d& dx, const RateOptions& options,
                                     Backend backend) const {
  const RateTable t = table({r, r_prime}, {dx}, options, backend);
  return {t.at(0, 1, 0), t.error_estimates[1], t.max_level};
}

std::vector<RateValue> LocalizationRate::values(const std::vector<Point>& points,
                                                const RateOptions& options, Backend backend) const {
  validate_options(options);
  for (const Point& p : points) {
    require_rotation(p.r, "orientations");
    require_rotation(p.r_prime, "orientations");
    if (!p.dx.allFinite())
      throw InvalidArgument("displacements", "NaN or inf", "finite displacements (m)");
  }
  std::vector<RateValue> out(points.size());
  if (options.use_symmetry && options.sphere_fast_path &&
      detail::sphere_fast_path_applies(model_)) {
    // closed-form radial integrals: microseconds per point, no batching needed
    for (std::size_t i = 0; i < points.size(); ++i) {
      const RateTable t =
          sphere_table({points[i].r, points[i].r_prime}, {points[i].dx}, options, backend);
      out[i] = {t.at(0, 1, 0), t.error_estimates[1], t.max_level};
    }
    return out;
  }
  // The job of each point as table() forms it, each distinct job once.
  const bool reduce = options.use_symmetry && symmetric_sphere(model_);
  std::vector<Integrator::Spec> specs;
  std::vector<std::size_t> job_of(points.size(), 0);
  std::vector<bool> zero(points.size(), false);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    // F_{R,R}(0) = 0 by symmetry (property 1): exactly, not to quadrature rounding
    if (p.r == p.r_prime && p.dx.isZero(0.0)) {
      zero[i] = true;
      continue;
    }
    const Integrator::Spec spec =
        reduce ? Integrator::Spec{p.r * p.r_prime.transpose(), Eigen::Matrix3d::Identity(), p.dx}
               : Integrator::Spec{p.r, p.r_prime, p.dx};
    std::size_t found = specs.size();
    for (std::size_t u = 0; u < specs.size(); ++u)
      if (specs[u].r == spec.r && specs[u].rp == spec.rp && specs[u].dx == spec.dx) {
        found = u;
        break;
      }
    if (found == specs.size()) specs.push_back(spec);
    job_of[i] = found;
  }
  if (specs.empty()) return out;
  const Converged c = converge(model_, specs, options, backend);
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!zero[i]) out[i] = c.values[job_of[i]];
  return out;
}

double LocalizationRate::estimate_table_memory(const EmissionModel& model, double orientations,
                                               double displacements) {
  const double pairs = orientations * orientations;
  // Per orientation pair: its representative (two 3 x 3 matrices) and its index.
  const double per_pair = 2 * sizeof(Eigen::Matrix3d) + sizeof(std::size_t);
  // Per value: the job specification (two matrices and a displacement), the converged
  // value (RateValue) and the table's value and error estimate.
  const double per_value = 2 * sizeof(Eigen::Matrix3d) + sizeof(Eigen::Vector3d) +
                           sizeof(RateValue) + sizeof(std::complex<double>) + sizeof(double);
  // Mesh node sets: 3 n^2 nodes per triangle at the first two resolutions (n = 4 and 6, the
  // first buckets), each node a position, a normal and a weight in the set and the node bank.
  const double nodes = 3.0 * (k_buckets[0] * k_buckets[0] + k_buckets[1] * k_buckets[1]) *
                       static_cast<double>(model.body ? model.body->triangle_count() : 0);
  const double per_node = 2 * (2 * sizeof(Eigen::Vector3d) + sizeof(double));
  return orientations * sizeof(Eigen::Matrix3d) + pairs * per_pair +
         pairs * displacements * per_value + nodes * per_node;
}

RateTable LocalizationRate::table(const std::vector<Eigen::Matrix3d>& orientations,
                                  const std::vector<Eigen::Vector3d>& displacements,
                                  const RateOptions& options, Backend backend) const {
  validate_options(options);
  if (orientations.empty())
    throw InvalidArgument("orientations", "empty", "at least one orientation");
  if (displacements.empty())
    throw InvalidArgument("displacements", "empty", "at least one displacement");
  for (const auto& r : orientations) require_rotation(r, "orientations");
  for (const auto& d : displacements)
    if (!d.allFinite())
      throw InvalidArgument("displacements", "NaN or inf", "finite displacements (m)");
  const std::size_t p = orientations.size(), nd = displacements.size();
  if (options.use_symmetry && options.sphere_fast_path && detail::sphere_fast_path_applies(model_))
    return sphere_table(orientations, displacements, options, backend);

  // map every (i, j) to a representative pair (the reduced path uses R R'^T only)
  const bool reduce = options.use_symmetry && symmetric_sphere(model_);
  std::vector<std::pair<Eigen::Matrix3d, Eigen::Matrix3d>> reps;
  std::vector<std::size_t> pair_rep(p * p);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j) {
      if (!reduce) {
        pair_rep[i * p + j] = reps.size();
        reps.emplace_back(orientations[i], orientations[j]);
        continue;
      }
      const Eigen::Matrix3d rel = orientations[i] * orientations[j].transpose();
      std::size_t found = reps.size();
      for (std::size_t u = 0; u < reps.size(); ++u)
        if ((reps[u].first - rel).cwiseAbs().maxCoeff() <= 1e-15) {
          found = u;
          break;
        }
      if (found == reps.size()) reps.emplace_back(rel, Eigen::Matrix3d::Identity());
      pair_rep[i * p + j] = found;
    }
  std::vector<Integrator::Spec> specs;
  specs.reserve(reps.size() * nd);
  for (const auto& [r, rp] : reps)
    for (const auto& d : displacements) specs.push_back({r, rp, d});
  const Converged c = converge(model_, specs, options, backend);

  RateTable t;
  t.orientation_count = p;
  t.displacement_count = nd;
  t.values.resize(p * p * nd);
  t.error_estimates.resize(p * p * nd);
  for (std::size_t ij = 0; ij < p * p; ++ij)
    for (std::size_t k = 0; k < nd; ++k) {
      const RateValue& v = c.values[pair_rep[ij] * nd + k];
      // F_{R,R}(0) = 0 by symmetry (property 1): exactly, not to quadrature rounding
      if (orientations[ij / p] == orientations[ij % p] && displacements[k].isZero(0.0)) {
        t.values[ij * nd + k] = 0.0;
        t.error_estimates[ij * nd + k] = 0.0;
        continue;
      }
      t.values[ij * nd + k] = v.value;
      t.error_estimates[ij * nd + k] = v.error_estimate;
      t.max_error_estimate = std::max(t.max_error_estimate, v.error_estimate);
      t.max_level = std::max(t.max_level, v.level);
    }
  t.node_evaluations = c.evaluations;
  t.unique_jobs = specs.size();
  t.backend = backend;
  t.method = "surface-lune";
  return t;
}

RateTable LocalizationRate::sphere_table(const std::vector<Eigen::Matrix3d>& orientations,
                                         const std::vector<Eigen::Vector3d>& displacements,
                                         const RateOptions& options, Backend backend) const {
  // F of a uniform sphere depends on the relative rotation angle theta and on the parts of
  // dX along and across its axis only (sphere_integrand.hpp); equal geometries, to a phase
  // quantum of 1e-10 rad, are integrated once.
  const double k = detail::thermal_wave_number(model_);
  const double radius = model_.body->bounding_radius();
  const double quantum = 1e-10 / k;  // length whose phase is 1e-10 rad
  const std::size_t p = orientations.size(), nd = displacements.size();
  std::map<std::array<long long, 3>, std::size_t> index;
  std::vector<detail::SphereJob> jobs;
  std::vector<std::size_t> job_of(p * p * nd);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j) {
      const Eigen::AngleAxisd rel(orientations[i] * orientations[j].transpose());
      const double sin_half = std::fabs(std::sin(0.5 * rel.angle()));
      const Eigen::Vector3d axis = rel.axis();
      for (std::size_t d = 0; d < nd; ++d) {
        const Eigen::Vector3d& dx = displacements[d];
        detail::SphereJob job{std::fabs(dx.dot(axis)), dx.cross(axis).norm(), sin_half, radius};
        if (sin_half * radius < quantum) job = {0.0, dx.norm(), 0.0, radius};  // any axis
        const std::array<long long, 3> key{std::llround(job.dx_par / quantum),
                                           std::llround(job.dx_perp / quantum),
                                           std::llround(job.sin_half * radius / quantum)};
        const auto [it, inserted] = index.emplace(key, jobs.size());
        if (inserted) jobs.push_back(job);
        job_of[(i * p + j) * nd + d] = it->second;
      }
    }
  // the recoil phase bound k (|dX| + |R - R'| r), |R - R'| = 2 sin(theta/2): what a job costs
  std::vector<double> phases(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i)
    phases[i] = k * (std::hypot(jobs[i].dx_par, jobs[i].dx_perp) + 2.0 * jobs[i].sin_half * radius);
  std::uint64_t evaluations = 0;
  auto run = [&](const std::vector<std::size_t>& which, int level) {
    std::vector<detail::SphereJob> batch;
    batch.reserve(which.size());
    for (std::size_t i : which) batch.push_back(jobs[i]);
    return detail::sphere_rates(model_, batch, bucket(level), backend, evaluations);
  };
  // batches: a few seconds each on a CPU at the reference table's phases; on a GPU, enough
  // (value, polar node) threads (~150 per value) to fill every SM
  const std::size_t batch = backend == Backend::cuda ? 16384 : 512;
  const std::vector<RateValue> converged =
      converge_levels(jobs.size(), model_.rate, options, run, batch, phases);
  RateTable t;
  t.orientation_count = p;
  t.displacement_count = nd;
  t.values.resize(p * p * nd);
  t.error_estimates.resize(p * p * nd);
  for (std::size_t n = 0; n < job_of.size(); ++n) {
    const RateValue& v = converged[job_of[n]];
    const detail::SphereJob& job = jobs[job_of[n]];
    // no relative rotation and no displacement: F = 0 by symmetry (property 1), exactly
    if (job.dx_par == 0.0 && job.dx_perp == 0.0 && job.sin_half == 0.0) {
      t.values[n] = 0.0;
      t.error_estimates[n] = 0.0;
      continue;
    }
    t.values[n] = v.value;
    t.error_estimates[n] = v.error_estimate;
    t.max_error_estimate = std::max(t.max_error_estimate, v.error_estimate);
    t.max_level = std::max(t.max_level, v.level);
  }
  t.node_evaluations = evaluations;
  t.unique_jobs = jobs.size();
  t.backend = backend;
  t.method = "sphere-lune-density";
  return t;
}

double LocalizationRate::mean_momentum() const {
  const double two_m = 2.0 * model_.emitted_mass;
  const Spectrum& s = model_.spectrum;
  switch (s.kind) {
    case Spectrum::Kind::thermal:  // <sqrt(u)> = Gamma(5/2) = 3 sqrt(pi)/4
      return std::sqrt(two_m * constants::k_boltzmann * s.temperature) * 0.75 *
             std::sqrt(constants::pi);
    case Spectrum::Kind::mono:
      return std::sqrt(two_m * s.energy);
    case Spectrum::Kind::table: {
      double num = 0, den = 0;
      for (std::size_t i = 0; i < s.energies.size(); ++i) {
        num += s.weights[i] * std::sqrt(two_m * s.energies[i]);
        den += s.weights[i];
      }
      return num / den;
    }
  }
  return 0;
}

double LocalizationRate::mean_momentum_squared() const {
  const double two_m = 2.0 * model_.emitted_mass;
  const Spectrum& s = model_.spectrum;
  switch (s.kind) {
    case Spectrum::Kind::thermal:  // <E> = 2 k T
      return two_m * 2.0 * constants::k_boltzmann * s.temperature;
    case Spectrum::Kind::mono:
      return two_m * s.energy;
    case Spectrum::Kind::table: {
      double num = 0, den = 0;
      for (std::size_t i = 0; i < s.energies.size(); ++i) {
        num += s.weights[i] * two_m * s.energies[i];
        den += s.weights[i];
      }
      return num / den;
    }
  }
  return 0;
}

namespace {
int default_resolution(const EmissionModel& m, int resolution) {
  if (resolution > 0) return resolution;
  return m.body->kind() == "mesh" ? 1 : 24;
}
}  // namespace

DiffusiveLimit LocalizationRate::diffusive_limit(int resolution) const {
  resolution = default_resolution(model_, resolution);
  Integrator integrator(model_);
  const auto set = integrator.surface_set(resolution);
  const NodeBank& bank = integrator.bank();
  const double p1 = mean_momentum(), p2 = mean_momentum_squared();
  const int angular = std::max(
      resolution, 24);  // the solid-angle integrand is a low-order trigonometric polynomial
  const GaussLegendreRule rule = gauss_legendre(angular);
  const double power = flux_power(model_);
  const double norm = (power + 1.0) / (2.0 * constants::pi);
  const bool volume = model_.kind == EmissionKind::volume;
  DiffusiveLimit out;
  out.diffusion.setZero();
  out.force_torque.setZero();
  for (int s = set.first; s < set.first + set.second; ++s) {
    const Eigen::Vector3d pos(bank.sx[s], bank.sy[s], bank.sz[s]);
    Eigen::Vector3d a(bank.nx[s], bank.ny[s], bank.nz[s]);
    if (volume) a = Eigen::Vector3d::UnitZ();
    const Eigen::Vector3d e = a.unitOrthogonal();
    const Eigen::Vector3d v = e.cross(a);
    // surface: hemisphere about a (beta from e, psi in (-pi/2, pi/2)); volume: full sphere (psi in
    // (-pi, pi))
    const double psi_width = volume ? 2.0 * constants::pi : constants::pi;
    for (int i = 0; i < angular; ++i) {
      const double beta = 0.5 * constants::pi * (rule.nodes[i] + 1.0);
      for (int j = 0; j < angular; ++j) {
        const double psi = -0.5 * psi_width + 0.5 * psi_width * (rule.nodes[j] + 1.0);
        const Eigen::Vector3d n =
            std::sin(beta) * (std::cos(psi) * a + std::sin(psi) * v) + std::cos(beta) * e;
        const double mu = std::sin(beta) * std::cos(psi);
        const double g =
            volume ? 1.0 / (4.0 * constants::pi) : norm * std::pow(std::max(mu, 0.0), power);
        const double dw = 0.5 * constants::pi * rule.weights[i] * std::sin(beta) * 0.5 * psi_width *
                          rule.weights[j];
        Eigen::Matrix<double, 6, 1> xi;
        xi << n, pos.cross(n);
        const double weight = model_.rate * bank.sw[s] * g * dw;
        out.diffusion += 0.5 * p2 * weight * xi * xi.transpose();
        out.force_torque -= p1 * weight * xi;
      }
    }
  }
  return out;
}

Eigen::Matrix<double, 6, 6> LocalizationRate::lambertian_diffusion_analytic(int resolution) const {
  if (model_.kind != EmissionKind::surface || model_.flux_law != FluxLaw::lambertian)
    throw InvalidArgument("flux", "non-Lambertian or volume emission",
                          "lambertian surface emission for eq. (9)");
  resolution = default_resolution(model_, resolution);
  Integrator integrator(model_);
  const auto set = integrator.surface_set(resolution);
  const NodeBank& bank = integrator.bank();
  Eigen::Matrix<double, 6, 6> d = Eigen::Matrix<double, 6, 6>::Zero();
  for (int s = set.first; s < set.first + set.second; ++s) {
    const Eigen::Vector3d pos(bank.sx[s], bank.sy[s], bank.sz[s]);
    const Eigen::Vector3d ns(bank.nx[s], bank.ny[s], bank.nz[s]);
    Eigen::Matrix3d sx;
    sx << 0, -pos.z(), pos.y(), pos.z(), 0, -pos.x(), -pos.y(), pos.x(), 0;
    Eigen::Matrix<double, 6, 6> m;
    m << Eigen::Matrix3d::Identity(), -sx, sx, -sx * sx;
    Eigen::Matrix<double, 6, 1> v;
    v << ns, pos.cross(ns);
    d += bank.sw[s] * (m + v * v.transpose());
  }
  // eq. (9) with Phi0 = Gamma w(s) f(E) / pi: (pi/8) <p^2> Gamma / pi = Gamma <p^2> / 8
  return model_.rate * mean_momentum_squared() / 8.0 * d;
}

std::complex<double> LocalizationRate::diffusive_approximation(const DiffusiveLimit& limit,
                                                               const Eigen::Matrix3d& r,
                                                               const Eigen::Matrix3d& r_prime,
                                                               const Eigen::Vector3d& dx) {
  const Eigen::AngleAxisd rel(r * r_prime.transpose());
  const Eigen::Vector3d w_lab = rel.angle() * rel.axis();
  Eigen::Matrix<double, 6, 1> xi;
  xi << r_prime.transpose() * dx, r_prime.transpose() * w_lab;
  const double hbar = constants::hbar;
  return {xi.dot(limit.diffusion * xi) / (hbar * hbar), -xi.dot(limit.force_torque) / hbar};
}

namespace detail {

std::vector<LuneSum> evaluate_jobs_cpu(const NodeBank& bank, const BatchSettings& settings,
                                       const std::vector<Job>& jobs,
                                       const std::atomic<bool>* stop) {
  // Work items and their summation order: engine.hpp (work_items, sum_partials), shared with
  // the CUDA backend.
  const std::vector<WorkItem> items = work_items(jobs);
  std::vector<LuneSum> partial(items.size());
  const NodeBankView view = bank.view();
  const long count = static_cast<long>(items.size());
#pragma omp parallel
  {
    std::vector<double> scratch(2 * k_max_edges);
#pragma omp for schedule(dynamic, 1)
    for (long it = 0; it < count; ++it) {
      if (stop && stop->load(std::memory_order_relaxed)) continue;  // an OpenMP loop cannot break
      const WorkItem& item = items[it];
      partial[it] =
          job_partial(view, settings, jobs[item.job], item.s_begin, item.s_end, scratch.data());
    }
  }
  if (stop && stop->load())
    throw Interrupted("localization rate: stopped on request during a batch of " +
                      std::to_string(jobs.size()) + " values");
  return sum_partials(items, partial, jobs.size());
}

}  // namespace detail

}  // namespace nanodecoh::localization
