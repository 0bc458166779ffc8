// The evolution run (simulation.hpp): schedules the protocol's segments into
// chunks between outputs, snapshots and checkpoints (the split-operator fuses
// half kinetic steps inside a chunk, so the chunk boundaries are deterministic
// and a resumed run is bit-identical), records observables, writes the HDF5
// result and checkpoints atomically with an FNV-1a checksum over rho.
#include "nanodecoh/evolution/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;
using u64 = unsigned long long;

/// Longest chunk of fused steps between progress updates and stop checks: about 2^24
/// element-steps (a fraction of a second to a few seconds), at least 1 and at most 256 steps.
/// It depends only on the grid, so it is part of the deterministic schedule: a run stopped by
/// SIGINT/SIGTERM stops at a chunk boundary, where an uninterrupted run closes its fused half
/// steps too, and its resumption is bit-identical.
u64 chunk_steps(std::size_t rho_elements) {
  const u64 budget = u64{1} << 24;
  return std::clamp<u64>(budget / std::max<u64>(rho_elements, 1), 1, 256);
}

/// FNV-1a over the bytes of rho and the step.
u64 checksum(const std::vector<cplx>& rho, u64 step) {
  u64 h = 14695981039346656037ull;
  auto feed = [&h](const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  };
  feed(reinterpret_cast<const unsigned char*>(rho.data()), rho.size() * sizeof(cplx));
  feed(reinterpret_cast<const unsigned char*>(&step), sizeof step);
  return h;
}

std::string memory_text(std::size_t bytes) {
  std::ostringstream out;
  out.precision(3);
  out << static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0) << " GiB";
  return out.str();
}

/// One |rho| snapshot: the downsampled |reduced matrix| of each axis, and the Wigner function.
struct Snapshot {
  double time = 0.0;
  std::vector<std::vector<double>> rho_abs;  // per axis, m x m
  std::vector<double> wigner;                // n x n of the first translation axis (or empty)
};

std::size_t downsample_stride(std::size_t n, std::size_t max_points) {
  return std::max<std::size_t>(1, (n + max_points - 1) / max_points);
}

/// Time series and snapshots recorded so far; written to results and checkpoints.
struct Record {
  std::vector<Observables> series;
  std::vector<Snapshot> snapshots;

  void write(io::Hdf5File& file, const std::string& prefix, const Grid& grid,
             std::size_t snapshot_points, bool with_snapshots) const {
    const std::size_t n_out = series.size();
    const std::string ts = prefix + "timeseries";
    file.create_group(ts);
    auto column = [&](auto getter) {
      std::vector<double> v;
      for (const auto& o : series) v.push_back(getter(o));
      return v;
    };
    file.write(ts + "/time", column([](const Observables& o) { return o.time; }), {n_out}, "s");
    std::vector<u64> steps;
    for (const auto& o : series) steps.push_back(o.step);
    file.write(ts + "/step", steps, {n_out});
    file.write(ts + "/trace", column([](const Observables& o) { return o.trace; }), {n_out});
    file.write(ts + "/purity", column([](const Observables& o) { return o.purity; }), {n_out});
    file.write(ts + "/energy", column([](const Observables& o) { return o.energy; }), {n_out}, "J");
    file.write(ts + "/coherence", column([](const Observables& o) { return o.coherence; }),
               {n_out});
    file.write(ts + "/coherence_normalized",
               column([](const Observables& o) { return o.coherence_normalized; }), {n_out});
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const Axis& axis = grid.axes()[a];
      const bool tr = axis.kind == AxisKind::translation;
      const std::string g = ts + "/" + axis.name;
      file.create_group(g);
      file.write(g + "/mean", column([a](const Observables& o) { return o.axes[a].mean; }), {n_out},
                 tr ? "m" : "rad");
      file.write(g + "/variance", column([a](const Observables& o) { return o.axes[a].variance; }),
                 {n_out}, tr ? "m^2" : "rad^2");
      file.write(g + "/momentum_mean",
                 column([a](const Observables& o) { return o.axes[a].momentum_mean; }), {n_out},
                 tr ? "kg m/s" : "J s");
      file.write(g + "/momentum_variance",
                 column([a](const Observables& o) { return o.axes[a].momentum_variance; }), {n_out},
                 tr ? "kg^2 m^2/s^2" : "J^2 s^2");
      file.write(g + "/kinetic_energy",
                 column([a](const Observables& o) { return o.axes[a].kinetic_energy; }), {n_out},
                 "J");
      std::vector<double> dist;
      for (const auto& o : series)
        dist.insert(dist.end(), o.axes[a].distribution.begin(), o.axes[a].distribution.end());
      file.write(g + "/distribution", dist, {n_out, axis.points});
    }
    if (!with_snapshots) return;
    const std::string sn = prefix + "snapshots";
    file.create_group(sn);
    std::vector<double> times;
    for (const auto& s : snapshots) times.push_back(s.time);
    file.write(sn + "/time", times, {snapshots.size()}, "s");
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const Axis& axis = grid.axes()[a];
      const std::size_t stride = downsample_stride(axis.points, snapshot_points);
      const std::size_t m = (axis.points + stride - 1) / stride;
      std::vector<double> all, coords;
      for (const auto& s : snapshots)
        all.insert(all.end(), s.rho_abs[a].begin(), s.rho_abs[a].end());
      for (std::size_t i = 0; i < axis.points; i += stride) coords.push_back(grid.coordinate(a, i));
      file.create_group(sn + "/" + axis.name);
      file.write(sn + "/" + axis.name + "/rho_abs", all, {snapshots.size(), m, m});
      file.write(sn + "/" + axis.name + "/coordinates", coords, {m},
                 axis.kind == AxisKind::translation ? "m" : "rad");
    }
    if (!snapshots.empty() && !snapshots.front().wigner.empty()) {
      std::vector<double> all;
      for (const auto& s : snapshots) all.insert(all.end(), s.wigner.begin(), s.wigner.end());
      const std::size_t side = static_cast<std::size_t>(
          std::llround(std::sqrt(static_cast<double>(snapshots.front().wigner.size()))));
      file.write(sn + "/wigner", all, {snapshots.size(), side, side}, "1/(m kg m/s)");
    }
  }

  void read(const io::Hdf5File& file, const std::string& prefix, const Grid& grid,
            std::size_t snapshot_points) {
    const std::string ts = prefix + "timeseries";
    const auto time = file.read_doubles(ts + "/time");
    const auto step = file.read_u64(ts + "/step");
    const auto trace = file.read_doubles(ts + "/trace");
    const auto purity = file.read_doubles(ts + "/purity");
    const auto energy = file.read_doubles(ts + "/energy");
    const auto coh = file.read_doubles(ts + "/coherence");
    const auto cohn = file.read_doubles(ts + "/coherence_normalized");
    series.assign(time.size(), Observables{});
    for (std::size_t k = 0; k < time.size(); ++k) {
      series[k].time = time[k];
      series[k].step = step[k];
      series[k].trace = trace[k];
      series[k].purity = purity[k];
      series[k].energy = energy[k];
      series[k].coherence = coh[k];
      series[k].coherence_normalized = cohn[k];
      series[k].axes.resize(grid.axis_count());
    }
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const std::string g = ts + "/" + grid.axes()[a].name;
      const auto mean = file.read_doubles(g + "/mean"), var = file.read_doubles(g + "/variance");
      const auto pm = file.read_doubles(g + "/momentum_mean"),
                 pv = file.read_doubles(g + "/momentum_variance");
      const auto ke = file.read_doubles(g + "/kinetic_energy"),
                 dist = file.read_doubles(g + "/distribution");
      const std::size_t n = grid.axes()[a].points;
      for (std::size_t k = 0; k < series.size(); ++k) {
        auto& ax = series[k].axes[a];
        ax.mean = mean[k];
        ax.variance = var[k];
        ax.momentum_mean = pm[k];
        ax.momentum_variance = pv[k];
        ax.kinetic_energy = ke[k];
        ax.distribution.assign(dist.begin() + static_cast<std::ptrdiff_t>(k * n),
                               dist.begin() + static_cast<std::ptrdiff_t>((k + 1) * n));
      }
    }
    snapshots.clear();
    const std::string sn = prefix + "snapshots";
    if (!file.exists(sn + "/time")) return;
    const auto times = file.read_doubles(sn + "/time");
    snapshots.resize(times.size());
    for (std::size_t s = 0; s < times.size(); ++s) {
      snapshots[s].time = times[s];
      snapshots[s].rho_abs.resize(grid.axis_count());
    }
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const auto all = file.read_doubles(sn + "/" + grid.axes()[a].name + "/rho_abs");
      const std::size_t stride = downsample_stride(grid.axes()[a].points, snapshot_points);
      const std::size_t m = (grid.axes()[a].points + stride - 1) / stride;
      for (std::size_t s = 0; s < times.size(); ++s)
        snapshots[s].rho_abs[a].assign(all.begin() + static_cast<std::ptrdiff_t>(s * m * m),
                                       all.begin() + static_cast<std::ptrdiff_t>((s + 1) * m * m));
    }
    if (file.exists(sn + "/wigner") && !times.empty()) {
      const auto all = file.read_doubles(sn + "/wigner");
      const std::size_t per = all.size() / times.size();
      for (std::size_t s = 0; s < times.size(); ++s)
        snapshots[s].wigner.assign(all.begin() + static_cast<std::ptrdiff_t>(s * per),
                                   all.begin() + static_cast<std::ptrdiff_t>((s + 1) * per));
    }
  }
};

/// Step numbers of the protocol: segment s covers steps [begin[s], begin[s+1]).
struct Schedule {
  std::vector<u64> segment_begin;  // size segments + 1
  std::vector<double> segment_dt;
  std::vector<double> segment_time;  // start time of each segment
  std::set<u64> outputs, snapshots;
  u64 total() const { return segment_begin.back(); }
  double time_at(u64 step) const {
    std::size_t s = 0;
    while (s + 1 < segment_dt.size() && step >= segment_begin[s + 1]) ++s;
    return segment_time[s] + static_cast<double>(step - segment_begin[s]) * segment_dt[s];
  }
};

Schedule make_schedule(const SimulationSpec& spec) {
  Schedule sch;
  sch.segment_begin.push_back(0);
  double t = 0.0;
  for (const Segment& seg : spec.protocol) {
    const double ratio = seg.duration / spec.time_step;
    if (ratio > 1e12)
      throw InvalidArgument("time.step", format_number(spec.time_step),
                            "at most 1e12 steps per segment");
    const u64 n = std::max<u64>(1, static_cast<u64>(std::llround(ratio)));
    sch.segment_dt.push_back(seg.duration / static_cast<double>(n));
    sch.segment_time.push_back(t);
    t += seg.duration;
    sch.segment_begin.push_back(sch.segment_begin.back() + n);
  }
  const u64 total = sch.total();
  const auto spread = [total](std::size_t count, std::set<u64>& out) {
    if (count == 0) return;
    if (count == 1) {
      out.insert(total);
      return;
    }
    for (std::size_t k = 0; k < count; ++k)
      out.insert(static_cast<u64>(std::llround(static_cast<double>(k) * static_cast<double>(total) /
                                               static_cast<double>(count - 1))));
  };
  spread(spec.outputs, sch.outputs);
  spread(spec.output.snapshots, sch.snapshots);
  return sch;
}

std::string checkpoint_path(const SimulationSpec& spec) {
  if (!spec.output.checkpoint_file.empty()) return spec.output.checkpoint_file;
  return (spec.output.file.empty() ? std::string("evolve.h5") : spec.output.file) + ".ckpt.h5";
}

void write_checkpoint(const std::string& path, const SimulationSpec& spec, const Grid& grid,
                      const Record& record, const std::vector<cplx>& rho, u64 step,
                      Backend backend) {
  io::write_atomically(path, [&](const std::filesystem::path& tmp) {
    io::Hdf5File file = io::Hdf5File::create(tmp);
    file.set_attribute("/", "kind", "nanodecoh evolve checkpoint");
    file.set_attribute("/", "version", version_string);
    file.set_attribute("/", "backend", std::string(to_string(backend)));
    file.set_attribute("/", "precision", to_string(spec.precision));
    file.set_attribute("/", "config", spec.config_toml);
    file.write("/rho", rho, {rho.size()});
    file.write("/step", std::vector<u64>{step}, {1});
    file.write("/checksum", std::vector<u64>{checksum(rho, step)}, {1});
    record.write(file, "/record/", grid, spec.output.snapshot_points, true);
  });
}

struct Checkpoint {
  std::vector<cplx> rho;
  u64 step = 0;
  Record record;
  std::string backend, precision;
};

Checkpoint read_checkpoint(const std::string& path, const SimulationSpec& spec, const Grid& grid) {
  Checkpoint c;
  try {
    io::Hdf5File file = io::Hdf5File::open_read(path);
    if (file.read_string_attribute("/", "kind") != "nanodecoh evolve checkpoint")
      throw IoError("checkpoint " + path + " is not a nanodecoh evolve checkpoint");
    c.backend = file.read_string_attribute("/", "backend");
    c.precision = file.read_string_attribute("/", "precision");
    c.rho = file.read_complex("/rho");
    const auto step = file.read_u64("/step");
    const auto sum = file.read_u64("/checksum");
    if (step.size() != 1 || sum.size() != 1)
      throw IoError("checkpoint " + path + " lacks step or checksum");
    c.step = step[0];
    if (checksum(c.rho, c.step) != sum[0])
      throw IoError("checkpoint " + path + " is corrupt: checksum mismatch (rho or step damaged)");
    c.record.read(file, "/record/", grid, spec.output.snapshot_points);
  } catch (const IoError& e) {
    const std::string what = e.what();
    if (what.find("checkpoint") != std::string::npos) throw;
    throw IoError("checkpoint " + path + " is corrupt or unreadable: " + what);
  }
  if (c.rho.size() != grid.total_size())
    throw IoError("checkpoint " + path + " holds " + std::to_string(c.rho.size()) +
                  " elements, the grid needs " + std::to_string(grid.total_size()));
  return c;
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

/// Runs the protocol once from `rho0` (or a checkpoint). Used for the main and the diffusive run.
struct Runner {
  const SimulationSpec& spec;
  const Grid& grid;
  Backend backend;
  const RunControl& control;
  bool main_run;  // false: diffusive comparison (no snapshots, checkpoints, progress)
  std::ostream& notices;
  bool resolution_warned;  // set when a warning about unresolved momenta was given

  Record run(const std::vector<cplx>& f_table, std::vector<cplx> rho0, const Checkpoint* resume,
             RunResult& result) {
    const Schedule sch = make_schedule(spec);
    ObservableCalculator calc(grid);
    const auto marked = marked_indices(grid, spec);
    auto propagator = make_propagator(backend, PropagatorLayout::from_grid(grid), spec.precision);
    propagator->set_dissipation(f_table);
    Record record;
    u64 step = 0;
    if (resume) {
      record = resume->record;
      step = resume->step;
      propagator->set_state(resume->rho);
    } else {
      propagator->set_state(rho0);
    }
    rho0.clear();
    rho0.shrink_to_fit();
    const u64 total = sch.total();
    const u64 chunk = chunk_steps(grid.total_size());
    const std::size_t every = main_run ? spec.output.checkpoint_every : 0;
    const std::string ckpt = checkpoint_path(spec);
    io::ProgressReporter progress("evolve", static_cast<std::size_t>(total),
                                  main_run && control.progress, "steps");
    std::size_t segment = 0;
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
    while (segment + 1 < spec.protocol.size() && step >= sch.segment_begin[segment + 1]) ++segment;
    potential = potential_on_grid(grid, spec.protocol[segment].potential);
    if (!resume) record_outputs(0, potential);
    while (step < total) {
      while (step >= sch.segment_begin[segment + 1]) ++segment;
      potential = potential_on_grid(grid, spec.protocol[segment].potential);
      propagator->set_segment(sch.segment_dt[segment], potential);
      const u64 seg_end = sch.segment_begin[segment + 1];
      while (step < seg_end) {
        // Next break: output, snapshot, checkpoint or segment end.
        u64 next = seg_end;
        if (auto it = sch.outputs.upper_bound(step); it != sch.outputs.end())
          next = std::min(next, *it);
        if (main_run)
          if (auto it = sch.snapshots.upper_bound(step); it != sch.snapshots.end())
            next = std::min(next, *it);
        if (every > 0) next = std::min(next, (step / every + 1) * every);
        // A fixed chunk limit keeps the progress line alive on long chunks; it is part of
        // the deterministic schedule, so resumed runs stay bit-identical.
        next = std::min(next, (step / chunk + 1) * chunk);
        // The stop flag is honoured between chunks only (see chunk_steps).
        const std::size_t n = propagator->advance(static_cast<std::size_t>(next - step), nullptr);
        step += n;
        record_outputs(step, potential);
        const bool stopping = main_run && control.stop && control.stop->load();
        if ((every > 0 && step % every == 0 && step < total) || (stopping && step < total)) {
          if (!propagator->all_finite())
            throw NumericalError(
                "NaN or inf in rho at step " + std::to_string(step) +
                ": reduce time.step; no checkpoint written at this step" +
                (result.checkpoint_written.empty()
                     ? std::string()
                     : ", the last good one " + result.checkpoint_written + " is kept"));
          write_checkpoint(ckpt, spec, grid, record, propagator->state(), step, backend);
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

void write_result(const SimulationSpec& spec, const Grid& grid, const Record& record,
                  const Record* diffusive, const RunResult& result) {
  io::write_atomically(spec.output.file, [&](const std::filesystem::path& tmp) {
    io::Hdf5File file = io::Hdf5File::create(tmp);
    file.set_attribute("/", "kind", "nanodecoh evolve result");
    file.set_attribute("/", "version", version_string);
    file.set_attribute("/", "git_revision", git_revision);
    file.set_attribute("/", "backend", std::string(to_string(result.backend)));
    file.set_attribute("/", "precision", to_string(spec.precision));
    file.set_attribute("/", "config", spec.config_toml);
    file.set_attribute("/", "steps", static_cast<long long>(result.steps));
    file.set_attribute("/", "wall_seconds", result.wall_seconds);
    std::string names;
    for (const auto& c : spec.channels) names += (names.empty() ? "" : "; ") + c->name();
    file.set_attribute("/", "channels", names.empty() ? std::string("none") : names);
    file.create_group("grid");
    for (std::size_t a = 0; a < grid.axis_count(); ++a) {
      const Axis& axis = grid.axes()[a];
      std::vector<double> coords;
      for (std::size_t i = 0; i < axis.points; ++i) coords.push_back(grid.coordinate(a, i));
      const std::string g = "grid/" + axis.name;
      file.create_group(g);
      file.write(g + "/coordinates", coords, {axis.points},
                 axis.kind == AxisKind::translation ? "m" : "rad");
      file.set_attribute(g, "kind",
                         axis.kind == AxisKind::translation ? "translation" : "rotation");
      file.set_attribute(g, "inertia", axis.inertia);
    }
    record.write(file, "/", grid, spec.output.snapshot_points, spec.output.snapshots > 0);
    if (spec.output.wigner && spec.output.snapshots > 0)
      for (std::size_t a = 0; a < grid.axis_count(); ++a)
        if (grid.axes()[a].kind == AxisKind::translation) {
          ObservableCalculator calc(grid);
          const auto p = calc.wigner_momenta(a);
          file.write("snapshots/wigner_momentum", p, {p.size()}, "kg m/s");
          std::vector<double> x;
          for (std::size_t i = 0; i < grid.axes()[a].points; ++i)
            x.push_back(grid.coordinate(a, i));
          file.write("snapshots/wigner_position", x, {x.size()}, "m");
          file.set_attribute("snapshots", "wigner_axis", grid.axes()[a].name);
          break;
        }
    if (diffusive) {
      file.create_group("diffusive");
      file.set_attribute(
          "diffusive", "description",
          "same run with every channel replaced by its quadratic (diffusive) approximation");
      diffusive->write(file, "/diffusive/", grid, spec.output.snapshot_points, false);
    }
    if (spec.output.final_state) {
      std::vector<std::size_t> shape;
      for (int pass = 0; pass < 2; ++pass)
        for (const Axis& axis : grid.axes()) shape.push_back(axis.points);
      file.create_group("final");
      if (spec.precision == Precision::complex64) {
        std::vector<std::complex<float>> f(result.final_state.size());
        for (std::size_t i = 0; i < f.size(); ++i)
          f[i] = {static_cast<float>(result.final_state[i].real()),
                  static_cast<float>(result.final_state[i].imag())};
        file.write("final/rho", f, shape);
      } else {
        file.write("final/rho", result.final_state, shape);
      }
    }
  });
}

}  // namespace

void validate(const SimulationSpec& spec) {
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

std::string read_checkpoint_config(const std::string& path) {
  try {
    return io::Hdf5File::open_read(path).read_string_attribute("/", "config");
  } catch (const IoError& e) {
    throw IoError("checkpoint " + path + " is corrupt or unreadable: " + e.what());
  }
}

RunResult run_simulation(const SimulationSpec& spec, Backend backend, const RunControl& control) {
  validate(spec);
  std::ostream& notices = control.notices ? *control.notices : std::cerr;
  const Grid grid(spec.axes);
  const auto start = std::chrono::steady_clock::now();
  // Memory: refuse before allocating.
  const MemoryEstimate need = estimate_memory(grid, spec.precision, backend == Backend::cuda);
  const std::size_t host = available_host_memory();
  if (host > 0 && need.host_bytes > host)
    throw OutOfMemory(
        "the grid needs " + memory_text(need.host_bytes) + " of host memory, " + memory_text(host) +
        " is available: use precision = \"complex64\", a smaller grid" +
        (backend == Backend::cpu ? std::string(" or --backend cuda") : std::string()));
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
    resume = std::make_unique<Checkpoint>(read_checkpoint(control.resume_from, spec, grid));
    if (resume->precision != to_string(spec.precision))
      throw InvalidArgument(
          "--resume", control.resume_from,
          "a checkpoint with precision " + std::string(to_string(spec.precision)));
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
    Runner comparison{spec, grid, backend, control, false, notices, true};
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
