// The shared table of output keys and units (json_units.hpp).
#include "app/json_units.hpp"

#include <functional>
#include <stdexcept>

namespace nanodecoh::app {

namespace {

// Momentum diffusion D0 (desorption eq. 4) in the body frame, blocks (P, J): P is a
// momentum (kg m/s), J an angular momentum (kg m^2/s), D0 has units of their products per s.
nlohmann::json diffusion_tensor_units() {
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < 6; ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (int j = 0; j < 6; ++j) {
      const int lengths = 2 + (i >= 3) + (j >= 3);  // m^2, m^3 or m^4
      row.push_back("kg^2 m^" + std::to_string(lengths) + " s^-3");
    }
    rows.push_back(row);
  }
  return rows;
}

// The recoil force and torque F0 (desorption eq. 6): N on the first three, N m on the last.
nlohmann::json force_torque_units() {
  return {"N", "N", "N", "N m", "N m", "N m"};
}

const std::map<std::string, nlohmann::json>& shared_table() {
  static const std::map<std::string, nlohmann::json> table = {
      // Inputs of the photon and emission models.
      {"radius", "m"},
      {"dx", "m"},
      {"thermal_wavelength", "m"},
      {"temperature", "K"},
      {"t_internal", "K"},
      {"gas_temperature", "K"},
      {"surface_temperature", "K"},
      {"mass", "kg"},
      {"density", "kg m^-3"},
      {"volume", "m^3"},
      {"moment_of_inertia", "kg m^2"},
      {"inertia_tensor", "kg m^2"},
      {"chi_real", "1"},
      {"chi_imag", "1"},
      {"permittivity", "1"},
      {"shape_factor", "1"},
      {"permittivity_valid_band", "rad s^-1"},
      {"emitted_mass_amu", "u"},
      {"angle", "rad"},
      {"semi_axis_a", "m"},
      {"semi_axis_c", "m"},
      {"length", "m"},
      {"cap_angle", "rad"},
      {"power", "1"},
      {"axis", "1"},
      {"displacement", "m"},
      {"tolerance", "1"},
      // Photon rates.
      {"clausius_mossotti_real", "1"},
      {"clausius_mossotti_imag", "1"},
      {"polarizability_real", "J T^-2"},
      {"polarizability_imag", "J T^-2"},
      {"localization_parameter", "m^-2 s^-1"},
      {"localization_rate", "s^-1"},
      {"event_rate", "s^-1"},
      {"drag_coefficient", "s^-1"},
      {"fdt_ratio", "1"},
      {"total", "s^-1"},
      {"scattering", "s^-1"},
      {"absorption", "s^-1"},
      // Localization rate F and its diffusive limit.
      {"re", "s^-1"},
      {"im", "s^-1"},
      {"rate", "s^-1"},
      {"error_estimate", "s^-1"},
      {"particle_flux_per_area", "m^-2 s^-1"},
      {"diffusion_tensor", diffusion_tensor_units()},
      {"force_torque", force_torque_units()},
      // Budget.
      {"separation", "m"},
      {"grid_step", "m"},
      {"grid_points", "1"},
      {"time", "s"},
      {"max_time", "s"},
      {"decoherence_rate_imag", "s^-1"},
      {"coherence", "1"},
      // Evolve and sweep summaries.
      {"step", "1"},
      {"steps", "1"},
      {"trace", "1"},
      {"purity", "1"},
      {"energy", "J"},
      {"coherence_normalized", "1"},
      {"wall_seconds", "s"},
      {"exact_error_estimate", "1"},
      {"exact_initial_state_error", "1"},
      {"block", "1"},       // segments[i].block
      {"time_begin", "s"},  // segments[i].time_begin
      {"time_end", "s"},    // segments[i].time_end
      {"backend", "B"},     // memory_bytes.backend (the backend's name is a string)
      {"host", "B"},        // memory_bytes.host
      {"points", "1"},
      {"computed", "1"},
      {"resumed", "1"},
      {"table_builds", "1"},
      {"propagator_builds", "1"},
      // Device.
      {"device_count", "1"},
  };
  return table;
}

// Keys named by a prefix: the momentum diffusion and decoherence rates of every channel and
// limit (momentum_diffusion_longwave, decoherence_rate_full, ...), and ratios.
nlohmann::json unit_by_prefix(const std::string& key) {
  if (key.rfind("momentum_diffusion", 0) == 0) return "kg^2 m^2 s^-3";
  if (key.rfind("decoherence_rate", 0) == 0) return "s^-1";
  if (key.rfind("ratio_", 0) == 0) return "1";
  return nullptr;
}

bool numeric(const nlohmann::json& v) {
  if (v.is_number()) return true;
  if (!v.is_array() || v.empty()) return false;
  for (const auto& e : v)
    if (!(e.is_number() || (e.is_array() && numeric(e)))) return false;
  return true;
}

}  // namespace

std::string outgassing_unit_symbol(const std::string& name) {
  if (name == "pa-m3-per-s-m2") return "Pa m^3 s^-1 m^-2";
  if (name == "torr-l-per-s-cm2") return "Torr L s^-1 cm^-2";
  if (name == "mbar-l-per-s-cm2") return "mbar L s^-1 cm^-2";
  return name;
}

nlohmann::json axis_observable_units(bool rotation) {
  if (rotation)
    return {{"mean", "rad"},
            {"variance", "rad^2"},
            {"momentum_mean", "J s"},
            {"momentum_variance", "J^2 s^2"}};
  return {{"mean", "m"},
          {"variance", "m^2"},
          {"momentum_mean", "kg m s^-1"},
          {"momentum_variance", "kg^2 m^2 s^-2"}};
}

void add_units(nlohmann::json& out, const UnitOverrides& overrides) {
  nlohmann::json units = nlohmann::json::object();
  const auto& table = shared_table();
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = node.is_object() ? it.key() : std::string();
      if (node.is_object() && key == "units") continue;
      if (const auto o = overrides.find(key); node.is_object() && o != overrides.end()) {
        if (o->second.is_object() || numeric(*it)) {
          units[key] = o->second;
          continue;
        }
      }
      if (it->is_object()) {
        walk(*it);
      } else if (it->is_array() && !it->empty() && it->front().is_object()) {
        walk(*it);  // an array of objects: their keys
      } else if (node.is_object() && numeric(*it)) {
        if (const auto t = table.find(key); t != table.end()) {
          units[key] = t->second;
        } else if (nlohmann::json u = unit_by_prefix(key); !u.is_null()) {
          units[key] = u;
        } else {
          throw std::logic_error("--json output: no unit for the numeric key " + key);
        }
      }
    }
  };
  walk(out);
  out["units"] = units;
}

}  // namespace nanodecoh::app
