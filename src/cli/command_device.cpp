// `nanodecoh device [--json]`: reports whether a CUDA device is usable and which
// backend `--backend auto` selects.
#include <cstdlib>
#include <iostream>

#include "app/json_units.hpp"
#include "cli/commands.hpp"
#include "nanodecoh/version.hpp"

namespace nanodecoh::cli {

Command register_device_command(CLI::App& root) {
  auto* app =
      root.add_subcommand("device", "Report the CUDA device status and the backend auto selects");
  auto json = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print one JSON object");
  return {
      app, [json] {
        const DeviceStatus& status = cuda_device_status();
        const Backend chosen = status.usable ? Backend::cuda : Backend::cpu;
        if (*json) {
          // No inputs besides the environment: CUDA_VISIBLE_DEVICES selects the devices seen.
          const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
          nlohmann::json out = {
              {"inputs",
               {{"CUDA_VISIBLE_DEVICES", visible ? nlohmann::json(visible) : nlohmann::json()}}},
              {"cuda_compiled", status.compiled},
              {"cuda_usable", status.usable},
              {"device_count", status.device_count},
              {"device_name", status.device_name},
              {"reason", status.reason},
              {"auto_backend", std::string(to_string(chosen))},
              {"version", version_string},
              {"git_revision", git_revision}};
          app::add_units(out);
          print_json(std::cout, out);
        } else {
          std::cout << "nanodecoh " << version_string << " (" << git_revision << ")\n"
                    << "CUDA compiled: " << (status.compiled ? "yes" : "no") << '\n'
                    << "CUDA usable:   "
                    << (status.usable ? "yes, " + status.device_name : "no (" + status.reason + ")")
                    << '\n'
                    << "auto backend:  " << to_string(chosen) << '\n';
        }
        return 0;
      }};
}

}  // namespace nanodecoh::cli
