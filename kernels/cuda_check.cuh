// Checks for every CUDA runtime and cuFFT call: a failure throws CudaError
// naming the call, the file and line, and the error string. Use
// NANODECOH_CUDA_CHECK_LAUNCH() right after each kernel launch.
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

#include "nanodecoh/error.hpp"

namespace nanodecoh::cuda {

inline void check(cudaError_t code, const char* call, const char* file, int line) {
  if (code != cudaSuccess)
    throw CudaError(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                    cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")");
}

inline void check(cufftResult code, const char* call, const char* file, int line) {
  if (code != CUFFT_SUCCESS)
    throw CudaError(std::string(call) + " failed at " + file + ":" + std::to_string(line) +
                    ": cufftResult " + std::to_string(static_cast<int>(code)));
}

}  // namespace nanodecoh::cuda

#define NANODECOH_CUDA_CHECK(call) ::nanodecoh::cuda::check((call), #call, __FILE__, __LINE__)
#define NANODECOH_CUDA_CHECK_LAUNCH() \
  ::nanodecoh::cuda::check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
