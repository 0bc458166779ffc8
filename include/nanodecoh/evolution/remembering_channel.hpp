// A dissipation channel that returns again what it computed before for the same input: a sweep's
// points share F tables through it (src/app/sweep.cpp), and a run's method plan and its exact
// propagator share the checks of the tabulated channels (the engine evaluated once).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

#include "nanodecoh/evolution/channels.hpp"

namespace nanodecoh::evolution {

/// What a remembering channel keeps.
struct RememberOptions {
  /// The F tables it built (tabulate: one per grid and backend).
  bool tables = true;
  /// The batches of points it evaluated (evaluate_points: one per list of points and backend)
  /// of at most this many points.
  std::size_t max_batch_points = static_cast<std::size_t>(-1);
};

/// `inner` wrapped so that tabulate and evaluate_points return what they returned before for
/// the same grid or points and backend (exactly: the keys hold every coordinate), as `options`
/// says; a computation that throws is not kept. Everything else is the inner channel's
/// (definition() included, so the exact method sees the same closed forms). `computed` (if set)
/// counts the tables and batches the inner channel computed. A remembering channel that keeps at
/// least what `options` asks for is returned as it is when no `computed` is given (so that a
/// sweep's channel is not wrapped again by run_simulation).
std::shared_ptr<const DissipationChannel> remembering_channel(
    std::shared_ptr<const DissipationChannel> inner, RememberOptions options = {},
    std::shared_ptr<std::atomic<std::size_t>> computed = nullptr);

}  // namespace nanodecoh::evolution
