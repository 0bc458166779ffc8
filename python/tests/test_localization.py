"""nanodecoh.localization and nanodecoh.outgassing against their CLI twins on the same inputs
(identical numbers), vectorised calls against the same points one at a time, and errors."""
import json

import numpy as np
import pytest

import nanodecoh

SPHERE = dict(body="sphere", radius=1e-7, emitted_mass_amu=18.0, rate=1e3)


def cli_localization(cli, dx, angle):
    p = cli("localization", "--body", "sphere", "--radius", "1e-7", "--emitted-mass-amu", "18",
            "--rate", "1000", "--dx", ",".join(repr(float(v)) for v in dx), "--angle",
            repr(float(angle)), "--backend", "cpu", "--json")
    return json.loads(p.stdout)


def test_localization_equals_the_cli_point_by_point(cli):
    dx = np.array([[1e-9, 0.0, 0.0], [0.0, 3e-9, 1e-9], [2e-9, -1e-9, 4e-9]])
    angles = np.array([0.0, 0.3, 1.1])
    r = nanodecoh.localization(dx, angle=angles, backend="cpu", **SPHERE)
    assert r["F"].shape == (3,) and r["backend"] == "cpu"
    for i in range(3):
        c = cli_localization(cli, dx[i], angles[i])
        assert r["F"][i] == complex(c["re"], c["im"])
        assert r["error_estimate"][i] == c["error_estimate"]
        assert r["diffusive"][i] == complex(c["diffusive"]["re"], c["diffusive"]["im"])
        assert r["rate"] == c["rate"]
    assert np.array_equal(r["diffusion_tensor"], np.array(c["diffusion_tensor"]))
    assert np.array_equal(r["force_torque"], np.array(c["force_torque"]))


def test_localization_broadcasts_angles_against_displacements():
    dx = np.array([[1e-9, 0.0, 0.0], [0.0, 2e-9, 0.0]])
    angles = np.array([[0.0], [0.5]])  # (2, 1) against (2,) -> (2, 2)
    r = nanodecoh.localization(dx, angle=angles, backend="cpu", **SPHERE)
    assert r["F"].shape == (2, 2)
    for i in range(2):
        for j in range(2):
            one = nanodecoh.localization(dx[j], angle=angles[i, 0], backend="cpu", **SPHERE)
            assert one["F"] == r["F"][i, j]


def test_localization_errors_name_the_keyword():
    with pytest.raises(ValueError, match="radius"):
        nanodecoh.localization([1e-9, 0, 0], **dict(SPHERE, radius=-1.0))
    with pytest.raises(ValueError, match="tolerance"):
        nanodecoh.localization([1e-9, 0, 0], tolerance=2.0, **SPHERE)
    with pytest.raises(ValueError, match="radiu"):
        nanodecoh.localization([1e-9, 0, 0], radiu=1e-7, body="sphere", emitted_mass_amu=18.0,
                               rate=1e3)
    with pytest.raises(ValueError, match="dx"):
        nanodecoh.localization([[1e-9, 0.0]], **SPHERE)


def test_outgassing_equals_the_cli(cli):
    for q, unit, radius, t in ((1e-9, "torr-l-per-s-cm2", 1e-7, 300.0),
                               (3e-7, "pa-m3-per-s-m2", 5e-8, 77.0)):
        c = json.loads(cli("outgassing", "--q", repr(q), "--unit", unit, "--radius", repr(radius),
                           "--temperature", repr(t), "--json").stdout)
        r = nanodecoh.outgassing(q, unit, radius, t)
        assert r["rate"] == c["rate"] and r["particle_flux_per_area"] == c["particle_flux_per_area"]
    v = nanodecoh.outgassing(1e-9, "torr-l-per-s-cm2", np.array([1e-7, 2e-7]), 300.0)
    assert v["rate"][1] == nanodecoh.outgassing(1e-9, "torr-l-per-s-cm2", 2e-7, 300.0)["rate"]
    with pytest.raises(ValueError, match="radius"):
        nanodecoh.outgassing(1e-9, "torr-l-per-s-cm2", -1.0, 300.0)
    with pytest.raises(ValueError, match="unit"):
        nanodecoh.outgassing(1e-9, "furlongs", 1e-7, 300.0)


def test_ftable_equals_the_cli_file(cli, tmp_path):
    import os
    import h5py
    from conftest import assert_same_h5
    example = os.path.join(os.environ["NANODECOH_SOURCE_DIR"], "examples", "ftable.toml")
    sets = {"orientations.count": 3, "displacements.count": 4, "displacements.step": 1e-9}
    cli_file = tmp_path / "cli.h5"
    args = ["ftable", example, "--out", cli_file, "--backend", "cpu", "--quiet"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v!r}"]
    cli(*args)
    py_file = tmp_path / "py.h5"
    t = nanodecoh.ftable(example, overrides=sets, backend="cpu", out=py_file)
    assert t["F"].shape == (3, 3, 4) and t["orientations"].shape == (3, 3, 3)
    assert_same_h5(py_file, cli_file, skip_attributes=())
    # The arrays are the file's values in the documented order [i, j, k].
    with h5py.File(cli_file, "r") as f:
        stored = f["F"][()]
        if stored.dtype.names:
            stored = stored[stored.dtype.names[0]] + 1j * stored[stored.dtype.names[1]]
        assert np.array_equal(stored.reshape(3, 3, 4), t["F"])
    with pytest.raises(ValueError, match="orientations.count"):
        nanodecoh.ftable(example, overrides={"orientations.count": 0})


def test_rates_equal_the_cli(cli):
    args = ["rates", "--radius", "1e-07", "--chi-real", "-2.2e-05", "--chi-imag", "0.0",
            "--temperature", "300.0", "--dx", "1e-06", "--json"]
    expected = json.loads(cli(*args, "--permittivity", "5.7", "--density", "3510.0").stdout)
    r = nanodecoh.rates(radius=1e-7, chi_real=-2.2e-5, chi_imag=0.0, temperature=300.0,
                        dx=1e-6, permittivity=5.7, density=3510.0)
    assert r == expected
    expected = json.loads(cli(*args, "--material", "fused-silica", "--t-internal", "600").stdout)
    r = nanodecoh.rates(radius=1e-7, chi_real=-2.2e-5, chi_imag=0.0, temperature=300.0,
                        dx=1e-6, material="fused-silica", t_internal=600.0)
    assert r == expected
    with pytest.raises(ValueError, match="chi_imag"):
        nanodecoh.rates(radius=1e-7, chi_real=0.0, chi_imag=-1.0, temperature=300.0, dx=1e-6,
                        permittivity=5.7, density=3510.0)
    with pytest.raises(ValueError, match="permittivity/material"):
        nanodecoh.rates(radius=1e-7, chi_real=0.0, chi_imag=0.0, temperature=300.0, dx=1e-6,
                        density=3510.0)
