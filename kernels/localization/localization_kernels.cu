// CUDA backend of the localization-rate engine (desorption eqs. 2-3, 43, 47,
// 48). One thread block per job (an (R, R', dX) triple at a given resolution);
// its threads stride over the surface nodes and call the same job_partial() as
// the CPU backend (src/localization/engine.hpp, f_integrand.hpp), then CUB block
// reductions sum them. The sphere fast path has its own kernel (one thread per
// (value, polar node)) over sphere_integrand.hpp.
// All device memory is owned by RAII buffers; every CUDA call is checked.
#include <cub/block/block_reduce.cuh>
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "localization/engine.hpp"

namespace nanodecoh::localization::detail {

namespace {

constexpr int k_block = 256;

using cuda::DeviceBuffer;

/// One block per job; its threads stride over the job's surface nodes and call the
/// shared job_partial() (graded, fixed-rule or volume sums), then CUB block reductions add
/// the four accumulators.
__global__ void lune_kernel(NodeBankView bank, const Job* jobs, BatchSettings settings,
                            LuneSum* out) {
  using Reduce = cub::BlockReduce<double, k_block>;
  __shared__ typename Reduce::TempStorage storage;
  const Job job = jobs[blockIdx.x];
  double scratch[2 * k_max_edges];
  LuneSum acc;
  for (int s = threadIdx.x; s < job.surface_count; s += blockDim.x) {
    const LuneSum c = job_partial(bank, settings, job, job.surface_offset + s,
                                  job.surface_offset + s + 1, scratch);
    acc.re += c.re;
    acc.im += c.im;
    acc.norm += c.norm;
    acc.evaluations += c.evaluations;
  }
  LuneSum total;
  total.re = Reduce(storage).Sum(acc.re);
  __syncthreads();  // storage is reused
  total.im = Reduce(storage).Sum(acc.im);
  __syncthreads();
  total.norm = Reduce(storage).Sum(acc.norm);
  __syncthreads();
  total.evaluations = Reduce(storage).Sum(acc.evaluations);
  if (threadIdx.x == 0) out[blockIdx.x] = total;
}

/// Sphere fast path: one thread per (job, polar node t) item, each integrating its
/// slice over p and u with the graded rules of sphere_integrand.hpp (scratch for the
/// panel edges lives in local memory). The host sums the slices in item order, exactly as
/// the CPU backend does.
__global__ void sphere_kernel(const SphereJob* jobs, const SphereItem* items, long count, double k,
                              const double* gauss_x, const double* gauss_w, int q, SliceSum* out) {
  const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count) return;
  double scratch[2 * k_max_edges];
  const GaussRuleView rule{gauss_x, gauss_w, q};
  out[i] = sphere_slice(jobs[items[i].job], k, rule, items[i].t, scratch);
}

}  // namespace

std::vector<SliceSum> evaluate_sphere_cuda(const std::vector<SphereJob>& jobs,
                                           const std::vector<SphereItem>& items, double k,
                                           const std::vector<double>& gauss_x,
                                           const std::vector<double>& gauss_w) {
  if (items.empty()) return {};
  const DeviceBuffer<SphereJob> d_jobs(jobs);
  const DeviceBuffer<SphereItem> d_items(items);
  const DeviceBuffer<double> d_x(gauss_x), d_w(gauss_w);
  const DeviceBuffer<SliceSum> d_out(items.size());
  constexpr int block = 128;
  const long count = static_cast<long>(items.size());
  sphere_kernel<<<static_cast<unsigned>((count + block - 1) / block), block>>>(
      d_jobs.get(), d_items.get(), count, k, d_x.get(), d_w.get(), static_cast<int>(gauss_x.size()),
      d_out.get());
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  return d_out.to_host();
}

std::vector<LuneSum> evaluate_jobs_cuda(const NodeBank& bank, const BatchSettings& settings,
                                        const std::vector<Job>& jobs) {
  if (jobs.empty()) return {};
  const DeviceBuffer<double> sx(bank.sx), sy(bank.sy), sz(bank.sz), nx(bank.nx), ny(bank.ny),
      nz(bank.nz), sw(bank.sw);
  const DeviceBuffer<double> bc(bank.beta_cos), bs(bank.beta_sin), bw(bank.beta_w), pu(bank.psi_u),
      pw(bank.psi_w), gx(bank.gauss_x), gw(bank.gauss_w);
  const DeviceBuffer<double> sk(bank.spectrum_k), swt(bank.spectrum_w);
  const DeviceBuffer<Job> d_jobs(jobs);
  const DeviceBuffer<LuneSum> d_out(jobs.size());
  const NodeBankView view{sx.get(), sy.get(), sz.get(), nx.get(), ny.get(), nz.get(), sw.get(),
                          bc.get(), bs.get(), bw.get(), pu.get(), pw.get(), gx.get(), gw.get()};
  BatchSettings device_settings = settings;
  device_settings.spectrum.k = sk.get();
  device_settings.spectrum.w = swt.get();
  lune_kernel<<<static_cast<unsigned>(jobs.size()), k_block>>>(view, d_jobs.get(), device_settings,
                                                               d_out.get());
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  return d_out.to_host();
}

}  // namespace nanodecoh::localization::detail
