#!/usr/bin/python3
"""Test double of `nanodecoh evolve` for `compare.py --self-test`.

It checks the comparison driver, not nanodecoh: it reads the TOML config the driver
generates (and fails on a missing or unexpected key of the agreed schema), runs the
numpy split-step of bench/peers, writes /final/rho as an h5py compound {r, i} in
continuum normalisation (trace 1/dx) plus /grid/x, and prints a --json summary.
"""

import json
import os
import sys
import time
import tomllib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "peers"))

SCHEMA = {
    "particle": {"mass"},
    "initial": {"kind", "axis", "width", "separation", "center", "momentum"},
    "time": {"step", "outputs"},
    "output": {"file", "final_state"},
    "run": {"backend", "precision"},
}


def fail(message: str) -> None:
    print(f"nanodecoh: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(args) -> int:
    if args[:1] == ["--help"]:
        print("Usage: nanodecoh [OPTIONS] SUBCOMMAND\n\nSubcommands:\n  device   status\n  evolve   evolve rho")
        return 0
    if args[:1] == ["device"]:
        print(json.dumps({"cuda_usable": False, "auto_backend": "cpu", "cuda_compiled": False}))
        return 0
    if args[:2] == ["evolve", "--help"]:
        print("Evolve a density matrix\nUsage: nanodecoh evolve [OPTIONS] [CONFIG]\n\nOptions:\n  --config FILE")
        return 0
    if args[:1] != ["evolve"] or "--config" not in args or "--out" not in args:
        fail(f"unexpected arguments {args}")
    with open(args[args.index("--config") + 1], "rb") as f:
        cfg = tomllib.load(f)
    for table, keys in SCHEMA.items():
        if set(cfg.get(table, {})) != keys:
            fail(f"[{table}] has keys {sorted(cfg.get(table, {}))}, expected {sorted(keys)}")
    axis, protocol, channel = cfg["axes"][0], cfg["protocol"][0], cfg["channels"][0]
    if (axis["kind"], cfg["initial"]["kind"], protocol["potential"], channel["kind"]) != \
            ("translation", "cat", "free", "gaussian") or not cfg["output"]["final_state"]:
        fail("config is not the peer problem")

    import h5py
    import numpy as np

    import numpy_splitstep
    import problem

    p = problem.Problem(n=axis["points"], box=axis["points"] * axis["step"], mass=cfg["particle"]["mass"],
                        width=cfg["initial"]["width"], separation=cfg["initial"]["separation"],
                        center=cfg["initial"]["center"], momentum=cfg["initial"]["momentum"],
                        rate=channel["rate"], length=channel["length"], final_time=protocol["duration"])
    steps = round(p.final_time / cfg["time"]["step"])
    start = time.perf_counter()
    rho = numpy_splitstep.evolve(p, steps)
    wall = time.perf_counter() - start
    compound = np.empty(rho.shape, dtype=np.dtype([("r", "<f8"), ("i", "<f8")]))
    compound["r"], compound["i"] = rho.real / p.dx, rho.imag / p.dx
    with h5py.File(args[args.index("--out") + 1], "w") as f:
        f["final/rho"] = compound
        f["grid/x"] = p.grid()
    print(json.dumps({"final": {"purity": problem.purity(rho)}, "wall_time_s": wall, "steps": steps,
                      "backend": cfg["run"]["backend"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
