"""nanodecoh.evolve against its CLI twin `nanodecoh evolve` on the same inputs: the same
summary, series and result file (bit for bit, except the wall-clock time), errors naming the
same keys, final_rho a view of the run's memory in the documented axis order, Ctrl-C, and
progress (a callback with monotone fractions ending at 1, or a tqdm bar)."""
import os
import signal
import threading
import time

import h5py
import numpy as np
import pytest

import nanodecoh
from conftest import assert_same_h5, cli_json, small_cat_config


def strip_run_specific(summary):
    s = dict(summary)
    s.pop("wall_seconds")
    s.pop("output")
    return s


def test_summary_series_and_file_equal_the_cli(cli, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(small_cat_config(output="final_state = true\nsnapshots = 2\nwigner = true"))
    cli_file = tmp_path / "cli.h5"
    expected = cli_json(cli, "evolve", config, "--out", cli_file, "--backend", "cpu")

    for given in (str(config), config, config.read_text()):  # path, PathLike, TOML text
        r = nanodecoh.evolve(given, backend="cpu")
        assert strip_run_specific(r.summary) == strip_run_specific(expected)
    with h5py.File(cli_file, "r") as f:
        for name, values in r.series.items():
            assert np.array_equal(values, f["timeseries/" + name][()]), name
        assert np.array_equal(r.final_rho, f["final/rho"][()])
    assert r.units["time"] == "s" and r.units["x/mean"] == "m" and r.units["energy"] == "J"
    py_file = tmp_path / "python.h5"
    r.to_hdf5(py_file)
    assert_same_h5(py_file, cli_file)
    # The snapshots (with the Wigner function) come from the same file.
    snaps = r.snapshots()
    with h5py.File(cli_file, "r") as f:
        assert np.array_equal(snaps["wigner"], f["snapshots/wigner"][()])

    loaded = nanodecoh.load(py_file)
    for name, values in r.series.items():
        assert np.array_equal(loaded.series[name], values), name
    assert np.array_equal(loaded.final_rho, r.final_rho)
    assert loaded.summary["final"] == r.summary["final"]
    assert loaded.axes == ["x"] and loaded.config == r.config


def test_dict_config_and_dotted_overrides_equal_set(cli, tmp_path):
    import tomllib
    text = small_cat_config()
    config = tmp_path / "run.toml"
    config.write_text(text)
    overrides = {"initial.separation": 1.4e-8, "channels[0].rate": 500}
    expected = cli_json(cli, "evolve", config, "--set", "initial.separation=1.4e-08",
                        "--set", "channels[0].rate=500", "--out", tmp_path / "cli.h5")
    r = nanodecoh.evolve(tomllib.loads(text), overrides=overrides)
    assert strip_run_specific(r.summary) == strip_run_specific(expected)
    cfg = r.config_dict
    assert cfg["initial"]["separation"] == 1.4e-8 and cfg["channels"][0]["rate"] == 500
    # The default output.file ("evolve.h5") is not written into the working directory.
    assert os.path.dirname(r.path) != os.getcwd()


def test_final_rho_is_a_view_in_ket_then_bra_order(tmp_path):
    config = small_cat_config(output="final_state = true")
    config = config.replace("points = 48", "points = 32", 1)
    config = config.replace("[[channels]]", "[[axes]]\nkind = \"translation\"\nname = \"y\"\n"
                            "points = 16\nstep = 2.0e-9\n[[channels]]", 1)
    config = config.replace("separation = 12.0e-9", "separation = 8.0e-9\nother_width = 2.0e-9")
    config = config.replace("width = 3.0e-9", "width = 2.0e-9", 1)
    r = nanodecoh.evolve(config)
    rho = r.final_rho
    assert rho.shape == (32, 16, 32, 16) and r.rho_dims == ["x", "y", "x'", "y'"]
    assert not rho.flags.owndata and rho.base is not None
    assert np.shares_memory(rho, r.final_rho)  # a second access views the same memory: no copy
    # Axis order (oracle: the engine's separately computed marginals): summing over y = y'
    # gives the x marginal on the diagonal, summing over x = x' the y marginal.
    # Tolerances (absolute, rtol=0: numpy's default rtol=1e-5 would hide them): the CPU state is
    # Hermitian to rounding, |rho| <= 1, so 1e-15 ~ 10 u; the trace and the marginals are sums of
    # 512 and 16 or 32 elements of at most 1 done in another order than the engine's, at most
    # n u = 5.7e-14 and 3.6e-15 apart: bounds 2e-13 and 1e-14.
    m = rho.reshape(32 * 16, 32 * 16)
    assert np.allclose(m, m.conj().T, rtol=0, atol=1e-15)
    assert abs(np.trace(m).real - r.series["trace"][-1]) < 2e-13
    x_marginal = np.einsum("iaia->i", rho).real
    y_marginal = np.einsum("aiai->i", rho).real
    assert np.allclose(x_marginal, r.series["x/distribution"][-1], rtol=0, atol=1e-14)
    assert np.allclose(y_marginal, r.series["y/distribution"][-1], rtol=0, atol=1e-14)
    # The file keeps the order: load() gives the axes in configuration order and the same rho.
    r.to_hdf5(tmp_path / "two_axes.h5")
    loaded = nanodecoh.load(tmp_path / "two_axes.h5")
    assert loaded.axes == ["x", "y"] and loaded.rho_dims == ["x", "y", "x'", "y'"]
    assert np.array_equal(loaded.final_rho, rho)


def test_bad_input_raises_value_error_naming_the_key_as_the_cli(cli, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(small_cat_config())
    for key, value, cli_value in (("channels[0].rate", -1.0, "-1.0"),
                                  ("initial.sepration", 1e-8, "1e-08"),
                                  ("time.outputs", 0, "0")):
        with pytest.raises(ValueError) as error:
            nanodecoh.evolve(config, overrides={key: value})
        assert isinstance(error.value, nanodecoh.InputError)
        assert key in str(error.value)
        p = cli("evolve", config, "--set", f"{key}={cli_value}", "--out", tmp_path / "x.h5",
                check=False)
        assert p.returncode == 2
        assert str(error.value) in p.stderr, (str(error.value), p.stderr)
    with pytest.raises(ValueError, match="config"):
        nanodecoh.evolve(str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="initial.separation"):
        nanodecoh.evolve(config, overrides={"initial.separation": float("nan")})


def test_exception_classes():
    assert issubclass(nanodecoh.InputError, ValueError)
    assert issubclass(nanodecoh.NumericalError, nanodecoh.Error)
    assert not issubclass(nanodecoh.NumericalError, ValueError)
    assert issubclass(nanodecoh.IoError, OSError)
    assert issubclass(nanodecoh.OutOfMemory, MemoryError)


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    # 2 s of evolution in 1 us steps: minutes of work; SIGINT after 0.5 s must stop it.
    config = small_cat_config(duration="2.0")
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        nanodecoh.evolve(config)
    timer.join()
    assert time.monotonic() - start < 60
    # The module stays usable.
    assert nanodecoh.evolve(small_cat_config()).summary["steps"] == 20


def _fractions_of(config, **kwargs):
    fractions = []
    result = nanodecoh.evolve(config, progress=fractions.append, **kwargs)
    return result, fractions


def test_progress_callback_gets_monotone_fractions_ending_at_one():
    # Split operator (20 steps of 1 us): each value is a fraction of the steps done, reported
    # as the calling thread polls, so the count of calls depends on timing; the oracle is the
    # contract: floats in [0, 1], never decreasing, the last exactly 1.
    result, fractions = _fractions_of(small_cat_config())
    assert result.summary["steps"] == 20
    assert fractions and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(a <= b for a, b in zip(fractions, fractions[1:]))
    # The exact method reports per output time; the result is the same with or without a
    # callback (the callback only observes).
    exact = small_cat_config().replace('method = "split"', 'method = "exact"')
    with_callback, exact_fractions = _fractions_of(exact)
    assert exact_fractions[-1] == 1.0
    assert all(a <= b for a, b in zip(exact_fractions, exact_fractions[1:]))
    assert with_callback.summary["final"] == nanodecoh.evolve(exact).summary["final"]


def test_progress_is_reported_while_the_run_goes_and_a_callback_exception_stops_it():
    # 2 s in 1 us steps (minutes of work): the first report comes while the run goes (a
    # fraction below 1); the callback's exception stops the run and is what the caller sees.
    class Stop(Exception):
        pass

    seen = []

    def callback(fraction):
        seen.append(fraction)
        raise Stop()

    start = time.monotonic()
    with pytest.raises(Stop):
        nanodecoh.evolve(small_cat_config(duration="2.0"), progress=callback)
    assert time.monotonic() - start < 60
    assert len(seen) == 1 and 0.0 <= seen[0] < 1.0
    assert nanodecoh.evolve(small_cat_config()).summary["steps"] == 20


def test_ctrl_c_stops_a_run_that_reports_progress():
    config = small_cat_config(duration="2.0")
    fractions = []
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        nanodecoh.evolve(config, progress=fractions.append)
    timer.join()
    assert time.monotonic() - start < 60
    assert all(a <= b for a, b in zip(fractions, fractions[1:])) and (not fractions or
                                                                    fractions[-1] < 1.0)


def test_progress_true_shows_a_tqdm_bar(capsys):
    try:
        import tqdm  # noqa: F401  (Debian: python3-tqdm)
    except ImportError:
        pytest.skip("tqdm is not installed (Debian package python3-tqdm)")
    result = nanodecoh.evolve(small_cat_config(), progress=True)
    assert result.summary["steps"] == 20
    err = capsys.readouterr().err
    assert "100%" in err and "100/100" in err  # the bar reached its total


def test_mixed_protocol_names_each_segments_method_like_the_cli(cli, tmp_path):
    # Trap (exact), double well (split: not quadratic), free flight (split: it follows a split
    # segment): the summary's `methods` and `segments` say which method ran where and why, the
    # same dict as the CLI's.
    text = small_cat_config(duration="1.0e-5").replace(
        '[[protocol]]\nduration = 1.0e-5\npotential = "free"\nmethod = "split"\n',
        '[[protocol]]\nduration = 1.0e-5\npotential = "harmonic"\nfrequency = 1.0e3\n'
        '[[protocol]]\nduration = 1.0e-5\npotential = "double_well"\nbarrier = 5e-32\n'
        'minima = 6e-9\n'
        '[[protocol]]\nduration = 1.0e-5\npotential = "free"\n')
    assert "double_well" in text
    config = tmp_path / "mixed.toml"
    config.write_text(text)
    expected = cli_json(cli, "evolve", config, "--out", tmp_path / "cli.h5", "--backend", "cpu")
    r = nanodecoh.evolve(config, backend="cpu")
    assert strip_run_specific(r.summary) == strip_run_specific(expected)
    assert [s["method"] for s in r.summary["segments"]] == ["exact", "split", "split"]
    assert [s["block"] for s in r.summary["segments"]] == [0, 1, 1]
    assert "not quadratic" in r.summary["segments"][1]["reason"]
    assert "follows protocol[1]" in r.summary["segments"][2]["reason"]
    assert r.summary["steps"] == 20 and r.summary["exact_error_estimate"] >= 0.0
    assert r.summary["units"]["time_begin"] == "s"


def test_exact_method_on_two_translation_axes_like_the_cli(cli, tmp_path):
    # A cat on x, a Gaussian on y, a trap on x then free flight under the saturating Gaussian
    # channel of |r|: "auto" runs both segments with the exact method (no steps) in Python as in
    # the CLI, final_rho shaped [x, y, x', y'], Hermitian with trace 1 (what the state keeps
    # inside the box).
    text = """
[particle]
mass = 1e-20
[[axes]]
name = "x"
points = 24
step = 1.0e-9
[[axes]]
name = "y"
points = 20
step = 1.2e-9
[initial]
kind = "cat"
axis = "x"
width = 1.5e-9
separation = 6.0e-9
other_width = 2.0e-9
[time]
step = 1.0e-6
outputs = 3
[[protocol]]
duration = 1.0e-4
potential = "harmonic"
axis = "x"
frequency = 2.0e3
[[protocol]]
duration = 1.0e-4
potential = "free"
[[channels]]
kind = "gaussian"
rate = 2000.0
length = 5.0e-9
[output]
final_state = true
"""
    config = tmp_path / "axes.toml"
    config.write_text(text)
    cli_file = tmp_path / "cli.h5"
    expected = cli_json(cli, "evolve", config, "--out", cli_file, "--backend", "cpu")
    r = nanodecoh.evolve(config, backend="cpu")
    assert strip_run_specific(r.summary) == strip_run_specific(expected)
    assert [s["method"] for s in r.summary["segments"]] == ["exact", "exact"]
    assert r.summary["steps"] == 0
    assert r.final_rho.shape == (24, 20, 24, 20)
    with h5py.File(cli_file, "r") as f:
        assert np.array_equal(r.final_rho.reshape(-1), f["final/rho"][()].reshape(-1))
    rho = r.final_rho.reshape(480, 480)
    assert np.max(np.abs(rho - rho.conj().T)) < 1e-16
    # The continuum state's weight beyond this small box (1.8e-8): within the exact run's
    # trace warning threshold 1e-6.
    assert abs(np.trace(rho).real - 1.0) < 1e-6


def test_ftable_from_python_drives_the_exact_method_on_two_axes(tmp_path):
    # The ftable -> evolve path from Python on a grid of x and y: nanodecoh.ftable writes a
    # Lambertian sphere's F at a list of displacements (a line along x to the paths' reach of
    # 61 nm, lines along y and the diagonal to half of it), nanodecoh.evolve with method = "exact"
    # reads it as F(|dX|). Oracle: the closed-form sphere (desorption_sphere) in the same exact
    # run, within the two runs' stated error estimates (rho: twice their sum).
    step = 1e-9
    points = [[j * step, 0.0, 0.0] for j in range(0, 64)]
    points += [[0.0, j * step, 0.0] for j in range(1, 33)]
    points += [[j * step * np.sqrt(0.5), j * step * np.sqrt(0.5), 0.0] for j in range(1, 33)]
    table = tmp_path / "F.h5"
    nanodecoh.ftable({
        "body": {"kind": "sphere", "radius": 75e-9},
        "emission": {"kind": "surface", "flux": "lambertian", "emitted_mass_amu": 1.0,
                     "rate": 1000.0},
        "spectrum": {"kind": "thermal", "surface_temperature": 0.02},
        "orientations": {"kind": "libration", "axis": [0, 0, 1], "count": 1, "step": 1e-3},
        "displacements": {"kind": "list", "points": [v for p in points for v in p]},
        "numerics": {"tolerance": 1e-6},
    }, backend="cpu", out=table)
    base = """
[particle]
mass = 1e-20
[[axes]]
name = "x"
points = 24
step = 1.0e-9
[[axes]]
name = "y"
points = 16
step = 1.2e-9
[initial]
kind = "cat"
axis = "x"
width = 1.5e-9
separation = 6.0e-9
other_width = 1.5e-9
[time]
step = 1.0e-5
outputs = 3
[[protocol]]
duration = 5.0e-5
potential = "free"
method = "exact"
[output]
final_state = true
"""
    from_file = nanodecoh.evolve(
        base + '[[channels]]\nkind = "table"\nfile = "%s"\n' % table, backend="cpu")
    closed = nanodecoh.evolve(
        base + '[[channels]]\nkind = "desorption_sphere"\nrate = 1000.0\ntemperature = 0.02\n'
        "atom_mass = 1.0\n", backend="cpu")
    assert from_file.summary["steps"] == 0
    assert "2 translation axes" in from_file.summary["methods"][0]
    bound = 2.0 * (from_file.summary["exact_error_estimate"]
                   + closed.summary["exact_error_estimate"])
    assert bound < 1e-4
    assert np.max(np.abs(from_file.final_rho - closed.final_rho)) <= bound
    assert closed.summary["final"]["coherence_normalized"] < 0.97  # the channel acted


def test_photon_channels_drive_the_exact_method_on_a_translation_and_a_libration_axis():
    # The photon channels (magnetic, dielectric: F(|dX|) of a silica sphere, no orientation)
    # with a libration axis: nanodecoh.evolve with method = "exact" on x and phi tabulates them
    # along the translation chords. Oracle: the channels (with the separable diffusive one) do not
    # couple the axes, so rho on (x, phi) is the tensor product of the one-axis exact runs, rho_x
    # with the photon channels and Lambda, rho_phi with Lambda_phi, within the runs' stated
    # estimates (rho: twice their sum, plus rounding; measured 3e-17). The boxes hold the states
    # to 1e-14 of their density (cat branches 17 nm, 11 widths, from the edges of x; phi 8
    # widths; a tighter box measured 5e-11 of difference): the several-axes
    # lattice is periodic over the box, the one-axis lattice over twice the box, so a state that
    # reaches the edges would differ by its wrapped tails, not by the channels.
    particle = '[particle]\nmaterial = "fused-silica"\nradius = 50.0e-9\n'
    x_axis = '[[axes]]\nname = "x"\npoints = 40\nstep = 1.0e-9\n'
    phi_axis = ('[[axes]]\nkind = "rotation"\nname = "phi"\nmode = "libration"\npoints = 24\n'
                'step = 0.01\n')
    rest = ('[time]\nstep = 1.0e-5\noutputs = 3\n'
            '[[protocol]]\nduration = 1.0e-4\npotential = "free"\nmethod = "exact"\n'
            '[output]\nfinal_state = true\n')
    photons = ('[[channels]]\nkind = "magnetic"\ntemperature = 300.0\n'
               '[[channels]]\nkind = "dielectric"\ntemperature = 300.0\n')
    cat = ('[initial]\nkind = "cat"\naxis = "x"\nwidth = 1.5e-9\nseparation = 5e-9\n'
           'center = 0.5e-9\n')
    both = nanodecoh.evolve(
        particle + x_axis + phi_axis + cat + "other_width = 0.015\n" + rest + photons
        + '[[channels]]\nkind = "diffusive"\nlambda = 1e15\nangular_lambda = 500.0\n',
        backend="cpu")
    on_x = nanodecoh.evolve(
        particle + x_axis + cat + rest + photons
        + '[[channels]]\nkind = "diffusive"\nlambda = 1e15\n', backend="cpu")
    on_phi = nanodecoh.evolve(
        particle + phi_axis + '[initial]\nkind = "gaussian"\nwidth = 0.015\n' + rest
        + '[[channels]]\nkind = "diffusive"\nlambda = 0.0\nangular_lambda = 500.0\n',
        backend="cpu")
    assert both.summary["steps"] == 0
    assert "libration axis phi" in both.summary["methods"][0]
    product = np.kron(on_x.final_rho.reshape(40, 40), on_phi.final_rho.reshape(24, 24))
    bound = 2.0 * sum(r.summary["exact_error_estimate"] for r in (both, on_x, on_phi)) + 1e-14
    assert bound < 1e-11
    assert np.max(np.abs(both.final_rho.reshape(960, 960) - product)) <= bound
    assert both.summary["final"]["coherence_normalized"] < 0.997  # the photons acted (0.99999750 without)


def write_thrust_ftable(path, rate, a, q, step, count, angles, b=None, kappa=0.0, text=str):
    # A user's own F-table file written with h5py (docs/ftable-format.md): kicks along x of mean
    # hbar q, F(dx) = rate (1 - exp(i q dx - dx^2/(4 a^2))) for dx = j step >= 0 at every pair of
    # orientations turned by `angles` about z (F independent of the orientation); with b, angular
    # kicks too: the exponent gains - sin^2(theta/2)/b^2 + i kappa sin(theta), theta = phi - phi'
    # the pair's angle difference. String attributes as `text` makes them: str (h5py writes a
    # variable-length string) or np.bytes_ (a fixed-length one); nanodecoh reads both.
    dx = np.arange(count + 1) * step
    angles = np.asarray(angles, dtype=float)
    theta = angles[:, None, None] - angles[None, :, None]
    exponent = 1j * q * dx - dx**2 / (4.0 * a**2) + 0.0 * theta
    if b is not None:
        exponent = exponent - np.sin(0.5 * theta)**2 / b**2 + 1j * kappa * np.sin(theta)
    p = len(angles)
    rotations = np.array([[[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0],
                           [0.0, 0.0, 1.0]] for t in angles])
    with h5py.File(path, "w") as f:
        f["F"] = (rate * (1.0 - np.exp(exponent))).astype(np.complex128)
        f["orientations"] = rotations
        f["displacements"] = np.stack([dx, np.zeros_like(dx), np.zeros_like(dx)], axis=1)
        f.attrs["schema"] = text("nanodecoh.ftable")
        f.attrs["schema_version"] = 1
        f.attrs["rate"] = rate
        f.attrs["tolerance"] = 1e-15
        f.attrs["orientation_kind"] = text("list")
        f.attrs["displacement_kind"] = text("list")


def test_a_thrust_table_written_with_h5py_drives_the_exact_method_on_x_and_phi(tmp_path):
    # A channel whose kicks along the one translation axis have a mean (a thrust) is Hermitian,
    # F(-dx) = conj F(dx), but not even: its imaginary part moves the branches. A user writes it
    # as an F-table file with h5py (dx >= 0 only; the channel completes dx < 0 by Hermiticity);
    # nanodecoh.evolve with method = "exact" on x and phi reads it at the signed chord dx.
    # Oracle: F does not depend on the orientation, so rho on (x, phi) is the tensor product of
    # the one-axis exact runs (rho_x with the file, rho_phi with the separable angular diffusion),
    # within the runs' stated estimates. The same file with the thrust reversed (q -> -q) gives
    # another state, far beyond that bound, so the test sees the sign (measured: 4e-12 from the
    # product against a bound of 1.7e-7; the reversed thrust moves rho by 9e-3, 30 % of max |rho|).
    # The same file with fixed-length string attributes (np.bytes_) gives the same state, and one
    # whose schema attribute is an array of strings is refused naming it.
    rest = ('[time]\nstep = 1.0e-5\noutputs = 3\n'
            '[[protocol]]\nduration = 1.0e-4\npotential = "free"\nmethod = "exact"\n'
            '[output]\nfinal_state = true\n')
    particle = '[particle]\nmass = 1e-20\nmoment_of_inertia = 1e-34\n'
    x_axis = '[[axes]]\nname = "x"\npoints = 40\nstep = 1.0e-9\n'
    phi_axis = ('[[axes]]\nkind = "rotation"\nname = "phi"\nmode = "libration"\npoints = 24\n'
                'step = 0.01\n')
    cat = ('[initial]\nkind = "cat"\naxis = "x"\nwidth = 1.5e-9\nseparation = 5e-9\n'
           'center = 0.5e-9\n')
    angular = '[[channels]]\nkind = "diffusive"\nlambda = 0.0\nangular_lambda = 500.0\n'
    on_phi = nanodecoh.evolve(
        particle + phi_axis + '[initial]\nkind = "gaussian"\nwidth = 0.015\n' + rest + angular,
        backend="cpu")
    def table_channel(q):
        table = tmp_path / ("thrust_%+g.h5" % q)
        write_thrust_ftable(table, 4000.0, 3e-9, q, 0.1e-9, 600, [0.0, 1.0, 2.0, 3.0])
        return '[[channels]]\nkind = "table"\nfile = "%s"\n' % table

    def on_x_and_phi(channel):
        return nanodecoh.evolve(particle + x_axis + phi_axis + cat + "other_width = 0.015\n"
                                + rest + channel + angular, backend="cpu")

    thrust, reversed_thrust = table_channel(2e8), table_channel(-2e8)
    both = on_x_and_phi(thrust)
    on_x = nanodecoh.evolve(particle + x_axis + cat + rest + thrust, backend="cpu")
    assert both.summary["steps"] == 0
    assert "libration axis phi" in both.summary["methods"][0]
    product = np.kron(on_x.final_rho.reshape(40, 40), on_phi.final_rho.reshape(24, 24))
    bound = 2.0 * sum(r.summary["exact_error_estimate"] for r in (both, on_x, on_phi)) + 1e-14
    assert bound < 1e-6
    rho = both.final_rho.reshape(960, 960)
    assert np.max(np.abs(rho - product)) <= bound
    assert np.max(np.abs(rho - on_x_and_phi(reversed_thrust).final_rho.reshape(960, 960))) > 1e3 * bound
    fixed = tmp_path / "fixed.h5"
    write_thrust_ftable(fixed, 4000.0, 3e-9, 2e8, 0.1e-9, 600, [0.0, 1.0, 2.0, 3.0], text=np.bytes_)
    as_bytes = on_x_and_phi('[[channels]]\nkind = "table"\nfile = "%s"\n' % fixed)
    assert np.array_equal(as_bytes.final_rho, both.final_rho)
    with h5py.File(fixed, "a") as f:
        f.attrs["schema"] = ["nanodecoh.ftable", "nanodecoh.ftable"]
    with pytest.raises(nanodecoh.IoError, match=r"attribute schema on / in .* is not a single string"):
        nanodecoh.evolve(particle + x_axis + cat + rest
                         + '[[channels]]\nkind = "table"\nfile = "%s"\n' % fixed, backend="cpu")


def exact_and_richardson_gap(text, step):
    # The run of `text` (its segments with method = "exact") and the largest distance, relative
    # to its largest element, between its final rho and the split operator's Richardson
    # extrapolation (the same run with method = "split" at time.step `step` and `step`/2).
    exact = nanodecoh.evolve(text + '[time]\nstep = %r\noutputs = 2\n' % step, backend="cpu")
    split = [nanodecoh.evolve(text.replace('method = "exact"', 'method = "split"')
                              + '[time]\nstep = %r\noutputs = 2\n' % dt, backend="cpu")
             for dt in (step, 0.5 * step)]
    extrapolated = (4.0 * split[1].final_rho - split[0].final_rho) / 3.0
    scale = np.max(np.abs(exact.final_rho))
    return exact, np.max(np.abs(extrapolated - exact.final_rho)) / scale


def assert_kicks_agree_with_split_and_change_with_their_sign(runs, table, kappa, closed, method):
    # The checks of an angle-kick table (table(kappa): its channel's TOML) through `runs`
    # (exact_and_richardson_gap on the test's configuration): the run with kappa is exact
    # throughout (its method line holding `method`); the split operator's extrapolation agrees
    # with it within twice the grid floor (the same gap for the closed-form channel `closed`)
    # plus twice the exact run's estimate; the kicks reversed (-kappa) give a state far beyond
    # that bound. Returns the exact run with kappa.
    spin, apart = runs(table(kappa))
    assert spin.summary["steps"] == 0
    assert method in spin.summary["methods"][0]
    _, floor = runs(closed)
    estimate = spin.summary["exact_error_estimate"]
    assert estimate < 1e-4
    bound = 2.0 * floor + 2.0 * estimate
    assert apart <= bound, (apart, floor, estimate)
    reversed_spin, _ = runs(table(-kappa))
    assert np.max(np.abs(reversed_spin.final_rho - spin.final_rho)) > 10.0 * bound * np.max(
        np.abs(spin.final_rho))
    return spin


def test_a_table_of_the_angle_difference_written_with_h5py_drives_exact_and_split_alike(tmp_path):
    # Angular kicks of nonzero mean beside a thrust: F depends on the orientations through
    # theta = phi - phi' (docs/physics.md (TL6)). A user writes it with h5py on the grid's angles
    # and beyond (orientations about z at 0.01 rad steps, dx = j 0.5 nm >= 0); nanodecoh.evolve
    # reads the same file with method = "exact" (the file's own lattice over (dx, theta)) and with
    # the split operator (the grid's pairs). Oracle: the split operator's Richardson extrapolation
    # (time.step 10 and 5 us) agrees with the exact rho within its grid floor (the same runs with
    # the angular kicks' closed-form cousin, the coupled gaussian, differ by that floor) plus the
    # exact run's estimate; the file with the angular kicks' mean reversed gives another state,
    # far beyond that bound, so both methods see the sign of theta (measured 2026-12-02: 1.5e-6
    # apart, floor 2.1e-7, estimate 7.1e-5 (the lattice's pessimistic bound); reversed 2.4e-2).
    particle = '[particle]\nmass = 1e-20\nmoment_of_inertia = 1e-34\n'
    grid = ('[[axes]]\nname = "x"\npoints = 40\nstep = 1.0e-9\n'
            '[[axes]]\nkind = "rotation"\nname = "phi"\nmode = "libration"\npoints = 24\n'
            'step = 0.01\n'
            '[initial]\nkind = "cat"\naxis = "x"\nwidth = 1.5e-9\nseparation = 5e-9\n'
            'center = 0.5e-9\nother_width = 0.015\n')
    rest = ('[[protocol]]\nduration = 1.0e-4\npotential = "free"\nmethod = "exact"\n'
            '[output]\nfinal_state = true\n')
    angles = -0.12 + 0.01 * np.arange(60)

    def table(kappa):
        path = tmp_path / ("spin_%+g.h5" % kappa)
        write_thrust_ftable(path, 4000.0, 3e-9, 2e8, 0.5e-9, 130, angles, b=0.05, kappa=kappa)
        return '[[channels]]\nkind = "table"\nfile = "%s"\n' % path

    def runs(channel):
        return exact_and_richardson_gap(particle + grid + rest + channel, 1.0e-5)

    assert_kicks_agree_with_split_and_change_with_their_sign(
        runs, table, 2.0, '[[channels]]\nkind = "gaussian"\nrate = 4000.0\nlength = 3e-9\n'
        'angular_length = 0.05\n', "libration axis phi")


def test_a_table_of_the_angle_difference_drives_the_exact_method_on_a_circle(tmp_path):
    # A free rotor on a full circle (docs/physics.md, "A free rotor on a circle") under a user's
    # F table of the angle difference written with h5py: angular kicks of nonzero mean,
    # F = rate (1 - exp(-sin^2(theta/2)/b^2 + i kappa sin(theta))), periodic in theta. The file's
    # orientations about z are the grid's 128 angles, whose differences reach beyond the half
    # turn the exact method reads (pi and the interpolation's two nodes) and which the split
    # operator reads pair by pair. nanodecoh.evolve reads it with method = "exact" (a
    # table of one turn, paths winding around the circle) and with the split operator (the
    # grid's pairs). Oracle: the split operator's Richardson extrapolation (time.step 5 and
    # 2.5 ms) agrees with the exact rho within its grid floor (the same runs with the closed-form
    # angular gaussian) plus the exact run's estimate; the kicks' mean reversed gives another
    # state, far beyond that bound. The cat keeps its tails at the seam below 1e-20 (the grid's
    # state and the periodised one alike). Measured 2026-12-02 (x86-64): 4.9e-9 apart, floor
    # 9.5e-11, estimate 4.2e-6 (the table's interpolation bound, the file's own step).
    grid = ('[particle]\nmoment_of_inertia = 1e-34\n'
            '[[axes]]\nkind = "rotation"\nname = "phi"\nmode = "circle"\npoints = 128\n'
            '[initial]\nkind = "cat"\naxis = "phi"\nwidth = 0.15\nseparation = 2.2\n')
    rest = ('[[protocol]]\nduration = 1.0\npotential = "free"\nmethod = "exact"\n'
            '[output]\nfinal_state = true\n')
    angles = 2.0 * np.pi / 128 * (np.arange(128) - 64)

    def table(kappa):
        path = tmp_path / ("circle_%+g.h5" % kappa)
        write_thrust_ftable(path, 0.8, 1e-9, 0.0, 1e-9, 0, angles, b=0.5, kappa=kappa)
        return '[[channels]]\nkind = "table"\nfile = "%s"\n' % path

    def runs(channel):
        return exact_and_richardson_gap(grid + rest + channel, 0.005)

    spin = assert_kicks_agree_with_split_and_change_with_their_sign(
        runs, table, 0.5, '[[channels]]\nkind = "gaussian"\nrate = 0.8\nlength = 1e-9\n'
        'angular_length = 0.5\n', "free rotor on a full circle")
    assert abs(spin.summary["final"]["trace"] - 1.0) < 1e-12
