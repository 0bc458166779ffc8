// Helpers of the exact method's tests (test_exact_propagator.cpp, test_exact_axes.cpp): grids,
// segments, the Strang split operator as the oracle the exact
// method converges to, and run_simulation with two outputs.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/exact_propagator.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/protocol.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace nanodecoh::testing::exact {

namespace ne = nanodecoh::evolution;
using cplx = std::complex<double>;

constexpr double kMass = 1e-20;  // kg: hbar/M = 1.05e-14 m^2/s
constexpr double kStep = 1e-9;   // m

inline ne::Grid line(std::size_t points, double step = kStep) {
  ne::Axis axis;
  axis.points = points;
  axis.step = step;
  axis.inertia = kMass;
  return ne::Grid({axis});
}

inline ne::Segment segment(ne::PotentialKind kind, double duration, double value = 0.0) {
  ne::Segment s;
  s.duration = duration;
  s.potential.kind = kind;
  if (kind == ne::PotentialKind::harmonic) s.potential.frequency = value;
  if (kind == ne::PotentialKind::linear) s.potential.force = value;
  return s;
}

inline double max_abs_difference(const std::vector<cplx>& a, const std::vector<cplx>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

/// Strang split operator over the whole protocol, `steps_per_segment` steps in each segment.
inline std::vector<cplx> split_run(const ne::Grid& grid, const std::vector<ne::Segment>& protocol,
                                   const ne::ChannelList& channels,
                                   const ne::InitialStateSpec& initial,
                                   std::size_t steps_per_segment) {
  auto p = ne::make_propagator(nanodecoh::Backend::cpu, ne::PropagatorLayout::from_grid(grid),
                               ne::Precision::complex128);
  p->set_dissipation(ne::evaluate_channels(grid, channels));
  p->set_state(ne::make_initial_state(grid, initial));
  for (const auto& s : protocol) {
    p->set_segment(s.duration / static_cast<double>(steps_per_segment),
                   ne::potential_on_grid(grid, s.potential));
    p->advance(steps_per_segment);
  }
  return p->state();
}

/// run_simulation on the CPU (method "auto" unless the segments say otherwise) with two outputs
/// and its notices kept out of the test's output: the method plan and the result.
inline ne::RunResult run_two_outputs(const ne::Grid& grid, const ne::InitialStateSpec& in,
                                     const std::vector<ne::Segment>& protocol,
                                     const ne::ChannelList& channels, double time_step) {
  ne::SimulationSpec spec;
  spec.axes = grid.axes();
  spec.initial = in;
  spec.protocol = protocol;
  spec.channels = channels;
  spec.time_step = time_step;
  spec.outputs = 2;
  std::ostringstream notices;
  ne::RunControl control;
  control.notices = &notices;
  return ne::run_simulation(spec, nanodecoh::Backend::cpu, control);
}

/// The split operator converges to the exact rho as dt^2 at 25, 50 and 100 steps (ratios 4 within
/// the next order's share, see the callers), 400 steps are within errors[100]/12 of it (the dt^2
/// law gives /16; /12 leaves room for the floor), and with the dt^2 term removed (Richardson,
/// 200 and 400 steps) the two agree to `extrapolated_bound` of max |rho|.
inline void expect_split_converges_to_exact(const ne::Grid& grid,
                                            const std::vector<ne::Segment>& protocol,
                                            const ne::ChannelList& channels,
                                            const ne::InitialStateSpec& in,
                                            double extrapolated_bound) {
  const ne::ExactPropagator exact(grid, protocol, channels, in, 1e-13);
  double error = 1.0;
  const auto reference = exact.density_matrix(exact.duration(), &error);
  EXPECT_LT(error, 1e-12);  // the estimate against 10x the configured tolerance 1e-13
  double scale = 0.0;
  for (const auto& v : reference) scale = std::max(scale, std::abs(v));
  std::vector<double> errors;
  for (std::size_t steps : {25, 50, 100})
    errors.push_back(max_abs_difference(split_run(grid, protocol, channels, in, steps), reference) /
                     scale);
  EXPECT_GT(errors[0], 1e-6) << "the split error should be visible at 25 steps";
  EXPECT_NEAR(errors[0] / errors[1], 4.0, 0.03);
  EXPECT_NEAR(errors[1] / errors[2], 4.0, 0.04);
  const auto coarse = split_run(grid, protocol, channels, in, 200);
  const auto fine = split_run(grid, protocol, channels, in, 400);
  std::vector<cplx> extrapolated(fine.size());
  for (std::size_t i = 0; i < fine.size(); ++i) extrapolated[i] = (4.0 * fine[i] - coarse[i]) / 3.0;
  EXPECT_LT(max_abs_difference(fine, reference) / scale, errors[2] / 12.0);
  EXPECT_LT(max_abs_difference(extrapolated, reference) / scale, extrapolated_bound)
      << "errors " << errors[0] << " " << errors[1] << " " << errors[2] << " extrapolated "
      << max_abs_difference(extrapolated, reference) / scale;
}

/// `nanodecoh evolve` of the two-segment configuration at `path` (written in `dir`) through the
/// CLI as it stands ("auto"): no steps, both segments exact with `reason` in their reason, an error
/// estimate below 1e-10 and a final rho of `size` elements; then the same run with both segments
/// on the split operator at time.step `steps` (2 and 1 us unless given): their errors fall as
/// dt^2 (ratio 4 +- 0.05) and their Richardson extrapolation agrees with the exact rho within
/// `bound` of its largest element (the split operator's grid floor and dt^4 remainder).
inline void expect_cli_exact_matches_extrapolated_split(
    const std::string& dir, const std::string& path, const std::string& reason, std::size_t size,
    double bound, const std::array<const char*, 2>& steps = {"2.0e-6", "1.0e-6"}) {
  using nanodecoh::testing::run_cli;
  const auto r =
      run_cli({"evolve", path, "--out", dir + "/exact.h5", "--json", "--backend", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["steps"], 0);
  ASSERT_EQ(j["segments"].size(), 2u);
  for (const auto& segment : j["segments"]) {
    EXPECT_EQ(segment["method"], "exact") << segment;
    EXPECT_NE(segment["reason"].get<std::string>().find(reason), std::string::npos) << segment;
  }
  EXPECT_LT(j["exact_error_estimate"].get<double>(), 1e-10);
  const auto exact =
      nanodecoh::io::Hdf5File::open_read(dir + "/exact.h5").read_complex("final/rho");
  ASSERT_EQ(exact.size(), size);
  std::vector<std::vector<cplx>> split;
  for (const char* dt : steps) {
    const std::string out = dir + "/split" + std::to_string(split.size()) + ".h5";
    const auto s = run_cli({"evolve", path, "--out", out, "--quiet", "--backend", "cpu", "--set",
                            std::string("time.step=") + dt, "--set", "protocol[0].method=\"split\"",
                            "--set", "protocol[1].method=\"split\""});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    split.push_back(nanodecoh::io::Hdf5File::open_read(out).read_complex("final/rho"));
  }
  std::vector<cplx> extrapolated(exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i)
    extrapolated[i] = (4.0 * split[1][i] - split[0][i]) / 3.0;
  double scale = 0.0;
  for (const cplx& v : exact) scale = std::max(scale, std::abs(v));
  const double coarse = max_abs_difference(split[0], exact) / scale,
               fine = max_abs_difference(split[1], exact) / scale;
  EXPECT_NEAR(coarse / fine, 4.0, 0.05);
  EXPECT_LT(max_abs_difference(extrapolated, exact) / scale, bound)
      << "errors " << coarse << " " << fine;
}

/// `nanodecoh evolve` of the configuration `text`, written as dir/name.toml, into dir/name.h5,
/// with --json on the CPU.
inline nanodecoh::testing::CliResult evolve_json(const std::string& dir, const std::string& name,
                                                 const std::string& text) {
  std::ofstream(dir + "/" + name + ".toml") << text;
  return nanodecoh::testing::run_cli({"evolve", dir + "/" + name + ".toml", "--out",
                                      dir + "/" + name + ".h5", "--json", "--backend", "cpu"});
}

/// Two exact runs of the same problem (evolve_json's dir/a.h5 and dir/b.h5, `ja` and `jb` their
/// summaries) agree: chi differs by at most their estimates, so rho (a trapezoid sum over k,
/// weights summing to one per chord) by at most twice their sum, plus rounding, and the branch
/// coherence by twice that; and the channels acted (coherence below `acted`).
inline void expect_exact_runs_agree(const std::string& dir, const std::string& a,
                                    const nlohmann::json& ja, const std::string& b,
                                    const nlohmann::json& jb, double acted) {
  const double bound =
      2.0 * (ja["exact_error_estimate"].get<double>() + jb["exact_error_estimate"].get<double>()) +
      1e-14;
  const auto rho_a =
      nanodecoh::io::Hdf5File::open_read(dir + "/" + a + ".h5").read_complex("final/rho");
  const auto rho_b =
      nanodecoh::io::Hdf5File::open_read(dir + "/" + b + ".h5").read_complex("final/rho");
  EXPECT_LE(max_abs_difference(rho_a, rho_b), bound);
  const double coherence = ja["final"]["coherence_normalized"].get<double>();
  EXPECT_LT(coherence, acted);
  EXPECT_NEAR(coherence, jb["final"]["coherence_normalized"].get<double>(), 2.0 * bound);
}

// ---- oracles of the several-axes tests, written from the physics, not from the code ----------

/// The protocol as one axis of a grid of several sees it (a potential on another axis leaves it
/// free), for that axis alone.
inline std::vector<ne::Segment> seen_by(const std::vector<ne::Segment>& protocol,
                                        std::size_t axis) {
  std::vector<ne::Segment> own = protocol;
  for (auto& s : own) {
    if (s.potential.axis != axis) s.potential = ne::Potential{};
    s.potential.axis = 0;
  }
  return own;
}

/// The initial state's factor on axis a (initial_state.hpp's rule: the chosen state on its axis;
/// on every other a Gaussian at rest centred on the axis, of width other_width, default 4 steps).
inline ne::InitialStateSpec factor_on(const ne::InitialStateSpec& in, const ne::Axis& axis,
                                      std::size_t a) {
  if (a == in.axis) {
    ne::InitialStateSpec f = in;
    f.axis = 0;
    return f;
  }
  ne::InitialStateSpec f;
  f.kind = ne::InitialKind::gaussian;
  f.width = in.other_width > 0.0 ? in.other_width : 4.0 * axis.step;
  f.center = axis.center;
  return f;
}

/// The moving Gaussian of the characteristic-quadrature tests on several axes: width 3 nm,
/// centre -1 nm, momentum 8e-27 kg m/s on axis 0, width `other_width` on the other axes.
inline ne::InitialStateSpec moving_gaussian(double other_width) {
  ne::InitialStateSpec in;
  in.kind = ne::InitialKind::gaussian;
  in.axis = 0;
  in.width = 3e-9;
  in.center = -1e-9;
  in.momentum = 8e-27;
  in.other_width = other_width;
  return in;
}

/// chi_0 of a Gaussian of width s with centre c and momentum p on one axis:
/// exp(-k^2 s^2/2 - r^2/(8 s^2) - i k c + i p r/hbar).
inline cplx gaussian_chi0(double s, double c, double p, double k, double r) {
  const double hbar = nanodecoh::constants::hbar;
  return std::exp(cplx(-0.5 * k * k * s * s - r * r / (8.0 * s * s), -k * c + p * r / hbar));
}

/// (k, r) of one axis at time tau before the end of a segment (harmonic with frequency w > 0 on
/// this axis, otherwise straight), from Hamilton's equations for the chord variables:
/// dr/dt = hbar k/M, dk/dt = -M w^2 r/hbar (the moment of inertia for M on a libration axis).
inline void back(double w, double mass, double tau, double& k, double& r) {
  const double hbar = nanodecoh::constants::hbar;
  if (w > 0.0) {
    const double c = std::cos(w * tau), s = std::sin(w * tau);
    const double k0 = k * c + mass * w / hbar * s * r, r0 = r * c - hbar / (mass * w) * s * k;
    k = k0;
    r = r0;
  } else {
    r -= hbar / mass * k * tau;
  }
}

/// An F table in memory: orientations turned by `angles` about z (the identity: {0}),
/// displacements j step along each of `directions` (unit vectors of the lab frame) for j = 0..count
/// (dX >= 0 only along x; the channel completes dX < 0 by Hermiticity), F the Gaussian closed form
/// of |dX|, with the y component weighted by `y_weight` (1: a function of |dX|), plus
/// angular_rate (1 - cos(angle_i - angle_j)) between orientations i and j (0: independent of the
/// orientation).
inline std::shared_ptr<ne::FTableChannel> gaussian_table(
    double rate, double a, double step, std::size_t count,
    const std::vector<std::array<double, 3>>& directions = {{1.0, 0.0, 0.0}}, double y_weight = 1.0,
    const std::vector<double>& angles = {0.0}, double angular_rate = 0.0) {
  nanodecoh::io::FTable table;
  for (double angle : angles) {
    const double c = std::cos(angle), s = std::sin(angle);
    table.orientations.push_back({c, -s, 0, s, c, 0, 0, 0, 1});
  }
  for (std::size_t d = 0; d < directions.size(); ++d)
    for (std::size_t j = d == 0 ? 0 : 1; j <= count; ++j) {
      const double length = static_cast<double>(j) * step;
      table.displacements.push_back(
          {length * directions[d][0], length * directions[d][1], length * directions[d][2]});
    }
  for (double ket : angles)
    for (double bra : angles)
      for (const auto& v : table.displacements) {
        const double d2 = v[0] * v[0] + y_weight * y_weight * v[1] * v[1] + v[2] * v[2];
        table.values.push_back(rate * -std::expm1(-d2 / (4 * a * a)) +
                               angular_rate * (1.0 - std::cos(ket - bra)));
      }
  table.rate = rate;
  table.tolerance = 1e-15;
  return std::make_shared<ne::FTableChannel>(table, "gaussian.h5", Eigen::Vector3d(0, 0, 1));
}

/// rho (row-major, n x n) is a physical state: trace 1 within `trace_tolerance` (the continuum
/// state's weight outside the box and the tolerance), Hermitian (the chords -d are written as
/// the conjugates of the chords d, exactly), positive up to the eigensolver's rounding
/// (n u |rho|), and mixed by the channels (purity in (0, 0.99)).
inline void expect_physical_mixed_state(const std::vector<cplx>& rho, std::size_t n,
                                        double trace_tolerance) {
  Eigen::MatrixXcd m(n, n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) m(i, j) = rho[i * n + j];
  EXPECT_NEAR(m.trace().real(), 1.0, trace_tolerance);
  EXPECT_LT((m - m.adjoint()).cwiseAbs().maxCoeff(), 1e-16);
  const Eigen::VectorXd eigen =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd>(m, Eigen::EigenvaluesOnly).eigenvalues();
  EXPECT_GT(eigen.minCoeff(), -1e-13);
  const double purity = (m * m).trace().real();
  EXPECT_GT(purity, 0.0);
  EXPECT_LT(purity, 0.99);
}

}  // namespace nanodecoh::testing::exact
