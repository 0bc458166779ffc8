// Parameter sweeps of `evolve` (sweep.hpp; file layout docs/sweep-file.md).
#include "app/sweep.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "app/evolve_factory.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/remembering_channel.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::app {
namespace {

namespace fs = std::filesystem;
using cplx = std::complex<double>;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string describe_point(const SweepSpec& spec, std::size_t index) {
  std::string text;
  for (const std::string& a : point_assignments(spec, index))
    text += (text.empty() ? "" : ", ") + a;
  return "sweep point " + std::to_string(index) + " (" + text + ")";
}

std::string part_file(const std::string& out, std::size_t index, const char* extension) {
  return (fs::path(sweep_parts_folder(out)) / ("point_" + std::to_string(index) + extension))
      .string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The summary of a finished point, or null when the point is not (or not for this
/// configuration) in the parts folder.
nlohmann::json finished_point(const Sweep& sweep, std::size_t index, const std::string& out) {
  const std::string summary_path = part_file(out, index, ".json");
  const std::string result_path = part_file(out, index, ".h5");
  std::error_code ec;
  if (!fs::is_regular_file(summary_path, ec) || !fs::is_regular_file(result_path, ec))
    return nullptr;
  nlohmann::json record = nlohmann::json::parse(read_text(summary_path), nullptr, false);
  if (record.is_discarded() || !record.contains("config") || !record.contains("summary") ||
      record["config"] != sweep.point_config(index))
    return nullptr;
  return record["summary"];
}

bool all_numbers(const std::vector<std::string>& texts, std::vector<double>& values) {
  values.clear();
  for (const std::string& t : texts) {
    try {
      std::size_t used = 0;
      values.push_back(std::stod(t, &used));
      if (used != t.size()) return false;
    } catch (const std::exception&) {
      return false;
    }
  }
  return true;
}

}  // namespace

SweepDimension parse_vary(const std::string& text, const std::string& flag) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || trim(text.substr(0, eq)).empty())
    throw InvalidArgument(flag, text, "KEY=V1,V2,... (a configuration key and its values)");
  SweepDimension d{trim(text.substr(0, eq)), {}};
  std::stringstream values(text.substr(eq + 1));
  for (std::string v; std::getline(values, v, ',');) {
    if (trim(v).empty()) throw InvalidArgument(flag, text, "KEY=V1,V2,... with no empty value");
    d.values.push_back(trim(v));
  }
  if (d.values.empty()) throw InvalidArgument(flag, text, "KEY=V1,V2,... (at least one value)");
  return d;
}

std::vector<std::size_t> sweep_shape(const SweepSpec& spec) {
  if (spec.dimensions.empty())
    throw InvalidArgument("vary", "no key", "at least one key with its values");
  std::set<std::string> keys;
  std::vector<std::size_t> shape;
  for (const SweepDimension& d : spec.dimensions) {
    if (!keys.insert(d.key).second)
      throw InvalidArgument("vary", d.key, "each key once (it is swept twice)");
    if (d.values.empty()) throw InvalidArgument("vary " + d.key, "[]", "at least one value");
    shape.push_back(d.values.size());
  }
  if (spec.zip) {
    for (const SweepDimension& d : spec.dimensions)
      if (d.values.size() != shape.front())
        throw InvalidArgument("vary " + d.key, std::to_string(d.values.size()) + " values",
                              "as many values as " + spec.dimensions.front().key + " (" +
                                  std::to_string(shape.front()) + ") when zipped");
    return {shape.front()};
  }
  return shape;
}

std::vector<std::string> point_assignments(const SweepSpec& spec, std::size_t index) {
  const std::vector<std::size_t> shape = sweep_shape(spec);
  std::vector<std::string> out(spec.dimensions.size());
  if (spec.zip) {
    for (std::size_t k = 0; k < spec.dimensions.size(); ++k)
      out[k] = spec.dimensions[k].key + "=" + spec.dimensions[k].values.at(index);
    return out;
  }
  std::size_t rest = index;
  for (std::size_t k = spec.dimensions.size(); k-- > 0;) {  // last key fastest
    out[k] = spec.dimensions[k].key + "=" + spec.dimensions[k].values[rest % shape[k]];
    rest /= shape[k];
  }
  if (rest != 0) throw InvalidArgument("sweep point", std::to_string(index), "below the size");
  return out;
}

evolution::ChannelList ChannelTableCache::share(const io::Config& config,
                                                const evolution::ChannelList& built) {
  const std::vector<io::Config> tables = config.get_tables("channels");
  if (tables.size() != built.size())
    throw NumericalError("channel table cache: " + std::to_string(built.size()) +
                         " channels built from " + std::to_string(tables.size()) + " tables");
  evolution::ChannelList shared;
  const std::lock_guard<std::mutex> lock(mutex_member_);
  for (std::size_t i = 0; i < built.size(); ++i) {
    // A channel also inherits from [particle] (radius, material, temperatures).
    const std::string key = tables[i].to_toml() + "\n[particle]\n" + config.entry_toml("particle");
    auto found = channels_member_.find(key);
    if (found == channels_member_.end())
      found = channels_member_
                  .emplace(key, evolution::remembering_channel(built[i], {}, builds_member_))
                  .first;
    shared.push_back(found->second);
  }
  return shared;
}

Sweep::Sweep(io::Config base, SweepSpec spec, std::string backend, std::string max_memory)
    : base_member_(std::move(base)),
      spec_member_(std::move(spec)),
      backend_member_(std::move(backend)),
      max_memory_member_(std::move(max_memory)) {
  shape_member_ = sweep_shape(spec_member_);
  size_member_ = 1;
  for (std::size_t n : shape_member_) size_member_ *= n;
  base_toml_member_ = base_member_.to_toml();
  for (std::size_t i = 0; i < size_member_; ++i) {
    const EvolveInput input = point_input(i, "");
    const EvolveJob job = build_evolve_job(input, backend_member_, max_memory_member_, true);
    std::vector<std::string> names;
    std::vector<bool> translation;
    for (const evolution::Axis& a : job.spec.axes) {
      names.push_back(a.name);
      translation.push_back(a.kind == evolution::AxisKind::translation);
    }
    if (i == 0) {
      axis_names_member_ = names;
      translation_member_ = translation;
    } else if (names != axis_names_member_ || translation != translation_member_) {
      throw InvalidArgument(describe_point(spec_member_, i), "other grid axes than point 0",
                            "the same axes (names and kinds) at every point of a sweep");
    }
  }
}

std::string Sweep::point_config(std::size_t index) const {
  io::Config config = base_member_;
  for (const std::string& a : point_assignments(spec_member_, index)) config.apply_override(a);
  return config.to_toml();
}

EvolveInput Sweep::point_input(std::size_t index, const std::string& output_file) const {
  io::Config config = base_member_;
  for (const std::string& a : point_assignments(spec_member_, index)) config.apply_override(a);
  return read_evolve_job(config, output_file);
}

std::vector<std::filesystem::path> Sweep::input_files() const {
  std::vector<std::filesystem::path> files;
  for (std::size_t i = 0; i < size_member_; ++i)
    for (auto& file : app::input_files(point_input(i, "").spec)) files.push_back(std::move(file));
  return files;
}

std::string propagator_reuse_key(const io::Config& point_config, const std::string& backend,
                                 const std::string& max_memory) {
  return "backend=" + backend + "\nmax_memory=" + max_memory + "\n" +
         point_config.to_toml_without({"initial", "output"});
}

std::shared_ptr<evolution::PropagatorReuse> Sweep::reuse_for(const std::string& key) {
  const std::lock_guard<std::mutex> lock(reuse_mutex_member_);
  if (!reuse_member_ || key != reuse_key_member_) {
    if (reuse_member_) retired_builds_member_ += reuse_member_->builds();
    reuse_member_ = std::make_shared<evolution::PropagatorReuse>();
    reuse_key_member_ = key;
  }
  return reuse_member_;
}

std::size_t Sweep::propagator_builds() const {
  const std::lock_guard<std::mutex> lock(reuse_mutex_member_);
  return retired_builds_member_ + (reuse_member_ ? reuse_member_->builds() : 0);
}

Sweep::PointRun Sweep::run_point(std::size_t index, const std::string& output_file,
                                 const evolution::RunControl& control) {
  io::Config config = base_member_;
  for (const std::string& a : point_assignments(spec_member_, index)) config.apply_override(a);
  const EvolveInput input = read_evolve_job(config, output_file);
  EvolveJob job = build_evolve_job(input, backend_member_, max_memory_member_, false);
  job.spec.channels = cache_member_.share(config, job.spec.channels);
  // Each point checkpoints next to its result (never into a file another point uses); a point
  // stopped earlier continues from its checkpoint when that belongs to this configuration
  // (bit-identical to an uninterrupted run, docs/run-files.md).
  job.spec.output.checkpoint_file = output_file + ".ckpt.h5";
  evolution::RunControl point_control = control;
  std::error_code ec;
  if (fs::is_regular_file(job.spec.output.checkpoint_file, ec)) {
    try {
      if (evolution::read_checkpoint_header(job.spec.output.checkpoint_file).config ==
          job.spec.config_toml)
        point_control.resume_from = job.spec.output.checkpoint_file;
    } catch (const IoError&) {
      // Not a readable checkpoint: the point starts from the beginning and overwrites it.
    }
  }
  // The propagator of the previous point when only the initial state and the outputs differ;
  // runs sharing one do not overlap (its lock).
  const std::shared_ptr<evolution::PropagatorReuse> reuse =
      reuse_for(propagator_reuse_key(config, backend_member_, max_memory_member_));
  const std::lock_guard<std::mutex> hold(reuse->mutex());
  point_control.reuse = reuse.get();
  PointRun run;
  run.result = evolution::run_simulation(job.spec, select_backend(job.backend), point_control);
  if (!run.result.interrupted)
    run.summary = evolve_summary(run.result, job.spec, input.spec.particle.derivations);
  return run;
}

std::string sweep_parts_folder(const std::string& out) {
  return out + ".parts";
}

bool run_sweep_point(Sweep& sweep, std::size_t index, const std::string& out,
                     const evolution::RunControl& control) {
  if (!finished_point(sweep, index, out).is_null()) return false;
  std::error_code ec;
  fs::create_directories(sweep_parts_folder(out), ec);
  if (ec)
    throw IoError("cannot create the sweep's parts folder " + sweep_parts_folder(out) + ": " +
                  ec.message());
  const std::string result_path = part_file(out, index, ".h5");
  Sweep::PointRun run = sweep.run_point(index, result_path, control);
  if (run.result.interrupted)
    throw Interrupted("sweep stopped during point " + std::to_string(index) +
                      "; the finished points are kept in " + sweep_parts_folder(out));
  const nlohmann::json record{{"config", sweep.point_config(index)}, {"summary", run.summary}};
  io::write_atomically(part_file(out, index, ".json"), [&](const fs::path& temporary) {
    std::ofstream file(temporary, std::ios::binary);
    file << record.dump() << '\n';
    file.close();
    if (!file) throw IoError("cannot write " + temporary.string());
  });
  return true;
}

void assemble_sweep_file(const Sweep& sweep, const std::string& out) {
  const std::vector<std::size_t>& shape = sweep.shape();
  const std::size_t n = sweep.size();
  nlohmann::json summaries = nlohmann::json::array();
  std::vector<double> wall_seconds;
  // name -> (values of all points, shape of one point, unit)
  struct Column {
    std::vector<double> values;
    std::vector<std::size_t> point_shape;
    std::string unit;
  };
  std::vector<std::pair<std::string, Column>> columns;
  std::vector<unsigned long long> steps;
  std::vector<std::size_t> steps_shape;
  std::vector<std::pair<std::string, std::string>> names{
      {"time", "s"},   {"trace", ""},     {"purity", ""},
      {"energy", "J"}, {"coherence", ""}, {"coherence_normalized", ""}};
  for (std::size_t a = 0; a < sweep.axis_names().size(); ++a) {
    const std::string& axis = sweep.axis_names()[a];
    const bool tr = sweep.axis_is_translation()[a];
    names.insert(names.end(), {{axis + "/mean", tr ? "m" : "rad"},
                               {axis + "/variance", tr ? "m^2" : "rad^2"},
                               {axis + "/momentum_mean", tr ? "kg m/s" : "J s"},
                               {axis + "/momentum_variance", tr ? "kg^2 m^2/s^2" : "J^2 s^2"},
                               {axis + "/kinetic_energy", "J"},
                               {axis + "/distribution", ""}});
  }
  for (const auto& [name, unit] : names) columns.push_back({name, Column{{}, {}, unit}});
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json summary = finished_point(sweep, i, out);
    if (summary.is_null())
      throw IoError("sweep point " + std::to_string(i) + " is not finished in " +
                    sweep_parts_folder(out));
    wall_seconds.push_back(summary.value("wall_seconds", 0.0));
    summary.erase("wall_seconds");
    summary.erase("checkpoint");
    if (summary.contains("units")) summary["units"].erase("wall_seconds");
    summary["output"] = out;
    summaries.push_back(summary);
    const io::Hdf5File part = io::Hdf5File::open_read(part_file(out, i, ".h5"));
    for (auto& [name, column] : columns) {
      std::vector<std::size_t> s;
      const std::vector<double> v = part.read_doubles("timeseries/" + name, &s);
      if (i == 0) column.point_shape = s;
      if (s != column.point_shape)
        throw IoError("sweep point " + std::to_string(i) + " has another shape of timeseries/" +
                      name + " than point 0 (e.g. another number of outputs)");
      column.values.insert(column.values.end(), v.begin(), v.end());
    }
    std::vector<std::size_t> s;
    const std::vector<unsigned long long> st = part.read_u64("timeseries/step", &s);
    if (i == 0) steps_shape = s;
    steps.insert(steps.end(), st.begin(), st.end());
  }
  io::write_atomically(out, [&](const fs::path& temporary) {
    io::Hdf5File file = io::Hdf5File::create(temporary);
    file.set_attribute("/", "kind", std::string("nanodecoh sweep"));
    file.set_attribute("/", "schema_version", 1LL);
    file.set_attribute("/", "version", std::string(version_string));
    file.set_attribute("/", "config", sweep.base_toml());
    file.set_attribute("/", "summaries", summaries.dump());
    file.set_attribute("/", "zip", static_cast<long long>(sweep.spec().zip ? 1 : 0));
    nlohmann::json keys = nlohmann::json::array();
    for (const SweepDimension& d : sweep.spec().dimensions) keys.push_back(d.key);
    file.set_attribute("/", "keys", keys.dump());
    file.create_group("sweep");
    for (std::size_t k = 0; k < sweep.spec().dimensions.size(); ++k) {
      const SweepDimension& d = sweep.spec().dimensions[k];
      const std::string g = "sweep/" + std::to_string(k);
      file.create_group(g);
      file.set_attribute(g, "key", d.key);
      file.set_attribute(g, "values", nlohmann::json(d.values).dump());
      std::vector<double> numbers;
      if (all_numbers(d.values, numbers)) file.write(g + "/coordinates", numbers, {numbers.size()});
    }
    file.write("wall_seconds", wall_seconds, shape, "s");
    file.create_group("timeseries");
    for (const auto& [name, column] : columns) {
      std::vector<std::size_t> full = shape;
      full.insert(full.end(), column.point_shape.begin(), column.point_shape.end());
      const auto slash = name.find('/');
      if (slash != std::string::npos && !file.exists("timeseries/" + name.substr(0, slash)))
        file.create_group("timeseries/" + name.substr(0, slash));
      file.write("timeseries/" + name, column.values, full, column.unit);
    }
    std::vector<std::size_t> full = shape;
    full.insert(full.end(), steps_shape.begin(), steps_shape.end());
    file.write("timeseries/step", steps, full);
    file.close();
  });
  std::error_code ec;
  fs::remove_all(sweep_parts_folder(out), ec);
}

SweepReport run_sweep(Sweep& sweep, const std::string& out, const evolution::RunControl& control,
                      const std::function<void(std::size_t, std::size_t)>& on_point,
                      const std::filesystem::path& config_file) {
  if (out.empty()) throw InvalidArgument("--out", "\"\"", "the sweep's HDF5 file");
  std::vector<std::filesystem::path> inputs = sweep.input_files();
  inputs.push_back(config_file);
  const io::OutputClaim claim = io::claim_outputs({{out, "--out"}}, inputs);
  SweepReport report;
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    if (control.stop && control.stop->load())
      throw Interrupted("sweep stopped before point " + std::to_string(i) +
                        "; the finished points are kept in " + sweep_parts_folder(out));
    if (run_sweep_point(sweep, i, out, control))
      ++report.computed;
    else
      ++report.found;
    if (on_point) on_point(i + 1, sweep.size());
  }
  assemble_sweep_file(sweep, out);
  report.table_builds = sweep.table_builds();
  report.propagator_builds = sweep.propagator_builds();
  return report;
}

}  // namespace nanodecoh::app
