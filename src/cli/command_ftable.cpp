// `nanodecoh ftable CONFIG.toml`: tabulates F_{R_i,R_j}(dX_k) over orientation
// pairs and displacements (desorption eqs. 2-3, 48) with the diffusive
// approximation (eqs. 4, 6), and writes it atomically to HDF5 with axes,
// units, tolerance, error estimates, backend, version and the full
// configuration. Schema: docs/ftable-config.md.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "io/toml_config.hpp"
#include "localization/model_inputs.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/io/progress.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {

namespace {

std::optional<double> optional_double(const io::Config& c, const char* key) {
  if (!c.has(key)) return std::nullopt;
  return c.get_double(key);
}

Eigen::Vector3d vector3(const io::Config& c, const char* key, const Eigen::Vector3d& fallback) {
  if (!c.has(key)) return fallback;
  const auto v = c.get_doubles(key);
  if (v.size() != 3)
    throw InvalidArgument(c.full_key(key), std::to_string(v.size()) + " numbers", "[x, y, z]");
  return {v[0], v[1], v[2]};
}

localization::ModelInputs model_inputs(const io::Config& c) {
  localization::ModelInputs in;
  in.toml = true;
  in.body = c.get_string("body.kind");
  in.mesh = c.get_string("body.mesh", "");
  in.mesh_unit = c.get_string("body.mesh_unit", "m");
  in.coverage_file = c.get_string("emission.coverage_file", "");
  in.radius = optional_double(c, "body.radius");
  in.length = optional_double(c, "body.length");
  in.cap_angle = optional_double(c, "body.cap_angle");
  if (c.has("body.semi_axes")) {
    const auto v = c.get_doubles("body.semi_axes");
    if (v.size() != 2)
      throw InvalidArgument("body.semi_axes", std::to_string(v.size()) + " numbers", "[a, c] (m)");
    in.semi_axis_a = v[0];
    in.semi_axis_c = v[1];
  }
  in.emission = c.get_string("emission.kind", "surface");
  in.flux = c.get_string("emission.flux", "lambertian");
  in.power = c.get_double("emission.power", 1.0);
  in.emitted_mass_amu = optional_double(c, "emission.emitted_mass_amu");
  in.rate = optional_double(c, "emission.rate");
  in.outgassing = optional_double(c, "emission.outgassing");
  in.outgassing_unit = c.get_string("emission.outgassing_unit", "");
  in.gas_temperature = optional_double(c, "emission.gas_temperature");
  in.spectrum = c.get_string("spectrum.kind", "thermal");
  in.surface_temperature = optional_double(c, "spectrum.surface_temperature");
  in.energy = optional_double(c, "spectrum.energy");
  in.spectrum_file = c.get_string("spectrum.file", "");
  return in;
}

struct Orientations {
  std::vector<Eigen::Matrix3d> matrices;
  std::vector<double> angles;  // empty for an explicit list
  Eigen::Vector3d axis = Eigen::Vector3d::UnitZ();
};

Orientations orientations(const io::Config& c) {
  Orientations o;
  const std::string kind = c.get_string("orientations.kind");
  if (kind == "list") {
    const auto v = c.get_doubles("orientations.matrices");
    if (v.empty() || v.size() % 9 != 0)
      throw InvalidArgument("orientations.matrices", std::to_string(v.size()) + " numbers",
                            "9 numbers (row-major) per rotation matrix");
    for (std::size_t i = 0; i < v.size(); i += 9) {
      Eigen::Matrix3d m;
      m << v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8];
      o.matrices.push_back(m);
    }
    return o;
  }
  o.axis = vector3(c, "orientations.axis", Eigen::Vector3d::UnitZ());
  const long long count = c.get_int("orientations.count");
  require_at_least("orientations.count", count, 1);
  if (kind == "periodic") {
    o.angles = localization::periodic_angles(static_cast<int>(count));
  } else if (kind == "libration") {
    o.angles =
        localization::libration_angles(static_cast<int>(count), c.get_double("orientations.step"),
                                       c.get_double("orientations.centre", 0.0));
  } else {
    throw InvalidArgument("orientations.kind", kind, "one of periodic, libration, list");
  }
  o.matrices = localization::rotations_about(o.axis, o.angles);
  return o;
}

struct Displacements {
  std::vector<Eigen::Vector3d> points;
  std::vector<double> coordinate;  // along the axis for a line
};

Displacements displacements(const io::Config& c) {
  Displacements d;
  const std::string kind = c.get_string("displacements.kind");
  if (kind == "line") {
    const Eigen::Vector3d axis = vector3(c, "displacements.axis", Eigen::Vector3d::UnitX());
    const long long count = c.get_int("displacements.count");
    require_at_least("displacements.count", count, 1);
    const double step = c.get_double("displacements.step");
    const double centre = c.get_double("displacements.centre", 0.0);
    d.points = localization::displacements_along(axis, static_cast<int>(count), step, centre);
    for (const auto& point : d.points) d.coordinate.push_back(point.dot(axis.normalized()));
  } else if (kind == "list") {
    const auto v = c.get_doubles("displacements.points");
    if (v.empty() || v.size() % 3 != 0)
      throw InvalidArgument("displacements.points", std::to_string(v.size()) + " numbers",
                            "3 numbers (m) per point");
    for (std::size_t i = 0; i < v.size(); i += 3) d.points.emplace_back(v[i], v[i + 1], v[i + 2]);
  } else {
    throw InvalidArgument("displacements.kind", kind, "line or list");
  }
  return d;
}

/// Number of orientations or displacements the [table] section asks for, read before
/// anything of that size is allocated (a list is already in memory).
double planned_count(const io::Config& c, const std::string& table, const char* list_key,
                     std::size_t numbers_per_item) {
  if (c.get_string(table + ".kind", "") == "list")
    return static_cast<double>(c.get_doubles(table + "." + list_key).size() / numbers_per_item);
  return static_cast<double>(std::max(c.get_int(table + ".count", 1), 1LL));
}

/// A count as an integer ("100000", not "1e+05").
std::string count_text(double count) {
  return count < 1e19 ? std::to_string(static_cast<unsigned long long>(count))
                      : format_number(count);
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
  return {
      app, [o] {
        using namespace localization;
        io::Config config = io::Config::from_file(o->config);
        for (const auto& s : o->sets) config.apply_override(s);
        const ModelInputs inputs = model_inputs(config);
        const EmissionModel model = build_model(inputs);
        // Memory before allocating anything of the table's size.
        const double p_planned = planned_count(config, "orientations", "matrices", 9),
                     nd_planned = planned_count(config, "displacements", "points", 3);
        require_memory(LocalizationRate::estimate_table_memory(model, p_planned, nd_planned),
                       "ftable: the table of " + count_text(p_planned) + " x " +
                           count_text(p_planned) + " orientations x " + count_text(nd_planned) +
                           " displacements" +
                           (model.body->triangle_count() > 0
                                ? " on a mesh of " + std::to_string(model.body->triangle_count()) +
                                      " triangles"
                                : std::string()),
                       "use fewer orientations.count or displacements.count (or a coarser mesh)",
                       o->max_memory.empty() ? 0 : parse_memory_size(o->max_memory));
        const Orientations ors = orientations(config);
        const Displacements dis = displacements(config);
        RateOptions options;
        options.tolerance = config.get_double("numerics.tolerance", 1e-6);
        options.use_symmetry = config.get_bool("numerics.use_symmetry", true);
        options.sphere_fast_path = config.get_bool("numerics.sphere_fast_path", true);
        config.require_all_used();
        // Before the long computation: outputs writable, not an input, not in use.
        const io::OutputClaim claim =
            io::claim_outputs({{o->out, "--out"}, {o->plot, "--plot"}},
                              {o->config, inputs.mesh, inputs.coverage_file, inputs.spectrum_file});
        const Backend backend = select_backend(parse_backend_choice(o->backend));
        const LocalizationRate engine(model);

        std::unique_ptr<io::ProgressReporter> progress;
        options.progress = [&](std::size_t done, std::size_t total) {
          if (!progress)
            progress = std::make_unique<io::ProgressReporter>("ftable", total, !o->quiet, "values");
          progress->update(done);
        };
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
        std::vector<double> matrices, points, dtensor, ft;
        for (const auto& m : ors.matrices)
          for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b) matrices.push_back(m(a, b));
        for (const auto& d : dis.points) points.insert(points.end(), {d.x(), d.y(), d.z()});
        for (int a = 0; a < 6; ++a) {
          ft.push_back(lim.force_torque(a));
          for (int b = 0; b < 6; ++b) dtensor.push_back(lim.diffusion(a, b));
        }
        io::write_atomically(o->out, [&](const std::filesystem::path& tmp) {
          io::Hdf5File f = io::Hdf5File::create(tmp);
          f.write("F", table.values, {p, p, nd}, "1/s");
          f.write("error_estimate", table.error_estimates, {p, p, nd}, "1/s");
          f.write("diffusive", diffusive, {p, p, nd}, "1/s");
          f.write("orientations", matrices, {p, 3, 3}, "");
          if (!ors.angles.empty()) f.write("angles", ors.angles, {p}, "rad");
          f.write("displacements", points, {nd, 3}, "m");
          if (!dis.coordinate.empty())
            f.write("displacement_coordinate", dis.coordinate, {nd}, "m");
          f.write("diffusion_tensor", dtensor, {6, 6}, "SI (kg^2 m^2 s^-3 blocks for P, J)");
          f.write("force_torque", ft, {6}, "N, N m");
          f.set_attribute("/", "rate", engine.model().rate);
          f.set_attribute("/", "rate_unit", "1/s");
          f.set_attribute("/", "tolerance", options.tolerance);
          f.set_attribute("/", "tolerance_unit", "Gamma");
          f.set_attribute("/", "max_error_estimate", table.max_error_estimate);
          f.set_attribute("/", "backend", std::string(to_string(table.backend)));
          f.set_attribute("/", "method", table.method);
          f.set_attribute("/", "version", std::string(version_string));
          f.set_attribute("/", "git_revision", std::string(git_revision));
          f.set_attribute("/", "config", config.to_toml());
          f.set_attribute("/", "layout",
                          "F[i, j, k] = F_{R_i, R_j}(dX_k): R_i ket, R_j bra, dX = X - X'");
        });
        if (!o->plot.empty()) {
          run_plot_script("plot_ftable.py", o->out, o->plot);
        }
        if (!o->quiet)
          std::cerr << "ftable: " << p << "x" << p << "x" << nd << " values (" << table.unique_jobs
                    << " integrated), max error estimate " << table.max_error_estimate << " 1/s -> "
                    << o->out << '\n';
        return 0;
      }};
}

}  // namespace nanodecoh::cli
