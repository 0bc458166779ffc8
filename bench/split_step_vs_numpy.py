"""nanodecoh's CPU split step against a plain numpy split step of the same problem, same run.

The problem is the peer problem (bench/peers/problem.py): a 1D cat in free flight under the
saturating Gaussian F, complex128, at N = 256 and N = 1024 (--sizes). nanodecoh's time per
step is bench_split_step's cpu_peer_<N> case (FFTW_MEASURE plans, the step loop only);
numpy's is the step loop of bench/peers/numpy_splitstep.py (the same Strang step with the
half steps merged: one forward and one inverse 2D transform and two products per step),
timed after its set-up. Each side is timed `--rounds` times, alternating, and the best of
each is kept (other jobs on a shared machine only ever slow a round down). Wall-clock and
CPU times are both reported; the ratio (of wall times) is numpy / nanodecoh (above 1: nanodecoh faster).

Usage (Debian's python3 with python3-numpy and python3-scipy):
    /usr/bin/python3 bench/split_step_vs_numpy.py BUILD_DIR [--sizes 256 1024] [--append FILE]
With --append the table is appended to FILE (bench/RESULTS.md) under a dated heading with
the machine; otherwise it is printed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "peers"))

import numpy_splitstep as ns  # noqa: E402
import problem as prob  # noqa: E402


def numpy_step_times(n: int, steps: int) -> tuple[float, float]:
    """(wall, CPU) seconds per step of numpy's Strang loop for the peer problem at n points."""
    p = prob.Problem(n=n)
    dt = p.final_time / 4000
    energies = p.kinetic_energies()
    half = np.exp(-1j * energies * dt / (2 * prob.HBAR))
    full = half * half
    kin_full = np.outer(full, full.conj())
    decay = np.exp(-dt * p.localization_rate(np.subtract.outer(p.grid(), p.grid())))
    rho_p = ns.to_momentum(p.rho0_grid().astype(complex)) * np.outer(half, half.conj())
    ns.to_position(rho_p)  # warm-up (pocketfft's plan cache, page faults)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        rho = ns.to_position(rho_p) * decay
        rho_p = ns.to_momentum(rho) * kin_full
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def nanodecoh_step_times(build: str, n: int) -> tuple[float, float]:
    """(wall, CPU) seconds per step of bench_split_step's cpu_peer_<n> case."""
    exe = os.path.join(build, "bin", "bench_split_step")
    out = subprocess.run([exe, f"--benchmark_filter=^cpu_peer_{n}/", "--benchmark_format=json",
                          "--benchmark_min_time=0.5"],
                         check=True, capture_output=True, text=True).stdout
    b = json.loads(out)["benchmarks"][0]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    per_iteration = b["s_per_step"] / (b["real_time"] * scale)  # 1 / steps per iteration
    return b["s_per_step"], b["cpu_time"] * scale * per_iteration


def machine() -> str:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", help="build directory holding bin/bench_split_step")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--append", help="file to append the dated table to")
    args = parser.parse_args(argv)
    rows = []
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    for n in args.sizes:
        steps = max(2, int(2e7 / (n * n)))  # about 0.3 s of numpy per round at 256
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(nanodecoh_step_times(args.build, n))
            theirs.append(numpy_step_times(n, steps))
        ours_wall, ours_cpu = min(w for w, _ in ours), min(c for _, c in ours)
        np_wall, np_cpu = min(w for w, _ in theirs), min(c for _, c in theirs)
        rows.append((n, ours_wall, np_wall, ours_cpu, np_cpu))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    lines = [f"## {date} — CPU split step vs numpy split step (peer problem), {machine()}", "",
             f"- Machine: {machine()}; load average at start: {' '.join(load)}",
             f"- numpy {np.__version__} (pocketfft, one thread); OMP_NUM_THREADS={threads}; "
             f"best of {args.rounds} alternating rounds per side",
             "- Command: `/usr/bin/python3 bench/split_step_vs_numpy.py BUILD_DIR`", "",
             "- The ratio is of wall times. nanodecoh's CPU column is its main thread's CPU time "
             "only (Google Benchmark's default): with OpenMP threads on (grids of at least 2^16 "
             "elements) it is not the process's CPU time.", "",
             "| N | nanodecoh ms/step (wall) | numpy ms/step (wall) | ratio (wall) "
             "| nanodecoh ms/step (CPU, main thread) | numpy ms/step (CPU) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, ow, nw, oc, nc in rows:
        lines.append(f"| {n} | {ow*1e3:.3g} | {nw*1e3:.3g} | {nw/ow:.2f}x "
                     f"| {oc*1e3:.3g} | {nc*1e3:.3g} |")
    text = "\n".join(lines) + "\n"
    if args.append:
        with open(args.append, "a") as f:
            f.write("\n" + text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
