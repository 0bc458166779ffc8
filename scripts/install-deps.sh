#!/usr/bin/env bash
# Installs the Debian packages nanodecoh needs, if any are missing.
# As root it runs apt-get; otherwise it prints the exact command and exits 1.
# Usage: scripts/install-deps.sh [--with-plots] [--with-peers] [--with-fuzz]
set -euo pipefail

packages=(cmake make g++ pkg-config libeigen3-dev libfftw3-dev libgtest-dev libbenchmark-dev
          libcli11-dev nlohmann-json3-dev libhdf5-dev libtomlplusplus-dev
          # The Python package (python/, docs/python.md) and its tests, run by `make test`.
          python3 python3-dev pybind11-dev python3-pybind11 python3-pytest python3-numpy
          python3-h5py python3-distributed)
for arg in "$@"; do
  case "$arg" in
    # Plots (scripts/plot_*.py) and the Python oracles of the test suite (tests/peers).
    --with-plots) packages+=(python3 python3-matplotlib python3-h5py python3-numpy python3-scipy) ;;
    --with-peers) packages+=(python3 python3-numpy python3-scipy python3-qutip python3-h5py) ;;
    # libFuzzer harnesses (make fuzz, tests/fuzz): clang, its OpenMP runtime and libFuzzer.
    --with-fuzz) packages+=(clang libomp-dev libfuzzer-14-dev) ;;
    *) echo "install-deps.sh: unknown option $arg (allowed: --with-plots, --with-peers, --with-fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -eq 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "install-deps: missing Debian packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
