// CUDA backend of the split-operator propagator (propagator.hpp; docs/physics.md section 4).
// rho lives on the device as interleaved complex (double2/float2). Two cuFFT plans made once
// through the 64-bit API (cufftMakePlanMany64: the ket plan addresses offsets up to nk^2 - 1):
// the bra axes (contiguous, batched over ket points) and the ket axes (stride nk, batched over
// bra points), sharing one work area of the larger size that we allocate ourselves
// (cufftSetAutoAllocation(0)) and count in the memory estimate. The step kernels are the twins
// of the CPU ones (src/evolution/step_kernels.hpp), name for name:
//   apply_kinetic_factor:  rho(K; K') *= b_K conj(b_K'),         b_K = exp(-i omega_K tau)/sqrt(N)
//   apply_position_factor: rho(I; J)  *= a_I conj(a_J) D[ko_I + bo_J],
//                          a_I = exp(-i V_I dt/hbar), D = exp(-F dt)
//   count_non_finite, sum_norm, sum_diagonal: Thrust reductions with 64-bit counts.
// Every CUDA and cuFFT call is checked (cuda_check.cuh); Thrust failures become CudaError or
// OutOfMemory; buffers and plans are RAII.
#include <cufft.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/system_error.h>
#include <thrust/transform_reduce.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "cuda_check.cuh"
#include "device_buffer.cuh"
#include "evolution/step_kernels.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"

namespace nanodecoh::evolution {
namespace {

using cuda::DeviceBuffer;

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

/// Owns a cuFFT plan made with the 64-bit API and without its own work area.
class CufftPlan {
 public:
  CufftPlan() = default;
  CufftPlan(const CufftPlan&) = delete;
  CufftPlan& operator=(const CufftPlan&) = delete;
  ~CufftPlan() {
    if (valid_member_) cufftDestroy(handle_member_);
  }
  /// Plans `batch` in-place transforms of shape n (stride, distance in elements); returns the
  /// bytes of work area the plan needs (set later with set_work_area).
  std::size_t make_many(std::vector<long long> n, long long stride, long long dist, long long batch,
                        cufftType type) {
    NANODECOH_CUDA_CHECK(cufftCreate(&handle_member_));
    valid_member_ = true;
    NANODECOH_CUDA_CHECK(cufftSetAutoAllocation(handle_member_, 0));
    std::size_t work = 0;
    NANODECOH_CUDA_CHECK(cufftMakePlanMany64(handle_member_, static_cast<int>(n.size()), n.data(),
                                             n.data(), stride, dist, n.data(), stride, dist, type,
                                             batch, &work));
    return work;
  }
  void set_work_area(void* area) { NANODECOH_CUDA_CHECK(cufftSetWorkArea(handle_member_, area)); }
  cufftHandle get() const noexcept { return handle_member_; }

 private:
  cufftHandle handle_member_ = 0;
  bool valid_member_ = false;
};

/// Runs a Thrust call; its failures become CudaError (system_error) or OutOfMemory (bad_alloc)
/// naming `what`.
template <typename F>
auto thrust_checked(const char* what, F&& call) {
  try {
    return call();
  } catch (const thrust::system_error& e) {
    throw CudaError(std::string("Thrust ") + what + " failed: " + e.what());
  } catch (const std::bad_alloc&) {
    throw OutOfMemory(std::string("Thrust ") + what + ": out of device memory for its scratch");
  }
}

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

/// rho(I; J) *= b_I conj(b_J) (twin of the CPU apply_kinetic_factor).
template <typename C>
__global__ void apply_kinetic_factor(C* __restrict__ rho, const C* __restrict__ b, std::size_t nk,
                                     std::size_t total) {
  for (std::size_t idx = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
       idx < total; idx += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const std::size_t I = idx / nk, J = idx - I * nk;
    rho[idx] = cmul(rho[idx], cmul(b[I], cconj(b[J])));
  }
}

/// rho(I; J) *= a_I conj(a_J) D[ko_I + bo_J] (twin of the CPU apply_position_factor).
template <typename C>
__global__ void apply_position_factor(C* __restrict__ rho, const C* __restrict__ a,
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
struct NormAt {
  const C* data;
  __host__ __device__ double operator()(std::uint64_t i) const {
    const C z = data[i];
    return static_cast<double>(z.x) * static_cast<double>(z.x) +
           static_cast<double>(z.y) * static_cast<double>(z.y);
  }
};
template <typename C>
struct NonFiniteAt {
  const C* data;
  std::uint64_t stride;
  __host__ __device__ std::uint64_t operator()(std::uint64_t i) const {
    const C z = data[i * stride];
    return (isfinite(z.x) && isfinite(z.y)) ? 0 : 1;
  }
};
template <typename C>
struct DiagonalAt {
  const C* data;
  std::uint64_t stride;
  __host__ __device__ double operator()(std::uint64_t i) const {
    return static_cast<double>(data[i * stride].x);
  }
};

/// Non-finite elements among data[0], data[stride], ... (count of them), 64-bit (twin of the
/// CPU count_non_finite).
template <typename C>
std::uint64_t count_non_finite(const C* data, std::uint64_t count, std::uint64_t stride) {
  return thrust_checked("count_non_finite", [&] {
    return thrust::transform_reduce(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                                    thrust::counting_iterator<std::uint64_t>(count),
                                    NonFiniteAt<C>{data, stride}, std::uint64_t{0},
                                    thrust::plus<std::uint64_t>());
  });
}
/// sum |data[i]|^2 in double (twin of the CPU sum_norm).
template <typename C>
double sum_norm(const C* data, std::uint64_t count) {
  return thrust_checked("sum_norm", [&] {
    return thrust::transform_reduce(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                                    thrust::counting_iterator<std::uint64_t>(count),
                                    NormAt<C>{data}, 0.0, thrust::plus<double>());
  });
}
/// sum Re data[i (nk + 1)] (twin of the CPU sum_diagonal).
template <typename C>
double sum_diagonal(const C* data, std::uint64_t nk) {
  return thrust_checked("sum_diagonal", [&] {
    return thrust::transform_reduce(thrust::device, thrust::counting_iterator<std::uint64_t>(0),
                                    thrust::counting_iterator<std::uint64_t>(nk),
                                    DiagonalAt<C>{data, nk + 1}, 0.0, thrust::plus<double>());
  });
}

std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

template <typename Real>
class CudaPropagator final : public Propagator {
  using C = typename Cuda<Real>::complex;

 public:
  CudaPropagator(const PropagatorLayout& layout, Precision precision)
      : layout_member_(layout),
        precision_member_(precision),
        nk_member_(layout.ket_size()),
        total_member_(nk_member_ * nk_member_) {
    if (layout.dims.size() > 3)
      throw InvalidArgument("axes", std::to_string(layout.dims.size()), "at most 3 axes");
    // Refuse before allocating when the device lacks memory (the formula of propagator.hpp,
    // whose FFT work area is a bound), then again with the plans' actual work area.
    const MemoryEstimate estimate = estimate_memory(layout, precision, Backend::cuda);
    std::size_t free_bytes = 0, device_total = 0;
    NANODECOH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &device_total));
    const auto refuse = [&](std::size_t need, const std::string& why) {
      throw OutOfMemory("the grid needs about " + mib(need) + " of device memory (" + why + "), " +
                        mib(free_bytes) +
                        " is free: use precision = \"complex64\", a smaller grid or --backend cpu");
    };
    if (estimate.backend_bytes > free_bytes)
      refuse(estimate.backend_bytes, "estimate: state " + mib(estimate.state_bytes) +
                                         ", FFT work area up to " + mib(estimate.fft_work_bytes));
    std::vector<long long> n(layout.dims.begin(), layout.dims.end());
    const long long nk = static_cast<long long>(nk_member_);
    const std::size_t bra_work = bra_plan_member_.make_many(n, 1, nk, nk, Cuda<Real>::type);
    const std::size_t ket_work = ket_plan_member_.make_many(n, nk, 1, nk, Cuda<Real>::type);
    const std::size_t work = std::max(bra_work, ket_work);
    const std::size_t need = estimate.backend_bytes - estimate.fft_work_bytes + work;
    NANODECOH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &device_total));
    if (need > free_bytes)
      refuse(need, "state " + mib(estimate.state_bytes) + ", cuFFT work area " + mib(work));
    try {
      work_member_ = DeviceBuffer<char>(work);
      rho_member_ = DeviceBuffer<C>(total_member_);
      std::vector<long long> ko(layout.ket_offsets.begin(), layout.ket_offsets.end());
      std::vector<long long> bo(layout.bra_offsets.begin(), layout.bra_offsets.end());
      ket_offsets_member_.upload(ko);
      bra_offsets_member_.upload(bo);
    } catch (const OutOfMemory& e) {
      throw OutOfMemory("the grid needs about " + mib(need) +
                        " of device memory (estimate), allocating it failed: " + e.what() +
                        ": use precision = \"complex64\", a smaller grid or --backend cpu");
    }
    NANODECOH_CUDA_CHECK(cudaMemset(rho_member_.get(), 0, total_member_ * sizeof(C)));
    if (work > 0) {
      bra_plan_member_.set_work_area(work_member_.get());
      ket_plan_member_.set_work_area(work_member_.get());
    }
    const int threads = 256;
    blocks_member_ = static_cast<int>(
        std::min<std::size_t>((total_member_ + threads - 1) / threads, 65535u * 8u));
  }

  Backend backend() const override { return Backend::cuda; }
  Precision precision() const override { return precision_member_; }

  /// Converts and uploads rho chunk by chunk through a host buffer of host_staging_elements.
  void set_state(const std::vector<std::complex<double>>& rho) override {
    if (rho.size() != total_member_)
      throw InvalidArgument("rho", std::to_string(rho.size()) + " elements",
                            std::to_string(total_member_));
    std::vector<C> staging(std::min(total_member_, host_staging_elements));
    for (std::size_t begin = 0; begin < total_member_; begin += staging.size()) {
      const std::size_t n = std::min(staging.size(), total_member_ - begin);
      for (std::size_t i = 0; i < n; ++i) staging[i] = to_c(rho[begin + i]);
      NANODECOH_CUDA_CHECK(cudaMemcpy(rho_member_.get() + begin, staging.data(), n * sizeof(C),
                                      cudaMemcpyHostToDevice));
    }
  }
  /// Downloads rho chunk by chunk through a host buffer of host_staging_elements.
  std::vector<std::complex<double>> state() const override {
    std::vector<std::complex<double>> rho(total_member_);
    std::vector<C> staging(std::min(total_member_, host_staging_elements));
    for (std::size_t begin = 0; begin < total_member_; begin += staging.size()) {
      const std::size_t n = std::min(staging.size(), total_member_ - begin);
      NANODECOH_CUDA_CHECK(cudaMemcpy(staging.data(), rho_member_.get() + begin, n * sizeof(C),
                                      cudaMemcpyDeviceToHost));
      for (std::size_t i = 0; i < n; ++i)
        rho[begin + i] = {static_cast<double>(staging[i].x), static_cast<double>(staging[i].y)};
    }
    return rho;
  }
  void set_dissipation(const std::vector<std::complex<double>>& f_table) override {
    check_dissipation_table(layout_member_, f_table);
    f_table_member_ = f_table;
  }
  void set_segment(double dt, const std::vector<double>& potential) override {
    const SplitFactors f = make_split_factors(layout_member_, dt, potential, f_table_member_);
    auto upload = [](const std::vector<std::complex<double>>& from, DeviceBuffer<C>& to) {
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
      position();
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
  double trace() const override { return sum_diagonal(rho_member_.get(), nk_member_); }
  double purity() const override { return sum_norm(rho_member_.get(), total_member_); }
  bool all_finite() const override {
    return count_non_finite(rho_member_.get(), total_member_, 1) == 0;
  }

 private:
  static C to_c(std::complex<double> z) {
    C c;
    c.x = static_cast<Real>(z.real());
    c.y = static_cast<Real>(z.imag());
    return c;
  }
  /// One kinetic factor between a forward and an inverse FFT of every ket and bra axis.
  void kinetic(const DeviceBuffer<C>& b) {
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(ket_plan_member_.get(), rho_member_.get(), CUFFT_FORWARD));
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(bra_plan_member_.get(), rho_member_.get(), CUFFT_FORWARD));
    apply_kinetic_factor<<<blocks_member_, 256>>>(rho_member_.get(), b.get(), nk_member_,
                                                  total_member_);
    NANODECOH_CUDA_CHECK_LAUNCH();
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(ket_plan_member_.get(), rho_member_.get(), CUFFT_INVERSE));
    NANODECOH_CUDA_CHECK(
        Cuda<Real>::exec(bra_plan_member_.get(), rho_member_.get(), CUFFT_INVERSE));
  }
  void position() {
    apply_position_factor<<<blocks_member_, 256>>>(
        rho_member_.get(), potential_member_.get(), decay_member_.get(), ket_offsets_member_.get(),
        bra_offsets_member_.get(), nk_member_, total_member_);
    NANODECOH_CUDA_CHECK_LAUNCH();
  }

  PropagatorLayout layout_member_;
  Precision precision_member_;
  std::size_t nk_member_, total_member_;
  int blocks_member_ = 1;
  bool prepared_member_ = false;
  // Plans before buffers: the plans are destroyed after the work area they point to is freed,
  // which cuFFT allows (the area is only used during execution).
  CufftPlan ket_plan_member_, bra_plan_member_;
  DeviceBuffer<char> work_member_;
  DeviceBuffer<C> rho_member_, half_member_, full_member_, potential_member_, decay_member_;
  DeviceBuffer<long long> ket_offsets_member_, bra_offsets_member_;
  std::vector<std::complex<double>> f_table_member_;
};

template <typename C>
std::uint64_t count_repeated(C value, std::uint64_t count) {
  const DeviceBuffer<C> one(std::vector<C>{value});
  return count_non_finite(one.get(), count, 0);
}

}  // namespace

std::unique_ptr<Propagator> make_cuda_propagator(const PropagatorLayout& layout,
                                                 Precision precision) {
  if (precision == Precision::complex64)
    return std::make_unique<CudaPropagator<float>>(layout, precision);
  return std::make_unique<CudaPropagator<double>>(layout, precision);
}

std::uint64_t count_non_finite_on_device(std::complex<double> value, std::uint64_t count,
                                         Precision precision) {
  if (precision == Precision::complex64)
    return count_repeated(
        make_float2(static_cast<float>(value.real()), static_cast<float>(value.imag())), count);
  return count_repeated(make_double2(value.real(), value.imag()), count);
}

}  // namespace nanodecoh::evolution
