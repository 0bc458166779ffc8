// The run files of `evolve`: the HDF5 result and the checkpoint, written and read side by side
// in one versioned schema (docs/run-files.md). Both carry the schema version
// (`schema_version`), the nanodecoh version, the backend, the precision and the configuration;
// a checkpoint adds the state, the step, the planned schedule, the output path the run was told
// to write and an FNV-1a checksum over all of them and the record. The step loop
// (simulation.cpp) only hands records and states to this module.
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "evolution/schedule.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/observables.hpp"
#include "nanodecoh/evolution/simulation.hpp"

namespace nanodecoh::evolution {

/// Version of the layout of result and checkpoint files (attribute `schema_version` on "/").
/// 1: files before the attribute existed (checksum over rho and the step only). 2: schedule,
/// output path and full checksum. 3: this layout (checkpoints store the FFTW wisdom).
inline constexpr long long run_files_schema_version = 3;

/// One |rho| snapshot: the downsampled |reduced matrix| of each axis, and the Wigner function.
struct Snapshot {
  double time = 0.0;                         ///< s
  std::vector<std::vector<double>> rho_abs;  ///< per axis, m x m
  std::vector<double> wigner;                ///< n x n of the first translation axis (or empty)
};

/// Stride that downsamples n points to at most `max_points`.
std::size_t downsample_stride(std::size_t n, std::size_t max_points);

/// Time series and snapshots recorded so far; written to results and checkpoints.
struct Record {
  std::vector<Observables> series;
  std::vector<Snapshot> snapshots;
};

/// Everything a checkpoint stores.
struct Checkpoint {
  std::vector<std::complex<double>> rho;  ///< the state at `step`, complex128
  unsigned long long step = 0;
  Record record;
  std::string version;      ///< nanodecoh version that wrote it
  std::string backend;      ///< "cpu" or "cuda"
  std::string precision;    ///< "complex128" or "complex64"
  std::string config;       ///< the run's configuration (TOML)
  std::string output_file;  ///< absolute path of the result the run was told to write ("" = none)
  Schedule schedule;        ///< the planned schedule
  std::string fft_wisdom;   ///< FFTW wisdom of the run's CPU plans ("" = none needed)
};

/// FNV-1a over everything a checkpoint stores (the fields above, in a fixed order).
unsigned long long checkpoint_checksum(const Checkpoint& checkpoint);

/// Writes a checkpoint atomically (io::write_atomically). Throws IoError.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint, const Grid& grid,
                      std::size_t snapshot_points);

/// Reads a checkpoint for a run of `spec` and checks that it fits: the kind and schema version,
/// the configuration (the first differing line is named), the nanodecoh version, the checksum
/// (IoError "corrupt" on a mismatch), the planned schedule, the step (a chunk boundary inside
/// the run) and the size of rho. Throws IoError naming the path and the difference.
Checkpoint read_checkpoint(const std::string& path, const SimulationSpec& spec, const Grid& grid,
                           const Schedule& planned);

/// The result file (spec.output.file) of a finished run, written atomically.
void write_result(const SimulationSpec& spec, const Grid& grid, const Record& record,
                  const Record* diffusive, const RunResult& result);

}  // namespace nanodecoh::evolution
