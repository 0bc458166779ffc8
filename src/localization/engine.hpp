// Internal interface between the backend-independent convergence driver
// (localization_rate.cpp) and the two backends that evaluate batches of jobs
// with the shared integrand of f_integrand.hpp: the CPU (OpenMP, here) and
// CUDA (kernels/localization/). Both receive the same flat node buffers.
#pragma once

#include <atomic>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "localization/f_integrand.hpp"
#include "localization/sphere_integrand.hpp"

namespace nanodecoh::localization::detail {

/// Device copy of a NodeBank (kernels/localization/); opaque to host code.
struct DeviceNodeBank;

/// All node sets used so far, concatenated (struct of arrays). A set is
/// identified by its resolution and addressed by (offset, count). Sets are only ever
/// appended, so a copy with the same array sizes holds the same nodes.
struct NodeBank {
  std::vector<double> sx, sy, sz, nx, ny, nz, sw;
  std::vector<double> beta_cos, beta_sin, beta_w;
  std::vector<double> psi_u, psi_w;
  std::vector<double> gauss_x, gauss_w;
  std::vector<double> spectrum_k, spectrum_w;
  std::map<int, std::pair<int, int>> surface_sets, beta_sets, psi_sets, gauss_sets;
  /// The CUDA backend's copy, uploaded again only when the bank has grown (a new
  /// resolution level), not for every batch; empty until a CUDA evaluation.
  mutable std::shared_ptr<DeviceNodeBank> device;

  NodeBankView view() const {
    return {sx.data(),    sy.data(),    sz.data(),       nx.data(),       ny.data(),
            nz.data(),    sw.data(),    beta_cos.data(), beta_sin.data(), beta_w.data(),
            psi_u.data(), psi_w.data(), gauss_x.data(),  gauss_w.data()};
  }
};

/// What a backend needs besides the bank and the jobs.
struct BatchSettings {
  SpectrumView spectrum;  ///< host pointers into the bank for discrete spectra
  FluxLawView law;
  bool volume = false;  ///< volume emission (volume_partial) instead of the lune sum
};

/// The three integration paths of a job: volume_partial (volume emission), the graded lune
/// panels (graded_surface_partial, thermal spectrum at large phases) and the fixed lune rule
/// (sum_j lune_partial). The CUDA backend compiles one kernel per path.
enum class JobPath { volume, graded, fixed };

NANODECOH_HD inline JobPath job_path(const BatchSettings& settings, const Job& job) {
  if (settings.volume) return JobPath::volume;
  return job.graded ? JobPath::graded : JobPath::fixed;
}

/// The node sums of one job over surface nodes [s_begin, s_end) on path P (which must be
/// job_path(settings, job)). `scratch` (2 k_max_edges doubles) is used by the graded path only.
template <JobPath P>
NANODECOH_HD inline LuneSum job_partial_on(const NodeBankView& bank, const BatchSettings& settings,
                                           const Job& job, int s_begin, int s_end,
                                           double* scratch) {
  LuneSum acc;
  for (int s = s_begin; s < s_end; ++s) {
    if constexpr (P == JobPath::volume) {
      acc.re += volume_partial(bank, job, settings.spectrum, s);
      acc.evaluations += 1.0;
    } else if constexpr (P == JobPath::graded) {
      graded_surface_partial(bank, job, settings.spectrum, settings.law, s, scratch, acc);
    } else {
      const LuneFrame frame = lune_frame(bank, job, s);
      for (int j = 0; j < job.psi_count; ++j) {
        const Cplx c = lune_partial(bank, job, settings.spectrum, settings.law, frame, s, j);
        acc.re += c.re;
        acc.im += c.im;
      }
      acc.evaluations += static_cast<double>(job.psi_count) * job.beta_count;
    }
  }
  return acc;
}

/// job_partial_on() for the job's own path. Both backends evaluate these sums, the CPU per
/// chunk of surface nodes, the GPU per surface node.
NANODECOH_HD inline LuneSum job_partial(const NodeBankView& bank, const BatchSettings& settings,
                                        const Job& job, int s_begin, int s_end, double* scratch) {
  switch (job_path(settings, job)) {
    case JobPath::volume:
      return job_partial_on<JobPath::volume>(bank, settings, job, s_begin, s_end, scratch);
    case JobPath::graded:
      return job_partial_on<JobPath::graded>(bank, settings, job, s_begin, s_end, scratch);
    case JobPath::fixed:
      return job_partial_on<JobPath::fixed>(bank, settings, job, s_begin, s_end, scratch);
  }
  return {};
}

/// Work decomposition shared by both backends: items of (job, chunk of k_surface_chunk surface
/// nodes), so one large job still uses many threads; the partial sums of a job are added in
/// item order (sum_partials), so the result does not depend on the thread count or backend
/// scheduling.
inline constexpr int k_surface_chunk = 16;

struct WorkItem {
  int job;      ///< index into the batch's jobs
  int s_begin;  ///< first surface node (absolute index into the bank)
  int s_end;    ///< one past the last
};

/// The items of `jobs`, job by job, surface chunks in ascending order.
inline std::vector<WorkItem> work_items(const std::vector<Job>& jobs) {
  std::vector<WorkItem> items;
  for (std::size_t j = 0; j < jobs.size(); ++j)
    for (int s = 0; s < jobs[j].surface_count; s += k_surface_chunk) {
      const int end =
          s + k_surface_chunk < jobs[j].surface_count ? s + k_surface_chunk : jobs[j].surface_count;
      items.push_back(
          {static_cast<int>(j), jobs[j].surface_offset + s, jobs[j].surface_offset + end});
    }
  return items;
}

/// Adds the partial sums of the items to their jobs' sums, in item order.
inline std::vector<LuneSum> sum_partials(const std::vector<WorkItem>& items,
                                         const std::vector<LuneSum>& partial,
                                         std::size_t job_count) {
  std::vector<LuneSum> out(job_count);
  for (std::size_t it = 0; it < items.size(); ++it) {
    LuneSum& o = out[items[it].job];
    o.re += partial[it].re;
    o.im += partial[it].im;
    o.norm += partial[it].norm;
    o.evaluations += partial[it].evaluations;
  }
  return out;
}

/// Sum over nodes for each job (job_partial over all its surface nodes). When `stop` is set
/// during the batch, the remaining work items are skipped and Interrupted is thrown, so that
/// a stop request is seen within one work item even when a batch takes minutes (a Janus
/// body at large phases).
std::vector<LuneSum> evaluate_jobs_cpu(const NodeBank& bank, const BatchSettings& settings,
                                       const std::vector<Job>& jobs,
                                       const std::atomic<bool>* stop = nullptr);
/// Same on the GPU. Throws NotCompiled in builds without CUDA, CudaError on failure.
std::vector<LuneSum> evaluate_jobs_cuda(const NodeBank& bank, const BatchSettings& settings,
                                        const std::vector<Job>& jobs);

/// One polar slice t of a sphere fast-path job; `weight` is the t-rule weight times sin t.
struct SphereItem {
  int job;
  double t;
  double weight;
};

/// sphere_slice() for every item: k is k_T, (gauss_x, gauss_w) the per-panel rule.
std::vector<SliceSum> evaluate_sphere_cpu(const std::vector<SphereJob>& jobs,
                                          const std::vector<SphereItem>& items, double k,
                                          const std::vector<double>& gauss_x,
                                          const std::vector<double>& gauss_w);
/// Same on the GPU. Throws NotCompiled in builds without CUDA, CudaError on failure.
std::vector<SliceSum> evaluate_sphere_cuda(const std::vector<SphereJob>& jobs,
                                           const std::vector<SphereItem>& items, double k,
                                           const std::vector<double>& gauss_x,
                                           const std::vector<double>& gauss_w);

}  // namespace nanodecoh::localization::detail
