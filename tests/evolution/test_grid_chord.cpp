// The chord function of a state given on a grid (grid_chord.hpp; docs/physics.md, "States from a
// file") and the exact method started from it, against independent oracles:
//  - chi_0 of a Gaussian and of a cat sampled on the grid, interpolated at points off the
//    lattice, against the closed-form chi written here (not the code's initial_chord);
//  - the exact method from a file (and from rho in memory) against the same state's closed-form
//    run, within the stated error, which must not be smaller than the actual difference nor more
//    than 100 times it;
//  - trace, purity in (0, 1], Hermiticity of the final rho.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <memory>
#include <vector>

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
    // chi(0, 0) is the trace, 1 to rounding.
    EXPECT_NEAR(std::abs(chi(0.0, 0.0) - 1.0), 0.0, 1e-14);
    // The stated error bounds the actual one and is not far above it.
    EXPECT_LE(worst, chi.error_estimate()) << chi.description();
    EXPECT_LE(chi.error_estimate(), 100.0 * worst) << chi.description() << " actual " << worst;
    // Band limit: 0 beyond |k| = 2 pi/dx (plus the stencil), and beyond the box in r.
    EXPECT_EQ(chi(2.0 * 2.0 * pi / kStep, 0.0), cplx(0.0, 0.0));
    EXPECT_EQ(chi(0.0, 1e-6), cplx(0.0, 0.0));
    // Hermiticity chi(-k, -r) = conj chi(k, r) (rho Hermitian): rounding.
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
    const double stated = from_file.grid_state()->error_estimate();
    const double t = closed.duration();
    double worst = 0.0, worst_estimate = 0.0;
    for (int a = -12; a <= 12; ++a)
      for (int b = -12; b <= 12; ++b) {
        const double k = a * 0.213 / in.width, r = b * 1.37e-9;
        double e_closed = 0.0, e_file = 0.0;
        const cplx c = closed.chord(t, k, r, &e_closed), f = from_file.chord(t, k, r, &e_file);
        worst = std::max(worst, std::abs(c - f));
        worst_estimate = std::max(worst_estimate, e_file);
        // Every point's estimate includes the grid state's error (and the quadrature's).
        EXPECT_GE(e_file, stated);
      }
    // The quadrature of both runs (tolerance 1e-13 each) is part of the difference too.
    EXPECT_LE(worst, stated + 2e-13) << from_file.grid_state()->description();
    EXPECT_LE(worst_estimate, 100.0 * worst) << "actual " << worst;
    // rho on the grid: each element is a sum over the k grid of chi times dx/period, whose
    // weights add up to 2 (M points of dx/(M dx/2)), so its error is at most 2 stated.
    double e_rho = 0.0;
    const auto rho_file = from_file.density_matrix(t, &e_rho);
    const auto rho_closed = closed.density_matrix(t);
    EXPECT_LE(max_abs_difference(rho_file, rho_closed), 2.0 * (stated + 1e-13));
    EXPECT_GE(e_rho, stated);
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

}  // namespace
