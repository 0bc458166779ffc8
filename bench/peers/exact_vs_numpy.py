"""Benchmark (not a test): nanodecoh's exact chord-function method against the plain numpy
split step on the peer problem (bench/peers/problem.py: a 1D cat in free flight under the
saturating Gaussian F) at N = 256, whole processes timed from outside (start-up included).

Issue 10's criterion: the exact method reaches a purity error of 1e-10 in at most 1/100 of
the time the numpy split step needs for 1e-9. The reference purity is that of the exact
discrete rho on the grid (problem.exact_rho_grid, an independent numpy evaluation of the
closed-form solution). The numpy step count is the smallest that reaches 1e-9: doubling from
64 steps, then the dt^2 law, then checked.

    /usr/bin/python3 bench/peers/exact_vs_numpy.py BUILD/bin/nanodecoh [--n 256]
prints one JSON line and a Markdown table row set for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import numpy_splitstep  # noqa: E402
import problem as prob  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, out


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
    numpy_time, numpy_out = timed([sys.executable, os.path.join(HERE, "numpy_splitstep.py"),
                                   "--n", str(args.n), "--steps", str(steps), "--repeats", "1"])
    numpy_error = purity_error(steps)

    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "exact.toml")
        with open(cfg, "w") as f:
            f.write(config(p))
        exact_time, exact_out = timed([args.cli, "evolve", cfg, "--json", "--backend", "cpu",
                                       "--out", os.path.join(tmp, "exact.h5")])
    summary = json.loads(exact_out)
    exact_error = abs(summary["final"]["purity"] - reference)
    result = {
        "n": args.n,
        "reference_purity": reference,
        "numpy_steps": steps,
        "numpy_purity_error": numpy_error,
        "numpy_process_s": numpy_time,
        "exact_purity_error": exact_error,
        "exact_error_estimate": summary.get("exact_error_estimate"),
        "exact_process_s": exact_time,
        "time_ratio_exact_over_numpy": exact_time / numpy_time,
        "numpy": np.__version__,
        "machine": platform.processor() or platform.machine(),
        "load": os.getloadavg(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
