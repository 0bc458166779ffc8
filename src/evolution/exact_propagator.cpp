// The exact chord-function propagator (exact_propagator.hpp; docs/physics.md section 4,
// "Exact chord-function method").
//
// Conventions: chi(k, r) = int dX exp(-i k X) rho(X + r/2, X - r/2), eta = (-k, r/hbar) the
// dual of the Wigner variables (X, p). A segment whose classical flow is z -> S z + d maps
//   chi_end(eta) = exp(i eta.d) chi_start(S^T eta),
// so the characteristic runs backwards from (k, r) at the segment's end:
//   free:      k' = k,                             r' = r - (hbar/M) k tau
//   harmonic:  k' = k cos(w tau) + (M w/hbar) sin(w tau) r,
//              r' = r cos(w tau) - (hbar/(M w)) sin(w tau) k
//   linear F0: as free, with the phase -k F0 T^2/(2M) + r F0 T/hbar over the segment,
// tau the time before the segment's end. The dissipator multiplies chi by exp(-F(r) dt) at
// every point of that path, hence the factor exp(-int F(r(s)) ds).
#include "nanodecoh/evolution/exact_propagator.hpp"

#include "evolution/chord_model.hpp"
#include "numerics/gauss_kronrod.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;

/// (k, r) at time tau before the end of a segment whose end point is (k, r).
void map_back(const Segment& segment, double mass, double tau, double& k, double& r) {
  const double hbar = constants::hbar;
  const Potential& p = segment.potential;
  if (p.kind == PotentialKind::harmonic && p.frequency > 0.0) {
    const double w = p.frequency, c = std::cos(w * tau), s = std::sin(w * tau);
    const double k0 = k * c + mass * w / hbar * s * r;
    const double r0 = r * c - hbar / (mass * w) * s * k;
    k = k0;
    r = r0;
    return;
  }
  r -= hbar / mass * k * tau;  // free, linear force and harmonic with w = 0
}

/// exp(2 pi i j/M) for j < M/2: the twiddle factors of inverse_fft, computed directly (no
/// recurrence, so their rounding does not grow with M).
std::vector<cplx> fft_twiddles(std::size_t m) {
  std::vector<cplx> w(m / 2);
  for (std::size_t j = 0; j < m / 2; ++j) {
    const double angle = 2.0 * constants::pi * static_cast<double>(j) / static_cast<double>(m);
    w[j] = cplx(std::cos(angle), std::sin(angle));
  }
  return w;
}

/// In-place radix-2 DFT with exp(+2 pi i q s/M) (M a power of two), unnormalised; `twiddles`
/// from fft_twiddles(M). The butterflies on the real and imaginary parts as plain doubles (kept
/// in registers), the first stage (twiddle 1) without multiplications.
void inverse_fft(std::vector<cplx>& a, const std::vector<cplx>& twiddles) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  double* p = reinterpret_cast<double*>(a.data());  // [re, im] pairs (std::complex layout)
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    double* x = p + 2 * i;
    const double ur = x[0], ui = x[1], vr = x[2], vi = x[3];
    x[0] = ur + vr;
    x[1] = ui + vi;
    x[2] = ur - vr;
    x[3] = ui - vi;
  }
  const double* w = reinterpret_cast<const double*>(twiddles.data());
  for (std::size_t len = 4; len <= n; len <<= 1) {
    const std::size_t stride = n / len, half = len / 2;  // twiddle j: exp(2 pi i j/len)
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t j = 0; j < half; ++j) {
        const double wr = w[2 * j * stride], wi = w[2 * j * stride + 1];
        double* x = p + 2 * (i + j);
        double* y = x + 2 * half;
        const double vr = y[0] * wr - y[1] * wi, vi = y[0] * wi + y[1] * wr;
        const double ur = x[0], ui = x[1];
        x[0] = ur + vr;
        x[1] = ui + vi;
        y[0] = ur - vr;
        y[1] = ui - vi;
      }
  }
}

/// Adaptive Gauss-Kronrod 7-15 on [a, b] by recursive bisection, without allocation (one
/// call per point of chi, from many threads). An interval is accepted when |K15 - G7| is at
/// most its share `tol (b - a)/span` of the absolute tolerance or 1e-14 |K15| (rounding); the
/// accepted |K15 - G7| are summed into `error` (a bound: K15 is far more accurate than G7).
template <typename F>
cplx adaptive_gk15(const F& f, double a, double b, double tol, double span, double& error,
                   int depth = 0) {
  const double centre = 0.5 * (a + b);
  const auto [kronrod, gauss] = numerics::gk15_panel<cplx>(f, a, b);
  const double estimate = std::abs(kronrod - gauss);
  // A non-finite F (or an interval that will not converge within 2^-30 of the segment) is
  // accepted as it is: its error estimate (inf for NaN/inf) is reported, never hidden.
  if (!std::isfinite(estimate) ||
      estimate <= std::max(tol * (b - a) / span, 1e-14 * std::abs(kronrod)) || depth >= 30) {
    if (!std::isfinite(estimate)) {
      error = std::numeric_limits<double>::infinity();
      return kronrod;
    }
    error += estimate;
    return kronrod;
  }
  return adaptive_gk15(f, a, centre, tol, span, error, depth + 1) +
         adaptive_gk15(f, centre, b, tol, span, error, depth + 1);
}

std::size_t k_points_for(const Grid& grid) {
  std::size_t m = 1;
  while (m < 4 * grid.axes()[0].points) m <<= 1;
  return m;
}

}  // namespace

std::string exact_method_obstacle(const Grid& grid, const Segment& segment,
                                  const ChannelList& channels, const InitialStateSpec& initial) {
  if (grid.axis_count() != 1)
    return "the grid has " + std::to_string(grid.axis_count()) +
           " axes; the exact method supports one translation axis (several axes are not yet "
           "supported)";
  const Axis& axis = grid.axes()[0];
  if (axis.kind != AxisKind::translation)
    return "axis " + axis.name +
           " is a rotation axis; the exact method supports translation axes (harmonic on a "
           "libration window is not yet supported)";
  switch (segment.potential.kind) {
    case PotentialKind::free:
    case PotentialKind::harmonic:
    case PotentialKind::linear:
      break;
    case PotentialKind::double_well:
    case PotentialKind::table:
      return std::string("potential \"") + to_string(segment.potential.kind) +
             "\" is not quadratic (the exact method needs free, linear or harmonic)";
  }
  for (const auto& channel : channels)
    if (channel && !channel->defined_off_grid())
      return "channel " + channel->name() +
             " gives F only on the grid's differences (a table, the engine or a quadrature per "
             "distance); the exact method needs F at every displacement along the paths";
  if (initial.kind == InitialKind::file)
    return "initial.kind = \"file\": the exact method needs a closed-form chord function "
           "(gaussian, cat or thermal); file states are not yet supported";
  return {};
}

std::vector<double> exact_k_grid(const Grid& grid, std::size_t k_points) {
  const double period = static_cast<double>(k_points) * 0.5 * grid.axes()[0].step;
  std::vector<double> k(k_points);
  const long long half = static_cast<long long>(k_points / 2);
  for (std::size_t q = 0; q < k_points; ++q) {
    const long long f = static_cast<long long>(q) < half ? static_cast<long long>(q)
                                                         : static_cast<long long>(q) - 2 * half;
    k[q] = 2.0 * constants::pi * static_cast<double>(f) / period;
  }
  return k;
}

ExactPropagator::ExactPropagator(const Grid& grid, std::vector<Segment> protocol,
                                 ChannelList channels, InitialStateSpec initial, double tolerance)
    : grid_member_(grid),
      protocol_member_(std::move(protocol)),
      channels_member_(std::move(channels)),
      initial_member_(std::move(initial)),
      tolerance_member_(tolerance) {
  if (!(tolerance >= 1e-15 && tolerance <= 1e-2))
    throw InvalidArgument("numerics.tolerance", format_number(tolerance), "1e-15 to 1e-2");
  if (protocol_member_.empty())
    throw InvalidArgument("protocol", "empty", "at least one [[protocol]] segment");
  for (std::size_t s = 0; s < protocol_member_.size(); ++s) {
    const std::string where = "protocol[" + std::to_string(s) + "]";
    const std::string obstacle =
        exact_method_obstacle(grid, protocol_member_[s], channels_member_, initial_member_);
    if (!obstacle.empty())
      throw InvalidArgument(
          where + ".method", "\"exact\"",
          "\"auto\" or \"split\" (the exact method does not apply: " + obstacle + ")");
    require_positive(where + ".duration", protocol_member_[s].duration);
    validate_potential(grid, protocol_member_[s].potential, where);
    duration_member_ += protocol_member_[s].duration;
  }
  for (const auto& c : channels_member_)
    if (!c) throw InvalidArgument("channels", "a null channel", "channels");
  mass_member_ = grid.axes()[0].inertia;
  const InitialStateSpec& in = initial_member_;
  if (in.axis != 0) throw InvalidArgument("initial.axis", std::to_string(in.axis), "axis 0");
  require_positive("initial.width", in.kind == InitialKind::thermal ? 1.0 : in.width);
  if (in.kind == InitialKind::cat) require_positive("initial.separation", in.separation);
  if (in.kind == InitialKind::thermal) {
    require_positive("initial.temperature", in.temperature);
    require_positive("initial.frequency", in.frequency);
  }
  k_points_member_ = k_points_for(grid);
}

cplx ExactPropagator::rate(double r) const {
  thread_local std::vector<double> displacement(1);
  static const std::vector<double> no_angles;
  displacement[0] = r;
  cplx sum = 0.0;
  for (const auto& channel : channels_member_)
    sum += channel->evaluate(displacement, no_angles, no_angles);
  return sum;
}

cplx ExactPropagator::initial_chord(double k, double r) const {
  const InitialStateSpec& in = initial_member_;
  const double hbar = constants::hbar;
  const cplx momentum_phase(0.0, in.momentum * r / hbar);
  switch (in.kind) {
    case InitialKind::gaussian: {
      const double s = in.width;
      return std::exp(cplx(-0.5 * k * k * s * s - r * r / (8.0 * s * s), -k * in.center) +
                      momentum_phase);
    }
    case InitialKind::cat: {
      // psi = g_- + g_+ (centres c -+ d/2): four terms g_a(x) g_b(x')*, each a Gaussian in the
      // centre X (mean (c_a + c_b)/2) and in r (mean c_a - c_b); trace 2 + 2 exp(-d^2/(8 s^2)).
      const double s = in.width, d = in.separation, c = in.center;
      const double gk = -0.5 * k * k * s * s, sr = 8.0 * s * s;
      cplx sum = std::exp(cplx(gk - r * r / sr, -k * (c + 0.5 * d))) +
                 std::exp(cplx(gk - r * r / sr, -k * (c - 0.5 * d))) +
                 std::exp(cplx(gk - (r - d) * (r - d) / sr, -k * c)) +
                 std::exp(cplx(gk - (r + d) * (r + d) / sr, -k * c));
      return sum * std::exp(momentum_phase) / (2.0 + 2.0 * std::exp(-d * d / sr));
    }
    case InitialKind::thermal: {
      // Mehler kernel: Var X = l^2/(2 tanh(b/2)), the r factor exp(-r^2 coth(b/2)/(4 l^2)).
      const double b = hbar * in.frequency / (constants::k_boltzmann * in.temperature);
      const double l2 = hbar / (mass_member_ * in.frequency);
      const double t = std::tanh(0.5 * b);
      return std::exp(cplx(-0.25 * k * k * l2 / t - r * r / (4.0 * l2 * t), -k * in.center) +
                      momentum_phase);
    }
    case InitialKind::file:
      break;
  }
  throw InvalidArgument("initial.kind", "\"file\"",
                        "gaussian, cat or thermal for the exact method");
}

cplx ExactPropagator::chord(double t, double k, double r, double* error) const {
  if (!(t >= 0.0 && t <= duration_member_ * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration_member_));
  // Segment holding t and the time spent in it.
  std::size_t last = 0;
  double begin = 0.0;
  while (last + 1 < protocol_member_.size() && begin + protocol_member_[last].duration < t) {
    begin += protocol_member_[last].duration;
    ++last;
  }
  double phase = 0.0, err = 0.0;
  cplx integral = 0.0;
  const double hbar = constants::hbar;
  // The start of the characteristic first: where chi_0 there is below 1e-30 (chi(0, 0) = 1),
  // chi is too (|exp(-int F)| <= 1, Re F >= 0 for every channel the method accepts), and its
  // contribution to rho lies far below rounding: skip the F integral.
  {
    double k0 = k, r0 = r;
    for (std::size_t s = last + 1; s-- > 0;) {
      const double span = s == last ? std::min(t - begin, protocol_member_[s].duration)
                                    : protocol_member_[s].duration;
      if (span > 0.0) map_back(protocol_member_[s], mass_member_, span, k0, r0);
    }
    if (std::abs(initial_chord(k0, r0)) < 1e-30) {
      if (error) *error = 0.0;
      return 0.0;
    }
  }
  // Share of the tolerance per segment, so the whole path meets it.
  const double tol = tolerance_member_ / static_cast<double>(last + 1);
  for (std::size_t s = last + 1; s-- > 0;) {
    const Segment& segment = protocol_member_[s];
    const double span = s == last ? std::min(t - begin, segment.duration) : segment.duration;
    if (span <= 0.0) continue;
    if (!channels_member_.empty()) {
      const double k_end = k, r_end = r;
      const auto f = [&](double tau) {
        double kk = k_end, rr = r_end;
        map_back(segment, mass_member_, tau, kk, rr);
        return rate(rr);
      };
      double segment_error = 0.0;
      integral += adaptive_gk15(f, 0.0, span, tol, span, segment_error);
      err += segment_error;
    }
    if (segment.potential.kind == PotentialKind::linear) {
      const double f0 = segment.potential.force;
      phase += -k * f0 * span * span / (2.0 * mass_member_) + r * f0 * span / hbar;
    }
    map_back(segment, mass_member_, span, k, r);
  }
  if (error) *error = err;
  return std::exp(cplx(-integral.real(), phase - integral.imag())) * initial_chord(k, r);
}

std::vector<cplx> ExactPropagator::density_matrix(double t, double* error) const {
  return density_matrix(t, Backend::cpu, error);
}

std::vector<cplx> ExactPropagator::density_matrix(double t, Backend backend, double* error,
                                                  ChordDampingCache* damping) const {
  const std::size_t n = grid_member_.axes()[0].points, m = k_points_member_;
  const double dx = grid_member_.axes()[0].step;
  const double period = static_cast<double>(m) * 0.5 * dx;
  const double x_first = grid_member_.coordinate(0, 0);  // centre X of i + j = 0
  const std::vector<double> k = exact_k_grid(grid_member_, m);
  const std::vector<cplx> twiddles = fft_twiddles(m);
  std::vector<cplx> shift(m);  // exp(i k_q x_first): the half grid starts at x_first
  for (std::size_t q = 0; q < m; ++q) shift[q] = std::exp(cplx(0.0, k[q] * x_first));
  // chi at every (k_q, r_d) (and +k_N, see below) through the kernel twin of `backend`.
  const chord::Model model = make_chord_model(grid_member_, protocol_member_, channels_member_,
                                              initial_member_, tolerance_member_);
  const long long nn = static_cast<long long>(n);
  const std::size_t per_chord = m + 1;
  std::vector<cplx> rho(n * n);
  double worst = 0.0;
  // Chord d's entries rho_{i, i-d} sit at the centre indices s = 2 i - d, all of the parity of
  // d: only those outputs of the length-m transform are needed. With p that parity,
  //   a_{2j+p} = sum_{q < m/2} (c_q + (-1)^p c_{q+m/2}) exp(2 pi i q p/m) exp(2 pi i q j/(m/2)),
  // one transform of length m/2 after folding.
  const std::vector<cplx> half_twiddles = fft_twiddles(m / 2);
  const double dk = 2.0 * constants::pi / period;  // spacing of the k grid
  const auto transform_chord = [&](long long d, const cplx* c, std::vector<cplx>& a) {
    const std::size_t h = m / 2;
    const bool odd = (d % 2) != 0;
    for (std::size_t q = 0; q < h; ++q) {
      cplx lo = c[q] * shift[q], hi = c[q + h] * shift[q + h];
      // Nyquist term (q + h = m/2): the mean of -k_N and +k_N (their phases agree on the half
      // grid), so that the sum is symmetric in k and rho stays Hermitian to rounding.
      if (q == 0) hi = 0.5 * (hi + c[m] * std::conj(shift[h]));
      a[q] = odd ? (lo - hi) * twiddles[q] : lo + hi;
    }
    inverse_fft(a, half_twiddles);
    // Ket i, bra j = i - d: the centre index i + j = 2 i - d = 2 (i - (d + p)/2) + p.
    const long long p = odd ? 1 : 0;
    for (long long i = std::max(0LL, d); i < std::min(nn, nn + d); ++i) {
      const long long j = i - d, half_index = (2 * i - d - p) / 2;
      rho[static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j)] =
          a[static_cast<std::size_t>(half_index)] * (dx / period);
    }
  };
  // The path integrals of every point of this time, in the order below (chord d from -(n-1),
  // then k); the CUDA twin computes them afresh.
  ChordDampingCache::Table* cached =
      damping != nullptr && backend == Backend::cpu
          ? damping->table(t, static_cast<std::size_t>(2 * nn - 1) * per_chord)
          : nullptr;
  if (backend == Backend::cpu) {
    // One chord per iteration: chi over k into a buffer of the thread, then its transform.
#pragma omp parallel reduction(max : worst)
    {
      std::vector<cplx> a(m / 2), c(per_chord);
#pragma omp for schedule(dynamic, 4)
      for (long long d = -(nn - 1); d <= nn - 1; ++d) {
        const double r = static_cast<double>(d) * dx;
        const std::size_t offset = static_cast<std::size_t>(d + nn - 1) * per_chord;
        // Outside [k_lo, k_hi] chord_at returns 0 without evaluating anything (chord_k_range).
        double k_lo = 0.0, k_hi = 0.0;
        if (!chord::chord_k_range(model, t, r, k_lo, k_hi)) continue;  // the chord stays 0
        const double k_margin = 2.0 * dk;  // two grid steps for the rounding of the range
        bool any = false;
        for (std::size_t q = 0; q <= m; ++q) {
          const double kq = q == m ? -k[m / 2] : k[q];  // q = m: +k_N
          if (kq < k_lo - k_margin || kq > k_hi + k_margin) {
            c[q] = 0.0;
            continue;
          }
          double e = 0.0;
          const chord::Complex v =
              chord::chord_at(model, t, kq, r, e, cached ? &cached->integral[offset + q] : nullptr,
                              cached ? &cached->error[offset + q] : nullptr);
          c[q] = cplx(v.re, v.im);
          worst = std::max(worst, e);
          any = any || v.re != 0.0 || v.im != 0.0;
        }
        if (any) transform_chord(d, c.data(), a);  // else the chord of rho stays 0
      }
    }
  } else {
    // Blocks of chords so that the point lists stay small.
    const long long block = std::max<long long>(1, (1LL << 20) / static_cast<long long>(per_chord));
    std::vector<double> kk, rr;
    for (long long first = -(nn - 1); first <= nn - 1; first += block) {
      const long long last = std::min(nn - 1, first + block - 1);
      kk.clear();
      rr.clear();
      for (long long d = first; d <= last; ++d) {
        const double r = static_cast<double>(d) * dx;
        for (std::size_t q = 0; q < m; ++q) {
          kk.push_back(k[q]);
          rr.push_back(r);
        }
        kk.push_back(-k[m / 2]);  // +k_N
        rr.push_back(r);
      }
      double e = 0.0;
      const std::vector<cplx> chi = chord::chord_values(backend, model, t, kk, rr, &e);
      worst = std::max(worst, e);
#pragma omp parallel
      {
        std::vector<cplx> a(m / 2);
#pragma omp for schedule(static)
        for (long long d = first; d <= last; ++d)
          transform_chord(d, chi.data() + static_cast<std::size_t>(d - first) * per_chord, a);
      }
    }
  }
  if (error) *error = worst;
  return rho;
}

cplx ExactPropagator::element(double t, double x, double x_prime, double* error) const {
  if (!(t >= 0.0 && t <= duration_member_ * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration_member_));
  const std::size_t m = k_points_member_;
  const double period = static_cast<double>(m) * 0.5 * grid_member_.axes()[0].step;
  const std::vector<double> k = exact_k_grid(grid_member_, m);
  const double centre = 0.5 * (x + x_prime), r = x - x_prime;
  // chi at the m + 1 points through the CPU twin of the chi kernel (OpenMP), then the sum in a
  // fixed order (the same result for any number of threads).
  std::vector<double> kk(m + 1), rr(m + 1, r);
  for (std::size_t q = 0; q <= m; ++q) kk[q] = q == m ? -k[m / 2] : k[q];  // q = m: +k_N
  const chord::Model model = make_chord_model(grid_member_, protocol_member_, channels_member_,
                                              initial_member_, tolerance_member_);
  double worst = 0.0;
  const std::vector<cplx> chi = chord::chord_values_cpu(model, t, kk, rr, &worst);
  cplx sum = 0.0;
  for (std::size_t q = 0; q <= m; ++q) {
    // The two Nyquist ends enter with weight 1/2 (symmetric trapezoid).
    const double weight = q == m || q == m / 2 ? 0.5 : 1.0;
    sum += weight * chi[q] * std::exp(cplx(0.0, kk[q] * centre));
  }
  if (error) *error = worst;
  return sum / period;
}

chord::Model make_chord_model(const Grid& grid, const std::vector<Segment>& protocol,
                              const ChannelList& channels, const InitialStateSpec& initial,
                              double tolerance) {
  // The same checks as the propagator (segments, channels, state, tolerance).
  const ExactPropagator check(grid, protocol, channels, initial, tolerance);
  chord::Model m;
  m.mass = grid.axes()[0].inertia;
  m.tolerance = tolerance;
  if (protocol.size() > static_cast<std::size_t>(chord::max_segments))
    throw InvalidArgument("protocol", std::to_string(protocol.size()) + " segments",
                          "at most " + std::to_string(chord::max_segments) + " for the chi kernel");
  m.segments = static_cast<int>(protocol.size());
  for (std::size_t s = 0; s < protocol.size(); ++s) {
    const Potential& p = protocol[s].potential;
    m.segment_kind[s] = p.kind == PotentialKind::harmonic ? chord::SegmentKind::harmonic
                        : p.kind == PotentialKind::linear ? chord::SegmentKind::linear
                                                          : chord::SegmentKind::free;
    m.duration[s] = protocol[s].duration;
    m.frequency[s] = p.frequency;
    m.force[s] = p.force;
  }
  if (channels.size() > static_cast<std::size_t>(chord::max_channels))
    throw InvalidArgument("channels", std::to_string(channels.size()) + " channels",
                          "at most " + std::to_string(chord::max_channels) + " for the chi kernel");
  m.channels = static_cast<int>(channels.size());
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const DissipationChannel* channel = &channels[c]->definition();
    // (On the exact method's translation-only grids a Gaussian channel's angular part never
    // acts: evaluate() receives no angles.)
    if (const auto* g = dynamic_cast<const GaussianChannel*>(channel)) {
      m.channel_kind[c] = chord::ChannelKind::gaussian;
      m.rate[c] = g->rate();
      m.length[c] = g->length();
    } else if (const auto* d = dynamic_cast<const DiffusiveChannel*>(channel)) {
      m.channel_kind[c] = chord::ChannelKind::diffusive;
      m.rate[c] = d->lambda();
    } else if (const auto* sphere = dynamic_cast<const DesorptionSphereChannel*>(channel)) {
      m.channel_kind[c] = chord::ChannelKind::desorption_sphere;
      m.rate[c] = sphere->rate();
      m.length[c] = sphere->thermal_wavenumber();
    } else {
      throw InvalidArgument("channels[" + std::to_string(c) + "]", channel->name(),
                            "gaussian, diffusive or desorption_sphere for the chi kernel");
    }
  }
  m.width = initial.width;
  m.separation = initial.separation;
  m.center = initial.center;
  m.momentum = initial.momentum;
  switch (initial.kind) {
    case InitialKind::gaussian:
      m.state = chord::StateKind::gaussian;
      break;
    case InitialKind::cat:
      m.state = chord::StateKind::cat;
      m.cat_overlap = std::exp(-initial.separation * initial.separation /
                               (8.0 * initial.width * initial.width));
      break;
    case InitialKind::thermal: {
      m.state = chord::StateKind::thermal;
      const double b =
          constants::hbar * initial.frequency / (constants::k_boltzmann * initial.temperature);
      const double l2 = constants::hbar / (m.mass * initial.frequency);
      const double t = std::tanh(0.5 * b);
      m.thermal_k2 = 0.25 * l2 / t;
      m.thermal_r2 = 1.0 / (4.0 * l2 * t);
      break;
    }
    case InitialKind::file:
      break;  // refused by the propagator above
  }
  return m;
}

}  // namespace nanodecoh::evolution
