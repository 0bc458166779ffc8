// The contract of every `--json` output (docs/usage.md, "Units of --json outputs"): an
// "inputs" object, and a "units" map with a unit for every number and every array of
// numbers, by key; the per-axis observables under `axes.NAME` have theirs under
// units.axes.NAME. A unit is a non-empty string, or an array of units of the value's shape.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace nanodecoh::testing {

inline bool is_numeric(const nlohmann::json& v) {
  if (v.is_number()) return true;
  if (!v.is_array() || v.empty()) return false;
  for (const auto& e : v)
    if (!is_numeric(e)) return false;
  return true;
}

/// True when `unit` is a unit for `value`: a non-empty string, or (for an array) an array of
/// units of the same length, element by element.
inline bool unit_fits(const nlohmann::json& unit, const nlohmann::json& value) {
  if (unit.is_string()) return !unit.get<std::string>().empty();
  if (!unit.is_array() || !value.is_array() || unit.size() != value.size()) return false;
  for (std::size_t i = 0; i < unit.size(); ++i)
    if (!unit_fits(unit[i], value[i])) return false;
  return true;
}

/// Checks the contract; returns every key of the output (at any depth, except inside
/// units and inside the per-axis blocks, whose keys are axis names).
inline std::set<std::string> expect_self_describing(const nlohmann::json& j) {
  std::set<std::string> keys;
  EXPECT_TRUE(j.contains("inputs") && j["inputs"].is_object()) << j.dump();
  EXPECT_TRUE(j.contains("units") && j["units"].is_object()) << j.dump();
  if (!j.contains("units")) return keys;
  const nlohmann::json& units = j["units"];
  std::function<void(const nlohmann::json&, const nlohmann::json&)> walk =
      [&](const nlohmann::json& node, const nlohmann::json& unit_table) {
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (!node.is_object()) {
            if (it->is_object()) walk(*it, unit_table);  // an array of objects
            continue;
          }
          const std::string& key = it.key();
          if (key == "units") continue;
          keys.insert(key);
          if (key == "axes" && it->is_object()) {
            for (auto axis = it->begin(); axis != it->end(); ++axis) {
              EXPECT_TRUE(units.contains("axes") && units["axes"].contains(axis.key()))
                  << "no units.axes." << axis.key();
              if (units.contains("axes") && units["axes"].contains(axis.key()))
                walk(*axis, units["axes"][axis.key()]);
            }
            continue;
          }
          if (is_numeric(*it)) {
            EXPECT_TRUE(unit_table.contains(key)) << "no unit for " << key;
            if (unit_table.contains(key)) {
              EXPECT_TRUE(unit_fits(unit_table[key], *it)) << key << ": " << unit_table[key];
            }
          } else if (it->is_structured()) {
            walk(*it, unit_table);
          }
        }
      };
  walk(j, units);
  return keys;
}

/// Expands the brace groups of a documented key: "a_{b,c}.d" -> "a_b.d", "a_c.d".
inline std::vector<std::string> expand_braces(const std::string& text) {
  const std::size_t open = text.find('{');
  const std::size_t close = open == std::string::npos ? open : text.find('}', open);
  if (close == std::string::npos) return {text};
  std::vector<std::string> out;
  const std::string head = text.substr(0, open), tail = text.substr(close + 1);
  std::stringstream options(text.substr(open + 1, close - open - 1));
  for (std::string option; std::getline(options, option, ',');)
    for (const std::string& rest : expand_braces(tail)) out.push_back(head + option + rest);
  return out;
}

/// The keys docs/usage.md names: every component of every dotted path written in backticks
/// (`inputs.particle.{radius,mass}` names inputs, particle, radius and mass; `channels[i]`
/// names channels).
inline std::set<std::string> documented_keys(const std::string& doc_path) {
  std::ifstream in(doc_path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::set<std::string> out;
  for (std::size_t i = text.find('`'); i != std::string::npos;) {
    const std::size_t end = text.find('`', i + 1);
    if (end == std::string::npos) break;
    for (const std::string& path : expand_braces(text.substr(i + 1, end - i - 1))) {
      std::stringstream parts(path);
      for (std::string part; std::getline(parts, part, '.');)
        out.insert(part.substr(0, part.find('[')));
    }
    i = text.find('`', end + 1);
  }
  return out;
}

}  // namespace nanodecoh::testing
