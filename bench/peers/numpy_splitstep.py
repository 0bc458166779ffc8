"""Plain numpy Strang split-step of the peer problem (docs/physics.md section 4).

One step of length dt: half kinetic step (FFT on the ket axis, inverse FFT on
the bra axis, multiply by exp(-i (E_k - E_k') dt / 2 hbar), back), full
position step (multiply by exp(-F(x_i - x_j) dt); V = 0), half kinetic step.
Adjacent half steps are merged, so n steps cost n + 1 kinetic passes and n
position passes. With V = 0 the scheme is still only second order: in the
characteristic variables it replaces the decay exponent int F(r - v s) ds by the
composite midpoint rule (exponent error ~ (v dt)^2 F''(r)/24 per unit time).

The module is also a command-line program printing one JSON line:
    /usr/bin/python3 numpy_splitstep.py --n 64 --steps 32 [--exact]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import problem as prob


def to_momentum(rho, xp=np):
    """Unitary change of basis rho_p = Phi rho Phi^dagger (Phi = fft / sqrt(N))."""
    return xp.fft.ifft(xp.fft.fft(rho, axis=0), axis=1)


def to_position(rho_p, xp=np):
    return xp.fft.ifft(xp.fft.fft(rho_p, axis=1), axis=0)


def evolve(p: prob.Problem, steps: int, xp=np, dtype=complex):
    """Strang split-step from the initial cat state to p.final_time in `steps` steps.
    `xp` is numpy or cupy (same code). Returns the final discrete rho (on the host)."""
    dt = p.final_time / steps
    energies = xp.asarray(p.kinetic_energies())
    half = xp.exp(-1j * energies * dt / (2 * prob.HBAR)).astype(dtype)
    full = half * half
    kin_half = xp.outer(half, half.conj())
    kin_full = xp.outer(full, full.conj())
    decay = xp.exp(-dt * xp.asarray(p.localization_rate(np.subtract.outer(p.grid(), p.grid())))).astype(dtype)
    rho = xp.asarray(p.rho0_grid()).astype(dtype)
    rho_p = to_momentum(rho, xp) * kin_half
    for step in range(steps):
        rho = to_position(rho_p, xp) * decay
        rho_p = to_momentum(rho, xp) * (kin_full if step + 1 < steps else kin_half)
    rho = to_position(rho_p, xp)
    return rho


def run(n: int, steps: int, repeats: int = 1, exact: np.ndarray | None = None) -> dict:
    p = prob.Problem(n=n)
    evolve(p, 1)  # warm-up: FFT plan caches, page faults
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        rho = evolve(p, steps)
        best = min(best, time.perf_counter() - t0)
    result = {"peer": "numpy", "n": n, "steps": steps, "dt": p.final_time / steps, "wall_s": best,
              "numpy": np.__version__}
    if exact is not None:
        result.update(prob.errors(rho, exact))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--exact", action="store_true", help="also compute the error against the exact solution")
    args = parser.parse_args(argv)
    exact = prob.Problem(n=args.n).exact_rho_grid() if args.exact else None
    print(json.dumps(run(args.n, args.steps, args.repeats, exact)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
