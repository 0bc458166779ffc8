// Stub of the CUDA propagator for builds without CUDA: it throws NotCompiled so
// that everything links and --backend cuda fails with one clear line.
#include "evolution/step_kernels.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"

namespace nanodecoh::evolution {

std::unique_ptr<Propagator> make_cuda_propagator(const PropagatorLayout&, Precision) {
  throw NotCompiled(
      "the CUDA propagator is not compiled into this build (configure with -DNANODECOH_CUDA=ON)");
}

std::uint64_t count_non_finite_on_device(std::complex<double>, std::uint64_t, Precision) {
  throw NotCompiled(
      "the CUDA propagator is not compiled into this build (configure with -DNANODECOH_CUDA=ON)");
}

}  // namespace nanodecoh::evolution
