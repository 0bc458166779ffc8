// The run files (src/evolution/run_files.hpp, docs/run-files.md) and the deterministic schedule
// (src/evolution/schedule.hpp), through the library:
//  - a checkpoint stores everything it needs and reads back field for field;
//  - its checksum covers the record, the configuration, the schedule and the output path as
//    well as rho and the step (a damaged value in any of them is refused as "corrupt");
//  - a checkpoint that does not fit the run (configuration, version, step) is refused, naming
//    the difference;
//  - the checkpoint interval does not change the result (checkpoints never add chunk
//    boundaries), and a stopped run resumes bit-identically.
// Oracles: the values written in the test, and bitwise equality with an uninterrupted run.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evolution/run_files.hpp"
#include "evolution/schedule.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/version.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;

namespace {

ne::SimulationSpec small_spec(const std::string& dir) {
  ne::SimulationSpec spec;
  ne::Axis x;
  x.name = "x";
  x.points = 48;
  x.step = 1e-9;
  x.inertia = 1e-20;
  spec.axes = {x};
  spec.protocol = {ne::Segment{2e-4, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.protocol.push_back(spec.protocol[0]);
  spec.protocol[1].potential.kind = ne::PotentialKind::harmonic;
  spec.protocol[1].potential.frequency = 1e3;
  spec.time_step = 1e-6;  // 400 steps
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = 3e-9;
  spec.initial.separation = 12e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 7;
  spec.output.snapshots = 3;
  spec.output.checkpoint_file = dir + "/run.ckpt.h5";
  spec.config_toml = "[test]\nrate = 3000.0\n";
  return spec;
}

ne::RunResult run_quiet(const ne::SimulationSpec& spec, const std::string& resume = "",
                        const std::atomic<bool>* stop = nullptr) {
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  control.resume_from = resume;
  control.stop = stop;
  return ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
}

bool bitwise_equal(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(cplx)) == 0;
}

/// A checkpoint with distinctive values in every field, for a 1-D grid of 4 points.
ne::Checkpoint sample_checkpoint(const ne::SimulationSpec& spec, std::size_t rho_elements) {
  ne::Checkpoint c;
  c.rho.resize(rho_elements);
  for (std::size_t i = 0; i < c.rho.size(); ++i)
    c.rho[i] = {0.25 + 1e-3 * static_cast<double>(i), -1e-4 * static_cast<double>(i)};
  c.schedule = ne::make_schedule(spec, rho_elements);
  c.step = *std::next(c.schedule.outputs.begin());  // an output step: a chunk boundary
  c.version = nanodecoh::version_string;
  c.backend = "cpu";
  c.precision = ne::to_string(spec.precision);
  c.config = spec.config_toml;
  c.output_file = "/somewhere/result.h5";
  ne::Observables o;
  o.time = 1.5e-5;
  o.step = 0;
  o.trace = 0.9999999999;
  o.purity = 0.8765432109876543;  // a value that occurs once in the file
  o.energy = 1.25e-30;
  o.coherence = 0.125;
  o.coherence_normalized = 0.5;
  ne::AxisObservables ax;
  ax.mean = 1e-9;
  ax.variance = 2e-18;
  ax.momentum_mean = 3e-27;
  ax.momentum_variance = 4e-54;
  ax.kinetic_energy = 5e-31;
  ax.distribution.assign(spec.axes[0].points, 1.0 / static_cast<double>(spec.axes[0].points));
  o.axes = {ax};
  c.record.series = {o};
  ne::Snapshot s;
  s.time = 1.5e-5;
  const std::size_t stride =
      ne::downsample_stride(spec.axes[0].points, spec.output.snapshot_points);
  const std::size_t m = (spec.axes[0].points + stride - 1) / stride;
  s.rho_abs = {std::vector<double>(m * m, 0.375)};
  c.record.snapshots = {s};
  return c;
}

/// Replaces the first occurrence of `from` in the file's bytes by `to` (same length).
void patch_bytes(const std::string& path, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << "pattern not found in " << path;
  bytes.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string bytes_of(double x) {
  return std::string(reinterpret_cast<const char*>(&x), sizeof x);
}

template <typename F>
std::string io_error_of(F&& f) {
  try {
    f();
  } catch (const nanodecoh::IoError& e) {
    return e.what();
  }
  return "(no IoError)";
}

}  // namespace

TEST(RunFiles, CheckpointReadsBackEveryFieldItStores) {
  const std::string dir = nanodecoh::testing::make_temp_dir("runfiles_roundtrip");
  auto spec = small_spec(dir);
  spec.axes[0].points = 4;
  const ne::Grid grid(spec.axes);
  const ne::Checkpoint written = sample_checkpoint(spec, grid.total_size());
  const std::string path = dir + "/c.h5";
  ne::write_checkpoint(path, written, grid, spec.output.snapshot_points);
  const ne::Checkpoint read =
      ne::read_checkpoint(path, spec, grid, ne::make_schedule(spec, grid.total_size()));
  EXPECT_TRUE(bitwise_equal(read.rho, written.rho));
  EXPECT_EQ(read.step, written.step);
  EXPECT_EQ(read.version, written.version);
  EXPECT_EQ(read.backend, written.backend);
  EXPECT_EQ(read.precision, written.precision);
  EXPECT_EQ(read.config, written.config);
  EXPECT_EQ(read.output_file, written.output_file);
  EXPECT_EQ(read.schedule.segment_begin, written.schedule.segment_begin);
  EXPECT_EQ(read.schedule.segment_dt, written.schedule.segment_dt);
  EXPECT_EQ(read.schedule.outputs, written.schedule.outputs);
  EXPECT_EQ(read.schedule.snapshots, written.schedule.snapshots);
  EXPECT_EQ(read.schedule.chunk, written.schedule.chunk);
  ASSERT_EQ(read.record.series.size(), 1u);
  EXPECT_EQ(read.record.series[0].purity, 0.8765432109876543);
  EXPECT_EQ(read.record.series[0].axes[0].distribution,
            written.record.series[0].axes[0].distribution);
  ASSERT_EQ(read.record.snapshots.size(), 1u);
  EXPECT_EQ(read.record.snapshots[0].rho_abs, written.record.snapshots[0].rho_abs);
  EXPECT_EQ(ne::checkpoint_checksum(read), ne::checkpoint_checksum(written));
  // The schema version is stored as an attribute of the root.
  EXPECT_EQ(nanodecoh::io::Hdf5File::open_read(path).read_double_attribute("/", "schema_version"),
            static_cast<double>(ne::run_files_schema_version));
}

TEST(RunFiles, ChecksumCoversTheRecordTheConfigAndTheOutputPath) {
  const std::string dir = nanodecoh::testing::make_temp_dir("runfiles_checksum");
  auto spec = small_spec(dir);
  spec.axes[0].points = 4;
  const ne::Grid grid(spec.axes);
  const auto planned = ne::make_schedule(spec, grid.total_size());
  const ne::Checkpoint c = sample_checkpoint(spec, grid.total_size());
  const std::string path = dir + "/c.h5";
  auto fresh = [&] { ne::write_checkpoint(path, c, grid, spec.output.snapshot_points); };
  auto read = [&] { return io_error_of([&] { ne::read_checkpoint(path, spec, grid, planned); }); };
  // A value of the stored time series (the purity, stored once).
  fresh();
  patch_bytes(path, bytes_of(0.8765432109876543),
              bytes_of(std::nextafter(0.8765432109876543, 1.0)));
  EXPECT_NE(read().find("corrupt"), std::string::npos) << read();
  // The output path.
  fresh();
  patch_bytes(path, "/somewhere/result.h5", "/elsewhere/result.h5");
  EXPECT_NE(read().find("corrupt"), std::string::npos) << read();
  // The snapshot matrix (0.375 is stored only there).
  fresh();
  patch_bytes(path, bytes_of(0.375), bytes_of(-0.375));
  EXPECT_NE(read().find("corrupt"), std::string::npos) << read();
  // Unchanged, it reads.
  fresh();
  EXPECT_EQ(read(), "(no IoError)");
}

TEST(RunFiles, ACheckpointThatDoesNotFitIsRefusedNamingTheDifference) {
  const std::string dir = nanodecoh::testing::make_temp_dir("runfiles_fit");
  auto spec = small_spec(dir);
  spec.axes[0].points = 4;
  const ne::Grid grid(spec.axes);
  const auto planned = ne::make_schedule(spec, grid.total_size());
  const std::string path = dir + "/c.h5";
  auto read_with = [&](const ne::Checkpoint& c, const ne::SimulationSpec& s) {
    ne::write_checkpoint(path, c, grid, s.output.snapshot_points);
    return io_error_of(
        [&] { ne::read_checkpoint(path, s, grid, ne::make_schedule(s, grid.total_size())); });
  };
  const ne::Checkpoint good = sample_checkpoint(spec, grid.total_size());
  // Another configuration: the first differing line is named.
  auto other = spec;
  other.config_toml = "[test]\nrate = 4000.0\n";
  const std::string config_error = read_with(good, other);
  EXPECT_NE(config_error.find("another configuration"), std::string::npos) << config_error;
  EXPECT_NE(config_error.find("line 2"), std::string::npos) << config_error;
  EXPECT_NE(config_error.find("rate = 4000.0"), std::string::npos) << config_error;
  // Another nanodecoh version.
  auto old = good;
  old.version = "0.0.1";
  const std::string version_error = read_with(old, spec);
  EXPECT_NE(version_error.find("0.0.1"), std::string::npos) << version_error;
  EXPECT_NE(version_error.find(nanodecoh::version_string), std::string::npos) << version_error;
  // A step beyond the end of the run, and one between chunk boundaries.
  auto late = good;
  late.step = planned.total() + 5;
  const std::string late_error = read_with(late, spec);
  EXPECT_NE(late_error.find("outside the run's steps"), std::string::npos) << late_error;
  auto odd = good;
  odd.step = 1;  // neither an output, a segment end nor a multiple of the chunk
  ASSERT_FALSE(planned.is_break(1, true));
  const std::string odd_error = read_with(odd, spec);
  EXPECT_NE(odd_error.find("not a chunk boundary"), std::string::npos) << odd_error;
  // Another schedule (other outputs).
  auto more_outputs = spec;
  more_outputs.outputs = 9;
  auto planned_other = good;
  planned_other.schedule = ne::make_schedule(more_outputs, grid.total_size());
  const std::string schedule_error = read_with(planned_other, spec);
  EXPECT_NE(schedule_error.find("9 outputs"), std::string::npos) << schedule_error;
  EXPECT_NE(schedule_error.find("7 outputs"), std::string::npos) << schedule_error;
}

TEST(RunFiles, CheckpointIntervalDoesNotChangeTheResult) {
  const std::string dir = nanodecoh::testing::make_temp_dir("runfiles_interval");
  auto spec = small_spec(dir);
  spec.output.checkpoint_every = 0;
  const auto none = run_quiet(spec);
  for (std::size_t every : {1u, 7u, 150u, 250u}) {
    spec.output.checkpoint_every = every;
    const auto with = run_quiet(spec);
    EXPECT_FALSE(with.checkpoint_written.empty()) << every;
    EXPECT_TRUE(bitwise_equal(with.final_state, none.final_state)) << "checkpoint_every " << every;
    ASSERT_EQ(with.series.size(), none.series.size());
    for (std::size_t k = 0; k < none.series.size(); ++k)
      EXPECT_EQ(with.series[k].purity, none.series[k].purity) << every;
  }
}

TEST(RunFiles, EveryCheckpointOfARunResumesBitIdentically) {
  // checkpoint_every = 1 writes one at every chunk boundary; resuming from the one left (the
  // last before the end) must reproduce the uninterrupted run, and so must a stop.
  const std::string dir = nanodecoh::testing::make_temp_dir("runfiles_resume");
  auto spec = small_spec(dir);
  spec.output.checkpoint_every = 1;
  const auto straight = run_quiet(spec);
  const auto resumed = run_quiet(spec, spec.output.checkpoint_file);
  EXPECT_TRUE(bitwise_equal(resumed.final_state, straight.final_state));
  std::atomic<bool> stop{true};
  const auto stopped = run_quiet(spec, "", &stop);
  ASSERT_TRUE(stopped.interrupted);
  const auto continued = run_quiet(spec, spec.output.checkpoint_file);
  EXPECT_TRUE(bitwise_equal(continued.final_state, straight.final_state));
}

TEST(Schedule, ChunksKeepHalfStepsFusedOnLargeGridsAndBoundStopLatencyOnSmallOnes) {
  // At least 8 fused steps per chunk however large the grid (2^24 and 2^32 elements), at most
  // 256 on small grids, and about 2^27 element-steps in between.
  EXPECT_EQ(ne::chunk_steps(std::size_t{1} << 32), 8u);
  EXPECT_EQ(ne::chunk_steps(std::size_t{1} << 24), 8u);
  EXPECT_EQ(ne::chunk_steps(std::size_t{1} << 20), 128u);
  EXPECT_EQ(ne::chunk_steps(48 * 48), 256u);
  // A checkpoint is due at the first boundary at or after each multiple of the interval.
  EXPECT_TRUE(ne::Schedule::checkpoint_due(96, 104, 100));
  EXPECT_FALSE(ne::Schedule::checkpoint_due(104, 112, 100));
  EXPECT_TRUE(ne::Schedule::checkpoint_due(192, 200, 100));
  EXPECT_FALSE(ne::Schedule::checkpoint_due(192, 200, 0));
}
