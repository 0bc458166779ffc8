// CPU-only builds: the CUDA backend of the localization-rate engine is not
// compiled, and asking for it throws NotCompiled (select_backend normally
// refuses earlier).
#include "localization/engine.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::localization::detail {

std::vector<LuneSum> evaluate_jobs_cuda(const NodeBank&, const BatchSettings&,
                                        const std::vector<Job>&) {
  throw NotCompiled(
      "localization: the CUDA backend is not compiled into this build (configure with "
      "-DNANODECOH_CUDA=ON)");
}

}  // namespace nanodecoh::localization::detail

namespace nanodecoh::localization::detail {

std::vector<SliceSum> evaluate_sphere_cuda(const std::vector<SphereJob>&,
                                           const std::vector<SphereItem>&, double,
                                           const std::vector<double>&, const std::vector<double>&) {
  throw NotCompiled(
      "localization: the CUDA backend is not compiled into this build (configure with "
      "-DNANODECOH_CUDA=ON)");
}

}  // namespace nanodecoh::localization::detail
