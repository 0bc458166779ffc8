// Angular part of the decoherence factor (magnetic eq. 52-54, 59; docs/physics.md section 5).
// Oracles: libstdc++'s std::sph_bessel, brute-force 4D Gauss-Legendre quadrature of the
// double solid-angle integral, a 2D reduction with the azimuths done by hand, and the
// small/large-x limits.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/magnetic_rates.hpp"
#include "oracle_quadrature.hpp"

namespace nanodecoh {
namespace {

constexpr double pi = constants::pi;
// I(0) = 64 pi^2/3 = 210.6, the scale of every angular integral below.
constexpr double i0 = 64.0 * pi * pi / 3.0;
// Rounding of a brute-force sum of N terms of size <= I(0): a random walk, sqrt(N) u I(0), is
// 4e-11 for the 4D rule on 2 panels (N = 42^4 = 3.1e6; measured 4e-11 for Re and 4e-12 for
// the Im part that vanishes by symmetry): 2e-10 = 5x.
constexpr double sum_rounding_4d = 1e-12 * i0;

// int dOmega int dOmega' (1 + cos^2 theta) exp(i x (k^ - k^').z), brute force over
// (theta, phi, theta', phi') with the oracle rule (Kronrod 21 on `panels` panels) on each axis.
double angular_integral_4d(double x, int panels) {
  const testing::OracleRule r = testing::composite_kronrod21(panels);
  const int n = static_cast<int>(r.nodes.size());
  std::vector<double> ct(n), st(n), ph(n), wt(n), wp(n);
  for (int i = 0; i < n; ++i) {
    const double theta = 0.5 * pi * (r.nodes[i] + 1.0);
    ct[i] = std::cos(theta);
    st[i] = std::sin(theta);
    wt[i] = 0.5 * pi * r.weights[i] * st[i];  // sin theta dtheta
    ph[i] = pi * (r.nodes[i] + 1.0);
    wp[i] = pi * r.weights[i];
  }
  std::complex<double> sum = 0.0;
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      const double kx = st[a] * std::cos(ph[b]), ky = st[a] * std::sin(ph[b]), kz = ct[a];
      for (int c = 0; c < n; ++c)
        for (int d = 0; d < n; ++d) {
          const double qx = st[c] * std::cos(ph[d]), qy = st[c] * std::sin(ph[d]), qz = ct[c];
          const double cos_theta = kx * qx + ky * qy + kz * qz;
          sum += wt[a] * wp[b] * wt[c] * wp[d] * (1.0 + cos_theta * cos_theta) *
                 std::exp(std::complex<double>(0.0, x * (kz - qz)));
        }
    }
  EXPECT_LT(std::abs(sum.imag()), sum_rounding_4d);  // odd under k <-> k': 0 up to rounding
  return sum.real();
}

// Same integral after doing both azimuths analytically:
// 4 pi^2 int dmu int dmu' [1 + mu^2 mu'^2 + (1 - mu^2)(1 - mu'^2)/2] cos(x (mu - mu')).
double angular_integral_2d(double x, int panels) {
  const testing::OracleRule r = testing::composite_kronrod21(panels);
  const int n = static_cast<int>(r.nodes.size());
  double sum = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double mu = r.nodes[i], nu = r.nodes[j];
      const double weight = 1.0 + mu * mu * nu * nu + 0.5 * (1.0 - mu * mu) * (1.0 - nu * nu);
      const double phase = std::cos(x * (mu - nu));
      sum += r.weights[i] * r.weights[j] * weight * phase;
    }
  return 4.0 * pi * pi * sum;
}

TEST(SphericalBessel, MatchesStdSphBessel) {
  for (int n = 0; n <= 2; ++n)
    for (double x : {1e-3, 0.1, 0.49, 0.5, 0.9, 1.5, 1.99, 2.0, 2.01, 3.0, 7.5, 20.0, 123.4}) {
      const double expected = std::sph_bessel(static_cast<unsigned>(n), x);
      // Both are accurate to a few ulp (1.1e-16) of max(1, |j_n|): 2e-15 (measured 1e-15).
      EXPECT_NEAR(spherical_bessel_j(n, x), expected, 2e-15 * std::max(1.0, std::abs(expected)))
          << "n = " << n << ", x = " << x;
    }
}

TEST(SphericalBessel, SmallArgumentLeadingTerms) {
  // j_n(x) -> x^n / (2n+1)!! with relative correction -x^2/(2(2n+3)).
  const double x = 1e-6;
  // Next terms x^4/120 ~ 1e-26 relative: below rounding, so a few ulp (measured 0).
  EXPECT_DOUBLE_EQ(spherical_bessel_j(0, x), 1.0 - x * x / 6.0);
  EXPECT_NEAR(spherical_bessel_j(1, x) / (x / 3.0), 1.0 - x * x / 10.0, 1e-15);
  EXPECT_NEAR(spherical_bessel_j(2, x) / (x * x / 15.0), 1.0 - x * x / 14.0, 1e-15);
  EXPECT_EQ(spherical_bessel_j(2, 0.0), 0.0);
  EXPECT_THROW(spherical_bessel_j(3, 1.0), InvalidArgument);
}

TEST(AngularIntegral, ClosedFormMatches4dQuadrature) {
  for (double x : {0.0, 0.3, 1.0, 2.5, 5.0}) {
    const double brute = angular_integral_4d(x, 2);
    // The 2-panel Kronrod rule resolves exp(i x (mu - nu)) for x <= 5 to rounding: the sum's
    // rounding sum_rounding_4d (measured 4e-11).
    EXPECT_NEAR(angular_interference_integral(x), brute, sum_rounding_4d) << "x = " << x;
  }
}

TEST(AngularIntegral, ClosedFormMatches2dQuadrature) {
  for (double x : {0.01, 1.49, 1.51, 4.0, 12.0, 40.0}) {
    const double reduced = angular_integral_2d(x, 16);
    // 16 panels (336 nodes per axis) resolve cos(40 (mu - nu)) to rounding: sqrt(N) u I(0) with
    // N = 336^2 is 7.8e-12 (measured 2.5e-12); bound 1.05e-11.
    EXPECT_NEAR(angular_interference_integral(x), reduced, 5e-14 * i0) << "x = " << x;
  }
}

TEST(AngularIntegral, ZeroArgumentIs64Pi2Over3) {
  // (M 59) and (M 53): int int (1 + cos^2 theta) = 64 pi^2 / 3.
  // A closed form: a few ulp of 210.6 (ulp 2.8e-14, measured 0).
  EXPECT_NEAR(angular_interference_integral(0.0), i0, 1e-13);
  // 1 panel, N = 21^4 terms: sqrt(N) u I(0) = 1e-11 (measured 1.2e-12); bound 5e-11.
  EXPECT_NEAR(angular_integral_4d(0.0, 1), i0, 5e-11);
}

TEST(AngularIntegral, PrintedM59MatchesQuadrature) {
  // (M 59): int dOmega int dOmega' (1 + cos^2 theta)(1 - cos theta) = 64 pi^2/3.
  // Brute force over both directions.
  const testing::OracleRule r = testing::composite_kronrod21(1);
  double sum = 0.0;
  for (std::size_t a = 0; a < r.nodes.size(); ++a)
    for (std::size_t b = 0; b < r.nodes.size(); ++b)
      for (std::size_t c = 0; c < r.nodes.size(); ++c)
        for (std::size_t d = 0; d < r.nodes.size(); ++d) {
          const double mu = r.nodes[a], phi = pi * (r.nodes[b] + 1.0);
          const double nu = r.nodes[c], psi = pi * (r.nodes[d] + 1.0);
          const double cos_theta =
              mu * nu + std::sqrt((1 - mu * mu) * (1 - nu * nu)) * std::cos(phi - psi);
          sum += r.weights[a] * pi * r.weights[b] * r.weights[c] * pi * r.weights[d] *
                 (1.0 + cos_theta * cos_theta) * (1.0 - cos_theta);
        }
  // A trigonometric polynomial of low degree: the 21-point rule is exact, and the 21^4-term
  // sum rounds by sqrt(N) u I(0) = 1e-11 (measured 2.8e-12); bound 5e-11.
  EXPECT_NEAR(sum, i0, 5e-11);
}

TEST(AngularKernel, SmallArgumentIsLongWavelengthForm) {
  // (M 55-58): 1 - I(x)/I(0) = x^2/3 - 7 x^4/150 + 11 x^6/3150 - ... (series of
  // 1 - (3/4)(j0^2 + 2 (j1/x)^2 + (j1/x - j2)^2) from the power series of j_n), so the ratio
  // to x^2/3 is 1 - 0.14 x^2 + O(x^4); no cancellation loss for tiny x. The O(x^4) term is
  // 1e-18 at x = 1e-4; the ratio of two values accurate to a few ulp: 2e-15.
  for (double x : {1e-12, 1e-8, 1e-4})
    EXPECT_NEAR(angular_decoherence_kernel(x) / (x * x / 3.0), 1.0 - 0.14 * x * x, 2e-15);
  EXPECT_EQ(angular_decoherence_kernel(0.0), 0.0);
}

TEST(AngularKernel, SeriesAndDirectFormAgreeAtTheSwitch) {
  for (double x : {1.3, 1.45, 1.55, 1.7}) {
    const double j0 = std::sph_bessel(0, x), j1x = std::sph_bessel(1, x) / x,
                 j2 = std::sph_bessel(2, x);
    const double direct = 1.0 - 0.75 * (j0 * j0 + 2.0 * j1x * j1x + (j1x - j2) * (j1x - j2));
    // The direct form cancels 1 - 0.75 (...) with terms of size ~1: a few ulp of 1 (measured
    // 2.2e-16); bound 2e-15.
    EXPECT_NEAR(angular_decoherence_kernel(x), direct, 2e-15) << "x = " << x;
  }
}

TEST(AngularKernel, BoundedAndSaturates) {
  for (double x = 0.0; x < 200.0; x += 0.37) {
    const double s = angular_decoherence_kernel(x);
    EXPECT_GE(s, 0.0);
    EXPECT_LE(s, 1.0);
  }
  // 1 - S = (3/4) Q with Q = 2 sin^2 x / x^2 + O(x^-3).
  const double x = 1e4;
  EXPECT_NEAR(1.0 - angular_decoherence_kernel(x), 1.5 * std::pow(std::sin(x) / x, 2),
              3.0 / (x * x * x));
}

}  // namespace
}  // namespace nanodecoh
