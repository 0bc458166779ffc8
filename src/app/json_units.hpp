// The "units" map of every `--json` output (docs/usage.md, "Units of --json outputs"): one
// table of output keys and their SI units, shared by all subcommands, so that a key means
// one quantity with one unit wherever it appears.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace nanodecoh::app {

/// Units that differ from the shared table in one output, by key (e.g. a budget on a
/// rotation axis measures `separation` in rad). A value is a unit string, an array of unit
/// strings of the value's shape (an array whose elements differ in unit), or an object: the
/// units of the object of that key, by its own keys (evolve's `axes`, one block per axis).
using UnitOverrides = std::map<std::string, nlohmann::json>;

/// Sets out["units"]: for every number and every array of numbers in `out` (at any depth,
/// also inside arrays of objects), its key and its unit ("1" for a dimensionless number).
/// Keys with an object in `overrides` take that object whole and are not descended into.
/// Throws std::logic_error naming a numeric key without a unit: every output key must be in
/// the table (a test walks every subcommand's output), so a new key cannot ship unitless.
void add_units(nlohmann::json& out, const UnitOverrides& overrides = {});

/// Units of the observables of one grid axis (mean, variance and their momentum twins):
/// m and kg m/s on a translation axis, rad and J s (angular momentum) on a rotation axis.
nlohmann::json axis_observable_units(bool rotation);

/// The unit of a specific outgassing rate named by its flag value ("pa-m3-per-s-m2" ->
/// "Pa m^3 s^-1 m^-2"); an unknown name is returned as it is (the parser refuses it first).
std::string outgassing_unit_symbol(const std::string& name);

}  // namespace nanodecoh::app
