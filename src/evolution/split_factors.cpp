// The factors of a Strang step (propagator.hpp, docs/physics.md section 4), computed once per
// segment on the host and shared by the CPU and CUDA propagators, so both apply the same
// numbers: exp(-i omega dt/2) and exp(-i omega dt) in momentum space, exp(-i V dt/hbar) and
// the exact dissipator factor exp(-F dt) (desorption eq. 48; never expanded) in position space.
#include <cmath>
#include <string>

#include "nanodecoh/constants.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/evolution/propagator.hpp"

namespace nanodecoh::evolution {

void check_dissipation_table(const PropagatorLayout& layout,
                             const std::vector<std::complex<double>>& f_table) {
  if (!f_table.empty() && f_table.size() != layout.table_size)
    throw InvalidArgument(
        "dissipation table", std::to_string(f_table.size()),
        std::to_string(layout.table_size) + " entries (Grid::difference_table_size)");
}

SplitFactors make_split_factors(const PropagatorLayout& layout, double dt,
                                const std::vector<double>& potential,
                                const std::vector<std::complex<double>>& f_table) {
  const std::size_t nk = layout.ket_size();
  if (potential.size() != nk)
    throw InvalidArgument("potential", std::to_string(potential.size()),
                          std::to_string(nk) + " ket points");
  check_dissipation_table(layout, f_table);
  const double norm = 1.0 / static_cast<double>(nk);  // 1/sqrt(nk^2)
  SplitFactors f;
  f.half_kinetic.resize(nk);
  f.full_kinetic.resize(nk);
  f.potential_phase.resize(nk);
  for (std::size_t i = 0; i < nk; ++i) {
    const double w = layout.kinetic_frequency[i];
    f.half_kinetic[i] = std::polar(norm, -w * 0.5 * dt);
    f.full_kinetic[i] = std::polar(norm, -w * dt);
    f.potential_phase[i] = std::polar(1.0, -potential[i] * dt / constants::hbar);
  }
  f.decay.resize(layout.table_size);
  for (std::size_t t = 0; t < f.decay.size(); ++t)
    f.decay[t] = f_table.empty() ? std::complex<double>(1.0) : std::exp(-f_table[t] * dt);
  return f;
}

}  // namespace nanodecoh::evolution
