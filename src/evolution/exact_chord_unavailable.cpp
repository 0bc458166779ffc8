// Builds without CUDA: the CUDA twins of the chi kernel (one axis, several axes) throw NotCompiled (chord_kernel.hpp).
#include "evolution/chord_axes.hpp"
#include "evolution/chord_kernel.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::evolution::chord {

std::vector<std::complex<double>> chord_values_cuda(const Model&, double,
                                                    const std::vector<double>&,
                                                    const std::vector<double>&, double*) {
  throw NotCompiled(
      "the CUDA chi kernel of the exact method is not compiled into this build (configure with "
      "-DNANODECOH_CUDA=ON)");
}

std::vector<std::complex<double>> axes_chord_values_cuda(const AxesModel&, double,
                                                         const std::vector<double>&,
                                                         const std::vector<double>&, double*) {
  throw NotCompiled(
      "the CUDA chi kernel of the exact method is not compiled into this build (configure with "
      "-DNANODECOH_CUDA=ON)");
}

}  // namespace nanodecoh::evolution::chord
