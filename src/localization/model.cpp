// Model inputs of the localization-rate engine: energy spectra, validation of
// the emission model, orientation and displacement grids, and the conversion
// of a specific outgassing rate to an emission rate (docs/physics.md section 3:
// Gamma = q/(k_B T) * area; desorption paper end of Sec. IV D).
#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::localization {

Spectrum Spectrum::thermal(double temperature) {
  require_positive("surface_temperature", temperature);
  Spectrum s;
  s.kind = Kind::thermal;
  s.temperature = temperature;
  return s;
}

Spectrum Spectrum::mono(double energy) {
  require_positive("energy", energy);
  Spectrum s;
  s.kind = Kind::mono;
  s.energy = energy;
  return s;
}

namespace {

/// Rows of a two-column CSV (',', ';', tab or blank separated; '#' comments; an optional
/// header line without digits). `parameter` and `columns` name the file in errors.
std::vector<std::pair<double, double>> read_two_columns(const std::filesystem::path& path,
                                                        const std::string& parameter,
                                                        const std::string& columns) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const IoError& e) {
    throw IoError(parameter + ": " + e.what());
  }
  std::vector<std::pair<double, double>> rows;
  std::istringstream in(text);
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    for (char& c : line)
      if (c == ',' || c == ';' || c == '\t') c = ' ';
    std::istringstream ls(line);
    double a = 0, b = 0;
    std::string rest;
    if (!(ls >> a >> b) || (ls >> rest)) {
      if (rows.empty() && line_number == 1 && line.find_first_of("0123456789") == std::string::npos)
        continue;  // header line
      throw IoError(parameter + " " + path.string() + ": line " + std::to_string(line_number) +
                    ": expected two numbers '" + columns + "'");
    }
    rows.emplace_back(a, b);
  }
  return rows;
}

}  // namespace

Spectrum Spectrum::from_csv(const std::filesystem::path& path) {
  Spectrum s;
  s.kind = Kind::table;
  double total = 0;
  for (const auto& [e, w] : read_two_columns(path, "spectrum file", "energy_J, weight")) {
    if (!(std::isfinite(e) && e > 0) || !(std::isfinite(w) && w >= 0))
      throw IoError("spectrum file " + path.string() + ": row (" + format_number(e) + ", " +
                    format_number(w) + "): expected energy > 0 and weight >= 0");
    s.energies.push_back(e);
    s.weights.push_back(w);
    total += w;
  }
  if (s.energies.empty() || !(total > 0))
    throw IoError("spectrum file " + path.string() + ": no rows with positive weight");
  return s;
}

std::function<double(const Eigen::Vector3d&)> polar_coverage(std::vector<double> angles,
                                                             std::vector<double> weights,
                                                             const std::string& parameter) {
  if (angles.size() < 2 || angles.size() != weights.size())
    throw InvalidArgument(parameter, std::to_string(angles.size()) + " rows",
                          "at least two (polar angle, weight) rows");
  double total = 0;
  for (std::size_t i = 0; i < angles.size(); ++i) {
    if (!(std::isfinite(angles[i]) && angles[i] >= 0 && angles[i] <= constants::pi) ||
        (i > 0 && !(angles[i] > angles[i - 1])))
      throw InvalidArgument(parameter + " polar angle", format_number(angles[i]),
                            "strictly increasing angles in [0, pi] (rad)");
    if (!(std::isfinite(weights[i]) && weights[i] >= 0))
      throw InvalidArgument(parameter + " weight", format_number(weights[i]), "finite, >= 0");
    total += weights[i];
  }
  if (!(total > 0)) throw InvalidArgument(parameter, "all weights zero", "a weight > 0");
  return [angles = std::move(angles), weights = std::move(weights)](const Eigen::Vector3d& s) {
    const double theta = std::atan2(std::hypot(s.x(), s.y()), s.z());
    if (theta <= angles.front()) return weights.front();
    if (theta >= angles.back()) return weights.back();
    const auto hi = std::upper_bound(angles.begin(), angles.end(), theta) - angles.begin();
    const double f = (theta - angles[hi - 1]) / (angles[hi] - angles[hi - 1]);
    return (1.0 - f) * weights[hi - 1] + f * weights[hi];
  };
}

std::function<double(const Eigen::Vector3d&)> polar_coverage_from_csv(
    const std::filesystem::path& path, const std::string& parameter) {
  std::vector<double> angles, weights;
  for (const auto& [a, w] : read_two_columns(path, parameter, "polar_angle_rad, weight")) {
    angles.push_back(a);
    weights.push_back(w);
  }
  return polar_coverage(std::move(angles), std::move(weights), parameter + " " + path.string());
}

void EmissionModel::validate() const {
  if (!body) throw InvalidArgument("body", "(none)", "a body");
  if (kind == EmissionKind::volume)
    (void)body->volume_nodes(1);  // throws for bodies without volume nodes
  if (flux_law == FluxLaw::cosine_power) require_in_range("power", power, 0.0, 64.0);
  require_positive("emitted_mass", emitted_mass / constants::atomic_mass_unit);
  require_positive("rate", rate);
  switch (spectrum.kind) {
    case Spectrum::Kind::thermal:
      require_positive("surface_temperature", spectrum.temperature);
      break;
    case Spectrum::Kind::mono:
      require_positive("energy", spectrum.energy);
      break;
    case Spectrum::Kind::table: {
      if (spectrum.energies.empty() || spectrum.energies.size() != spectrum.weights.size())
        throw InvalidArgument("spectrum_file",
                              std::to_string(spectrum.energies.size()) + " energies",
                              "as many energies as weights, at least one");
      double total = 0;
      for (std::size_t i = 0; i < spectrum.energies.size(); ++i) {
        require_positive("spectrum_file energy", spectrum.energies[i]);
        require_nonnegative("spectrum_file weight", spectrum.weights[i]);
        total += spectrum.weights[i];
      }
      require_positive("spectrum_file total weight", total);
      break;
    }
  }
}

OutgassingUnit parse_outgassing_unit(const std::string& text, const std::string& parameter) {
  if (text == "pa-m3-per-s-m2") return OutgassingUnit::pa_m3_per_s_m2;
  if (text == "torr-l-per-s-cm2") return OutgassingUnit::torr_l_per_s_cm2;
  if (text == "mbar-l-per-s-cm2") return OutgassingUnit::mbar_l_per_s_cm2;
  throw InvalidArgument(parameter, text,
                        "one of pa-m3-per-s-m2, torr-l-per-s-cm2, mbar-l-per-s-cm2");
}

double outgassing_to_si(double q, OutgassingUnit unit) {
  switch (unit) {
    case OutgassingUnit::pa_m3_per_s_m2:
      return q;
    case OutgassingUnit::torr_l_per_s_cm2:
      return q * constants::pascal_per_torr * 1e-3 / 1e-4;  // Torr l -> Pa m^3, per cm^2 -> per m^2
    case OutgassingUnit::mbar_l_per_s_cm2:
      return q * constants::pascal_per_mbar * 1e-3 / 1e-4;
  }
  throw Error("outgassing_to_si: unknown unit");
}

double outgassing_particle_flux(double q, OutgassingUnit unit, double gas_temperature) {
  require_positive("outgassing", q);
  require_positive("gas_temperature", gas_temperature);
  return outgassing_to_si(q, unit) / (constants::k_boltzmann * gas_temperature);
}

double outgassing_rate(double q, OutgassingUnit unit, double gas_temperature, double area) {
  require_positive("area", area);
  return outgassing_particle_flux(q, unit, gas_temperature) * area;
}

Eigen::Matrix3d rotation_about(const Eigen::Vector3d& axis, double angle,
                               const std::string& parameter) {
  const double norm = axis.norm();
  if (!std::isfinite(norm) || !(norm > 0))
    throw InvalidArgument(
        parameter,
        format_number(axis.x()) + "," + format_number(axis.y()) + "," + format_number(axis.z()),
        "a non-zero finite rotation axis");
  require_finite("angle", angle);
  return Eigen::AngleAxisd(angle, axis / norm).toRotationMatrix();
}

std::vector<double> periodic_angles(int count) {
  require_at_least("orientations.count", count, 1);
  std::vector<double> a(count);
  for (int i = 0; i < count; ++i) a[i] = 2.0 * constants::pi * i / count;
  return a;
}

std::vector<double> libration_angles(int count, double step, double centre) {
  require_at_least("orientations.count", count, 1);
  require_positive("orientations.step", step);
  require_finite("orientations.centre", centre);
  std::vector<double> a(count);
  for (int i = 0; i < count; ++i)
    a[i] = centre + (i - count / 2) * step;  // evolution grid convention
  return a;
}

std::vector<Eigen::Matrix3d> rotations_about(const Eigen::Vector3d& axis,
                                             const std::vector<double>& angles) {
  std::vector<Eigen::Matrix3d> out;
  out.reserve(angles.size());
  for (double a : angles) out.push_back(rotation_about(axis, a, "orientations.axis"));
  return out;
}

std::vector<Eigen::Vector3d> displacements_along(const Eigen::Vector3d& axis, int count,
                                                 double step, double centre) {
  require_at_least("displacements.count", count, 1);
  require_positive("displacements.step", step);
  require_finite("displacements.centre", centre);
  const double norm = axis.norm();
  if (!std::isfinite(norm) || !(norm > 0))
    throw InvalidArgument("displacements.axis", "zero vector", "a non-zero finite axis");
  std::vector<Eigen::Vector3d> out(count);
  for (int i = 0; i < count; ++i) out[i] = (centre + (i - count / 2) * step) * axis / norm;
  return out;
}

}  // namespace nanodecoh::localization
