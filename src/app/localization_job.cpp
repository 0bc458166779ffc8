// The `localization` and `outgassing` jobs (localization_job.hpp).
#include "app/localization_job.hpp"

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::app {

LocalizationResult compute_localization(const LocalizationRequest& request,
                                        const InputNames& names) {
  using namespace localization;
  const BackendChoice backend_choice =
      names.translate([&] { return parse_backend_choice(request.backend, "backend"); });
  if (request.displacements.empty())
    throw names.rename(InvalidArgument("displacements", "none", "at least one displacement"));
  if (request.angles.size() != request.displacements.size())
    throw names.rename(InvalidArgument(
        "angles", std::to_string(request.angles.size()) + " angles",
        "one per displacement (" + std::to_string(request.displacements.size()) + ")"));
  for (std::size_t i = 0; i < request.displacements.size(); ++i) {
    for (int k = 0; k < 3; ++k)
      names.translate([&] { require_finite("displacements", request.displacements[i][k]); });
    names.translate([&] { require_finite("angles", request.angles[i]); });
  }
  for (int k = 0; k < 3; ++k) names.translate([&] { require_finite("axis", request.axis[k]); });
  std::vector<Eigen::Matrix3d> kets;
  for (double angle : request.angles)
    kets.push_back(names.translate([&] { return rotation_about(request.axis, angle, "axis"); }));
  RateOptions options;
  options.tolerance = request.tolerance;
  names.translate([&] { validate_options(options); });
  const LocalizationRate engine(names.translate([&] { return build_model(request.model); }));
  // Memory before the node sets are built (a mesh's grow with its triangles).
  const std::size_t triangles = engine.model().body->triangle_count();
  require_memory(LocalizationRate::estimate_table_memory(engine.model(), 1, 1),
                 "localization: one value" +
                     (triangles > 0 ? " on a mesh of " + std::to_string(triangles) + " triangles"
                                    : std::string()),
                 "use a coarser mesh", request.max_memory_bytes);
  // Only valid inputs reach the backend choice (and its CPU-fallback notice).
  LocalizationResult result;
  result.backend = select_backend(backend_choice);
  result.limit = engine.diffusive_limit();
  result.rate = engine.model().rate;
  const Eigen::Matrix3d bra = Eigen::Matrix3d::Identity();
  for (std::size_t i = 0; i < kets.size(); ++i) {
    if (request.stop && request.stop->load()) throw Interrupted("localization stopped");
    result.values.push_back(
        engine.evaluate(kets[i], bra, request.displacements[i], options, result.backend));
    result.diffusive.push_back(LocalizationRate::diffusive_approximation(result.limit, kets[i], bra,
                                                                         request.displacements[i]));
  }
  return result;
}

OutgassingResult compute_outgassing(double q, const std::string& unit, double radius,
                                    double temperature, const InputNames& names) {
  using namespace localization;
  names.translate([&] {
    require_positive("q", q);
    require_positive("radius", radius);
    require_positive("temperature", temperature);
  });
  const OutgassingUnit parsed =
      names.translate([&] { return parse_outgassing_unit(unit, "unit"); });
  OutgassingResult result;
  result.particle_flux_per_area = outgassing_particle_flux(q, parsed, temperature);
  result.rate = result.particle_flux_per_area * 4.0 * constants::pi * radius * radius;
  return result;
}

}  // namespace nanodecoh::app
