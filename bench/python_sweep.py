#!/usr/bin/env python3
"""Benchmark (not a test): a 16-point sweep of 256-point runs in-process (nanodecoh.sweep,
F tables and propagator shared) against 16 invocations of the CLI (`nanodecoh evolve --set ...`), same machine,
same run of this script. The runs are examples/evolve_cat_free_flight.toml (256 grid points,
desorption_sphere and Gaussian channels) without the diffusive comparison, snapshots and
checkpoints; the sweep varies initial.separation (4 values) x initial.width (4 values).

With --default the runs are the built-in scenario of `nanodecoh evolve` instead (256 points;
desorption_sphere, magnetic and dielectric channels, whose full-form F costs a quadrature per
distinct |dX| and is what the sweep shares).

Usage, from the repository root after a build:
    PYTHONPATH=build/python /usr/bin/python3 bench/python_sweep.py build/bin/nanodecoh [--default]
Prints one line for bench/RESULTS.md (with the load average before and after, and the git
revision of the working tree).
"""
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

import nanodecoh

arguments = [a for a in sys.argv[1:] if a != "--default"]
use_default = "--default" in sys.argv[1:]
cli = arguments[0] if arguments else "build/bin/nanodecoh"
config = None if use_default else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "examples", "evolve_cat_free_flight.toml")
overrides = {"output.checkpoint_every": 0, "output.snapshots": 0, "output.wigner": False,
             "output.final_state": False, "run.compare_diffusive": False,
             "run.backend": "cpu"}
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
scenario = "built-in default" if use_default else "evolve_cat_free_flight.toml"
# The method the points used (the same for the CLI runs: the same configuration).
method = "exact" if " exact (" in " ".join(s.summaries[0]["methods"]) else "split operator"
print(f"| {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC | {platform.node()} "
      f"({os.cpu_count()} CPUs), load {load_before[0]:.1f} -> {load_after[0]:.1f} | {revision} | "
      f"{scenario}, 16 x 256-point runs | in-process {in_process:.2f} s ({s.table_builds} F "
      f"tables, {s.propagator_builds} propagators; {method}) | 16 CLI runs {cli_seconds:.2f} s | "
      f"ratio {cli_seconds / in_process:.2f}x |")
