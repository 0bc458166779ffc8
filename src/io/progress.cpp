// Terminal progress line (progress.hpp).
#include "nanodecoh/io/progress.hpp"

#include "nanodecoh/resources.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace nanodecoh::io {

ProgressReporter::ProgressReporter(std::string label, std::size_t total, bool enabled,
                                   std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      active_(enabled && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressReporter::~ProgressReporter() {
  finish();
}

void ProgressReporter::update(std::size_t done, const std::string& extra) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  const double percent =
      total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  char line[256];
  std::snprintf(line, sizeof line, "\r%s: %zu/%zu (%.0f%%) %.3g %s/s, %s left", label_.c_str(),
                done, total_, percent, rate, unit_.empty() ? "units" : unit_.c_str(),
                format_duration(left).c_str());
  std::cerr << line << (extra.empty() ? "" : ", ") << extra << "\x1b[K" << std::flush;
  drawn_ = true;
}

void ProgressReporter::finish() {
  if (active_ && drawn_) std::cerr << '\n' << std::flush;
  drawn_ = false;
  active_ = false;
}

}  // namespace nanodecoh::io
