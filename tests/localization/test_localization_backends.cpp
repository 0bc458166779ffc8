// CPU and CUDA backends of the localization engine: they evaluate the same integrand headers
// (src/localization/f_integrand.hpp and, for the sphere fast path, sphere_integrand.hpp) and
// differ in rounding (FMA contraction, libm ulps, summation order). "The same results"
// (docs/localization.md, "Backends") means: on the same nodes, 1e-12 relative; where a
// quantity within an ulp of a threshold of the graded rules or of the convergence test falls
// on different sides (visible as different evaluation counts), within the error bounds of
// the two results. Evaluation counts are compared within 1%, never exactly. Skipped, with
// the reason, when no CUDA device is usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "run_cli.hpp"

namespace loc = nanodecoh::localization;

namespace {
loc::EmissionModel model_of(std::shared_ptr<const loc::Body> body, loc::FluxLaw law) {
  loc::EmissionModel m;
  m.body = std::move(body);
  m.flux_law = law;
  m.spectrum = loc::Spectrum::thermal(300.0);
  m.rate = 1.0;
  return m;
}

/// The table on both backends; returns the CPU one. Evaluation counts within 1% (an ulp-level
/// tie that flips one panel changes the count by a few dozen of >= 1e4 evaluations, while a
/// backend with another rule would differ by far more). Values: 1e-12 |F| + 1e-15 Gamma for
/// rounding (Gamma = 1 here); if the counts differ, plus the two results' error bounds: the
/// error estimates of a converged table, or at a fixed level the change of the CPU value to
/// the next level (the accuracy of any rule of that level).
loc::RateTable expect_backends_agree(const loc::LocalizationRate& engine,
                                     const std::vector<Eigen::Matrix3d>& orientations,
                                     const std::vector<Eigen::Vector3d>& displacements,
                                     const loc::RateOptions& options) {
  const auto cpu = engine.table(orientations, displacements, options, nanodecoh::Backend::cpu);
  const auto cuda = engine.table(orientations, displacements, options, nanodecoh::Backend::cuda);
  EXPECT_EQ(cuda.backend, nanodecoh::Backend::cuda);
  EXPECT_EQ(cpu.values.size(), cuda.values.size());
  EXPECT_GT(cpu.node_evaluations, 0u);
  const double count_gap = std::fabs(static_cast<double>(cpu.node_evaluations) -
                                     static_cast<double>(cuda.node_evaluations));
  EXPECT_LE(count_gap, 0.01 * static_cast<double>(cpu.node_evaluations));
  const bool same_nodes = count_gap == 0.0;
  std::vector<double> level_change(cpu.values.size(), 0.0);
  if (!same_nodes && options.fixed_level >= 0) {
    loc::RateOptions next = options;
    ++next.fixed_level;
    const auto finer = engine.table(orientations, displacements, next, nanodecoh::Backend::cpu);
    for (std::size_t i = 0; i < cpu.values.size(); ++i)
      level_change[i] = std::abs(finer.values[i] - cpu.values[i]);
  }
  for (std::size_t i = 0; i < std::min(cpu.values.size(), cuda.values.size()); ++i) {
    double bound = 1e-12 * std::abs(cpu.values[i]) + 1e-15;
    if (!same_nodes) bound += cpu.error_estimates[i] + cuda.error_estimates[i] + level_change[i];
    EXPECT_LE(std::abs(cpu.values[i] - cuda.values[i]), bound)
        << "entry " << i << (same_nodes ? " (same nodes)" : " (a threshold tie flipped)");
  }
  return cpu;
}

}  // namespace

TEST(LocalizationBackends, CudaAgreesWithCpuOnTheSameNodes) {
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const auto orientations = loc::rotations_about({0, 0, 1}, loc::libration_angles(4, 1e-4, 0.0));
  const auto displacements = loc::displacements_along({1, 0, 0}, 16, 5e-12, 0.0);
  for (const auto& model :
       {model_of(loc::make_sphere(75e-9), loc::FluxLaw::lambertian),
        model_of(loc::make_janus_sphere(75e-9, 1.2), loc::FluxLaw::isotropic),
        model_of(loc::make_spheroid(60e-9, 90e-9), loc::FluxLaw::cosine_power)}) {
    loc::RateOptions options;
    options.fixed_level = 2;
    options.use_symmetry = false;
    expect_backends_agree(loc::LocalizationRate(model), orientations, displacements, options);
  }
}

TEST(LocalizationBackends, CudaAgreesWithCpuOnTheGradedPanels) {
  // recoil phases >= 40: the general quadrature's graded panels (graded_surface_partial)
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const loc::LocalizationRate engine(
      model_of(loc::make_janus_sphere(75e-9, 1.2), loc::FluxLaw::lambertian));
  loc::RateOptions options;
  options.fixed_level = 0;
  expect_backends_agree(engine, loc::rotations_about({1, 0, 0}, {0.0, 1e-3}),
                        {{3e-10, 0, 0}, {0, 1e-10, 2.5e-10}}, options);
}

TEST(LocalizationBackends, CudaAgreesWithCpuOnTheSphereFastPath) {
  // the same slices (src/localization/sphere_integrand.hpp), summed in the same order on the host
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const loc::LocalizationRate engine(model_of(loc::make_sphere(75e-9), loc::FluxLaw::lambertian));
  loc::RateOptions options;
  options.fixed_level = 1;
  const auto cpu = expect_backends_agree(
      engine, loc::rotations_about({0, 0, 1}, loc::libration_angles(4, 1e-3, 0.0)),
      loc::displacements_along({1, 0.2, 0.1}, 16, 8e-11, 0.0), options);
  EXPECT_EQ(cpu.method, "sphere-lune-density");
}

TEST(LocalizationBackends, CudaAgreesWithCpuWhenConverging) {
  // the convergence loop on both backends: values may stop one level apart where the change
  // sits on the tolerance; they then agree within the two error estimates (<= 1e-7 Gamma).
  // ~5 s on 2 CPU cores for the CPU half
  NANODECOH_REQUIRE_CUDA_DEVICE();
  const loc::LocalizationRate engine(
      model_of(loc::make_janus_sphere(75e-9, 1.2), loc::FluxLaw::lambertian));
  loc::RateOptions options;
  options.tolerance = 1e-7;
  const auto cpu = expect_backends_agree(
      engine, loc::rotations_about({0, 1, 0}, loc::libration_angles(2, 2e-4, 0.0)),
      loc::displacements_along({1, 0, 0.3}, 4, 1e-11, 0.0), options);
  EXPECT_LE(cpu.max_error_estimate, 1e-7);
}

TEST(LocalizationBackends, CudaWithoutDeviceIsRefused) {
  if (nanodecoh::cuda_device_status().usable) GTEST_SKIP() << "a CUDA device is usable here";
  EXPECT_THROW(nanodecoh::select_backend(nanodecoh::BackendChoice::cuda),
               nanodecoh::InvalidArgument);
  const auto r = nanodecoh::testing::run_cli({"localization", "--body", "sphere", "--radius",
                                              "75e-9", "--emitted-mass-amu", "18", "--rate", "1",
                                              "--dx", "1e-11,0,0", "--backend", "cuda"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--backend"), std::string::npos) << r.err;
}
