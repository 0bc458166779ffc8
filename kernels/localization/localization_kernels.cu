// CUDA backend of the localization-rate engine (desorption eqs. 2-3, 43, 47,
// 48). One thread block per job (an (R, R', dX) triple at a given resolution), one
// kernel instance per integration path (volume, graded, fixed lune rule); its threads
// stride over the surface nodes and call the same job_partial_on<path>() as the CPU
// backend's job_partial() (src/localization/engine.hpp, f_integrand.hpp), then CUB block
// reductions sum them. The sphere fast path has its own kernel (one thread per
// (value, polar node)) over sphere_integrand.hpp.
// All device memory is owned by RAII buffers; every CUDA call is checked.
#include <cub/block/block_reduce.cuh>
#include <vector>

#include "cuda_check.cuh"
#include "localization/engine.hpp"

namespace nanodecoh::localization::detail {

namespace {

constexpr int k_block = 256;

/// Owns one device allocation; copies from a host vector on construction.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(const std::vector<T>& host) : size_(host.size()) {
    if (size_ == 0) return;
    NANODECOH_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), size_ * sizeof(T)));
    NANODECOH_CUDA_CHECK(cudaMemcpy(data_, host.data(), size_ * sizeof(T), cudaMemcpyHostToDevice));
  }
  explicit DeviceBuffer(std::size_t size) : size_(size) {
    if (size_ != 0)
      NANODECOH_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), size_ * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);  // never throws from a destructor
  }
  T* get() const { return data_; }
  std::vector<T> to_host() const {
    std::vector<T> host(size_);
    if (size_ != 0)
      NANODECOH_CUDA_CHECK(
          cudaMemcpy(host.data(), data_, size_ * sizeof(T), cudaMemcpyDeviceToHost));
    return host;
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

/// One block per job of path P (lune_kernel<P> is compiled once per path, so the fixed and
/// volume paths carry neither the graded path's registers nor its 2 KB of panel-edge scratch);
/// its threads stride over the job's surface nodes and call the shared job_partial_on<P>()
/// (src/localization/engine.hpp), then CUB block reductions add the four accumulators. The
/// block's job sits in shared memory (one 208-byte copy per block instead of one per thread
/// in registers). `which` lists the jobs of this path; results go to out[which[block]].
template <JobPath P>
__global__ void __launch_bounds__(k_block, 2)
    lune_kernel(NodeBankView bank, const Job* jobs, const int* which, BatchSettings settings,
                LuneSum* out) {
  using Reduce = cub::BlockReduce<double, k_block>;
  __shared__ typename Reduce::TempStorage storage;
  __shared__ Job job;
  const int index = which[blockIdx.x];
  if (threadIdx.x == 0) job = jobs[index];
  __syncthreads();
  double scratch[P == JobPath::graded ? 2 * k_max_edges : 1];
  LuneSum acc;
  for (int s = threadIdx.x; s < job.surface_count; s += blockDim.x) {
    const LuneSum c = job_partial_on<P>(bank, settings, job, job.surface_offset + s,
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
  if (threadIdx.x == 0) out[index] = total;
}

/// Launches lune_kernel<P> over the jobs listed in `which` (nothing if it is empty).
template <JobPath P>
void launch_lune(const NodeBankView& bank, const Job* jobs, const std::vector<int>& which,
                 const BatchSettings& settings, LuneSum* out) {
  if (which.empty()) return;
  const DeviceBuffer<int> d_which(which);
  lune_kernel<P>
      <<<static_cast<unsigned>(which.size()), k_block>>>(bank, jobs, d_which.get(), settings, out);
  NANODECOH_CUDA_CHECK_LAUNCH();
  NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());  // before d_which is freed
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
  // one launch per integration path (job_path), each over its own list of jobs
  std::vector<int> volume, graded, fixed;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    switch (job_path(settings, jobs[i])) {
      case JobPath::volume:
        volume.push_back(static_cast<int>(i));
        break;
      case JobPath::graded:
        graded.push_back(static_cast<int>(i));
        break;
      case JobPath::fixed:
        fixed.push_back(static_cast<int>(i));
        break;
    }
  }
  launch_lune<JobPath::volume>(view, d_jobs.get(), volume, device_settings, d_out.get());
  launch_lune<JobPath::graded>(view, d_jobs.get(), graded, device_settings, d_out.get());
  launch_lune<JobPath::fixed>(view, d_jobs.get(), fixed, device_settings, d_out.get());
  return d_out.to_host();
}

}  // namespace nanodecoh::localization::detail
