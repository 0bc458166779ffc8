// chi_0 of a state given on a grid (grid_chord.hpp; docs/physics.md, "States from a file").
//
// Lattice. For the chord m = i - j (r_m = m dx) the pairs (j + m, j) have centres
// X = x_0 + m dx/2 + j dx, so the centre sums
//   S_m(k) = sum_j rho_{j+m, j} exp(-i k X_j)
// are one FFT per chord (zero-padded to Mk >= o N points: k step 2 pi/(Mk dx)), periodic in k
// with period 2 pi/dx up to the phase of the chord's first centre, which extends them to
// |k| <= 2 pi/dx. The band-limited state's chi is
//   chi(k, r) = (dx/2 pi) int_{|P| < w} dP exp(i P r) S^(k, P),  S^(k, P) = sum_m S_m(k) e^{-iPm
//   dx}
// (S^(k, P) = rho~(P + k/2, P - k/2), the state in momentum space, and |P| < w = pi/dx - |k|/2
// says both momenta lie below pi/dx), so per k: one FFT over the chords (Mr >= 2N points), the
// window, zero-padding to R = o Mr points and one inverse FFT give chi at r steps dx/o.
#include "nanodecoh/evolution/grid_chord.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <sstream>

#include "evolution/chord_kernel.hpp"
#include "evolution/chord_model.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace detail {
std::mutex& fftw_planner_mutex();  // cpu_propagator.cpp
}  // namespace detail

namespace {

using cplx = std::complex<double>;

std::size_t power_of_two_at_least(std::size_t n) {
  std::size_t m = 1;
  while (m < n) m <<= 1;
  return m;
}

struct Sizes {
  std::size_t n = 0, mk = 0, mr = 0, r = 0;
};

Sizes sizes_for(const Grid& grid, const GridChordOptions& options) {
  if (!GridChord::reads(grid))
    throw InvalidArgument("grid",
                          std::to_string(grid.axis_count()) + " axes (" + grid.axes()[0].name + ")",
                          "one translation axis or one libration window for a grid state's "
                          "chord function");
  if (options.oversampling < 2 || options.oversampling > 8)
    throw InvalidArgument("oversampling", std::to_string(options.oversampling), "2 to 8");
  Sizes s;
  s.n = grid.axes()[0].points;
  const std::size_t o = static_cast<std::size_t>(options.oversampling);
  s.mk = power_of_two_at_least(o * s.n);
  s.mr = power_of_two_at_least(2 * s.n);
  s.r = o * s.mr;
  return s;
}

/// FFTW plan and buffer of one length and direction, freed on destruction; plans are made under
/// the planner's lock (FFTW's planner is not thread-safe; fftw_execute_dft is).
class Fft {
 public:
  Fft(std::size_t n, int sign) : n_member_(n) {
    fftw_complex* a = fftw_alloc_complex(n);
    if (a == nullptr) throw OutOfMemory("an FFT buffer of " + std::to_string(n) + " points");
    {
      std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
      plan_member_ = fftw_plan_dft_1d(static_cast<int>(n), a, a, sign, FFTW_ESTIMATE);
    }
    fftw_free(a);
  }
  ~Fft() {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    fftw_destroy_plan(plan_member_);
  }
  Fft(const Fft&) = delete;
  Fft& operator=(const Fft&) = delete;
  /// In place on `a` (fftw_alloc_complex of at least n points).
  void run(fftw_complex* a) const { fftw_execute_dft(plan_member_, a, a); }
  std::size_t size() const noexcept { return n_member_; }

 private:
  std::size_t n_member_;
  fftw_plan plan_member_ = nullptr;
};

struct Buffer {
  explicit Buffer(std::size_t n) : data(fftw_alloc_complex(n)) {
    if (data == nullptr) throw OutOfMemory("an FFT buffer of " + std::to_string(n) + " points");
  }
  ~Buffer() { fftw_free(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  fftw_complex* data;
};

}  // namespace

chord::GridChordView grid_chord_view(const GridChord& g) {
  chord::GridChordView v;
  v.k_count = g.k_count();
  v.r_count = g.r_count();
  v.k_first = g.k_first();
  v.k_step = g.k_step();
  v.r_first = g.r_first();
  v.r_step = g.r_step();
  v.values = g.values().data();
  v.k_limit = g.k_extent();
  v.r_limit = g.r_extent();
  v.k_blocks = g.k_blocks();
  v.r_blocks = g.r_blocks();
  v.block_norm = g.block_norms().empty() ? nullptr : g.block_norms().data();
  v.block_threshold = g.block_threshold();
  v.error = g.error_estimate();
  return v;
}

double GridChord::bytes_needed(const Grid& grid, const GridChordOptions& options) {
  const Sizes s = sizes_for(grid, options);
  const double c = sizeof(cplx);
  // The lattice, the centre sums (Mk x Mr), rho, and per thread (64 counted) two FFT buffers.
  return c * (static_cast<double>(2 * s.mk + 1) * static_cast<double>(s.r + 1) +
              static_cast<double>(s.mk) * static_cast<double>(s.mr) +
              static_cast<double>(s.n) * static_cast<double>(s.n) +
              64.0 * static_cast<double>(s.mr + s.r + s.mk));
}

bool GridChord::reads(const Grid& grid) {
  if (grid.axis_count() != 1) return false;
  const Axis& axis = grid.axes()[0];
  return axis.kind == AxisKind::translation || axis.mode == RotationMode::libration;
}

GridChord GridChord::from_file(const Grid& grid, const InitialStateSpec& spec,
                               const GridChordOptions& options) {
  if (spec.kind != InitialKind::file)
    throw InvalidArgument("initial.kind", "not \"file\"", "\"file\" for a grid state");
  (void)sizes_for(grid, options);  // an axis it reads, before reading
  return GridChord(grid, make_initial_state(grid, spec), options);
}

GridChord::GridChord(const Grid& grid, std::vector<cplx> rho, const GridChordOptions& options)
    : oversampling_member_(options.oversampling) {
  const Sizes s = sizes_for(grid, options);
  const std::size_t n = s.n, mk = s.mk, mr = s.mr, rn = s.r;
  if (rho.size() != n * n)
    throw InvalidArgument("rho", std::to_string(rho.size()) + " elements",
                          std::to_string(n * n) + " (the grid's points squared)");
  for (std::size_t i = 0; i < rho.size(); ++i)
    if (!std::isfinite(rho[i].real()) || !std::isfinite(rho[i].imag()))
      throw InvalidArgument("rho", "NaN or inf at element " + std::to_string(i), "finite values");
  require_memory(bytes_needed(grid, options), "the grid state's chord-function lattice",
                 "use fewer axes[0].points", options.max_memory_bytes);
  const double dx = grid.axes()[0].step, x0 = grid.coordinate(0, 0);
  const double two_pi = 2.0 * constants::pi;
  const long long nn = static_cast<long long>(n);
  for (std::size_t i = 0; i < n; ++i) trace_member_ += rho[i * n + i].real();

  k_count_member_ = static_cast<int>(2 * mk + 1);
  r_count_member_ = static_cast<int>(rn + 1);
  k_step_member_ = two_pi / (static_cast<double>(mk) * dx);
  k_first_member_ = -static_cast<double>(mk) * k_step_member_;  // -2 pi/dx
  r_step_member_ = dx / static_cast<double>(options.oversampling);
  r_first_member_ = -0.5 * static_cast<double>(rn) * r_step_member_;  // -Mr dx/2

  // 1. Centre sums: B[q][m mod Mr] = sum_j' rho_{j0 + j' + m, j0 + j'} exp(-2 pi i q j'/Mk),
  //    j0 = max(0, -m) the bra index of the chord's first pair.
  std::vector<cplx> sums(mk * mr, 0.0);
  {
    const Fft forward(mk, FFTW_FORWARD);
#pragma omp parallel
    {
      Buffer a(mk);
#pragma omp for schedule(dynamic, 4)
      for (long long m = -(nn - 1); m <= nn - 1; ++m) {
        const long long j0 = std::max(0LL, -m), len = nn - std::llabs(m);
        for (std::size_t q = 0; q < mk; ++q) a.data[q][0] = a.data[q][1] = 0.0;
        for (long long j = 0; j < len; ++j) {
          const cplx v =
              rho[static_cast<std::size_t>(j0 + j + m) * n + static_cast<std::size_t>(j0 + j)];
          a.data[j][0] = v.real();
          a.data[j][1] = v.imag();
        }
        forward.run(a.data);
        const std::size_t slot =
            static_cast<std::size_t>((m + static_cast<long long>(mr)) % static_cast<long long>(mr));
        for (std::size_t q = 0; q < mk; ++q) sums[q * mr + slot] = cplx(a.data[q][0], a.data[q][1]);
      }
    }
  }
  // 2. Per k_q, q in [-Mk, Mk]: S_m(k_q) = exp(-i k_q (x0 + m dx/2 + j0 dx)) B[q mod Mk][m], the
  //    FFT over the chords, the window |P_p| < w_q (P_p = 2 pi p/(Mr dx), w_q = pi/dx (1 -
  //    |q|/Mk); half weight on it), zero-padding to R and the inverse FFT: chi(k_q, r_l) with
  //    r_l = l dx/o, scaled by 1/Mr ((dx/2 pi) dP).
  values_member_.assign(
      2 * static_cast<std::size_t>(k_count_member_) * static_cast<std::size_t>(r_count_member_),
      0.0);
  {
    const Fft over_chords(mr, FFTW_FORWARD), back(rn, FFTW_BACKWARD);
    const long long mkl = static_cast<long long>(mk), mrl = static_cast<long long>(mr),
                    rl = static_cast<long long>(rn);
#pragma omp parallel
    {
      Buffer a(mr), b(rn);
#pragma omp for schedule(dynamic, 4)
      for (long long row = 0; row <= 2 * mkl; ++row) {
        const long long q = row - mkl;
        const double k = static_cast<double>(q) * k_step_member_;
        const std::size_t qs = static_cast<std::size_t>(((q % mkl) + mkl) % mkl);
        for (std::size_t p = 0; p < mr; ++p) a.data[p][0] = a.data[p][1] = 0.0;
        for (long long m = -(nn - 1); m <= nn - 1; ++m) {
          const long long j0 = std::max(0LL, -m);
          const std::size_t slot = static_cast<std::size_t>((m + mrl) % mrl);
          const double x_first =
              x0 + 0.5 * static_cast<double>(m) * dx + static_cast<double>(j0) * dx;
          const cplx v = sums[qs * mr + slot] * std::exp(cplx(0.0, -k * x_first));
          a.data[slot][0] = v.real();
          a.data[slot][1] = v.imag();
        }
        over_chords.run(a.data);
        for (std::size_t l = 0; l < rn; ++l) b.data[l][0] = b.data[l][1] = 0.0;
        const long long aq = std::llabs(q);
        for (long long p = -mrl / 2; p < mrl / 2; ++p) {
          // |P| < w  <=>  2 |p| Mk < Mr (Mk - |q|), in integers.
          const long long lhs = 2 * std::llabs(p) * mkl, rhs = mrl * (mkl - aq);
          const double weight = lhs < rhs ? 1.0 : lhs == rhs ? 0.5 : 0.0;
          if (weight == 0.0) continue;
          const std::size_t from = static_cast<std::size_t>((p + mrl) % mrl);
          const double scale = weight / static_cast<double>(mr);
          if (p == -mrl / 2) {
            // |P| = pi/dx (only at k = 0): the two ends +-pi/dx of the window, the same sample
            // of the periodic S^, each with the half weight of the window's edge (so that
            // chi(-k, -r) = conj chi(k, r) is kept).
            for (long long end : {-mrl / 2, mrl / 2}) {
              const std::size_t to = static_cast<std::size_t>((end + rl) % rl);
              b.data[to][0] += scale * a.data[from][0];
              b.data[to][1] += scale * a.data[from][1];
            }
            continue;
          }
          const std::size_t to = static_cast<std::size_t>((p + rl) % rl);
          b.data[to][0] = scale * a.data[from][0];
          b.data[to][1] = scale * a.data[from][1];
        }
        back.run(b.data);
        // Lattice column c = l + R/2 for l in [-R/2, R/2] (the two ends are the same point of
        // the period).
        double* out = values_member_.data() +
                      2 * static_cast<std::size_t>(row) * static_cast<std::size_t>(r_count_member_);
        for (long long c = 0; c <= rl; ++c) {
          const std::size_t l = static_cast<std::size_t>(((c - rl / 2) % rl + rl) % rl);
          out[2 * c] = b.data[l][0];
          out[2 * c + 1] = b.data[l][1];
        }
      }
    }
  }
  // 3. The block norms (chord::GridChordView::block_norm): a point in the cells [a, a + 1)
  //    interpolates the nodes a - 5 .. a + 6 (order 12), so block i covers the nodes
  //    [i B - 6, i B + B + 6] in each direction (a separable running maximum: rows, then columns).
  {
    const int bs = chord::grid_chord_block, halo = chord::grid_chord_order / 2;
    k_blocks_member_ = (k_count_member_ + bs - 1) / bs;
    r_blocks_member_ = (r_count_member_ + bs - 1) / bs;
    const std::size_t rbs = static_cast<std::size_t>(r_blocks_member_);
    std::vector<double> rows(static_cast<std::size_t>(k_count_member_) * rbs, 0.0);
#pragma omp parallel for schedule(static)
    for (int a = 0; a < k_count_member_; ++a) {
      const double* row = values_member_.data() + 2 * static_cast<std::size_t>(a) *
                                                      static_cast<std::size_t>(r_count_member_);
      for (int j = 0; j < r_blocks_member_; ++j) {
        double m = 0.0;
        const int lo = std::max(0, j * bs - halo),
                  hi = std::min(r_count_member_ - 1, j * bs + bs + halo);
        for (int b = lo; b <= hi; ++b)
          m = std::max(m, row[2 * b] * row[2 * b] + row[2 * b + 1] * row[2 * b + 1]);
        rows[static_cast<std::size_t>(a) * rbs + static_cast<std::size_t>(j)] = m;
      }
    }
    block_norm_member_.assign(static_cast<std::size_t>(k_blocks_member_) * rbs, 0.0);
#pragma omp parallel for schedule(static)
    for (int i = 0; i < k_blocks_member_; ++i) {
      const int lo = std::max(0, i * bs - halo),
                hi = std::min(k_count_member_ - 1, i * bs + bs + halo);
      for (int j = 0; j < r_blocks_member_; ++j) {
        double m = 0.0;
        for (int a = lo; a <= hi; ++a)
          m = std::max(m, rows[static_cast<std::size_t>(a) * rbs + static_cast<std::size_t>(j)]);
        block_norm_member_[static_cast<std::size_t>(i) * rbs + static_cast<std::size_t>(j)] = m;
      }
    }
  }
  // 4. The interpolation's error: 12 against 10 points at the centres of every other cell in
  //    each direction (where Lagrange interpolation errs most), over the whole lattice; plus
  //    the FFTs' rounding, a few eps log2 of the transform lengths times the trace.
  k_limit_member_ = -k_first_member_;
  r_limit_member_ = -r_first_member_;
  double worst = 0.0;
  {
    const chord::GridChordView v = grid_chord_view(*this);  // no limits and no threshold yet
    // A cell's |12-point - 10-point| is at most 1.62^2 + 1.57^2 = 5.1 times the largest
    // modulus of the nodes they interpolate (the rules' Lebesgue constants), so a block with
    // 5.1 sqrt(block_norm) below the maximum found so far cannot raise it: first the blocks above
    // 1e-4 of the largest norm's root, then the others that could still matter.
    const int bs = chord::grid_chord_block;
    double largest = 0.0;
    for (double b : block_norm_member_) largest = std::max(largest, b);
    const auto scan = [&](bool significant, double floor) {
      double found = 0.0;
#pragma omp parallel for schedule(dynamic, 1) reduction(max : found)
      for (int i = 0; i < k_blocks_member_; ++i)
        for (int j = 0; j < r_blocks_member_; ++j) {
          const double norm = block_norm_member_[static_cast<std::size_t>(i) *
                                                     static_cast<std::size_t>(r_blocks_member_) +
                                                 static_cast<std::size_t>(j)];
          if ((norm >= 1e-8 * largest) != significant) continue;
          if (!significant && !(5.1 * std::sqrt(norm) > floor)) continue;
          for (int a = i * bs; a < std::min((i + 1) * bs, k_count_member_ - 1); a += 2)
            for (int b = j * bs; b < std::min((j + 1) * bs, r_count_member_ - 1); b += 2) {
              const double k = k_first_member_ + (static_cast<double>(a) + 0.5) * k_step_member_;
              const double r = r_first_member_ + (static_cast<double>(b) + 0.5) * r_step_member_;
              const chord::Complex hi = chord::grid_chord_value(v, k, r, chord::grid_chord_order),
                                   lo = chord::grid_chord_value(v, k, r,
                                                                chord::grid_chord_check_order);
              found = std::max(found, std::hypot(hi.re - lo.re, hi.im - lo.im));
            }
        }
      return found;
    };
    worst = scan(true, 0.0);
    worst = std::max(worst, scan(false, worst));
  }
  const double eps = std::numeric_limits<double>::epsilon();
  interpolation_error_member_ =
      worst +
      4.0 * eps *
          std::log2(static_cast<double>(mk) * static_cast<double>(mr) * static_cast<double>(rn)) *
          std::fabs(trace_member_);
  // 5. The level below which lattice values are neglected: a point whose stencil holds only
  //    values below it has |chi_0| < 2.7 level (the 12-point rule's Lebesgue constant is 1.62
  //    per axis) and is taken as 0, which adds 2.7 level to the error: a tenth of the
  //    interpolation's (a file state's rounding noise would otherwise spread its support over
  //    the whole lattice), and at least 1e-31 (chord_at's own 1e-30 skip).
  neglect_level_member_ = std::max(1e-31, 0.1 * interpolation_error_member_ / 2.7);
  const double level = neglect_level_member_;
  // 6. The limits: the largest |k| and |r| of a lattice value >= level (chi(-k, -r) =
  //    conj chi(k, r) makes the support symmetric), widened by the stencil's reach (a point
  //    interpolates the nodes less than order/2 steps away) and half a step.
  {
    double k_max = 0.0, r_max = 0.0;
    bool any = false;
    for (int a = 0; a < k_count_member_; ++a)
      for (int b = 0; b < r_count_member_; ++b) {
        const std::size_t i =
            2 * (static_cast<std::size_t>(a) * static_cast<std::size_t>(r_count_member_) +
                 static_cast<std::size_t>(b));
        if (!(values_member_[i] * values_member_[i] +
                  values_member_[i + 1] * values_member_[i + 1] >=
              level * level))
          continue;
        any = true;
        k_max = std::max(k_max, std::fabs(k_first_member_ + a * k_step_member_));
        r_max = std::max(r_max, std::fabs(r_first_member_ + b * r_step_member_));
      }
    const double reach = 0.5 * chord::grid_chord_order + 0.5;
    k_limit_member_ = any ? std::min(k_max + reach * k_step_member_, -k_first_member_) : 0.0;
    r_limit_member_ = any ? std::min(r_max + reach * r_step_member_, -r_first_member_) : 0.0;
  }
  block_threshold_member_ = level * level;
  // 7. The model's error: the population at the two outermost points of each end and in the
  //    outermost momentum bins (|f| >= N/2 - 1 of the grid's N), relative to the trace; a
  //    misrepresented part of weight w changes chi by at most 2 sqrt(w) + w (trace norm).
  //    Weights at the rounding level of the data are not evidence of either: each point (bin)
  //    counts only above 16 u times the largest population (16 u sum |rho_ij|/N, the bound of
  //    a bin's sum), a few operations' rounding of the run that wrote the state and of the
  //    sums here.
  double largest_population = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    largest_population = std::max(largest_population, rho[i * n + i].real());
  double edge = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    if (i < 2 || i + 2 >= n)
      edge += std::max(0.0, rho[i * n + i].real() - 16.0 * eps * largest_population);
  double momentum = 0.0, magnitude = 0.0;
  for (const cplx& element : rho) magnitude += std::abs(element);
  for (long long f = 0; f < nn; ++f) {
    const long long fs = f <= nn / 2 ? f : f - nn;
    if (std::llabs(fs) < nn / 2 - 1) continue;
    // p(k_f) = (1/N) u^dagger rho u, u_i = exp(i k_f x_i).
    const double kf = two_pi * static_cast<double>(fs) / (static_cast<double>(n) * dx);
    std::vector<cplx> u(n);
    for (std::size_t i = 0; i < n; ++i) u[i] = std::exp(cplx(0.0, kf * grid.coordinate(0, i)));
    cplx sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      cplx row = 0.0;
      for (std::size_t j = 0; j < n; ++j) row += rho[i * n + j] * u[j];
      sum += std::conj(u[i]) * row;
    }
    const double rounding = 16.0 * eps * magnitude / static_cast<double>(n);
    momentum += std::max(0.0, sum.real() / static_cast<double>(n) - rounding);
  }
  const double scale = trace_member_ > 0.0 ? trace_member_ : 1.0;
  edge_weight_member_ = std::max(0.0, edge / scale);
  momentum_weight_member_ = std::max(0.0, momentum / scale);
  const double w = edge_weight_member_ + momentum_weight_member_;
  model_error_member_ = (2.0 * std::sqrt(w) + w) * std::fabs(trace_member_);
}

cplx GridChord::operator()(double k, double r) const {
  return value(k, r, chord::grid_chord_order);
}

cplx GridChord::value(double k, double r, int order) const {
  if (order < 2 || order > chord::grid_chord_order || order % 2 != 0)
    throw InvalidArgument("order", std::to_string(order), "an even number from 2 to 12");
  const chord::Complex c = chord::grid_chord_value(grid_chord_view(*this), k, r, order);
  return {c.re, c.im};
}

std::string GridChord::description() const {
  std::ostringstream s;
  s << "the grid state's chord function on a lattice of " << k_count_member_ << " x "
    << r_count_member_ << " points (k step " << format_number(k_step_member_) << " 1/m, r step "
    << format_number(r_step_member_) << " m, oversampling " << oversampling_member_
    << "), 12-point interpolation: |error of chi_0| <= " << format_number(error_estimate())
    << " (interpolation " << format_number(interpolation_error_member_) << "; lattice values below "
    << format_number(neglect_level_member_) << " neglected, up to "
    << format_number(2.7 * neglect_level_member_) << "; edge weight "
    << format_number(edge_weight_member_) << " and top-momentum weight "
    << format_number(momentum_weight_member_) << " give " << format_number(model_error_member_)
    << ")";
  return s.str();
}

}  // namespace nanodecoh::evolution
