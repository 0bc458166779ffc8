#!/usr/bin/python3
"""Plots of a `nanodecoh evolve` result file.

Usage: /usr/bin/python3 scripts/plot_evolution.py RESULT.h5 OUT.png

Panels: purity and branch coherence vs time with the diffusive approximation
alongside (when the run had run.compare_diffusive = true), |rho(x, x')| snapshots
of the first axis, and the position distribution at the output times.
Needs Debian's python3-matplotlib and python3-h5py (run with /usr/bin/python3).
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main(path, out):
    with h5py.File(path, "r") as f:
        ts = f["timeseries"]
        t = ts["time"][()]
        axis = [k for k in f["grid"].keys()][0]
        x = f["grid"][axis]["coordinates"][()]
        diff = f["diffusive/timeseries"] if "diffusive" in f else None
        snaps = f["snapshots"] if "snapshots" in f else None
        n_snap = len(snaps["time"]) if snaps is not None else 0
        fig = plt.figure(figsize=(13, 8))
        grid = fig.add_gridspec(2, max(3, n_snap))
        ax = fig.add_subplot(grid[0, 0])
        ax.plot(t * 1e3, ts["purity"][()], label="purity")
        if diff is not None:
            ax.plot(diff["time"][()] * 1e3, diff["purity"][()], "--", label="purity (diffusive)")
        ax.set_xlabel("t (ms)")
        ax.set_ylabel("Tr rho^2")
        ax.legend()
        ax = fig.add_subplot(grid[0, 1])
        ax.semilogy(t * 1e3, np.maximum(ts["coherence_normalized"][()], 1e-300), label="coherence")
        if diff is not None:
            ax.semilogy(diff["time"][()] * 1e3, np.maximum(diff["coherence_normalized"][()], 1e-300), "--",
                        label="coherence (diffusive)")
        ax.set_ylim(bottom=max(1e-12, ax.get_ylim()[0]))
        ax.set_xlabel("t (ms)")
        ax.set_ylabel("|rho(a,b)| / sqrt(rho(a,a) rho(b,b))")
        ax.legend()
        ax = fig.add_subplot(grid[0, 2])
        dist = ts[axis]["distribution"][()]
        dx = x[1] - x[0]
        for k in np.linspace(0, len(t) - 1, min(5, len(t))).astype(int):
            ax.plot(x * 1e9, dist[k] / dx, label="t = %.3g ms" % (t[k] * 1e3))
        ax.set_xlabel(axis + " (nm)" if f["grid"][axis].attrs.get("kind", b"") in ("translation", b"translation")
                      else axis)
        ax.set_ylabel("P(x)")
        ax.legend(fontsize=7)
        for s in range(n_snap):
            ax = fig.add_subplot(grid[1, s])
            rho = snaps[axis]["rho_abs"][s]
            c = snaps[axis]["coordinates"][()] * 1e9
            ax.imshow(rho, origin="lower", extent=[c[0], c[-1], c[0], c[-1]], cmap="magma")
            ax.set_title("|rho(x,x')|, t = %.3g ms" % (snaps["time"][s] * 1e3), fontsize=8)
            ax.set_xlabel("x' (nm)")
        fig.suptitle(path + ": " + f.attrs["channels"].decode() if isinstance(f.attrs["channels"], bytes)
                     else path + ": " + str(f.attrs["channels"]), fontsize=8)
        fig.tight_layout()
        fig.savefig(out, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
