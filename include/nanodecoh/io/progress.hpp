// Progress on stderr for long runs: "label: done/total (pct) rate/s, ETA".
// Shown only when enabled and stderr is a terminal, so stdout stays clean for
// machine output and logs never fill with carriage returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace nanodecoh::io {

class ProgressReporter {
 public:
  /// `enabled` is false for --quiet or --json. The reporter also stays silent
  /// when stderr is not a terminal. `unit` names what is counted ("rows", "steps").
  ProgressReporter(std::string label, std::size_t total, bool enabled, std::string unit = "");
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  /// Reports `done` units finished; `extra` is appended (e.g. "purity 0.93").
  /// Redraws at most ~5 times a second.
  void update(std::size_t done, const std::string& extra = "");
  /// Ends the line (called by the destructor if not called).
  void finish();
  bool active() const noexcept { return active_; }

 private:
  std::string label_, unit_;
  std::size_t total_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace nanodecoh::io
