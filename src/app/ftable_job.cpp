// The `ftable` job (ftable_job.hpp).
#include "app/ftable_job.hpp"

#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::app {
namespace {

/// A count as an integer ("100000", not "1e+05").
std::string count_text(double count) {
  return count < 1e19 ? std::to_string(static_cast<unsigned long long>(count))
                      : format_number(count);
}

}  // namespace

FtableInputs read_ftable_inputs(const io::Config& config, std::size_t max_memory) {
  FtableInputs in;
  const FtableSpec spec = read_ftable_spec(config);
  config.require_all_used();
  in.config_toml = config.to_toml();
  const InputNames names = model_input_toml_keys().add("axis", "orientations.axis");
  in.options = spec.numerics;
  names.translate([&] { localization::validate_options(in.options); });
  in.model = names.translate([&] { return build_model(spec.model); });
  in.input_files = {spec.model.mesh, spec.model.coverage_file, spec.model.spectrum_file};
  // Memory before allocating anything of the table's size.
  const double p_planned = spec.orientations.kind == "list"
                               ? static_cast<double>(spec.orientations.matrices.size())
                               : static_cast<double>(spec.orientations.count);
  const double nd_planned = spec.displacements.kind == "list"
                                ? static_cast<double>(spec.displacements.points.size())
                                : static_cast<double>(spec.displacements.count);
  const std::size_t triangles = in.model.body->triangle_count();
  require_memory(
      localization::LocalizationRate::estimate_table_memory(in.model, p_planned, nd_planned),
      "ftable: the table of " + count_text(p_planned) + " x " + count_text(p_planned) +
          " orientations x " + count_text(nd_planned) + " displacements" +
          (triangles > 0 ? " on a mesh of " + std::to_string(triangles) + " triangles"
                         : std::string()),
      "use fewer orientations.count or displacements.count (or a coarser mesh)", max_memory);
  in.orientations = names.translate([&] { return make_orientations(spec.orientations); });
  in.displacements = names.translate([&] { return make_displacements(spec.displacements); });
  return in;
}

FtableResult compute_ftable(FtableInputs inputs, Backend backend, const std::atomic<bool>* stop,
                            std::function<void(std::size_t, std::size_t)> progress) {
  using namespace localization;
  const Orientations& ors = inputs.orientations;
  const Displacements& dis = inputs.displacements;
  RateOptions& options = inputs.options;
  options.stop = stop;
  options.progress = std::move(progress);
  const LocalizationRate engine(inputs.model);
  const RateTable table = engine.table(ors.matrices, dis.points, options, backend);

  FtableResult out;
  const DiffusiveLimit lim = engine.diffusive_limit();
  const std::size_t p = ors.matrices.size(), nd = dis.points.size();
  out.diffusive.resize(p * p * nd);
  for (std::size_t i = 0; i < p; ++i)
    for (std::size_t j = 0; j < p; ++j)
      for (std::size_t k = 0; k < nd; ++k)
        out.diffusive[(i * p + j) * nd + k] = LocalizationRate::diffusive_approximation(
            lim, ors.matrices[i], ors.matrices[j], dis.points[k]);
  io::FTable& ftable = out.table;
  for (const auto& m : ors.matrices)
    ftable.orientations.push_back(
        {m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), m(2, 0), m(2, 1), m(2, 2)});
  for (const auto& d : dis.points) ftable.displacements.push_back({d.x(), d.y(), d.z()});
  ftable.values = table.values;
  ftable.error_estimates = table.error_estimates;
  ftable.orientation_kind = ors.kind;
  ftable.angles = ors.angles;
  ftable.rotation_axis = {ors.axis.x(), ors.axis.y(), ors.axis.z()};
  ftable.displacement_kind = dis.kind;
  ftable.displacement_coordinate = dis.coordinate;
  ftable.displacement_axis = {dis.axis.x(), dis.axis.y(), dis.axis.z()};
  ftable.rate = engine.model().rate;
  ftable.tolerance = options.tolerance;
  for (int a = 0; a < 6; ++a) {
    out.force_torque.push_back(lim.force_torque(a));
    for (int b = 0; b < 6; ++b) out.diffusion_tensor.push_back(lim.diffusion(a, b));
  }
  out.max_error_estimate = table.max_error_estimate;
  out.backend = table.backend;
  out.method = table.method;
  out.unique_jobs = table.unique_jobs;
  out.config_toml = inputs.config_toml;
  return out;
}

void write_ftable_result(const std::string& path, const FtableResult& result) {
  const std::size_t p = result.table.orientation_count(), nd = result.table.displacement_count();
  io::write_atomically(path, [&](const std::filesystem::path& tmp) {
    io::Hdf5File f = io::Hdf5File::create(tmp);
    io::write_ftable(f, result.table);  // the schema of docs/ftable-format.md
    // beyond the schema: the diffusive approximation and the run's provenance
    f.write("diffusive", result.diffusive, {p, p, nd}, "1/s");
    f.write("diffusion_tensor", result.diffusion_tensor, {6, 6},
            "SI (kg^2 m^2 s^-3 blocks for P, J)");
    f.write("force_torque", result.force_torque, {6}, "N, N m");
    f.set_attribute("/", "max_error_estimate", result.max_error_estimate);
    f.set_attribute("/", "backend", std::string(to_string(result.backend)));
    f.set_attribute("/", "method", result.method);
    f.set_attribute("/", "version", std::string(version_string));
    f.set_attribute("/", "git_revision", std::string(git_revision));
    f.set_attribute("/", "config", result.config_toml);
  });
}

}  // namespace nanodecoh::app
