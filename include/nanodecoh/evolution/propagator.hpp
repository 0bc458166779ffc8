// Strang split-operator propagator of the master equation on a grid
// (docs/physics.md section 4, eq. (1)):
//   rho -> K(dt/2) P(dt) K(dt/2) rho,
//   K: FFT of every ket and bra axis, rho(k; k') *= exp(-i (E_k - E_k') t / hbar), inverse FFT;
//   P: rho(x; x') *= exp(-i (V(x) - V(x')) dt / hbar - F(x, x') dt), F from the channels.
// Both factors are exact; exp(-F dt) is never expanded. Between outputs the
// adjacent half kinetic steps are fused: advance(n) = K/2 P (K P)^(n-1) K/2.
// One interface, two backends: FFTW+OpenMP on the CPU and cuFFT on CUDA. FFT
// plans are made once per propagator.
//
// This header is C++17 so that the CUDA launchers can include it.
#pragma once

#include <atomic>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/grid.hpp"

namespace nanodecoh::evolution {

/// What a backend needs to know about the grid (flattened, backend-neutral).
struct PropagatorLayout {
  std::vector<std::size_t> dims;  ///< ket axis sizes (the bra repeats them)
  std::vector<double>
      kinetic_frequency;  ///< hbar k^2/(2M) summed over axes per ket FFT index (rad/s)
  std::vector<std::int64_t> ket_offsets;  ///< difference-table offsets (Grid::ket_offsets)
  std::vector<std::int64_t> bra_offsets;
  std::size_t table_size = 0;
  /// From a grid.
  static PropagatorLayout from_grid(const Grid& grid);
  std::size_t ket_size() const noexcept { return ket_offsets.size(); }
};

/// The factors of one Strang step for one protocol segment, in complex128; each backend
/// converts them to its precision and memory once per segment.
struct SplitFactors {
  std::vector<std::complex<double>> half_kinetic;     ///< exp(-i omega dt/2), FFT norm folded in
  std::vector<std::complex<double>> full_kinetic;     ///< exp(-i omega dt), FFT norm folded in
  std::vector<std::complex<double>> potential_phase;  ///< exp(-i V dt/hbar) per ket point
  std::vector<std::complex<double>> decay;            ///< exp(-F dt) per difference-table entry
};

/// Memory of a propagator, in bytes: one formula for both backends (docs/performance.md,
/// "Memory"). With e = 16 (complex128) or 8 (complex64) bytes per element, N = nk^2 elements
/// of rho and T entries of the dissipation table:
///   state    = N e
///   tables   = nk (3 e + 16) + T e               (two kinetic and one potential factor per ket
///                                                 point, two offset arrays, exp(-F dt))
///   fft work = N e on CUDA (bound on cuFFT's shared work area); on the CPU (in-place FFTW)
///              threads 8 (nk + 64/e) e: one scratch block of up to cpu_block_columns
///              columns (rows padded by a cache line) per OpenMP thread for the column sweeps
///   backend  = state + tables + fft work         (the device on CUDA, the host on the CPU)
///   host     = N 16 + T 16 + (CPU: backend; CUDA: host_staging_elements e)
/// where N 16 is the complex128 copy exchanged by state()/set_state() and T 16 the F table
/// the propagator keeps to rebuild exp(-F dt) per segment.
struct MemoryEstimate {
  std::size_t state_bytes = 0;     ///< rho itself on the backend
  std::size_t fft_work_bytes = 0;  ///< FFT work area on the backend (cuFFT; 0 on the CPU)
  std::size_t backend_bytes = 0;   ///< rho, factor tables and FFT work area on the backend
  std::size_t host_bytes = 0;      ///< host memory (exchange copy, F table, staging or rho)
};

/// Columns of rho the CPU propagator transforms together in one scratch block (at most).
inline constexpr std::size_t cpu_block_columns = 8;

/// OpenMP threads of the CPU propagator (omp_get_max_threads(); OMP_NUM_THREADS sets it).
std::size_t cpu_propagator_threads();

/// Elements of the host buffer through which the CUDA propagator converts rho between
/// complex128 and its precision, chunk by chunk (so staging never holds a second full copy).
inline constexpr std::size_t host_staging_elements = std::size_t{1} << 20;

/// The memory a propagator on `backend` needs for `layout` at `precision` (formula above).
MemoryEstimate estimate_memory(const PropagatorLayout& layout, Precision precision,
                               Backend backend);

/// Throws InvalidArgument unless `f_table` is empty or has layout.table_size entries.
void check_dissipation_table(const PropagatorLayout& layout,
                             const std::vector<std::complex<double>>& f_table);
/// Builds the factors of one segment (time step dt in s, V in J on the ket grid, F in 1/s on
/// the difference table, empty for none). Each FFT pass is unnormalised, so every kinetic
/// factor carries 1/sqrt(N_ket^2) (a forward and inverse pass over ket and bra axes).
SplitFactors make_split_factors(const PropagatorLayout& layout, double dt,
                                const std::vector<double>& potential,
                                const std::vector<std::complex<double>>& f_table);

/// How the CPU propagator plans its FFTs (numerics.fft_planning; docs/performance.md, "FFT
/// plans"). estimate: FFTW_ESTIMATE, a heuristic plan that is the same on every machine with
/// the same FFTW build; measure: FFTW_MEASURE (the default), the fastest of the candidate
/// plans timed on this machine; patient: FFTW_PATIENT, more candidates timed.
enum class FftPlanning { estimate, measure, patient };

/// "estimate", "measure" or "patient".
const char* to_string(FftPlanning planning);

/// The FFT planning of one propagator (the CPU backend; CUDA ignores it).
struct FftPlanOptions {
  FftPlanning planning = FftPlanning::measure;
  /// FFTW wisdom to plan from (the wisdom stored in a checkpoint); "" = plan afresh. When it
  /// cannot be imported or does not hold this propagator's plans, the propagator plans afresh
  /// and says on `notices` that the run is no longer bit-identical to the one that wrote it.
  std::string wisdom;
  /// Wisdom cache file read before planning afresh and rewritten (atomically) after; "" =
  /// none. An unreadable, damaged or unwritable cache is ignored with a one-line notice.
  std::string cache_file;
  std::ostream* notices = nullptr;  ///< notices about wisdom; none if null
};

/// The default wisdom cache of `precision`: $NANODECOH_FFTW_WISDOM_DIR, else
/// $XDG_CACHE_HOME/nanodecoh, else $HOME/.cache/nanodecoh, holding
/// fftw-wisdom-<precision>.txt; "" when NANODECOH_FFTW_WISDOM_DIR is "none" or no directory
/// is known.
std::string default_fft_wisdom_cache(Precision precision);

/// A backend's split-operator stepper. rho is exchanged as complex128 row-major [ket][bra].
class Propagator {
 public:
  virtual ~Propagator() = default;
  virtual Backend backend() const = 0;
  virtual Precision precision() const = 0;
  /// Uploads rho (total_size elements).
  virtual void set_state(const std::vector<std::complex<double>>& rho) = 0;
  /// Downloads rho as complex128.
  virtual std::vector<std::complex<double>> state() const = 0;
  /// Sets F (1/s) on the difference table (empty: no dissipation); call before set_segment.
  virtual void set_dissipation(const std::vector<std::complex<double>>& f_table) = 0;
  /// Prepares one segment: time step dt (s) and V (J) on the ket grid. Builds the
  /// factors exp(-i omega dt/2), exp(-i V dt/hbar) and exp(-F dt).
  virtual void set_segment(double dt, const std::vector<double>& potential) = 0;
  /// `steps` Strang steps with the inner half kinetic steps fused. When `stop` is
  /// set (checked after every step) the chunk is closed with a half kinetic step
  /// early. Returns the number of steps done.
  virtual std::size_t advance(std::size_t steps, const std::atomic<bool>* stop = nullptr) = 0;
  /// Tr rho (real part).
  virtual double trace() const = 0;
  /// Tr rho^2 = sum |rho_ij|^2.
  virtual double purity() const = 0;
  /// False if any element of rho is NaN or inf.
  virtual bool all_finite() const = 0;
  /// The FFTW wisdom the plans were made from (stored in checkpoints, so that a resumed run
  /// plans the same transforms); "" where plans need none (FFTW_ESTIMATE, CUDA).
  virtual std::string fft_wisdom() const { return {}; }
};

/// The CPU propagator (FFTW with OpenMP threads), its FFTs planned as `fft` says.
std::unique_ptr<Propagator> make_cpu_propagator(const PropagatorLayout& layout, Precision precision,
                                                const FftPlanOptions& fft = {});
/// The CUDA propagator (cuFFT, fused kernels, Thrust reductions). Throws NotCompiled
/// in builds without CUDA, OutOfMemory when the device lacks memory.
std::unique_ptr<Propagator> make_cuda_propagator(const PropagatorLayout& layout,
                                                 Precision precision);
/// Either of the above (`fft` applies to the CPU).
std::unique_ptr<Propagator> make_propagator(Backend backend, const PropagatorLayout& layout,
                                            Precision precision, const FftPlanOptions& fft = {});

}  // namespace nanodecoh::evolution
