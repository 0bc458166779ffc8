// Quadrature for test oracles, independent of the library's own rules (nanodecoh::integrate
// is adaptive Gauss-Kronrod 7-15 and nanodecoh::gauss_legendre computes its nodes by Newton
// iteration; the rates and the localization engine use both). Reference integrals in the
// tests use the rules here instead, so that a defect in the library's quadrature cannot
// cancel out of a comparison:
// - tanh_sinh: the double-exponential rule x = tanh((pi/2) sinh t) on [a, b], step halved
//   until two levels agree (the error roughly squares per level; endpoint singularities
//   such as 1/sqrt(x) or log(x) converge too);
// - exp_sinh: the double-exponential rule x = a + scale exp((pi/2) sinh t) on [a, inf);
// - gauss_kronrod21: adaptive Gauss-Kronrod 10-21 (QUADPACK's qk21 constants), bisecting
//   the panel of largest error; composite_kronrod21: the fixed Kronrod rule on equal panels,
//   for product rules in several dimensions.
// Each returns the value and an error estimate and throws std::runtime_error when the
// tolerance is not met. tests/numerics/test_oracle_quadrature.cpp checks them against closed
// forms.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace nanodecoh::testing {

template <typename T>
struct OracleResult {
  T value{};
  double error_estimate = 0.0;
  int evaluations = 0;
};

namespace oracle_detail {

inline double magnitude(double v) {
  return std::fabs(v);
}
inline double magnitude(const std::complex<double>& v) {
  return std::abs(v);
}

/// Double-exponential sum over t = k h, |t| <= t_max, of weight(t) f(node(t)), refined by
/// halving h until two successive levels agree to max(abs_tol, rel_tol |I|), or to the
/// rounding floor 32 eps sum |w f| below which no level can agree better.
/// `term(t)` returns weight * f at t (0 where the node would round onto an endpoint).
template <typename T, typename Term>
OracleResult<T> double_exponential(const Term& term, double t_max, double abs_tol, double rel_tol,
                                   const char* name) {
  double h = 0.5;
  OracleResult<T> result;
  T sum{};
  double abs_sum = 0.0;
  auto add = [&](double t) {
    const T v = term(t);
    sum += v;
    abs_sum += magnitude(v);
    ++result.evaluations;
  };
  add(0.0);
  for (double t = h; t <= t_max; t += h) {
    add(t);
    add(-t);
  }
  T previous = sum * h;
  for (int level = 1; level <= 12; ++level) {
    h *= 0.5;
    // new nodes are the odd multiples of the halved step
    for (double t = h; t <= t_max; t += 2.0 * h) {
      add(t);
      add(-t);
    }
    const T estimate = sum * h;
    const double change = magnitude(estimate - previous);
    previous = estimate;
    const double rounding = 32.0 * std::numeric_limits<double>::epsilon() * abs_sum * h;
    if (level >= 3 && change <= std::max({abs_tol, rel_tol * magnitude(estimate), rounding})) {
      result.value = estimate;
      result.error_estimate = std::max(change, rounding);
      return result;
    }
  }
  throw std::runtime_error(std::string(name) + ": tolerance not reached after 12 levels");
}

// QUADPACK qk21: Kronrod abscissae (descending, last = 0); odd indices 1, 3, ..., 9 are the
// 10-point Gauss nodes with weights gauss_w.
inline constexpr std::array<double, 11> xk = {0.995657163025808080735527280689003,
                                              0.973906528517171720077964012084452,
                                              0.930157491355708226001207180059508,
                                              0.865063366688984510732096688423493,
                                              0.780817726586416897063717578345042,
                                              0.679409568299024406234327365114874,
                                              0.562757134668604683339000099272694,
                                              0.433395394129247190799265943165784,
                                              0.294392862701460198131126603103866,
                                              0.148874338981631210884826001129720,
                                              0.0};
inline constexpr std::array<double, 11> wk = {
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821};
inline constexpr std::array<double, 5> gauss_w = {
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338};
}  // namespace oracle_detail

/// Tanh-sinh rule on [a, b] (finite): x = c + r tanh(u), u = (pi/2) sinh t, weight
/// r (pi/2) cosh t / cosh^2 u. Nodes are placed by their distance to the nearer endpoint,
/// r 2/(1 + e^{2|u|}), so that they resolve endpoint singularities without cancellation.
/// t is cut at 4.5, where the distance to the endpoint is below 1e-60 (b - a), so that even
/// x^-1/2 singularities lose less than 1e-30 of their integral.
template <typename T = double>
OracleResult<T> tanh_sinh(const std::function<T(double)>& f, double a, double b,
                          double abs_tol = 0.0, double rel_tol = 1e-14) {
  const double r = 0.5 * (b - a);
  const double half_pi = 0.5 * M_PI;
  auto term = [&](double t) -> T {
    const double u = half_pi * std::sinh(t);
    const double cosh_u = std::cosh(u);
    const double weight = r * half_pi * std::cosh(t) / (cosh_u * cosh_u);
    const double gap = r * 2.0 / (1.0 + std::exp(2.0 * std::fabs(u)));  // distance to endpoint
    if (gap == 0.0 || weight == 0.0) return T{};
    const double x = t >= 0.0 ? b - gap : a + gap;
    if (x <= a || x >= b) return T{};
    return weight * f(x);
  };
  return oracle_detail::double_exponential<T>(term, 4.5, abs_tol, rel_tol, "tanh_sinh");
}

/// tanh_sinh over the consecutive panels [p_0, p_1], [p_1, p_2], ...: for integrands with
/// known kinks, peaks or oscillations, one panel per feature or period.
template <typename T = double>
OracleResult<T> tanh_sinh_panels(const std::function<T(double)>& f,
                                 const std::vector<double>& breakpoints, double abs_tol = 0.0,
                                 double rel_tol = 1e-14) {
  OracleResult<T> total;
  const double panels = static_cast<double>(breakpoints.size() - 1);
  for (std::size_t i = 0; i + 1 < breakpoints.size(); ++i) {
    const OracleResult<T> part =
        tanh_sinh<T>(f, breakpoints[i], breakpoints[i + 1], abs_tol / panels, rel_tol);
    total.value += part.value;
    total.error_estimate += part.error_estimate;
    total.evaluations += part.evaluations;
  }
  return total;
}

/// Exp-sinh rule on [a, inf): x = a + scale exp(u), u = (pi/2) sinh t, weight
/// scale (pi/2) cosh t exp(u). `scale` is the length over which f decays. t runs over
/// [-4.5, 4.5] (x - a from scale 1e-31 to scale 1e30); f must return 0, not NaN, far out.
template <typename T = double>
OracleResult<T> exp_sinh(const std::function<T(double)>& f, double a, double scale,
                         double abs_tol = 0.0, double rel_tol = 1e-14) {
  const double half_pi = 0.5 * M_PI;
  auto term = [&](double t) -> T {
    const double e = std::exp(half_pi * std::sinh(t));
    const double x = a + scale * e;
    if (!std::isfinite(x) || x == a) return T{};
    const T fx = f(x);
    if (oracle_detail::magnitude(fx) == 0.0) return T{};
    return (scale * half_pi * std::cosh(t) * e) * fx;
  };
  return oracle_detail::double_exponential<T>(term, 4.5, abs_tol, rel_tol, "exp_sinh");
}

/// A fixed rule on [-1, 1]: nodes and weights (for product rules over several dimensions).
struct OracleRule {
  std::vector<double> nodes, weights;
};

/// The Kronrod 21-point rule on each of `panels` equal panels of [-1, 1] (exact for
/// polynomials of degree 31 per panel): a fixed rule independent of nanodecoh::gauss_legendre.
inline OracleRule composite_kronrod21(int panels) {
  OracleRule rule;
  const double r = 1.0 / panels;
  for (int p = 0; p < panels; ++p) {
    const double c = -1.0 + (2.0 * p + 1.0) * r;
    for (int i = 0; i < 10; ++i) {
      rule.nodes.insert(rule.nodes.end(),
                        {c - r * oracle_detail::xk[i], c + r * oracle_detail::xk[i]});
      rule.weights.insert(rule.weights.end(), {r * oracle_detail::wk[i], r * oracle_detail::wk[i]});
    }
    rule.nodes.push_back(c);
    rule.weights.push_back(r * oracle_detail::wk[10]);
  }
  return rule;
}

/// Adaptive Gauss-Kronrod 10-21 on [a, b]: the panel with the largest |K21 - G10| is bisected
/// until the summed estimate is below max(abs_tol, rel_tol |I|).
template <typename T = double>
OracleResult<T> gauss_kronrod21(const std::function<T(double)>& f, double a, double b,
                                double abs_tol = 0.0, double rel_tol = 1e-14,
                                int max_panels = 20000) {
  using oracle_detail::gauss_w;
  using oracle_detail::wk;
  using oracle_detail::xk;
  struct Panel {
    double a, b;
    T value;
    double error;
  };
  OracleResult<T> result;
  auto evaluate = [&](double lo, double hi) {
    const double c = 0.5 * (lo + hi), r = 0.5 * (hi - lo);
    const T fc = f(c);
    T kronrod = wk[10] * fc, gauss{};
    for (int i = 0; i < 10; ++i) {
      const T pair = f(c - r * xk[i]) + f(c + r * xk[i]);
      kronrod += wk[i] * pair;
      if (i % 2 == 1) gauss += gauss_w[i / 2] * pair;
    }
    result.evaluations += 21;
    return Panel{lo, hi, kronrod * r, oracle_detail::magnitude((kronrod - gauss) * r)};
  };
  std::vector<Panel> panels{evaluate(a, b)};
  while (true) {
    T total{};
    double error = 0.0;
    for (const Panel& p : panels) {
      total += p.value;
      error += p.error;
    }
    if (error <= std::max(abs_tol, rel_tol * oracle_detail::magnitude(total))) {
      result.value = total;
      result.error_estimate = error;
      return result;
    }
    if (static_cast<int>(panels.size()) >= max_panels)
      throw std::runtime_error("gauss_kronrod21: tolerance not reached with max_panels panels");
    auto worst = std::max_element(panels.begin(), panels.end(),
                                  [](const Panel& x, const Panel& y) { return x.error < y.error; });
    const double lo = worst->a, hi = worst->b, mid = 0.5 * (lo + hi);
    *worst = evaluate(lo, mid);
    panels.push_back(evaluate(mid, hi));
  }
}

}  // namespace nanodecoh::testing
