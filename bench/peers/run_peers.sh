#!/usr/bin/env bash
# Runs the peer comparison (QuTiP, numpy, CuPy, nanodecoh) on the free-flight cat
# problem for N = 64, 128, 256 and appends a dated section to bench/peers/RESULTS.md.
# Usage: bench/peers/run_peers.sh NANODECOH_BIN [extra compare.py options, e.g. --sizes 64]
# Uses Debian's /usr/bin/python3 (python3-qutip, -numpy, -scipy, -h5py from
# scripts/install-deps.sh --with-peers), never the python3 first on PATH.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 NANODECOH_BIN [compare.py options]" >&2
  exit 2
fi
bin=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -x /usr/bin/python3 ]]; then
  echo "run_peers.sh: /usr/bin/python3 not found; run scripts/install-deps.sh --with-peers" >&2
  exit 2
fi
if [[ "$bin" != /* ]]; then bin="$PWD/$bin"; fi
exec /usr/bin/python3 "$here/compare.py" --nanodecoh "$bin" "$@"
