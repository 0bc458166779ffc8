// Fuzzes the HDF5 inputs of `evolve`: the first byte picks the initial state
// (initial.kind = "file", dataset final/rho on an 8-point grid), an F table
// ([[channels]] kind = "table") or a checkpoint (--resume: its stored
// configuration, then a resumed run of a tiny grid); the rest is the file.
// The HDF5 library itself is not instrumented: memory errors inside it show up
// only as crashes.
#include <sstream>

#include "app/evolve_config.hpp"
#include "app/evolve_factory.hpp"
#include "fuzz_support.hpp"
#include "nanodecoh/evolution/initial_state.hpp"
#include "nanodecoh/evolution/simulation.hpp"

namespace {

std::string tiny_config(const std::string& extra) {
  return R"(
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 8
step = 1.0e-9
[initial]
kind = "gaussian"
axis = "x"
width = 1.5e-9
[time]
step = 1.0e-6
outputs = 1
[[protocol]]
duration = 2.0e-6
potential = "free"
)" + extra;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace nanodecoh;
  if (size < 1) return 0;
  const int pick = data[0] % 3;
  const auto path = fuzz::write_scratch("input.h5", data + 1, size - 1);
  fuzz::expect_only_nanodecoh_errors([&] {
    const auto read_spec = [](const io::Config& config) {
      return app::make_simulation_spec(app::read_evolve_input(config));
    };
    if (pick == 0) {
      const auto config = io::Config::from_string(tiny_config(""));
      auto spec = read_spec(config);
      spec.initial.kind = evolution::InitialKind::file;
      spec.initial.path = path.string();
      const evolution::Grid grid(spec.axes);
      (void)evolution::make_initial_state(grid, spec.initial);
    } else if (pick == 1) {
      const auto config = io::Config::from_string(
          tiny_config("[[channels]]\nkind = \"table\"\nfile = '" + path.string() + "'\n"));
      const auto spec = read_spec(config);
      (void)evolution::evaluate_channels(evolution::Grid(spec.axes), spec.channels);
    } else {
      (void)evolution::read_checkpoint_config(path.string());
      const auto config = io::Config::from_string(tiny_config(""));
      auto spec = read_spec(config);
      evolution::RunControl control;
      spec.output.file.clear();  // write nothing
      spec.output.checkpoint_every = 0;
      control.resume_from = path.string();
      control.progress = false;
      std::ostringstream notices;
      control.notices = &notices;
      (void)evolution::run_simulation(spec, Backend::cpu, control);
    }
  });
  return 0;
}
