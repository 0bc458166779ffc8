// The one CUDA device query (backend.hpp): counts devices and checks that the
// first one can actually run a kernel, so a machine with the toolkit but no
// driver (or no GPU) reports "not usable" with the runtime's reason.
#include <cuda_runtime.h>

#include <string>

#include "core/device_query.hpp"

namespace nanodecoh::detail {
namespace {
__global__ void probe_kernel(int* out) {
  *out = 42;
}
}  // namespace

DeviceStatus query_cuda_device() {
  DeviceStatus status;
  status.compiled = true;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess || count == 0) {
    status.reason = err != cudaSuccess
                        ? std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err)
                        : std::string("no CUDA device found");
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return status;
  }
  status.device_count = count;
  cudaDeviceProp prop{};
  if ((err = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess) {
    status.reason = std::string("cudaGetDeviceProperties: ") + cudaGetErrorString(err);
    return status;
  }
  status.device_name = prop.name;
  // A probe launch catches an architecture this binary was not built for.
  int* d_out = nullptr;
  int h_out = 0;
  if ((err = cudaMalloc(&d_out, sizeof(int))) == cudaSuccess) {
    probe_kernel<<<1, 1>>>(d_out);
    err = cudaGetLastError();
    if (err == cudaSuccess) err = cudaMemcpy(&h_out, d_out, sizeof(int), cudaMemcpyDeviceToHost);
    cudaFree(d_out);
  }
  if (err != cudaSuccess || h_out != 42) {
    status.reason =
        std::string("probe kernel failed on ") + prop.name + ": " + cudaGetErrorString(err);
    return status;
  }
  status.usable = true;
  return status;
}

}  // namespace nanodecoh::detail
