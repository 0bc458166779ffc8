// Dissipation channels (channels.hpp). The Lambertian sphere uses the closed
// form of the thermal energy average of sinc (physics.md property 8, thermal
// spectrum f(E) = E exp(-E/kT)/(kT)^2): with s = sqrt(E/kT), y = z/2,
//   S(z) = int_0^inf 2 s^2 e^{-s^2} sin(z s)/(z s) ... = 1/2 + D(y) (1/(2y) - y),
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

/// Angle difference wrapped into [-pi, pi).
double wrap_angle(double d) {
  const double two_pi = 2.0 * constants::pi;
  d = std::fmod(d + constants::pi, two_pi);
  if (d < 0) d += two_pi;
  return d - constants::pi;
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
  for (std::size_t i = 0; i < angle_ket.size(); ++i) {
    const double d = wrap_angle(angle_ket[i] - angle_bra[i]);
    f += angular_lambda_member_ * d * d;
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

// ---- Thermal sinc average -------------------------------------------------------
double dawson(double x) {
  const double ax = std::fabs(x);
  double result = 0.0;
  if (ax < 1.0) {
    // D(x) = sum_n (-1)^n 2^n x^(2n+1) / (2n+1)!!
    double term = ax, sum = ax;
    const double x2 = ax * ax;
    for (int n = 1; n < 200; ++n) {
      term *= -2.0 * x2 / (2.0 * n + 1.0);
      sum += term;
      if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
    }
    result = sum;
  } else {
    // Rybicki: D(x) = lim_{h->0} (1/sqrt(pi)) sum_{n odd} exp(-(x - n h)^2) / n; h = 0.1 is exact
    // to double precision, and terms with |x - n h| > 9 are below 1e-35.
    const double h = 0.1;
    long long n_lo = static_cast<long long>(std::floor((ax - 9.0) / h));
    const long long n_hi = static_cast<long long>(std::ceil((ax + 9.0) / h));
    if (n_lo % 2 == 0) ++n_lo;
    double sum = 0.0;
    for (long long n = n_lo; n <= n_hi; n += 2) {
      const double d = ax - static_cast<double>(n) * h;
      sum += std::exp(-d * d) / static_cast<double>(n);
    }
    result = sum / std::sqrt(constants::pi);
  }
  return x < 0 ? -result : result;
}

double one_minus_thermal_sinc_average(double z) {
  const double y = 0.5 * std::fabs(z);
  if (y < 2.0) {
    // 1 - S = sum_{m>=1} y^(2m) c_{m-1} (2m+2)/(2m+1), c_m = (-2)^m / (2m+1)!!
    const double y2 = y * y;
    double c = 1.0, power = y2, sum = 0.0;
    for (int m = 1; m < 200; ++m) {
      const double term = power * c * (2.0 * m + 2.0) / (2.0 * m + 1.0);
      sum += term;
      if (std::fabs(term) < 1e-17 * std::fabs(sum)) break;
      c *= -2.0 / (2.0 * m + 1.0);
      power *= y2;
    }
    return sum;
  }
  return 0.5 - dawson(y) * (0.5 / y - y);
}

double thermal_sinc_average(double z) {
  return 1.0 - one_minus_thermal_sinc_average(z);
}

// ---- Lambertian sphere ---------------------------------------------------------
DesorptionSphereChannel::DesorptionSphereChannel(double rate, double temperature, double atom_mass)
    : rate_member_(rate), temperature_member_(temperature), atom_mass_member_(atom_mass) {
  require_nonnegative("channels.rate", rate);
  require_positive("channels.temperature", temperature);
  require_positive("channels.atom_mass", atom_mass);
  thermal_wavenumber_member_ =
      std::sqrt(2.0 * atom_mass * constants::k_boltzmann * temperature) / constants::hbar;
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

// ---- Tabulated ------------------------------------------------------------------
TabulatedChannel::TabulatedChannel(std::vector<double> distances,
                                   std::vector<double> angle_differences,
                                   std::vector<std::complex<double>> values, std::string label,
                                   double diffusive_lambda, double recoil_momentum)
    : distances_member_(std::move(distances)),
      angles_member_(std::move(angle_differences)),
      values_member_(std::move(values)),
      label_member_(std::move(label)),
      lambda_member_(diffusive_lambda),
      recoil_member_(recoil_momentum) {
  const std::size_t nr = distances_member_.size();
  const std::size_t na = std::max<std::size_t>(1, angles_member_.size());
  if (nr < 2)
    throw InvalidArgument("channels.distance", std::to_string(nr) + " points", "at least 2 points");
  if (distances_member_[0] != 0.0)
    throw InvalidArgument("channels.distance[0]", format_number(distances_member_[0]),
                          "0 (F is tabulated from dx = 0)");
  for (std::size_t i = 1; i < nr; ++i)
    if (!(distances_member_[i] > distances_member_[i - 1]))
      throw InvalidArgument("channels.distance", "not ascending at index " + std::to_string(i),
                            "ascending values");
  for (std::size_t i = 1; i < angles_member_.size(); ++i)
    if (!(angles_member_[i] > angles_member_[i - 1]))
      throw InvalidArgument("channels.angle_difference",
                            "not ascending at index " + std::to_string(i), "ascending values");
  if (values_member_.size() != nr * na)
    throw InvalidArgument("channels.F", std::to_string(values_member_.size()) + " values",
                          std::to_string(nr * na) + " values (angles x distances)");
  for (const auto& v : values_member_)
    if (!std::isfinite(v.real()) || !std::isfinite(v.imag()) || v.real() < 0)
      throw InvalidArgument(
          "channels.F", "a value " + format_number(v.real()) + "+" + format_number(v.imag()) + "i",
          "finite values with Re F >= 0");
  require_nonnegative("channels.diffusive_lambda", diffusive_lambda);
}
std::string TabulatedChannel::name() const {
  return label_member_;
}
namespace {
/// Index i and weight w such that x lies between grid[i] and grid[i+1] (clamped).
std::pair<std::size_t, double> locate(const std::vector<double>& grid, double x) {
  if (x <= grid.front()) return {0, 0.0};
  if (x >= grid.back()) return {grid.size() - 2, 1.0};
  const std::size_t i =
      static_cast<std::size_t>(std::upper_bound(grid.begin(), grid.end(), x) - grid.begin()) - 1;
  return {i, (x - grid[i]) / (grid[i + 1] - grid[i])};
}
}  // namespace
std::complex<double> TabulatedChannel::evaluate(const std::vector<double>& displacement,
                                                const std::vector<double>& angle_ket,
                                                const std::vector<double>& angle_bra) const {
  const std::size_t nr = distances_member_.size();
  const auto [ir, wr] = locate(distances_member_, std::sqrt(norm2(displacement)));
  auto row = [&, ir = ir, wr = wr](std::size_t ia) {  // init-captures: clang 14 (fuzz build)
    const std::complex<double>* v = values_member_.data() + ia * nr;
    return v[ir] * (1.0 - wr) + v[ir + 1] * wr;
  };
  if (angles_member_.size() < 2 || angle_ket.empty()) return row(0);
  const auto [ia, wa] = locate(angles_member_, wrap_angle(angle_ket[0] - angle_bra[0]));
  return row(ia) * (1.0 - wa) + row(ia + 1) * wa;
}
std::unique_ptr<DissipationChannel> TabulatedChannel::diffusive_approximation() const {
  return std::make_unique<DiffusiveChannel>(lambda_member_);
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
std::vector<std::complex<double>> evaluate_channels(const Grid& grid, const ChannelList& channels) {
  std::vector<std::complex<double>> table(grid.difference_table_size(), {0.0, 0.0});
  std::vector<double> displacement, angle_ket, angle_bra;
  for (const auto& channel : channels) {
    for (std::size_t t = 0; t < table.size(); ++t) {
      grid.table_entry(t, displacement, angle_ket, angle_bra);
      const std::complex<double> f = channel->evaluate(displacement, angle_ket, angle_bra);
      if (!std::isfinite(f.real()) || !std::isfinite(f.imag()) || f.real() < -1e-12 * std::abs(f))
        throw NumericalError("channel " + channel->name() +
                             " gives F = " + format_number(f.real()) + " + " +
                             format_number(f.imag()) + "i at table entry " + std::to_string(t) +
                             " (expected finite with Re F >= 0)");
      table[t] += f;
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
