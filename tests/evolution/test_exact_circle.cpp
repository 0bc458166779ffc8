// The exact method on a full circle (a free rotor; docs/physics.md, "A free rotor on a circle")
// against oracles written here, independent of the chi kernel: the periodised wave function
// summed directly, the free rotor's revivals, the master equation in the angular-momentum basis
// (each channel's F a Fourier series in phi - phi', so that -F rho couples rho_{m,m'} to
// rho_{m-n,m'-n}; one matrix exponential per k = m - m'), the split operator through the CLI,
// and the refusals.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exact_test_support.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;
using nanodecoh::constants::hbar;
using nanodecoh::constants::pi;
using nanodecoh::testing::exact::segment;

constexpr double kInertia = 1e-34;  // kg m^2: hbar/I = 1.05 1/s, a revival every 11.9 s
const double kRevival = 4.0 * pi * kInertia / hbar;

ne::Grid circle(std::size_t points) {
  ne::Axis axis;
  axis.kind = ne::AxisKind::rotation;
  axis.name = "phi";
  axis.mode = ne::RotationMode::circle;
  axis.points = points;
  axis.inertia = kInertia;
  return ne::Grid({axis});
}

/// A cat of two Gaussians (width 0.25 rad, 2.2 rad apart, centre 0.3 rad) with angular momentum
/// 1.5 hbar: not an integer, so the momentum's phase differs from one copy of the line state to
/// the next in the periodisation.
ne::InitialStateSpec rotor_cat() {
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::cat;
  in.width = 0.25;
  in.separation = 2.2;
  in.center = 0.3;
  in.momentum = 1.5 * hbar;
  return in;
}

/// The line state's wave function (unnormalised) and its periodisation,
/// psi(phi) = sum_n psi_line(phi + 2 pi n), summed here over |n| <= 6.
cplx line_wave(const ne::InitialStateSpec& in, double x) {
  const auto bump = [&](double c) {
    return std::exp(-(x - c) * (x - c) / (4.0 * in.width * in.width));
  };
  const double shape = in.kind == ne::InitialKind::cat ? bump(in.center - 0.5 * in.separation) +
                                                             bump(in.center + 0.5 * in.separation)
                                                       : bump(in.center);
  return shape * std::polar(1.0, in.momentum * x / hbar);
}
cplx periodic_wave(const ne::InitialStateSpec& in, double phi) {
  cplx sum = 0.0;
  for (int n = -6; n <= 6; ++n) sum += line_wave(in, phi + 2.0 * pi * n);
  return sum;
}

/// The angular-momentum amplitudes c_m (|m| <= m_max) of the normalised periodic wave function,
/// by the trapezoid rule on 2048 points (exact for |m| < 1024, and the amplitudes fall below
/// 1e-30 long before).
std::vector<cplx> amplitudes(const ne::InitialStateSpec& in, int m_max) {
  constexpr int n = 2048;
  std::vector<cplx> psi(n);
  double norm = 0.0;
  for (int i = 0; i < n; ++i) {
    psi[i] = periodic_wave(in, 2.0 * pi * i / n);
    norm += std::norm(psi[i]) * 2.0 * pi / n;
  }
  std::vector<cplx> c(2 * m_max + 1);
  for (int m = -m_max; m <= m_max; ++m) {
    cplx sum = 0.0;
    for (int i = 0; i < n; ++i) sum += psi[i] * std::polar(1.0, -m * 2.0 * pi * i / n);
    c[m + m_max] = sum * (2.0 * pi / n) / std::sqrt(2.0 * pi * norm);
  }
  return c;
}

/// exp(A) by scaling and squaring of the Taylor series (degree 24).
Eigen::MatrixXcd exponential(const Eigen::MatrixXcd& a) {
  const double norm = a.cwiseAbs().rowwise().sum().maxCoeff();
  int squarings = 0;
  while (norm / std::ldexp(1.0, squarings) > 0.25) ++squarings;
  const Eigen::MatrixXcd scaled = a / std::ldexp(1.0, squarings);
  Eigen::MatrixXcd sum = Eigen::MatrixXcd::Identity(a.rows(), a.cols()), term = sum;
  for (int p = 1; p <= 24; ++p) {
    term = term * scaled / static_cast<double>(p);
    sum += term;
  }
  for (int s = 0; s < squarings; ++s) sum = sum * sum;
  return sum;
}

/// The master equation in the angular-momentum basis, rho = sum rho_{m,m'} |m><m'|, |m| <= m_max:
/// d rho_{m,m'}/dt = -i hbar (m^2 - m'^2)/(2 I) rho_{m,m'} - sum_n f_n rho_{m-n,m'-n} for
/// F(r) = sum_n f_n exp(i n r) (so that -F(phi - phi') rho(phi, phi') is that sum). k = m - m' is
/// kept: one matrix exponential per k. Returns rho(phi, phi') at time t as a function.
std::function<cplx(double, double)> ladder_solution(const ne::InitialStateSpec& in,
                                                    const std::map<int, cplx>& fourier, double t,
                                                    int m_max = 48) {
  const std::vector<cplx> c = amplitudes(in, m_max);
  const int size = 2 * m_max + 1;
  Eigen::MatrixXcd rho = Eigen::MatrixXcd::Zero(size, size);
  for (int k = -(size - 1); k <= size - 1; ++k) {
    // The pairs (m' + k, m') inside the truncation, indexed by m'.
    const int lo = std::max(-m_max, -m_max - k), hi = std::min(m_max, m_max - k);
    if (lo > hi) continue;
    const int count = hi - lo + 1;
    Eigen::MatrixXcd a = Eigen::MatrixXcd::Zero(count, count);
    Eigen::VectorXcd start(count);
    for (int q = 0; q < count; ++q) {
      const int mp = lo + q, m = mp + k;
      start(q) = c[m + m_max] * std::conj(c[mp + m_max]);
      a(q, q) = cplx(0.0, -hbar * (static_cast<double>(m) * m - static_cast<double>(mp) * mp) /
                              (2.0 * kInertia));
      for (const auto& [n, f] : fourier)
        if (q - n >= 0 && q - n < count) a(q, q - n) -= f;
    }
    const Eigen::VectorXcd end = exponential(a * t) * start;
    for (int q = 0; q < count; ++q) rho(lo + q + k + m_max, lo + q + m_max) = end(q);
  }
  return [rho, m_max](double phi, double phi_prime) {
    cplx sum = 0.0;
    for (int m = -m_max; m <= m_max; ++m)
      for (int mp = -m_max; mp <= m_max; ++mp)
        sum += rho(m + m_max, mp + m_max) * std::polar(1.0, m * phi - mp * phi_prime);
    return sum / (2.0 * pi);
  };
}

/// The Fourier coefficients of the angular channels: the diffusive Lambda (2 sin(r/2))^2 =
/// 2 Lambda - Lambda (e^{ir} + e^{-ir}), and the saturating Gaussian
/// Gamma (1 - exp(-sin^2(r/2)/b^2)) = Gamma (1 - e^{-x} sum_n I_n(x) e^{inr}), x = 1/(2 b^2).
std::map<int, cplx> angular_fourier(double lambda, double gamma, double b) {
  std::map<int, cplx> f;
  f[0] += 2.0 * lambda;
  f[1] -= lambda;
  f[-1] -= lambda;
  const double x = 1.0 / (2.0 * b * b);
  f[0] += gamma * (1.0 - std::exp(-x) * std::cyl_bessel_i(0.0, x));
  for (int n = 1; n <= 40; ++n) {
    const double v = gamma * std::exp(-x) * std::cyl_bessel_i(static_cast<double>(n), x);
    f[n] -= v;
    f[-n] -= v;
  }
  return f;
}

/// Angles at which elements are compared: grid points and points between them, both signs of
/// phi - phi', and pairs across the seam at +-pi.
const std::vector<std::pair<double, double>> kPairs{
    {0.0, 0.0}, {0.3, -0.8}, {-1.2, 1.0}, {2.9, -3.0}, {-3.1, 3.05},
    {1.4, 1.4}, {0.77, 2.3}, {-2.2, 0.1}, {3.0, 0.5},  {-0.4, -2.6}};

// The free rotor (no channel): rho at t = 0 is the periodised state built here; at the revival
// time 4 pi I/hbar every amplitude's phase exp(-i hbar m^2 t/(2 I)) is 1 and rho returns; at
// half of it the phase is (-1)^m, rho(phi, phi') = rho_0(phi + pi, phi' + pi); at a quarter it
// is 1 for even m and -i for odd m, psi = ((1 - i) psi_0(phi) + (1 + i) psi_0(phi + pi))/2.
// Measured 2026-12-02 (x86-64): within 4.2e-15 everywhere (of max |rho| 0.5); bounds 1e-13.
TEST(ExactOnACircle, TheFreeRotorRevives) {
  const ne::Grid grid = circle(64);
  ne::InitialStateSpec in = rotor_cat();
  const ne::ExactPropagator exact(grid, {segment(ne::PotentialKind::free, kRevival)}, {}, in,
                                  1e-12);
  double norm = 0.0;
  for (int i = 0; i < 4096; ++i) norm += std::norm(periodic_wave(in, 2.0 * pi * i / 4096.0));
  norm *= 2.0 * pi / 4096.0;
  const auto rho0 = [&](double a, double b) {
    return periodic_wave(in, a) * std::conj(periodic_wave(in, b)) / norm;
  };
  const cplx a(0.5, -0.5), b(0.5, 0.5);
  const auto quarter = [&](double x, double y) {
    return a * std::conj(a) * rho0(x, y) + a * std::conj(b) * rho0(x, y + pi) +
           b * std::conj(a) * rho0(x + pi, y) + b * std::conj(b) * rho0(x + pi, y + pi);
  };
  for (const auto& [x, y] : kPairs) {
    EXPECT_NEAR(std::abs(exact.element(0.0, x, y) - rho0(x, y)), 0.0, 1e-13) << x << " " << y;
    EXPECT_NEAR(std::abs(exact.element(kRevival, x, y) - rho0(x, y)), 0.0, 1e-13) << x << " " << y;
    EXPECT_NEAR(std::abs(exact.element(0.5 * kRevival, x, y) - rho0(x + pi, y + pi)), 0.0, 1e-13)
        << x << " " << y;
    EXPECT_NEAR(std::abs(exact.element(0.25 * kRevival, x, y) - quarter(x, y)), 0.0, 1e-13)
        << x << " " << y;
  }
  // rho on the grid: step rho(phi_i, phi_j), the same at the revival.
  const auto start = exact.density_matrix(0.0), back = exact.density_matrix(kRevival);
  const std::size_t n = grid.axes()[0].points;
  const double step = grid.axes()[0].step;
  double trace = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    trace += start[i * n + i].real();
    for (std::size_t j = 0; j < n; ++j) {
      const cplx expected = step * rho0(grid.coordinate(0, i), grid.coordinate(0, j));
      ASSERT_NEAR(std::abs(start[i * n + j] - expected), 0.0, 1e-13) << i << " " << j;
      ASSERT_NEAR(std::abs(back[i * n + j] - expected), 0.0, 1e-13) << i << " " << j;
    }
  }
  EXPECT_NEAR(trace, 1.0, 1e-13);
  // chi takes integer k only on a circle.
  EXPECT_THROW((void)exact.chord(0.0, 0.5, 0.1), nanodecoh::InvalidArgument);
}

// Both closed-form angular channels (diffusive and the saturating Gaussian of the chord) against
// the angular-momentum ladder, at times where the fastest k wind their paths ~15 times around the
// circle (the kernel's whole turns and the Gaussian's cuts at each dip). Measured 2026-12-02
// (x86-64): elements within 5e-15, rho on the grid within 8.9e-16; bounds 1e-13 and 1e-14.
TEST(ExactOnACircle, AngularChannelsMatchTheAngularMomentumLadder) {
  const ne::Grid grid = circle(64);
  const double lambda = 0.3, gamma = 0.8, b = 0.5;
  const ne::ChannelList channels{std::make_shared<ne::DiffusiveChannel>(0.0, lambda),
                                 std::make_shared<ne::GaussianChannel>(gamma, 1e-9, b)};
  const ne::InitialStateSpec in = rotor_cat();
  const std::map<int, cplx> fourier = angular_fourier(lambda, gamma, b);
  const ne::ExactPropagator exact(
      grid, {segment(ne::PotentialKind::free, 1.2), segment(ne::PotentialKind::free, 1.8)},
      channels, in, 1e-12);
  EXPECT_FALSE(exact.tabulated());
  for (double t : {0.7, 3.0}) {
    const auto oracle = ladder_solution(in, fourier, t);
    double worst_estimate = 0.0;
    for (const auto& [x, y] : kPairs) {
      double estimate = 1.0;
      const cplx got = exact.element(t, x, y, &estimate);
      worst_estimate = std::max(worst_estimate, estimate);
      EXPECT_NEAR(std::abs(got - oracle(x, y)), 0.0, 1e-13) << "t " << t << " at " << x << " " << y;
    }
    EXPECT_LT(worst_estimate, 1e-11);
    // The coherence between the branches has decayed, and not to zero.
    const double coherence = std::abs(oracle(0.3 - 1.1, 0.3 + 1.1));
    EXPECT_GT(coherence, 1e-3);
    EXPECT_LT(coherence, 0.95 * std::abs(ladder_solution(in, fourier, 0.0)(-0.8, 1.4)));
    // rho on the grid: every element.
    const auto rho = exact.density_matrix(t, nanodecoh::Backend::cpu);
    const std::size_t n = grid.axes()[0].points;
    const double step = grid.axes()[0].step;
    double worst = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        worst = std::max(worst, std::abs(rho[i * n + j] - step * oracle(grid.coordinate(0, i),
                                                                        grid.coordinate(0, j))));
    EXPECT_LT(worst, 1e-14) << "t " << t;
  }
}

// A channel without a closed form (a function of phi - phi' with an imaginary part odd in it,
// F = Gamma (1 - cos r) + i gamma sin r: Hermitian, F(0) = 0) is tabulated over one turn and
// integrated along paths that wind many times around the circle; against the ladder with
// f_0 = Gamma, f_(+-1) = (-Gamma +- gamma)/2, within the error the run states: chi within its
// estimate (the table's bound times the duration, 3.0e-8 here), so rho (a sum over k of weight
// 1/(2 pi) each, |k| <= K) within (2K+1)/(2 pi) of it. Measured 2026-12-02 (x86-64): 2.5e-10 at
// worst, against a bound of ~1e-6.
TEST(ExactOnACircle, ATabulatedChannelMatchesTheLadderAcrossManyTurns) {
  const ne::Grid grid = circle(64);
  const double gamma_real = 0.6, gamma_imaginary = 0.25;
  const ne::ChannelList channels{std::make_shared<ne::FunctionChannel>(
      [=](const std::vector<double>&, const std::vector<double>& ket,
          const std::vector<double>& bra) {
        const double r = ket[0] - bra[0];
        return cplx(gamma_real * (1.0 - std::cos(r)), gamma_imaginary * std::sin(r));
      },
      "periodic", 0.0)};
  const ne::InitialStateSpec in = rotor_cat();
  const ne::ExactPropagator exact(grid, {segment(ne::PotentialKind::free, 3.0)}, channels, in,
                                  1e-10);
  ASSERT_TRUE(exact.tabulated());
  EXPECT_NE(exact.table_description().find("|phi - phi'| <= "), std::string::npos)
      << exact.table_description();
  const std::map<int, cplx> fourier{{0, gamma_real},
                                    {1, 0.5 * (-gamma_real + gamma_imaginary)},
                                    {-1, 0.5 * (-gamma_real - gamma_imaginary)}};
  const auto oracle = ladder_solution(in, fourier, 3.0);
  for (const auto& [x, y] : kPairs) {
    double estimate = 1.0;
    const cplx got = exact.element(3.0, x, y, &estimate);
    // The table's bound times the duration, as the estimate states it, and the rounding.
    EXPECT_LT(estimate, 1e-6);
    EXPECT_NEAR(std::abs(got - oracle(x, y)), 0.0,
                estimate * static_cast<double>(exact.k_points()) / (2.0 * pi) + 1e-13)
        << x << " " << y;
  }
}

// What the exact method does not take on a circle, each refused naming the segment and why: a
// constant torque (not periodic) and a state from a file; a harmonic potential
// (I w^2 (1 - cos phi) there) is refused in test_exact_propagator.cpp.
TEST(ExactOnACircle, RefusesWhatItDoesNotCover) {
  const ne::Grid grid = circle(32);
  const auto refused = [&](const std::vector<ne::Segment>& protocol, const ne::InitialStateSpec& in,
                           const std::string& reason) {
    try {
      const ne::ExactPropagator exact(grid, protocol, {}, in, 1e-10);
      ADD_FAILURE() << "accepted; expected " << reason;
    } catch (const nanodecoh::InvalidArgument& e) {
      EXPECT_EQ(e.parameter(), "protocol[0].method");
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  refused({segment(ne::PotentialKind::linear, 1.0, 1e-34)}, rotor_cat(),
          "a constant torque's potential -torque phi is not periodic");
  ne::InitialStateSpec file;
  file.kind = ne::InitialKind::file;
  file.path = "state.h5";
  refused({segment(ne::PotentialKind::free, 1.0)}, file,
          "the exact method starts a circle from the closed-form states");
}

// Through the CLI as a user runs it: "auto" takes the exact method on a circle with free flight
// and the angular channels and says so per segment; the split operator's error falls as dt^2
// towards the exact rho (ratio 4), and its Richardson extrapolation agrees with it to the split
// operator's floor. Measured 2026-12-02 (x86-64): errors 1.9e-6 and 4.75e-7 of max |rho| (ratio
// 4.0002), extrapolated 8.3e-11; bound 3e-10. The cat sits away from the seam (its tails there
// below 1e-20), so that the grid's state and the periodised one are the same.
TEST(ExactOnACircle, RunsThroughTheCliAndAgreesWithTheSplitOperator) {
  const std::string dir = nanodecoh::testing::make_temp_dir("exact_circle_cli");
  const std::string path = dir + "/circle.toml";
  std::ofstream(path) << R"(
[particle]
moment_of_inertia = 1e-34
[[axes]]
kind = "rotation"
name = "phi"
mode = "circle"
points = 128
[initial]
kind = "cat"
axis = "phi"
width = 0.15
separation = 2.2
[time]
step = 0.005
outputs = 3
[[protocol]]
duration = 0.4
potential = "free"
[[protocol]]
duration = 0.6
potential = "free"
[[channels]]
kind = "gaussian"
rate = 0.8
length = 1e-9
angular_length = 0.5
[[channels]]
kind = "diffusive"
lambda = 0.0
angular_lambda = 0.3
[output]
final_state = true
)";
  nanodecoh::testing::exact::expect_cli_exact_matches_extrapolated_split(
      dir, path, "free rotor on a full circle", 128 * 128, 3e-10, {"0.005", "0.0025"});
}

}  // namespace
