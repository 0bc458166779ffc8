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
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
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
    auto propagator =
        make_propagator(backend, PropagatorLayout::from_grid(grid), spec.precision, fft);
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

}  // namespace

void validate(const SimulationSpec& spec) {
  require_memory_for_rho(spec);
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
    check_resolution(grid, rho0);
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
    Runner comparison{spec, grid, backend, control, false, notices, true, main.fft_wisdom};
    RunResult scratch;
    diffusive = std::make_unique<Record>(comparison.run(
        evaluate_channels(grid, diffusive_approximations(spec.channels), table_context),
        std::move(rho_initial_copy), nullptr, scratch));
    result.diffusive_series = diffusive->series;
  }
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!spec.output.file.empty()) write_result(spec, grid, record, diffusive.get(), result);
  return result;
}

}  // namespace nanodecoh::evolution
