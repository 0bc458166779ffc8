// `nanodecoh budget` with the engine-driven desorption channel (src/app/budget.cpp): its rows
// come from one batched engine call per batch of separations (LocalizationRate::values).
// Oracle: the channel's own one-point evaluate() (the engine's table() of that single pair)
// at each row's point, ket and bra at the axis centre +- half the separation. Both integrate
// the same job to the same resolution levels; they differ only in how the batch is summed
// (~1e-13 Gamma of rounding over ~1e5 node terms), so 1e-12 Gamma leaves a factor 10.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "app/budget.hpp"
#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "nanodecoh/evolution/channels.hpp"

namespace nanodecoh::app {
namespace {

TEST(BudgetEngine, RowsEqualTheEngineEvaluatedAtTheSamePoints) {
  io::Config c = io::Config::from_string(R"(
[particle]
material = "fused-silica"
body = { kind = "janus", radius = 75e-9, cap_angle = 1.0 }
temperature = 300.0
[[axes]]
kind = "rotation"
name = "phi"
points = 6
step = 2.0e-5
rotation_axis = [1, 0, 0]
[initial]
kind = "cat"
axis = "phi"
width = 2.0e-5
separation = 4.0e-5
[time]
step = 1.0e-6
[[protocol]]
duration = 1.0e-5
[[channels]]
kind = "desorption"
rate = 1000.0
tolerance = 1e-5
)");
  const EvolveInput input = read_evolve_input(c);
  const auto spec = make_simulation_spec(input);
  const Budget b = compute_budget(input, spec, {});
  ASSERT_EQ(b.channels.size(), 1u);
  ASSERT_GE(b.separation.size(), 7u);  // 6 grid separations and at least one doubling
  const double gamma = spec.channels[0]->rate_scale();
  const double centre = spec.axes[0].center;
  for (std::size_t r = 0; r < b.separation.size(); ++r) {
    const double d = b.separation[r];
    const std::complex<double> direct =
        spec.channels[0]->evaluate({}, {centre + 0.5 * d}, {centre - 0.5 * d});
    EXPECT_NEAR(b.channels[0].rate[r], direct.real(), 1e-12 * gamma) << "separation " << d;
    EXPECT_NEAR(b.channels[0].rate_imag[r], direct.imag(), 1e-12 * gamma) << "separation " << d;
  }
  // The extension stopped where the engine's F reached its limit Gamma (within the budget's
  // saturation tolerance 1e-3), or by the doubling criterion.
  const double last = b.channels[0].rate.back(), before = b.channels[0].rate.end()[-2];
  EXPECT_TRUE(std::abs(last - gamma) <= 1e-3 * gamma || std::abs(last - before) <= 1e-3 * last);
}

}  // namespace
}  // namespace nanodecoh::app
