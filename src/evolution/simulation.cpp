// The evolution run (simulation.hpp): the method of each protocol segment (plan_methods), the
// run as blocks of consecutive segments with one method (the split operator's step loop over
// the deterministic schedule, schedule.hpp; the exact chord-function solution, which hands rho
// on the grid to the next split block: docs/physics.md, "Mixed protocols"), recording
// observables and snapshots, checkpoints at chunk boundaries, a clean stop on a flag, NaN/inf
// detection, warnings and the diffusive comparison run. The layouts of the result and
// checkpoint files live in run_files.cpp.
#include "nanodecoh/evolution/simulation.hpp"

#include "evolution/run_files.hpp"
#include "evolution/schedule.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/remembering_channel.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;
using u64 = unsigned long long;

/// Refuses a grid whose rho alone would not fit, from the axis sizes only: called before the
/// Grid (whose offset tables grow with the ket size) or anything else is allocated.
void require_memory_for_rho(const SimulationSpec& spec) {
  double ket = 1.0;
  for (const Axis& axis : spec.axes) ket *= static_cast<double>(axis.points);
  const double element = spec.precision == Precision::complex128 ? 16.0 : 8.0;
  require_memory(ket * ket * element,
                 "the grid's density matrix (" + format_number(ket) + "^2 elements of " +
                     to_string(spec.precision) + ")",
                 "use fewer axes[i].points or precision = \"complex64\"", spec.max_memory_bytes);
}

std::vector<std::size_t> marked_indices(const Grid& grid, const SimulationSpec& spec) {
  std::vector<std::size_t> out;
  for (const auto& point : spec.marked_points) {
    std::size_t index = 0;
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const Axis& axis = grid.axes()[a];
      const double u = (point[a] - axis.center) / axis.step + static_cast<double>(axis.points / 2);
      const long long i = std::llround(u);
      if (i < 0 || i >= static_cast<long long>(axis.points))
        throw InvalidArgument("observables.coherence_points", format_number(point[a]),
                              "a point inside axis " + axis.name);
      index = index * axis.points + static_cast<std::size_t>(i);
    }
    out.push_back(index);
  }
  return out;
}

Snapshot take_snapshot(const Grid& grid, const ObservableCalculator& calc,
                       const std::vector<cplx>& rho, double time, const SimulationSpec& spec) {
  Snapshot s;
  s.time = time;
  for (std::size_t a = 0; a < grid.axis_count(); ++a) {
    const std::size_t n = grid.axes()[a].points,
                      stride = downsample_stride(n, spec.output.snapshot_points);
    const auto r = calc.reduced_matrix(rho, a);
    std::vector<double> m;
    for (std::size_t i = 0; i < n; i += stride)
      for (std::size_t j = 0; j < n; j += stride) m.push_back(std::abs(r[i * n + j]));
    s.rho_abs.push_back(std::move(m));
    if (spec.output.wigner && s.wigner.empty() && grid.axes()[a].kind == AxisKind::translation)
      s.wigner = calc.wigner(r, a);
  }
  return s;
}

std::string checkpoint_path(const SimulationSpec& spec) {
  if (!spec.output.checkpoint_file.empty()) return spec.output.checkpoint_file;
  return (spec.output.file.empty() ? std::string("evolve.h5") : spec.output.file) + ".ckpt.h5";
}

/// One block of consecutive protocol segments propagated by the same method.
struct MethodBlock {
  std::size_t first = 0, end = 0;  ///< segments [first, end)
  bool exact = false;
};

/// Which method each segment uses, and why (RunResult::segment_methods, segment_plan), and the
/// protocol as blocks of one method each.
struct MethodPlan {
  bool exact = false;  ///< every segment exact: run_exact_simulation
  std::vector<MethodBlock> blocks;
  std::vector<std::string> lines;
  std::vector<SegmentMethod> segments;
};

/// Runs the protocol once from `rho0` (or a checkpoint), block by block (MethodPlan): split
/// blocks step the split operator along the schedule, exact blocks evaluate the chord-function
/// solution at the schedule's output and snapshot times and hand rho on the grid to the next
/// split block. Used for the main and the diffusive run.
struct Runner {
  const SimulationSpec& spec;
  const Grid& grid;
  Backend backend;
  const RunControl& control;
  bool main_run;  // false: diffusive comparison (no snapshots, checkpoints, progress)
  std::ostream& notices;
  bool resolution_warned;  // set when a warning about unresolved momenta was given
  /// In: FFTW wisdom to plan from ("" = plan afresh; a checkpoint's wisdom overrides it).
  /// Out: the wisdom the run's plans came from.
  std::string fft_wisdom = {};
  /// The share of the whole run's progress (RunControl::on_progress) this run covers.
  double progress_begin = 0.0, progress_span = 1.0;
  /// The split operator of the run's split blocks (made by the first one, kept for the others).
  std::unique_ptr<Propagator> owned_propagator = {};
  Propagator* propagator = nullptr;
  bool plans_from_checkpoint = false;  // resumed: plan from the checkpoint's wisdom, not shared
  bool trace_warned = false;           // set when a warning about the exact state's trace was given

  /// Makes the split operator once per run (its plans from fft_wisdom) and hands it the F table.
  void prepare_propagator(const std::vector<cplx>& f_table) {
    if (propagator != nullptr) return;
    FftPlanOptions fft;
    fft.planning = spec.fft_planning;
    fft.wisdom = fft_wisdom;  // a checkpoint's (run) or the caller's
    fft.cache_file = spec.fft_wisdom_cache;
    fft.notices = &notices;
    propagator = acquire_propagator(fft, plans_from_checkpoint, owned_propagator);
    fft_wisdom = propagator->fft_wisdom();
    propagator->set_dissipation(f_table);
  }

  void report_progress(double fraction) const {
    if (control.on_progress) control.on_progress(progress_begin + progress_span * fraction);
  }

  /// The propagator of this run: the shared one of control.reuse when there is one (checked to
  /// fit), else a new one (kept there for later runs when control.reuse is set). Not shared on
  /// a resume, whose plans come from the checkpoint's wisdom.
  Propagator* acquire_propagator(const FftPlanOptions& fft, bool resuming,
                                 std::unique_ptr<Propagator>& owned) const {
    const PropagatorLayout layout = PropagatorLayout::from_grid(grid);
    PropagatorReuse::Slot* slot =
        control.reuse != nullptr && !resuming ? &control.reuse->slot(main_run) : nullptr;
    if (slot != nullptr && slot->propagator) {
      if (slot->dims != layout.dims || slot->propagator->backend() != backend ||
          slot->propagator->precision() != spec.precision)
        throw Error(
            "propagator reuse: the shared propagator was built for another grid, backend or "
            "precision than this run's (the caller's reuse key missed a difference)");
      return slot->propagator.get();
    }
    owned = make_propagator(backend, layout, spec.precision, fft);
    if (control.reuse != nullptr) control.reuse->count_build();
    if (slot == nullptr) return owned.get();
    slot->propagator = std::move(owned);
    slot->dims = layout.dims;
    return slot->propagator.get();
  }

  /// The whole protocol, block by block: the record (outputs and snapshots continue across
  /// blocks on the schedule's steps). `f_table`: the split operator's F on the grid of
  /// `channels`; `rho0`: the initial state on the grid (unused when the run starts with an exact
  /// block, which starts from the closed-form chord function).
  Record run(const std::vector<cplx>& f_table, const ChannelList& channels, std::vector<cplx> rho0,
             Checkpoint* resume, RunResult& result, const MethodPlan& plan);
  /// Split-operator steps [first, last) of the schedule from `rho0` (or the checkpoint, whose
  /// step lies in that range), recording at the schedule's steps in (first, last] (and 0 when
  /// first is 0). False when stopped by the flag (a checkpoint was written).
  bool run_split_block(const std::vector<cplx>& f_table, std::vector<cplx> rho0, Checkpoint* resume,
                       RunResult& result, Record& record, const Schedule& sch,
                       unsigned long long first, unsigned long long last);
  /// The exact block `block`, from the initial state (the first block) or from `start`, the
  /// split operator's rho at its start (its chord function interpolated, GridChord), recording
  /// at the schedule's output and snapshot steps inside it; returns rho on the grid at its end
  /// when a split block follows (empty otherwise).
  std::vector<cplx> run_exact_block(const ChannelList& channels, const MethodBlock& block,
                                    std::vector<cplx> start, const Schedule& sch, RunResult& result,
                                    Record& record);
};

/// What the exact method does on a grid of several axes (the method line): one map per axis, and
/// F along the vector path of the translation chords (and the angle chord of a libration axis).
std::string several_axes_method(const Grid& grid) {
  std::size_t translation = 0;
  std::string libration;
  for (const Axis& axis : grid.axes())
    if (axis.kind == AxisKind::translation)
      ++translation;
    else
      libration = axis.name;
  if (libration.empty())
    return "quadratic potential on " + std::to_string(translation) +
           " translation axes (one map per axis), F of |dX| along the vector path";
  return "quadratic potential on " + std::to_string(translation) + " translation axis" +
         (translation > 1 ? "es" : "") + " and libration axis " + libration +
         " (one map per axis, I in place of M on " + libration +
         "), F of |dX| and phi - phi' along the vector path";
}

/// Resolves every segment's method, on its own: "split" as asked; "exact" where
/// exact_method_obstacle() is empty (an error naming the segment and the reason where it is
/// not); "auto": exact where it applies, every F is in closed form and the segment does not
/// follow a split one, else the split operator. Consecutive segments with the same method form
/// a block. The first block starts from the initial state (closed-form chord function, or a
/// file's interpolated, GridChord); an exact block after a split one (asked for with "exact")
/// from the split operator's rho, its chord function interpolated (GridChord), which needs its
/// lattice's memory.
MethodPlan plan_methods(const SimulationSpec& spec, const Grid& grid,
                        const ChannelTableContext& context) {
  const std::size_t n = spec.protocol.size();
  const auto key = [](std::size_t s) { return "protocol[" + std::to_string(s) + "].method"; };
  const auto refuse = [&](std::size_t s, const std::string& why) {
    return InvalidArgument(key(s), "\"exact\"",
                           "\"auto\" or \"split\" (the exact method does not apply: " + why + ")");
  };
  // "auto" takes the exact method only where every F is in closed form: a channel without one
  // (magnetic, dielectric, the engine's desorption, a table file) is tabulated along the paths
  // first, which can cost far more than the split operator's table on the grid's differences
  // (a mesh body's engine: about 240 values against 31), so that is asked for with "exact".
  std::string tabulated;
  for (const auto& channel : spec.channels)
    if (channel && !channel->defined_off_grid()) {
      tabulated = "channel " + channel->name() +
                  " has no closed-form F: the exact method would tabulate it along the paths, "
                  "which method = \"exact\" asks for";
      break;
    }
  std::vector<std::string> obstacle(n);
  for (std::size_t s = 0; s < n; ++s)
    if (spec.protocol[s].method != PropagationMethod::split_operator)
      obstacle[s] = exact_method_obstacle(grid, spec.protocol[s], spec.channels, spec.initial);
  // The state an exact block starting at segment `first` starts from: the initial state, or
  // (after a split block) the split operator's rho on the grid, read like a file's.
  const auto block_initial = [&](std::size_t first) {
    if (first == 0) return spec.initial;
    InitialStateSpec grid_state;
    grid_state.kind = InitialKind::file;
    return grid_state;
  };
  const auto segments_of = [&](std::size_t first, std::size_t end) {
    return std::vector<Segment>(spec.protocol.begin() + static_cast<std::ptrdiff_t>(first),
                                spec.protocol.begin() + static_cast<std::ptrdiff_t>(end));
  };
  // Why "auto" keeps segment s with tabulated channels on the split operator: the table along
  // the paths of the segments around it that the exact method could take (a table file must
  // reach as far as they do), else the policy above.
  const auto tabulated_reason = [&](std::size_t s) {
    // On several axes the table's check evaluates the channels (isotropy: the engine's F at a
    // few points), which a run that keeps the split operator anyway should not pay for.
    if (grid.axis_count() > 1) return tabulated;
    std::size_t first = s, end = s + 1;
    while (first > 0 && spec.protocol[first - 1].method != PropagationMethod::split_operator &&
           obstacle[first - 1].empty())
      --first;
    while (end < n && spec.protocol[end].method != PropagationMethod::split_operator &&
           obstacle[end].empty())
      ++end;
    const std::string why = exact_table_obstacle(grid, segments_of(first, end), spec.channels,
                                                 block_initial(first), context);
    return why.empty() ? tabulated : why;
  };
  // An exact block after a split one holds the chord-function lattice of the split operator's
  // rho (GridChord) besides the run: "auto" does not take it beyond half the memory the run may
  // use, "exact" is refused there.
  const double memory = static_cast<double>(spec.max_memory_bytes > 0 ? spec.max_memory_bytes
                                                                      : available_memory_bytes());
  // A file state's chord-function lattice (GridChord, about 16 N^2 complex numbers against the
  // split operator's N^2) must fit next to rho and its copy for the first block to be exact.
  std::string file_memory;
  if (spec.initial.kind == InitialKind::file && GridChord::reads(grid)) {
    const double ket = static_cast<double>(grid.ket_size());
    const double need = GridChord::bytes_needed(grid) + 2.0 * ket * ket * sizeof(cplx);
    if (memory > 0.0 && need > memory)
      file_memory = "the file state's chord-function lattice and rho need about " +
                    format_bytes(need) + ", more than the " + format_bytes(memory) +
                    (spec.max_memory_bytes > 0 ? " of --max-memory" : " available");
  }
  MethodPlan plan;
  plan.segments.resize(n);
  std::size_t first_split = n;  // the first segment on the split operator
  double time = 0.0;
  for (std::size_t s = 0; s < n; ++s) {
    const Segment& seg = spec.protocol[s];
    std::string why_split;
    if (seg.method == PropagationMethod::split_operator) {
      why_split = "as asked";
    } else if (!obstacle[s].empty()) {
      why_split = obstacle[s];
    } else if (seg.method == PropagationMethod::automatic && !tabulated.empty()) {
      why_split = tabulated_reason(s);
    } else if (first_split == n && !file_memory.empty()) {
      why_split = file_memory;  // the first block, from a file state
    } else if (s > 0 && !plan.segments[s - 1].exact) {
      const std::string follows =
          "follows protocol[" + std::to_string(s - 1) + "], which uses the split operator: ";
      // GridChord reads rho on one translation axis or libration window (several axes start
      // only from closed-form states).
      const bool readable = GridChord::reads(grid);
      const double lattice = readable ? GridChord::bytes_needed(grid) : 0.0;
      if (!readable)
        why_split = follows + (grid.axis_count() == 1
                                   ? "the exact method starts a full circle from the "
                                     "closed-form states only"
                                   : "the exact method starts from rho on the grid only on one "
                                     "axis (its chord function interpolated)");
      else if (lattice > 0.5 * memory)
        why_split = follows +
                    "starting the exact method from its rho needs the chord-function "
                    "lattice of that rho, " +
                    format_number(lattice / 1048576.0) + " MiB, more than half the " +
                    format_number(memory / 1048576.0) + " MiB the run may use";
      else if (seg.method == PropagationMethod::automatic)
        // "auto" does not start the exact method from rho on the grid: its interpolated chord
        // function's error bound (GridChord: the state's weight at the box's edges and at the
        // grid's highest momenta) is known only then and is often far above numerics.tolerance
        // (5e-4 for a well resolved cat on 64 points), so that is asked for with "exact".
        why_split = follows +
                    "the exact method would start from its rho on the grid, whose chord function "
                    "is interpolated with an error bound known only then and often far above "
                    "numerics.tolerance (method = \"exact\" asks for it)";
    }
    if (seg.method == PropagationMethod::exact && !why_split.empty()) throw refuse(s, why_split);
    SegmentMethod& m = plan.segments[s];
    m.exact = why_split.empty();
    m.reason = m.exact ? "" : why_split;
    m.time_begin = time;
    time += seg.duration;
    m.time_end = time;
    if (!m.exact && first_split == n) first_split = s;
    if (plan.blocks.empty() || plan.blocks.back().exact != m.exact)
      plan.blocks.push_back(MethodBlock{s, s, m.exact});
    plan.blocks.back().end = s + 1;
    m.block = plan.blocks.size() - 1;
  }
  // Each exact block's tabulated channels (here every segment of it asked for "exact").
  if (!tabulated.empty())
    for (const MethodBlock& block : plan.blocks) {
      if (!block.exact) continue;
      const std::string why =
          exact_table_obstacle(grid, segments_of(block.first, block.end), spec.channels,
                               block_initial(block.first), context);
      if (!why.empty()) throw refuse(block.first, why);
    }
  plan.exact = plan.blocks.size() == 1 && plan.blocks.front().exact;
  if (spec.coherence_only && !plan.exact)
    throw InvalidArgument("observables.coherence_only", "true",
                          "false here: it needs the exact method for every segment, and protocol[" +
                              std::to_string(first_split) + "] uses the split operator (" +
                              plan.segments[first_split].reason + ")");
  for (std::size_t s = 0; s < n; ++s) {
    const Segment& seg = spec.protocol[s];
    SegmentMethod& m = plan.segments[s];
    if (m.exact) {
      const MethodBlock& block = plan.blocks[m.block];
      m.reason = std::string(seg.method == PropagationMethod::exact ? "as asked: " : "") +
                 (grid.axis_count() > 1 ? several_axes_method(grid)
                  : grid.axes()[0].kind == AxisKind::translation
                      ? std::string("quadratic potential on a translation axis")
                  : grid.axes()[0].mode == RotationMode::circle
                      ? std::string("free rotor on a full circle (integer k, the periodised "
                                    "state), F of phi - phi' alone")
                      : std::string("quadratic potential on a libration axis, F of phi - phi' "
                                    "alone")) +
                 ", every F in closed form or tabulated along the paths; time.step is ignored";
      if (!plan.exact)
        m.reason += " here (outputs at the split schedule's times, each evaluated exactly)";
      if (block.first == 0 && spec.initial.kind == InitialKind::file)
        m.reason +=
            "; the file state's chord function interpolated, band-limited, its error in "
            "exact_error_estimate";
      if (!plan.exact) {
        if (block.first > 0)
          m.reason += "; starts from the split operator's rho at t = " +
                      format_number(plan.segments[block.first].time_begin) +
                      " s, its chord function interpolated (error in exact_error_estimate)";
        if (block.end < n)
          m.reason += "; rho on the grid is handed to the split operator at t = " +
                      format_number(plan.segments[block.end - 1].time_end) + " s";
      }
      if (spec.output.checkpoint_every > 0)
        m.reason += plan.exact ? "; no checkpoints: output.checkpoint_every is ignored"
                               : "; no checkpoints inside an exact block";
    }
    plan.lines.push_back("protocol[" + std::to_string(s) + "] (" + to_string(seg.potential.kind) +
                         ", method = \"" + to_string(seg.method) +
                         "\"): " + (m.exact ? "exact (" : "split operator (") + m.reason + ")");
  }
  return plan;
}

/// Output (or snapshot) times of an exact run: `count` times evenly spread over [0, T], the
/// last at the end (like the split operator's schedule, without rounding to steps).
std::vector<double> spread_times(std::size_t count, double total) {
  std::vector<double> out;
  if (count == 1) return {total};
  for (std::size_t j = 0; j < count; ++j)
    out.push_back(total * static_cast<double>(j) / static_cast<double>(count - 1));
  return out;
}

/// The potential of the segment holding time t (a segment boundary belongs to the segment that
/// ends there, as in the split operator's records).
const Potential& potential_at(const std::vector<Segment>& protocol, double t) {
  double end = 0.0;
  for (const Segment& segment : protocol) {
    end += segment.duration;
    if (t <= end) return segment.potential;
  }
  return protocol.back().potential;
}

/// Warns (once per call, for the first axis concerned) when an exact state's rho on the grid has
/// a population above 1e-4 at the top of an axis' resolved momenta: the continuum solution is
/// exact, the grid shows it only where it resolves it. True when it warned.
bool warn_momentum_edge(const Grid& grid, const Observables& o, const std::string& where,
                        std::ostream& notices) {
  for (std::size_t a = 0; a < grid.axis_count(); ++a)
    if (o.axes[a].momentum_edge_population > 1e-4) {
      notices << "nanodecoh: warning: " << where << " a population of "
              << format_number(o.axes[a].momentum_edge_population) << " on axis "
              << grid.axes()[a].name
              << " is above 0.9 pi hbar/step = " << format_number(0.9 * grid.max_momentum(a))
              << ": rho on the grid aliases the exact state there (use a smaller step)\n";
      return true;
    }
  return false;
}

/// The volume of one grid cell, prod dx (m^D): rho on the grid holds prod dx rho(x, x').
double cell_volume(const Grid& grid) {
  double volume = 1.0;
  for (const Axis& axis : grid.axes()) volume *= axis.step;
  return volume;
}

/// Observables of an exact run at time t: from rho on the grid (the split run's code path),
/// with the coherence between the marked points exact at the points themselves (not the
/// nearest grid points).
Observables exact_observables(const SimulationSpec& spec, const Grid& grid,
                              const ExactPropagator& exact, const ObservableCalculator& calc,
                              const std::vector<cplx>& rho, double t, double& error) {
  const std::vector<std::size_t> no_marked;
  Observables o =
      calc.compute(rho, potential_on_grid(grid, potential_at(exact.protocol(), t)), no_marked);
  if (spec.marked_points.size() == 2) {
    const std::vector<double>&a = spec.marked_points[0], &b = spec.marked_points[1];
    double e1 = 0.0, e2 = 0.0, e3 = 0.0;
    const cplx ab = exact.element(t, a, b, &e1), aa = exact.element(t, a, a, &e2),
               bb = exact.element(t, b, b, &e3);
    error = std::max({error, e1, e2, e3});
    // Normalised like the grid's rho_ij = prod dx rho(x_i, x_j).
    o.coherence = std::abs(ab) * cell_volume(grid);
    const double norm = std::sqrt(std::max(aa.real(), 0.0) * std::max(bb.real(), 0.0));
    o.coherence_normalized = norm > 0.0 ? std::abs(ab) / norm : 0.0;
  }
  o.time = t;
  o.step = 0;
  return o;
}

/// The F path integrals shared with earlier runs (RunControl::reuse), at most a quarter of the
/// memory the run may use; nullptr without reuse.
ChordDampingCache* shared_path_integrals(const SimulationSpec& spec, const RunControl& control,
                                         bool main_run) {
  if (control.reuse == nullptr) return nullptr;
  PropagatorReuse::Slot& slot = control.reuse->slot(main_run);
  if (!slot.damping) {
    const std::size_t memory =
        spec.max_memory_bytes > 0 ? spec.max_memory_bytes : available_memory_bytes();
    slot.damping = std::make_unique<ChordDampingCache>(memory / 4);
    control.reuse->count_build();
  }
  return slot.damping.get();
}

/// The exact propagator's notices and bounds, into the run's: the F table's description, a state
/// given on the grid (its description when `describe_state`), and both error bounds.
void report_exact_setup(const ExactPropagator& exact, const std::string& who, bool describe_state,
                        std::ostream& notices, RunResult& result) {
  if (exact.tabulated())
    notices << "nanodecoh: notice: " << who << exact.table_description() << "\n";
  result.exact_table_error_bound =
      std::max(result.exact_table_error_bound, exact.table_error_rate() * exact.duration());
  // A state given on the grid (a file at the start, or the split operator's rho): its chord
  // function's error bound, part of every point's estimate, is also reported on its own.
  if (exact.grid_state()) {
    if (describe_state)
      notices << "nanodecoh: notice: " << exact.grid_state()->description() << "\n";
    result.exact_initial_state_error =
        std::max(result.exact_initial_state_error, exact.grid_state()->error_estimate());
  }
}

/// rho on the grid at time `t` of the exact propagator (`shown` in the run's time, for the
/// message), its estimate folded into `error`; NumericalError when it is not finite.
std::vector<cplx> exact_rho_at(const ExactPropagator& exact, double t, double shown,
                               Backend backend, ChordDampingCache* damping, double& error) {
  double e = 0.0;
  std::vector<cplx> rho = exact.density_matrix(t, backend, &e, damping);
  error = std::max(error, e);
  for (const cplx& v : rho)
    if (!std::isfinite(v.real()) || !std::isfinite(v.imag()))
      throw NumericalError("NaN or inf in the exact rho at t = " + format_number(shown) + " s");
  return rho;
}

/// The warning when the exact state's trace on the grid is not 1 (`where` it was seen).
void warn_exact_trace(const std::string& where, double trace, bool hand_off,
                      std::ostream& notices) {
  // The grid's rho is the exact state wrapped with the period of the k sum (docs/physics.md,
  // "Back to the grid"), so its trace is not the share of the state inside the box.
  notices << "nanodecoh: warning: " << where
          << " the exact state reaches beyond the box: rho on the grid shows it wrapped "
             "back into the box (aliased), with trace "
          << format_number(trace) << " instead of 1 (use more points)"
          << (hand_off ? "; the split operator continues from that rho" : "") << "\n";
}

/// One exact run: the series (and, for the main run, snapshots and the final state).
Record run_exact(const SimulationSpec& spec, const Grid& grid, const ChannelList& channels,
                 bool main_run, const RunControl& control, Backend backend, std::ostream& notices,
                 RunResult& result, double progress_begin, double progress_span) {
  const ExactPropagator exact(grid, spec.protocol, channels, spec.initial, spec.exact_tolerance,
                              ChannelTableContext{backend, control.stop, control.progress});
  report_exact_setup(exact, main_run ? "" : "diffusive comparison: ", main_run, notices, result);
  ChordDampingCache* const damping =
      spec.coherence_only ? nullptr : shared_path_integrals(spec, control, main_run);
  const bool damping_was_full = damping != nullptr && damping->full();
  std::size_t done = 0;
  const auto report = [&](std::size_t count) {
    ++done;
    if (control.on_progress)
      control.on_progress(progress_begin +
                          progress_span * static_cast<double>(done) / static_cast<double>(count));
  };
  const ObservableCalculator calc(grid);
  const double total = exact.duration();
  const std::vector<double> outputs = spread_times(spec.outputs, total);
  const std::vector<double> snapshots = main_run && spec.output.snapshots > 0
                                            ? spread_times(spec.output.snapshots, total)
                                            : std::vector<double>{};
  std::set<double> times(outputs.begin(), outputs.end());
  times.insert(snapshots.begin(), snapshots.end());
  Record record;
  double error = 0.0;
  bool warned_momentum = false, warned_trace = false;  // each warning once per run
  if (spec.coherence_only) {
    const std::vector<double>&a = spec.marked_points[0], &b = spec.marked_points[1];
    const std::vector<double> origin(grid.axis_count(), 0.0);
    for (double t : outputs) {
      if (control.stop && control.stop->load())
        throw Interrupted("stopped at t = " + format_number(t) + " s (exact runs keep no state)");
      double e0 = 0.0, e1 = 0.0, e2 = 0.0, e3 = 0.0;
      Observables o;
      o.time = t;
      o.trace = exact.chord(t, origin, origin, &e0).real();
      const cplx ab = exact.element(t, a, b, &e1), aa = exact.element(t, a, a, &e2),
                 bb = exact.element(t, b, b, &e3);
      if (!std::isfinite(std::abs(ab)) || !std::isfinite(aa.real()) || !std::isfinite(bb.real()))
        throw NumericalError("NaN or inf in the exact coherence at t = " + format_number(t) + " s");
      error = std::max({error, e0, e1, e2, e3});
      o.coherence = std::abs(ab) * cell_volume(grid);
      const double norm = std::sqrt(std::max(aa.real(), 0.0) * std::max(bb.real(), 0.0));
      o.coherence_normalized = norm > 0.0 ? std::abs(ab) / norm : 0.0;
      record.series.push_back(std::move(o));
      report(outputs.size());
    }
    result.exact_error_estimate = std::max(result.exact_error_estimate, error);
    return record;
  }
  for (double t : times) {
    if (control.stop && control.stop->load())
      throw Interrupted("stopped at t = " + format_number(t) + " s (exact runs keep no state)");
    std::vector<cplx> rho = exact_rho_at(exact, t, t, backend, damping, error);
    if (std::find(outputs.begin(), outputs.end(), t) != outputs.end()) {
      Observables o = exact_observables(spec, grid, exact, calc, rho, t, error);
      // The continuum solution is exact; the grid shows it only where it resolves it.
      if (main_run && !warned_momentum)
        warned_momentum = warn_momentum_edge(grid, o, "at t = " + format_number(t) + " s", notices);
      if (main_run && !warned_trace && std::abs(o.trace - 1.0) > 1e-6) {
        warned_trace = true;
        warn_exact_trace("at t = " + format_number(t) + " s", o.trace, false, notices);
      }
      record.series.push_back(std::move(o));
    }
    if (std::find(snapshots.begin(), snapshots.end(), t) != snapshots.end())
      record.snapshots.push_back(take_snapshot(grid, calc, rho, t, spec));
    if (main_run && t == total) result.final_state = std::move(rho);
    report(times.size());
  }
  if (damping != nullptr && damping->full() && !damping_was_full)
    notices << "nanodecoh: notice: the exact method's shared path-integral tables reached "
            << format_number(static_cast<double>(damping->bytes()) / 1048576.0)
            << " MiB (a quarter of the memory available to the run): the other output times "
               "are integrated afresh in every run (same results, more time)\n";
  result.exact_error_estimate = std::max(result.exact_error_estimate, error);
  return record;
}

/// The warning when the exact method's error estimate exceeds numerics.tolerance.
void warn_exact_error(const SimulationSpec& spec, const RunResult& result, std::ostream& notices) {
  if (result.exact_error_estimate > spec.exact_tolerance)
    notices << "nanodecoh: warning: the F path integrals' error estimate "
            << format_number(result.exact_error_estimate)
            << " exceeds numerics.tolerance = " << format_number(spec.exact_tolerance)
            << (result.exact_initial_state_error > 0.0
                    ? " (it includes " + format_number(result.exact_initial_state_error) +
                          " from the interpolated chord function of a state given on the grid (a "
                          "file, or the split operator's rho an exact block starts from), which "
                          "numerics.tolerance does not control: docs/physics.md, \"States from "
                          "a file\")"
                    : std::string())
            << (result.exact_table_error_bound > 0.0
                    ? " (it includes up to " + format_number(result.exact_table_error_bound) +
                          " from the interpolated F table: error of F times the time; a finer "
                          "table lowers it)\n"
                : result.exact_initial_state_error > 0.0
                    ? std::string("\n")
                    : std::string(
                          " (the adaptive quadrature reached its depth limit somewhere)\n"));
}

/// The whole run with the exact method (plan.exact): outputs, snapshots, the final state, the
/// diffusive comparison and the result file, through the split run's observables and run files.
RunResult run_exact_simulation(const SimulationSpec& spec, const Grid& grid, Backend backend,
                               const RunControl& control, const MethodPlan& plan,
                               std::ostream& notices, std::chrono::steady_clock::time_point start) {
  RunResult result;
  result.segment_methods = plan.lines;
  result.segment_plan = plan.segments;
  // rho on the grid at each output (and a copy inside the observables) and the transforms'
  // buffers (exact_work_bytes); coherence only: no more than those.
  const std::size_t ket = grid.ket_size();
  result.memory = MemoryEstimate{};
  result.memory.host_bytes =
      (spec.coherence_only ? 0 : 2 * ket * ket * sizeof(cplx)) + exact_work_bytes(grid);
  // A file state: its chord function's lattice (GridChord), one per run at a time.
  if (spec.initial.kind == InitialKind::file)
    result.memory.host_bytes += static_cast<std::size_t>(GridChord::bytes_needed(grid));
  require_memory(static_cast<double>(result.memory.host_bytes),
                 spec.coherence_only ? "the exact run's host memory (the k grid)"
                                     : "the exact run's host memory (rho on the grid and a copy)",
                 spec.coherence_only ? "use fewer axes[i].points"
                                     : "use fewer axes[i].points or observables.coherence_only",
                 spec.max_memory_bytes);
  if (!spec.coherence_only && !control.initial_state_checked)
    check_resolution(grid, make_initial_state(grid, spec.initial));
  result.exact = true;
  result.exact_error_estimate = 0.0;
  // chi on the run's backend (the kernel twins); the transforms and observables on the host.
  result.backend = backend;
  const double main_share = spec.compare_diffusive ? 0.5 : 1.0;
  const Record record = run_exact(spec, grid, spec.channels, true, control, backend, notices,
                                  result, 0.0, main_share);
  result.series = record.series;
  std::unique_ptr<Record> diffusive;
  if (spec.compare_diffusive) {
    diffusive =
        std::make_unique<Record>(run_exact(spec, grid, diffusive_approximations(spec.channels),
                                           false, control, backend, notices, result, 0.5, 0.5));
    result.diffusive_series = diffusive->series;
  }
  warn_exact_error(spec, result, notices);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!spec.output.file.empty()) write_result(spec, grid, record, diffusive.get(), result);
  if (control.on_progress) control.on_progress(1.0);
  return result;
}

// ---- The run as blocks of one method (MethodPlan) ----------------------------------------

Record Runner::run(const std::vector<cplx>& f_table, const ChannelList& channels,
                   std::vector<cplx> rho0, Checkpoint* resume, RunResult& result,
                   const MethodPlan& plan) {
  const Schedule sch = make_schedule(spec, grid.total_size());
  Record record;
  // A checkpoint lies inside a split block (exact blocks keep none): the blocks before it are
  // in its record, the run continues in that block from its rho.
  // A checkpoint written at the end of a split block starts the exact block after it. The
  // split operator plans from the checkpoint's wisdom whichever block it first runs in.
  const u64 resume_step = resume ? resume->step : 0;
  if (resume) {
    record = resume->record;
    fft_wisdom = resume->fft_wisdom;
    plans_from_checkpoint = true;
    // Planned before any block, as the interrupted run had planned it before its checkpoint:
    // the process's FFTW wisdom is then the checkpoint's, also for the transforms of an exact
    // block that starts from the checkpoint (GridChord), so that it repeats their rounding.
    prepare_propagator(f_table);
  }
  u64 split_steps = 0;
  std::vector<cplx> state = std::move(rho0);
  for (const MethodBlock& block : plan.blocks) {
    const u64 first = sch.segment_begin[block.first], last = sch.segment_begin[block.end];
    if (!block.exact) split_steps += last - first;
    if (resume_step >= last) continue;  // done before the checkpoint
    if (block.exact) {
      if (resume != nullptr) {
        if (resume_step != first)
          throw IoError("checkpoint " + control.resume_from + " holds step " +
                        std::to_string(resume_step) + ", inside the exact block of protocol[" +
                        std::to_string(block.first) +
                        "], which keeps no checkpoints: it was not written by this run");
        state = std::move(resume->rho);
        resume = nullptr;
      }
      state = run_exact_block(channels, block, std::move(state), sch, result, record);
    } else {
      if (!run_split_block(f_table, std::move(state), resume, result, record, sch, first, last))
        return record;  // stopped (result.interrupted)
      resume = nullptr;
      state = last < sch.total() ? propagator->state() : std::vector<cplx>{};
    }
  }
  result.steps = split_steps;
  return record;
}

bool Runner::run_split_block(const std::vector<cplx>& f_table, std::vector<cplx> rho0,
                             Checkpoint* resume, RunResult& result, Record& record,
                             const Schedule& sch, u64 first, u64 last) {
  ObservableCalculator calc(grid);
  const auto marked = marked_indices(grid, spec);
  prepare_propagator(f_table);
  u64 step = first;
  if (resume) {
    step = resume->step;
    propagator->set_state(resume->rho);
    resume->rho.clear();  // the propagator holds the state now
    resume->rho.shrink_to_fit();
  } else {
    propagator->set_state(rho0);
  }
  rho0.clear();
  rho0.shrink_to_fit();
  const u64 total = sch.total();
  const std::size_t every = main_run ? spec.output.checkpoint_every : 0;
  const std::string ckpt = checkpoint_path(spec);
  io::ProgressReporter progress("evolve", static_cast<std::size_t>(total),
                                main_run && control.progress, "steps");
  std::vector<double> potential;
  double last_purity = record.series.empty() ? 1.0 : record.series.back().purity;
  auto record_outputs = [&](u64 s, const std::vector<double>& v) {
    const bool out = sch.outputs.count(s) != 0, snap = main_run && sch.snapshots.count(s) != 0;
    if (!out && !snap) return;
    if (!propagator->all_finite())
      throw NumericalError(
          "NaN or inf in rho at step " + std::to_string(s) + " (t = " +
          format_number(sch.time_at(s)) + " s): reduce time.step or check the potential" +
          (result.checkpoint_written.empty()
               ? std::string()
               : "; the last good checkpoint " + result.checkpoint_written + " is kept"));
    const auto rho = propagator->state();
    if (out) {
      Observables o = calc.compute(rho, v, marked);
      for (std::size_t a = 0; a < o.axes.size(); ++a)
        if (main_run && !resolution_warned && o.axes[a].momentum_edge_population > 1e-4) {
          resolution_warned = true;
          notices << "nanodecoh: warning: at t = " << format_number(sch.time_at(s))
                  << " s a population of " << format_number(o.axes[a].momentum_edge_population)
                  << " on axis " << grid.axes()[a].name
                  << " is above 0.9 pi hbar/step = " << format_number(0.9 * grid.max_momentum(a))
                  << ": the grid no longer resolves the state (use a smaller step)\n";
        }
      o.time = sch.time_at(s);
      o.step = s;
      last_purity = o.purity;
      record.series.push_back(std::move(o));
    }
    if (snap) record.snapshots.push_back(take_snapshot(grid, calc, rho, sch.time_at(s), spec));
  };
  // Outputs at the start of the run (not on resume: they are in the record already). A block
  // that starts later continues the record of the block before it, which recorded its end.
  std::size_t segment = sch.segment_of(step);
  potential = potential_on_grid(grid, spec.protocol[segment].potential);
  if (!resume && step == 0) record_outputs(0, potential);
  while (step < last) {
    segment = sch.segment_of(step);
    potential = potential_on_grid(grid, spec.protocol[segment].potential);
    propagator->set_segment(sch.segment_dt[segment], potential);
    const u64 seg_end = sch.segment_begin[segment + 1];
    while (step < seg_end) {
      // One chunk of fused steps up to the next boundary of the deterministic schedule
      // (output, snapshot, segment end or chunk limit; schedule.hpp). Checkpoints and the
      // stop flag are handled at these boundaries only, so neither changes the arithmetic.
      const u64 previous = step;
      const u64 next = sch.next_break(step, main_run);
      step += propagator->advance(static_cast<std::size_t>(next - step), nullptr);
      record_outputs(step, potential);
      const bool stopping = main_run && control.stop && control.stop->load();
      if (step < total && (Schedule::checkpoint_due(previous, step, every) || stopping)) {
        if (!propagator->all_finite())
          throw NumericalError(
              "NaN or inf in rho at step " + std::to_string(step) +
              ": reduce time.step; no checkpoint written at this step" +
              (result.checkpoint_written.empty()
                   ? std::string()
                   : ", the last good one " + result.checkpoint_written + " is kept"));
        Checkpoint checkpoint;
        checkpoint.rho = propagator->state();
        checkpoint.step = step;
        checkpoint.record = record;
        checkpoint.version = version_string;
        checkpoint.backend = to_string(backend);
        checkpoint.precision = to_string(spec.precision);
        checkpoint.config = spec.config_toml;
        checkpoint.output_file = spec.output.file.empty()
                                     ? std::string()
                                     : std::filesystem::absolute(spec.output.file).string();
        checkpoint.schedule = sch;
        checkpoint.fft_wisdom = fft_wisdom;
        write_checkpoint(ckpt, checkpoint, grid, spec.output.snapshot_points);
        result.checkpoint_written = ckpt;
      }
      if (main_run) {
        std::ostringstream extra;  // ProgressReporter adds steps/s and the time left
        extra.precision(4);
        extra << "t = " << sch.time_at(step) << " s, purity " << last_purity;
        progress.update(static_cast<std::size_t>(step), extra.str());
      }
      report_progress(static_cast<double>(step) / static_cast<double>(total));
      if (stopping && step < total) {
        result.interrupted = true;
        result.steps = step;
        return false;
      }
    }
  }
  if (last == total) progress.finish();
  if (!propagator->all_finite())
    throw NumericalError(last == total
                             ? std::string("NaN or inf in rho at the end of the run: reduce "
                                           "time.step")
                             : "NaN or inf in rho at step " + std::to_string(last) +
                                   ", where the split operator hands it on: reduce time.step");
  if (main_run && last == total) result.final_state = propagator->state();
  return true;
}

std::vector<cplx> Runner::run_exact_block(const ChannelList& channels, const MethodBlock& block,
                                          std::vector<cplx> start, const Schedule& sch,
                                          RunResult& result, Record& record) {
  const std::vector<Segment> protocol(
      spec.protocol.begin() + static_cast<std::ptrdiff_t>(block.first),
      spec.protocol.begin() + static_cast<std::ptrdiff_t>(block.end));
  const ChannelTableContext context{backend, control.stop, control.progress};
  const std::string who = main_run ? "" : "diffusive comparison: ";
  // After a split block: the split operator's rho, read as the band-limited state whose samples
  // it holds (docs/physics.md, "Mixed protocols"); its error bound enters every point's estimate.
  std::shared_ptr<const GridChord> grid_state;
  if (block.first > 0) {
    GridChordOptions options;
    options.max_memory_bytes = spec.max_memory_bytes;
    grid_state = std::make_shared<const GridChord>(grid, std::move(start), options);
    notices << "nanodecoh: notice: " << who << "protocol[" << block.first
            << "] starts the exact method from the split operator's rho at t = "
            << format_number(sch.segment_time[block.first]) << " s: " << grid_state->description()
            << "\n";
  }
  const ExactPropagator exact =
      grid_state
          ? ExactPropagator(grid, protocol, channels, grid_state, spec.exact_tolerance, context)
          : ExactPropagator(grid, protocol, channels, spec.initial, spec.exact_tolerance, context);
  // (The split operator's rho was described above.)
  report_exact_setup(exact, who, main_run && !grid_state, notices, result);
  // The shared F path integrals are keyed by the time in the block: only the first block's,
  // whose times are the run's.
  ChordDampingCache* const damping =
      block.first == 0 ? shared_path_integrals(spec, control, main_run) : nullptr;
  const ObservableCalculator calc(grid);
  const u64 first = sch.segment_begin[block.first], last = sch.segment_begin[block.end];
  const u64 total = sch.total();
  const double begin_time = sch.segment_time[block.first];
  const bool hand_off = last < total;
  // The schedule's output and snapshot steps inside the block (its first step belongs to the
  // block before it, except at the start of the run), and its end where a split block follows:
  // the record continues on the split schedule's steps and times, each evaluated exactly.
  std::set<u64> steps;
  const auto inside = [&](u64 s) { return (s > first || (s == 0 && first == 0)) && s <= last; };
  for (u64 s : sch.outputs)
    if (inside(s)) steps.insert(s);
  if (main_run)
    for (u64 s : sch.snapshots)
      if (inside(s)) steps.insert(s);
  if (hand_off) steps.insert(last);
  double error = 0.0;
  std::vector<cplx> handed;
  for (u64 s : steps) {
    const double t = sch.time_at(s);
    if (control.stop && control.stop->load())
      throw Interrupted("stopped at t = " + format_number(t) +
                        " s, in the exact block of the run (exact blocks keep no state)" +
                        (result.checkpoint_written.empty()
                             ? std::string()
                             : "; the last checkpoint " + result.checkpoint_written + " is kept"));
    // The time in the block; its end exactly (the schedule's sums may differ by rounding).
    const double local =
        s == last ? exact.duration() : std::clamp(t - begin_time, 0.0, exact.duration());
    std::vector<cplx> rho = exact_rho_at(exact, local, t, backend, damping, error);
    const bool boundary = hand_off && s == last;
    if (sch.outputs.count(s) != 0 || boundary) {
      Observables o = exact_observables(spec, grid, exact, calc, rho, local, error);
      // The continuum solution is exact; the grid shows it only where it resolves it. At the
      // hand-off the split operator continues from rho on the grid, aliasing included: the same
      // checks, said of the hand-off.
      const std::string where =
          boundary ? "at the hand-off to the split operator at t = " + format_number(t) + " s"
                   : "at t = " + format_number(t) + " s";
      if (main_run && !resolution_warned)
        resolution_warned = warn_momentum_edge(grid, o, where, notices);
      if (main_run && std::abs(o.trace - 1.0) > 1e-6 && (boundary || !trace_warned)) {
        trace_warned = true;
        warn_exact_trace(where, o.trace, boundary, notices);
      }
      if (sch.outputs.count(s) != 0) {
        o.time = t;
        o.step = s;
        record.series.push_back(std::move(o));
      }
    }
    if (main_run && sch.snapshots.count(s) != 0)
      record.snapshots.push_back(take_snapshot(grid, calc, rho, t, spec));
    if (s == last) {
      if (hand_off)
        handed = std::move(rho);
      else if (main_run)
        result.final_state = std::move(rho);
    }
    report_progress(static_cast<double>(s) / static_cast<double>(total));
  }
  result.exact_error_estimate = std::max(result.exact_error_estimate, error);
  return handed;
}

}  // namespace

void validate(const SimulationSpec& spec) {
  if (spec.coherence_only) {
    // rho is never built: only what the coherence needs.
    if (spec.marked_points.size() != 2)
      throw InvalidArgument("observables.coherence_only", "true",
                            "false, or two marked points (observables.coherence_a, coherence_b, "
                            "or a cat's branch centres)");
    if (spec.output.snapshots > 0 || spec.output.final_state || spec.output.wigner)
      throw InvalidArgument("observables.coherence_only", "true",
                            "false with output.snapshots, output.final_state or output.wigner "
                            "(they need rho)");
  } else {
    require_memory_for_rho(spec);
  }
  const Grid grid(spec.axes);
  if (spec.protocol.empty())
    throw InvalidArgument("protocol", "empty", "at least one [[protocol]] segment");
  for (std::size_t s = 0; s < spec.protocol.size(); ++s) {
    const std::string where = "protocol[" + std::to_string(s) + "]";
    require_positive(where + ".duration", spec.protocol[s].duration);
    validate_potential(grid, spec.protocol[s].potential, where);
  }
  require_positive("time.step", spec.time_step);
  require_at_least("time.outputs", static_cast<long long>(spec.outputs), 1);
  if (spec.outputs > 100000)
    throw InvalidArgument("time.outputs", std::to_string(spec.outputs), "at most 100000");
  if (spec.output.snapshots > 1000)
    throw InvalidArgument("output.snapshots", std::to_string(spec.output.snapshots),
                          "at most 1000");
  require_at_least("output.snapshot_points", static_cast<long long>(spec.output.snapshot_points),
                   2);
  if (!spec.marked_points.empty()) {
    if (spec.marked_points.size() != 2)
      throw InvalidArgument("observables.coherence_points",
                            std::to_string(spec.marked_points.size()) + " points", "two points");
    for (const auto& p : spec.marked_points)
      if (p.size() != grid.axis_count())
        throw InvalidArgument("observables.coherence_points",
                              std::to_string(p.size()) + " coordinates",
                              std::to_string(grid.axis_count()) + " coordinates (one per axis)");
    (void)marked_indices(grid, spec);
  }
  for (const auto& c : spec.channels)
    if (!c) throw InvalidArgument("channels", "a null channel", "channels");
}

namespace {

/// The run's channels as its method plan and its exact propagators see them: each channel without
/// a closed form remembers its small batches of points (remembering_channel, at most 4096 points:
/// the exact method's checks of isotropy and of the orientation, which plan_methods and the
/// propagator both make), so that the engine evaluates them once per run. Tables are not kept
/// (the split operator's is built once and may be large).
SimulationSpec with_remembered_checks(const SimulationSpec& spec) {
  SimulationSpec out = spec;
  for (auto& channel : out.channels)
    if (!channel->defined_off_grid())
      channel = remembering_channel(channel, RememberOptions{false, 4096});
  return out;
}

}  // namespace

RunResult run_simulation(const SimulationSpec& given, Backend backend, const RunControl& control) {
  validate(given);
  const SimulationSpec spec = with_remembered_checks(given);
  std::ostream& notices = control.notices ? *control.notices : std::cerr;
  const Grid grid(spec.axes);
  const auto start = std::chrono::steady_clock::now();
  const MethodPlan plan =
      plan_methods(spec, grid, ChannelTableContext{backend, control.stop, control.progress});
  if (plan.exact) {
    if (!control.resume_from.empty())
      throw InvalidArgument("--resume", control.resume_from,
                            "a checkpoint of a run with split-operator segments (this "
                            "configuration runs every segment with the exact method, which "
                            "writes no checkpoints)");
    return run_exact_simulation(spec, grid, backend, control, plan, notices, start);
  }
  // Memory: refuse before allocating. The propagator's formula (propagator.hpp) plus what the
  // run holds besides: the F table of the channels, for the diffusive comparison a complex128
  // copy of the initial state and, with an exact block, what run_exact_simulation holds (rho on
  // the grid and a copy, the transforms' buffers), and GridChord's lattice.
  bool has_exact_block = false, grid_state_block = false;
  for (const MethodBlock& block : plan.blocks) {
    has_exact_block = has_exact_block || block.exact;
    grid_state_block = grid_state_block || (block.exact && block.first > 0);
  }
  MemoryEstimate need = estimate_memory(PropagatorLayout::from_grid(grid), spec.precision, backend);
  need.host_bytes += grid.difference_table_size() * sizeof(cplx) +
                     (spec.compare_diffusive ? grid.total_size() * sizeof(cplx) : 0);
  if (has_exact_block)
    need.host_bytes += 2 * grid.total_size() * sizeof(cplx) + exact_work_bytes(grid);
  // An exact block after a split block: the chord-function lattice of the split operator's rho.
  if (grid_state_block) need.host_bytes += static_cast<std::size_t>(GridChord::bytes_needed(grid));
  require_memory(static_cast<double>(need.host_bytes),
                 "the run's host memory (rho, factor tables, "
                 "host copies: docs/evolution.md)",
                 std::string("use precision = \"complex64\" or a smaller grid") +
                     (backend == Backend::cpu ? " or --backend cuda" : ""),
                 spec.max_memory_bytes);
  // (The CUDA propagator checks the device's free memory itself.)
  // Recoil resolution: warn once per channel with the numbers.
  bool recoil_warned = false;
  for (const auto& channel : spec.channels) {
    const double p = channel->recoil_momentum();
    if (p <= 0) continue;
    for (std::size_t a = 0; a < grid.axis_count(); ++a)
      if (grid.axes()[a].kind == AxisKind::translation && p > grid.max_momentum(a)) {
        notices << "nanodecoh: warning: one emission of " << channel->name() << " kicks by "
                << format_number(p) << " kg m/s but axis " << grid.axes()[a].name
                << " resolves momenta up to pi hbar/dx = " << format_number(grid.max_momentum(a))
                << " kg m/s; the decay of coherences is exact, the momentum spread it causes is "
                   "not represented\n";
        recoil_warned = true;
        break;
      }
  }
  RunResult result;
  result.backend = backend;
  result.memory = need;
  result.segment_methods = plan.lines;
  result.segment_plan = plan.segments;
  if (has_exact_block) result.exact_error_estimate = 0.0;
  std::unique_ptr<Checkpoint> resume;
  if (!control.resume_from.empty()) {
    resume = std::make_unique<Checkpoint>(
        read_checkpoint(control.resume_from, spec, grid, make_schedule(spec, grid.total_size())));
    if (resume->backend != to_string(backend))
      notices << "nanodecoh: notice: checkpoint written by the " << resume->backend
              << " backend, resuming on " << to_string(backend)
              << " (results agree to rounding, not bitwise)\n";
  }
  std::vector<cplx> rho0;
  if (!resume) {
    rho0 = make_initial_state(grid, spec.initial);
    if (!control.initial_state_checked) check_resolution(grid, rho0);
  }
  ChannelTableContext table_context{backend, control.stop, control.progress};
  ChannelTableReport table_report;
  const auto f_table = evaluate_channels(grid, spec.channels, table_context, &table_report);
  for (std::size_t c = 0; c < spec.channels.size(); ++c)
    if (table_report.rounded_to_zero[c] > 0)
      notices << "nanodecoh: notice: channel " << spec.channels[c]->name() << ": "
              << table_report.rounded_to_zero[c] << " table entries with Re F in [-"
              << format_number(table_report.largest_rounding[c])
              << ", 0) 1/s (within its stated accuracy) set to 0\n";
  Runner main{spec, grid, backend, control, true, notices, recoil_warned};
  main.progress_span = spec.compare_diffusive ? 0.5 : 1.0;
  std::vector<cplx> rho_initial_copy;
  if (spec.compare_diffusive)
    rho_initial_copy = resume ? make_initial_state(grid, spec.initial) : rho0;
  const Record record =
      main.run(f_table, spec.channels, std::move(rho0), resume.get(), result, plan);
  result.series = record.series;
  if (result.interrupted) {
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }
  std::unique_ptr<Record> diffusive;
  if (spec.compare_diffusive) {
    // The comparison plans from the main run's wisdom: the same transforms, with or without
    // a resume in between.
    Runner comparison{spec,    grid, backend,         control, false,
                      notices, true, main.fft_wisdom, 0.5,     0.5};
    RunResult scratch;
    const ChannelList diffusive_channels = diffusive_approximations(spec.channels);
    diffusive = std::make_unique<Record>(
        comparison.run(evaluate_channels(grid, diffusive_channels, table_context),
                       diffusive_channels, std::move(rho_initial_copy), nullptr, scratch, plan));
    result.diffusive_series = diffusive->series;
    result.exact_error_estimate =
        std::max(result.exact_error_estimate, scratch.exact_error_estimate);
    result.exact_table_error_bound =
        std::max(result.exact_table_error_bound, scratch.exact_table_error_bound);
    result.exact_initial_state_error =
        std::max(result.exact_initial_state_error, scratch.exact_initial_state_error);
  }
  if (has_exact_block) warn_exact_error(spec, result, notices);
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!spec.output.file.empty()) write_result(spec, grid, record, diffusive.get(), result);
  if (control.on_progress) control.on_progress(1.0);
  return result;
}

}  // namespace nanodecoh::evolution
