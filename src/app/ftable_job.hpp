// The `ftable` job of the application layer, shared by the CLI (command_ftable.cpp) and the
// Python module (nanodecoh.ftable): configuration (overrides applied) -> validated model,
// orientations and displacements (memory checked before anything of the table's size) -> the
// table of F_{R_i,R_j}(dX_k) with its diffusive approximation (desorption eqs. 2-3, 48; 4, 6)
// -> the HDF5 file of docs/ftable-format.md.
#pragma once

#include <atomic>
#include <complex>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "app/ftable_config.hpp"
#include "io/toml_config.hpp"
#include "nanodecoh/backend.hpp"
#include "nanodecoh/io/ftable_file.hpp"
#include "nanodecoh/localization/localization_rate.hpp"

namespace nanodecoh::app {

/// Everything the table needs, read and validated (errors name the TOML keys).
struct FtableInputs {
  std::string config_toml;  ///< provenance (after overrides)
  Orientations orientations;
  Displacements displacements;
  localization::RateOptions options;
  localization::EmissionModel model;
  std::vector<std::filesystem::path> input_files;  ///< mesh, coverage, spectrum files
};

/// Reads `config` (overrides applied; every key used), validates the model and checks the
/// table's memory (`max_memory` bytes, 0: the available memory) before the orientations and
/// displacements are made.
FtableInputs read_ftable_inputs(const io::Config& config, std::size_t max_memory);

/// A computed table: the file's content and what the CLI reports.
struct FtableResult {
  io::FTable table;
  std::vector<std::complex<double>> diffusive;  ///< [P][P][D] (1/s)
  std::vector<double> diffusion_tensor;         ///< 6 x 6 row-major
  std::vector<double> force_torque;             ///< 6
  double max_error_estimate = 0.0;
  Backend backend = Backend::cpu;
  std::string method;
  std::size_t unique_jobs = 0;
  std::string config_toml;
};

/// Computes the table on `backend`; `stop` (may be null) stops it (Interrupted), `progress`
/// (may be empty) is called with (values done, total).
FtableResult compute_ftable(FtableInputs inputs, Backend backend, const std::atomic<bool>* stop,
                            std::function<void(std::size_t, std::size_t)> progress = {});

/// Writes the table atomically in the layout of docs/ftable-format.md plus the diffusive
/// approximation and the provenance.
void write_ftable_result(const std::string& path, const FtableResult& result);

}  // namespace nanodecoh::app
