// The FFT plans of the CPU propagator (docs/performance.md, "FFT plans"; docs/run-files.md):
//  - measured and patient plans give the estimated plans' result to rounding (oracle: the
//    FFTW_ESTIMATE propagator, another FFT algorithm for the same transform; bound 1e-12 of the
//    largest element in complex128 after 60 steps, 1e-5 in complex64). Each backend rounds
//    by about u log2 N per FFT pass, coherently over the 4 n passes: 4 u n log2 N = 1.6e-13
//    for n = 60, N = 64 (u = 1.1e-16), 1.4e-5 without the log in complex64 (the file-top model
//    of test_physics_backends.cpp); measured (2026-11-30, x86-64) up to 3.1e-14 and 2.2e-6.
//    The same bound covers the CLI runs and the replanned resume below;
//  - the wisdom a propagator reports reproduces its plans: a second propagator planned from it
//    alone (a checkpoint's wisdom) steps bit-identically, and the wisdom survives a checkpoint;
//  - wisdom that is not wisdom, or that does not hold the plans, is replanned with a notice
//    saying that bit-identity is lost; a damaged cache is ignored with a notice and rewritten;
//    an unwritable cache costs one notice, never the run;
//  - through the CLI: a resumed run planned from the checkpoint alone (no cache) is
//    bit-identical to the uninterrupted run, and a bad numerics.fft_planning is refused naming
//    the key (exit code 2).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "evolution/run_files.hpp"
#include "evolution/schedule.hpp"
#include "evolve_test_configs.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/protocol.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/version.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::testing::count_lines;
using nanodecoh::testing::make_temp_dir;
using nanodecoh::testing::run_cli;
using nanodecoh::testing::without_backend_notice;

namespace {

/// A cat on `nx` points (and a second, rotation axis of `nphi` points when nphi > 0) under a
/// saturating Gaussian channel and a harmonic potential.
struct Problem {
  ne::Grid grid;
  std::vector<cplx> rho0, f_table;
  std::vector<double> potential;
};

Problem make_problem(std::size_t nx, std::size_t nphi = 0) {
  ne::Axis x;
  x.name = "x";
  x.points = nx;
  x.step = 1e-9;
  x.inertia = 1e-20;
  std::vector<ne::Axis> axes{x};
  if (nphi > 0) {
    ne::Axis phi;
    phi.kind = ne::AxisKind::rotation;
    phi.name = "phi";
    phi.points = nphi;
    phi.step = 0.05;
    phi.inertia = 1e-36;
    axes.push_back(phi);
  }
  Problem p{ne::Grid(axes), {}, {}, {}};
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::cat;
  init.width = 0.06 * static_cast<double>(nx) * 1e-9;
  init.separation = 0.25 * static_cast<double>(nx) * 1e-9;
  init.other_width = 0.2;
  p.rho0 = ne::make_initial_state(p.grid, init);
  p.f_table = ne::evaluate_channels(
      p.grid, {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9, nphi > 0 ? 0.1 : 0.0)});
  ne::Potential v;
  v.kind = ne::PotentialKind::harmonic;
  v.frequency = 2e3;
  p.potential = ne::potential_on_grid(p.grid, v);
  return p;
}

ne::FftPlanOptions options(ne::FftPlanning planning, std::ostream* notices = nullptr,
                           const std::string& wisdom = "", const std::string& cache = "") {
  ne::FftPlanOptions o;
  o.planning = planning;
  o.wisdom = wisdom;
  o.cache_file = cache;
  o.notices = notices;
  return o;
}

std::vector<cplx> propagate(const Problem& p, ne::Propagator& prop, std::size_t steps = 60) {
  prop.set_dissipation(p.f_table);
  prop.set_state(p.rho0);
  prop.set_segment(2e-6, p.potential);
  EXPECT_EQ(prop.advance(steps), steps);
  return prop.state();
}

std::vector<cplx> propagate(const Problem& p, ne::Precision precision,
                            const ne::FftPlanOptions& fft) {
  auto prop = ne::make_cpu_propagator(ne::PropagatorLayout::from_grid(p.grid), precision, fft);
  return propagate(p, *prop);
}

/// max |a - b| / max |b|.
double relative_difference(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

bool bitwise_equal(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(cplx)) == 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Sets an environment variable for this scope (the CLI children inherit it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_member_(name) {
    const char* old = std::getenv(name);
    had_member_ = old != nullptr;
    if (old) old_member_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_member_)
      ::setenv(name_member_, old_member_.c_str(), 1);
    else
      ::unsetenv(name_member_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_member_;
  bool had_member_ = false;
  std::string old_member_;
};

}  // namespace

TEST(FftPlans, MeasuredAndPatientPlansGiveTheEstimatedResultToRounding) {
  for (const auto& [nx, nphi] : {std::pair<std::size_t, std::size_t>{64, 0}, {24, 10}}) {
    const Problem p = make_problem(nx, nphi);
    const auto estimate =
        propagate(p, ne::Precision::complex128, options(ne::FftPlanning::estimate));
    const auto measure = propagate(p, ne::Precision::complex128, options(ne::FftPlanning::measure));
    EXPECT_LT(relative_difference(measure, estimate), 1e-12) << nx << " x " << nphi;
    const auto single_estimate =
        propagate(p, ne::Precision::complex64, options(ne::FftPlanning::estimate));
    const auto single_measure =
        propagate(p, ne::Precision::complex64, options(ne::FftPlanning::measure));
    EXPECT_LT(relative_difference(single_measure, single_estimate), 1e-5) << nx << " x " << nphi;
    // The estimated run must actually have moved the state (the comparison is not trivial).
    EXPECT_GT(relative_difference(estimate, p.rho0), 1e-3);
  }
  const Problem small = make_problem(32);
  const auto patient =
      propagate(small, ne::Precision::complex128, options(ne::FftPlanning::patient));
  const auto estimate =
      propagate(small, ne::Precision::complex128, options(ne::FftPlanning::estimate));
  EXPECT_LT(relative_difference(patient, estimate), 1e-12);
}

TEST(FftPlans, WisdomReproducesThePlansBitForBit) {
  const Problem p = make_problem(40, 6);
  const auto layout = ne::PropagatorLayout::from_grid(p.grid);
  for (ne::Precision precision : {ne::Precision::complex128, ne::Precision::complex64}) {
    auto first = ne::make_cpu_propagator(layout, precision, options(ne::FftPlanning::measure));
    const std::string wisdom = first->fft_wisdom();
    ASSERT_NE(wisdom.find("_wisdom #x"), std::string::npos) << wisdom;  // fftw_ or fftwf_
    const auto reference = propagate(p, *first);
    std::ostringstream notices;
    auto second = ne::make_cpu_propagator(layout, precision,
                                          options(ne::FftPlanning::measure, &notices, wisdom));
    EXPECT_EQ(second->fft_wisdom(), wisdom);
    EXPECT_TRUE(bitwise_equal(propagate(p, *second), reference));
    EXPECT_EQ(notices.str(), "");
  }
  // Estimated plans need no wisdom.
  EXPECT_EQ(
      ne::make_cpu_propagator(layout, ne::Precision::complex128, options(ne::FftPlanning::estimate))
          ->fft_wisdom(),
      "");
}

TEST(FftPlans, UnusableWisdomIsReplannedWithANoticeThatBitIdentityIsLost) {
  const Problem p = make_problem(36);
  const auto layout = ne::PropagatorLayout::from_grid(p.grid);
  const auto estimate = propagate(p, ne::Precision::complex128, options(ne::FftPlanning::estimate));
  // Not wisdom at all.
  {
    std::ostringstream notices;
    auto prop = ne::make_cpu_propagator(
        layout, ne::Precision::complex128,
        options(ne::FftPlanning::measure, &notices, "(fftw-3.3.10 fftw_wisdom #x0 garbage"));
    EXPECT_LT(relative_difference(propagate(p, *prop), estimate), 1e-12);
    EXPECT_EQ(count_lines(notices.str()), 1) << notices.str();
    EXPECT_NE(notices.str().find("not FFTW wisdom"), std::string::npos) << notices.str();
    EXPECT_NE(notices.str().find("not bitwise"), std::string::npos) << notices.str();
    EXPECT_NE(prop->fft_wisdom().find("fftw_wisdom"), std::string::npos);
  }
  // Wisdom, but of another grid: it does not hold this grid's plans.
  {
    const Problem other = make_problem(20);
    std::ostringstream notices;
    // Unreadable wisdom clears the process's wisdom before planning afresh, so `foreign`
    // holds the 20-point grid's plans only (not this grid's, measured above).
    const std::string foreign =
        ne::make_cpu_propagator(ne::PropagatorLayout::from_grid(other.grid),
                                ne::Precision::complex128,
                                options(ne::FftPlanning::measure, nullptr, "not wisdom"))
            ->fft_wisdom();
    ASSERT_NE(foreign.find("fftw_wisdom #x"), std::string::npos);
    auto prop = ne::make_cpu_propagator(layout, ne::Precision::complex128,
                                        options(ne::FftPlanning::measure, &notices, foreign));
    EXPECT_LT(relative_difference(propagate(p, *prop), estimate), 1e-12);
    EXPECT_EQ(count_lines(notices.str()), 1) << notices.str();
    EXPECT_NE(notices.str().find("do not cover"), std::string::npos) << notices.str();
  }
}

TEST(FftPlans, TheCacheIsWrittenReadAndADamagedOrUnwritableOneOnlyCostsANotice) {
  const std::string dir = make_temp_dir("fft_cache");
  const Problem p = make_problem(28);
  const auto layout = ne::PropagatorLayout::from_grid(p.grid);
  const std::string cache = dir + "/sub/dir/wisdom.txt";  // directories are created
  std::ostringstream notices;
  auto first = ne::make_cpu_propagator(layout, ne::Precision::complex128,
                                       options(ne::FftPlanning::measure, &notices, "", cache));
  EXPECT_EQ(notices.str(), "");
  EXPECT_EQ(read_text(cache), first->fft_wisdom());
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/sub/dir"))
    EXPECT_EQ(entry.path().filename(), "wisdom.txt") << "a temporary was left behind";
  // A damaged cache: ignored with one notice, replaced by good wisdom.
  std::ofstream(cache, std::ios::trunc) << "(fftw-3.3.10 fftw_wisdom #x1 #x2 (broken";
  std::ostringstream damaged;
  auto second = ne::make_cpu_propagator(layout, ne::Precision::complex128,
                                        options(ne::FftPlanning::measure, &damaged, "", cache));
  EXPECT_EQ(count_lines(damaged.str()), 1) << damaged.str();
  EXPECT_NE(damaged.str().find("ignoring the FFT wisdom cache " + cache), std::string::npos)
      << damaged.str();
  EXPECT_NE(read_text(cache).find("fftw_wisdom"), std::string::npos);
  EXPECT_EQ(read_text(cache).find("broken"), std::string::npos);
  // An unwritable cache (its directory would have to be created inside a regular file).
  const std::string blocker = dir + "/a-file";
  std::ofstream(blocker) << "x";
  const Problem fresh = make_problem(26);  // a size no earlier plan in this process has
  std::ostringstream unwritable;
  auto third = ne::make_cpu_propagator(
      ne::PropagatorLayout::from_grid(fresh.grid), ne::Precision::complex128,
      options(ne::FftPlanning::measure, &unwritable, "", blocker + "/wisdom.txt"));
  EXPECT_EQ(count_lines(unwritable.str()), 1) << unwritable.str();
  EXPECT_NE(unwritable.str().find("cannot write the FFT wisdom cache"), std::string::npos)
      << unwritable.str();
  const auto estimate =
      propagate(fresh, ne::Precision::complex128, options(ne::FftPlanning::estimate));
  EXPECT_LT(relative_difference(propagate(fresh, *third), estimate), 1e-12);
}

TEST(FftPlans, DefaultCacheFollowsTheEnvironment) {
  {
    ScopedEnv dir("NANODECOH_FFTW_WISDOM_DIR", "/some/where");
    EXPECT_EQ(ne::default_fft_wisdom_cache(ne::Precision::complex128),
              "/some/where/fftw-wisdom-complex128.txt");
    EXPECT_EQ(ne::default_fft_wisdom_cache(ne::Precision::complex64),
              "/some/where/fftw-wisdom-complex64.txt");
  }
  {
    ScopedEnv dir("NANODECOH_FFTW_WISDOM_DIR", "none");
    EXPECT_EQ(ne::default_fft_wisdom_cache(ne::Precision::complex128), "");
  }
  {
    ScopedEnv dir("NANODECOH_FFTW_WISDOM_DIR", "");
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(ne::default_fft_wisdom_cache(ne::Precision::complex128),
              "/xdg/nanodecoh/fftw-wisdom-complex128.txt");
    ScopedEnv relative("XDG_CACHE_HOME", "relative");  // ignored, as the XDG spec says
    ScopedEnv home("HOME", "/home/u");
    EXPECT_EQ(ne::default_fft_wisdom_cache(ne::Precision::complex128),
              "/home/u/.cache/nanodecoh/fftw-wisdom-complex128.txt");
  }
}

TEST(FftPlans, CheckpointStoresTheWisdomUnderItsChecksum) {
  const std::string dir = make_temp_dir("fft_checkpoint");
  ne::SimulationSpec spec;
  ne::Axis x;
  x.points = 8;
  x.step = 1e-9;
  x.inertia = 1e-20;
  spec.axes = {x};
  spec.protocol = {ne::Segment{1e-5, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.time_step = 1e-6;
  spec.outputs = 3;  // steps 0, 5, 10
  spec.config_toml = "[test]\n";
  const ne::Grid grid(spec.axes);
  ne::Checkpoint c;
  c.rho.assign(grid.total_size(), cplx(1.0 / 8.0));
  c.schedule = ne::make_schedule(spec, grid.total_size());
  c.step = *std::next(c.schedule.outputs.begin());  // an output step: a chunk boundary
  c.version = nanodecoh::version_string;
  c.backend = "cpu";
  c.precision = "complex128";
  c.config = spec.config_toml;
  c.fft_wisdom = "(fftw-3.3.10 fftw_wisdom #x1 #x2 #x3 #x4\n)\n";
  const std::string path = dir + "/c.h5";
  ne::write_checkpoint(path, c, grid, spec.output.snapshot_points);
  EXPECT_EQ(ne::read_checkpoint(path, spec, grid, c.schedule).fft_wisdom, c.fft_wisdom);
  auto other = c;
  other.fft_wisdom += " ";
  EXPECT_NE(ne::checkpoint_checksum(other), ne::checkpoint_checksum(c));
}

TEST(FftPlans, ResumeFromACheckpointWithForeignWisdomReplansWithANotice) {
  // A checkpoint whose wisdom this FFTW cannot use (its checksum is valid: as if written on a
  // machine with another FFTW): the run resumes, says that bit-identity is lost, and agrees
  // with the uninterrupted run to rounding.
  const std::string dir = make_temp_dir("fft_resume_foreign");
  ne::SimulationSpec spec;
  ne::Axis x;
  x.points = 48;  // the run-files tests' grid: the cat well inside
  x.step = 1e-9;
  x.inertia = 1e-20;
  spec.axes = {x};
  spec.protocol = {ne::Segment{2e-4, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.time_step = 1e-6;
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = 3e-9;
  spec.initial.separation = 12e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 5;
  spec.output.checkpoint_every = 1;
  spec.output.checkpoint_file = dir + "/run.ckpt.h5";
  spec.config_toml = "[test]\n";
  auto run = [&](const std::string& resume, std::ostringstream& notices) {
    ne::RunControl control;
    control.notices = &notices;
    control.resume_from = resume;
    return ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  };
  std::ostringstream quiet;
  const auto straight = run("", quiet);
  const ne::Grid grid(spec.axes);
  const auto planned = ne::make_schedule(spec, grid.total_size());
  ne::Checkpoint c = ne::read_checkpoint(spec.output.checkpoint_file, spec, grid, planned);
  EXPECT_NE(c.fft_wisdom.find("fftw_wisdom #x"), std::string::npos);
  c.fft_wisdom = "(fftw-0.0.0 fftw_wisdom #x0 #x0 #x0 #x0\n)\n";
  ne::write_checkpoint(spec.output.checkpoint_file, c, grid, spec.output.snapshot_points);
  std::ostringstream notices;
  const auto resumed = run(spec.output.checkpoint_file, notices);
  EXPECT_EQ(count_lines(notices.str()), 1) << notices.str();
  EXPECT_NE(notices.str().find("not bitwise"), std::string::npos) << notices.str();
  EXPECT_LT(relative_difference(resumed.final_state, straight.final_state), 1e-12);
}

// ---- through the CLI -----------------------------------------------------------------------

namespace {

std::string cli_config(const std::string& output_file, const std::string& planning) {
  return nanodecoh::testing::small_cat_config(
             nanodecoh::testing::free_segment("3.0e-4"),
             "file = \"" + output_file + "\"\nfinal_state = true\ncheckpoint_every = 100\n") +
         "[numerics]\nfft_planning = \"" + planning + "\"\n";
}

}  // namespace

TEST(FftPlansCli, ResumedRunPlannedFromTheCheckpointAloneIsBitIdentical) {
  const std::string dir = make_temp_dir("fft_cli_resume");
  const std::string cfg = dir + "/run.toml", out = dir + "/out.h5";
  std::ofstream(cfg) << cli_config(out, "measure");
  std::vector<cplx> reference;
  {
    ScopedEnv cache("NANODECOH_FFTW_WISDOM_DIR", dir + "/cache");  // a fresh cache: measured
    const auto first = run_cli({"evolve", cfg, "--quiet"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(without_backend_notice(first.err), "");
    reference = nanodecoh::io::Hdf5File::open_read(out).read_complex("final/rho");
    EXPECT_TRUE(std::filesystem::exists(dir + "/cache/fftw-wisdom-complex128.txt"));
  }
  const auto stored =
      nanodecoh::io::Hdf5File::open_read(out + ".ckpt.h5").read_string_attribute("/", "fft_wisdom");
  EXPECT_NE(stored.find("fftw_wisdom"), std::string::npos);
  std::filesystem::rename(out, dir + "/first.h5");
  ScopedEnv no_cache("NANODECOH_FFTW_WISDOM_DIR", "none");  // plans from the checkpoint only
  const auto resumed = run_cli({"evolve", "--resume", out + ".ckpt.h5", "--quiet"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(without_backend_notice(resumed.err), "");  // no "not bitwise" notice
  const auto again = nanodecoh::io::Hdf5File::open_read(out).read_complex("final/rho");
  EXPECT_TRUE(bitwise_equal(again, reference));
}

TEST(FftPlansCli, EstimatedPlansAndAnUnwritableCacheRun) {
  const std::string dir = make_temp_dir("fft_cli_estimate");
  const std::string blocker = dir + "/a-file";
  std::ofstream(blocker) << "x";
  ScopedEnv cache("NANODECOH_FFTW_WISDOM_DIR", blocker);  // a regular file: not a directory
  std::vector<std::vector<cplx>> finals;
  for (const std::string planning : {"estimate", "measure", "patient"}) {
    const std::string cfg = dir + "/" + planning + ".toml", out = dir + "/" + planning + ".h5";
    std::ofstream(cfg) << cli_config(out, planning);
    const auto r = run_cli({"evolve", cfg, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string err = without_backend_notice(r.err);
    if (planning == "estimate") {
      EXPECT_EQ(err, "");  // estimated plans use no cache
    } else {
      EXPECT_EQ(count_lines(err), 1) << err;
      EXPECT_NE(err.find("cannot write the FFT wisdom cache"), std::string::npos) << err;
    }
    finals.push_back(nanodecoh::io::Hdf5File::open_read(out).read_complex("final/rho"));
  }
  EXPECT_LT(relative_difference(finals[1], finals[0]), 1e-12);
  EXPECT_LT(relative_difference(finals[2], finals[0]), 1e-12);
}

TEST(FftPlansCli, BadPlanningValueIsRefusedNamingTheKey) {
  const std::string dir = make_temp_dir("fft_cli_bad");
  const std::string cfg = dir + "/run.toml";
  std::ofstream(cfg) << cli_config(dir + "/out.h5", "exhaustive");
  const auto r = run_cli({"evolve", cfg, "--quiet"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string err = without_backend_notice(r.err);
  EXPECT_EQ(count_lines(err), 1) << err;
  EXPECT_NE(err.find("numerics.fft_planning"), std::string::npos) << err;
  EXPECT_NE(err.find("exhaustive"), std::string::npos) << err;
  EXPECT_NE(err.find("\"measure\""), std::string::npos) << err;
  const auto set = run_cli({"evolve", cfg, "--set", "numerics.fft_planning=3", "--quiet"});
  EXPECT_EQ(set.exit_code, 2) << set.err;
  EXPECT_NE(set.err.find("numerics.fft_planning"), std::string::npos) << set.err;
}
