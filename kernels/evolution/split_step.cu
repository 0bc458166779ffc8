// CUDA backend of the split-operator propagator (propagator.hpp; physics.md
// section 4). rho lives on the device as interleaved complex (double2/float2).
// Two cuFFT plans made once: the bra axes (contiguous, batched over ket
// points) and the ket axes (stride Nk, batched over bra points). Fused
// elementwise kernels apply
//   kinetic:  rho(K; K') *= b_K conj(b_K'),        b_K = exp(-i omega_K tau)/sqrt(N)
//   position: rho(I; J)  *= a_I conj(a_J) D[ko_I + bo_J],  a_I = exp(-i V_I dt/hbar), D = exp(-F
//   dt)
// and Thrust reductions give the trace, the purity and the NaN/inf check.
// Every CUDA and cuFFT call is checked (cuda_check.cuh); buffers and plans are RAII.
#include <cufft.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <string>
#include <vector>

#include "cuda_check.cuh"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"

namespace nanodecoh::evolution {
namespace {

template <typename Real>
struct Cuda;
template <>
struct Cuda<double> {
  using complex = double2;
  using fft_complex = cufftDoubleComplex;
  static constexpr cufftType type = CUFFT_Z2Z;
  static cufftResult exec(cufftHandle plan, complex* data, int direction) {
    return cufftExecZ2Z(plan, reinterpret_cast<fft_complex*>(data),
                        reinterpret_cast<fft_complex*>(data), direction);
  }
};
template <>
struct Cuda<float> {
  using complex = float2;
  using fft_complex = cufftComplex;
  static constexpr cufftType type = CUFFT_C2C;
  static cufftResult exec(cufftHandle plan, complex* data, int direction) {
    return cufftExecC2C(plan, reinterpret_cast<fft_complex*>(data),
                        reinterpret_cast<fft_complex*>(data), direction);
  }
};

/// Owns device memory for n elements of T.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) : size_member_(n) {
    if (n > 0)
      NANODECOH_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_member_), n * sizeof(T)));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : data_member_(o.data_member_), size_member_(o.size_member_) {
    o.data_member_ = nullptr;
    o.size_member_ = 0;
  }
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
  void upload(const std::vector<T>& host) {
    if (host.size() != size_member_) *this = DeviceBuffer(host.size());
    if (!host.empty())
      NANODECOH_CUDA_CHECK(
          cudaMemcpy(data_member_, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }

 private:
  T* data_member_ = nullptr;
  std::size_t size_member_ = 0;
};

/// Owns a cuFFT plan.
class CufftPlan {
 public:
  CufftPlan() = default;
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;
  ~CufftPlan() {
    if (valid_member_) cufftDestroy(handle_member_);
  }
  void make_many(int rank, int* n, int stride, int dist, int batch, cufftType type) {
    NANODECOH_CUDA_CHECK(
        cufftPlanMany(&handle_member_, rank, n, n, stride, dist, n, stride, dist, type, batch));
    valid_member_ = true;
  }
  cufftHandle get() const noexcept { return handle_member_; }

 private:
  cufftHandle handle_member_ = 0;
  bool valid_member_ = false;
};

template <typename C>
__device__ inline C cmul(C x, C y) {
  C r;
  r.x = x.x * y.x - x.y * y.y;
  r.y = x.x * y.y + x.y * y.x;
  return r;
}
template <typename C>
__device__ inline C cconj(C x) {
  x.y = -x.y;
  return x;
}

/// rho(I; J) *= b_I conj(b_J).
template <typename C>
__global__ void kinetic_kernel(C* __restrict__ rho, const C* __restrict__ b, std::size_t nk,
                               std::size_t total) {
  for (std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
       idx < total; idx += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t I = idx / nk, J = idx - I * nk;
    rho[idx] = cmul(rho[idx], cmul(b[I], cconj(b[J])));
  }
}

/// rho(I; J) *= a_I conj(a_J) D[ko_I + bo_J].
template <typename C>
__global__ void position_kernel(C* __restrict__ rho, const C* __restrict__ a,
                                const C* __restrict__ decay, const long long* __restrict__ ko,
                                const long long* __restrict__ bo, std::size_t nk,
                                std::size_t total) {
  for (std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
       idx < total; idx += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t I = idx / nk, J = idx - I * nk;
    rho[idx] = cmul(rho[idx], cmul(cmul(a[I], cconj(a[J])), decay[ko[I] + bo[J]]));
  }
}

template <typename C>
struct NormOf {
  __host__ __device__ double operator()(const C& z) const {
    return static_cast<double>(z.x) * static_cast<double>(z.x) +
           static_cast<double>(z.y) * static_cast<double>(z.y);
  }
};
template <typename C>
struct NonFinite {
  __host__ __device__ int operator()(const C& z) const {
    return (isfinite(z.x) && isfinite(z.y)) ? 0 : 1;
  }
};
template <typename C>
struct DiagonalReal {
  const C* rho;
  std::size_t stride;
  __host__ __device__ double operator()(std::size_t i) const {
    return static_cast<double>(rho[i * stride].x);
  }
};

template <typename Real>
class CudaPropagator final : public Propagator {
  using C = typename Cuda<Real>::complex;

 public:
  CudaPropagator(const PropagatorLayout& layout, Precision precision)
      : layout_member_(layout),
        precision_member_(precision),
        nk_member_(layout.ket_size()),
        total_member_(nk_member_ * nk_member_) {
    // Refuse before allocating when the device lacks memory (state + tables + FFT work area ~ one
    // state).
    std::size_t free_bytes = 0, device_total = 0;
    NANODECOH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &device_total));
    const std::size_t need = 2 * total_member_ * sizeof(C) + layout.table_size * sizeof(C) +
                             nk_member_ * (3 * sizeof(C) + 2 * sizeof(long long));
    if (need > free_bytes)
      throw OutOfMemory(
          "the grid needs about " + std::to_string(need >> 20) + " MiB of device memory, " +
          std::to_string(free_bytes >> 20) +
          " MiB is free: use precision = \"complex64\", a smaller grid or --backend cpu");
    rho_member_ = DeviceBuffer<C>(total_member_);
    NANODECOH_CUDA_CHECK(cudaMemset(rho_member_.get(), 0, total_member_ * sizeof(C)));
    std::vector<long long> ko(layout.ket_offsets.begin(), layout.ket_offsets.end());
    std::vector<long long> bo(layout.bra_offsets.begin(), layout.bra_offsets.end());
    ket_offsets_member_.upload(ko);
    bra_offsets_member_.upload(bo);
    std::vector<int> n(layout.dims.begin(), layout.dims.end());
    if (n.size() > 3) throw InvalidArgument("axes", std::to_string(n.size()), "at most 3 axes");
    const int nk = static_cast<int>(nk_member_);
    bra_plan_member_.make_many(static_cast<int>(n.size()), n.data(), 1, nk, nk, Cuda<Real>::type);
    ket_plan_member_.make_many(static_cast<int>(n.size()), n.data(), nk, 1, nk, Cuda<Real>::type);
    const int threads = 256;
    blocks_member_ = static_cast<int>(
        std::min<std::size_t>((total_member_ + threads - 1) / threads, 65535u * 8u));
  }

  Backend backend() const override { return Backend::cuda; }
  Precision precision() const override { return precision_member_; }

  void set_state(const std::vector<std::complex<double>>& rho) override {
    if (rho.size() != total_member_)
      throw InvalidArgument("rho", std::to_string(rho.size()) + " elements",
                            std::to_string(total_member_));
    std::vector<C> host(total_member_);
    for (std::size_t i = 0; i < total_member_; ++i) host[i] = to_c(rho[i]);
    rho_member_.upload(host);
  }
  std::vector<std::complex<double>> state() const override {
    std::vector<C> host(total_member_);
    NANODECOH_CUDA_CHECK(cudaMemcpy(host.data(), rho_member_.get(), total_member_ * sizeof(C),
                                    cudaMemcpyDeviceToHost));
    std::vector<std::complex<double>> rho(total_member_);
    for (std::size_t i = 0; i < total_member_; ++i)
      rho[i] = {static_cast<double>(host[i].x), static_cast<double>(host[i].y)};
    return rho;
  }
  void set_dissipation(const std::vector<std::complex<double>>& f_table) override {
    check_dissipation_table(layout_member_, f_table);
    f_table_member_ = f_table;
  }
  void set_segment(double dt, const std::vector<double>& potential) override {
    const SplitFactors f = make_split_factors(layout_member_, dt, potential, f_table_member_);
    auto upload = [](const std::vector<std::complex<double>>& from, auto& to) {
      std::vector<C> converted(from.size());
      for (std::size_t i = 0; i < from.size(); ++i) converted[i] = to_c(from[i]);
      to.upload(converted);
    };
    upload(f.half_kinetic, half_member_);
    upload(f.full_kinetic, full_member_);
    upload(f.potential_phase, potential_member_);
    upload(f.decay, decay_member_);
    prepared_member_ = true;
  }
  std::size_t advance(std::size_t steps, const std::atomic<bool>* stop) override {
    if (steps == 0) return 0;
    if (!prepared_member_) throw Error("propagator: set_segment was not called");
    kinetic(half_member_);
    std::size_t done = steps;
    for (std::size_t s = 0; s < steps; ++s) {
      position_kernel<<<blocks_member_, 256>>>(
          rho_member_.get(), potential_member_.get(), decay_member_.get(),
          ket_offsets_member_.get(), bra_offsets_member_.get(), nk_member_, total_member_);
      NANODECOH_CUDA_CHECK_LAUNCH();
      const bool last = s + 1 == steps || (stop && stop->load(std::memory_order_relaxed));
      kinetic(last ? half_member_ : full_member_);
      if (last) {
        done = s + 1;
        break;
      }
    }
    NANODECOH_CUDA_CHECK(cudaDeviceSynchronize());
    return done;
  }
  double trace() const override {
    DiagonalReal<C> diag{rho_member_.get(), nk_member_ + 1};
    return thrust::transform_reduce(thrust::device, thrust::counting_iterator<std::size_t>(0),
                                    thrust::counting_iterator<std::size_t>(nk_member_), diag, 0.0,
                                    thrust::plus<double>());
  }
  double purity() const override {
    return thrust::transform_reduce(thrust::device, rho_member_.get(),
                                    rho_member_.get() + total_member_, NormOf<C>(), 0.0,
                                    thrust::plus<double>());
  }
  bool all_finite() const override {
    return thrust::transform_reduce(thrust::device, rho_member_.get(),
                                    rho_member_.get() + total_member_, NonFinite<C>(), 0,
                                    thrust::plus<int>()) == 0;
  }

 private:
  static C to_c(std::complex<double> z) {
    C c;
    c.x = static_cast<Real>(z.real());
    c.y = static_cast<Real>(z.imag());
    return c;
  }
  void kinetic(const DeviceBuffer<C>& b) {
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(ket_plan_member_.get(), rho_member_.get(), CUFFT_FORWARD));
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(bra_plan_member_.get(), rho_member_.get(), CUFFT_FORWARD));
    kinetic_kernel<<<blocks_member_, 256>>>(rho_member_.get(), b.get(), nk_member_, total_member_);
    NANODECOH_CUDA_CHECK_LAUNCH();
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(ket_plan_member_.get(), rho_member_.get(), CUFFT_INVERSE));
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(bra_plan_member_.get(), rho_member_.get(), CUFFT_INVERSE));
  }

  PropagatorLayout layout_member_;
  Precision precision_member_;
  std::size_t nk_member_, total_member_;
  int blocks_member_ = 1;
  bool prepared_member_ = false;
  DeviceBuffer<C> rho_member_, half_member_, full_member_, potential_member_, decay_member_;
  DeviceBuffer<long long> ket_offsets_member_, bra_offsets_member_;
  CufftPlan ket_plan_member_, bra_plan_member_;
  std::vector<std::complex<double>> f_table_member_;
};

}  // namespace

std::unique_ptr<Propagator> make_cuda_propagator(const PropagatorLayout& layout,
                                                 Precision precision) {
  if (precision == Precision::complex64)
    return std::make_unique<CudaPropagator<float>>(layout, precision);
  return std::make_unique<CudaPropagator<double>>(layout, precision);
}

}  // namespace nanodecoh::evolution
