// Device query of a build without CUDA: nothing is usable.
#include "core/device_query.hpp"

namespace nanodecoh::detail {
DeviceStatus query_cuda_device() {
  DeviceStatus status;
  status.reason = "nanodecoh was built without CUDA (NANODECOH_CUDA=OFF)";
  return status;
}
}  // namespace nanodecoh::detail
