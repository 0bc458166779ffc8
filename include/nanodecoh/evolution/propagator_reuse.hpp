// What consecutive runs may share when they differ only in their initial state, their output
// files and their provenance: the split-operator propagator (its FFT plans, buffers and
// threads) and, for the exact chord-function method, the integrals of F along the phase-space
// characteristics, chi(k, r, t) = exp(i Phi) chi_0(k_0, r_0) exp(-int_0^t F(r(s)) ds)
// (docs/physics.md section 4, "Exact chord-function method"): the damping factor depends on
// the protocol, the channels and the grid, never on chi_0.
//
// Holding one changes no bit of any result: a reused propagator is handed the run's state, F
// table and segment factors exactly as a fresh one is (set_state overwrites all of rho), and a
// cached path integral is the value the same deterministic quadrature returned for the same
// point before. Which runs may share one is decided by the caller (app::propagator_reuse_key,
// src/app/sweep.hpp); the library only checks that the propagator fits the run (backend,
// precision, grid) and refuses one that does not.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace nanodecoh::evolution {

class Propagator;

/// The F path integrals of ExactPropagator::density_matrix, kept per output time: the integral
/// and its error estimate at every (k, r) point in density_matrix's order, filled as the points
/// are needed (a run skips the points where its chi_0 is negligible, a later run may need them).
class ChordDampingCache {
 public:
  /// `budget_bytes`: the most memory the tables may take (16 bytes per point).
  explicit ChordDampingCache(std::size_t budget_bytes) : budget_member_(budget_bytes) {}
  struct Table {
    std::vector<double> integral;  ///< int F ds per point (dimensionless); NaN = not computed
    std::vector<double> error;     ///< its error estimate
  };
  /// The table of time `t` (s) with `points` points, made on first use; nullptr when making it
  /// would exceed the budget (the run then computes that time afresh; full() says so).
  Table* table(double t, std::size_t points);
  std::size_t bytes() const noexcept { return bytes_member_; }
  std::size_t budget() const noexcept { return budget_member_; }
  /// True once a table was refused for the budget.
  bool full() const noexcept { return full_member_; }

 private:
  std::size_t budget_member_;
  std::size_t bytes_member_ = 0;
  bool full_member_ = false;
  std::map<double, Table> tables_member_;
};

/// What runs that differ only in the initial state (and outputs) share; see the top of this
/// file. Hand the same object to consecutive runs through RunControl::reuse; runs that hold it
/// must not overlap in time (lock mutex()).
class PropagatorReuse {
 public:
  PropagatorReuse();
  ~PropagatorReuse();
  PropagatorReuse(const PropagatorReuse&) = delete;
  PropagatorReuse& operator=(const PropagatorReuse&) = delete;

  /// One propagator of a run: the main run's or the diffusive comparison's.
  struct Slot {
    std::unique_ptr<Propagator> propagator;      ///< split operator (built on first use)
    std::vector<std::size_t> dims;               ///< its grid's ket sizes (checked on reuse)
    std::unique_ptr<ChordDampingCache> damping;  ///< exact method (made on first use)
  };
  Slot& slot(bool main_run) { return main_run ? main_member_ : comparison_member_; }

  /// How many propagators were built through this object: split-operator propagators and
  /// exact-method path-integral caches, main and comparison runs together.
  std::size_t builds() const noexcept { return builds_member_.load(); }
  void count_build() noexcept { ++builds_member_; }

  std::mutex& mutex() noexcept { return mutex_member_; }

 private:
  Slot main_member_, comparison_member_;
  std::atomic<std::size_t> builds_member_{0};
  std::mutex mutex_member_;
};

}  // namespace nanodecoh::evolution
