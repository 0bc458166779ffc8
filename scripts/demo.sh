#!/usr/bin/env bash
# The main job on the built-in default scenario (make demo).
set -euo pipefail
cli=$1; outdir=$2
mkdir -p "$outdir"
"$cli" device
