// The one owner of device memory in kernels/: a typed buffer of n elements (RAII, move-only).
// Allocation failures become OutOfMemory naming the size and the free device memory, every
// other CUDA failure CudaError (cuda_check.cuh).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cuda_check.cuh"

namespace nanodecoh::cuda {

/// Owns device memory for n elements of T.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  /// n uninitialised elements.
  explicit DeviceBuffer(std::size_t n) : size_member_(n) {
    if (n > 0) allocate_device(reinterpret_cast<void**>(&data_member_), n * sizeof(T));
  }
  /// A copy of `host`.
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_member_(std::exchange(o.data_member_, nullptr)),
        size_member_(std::exchange(o.size_member_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    std::swap(data_member_, o.data_member_);
    std::swap(size_member_, o.size_member_);
    return *this;
  }
  ~DeviceBuffer() {
    if (data_member_) cudaFree(data_member_);  // errors cannot be thrown from a destructor
  }
  T* get() const noexcept { return data_member_; }
  std::size_t size() const noexcept { return size_member_; }
  std::size_t bytes() const noexcept { return size_member_ * sizeof(T); }
  /// Copies `host` to the device (reallocating when the size differs).
  void upload(const std::vector<T>& host) {
    if (host.size() != size_member_) *this = DeviceBuffer(host.size());
    if (!host.empty())
      NANODECOH_CUDA_CHECK(
          cudaMemcpy(data_member_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }
  /// A host copy of the whole buffer.
  std::vector<T> to_host() const {
    std::vector<T> host(size_member_);
    if (size_member_ != 0)
      NANODECOH_CUDA_CHECK(cudaMemcpy(host.data(), data_member_, bytes(), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* data_member_ = nullptr;
  std::size_t size_member_ = 0;
};

}  // namespace nanodecoh::cuda
