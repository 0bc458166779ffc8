#!/usr/bin/python3
"""Plot an ftable HDF5 file: Re F and Im F versus the displacement coordinate for
several relative angles (F[i, j0, :] with the bra orientation j0 in the middle),
with the diffusive approximation dashed. Run with Debian's /usr/bin/python3
(python3-matplotlib, python3-h5py):  /usr/bin/python3 scripts/plot_ftable.py table.h5 out.png
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main(path, out):
    with h5py.File(path, "r") as f:
        F = f["F"][()]
        diff = f["diffusive"][()]
        x = f["displacement_coordinate"][()] if "displacement_coordinate" in f else np.arange(F.shape[2])
        angles = f["angles"][()] if "angles" in f else np.arange(F.shape[0], dtype=float)
        rate = f.attrs["rate"]
    p = F.shape[0]
    j0 = p // 2
    picks = sorted(set([j0, min(p - 1, j0 + 1), min(p - 1, j0 + p // 4), p - 1]))
    fig, axes = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    for i in picks:
        label = "R-R' angle %.3g rad" % (angles[i] - angles[j0])
        line, = axes[0].plot(x * 1e12, F[i, j0].real / rate, label=label)
        axes[0].plot(x * 1e12, diff[i, j0].real / rate, "--", color=line.get_color())
        axes[1].plot(x * 1e12, F[i, j0].imag / rate, color=line.get_color())
        axes[1].plot(x * 1e12, diff[i, j0].imag / rate, "--", color=line.get_color())
    axes[0].set_ylabel("Re F / Gamma")
    axes[1].set_ylabel("Im F / Gamma")
    axes[1].set_xlabel("dX (pm)")
    top = max(2.0, 1.1 * float(np.max(F.real / rate)))
    axes[0].set_ylim(-0.05, top)
    axes[0].legend(fontsize=8)
    axes[0].set_title("localization rate (solid) and diffusive approximation (dashed)")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_ftable.py TABLE.h5 OUT.png")
    main(sys.argv[1], sys.argv[2])
