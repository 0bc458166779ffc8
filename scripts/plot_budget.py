#!/usr/bin/python3
"""Plot a decoherence budget (the JSON of `nanodecoh budget --json`): each channel's F
(solid) and its long-wavelength approximation (dashed) versus the separation, log-log,
with the total in black, the grid's extent and the superposition size marked; below,
F / F_long-wave, which shows where the diffusive approximation departs from the full F.
Run with Debian's /usr/bin/python3 (python3-matplotlib):
    /usr/bin/python3 scripts/plot_budget.py budget.json out.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def positive(values):
    v = np.asarray(values, dtype=float)
    return np.where(v > 0, v, np.nan)


def main(path, out):
    with open(path) as f:
        b = json.load(f)
    unit = b["units"]["separation"]
    d = np.asarray(b["separation"], dtype=float)
    keep = d > 0
    d = d[keep]
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 8), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.4]})
    columns = b["channels"] + [b["total"]]
    for c in columns:
        is_total = c["key"] == "total"
        f = np.asarray(c["decoherence_rate"], dtype=float)[keep]
        lw = np.asarray(c["decoherence_rate_longwave"], dtype=float)[keep]
        style = {"color": "black", "lw": 2} if is_total else {}
        label = "total" if is_total else "%s: %s" % (c["key"], c["name"][:48])
        line, = axes[0].loglog(d, positive(f), label=label, **style)
        axes[0].loglog(d, positive(lw), "--", color=line.get_color(), lw=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(lw > 0, f / lw, np.nan)
        axes[1].semilogx(d, ratio, color=line.get_color(), lw=2 if is_total else 1)
    on_grid = np.asarray(b["on_grid"], dtype=bool)[keep]
    if on_grid.any():
        for ax in axes:
            ax.axvline(d[on_grid].max(), color="gray", ls=":", lw=1)
    if "superposition" in b:
        for ax in axes:
            ax.axvline(b["superposition"]["separation"], color="red", ls=":", lw=1)
    axes[0].set_ylabel("F (1/s)")
    axes[0].set_title("F (solid), long-wavelength approximation (dashed); T = %.3g s" % b["time"],
                      fontsize=10)
    axes[0].legend(fontsize=7, loc="upper left")
    axes[1].set_ylabel("F / F_long-wave")
    axes[1].set_ylim(0, 1.1)
    axes[1].set_xlabel("separation along %s (%s); dotted: grid extent (gray), "
                       "superposition (red)" % (b["axis"]["name"], unit), fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_budget.py BUDGET.json OUT.png")
    main(sys.argv[1], sys.argv[2])
