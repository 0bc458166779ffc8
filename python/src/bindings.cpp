// The compiled part of the Python package (`nanodecoh._core`, pybind11). Every function goes
// through the application layer the CLI uses (src/app/), so a Python call and the matching
// CLI command read, validate and compute the same way and give the same numbers; the Python
// wrappers (python/nanodecoh/__init__.py) only convert inputs and arrange the results.
//
// Runs release the GIL: the work runs on a worker thread while the calling (main) thread
// waits, polls PyErr_CheckSignals every 50 ms and, on Ctrl-C, sets the engine's stop flag
// (RunControl::stop); the run stops at its next chunk boundary and KeyboardInterrupt is
// raised. Errors map to Python exceptions: InvalidArgument -> nanodecoh.InputError
// (a ValueError; the message names the key the user wrote, the value and the allowed
// range), NumericalError -> nanodecoh.NumericalError, IoError -> nanodecoh.IoError
// (an OSError), OutOfMemory -> nanodecoh.OutOfMemory (a MemoryError), any other
// nanodecoh::Error -> nanodecoh.Error.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <complex>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/evolve_config.hpp"
#include "app/evolve_run.hpp"
#include "app/ftable_job.hpp"
#include "app/localization_job.hpp"
#include "app/rates_job.hpp"
#include "app/sweep.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/simulation.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/version.hpp"

namespace py = pybind11;
using namespace nanodecoh;

namespace {

/// Runs `work` on a worker thread with the GIL released, polling for signals and progress on
/// the calling thread. `stop` is the flag handed to the engine.
template <typename Work>
auto run_released(Work work, std::atomic<bool>& stop, const std::function<void()>& poll = {}) {
  auto future = std::async(std::launch::async, std::move(work));
  bool signalled = false;
  py::error_already_set* pending = nullptr;
  std::unique_ptr<py::error_already_set> pending_owner;
  {
    py::gil_scoped_release release;
    while (future.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
      py::gil_scoped_acquire acquire;
      if (signalled) continue;
      bool raised = PyErr_CheckSignals() != 0;
      if (!raised && poll) {
        try {
          poll();
        } catch (py::error_already_set& e) {
          e.restore();  // the callback's own exception is what the caller sees
          raised = true;
        }
      }
      if (raised) {
        pending_owner = std::make_unique<py::error_already_set>();  // fetches the error
        pending = pending_owner.get();
        signalled = true;
        stop = true;
      }
    }
  }
  if (pending) {
    try {
      future.get();
    } catch (...) {
      // The run stopped because of the signal (Interrupted) or failed meanwhile: the signal
      // (KeyboardInterrupt) is what the user sees.
    }
    throw std::move(*pending);
  }
  if (poll) poll();
  return future.get();
}

io::Config make_config(const std::string& text, const std::string& source,
                       const std::vector<std::string>& overrides) {
  io::Config config =
      text.empty() ? io::Config::from_string(app::default_evolve_config(), "built-in default")
                   : io::Config::from_string(text, source);
  for (const auto& o : overrides) config.apply_override(o);
  return config;
}

/// A finished evolve run: the engine's result, its summary and what the arrays need.
struct EvolveRun {
  evolution::RunResult result;
  std::string summary_json;
  std::string config_toml;
  std::string output_file;  ///< the result file written by the run
  std::vector<std::string> axis_names;
  std::vector<bool> translation;
  std::vector<std::size_t> points;
};

py::dict series_arrays(const std::vector<evolution::Observables>& series, const EvolveRun& run) {
  py::dict out;
  auto column = [&](auto getter) {
    py::array_t<double> a(static_cast<py::ssize_t>(series.size()));
    auto m = a.mutable_unchecked<1>();
    for (std::size_t i = 0; i < series.size(); ++i) m(i) = getter(series[i]);
    return a;
  };
  out["time"] = column([](const evolution::Observables& o) { return o.time; });
  py::array_t<unsigned long long> steps(static_cast<py::ssize_t>(series.size()));
  for (std::size_t i = 0; i < series.size(); ++i) steps.mutable_at(i) = series[i].step;
  out["step"] = steps;
  out["trace"] = column([](const evolution::Observables& o) { return o.trace; });
  out["purity"] = column([](const evolution::Observables& o) { return o.purity; });
  out["energy"] = column([](const evolution::Observables& o) { return o.energy; });
  out["coherence"] = column([](const evolution::Observables& o) { return o.coherence; });
  out["coherence_normalized"] =
      column([](const evolution::Observables& o) { return o.coherence_normalized; });
  for (std::size_t a = 0; a < run.axis_names.size(); ++a) {
    const std::string& n = run.axis_names[a];
    out[py::str(n + "/mean")] =
        column([a](const evolution::Observables& o) { return o.axes[a].mean; });
    out[py::str(n + "/variance")] =
        column([a](const evolution::Observables& o) { return o.axes[a].variance; });
    out[py::str(n + "/momentum_mean")] =
        column([a](const evolution::Observables& o) { return o.axes[a].momentum_mean; });
    out[py::str(n + "/momentum_variance")] =
        column([a](const evolution::Observables& o) { return o.axes[a].momentum_variance; });
    out[py::str(n + "/kinetic_energy")] =
        column([a](const evolution::Observables& o) { return o.axes[a].kinetic_energy; });
    const std::size_t m = series.empty() ? 0 : series[0].axes[a].distribution.size();
    py::array_t<double> d({static_cast<py::ssize_t>(series.size()), static_cast<py::ssize_t>(m)});
    auto md = d.mutable_unchecked<2>();
    for (std::size_t i = 0; i < series.size(); ++i)
      for (std::size_t j = 0; j < m; ++j) md(i, j) = series[i].axes[a].distribution.at(j);
    out[py::str(n + "/distribution")] = d;
  }
  return out;
}

std::shared_ptr<EvolveRun> evolve(const std::string& text, const std::string& source,
                                  const std::vector<std::string>& overrides,
                                  const std::string& output_file, const std::string& backend,
                                  const std::string& max_memory, py::object callback) {
  io::Config config = make_config(text, source, overrides);
  // output.file written in the configuration wins (as in the CLI); otherwise `output_file` (the
  // package's temporary result file, what result.to_hdf5 copies) replaces the CLI's default
  // "evolve.h5", so that a Python run writes nothing into the working directory unasked.
  const bool file_given = config.has("output.file");
  app::EvolveInput input = app::read_evolve_job(config);
  if (!file_given) input.spec.output.file = output_file;
  const app::EvolveJob job = app::build_evolve_job(input, backend, max_memory, true);
  const io::OutputClaim claim = io::claim_outputs(
      {{job.spec.output.file, "output.file"}},
      {job.spec.initial.kind == evolution::InitialKind::file ? job.spec.initial.path
                                                             : std::string()});
  const Backend chosen = select_backend(job.backend);
  auto run = std::make_shared<EvolveRun>();
  run->config_toml = job.spec.config_toml;
  run->output_file = job.spec.output.file;
  for (const evolution::Axis& a : job.spec.axes) {
    run->axis_names.push_back(a.name);
    run->translation.push_back(a.kind == evolution::AxisKind::translation);
    run->points.push_back(a.points);
  }
  std::atomic<bool> stop{false};
  evolution::RunControl control;
  control.stop = &stop;
  // Progress: the run's thread stores the fraction done (RunControl::on_progress); the calling
  // thread, holding the GIL, passes each new value to `callback` when it polls (every 50 ms and
  // once at the end), so Python code never runs on the worker thread.
  std::atomic<double> fraction{0.0};
  double reported = -1.0;
  if (!callback.is_none()) control.on_progress = [&fraction](double f) { fraction = f; };
  run->result =
      run_released([&] { return evolution::run_simulation(job.spec, chosen, control); }, stop,
                   [&] {
                     if (callback.is_none()) return;
                     const double f = fraction.load();
                     if (f != reported) {
                       reported = f;
                       callback(f);
                     }
                   });
  if (run->result.interrupted) throw Interrupted("run stopped");
  run->summary_json =
      app::evolve_summary(run->result, job.spec, input.spec.particle.derivations).dump();
  return run;
}

/// The model keywords of nanodecoh.localization (the fields of app::ModelInputs; semi_axes is
/// the pair (A, C)). An unknown keyword is an input error naming it.
app::ModelInputs model_inputs(const py::dict& kwargs) {
  app::ModelInputs in;
  for (const auto& item : kwargs) {
    const std::string key = py::str(item.first);
    const py::handle v = item.second;
    auto number = [&] { return v.cast<double>(); };
    auto text = [&] { return v.cast<std::string>(); };
    if (key == "body")
      in.body = text();
    else if (key == "mesh")
      in.mesh = text();
    else if (key == "mesh_unit")
      in.mesh_unit = text();
    else if (key == "coverage_file")
      in.coverage_file = text();
    else if (key == "radius")
      in.radius = number();
    else if (key == "semi_axes") {
      const auto ac = v.cast<std::vector<double>>();
      if (ac.size() != 2)
        throw InvalidArgument("semi_axes", std::to_string(ac.size()) + " values", "(A, C)");
      in.semi_axis_a = ac[0];
      in.semi_axis_c = ac[1];
    } else if (key == "length")
      in.length = number();
    else if (key == "cap_angle")
      in.cap_angle = number();
    else if (key == "emission")
      in.emission = text();
    else if (key == "flux")
      in.flux = text();
    else if (key == "power")
      in.power = number();
    else if (key == "spectrum")
      in.spectrum = text();
    else if (key == "surface_temperature")
      in.surface_temperature = number();
    else if (key == "energy")
      in.energy = number();
    else if (key == "spectrum_file")
      in.spectrum_file = text();
    else if (key == "emitted_mass_amu")
      in.emitted_mass_amu = number();
    else if (key == "rate")
      in.rate = number();
    else if (key == "outgassing")
      in.outgassing = number();
    else if (key == "outgassing_unit")
      in.outgassing_unit = text();
    else if (key == "gas_temperature")
      in.gas_temperature = number();
    else
      throw InvalidArgument(key, py::str(py::repr(v)).cast<std::string>(),
                            "a keyword of nanodecoh.localization (docs/python.md)");
  }
  return in;
}

py::dict localization_job(const py::dict& model,
                          py::array_t<double, py::array::c_style | py::array::forcecast> dx,
                          py::array_t<double, py::array::c_style | py::array::forcecast> angles,
                          std::vector<double> axis, double tolerance, const std::string& backend) {
  app::LocalizationRequest request;
  request.model = model_inputs(model);
  if (dx.ndim() != 2 || dx.shape(1) != 3)
    throw InvalidArgument("dx", "an array of " + std::to_string(dx.ndim()) + " dimensions",
                          "displacements (m) of shape (..., 3)");
  auto d = dx.unchecked<2>();
  for (py::ssize_t i = 0; i < d.shape(0); ++i)
    request.displacements.emplace_back(d(i, 0), d(i, 1), d(i, 2));
  auto a = angles.unchecked<1>();
  for (py::ssize_t i = 0; i < a.shape(0); ++i) request.angles.push_back(a(i));
  if (axis.size() != 3)
    throw InvalidArgument("axis", std::to_string(axis.size()) + " values", "(x, y, z)");
  request.axis = Eigen::Vector3d(axis[0], axis[1], axis[2]);
  request.tolerance = tolerance;
  request.backend = backend;
  std::atomic<bool> stop{false};
  request.stop = &stop;
  const app::InputNames names = app::InputNames()
                                    .add("displacements", "dx")
                                    .add("angles", "angle")
                                    .add("semi_axis_a", "semi_axes[0]")
                                    .add("semi_axis_c", "semi_axes[1]")
                                    .add("emitted_mass", "emitted_mass_amu");
  const app::LocalizationResult r =
      run_released([&] { return app::compute_localization(request, names); }, stop);
  const py::ssize_t n = static_cast<py::ssize_t>(r.values.size());
  py::array_t<std::complex<double>> f(n), diffusive(n);
  py::array_t<double> error(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    f.mutable_at(i) = r.values[i].value;
    error.mutable_at(i) = r.values[i].error_estimate;
    diffusive.mutable_at(i) = r.diffusive[i];
  }
  py::array_t<double> tensor({6, 6}), force_torque(6);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) tensor.mutable_at(i, j) = r.limit.diffusion(i, j);
    force_torque.mutable_at(i) = r.limit.force_torque(i);
  }
  py::dict out;
  out["F"] = f;
  out["error_estimate"] = error;
  out["diffusive"] = diffusive;
  out["rate"] = r.rate;
  out["diffusion_tensor"] = tensor;
  out["force_torque"] = force_torque;
  out["backend"] = std::string(to_string(r.backend));
  return out;
}

template <typename T>
py::array_t<T> array_of(const std::vector<T>& values, std::vector<py::ssize_t> shape) {
  py::array_t<T> a(shape);
  std::copy(values.begin(), values.end(), a.mutable_data());
  return a;
}

py::dict ftable_job(const std::string& text, const std::string& source,
                    const std::vector<std::string>& overrides, const std::string& backend,
                    const std::string& max_memory, const std::string& out) {
  io::Config config = io::Config::from_string(text, source);
  for (const auto& o : overrides) config.apply_override(o);
  const BackendChoice choice = parse_backend_choice(backend, "backend");
  app::FtableInputs inputs = app::read_ftable_inputs(
      config, max_memory.empty() ? 0 : parse_memory_size(max_memory, "max_memory"));
  const io::OutputClaim claim = io::claim_outputs({{out, "out"}}, inputs.input_files);
  const Backend chosen = select_backend(choice);
  std::atomic<bool> stop{false};
  const app::FtableResult r =
      run_released([&] { return app::compute_ftable(std::move(inputs), chosen, &stop); }, stop);
  if (!out.empty()) app::write_ftable_result(out, r);
  const auto p = static_cast<py::ssize_t>(r.table.orientation_count());
  const auto nd = static_cast<py::ssize_t>(r.table.displacement_count());
  std::vector<double> orientations, displacements;
  for (const auto& m : r.table.orientations)
    orientations.insert(orientations.end(), m.begin(), m.end());
  for (const auto& d : r.table.displacements)
    displacements.insert(displacements.end(), d.begin(), d.end());
  py::dict d;
  d["F"] = array_of(r.table.values, {p, p, nd});
  d["error_estimates"] = array_of(r.table.error_estimates, {p, p, nd});
  d["diffusive"] = array_of(r.diffusive, {p, p, nd});
  d["orientations"] = array_of(orientations, {p, 3, 3});
  d["angles"] = array_of(r.table.angles, {static_cast<py::ssize_t>(r.table.angles.size())});
  d["displacements"] = array_of(displacements, {nd, 3});
  d["coordinate"] = array_of(r.table.displacement_coordinate,
                             {static_cast<py::ssize_t>(r.table.displacement_coordinate.size())});
  d["orientation_kind"] = r.table.orientation_kind;
  d["displacement_kind"] = r.table.displacement_kind;
  d["rate"] = r.table.rate;
  d["tolerance"] = r.table.tolerance;
  d["diffusion_tensor"] = array_of(r.diffusion_tensor, {6, 6});
  d["force_torque"] = array_of(r.force_torque, {6});
  d["max_error_estimate"] = r.max_error_estimate;
  d["backend"] = std::string(to_string(r.backend));
  d["method"] = r.method;
  d["config"] = r.config_toml;
  return d;
}

struct PySweep {
  std::unique_ptr<app::Sweep> sweep;
};

app::SweepSpec make_sweep_spec(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& vary, bool zip) {
  app::SweepSpec spec;
  spec.zip = zip;
  for (const auto& [key, values] : vary) spec.dimensions.push_back({key, values});
  return spec;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "nanodecoh's compiled core (use the package nanodecoh)";
  m.attr("version") = std::string(version_string);

  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<InvalidArgument> input_error(m, "InputError", PyExc_ValueError);
  static py::exception<NumericalError> numerical_error(m, "NumericalError", error.ptr());
  static py::exception<IoError> io_error(m, "IoError", PyExc_OSError);
  static py::exception<OutOfMemory> out_of_memory(m, "OutOfMemory", PyExc_MemoryError);
  static py::exception<NotCompiled> not_compiled(m, "NotCompiled", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidArgument& e) {
      input_error(e.what());
    } catch (const NumericalError& e) {
      numerical_error(e.what());
    } catch (const IoError& e) {
      io_error(e.what());
    } catch (const OutOfMemory& e) {
      out_of_memory(e.what());
    } catch (const NotCompiled& e) {
      not_compiled(e.what());
    } catch (const Interrupted& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const Error& e) {
      error(e.what());
    }
  });

  m.def(
      "default_config", [] { return app::default_evolve_config(); },
      "The built-in default scenario (TOML text).");

  py::class_<EvolveRun, std::shared_ptr<EvolveRun>>(m, "EvolveRun")
      .def_property_readonly("summary_json", [](const EvolveRun& r) { return r.summary_json; })
      .def_property_readonly("config", [](const EvolveRun& r) { return r.config_toml; })
      .def_property_readonly("output_file", [](const EvolveRun& r) { return r.output_file; })
      .def_property_readonly("axis_names", [](const EvolveRun& r) { return r.axis_names; })
      .def_property_readonly("axis_is_translation",
                             [](const EvolveRun& r) { return r.translation; })
      .def_property_readonly("series",
                             [](const EvolveRun& r) { return series_arrays(r.result.series, r); })
      .def_property_readonly(
          "diffusive_series",
          [](const EvolveRun& r) { return series_arrays(r.result.diffusive_series, r); })
      .def_property_readonly(
          "final_rho",
          // A view of the run's state (no copy): shape [ket axes..., bra axes...], row-major,
          // kept alive by this object.
          [](py::object self) {
            EvolveRun& r = self.cast<EvolveRun&>();
            std::vector<py::ssize_t> shape;
            for (std::size_t n : r.points) shape.push_back(static_cast<py::ssize_t>(n));
            for (std::size_t n : r.points) shape.push_back(static_cast<py::ssize_t>(n));
            std::size_t total = 1;
            for (py::ssize_t n : shape) total *= static_cast<std::size_t>(n);
            if (total != r.result.final_state.size())
              throw NumericalError("final state of " + std::to_string(r.result.final_state.size()) +
                                   " elements, the grid needs " + std::to_string(total));
            std::vector<py::ssize_t> strides(shape.size());
            py::ssize_t stride = sizeof(std::complex<double>);
            for (std::size_t k = shape.size(); k-- > 0;) {
              strides[k] = stride;
              stride *= shape[k];
            }
            return py::array_t<std::complex<double>>(shape, strides, r.result.final_state.data(),
                                                     self);
          });

  m.def("localization", &localization_job, py::arg("model"), py::arg("dx"), py::arg("angles"),
        py::arg("axis"), py::arg("tolerance"), py::arg("backend"));
  m.def(
      "outgassing",
      [](double q, const std::string& unit, double radius, double temperature) {
        const app::OutgassingResult r =
            app::compute_outgassing(q, unit, radius, temperature, app::InputNames());
        py::dict out;
        out["rate"] = r.rate;
        out["particle_flux_per_area"] = r.particle_flux_per_area;
        return out;
      },
      py::arg("q"), py::arg("unit"), py::arg("radius"), py::arg("temperature"));
  m.def("ftable", &ftable_job, py::arg("text"), py::arg("source"), py::arg("overrides"),
        py::arg("backend"), py::arg("max_memory"), py::arg("out"));
  m.def(
      "rates",
      [](double radius, double chi_real, double chi_imag, double temperature, double dx,
         std::optional<double> permittivity, std::optional<std::string> material,
         std::optional<double> density, std::optional<double> mass,
         std::optional<double> t_internal, double shape_factor) {
        app::RatesRequest request;
        request.input.radius = radius;
        request.input.chi_real = chi_real;
        request.input.chi_imag = chi_imag;
        request.input.temperature = temperature;
        request.input.superposition_size = dx;
        request.input.shape_factor = shape_factor;
        request.permittivity = permittivity;
        request.material = material;
        request.density = density;
        request.mass = mass;
        request.t_internal = t_internal;
        const app::RatesJob job =
            app::compute_rates_job(request, app::InputNames().add("superposition_size", "dx"));
        return app::rates_json(job).dump();
      },
      py::arg("radius"), py::arg("chi_real"), py::arg("chi_imag"), py::arg("temperature"),
      py::arg("dx"), py::arg("permittivity") = py::none(), py::arg("material") = py::none(),
      py::arg("density") = py::none(), py::arg("mass") = py::none(),
      py::arg("t_internal") = py::none(), py::arg("shape_factor") = 0.5);
  m.def("evolve", &evolve, py::arg("text"), py::arg("source"), py::arg("overrides"),
        py::arg("output_file"), py::arg("backend") = "", py::arg("max_memory") = "",
        py::arg("callback") = py::none());

  py::class_<PySweep>(m, "Sweep")
      .def(py::init([](const std::string& text, const std::string& source,
                       const std::vector<std::string>& overrides,
                       const std::vector<std::pair<std::string, std::vector<std::string>>>& vary,
                       bool zip, const std::string& backend, const std::string& max_memory) {
             auto s = std::make_unique<PySweep>();
             s->sweep =
                 std::make_unique<app::Sweep>(make_config(text, source, overrides),
                                              make_sweep_spec(vary, zip), backend, max_memory);
             return s;
           }),
           py::arg("text"), py::arg("source"), py::arg("overrides"), py::arg("vary"),
           py::arg("zip") = false, py::arg("backend") = "", py::arg("max_memory") = "")
      .def_property_readonly("size", [](const PySweep& s) { return s.sweep->size(); })
      .def_property_readonly("shape", [](const PySweep& s) { return s.sweep->shape(); })
      .def_property_readonly("table_builds",
                             [](const PySweep& s) { return s.sweep->table_builds(); })
      .def_property_readonly("propagator_builds",
                             [](const PySweep& s) { return s.sweep->propagator_builds(); })
      .def("point_config", [](const PySweep& s, std::size_t i) { return s.sweep->point_config(i); })
      .def("point_assignments",
           [](const PySweep& s, std::size_t i) {
             return app::point_assignments(s.sweep->spec(), i);
           })
      .def(
          "run",
          [](PySweep& s, const std::string& out, py::object callback) {
            std::atomic<bool> stop{false};
            std::atomic<std::size_t> done{0}, reported{0};
            const std::size_t total = s.sweep->size();
            evolution::RunControl control;
            control.stop = &stop;
            const app::SweepReport report = run_released(
                [&] {
                  return app::run_sweep(*s.sweep, out, control,
                                        [&](std::size_t d, std::size_t) { done = d; });
                },
                stop,
                [&] {
                  if (callback.is_none()) return;
                  const std::size_t d = done.load();
                  if (d != reported.load()) {
                    reported = d;
                    callback(d, total);
                  }
                });
            py::dict r;
            r["computed"] = report.computed;
            r["found"] = report.found;
            r["table_builds"] = report.table_builds;
            r["propagator_builds"] = report.propagator_builds;
            return r;
          },
          py::arg("out"), py::arg("callback") = py::none())
      .def(
          "run_point",
          [](PySweep& s, std::size_t index, const std::string& out) {
            std::atomic<bool> stop{false};
            evolution::RunControl control;
            control.stop = &stop;
            return run_released([&] { return app::run_sweep_point(*s.sweep, index, out, control); },
                                stop);
          },
          py::arg("index"), py::arg("out"))
      .def("assemble", [](PySweep& s, const std::string& out) {
        const io::OutputClaim claim = io::claim_outputs({{out, "out"}}, {});
        app::assemble_sweep_file(*s.sweep, out);
      });
}
