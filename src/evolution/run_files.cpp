// The run files of `evolve` (run_files.hpp; docs/run-files.md): the result and the checkpoint
// layouts, written and read side by side so that the two cannot drift apart.
#include "evolution/run_files.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::evolution {

using cplx = std::complex<double>;
using u64 = unsigned long long;

std::size_t downsample_stride(std::size_t n, std::size_t max_points) {
  return std::max<std::size_t>(1, (n + max_points - 1) / max_points);
}

namespace {

constexpr const char* checkpoint_kind = "nanodecoh evolve checkpoint";

/// 64-bit FNV-1a over a byte stream; containers and strings are prefixed with their length so
/// that moving bytes between neighbouring fields changes the digest.
class Fnv1a {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
      hash_member_ ^= p[i];
      hash_member_ *= 1099511628211ull;
    }
  }
  template <typename T>
  void value(const T& v) {
    bytes(&v, sizeof v);
  }
  template <typename T>
  void values(const std::vector<T>& v) {
    value<u64>(v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  template <typename T>
  void values(const std::set<T>& v) {
    value<u64>(v.size());
    for (const T& x : v) value(x);
  }
  void text(const std::string& s) {
    value<u64>(s.size());
    bytes(s.data(), s.size());
  }
  u64 digest() const { return hash_member_; }

 private:
  u64 hash_member_ = 14695981039346656037ull;
};

/// The stored fields of a record, in the order write_record writes them.
void feed_record(Fnv1a& h, const Record& record) {
  h.value<u64>(record.series.size());
  for (const Observables& o : record.series) {
    h.value(o.time);
    h.value(o.step);
    h.value(o.trace);
    h.value(o.purity);
    h.value(o.energy);
    h.value(o.coherence);
    h.value(o.coherence_normalized);
    h.value<u64>(o.axes.size());
    for (const AxisObservables& a : o.axes) {
      h.value(a.mean);
      h.value(a.variance);
      h.value(a.momentum_mean);
      h.value(a.momentum_variance);
      h.value(a.kinetic_energy);
      h.values(a.distribution);
    }
  }
  h.value<u64>(record.snapshots.size());
  for (const Snapshot& s : record.snapshots) {
    h.value(s.time);
    h.value<u64>(s.rho_abs.size());
    for (const auto& m : s.rho_abs) h.values(m);
    h.values(s.wigner);
  }
}

void write_record(const Record& record, io::Hdf5File& file, const std::string& prefix,
                  const Grid& grid, std::size_t snapshot_points, bool with_snapshots,
                  bool coherence_only = false) {
  const auto& series = record.series;
  const auto& snapshots = record.snapshots;
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
  file.write(ts + "/coherence", column([](const Observables& o) { return o.coherence; }), {n_out});
  file.write(ts + "/coherence_normalized",
             column([](const Observables& o) { return o.coherence_normalized; }), {n_out});
  if (coherence_only) return;  // nothing else was computed (SimulationSpec::coherence_only)
  file.write(ts + "/purity", column([](const Observables& o) { return o.purity; }), {n_out});
  file.write(ts + "/energy", column([](const Observables& o) { return o.energy; }), {n_out}, "J");
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
    for (const auto& s : snapshots) all.insert(all.end(), s.rho_abs[a].begin(), s.rho_abs[a].end());
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

void read_record(Record& record, const io::Hdf5File& file, const std::string& prefix,
                 const Grid& grid, std::size_t snapshot_points) {
  auto& series = record.series;
  auto& snapshots = record.snapshots;
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

/// The first line where two texts differ, for messages ("line 3: 'a = 1' here, 'a = 2' there").
std::string first_difference(const std::string& ours, const std::string& theirs) {
  std::istringstream a(ours), b(theirs);
  std::string la, lb;
  for (std::size_t line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la)),
               hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "no difference";
    if (!ha) la = "(end)";
    if (!hb) lb = "(end)";
    if (la != lb || !ha || !hb)
      return "line " + std::to_string(line) + ": '" + lb + "' in the checkpoint, '" + la +
             "' in this run";
  }
}

std::string schedule_text(const Schedule& s) {
  std::ostringstream out;
  out.precision(17);
  out << s.total() << " steps in " << s.segment_dt.size() << " segments (dt";
  for (double dt : s.segment_dt) out << ' ' << dt;
  out << " s), " << s.outputs.size() << " outputs, " << s.snapshots.size()
      << " snapshots, chunks of " << s.chunk << " steps";
  return out.str();
}

bool same_schedule(const Schedule& a, const Schedule& b) {
  return a.segment_begin == b.segment_begin && a.segment_dt == b.segment_dt &&
         a.outputs == b.outputs && a.snapshots == b.snapshots && a.chunk == b.chunk;
}

/// The file's schema_version attribute; 1 for files written before it existed.
long long stored_schema_version(const io::Hdf5File& file) {
  try {
    return std::llround(file.read_double_attribute("/", "schema_version"));
  } catch (const IoError&) {
    return 1;
  }
}

std::vector<u64> as_vector(const std::set<u64>& s) {
  return {s.begin(), s.end()};
}

}  // namespace

u64 checkpoint_checksum(const Checkpoint& c) {
  Fnv1a h;
  h.value(run_files_schema_version);
  h.text(c.version);
  h.text(c.backend);
  h.text(c.precision);
  h.text(c.config);
  h.text(c.output_file);
  h.values(c.schedule.segment_begin);
  h.values(c.schedule.segment_dt);
  h.values(c.schedule.outputs);
  h.values(c.schedule.snapshots);
  h.value(c.schedule.chunk);
  h.value(c.step);
  h.text(c.fft_wisdom);
  h.values(c.rho);
  feed_record(h, c.record);
  return h.digest();
}

void write_checkpoint(const std::string& path, const Checkpoint& c, const Grid& grid,
                      std::size_t snapshot_points) {
  io::write_atomically(path, [&](const std::filesystem::path& tmp) {
    io::Hdf5File file = io::Hdf5File::create(tmp);
    file.set_attribute("/", "kind", checkpoint_kind);
    file.set_attribute("/", "schema_version", run_files_schema_version);
    file.set_attribute("/", "version", c.version);
    file.set_attribute("/", "backend", c.backend);
    file.set_attribute("/", "precision", c.precision);
    file.set_attribute("/", "config", c.config);
    file.set_attribute("/", "output_file", c.output_file);
    file.set_attribute("/", "fft_wisdom", c.fft_wisdom);
    file.write("/rho", c.rho, {c.rho.size()});
    file.write("/step", std::vector<u64>{c.step}, {1});
    file.create_group("/schedule");
    file.write("/schedule/segment_begin", c.schedule.segment_begin,
               {c.schedule.segment_begin.size()});
    file.write("/schedule/segment_dt", c.schedule.segment_dt, {c.schedule.segment_dt.size()}, "s");
    file.write("/schedule/outputs", as_vector(c.schedule.outputs), {c.schedule.outputs.size()});
    file.write("/schedule/snapshots", as_vector(c.schedule.snapshots),
               {c.schedule.snapshots.size()});
    file.write("/schedule/chunk", std::vector<u64>{c.schedule.chunk}, {1});
    write_record(c.record, file, "/record/", grid, snapshot_points, true);
    file.write("/checksum", std::vector<u64>{checkpoint_checksum(c)}, {1});
  });
}

Checkpoint read_checkpoint(const std::string& path, const SimulationSpec& spec, const Grid& grid,
                           const Schedule& planned) {
  const std::string where = "checkpoint " + path;
  Checkpoint c;
  u64 stored_sum = 0;
  try {
    io::Hdf5File file = io::Hdf5File::open_read(path);
    if (file.read_string_attribute("/", "kind") != checkpoint_kind)
      throw IoError(where + " is not a nanodecoh evolve checkpoint");
    const long long schema = stored_schema_version(file);
    if (schema != run_files_schema_version)
      throw IoError(where + " has schema version " + std::to_string(schema) +
                    ", this nanodecoh reads version " + std::to_string(run_files_schema_version) +
                    ": resume it with the nanodecoh that wrote it");
    c.version = file.read_string_attribute("/", "version");
    c.config = file.read_string_attribute("/", "config");
    if (c.config != spec.config_toml)
      throw IoError(where + " was written for another configuration (first difference at " +
                    first_difference(spec.config_toml, c.config) + ")");
    if (c.version != version_string)
      throw IoError(where + " was written by nanodecoh " + c.version + ", this is " +
                    version_string + ": resume it with nanodecoh " + c.version);
    c.backend = file.read_string_attribute("/", "backend");
    c.precision = file.read_string_attribute("/", "precision");
    c.output_file = file.read_string_attribute("/", "output_file");
    c.fft_wisdom = file.read_string_attribute("/", "fft_wisdom");
    c.rho = file.read_complex("/rho");
    const auto step = file.read_u64("/step");
    const auto sum = file.read_u64("/checksum");
    const auto chunk = file.read_u64("/schedule/chunk");
    if (step.size() != 1 || sum.size() != 1 || chunk.size() != 1)
      throw IoError(where + " is corrupt: step, checksum or chunk is not one number");
    c.step = step[0];
    stored_sum = sum[0];
    c.schedule.chunk = chunk[0];
    c.schedule.segment_begin = file.read_u64("/schedule/segment_begin");
    c.schedule.segment_dt = file.read_doubles("/schedule/segment_dt");
    for (u64 s : file.read_u64("/schedule/outputs")) c.schedule.outputs.insert(s);
    for (u64 s : file.read_u64("/schedule/snapshots")) c.schedule.snapshots.insert(s);
    read_record(c.record, file, "/record/", grid, spec.output.snapshot_points);
  } catch (const IoError& e) {
    const std::string what = e.what();
    if (what.rfind(where, 0) == 0) throw;
    throw IoError(where + " is corrupt or unreadable: " + what);
  }
  if (checkpoint_checksum(c) != stored_sum)
    throw IoError(where +
                  " is corrupt: checksum mismatch (state, record, schedule or provenance damaged)");
  if (c.precision != to_string(spec.precision))
    throw IoError(where + " holds a " + c.precision + " run, this run is " +
                  to_string(spec.precision));
  if (c.rho.size() != grid.total_size())
    throw IoError(where + " holds " + std::to_string(c.rho.size()) + " elements, the grid needs " +
                  std::to_string(grid.total_size()));
  c.schedule.segment_time = planned.segment_time;  // derived, not stored
  if (!same_schedule(c.schedule, planned))
    throw IoError(where + " planned " + schedule_text(c.schedule) + ", this run plans " +
                  schedule_text(planned));
  if (c.step == 0 || c.step >= planned.total())
    throw IoError(where + " is at step " + std::to_string(c.step) +
                  ", outside the run's steps 1 to " + std::to_string(planned.total() - 1));
  if (!planned.is_break(c.step, true))
    throw IoError(where + " is at step " + std::to_string(c.step) +
                  ", which is not a chunk boundary of the run's schedule");
  if (!c.record.series.empty() && c.record.series.back().step > c.step)
    throw IoError(where + " records observables at step " +
                  std::to_string(c.record.series.back().step) + ", after its state at step " +
                  std::to_string(c.step));
  return c;
}

CheckpointHeader read_checkpoint_header(const std::string& path) {
  try {
    io::Hdf5File file = io::Hdf5File::open_read(path);
    CheckpointHeader header;
    header.config = file.read_string_attribute("/", "config");
    try {
      header.output_file = file.read_string_attribute("/", "output_file");
    } catch (const IoError&) {
      // schema 1 checkpoints did not store it: the configuration's output.file applies
    }
    return header;
  } catch (const IoError& e) {
    throw IoError("checkpoint " + path + " is corrupt or unreadable: " + e.what());
  }
}

std::string read_checkpoint_config(const std::string& path) {
  return read_checkpoint_header(path).config;
}

void write_result(const SimulationSpec& spec, const Grid& grid, const Record& record,
                  const Record* diffusive, const RunResult& result) {
  io::write_atomically(spec.output.file, [&](const std::filesystem::path& tmp) {
    io::Hdf5File file = io::Hdf5File::create(tmp);
    file.set_attribute("/", "kind", "nanodecoh evolve result");
    file.set_attribute("/", "schema_version", run_files_schema_version);
    file.set_attribute("/", "version", version_string);
    file.set_attribute("/", "git_revision", git_revision);
    file.set_attribute("/", "backend", std::string(to_string(result.backend)));
    file.set_attribute("/", "precision", to_string(spec.precision));
    file.set_attribute("/", "config", spec.config_toml);
    file.set_attribute("/", "steps", static_cast<long long>(result.steps));
    file.set_attribute("/", "wall_seconds", result.wall_seconds);
    // Which method each segment used and why; the exact method's quadrature error estimate.
    std::string methods;
    for (const auto& line : result.segment_methods) methods += (methods.empty() ? "" : "\n") + line;
    if (!methods.empty()) file.set_attribute("/", "methods", methods);
    if (result.exact_error_estimate >= 0.0)  // every segment or the exact blocks of a mixed run
      file.set_attribute("/", "exact_error_estimate", result.exact_error_estimate);
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
    write_record(record, file, "/", grid, spec.output.snapshot_points, spec.output.snapshots > 0,
                 spec.coherence_only);
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
      write_record(*diffusive, file, "/diffusive/", grid, spec.output.snapshot_points, false,
                   spec.coherence_only);
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

}  // namespace nanodecoh::evolution
