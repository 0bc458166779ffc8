"""Shared pieces of the Python tests: the built CLI (the twin every function is compared
with), the small evolve configuration of the C++ CLI tests (tests/support/evolve_test_configs.hpp)
and helpers that compare HDF5 files."""
import json
import os
import subprocess

import h5py
import numpy as np
import pytest

CLI = os.environ.get("NANODECOH_CLI", "")


def small_cat_config(duration="2.0e-5", output=""):
    """A cat of two Gaussian branches (width 3 nm, 12 nm apart) on 48 points of 1 nm, a
    particle of 1e-20 kg, steps of 1 us, 5 outputs, a saturating Gaussian channel; split
    operator (the tests count steps and interrupt runs, which the exact method has not)."""
    return f"""
[particle]
mass = 1e-20
[[axes]]
kind = "translation"
name = "x"
points = 48
step = 1.0e-9
[initial]
kind = "cat"
axis = "x"
width = 3.0e-9
separation = 12.0e-9
[time]
step = 1.0e-6
outputs = 5
[[protocol]]
duration = {duration}
potential = "free"
method = "split"
[[channels]]
kind = "gaussian"
rate = 2000.0
length = 4.0e-9
[output]
{output}
"""


@pytest.fixture
def cli():
    if not CLI or not os.access(CLI, os.X_OK):
        pytest.fail("NANODECOH_CLI must name the built nanodecoh executable (ctest sets it)")
    def run(*args, check=True):
        p = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"nanodecoh {' '.join(map(str, args))}: exit {p.returncode}: "
                                 f"{p.stderr}")
        return p
    return run


def cli_json(cli, *args):
    return json.loads(cli(*args, "--json").stdout)


def h5_contents(path, skip_attributes=("wall_seconds",), skip_datasets=()):
    """Every dataset (values) and attribute of an HDF5 file, minus the skipped names."""
    out = {}
    with h5py.File(path, "r") as f:
        def add_attrs(name, obj):
            for k, v in obj.attrs.items():
                if k not in skip_attributes:
                    out[f"{name}@{k}"] = v.decode() if isinstance(v, bytes) else v
        add_attrs("/", f)

        def visit(name, obj):
            add_attrs(name, obj)
            if isinstance(obj, h5py.Dataset) and name not in skip_datasets:
                out[name] = obj[()]
        f.visititems(visit)
    return out


def assert_same_h5(a, b, **kwargs):
    ca, cb = h5_contents(a, **kwargs), h5_contents(b, **kwargs)
    assert sorted(ca) == sorted(cb)
    for k in ca:
        va, vb = ca[k], cb[k]
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and va.shape == vb.shape, k
            assert np.array_equal(va, vb), k
        else:
            assert va == vb, k
