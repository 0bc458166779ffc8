// Checks for every CUDA runtime and cuFFT call: a failure throws CudaError naming the call,
// the file and line, and the error in words (cudaGetErrorString; the cuFFT result's name and
// meaning); an allocation failure (cudaErrorMemoryAllocation, CUFFT_ALLOC_FAILED) throws
// OutOfMemory instead. Use NANODECOH_CUDA_CHECK_LAUNCH() right after each kernel launch, and
// allocate device memory through allocate_device() (or DeviceBuffer, device_buffer.cuh).
#pragma once

#include <cuda_runtime.h>
#include <cufft.h>

#include <string>

#include "nanodecoh/error.hpp"

namespace nanodecoh::cuda {

/// The name and meaning of a cuFFT result, e.g. "CUFFT_ALLOC_FAILED (cuFFT failed to allocate
/// GPU or CPU memory)".
inline std::string cufft_result_text(cufftResult code) {
  switch (code) {
    case CUFFT_SUCCESS:
      return "CUFFT_SUCCESS (no error)";
    case CUFFT_INVALID_PLAN:
      return "CUFFT_INVALID_PLAN (the plan handle is invalid)";
    case CUFFT_ALLOC_FAILED:
      return "CUFFT_ALLOC_FAILED (cuFFT failed to allocate GPU or CPU memory)";
    case CUFFT_INVALID_TYPE:
      return "CUFFT_INVALID_TYPE (unsupported transform type)";
    case CUFFT_INVALID_VALUE:
      return "CUFFT_INVALID_VALUE (a bad pointer or parameter)";
    case CUFFT_INTERNAL_ERROR:
      return "CUFFT_INTERNAL_ERROR (driver or internal cuFFT error)";
    case CUFFT_EXEC_FAILED:
      return "CUFFT_EXEC_FAILED (the transform failed to execute on the GPU)";
    case CUFFT_SETUP_FAILED:
      return "CUFFT_SETUP_FAILED (the cuFFT library failed to initialise)";
    case CUFFT_INVALID_SIZE:
      return "CUFFT_INVALID_SIZE (unsupported transform size)";
    case CUFFT_UNALIGNED_DATA:
      return "CUFFT_UNALIGNED_DATA (unaligned data)";
    case CUFFT_INVALID_DEVICE:
      return "CUFFT_INVALID_DEVICE (the plan was made on another device)";
    case CUFFT_NO_WORKSPACE:
      return "CUFFT_NO_WORKSPACE (no work area was set for the plan)";
    case CUFFT_NOT_IMPLEMENTED:
      return "CUFFT_NOT_IMPLEMENTED (not implemented for this plan)";
    case CUFFT_NOT_SUPPORTED:
      return "CUFFT_NOT_SUPPORTED (operation not supported for this plan)";
    default:
      return "cufftResult " + std::to_string(static_cast<int>(code)) + " (unknown)";
  }
}

inline void check(cudaError_t code, const char* call, const char* file, int line) {
  if (code == cudaSuccess) return;
  const std::string what = std::string(call) + " failed at " + file + ":" + std::to_string(line) +
                           ": " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")";
  if (code == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // an allocation error is not sticky: clear it
    throw OutOfMemory(what);
  }
  throw CudaError(what);
}

inline void check(cufftResult code, const char* call, const char* file, int line) {
  if (code == CUFFT_SUCCESS) return;
  const std::string what = std::string(call) + " failed at " + file + ":" + std::to_string(line) +
                           ": " + cufft_result_text(code);
  if (code == CUFFT_ALLOC_FAILED) throw OutOfMemory(what);
  throw CudaError(what);
}

/// cudaMalloc of `bytes`; OutOfMemory names the size and the device's free memory.
inline void allocate_device(void** pointer, std::size_t bytes) {
  const cudaError_t code = cudaMalloc(pointer, bytes);
  if (code == cudaSuccess) return;
  if (code == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    std::size_t free_bytes = 0, total_bytes = 0;
    cudaMemGetInfo(&free_bytes, &total_bytes);
    throw OutOfMemory("cudaMalloc of " + std::to_string(bytes >> 20) + " MiB failed, " +
                      std::to_string(free_bytes >> 20) + " MiB of " +
                      std::to_string(total_bytes >> 20) + " MiB free on the device");
  }
  check(code, "cudaMalloc", __FILE__, __LINE__);
}

}  // namespace nanodecoh::cuda

#define NANODECOH_CUDA_CHECK(call) ::nanodecoh::cuda::check((call), #call, __FILE__, __LINE__)
#define NANODECOH_CUDA_CHECK_LAUNCH() \
  ::nanodecoh::cuda::check(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
