#!/usr/bin/env python3
"""Remaining branch coherence against superposition size and desorption temperature, from
Python: a sweep over examples/evolve_cat_free_flight.toml (the demo's cat in free flight
under desorption), normalised per point, plotted to a PNG.

At these separations (far beyond the thermal wavelength of the desorbed water) every emission
resolves the branches: the desorption channel is saturated, F = Gamma, whatever the
temperature, so the two temperatures give the same curves and the separation acts only through
the Gaussian channel -- the plot shows it.

Run from the repository root after a build:
    PYTHONPATH=build/python /usr/bin/python3 examples/python_sweep.py [OUT.png]
"""
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import nanodecoh

here = os.path.dirname(os.path.abspath(__file__))
config = os.path.join(here, "evolve_cat_free_flight.toml")
separations = np.array([10e-9, 20e-9, 30e-9, 40e-9])   # m
temperatures = np.array([77.0, 300.0])                   # K, of the desorbed water

s = nanodecoh.sweep(
    config,
    vary={"channels[0].temperature": temperatures, "initial.separation": separations},
    # No files but the sweep's; no diffusive comparison run, no snapshots.
    overrides={"output.checkpoint_every": 0, "output.snapshots": 0, "output.wigner": False,
               "output.final_state": False, "run.compare_diffusive": False},
    progress=True)
print(f"{s.computed} runs, {s.table_builds} F tables built")

coherence = s.series["coherence_normalized"]            # [temperature, separation, output]
time = s.series["time"][0, 0]                            # s, the same at every point
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for k, t in enumerate(temperatures):
    left.plot(separations * 1e9, coherence[k, :, -1], "o-", label=f"T = {t:g} K")
    for j, d in enumerate(separations):
        right.plot(time * 1e3, coherence[k, j], label=f"{d * 1e9:g} nm, {t:g} K")
left.set(xlabel="superposition size (nm)", ylabel="remaining coherence after 2 ms")
right.set(xlabel="time (ms)", ylabel="branch coherence |rho(a,b)|/sqrt(rho(a,a) rho(b,b))")
left.legend()
right.legend(fontsize="small")
fig.tight_layout()
out = sys.argv[1] if len(sys.argv) > 1 else "python_sweep.png"
fig.savefig(out, dpi=120)
print(f"wrote {out}")
