// The chord function of a state given on a grid (grid_chord.hpp; docs/physics.md, "States from a
// file") and the exact method started from it, against independent oracles:
//  - chi_0 of a Gaussian and of a cat sampled on the grid, interpolated at points off the
//    lattice, against the closed-form chi written here (not the code's initial_chord);
//  - the exact method from a file (and from rho in memory) against the same state's closed-form
//    run, within the stated error, which must not be smaller than the actual difference nor more
//    than 100 times it;
//  - trace, purity in (0, 1], Hermiticity of the final rho;
//  - the same on a libration window (the angle read as a line), through the CLI from a file and
//    after a split block.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "evolution/chord_model.hpp"
#include "evolve_test_configs.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/grid_chord.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/protocol.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using nanodecoh::constants::pi;

constexpr double kMass = 1e-20;  // kg
constexpr double kStep = 1e-9;   // m

ne::Grid line(std::size_t points) {
  ne::Axis axis;
  axis.points = points;
  axis.step = kStep;
  axis.inertia = kMass;
  return ne::Grid({axis});
}

ne::InitialStateSpec gaussian_state() {
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::gaussian;
  in.width = 3e-9;
  in.center = 1e-9;
  in.momentum = 2e-26;  // k0 = 0.19/nm, well inside pi/dx = 3.1/nm
  return in;
}

ne::InitialStateSpec cat_state() {
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::cat;
  in.width = 3e-9;
  in.separation = 12e-9;
  in.center = 1e-9;
  in.momentum = 1e-26;
  return in;
}

std::string format_e(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

/// The oracle: chi_0 of the Gaussian and of the cat in closed form (docs/physics.md, "Closed-form
/// initial chord functions"), written out here term by term.
cplx closed_form_chi(const ne::InitialStateSpec& in, double k, double r) {
  const double s = in.width, c = in.center, p = in.momentum;
  const auto term = [&](double centre, double shift) {
    return std::exp(cplx(-0.5 * k * k * s * s - (r - shift) * (r - shift) / (8.0 * s * s),
                         -k * centre + p * r / hbar));
  };
  if (in.kind == ne::InitialKind::gaussian) return term(c, 0.0);
  const double d = in.separation;
  const cplx sum = term(c - 0.5 * d, 0.0) + term(c + 0.5 * d, 0.0) + term(c, -d) + term(c, d);
  return sum / (2.0 + 2.0 * std::exp(-d * d / (8.0 * s * s)));
}

TEST(GridChord, InterpolatesTheChordFunctionOfGaussianAndCatOffTheLattice) {
  const ne::Grid grid = line(96);
  for (const auto& in : {gaussian_state(), cat_state()}) {
    const ne::GridChord chi(grid, ne::make_initial_state(grid, in));
    double worst = 0.0;
    // Every centre of a lattice cell (where Lagrange interpolation errs most) and points at
    // irrational fractions of the steps, over the whole lattice.
    for (int a = 0; a + 1 < chi.k_count(); ++a)
      for (int b = 0; b + 1 < chi.r_count(); ++b)
        for (const double f : {0.5, 0.2718}) {
          const double k = chi.k_first() + (a + f) * chi.k_step(),
                       r = chi.r_first() + (b + 1.0 - f) * chi.r_step();
          worst = std::max(worst, std::abs(chi(k, r) - closed_form_chi(in, k, r)));
        }
    RecordProperty(in.kind == ne::InitialKind::cat ? "cat_actual" : "gaussian_actual",
                   format_e(worst));
    RecordProperty(in.kind == ne::InitialKind::cat ? "cat_stated" : "gaussian_stated",
                   format_e(chi.error_estimate()));
    // chi(0, 0) is the trace, 1: (0, 0) is a lattice node (the interpolation returns it), the
    // trace after two FFTs and an inverse one, rounding ~ u log2 of their lengths (27 u = 6e-15).
    EXPECT_NEAR(std::abs(chi(0.0, 0.0) - 1.0), 0.0, 1e-14);
    // The stated error bounds the actual one and is not far above it.
    EXPECT_LE(worst, chi.error_estimate()) << chi.description();
    EXPECT_LE(chi.error_estimate(), 100.0 * worst) << chi.description() << " actual " << worst;
    // Band limit: 0 beyond |k| = 2 pi/dx (plus the stencil), and beyond the box in r.
    EXPECT_EQ(chi(2.0 * 2.0 * pi / kStep, 0.0), cplx(0.0, 0.0));
    EXPECT_EQ(chi(0.0, 1e-6), cplx(0.0, 0.0));
    // Hermiticity chi(-k, -r) = conj chi(k, r) (rho Hermitian): the lattice is symmetric about
    // (0, 0) and the stencils of (k, r) and (-k, -r) mirror each other, so the FFTs' rounding of
    // values <= 1 (6e-15, as above).
    EXPECT_LT(std::abs(chi(-0.37e9, -5.3e-9) - std::conj(chi(0.37e9, 5.3e-9))), 1e-14);
  }
}

ne::Segment segment(ne::PotentialKind kind, double duration, double value = 0.0) {
  ne::Segment s;
  s.duration = duration;
  s.potential.kind = kind;
  if (kind == ne::PotentialKind::harmonic) s.potential.frequency = value;
  if (kind == ne::PotentialKind::linear) s.potential.force = value;
  return s;
}

/// The state of `in` on `grid` written to an HDF5 file as /final/rho (the layout of a run's
/// result file, which `initial.kind = "file"` reads); returns the file spec.
ne::InitialStateSpec written_to_file(const ne::Grid& grid, const ne::InitialStateSpec& in,
                                     const std::string& path) {
  const std::vector<cplx> rho = ne::make_initial_state(grid, in);
  auto file = nanodecoh::io::Hdf5File::create(path);
  file.write("final/rho", rho, {rho.size()});
  ne::InitialStateSpec spec;
  spec.kind = ne::InitialKind::file;
  spec.path = path;
  return spec;
}

double max_abs_difference(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

/// The run from a grid state against the closed-form state's run at the protocol's end (both at
/// quadrature tolerance 1e-13): chi at 25 x 25 points (k in steps of 0.213/width, r of 1.37
/// grid steps) within the stated error, which every point's estimate includes and which is at
/// most 100 times the actual difference (recorded as `label`_actual, `label`_stated); rho on the
/// grid within twice it (each element a sum over the k grid of chi times dx/period, weights
/// adding up to 2: M points of dx/(M dx/2)). Returns rho of the run from the grid state.
std::vector<cplx> expect_runs_alike(const ne::ExactPropagator& closed,
                                    const ne::ExactPropagator& from_file, double width,
                                    const std::string& label) {
  EXPECT_TRUE(from_file.grid_state());
  if (!from_file.grid_state()) return {};
  const double stated = from_file.grid_state()->error_estimate();
  const double t = closed.duration(), step = closed.grid().axes()[0].step;
  double worst = 0.0, worst_estimate = 0.0;
  for (int a = -12; a <= 12; ++a)
    for (int b = -12; b <= 12; ++b) {
      const double k = a * 0.213 / width, r = b * 1.37 * step;
      double e_closed = 0.0, e_file = 0.0;
      const cplx c = closed.chord(t, k, r, &e_closed), f = from_file.chord(t, k, r, &e_file);
      worst = std::max(worst, std::abs(c - f));
      worst_estimate = std::max(worst_estimate, e_file);
      EXPECT_GE(e_file, stated);
    }
  // The quadrature of both runs (tolerance 1e-13 each) is part of the difference too.
  EXPECT_LE(worst, stated + 2e-13) << from_file.grid_state()->description();
  EXPECT_LE(worst_estimate, 100.0 * worst) << "actual " << worst;
  ::testing::Test::RecordProperty(label + "_actual", format_e(worst));
  ::testing::Test::RecordProperty(label + "_stated", format_e(worst_estimate));
  double e_rho = 0.0;
  std::vector<cplx> rho_file = from_file.density_matrix(t, &e_rho);
  EXPECT_LE(max_abs_difference(rho_file, closed.density_matrix(t)), 2.0 * (stated + 1e-13));
  EXPECT_GE(e_rho, stated);
  return rho_file;
}

// A trap, a release and a linear force under a saturating channel: the exact method from the
// file must reproduce the closed-form state's exact run, point by point in chi (the reference
// chord(), quadrature) and element by element in rho on the grid, within the stated error; the
// stated error must not be more than 100 times the actual difference.
TEST(GridChordExact, FileStateRunsLikeItsClosedForm) {
  const ne::Grid grid = line(96);
  const std::string dir = nanodecoh::testing::make_temp_dir("grid_chord");
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(1500.0, 3e-9)};
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::harmonic, 2e-4, 2000.0),
                                          segment(ne::PotentialKind::free, 3e-4),
                                          segment(ne::PotentialKind::linear, 2e-4, 2e-24)};
  int index = 0;
  for (const auto& in : {gaussian_state(), cat_state()}) {
    const ne::InitialStateSpec file =
        written_to_file(grid, in, dir + "/state" + std::to_string(index++) + ".h5");
    const ne::ExactPropagator closed(grid, protocol, channels, in, 1e-13);
    const ne::ExactPropagator from_file(grid, protocol, channels, file, 1e-13);
    ASSERT_TRUE(from_file.grid_state());
    const auto rho_file =
        expect_runs_alike(closed, from_file, in.width, "run" + std::to_string(index));
    const double stated = from_file.grid_state()->error_estimate();
    const double t = closed.duration();
    // From rho in memory (the split operator's state at the start of an exact block): the same
    // lattice, the same numbers up to the file's renormalisation by its trace (1 to a few u,
    // so a few u of elements <= 0.05: 1e-15 is ~10x that).
    const auto state =
        std::make_shared<const ne::GridChord>(grid, ne::make_initial_state(grid, in));
    const ne::ExactPropagator in_memory(grid, protocol, channels, state, 1e-13);
    EXPECT_LT(max_abs_difference(in_memory.density_matrix(t), rho_file), 1e-15);
    // Physical: trace 1 (the state stays well inside the box), Hermitian, purity in (0, 1].
    const std::size_t n = grid.axes()[0].points;
    double trace = 0.0, purity = 0.0, asymmetry = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      trace += rho_file[i * n + i].real();
      for (std::size_t j = 0; j < n; ++j) {
        purity += std::norm(rho_file[i * n + j]);
        asymmetry =
            std::max(asymmetry, std::abs(rho_file[i * n + j] - std::conj(rho_file[j * n + i])));
      }
    }
    // Trace: chi(0, 0) of the file state, 1 to the stated error.
    EXPECT_NEAR(trace, 1.0, 2.0 * stated + 1e-12);
    EXPECT_GT(purity, 0.0);
    EXPECT_LT(purity, 1.0);
    // Hermitian: the k sum is symmetric and chi(-k, -r) = conj chi(k, r) to rounding.
    EXPECT_LT(asymmetry, 1e-14);
  }
}

// A state cut by the box (a Gaussian 3.8 widths from the edge: about 7e-5 of its population
// lies beyond): the band-limited reading of the samples cannot know the missing tail, and the
// stated error (its model part, from the weight at the edge points) must cover the difference
// to the uncut Gaussian's chi.
TEST(GridChord, StatesCutByTheBoxStateALargerError) {
  const ne::Grid grid = line(96);
  ne::InitialStateSpec in = gaussian_state();
  in.center = 47.5e-9 - 3.8 * in.width;  // the last grid point is at +47.5 nm
  const ne::GridChord chi(grid, ne::make_initial_state(grid, in));
  double worst = 0.0;
  for (int a = -30; a <= 30; ++a)
    for (int b = -30; b <= 30; ++b) {
      const double k = a * 0.1 / in.width, r = b * 0.2 * in.width;
      worst = std::max(worst, std::abs(chi(k, r) - closed_form_chi(in, k, r)));
    }
  EXPECT_GT(worst, 1e-6);  // the cut is visible
  EXPECT_GT(chi.model_error(), chi.interpolation_error());
  EXPECT_LE(worst, chi.error_estimate()) << chi.description();
}

// A channel without a closed form (the saturating Gaussian F given as a plain function, which
// the propagator tabulates along the paths that the grid state's support can reach) from a file
// state, against the closed-form channel from the closed-form state: within the two stated
// errors (the grid state's and the table's, both in the points' estimates).
TEST(GridChordExact, TabulatedChannelFromAFileState) {
  const ne::Grid grid = line(64);
  const double rate = 1500.0, a = 3e-9;
  const ne::ChannelList tabulated{std::make_shared<ne::FunctionChannel>(
      [rate, a](const std::vector<double>& d, const std::vector<double>&,
                const std::vector<double>&) {
        return cplx(rate * -std::expm1(-d[0] * d[0] / (4 * a * a)), 0.0);
      },
      "gaussian_function", rate / (4 * a * a))};
  const ne::ChannelList closed_form{std::make_shared<ne::GaussianChannel>(rate, a)};
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::harmonic, 2e-4, 2000.0),
                                          segment(ne::PotentialKind::free, 3e-4)};
  ne::InitialStateSpec in = cat_state();
  in.separation = 8e-9;
  const auto state = std::make_shared<const ne::GridChord>(grid, ne::make_initial_state(grid, in));
  const ne::ExactPropagator from_grid(grid, protocol, tabulated, state, 1e-12);
  ASSERT_TRUE(from_grid.tabulated());
  const ne::ExactPropagator reference(grid, protocol, closed_form, in, 1e-12);
  const double t = reference.duration();
  for (double k : {0.0, 3e8, -1.1e9})
    for (double r : {0.0, 2.5e-9, -7e-9, 11e-9}) {
      double e_grid = 0.0, e_ref = 0.0;
      const cplx g = from_grid.chord(t, k, r, &e_grid), c = reference.chord(t, k, r, &e_ref);
      EXPECT_LE(std::abs(g - c), e_grid + e_ref) << "k " << k << " r " << r;
    }
}

// Bad input names what is wrong.
TEST(GridChord, RefusesWhatItCannotRead) {
  const ne::Grid grid = line(16);
  try {
    ne::GridChord chi(grid, std::vector<cplx>(15 * 15));
    FAIL() << "a 15 x 15 rho accepted on 16 points";
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_EQ(e.parameter(), "rho");
  }
  std::vector<cplx> rho(16 * 16);
  rho[17] = cplx(std::nan(""), 0.0);
  EXPECT_THROW(ne::GridChord(grid, rho), nanodecoh::InvalidArgument);
  ne::Axis x = grid.axes()[0], y = x;
  y.name = "y";
  EXPECT_THROW(ne::GridChord(ne::Grid({x, y}), std::vector<cplx>(256 * 256)),
               nanodecoh::InvalidArgument);
  ne::GridChordOptions options;
  options.oversampling = 1;
  EXPECT_THROW(ne::GridChord(grid, std::vector<cplx>(256), options), nanodecoh::InvalidArgument);
  EXPECT_THROW(ne::ExactPropagator(grid, {segment(ne::PotentialKind::free, 1e-4)}, {},
                                   std::shared_ptr<const ne::GridChord>(), 1e-10),
               nanodecoh::InvalidArgument);
}

class GridChordTwins : public ::testing::TestWithParam<nanodecoh::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == nanodecoh::Backend::cuda) NANODECOH_REQUIRE_CUDA_DEVICE();
  }
};

// Each twin of the chi kernel (CPU: OpenMP; CUDA: one thread per point, the lattice copied to the
// device) on a file state against ExactPropagator::chord (the reference: the same interpolation,
// F by recursive quadrature), across the (k, r) plane and through a trap, a release and a force.
TEST_P(GridChordTwins, AgreeWithThePropagator) {
  const ne::Grid grid = line(64);
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(1500.0, 3e-9)};
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::harmonic, 3e-4, 1500.0),
                                          segment(ne::PotentialKind::free, 2e-4),
                                          segment(ne::PotentialKind::linear, 2e-4, 3e-23)};
  ne::InitialStateSpec in = cat_state();
  in.separation = 8e-9;
  const auto state = std::make_shared<const ne::GridChord>(grid, ne::make_initial_state(grid, in));
  const ne::ExactPropagator exact(grid, protocol, channels, state, 1e-12);
  const auto model = ne::make_chord_model(exact);
  std::vector<double> k, r;
  for (double kk : {0.0, 1e7, -2e8, 5e8, -1.3e9, 4e9})
    for (double rr : {0.0, 1e-9, -4.5e-9, 12e-9, -20e-9}) {
      k.push_back(kk);
      r.push_back(rr);
    }
  for (double t : {0.0, 2.5e-4, 6e-4}) {
    double error = 0.0;
    const auto values = ne::chord::chord_values(GetParam(), model, t, k, r, &error);
    // The estimate includes the state's (the largest over the points).
    EXPECT_GE(error, state->error_estimate());
    for (std::size_t i = 0; i < k.size(); ++i) {
      const cplx expected = exact.chord(t, k[i], r[i]);
      // The same interpolation; F integrated independently to 1e-12 (as ChordKernelTwins).
      EXPECT_LT(std::abs(values[i] - expected), 1e-12 * std::max(1.0, std::abs(expected)) + 1e-15)
          << "t " << t << " k " << k[i] << " r " << r[i];
    }
  }
  // rho on the grid from the twin against the CPU's: the same sums in another order.
  const auto cpu = exact.density_matrix(4e-4, nanodecoh::Backend::cpu);
  const auto here = exact.density_matrix(4e-4, GetParam());
  EXPECT_LT(max_abs_difference(cpu, here), 1e-14);
}

INSTANTIATE_TEST_SUITE_P(Backends, GridChordTwins,
                         ::testing::Values(nanodecoh::Backend::cpu, nanodecoh::Backend::cuda),
                         [](const auto& test_info) {
                           return std::string(nanodecoh::to_string(test_info.param));
                         });

}  // namespace

// `nanodecoh evolve` twice, one command's output into the next one's input: a cat in a trap
// (exact) writes /final/rho; a second run starts from that file (initial.kind = "file") and
// releases it (exact, and "auto" takes the exact method for it too); the whole protocol run in
// one go from the closed-form cat is the oracle. The two final states agree within the second
// run's stated error (each rho element is a k sum of chi with weights adding up to 2, so 2x
// the chi estimates of the two runs).
TEST(GridChordExact, EvolveFromAnEarlierRunsFinalStateWithTheExactMethod) {
  using nanodecoh::testing::run_cli;
  const std::string dir = nanodecoh::testing::make_temp_dir("grid_chord_cli");
  const std::string trap =
      "[[protocol]]\nduration = 1.0e-4\npotential = \"harmonic\"\nfrequency = 2.0e3\n"
      "method = \"exact\"\n";
  const std::string release = "[[protocol]]\nduration = 2.0e-4\npotential = \"free\"\n";
  const auto config = [&](const std::string& protocol, const std::string& name) {
    std::string text = nanodecoh::testing::small_cat_config(protocol, "final_state = true\n");
    text.replace(text.find("points = 48"), 11, "points = 96");
    const std::string path = dir + "/" + name + ".toml";
    std::ofstream(path) << text;
    return path;
  };
  ASSERT_EQ(run_cli({"evolve", config(trap, "trap"), "--out", dir + "/trap.h5", "--quiet",
                     "--backend", "cpu"})
                .exit_code,
            0);
  const std::string file_state[] = {"--set", "initial.kind=\"file\"", "--set",
                                    "initial.path='" + dir + "/trap.h5'"};
  const auto released = run_cli({"evolve", config(release + "method = \"exact\"\n", "release"),
                                 "--out", dir + "/release.h5", "--json", "--backend", "cpu",
                                 file_state[0], file_state[1], file_state[2], file_state[3]});
  ASSERT_EQ(released.exit_code, 0) << released.err;
  const auto whole = run_cli({"evolve", config(trap + release + "method = \"exact\"\n", "whole"),
                              "--out", dir + "/whole.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto j = nlohmann::json::parse(released.out);
  const auto jw = nlohmann::json::parse(whole.out);
  EXPECT_EQ(j["steps"], 0);
  EXPECT_NE(j["methods"][0].get<std::string>().find("file state"), std::string::npos);
  ASSERT_TRUE(j.contains("exact_initial_state_error"));
  const double stated = j["exact_error_estimate"].get<double>();
  EXPECT_GE(stated, j["exact_initial_state_error"].get<double>());
  EXPECT_EQ(j["units"]["exact_initial_state_error"], "1");
  EXPECT_FALSE(jw.contains("exact_initial_state_error"));  // closed-form state: no such part
  const auto a = nanodecoh::io::Hdf5File::open_read(dir + "/release.h5").read_complex("final/rho");
  const auto b = nanodecoh::io::Hdf5File::open_read(dir + "/whole.h5").read_complex("final/rho");
  ASSERT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  EXPECT_LE(worst, 2.0 * (stated + jw["exact_error_estimate"].get<double>()))
      << "stated " << stated;
  EXPECT_GT(worst, 0.0);  // two different computations
  // "auto": a file state is no obstacle.
  const auto automatic =
      run_cli({"evolve", config(release, "auto"), "--out", dir + "/auto.h5", "--json", "--backend",
               "cpu", file_state[0], file_state[1], file_state[2], file_state[3]});
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_NE(nlohmann::json::parse(automatic.out)["methods"][0].get<std::string>().find(": exact"),
            std::string::npos);
  // A lattice that does not fit (about 6.4 MB here, against 4 MB): "auto" takes the split
  // operator and says why; "exact" is refused in one line naming the segment.
  const auto small = run_cli({"evolve", config(release, "auto"), "--out", dir + "/small.h5",
                              "--json", "--backend", "cpu", "--max-memory", "4M", file_state[0],
                              file_state[1], file_state[2], file_state[3]});
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_NE(nlohmann::json::parse(small.out)["methods"][0].get<std::string>().find(
                "split operator (the file state's chord-function lattice"),
            std::string::npos)
      << small.out;
  const auto refused = run_cli({"evolve", config(release + "method = \"exact\"\n", "release"),
                                "--out", dir + "/refused.h5", "--backend", "cpu", "--max-memory",
                                "4M", file_state[0], file_state[1], file_state[2], file_state[3]});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("protocol[0].method"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("chord-function lattice"), std::string::npos) << refused.err;
}

// ---- a libration window -------------------------------------------------------------------------
// The same reading on a rotation axis in libration mode: the window of angles is a line (k in
// 1/rad, r in rad, the moment of inertia in place of the mass), so a state given on it runs as
// its closed form does. The numbers mirror the translation case in grid units (steps of 0.01 rad,
// I = 1e-34 kg m^2, so hbar/(I dphi^2) = hbar/(M dx^2)); the channels are the angular ones, whose
// chord 2 sin(r/2) differs from r by up to 1e-3 relative at these angles (a reading that took the
// window for a circle, or r for the chord, would be off far beyond the stated error).
TEST(GridChordExact, FileStateOnALibrationWindowRunsLikeItsClosedForm) {
  ne::Axis axis;
  axis.kind = ne::AxisKind::rotation;
  axis.mode = ne::RotationMode::libration;
  axis.name = "phi";
  axis.points = 96;
  axis.step = 0.01;
  axis.inertia = 1e-34;
  const ne::Grid grid({axis});
  ASSERT_TRUE(ne::GridChord::reads(grid));
  const std::string dir = nanodecoh::testing::make_temp_dir("grid_chord_libration");
  const ne::ChannelList channels{std::make_shared<ne::GaussianChannel>(1500.0, 1e-9, 0.03),
                                 std::make_shared<ne::DiffusiveChannel>(0.0, 2e4)};
  const std::vector<ne::Segment> protocol{segment(ne::PotentialKind::harmonic, 2e-4, 2000.0),
                                          segment(ne::PotentialKind::free, 3e-4),
                                          segment(ne::PotentialKind::linear, 2e-4, 2e-25)};
  ne::InitialStateSpec cat;
  cat.kind = ne::InitialKind::cat;
  cat.width = 0.03;
  cat.separation = 0.12;
  cat.center = 0.01;
  cat.momentum = 1e-34;  // J s: a phase of 0.1 rad per step
  const ne::InitialStateSpec file = written_to_file(grid, cat, dir + "/cat.h5");
  const ne::ExactPropagator closed(grid, protocol, channels, cat, 1e-13);
  const ne::ExactPropagator from_file(grid, protocol, channels, file, 1e-13);
  ASSERT_TRUE(from_file.grid_state());
  EXPECT_LT(from_file.grid_state()->error_estimate(), 1e-6);
  (void)expect_runs_alike(closed, from_file, cat.width, "libration");
}

// The two one-command-into-the-next paths on a libration window through the CLI: (1) a trap run
// writes /final/rho and a release run starts from that file with the exact method; (2) one run
// whose trap segment is asked of the split operator and whose release is exact (the exact block
// starts from the split operator's rho). Oracle: the whole protocol exact from the closed-form
// cat; (1) agrees within the stated errors, (2) within the split operator's dt^2 error of the
// trap (bounded by the all-split run's error at the same step) plus the stated ones.
TEST(GridChordExact, EvolveOnALibrationWindowFromAFileAndAfterASplitBlock) {
  using nanodecoh::testing::run_cli;
  const std::string dir = nanodecoh::testing::make_temp_dir("grid_chord_libration_cli");
  const std::string head = R"(
[particle]
moment_of_inertia = 1e-34
[[axes]]
kind = "rotation"
name = "phi"
mode = "libration"
points = 80
step = 0.01
[initial]
kind = "cat"
axis = "phi"
width = 0.03
separation = 0.12
center = 0.01
[time]
step = 1.0e-6
outputs = 3
[[channels]]
kind = "gaussian"
rate = 1500.0
length = 1e-9
angular_length = 0.03
[output]
final_state = true
)";
  const std::string trap =
      "[[protocol]]\nduration = 2.0e-4\npotential = \"harmonic\"\nfrequency = 2.0e3\n";
  const std::string release = "[[protocol]]\nduration = 2.0e-4\npotential = \"free\"\n";
  const auto run = [&](const std::string& name, const std::string& protocol,
                       std::vector<std::string> extra = {}) {
    std::ofstream(dir + "/" + name + ".toml") << head + protocol;
    std::vector<std::string> args{"evolve", dir + "/" + name + ".toml",
                                  "--out",  dir + "/" + name + ".h5",
                                  "--json", "--backend",
                                  "cpu"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  const auto rho_of = [&](const std::string& name) {
    return nanodecoh::io::Hdf5File::open_read(dir + "/" + name + ".h5").read_complex("final/rho");
  };
  const auto whole = run("whole", trap + "method = \"exact\"\n" + release + "method = \"exact\"\n");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const double whole_error = nlohmann::json::parse(whole.out)["exact_error_estimate"].get<double>();
  const auto whole_rho = rho_of("whole");
  // (1) From the trap run's file.
  const auto trapped = run("trap", trap + "method = \"exact\"\n");
  ASSERT_EQ(trapped.exit_code, 0) << trapped.err;
  const auto released =
      run("release", release + "method = \"exact\"\n",
          {"--set", "initial.kind=\"file\"", "--set", "initial.path='" + dir + "/trap.h5'"});
  ASSERT_EQ(released.exit_code, 0) << released.err;
  const auto j = nlohmann::json::parse(released.out);
  EXPECT_EQ(j["steps"], 0);
  EXPECT_NE(j["methods"][0].get<std::string>().find("file state"), std::string::npos)
      << j["methods"][0];
  ASSERT_TRUE(j.contains("exact_initial_state_error"));
  const double stated = j["exact_error_estimate"].get<double>();
  EXPECT_LE(max_abs_difference(rho_of("release"), whole_rho), 2.0 * (stated + whole_error));
  // (2) Split trap, then the exact release from its rho.
  const auto mixed = run("mixed", trap + "method = \"split\"\n" + release + "method = \"exact\"\n");
  ASSERT_EQ(mixed.exit_code, 0) << mixed.err;
  const auto jm = nlohmann::json::parse(mixed.out);
  ASSERT_EQ(jm["segments"].size(), 2u);
  EXPECT_EQ(jm["segments"][0]["method"], "split");
  EXPECT_EQ(jm["segments"][1]["method"], "exact");
  const auto split = run("split", trap + "method = \"split\"\n" + release + "method = \"split\"\n");
  ASSERT_EQ(split.exit_code, 0) << split.err;
  const double split_error = max_abs_difference(rho_of("split"), whole_rho);
  EXPECT_GT(split_error, 0.0);
  EXPECT_LE(max_abs_difference(rho_of("mixed"), whole_rho),
            2.0 * split_error + 2.0 * (jm["exact_error_estimate"].get<double>() + whole_error))
      << "split " << split_error;
}
