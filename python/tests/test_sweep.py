"""nanodecoh.sweep: the points of a 2 x 3 sweep equal six single evolve runs, the F tables and
the propagator are built once when the swept keys do not change them (diagnostic counters), the CLI twin
`nanodecoh sweep` writes the same file, and an interrupted sweep resumes without recomputing
its finished points and writes the same file as an uninterrupted one."""
import json
import os

import h5py
import numpy as np
import pytest

import nanodecoh
from conftest import assert_same_h5, small_cat_config

SEPARATIONS = [1.0e-8, 1.2e-8]
WIDTHS = [2.0e-9, 2.5e-9, 3.0e-9]


def without_output(summaries):
    out = []
    for s in summaries:
        s = dict(s)
        s.pop("output")
        s.pop("wall_seconds")
        out.append(s)
    return out


def test_2x3_sweep_equals_six_single_runs_and_builds_the_table_once(tmp_path):
    config = small_cat_config()
    s = nanodecoh.sweep(config, vary={"initial.separation": SEPARATIONS, "initial.width": WIDTHS},
                        out=tmp_path / "sweep.h5")
    assert s.shape == (2, 3) and s.keys == ["initial.separation", "initial.width"]
    assert np.array_equal(s.coords["initial.separation"], SEPARATIONS)
    assert s.table_builds == 1 and s.computed == 6 and s.found == 0
    assert s.propagator_builds == 1  # only initial-state keys vary: one shared propagator
    assert s.series["coherence_normalized"].shape == (2, 3, 5)
    assert s.series["x/distribution"].shape == (2, 3, 5, 48)
    assert s.dims["x/distribution"] == ["initial.separation", "initial.width", "output", "x"]
    assert s.units["time"] == "s" and s.units["x/variance"] == "m^2"
    for i, sep in enumerate(SEPARATIONS):
        for j, width in enumerate(WIDTHS):  # last key fastest
            single = nanodecoh.evolve(config, overrides={"initial.separation": sep,
                                                         "initial.width": width})
            summary = s.summaries[3 * i + j]
            assert summary["final"] == single.summary["final"]
            assert summary["steps"] == single.summary["steps"]
            for name, values in single.series.items():
                assert np.array_equal(s.series[name][i, j], values), name
    if s.data is not None:  # xarray installed: named dimensions and coordinates
        da = s.data["coherence_normalized"]
        assert da.dims == ("initial.separation", "initial.width", "output")
        assert float(da.sel({"initial.separation": 1.2e-8, "initial.width": 3.0e-9})[-1]) == \
            s.series["coherence_normalized"][1, 2, -1]


def test_a_swept_channel_key_builds_one_table_per_value(tmp_path):
    s = nanodecoh.sweep(small_cat_config(), vary={"channels[0].rate": [500.0, 1000.0, 2000.0],
                                                  "initial.width": [2.0e-9, 3.0e-9]})
    assert s.table_builds == 3
    assert s.propagator_builds == 3  # the rate is the outer key: one propagator per value
    single = nanodecoh.evolve(small_cat_config(), overrides={"channels[0].rate": 1000.0,
                                                             "initial.width": 3.0e-9})
    assert s.summaries[3]["final"] == single.summary["final"]
    for name, values in single.series.items():
        assert np.array_equal(s.series[name][1, 1], values), name


def test_zip_pairs_the_values(tmp_path):
    s = nanodecoh.sweep(small_cat_config(), vary={"initial.separation": SEPARATIONS,
                                                  "initial.width": WIDTHS[:2]}, zip=True)
    assert s.shape == (2,) and s.sweep_dims == ["point"]
    for k in range(2):
        single = nanodecoh.evolve(small_cat_config(), overrides={
            "initial.separation": SEPARATIONS[k], "initial.width": WIDTHS[k]})
        assert s.summaries[k]["final"] == single.summary["final"]
    with pytest.raises(ValueError, match="initial.width"):
        nanodecoh.sweep(small_cat_config(), vary={"initial.separation": SEPARATIONS,
                                                  "initial.width": WIDTHS}, zip=True)


def test_the_cli_sweep_writes_the_same_file(cli, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(small_cat_config())
    cli_file = tmp_path / "cli.h5"
    p = cli("sweep", config, "--vary", "initial.separation=1.0e-8,1.2e-8",
            "--vary", "initial.width=2.0e-9,2.5e-9,3.0e-9", "--out", cli_file, "--json")
    report = json.loads(p.stdout)
    assert report["points"] == 6 and report["table_builds"] == 1
    assert report["propagator_builds"] == 1  # the CLI runs the same shared-propagator code
    py_file = tmp_path / "py.h5"
    nanodecoh.sweep(config, vary={"initial.separation": SEPARATIONS,
                                  "initial.width": WIDTHS}, out=py_file)
    # Same values, written as TOML text differently ("1.0e-8" vs 1e-08): compare all but the
    # recorded value texts, the wall-clock times and the paths.
    a = nanodecoh.load_sweep(cli_file)
    b = nanodecoh.load_sweep(py_file)
    assert without_output(a.summaries) == without_output(b.summaries)
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name
    assert np.array_equal(a.coords["initial.width"], b.coords["initial.width"])
    assert not os.path.exists(str(cli_file) + ".parts")
    bad = cli("sweep", config, "--vary", "initial.sepration=1e-8", "--out", tmp_path / "bad.h5",
              check=False)
    assert bad.returncode == 2 and "initial.sepration" in bad.stderr
    with pytest.raises(ValueError) as error:
        nanodecoh.sweep(config, vary={"initial.sepration": [1e-8]})
    assert str(error.value) in bad.stderr


def test_an_interrupted_sweep_resumes_and_writes_the_same_file(tmp_path):
    # Points of 10 000 steps (a few tenths of a second each): the progress callback, polled
    # every 50 ms, sees two finished points while later ones still run. With the default 20
    # steps the whole sweep can end between two polls, and nothing is left to interrupt.
    config = small_cat_config(duration="1.0e-2")
    vary = {"initial.separation": SEPARATIONS, "initial.width": WIDTHS}
    whole = tmp_path / "whole.h5"
    nanodecoh.sweep(config, vary=vary, out=whole)

    resumed = tmp_path / "resumed.h5"

    class Stop(Exception):
        pass

    def stop_after_two(done, total):
        if done >= 2:
            raise Stop()
    with pytest.raises(Stop):
        nanodecoh.sweep(config, vary=vary, out=resumed, progress=stop_after_two)
    parts = str(resumed) + ".parts"
    finished = len([f for f in os.listdir(parts) if f.endswith(".json")])
    assert 2 <= finished < 6 and not resumed.exists()
    s = nanodecoh.sweep(config, vary=vary, out=resumed)
    assert s.found == finished and s.computed == 6 - finished
    assert not os.path.exists(parts)
    # The same file but for the wall-clock times and the file's own path in the summaries.
    assert_same_h5(whole, resumed, skip_attributes=("summaries",), skip_datasets=("wall_seconds",))
    with h5py.File(whole, "r") as a, h5py.File(resumed, "r") as b:
        sa = json.loads(a.attrs["summaries"])
        sb = json.loads(b.attrs["summaries"])
    for x, y in zip(sa, sb):
        assert x.pop("output") == str(whole) and y.pop("output") == str(resumed)
    assert sa == sb


def test_bad_sweep_input_names_the_key():
    with pytest.raises(ValueError, match=r"channels\[0\]\.rate"):
        nanodecoh.sweep(small_cat_config(), vary={"channels[0].rate": [100.0, -5.0]})
    with pytest.raises(ValueError, match="vary"):
        nanodecoh.sweep(small_cat_config(), vary={})


def test_progress_callback_and_bar():
    calls = []
    nanodecoh.sweep(small_cat_config(), vary={"initial.width": WIDTHS},
                    progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (3, 3)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    # progress=True: a tqdm bar when tqdm is installed (Debian python3-tqdm), else nothing.
    s = nanodecoh.sweep(small_cat_config(), vary={"initial.width": WIDTHS[:1]}, progress=True)
    assert s.computed == 1


def test_the_cli_sweep_stopped_by_sigint_resumes_to_the_same_file(cli, tmp_path):
    import signal
    import subprocess
    import time
    from conftest import CLI
    config = tmp_path / "run.toml"
    config.write_text(small_cat_config(duration="1.0e-2"))  # 10^4 steps: about a second a point
    out = tmp_path / "cli.h5"
    args = [CLI, "sweep", str(config), "--vary", "initial.width=2.0e-9,2.5e-9,3.0e-9",
            "--out", str(out), "--quiet"]
    p = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    first = tmp_path / "cli.h5.parts" / "point_0.json"
    deadline = time.monotonic() + 120
    while not first.exists() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "run the same command to continue" in err
    resumed = subprocess.run(args + ["--json"], capture_output=True, text=True, check=True)
    report = json.loads(resumed.stdout)
    assert report["resumed"] >= 1 and report["computed"] + report["resumed"] == 3
    whole = tmp_path / "whole.h5"
    nanodecoh.sweep(config, vary={"initial.width": [2.0e-9, 2.5e-9, 3.0e-9]}, out=whole)
    a, b = nanodecoh.load_sweep(out), nanodecoh.load_sweep(whole)
    assert without_output(a.summaries) == without_output(b.summaries)
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name
