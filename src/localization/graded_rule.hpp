// Gauss-Legendre rules on panels graded geometrically towards known features of
// an integrand (the peak of the thermal phase average G at zero phase, the edges
// of a smeared lune), shared by the host and the CUDA kernels of the
// localization engine (sphere_integrand.hpp, f_integrand.hpp). A feature of
// width h gets k_peak_uniform panels of width h next to it, then panels whose
// widths double, so an integrand with a peak of width h on an interval of length
// L costs O(log(L/h)) panels instead of O(L/h) nodes.
#pragma once

#include <cmath>

#include "core/host_device.hpp"

namespace nanodecoh::localization::detail {

/// A point where an integrand changes on a length `scale` (0: a plain panel boundary).
/// Panels next to it are `uniform` panels of width `scale`, then widths doubling.
struct Feature {
  double at;
  double scale;
  int uniform;
};

/// Gauss-Legendre nodes and weights on [-1, 1].
struct GaussRuleView {
  const double* x = nullptr;
  const double* w = nullptr;
  int q = 0;
};

/// Most panel edges one graded rule may use; grading stops earlier (the rule then
/// only gets coarser, which the convergence check sees).
inline constexpr int k_max_edges = 128;
/// Plain panels every graded rule starts from by default, so smooth integrands are
/// resolved too (at most 8).
inline constexpr int k_min_panels = 4;
/// Panels of width 1 (in units of the recoil phase) next to a feature before the widths
/// start doubling (G has a Gaussian part exp(-z^2/4) next to its z^-4 tail). Measured on
/// the reference geometries: 2 converges with the fewest evaluations in total (8 gives
/// more accurate low levels, but each costs 2.5 times more).
inline constexpr int k_peak_uniform = 2;

/// Offsets from a feature of scale h with n uniform panels, up to (not including) `limit`:
/// h, 2h, ..., n h, then 2 n h, 4 n h, ...; returns how many were written (at most `room`).
NANODECOH_HD inline int grading_offsets(double h, int n, double limit, double* out, int room) {
  int m = 0;
  for (int j = 1; j <= n && j * h < limit && m < room; ++j) out[m++] = j * h;
  for (double d = 2.0 * n * h; d < limit && m < room; d *= 2.0) out[m++] = d;
  return m;
}

/// Panel edges on [lo, hi]. Every feature (features outside are moved to the nearer end
/// with their scale widened by the distance) grades the panels of its own Voronoi cell
/// (up to the midpoints to its neighbours) with grading_offsets(); then the boundaries of
/// `plain_panels` equal panels are added, so smooth integrands are resolved too. Returns the
/// number of edges written to `edges` (>= 2, sorted, at most k_max_edges).
NANODECOH_HD inline int graded_edges(double lo, double hi, const Feature* features, int count,
                                     double* edges, int plain_panels = k_min_panels) {
  constexpr int k_max_features = 8;
  Feature f[k_max_features];
  int n = 0;
  const double floor = 1e-9 * (hi - lo);
  for (int i = 0; i < count && n < k_max_features; ++i) {
    Feature g = features[i];
    if (!(g.scale > 0.0)) continue;
    if (g.at < lo) g = {lo, g.scale + (lo - g.at), g.uniform};
    if (g.at > hi) g = {hi, g.scale + (g.at - hi), g.uniform};
    g.scale = g.scale > floor ? g.scale : floor;
    g.uniform = g.uniform > 1 ? g.uniform : 1;
    // insertion by position; coincident features keep the finest scale
    int j = n;
    while (j > 0 && f[j - 1].at > g.at) {
      f[j] = f[j - 1];
      --j;
    }
    if (j > 0 && f[j - 1].at == g.at) {
      for (int k = j; k < n; ++k) f[k] = f[k + 1];
      if (g.scale < f[j - 1].scale) f[j - 1] = g;
      continue;
    }
    f[j] = g;
    ++n;
  }
  const int k_room = k_max_edges - plain_panels - 1;
  double offsets[k_max_edges];
  int m = 0;
  edges[m++] = lo;
  for (int i = 0; i < n; ++i) {
    const double cell_lo = i == 0 ? lo : 0.5 * (f[i - 1].at + f[i].at);
    const double cell_hi = i + 1 == n ? hi : 0.5 * (f[i].at + f[i + 1].at);
    const int share = (k_room - m) / (2 * (n - i));
    const int left = grading_offsets(f[i].scale, f[i].uniform, f[i].at - cell_lo, offsets, share);
    for (int j = left - 1; j >= 0; --j) edges[m++] = f[i].at - offsets[j];
    if (f[i].at > lo && f[i].at < hi) edges[m++] = f[i].at;
    const int right = grading_offsets(f[i].scale, f[i].uniform, cell_hi - f[i].at, offsets, share);
    for (int j = 0; j < right; ++j) edges[m++] = f[i].at + offsets[j];
    if (i + 1 < n) edges[m++] = cell_hi;
  }
  edges[m++] = hi;
  for (int i = 1; i < plain_panels; ++i) {  // the plain boundaries, inserted in order
    const double x = lo + (hi - lo) * i / plain_panels;
    int j = m;
    while (j > 0 && edges[j - 1] > x) --j;
    if (edges[j - 1] == x) continue;
    for (int k = m; k > j; --k) edges[k] = edges[k - 1];
    edges[j] = x;
    ++m;
  }
  return m;
}

/// The scale in the variable x of a feature at x_f of a map z(x) = z_c + z_a cos x, given
/// the feature's width dz in z: dz / |dz/dx|, widened near the turning points of cos.
NANODECOH_HD inline Feature cosine_feature(double z_f, double z_c, double z_a, double dz,
                                           double lo_angle, double hi_angle) {
  constexpr int n = k_peak_uniform;
  // z = z_c + z_a cos x on [0, pi]: x_f = acos((z_f - z_c)/z_a)
  const double w = (z_f - z_c) / z_a;
  if (w >= 1.0) return {lo_angle, std::sqrt(2.0 * (dz + z_a * (w - 1.0)) / z_a), n};
  if (w <= -1.0) return {hi_angle, std::sqrt(2.0 * (dz - z_a * (w + 1.0)) / z_a), n};
  const double x = std::acos(w);
  const double slope = z_a * std::sin(x);
  const double turn =
      std::sqrt(2.0 * dz * z_a);  // |dz/dx| where z moves by dz from a turning point
  return {x, dz / (slope > turn ? slope : turn), n};
}

}  // namespace nanodecoh::localization::detail
