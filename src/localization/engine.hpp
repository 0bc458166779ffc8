// Internal interface between the backend-independent convergence driver
// (localization_rate.cpp) and the two backends that evaluate batches of jobs
// with the shared integrand of f_integrand.hpp: the CPU (OpenMP, here) and
// CUDA (kernels/localization/). Both receive the same flat node buffers.
#pragma once

#include <map>
#include <utility>
#include <vector>

#include "localization/f_integrand.hpp"
#include "localization/sphere_integrand.hpp"

namespace nanodecoh::localization::detail {

/// All node sets used so far, concatenated (struct of arrays). A set is
/// identified by its resolution and addressed by (offset, count).
struct NodeBank {
  std::vector<double> sx, sy, sz, nx, ny, nz, sw;
  std::vector<double> beta_cos, beta_sin, beta_w;
  std::vector<double> psi_u, psi_w;
  std::vector<double> spectrum_k, spectrum_w;
  std::map<int, std::pair<int, int>> surface_sets, beta_sets, psi_sets;

  NodeBankView view() const {
    return {sx.data(), sy.data(),       sz.data(),       nx.data(),     ny.data(),    nz.data(),
            sw.data(), beta_cos.data(), beta_sin.data(), beta_w.data(), psi_u.data(), psi_w.data()};
  }
};

/// What a backend needs besides the bank and the jobs.
struct BatchSettings {
  SpectrumView spectrum;  ///< host pointers into the bank for discrete spectra
  FluxLawView law;
  bool volume = false;  ///< volume emission (volume_partial) instead of the lune sum
};

/// Sum over nodes for each job: sum_s sum_j lune_partial (surface) or
/// sum_s volume_partial (volume).
std::vector<Cplx> evaluate_jobs_cpu(const NodeBank& bank, const BatchSettings& settings,
                                    const std::vector<Job>& jobs);
/// Same on the GPU. Throws NotCompiled in builds without CUDA, CudaError on failure.
std::vector<Cplx> evaluate_jobs_cuda(const NodeBank& bank, const BatchSettings& settings,
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
