"""CuPy version of numpy_splitstep.py: the same Strang split-step, same code
(numpy_splitstep.evolve with xp=cupy), timed with CUDA events after a warm-up.

Run only when `import cupy` works and a GPU is usable; otherwise it prints a
JSON line {"peer": "cupy", "skipped": "<why>"} and exits 0.
    /usr/bin/python3 cupy_splitstep.py --n 64 --steps 32 [--exact]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

import numpy_splitstep
import problem as prob


def unavailable_reason() -> str | None:
    try:
        import cupy
    except Exception as exc:  # ImportError, or a CUDA library that fails to load
        return f"import cupy failed: {exc.__class__.__name__}: {exc}"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "cupy found no CUDA device"
        cupy.zeros(1).sum().item()
    except Exception as exc:
        return f"no usable CUDA device for cupy: {exc}"
    return None


def run(n: int, steps: int, repeats: int = 3, exact: np.ndarray | None = None) -> dict:
    import cupy

    p = prob.Problem(n=n)
    numpy_splitstep.evolve(p, 2, xp=cupy)  # warm-up: cuFFT plans, kernel compilation
    cupy.cuda.Device().synchronize()
    times = []
    rho = None
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        rho = numpy_splitstep.evolve(p, steps, xp=cupy)
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) * 1e-3)
    rho_host = cupy.asnumpy(rho)
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    result = {"peer": "cupy", "n": n, "steps": steps, "dt": p.final_time / steps,
              "wall_s": sorted(times)[len(times) // 2], "cupy": cupy.__version__,
              "device": props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])}
    if exact is not None:
        result.update(prob.errors(rho_host, exact))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--exact", action="store_true")
    args = parser.parse_args(argv)
    reason = unavailable_reason()
    if reason is not None:
        print(json.dumps({"peer": "cupy", "n": args.n, "skipped": reason}))
        return 0
    exact = prob.Problem(n=args.n).exact_rho_grid() if args.exact else None
    print(json.dumps(run(args.n, args.steps, args.repeats, exact)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
