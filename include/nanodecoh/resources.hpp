// Memory before allocation (docs/usage.md, "Resources"): every command that can
// allocate a lot estimates its need first and refuses, with the estimate and a
// suggestion, what exceeds the memory available (MemAvailable of /proc/meminfo)
// or the user's --max-memory, which overrides the available-memory check.
// Time before long computations: tables of the localization engine estimate their time
// from a timed sample (localization::WorkEstimate); --max-time refuses what exceeds it.
#pragma once

#include <cstddef>
#include <string>

namespace nanodecoh {

/// MemAvailable of /proc/meminfo in bytes; 0 when unknown.
std::size_t available_memory_bytes();

/// "12.9 GB" (decimal units, three significant digits).
std::string format_bytes(double bytes);

/// Parses a memory size: a number of bytes ("1e9") or a number with a unit
/// k, M, G, T (optionally followed by B or iB; decimal k = 1e3 and binary Ki = 1024).
/// Throws InvalidArgument naming `flag`.
std::size_t parse_memory_size(const std::string& text, const std::string& flag = "--max-memory");

/// Refuses (OutOfMemory) a computation that needs about `need_bytes`: above
/// `max_memory_bytes` when that is given (> 0), else above the available memory.
/// The message reads "<what> needs about <need>, <limit> ...: <suggestion>, or --max-memory".
void require_memory(double need_bytes, const std::string& what, const std::string& suggestion,
                    std::size_t max_memory_bytes = 0);

/// Parses a duration: seconds ("90", "1.5e3") or a number followed by s, m, h or d.
/// Throws InvalidArgument naming `flag`.
double parse_duration(const std::string& text, const std::string& flag = "--max-time");

/// "0.25s", "45s", "12m30s" or "3h05m" (to two digits below a second, else rounded to the
/// second; "?" when not finite or negative).
std::string format_duration(double seconds);

/// Refuses (TimeLimit) a computation estimated to take about `seconds`, more than
/// `max_seconds` (> 0; 0: no limit). The message reads "<what> needs about <time>,
/// more than --max-time <limit>: <suggestion>, or raise --max-time".
void require_time(double seconds, const std::string& what, const std::string& suggestion,
                  double max_seconds);

}  // namespace nanodecoh
