// Dissipation channels (channels.hpp). The Lambertian sphere uses the closed
// form of the thermal energy average of sinc (docs/physics.md property 8, thermal
// spectrum f(E) = E exp(-E/kT)/(kT)^2): with s = sqrt(E/kT), y = z/2,
//   S(z) = int_0^inf 2 s^3 e^{-s^2} sin(z s)/(z s) ds = 1/2 + D(y) (1/(2y) - y),
// D the Dawson function; S = 1 - z^2/3 + O(z^4) and S ~ -1/(4 y^4) for large z.
#include "nanodecoh/evolution/channels.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh::evolution {
namespace {

double norm2(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return s;
}

std::string describe(const std::string& label,
                     std::initializer_list<std::pair<const char*, double>> values) {
  std::ostringstream out;
  out << label << '(';
  bool first = true;
  for (const auto& [k, v] : values) {
    out << (first ? "" : ", ") << k << '=' << format_number(v);
    first = false;
  }
  out << ')';
  return out.str();
}

}  // namespace

// ---- Diffusive --------------------------------------------------------------
DiffusiveChannel::DiffusiveChannel(double lambda, double angular_lambda)
    : lambda_member_(lambda), angular_lambda_member_(angular_lambda) {
  require_nonnegative("channels.lambda", lambda);
  require_nonnegative("channels.angular_lambda", angular_lambda);
}
std::string DiffusiveChannel::name() const {
  return describe("diffusive",
                  {{"lambda", lambda_member_}, {"angular_lambda", angular_lambda_member_}});
}
std::complex<double> DiffusiveChannel::evaluate(const std::vector<double>& displacement,
                                                const std::vector<double>& angle_ket,
                                                const std::vector<double>& angle_bra) const {
  double f = lambda_member_ * norm2(displacement);
  // The angular term uses the chord 2 sin(dphi/2), equal to dphi to O(dphi^3): on a circle the
  // wrapped dphi^2 is not conditionally negative definite (its Fourier coefficients alternate
  // in sign), so exp(-F t) would not be a positive map and rho would lose positivity (found by
  // tests/evolution/test_channel_matrix.cpp); chord^2 = 2 (1 - cos dphi) is.
  for (std::size_t i = 0; i < angle_ket.size(); ++i) {
    const double chord = 2.0 * std::sin(0.5 * (angle_ket[i] - angle_bra[i]));
    f += angular_lambda_member_ * chord * chord;
  }
  return {f, 0.0};
}
std::unique_ptr<DissipationChannel> DiffusiveChannel::diffusive_approximation() const {
  return std::make_unique<DiffusiveChannel>(*this);
}

// ---- Saturating Gaussian -------------------------------------------------------
GaussianChannel::GaussianChannel(double rate, double length, double angular_length,
                                 std::string label)
    : rate_member_(rate),
      length_member_(length),
      angular_length_member_(angular_length),
      label_member_(std::move(label)) {
  require_nonnegative("channels.rate", rate);
  require_positive("channels.length", length);
  require_nonnegative("channels.angular_length", angular_length);
}
std::string GaussianChannel::name() const {
  return describe(label_member_, {{"rate", rate_member_},
                                  {"length", length_member_},
                                  {"angular_length", angular_length_member_}});
}
std::complex<double> GaussianChannel::evaluate(const std::vector<double>& displacement,
                                               const std::vector<double>& angle_ket,
                                               const std::vector<double>& angle_bra) const {
  double exponent = norm2(displacement) / (4.0 * length_member_ * length_member_);
  if (angular_length_member_ > 0)
    for (std::size_t i = 0; i < angle_ket.size(); ++i) {
      const double chord = 2.0 * std::sin(0.5 * (angle_ket[i] - angle_bra[i]));
      exponent += chord * chord / (4.0 * angular_length_member_ * angular_length_member_);
    }
  return {-rate_member_ * std::expm1(-exponent), 0.0};
}
std::unique_ptr<DissipationChannel> GaussianChannel::diffusive_approximation() const {
  const double angular =
      angular_length_member_ > 0
          ? rate_member_ / (4.0 * angular_length_member_ * angular_length_member_)
          : 0.0;
  return std::make_unique<DiffusiveChannel>(rate_member_ / (4.0 * length_member_ * length_member_),
                                            angular);
}

// ---- Lambertian sphere ---------------------------------------------------------
DesorptionSphereChannel::DesorptionSphereChannel(double rate, double temperature, double atom_mass)
    : rate_member_(rate), temperature_member_(temperature), atom_mass_member_(atom_mass) {
  require_nonnegative("channels.rate", rate);
  require_positive("channels.temperature", temperature);
  require_positive("channels.atom_mass", atom_mass);
  thermal_wavenumber_member_ = thermal_wave_number(atom_mass, temperature);
}
std::string DesorptionSphereChannel::name() const {
  return describe("desorption_sphere",
                  {{"rate", rate_member_},
                   {"temperature", temperature_member_},
                   {"atom_mass_amu", atom_mass_member_ / constants::atomic_mass_unit}});
}
std::complex<double> DesorptionSphereChannel::evaluate(const std::vector<double>& displacement,
                                                       const std::vector<double>&,
                                                       const std::vector<double>&) const {
  const double z = thermal_wavenumber_member_ * std::sqrt(norm2(displacement));
  return {rate_member_ * one_minus_thermal_sinc_average(z), 0.0};
}
std::unique_ptr<DissipationChannel> DesorptionSphereChannel::diffusive_approximation() const {
  // F ~ Gamma <k^2> r^2 / 6 with <k^2> = <p^2>/hbar^2 = 2 k_T^2.
  return std::make_unique<DiffusiveChannel>(rate_member_ * thermal_wavenumber_member_ *
                                            thermal_wavenumber_member_ / 3.0);
}
double DesorptionSphereChannel::recoil_momentum() const {
  // rms momentum of one emitted atom, sqrt(<p^2>) = sqrt(4 m k_B T)
  return std::sqrt(4.0 * atom_mass_member_ * constants::k_boltzmann * temperature_member_);
}

// ---- Function -------------------------------------------------------------------
FunctionChannel::FunctionChannel(Function function, std::string label, double diffusive_lambda,
                                 double angular_lambda, double recoil_momentum)
    : function_member_(std::move(function)),
      label_member_(std::move(label)),
      lambda_member_(diffusive_lambda),
      angular_lambda_member_(angular_lambda),
      recoil_member_(recoil_momentum) {
  if (!function_member_) throw InvalidArgument("FunctionChannel", "empty function", "a callable");
}
std::complex<double> FunctionChannel::evaluate(const std::vector<double>& displacement,
                                               const std::vector<double>& angle_ket,
                                               const std::vector<double>& angle_bra) const {
  return function_member_(displacement, angle_ket, angle_bra);
}
std::unique_ptr<DissipationChannel> FunctionChannel::diffusive_approximation() const {
  return std::make_unique<DiffusiveChannel>(lambda_member_, angular_lambda_member_);
}

// ---- Table over the grid -----------------------------------------------------------
std::vector<std::complex<double>> DissipationChannel::evaluate_points(
    const std::vector<std::vector<double>>& displacement,
    const std::vector<std::vector<double>>& angle_ket,
    const std::vector<std::vector<double>>& angle_bra, const ChannelTableContext&) const {
  std::vector<std::complex<double>> out;
  out.reserve(displacement.size());
  for (std::size_t p = 0; p < displacement.size(); ++p)
    out.push_back(evaluate(displacement[p], angle_ket.at(p), angle_bra.at(p)));
  return out;
}

std::vector<std::complex<double>> DissipationChannel::tabulate(const Grid& grid,
                                                               const ChannelTableContext&) const {
  std::vector<std::complex<double>> table(grid.difference_table_size());
  std::vector<double> displacement, angle_ket, angle_bra;
  for (std::size_t t = 0; t < table.size(); ++t) {
    grid.table_entry(t, displacement, angle_ket, angle_bra);
    table[t] = evaluate(displacement, angle_ket, angle_bra);
  }
  return table;
}

std::vector<std::complex<double>> DesorptionSphereChannel::tabulate(
    const Grid& grid, const ChannelTableContext& context) const {
  for (const Axis& axis : grid.axes())
    if (axis.kind == AxisKind::rotation)
      throw InvalidArgument("channels.kind", "\"desorption_sphere\" on rotation axis " + axis.name,
                            "translation axes only (the emission sites move with the body, so a "
                            "sphere's rotational F is not zero: use kind = \"desorption\")");
  return DissipationChannel::tabulate(grid, context);
}

std::string describe_table_entry(const Grid& grid, std::size_t t) {
  std::vector<double> displacement, angle_ket, angle_bra;
  grid.table_entry(t, displacement, angle_ket, angle_bra);
  std::ostringstream out;
  std::size_t it = 0, ir = 0;
  for (const Axis& axis : grid.axes()) {
    if (it + ir > 0) out << ", ";
    if (axis.kind == AxisKind::translation)
      out << axis.name << " - " << axis.name << "' = " << format_number(displacement[it++]) << " m";
    else {
      out << axis.name << " = " << format_number(angle_ket[ir]) << " rad (ket), "
          << format_number(angle_bra[ir]) << " rad (bra)";
      ++ir;
    }
  }
  return out.str();
}

std::vector<std::complex<double>> evaluate_channels(const Grid& grid, const ChannelList& channels,
                                                    const ChannelTableContext& context,
                                                    ChannelTableReport* report) {
  std::vector<std::complex<double>> table(grid.difference_table_size(), {0.0, 0.0});
  if (report) *report = ChannelTableReport{};
  for (const auto& channel : channels) {
    std::vector<std::complex<double>> f = channel->tabulate(grid, context);
    if (f.size() != table.size())
      throw NumericalError("channel " + channel->name() + " gave " + std::to_string(f.size()) +
                           " table entries, the grid has " + std::to_string(table.size()));
    double largest = channel->rate_scale();
    for (const auto& v : f) largest = std::max(largest, std::abs(v));
    // Rounding near F = 0 (e.g. F_{R,R}(0) from a quadrature) may give a tiny negative Re F;
    // within the channel's stated accuracy it is set to 0, beyond it the channel is wrong.
    const double tolerance = channel->relative_accuracy() * largest;
    std::size_t rounded = 0;
    double worst = 0.0;
    for (std::size_t t = 0; t < f.size(); ++t) {
      const std::complex<double> v = f[t];
      if (!std::isfinite(v.real()) || !std::isfinite(v.imag()) || v.real() < -tolerance)
        throw NumericalError(
            "channel " + channel->name() + " gives F = " + format_number(v.real()) + " + " +
            format_number(v.imag()) + "i 1/s at " + describe_table_entry(grid, t) +
            " (expected finite with Re F >= 0 within " + format_number(tolerance) + " 1/s)");
      if (v.real() < 0) {
        ++rounded;
        worst = std::max(worst, -v.real());
        f[t].real(0.0);
      }
      table[t] += f[t];
    }
    if (report) {
      report->rounded_to_zero.push_back(rounded);
      report->largest_rounding.push_back(worst);
    }
  }
  return table;
}

ChannelList diffusive_approximations(const ChannelList& channels) {
  ChannelList out;
  for (const auto& channel : channels) out.push_back(channel->diffusive_approximation());
  return out;
}

}  // namespace nanodecoh::evolution
