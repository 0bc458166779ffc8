// Gauss-Legendre rules and adaptive Gauss-Kronrod quadrature (quadrature.hpp).
// GK 7-15 abscissae and weights from Piessens et al., QUADPACK (1983).
#include "nanodecoh/quadrature.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <queue>
#include <string>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/validate.hpp"

namespace nanodecoh {

GaussLegendreRule gauss_legendre(int n) {
  require_at_least("gauss_legendre n", n, 1);
  GaussLegendreRule rule;
  rule.nodes.resize(n);
  rule.weights.resize(n);
  const int half = (n + 1) / 2;
  for (int i = 0; i < half; ++i) {
    // Tricomi's initial guess, then Newton on P_n(x) with the three-term recurrence.
    double x = std::cos(constants::pi * (i + 0.75) / (n + 0.5));
    double dp = 0.0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const double pn = n == 1 ? x : p1;
      const double pnm1 = n == 1 ? 1.0 : p0;
      dp = n * (x * pn - pnm1) / (x * x - 1.0);
      const double dx = pn / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    // Recompute the derivative at the converged node for the weight.
    double p0 = 1.0, p1 = x;
    for (int k = 2; k <= n; ++k) {
      const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    const double pn = n == 1 ? x : p1, pnm1 = n == 1 ? 1.0 : p0;
    dp = n * (x * pn - pnm1) / (x * x - 1.0);
    const double w = 2.0 / ((1.0 - x * x) * dp * dp);
    rule.nodes[i] = -x;
    rule.nodes[n - 1 - i] = x;
    rule.weights[i] = rule.weights[n - 1 - i] = w;
  }
  if (n % 2 == 1) rule.nodes[n / 2] = 0.0;
  return rule;
}

namespace {

constexpr std::array<double, 8> kronrod_x = {
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0};
constexpr std::array<double, 8> kronrod_w = {
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
// Gauss 7-point weights, at kronrod_x[1], [3], [5], [7].
constexpr std::array<double, 4> gauss_w = {
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

template <typename T>
struct Segment {
  double a, b;
  T value;
  double error;
  bool operator<(const Segment& o) const { return error < o.error; }
};

template <typename T, typename F>
Segment<T> gk15(const F& f, double a, double b, int& evaluations) {
  const double c = 0.5 * (a + b), h = 0.5 * (b - a);
  T kronrod{}, gauss{};
  for (int j = 0; j < 8; ++j) {
    const double dx = h * kronrod_x[j];
    const T f1 = f(c - dx);
    const T f2 = j == 7 ? T{} : f(c + dx);
    const T sum = j == 7 ? f1 : f1 + f2;
    kronrod += kronrod_w[j] * sum;
    if (j % 2 == 1) gauss += gauss_w[j / 2] * sum;
    evaluations += j == 7 ? 1 : 2;
  }
  const T value = kronrod * h;
  const double error = std::abs((kronrod - gauss) * h);
  if (!std::isfinite(std::abs(value)))
    throw NumericalError("quadrature: integrand is not finite on [" + format_number(a) + ", " +
                         format_number(b) + "]");
  return {a, b, value, error};
}

template <typename T, typename F>
QuadratureResult<T> adaptive(const F& f, double a, double b, double abs_tol, double rel_tol,
                             int max_intervals) {
  require_finite("integration lower limit", a);
  require_finite("integration upper limit", b);
  QuadratureResult<T> result;
  if (a == b) return result;
  std::priority_queue<Segment<T>> heap;
  heap.push(gk15<T>(f, a, b, result.evaluations));
  T total = heap.top().value;
  double error = heap.top().error;
  int intervals = 1;
  while (error > std::max(abs_tol, rel_tol * std::abs(total))) {
    if (intervals >= max_intervals)
      throw NumericalError("quadrature did not converge on [" + format_number(a) + ", " +
                           format_number(b) + "] in " + std::to_string(max_intervals) +
                           " intervals (error " + format_number(error) + ", value " +
                           format_number(std::abs(total)) + ")");
    Segment<T> worst = heap.top();
    heap.pop();
    const double mid = 0.5 * (worst.a + worst.b);
    Segment<T> left = gk15<T>(f, worst.a, mid, result.evaluations);
    Segment<T> right = gk15<T>(f, mid, worst.b, result.evaluations);
    total += left.value + right.value - worst.value;
    error += left.error + right.error - worst.error;
    heap.push(left);
    heap.push(right);
    ++intervals;
  }
  // Re-sum from scratch to avoid the drift of the running updates.
  T sum{};
  double err = 0.0;
  while (!heap.empty()) {
    sum += heap.top().value;
    err += heap.top().error;
    heap.pop();
  }
  result.value = sum;
  result.error_estimate = err;
  return result;
}

}  // namespace

QuadratureResult<double> integrate(const std::function<double(double)>& f, double a, double b,
                                   double abs_tol, double rel_tol, int max_intervals) {
  return adaptive<double>(f, a, b, abs_tol, rel_tol, max_intervals);
}

QuadratureResult<std::complex<double>> integrate_complex(
    const std::function<std::complex<double>(double)>& f, double a, double b, double abs_tol,
    double rel_tol, int max_intervals) {
  return adaptive<std::complex<double>>(f, a, b, abs_tol, rel_tol, max_intervals);
}

QuadratureResult<double> integrate_to_infinity(const std::function<double(double)>& f, double a,
                                               double scale, double abs_tol, double rel_tol,
                                               int max_intervals) {
  require_positive("integration scale", scale);
  // x = a + scale t/(1-t), dx = scale dt/(1-t)^2; the GK nodes never touch t = 1.
  auto mapped = [&](double t) {
    const double one_minus = 1.0 - t;
    return f(a + scale * t / one_minus) * scale / (one_minus * one_minus);
  };
  return adaptive<double>(mapped, 0.0, 1.0, abs_tol, rel_tol, max_intervals);
}

}  // namespace nanodecoh
