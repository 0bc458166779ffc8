// CUDA backend of the localization-rate engine (desorption eqs. 2-3, 43, 47,
// 48). The work items of the CPU backend (a job, i.e. an (R, R', dX) triple at a given
// resolution, times a chunk of its surface nodes; src/localization/engine.hpp), one thread
// each, one kernel instance per integration path (volume, graded, fixed lune rule), calling
// the same job_partial_on<path>() (f_integrand.hpp) as the CPU; the host adds the partial
// sums per job in the CPU's order. The sphere fast path has its own kernel (one thread per
// (value, polar node)) over sphere_integrand.hpp.
// All device memory is owned by RAII buffers; every CUDA call is checked.
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "localization/engine.hpp"

namespace nanodecoh::localization::detail {

namespace {

constexpr int k_block = 256;

using cuda::DeviceBuffer;

/// One thread per work item (job, chunk of surface nodes; engine.hpp work_items) of path P:
/// the same items, the same job_partial_on<P>() per item and, on the host, the same summation
/// order (sum_partials) as the CPU backend. lune_kernel<P> is compiled once per path, so the
/// fixed and volume paths carry neither the graded path's registers nor its 2 KB of panel-edge
/// scratch. The job is read through a reference into global memory (fields are loaded as the
/// integrand needs them, not copied into 208 bytes of registers).
template <JobPath P>
__global__ void __launch_bounds__(k_block, 2)
    lune_kernel(NodeBankView bank, const Job* jobs, const WorkItem* items, long count,
                BatchSettings settings, LuneSum* partial) {
  const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const WorkItem item = items[i];
  double scratch[P == JobPath::graded ? 2 * k_max_edges : 1];
  partial[i] = job_partial_on<P>(bank, settings, jobs[item.job], item.s_begin, item.s_end, scratch);
}

/// Runs lune_kernel<P> over `items` (all of path P) and returns their partial sums.
template <JobPath P>
std::vector<LuneSum> run_lune(const NodeBankView& bank, const Job* jobs,
                              const std::vector<WorkItem>& items, const BatchSettings& settings) {
  if (items.empty()) return {};
  const DeviceBuffer<WorkItem> d_items(items);
  const DeviceBuffer<LuneSum> d_partial(items.size());
  const long count = static_cast<long>(items.size());
  lune_kernel<P><<<static_cast<unsigned>((count + k_block - 1) / k_block), k_block>>>(
      bank, jobs, d_items.get(), count, settings, d_partial.get());
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
  return d_partial.to_host();
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

/// The node bank on the device: one buffer per array, and the host sizes they were copied
/// from (the bank only grows, so equal sizes mean equal contents).
struct DeviceNodeBank {
  explicit DeviceNodeBank(const NodeBank& bank)
      : sizes(sizes_of(bank)),
        sx(bank.sx),
        sy(bank.sy),
        sz(bank.sz),
        nx(bank.nx),
        ny(bank.ny),
        nz(bank.nz),
        sw(bank.sw),
        bc(bank.beta_cos),
        bs(bank.beta_sin),
        bw(bank.beta_w),
        pu(bank.psi_u),
        pw(bank.psi_w),
        gx(bank.gauss_x),
        gw(bank.gauss_w),
        sk(bank.spectrum_k),
        swt(bank.spectrum_w) {}

  static std::vector<std::size_t> sizes_of(const NodeBank& b) {
    return {b.sx.size(),       b.sy.size(),      b.sz.size(),         b.nx.size(),
            b.ny.size(),       b.nz.size(),      b.sw.size(),         b.beta_cos.size(),
            b.beta_sin.size(), b.beta_w.size(),  b.psi_u.size(),      b.psi_w.size(),
            b.gauss_x.size(),  b.gauss_w.size(), b.spectrum_k.size(), b.spectrum_w.size()};
  }

  NodeBankView view() const {
    return {sx.get(), sy.get(), sz.get(), nx.get(), ny.get(), nz.get(), sw.get(),
            bc.get(), bs.get(), bw.get(), pu.get(), pw.get(), gx.get(), gw.get()};
  }

  std::vector<std::size_t> sizes;
  DeviceBuffer<double> sx, sy, sz, nx, ny, nz, sw, bc, bs, bw, pu, pw, gx, gw, sk, swt;
};

std::vector<LuneSum> evaluate_jobs_cuda(const NodeBank& bank, const BatchSettings& settings,
                                        const std::vector<Job>& jobs) {
  if (jobs.empty()) return {};
  if (!bank.device || bank.device->sizes != DeviceNodeBank::sizes_of(bank)) {
    bank.device.reset();  // free the old copy before allocating the larger one
    bank.device = std::make_shared<DeviceNodeBank>(bank);
  }
  const DeviceNodeBank& device = *bank.device;
  const DeviceBuffer<Job> d_jobs(jobs);
  const NodeBankView view = device.view();
  BatchSettings device_settings = settings;
  device_settings.spectrum.k = device.sk.get();
  device_settings.spectrum.w = device.swt.get();
  // the CPU backend's work items, one launch per integration path (job_path); the partial
  // sums go back into item order and are added per job exactly as on the CPU
  const std::vector<WorkItem> items = work_items(jobs);
  std::vector<WorkItem> by_path[3];
  std::vector<std::size_t> position[3];  // index of each path's item in `items`
  for (std::size_t it = 0; it < items.size(); ++it) {
    const int path = static_cast<int>(job_path(settings, jobs[items[it].job]));
    by_path[path].push_back(items[it]);
    position[path].push_back(it);
  }
  std::vector<LuneSum> partial(items.size());
  auto scatter = [&](int path, const std::vector<LuneSum>& sums) {
    for (std::size_t i = 0; i < sums.size(); ++i) partial[position[path][i]] = sums[i];
  };
  constexpr int volume = static_cast<int>(JobPath::volume);
  constexpr int graded = static_cast<int>(JobPath::graded);
  constexpr int fixed = static_cast<int>(JobPath::fixed);
  scatter(volume, run_lune<JobPath::volume>(view, d_jobs.get(), by_path[volume], device_settings));
  scatter(graded, run_lune<JobPath::graded>(view, d_jobs.get(), by_path[graded], device_settings));
  scatter(fixed, run_lune<JobPath::fixed>(view, d_jobs.get(), by_path[fixed], device_settings));
  return sum_partials(items, partial, jobs.size());
}

}  // namespace nanodecoh::localization::detail
