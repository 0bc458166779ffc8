// The exact chord-function method on a grid of two or three translation axes (ExactPropagator's
// several-axes members; the model and kernel in chord_axes.hpp, docs/physics.md "Several
// translation axes"): chi at one point, rho at two points, and rho on the grid.
//
// Back to the grid: with X the centre and r = x - x' per axis,
//   rho(X + r/2, X - r/2) = (2 pi)^-D int d^D k exp(i k . X) chi(k, r),
// sampled on each axis' k lattice of spacing 2 pi/period (period = M dx/2, M = k_points(a)):
// the trapezoid rule, with weight 1/2 at each axis' two Nyquist ends +-k_N, is the tensor
// product of the one-axis rule (exact_propagator.cpp). For each chord vector d (r_a = d_a dx_a)
// the centres X_a = x_a,first + s_a dx_a/2, s_a = i_a + j_a, are the outputs of one
// D-dimensional inverse DFT of chi over the k lattice. Only the chords d >= 0 in lexicographic
// order are computed: chi(-k, -r) = conj chi(k, r) (a Hermitian state and dissipator, an odd
// force phase), so the chord -d of rho is the conjugate transpose of the chord d.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "evolution/chord_model.hpp"
#include "evolution/exact_grid.hpp"
#include "evolution/radix2_fft.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;

/// ln(1e-30): points whose chi_0 at the start of the path is certainly below it are 0 (chord_at).
constexpr double kLogSkip = -69.0775527898213705;

/// One axis' k lattice: k_q (1/m) for q < M in FFT order and q = M for +k_N, the trapezoid
/// weights (1/2 at q = M/2 and q = M), and the period of the centre coordinate (m).
struct KLattice {
  std::size_t points = 0;  ///< M
  double period = 0.0;
  std::vector<double> k;       ///< M + 1 values
  std::vector<double> weight;  ///< M + 1 values
};

KLattice k_lattice(const Grid& grid, std::size_t axis, std::size_t m) {
  KLattice l;
  l.points = m;
  l.period = static_cast<double>(m) * 0.5 * grid.axes()[axis].step;
  l.k = exact_k_grid(grid, m, axis);
  l.k.push_back(-l.k[m / 2]);  // +k_N
  l.weight.assign(m + 1, 1.0);
  l.weight[m / 2] = 0.5;
  l.weight[m] = 0.5;
  return l;
}

void check_time(double t, double duration) {
  if (!(t >= 0.0 && t <= duration * (1.0 + 1e-12)))
    throw InvalidArgument("time", format_number(t),
                          "0 to the protocol's duration " + format_number(duration));
}

}  // namespace

std::size_t exact_work_bytes(const Grid& grid) {
  constexpr std::size_t threads = 64, complex_bytes = sizeof(cplx);
  // A full circle: a block of at most 2^20 points (values, k and r) and per thread the nonzero
  // k of a chord (exact_circle.cpp).
  if (detail::on_circle(grid))
    return (std::size_t{1} << 20) * (complex_bytes + 2 * sizeof(double)) +
           threads * 4 * grid.ket_size() * complex_bytes;
  if (grid.axis_count() == 1) return threads * 8 * grid.ket_size() * complex_bytes;
  std::size_t lattice = 1, bounds = 0;
  for (std::size_t a = 0; a < grid.axis_count(); ++a) {
    const std::size_t m = exact_k_points(grid, a);
    lattice *= m;
    bounds += (2 * grid.axes()[a].points) * (m + 2) * sizeof(double);
  }
  const std::size_t block = std::max<std::size_t>(std::size_t{1} << 20, lattice);
  return block * (complex_bytes + 2 * grid.axis_count() * sizeof(double)) +
         threads * lattice * complex_bytes + bounds;
}

cplx ExactPropagator::chord(double t, const std::vector<double>& k, const std::vector<double>& r,
                            double* error) const {
  const std::size_t axes = grid_member_.axis_count();
  if (k.size() != axes || r.size() != axes)
    throw InvalidArgument(
        "k", std::to_string(k.size()) + " and " + std::to_string(r.size()) + " components",
        std::to_string(axes) + " each (one per axis)");
  if (axes == 1) return chord(t, k[0], r[0], error);
  check_time(t, duration_member_);
  const chord::AxesModel model = make_axes_model(*this);
  return chord::axes_chord_values_cpu(model, t, k, r, error)[0];
}

cplx ExactPropagator::element(double t, const std::vector<double>& x,
                              const std::vector<double>& x_prime, double* error) const {
  const std::size_t axes = grid_member_.axis_count();
  if (x.size() != axes || x_prime.size() != axes)
    throw InvalidArgument(
        "x", std::to_string(x.size()) + " and " + std::to_string(x_prime.size()) + " coordinates",
        std::to_string(axes) + " each (one per axis)");
  if (axes == 1) return element(t, x[0], x_prime[0], error);
  check_time(t, duration_member_);
  std::vector<KLattice> lattice;
  std::size_t points = 1;
  for (std::size_t a = 0; a < axes; ++a) {
    lattice.push_back(k_lattice(grid_member_, a, axis_k_points_member_[a]));
    points *= lattice[a].points + 1;
  }
  // Every lattice point (axis 0 slowest), r = x - x' at each.
  std::vector<double> kk(points * axes), rr(points * axes);
  for (std::size_t p = 0; p < points; ++p) {
    std::size_t rest = p;
    for (std::size_t a = axes; a-- > 0;) {
      const std::size_t q = rest % (lattice[a].points + 1);
      rest /= lattice[a].points + 1;
      kk[p * axes + a] = lattice[a].k[q];
      rr[p * axes + a] = x[a] - x_prime[a];
    }
  }
  const chord::AxesModel model = make_axes_model(*this);
  double worst = 0.0;
  const std::vector<cplx> chi = chord::axes_chord_values_cpu(model, t, kk, rr, &worst);
  // The trapezoid sum in a fixed order (the same result for any number of threads).
  cplx sum = 0.0;
  for (std::size_t p = 0; p < points; ++p) {
    std::size_t rest = p;
    double weight = 1.0, phase = 0.0;
    for (std::size_t a = axes; a-- > 0;) {
      const std::size_t q = rest % (lattice[a].points + 1);
      rest /= lattice[a].points + 1;
      weight *= lattice[a].weight[q];
      phase += lattice[a].k[q] * 0.5 * (x[a] + x_prime[a]);
    }
    sum += weight * chi[p] * std::exp(cplx(0.0, phase));
  }
  double volume = 1.0;
  for (const KLattice& l : lattice) volume *= l.period;
  if (error) *error = worst;
  return sum / volume;
}

std::vector<cplx> ExactPropagator::axes_density_matrix(double t, Backend backend, double* error,
                                                       ChordDampingCache* damping) const {
  check_time(t, duration_member_);
  const Grid& grid = grid_member_;
  const std::size_t axes = grid.axis_count();
  const chord::AxesModel model = make_axes_model(*this);
  std::vector<KLattice> lattice;
  std::vector<std::vector<cplx>> shift(axes), twiddles(axes);
  std::vector<std::size_t> n(axes), m(axes);
  std::size_t points = 1, transform_size = 1, chord_count = 1;
  double scale = 1.0;  // prod dx/period: rho_ij = prod dx rho(x_i, x_j), the k sum's 1/period
  for (std::size_t a = 0; a < axes; ++a) {
    lattice.push_back(k_lattice(grid, a, axis_k_points_member_[a]));
    n[a] = grid.axes()[a].points;
    m[a] = lattice[a].points;
    points *= m[a] + 1;
    transform_size *= m[a];
    chord_count *= 2 * n[a] - 1;
    scale *= grid.axes()[a].step / lattice[a].period;
    // exp(i k_q x_first): the centre lattice starts at the grid's first point.
    const double x_first = grid.coordinate(a, 0);
    for (double k : lattice[a].k) shift[a].push_back(std::exp(cplx(0.0, k * x_first)));
    twiddles[a] = fft_twiddles(m[a]);
  }
  // The chords d >= 0 in lexicographic order (the first non-zero component positive), d_a in
  // [-(n_a - 1), n_a - 1].
  std::vector<std::array<long long, chord::max_axes>> chords;
  for (std::size_t c = 0; c < chord_count; ++c) {
    std::array<long long, chord::max_axes> d{0, 0, 0};
    std::size_t rest = c;
    for (std::size_t a = axes; a-- > 0;) {
      const std::size_t width = 2 * n[a] - 1;
      d[a] = static_cast<long long>(rest % width) - static_cast<long long>(n[a] - 1);
      rest /= width;
    }
    long long first_nonzero = 0;
    for (std::size_t a = 0; a < axes && first_nonzero == 0; ++a) first_nonzero = d[a];
    if (first_nonzero >= 0) chords.push_back(d);
  }
  // Per axis, chord component d_a and k index q: the log bound of the axis' factor of chi_0 at
  // the start of the characteristic (chord_kernel.hpp, initial_chord_log_bound). A point whose
  // sum over the axes is below ln 1e-30 is 0 (as axes_chord_at decides), without a call.
  std::vector<std::vector<double>> bound(axes), best(axes);
  for (std::size_t a = 0; a < axes; ++a) {
    const chord::Model& axis = model.axis[a];
    int last = 0;
    double begin = 0.0;
    while (last + 1 < axis.segments && begin + axis.duration[last] < t) {
      begin += axis.duration[last];
      ++last;
    }
    const std::size_t width = 2 * n[a] - 1;
    bound[a].resize(width * (m[a] + 1));
    best[a].assign(width, -INFINITY);
    for (std::size_t j = 0; j < width; ++j)
      for (std::size_t q = 0; q <= m[a]; ++q) {
        double k = lattice[a].k[q],
               r = (static_cast<double>(j) - static_cast<double>(n[a] - 1)) * grid.axes()[a].step;
        for (int s = last; s >= 0; --s) {
          const double span = s == last ? std::fmin(t - begin, axis.duration[s]) : axis.duration[s];
          if (span > 0.0) chord::map_back(axis, s, span, k, r);
        }
        const double b = chord::initial_chord_log_bound(axis, k, r);
        bound[a][j * (m[a] + 1) + q] = b;
        best[a][j] = std::max(best[a][j], b);
      }
  }
  const auto chord_row = [&](std::size_t a, long long d) {
    return static_cast<std::size_t>(d + static_cast<long long>(n[a] - 1));
  };
  const auto chord_skipped = [&](const std::array<long long, chord::max_axes>& d) {
    double sum = 0.0;
    for (std::size_t a = 0; a < axes; ++a) sum += best[a][chord_row(a, d[a])];
    return chord::log_bound_below(sum, kLogSkip);
  };
  // Lattice point p (axis 0 slowest, M_a + 1 per axis) -> its k indices.
  const auto unravel = [&](std::size_t p, std::size_t* q) {
    for (std::size_t a = axes; a-- > 0;) {
      q[a] = p % (m[a] + 1);
      p /= m[a] + 1;
    }
  };
  const std::size_t ket = grid.ket_size();
  std::vector<std::size_t> ket_stride(axes, 1);
  for (std::size_t a = axes - 1; a-- > 0;) ket_stride[a] = ket_stride[a + 1] * n[a + 1];
  std::vector<cplx> rho(ket * ket, 0.0);
  // chi of chord d on its lattice (M_a + 1 points per axis) -> rho's entries of chords d and -d:
  // the shifts, the Nyquist ends folded with weight 1/2 (the symmetric trapezoid), one inverse
  // DFT per axis over the centre index, then the entries at s_a = 2 i_a - d_a.
  const auto transform_chord = [&](const std::array<long long, chord::max_axes>& d, cplx* c,
                                   std::vector<cplx>& a_buffer, std::vector<cplx>& line) {
    std::size_t q[chord::max_axes];
    for (std::size_t p = 0; p < points; ++p) {
      unravel(p, q);
      cplx f = 1.0;
      for (std::size_t a = 0; a < axes; ++a) f *= shift[a][q[a]];
      c[p] *= f;
    }
    // Fold each axis' +k_N slice into its -k_N slice, both halved.
    std::vector<std::size_t> stride(axes, 1);
    for (std::size_t a = axes - 1; a-- > 0;) stride[a] = stride[a + 1] * (m[a + 1] + 1);
    for (std::size_t a = 0; a < axes; ++a)
      for (std::size_t p = 0; p < points; ++p) {
        unravel(p, q);
        if (q[a] != m[a] / 2) continue;
        cplx& low = c[p];
        const cplx high = c[p + (m[a] - m[a] / 2) * stride[a]];
        low = 0.5 * (low + high);
      }
    // The sub-box q_a < M_a, then the inverse DFT along each axis.
    std::vector<std::size_t> box_stride(axes, 1);
    for (std::size_t a = axes - 1; a-- > 0;) box_stride[a] = box_stride[a + 1] * m[a + 1];
    for (std::size_t p = 0; p < points; ++p) {
      unravel(p, q);
      bool inside = true;
      std::size_t b = 0;
      for (std::size_t a = 0; a < axes; ++a) {
        inside = inside && q[a] < m[a];
        b += q[a] * box_stride[a];
      }
      if (inside) a_buffer[b] = c[p];
    }
    for (std::size_t a = 0; a < axes; ++a) {
      line.resize(m[a]);
      for (std::size_t b = 0; b < transform_size; ++b) {
        if ((b / box_stride[a]) % m[a] != 0) continue;  // each line once, from its first point
        for (std::size_t j = 0; j < m[a]; ++j) line[j] = a_buffer[b + j * box_stride[a]];
        inverse_fft(line, twiddles[a]);
        for (std::size_t j = 0; j < m[a]; ++j) a_buffer[b + j * box_stride[a]] = line[j];
      }
    }
    // Ket i, bra j = i - d per axis, centre index s = 2 i - d; every combination of the axes.
    std::size_t count = 1, lo[chord::max_axes], span[chord::max_axes];
    for (std::size_t a = 0; a < axes; ++a) {
      const long long nn = static_cast<long long>(n[a]);
      lo[a] = static_cast<std::size_t>(std::max(0LL, d[a]));
      span[a] = static_cast<std::size_t>(std::min(nn, nn + d[a]) - std::max(0LL, d[a]));
      count *= span[a];
    }
    bool zero = true;
    for (std::size_t a = 0; a < axes; ++a) zero = zero && d[a] == 0;
    for (std::size_t e = 0; e < count; ++e) {
      std::size_t rest = e, row = 0, column = 0, centre = 0;
      for (std::size_t a = axes; a-- > 0;) {
        const std::size_t i = lo[a] + rest % span[a];
        rest /= span[a];
        const std::size_t j = static_cast<std::size_t>(static_cast<long long>(i) - d[a]);
        row += i * ket_stride[a];
        column += j * ket_stride[a];
        centre += (i + j) * box_stride[a];
      }
      const cplx value = a_buffer[centre] * scale;
      rho[row * ket + column] = value;
      if (!zero) rho[column * ket + row] = std::conj(value);
    }
  };
  // The path integrals of every point of this time (chord c of the list, lattice point p at
  // c points + p) shared with runs that differ only in the initial state; CPU only, and not with
  // tabulated channels (their integral is complex, the table stores real ones).
  ChordDampingCache::Table* cached = damping != nullptr && backend == Backend::cpu && !tabulated()
                                         ? damping->table(t, chords.size() * points)
                                         : nullptr;
  // Blocks of chords, so that the values of a block stay within 2^20 points (16 MB).
  const std::size_t block = std::max<std::size_t>(1, (std::size_t{1} << 20) / points);
  std::vector<cplx> values;
  double worst = 0.0;
  for (std::size_t first = 0; first < chords.size(); first += block) {
    const std::size_t last = std::min(chords.size(), first + block);
    values.assign((last - first) * points, 0.0);
    std::vector<char> skipped(last - first, 0);
    if (backend == Backend::cpu) {
      // One chord per iteration, its points skipped where the bound table says chi is 0.
#pragma omp parallel for schedule(dynamic, 1) reduction(max : worst)
      for (std::size_t c = first; c < last; ++c) {
        const auto& d = chords[c];
        if (chord_skipped(d)) {
          skipped[c - first] = 1;
          continue;
        }
        std::size_t q[chord::max_axes];
        double k[chord::max_axes], r[chord::max_axes];
        for (std::size_t a = 0; a < axes; ++a)
          r[a] = static_cast<double>(d[a]) * grid.axes()[a].step;
        cplx* out = values.data() + (c - first) * points;
        for (std::size_t p = 0; p < points; ++p) {
          unravel(p, q);
          double exponent = 0.0;
          for (std::size_t a = 0; a < axes; ++a) {
            exponent += bound[a][chord_row(a, d[a]) * (m[a] + 1) + q[a]];
            k[a] = lattice[a].k[q[a]];
          }
          if (chord::log_bound_below(exponent, kLogSkip)) continue;
          double e = 0.0;
          const std::size_t slot = c * points + p;
          const chord::Complex v =
              chord::axes_chord_at(model, t, k, r, e, cached ? &cached->integral[slot] : nullptr,
                                   cached ? &cached->error[slot] : nullptr);
          out[p] = cplx(v.re, v.im);
          worst = std::max(worst, e);
        }
      }
    } else {
      // Every point of the block's chords through the kernel twin of `backend`.
      std::vector<double> kk, rr;
      kk.reserve((last - first) * points * axes);
      rr.reserve((last - first) * points * axes);
      std::size_t q[chord::max_axes];
      for (std::size_t c = first; c < last; ++c)
        for (std::size_t p = 0; p < points; ++p) {
          unravel(p, q);
          for (std::size_t a = 0; a < axes; ++a) {
            kk.push_back(lattice[a].k[q[a]]);
            rr.push_back(static_cast<double>(chords[c][a]) * grid.axes()[a].step);
          }
        }
      double e = 0.0;
      values = chord::axes_chord_values(backend, model, t, kk, rr, &e);
      worst = std::max(worst, e);
    }
#pragma omp parallel
    {
      std::vector<cplx> a_buffer(transform_size), line;
#pragma omp for schedule(dynamic, 1)
      for (std::size_t c = first; c < last; ++c)
        if (!skipped[c - first])
          transform_chord(chords[c], values.data() + (c - first) * points, a_buffer, line);
    }
  }
  if (error) *error = worst;
  return rho;
}

}  // namespace nanodecoh::evolution
