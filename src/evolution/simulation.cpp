// The evolution run (simulation.hpp): the step loop over the deterministic schedule
// (schedule.hpp), recording observables and snapshots, checkpoints at chunk boundaries, a clean
// stop on a flag, NaN/inf detection, warnings and the diffusive comparison run. The layouts of
// the result and checkpoint files live in run_files.cpp.
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

/// Runs the protocol once from `rho0` (or a checkpoint). Used for the main and the diffusive run.
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

  Record run(const std::vector<cplx>& f_table, std::vector<cplx> rho0, Checkpoint* resume,
             RunResult& result) {
    const Schedule sch = make_schedule(spec, grid.total_size());
    ObservableCalculator calc(grid);
    const auto marked = marked_indices(grid, spec);
    FftPlanOptions fft;
    fft.planning = spec.fft_planning;
    fft.wisdom = resume ? resume->fft_wisdom : fft_wisdom;
    fft.cache_file = spec.fft_wisdom_cache;
    fft.notices = &notices;
    std::unique_ptr<Propagator> owned;
    Propagator* const propagator = acquire_propagator(fft, resume != nullptr, owned);
    fft_wisdom = propagator->fft_wisdom();
    propagator->set_dissipation(f_table);
    Record record;
    u64 step = 0;
    if (resume) {
      record = resume->record;
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
    double last_purity = 1.0;
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
    // Outputs at the start (not on resume: they are in the record already).
    std::size_t segment = sch.segment_of(step);
    potential = potential_on_grid(grid, spec.protocol[segment].potential);
    if (!resume) record_outputs(0, potential);
    while (step < total) {
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
          return record;
        }
      }
    }
    progress.finish();
    if (!propagator->all_finite())
      throw NumericalError("NaN or inf in rho at the end of the run: reduce time.step");
    result.steps = step;
    if (main_run) result.final_state = propagator->state();
    return record;
  }
};

/// Which method each segment uses, and why (RunResult::segment_methods).
struct MethodPlan {
  bool exact = false;
  std::vector<std::string> lines;
};

/// Resolves every segment's method. `exact` where it is asked for and applies (an error naming
/// the segment and the reason where it does not), `auto`: exact when every segment can be
/// propagated exactly, otherwise the split operator for the whole run (mixed protocols are not
/// yet supported, so one segment that needs the split operator decides the run).
MethodPlan plan_methods(const SimulationSpec& spec, const Grid& grid, const RunControl& control) {
  const std::size_t n = spec.protocol.size();
  std::vector<std::string> obstacle(n);
  for (std::size_t s = 0; s < n; ++s)
    obstacle[s] = exact_method_obstacle(grid, spec.protocol[s], spec.channels, spec.initial);
  std::string run_obstacle;
  // A checkpoint holds a split-operator state: its run continues with that method. The
  // checkpoint interval itself does not choose the method (an exact run needs none and writes
  // none), so that a result never depends on it.
  if (!control.resume_from.empty())
    run_obstacle = "the run resumes from a checkpoint of a split-operator run";
  // Channels without a closed form are tabulated along the paths of the whole protocol: an F
  // table file must be a uniform line that reaches as far as they do.
  if (run_obstacle.empty() &&
      std::all_of(obstacle.begin(), obstacle.end(), [](const std::string& o) { return o.empty(); }))
    run_obstacle = exact_table_obstacle(grid, spec.protocol, spec.channels, spec.initial);
  // A file state's chord-function lattice (GridChord, about 16 N^2 complex numbers against the
  // split operator's N^2) must fit next to rho and its copy.
  if (run_obstacle.empty() && spec.initial.kind == InitialKind::file &&
      std::all_of(obstacle.begin(), obstacle.end(),
                  [](const std::string& o) { return o.empty(); })) {
    const double ket = static_cast<double>(grid.ket_size());
    const double need = GridChord::bytes_needed(grid) + 2.0 * ket * ket * sizeof(cplx);
    const std::size_t limit =
        spec.max_memory_bytes > 0 ? spec.max_memory_bytes : available_memory_bytes();
    if (limit > 0 && need > static_cast<double>(limit))
      run_obstacle = "the file state's chord-function lattice and rho need about " +
                     format_bytes(need) + ", more than the " +
                     format_bytes(static_cast<double>(limit)) +
                     (spec.max_memory_bytes > 0 ? " of --max-memory" : " available");
  }
  const auto key = [](std::size_t s) { return "protocol[" + std::to_string(s) + "].method"; };
  // The first segment that cannot be exact, and why.
  std::size_t blocking = n;
  std::string blocking_reason;
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
  for (std::size_t s = 0; s < n && blocking == n; ++s) {
    if (spec.protocol[s].method == PropagationMethod::split_operator) {
      blocking = s;
      blocking_reason = "method = \"split\"";
    } else if (!obstacle[s].empty()) {
      blocking = s;
      blocking_reason = obstacle[s];
    } else if (spec.protocol[s].method == PropagationMethod::automatic && !tabulated.empty()) {
      blocking = s;
      blocking_reason = tabulated;
    }
  }
  for (std::size_t s = 0; s < n; ++s) {
    if (spec.protocol[s].method != PropagationMethod::exact) continue;
    if (!obstacle[s].empty())
      throw InvalidArgument(
          key(s), "\"exact\"",
          "\"auto\" or \"split\" (the exact method does not apply: " + obstacle[s] + ")");
    if (!run_obstacle.empty())
      throw InvalidArgument(
          key(s), "\"exact\"",
          "\"auto\" or \"split\" (the exact method does not apply: " + run_obstacle + ")");
    if (blocking != n)
      throw InvalidArgument(key(s), "\"exact\"",
                            "\"auto\" or \"split\": protocol[" + std::to_string(blocking) +
                                "] needs the split operator (" + blocking_reason +
                                ") and protocols mixing the two methods are not yet supported");
  }
  MethodPlan plan;
  plan.exact = blocking == n && run_obstacle.empty();
  if (spec.coherence_only && !plan.exact)
    throw InvalidArgument("observables.coherence_only", "true",
                          "false here: it needs the exact method, and protocol[" +
                              std::to_string(blocking < n ? blocking : 0) + "] cannot use it (" +
                              (blocking < n ? blocking_reason : run_obstacle) + ")");
  for (std::size_t s = 0; s < n; ++s) {
    const Segment& seg = spec.protocol[s];
    std::string line = "protocol[" + std::to_string(s) + "] (" + to_string(seg.potential.kind) +
                       ", method = \"" + to_string(seg.method) + "\"): ";
    if (plan.exact)
      line += std::string(
                  "exact (quadratic potential on a translation axis, every F in closed form or "
                  "tabulated along the paths; time.step is ignored") +
              (spec.initial.kind == InitialKind::file
                   ? "; the file state's chord function interpolated, band-limited, its error "
                     "in exact_error_estimate"
                   : "") +
              (spec.output.checkpoint_every > 0
                   ? "; no checkpoints: output.checkpoint_every is ignored)"
                   : ")");
    else if (seg.method == PropagationMethod::split_operator)
      line += "split operator (as asked)";
    else if (!obstacle[s].empty())
      line += "split operator (" + obstacle[s] + ")";
    else if (!run_obstacle.empty())
      line += "split operator (" + run_obstacle + ")";
    else
      line += "split operator (protocol[" + std::to_string(blocking) +
              "] needs it, and protocols mixing the two methods are not yet supported)";
    plan.lines.push_back(std::move(line));
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
const Potential& potential_at(const SimulationSpec& spec, double t) {
  double end = 0.0;
  for (const Segment& segment : spec.protocol) {
    end += segment.duration;
    if (t <= end) return segment.potential;
  }
  return spec.protocol.back().potential;
}

/// Observables of an exact run at time t: from rho on the grid (the split run's code path),
/// with the coherence between the marked points exact at the points themselves (not the
/// nearest grid points).
Observables exact_observables(const SimulationSpec& spec, const Grid& grid,
                              const ExactPropagator& exact, const ObservableCalculator& calc,
                              const std::vector<cplx>& rho, double t, double& error) {
  const std::vector<std::size_t> no_marked;
  Observables o = calc.compute(rho, potential_on_grid(grid, potential_at(spec, t)), no_marked);
  if (spec.marked_points.size() == 2) {
    const double a = spec.marked_points[0][0], b = spec.marked_points[1][0];
    const double dx = grid.axes()[0].step;
    double e1 = 0.0, e2 = 0.0, e3 = 0.0;
    const cplx ab = exact.element(t, a, b, &e1), aa = exact.element(t, a, a, &e2),
               bb = exact.element(t, b, b, &e3);
    error = std::max({error, e1, e2, e3});
    o.coherence = std::abs(ab) * dx;  // normalised like the grid's rho_ij = dx rho(x_i, x_j)
    const double norm = std::sqrt(std::max(aa.real(), 0.0) * std::max(bb.real(), 0.0));
    o.coherence_normalized = norm > 0.0 ? std::abs(ab) / norm : 0.0;
  }
  o.time = t;
  o.step = 0;
  return o;
}

/// One exact run: the series (and, for the main run, snapshots and the final state).
Record run_exact(const SimulationSpec& spec, const Grid& grid, const ChannelList& channels,
                 bool main_run, const RunControl& control, Backend backend, std::ostream& notices,
                 RunResult& result, double progress_begin, double progress_span) {
  const ExactPropagator exact(grid, spec.protocol, channels, spec.initial, spec.exact_tolerance,
                              ChannelTableContext{backend, control.stop, control.progress});
  if (exact.tabulated())
    notices << "nanodecoh: notice: " << (main_run ? "" : "diffusive comparison: ")
            << exact.table_description() << "\n";
  result.exact_table_error_bound =
      std::max(result.exact_table_error_bound, exact.table_error_rate() * exact.duration());
  if (exact.grid_state()) {
    if (main_run) notices << "nanodecoh: notice: " << exact.grid_state()->description() << "\n";
    result.exact_initial_state_error =
        std::max(result.exact_initial_state_error, exact.grid_state()->error_estimate());
  }
  // The F path integrals shared with earlier runs (RunControl::reuse), at most a quarter of the
  // memory the run may use.
  ChordDampingCache* damping = nullptr;
  if (control.reuse != nullptr && !spec.coherence_only) {
    PropagatorReuse::Slot& slot = control.reuse->slot(main_run);
    if (!slot.damping) {
      const std::size_t memory =
          spec.max_memory_bytes > 0 ? spec.max_memory_bytes : available_memory_bytes();
      slot.damping = std::make_unique<ChordDampingCache>(memory / 4);
      control.reuse->count_build();
    }
    damping = slot.damping.get();
  }
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
    const double a = spec.marked_points[0][0], b = spec.marked_points[1][0];
    const double dx = grid.axes()[0].step;
    for (double t : outputs) {
      if (control.stop && control.stop->load())
        throw Interrupted("stopped at t = " + format_number(t) + " s (exact runs keep no state)");
      double e0 = 0.0, e1 = 0.0, e2 = 0.0, e3 = 0.0;
      Observables o;
      o.time = t;
      o.trace = exact.chord(t, 0.0, 0.0, &e0).real();
      const cplx ab = exact.element(t, a, b, &e1), aa = exact.element(t, a, a, &e2),
                 bb = exact.element(t, b, b, &e3);
      if (!std::isfinite(std::abs(ab)) || !std::isfinite(aa.real()) || !std::isfinite(bb.real()))
        throw NumericalError("NaN or inf in the exact coherence at t = " + format_number(t) + " s");
      error = std::max({error, e0, e1, e2, e3});
      o.coherence = std::abs(ab) * dx;
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
    double e = 0.0;
    std::vector<cplx> rho = exact.density_matrix(t, backend, &e, damping);
    error = std::max(error, e);
    for (const cplx& v : rho)
      if (!std::isfinite(v.real()) || !std::isfinite(v.imag()))
        throw NumericalError("NaN or inf in the exact rho at t = " + format_number(t) + " s");
    if (std::find(outputs.begin(), outputs.end(), t) != outputs.end()) {
      Observables o = exact_observables(spec, grid, exact, calc, rho, t, error);
      // The continuum solution is exact; the grid shows it only where it resolves it.
      if (main_run && !warned_momentum && o.axes[0].momentum_edge_population > 1e-4) {
        warned_momentum = true;
        notices << "nanodecoh: warning: at t = " << format_number(t) << " s a population of "
                << format_number(o.axes[0].momentum_edge_population) << " on axis "
                << grid.axes()[0].name
                << " is above 0.9 pi hbar/step = " << format_number(0.9 * grid.max_momentum(0))
                << ": rho on the grid aliases the exact state there (use a smaller step)\n";
      }
      if (main_run && !warned_trace && std::abs(o.trace - 1.0) > 1e-6) {
        warned_trace = true;
        // The grid's rho is the exact state wrapped with the period of the k sum (docs/physics.md,
        // "Back to the grid"), so its trace is not the share of the state inside the box.
        notices << "nanodecoh: warning: at t = " << format_number(t)
                << " s the exact state reaches beyond the box: rho on the grid shows it wrapped "
                   "back into the box (aliased), with trace "
                << format_number(o.trace) << " instead of 1 (use more points)\n";
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

/// The whole run with the exact method (plan.exact): outputs, snapshots, the final state, the
/// diffusive comparison and the result file, through the split run's observables and run files.
RunResult run_exact_simulation(const SimulationSpec& spec, const Grid& grid, Backend backend,
                               const RunControl& control, const MethodPlan& plan,
                               std::ostream& notices, std::chrono::steady_clock::time_point start) {
  RunResult result;
  result.segment_methods = plan.lines;
  // rho on the grid at each output (and a copy inside the observables), per thread one
  // column of chi over k (4N values, at most 64 threads counted); coherence only: the k grid.
  const std::size_t ket = grid.ket_size();
  result.memory = MemoryEstimate{};
  result.memory.host_bytes =
      (spec.coherence_only ? 0 : 2 * ket * ket * sizeof(cplx)) + 64 * 8 * ket * sizeof(cplx);
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
  if (result.exact_error_estimate > spec.exact_tolerance)
    notices << "nanodecoh: warning: the F path integrals' error estimate "
            << format_number(result.exact_error_estimate)
            << " exceeds numerics.tolerance = " << format_number(spec.exact_tolerance)
            << (result.exact_initial_state_error > 0.0
                    ? " (it includes " + format_number(result.exact_initial_state_error) +
                          " from the file state's interpolated chord function, which "
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
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!spec.output.file.empty()) write_result(spec, grid, record, diffusive.get(), result);
  if (control.on_progress) control.on_progress(1.0);
  return result;
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

RunResult run_simulation(const SimulationSpec& spec, Backend backend, const RunControl& control) {
  validate(spec);
  std::ostream& notices = control.notices ? *control.notices : std::cerr;
  const Grid grid(spec.axes);
  const auto start = std::chrono::steady_clock::now();
  const MethodPlan plan = plan_methods(spec, grid, control);
  if (plan.exact) return run_exact_simulation(spec, grid, backend, control, plan, notices, start);
  // Memory: refuse before allocating. The propagator's formula (propagator.hpp) plus what the
  // run holds besides: the F table of the channels and, for the diffusive comparison, a
  // complex128 copy of the initial state.
  MemoryEstimate need = estimate_memory(PropagatorLayout::from_grid(grid), spec.precision, backend);
  need.host_bytes += grid.difference_table_size() * sizeof(cplx) +
                     (spec.compare_diffusive ? grid.total_size() * sizeof(cplx) : 0);
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
  const Record record = main.run(f_table, std::move(rho0), resume.get(), result);
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
    diffusive = std::make_unique<Record>(comparison.run(
        evaluate_channels(grid, diffusive_approximations(spec.channels), table_context),
        std::move(rho_initial_copy), nullptr, scratch));
    result.diffusive_series = diffusive->series;
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!spec.output.file.empty()) write_result(spec, grid, record, diffusive.get(), result);
  if (control.on_progress) control.on_progress(1.0);
  return result;
}

}  // namespace nanodecoh::evolution
