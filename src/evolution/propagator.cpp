// Backend plumbing of the split-operator propagator (propagator.hpp; docs/evolution.md):
// the backend-neutral layout of a grid, the choice of backend and the one memory formula
// that the run checks before allocating and the CUDA propagator checks against the device.
#include "nanodecoh/evolution/propagator.hpp"

#include <limits>

#include "nanodecoh/evolution/propagator_reuse.hpp"

namespace nanodecoh::evolution {

PropagatorLayout PropagatorLayout::from_grid(const Grid& grid) {
  PropagatorLayout layout;
  for (const Axis& axis : grid.axes()) layout.dims.push_back(axis.points);
  layout.kinetic_frequency = grid.kinetic_frequencies();
  layout.ket_offsets = grid.ket_offsets();
  layout.bra_offsets = grid.bra_offsets();
  layout.table_size = grid.difference_table_size();
  return layout;
}

std::unique_ptr<Propagator> make_propagator(Backend backend, const PropagatorLayout& layout,
                                            Precision precision, const FftPlanOptions& fft) {
  return backend == Backend::cuda ? make_cuda_propagator(layout, precision)
                                  : make_cpu_propagator(layout, precision, fft);
}

MemoryEstimate estimate_memory(const PropagatorLayout& layout, Precision precision,
                               Backend backend) {
  const std::size_t element = precision == Precision::complex128 ? 16 : 8;
  const std::size_t nk = layout.ket_size(), total = nk * nk;
  const bool cuda = backend == Backend::cuda;
  MemoryEstimate estimate;
  estimate.state_bytes = total * element;
  const std::size_t tables =
      nk * (3 * element + 2 * sizeof(std::int64_t)) + layout.table_size * element;
  estimate.fft_work_bytes =
      cuda ? estimate.state_bytes
           : cpu_propagator_threads() * cpu_block_columns * (nk + 64 / element) * element;
  estimate.backend_bytes = estimate.state_bytes + tables + estimate.fft_work_bytes;
  const std::size_t exchange = total * sizeof(std::complex<double>);
  const std::size_t f_table = layout.table_size * sizeof(std::complex<double>);
  estimate.host_bytes =
      exchange + f_table + (cuda ? host_staging_elements * element : estimate.backend_bytes);
  return estimate;
}

ChordDampingCache::Table* ChordDampingCache::table(double t, std::size_t points) {
  const auto found = tables_member_.find(t);
  if (found != tables_member_.end()) return &found->second;
  const std::size_t need = points * 2 * sizeof(double);
  if (bytes_member_ + need > budget_member_) {
    full_member_ = true;
    return nullptr;
  }
  bytes_member_ += need;
  Table& table = tables_member_[t];
  table.integral.assign(points, std::numeric_limits<double>::quiet_NaN());
  table.error.assign(points, 0.0);
  return &table;
}

PropagatorReuse::PropagatorReuse() = default;
PropagatorReuse::~PropagatorReuse() = default;

}  // namespace nanodecoh::evolution
