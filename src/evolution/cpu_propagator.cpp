// CPU backend of the split-operator propagator (propagator.hpp; docs/physics.md
// section 4): in-place FFTW transforms over all 2d axes of rho, planned once per propagator
// (FFTW_MEASURE by default, with wisdom cached on disk and handed to checkpoints so that a
// resumed run executes the same plans; docs/performance.md, "FFT plans"), and the step kernels
// of step_kernels.hpp as OpenMP loops, twins of kernels/evolution/split_step.cu:
//   apply_kinetic_factor:  rho(K; K') *= b_K conj(b_K'),  b_K = exp(-i omega_K tau) / sqrt(N)
//   apply_position_factor: rho(I; J)  *= a_I conj(a_J) exp(-F dt)[ko_I + bo_J],
//                          a_I = exp(-i V_I dt/hbar).
#include "evolution/step_kernels.hpp"

#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <ostream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/io/atomic_file.hpp"

namespace nanodecoh::evolution {

std::size_t cpu_propagator_threads() {
  return static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
}

const char* to_string(FftPlanning planning) {
  switch (planning) {
    case FftPlanning::estimate:
      return "estimate";
    case FftPlanning::measure:
      return "measure";
    case FftPlanning::patient:
      return "patient";
  }
  return "unknown";
}

std::string default_fft_wisdom_cache(Precision precision) {
  namespace fs = std::filesystem;
  const std::string file = std::string("fftw-wisdom-") + to_string(precision) + ".txt";
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  const std::string override_dir = env("NANODECOH_FFTW_WISDOM_DIR");
  if (override_dir == "none") return {};
  if (!override_dir.empty()) return (fs::path(override_dir) / file).string();
  const std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty() && fs::path(xdg).is_absolute())
    return (fs::path(xdg) / "nanodecoh" / file).string();
  const std::string home = env("HOME");
  if (!home.empty()) return (fs::path(home) / ".cache" / "nanodecoh" / file).string();
  return {};
}

namespace detail {
std::mutex& fftw_planner_mutex() {
  static std::mutex m;  // the FFTW planner is not thread-safe
  return m;
}
}  // namespace detail

namespace {

/// Threads are worth their start-up and spin cost only on large grids (and the
/// machines this runs on are often shared).
constexpr std::size_t parallel_threshold = std::size_t{1} << 16;

/// Plain complex product (std::complex's operator* adds NaN recovery that blocks vectorisation).
template <typename Real>
inline std::complex<Real> mul(std::complex<Real> x, std::complex<Real> y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

}  // namespace

namespace {

// The inner loops of the CPU sweeps. On x86-64 with GCC each is also compiled for AVX2 and
// picked at load time (target_clones); the same IEEE operations either way (no FMA
// contraction: "avx2" does not enable FMA), so the clones agree bit for bit.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NANODECOH_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NANODECOH_SIMD_CLONES
#endif

/// row[J] *= bK conj(b[J]), J < n.
template <typename Real>
inline void scale_row_impl(std::complex<Real>* row, std::complex<Real> bK,
                           const std::complex<Real>* b, std::size_t n) {
  Real* r = reinterpret_cast<Real*>(row);
  const Real* bb = reinterpret_cast<const Real*>(b);
  const Real kr = bK.real(), ki = bK.imag();
  for (std::size_t J = 0; J < n; ++J) {
    // f = bK conj(b_J)
    const Real br = bb[2 * J], bi = bb[2 * J + 1];
    const Real fr = kr * br + ki * bi, fi = ki * br - kr * bi;
    const Real xr = r[2 * J], xi = r[2 * J + 1];
    r[2 * J] = xr * fr - xi * fi;
    r[2 * J + 1] = xr * fi + xi * fr;
  }
}
/// column[I] *= t[ko[I]], I < n.
template <typename Real>
inline void scale_column_impl(std::complex<Real>* column, const std::complex<Real>* t,
                              const std::int64_t* ko, std::size_t n) {
  Real* c = reinterpret_cast<Real*>(column);
  const Real* tt = reinterpret_cast<const Real*>(t);
  for (std::size_t I = 0; I < n; ++I) {
    const Real fr = tt[2 * ko[I]], fi = tt[2 * ko[I] + 1];
    const Real xr = c[2 * I], xi = c[2 * I + 1];
    c[2 * I] = xr * fr - xi * fi;
    c[2 * I + 1] = xr * fi + xi * fr;
  }
}
/// scratch[j ld + I] = data[I nk + j] for I < nk, j < block (to_scratch), or back.
template <typename Real>
inline void copy_block_impl(std::complex<Real>* scratch, std::size_t ld, std::complex<Real>* data,
                            std::size_t nk, std::size_t block, bool to_scratch) {
  for (std::size_t I = 0; I < nk; ++I) {
    std::complex<Real>* row = data + I * nk;
    if (to_scratch)
      for (std::size_t j = 0; j < block; ++j) scratch[j * ld + I] = row[j];
    else
      for (std::size_t j = 0; j < block; ++j) row[j] = scratch[j * ld + I];
  }
}

NANODECOH_SIMD_CLONES void scale_row(std::complex<double>* row, std::complex<double> bK,
                                     const std::complex<double>* b, std::size_t n) {
  scale_row_impl(row, bK, b, n);
}
NANODECOH_SIMD_CLONES void scale_row(std::complex<float>* row, std::complex<float> bK,
                                     const std::complex<float>* b, std::size_t n) {
  scale_row_impl(row, bK, b, n);
}
NANODECOH_SIMD_CLONES void scale_column(std::complex<double>* column, const std::complex<double>* t,
                                        const std::int64_t* ko, std::size_t n) {
  scale_column_impl(column, t, ko, n);
}
NANODECOH_SIMD_CLONES void scale_column(std::complex<float>* column, const std::complex<float>* t,
                                        const std::int64_t* ko, std::size_t n) {
  scale_column_impl(column, t, ko, n);
}
NANODECOH_SIMD_CLONES void copy_block(std::complex<double>* scratch, std::size_t ld,
                                      std::complex<double>* data, std::size_t nk, std::size_t block,
                                      bool to_scratch) {
  copy_block_impl(scratch, ld, data, nk, block, to_scratch);
}
NANODECOH_SIMD_CLONES void copy_block(std::complex<float>* scratch, std::size_t ld,
                                      std::complex<float>* data, std::size_t nk, std::size_t block,
                                      bool to_scratch) {
  copy_block_impl(scratch, ld, data, nk, block, to_scratch);
}
#undef NANODECOH_SIMD_CLONES

}  // namespace

template <typename Real>
void apply_kinetic_factor(std::complex<Real>* rho, const std::complex<Real>* b, std::size_t nk) {
#pragma omp parallel for schedule(static) if (nk * nk >= parallel_threshold)
  for (std::size_t I = 0; I < nk; ++I) {
    std::complex<Real>* row = rho + I * nk;
    const std::complex<Real> bI = b[I];
    for (std::size_t J = 0; J < nk; ++J) row[J] = mul(row[J], mul(bI, std::conj(b[J])));
  }
}

template <typename Real>
void apply_position_factor(std::complex<Real>* rho, const std::complex<Real>* a,
                           const std::complex<Real>* decay, const std::int64_t* ko,
                           const std::int64_t* bo, std::size_t nk) {
  if (!decay) {
    apply_kinetic_factor(rho, a, nk);  // the same product without a table
    return;
  }
#pragma omp parallel for schedule(static) if (nk * nk >= parallel_threshold)
  for (std::size_t I = 0; I < nk; ++I) {
    std::complex<Real>* row = rho + I * nk;
    const std::complex<Real> aI = a[I];
    const std::complex<Real>* t = decay + ko[I];
    for (std::size_t J = 0; J < nk; ++J)
      row[J] = mul(row[J], mul(mul(aI, std::conj(a[J])), t[bo[J]]));
  }
}

template <typename Real>
std::uint64_t count_non_finite(const std::complex<Real>* data, std::uint64_t count,
                               std::uint64_t stride) {
  std::uint64_t bad = 0;  // 64-bit: 2^32 elements must not wrap to 0
#pragma omp parallel for reduction(+ : bad) schedule(static) if (count >= parallel_threshold)
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::complex<Real> z = data[i * stride];
    bad += (std::isfinite(z.real()) && std::isfinite(z.imag())) ? 0 : 1;
  }
  return bad;
}

template <typename Real>
double sum_norm(const std::complex<Real>* data, std::uint64_t count) {
  double p = 0.0;
#pragma omp parallel for reduction(+ : p) schedule(static) if (count >= parallel_threshold)
  for (std::uint64_t i = 0; i < count; ++i) p += static_cast<double>(std::norm(data[i]));
  return p;
}

template <typename Real>
double sum_diagonal(const std::complex<Real>* data, std::uint64_t nk) {
  double t = 0.0;
  for (std::uint64_t i = 0; i < nk; ++i) t += static_cast<double>(data[i * (nk + 1)].real());
  return t;
}

template void apply_kinetic_factor<float>(std::complex<float>*, const std::complex<float>*,
                                          std::size_t);
template void apply_position_factor<float>(std::complex<float>*, const std::complex<float>*,
                                           const std::complex<float>*, const std::int64_t*,
                                           const std::int64_t*, std::size_t);
template std::uint64_t count_non_finite<float>(const std::complex<float>*, std::uint64_t,
                                               std::uint64_t);
template double sum_norm<float>(const std::complex<float>*, std::uint64_t);
template double sum_diagonal<float>(const std::complex<float>*, std::uint64_t);
template void apply_kinetic_factor<double>(std::complex<double>*, const std::complex<double>*,
                                           std::size_t);
template void apply_position_factor<double>(std::complex<double>*, const std::complex<double>*,
                                            const std::complex<double>*, const std::int64_t*,
                                            const std::int64_t*, std::size_t);
template std::uint64_t count_non_finite<double>(const std::complex<double>*, std::uint64_t,
                                                std::uint64_t);
template double sum_norm<double>(const std::complex<double>*, std::uint64_t);
template double sum_diagonal<double>(const std::complex<double>*, std::uint64_t);

namespace {

/// A string FFTW allocated with malloc, copied and freed.
std::string take(char* text) {
  if (!text) return {};
  std::string s(text);
  std::free(text);
  return s;
}

unsigned planner_flags(FftPlanning planning) {
  switch (planning) {
    case FftPlanning::estimate:
      return FFTW_ESTIMATE;
    case FftPlanning::measure:
      return FFTW_MEASURE;
    case FftPlanning::patient:
      return FFTW_PATIENT;
  }
  return FFTW_ESTIMATE;
}

/// FFTW's API in double or float.
template <typename Real>
struct Fftw;
template <>
struct Fftw<double> {
  using complex = fftw_complex;
  using plan = fftw_plan;
  static void init() {
    static std::once_flag flag;
    std::call_once(flag, [] { fftw_init_threads(); });
  }
  static void* malloc(std::size_t n) { return fftw_malloc(n); }
  static void free(void* p) { fftw_free(p); }
  /// `howmany` in-place transforms of rank `rank` (sizes n) with element stride `stride` and
  /// distance `dist` between transforms; single-threaded (the propagator runs blocks of them
  /// on OpenMP threads).
  static plan make(int rank, const int* n, int howmany, complex* data, int stride, int dist,
                   int sign, unsigned flags) {
    fftw_plan_with_nthreads(1);
    return fftw_plan_many_dft(rank, n, howmany, data, nullptr, stride, dist, data, nullptr, stride,
                              dist, sign, flags);
  }
  static void execute(plan p, void* data) {
    auto* d = static_cast<complex*>(data);
    fftw_execute_dft(p, d, d);
  }
  static void forget_wisdom() { fftw_forget_wisdom(); }
  static bool import_wisdom(const std::string& w) {
    return fftw_import_wisdom_from_string(w.c_str()) != 0;
  }
  static std::string export_wisdom() { return take(fftw_export_wisdom_to_string()); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
};
template <>
struct Fftw<float> {
  using complex = fftwf_complex;
  using plan = fftwf_plan;
  static void init() {
    static std::once_flag flag;
    std::call_once(flag, [] { fftwf_init_threads(); });
  }
  static void* malloc(std::size_t n) { return fftwf_malloc(n); }
  static void free(void* p) { fftwf_free(p); }
  /// `howmany` in-place transforms of rank `rank` (sizes n) with element stride `stride` and
  /// distance `dist` between transforms; single-threaded (the propagator runs blocks of them
  /// on OpenMP threads).
  static plan make(int rank, const int* n, int howmany, complex* data, int stride, int dist,
                   int sign, unsigned flags) {
    fftwf_plan_with_nthreads(1);
    return fftwf_plan_many_dft(rank, n, howmany, data, nullptr, stride, dist, data, nullptr, stride,
                               dist, sign, flags);
  }
  static void execute(plan p, void* data) {
    auto* d = static_cast<complex*>(data);
    fftwf_execute_dft(p, d, d);
  }
  static void forget_wisdom() { fftwf_forget_wisdom(); }
  static bool import_wisdom(const std::string& w) {
    return fftwf_import_wisdom_from_string(w.c_str()) != 0;
  }
  static std::string export_wisdom() { return take(fftwf_export_wisdom_to_string()); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
};

template <typename Real>
class CpuPropagator final : public Propagator {
  using cplx = std::complex<Real>;
  using F = Fftw<Real>;

 public:
  CpuPropagator(const PropagatorLayout& layout, Precision precision, const FftPlanOptions& fft)
      : layout_member_(layout),
        precision_member_(precision),
        nk_member_(layout.ket_size()),
        total_member_(nk_member_ * nk_member_) {
    F::init();
    for (std::size_t b : {cpu_block_columns, std::size_t{4}, std::size_t{2}, std::size_t{1}})
      if (nk_member_ % b == 0) {
        block_member_ = b;
        break;
      }
    data_member_.reset(static_cast<cplx*>(F::malloc(total_member_ * sizeof(cplx))));
    if (!data_member_)
      throw OutOfMemory("cannot allocate " + std::to_string(total_member_ * sizeof(cplx)) +
                        " bytes for rho on the host: use precision = \"complex64\", a smaller grid "
                        "or --backend cuda");
    // Scratch rows one cache line apart from a power-of-two stride (no set aliasing).
    scratch_stride_member_ = nk_member_ + 64 / sizeof(cplx);
    for (std::size_t t = 0; t < cpu_propagator_threads(); ++t) {
      scratch_member_.emplace_back(
          static_cast<cplx*>(F::malloc(block_member_ * scratch_stride_member_ * sizeof(cplx))));
      if (!scratch_member_.back())
        throw OutOfMemory("cannot allocate the FFT scratch blocks of the CPU propagator");
    }
    {
      std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
      plan_transforms(fft);
    }
    // FFTW_MEASURE and FFTW_PATIENT time candidate plans on rho itself: clear it afterwards.
    std::fill(data_member_.get(), data_member_.get() + total_member_, cplx(0));
    decay_member_.assign(layout.table_size, cplx(1));
  }
  ~CpuPropagator() override {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    destroy_plans();
  }
  CpuPropagator(const CpuPropagator&) = delete;
  CpuPropagator& operator=(const CpuPropagator&) = delete;

  Backend backend() const override { return Backend::cpu; }
  Precision precision() const override { return precision_member_; }

  void set_state(const std::vector<std::complex<double>>& rho) override {
    if (rho.size() != total_member_)
      throw InvalidArgument("rho", std::to_string(rho.size()) + " elements",
                            std::to_string(total_member_));
    cplx* data = data_member_.get();
#pragma omp parallel for schedule(static) if (total_member_ >= parallel_threshold)
    for (std::size_t i = 0; i < total_member_; ++i)
      data[i] = cplx(static_cast<Real>(rho[i].real()), static_cast<Real>(rho[i].imag()));
  }
  std::vector<std::complex<double>> state() const override {
    std::vector<std::complex<double>> rho(total_member_);
    const cplx* data = data_member_.get();
#pragma omp parallel for schedule(static) if (total_member_ >= parallel_threshold)
    for (std::size_t i = 0; i < total_member_; ++i)
      rho[i] = {static_cast<double>(data[i].real()), static_cast<double>(data[i].imag())};
    return rho;
  }
  void set_dissipation(const std::vector<std::complex<double>>& f_table) override {
    check_dissipation_table(layout_member_, f_table);
    f_table_member_ = f_table;
  }
  void set_segment(double dt, const std::vector<double>& potential) override {
    const SplitFactors f = make_split_factors(layout_member_, dt, potential, f_table_member_);
    auto convert = [this](const std::vector<std::complex<double>>& from, std::vector<cplx>& to) {
      to.resize(from.size());
      for (std::size_t i = 0; i < from.size(); ++i) to[i] = to_real(from[i]);
    };
    convert(f.half_kinetic, half_member_);
    convert(f.full_kinetic, full_member_);
    convert(f.potential_phase, potential_member_);
    convert(f.decay, decay_member_);
    unit_potential_member_ = std::all_of(potential_member_.begin(), potential_member_.end(),
                                         [](const cplx& z) { return z == cplx(1); });
  }
  /// Strang steps as two sweeps per step (docs/performance.md, "CPU split step"). With the
  /// ket transform F_ket (over the ket axes, a column of rho) and the bra transform F_bra (a
  /// row), K = B_ket B_bra M F_bra F_ket and the fused product K/2 P (K P)^(n-1) K/2 regroups
  /// as  B_ket R_half (C R)^(n-1) C R_half F_ket  with the row sweep R = B_bra M F_bra (rows in
  /// ket momentum) and the column sweep C = F_ket P B_ket (columns in bra momentum): each sweep
  /// transforms, multiplies and transforms back one cache-sized block of rows or columns at a
  /// time, so rho crosses memory twice per step instead of six times.
  std::size_t advance(std::size_t steps, const std::atomic<bool>* stop) override {
    if (steps == 0) return 0;
    if (half_member_.empty()) throw Error("propagator: set_segment was not called");
    column_transform(forward_columns_member_);
    row_sweep(half_member_);
    for (std::size_t s = 0; s < steps; ++s) {
      column_sweep();
      const bool last = s + 1 == steps || (stop && stop->load(std::memory_order_relaxed));
      row_sweep(last ? half_member_ : full_member_);
      if (last) {
        column_transform(backward_columns_member_);
        return s + 1;
      }
    }
    return steps;  // not reached
  }
  double trace() const override {
    return sum_diagonal(data_member_.get(), nk_member_);
  }
  std::string fft_wisdom() const override {
    return wisdom_member_;
  }
  double purity() const override {
    return sum_norm(data_member_.get(), total_member_);
  }
  bool all_finite() const override {
    return count_non_finite(data_member_.get(), total_member_, 1) == 0;
  }

 private:
  /// Makes the forward and backward plans (the planner mutex is held). With `fft.wisdom`, only
  /// from that wisdom (FFTW_WISDOM_ONLY), so the plans are the ones the wisdom's run executed;
  /// otherwise from the wisdom this process holds (FFTW's, global: earlier propagators of the
  /// same transforms get the same plans), the cache (if any) and measurement, and the cache
  /// is updated. The wisdom exported after planning reproduces the plans.
  void plan_transforms(const FftPlanOptions& fft) {
    const unsigned flags = planner_flags(fft.planning);
    if (fft.planning == FftPlanning::estimate) {
      // Heuristic plans need no wisdom: the same on every run of this FFTW build.
      make_plans(FFTW_ESTIMATE);
      if (!planned()) throw Error("FFTW could not plan the transforms of rho");
      return;
    }
    if (!fft.wisdom.empty()) {
      // Plans from this wisdom alone (not from wisdom of earlier propagators in this process,
      // which might hold other plans for the same transforms).
      F::forget_wisdom();
      const bool readable = F::import_wisdom(fft.wisdom);
      if (readable) make_plans(flags | FFTW_WISDOM_ONLY);
      if (planned()) {
        wisdom_member_ = fft.wisdom;
        return;
      }
      destroy_plans();
      F::forget_wisdom();
      notice(fft, std::string("the FFT plans stored with the state ") +
                      (readable ? "do not cover this grid, thread count or CPU"
                                : "are not FFTW wisdom this FFTW can read") +
                      "; planned afresh: the run agrees with the one that stored them to "
                      "rounding, not bitwise");
    }
    std::string cached;
    std::error_code missing;
    if (!fft.cache_file.empty() && std::filesystem::exists(fft.cache_file, missing)) {
      try {
        cached = io::read_file(fft.cache_file);
      } catch (const std::exception& e) {
        notice(fft, "cannot read the FFT wisdom cache " + fft.cache_file + " (" + e.what() +
                        "); plans are measured");
      }
      if (!cached.empty() && !F::import_wisdom(cached)) {
        notice(fft, "ignoring the FFT wisdom cache " + fft.cache_file +
                        ": it is not FFTW wisdom this FFTW can read; plans are measured");
        F::forget_wisdom();
        cached.clear();
      }
    }
    make_plans(flags);
    if (!planned()) throw Error("FFTW could not plan the transforms of rho");
    wisdom_member_ = F::export_wisdom();
    if (!fft.cache_file.empty() && wisdom_member_ != cached) {
      try {
        const std::filesystem::path parent = std::filesystem::path(fft.cache_file).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        io::write_text_atomically(fft.cache_file, wisdom_member_);
      } catch (const std::exception& e) {
        notice(fft, "cannot write the FFT wisdom cache " + fft.cache_file + " (" + e.what() +
                        "); plans will be measured again next run");
      }
    }
  }
  void make_plans(unsigned flags) {
    std::vector<int> n;
    for (std::size_t d : layout_member_.dims) n.push_back(static_cast<int>(d));
    const int rank = static_cast<int>(n.size()), nk = static_cast<int>(nk_member_);
    auto* raw = reinterpret_cast<typename F::complex*>(data_member_.get());
    // Blocks of rows of rho and the scratch blocks must keep the alignment the plans were
    // made for (FFTW's new-array execute); the scratch blocks come from fftw_malloc.
    const unsigned row_flags =
        flags | ((block_member_ * nk_member_ * sizeof(cplx)) % 64 == 0 ? 0u : FFTW_UNALIGNED);
    const int howmany = static_cast<int>(block_member_);
    forward_rows_member_ = F::make(rank, n.data(), howmany, raw, 1, nk, FFTW_FORWARD, row_flags);
    backward_rows_member_ = F::make(rank, n.data(), howmany, raw, 1, nk, FFTW_BACKWARD, row_flags);
    auto* scratch = reinterpret_cast<typename F::complex*>(scratch_member_.front().get());
    const int ld = static_cast<int>(scratch_stride_member_);
    forward_columns_member_ = F::make(rank, n.data(), howmany, scratch, 1, ld, FFTW_FORWARD, flags);
    backward_columns_member_ =
        F::make(rank, n.data(), howmany, scratch, 1, ld, FFTW_BACKWARD, flags);
  }
  bool planned() const {
    return forward_rows_member_ && backward_rows_member_ && forward_columns_member_ &&
           backward_columns_member_;
  }
  void destroy_plans() {
    for (auto* p : {&forward_rows_member_, &backward_rows_member_, &forward_columns_member_,
                    &backward_columns_member_}) {
      if (*p) F::destroy(*p);
      *p = nullptr;
    }
  }
  static void notice(const FftPlanOptions& fft, const std::string& text) {
    if (fft.notices) *fft.notices << "nanodecoh: notice: " << text << '\n';
  }

  static cplx to_real(std::complex<double> z) {
    return {static_cast<Real>(z.real()), static_cast<Real>(z.imag())};
  }

  std::size_t blocks() const {
    return nk_member_ / block_member_;
  }

  /// rho(K; .) = B_bra [b_K conj(b_.) F_bra rho(K; .)] for every row K (ket momentum).
  void row_sweep(const std::vector<cplx>& b) {
    cplx* data = data_member_.get();
    const std::size_t nk = nk_member_, block = block_member_, count = blocks();
    const cplx* bb = b.data();
#pragma omp parallel for schedule(dynamic, 2) if (total_member_ >= parallel_threshold)
    for (std::size_t k = 0; k < count; ++k) {
      cplx* rows = data + k * block * nk;
      F::execute(forward_rows_member_, rows);
      for (std::size_t r = 0; r < block; ++r) scale_row(rows + r * nk, bb[k * block + r], bb, nk);
      F::execute(backward_rows_member_, rows);
    }
  }
  /// rho(., J) = F_ket [a_. conj(a_J) exp(-F dt)[ko_. + bo_J] B_ket rho(., J)] for every
  /// column J (bra momentum before and after; the product is taken in position space). Each
  /// block of columns is copied into a scratch block (a column becomes a row, rows a cache
  /// line more than nk apart), since transforming columns in place at a power-of-two stride
  /// thrashes the cache's sets. Free flight (exp(-i V dt/hbar) = 1) skips the phase product.
  void column_sweep() {
    const cplx* a = potential_member_.data();
    const cplx* decay = decay_member_.empty() ? nullptr : decay_member_.data();
    const std::int64_t* ko = layout_member_.ket_offsets.data();
    const std::int64_t* bo = layout_member_.bra_offsets.data();
    const std::size_t nk = nk_member_, ld = scratch_stride_member_;
    const bool unit = unit_potential_member_;
    for_each_column_block([&](cplx* scratch, std::size_t j0) {
      F::execute(backward_columns_member_, scratch);
      for (std::size_t j = 0; j < block_member_; ++j) {
        cplx* column = scratch + j * ld;
        const cplx aJ = std::conj(a[j0 + j]);
        if (decay && unit) {
          scale_column(column, decay + bo[j0 + j], ko, nk);
        } else if (decay) {
          const cplx* t = decay + bo[j0 + j];
          for (std::size_t I = 0; I < nk; ++I)
            column[I] = mul(column[I], mul(mul(a[I], aJ), t[ko[I]]));
        } else if (!unit) {
          for (std::size_t I = 0; I < nk; ++I) column[I] = mul(column[I], mul(a[I], aJ));
        }
      }
      F::execute(forward_columns_member_, scratch);
    });
  }
  /// One ket transform of every column (no product).
  void column_transform(typename F::plan plan) {
    for_each_column_block([&](cplx* scratch, std::size_t) { F::execute(plan, scratch); });
  }
  /// Calls work(scratch, j0) for every block of columns j0 .. j0 + block - 1 with the block
  /// copied into `scratch` (column j0 + j as its row j) and copied back afterwards.
  template <typename Work>
  void for_each_column_block(const Work& work) {
    cplx* data = data_member_.get();
    const std::size_t nk = nk_member_, block = block_member_, count = blocks();
    const std::size_t ld = scratch_stride_member_;
#pragma omp parallel if (total_member_ >= parallel_threshold)
    {
      cplx* scratch = scratch_member_[static_cast<std::size_t>(omp_get_thread_num())].get();
#pragma omp for schedule(dynamic, 2)
      for (std::size_t k = 0; k < count; ++k) {
        const std::size_t j0 = k * block;
        copy_block(scratch, ld, data + j0, nk, block, true);
        work(scratch, j0);
        copy_block(scratch, ld, data + j0, nk, block, false);
      }
    }
  }

  struct Free {
    void operator()(cplx* p) const { F::free(p); }
  };
  PropagatorLayout layout_member_;
  Precision precision_member_;
  std::size_t nk_member_, total_member_;
  std::unique_ptr<cplx, Free> data_member_;
  /// Rows or columns transformed together: a divisor of nk, at most 8 (cache-sized blocks).
  std::size_t block_member_ = 1;
  /// Plans of `block` transforms over the bra axes of adjacent rows of rho, and over the
  /// rows of a scratch block (the ket axes of a block of columns).
  typename F::plan forward_rows_member_ = nullptr, backward_rows_member_ = nullptr;
  typename F::plan forward_columns_member_ = nullptr, backward_columns_member_ = nullptr;
  std::size_t scratch_stride_member_ = 0;  ///< elements between scratch rows
  bool unit_potential_member_ = false;     ///< exp(-i V dt/hbar) = 1 (free flight)
  /// One scratch block (block x nk elements) per OpenMP thread, for the column sweeps.
  std::vector<std::unique_ptr<cplx, Free>> scratch_member_;
  std::string wisdom_member_;  ///< the wisdom the plans came from ("" for FFTW_ESTIMATE)
  std::vector<std::complex<double>> f_table_member_;
  std::vector<cplx> half_member_, full_member_, potential_member_, decay_member_;
};

}  // namespace

std::unique_ptr<Propagator> make_cpu_propagator(const PropagatorLayout& layout, Precision precision,
                                                const FftPlanOptions& fft) {
  if (precision == Precision::complex64)
    return std::make_unique<CpuPropagator<float>>(layout, precision, fft);
  return std::make_unique<CpuPropagator<double>>(layout, precision, fft);
}

}  // namespace nanodecoh::evolution
