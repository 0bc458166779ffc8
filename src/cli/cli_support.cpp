// Implementation of the shared CLI pieces (cli_support.hpp).
#include "cli/cli_support.hpp"

#include <cmath>
#include <ostream>

#include "nanodecoh/error.hpp"

namespace nanodecoh::cli {

void require_finite_json(const nlohmann::json& value, const std::string& path) {
  if (value.is_number_float() && !std::isfinite(value.get<double>()))
    throw NumericalError("result " + (path.empty() ? std::string("value") : path) +
                         " is not finite; refusing to print it");
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      require_finite_json(it.value(), path.empty() ? it.key() : path + "." + it.key());
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      require_finite_json(value[i], path + "[" + std::to_string(i) + "]");
  }
}

void print_json(std::ostream& out, const nlohmann::json& value) {
  require_finite_json(value);
  out << value.dump() << '\n';
}

CLI::Option* add_backend_option(CLI::App& app, std::string& text) {
  text = "auto";
  return app.add_option("--backend", text, "Compute backend: auto (CUDA if usable), cpu or cuda")
      ->capture_default_str();
}

}  // namespace nanodecoh::cli
