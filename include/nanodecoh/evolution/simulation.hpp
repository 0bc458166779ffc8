// A complete evolution run: initial state, protocol of segments, channels,
// outputs (HDF5, atomic), checkpoints with checksum and bit-identical resume,
// clean stop on a flag (SIGINT/SIGTERM in the CLI), NaN/inf detection, progress
// and the diffusive comparison run.
#pragma once

#include <atomic>
#include <complex>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/evolution/channels.hpp"
#include "nanodecoh/evolution/grid.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/observables.hpp"
#include "nanodecoh/evolution/propagator.hpp"
#include "nanodecoh/evolution/propagator_reuse.hpp"
#include "nanodecoh/evolution/protocol.hpp"

namespace nanodecoh::evolution {

/// Output options.
struct OutputSpec {
  std::string file;                   ///< HDF5 result file ("" = none)
  bool final_state = false;           ///< write /final/rho
  std::size_t snapshots = 0;          ///< number of |rho| snapshots (evenly spaced)
  std::size_t snapshot_points = 128;  ///< largest side of a downsampled snapshot
  bool wigner = false;  ///< Wigner function of the first translation axis with each snapshot
  std::size_t checkpoint_every = 0;  ///< steps between checkpoints (0 = none)
  std::string checkpoint_file;       ///< default: <file>.ckpt.h5
};

/// Everything a run needs, validated by validate().
struct SimulationSpec {
  std::vector<Axis> axes;
  InitialStateSpec initial;
  std::vector<Segment> protocol;
  double time_step = 1e-6;  ///< s (each segment uses duration / round(duration / time_step))
  std::size_t outputs =
      50;  ///< output times, evenly spaced over the protocol (>= 1; the last is the end)
  ChannelList channels;
  Precision precision = Precision::complex128;
  /// FFT planning of the CPU propagator (numerics.fft_planning; docs/performance.md).
  FftPlanning fft_planning = FftPlanning::measure;
  /// FFTW wisdom cache file ("" = none; the CLI uses default_fft_wisdom_cache()).
  std::string fft_wisdom_cache;
  /// Two marked points (coordinates per axis) for the coherence; empty = none.
  std::vector<std::vector<double>> marked_points;
  bool compare_diffusive =
      false;  ///< also run with every channel replaced by its diffusive approximation
  OutputSpec output;
  std::string config_toml;  ///< provenance, stored in outputs and checkpoints
  /// Absolute error allowed in the integral of F along each characteristic of the exact
  /// method (dimensionless; the relative error of chi). numerics.tolerance.
  double exact_tolerance = 1e-10;
  /// Record only time, trace and the coherence between the two marked points, computed from
  /// chi without building rho (the exact method only; no N^2 memory, so grids far larger than
  /// rho could fit run). The result file then holds /timeseries/{time, step, trace, coherence,
  /// coherence_normalized} only. observables.coherence_only.
  bool coherence_only = false;
  /// Host memory the run may use (bytes); 0: the available memory (MemAvailable). The
  /// CLI's --max-memory.
  std::size_t max_memory_bytes = 0;
};

/// Controls of one run.
struct RunControl {
  const std::atomic<bool>* stop = nullptr;  ///< checked between steps; true -> checkpoint and stop
  bool progress = false;                    ///< progress line on stderr (when a terminal)
  std::string resume_from;                  ///< checkpoint file to continue from
  std::ostream* notices = nullptr;          ///< warnings (recoil, auto backend); std::cerr if null
  /// Called from the run's thread with the fraction of the run done (0 to 1, never
  /// decreasing, 1 last): after every chunk of split-operator steps, after every output time
  /// of an exact run. Must be cheap and must not throw (the Python module stores the value for
  /// the calling thread to report).
  std::function<void(double)> on_progress;
  /// Propagator (and exact-method path integrals) shared with earlier runs that differ from
  /// this one only in the initial state and the outputs (propagator_reuse.hpp); null = none.
  /// Not used when the run resumes from a checkpoint (its FFT plans come from the checkpoint).
  PropagatorReuse* reuse = nullptr;
  /// The caller already built this spec's initial state and passed it through
  /// check_resolution (the application does before a run starts): the run does not repeat the
  /// check (it is the same function on the same state). False: the run checks.
  bool initial_state_checked = false;
};

/// The method one protocol segment ran with, and why (RunResult::segment_plan). A run is a
/// sequence of blocks of consecutive segments with the same method (docs/physics.md, "Mixed
/// protocols").
struct SegmentMethod {
  bool exact = false;       ///< the exact chord-function method; false: the split operator
  std::size_t block = 0;    ///< index of the segment's block, counted from 0 in time order
  double time_begin = 0.0;  ///< s, the segment's start
  double time_end = 0.0;    ///< s, its end
  std::string reason;       ///< why this method (the text of segment_methods after the method)
};

/// The outcome of a run.
struct RunResult {
  std::vector<Observables> series;
  std::vector<Observables> diffusive_series;  ///< when compare_diffusive
  /// Split-operator steps of the run (those of its split blocks; on an interrupt: the step
  /// of the schedule it stopped at).
  unsigned long long steps = 0;
  double wall_seconds = 0.0;
  Backend backend = Backend::cpu;
  bool interrupted = false;        ///< stopped by the flag; a checkpoint was written
  std::string checkpoint_written;  ///< last checkpoint file written ("" if none)
  std::vector<std::complex<double>> final_state;
  MemoryEstimate memory;  ///< what the run needed (checked before allocating)
  /// Per segment: "protocol[i]: <method> (<why>)", the method each segment used and why.
  std::vector<std::string> segment_methods;
  /// Per segment: the method, its block and the reason, as data (the same as segment_methods).
  std::vector<SegmentMethod> segment_plan;
  bool exact = false;  ///< every segment used the exact method (no steps: `steps` is 0)
  /// Exact method (every segment, or the exact blocks of a mixed run): the largest error
  /// estimate of the F path integrals over every point evaluated (relative error of chi); -1
  /// when no segment used the exact method.
  double exact_error_estimate = -1.0;
  /// Exact method with tabulated channels: the part of exact_error_estimate that the
  /// interpolated F table may contribute (its error bound on F times the duration); 0 otherwise.
  double exact_table_error_bound = 0.0;
  /// Exact method from a state given on the grid (initial.kind = "file"): the part of
  /// exact_error_estimate that its interpolated chord function contributes (GridChord's
  /// error_estimate: interpolation plus the edge and top-momentum weights); -1 otherwise.
  double exact_initial_state_error = -1.0;
};

/// Checks a spec (grid, protocol, channels, outputs, marked points); throws InvalidArgument,
/// or OutOfMemory before anything of the grid's size is allocated when rho alone would not
/// fit (max_memory_bytes, else the available memory).
void validate(const SimulationSpec& spec);

/// Runs a simulation. Throws InvalidArgument (bad spec, unresolved state), OutOfMemory
/// (grid too large), NumericalError (NaN/inf; the last good checkpoint is kept), IoError.
RunResult run_simulation(const SimulationSpec& spec, Backend backend, const RunControl& control);

/// What a resumed run needs to know before it is configured: the configuration text and the
/// result path the interrupted run was told to write.
struct CheckpointHeader {
  std::string config;       ///< the run's configuration (TOML)
  std::string output_file;  ///< absolute result path of the interrupted run ("" = none or unknown)
};

/// Reads the header of a checkpoint (for --resume). Throws IoError. The full checkpoint
/// (checksum, schedule, step) is checked when the run starts (run_simulation).
CheckpointHeader read_checkpoint_header(const std::string& path);

/// Reads the configuration text stored in a checkpoint. Throws IoError.
std::string read_checkpoint_config(const std::string& path);

}  // namespace nanodecoh::evolution
