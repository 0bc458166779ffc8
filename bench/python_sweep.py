#!/usr/bin/env python3
"""Benchmark (not a test): a 16-point sweep of 256-point runs in-process (nanodecoh.sweep,
F tables and propagator shared) against 16 invocations of the CLI (`nanodecoh evolve --set ...`), same machine,
same run of this script. The runs are examples/evolve_cat_free_flight.toml (256 grid points,
desorption_sphere and Gaussian channels) without the diffusive comparison, snapshots and
checkpoints; the sweep varies initial.separation (4 values) x initial.width (4 values).

With --default the runs are the built-in scenario of `nanodecoh evolve` instead (256 points;
desorption_sphere, magnetic and dielectric channels, whose full-form F costs a quadrature per
distinct |dX| and is what the sweep shares).

With --engine the runs are examples/evolve_janus_trap.toml (256 points; a Janus sphere in a
harmonic trap with a `desorption` channel, whose F the localization engine computes for the
511 differences of the grid: most of a single run's time) and the sweep varies
initial.separation (1-4 pm) x initial.width (0.3-0.6 pm), which that table does not depend on.

Usage, from the repository root after a build:
    PYTHONPATH=build/python /usr/bin/python3 bench/python_sweep.py build/bin/nanodecoh [--default | --engine]
Prints one line for bench/RESULTS.md (with the load average before and after, OMP_NUM_THREADS
and the git revision of the working tree).
"""
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

import nanodecoh

flags = {"--default", "--engine"}
arguments = [a for a in sys.argv[1:] if a not in flags]
chosen = [a for a in sys.argv[1:] if a in flags]
if len(chosen) > 1:
    sys.exit("python_sweep.py: --default and --engine exclude each other")
scenario_flag = chosen[0] if chosen else ""
cli = arguments[0] if arguments else "build/bin/nanodecoh"
examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
config = {"--default": None,
          "--engine": os.path.join(examples, "evolve_janus_trap.toml"),
          "": os.path.join(examples, "evolve_cat_free_flight.toml")}[scenario_flag]
overrides = {"output.checkpoint_every": 0, "output.snapshots": 0, "output.wigner": False,
             "output.final_state": False, "run.compare_diffusive": False,
             "run.backend": "cpu"}
if scenario_flag == "--engine":  # picometre cats of the trapped 1 um sphere (grid step 0.05 pm)
    separations = [1e-12, 2e-12, 3e-12, 4e-12]
    widths = [3e-13, 4e-13, 5e-13, 6e-13]
else:  # nanometre cats of the 100 nm sphere (grid step 0.5 nm)
    separations = [10e-9, 20e-9, 30e-9, 40e-9]
    widths = [3e-9, 4e-9, 5e-9, 6e-9]

load_before = os.getloadavg()
with tempfile.TemporaryDirectory() as work:
    start = time.perf_counter()
    s = nanodecoh.sweep(config, vary={"initial.separation": separations, "initial.width": widths},
                        overrides=overrides, out=os.path.join(work, "sweep.h5"))
    in_process = time.perf_counter() - start

    start = time.perf_counter()
    for k, sep in enumerate(separations):
        for j, width in enumerate(widths):
            args = [cli, "evolve"] + ([] if config is None else [config]) + ["--quiet", "--out", os.path.join(work, f"{k}_{j}.h5")]
            for key, value in {**overrides, "initial.separation": sep,
                               "initial.width": width}.items():
                text = ("true" if value else "false") if isinstance(value, bool) else (
                    f"'{value}'" if isinstance(value, str) else repr(value))
                args += ["--set", f"{key}={text}"]
            subprocess.run(args, check=True, stderr=subprocess.DEVNULL)
    cli_seconds = time.perf_counter() - start

load_after = os.getloadavg()
try:
    revision = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(__file__)),
                               "describe", "--always", "--dirty"], capture_output=True,
                              text=True, check=True).stdout.strip()
except (OSError, subprocess.CalledProcessError):
    revision = "unknown"
scenario = {"--default": "built-in default", "--engine": "evolve_janus_trap.toml (desorption, engine)",
            "": "evolve_cat_free_flight.toml"}[scenario_flag]
threads = os.environ.get("OMP_NUM_THREADS", "unset")
# The method the points used (the same for the CLI runs: the same configuration).
method = "exact" if " exact (" in " ".join(s.summaries[0]["methods"]) else "split operator"
print(f"| {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | {platform.node()} "
      f"({os.cpu_count()} CPUs), load {load_before[0]:.1f} -> {load_after[0]:.1f}, "
      f"OMP_NUM_THREADS={threads} | {revision} | "
      f"{scenario}, 16 x 256-point runs | in-process {in_process:.2f} s ({s.table_builds} F "
      f"tables, {s.propagator_builds} propagators; {method}) | 16 CLI runs {cli_seconds:.2f} s | "
      f"ratio {cli_seconds / in_process:.2f}x |")
