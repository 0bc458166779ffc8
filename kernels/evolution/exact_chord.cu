// The CUDA twins of the chi kernels of the exact method (src/evolution/chord_kernel.hpp, one axis;
// src/evolution/chord_axes.hpp, several translation axes): one thread per (k, r) point runs the
// same host/device chord_at (axes_chord_at) as the CPU twin (chord_kernel.cpp). The one-axis
// model is passed by value (a few kB of numbers), its tabulated F and grid state's chi_0 lattice,
// if any, copied to the device; the several-axes model is copied to device memory. The error
// estimate is reduced on the host. Every CUDA call is checked (cuda_check.cuh); buffers are RAII
// (device_buffer.cuh).
#include <complex>
#include <string>
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "evolution/chord_axes.hpp"
#include "evolution/chord_kernel.hpp"
#include "nanodecoh/error.hpp"

namespace nanodecoh::evolution::chord {
namespace {

__global__ void chord_kernel(const Model model, double t, const double* k, const double* r,
                             std::size_t n, double2* out, double* error) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  double e = 0.0;
  const Complex c = chord_at(model, t, k[i], r[i], e);
  out[i] = make_double2(c.re, c.im);
  error[i] = e;
}

/// Several translation axes: the model (a few kB, beyond what a kernel parameter should carry) in
/// device memory, point i's components at k[i axes + a], r[i axes + a].
__global__ void axes_chord_kernel(const AxesModel* model, double t, const double* k,
                                  const double* r, std::size_t n, double2* out, double* error) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const std::size_t d = static_cast<std::size_t>(model->axes);
  double e = 0.0;
  const Complex c = axes_chord_at(*model, t, k + i * d, r + i * d, e);
  out[i] = make_double2(c.re, c.im);
  error[i] = e;
}

/// The tabulated F's coefficients (host memory) copied into `buffer` on the device: the pointer
/// the device's model uses (the host's, unused, without a table).
const double* upload_table(const TabulatedRate& table, cuda::DeviceBuffer<double>& buffer) {
  if (table.intervals <= 0) return table.coefficients;
  buffer.upload(std::vector<double>(table.coefficients, table.coefficients + table_doubles(table)));
  return buffer.get();
}

/// The values and the largest error estimate (NaN counts as the largest) from the device.
std::vector<std::complex<double>> collect(const cuda::DeviceBuffer<double2>& out_device,
                                          const cuda::DeviceBuffer<double>& error_device,
                                          double* error) {
  const std::vector<double2> out = out_device.to_host();
  const std::vector<double> errors = error_device.to_host();
  std::vector<std::complex<double>> values(out.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    values[i] = {out[i].x, out[i].y};
    worst = errors[i] > worst || errors[i] != errors[i] ? errors[i] : worst;
  }
  if (error) *error = worst;
  return values;
}

}  // namespace

std::vector<std::complex<double>> chord_values_cuda(const Model& model, double t,
                                                    const std::vector<double>& k,
                                                    const std::vector<double>& r, double* error) {
  if (k.size() != r.size())
    throw InvalidArgument("r", std::to_string(r.size()) + " points",
                          std::to_string(k.size()) + " points (one per k)");
  const std::size_t n = k.size();
  std::vector<std::complex<double>> values(n);
  if (n == 0) {
    if (error) *error = 0.0;
    return values;
  }
  cuda::DeviceBuffer<double> k_device(k), r_device(r), error_device(n);
  cuda::DeviceBuffer<double2> out_device(n);
  // The tabulated F's coefficients (host memory in `model`) go to the device, and the copy of
  // the model the kernel receives points there.
  Model device_model = model;
  cuda::DeviceBuffer<double> table_device;
  device_model.table.coefficients = upload_table(model.table, table_device);
  // A grid state's chi_0 lattice likewise.
  cuda::DeviceBuffer<double> grid_state_device, grid_blocks_device;
  if (model.state == StateKind::grid && model.grid_state.k_count > 0) {
    grid_state_device.upload(std::vector<double>(
        model.grid_state.values,
        model.grid_state.values + 2 * static_cast<std::size_t>(model.grid_state.k_count) *
                                      static_cast<std::size_t>(model.grid_state.r_count)));
    device_model.grid_state.values = grid_state_device.get();
    if (model.grid_state.block_norm != nullptr) {
      grid_blocks_device.upload(std::vector<double>(
          model.grid_state.block_norm,
          model.grid_state.block_norm + static_cast<std::size_t>(model.grid_state.k_blocks) *
                                            static_cast<std::size_t>(model.grid_state.r_blocks)));
      device_model.grid_state.block_norm = grid_blocks_device.get();
    }
  }
  const unsigned block = 128;
  const unsigned grid = static_cast<unsigned>((n + block - 1) / block);
  chord_kernel<<<grid, block>>>(device_model, t, k_device.get(), r_device.get(), n,
                                out_device.get(), error_device.get());
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  return collect(out_device, error_device, error);
}

std::vector<std::complex<double>> axes_chord_values_cuda(const AxesModel& model, double t,
                                                         const std::vector<double>& k,
                                                         const std::vector<double>& r,
                                                         double* error) {
  const std::size_t n = axes_point_count(model, k, r);
  if (n == 0) {
    if (error) *error = 0.0;
    return {};
  }
  cuda::DeviceBuffer<double> k_device(k), r_device(r), error_device(n);
  cuda::DeviceBuffer<double2> out_device(n);
  // The tabulated F's coefficients (host memory in `model`) go to the device first, and the
  // copy of the model there points at them.
  AxesModel device_model = model;
  cuda::DeviceBuffer<double> table_device;
  device_model.table.coefficients = upload_table(model.table, table_device);
  cuda::DeviceBuffer<AxesModel> model_device(std::vector<AxesModel>{device_model});
  const unsigned block = 128;
  const unsigned grid = static_cast<unsigned>((n + block - 1) / block);
  axes_chord_kernel<<<grid, block>>>(model_device.get(), t, k_device.get(), r_device.get(), n,
                                     out_device.get(), error_device.get());
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  return collect(out_device, error_device, error);
}

}  // namespace nanodecoh::evolution::chord
