"""Benchmark (not a test): nanodecoh's exact chord-function method against the plain numpy
split step on the peer problem (bench/peers/problem.py: a 1D cat in free flight under the
saturating Gaussian F) at N = 256, whole processes timed from outside (start-up included).

Issue 10's criterion: the exact method reaches a purity error of 1e-10 in at most 1/100 of
the time the numpy split step needs for 1e-9. The reference purity is that of the exact
discrete rho on the grid (problem.exact_rho_grid, an independent numpy evaluation of the
closed-form solution). The numpy step count is the smallest that reaches 1e-9: doubling from
64 steps, then the dt^2 law, then checked.

    /usr/bin/python3 bench/peers/exact_vs_numpy.py BUILD/bin/nanodecoh [--n 256] [--runs 5]
prints one JSON line: wall and CPU (user + system, all threads) times of each process, the
exact run's median of --runs processes (all listed), and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import numpy_splitstep  # noqa: E402
import problem as prob  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system of the child, all its threads) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def config(p: prob.Problem) -> str:
    return f"""
[particle]
mass = {p.mass!r}
[[axes]]
kind = "translation"
points = {p.n}
step = {p.dx!r}
[initial]
kind = "cat"
width = {p.width!r}
separation = {p.separation!r}
[time]
step = {p.final_time!r}
outputs = 1
[[protocol]]
duration = {p.final_time!r}
method = "exact"
[[channels]]
kind = "gaussian"
rate = {p.rate!r}
length = {p.length!r}
[numerics]
tolerance = 1e-12
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cli")
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5, help="exact runs (the median is compared)")
    args = parser.parse_args(argv)
    p = prob.Problem(n=args.n)
    reference = prob.purity(p.exact_rho_grid())

    # numpy: smallest step count with purity error <= 1e-9.
    def purity_error(steps: int) -> float:
        return abs(prob.purity(numpy_splitstep.evolve(p, steps)) - reference)

    steps, err = 64, purity_error(64)
    while err > 1e-9:
        steps *= 2
        err = purity_error(steps)
    guess = max(1, math.ceil(steps / 2 * math.sqrt(purity_error(steps // 2) / 1e-9)))
    if guess < steps and purity_error(guess) <= 1e-9:
        steps = guess
    load_before = os.getloadavg()
    numpy_time, numpy_cpu, numpy_out = timed([sys.executable, os.path.join(HERE, "numpy_splitstep.py"),
                                              "--n", str(args.n), "--steps", str(steps), "--repeats", "1"])
    numpy_error = purity_error(steps)

    # The exact run --runs times (default 5): the median is compared, all are reported.
    exact_runs = []
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "exact.toml")
        with open(cfg, "w") as f:
            f.write(config(p))
        for _ in range(args.runs):
            exact_runs.append(timed([args.cli, "evolve", cfg, "--json", "--backend", "cpu",
                                     "--out", os.path.join(tmp, "exact.h5")]))
    exact_time = statistics.median(r[0] for r in exact_runs)
    exact_cpu = statistics.median(r[1] for r in exact_runs)
    exact_out = exact_runs[-1][2]
    summary = json.loads(exact_out)
    exact_error = abs(summary["final"]["purity"] - reference)
    result = {
        "n": args.n,
        "reference_purity": reference,
        "numpy_steps": steps,
        "numpy_purity_error": numpy_error,
        "numpy_process_s": numpy_time,
        "numpy_process_cpu_s": numpy_cpu,
        "exact_purity_error": exact_error,
        "exact_error_estimate": summary.get("exact_error_estimate"),
        "exact_process_s": exact_time,
        "exact_process_s_all": [r[0] for r in exact_runs],
        "exact_process_cpu_s": exact_cpu,
        "exact_reported_wall_s": summary.get("wall_seconds"),
        "time_ratio_exact_over_numpy": exact_time / numpy_time,
        "cpu_ratio_exact_over_numpy": exact_cpu / numpy_cpu if numpy_cpu > 0 else None,
        "numpy": np.__version__,
        "machine": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load_before": load_before,
        "load": os.getloadavg(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
