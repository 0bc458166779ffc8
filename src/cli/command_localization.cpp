// `nanodecoh localization`: one complex localization rate F_{R,R'}(dX)
// (desorption eqs. 2-3, 48; volume emission eq. 43) with its convergence
// estimate, the diffusive limit D0, F0 (eqs. 4, 6) and the diffusive
// approximation of F built from them. Ket orientation: rotation by --angle
// about --axis; bra orientation: identity.
#include <iostream>
#include <sstream>

#include "app/json_units.hpp"
#include "app/localization_job.hpp"
#include "app/model_inputs.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/resources.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::cli {

namespace {

/// Parses "x,y,z" (exactly `count` comma-separated numbers); throws naming `parameter`.
std::vector<double> parse_list(const std::string& text, std::size_t count,
                               const std::string& parameter) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
    if (used == 0 || used != item.size())
      throw InvalidArgument(parameter, text, std::to_string(count) + " comma-separated numbers");
    require_finite(parameter, v);
    out.push_back(v);
  }
  if (out.size() != count)
    throw InvalidArgument(parameter, text, std::to_string(count) + " comma-separated numbers");
  return out;
}

struct Options {
  app::ModelInputs model;
  std::string semi_axes, dx, axis = "0,0,1", backend = "auto", max_memory;
  double radius = 0, length = 0, cap_angle = 0, surface_temperature = 0, energy = 0,
         emitted_mass = 0, rate = 0, outgassing = 0, gas_temperature = 0, angle = 0,
         tolerance = 1e-6;
  bool json = false;
};

}  // namespace

Command register_localization_command(CLI::App& root) {
  auto o = std::make_shared<Options>();
  auto* app = root.add_subcommand("localization",
                                  "Complex localization rate F_{R,R'}(dX) of an emitting body");
  app->add_option("--body", o->model.body, "sphere|janus|spheroid|cylinder|mesh")->required();
  app->add_option("--mesh", o->model.mesh, "Mesh file (OBJ or STL) for --body mesh");
  app->add_option("--mesh-unit", o->model.mesh_unit,
                  "Length unit of --mesh: m|mm|um|nm (default m)");
  app->add_option("--coverage-file", o->model.coverage_file,
                  "Surface coverage CSV (body polar angle rad, weight), linear in the angle");
  auto* radius = app->add_option("--radius", o->radius, "Radius (m)");
  auto* semi = app->add_option("--semi-axes", o->semi_axes,
                               "Spheroid semi-axes A,C (m): A equatorial, C along z");
  auto* length = app->add_option("--length", o->length, "Cylinder length along z (m)");
  auto* cap = app->add_option("--cap-angle", o->cap_angle,
                              "Janus emitting cap half-angle about body z (rad)");
  app->add_option("--emission", o->model.emission, "surface|volume (default surface)");
  app->add_option("--flux", o->model.flux,
                  "lambertian|isotropic|cosine-power (default lambertian)");
  app->add_option("--power", o->model.power, "Exponent k of --flux cosine-power");
  app->add_option("--spectrum", o->model.spectrum, "thermal|mono|table (default thermal)");
  auto* ts = app->add_option("--surface-temperature", o->surface_temperature,
                             "Surface temperature (K), default 300");
  auto* energy = app->add_option("--energy", o->energy, "Kinetic energy for --spectrum mono (J)");
  app->add_option("--spectrum-file", o->model.spectrum_file, "Two-column CSV (energy J, weight)");
  app->add_option("--emitted-mass-amu", o->emitted_mass, "Mass of an emitted atom (u)")->required();
  auto* rate = app->add_option("--rate", o->rate, "Total emission rate of the emitting part (Hz)");
  auto* og = app->add_option("--outgassing", o->outgassing,
                             "Specific outgassing rate Q (in --outgassing-unit)");
  app->add_option("--outgassing-unit", o->model.outgassing_unit,
                  "pa-m3-per-s-m2|torr-l-per-s-cm2|mbar-l-per-s-cm2");
  auto* tg = app->add_option("--gas-temperature", o->gas_temperature,
                             "Gas temperature for --outgassing (K)");
  app->add_option("--dx", o->dx, "Displacement X - X' as X,Y,Z (m)")->required();
  app->add_option("--angle", o->angle, "Ket rotation angle about --axis (rad); bra = identity");
  app->add_option("--axis", o->axis, "Rotation axis X,Y,Z (default 0,0,1)");
  app->add_option("--tolerance", o->tolerance,
                  "Absolute tolerance in units of Gamma (default 1e-6)");
  add_backend_option(*app, o->backend);
  app->add_option("--max-memory", o->max_memory,
                  "Memory the value may use, e.g. 8G (default: the available memory)");
  app->add_flag("--json", o->json, "Print one JSON object (SI units)");

  return {app, [o, radius, semi, length, cap, ts, energy, rate, og, tg] {
            using namespace localization;
            app::ModelInputs& in = o->model;
            if (radius->count()) in.radius = o->radius;
            if (length->count()) in.length = o->length;
            if (cap->count()) in.cap_angle = o->cap_angle;
            if (ts->count()) in.surface_temperature = o->surface_temperature;
            if (energy->count()) in.energy = o->energy;
            if (rate->count()) in.rate = o->rate;
            if (og->count()) in.outgassing = o->outgassing;
            if (tg->count()) in.gas_temperature = o->gas_temperature;
            if (semi->count()) {
              const auto ac = parse_list(o->semi_axes, 2, "--semi-axes");
              in.semi_axis_a = ac[0];
              in.semi_axis_c = ac[1];
            }
            in.emitted_mass_amu = o->emitted_mass;
            const auto dxv = parse_list(o->dx, 3, "--dx");
            const auto axv = parse_list(o->axis, 3, "--axis");
            // The library names spec fields; the flags the user typed replace them.
            const app::InputNames names =
                app::model_input_flags().add("displacements", "--dx").add("angles", "--angle");
            app::LocalizationRequest request;
            request.model = in;
            request.displacements = {Eigen::Vector3d(dxv[0], dxv[1], dxv[2])};
            request.angles = {o->angle};
            request.axis = Eigen::Vector3d(axv[0], axv[1], axv[2]);
            request.tolerance = o->tolerance;
            request.backend = o->backend;
            if (!o->max_memory.empty()) request.max_memory_bytes = parse_memory_size(o->max_memory);
            const app::LocalizationResult result = app::compute_localization(request, names);
            const RateValue& f = result.values.front();
            const DiffusiveLimit& lim = result.limit;
            const std::complex<double> diff = result.diffusive.front();
            const double gamma = result.rate;
            const Backend backend = result.backend;
            if (o->json) {
              nlohmann::json d = nlohmann::json::array(), ft = nlohmann::json::array();
              for (int i = 0; i < 6; ++i) {
                nlohmann::json row = nlohmann::json::array();
                for (int j = 0; j < 6; ++j) row.push_back(lim.diffusion(i, j));
                d.push_back(row);
                ft.push_back(lim.force_torque(i));
              }
              nlohmann::json inputs = app::to_json(in);
              inputs["dx"] = dxv;
              inputs["angle"] = o->angle;
              inputs["axis"] = axv;
              inputs["tolerance"] = o->tolerance;
              inputs["backend"] = o->backend;
              nlohmann::json out = {{"inputs", inputs},
                                    {"re", f.value.real()},
                                    {"im", f.value.imag()},
                                    {"rate", gamma},
                                    {"error_estimate", f.error_estimate},
                                    {"backend", std::string(to_string(backend))},
                                    {"diffusive", {{"re", diff.real()}, {"im", diff.imag()}}},
                                    {"diffusion_tensor", d},
                                    {"force_torque", ft}};
              app::add_units(out, {{"outgassing", app::outgassing_unit_symbol(in.outgassing_unit)},
                                   {"tolerance", "1 (in units of rate)"}});
              print_json(std::cout, out);
            } else {
              std::cout.precision(10);
              std::cout << "F = " << f.value.real() << (f.value.imag() < 0 ? " - " : " + ")
                        << std::abs(f.value.imag()) << "i  1/s  (+- " << f.error_estimate
                        << ", backend " << to_string(backend) << ")\n"
                        << "F / Gamma = " << f.value.real() / gamma << " + "
                        << f.value.imag() / gamma << "i   Gamma = " << gamma << " 1/s\n"
                        << "diffusive approximation = " << diff.real() << " + " << diff.imag()
                        << "i  1/s\n";
            }
            return 0;
          }};
}

}  // namespace nanodecoh::cli
