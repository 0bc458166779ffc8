"""nanodecoh.sweep(client=...) on a dask.distributed LocalCluster of two worker processes:
the same result as the in-process sweep, and a worker killed (SIGKILL) while it runs a point
loses no point (Dask reruns it on a worker that lives)."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import nanodecoh
from conftest import small_cat_config

distributed = pytest.importorskip("dask.distributed")

VARY = {"initial.separation": [1.0e-8, 1.4e-8], "initial.width": [2.5e-9, 3.0e-9]}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def assert_same_sweep(a, b):
    assert a.shape == b.shape and a.keys == b.keys
    for x, y in zip(a.summaries, b.summaries):
        assert x["final"] == y["final"] and x["steps"] == y["steps"]
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name


def test_dask_sweep_equals_the_in_process_sweep(client, tmp_path):
    config = small_cat_config()
    local = nanodecoh.sweep(config, vary=VARY)
    farmed = nanodecoh.sweep(config, vary=VARY, client=client, out=tmp_path / "dask.h5")
    assert farmed.computed == 4 and farmed.found == 0
    assert_same_sweep(local, farmed)


def test_a_killed_worker_loses_no_point(client, tmp_path):
    # Points of about a second each, so that a worker is killed in the middle of one.
    config = small_cat_config(duration="2.0e-3")
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for address, tasks in client.processing().items():
                if tasks and address in pids:
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(pids[address])
                    return
            time.sleep(0.05)
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    farmed = nanodecoh.sweep(config, vary=VARY, client=client, out=tmp_path / "dask.h5")
    killer.join()
    assert killed, "no worker was seen running a point"
    local = nanodecoh.sweep(config, vary=VARY)
    assert_same_sweep(local, farmed)
