"""nanodecoh from Python: the jobs of the ``nanodecoh`` command line with arrays in and out.

Every function goes through the same application layer as the CLI (the compiled module
``nanodecoh._core``), so a call and its CLI twin give the same numbers and name bad input by
the same keys. See docs/python.md for the API reference, the axis order and the units.

    import nanodecoh
    r = nanodecoh.evolve("examples/free_flight.toml", overrides={"initial.separation": 1e-7})
    r.summary["final"]["coherence_normalized"], r.series["time"], r.final_rho.shape
    s = nanodecoh.sweep(config, vary={"initial.separation": [1e-8, 2e-8]})
"""

import json
import math
import os
import re
import shutil
import tempfile
import weakref

import numpy as np

from . import _core
from ._core import Error, InputError, IoError, NotCompiled, NumericalError, OutOfMemory

__version__ = _core.version
__all__ = [
    "evolve", "sweep", "load", "localization", "outgassing", "ftable", "rates", "load_sweep", "default_config", "EvolveResult", "SweepResult",
    "Error", "InputError", "NumericalError", "IoError", "OutOfMemory", "NotCompiled",
]


def default_config():
    """The built-in default scenario of ``nanodecoh evolve`` (TOML text)."""
    return _core.default_config()


# ---- configuration: dict, TOML text or path -> TOML text --------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key):
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _toml_value(value, key):
    """One value as TOML text (what ``--set key=VALUE`` takes); errors name ``key``."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InputError(f"{key} = {value}: expected a finite number")
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v, f'{key}.{k}')}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml_value(v, f"{key}[{i}]") for i, v in enumerate(value)) + "]"
    raise InputError(f"{key} = {value!r}: expected a number, a string, a bool, a list or a dict")


def _is_table_array(value):
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(v, dict) for v in value)


def _dict_to_toml(d, prefix=""):
    lines = []
    for k, v in d.items():
        if not isinstance(v, dict) and not _is_table_array(v):
            lines.append(f"{_toml_key(k)} = {_toml_value(v, prefix + k)}")
    for k, v in d.items():
        name = prefix + _toml_key(k)
        if isinstance(v, dict):
            lines.append(f"\n[{name}]")
            lines.append(_dict_to_toml(v, name + "."))
        elif _is_table_array(v):
            for item in v:
                lines.append(f"\n[[{name}]]")
                lines.append(_dict_to_toml(item, name + "."))
    return "\n".join(line for line in lines if line != "")


def _config_source(config):
    """(TOML text, name for messages) of a dict, TOML text, path or None (built-in default)."""
    if config is None:
        return "", "built-in default"
    if isinstance(config, dict):
        return _dict_to_toml(config), "config dict"
    if isinstance(config, os.PathLike) or (
            isinstance(config, str) and "\n" not in config and "=" not in config):
        path = os.fspath(config)
        if not os.path.isfile(path):
            raise InputError(f"config = {path!r}: expected a readable TOML file, TOML text or a dict")
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    if isinstance(config, str):
        return config, "config text"
    raise InputError(f"config = {config!r}: expected a dict, TOML text or a path")


def _assignments(overrides):
    if not overrides:
        return []
    return [f"{k}={_toml_value(v, k)}" for k, v in overrides.items()]


# ---- units of the recorded series (as in the result files, docs/run-files.md) ---------

def _series_units(axis_names, translation):
    units = {"time": "s", "step": "", "trace": "", "purity": "", "energy": "J",
             "coherence": "", "coherence_normalized": ""}
    for name, tr in zip(axis_names, translation):
        units.update({
            f"{name}/mean": "m" if tr else "rad",
            f"{name}/variance": "m^2" if tr else "rad^2",
            f"{name}/momentum_mean": "kg m/s" if tr else "J s",
            f"{name}/momentum_variance": "kg^2 m^2/s^2" if tr else "J^2 s^2",
            f"{name}/kinetic_energy": "J",
            f"{name}/distribution": "",
        })
    return units


def _decode(value):
    return value.decode() if isinstance(value, bytes) else value


# ---- evolve ----------------------------------------------------------------------------

class EvolveResult:
    """One evolve run (from :func:`evolve` or :func:`load`).

    Attributes: ``summary`` (the dict ``evolve --json`` prints), ``series`` (dict of numpy
    arrays over the output times, keys as in the result file's ``timeseries/``: ``time``,
    ``trace``, ``purity``, ``coherence_normalized``, ``<axis>/mean``, ...), ``units`` (unit of
    each series), ``diffusive_series``, ``final_rho`` (complex array shaped [ket axes...,
    bra axes...]), ``rho_dims`` (the names of those axes: ``x``, ..., ``x'``, ...),
    ``axes``, ``config`` (TOML text after the overrides) and ``path`` (the result file).
    """

    def __init__(self, summary, series, diffusive_series, final_rho, axes, translation,
                 config, path, run=None, temporary=None):
        self.summary = summary
        self.series = series
        self.diffusive_series = diffusive_series
        self.units = _series_units(axes, translation)
        self.axes = list(axes)
        self.rho_dims = self.axes + [a + "'" for a in self.axes]
        self.config = config
        self.path = path
        self._run = run
        self._final_rho = final_rho
        if temporary is not None:
            self._cleanup = weakref.finalize(self, shutil.rmtree, temporary, True)

    @property
    def final_rho(self):
        """The final density matrix, [ket axes..., bra axes...]; a view of the run's memory."""
        if self._run is not None:
            return self._run.final_rho
        return self._final_rho

    @property
    def config_dict(self):
        import tomllib
        return tomllib.loads(self.config)

    def snapshots(self):
        """The |rho| snapshots of each axis and the Wigner function, read from the result file:
        dict with ``time`` and per axis ``<axis>/rho_abs`` [snapshot, x, x'], ``<axis>/coordinates``
        and ``wigner`` [snapshot, x, p] when the run asked for it."""
        import h5py
        out = {}
        with h5py.File(self.path, "r") as f:
            if "snapshots" not in f:
                return out

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    out[name] = obj[()]
            f["snapshots"].visititems(visit)
        return out

    def to_hdf5(self, path):
        """Writes the result file the CLI writes (``evolve CONFIG --out path``), atomically."""
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(prefix=".nanodecoh-tmp.", dir=directory)
        os.close(fd)
        try:
            shutil.copyfile(self.path, temporary)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


def _progress_bar(progress, total, unit):
    """(callback, bar): ``progress`` itself, or for ``progress=True`` a tqdm bar of ``total``
    and its updater (None, None with a warning when tqdm is not installed)."""
    if progress is not True:
        return progress, None
    try:
        from tqdm import tqdm
    except ImportError:
        import warnings
        warnings.warn("progress=True needs tqdm (Debian: python3-tqdm); no progress is shown",
                      stacklevel=3)
        return None, None
    return None, tqdm(total=total, unit=unit)


def evolve(config=None, overrides=None, backend="", max_memory="", progress=None):
    """Runs ``nanodecoh evolve``: ``config`` is a dict, TOML text, a path or None (the built-in
    scenario); ``overrides`` maps the dotted keys of ``--set`` to values. ``progress``: a callable
    ``progress(fraction)`` called with the fraction of the run done (never decreasing, 1.0
    last; after every chunk of steps, or every output time of an exact run), or True for a
    tqdm bar (when tqdm is installed). Returns an :class:`EvolveResult`. Bad input raises
    :class:`InputError` (a ValueError) naming the key; NaN/inf raises
    :class:`NumericalError`; Ctrl-C stops the run (KeyboardInterrupt)."""
    text, source = _config_source(config)
    callback, bar = _progress_bar(progress, 100, "%")
    if bar is not None:
        def callback(fraction):
            bar.update(round(100 * fraction) - bar.n)
    temporary = tempfile.mkdtemp(prefix="nanodecoh-")
    try:
        run = _core.evolve(text, source, _assignments(overrides),
                           os.path.join(temporary, "result.h5"), backend, max_memory, callback)
    except BaseException:
        shutil.rmtree(temporary, True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return EvolveResult(json.loads(run.summary_json), run.series, run.diffusive_series, None,
                        run.axis_names, run.axis_is_translation, run.config, run.output_file,
                        run=run, temporary=temporary)


def load(path):
    """Reads a result file of ``nanodecoh evolve`` (or of ``to_hdf5``) into an EvolveResult.
    Its summary holds what the file records (no ``memory_bytes``)."""
    import h5py
    path = os.fspath(path)
    with h5py.File(path, "r") as f:
        kind = _decode(f.attrs.get("kind", ""))
        if kind != "nanodecoh evolve result":
            raise InputError(f"path = {path!r}: expected a result file of nanodecoh evolve "
                             f"(kind {kind!r})")
        axes = list(f["grid"].keys())
        # The grid group lists axes alphabetically; the run's order is the order of rho's axes,
        # which the distribution columns share; use the configuration's order.
        import tomllib
        config = _decode(f.attrs["config"])
        order = [a.get("name", "x" if a.get("kind", "translation") == "translation" else "phi")
                 for a in tomllib.loads(config).get("axes", [])]
        if sorted(order) == sorted(axes):
            axes = order
        translation = [_decode(f["grid"][a].attrs.get("kind", "translation")) == "translation"
                       for a in axes]

        def read_series(group):
            out = {}
            if group not in f:
                return out

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    out[name] = obj[()]
            f[group].visititems(visit)
            return out

        series = read_series("timeseries")
        diffusive = read_series("diffusive/timeseries")
        final_rho = f["final/rho"][()] if "final/rho" in f else None
        if final_rho is not None and final_rho.dtype.names:  # stored as a (real, imag) pair
            names = final_rho.dtype.names
            final_rho = final_rho[names[0]] + 1j * final_rho[names[1]]

        def last(s):
            o = {k: float(s[k][-1]) for k in ("time", "trace", "purity", "energy", "coherence",
                                               "coherence_normalized")}
            o["step"] = int(s["step"][-1])
            o["axes"] = {a: {m: float(s[f"{a}/{m}"][-1]) for m in
                             ("mean", "variance", "momentum_mean", "momentum_variance")}
                         for a in axes}
            return o
        summary = {"backend": _decode(f.attrs["backend"]),
                   "precision": _decode(f.attrs["precision"]),
                   "steps": int(f.attrs["steps"]),
                   "wall_seconds": float(f.attrs["wall_seconds"]),
                   "output": path, "version": _decode(f.attrs["version"]),
                   "final": last(series)}
        if diffusive:
            summary["diffusive_final"] = last(diffusive)
    return EvolveResult(summary, series, diffusive, final_rho, axes, translation, config, path)


# ---- localization and outgassing ------------------------------------------------------

def localization(dx, angle=0.0, axis=(0.0, 0.0, 1.0), tolerance=1e-6, backend="auto", **model):
    """``nanodecoh localization`` over arrays: F_{R,R'}(dX) (1/s) with the ket orientation rotated
    by ``angle`` (rad) about ``axis`` and the bra orientation the identity. ``dx``: displacements
    X - X' (m), shape (..., 3); ``angle`` broadcasts against ``dx.shape[:-1]``. The model
    keywords are the CLI's flags with underscores: ``body`` ("sphere", "janus", "spheroid",
    "cylinder", "mesh"), ``radius``, ``semi_axes`` (A, C), ``length``, ``cap_angle``, ``mesh``,
    ``mesh_unit``, ``coverage_file``, ``emission``, ``flux``, ``power``, ``spectrum``,
    ``surface_temperature``, ``energy``, ``spectrum_file``, ``emitted_mass_amu``, ``rate``,
    ``outgassing``, ``outgassing_unit``, ``gas_temperature``.

    Returns a dict: ``F`` (complex, shape of the broadcast), ``error_estimate``, ``diffusive``
    (the diffusive approximation, complex), ``rate`` (Gamma, 1/s), ``diffusion_tensor`` (6 x 6
    D0), ``force_torque`` (F0), ``backend``."""
    dx = np.asarray(dx, dtype=float)
    if dx.ndim == 0 or dx.shape[-1] != 3:
        raise InputError(f"dx = array of shape {dx.shape}: expected displacements (m) of shape (..., 3)")
    angle = np.asarray(angle, dtype=float)
    shape = np.broadcast_shapes(dx.shape[:-1], angle.shape)
    flat_dx = np.ascontiguousarray(np.broadcast_to(dx, shape + (3,)).reshape(-1, 3))
    flat_angle = np.ascontiguousarray(np.broadcast_to(angle, shape).reshape(-1))
    r = _core.localization(model, flat_dx, flat_angle, [float(a) for a in axis], float(tolerance),
                           backend)
    for key in ("F", "error_estimate", "diffusive"):
        r[key] = r[key].reshape(shape)
    return r


def ftable(config, overrides=None, backend="auto", out=None, max_memory=""):
    """``nanodecoh ftable CONFIG``: the table of F_{R_i,R_j}(dX_k) of an ftable configuration
    (docs/ftable-config.md; a dict, TOML text or a path; ``overrides`` as ``--set``). With
    ``out``, also writes the file ``ftable --out`` writes. Returns a dict: ``F``,
    ``error_estimates`` and ``diffusive`` shaped [P, P, D] (1/s; [i, j, k] = F_{R_i,R_j}(dX_k)),
    ``orientations`` [P, 3, 3], ``angles`` (rad), ``displacements`` [D, 3] (m), ``coordinate``
    (m, line displacements), ``rate``, ``tolerance``, ``diffusion_tensor``, ``force_torque``,
    ``max_error_estimate``, ``backend``, ``method``, ``config``."""
    if config is None:
        raise InputError("config = None: expected an ftable configuration (dict, TOML text or path)")
    text, source = _config_source(config)
    return _core.ftable(text, source, _assignments(overrides), backend, max_memory,
                        "" if out is None else os.fspath(out))


def rates(radius, chi_real, chi_imag, temperature, dx, permittivity=None, material=None,
          density=None, mass=None, t_internal=None, shape_factor=0.5):
    """``nanodecoh rates``: momentum diffusion, decoherence and drag of a sphere of ``radius``
    (m) in blackbody radiation at ``temperature`` (K), as a magnetic dipole (volume
    susceptibility ``chi_real`` + i ``chi_imag``) and as an electric dipole (constant
    ``permittivity`` or a ``material`` preset / .toml file), for a superposition size ``dx``
    (m); ``density`` (kg/m^3) or ``mass`` (kg); ``t_internal`` (K, default ``temperature``).
    Returns the dict ``rates --json`` prints (SI units; ``units`` names each key's unit;
    docs/rates.md)."""
    return json.loads(_core.rates(radius, chi_real, chi_imag, temperature, dx, permittivity,
                                  material, density, mass, t_internal, shape_factor))


def outgassing(q, unit, radius, temperature):
    """``nanodecoh outgassing``: the emission rate Gamma = q/(k_B T) 4 pi r^2 (1/s) of a sphere
    of ``radius`` (m) from the specific outgassing rate ``q`` in ``unit`` ("pa-m3-per-s-m2",
    "torr-l-per-s-cm2", "mbar-l-per-s-cm2") at gas ``temperature`` (K). Returns a dict with
    ``rate`` and ``particle_flux_per_area`` (1/(m^2 s)); arrays broadcast."""
    q, radius, temperature = np.broadcast_arrays(np.asarray(q, float), np.asarray(radius, float),
                                                 np.asarray(temperature, float))
    rate = np.empty(q.shape)
    flux = np.empty(q.shape)
    for index in np.ndindex(q.shape):
        r = _core.outgassing(float(q[index]), unit, float(radius[index]),
                             float(temperature[index]))
        rate[index] = r["rate"]
        flux[index] = r["particle_flux_per_area"]
    if rate.ndim == 0:
        return {"rate": float(rate), "particle_flux_per_area": float(flux)}
    return {"rate": rate, "particle_flux_per_area": flux}


# ---- sweeps ----------------------------------------------------------------------------

class SweepResult:
    """A sweep (from :func:`sweep` or :func:`load_sweep`).

    ``keys``: the swept keys, in order (one dimension each; with ``zip`` one dimension named
    ``point``); ``coords``: key -> values (floats where all are numbers, else TOML texts);
    ``shape``; ``summaries``: each point's summary (as ``evolve --json``), in sweep order (last
    key fastest); ``series``: name -> array shaped [sweep dims..., output, ...];
    ``wall_seconds``: array over the sweep; ``dims``: name -> dimension names of that array;
    ``units``: name -> unit (as in the file's ``unit`` attributes);
    ``table_builds``, ``propagator_builds``, ``computed``, ``found``: diagnostics of the run
    (F tables computed, propagators built, points run now, points resumed; None for a sweep
    on Dask or one read by load_sweep); ``data``: an xarray.Dataset when xarray is installed,
    else None.
    """

    def __init__(self, path):
        import h5py
        with h5py.File(path, "r") as f:
            if _decode(f.attrs.get("kind", "")) != "nanodecoh sweep":
                raise InputError(f"path = {path!r}: expected a sweep file of nanodecoh")
            self.config = _decode(f.attrs["config"])
            self.keys = json.loads(_decode(f.attrs["keys"]))
            self.zip = bool(f.attrs["zip"])
            self.coords = {}
            for k, key in enumerate(self.keys):
                g = f["sweep"][str(k)]
                if "coordinates" in g:
                    self.coords[key] = g["coordinates"][()]
                else:
                    self.coords[key] = np.array(json.loads(_decode(g.attrs["values"])))
            self.wall_seconds = f["wall_seconds"][()]
            self.shape = self.wall_seconds.shape
            self.summaries = json.loads(_decode(f.attrs["summaries"]))
            for s, w in zip(self.summaries, self.wall_seconds.reshape(-1)):
                s["wall_seconds"] = float(w)
            self.series = {}
            self.units = {}

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    self.series[name] = obj[()]
                    self.units[name] = _decode(obj.attrs.get("unit", ""))
            f["timeseries"].visititems(visit)
        self.sweep_dims = ["point"] if self.zip else list(self.keys)
        self.dims = {}
        for name, a in self.series.items():
            extra = ["output"] + ([name.split("/")[0]] if name.endswith("/distribution") else [])
            self.dims[name] = self.sweep_dims + extra[: a.ndim - len(self.sweep_dims)]
        self.table_builds = None
        self.propagator_builds = None
        self.computed = None
        self.found = None
        self.data = self._to_xarray()

    def _to_xarray(self):
        try:
            import xarray
        except ImportError:
            return None
        coords = {}
        if self.zip:
            for key in self.keys:
                coords[key] = ("point", self.coords[key])
        else:
            coords = {key: self.coords[key] for key in self.keys}
        variables = {name: (self.dims[name], a) for name, a in self.series.items()}
        variables["wall_seconds"] = (self.sweep_dims, self.wall_seconds)
        ds = xarray.Dataset(variables, coords=coords)
        for name in self.series:
            if self.units.get(name):
                ds[name].attrs["units"] = self.units[name]
        ds["wall_seconds"].attrs["units"] = "s"
        return ds


def load_sweep(path):
    """Reads a sweep file (``nanodecoh sweep --out``, docs/sweep-file.md)."""
    return SweepResult(os.fspath(path))


_worker_sweeps = {}


def _dask_point(arguments, index, out):
    """Runs one sweep point on a Dask worker (its Sweep object, and so its F tables, kept per
    worker process for the next points)."""
    sweep_object = _worker_sweeps.get(arguments)
    if sweep_object is None:
        text, source, overrides, vary, zip_, backend, max_memory = arguments
        sweep_object = _core.Sweep(text, source, list(overrides),
                                   [(k, list(v)) for k, v in vary], zip_, backend, max_memory)
        _worker_sweeps.clear()
        _worker_sweeps[arguments] = sweep_object
    return sweep_object.run_point(index, out)


def sweep(config=None, vary=None, overrides=None, zip=False, out=None, backend="",
          max_memory="", client=None, progress=None):
    """Runs evolve over the outer product of ``vary`` (key -> list of values; last key fastest)
    or, with ``zip=True``, over the zipped lists. ``out``: the sweep's HDF5 file (default: a
    temporary one); a sweep started again with the same ``out`` resumes, skipping the finished
    points. ``client``: a dask.distributed.Client to run the points on its workers (the parts
    folder ``out + '.parts'`` must be on a file system the workers share). ``progress``: a
    callable ``progress(done, total)``, or True for a tqdm bar (when tqdm is installed).
    Returns a :class:`SweepResult`."""
    if not vary:
        raise InputError("vary = {}: expected at least one key with a list of values")
    text, source = _config_source(config)
    vary_texts = tuple((k, tuple(_toml_value(v, k) for v in np.atleast_1d(values).tolist()))
                       for k, values in vary.items())
    assignments = tuple(_assignments(overrides))
    arguments = (text, source, assignments, vary_texts, bool(zip), backend, max_memory)
    engine = _core.Sweep(text, source, list(assignments), [(k, list(v)) for k, v in vary_texts],
                         bool(zip), backend, max_memory)
    temporary = None
    if out is None:
        temporary = tempfile.mkdtemp(prefix="nanodecoh-sweep-")
        out = os.path.join(temporary, "sweep.h5")
    out = os.path.abspath(os.fspath(out))
    callback, bar = _progress_bar(progress, engine.size, "point")
    if bar is not None:
        def callback(done, total):
            bar.update(done - bar.n)
    try:
        if client is None:
            report = engine.run(out, callback)
        else:
            report = _run_on_dask(client, engine, arguments, out, callback)
        result = SweepResult(out)
        result.table_builds = report["table_builds"]
        result.propagator_builds = report["propagator_builds"]
        result.computed = report["computed"]
        result.found = report["found"]
        if temporary is not None:
            result.path = None
        else:
            result.path = out
        return result
    finally:
        if bar is not None:
            bar.close()
        if temporary is not None:
            shutil.rmtree(temporary, True)


def _run_on_dask(client, engine, arguments, out, callback):
    """Farms the points out (one task each; a task lost with its worker is rerun by Dask),
    then assembles the file from the points' files."""
    from dask.distributed import as_completed
    futures = client.map(_dask_point, [arguments] * engine.size, range(engine.size),
                         [out] * engine.size, pure=False, retries=2)
    computed = found = 0
    for done, future in enumerate(as_completed(futures), start=1):
        if future.result():
            computed += 1
        else:
            found += 1
        if callback:
            callback(done, engine.size)
    engine.assemble(out)
    return {"computed": computed, "found": found, "table_builds": None, "propagator_builds": None}
