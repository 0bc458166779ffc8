// The decoherence budget (budget.hpp): rows over the grid's separations along the initial
// state's axis, extended by doubling until every saturating channel has saturated.
#include "app/budget.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/localization_channels.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {
namespace {

using evolution::AxisKind;

/// Saturation test of the extension: F changed by at most this fraction over one doubling.
constexpr double saturation_tolerance = 1e-3;
/// At most this many doublings beyond the grid (a factor 2^40 ~ 1e12).
constexpr int max_doublings = 40;

/// The arguments of DissipationChannel::evaluate for a separation `d` along axis `a`:
/// a displacement d on a translation axis, or ket and bra angles centre +- d/2 on a rotation
/// axis; every other rotation axis at its centre.
struct Point {
  std::vector<double> displacement, ket, bra;
};

Point point_at(const std::vector<evolution::Axis>& axes, std::size_t a, double d) {
  Point p;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (axes[i].kind == AxisKind::translation) {
      p.displacement.push_back(i == a ? d : 0.0);
    } else {
      const double half = i == a ? 0.5 * d : 0.0;
      p.ket.push_back(axes[i].center + half);
      p.bra.push_back(axes[i].center - half);
    }
  }
  return p;
}

}  // namespace

Budget compute_budget(const EvolveInput& input, const evolution::SimulationSpec& spec,
                      const BudgetOptions& options) {
  const std::size_t a = spec.initial.axis;
  const evolution::Axis& axis = spec.axes.at(a);
  Budget b;
  b.axis_name = axis.name;
  b.rotation = axis.kind == AxisKind::rotation;
  const bool circle = b.rotation && axis.mode == evolution::RotationMode::circle;
  b.grid_step = circle ? 2.0 * constants::pi / static_cast<double>(axis.points) : axis.step;
  b.grid_points = axis.points;

  if (options.time) {
    require_positive("--time", *options.time);
    b.time = *options.time;
    b.time_origin = "--time";
  } else {
    for (const SegmentSpec& s : input.spec.protocol) b.time += s.segment.duration;
    b.time_origin = "the protocol's duration";
  }
  std::optional<double> superposition = options.superposition_size;
  if (superposition) {
    require_positive("--dx", *superposition);
    if (b.rotation) require_in_range("--dx", *superposition, 0.0, constants::pi);
  } else if (spec.initial.kind == evolution::InitialKind::cat && spec.initial.separation > 0.0) {
    superposition = spec.initial.separation;
  }

  // Separations of the grid: k step, k = 0 .. N-1 (on a circle, up to half a turn).
  std::vector<double> grid;
  const std::size_t last = circle ? axis.points / 2 : axis.points - 1;
  for (std::size_t k = 0; k <= last; ++k) grid.push_back(static_cast<double>(k) * b.grid_step);
  std::vector<double> rows = grid;
  if (superposition) rows.push_back(*superposition);
  std::sort(rows.begin(), rows.end());
  rows.erase(
      std::unique(rows.begin(), rows.end(),
                  [&](double x, double y) { return std::abs(x - y) <= 1e-12 * b.grid_step; }),
      rows.end());

  std::vector<std::unique_ptr<evolution::DissipationChannel>> diffusive;
  for (const auto& channel : spec.channels) {
    b.channels.push_back(
        {"channels[" + std::to_string(b.channels.size()) + "]", channel->name(), {}, {}, {}, {}});
    diffusive.push_back(channel->diffusive_approximation());
  }
  b.total.key = "total";
  b.total.name = "sum of the channels";
  // Rows are evaluated in batches: each channel's evaluate_points() gets every separation of
  // the batch at once (the engine channel integrates its distinct points in one batched
  // engine call instead of one call per row).
  auto add_rows = [&](const std::vector<double>& ds) {
    std::vector<std::vector<double>> displacement, ket, bra;
    for (double d : ds) {
      Point p = point_at(spec.axes, a, d);
      displacement.push_back(std::move(p.displacement));
      ket.push_back(std::move(p.ket));
      bra.push_back(std::move(p.bra));
    }
    std::vector<std::vector<std::complex<double>>> f(spec.channels.size());
    std::vector<std::vector<double>> lw(spec.channels.size());
    for (std::size_t c = 0; c < spec.channels.size(); ++c) {
      f[c] = spec.channels[c]->evaluate_points(displacement, ket, bra);
      for (std::size_t r = 0; r < ds.size(); ++r) {
        lw[c].push_back(diffusive[c]->evaluate(displacement[r], ket[r], bra[r]).real());
        if (!std::isfinite(f[c][r].real()) || !std::isfinite(f[c][r].imag()) ||
            !std::isfinite(lw[c][r]))
          throw NumericalError("budget: channel " + spec.channels[c]->name() +
                               " gave a non-finite F at separation " + format_number(ds[r]));
      }
    }
    // Only complete rows are kept.
    for (std::size_t r = 0; r < ds.size(); ++r) {
      const double d = ds[r];
      b.separation.push_back(d);
      b.on_grid.push_back(std::any_of(grid.begin(), grid.end(), [&](double g) {
        return std::abs(g - d) <= 1e-12 * b.grid_step;
      }));
      double total = 0.0, total_imag = 0.0, total_lw = 0.0;
      for (std::size_t c = 0; c < spec.channels.size(); ++c) {
        BudgetChannel& col = b.channels[c];
        col.rate.push_back(f[c][r].real());
        col.rate_imag.push_back(f[c][r].imag());
        col.rate_longwave.push_back(lw[c][r]);
        col.coherence.push_back(std::exp(-f[c][r].real() * b.time));
        total += f[c][r].real();
        total_imag += f[c][r].imag();
        total_lw += lw[c][r];
      }
      b.total.rate.push_back(total);
      b.total.rate_imag.push_back(total_imag);
      b.total.rate_longwave.push_back(total_lw);
      b.total.coherence.push_back(std::exp(-total * b.time));
    }
  };
  using clock = std::chrono::steady_clock;
  const auto seconds_since = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  const clock::time_point grid_start = clock::now();
  add_rows(rows);
  const double grid_seconds = seconds_since(grid_start);

  // Beyond the grid: double the separation until every channel that saturates has done so
  // (a diffusive channel never does and is not waited for); on a circle, up to half a turn.
  auto saturates = [&](std::size_t c) {
    return dynamic_cast<const evolution::DiffusiveChannel*>(spec.channels[c].get()) == nullptr;
  };
  // The engine channel's F tends to its total rate Gamma at large separations (F = Gamma (1 -
  // overlap of the ket and bra emission amplitudes), and the overlap's phase oscillates away:
  // docs/physics.md section 2). Once Re F is within the saturation tolerance of Gamma it has
  // saturated without another doubling, whose recoil phase would cost (2^2 = 4 times the
  // nodes) more than all the rows before it.
  auto at_its_limit = [&](std::size_t c, double rate) {
    const auto* engine =
        dynamic_cast<const evolution::LocalizationChannel*>(spec.channels[c].get());
    if (engine == nullptr) return false;
    const double gamma = engine->rate_scale();
    return std::abs(rate - gamma) <= saturation_tolerance * gamma;
  };
  auto saturated = [&]() {
    const std::size_t n = b.separation.size();
    if (n < 2) return false;
    for (std::size_t c = 0; c < b.channels.size(); ++c) {
      if (!saturates(c)) continue;
      const double now = b.channels[c].rate[n - 1], before = b.channels[c].rate[n - 2];
      if (at_its_limit(c, now)) continue;
      if (std::abs(now - before) > saturation_tolerance * std::abs(now)) return false;
    }
    return true;
  };
  // Time of the extension: an engine value's cost grows with the square of its recoil phase
  // (docs/localization.md), so a doubling costs about 4 times the one before. The first is
  // predicted from the grid's batch: with costs ~ k^2 over rows k = 1..N, the largest row is
  // about 3/N of the batch, and its double 4 times that.
  const double grid_rows = static_cast<double>(std::max<std::size_t>(rows.size(), 1));
  double predicted = 12.0 * grid_seconds / grid_rows;
  const clock::time_point extension_start = clock::now();
  b.extension_time_limit = options.extension_time_limit;
  double d = b.separation.back();
  int doublings = 0;
  while (!(doublings > 0 && saturated())) {
    const double spent = seconds_since(extension_start);
    if (spent + predicted > options.extension_time_limit) {
      std::string where = "stopped at separation " + format_number(d);
      for (std::size_t c = 0; c < b.channels.size(); ++c)
        if (saturates(c))
          where += ", " + b.channels[c].key + " F = " + format_number(b.channels[c].rate.back());
      b.extension_note = where + " before saturation: the next doubling would take about " +
                         format_duration(predicted) +
                         " (the engine's cost grows with the square "
                         "of the recoil phase), beyond --max-time " +
                         format_duration(options.extension_time_limit);
      break;
    }
    if (doublings == max_doublings) {
      b.extension_note = "not saturated within 2^" + std::to_string(max_doublings) +
                         " times the grid's largest separation";
      break;
    }
    if (b.rotation && d >= constants::pi) {
      b.extension_note = "angles stop at pi (half a turn)";
      break;
    }
    d = b.rotation ? std::min(2.0 * d, constants::pi) : 2.0 * d;
    ++doublings;
    try {
      const clock::time_point row_start = clock::now();
      add_rows({d});
      predicted = 4.0 * seconds_since(row_start);
    } catch (const NumericalError&) {
      throw;
    } catch (const Error& e) {
      // A channel known only on a finite range (an F-table file) ends the extension there.
      b.extension_note = "stopped at separation " + format_number(d) + ": " + e.what();
      break;
    }
  }
  if (superposition) {
    for (std::size_t r = 0; r < b.separation.size(); ++r)
      if (std::abs(b.separation[r] - *superposition) <= 1e-12 * b.grid_step)
        b.superposition_row = r;
  }
  return b;
}

}  // namespace nanodecoh::app
