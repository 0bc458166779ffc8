// Run-time backend choice. The one place that asks whether a CUDA device is
// usable: every module calls select_backend() and every GPU test checks
// cuda_device_status().
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace nanodecoh {

/// A compute backend that is actually used.
enum class Backend { cpu, cuda };

/// What the user asked for: `automatic` means CUDA when a usable device
/// exists, otherwise the CPU (announced once on stderr in CUDA builds).
enum class BackendChoice { automatic, cpu, cuda };

/// Result of the (cached) device query.
struct DeviceStatus {
  bool compiled = false;  ///< CUDA backend compiled into this build
  bool usable = false;    ///< at least one device can run kernels
  int device_count = 0;
  std::string device_name;  ///< name of device 0 when usable
  std::string reason;       ///< why it is not usable (empty when usable)
};

/// Queries the CUDA runtime once per process and caches the answer. Thread-safe.
const DeviceStatus& cuda_device_status();

/// Resolves a choice to a backend. `cuda` without a usable device throws
/// InvalidArgument naming "--backend". `automatic` in a CUDA build without a
/// device falls back to the CPU and writes one notice line to `notice`
/// (once per process).
Backend select_backend(BackendChoice choice, std::ostream& notice);
/// Same, with the notice on std::cerr.
Backend select_backend(BackendChoice choice);

/// Parses "auto", "cpu" or "cuda"; throws InvalidArgument for anything else.
BackendChoice parse_backend_choice(std::string_view text, std::string_view parameter = "--backend");

std::string_view to_string(Backend backend);

}  // namespace nanodecoh
