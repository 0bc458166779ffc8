// The split-operator propagator against independent oracles:
//  - the exact free-flight solution through the characteristic function
//    (physics.md section 4), computed here by Gauss-Legendre quadrature over
//    k, r and tau from the analytic Wigner-Weyl transform of the cat;
//  - a dense Liouvillian (Eigen matrix exponential) for grids of 12-16 points,
//    with a potential and with a rotation axis, and the dt^2 convergence order;
//  - a harmonic trap's thermal state stays stationary; Gaussian spreading law;
//  - trace, Hermiticity, positivity and non-increasing purity with dissipation;
//  - complex64 against complex128; CPU against CUDA (skipped without a device);
//  - checkpoints: bit-identical resume and corruption detection.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unsupported/Eigen/MatrixFunctions>

#include "nanodecoh/backend.hpp"

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/quadrature.hpp"
#include "run_cli.hpp"

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using nanodecoh::constants::pi;

namespace {

ne::Axis translation(std::size_t n, double dx, double mass, const std::string& name = "x") {
  ne::Axis a;
  a.kind = ne::AxisKind::translation;
  a.name = name;
  a.points = n;
  a.step = dx;
  a.inertia = mass;
  return a;
}

ne::SimulationSpec base_spec(std::vector<ne::Axis> axes, double duration, double dt) {
  ne::SimulationSpec spec;
  spec.axes = std::move(axes);
  spec.protocol = {ne::Segment{duration, ne::Potential{}, ne::PropagationMethod::split_operator}};
  spec.time_step = dt;
  spec.outputs = 2;
  return spec;
}

ne::RunResult run_quiet(const ne::SimulationSpec& spec,
                        nanodecoh::Backend backend = nanodecoh::Backend::cpu,
                        const std::string& resume = "") {
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  control.resume_from = resume;
  return ne::run_simulation(spec, backend, control);
}

/// Composite Gauss-Legendre on [a, b].
template <typename F>
auto gl(F f, double a, double b, int panels, const nanodecoh::GaussLegendreRule& rule) {
  decltype(f(a)) sum{};
  const double h = (b - a) / panels;
  for (int p = 0; p < panels; ++p) {
    const double lo = a + p * h;
    for (std::size_t i = 0; i < rule.nodes.size(); ++i)
      sum += rule.weights[i] * 0.5 * h * f(lo + 0.5 * h * (rule.nodes[i] + 1.0));
  }
  return sum;
}

/// Exact free flight of a cat (centres +-d/2, width s, mass M) under a translation-invariant F(r).
struct FreeFlightOracle {
  double s, d, M;
  std::function<double(double)> F;
  /// rho~_0(k, r) = int dR e^{-ikR} psi(R + r/2) psi*(R - r/2), psi = g_{-d/2} + g_{d/2},
  /// normalised.
  cplx rho0(double k, double r) const {
    const double s2 = s * s;
    const double norm = 2.0 * std::sqrt(2.0 * pi * s2) * (1.0 + std::exp(-d * d / (8.0 * s2)));
    cplx sum = 0.0;
    for (double a : {-0.5 * d, 0.5 * d})
      for (double b : {-0.5 * d, 0.5 * d}) {
        const cplx c(0.5 * (a + b) / s2, -k);
        const double rest =
            ((0.5 * r - a) * (0.5 * r - a) + (0.5 * r + b) * (0.5 * r + b)) / (4.0 * s2);
        sum += std::sqrt(2.0 * pi * s2) * std::exp(0.5 * s2 * c * c - rest);
      }
    return sum / norm;
  }
  /// rho~_t(k, r) = rho~_0(k, r - v t) exp(-int_0^t F(r - v (t - tau)) dtau), v = hbar k / M.
  cplx rho_t(double k, double r, double t, const nanodecoh::GaussLegendreRule& rule) const {
    const double v = hbar * k / M;
    const double integral = gl([&](double tau) { return F(r - v * (t - tau)); }, 0.0, t, 2, rule);
    return rho0(k, r - v * t) * std::exp(-integral);
  }
};

void check_free_flight(const std::function<double(double)>& F, const ne::ChannelList& channels) {
  const double s = 5e-9, d = 30e-9, M = 4e-21, t = 1e-3;
  auto spec = base_spec({translation(128, 1e-9, M)}, t, t / 200);
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = s;
  spec.initial.separation = d;
  spec.channels = channels;
  spec.marked_points = {{-0.5 * d}, {0.5 * d}};
  const auto result = run_quiet(spec);
  const FreeFlightOracle oracle{s, d, M, F};
  const auto rule = nanodecoh::gauss_legendre(12);
  const double K = 10.0 / s, Rmax = 160e-9;
  // Purity = (1/2 pi) int dk int dr |rho~_t|^2
  const double purity =
      gl(
          [&](double k) {
            return gl([&](double r) { return std::norm(oracle.rho_t(k, r, t, rule)); }, -Rmax, Rmax,
                      40, rule);
          },
          -K, K, 30, rule) /
      (2.0 * pi);
  // rho(R + r/2, R - r/2) = (1/2 pi) int dk e^{ikR} rho~_t(k, r)
  auto element = [&](double R, double r) {
    return gl([&](double k) { return std::exp(cplx(0, k * R)) * oracle.rho_t(k, r, t, rule); }, -K,
              K, 30, rule) /
           (2.0 * pi);
  };
  const double coherence = std::abs(element(0.0, -d)) /
                           std::sqrt(element(-0.5 * d, 0.0).real() * element(0.5 * d, 0.0).real());
  const auto& last = result.series.back();
  EXPECT_NEAR(last.purity, purity, 1e-6 * purity);
  EXPECT_NEAR(last.coherence_normalized, coherence, 1e-6);
  EXPECT_NEAR(last.trace, 1.0, 1e-12);
  EXPECT_LT(purity, 0.9);  // the test is not trivial: decoherence happened
  EXPECT_LT(coherence, 0.6);
}

}  // namespace

TEST(SplitStepFreeFlight, SaturatingGaussianMatchesExactSolution) {
  const double gamma = 800.0, a = 10e-9;
  check_free_flight([=](double r) { return gamma * (1.0 - std::exp(-r * r / (4 * a * a))); },
                    {std::make_shared<ne::GaussianChannel>(gamma, a)});
}

TEST(SplitStepFreeFlight, LambertianSphereMatchesExactSolution) {
  // A cold, light emitter so that the recoil is resolved by the grid (k_T ~ 8e7 1/m).
  const double gamma = 600.0, T = 2e-3, m = 1.0 * nanodecoh::constants::atomic_mass_unit;
  const double kT = std::sqrt(2.0 * m * nanodecoh::constants::k_boltzmann * T) / hbar;
  // Independent F: direct quadrature of 1 - <sinc> over the thermal spectrum.
  auto F = [=](double r) {
    const double z = kT * std::fabs(r);
    if (z < 1e-9) return 0.0;
    return gamma * nanodecoh::integrate_to_infinity(
                       [z](double u) {
                         return u * std::exp(-u) *
                                (1.0 - std::sin(z * std::sqrt(u)) / (z * std::sqrt(u)));
                       },
                       0.0, 1.0, 1e-13, 1e-10, 20000)
                       .value;
  };
  // Tabulate the quadrature F once (fine grid, linear interpolation error < 1e-8 relative).
  std::vector<double> rs, fs;
  for (double r = 0; r <= 400e-9; r += 0.05e-9) {
    rs.push_back(r);
    fs.push_back(F(r));
  }
  auto F_interp = [&](double r) {
    r = std::fabs(r);
    const std::size_t i =
        std::min<std::size_t>(static_cast<std::size_t>(r / 0.05e-9), rs.size() - 2);
    const double w = (r - rs[i]) / (rs[i + 1] - rs[i]);
    return fs[i] * (1 - w) + fs[i + 1] * w;
  };
  check_free_flight(F_interp, {std::make_shared<ne::DesorptionSphereChannel>(gamma, T, m)});
}

namespace {

/// Dense Lindblad reference: exp(L t) vec(rho0) with the grid Hamiltonian built from the DFT.
Eigen::VectorXcd dense_reference(const ne::Grid& grid, const std::vector<double>& V,
                                 const std::function<double(std::size_t, std::size_t)>& F,
                                 const std::vector<cplx>& rho0, double t) {
  const std::size_t nk = grid.ket_size(), d = grid.axis_count();
  // Kinetic operator: sum over axes of U E U^dagger on that axis (identity on the others).
  Eigen::MatrixXcd H =
      Eigen::MatrixXcd::Zero(static_cast<Eigen::Index>(nk), static_cast<Eigen::Index>(nk));
  for (std::size_t I = 0; I < nk; ++I)
    for (std::size_t J = 0; J < nk; ++J) {
      const auto i = grid.unravel(I), j = grid.unravel(J);
      cplx h = 0.0;
      for (std::size_t a = 0; a < d; ++a) {
        bool others_equal = true;
        for (std::size_t b = 0; b < d; ++b)
          if (b != a && i[b] != j[b]) others_equal = false;
        if (!others_equal) continue;
        const auto& ax = grid.axes()[a];
        const long long n = static_cast<long long>(ax.points);
        for (long long f = -n / 2; f < n - n / 2; ++f) {
          const double k = 2 * pi * static_cast<double>(f) / (static_cast<double>(n) * ax.step);
          const double e = hbar * hbar * k * k / (2 * ax.inertia);
          const double dxij = (static_cast<double>(i[a]) - static_cast<double>(j[a])) * ax.step;
          h += e * std::exp(cplx(0, k * dxij)) / static_cast<double>(n);
        }
      }
      if (I == J) h += V[I];
      H(static_cast<Eigen::Index>(I), static_cast<Eigen::Index>(J)) = h;
    }
  const auto N2 = static_cast<Eigen::Index>(nk * nk);
  Eigen::MatrixXcd L = Eigen::MatrixXcd::Zero(N2, N2);
  const cplx mi(0, -1.0 / hbar);
  for (std::size_t I = 0; I < nk; ++I)
    for (std::size_t J = 0; J < nk; ++J) {
      const auto row = static_cast<Eigen::Index>(I * nk + J);
      for (std::size_t K = 0; K < nk; ++K) {
        L(row, static_cast<Eigen::Index>(K * nk + J)) +=
            mi * H(static_cast<Eigen::Index>(I), static_cast<Eigen::Index>(K));
        L(row, static_cast<Eigen::Index>(I * nk + K)) -=
            mi * H(static_cast<Eigen::Index>(K), static_cast<Eigen::Index>(J));
      }
      L(row, row) -= F(I, J);
    }
  Eigen::VectorXcd v(N2);
  for (Eigen::Index i = 0; i < N2; ++i) v(i) = rho0[static_cast<std::size_t>(i)];
  const Eigen::MatrixXcd E = (L * t).exp();
  return E * v;
}

double max_diff(const std::vector<cplx>& a, const Eigen::VectorXcd& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b(static_cast<Eigen::Index>(i))));
  return m;
}

std::vector<cplx> propagate(const ne::Grid& grid, const std::vector<double>& V,
                            const std::vector<cplx>& f_table, const std::vector<cplx>& rho0,
                            double t, std::size_t steps,
                            nanodecoh::Backend backend = nanodecoh::Backend::cpu,
                            ne::Precision precision = ne::Precision::complex128) {
  auto p = ne::make_propagator(backend, ne::PropagatorLayout::from_grid(grid), precision);
  p->set_dissipation(f_table);
  p->set_state(rho0);
  p->set_segment(t / static_cast<double>(steps), V);
  EXPECT_EQ(p->advance(steps), steps);
  return p->state();
}

struct SmallProblem {
  ne::Grid grid;
  std::vector<double> V;
  ne::ChannelList channels;
  std::vector<cplx> rho0;
};

/// 1D: 12 points, harmonic potential, Gaussian channel. Units: dx = 1 nm, hbar/(M dx^2) = 1/s.
SmallProblem problem_1d() {
  const double dx = 1e-9, M = hbar / (dx * dx);
  ne::Grid grid({translation(12, dx, M)});
  ne::Potential pot;
  pot.kind = ne::PotentialKind::harmonic;
  pot.frequency = 0.7;
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::cat;
  init.width = 1.2e-9;
  init.separation = 3e-9;
  init.momentum = 0.3 * hbar / dx;
  return {grid,
          ne::potential_on_grid(grid, pot),
          {std::make_shared<ne::GaussianChannel>(0.8, 1.5e-9)},
          ne::make_initial_state(grid, init)};
}

/// 2D: 4 translation points x 4 angles on a circle, potential on the angle, channel on both.
SmallProblem problem_2d() {
  const double dx = 1e-9, M = hbar / (dx * dx);
  ne::Axis phi;
  phi.kind = ne::AxisKind::rotation;
  phi.name = "phi";
  phi.points = 4;
  phi.mode = ne::RotationMode::circle;
  phi.inertia = 0.5 * hbar;
  ne::Grid grid({translation(4, dx, M), phi});
  ne::Potential pot;
  pot.kind = ne::PotentialKind::harmonic;
  pot.axis = 1;
  pot.frequency = 1.1;
  ne::InitialStateSpec init;
  init.kind = ne::InitialKind::gaussian;
  init.width = 0.8e-9;
  init.momentum = 0.4 * hbar / dx;
  init.other_width = 0.9;
  return {grid,
          ne::potential_on_grid(grid, pot),
          {std::make_shared<ne::GaussianChannel>(0.6, 1.0e-9, 0.7)},
          ne::make_initial_state(grid, init)};
}

void check_against_dense(const SmallProblem& p, double t) {
  // F for the reference straight from the channel at grid coordinates (not via the table layout).
  auto F = [&](std::size_t I, std::size_t J) {
    const auto i = p.grid.unravel(I), j = p.grid.unravel(J);
    std::vector<double> disp, ak, ab;
    for (std::size_t a = 0; a < p.grid.axis_count(); ++a) {
      if (p.grid.axes()[a].kind == ne::AxisKind::translation)
        disp.push_back(p.grid.coordinate(a, i[a]) - p.grid.coordinate(a, j[a]));
      else {
        ak.push_back(p.grid.coordinate(a, i[a]));
        ab.push_back(p.grid.coordinate(a, j[a]));
      }
    }
    return p.channels[0]->evaluate(disp, ak, ab).real();
  };
  const auto reference = dense_reference(p.grid, p.V, F, p.rho0, t);
  const auto table = ne::evaluate_channels(p.grid, p.channels);
  const double e1 = max_diff(propagate(p.grid, p.V, table, p.rho0, t, 40), reference);
  const double e2 = max_diff(propagate(p.grid, p.V, table, p.rho0, t, 80), reference);
  const double e3 = max_diff(propagate(p.grid, p.V, table, p.rho0, t, 1280), reference);
  EXPECT_GT(e1, 1e-8);  // the potential makes the splitting error visible
  EXPECT_NEAR(e1 / e2, 4.0, 0.3) << "errors " << e1 << " " << e2;  // second order in dt
  EXPECT_LT(e3, e1 / 500.0);                                       // 32 times smaller steps
  EXPECT_LT(e3, 1e-7);
}

}  // namespace

TEST(SplitStepLiouvillian, OneAxisWithPotentialAndDissipation) {
  check_against_dense(problem_1d(), 1.5);
}

TEST(SplitStepLiouvillian, TranslationAndRotationAxes) {
  check_against_dense(problem_2d(), 1.2);
}

TEST(SplitStepLiouvillian, NoPotentialIsExactOnTheGridWithoutDissipation) {
  auto p = problem_1d();
  std::fill(p.V.begin(), p.V.end(), 0.0);
  const auto reference = dense_reference(
      p.grid, p.V, [](std::size_t, std::size_t) { return 0.0; }, p.rho0, 1.0);
  EXPECT_LT(max_diff(propagate(p.grid, p.V, {}, p.rho0, 1.0, 3), reference), 1e-12);
}

TEST(SplitStepProperties, TraceHermiticityPositivityPurityWithDissipation) {
  auto p = problem_1d();
  const auto table = ne::evaluate_channels(p.grid, p.channels);
  auto prop =
      ne::make_cpu_propagator(ne::PropagatorLayout::from_grid(p.grid), ne::Precision::complex128);
  prop->set_dissipation(table);
  prop->set_state(p.rho0);
  prop->set_segment(0.01, p.V);
  const std::size_t nk = p.grid.ket_size();
  double last_purity = prop->purity();
  for (int chunk = 0; chunk < 20; ++chunk) {
    prop->advance(10);
    const auto rho = prop->state();
    Eigen::MatrixXcd m(nk, nk);
    for (std::size_t i = 0; i < nk; ++i)
      for (std::size_t j = 0; j < nk; ++j)
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rho[i * nk + j];
    EXPECT_NEAR(prop->trace(), 1.0, 1e-12);
    EXPECT_LT((m - m.adjoint()).cwiseAbs().maxCoeff(), 1e-14);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> eig(0.5 * (m + m.adjoint()));
    EXPECT_GT(eig.eigenvalues().minCoeff(), -1e-13);
    const double purity = prop->purity();
    EXPECT_LE(purity, last_purity + 1e-14);  // unital dephasing channel: purity never grows
    last_purity = purity;
  }
  EXPECT_LT(last_purity, 0.8);
  EXPECT_TRUE(prop->all_finite());
}

TEST(SplitStepHarmonic, ThermalStateIsStationary) {
  const double dx = 1e-9, M = 1e-18, l = 4 * dx, omega = hbar / (M * l * l);
  auto spec = base_spec({translation(96, dx, M)}, 2 * pi / omega, 2 * pi / omega / 400);
  spec.protocol[0].potential.kind = ne::PotentialKind::harmonic;
  spec.protocol[0].potential.frequency = omega;
  spec.initial.kind = ne::InitialKind::thermal;
  spec.initial.frequency = omega;
  spec.initial.temperature =
      hbar * omega / nanodecoh::constants::k_boltzmann;  // mean occupation ~0.58
  spec.output.final_state = true;
  const auto result = run_quiet(spec);
  const auto rho0 = ne::make_initial_state(ne::Grid(spec.axes), spec.initial);
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < rho0.size(); ++i) {
    diff = std::max(diff, std::abs(result.final_state[i] - rho0[i]));
    scale = std::max(scale, std::abs(rho0[i]));
  }
  EXPECT_LT(diff, 1e-4 * scale);
  EXPECT_LT(result.series.back().purity, 0.6);  // a mixed state
  // Var x = l^2 coth(b/2)/2 with b = hbar omega / kT = 1
  EXPECT_NEAR(result.series.back().axes[0].variance, 0.5 * l * l / std::tanh(0.5), 1e-6 * l * l);
}

TEST(SplitStepFree, GaussianSpreadingFollowsTheAnalyticLaw) {
  const double dx = 1e-9, M = 1e-18, s0 = 4 * dx, p0 = 0.05 * hbar / dx;
  const double t = 2 * std::sqrt(3.0) * M * s0 * s0 / hbar;  // width doubles
  auto spec = base_spec({translation(256, dx, M)}, t, t / 10);
  spec.initial.width = s0;
  spec.initial.momentum = p0;
  spec.outputs = 5;
  const auto result = run_quiet(spec);
  for (const auto& o : result.series) {
    const double var = s0 * s0 + std::pow(hbar * o.time / (2 * M * s0), 2);
    EXPECT_NEAR(o.axes[0].variance / var, 1.0, 1e-9) << "t = " << o.time;
    EXPECT_NEAR(o.axes[0].mean, p0 * o.time / M, 1e-9 * s0);
    EXPECT_NEAR(o.axes[0].momentum_mean / p0, 1.0, 1e-9);
    EXPECT_NEAR(o.axes[0].momentum_variance / std::pow(hbar / (2 * s0), 2), 1.0, 1e-9);
  }
  EXPECT_NEAR(result.series.back().axes[0].variance / (4 * s0 * s0), 1.0, 1e-9);
}

TEST(SplitStepPrecision, Complex64AgreesWithComplex128) {
  auto p = problem_1d();
  const auto table = ne::evaluate_channels(p.grid, p.channels);
  const auto a = propagate(p.grid, p.V, table, p.rho0, 1.0, 50, nanodecoh::Backend::cpu,
                           ne::Precision::complex128);
  const auto b = propagate(p.grid, p.V, table, p.rho0, 1.0, 50, nanodecoh::Backend::cpu,
                           ne::Precision::complex64);
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  EXPECT_LT(m, 1e-5);
}

TEST(SplitStepBackends, CudaAgreesWithCpu) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  for (auto problem : {problem_1d(), problem_2d()}) {
    const auto table = ne::evaluate_channels(problem.grid, problem.channels);
    const auto a = propagate(problem.grid, problem.V, table, problem.rho0, 1.0, 50);
    const auto b =
        propagate(problem.grid, problem.V, table, problem.rho0, 1.0, 50, nanodecoh::Backend::cuda);
    double m = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      m = std::max(m, std::abs(a[i] - b[i]));
      scale = std::max(scale, std::abs(a[i]));
    }
    EXPECT_LT(m, 1e-10 * scale);
    const auto c = propagate(problem.grid, problem.V, table, problem.rho0, 1.0, 50,
                             nanodecoh::Backend::cuda, ne::Precision::complex64);
    double m32 = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m32 = std::max(m32, std::abs(a[i] - c[i]));
    EXPECT_LT(m32, 1e-5 * scale);
  }
}

namespace {
ne::SimulationSpec checkpoint_spec(const std::string& dir) {
  auto spec = base_spec({translation(48, 1e-9, 1e-20)}, 2e-4, 1e-6);
  spec.protocol.push_back(spec.protocol[0]);
  spec.protocol[1].potential.kind = ne::PotentialKind::harmonic;
  spec.protocol[1].potential.frequency = 1e3;
  spec.initial.kind = ne::InitialKind::cat;
  spec.initial.width = 3e-9;
  spec.initial.separation = 12e-9;
  spec.channels = {std::make_shared<ne::GaussianChannel>(3000.0, 4e-9)};
  spec.outputs = 7;
  spec.output.checkpoint_every = 200;
  spec.output.checkpoint_file = dir + "/run.ckpt.h5";
  spec.output.snapshots = 3;
  spec.config_toml = "# test";
  return spec;
}
}  // namespace

TEST(CheckpointResume, ResumeIsBitIdentical) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_ckpt");
  auto spec = checkpoint_spec(dir);  // 400 steps; the last checkpoint is written at step 200
  const auto straight = run_quiet(spec);
  ASSERT_EQ(straight.checkpoint_written, spec.output.checkpoint_file);
  const auto resumed = run_quiet(spec, nanodecoh::Backend::cpu, spec.output.checkpoint_file);
  ASSERT_EQ(resumed.final_state.size(), straight.final_state.size());
  EXPECT_EQ(0, std::memcmp(resumed.final_state.data(), straight.final_state.data(),
                           straight.final_state.size() * sizeof(cplx)));
  ASSERT_EQ(resumed.series.size(), straight.series.size());
  for (std::size_t k = 0; k < straight.series.size(); ++k)
    EXPECT_EQ(resumed.series[k].purity, straight.series[k].purity);
}

TEST(CheckpointResume, StopFlagWritesACheckpointAndResumeFinishes) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_stop");
  auto spec = checkpoint_spec(dir);
  spec.output.checkpoint_every = 0;
  const auto straight = run_quiet(spec);
  std::atomic<bool> stop{true};
  ne::RunControl control;
  std::ostringstream notices;
  control.notices = &notices;
  control.stop = &stop;
  const auto stopped = ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_GE(stopped.steps, 1u);
  EXPECT_LT(stopped.steps, 400u);
  const auto resumed = run_quiet(spec, nanodecoh::Backend::cpu, spec.output.checkpoint_file);
  // The stop is honoured at a chunk boundary of the deterministic schedule, so the resumed
  // run is bit-identical to the straight one.
  ASSERT_EQ(resumed.final_state.size(), straight.final_state.size());
  EXPECT_EQ(0, std::memcmp(resumed.final_state.data(), straight.final_state.data(),
                           straight.final_state.size() * sizeof(cplx)));
}

TEST(CheckpointResume, CorruptCheckpointIsDetected) {
  const std::string dir = nanodecoh::testing::make_temp_dir("evo_corrupt");
  auto spec = checkpoint_spec(dir);
  run_quiet(spec);
  const std::string path = spec.output.checkpoint_file;
  // Flip bytes in the middle of rho (the largest dataset of the file).
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = std::filesystem::file_size(path);
  for (std::uintmax_t off = size / 3; off < size / 3 + 64; off += 8) {
    f.seekp(static_cast<std::streamoff>(off));
    f.put('\x5a');
  }
  f.close();
  try {
    run_quiet(spec, nanodecoh::Backend::cpu, path);
    FAIL() << "a corrupt checkpoint was accepted";
  } catch (const nanodecoh::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt"), std::string::npos) << e.what();
  }
  std::filesystem::resize_file(path, size / 2);
  EXPECT_THROW(run_quiet(spec, nanodecoh::Backend::cpu, path), nanodecoh::IoError);
}

TEST(InitialStateResolution, RefusesUnresolvedStatesWithTheNumbers) {
  ne::Grid grid({translation(64, 1e-9, 1e-18)});
  ne::InitialStateSpec narrow;
  narrow.width = 0.3e-9;
  try {
    ne::check_resolution(grid, ne::make_initial_state(grid, narrow));
    FAIL();
  } catch (const nanodecoh::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("momentum"), std::string::npos) << e.what();
  }
  ne::InitialStateSpec wide;
  wide.width = 20e-9;
  EXPECT_THROW(ne::check_resolution(grid, ne::make_initial_state(grid, wide)),
               nanodecoh::InvalidArgument);
}

TEST(SplitStepPotentials, LinearForceFollowsEhrenfest) {
  // V = -F x: <p>(t) = p0 + F t and <x>(t) = p0 t/M + F t^2/(2M) exactly (state far from the
  // edges).
  const double dx = 1e-9, M = 1e-18, s0 = 4 * dx, force = 2e-28, t = 0.5;
  auto spec = base_spec({translation(256, dx, M)}, t, t / 50);
  spec.protocol[0].potential.kind = ne::PotentialKind::linear;
  spec.protocol[0].potential.force = force;
  spec.initial.width = s0;
  spec.initial.center = -20e-9;
  spec.outputs = 3;
  const auto result = run_quiet(spec);
  for (const auto& o : result.series) {
    EXPECT_NEAR(o.axes[0].momentum_mean, force * o.time, 1e-8 * force * t);
    EXPECT_NEAR(o.axes[0].mean, -20e-9 + force * o.time * o.time / (2 * M), 1e-6 * dx);
  }
}

TEST(SplitStepPotentials, TabulatedPotentialMatchesTheAnalyticOne) {
  const double dx = 1e-9, M = hbar / (dx * dx);
  ne::Grid grid({translation(32, dx, M)});
  ne::Potential harmonic;
  harmonic.kind = ne::PotentialKind::harmonic;
  harmonic.frequency = 0.3;
  ne::Potential table;
  table.kind = ne::PotentialKind::table;
  for (double x = -20e-9; x <= 20e-9; x += 0.5e-9) {  // nodes contain the grid points: exact
    table.table_position.push_back(x);
    table.table_value.push_back(0.5 * M * 0.09 * x * x);
  }
  const auto a = ne::potential_on_grid(grid, harmonic), b = ne::potential_on_grid(grid, table);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], 1e-9 * a.back());
  ne::Potential well;
  well.kind = ne::PotentialKind::double_well;
  well.barrier = 2.0;
  well.minima = 4e-9;
  const auto w = ne::potential_on_grid(grid, well);
  EXPECT_NEAR(w[16], 2.0, 1e-12);  // x = 0: the barrier
  EXPECT_NEAR(w[20], 0.0, 1e-12);  // x = 4 nm: a minimum
}

TEST(Observables, WignerOfAGaussianIsNormalisedWithPeakOneOverPiHbar) {
  const double dx = 1e-9;
  ne::Grid grid({translation(128, dx, 1e-18)});
  ne::InitialStateSpec init;
  init.width = 6e-9;
  const auto rho = ne::make_initial_state(grid, init);
  ne::ObservableCalculator calc(grid);
  const auto w = calc.wigner(calc.reduced_matrix(rho, 0), 0);
  const auto p = calc.wigner_momenta(0);
  const double dp = p[1] - p[0];
  double sum = 0, peak = 0;
  for (double v : w) {
    sum += v * dx * dp;
    peak = std::max(peak, v);
  }
  EXPECT_NEAR(sum, 1.0, 1e-10);
  EXPECT_NEAR(peak * pi * hbar, 1.0, 1e-6);
}

TEST(SplitStepProperties, NonFiniteStateIsDetected) {
  auto p = problem_1d();
  auto prop =
      ne::make_cpu_propagator(ne::PropagatorLayout::from_grid(p.grid), ne::Precision::complex128);
  prop->set_state(p.rho0);
  EXPECT_TRUE(prop->all_finite());
  auto bad = p.rho0;
  bad[5] = cplx(std::nan(""), 0.0);
  prop->set_state(bad);
  EXPECT_FALSE(prop->all_finite());
  bad[5] = cplx(0.0, INFINITY);
  prop->set_state(bad);
  EXPECT_FALSE(prop->all_finite());
}
