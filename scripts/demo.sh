#!/usr/bin/env bash
# `make demo`: the main job on the built-in default scenario.
# Usage: scripts/demo.sh NANODECOH_BIN OUTDIR
set -euo pipefail
cli=$1; outdir=$2
mkdir -p "$outdir"
echo "== Backend"
"$cli" device
echo
echo "== Magnetic vs dielectric rates of a 100 nm nanodiamond at 300 K, dx = 1 um (docs/rates.md)"
"$cli" rates --radius 1e-7 --chi-real -2.2e-5 --chi-imag 0 --temperature 300 --permittivity 5.7 \
  --density 3510 --dx 1e-6
"$cli" rates --radius 1e-7 --chi-real -2.2e-5 --chi-imag 0 --temperature 300 --permittivity 5.7 \
  --density 3510 --dx 1e-6 --json > "$outdir/rates.json"
echo "wrote $outdir/rates.json"
