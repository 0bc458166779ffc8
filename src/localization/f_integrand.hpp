// The hot loop of the localization-rate engine, written once for the CPU
// backend and the CUDA kernels (desorption eqs. 2-3, 43, 47, 48; docs/physics.md
// section 2 and "Scales"). Everything here is plain C++17 on flat
// struct-of-arrays node buffers, marked __host__ __device__ under nvcc, so
// both backends evaluate identical arithmetic.
//
// Surface emission. With Phi(n, s, E) = Gamma w(s) g(n.n_s) f(E) and the
// angular law g(mu) = c_k mu^k Theta(mu) (k = 1 Lambertian, eq. 9; k = 0
// isotropic into the outer half-space), desorption eq. (48) plus its
// imaginary part becomes
//     F = Gamma [1 - sum_s w_s int_lune d2n sqrt(g_a g_b) <exp(-i k n.d_s)>_E],
//     a = R n_s, b = R' n_s, d_s = dX + (R - R') s,
// because the (Phi_R + Phi_R')/2 term integrates to Gamma. The lune
// {n.a > 0, n.b > 0} is an azimuth interval psi in (gamma - pi/2, pi/2) in
// spherical coordinates (beta, psi) about e = a x b / |a x b|, with
// n.a = sin(beta) cos(psi), n.b = sin(beta) cos(psi - gamma), gamma = angle(a, b).
// psi is mapped by psi = psi_a + (psi_b - psi_a)(1 - cos t)/2 so the sqrt end
// points become smooth and Gauss-Legendre converges exponentially.
//
// Thermal spectrum: <exp(-i k n.d)>_E = G(k_T n.d), G the thermal phase average of
// numerics/special_functions.hpp (closed form in Dawson's integral).
//
// Volume emission from a transparent emitter (desorption eq. 43, 47): the
// emission is isotropic, so the solid-angle integral is exact:
//     F = Gamma sum_s w_s [1 - <sin(k|d_s|)/(k|d_s|)>_E],
// and for the thermal spectrum <sinc>_E = S(k_T |d_s|), S the thermal sinc average of
// numerics/special_functions.hpp.
#pragma once

#include <cmath>

#include "core/host_device.hpp"
#include "localization/graded_rule.hpp"
#include "numerics/special_functions.hpp"

namespace nanodecoh::localization::detail {

/// Minimal complex number shared by host and device code.
struct Cplx {
  double re = 0.0;
  double im = 0.0;
};

NANODECOH_HD inline Cplx operator+(Cplx a, Cplx b) {
  return {a.re + b.re, a.im + b.im};
}
NANODECOH_HD inline Cplx operator*(double s, Cplx a) {
  return {s * a.re, s * a.im};
}

inline constexpr double k_pi = 3.14159265358979323846;

/// G(z) = int_0^inf u e^-u exp(-i z sqrt(u)) du: the average of exp(-i k n.d)
/// over the flux-weighted Maxwell spectrum, z = k_T n.d (numerics/special_functions.hpp).
NANODECOH_HD inline Cplx thermal_phase_average(double z) {
  return {numerics::thermal_phase_average_re(z), numerics::thermal_phase_average_im(z)};
}

/// Host/device copy of a 3x3 rotation matrix (row-major) and a 3-vector.
struct Mat3 {
  double m[9];
};
struct Vec3 {
  double x, y, z;
};

NANODECOH_HD inline Vec3 apply(const double* m, double x, double y, double z) {
  return {m[0] * x + m[1] * y + m[2] * z, m[3] * x + m[4] * y + m[5] * z,
          m[6] * x + m[7] * y + m[8] * z};
}
NANODECOH_HD inline double dot(Vec3 a, Vec3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
NANODECOH_HD inline Vec3 cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

/// Energy spectrum as the kernels see it: the thermal closed form, or discrete
/// energy nodes (monoenergetic: one node; a table: its rows) with wave numbers
/// k_i = p(E_i)/hbar and weights summing to 1.
struct SpectrumView {
  int thermal = 1;            ///< 1: closed form with k_scale = k_T; 0: discrete nodes
  double k_scale = 0.0;       ///< k_T = sqrt(2 m k_B T)/hbar (1/m)
  const double* k = nullptr;  ///< discrete wave numbers (1/m)
  const double* w = nullptr;  ///< discrete weights
  int count = 0;
};

/// <exp(-i k n.d)>_E for a given projection nd = n.d (m).
NANODECOH_HD inline Cplx phase_average(const SpectrumView& sp, double nd) {
  if (sp.thermal) return thermal_phase_average(sp.k_scale * nd);
  Cplx acc;
  for (int i = 0; i < sp.count; ++i) {
    double sin_ph, cos_ph;
    numerics::sin_cos(sp.k[i] * nd, &sin_ph, &cos_ph);
    acc.re += sp.w[i] * cos_ph;
    acc.im -= sp.w[i] * sin_ph;
  }
  return acc;
}

/// <sin(k d)/(k d)>_E for a distance d >= 0 (m).
NANODECOH_HD inline double sinc_average(const SpectrumView& sp, double d) {
  if (sp.thermal) return numerics::thermal_sinc_average(sp.k_scale * d);
  double acc = 0.0;
  for (int i = 0; i < sp.count; ++i) {
    const double x = sp.k[i] * d;
    acc += sp.w[i] * (std::fabs(x) < 1e-4 ? 1.0 - x * x / 6.0 : std::sin(x) / x);
  }
  return acc;
}

/// Flat node buffers (struct of arrays). Surface nodes: position s (m), outward
/// normal n_s, weight w_s (emission weight, sums to 1 per node set). Volume nodes
/// use the same arrays with the normal unused. Beta rule on [0, pi]: cos, sin and
/// the Gauss-Legendre weight times sin(beta)^(k+1) (measure and flux law). Psi
/// rule on the unit interval: u = (1 - cos t)/2, t = pi (x + 1)/2, weight
/// (pi/4) sin(t) w_x, so psi = psi_a + (psi_b - psi_a) u, dpsi = (psi_b - psi_a) du.
struct NodeBankView {
  const double* sx = nullptr;
  const double* sy = nullptr;
  const double* sz = nullptr;
  const double* nx = nullptr;
  const double* ny = nullptr;
  const double* nz = nullptr;
  const double* sw = nullptr;
  const double* beta_cos = nullptr;
  const double* beta_sin = nullptr;
  const double* beta_w = nullptr;
  const double* psi_u = nullptr;
  const double* psi_w = nullptr;
  const double* gauss_x = nullptr;  ///< Gauss-Legendre rules on [-1, 1] (graded path)
  const double* gauss_w = nullptr;
};

/// One F value to evaluate: orientations, displacement and which node sets.
struct Job {
  double r[9];   ///< ket orientation R, row-major
  double rp[9];  ///< bra orientation R'
  double dx[3];  ///< dX = X - X' (m)
  int surface_offset, surface_count;
  int beta_offset, beta_count;  ///< fixed beta rule (discrete spectra)
  int psi_offset, psi_count;    ///< fixed psi rule (discrete spectra)
  int graded;                   ///< 1: graded panels (thermal spectrum), see graded_surface_partial
  int gauss_offset, gauss_count;  ///< Gauss-Legendre rule per panel of the graded path
};

/// Node sums of one job: sum_s w_s int_lune ..., the matching hemisphere normaliser of the
/// graded path (0 on the fixed path, whose normaliser the host computes), and the number of
/// integrand evaluations.
struct LuneSum {
  double re = 0.0;
  double im = 0.0;
  double norm = 0.0;
  double evaluations = 0.0;
};

/// The flux law's exponent k and its square-root normalisation: the lune
/// integrand is amp = c_k sin(beta)^k (cos(psi) cos(psi - gamma))^(k/2).
struct FluxLawView {
  double power = 1.0;
  double norm = 1.0 / k_pi;  ///< c_k = (k + 1)/(2 pi)
};

/// Lab-frame quantities of one surface node for one job.
struct LuneFrame {
  Vec3 d;        ///< dX + (R - R') s
  double pu;     ///< d . a      (a = R n_s, first lune boundary direction)
  double pv;     ///< d . (e x a)
  double pe;     ///< d . e
  double gamma;  ///< angle between a and b = R' n_s
};

NANODECOH_HD inline LuneFrame lune_frame(const NodeBankView& bank, const Job& job, int s) {
  const double sx = bank.sx[s], sy = bank.sy[s], sz = bank.sz[s];
  const Vec3 rs = apply(job.r, sx, sy, sz);
  const Vec3 rps = apply(job.rp, sx, sy, sz);
  LuneFrame f;
  f.d = {job.dx[0] + rs.x - rps.x, job.dx[1] + rs.y - rps.y, job.dx[2] + rs.z - rps.z};
  const Vec3 a = apply(job.r, bank.nx[s], bank.ny[s], bank.nz[s]);
  const Vec3 b = apply(job.rp, bank.nx[s], bank.ny[s], bank.nz[s]);
  Vec3 e = cross(a, b);
  const double sin_gamma = std::sqrt(dot(e, e));
  f.gamma = std::atan2(sin_gamma, dot(a, b));
  if (sin_gamma > 1e-13) {
    // a x b of nearly parallel vectors carries rounding errors of relative size
    // eps/gamma: re-orthogonalise against a so the lune coordinates stay exact about a
    e = {e.x / sin_gamma, e.y / sin_gamma, e.z / sin_gamma};
    const double ea = dot(e, a);
    e = {e.x - ea * a.x, e.y - ea * a.y, e.z - ea * a.z};
    const double ne = std::sqrt(dot(e, e));
    e = {e.x / ne, e.y / ne, e.z / ne};
  } else {
    // a = b to rounding (R = R' or s on the rotation axis): any unit vector
    // orthogonal to a; the lune is the full hemisphere
    f.gamma = 0.0;
    const Vec3 t = std::fabs(a.x) < 0.6 ? Vec3{1.0, 0.0, 0.0} : Vec3{0.0, 1.0, 0.0};
    e = cross(a, t);
    const double ne = std::sqrt(dot(e, e));
    e = {e.x / ne, e.y / ne, e.z / ne};
  }
  const Vec3 v = cross(e, a);
  f.pu = dot(f.d, a);
  f.pv = dot(f.d, v);
  f.pe = dot(f.d, e);
  return f;
}

/// Contribution of surface node s and lune azimuth node j, summed over the beta
/// nodes: w_s * dpsi_j * amp_j * sum_i wbeta_i <exp(-i k n_ij . d_s)>_E.
/// This is THE formula both backends evaluate.
NANODECOH_HD inline Cplx lune_partial(const NodeBankView& bank, const Job& job,
                                      const SpectrumView& sp, const FluxLawView& law,
                                      const LuneFrame& f, int s, int j) {
  const double width = k_pi - f.gamma;  // psi in (gamma - pi/2, pi/2)
  if (width <= 0.0) return {};
  const double psi = (f.gamma - 0.5 * k_pi) + width * bank.psi_u[job.psi_offset + j];
  double sp_, cp;
  numerics::sin_cos(psi, &sp_, &cp);
  const double cpg = std::cos(psi - f.gamma);
  const double prod = cp * cpg;
  if (prod <= 0.0) return {};
  const double amp = law.power == 1.0 ? std::sqrt(prod)
                                      : (law.power == 0.0 ? 1.0 : std::pow(prod, 0.5 * law.power));
  const double outer = bank.sw[s] * width * bank.psi_w[job.psi_offset + j] * law.norm * amp;
  const double pperp = cp * f.pu + sp_ * f.pv;  // d . (cos psi a + sin psi v)
  Cplx acc;
  for (int i = 0; i < job.beta_count; ++i) {
    const int q = job.beta_offset + i;
    const double nd = bank.beta_sin[q] * pperp + bank.beta_cos[q] * f.pe;
    acc = acc + bank.beta_w[q] * phase_average(sp, nd);
  }
  return outer * acc;
}

/// sin(beta)^(k+1): the measure sin(beta) times the flux law's sin(beta)^k.
NANODECOH_HD inline double beta_measure(double sin_beta, double power) {
  if (power == 1.0) return sin_beta * sin_beta;
  if (power == 0.0) return sin_beta;
  return std::pow(sin_beta, power + 1.0);
}

/// Plain panels of the graded lune rules: at small phases the integrand is smooth and two
/// panels of q nodes match the cost of the fixed rule; the convergence loop refines q.
inline constexpr int k_lune_plain_panels = 2;

/// The graded path for the thermal spectrum: the lune integral of surface node s with
/// Gauss-Legendre panels graded towards the band n.d_s = 0, where G(k_T n.d_s) has its
/// peak of width 1/(k_T |d_s|) (it decays like (k_T n.d)^-4 elsewhere).
/// - beta (about e): n.d = rho sin(beta + phi0) with rho = |(p_perp, p_e)|, so the band
///   crosses each meridian psi at beta* = -phi0 (mod pi); panels graded towards beta* with
///   scale 1/(k_T rho).
/// - psi (in t, psi = psi_a + W (1 - cos t)/2): rho(psi)^2 = p_e^2 + P^2 cos^2(psi - psi_d) is
///   smallest at psi_0 = psi_d +- pi/2, where the band lies along the meridian and the beta
///   integral peaks (~1/(k_T rho)); panels graded towards psi_0 with scale
///   max(|p_e|, 1/k_T)/P.
/// Adds w_s times the lune sum to `sum`, and w_s times the same rule applied to the
/// hemisphere integral of g (exactly 1) to `sum.norm`, so that sum/norm is exact for G = 1 and
/// F_{R,R}(0) = 0 to rounding. `scratch` holds 2 k_max_edges doubles.
NANODECOH_HD inline void graded_surface_partial(const NodeBankView& bank, const Job& job,
                                                const SpectrumView& sp, const FluxLawView& law,
                                                int s, double* scratch, LuneSum& sum) {
  const LuneFrame f = lune_frame(bank, job, s);
  const double k = sp.k_scale;
  const int q = job.gauss_count;
  const double* gx = bank.gauss_x + job.gauss_offset;
  const double* gw = bank.gauss_w + job.gauss_offset;
  const double width = k_pi - f.gamma, psi_a = f.gamma - 0.5 * k_pi;
  if (width <= 0.0) return;
  double* t_edges = scratch;
  double* b_edges = scratch + k_max_edges;
  // psi features, mapped to x = pi - t: psi = (psi_a + W/2) + (W/2) cos x
  const double big_p = std::sqrt(f.pu * f.pu + f.pv * f.pv);
  Feature features[2];
  int count = 0;
  if (k * big_p > 0.5) {
    const double centre = psi_a + 0.5 * width;
    const double scale = (std::fabs(f.pe) > 1.0 / k ? std::fabs(f.pe) : 1.0 / k) / big_p;
    double psi0 = std::atan2(f.pv, f.pu) + 0.5 * k_pi;
    psi0 -= 2.0 * k_pi * std::floor((psi0 - centre + k_pi) / (2.0 * k_pi));  // in [c - pi, c + pi)
    const double candidates[2] = {psi0, psi0 < centre ? psi0 + k_pi : psi0 - k_pi};
    for (double candidate : candidates) {
      const Feature x = cosine_feature(candidate, centre, 0.5 * width, scale, 0.0, k_pi);
      features[count++] = {k_pi - x.at, x.scale, x.uniform};
    }
  }
  const int nt = graded_edges(0.0, k_pi, features, count, t_edges, k_lune_plain_panels);
  const double ws = bank.sw[s];
  for (int e = 0; e + 1 < nt; ++e) {
    const double t_mid = 0.5 * (t_edges[e] + t_edges[e + 1]);
    const double t_half = 0.5 * (t_edges[e + 1] - t_edges[e]);
    for (int i = 0; i < q; ++i) {
      const double t = t_mid + t_half * gx[i];
      double sin_t, cos_t;
      numerics::sin_cos(t, &sin_t, &cos_t);
      const double du = 0.5 * sin_t * t_half * gw[i];  // du = sin(t)/2 dt
      const double u = 0.5 * (1.0 - cos_t);
      const double psi = psi_a + width * u;
      double spsi, cp;
      numerics::sin_cos(psi, &spsi, &cp);
      const double cpg = std::cos(psi - f.gamma);
      const double prod = cp * cpg;
      const double psi_h = -0.5 * k_pi + k_pi * u;  // the same node on the hemisphere (gamma = 0)
      const double ch = std::cos(psi_h);
      const double amp_h = law.power == 0.0 ? 1.0 : std::pow(ch * ch, 0.5 * law.power);
      const double pperp = cp * f.pu + spsi * f.pv;
      const double rho = std::sqrt(pperp * pperp + f.pe * f.pe);
      const double phi0 = std::atan2(f.pe, pperp);
      double beta_star = -phi0;  // zero of sin(beta + phi0) in [0, pi]
      if (beta_star < 0.0) beta_star += k_pi;
      if (beta_star > k_pi) beta_star -= k_pi;
      const Feature band{beta_star, 1.0 / (k * rho), k_peak_uniform};
      const int nb =
          graded_edges(0.0, k_pi, &band, k * rho > 0.5 ? 1 : 0, b_edges, k_lune_plain_panels);
      double re = 0.0, im = 0.0, measure = 0.0;
      for (int b = 0; b + 1 < nb; ++b) {
        const double b_mid = 0.5 * (b_edges[b] + b_edges[b + 1]);
        const double b_half = 0.5 * (b_edges[b + 1] - b_edges[b]);
        for (int j = 0; j < q; ++j) {
          const double beta = b_mid + b_half * gx[j];
          double sb, cb;
          numerics::sin_cos(beta, &sb, &cb);
          const double w = b_half * gw[j] * beta_measure(sb, law.power);
          const Cplx g = thermal_phase_average(k * (sb * pperp + cb * f.pe));
          re += w * g.re;
          im += w * g.im;
          measure += w;
        }
      }
      sum.evaluations += (nb - 1) * q;
      sum.norm += ws * k_pi * du * law.norm * amp_h * measure;
      if (prod <= 0.0) continue;
      const double amp = law.power == 1.0
                             ? std::sqrt(prod)
                             : (law.power == 0.0 ? 1.0 : std::pow(prod, 0.5 * law.power));
      const double outer = ws * width * du * law.norm * amp;
      sum.re += outer * re;
      sum.im += outer * im;
    }
  }
}

/// Volume emission: contribution w_s <sinc(k |d_s|)>_E of volume node s.
NANODECOH_HD inline double volume_partial(const NodeBankView& bank, const Job& job,
                                          const SpectrumView& sp, int s) {
  const Vec3 rs = apply(job.r, bank.sx[s], bank.sy[s], bank.sz[s]);
  const Vec3 rps = apply(job.rp, bank.sx[s], bank.sy[s], bank.sz[s]);
  const double dxv = job.dx[0] + rs.x - rps.x, dyv = job.dx[1] + rs.y - rps.y,
               dzv = job.dx[2] + rs.z - rps.z;
  return bank.sw[s] * sinc_average(sp, std::sqrt(dxv * dxv + dyv * dyv + dzv * dzv));
}

}  // namespace nanodecoh::localization::detail
