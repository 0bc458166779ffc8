// Parameter sweeps of `evolve` (the CLI's `nanodecoh sweep` and the Python module's
// nanodecoh.sweep): the points of an outer product (last key fastest) or of zipped
// lists of `--set` values, their runs with shared channel tables, and one HDF5 file
// with a dimension per swept key (layout: docs/sweep-file.md).
//
// Reuse: points share their channels' F tables (ChannelTableCache) and, when they differ from
// the previous point only in the initial state and the outputs (propagator_reuse_key), its
// propagator: FFT plans and buffers of the split operator, the F path integrals of the exact
// method (nanodecoh/evolution/propagator_reuse.hpp). Neither changes a bit of any result.
//
// Resumption: each finished point leaves its result file and its JSON summary in
// `<out>.parts/` (both written atomically, the summary last); a sweep started again
// with the same configuration and values skips the points found there and runs only
// the others, and the sweep file is always assembled from the point files, so an
// interrupted and resumed sweep writes the same file as an uninterrupted one.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/evolve_run.hpp"
#include "io/toml_config.hpp"

namespace nanodecoh::app {

/// One swept key and its values, each a TOML value as `--set` takes it ("1e-7", "'cpu'").
struct SweepDimension {
  std::string key;
  std::vector<std::string> values;
};

/// The swept keys in order; `zip` pairs the i-th values of every key instead of taking the
/// outer product.
struct SweepSpec {
  std::vector<SweepDimension> dimensions;
  bool zip = false;
};

/// Parses `key=v1,v2,...` (the `--vary` flag); throws InvalidArgument naming `flag`.
SweepDimension parse_vary(const std::string& text, const std::string& flag = "--vary");

/// The sweep's shape: one entry per key (outer product) or one entry (zip). Throws
/// InvalidArgument when there is no key, a key has no value or appears twice, or zipped
/// lists differ in length.
std::vector<std::size_t> sweep_shape(const SweepSpec& spec);

/// The `--set` assignments of point `index` (row-major over sweep_shape: last key fastest).
std::vector<std::string> point_assignments(const SweepSpec& spec, std::size_t index);

/// Channels shared between runs: a channel whose configuration table is the same as an
/// earlier point's is that point's channel object, and each channel object keeps the F
/// tables it has built, one per grid (axes, steps, centres) and backend. A sweep over keys the
/// tables do not depend on therefore builds each table once.
class ChannelTableCache {
 public:
  /// `built` are the channels of `config` (in [[channels]] order); returns the shared ones.
  evolution::ChannelList share(const io::Config& config, const evolution::ChannelList& built);
  /// How many F tables were computed (cache misses), for all channels together.
  std::size_t table_builds() const { return builds_member_->load(); }

 private:
  std::shared_ptr<std::atomic<std::size_t>> builds_member_ =
      std::make_shared<std::atomic<std::size_t>>(0);
  std::mutex mutex_member_;
  std::map<std::string, std::shared_ptr<const evolution::DissipationChannel>> channels_member_;
};

/// Which points may share a propagator: the text of the point's configuration (after its
/// assignments) without its [initial] and [output] tables, with the --backend and
/// --max-memory texts. Everything the propagator, its FFT plans, its factor tables and the
/// exact method's F path integrals depend on (grid, particle, protocol, time step and outputs,
/// channels, numerics, backend, precision) is in the rest of the configuration; a key that
/// differs only where the propagator does not look (e.g. an observables key) merely builds a
/// new one.
std::string propagator_reuse_key(const io::Config& point_config, const std::string& backend,
                                 const std::string& max_memory);

/// A sweep: base configuration (overrides applied), the swept values, the backend and memory
/// options of every run.
class Sweep {
 public:
  /// Checks the spec (sweep_shape) and every point's configuration, naming the key and the
  /// point of the first bad one.
  Sweep(io::Config base, SweepSpec spec, std::string backend = "", std::string max_memory = "");

  std::size_t size() const noexcept { return size_member_; }
  const std::vector<std::size_t>& shape() const noexcept { return shape_member_; }
  const SweepSpec& spec() const noexcept { return spec_member_; }
  /// The base configuration's TOML (provenance of the sweep file).
  const std::string& base_toml() const noexcept { return base_toml_member_; }
  /// Names of the grid axes (the same at every point; checked).
  const std::vector<std::string>& axis_names() const noexcept { return axis_names_member_; }
  const std::vector<bool>& axis_is_translation() const noexcept { return translation_member_; }

  /// The configuration of point `index` (base + its assignments), as TOML.
  std::string point_config(std::size_t index) const;

  /// Runs point `index` to its result file `output_file` (CLI-identical) with the shared
  /// tables; returns the run's result and its `evolve --json` summary (interrupted runs:
  /// summary null).
  struct PointRun {
    evolution::RunResult result;
    nlohmann::json summary;
  };
  PointRun run_point(std::size_t index, const std::string& output_file,
                     const evolution::RunControl& control);

  std::size_t table_builds() const { return cache_member_.table_builds(); }
  /// How many propagators the points built (split operators and exact-method path-integral
  /// tables; a diffusive comparison has its own): 1 for a sweep over initial-state keys only.
  std::size_t propagator_builds() const;

  /// Every file the points read (initial states, potential and F tables): the sweep file may
  /// not be one of them.
  std::vector<std::filesystem::path> input_files() const;

 private:
  EvolveInput point_input(std::size_t index, const std::string& output_file) const;
  /// The shared propagator of `key`: the current one when the key is the current key, else a
  /// new one replacing it (only the last key's propagator is kept, so memory stays that of one
  /// run; points are run in order, so consecutive points with the same key share).
  std::shared_ptr<evolution::PropagatorReuse> reuse_for(const std::string& key);

  io::Config base_member_;
  SweepSpec spec_member_;
  std::string backend_member_, max_memory_member_, base_toml_member_;
  std::vector<std::size_t> shape_member_;
  std::size_t size_member_ = 0;
  std::vector<std::string> axis_names_member_;
  std::vector<bool> translation_member_;
  ChannelTableCache cache_member_;
  mutable std::mutex reuse_mutex_member_;
  std::string reuse_key_member_;
  std::shared_ptr<evolution::PropagatorReuse> reuse_member_;
  std::size_t retired_builds_member_ = 0;  ///< builds of replaced reuse objects
};

/// The folder of the point files of a sweep writing `out`.
std::string sweep_parts_folder(const std::string& out);

/// Runs point `index` into the parts folder unless it is already there (same configuration);
/// returns true when it was computed now, false when it was found. Throws Interrupted when
/// `control.stop` stopped it. Safe to call for different points from different processes.
bool run_sweep_point(Sweep& sweep, std::size_t index, const std::string& out,
                     const evolution::RunControl& control);

/// Writes the sweep file `out` (atomically) from the finished points of the parts folder, then
/// removes the folder. Throws IoError when a point is missing.
void assemble_sweep_file(const Sweep& sweep, const std::string& out);

/// What run_sweep did.
struct SweepReport {
  std::size_t computed = 0;  ///< points run now
  std::size_t found = 0;     ///< points found finished in the parts folder (resumed)
  std::size_t table_builds = 0;
  std::size_t propagator_builds = 0;  ///< Sweep::propagator_builds
};

/// Claims `out` (not `config_file` nor an input of a point), runs every missing point in order
/// (calling `on_point(done, total)` after each) and assembles the file. Throws Interrupted
/// (finished points kept) when `control.stop` is set.
SweepReport run_sweep(Sweep& sweep, const std::string& out, const evolution::RunControl& control,
                      const std::function<void(std::size_t, std::size_t)>& on_point = {},
                      const std::filesystem::path& config_file = {});

}  // namespace nanodecoh::app
