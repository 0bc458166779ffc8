"""Benchmark (not a test): the exact chord-function method against nanodecoh's own split
operator on a grid of two translation axes, whole `nanodecoh evolve` processes timed from
outside (start-up included), at equal accuracy.

The problem (that of tests/evolution/test_exact_axes_runs.cpp, EvolveThroughTheCli): a cat
(width 1.5 nm, branches 6 nm apart) on x, a Gaussian of 2.2 nm on y, a grid of 32 x 28 points,
a trap on x (2 kHz, 0.2 ms) then a force on y (0.15 ms), the saturating Gaussian channel of |r|
(4000/s, 5 nm), which couples the axes. The exact run ("auto") is the reference; the split
operator runs at time steps 2, 1 and 0.5 us, its error (max |rho - rho_exact| / max |rho|) is
measured, and the step needed for an error of 1e-6 and 1e-8 follows from the dt^2 law fitted
on the two smallest steps (the split operator's grid floor, about 6e-8 of max |rho| here,
limits how far below that it can go at all: the 1e-8 column is what the dt^2 law alone would
cost).

    /usr/bin/python3 bench/exact_axes_vs_split.py BUILD/bin/nanodecoh [--runs 3]
prints one JSON line: the wall times (median of --runs processes) and errors, the estimated
split times at equal accuracy and their ratios to the exact run, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

CONFIG = """
[particle]
mass = 1.5e-20
[[axes]]
name = "x"
points = 32
step = 1e-9
[[axes]]
name = "y"
points = 28
step = 1.3e-9
center = 1e-9
[initial]
kind = "cat"
axis = "x"
width = 1.5e-9
separation = 6e-9
center = 0.5e-9
other_width = 2.2e-9
[time]
step = 2.0e-6
outputs = 2
[[protocol]]
duration = 2.0e-4
potential = "harmonic"
axis = "x"
frequency = 2.0e3
[[protocol]]
duration = 1.5e-4
potential = "linear"
axis = "y"
force = 2.0e-23
[[channels]]
kind = "gaussian"
rate = 4000.0
length = 5e-9
[output]
final_state = true
"""


def run(binary: str, config: str, out: str, extra: list[str]) -> float:
    """Wall time of one `evolve` process writing `out`."""
    start = time.perf_counter()
    subprocess.run([binary, "evolve", config, "--out", out, "--quiet", "--backend", "cpu", *extra],
                   check=True)
    return time.perf_counter() - start


def final_rho(path: str) -> np.ndarray:
    with h5py.File(path, "r") as f:
        return f["final/rho"][()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "run.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        exact_path = os.path.join(tmp, "exact.h5")
        exact_times = [run(args.binary, config, exact_path, []) for _ in range(args.runs)]
        exact = final_rho(exact_path)
        scale = np.max(np.abs(exact))
        split = {}
        for dt in (2e-6, 1e-6, 0.5e-6):
            path = os.path.join(tmp, f"split{dt}.h5")
            times = [run(args.binary, config, path,
                         ["--set", f"time.step={dt}", "--set", 'protocol[0].method="split"',
                          "--set", 'protocol[1].method="split"'])
                     for _ in range(args.runs)]
            error = float(np.max(np.abs(final_rho(path) - exact)) / scale)
            split[dt] = {"wall_s": statistics.median(times), "error": error}
    exact_wall = statistics.median(exact_times)
    # dt^2 law on the two smallest steps: error = c dt^2, time = a / dt (start-up neglected:
    # it favours the split operator).
    fine = split[0.5e-6]
    c = fine["error"] / (0.5e-6) ** 2
    estimates = {}
    for target in (1e-6, 1e-8):
        dt = (target / c) ** 0.5
        wall = fine["wall_s"] * 0.5e-6 / dt
        estimates[f"{target:g}"] = {"dt_s": dt, "split_wall_s": wall, "exact_over_split": exact_wall / wall}
    print(json.dumps({
        "machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "exact_wall_s": exact_wall, "exact_runs_s": exact_times,
        "split": {f"{dt:g}": v for dt, v in split.items()},
        "ratio_error_2us_over_1us": split[2e-6]["error"] / split[1e-6]["error"],
        "equal_accuracy": estimates,
        "load_before": load_before, "load_after": os.getloadavg(),
    }))


if __name__ == "__main__":
    sys.exit(main())
