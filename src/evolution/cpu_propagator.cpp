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
constexpr std::size_t parallel_threshold = std::size_t{1} << 18;
int threads_for(std::size_t total) {
  return total >= parallel_threshold ? omp_get_max_threads() : 1;
}

/// Plain complex product (std::complex's operator* adds NaN recovery that blocks vectorisation).
template <typename Real>
inline std::complex<Real> mul(std::complex<Real> x, std::complex<Real> y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

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
  static plan make(int rank, const int* n, complex* data, int sign, std::size_t total,
                   unsigned flags) {
    fftw_plan_with_nthreads(threads_for(total));
    return fftw_plan_dft(rank, n, data, data, sign, flags);
  }
  static void forget_wisdom() { fftw_forget_wisdom(); }
  static bool import_wisdom(const std::string& w) {
    return fftw_import_wisdom_from_string(w.c_str()) != 0;
  }
  static std::string export_wisdom() { return take(fftw_export_wisdom_to_string()); }
  static void execute(plan p) { fftw_execute(p); }
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
  static plan make(int rank, const int* n, complex* data, int sign, std::size_t total,
                   unsigned flags) {
    fftwf_plan_with_nthreads(threads_for(total));
    return fftwf_plan_dft(rank, n, data, data, sign, flags);
  }
  static void forget_wisdom() { fftwf_forget_wisdom(); }
  static bool import_wisdom(const std::string& w) {
    return fftwf_import_wisdom_from_string(w.c_str()) != 0;
  }
  static std::string export_wisdom() { return take(fftwf_export_wisdom_to_string()); }
  static void execute(plan p) { fftwf_execute(p); }
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
    data_member_.reset(static_cast<cplx*>(F::malloc(total_member_ * sizeof(cplx))));
    if (!data_member_)
      throw OutOfMemory("cannot allocate " + std::to_string(total_member_ * sizeof(cplx)) +
                        " bytes for rho on the host: use precision = \"complex64\", a smaller grid "
                        "or --backend cuda");
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
  }
  std::size_t advance(std::size_t steps, const std::atomic<bool>* stop) override {
    if (steps == 0) return 0;
    if (half_member_.empty()) throw Error("propagator: set_segment was not called");
    kinetic(half_member_);
    for (std::size_t s = 0; s < steps; ++s) {
      position();
      const bool last = s + 1 == steps || (stop && stop->load(std::memory_order_relaxed));
      kinetic(last ? half_member_ : full_member_);
      if (last) return s + 1;
    }
    return steps;
  }
  double trace() const override {
    return sum_diagonal(data_member_.get(), nk_member_);
  }
  std::string fft_wisdom() const override { return wisdom_member_; }
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
    for (int pass = 0; pass < 2; ++pass)
      for (std::size_t d : layout_member_.dims) n.push_back(static_cast<int>(d));
    auto* raw = reinterpret_cast<typename F::complex*>(data_member_.get());
    forward_member_ =
        F::make(static_cast<int>(n.size()), n.data(), raw, FFTW_FORWARD, total_member_, flags);
    backward_member_ =
        F::make(static_cast<int>(n.size()), n.data(), raw, FFTW_BACKWARD, total_member_, flags);
  }
  bool planned() const { return forward_member_ && backward_member_; }
  void destroy_plans() {
    if (forward_member_) F::destroy(forward_member_);
    if (backward_member_) F::destroy(backward_member_);
    forward_member_ = backward_member_ = nullptr;
  }
  static void notice(const FftPlanOptions& fft, const std::string& text) {
    if (fft.notices) *fft.notices << "nanodecoh: notice: " << text << '\n';
  }

  static cplx to_real(std::complex<double> z) {
    return {static_cast<Real>(z.real()), static_cast<Real>(z.imag())};
  }

  /// One kinetic factor between a forward and an inverse FFT of every ket and bra axis.
  void kinetic(const std::vector<cplx>& b) {
    F::execute(forward_member_);
    apply_kinetic_factor(data_member_.get(), b.data(), nk_member_);
    F::execute(backward_member_);
  }
  void position() {
    apply_position_factor(data_member_.get(), potential_member_.data(), decay_member_.data(),
                          layout_member_.ket_offsets.data(), layout_member_.bra_offsets.data(),
                          nk_member_);
  }

  struct Free {
    void operator()(cplx* p) const { F::free(p); }
  };
  PropagatorLayout layout_member_;
  Precision precision_member_;
  std::size_t nk_member_, total_member_;
  std::unique_ptr<cplx, Free> data_member_;
  typename F::plan forward_member_ = nullptr, backward_member_ = nullptr;
  std::string wisdom_member_;  ///< the wisdom the plans came from ("" for FFTW_ESTIMATE)
  std::vector<std::complex<double>> f_table_member_;
  std::vector<cplx> half_member_, full_member_, potential_member_, decay_member_;
};

}  // namespace

std::unique_ptr<Propagator> make_cpu_propagator(const PropagatorLayout& layout,
                                                Precision precision, const FftPlanOptions& fft) {
  if (precision == Precision::complex64)
    return std::make_unique<CpuPropagator<float>>(layout, precision, fft);
  return std::make_unique<CpuPropagator<double>>(layout, precision, fft);
}

}  // namespace nanodecoh::evolution
