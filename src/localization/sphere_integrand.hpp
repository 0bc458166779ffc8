// Fast path of the localization-rate engine for the paper's reference body: a
// uniformly emitting sphere with the Lambertian flux of desorption eq. (9) and
// the thermal spectrum. Shared by the CPU backend and the CUDA kernel, like
// f_integrand.hpp; docs/localization.md ("Sphere fast path") has the derivation.
//
// With R' = 1 (property 4 of docs/physics.md), R a rotation by theta about w, and the
// surface point s = r s^, the phase is k n.(dX + (R - 1)s) = k n.dX + k r s^.(m1 - m2)
// with m1 = R^T n, m2 = n, and the emitting region of s^ for a fixed direction n is the
// lune {s^.m1 > 0, s^.m2 > 0} with amplitude sqrt((s^.m1)(s^.m2))/pi. Swapping the order
// of the s and n integrals and using lune coordinates about m1 x m2 for s^ gives
//     F = Gamma [1 - J],   J = (1/4pi) int d2n L(n),
//     L(n) = int_{-c}^{c} du W_sigma(u) G(k_T (n.dX - 2 r sigma u)),
//     sigma = sin(theta/2) |n x w|,   c = sqrt(1 - sigma^2),
// where W_sigma is the density of u = s^.t (t the unit vector along m1 - m2) over the
// lune, in closed form with complete elliptic integrals:
//     W_sigma(u) = (2/pi) c rho [E(m) - (1 - m) K(m)],   rho = sqrt(1 - u^2),
//     m = 1 - sigma^2 u^2 / (c^2 rho^2),
// and int W_sigma du = E(c^2) - sigma^2 K(c^2) (the overlap of the two lobes). At
// sigma = 0, W_0 = (2/pi) sqrt(1 - u^2): the projection of a Lambertian direction on
// its tangent plane is uniform on the unit disk.
//
// J depends on the geometry only through dX_par = |dX.w|, dX_perp = |dX x w| and
// sin(theta/2). In polar coordinates (t, p) about w, n.dX = dX_par cos t + dX_perp sin t cos p,
// so J = (1/2pi) int_0^pi sin t dt int_0^pi dp L. The integrand is smooth except near a
// few known curves: G(z) has a peak of width 1 at z = 0 and decays like z^-4, so L as a
// function of z0 = k_T n.dX has features at z0 = 0 and z0 = +-A, A = 2 k_T r sigma. Every
// one-dimensional rule below is Gauss-Legendre on panels graded geometrically (ratio 2)
// towards those points, so the work grows like log(phase), not phase^2.
#pragma once

#include <cmath>

#include "localization/f_integrand.hpp"
#include "localization/graded_rule.hpp"

namespace nanodecoh::localization::detail {

/// Complete elliptic integrals of the first and second kind, K(m) and E(m), given the
/// complementary parameter q = 1 - m in (0, 1] (so that m -> 1, where K diverges like
/// ln(4/sqrt(q)), keeps full precision), by the arithmetic-geometric mean:
/// K = pi / (2 AGM(1, sqrt(q))), E = K (1 - sum_n 2^(n-1) c_n^2), c_0^2 = m.
struct EllipticKE {
  double k;
  double e;
};

NANODECOH_HD inline EllipticKE complete_elliptic_complementary(double q) {
  double a = 1.0, g = std::sqrt(q);
  double sum = 0.5 * (1.0 - q), weight = 0.5;
  for (int n = 1; n < 64; ++n) {
    const double c = 0.5 * (a - g);
    const double next = 0.5 * (a + g);
    g = std::sqrt(a * g);
    a = next;
    weight *= 2.0;
    sum += weight * c * c;
    if (std::fabs(c) <= 1e-17 * a) break;
  }
  const double k = 0.5 * k_pi / a;
  return {k, k * (1.0 - sum)};
}

/// E(m) - q K(m) with q = 1 - m: the AGM above, or for q < 1e-5 the expansion about m = 1,
/// 1 - (q/2)(L + 1/2) - q^2 (L/16 - 3/64) with L = ln(4/sqrt(q)), whose error is below
/// q^3 L ~ 1e-14 there (the AGM's square roots dominate the fast path's cost otherwise).
NANODECOH_HD inline double elliptic_e_minus_qk(double q) {
  if (q < 1e-5) {
    const double l = 1.3862943611198906 - 0.5 * std::log(q);  // ln 4 - ln(q)/2
    return 1.0 - 0.5 * q * (l + 0.5) - q * q * (l / 16.0 - 3.0 / 64.0);
  }
  const EllipticKE el = complete_elliptic_complementary(q);
  return el.e - q * el.k;
}

/// W_sigma(u): density of u = s^.t over the lune of a Lambertian sphere seen from two
/// directions at angle gamma, sigma = sin(gamma/2) (see the file header).
NANODECOH_HD inline double lune_projection_density(double sigma, double u) {
  const double c2 = 1.0 - sigma * sigma;
  const double rho2 = (1.0 - u) * (1.0 + u);
  if (rho2 <= 0.0) return 0.0;
  const double q = sigma * sigma * u * u / (c2 * rho2);  // 1 - m
  if (q >= 1.0) return 0.0;
  const double scale = (2.0 / k_pi) * std::sqrt(c2 * rho2);
  if (q < 1e-300) return scale;  // E(1) = 1, (1 - m) K(m) -> 0
  return scale * elliptic_e_minus_qk(q);
}

/// int W_sigma(u) du = E(c^2) - sigma^2 K(c^2): the lobe overlap int sqrt(g_a g_b) d2s.
NANODECOH_HD inline double lune_overlap(double sigma) {
  const double s2 = sigma * sigma;
  if (s2 < 1e-300) return 1.0;
  return elliptic_e_minus_qk(s2);
}

/// Geometry of one fast-path value: |dX.w|, |dX x w| (m), |sin(theta/2)| and the radius.
struct SphereJob {
  double dx_par;
  double dx_perp;
  double sin_half;
  double radius;
};

/// Partial sums of one polar slice t: sum of the integrand and the node count.
struct SliceSum {
  double re = 0.0;
  double im = 0.0;
  double evaluations = 0.0;
};

/// L(n) = int du W_sigma(u) G(z0 - A u) (thermal G), scaled so that the rule is exact for
/// G = 1: the u-integral is divided by its own quadrature of W_sigma and multiplied by
/// the closed-form overlap. u = c sin(v) removes the square-root end points of W_sigma.
NANODECOH_HD inline Cplx lune_average(double z0, double amp, double sigma, double overlap,
                                      const GaussRuleView& rule, double* edges, double& count) {
  const double c = std::sqrt(1.0 - sigma * sigma);
  const double half_pi = 0.5 * k_pi;
  Feature feature{0.0, 0.0, 0};
  if (amp * c > 0.5) feature = cosine_feature(z0, 0.0, amp * c, 1.0, 0.0, k_pi);
  // cosine_feature works on x in [0, pi] with u = c cos x; v = pi/2 - x
  const Feature in_v{half_pi - feature.at, feature.scale, feature.uniform};
  const int m = graded_edges(-half_pi, half_pi, &in_v, feature.scale > 0.0 ? 1 : 0, edges);
  double re = 0.0, im = 0.0, norm = 0.0;
  for (int e = 0; e + 1 < m; ++e) {
    const double mid = 0.5 * (edges[e] + edges[e + 1]), half = 0.5 * (edges[e + 1] - edges[e]);
    for (int i = 0; i < rule.q; ++i) {
      const double v = mid + half * rule.x[i];
      double sin_v, cos_v;
      numerics::sin_cos(v, &sin_v, &cos_v);
      const double u = c * sin_v;
      const double weight = half * rule.w[i] * c * cos_v * lune_projection_density(sigma, u);
      const Cplx g = thermal_phase_average(z0 - amp * u);
      re += weight * g.re;
      im += weight * g.im;
      norm += weight;
    }
  }
  count += (m - 1) * rule.q;
  if (!(norm > 0.0)) return {};
  return {overlap * re / norm, overlap * im / norm};
}

/// 2 int_0^pi dp L(t, p) for one polar angle t (the p-integrand depends on cos p only).
/// `k` is k_T; `edges` is scratch space of 2 k_max_edges doubles.
NANODECOH_HD inline SliceSum sphere_slice(const SphereJob& job, double k, const GaussRuleView& rule,
                                          double t, double* edges) {
  double st, ct;
  numerics::sin_cos(t, &st, &ct);
  const double sigma = job.sin_half * st;
  const double amp = 2.0 * k * job.radius * sigma;  // A
  const double z_c = k * job.dx_par * ct, z_a = k * job.dx_perp * st;
  const double overlap = lune_overlap(sigma);
  // features of L in z0: the G peak at 0 and the edges of the smeared lune at +-A
  Feature features[3];
  int count = 0;
  if (z_a > 0.5) {
    const double targets[3] = {0.0, amp, -amp};
    const int used = amp >= 2.0 ? 3 : 1;
    for (int i = 0; i < used; ++i)
      features[count++] = cosine_feature(targets[i], z_c, z_a, 1.0, 0.0, k_pi);
  }
  double* p_edges = edges;
  double* u_edges = edges + k_max_edges;
  const int m = graded_edges(0.0, k_pi, features, count, p_edges);
  SliceSum out;
  for (int e = 0; e + 1 < m; ++e) {
    const double mid = 0.5 * (p_edges[e] + p_edges[e + 1]);
    const double half = 0.5 * (p_edges[e + 1] - p_edges[e]);
    for (int i = 0; i < rule.q; ++i) {
      const double p = mid + half * rule.x[i];
      const Cplx l = lune_average(z_c + z_a * std::cos(p), amp, sigma, overlap, rule, u_edges,
                                  out.evaluations);
      out.re += 2.0 * half * rule.w[i] * l.re;
      out.im += 2.0 * half * rule.w[i] * l.im;
    }
  }
  return out;
}

}  // namespace nanodecoh::localization::detail
