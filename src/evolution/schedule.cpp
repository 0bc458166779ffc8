// The deterministic step schedule (schedule.hpp; docs/evolution.md, "Schedule").
#include "evolution/schedule.hpp"

#include <algorithm>
#include <cmath>

#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {

using u64 = unsigned long long;

u64 chunk_steps(std::size_t rho_elements) {
  const u64 budget = u64{1} << 27;
  return std::clamp<u64>(budget / std::max<u64>(rho_elements, 1), 8, 256);
}

double Schedule::time_at(u64 step) const {
  const std::size_t s = segment_of(step);
  return segment_time[s] + static_cast<double>(step - segment_begin[s]) * segment_dt[s];
}

std::size_t Schedule::segment_of(u64 step) const {
  std::size_t s = 0;
  while (s + 1 < segment_dt.size() && step >= segment_begin[s + 1]) ++s;
  return s;
}

u64 Schedule::next_break(u64 step, bool with_snapshots) const {
  u64 next = segment_begin[segment_of(step) + 1];
  if (auto it = outputs.upper_bound(step); it != outputs.end()) next = std::min(next, *it);
  if (with_snapshots)
    if (auto it = snapshots.upper_bound(step); it != snapshots.end()) next = std::min(next, *it);
  return std::min(next, (step / chunk + 1) * chunk);
}

bool Schedule::is_break(u64 step, bool with_snapshots) const {
  if (step == 0 || step == total() || step % chunk == 0 || outputs.count(step) != 0) return true;
  if (with_snapshots && snapshots.count(step) != 0) return true;
  return std::find(segment_begin.begin(), segment_begin.end(), step) != segment_begin.end();
}

bool Schedule::checkpoint_due(u64 previous, u64 step, std::size_t every) {
  return every > 0 && step / every > previous / every;
}

Schedule make_schedule(const SimulationSpec& spec, std::size_t rho_elements) {
  Schedule sch;
  sch.chunk = chunk_steps(rho_elements);
  sch.segment_begin.push_back(0);
  double t = 0.0;
  for (const Segment& seg : spec.protocol) {
    const double ratio = seg.duration / spec.time_step;
    if (ratio > 1e12)
      throw InvalidArgument("time.step", format_number(spec.time_step),
                            "at most 1e12 steps per segment");
    const u64 n = std::max<u64>(1, static_cast<u64>(std::llround(ratio)));
    sch.segment_dt.push_back(seg.duration / static_cast<double>(n));
    sch.segment_time.push_back(t);
    t += seg.duration;
    sch.segment_begin.push_back(sch.segment_begin.back() + n);
  }
  const u64 total = sch.total();
  // `count` steps evenly spread over [0, total], the last at the end.
  const auto spread = [total](std::size_t count, std::set<u64>& out) {
    if (count == 0) return;
    if (count == 1) {
      out.insert(total);
      return;
    }
    for (std::size_t k = 0; k < count; ++k)
      out.insert(static_cast<u64>(std::llround(static_cast<double>(k) * static_cast<double>(total) /
                                               static_cast<double>(count - 1))));
  };
  spread(spec.outputs, sch.outputs);
  spread(spec.output.snapshots, sch.snapshots);
  return sch;
}

}  // namespace nanodecoh::evolution
