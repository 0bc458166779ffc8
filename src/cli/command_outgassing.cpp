// `nanodecoh outgassing`: converts a specific outgassing rate of a sphere into
// its total emission rate, Gamma = q/(k_B T) * 4 pi r^2 (docs/physics.md section 3;
// desorption paper end of Sec. IV D).
#include <iostream>

#include "app/json_units.hpp"
#include "app/localization_job.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/constants.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::cli {

Command register_outgassing_command(CLI::App& root) {
  struct Options {
    double q = 0, radius = 0, temperature = 0;
    std::string unit;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* app = root.add_subcommand("outgassing",
                                  "Emission rate of a sphere from a specific outgassing rate");
  app->add_option("--q", o->q, "Specific outgassing rate (in --unit)")->required();
  app->add_option("--unit", o->unit, "pa-m3-per-s-m2|torr-l-per-s-cm2|mbar-l-per-s-cm2")
      ->required();
  app->add_option("--radius", o->radius, "Sphere radius (m)")->required();
  app->add_option("--temperature", o->temperature, "Gas temperature (K)")->required();
  app->add_flag("--json", o->json, "Print one JSON object");
  return {app, [o] {
            using namespace localization;
            const app::OutgassingResult result =
                app::compute_outgassing(o->q, o->unit, o->radius, o->temperature,
                                        app::InputNames::flags().add("unit", "--unit"));
            const double flux = result.particle_flux_per_area;
            const double rate = result.rate;
            if (o->json) {
              nlohmann::json out = {{"inputs",
                                     {{"q", o->q},
                                      {"unit", o->unit},
                                      {"radius", o->radius},
                                      {"temperature", o->temperature}}},
                                    {"rate", rate},
                                    {"particle_flux_per_area", flux}};
              app::add_units(out, {{"q", app::outgassing_unit_symbol(o->unit)}});
              print_json(std::cout, out);
            } else {
              std::cout << "particle flux per area = " << flux << " 1/(m^2 s)\n"
                        << "emission rate Gamma    = " << rate << " 1/s\n";
            }
            return 0;
          }};
}

}  // namespace nanodecoh::cli
