// Physical validation of an initial rho read from a file (density_check.hpp):
// states built from known eigen-decompositions (pure, mixed, with a negative
// eigenvalue of known size) against the eigenvalue path and the cheaper 2 x 2
// minor conditions, and `evolve` refusing a non-Hermitian (purity > 1) and a
// non-positive file with one line naming initial.path.
#include <gtest/gtest.h>

#include <complex>
#include <fstream>
#include <random>

#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/density_check.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "run_cli.hpp"

namespace {
using cplx = std::complex<double>;
using nanodecoh::InvalidArgument;
using nanodecoh::evolution::check_density_matrix;

constexpr std::size_t n = 24;

/// n orthonormal vectors (Gram-Schmidt of random complex vectors).
std::vector<std::vector<cplx>> orthonormal_vectors(std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> g;
  std::vector<std::vector<cplx>> basis;
  while (basis.size() < count) {
    std::vector<cplx> v(n);
    for (auto& x : v) x = {g(rng), g(rng)};
    for (const auto& b : basis) {
      cplx overlap = 0;
      for (std::size_t i = 0; i < n; ++i) overlap += std::conj(b[i]) * v[i];
      for (std::size_t i = 0; i < n; ++i) v[i] -= overlap * b[i];
    }
    double norm = 0;
    for (const auto& x : v) norm += std::norm(x);
    for (auto& x : v) x /= std::sqrt(norm);
    basis.push_back(v);
  }
  return basis;
}

/// sum_k weights[k] |v_k><v_k|: Hermitian with eigenvalues `weights` (and 0).
std::vector<cplx> from_spectrum(const std::vector<double>& weights, unsigned seed = 1) {
  const auto v = orthonormal_vectors(weights.size(), seed);
  std::vector<cplx> rho(n * n);
  for (std::size_t k = 0; k < weights.size(); ++k)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        rho[i * n + j] += weights[k] * v[k][i] * std::conj(v[k][j]);
  return rho;
}

std::string refusal(const std::vector<cplx>& rho, std::size_t eigen_limit) {
  try {
    check_density_matrix(rho, n, "initial.path", "f.h5:final/rho",
                         nanodecoh::evolution::density_tolerance, eigen_limit);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(DensityCheck, PureAndMixedStatesPassBothPaths) {
  for (const std::size_t limit : {std::size_t{0}, n}) {
    EXPECT_EQ(refusal(from_spectrum({1.0}), limit), "");
    EXPECT_EQ(refusal(from_spectrum({0.5, 0.3, 0.2}), limit), "");
    // Unnormalised (trace 7) is fine: rho is normalised afterwards.
    EXPECT_EQ(refusal(from_spectrum({4.0, 3.0}), limit), "");
  }
}

TEST(DensityCheck, Complex64RoundingIsWithinTolerance) {
  // A file written with precision = "complex64": relative rounding 6e-8 per element.
  auto rho = from_spectrum({0.7, 0.3});
  for (auto& v : rho)
    v = {static_cast<double>(static_cast<float>(v.real())),
         static_cast<double>(static_cast<float>(v.imag()))};
  EXPECT_EQ(refusal(rho, n), "");
  EXPECT_EQ(refusal(rho, 0), "");
}

TEST(DensityCheck, NonHermitianIsRefusedOnBothPaths) {
  auto rho = from_spectrum({1.0});
  rho[0 * n + 1] += cplx(0.05, 0.0);  // rho_01 no longer conj(rho_10)
  for (const std::size_t limit : {std::size_t{0}, n}) {
    const std::string message = refusal(rho, limit);
    EXPECT_NE(message.find("initial.path = f.h5:final/rho is not Hermitian"), std::string::npos)
        << message;
    EXPECT_NE(message.find("rho[0][1]"), std::string::npos) << message;
  }
}

TEST(DensityCheck, NegativeEigenvalueIsRefusedByTheEigenPath) {
  // Diagonal 0.5, 0.5 (no negative probability), off-diagonal 0.8 between states 0 and 1:
  // eigenvalues 0.5 +- 0.8 = 1.3, -0.3 of the 2 x 2 block, 0 elsewhere; trace 1.
  std::vector<cplx> rho(n * n);
  rho[0 * n + 0] = rho[1 * n + 1] = 0.5;
  rho[0 * n + 1] = rho[1 * n + 0] = 0.8;
  const std::string message = refusal(rho, n);
  EXPECT_NE(message.find("smallest eigenvalue -0.3"), std::string::npos) << message;
  // A negative eigenvalue at 1e-8 of the largest is rounding-level: accepted.
  EXPECT_EQ(refusal(from_spectrum({1.0, -1e-8}), n), "");
}

TEST(DensityCheck, MinorConditionsCatchWhatTheyCanOnLargeGrids) {
  // |rho_01|^2 > rho_00 rho_11: a 2 x 2 minor is negative.
  std::vector<cplx> rho(n * n);
  for (std::size_t i = 0; i < n; ++i) rho[i * n + i] = 1.0 / n;
  rho[0 * n + 1] = rho[1 * n + 0] = 2.0 / n;
  EXPECT_NE(refusal(rho, 0).find("exceeds rho[i][i] rho[j][j]"), std::string::npos);
  EXPECT_NE(refusal(rho, n).find("smallest eigenvalue"), std::string::npos);
  // A negative diagonal element (a negative probability).
  auto negative = from_spectrum({1.0});
  negative[3 * n + 3] = -0.5;
  EXPECT_NE(refusal(negative, 0).find("negative probability"), std::string::npos);
  // Zero or negative trace.
  EXPECT_NE(refusal(std::vector<cplx>(n * n), 0).find("has trace 0"), std::string::npos);
}

void write_rho(const std::string& path, const std::vector<cplx>& rho) {
  auto file = nanodecoh::io::Hdf5File::create(path);
  file.write("final/rho", rho, {rho.size()});
}

TEST(DensityCheck, EvolveRefusesAnUnphysicalInitialFile) {
  const std::string dir = nanodecoh::testing::make_temp_dir("density_cli");
  const std::string config = dir + "/run.toml";
  std::ofstream(config) << R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 24
step = 1.0e-9
[initial]
kind = "file"
path = "PATH"
[time]
step = 1.0e-6
outputs = 1
[[protocol]]
duration = 1.0e-5
potential = "free"
)";
  // Non-Hermitian with purity > 1 (the case of the issue), and Hermitian but non-positive.
  auto non_hermitian = from_spectrum({1.0});
  for (std::size_t i = 0; i + 1 < n; ++i) non_hermitian[i * n + i + 1] += 0.2;
  const auto non_positive = from_spectrum({1.0, -0.4});
  for (const auto& [name, rho, fragment] :
       {std::tuple{"nonhermitian.h5", non_hermitian, "not Hermitian"},
        std::tuple{"nonpositive.h5", non_positive, "not positive semidefinite"}}) {
    const std::string path = dir + "/" + name;
    write_rho(path, rho);
    const auto r = nanodecoh::testing::run_cli(
        {"evolve", config, "--out", dir + "/out.h5", "--set", "initial.path='" + path + "'"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    const std::string err = nanodecoh::testing::without_backend_notice(r.err);
    EXPECT_EQ(nanodecoh::testing::count_lines(err), 1) << err;
    EXPECT_NE(err.find("initial.path = " + path), std::string::npos) << err;
    EXPECT_NE(err.find(fragment), std::string::npos) << err;
  }
}

}  // namespace
