// `nanodecoh ftable CONFIG.toml`: tabulates F_{R_i,R_j}(dX_k) over orientation
// pairs and displacements (desorption eqs. 2-3, 48) with the diffusive
// approximation (eqs. 4, 6), and writes it atomically to HDF5 with axes,
// units, tolerance, error estimates, backend, version and the full
// configuration, in the F-table layout of docs/ftable-format.md (config keys:
// docs/ftable-config.md). SIGINT/SIGTERM stop it without writing (exit 130).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "app/config_reading.hpp"
#include "app/ftable_config.hpp"
#include "cli/commands.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {

namespace {

/// A count as an integer ("100000", not "1e+05").
std::string count_text(double count) {
  return count < 1e19 ? std::to_string(static_cast<unsigned long long>(count))
                      : format_number(count);
}

/// Everything the table needs, from the configuration file and --set overrides.
struct FtableInputs {
  io::Config config;
  app::Orientations orientations;
  app::Displacements displacements;
  localization::RateOptions options;
  localization::EmissionModel model;
  std::vector<std::filesystem::path> input_files;  ///< config, mesh, coverage, spectrum files
};

/// The application's path for ftable: TOML (+ --set) -> specs -> emission model, a memory
/// check of the table's size (`max_memory` bytes, 0: the available memory), then the
/// orientations and displacements. The library's errors name spec fields; they are renamed
/// to the keys.
FtableInputs read_inputs(const std::string& path, const std::vector<std::string>& sets,
                         std::size_t max_memory) {
  app::require_input_file(path, "config");
  FtableInputs in{io::Config::from_file(path), {}, {}, {}, {}, {}};
  for (const auto& s : sets) in.config.apply_override(s);
  const app::FtableSpec spec = app::read_ftable_spec(in.config);
  in.config.require_all_used();
  const app::InputNames names = app::model_input_toml_keys().add("axis", "orientations.axis");
  in.options = spec.numerics;
  names.translate([&] { localization::validate_options(in.options); });
  in.model = names.translate([&] { return app::build_model(spec.model); });
  in.input_files = {path, spec.model.mesh, spec.model.coverage_file, spec.model.spectrum_file};
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
  in.orientations = names.translate([&] { return app::make_orientations(spec.orientations); });
  in.displacements = names.translate([&] { return app::make_displacements(spec.displacements); });
  return in;
}

}  // namespace

Command register_ftable_command(CLI::App& root) {
  struct Options {
    std::string config, out = "ftable.h5", plot, backend = "auto", max_memory;
    std::vector<std::string> sets;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* app =
      root.add_subcommand("ftable", "Table of F over orientation pairs and displacements (HDF5)");
  app->add_option("config", o->config, "TOML configuration (docs/ftable-config.md)")->required();
  app->add_option("--out", o->out, "Output HDF5 file (default ftable.h5)");
  app->add_option("--plot", o->plot,
                  "Also plot Re F and Im F vs dX to this PNG (needs /usr/bin/python3)");
  app->add_option("--set", o->sets, "Override a configuration key: key=value (repeatable)");
  app->add_flag("--quiet", o->quiet, "No progress line on stderr");
  app->add_option("--max-memory", o->max_memory,
                  "Allow up to this much memory (e.g. 64G) instead of the available memory");
  add_backend_option(*app, o->backend);
  return {app, [o] {
            using namespace localization;
            const BackendChoice backend_choice = parse_backend_choice(o->backend);
            FtableInputs inputs = read_inputs(
                o->config, o->sets, o->max_memory.empty() ? 0 : parse_memory_size(o->max_memory));
            // Before the long computation: outputs writable, not an input, not in use.
            const io::OutputClaim claim =
                io::claim_outputs({{o->out, "--out"}, {o->plot, "--plot"}}, inputs.input_files);
            const io::Config& config = inputs.config;
            const app::Orientations& ors = inputs.orientations;
            const app::Displacements& dis = inputs.displacements;
            RateOptions& options = inputs.options;
            const LocalizationRate engine(inputs.model);
            // Only valid inputs reach the backend choice (and its CPU-fallback notice).
            const Backend backend = select_backend(backend_choice);

            std::unique_ptr<io::ProgressReporter> progress;
            options.progress = [&](std::size_t done, std::size_t total) {
              if (!progress)
                progress =
                    std::make_unique<io::ProgressReporter>("ftable", total, !o->quiet, "values");
              progress->update(done);
            };
            const StopOnSignals stop_on_signals;  // SIGINT/SIGTERM: stop, write nothing
            options.stop = StopOnSignals::flag();
            const RateTable table = engine.table(ors.matrices, dis.points, options, backend);
            if (progress) progress->finish();

            const DiffusiveLimit lim = engine.diffusive_limit();
            const std::size_t p = ors.matrices.size(), nd = dis.points.size();
            std::vector<std::complex<double>> diffusive(p * p * nd);
            for (std::size_t i = 0; i < p; ++i)
              for (std::size_t j = 0; j < p; ++j)
                for (std::size_t k = 0; k < nd; ++k)
                  diffusive[(i * p + j) * nd + k] = LocalizationRate::diffusive_approximation(
                      lim, ors.matrices[i], ors.matrices[j], dis.points[k]);
            io::FTable ftable;
            for (const auto& m : ors.matrices)
              ftable.orientations.push_back({m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2),
                                             m(2, 0), m(2, 1), m(2, 2)});
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
            std::vector<double> dtensor, ft;
            for (int a = 0; a < 6; ++a) {
              ft.push_back(lim.force_torque(a));
              for (int b = 0; b < 6; ++b) dtensor.push_back(lim.diffusion(a, b));
            }
            io::write_atomically(o->out, [&](const std::filesystem::path& tmp) {
              io::Hdf5File f = io::Hdf5File::create(tmp);
              io::write_ftable(f, ftable);  // the schema of docs/ftable-format.md
              // beyond the schema: the diffusive approximation and the run's provenance
              f.write("diffusive", diffusive, {p, p, nd}, "1/s");
              f.write("diffusion_tensor", dtensor, {6, 6}, "SI (kg^2 m^2 s^-3 blocks for P, J)");
              f.write("force_torque", ft, {6}, "N, N m");
              f.set_attribute("/", "max_error_estimate", table.max_error_estimate);
              f.set_attribute("/", "backend", std::string(to_string(table.backend)));
              f.set_attribute("/", "method", table.method);
              f.set_attribute("/", "version", std::string(version_string));
              f.set_attribute("/", "git_revision", std::string(git_revision));
              f.set_attribute("/", "config", config.to_toml());
            });
            if (!o->plot.empty()) {
              run_plot_script("plot_ftable.py", o->out, o->plot);
            }
            if (!o->quiet)
              std::cerr << "ftable: " << p << "x" << p << "x" << nd << " values ("
                        << table.unique_jobs << " integrated), max error estimate "
                        << table.max_error_estimate << " 1/s -> " << o->out << '\n';
            return 0;
          }};
}

}  // namespace nanodecoh::cli
