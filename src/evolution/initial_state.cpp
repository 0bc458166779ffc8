// Initial states (initial_state.hpp): Gaussian wavepackets psi(x) ~
// exp(-(x - c)^2/(4 s^2) + i p x/hbar), the cat psi_+ + psi_-, the thermal
// state of a harmonic trap (Mehler kernel)
//   rho(x, x') ~ exp(-[(x^2 + x'^2) cosh(b) - 2 x x'] / (2 l^2 sinh(b))),
//   b = hbar omega/(k_B T), l^2 = hbar/(M omega),
// and a state read from HDF5; the resolution check of position and momentum.
#include "nanodecoh/evolution/initial_state.hpp"

#include <cmath>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/density_check.hpp"
#include "nanodecoh/evolution/observables.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

using cplx = std::complex<double>;

std::vector<cplx> gaussian_wave(const Grid& grid, std::size_t a, double center, double width,
                                double momentum) {
  const std::size_t n = grid.axes()[a].points;
  std::vector<cplx> psi(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = grid.coordinate(a, i);
    const double u = (x - center) / width;
    psi[i] = std::exp(cplx(-0.25 * u * u, momentum * x / constants::hbar));
  }
  return psi;
}

/// n x n matrix psi psi^dagger.
std::vector<cplx> pure(const std::vector<cplx>& psi) {
  const std::size_t n = psi.size();
  std::vector<cplx> m(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) m[i * n + j] = psi[i] * std::conj(psi[j]);
  return m;
}

}  // namespace

std::vector<cplx> make_initial_state(const Grid& grid, const InitialStateSpec& spec) {
  if (spec.axis >= grid.axis_count())
    throw InvalidArgument("initial.axis", std::to_string(spec.axis), "an existing axis");
  const std::size_t d = grid.axis_count();
  if (spec.kind == InitialKind::file) {
    io::Hdf5File file = io::Hdf5File::open_read(spec.path);
    std::vector<std::size_t> shape;
    std::vector<cplx> rho = file.read_complex(spec.dataset, &shape);
    if (rho.size() != grid.total_size())
      throw InvalidArgument(
          "initial.dataset",
          spec.path + ":" + spec.dataset + " with " + std::to_string(rho.size()) + " elements",
          std::to_string(grid.total_size()) + " elements (the grid's ket size squared)");
    for (std::size_t i = 0; i < rho.size(); ++i)
      if (!std::isfinite(rho[i].real()) || !std::isfinite(rho[i].imag()))
        throw InvalidArgument(
            "initial.dataset",
            spec.path + ":" + spec.dataset + " has NaN or inf at element " + std::to_string(i),
            "finite values");
    check_density_matrix(rho, grid.ket_size(), "initial.path", spec.path + ":" + spec.dataset);
    double trace = 0.0;
    for (std::size_t i = 0; i < grid.ket_size(); ++i) trace += rho[i * grid.ket_size() + i].real();
    if (!(trace > 0) || !std::isfinite(trace))
      throw InvalidArgument("initial.dataset", "trace " + format_number(trace),
                            "a state with positive finite trace");
    for (auto& v : rho) v /= trace;
    return rho;
  }
  // One factor matrix (n_a x n_a) per axis, then the tensor product.
  std::vector<std::vector<cplx>> factors(d);
  for (std::size_t a = 0; a < d; ++a) {
    const Axis& axis = grid.axes()[a];
    if (a != spec.axis) {
      const double w = spec.other_width > 0 ? spec.other_width : 4.0 * axis.step;
      factors[a] = pure(gaussian_wave(grid, a, axis.center, w, 0.0));
      continue;
    }
    switch (spec.kind) {
      case InitialKind::gaussian:
        require_positive("initial.width", spec.width);
        factors[a] = pure(gaussian_wave(grid, a, spec.center, spec.width, spec.momentum));
        break;
      case InitialKind::cat: {
        require_positive("initial.width", spec.width);
        require_positive("initial.separation", spec.separation);
        auto left =
            gaussian_wave(grid, a, spec.center - 0.5 * spec.separation, spec.width, spec.momentum);
        const auto right =
            gaussian_wave(grid, a, spec.center + 0.5 * spec.separation, spec.width, spec.momentum);
        for (std::size_t i = 0; i < left.size(); ++i) left[i] += right[i];
        factors[a] = pure(left);
        break;
      }
      case InitialKind::thermal: {
        require_positive("initial.temperature", spec.temperature);
        require_positive("initial.frequency", spec.frequency);
        const double b =
            constants::hbar * spec.frequency / (constants::k_boltzmann * spec.temperature);
        const double l2 = constants::hbar / (axis.inertia * spec.frequency);
        // cosh(b)/sinh(b) = coth(b), 1/sinh(b); written to stay finite for large b.
        const double coth = 1.0 / std::tanh(b);
        const double csch = b > 700 ? 0.0 : 1.0 / std::sinh(b);
        const std::size_t n = axis.points;
        factors[a].resize(n * n);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j) {
            const double x = grid.coordinate(a, i) - spec.center,
                         y = grid.coordinate(a, j) - spec.center;
            const double e = -((x * x + y * y) * coth - 2.0 * x * y * csch) / (2.0 * l2);
            factors[a][i * n + j] = std::exp(cplx(e, spec.momentum * (x - y) / constants::hbar));
          }
        break;
      }
      case InitialKind::file:
        break;
    }
  }
  const std::size_t nk = grid.ket_size();
  std::vector<cplx> rho(nk * nk);
  std::vector<std::vector<std::size_t>> indices(nk);  // grid.unravel once per ket index
  for (std::size_t I = 0; I < nk; ++I) indices[I] = grid.unravel(I);
  for (std::size_t I = 0; I < nk; ++I) {
    const auto& ii = indices[I];
    for (std::size_t J = 0; J < nk; ++J) {
      const auto& jj = indices[J];
      cplx v = 1.0;
      for (std::size_t a = 0; a < d; ++a) v *= factors[a][ii[a] * grid.axes()[a].points + jj[a]];
      rho[I * nk + J] = v;
    }
  }
  double trace = 0.0;
  for (std::size_t i = 0; i < nk; ++i) trace += rho[i * nk + i].real();
  if (!(trace > 0) || !std::isfinite(trace))
    throw InvalidArgument("initial", "a state with trace " + format_number(trace) + " on the grid",
                          "a state inside the grid (check initial.center and the axis range)");
  for (auto& v : rho) v /= trace;
  return rho;
}

void check_resolution(const Grid& grid, const std::vector<cplx>& rho, double tolerance) {
  ObservableCalculator calc(grid);
  for (std::size_t a = 0; a < grid.axis_count(); ++a) {
    const Axis& axis = grid.axes()[a];
    const auto reduced = calc.reduced_matrix(rho, a);
    const std::size_t n = axis.points;
    const bool periodic = axis.kind == AxisKind::rotation && axis.mode == RotationMode::circle;
    if (!periodic) {
      const std::size_t edge = std::max<std::size_t>(1, n / 20);
      double outer = 0.0;
      for (std::size_t i = 0; i < edge; ++i)
        outer += reduced[i * n + i].real() + reduced[(n - 1 - i) * n + (n - 1 - i)].real();
      if (outer > tolerance) {
        std::ostringstream msg;
        msg << "population " << format_number(outer) << " within 5% of the edges of axis "
            << axis.name << " (range " << format_number(grid.coordinate(a, 0)) << " to "
            << format_number(grid.coordinate(a, n - 1)) << ")";
        throw InvalidArgument("initial", msg.str(),
                              "a state inside the grid: more points or a larger step");
      }
    }
    const auto q = calc.momentum_distribution(reduced, a);
    const double kmax = constants::pi / axis.step;
    double outer = 0.0, p2 = 0.0;
    for (std::size_t f = 0; f < n; ++f) {
      const double k = grid.wavenumber(a, f);
      p2 += q[f] * k * k;
      if (std::fabs(k) > 0.9 * kmax) outer += q[f];
    }
    if (outer > tolerance) {
      std::ostringstream msg;
      msg << "momentum population " << format_number(outer) << " above 0.9 pi hbar/step on axis "
          << axis.name << " (rms momentum "
          << format_number(constants::hbar * std::sqrt(std::max(p2, 0.0)))
          << ", grid resolves up to " << format_number(grid.max_momentum(a)) << ")";
      throw InvalidArgument("initial", msg.str(), "a state resolved in momentum: a smaller step");
    }
  }
}

}  // namespace nanodecoh::evolution
