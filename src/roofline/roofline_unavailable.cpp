// Device ceilings of a build without CUDA: every call throws NotCompiled.
#include "nanodecoh/error.hpp"
#include "roofline/roofline.hpp"

namespace nanodecoh::roofline {

double measure_device_copy_bandwidth(std::size_t /*bytes*/, int /*repeats*/) {
  throw NotCompiled(
      "measure_device_copy_bandwidth: nanodecoh was built without CUDA (NANODECOH_CUDA=OFF)");
}

double measure_device_fma_rate(Precision /*precision*/, int /*repeats*/) {
  throw NotCompiled(
      "measure_device_fma_rate: nanodecoh was built without CUDA (NANODECOH_CUDA=OFF)");
}

}  // namespace nanodecoh::roofline
