// Internal: the raw CUDA device query, implemented in kernels/device_query.cu
// in CUDA builds and in device_query_unavailable.cpp otherwise.
#pragma once

#include "nanodecoh/backend.hpp"

namespace nanodecoh::detail {
DeviceStatus query_cuda_device();
}
