// Run-time backend selection (backend.hpp): the device query is made once and
// cached; the automatic CPU fallback is the only fallback in nanodecoh and is
// always announced.
#include "nanodecoh/backend.hpp"

#include <iostream>
#include <mutex>
#include <string>

#include "core/device_query.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh {

const DeviceStatus& cuda_device_status() {
  static const DeviceStatus status = detail::query_cuda_device();
  return status;
}

Backend select_backend(BackendChoice choice, std::ostream& notice) {
  const DeviceStatus& status = cuda_device_status();
  switch (choice) {
    case BackendChoice::cpu:
      return Backend::cpu;
    case BackendChoice::cuda:
      if (!status.usable)
        throw InvalidArgument("--backend", "cuda",
                              "auto or cpu: no usable CUDA device (" + status.reason + ")");
      return Backend::cuda;
    case BackendChoice::automatic:
      if (status.usable) return Backend::cuda;
      if (status.compiled) {
        static std::once_flag announced;
        std::call_once(announced, [&] {
          notice << "nanodecoh: no usable CUDA device (" << status.reason
                 << "); using the CPU backend\n";
        });
      }
      return Backend::cpu;
  }
  throw Error("select_backend: unknown BackendChoice");
}

Backend select_backend(BackendChoice choice) {
  return select_backend(choice, std::cerr);
}

BackendChoice parse_backend_choice(std::string_view text, std::string_view parameter) {
  if (text == "auto") return BackendChoice::automatic;
  if (text == "cpu") return BackendChoice::cpu;
  if (text == "cuda") return BackendChoice::cuda;
  throw InvalidArgument(std::string(parameter), std::string(text), "one of auto, cpu, cuda");
}

std::string_view to_string(Backend backend) {
  return backend == Backend::cuda ? "cuda" : "cpu";
}

}  // namespace nanodecoh
