// Driver of the sphere fast path (sphere_integrand.hpp): the polar rule in t about
// the rotation axis, graded towards the angles where the range of k_T n.dX over a
// t-circle reaches a feature of the lune average (G peak at 0, lune edges at +-A),
// the conversion of slice sums to F, and the OpenMP CPU backend.
#include "localization/sphere_fast_path.hpp"

#include <cmath>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/quadrature.hpp"
#include "nanodecoh/special_functions.hpp"

namespace nanodecoh::localization::detail {

bool sphere_fast_path_applies(const EmissionModel& model) {
  return model.body->symmetry() == BodySymmetry::full_rotation && !model.coverage &&
         model.kind == EmissionKind::surface && model.flux_law == FluxLaw::lambertian &&
         model.spectrum.kind == Spectrum::Kind::thermal;
}

double thermal_wave_number(const EmissionModel& model) {
  return nanodecoh::thermal_wave_number(model.emitted_mass, model.spectrum.temperature);
}

namespace {

/// Break points of the t-rule: the range [z_c - z_a, z_c + z_a] of z0 over a t-circle
/// has an end at a feature z_f in {0, +A(t), -A(t)} where
/// dx_par cos t + (+-dx_perp - s_f B) sin t = 0, B = 2 r sin(theta/2), s_f in {0, 1, -1}.
int polar_features(const SphereJob& job, double k, Feature* out) {
  const double b = 2.0 * job.radius * job.sin_half;
  const double speed = k * (job.dx_par + job.dx_perp + b);  // max |d z / d t|
  if (speed < 0.5) return 0;
  int n = 0;
  for (double side : {1.0, -1.0})
    for (double s_f : {0.0, 1.0, -1.0}) {
      const double c = side * job.dx_perp - s_f * b;
      double t = std::atan2(job.dx_par, -c);
      if (t < 0.0) t += constants::pi;
      out[n++] = {t, 1.0 / speed, k_peak_uniform};
    }
  return n;
}

}  // namespace

std::vector<std::complex<double>> sphere_rates(const EmissionModel& model,
                                               const std::vector<SphereJob>& jobs, int q,
                                               Backend backend, std::uint64_t& evaluations) {
  const double k = thermal_wave_number(model);
  const GaussLegendreRule rule = gauss_legendre(q);
  std::vector<SphereItem> items;
  std::vector<double> edges(k_max_edges);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    Feature features[6];
    const int count = polar_features(jobs[j], k, features);
    const int m = graded_edges(0.0, constants::pi, features, count, edges.data());
    for (int e = 0; e + 1 < m; ++e) {
      const double mid = 0.5 * (edges[e] + edges[e + 1]), half = 0.5 * (edges[e + 1] - edges[e]);
      for (int i = 0; i < q; ++i) {
        const double t = mid + half * rule.nodes[i];
        items.push_back({static_cast<int>(j), t, half * rule.weights[i] * std::sin(t)});
      }
    }
  }
  const std::vector<SliceSum> slices =
      backend == Backend::cuda ? evaluate_sphere_cuda(jobs, items, k, rule.nodes, rule.weights)
                               : evaluate_sphere_cpu(jobs, items, k, rule.nodes, rule.weights);
  // J = (1/4pi) int sin t dt S(t) with int sin t dt = 2: the t-rule is normalised by its
  // own sum of weights so that it is exact for S = const (F_{R,R}(0) = 0 to rounding)
  std::vector<double> re(jobs.size(), 0.0), im(jobs.size(), 0.0), norm(jobs.size(), 0.0);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const int j = items[i].job;
    re[j] += items[i].weight * slices[i].re;
    im[j] += items[i].weight * slices[i].im;
    norm[j] += items[i].weight;
    evaluations += static_cast<std::uint64_t>(slices[i].evaluations);
  }
  std::vector<std::complex<double>> out(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const double scale = 1.0 / (2.0 * constants::pi * norm[j]);
    out[j] = model.rate * (1.0 - std::complex<double>(re[j] * scale, im[j] * scale));
  }
  return out;
}

std::vector<SliceSum> evaluate_sphere_cpu(const std::vector<SphereJob>& jobs,
                                          const std::vector<SphereItem>& items, double k,
                                          const std::vector<double>& gauss_x,
                                          const std::vector<double>& gauss_w) {
  std::vector<SliceSum> out(items.size());
  const GaussRuleView rule{gauss_x.data(), gauss_w.data(), static_cast<int>(gauss_x.size())};
  const long count = static_cast<long>(items.size());
#pragma omp parallel
  {
    std::vector<double> scratch(2 * k_max_edges);
#pragma omp for schedule(dynamic, 4)
    for (long i = 0; i < count; ++i)
      out[i] = sphere_slice(jobs[items[i].job], k, rule, items[i].t, scratch.data());
  }
  return out;
}

}  // namespace nanodecoh::localization::detail
