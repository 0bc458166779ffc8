#!/usr/bin/env python3
"""Turns Google Benchmark JSON output into one markdown section of bench/RESULTS.md.

Called by scripts/run-bench.sh; standard library only. It tolerates a bench
executable that was not built (a module not merged yet), one that crashed, and
benchmarks that were skipped (`error_occurred` / `skipped` in the JSON).

Usage:
  format_results.py --append bench/RESULTS.md --meta "Machine=..." --meta "Date=..." \
      --bench bench_roofline out/bench_roofline.json ok \
      --bench bench_split_step - "not built"

Each table row: benchmark name, time per iteration (real and CPU), iterations, and
every user counter (nodes/s, bytes/s, flops, fraction of peak, ...). Rates are
printed with SI prefixes; counters whose name contains "fraction" or "of_peak" as
percentages. When the run includes bench_roofline, a "ceilings" line lists the
measured copy bandwidth and FMA rates, and rows with a `bytes_per_second` or
`flops` counter and a backend in their name (cuda/gpu/device vs cpu/host) get a
"of ceiling" column: achieved / measured ceiling of that backend.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

STANDARD_KEYS = {
    "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
    "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit", "label",
    "error_occurred", "error_message", "skipped", "skip_message", "aggregate_name", "aggregate_unit",
    "big_o", "rms", "complexity_n",
}

HEADER = """# Benchmark results

This file is appended to by `make bench` (`scripts/run-bench.sh BUILD_DIR`), which
runs every `BUILD_DIR/bin/bench_*` Google Benchmark program with
`--benchmark_format=json` and formats the output with `bench/format_results.py`.
Each run adds one dated section with the machine (CPU model and cores from
/proc/cpuinfo, GPU from `nanodecoh device --json`), the backend, the git revision
and one table per benchmark program. Earlier sections are never rewritten, so
results of different machines accumulate here; compare rows only within a machine.

Columns: time per iteration (wall clock, and CPU time of the main thread), then
the benchmark's own counters (`nodes_per_second`, `bytes_per_second`, `flops`,
`fraction_of_peak`, ...). What each benchmark measures and how the ceilings are
obtained is in `docs/performance.md`. Rows marked "skipped" did not run on that
machine (e.g. CUDA cases without a usable GPU) and say why.

"""

SI_PREFIXES = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def si(value: float, unit: str = "") -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return str(value)
    magnitude = abs(value)
    for scale, prefix in SI_PREFIXES:
        if magnitude >= scale:
            return f"{value / scale:.4g} {prefix}{unit}".rstrip()
    return f"{value:.4g} {unit}".rstrip()


def format_counter(name: str, value) -> str:
    if not isinstance(value, (int, float)):
        return str(value)
    lower = name.lower()
    if "fraction" in lower or "of_peak" in lower or "efficiency" in lower:
        return f"{100.0 * value:.1f} %"
    if "bytes" in lower:
        return si(value, "B/s") if ("per_second" in lower or lower.endswith("_s")) else si(value, "B")
    if "flop" in lower:
        return si(value, "FLOP/s")
    if "per_second" in lower:
        return si(value, "/s")
    return si(value)


def format_time(value, unit: str) -> str:
    if not isinstance(value, (int, float)):
        return "—"
    return f"{value:.4g} {unit}"


def skip_reason(bench: dict) -> str | None:
    if bench.get("error_occurred"):
        return bench.get("error_message") or "error"
    skipped = bench.get("skipped")
    if skipped:
        return bench.get("skip_message") or bench.get("error_message") or "skipped"
    return None


def select_rows(benchmarks: list[dict]) -> list[dict]:
    """Iteration rows; where repetitions produced aggregates, only the median (or mean) aggregate."""
    aggregated = {b.get("run_name") for b in benchmarks if b.get("run_type") == "aggregate"}
    rows = []
    for b in benchmarks:
        run_name = b.get("run_name", b.get("name"))
        if run_name in aggregated:
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") in ("median",):
                rows.append(b)
        else:
            rows.append(b)
    return rows


def backend_of(name: str) -> str | None:
    lower = name.lower()
    if any(tag in lower for tag in ("cuda", "gpu", "device")):
        return "device"
    if any(tag in lower for tag in ("cpu", "host", "omp")):
        return "host"
    return None


def ceilings_from(results: dict) -> dict:
    """Measured ceilings from bench_roofline's JSON: {(backend, kind): value}."""
    data = results.get("bench_roofline")
    out = {}
    if not data:
        return out
    for b in data.get("benchmarks", []):
        if skip_reason(b):
            continue
        name = b.get("name", "")
        side = "device" if name.startswith("BM_Device") else "host"
        if "CopyBandwidth" in name and "bytes_per_second" in b:
            out[(side, "bytes_per_second")] = b["bytes_per_second"]
        if "FmaRate/64" in name and "flops" in b:
            out[(side, "flops64")] = b["flops"]
        if "FmaRate/32" in name and "flops" in b:
            out[(side, "flops32")] = b["flops"]
    return out


def fraction_of_ceiling(bench: dict, ceilings: dict) -> str:
    side = backend_of(bench.get("name", ""))
    if side is None:
        return "—"
    parts = []
    if "bytes_per_second" in bench and (side, "bytes_per_second") in ceilings:
        parts.append(f"{100 * bench['bytes_per_second'] / ceilings[(side, 'bytes_per_second')]:.1f} % BW")
    if "flops" in bench:
        precision = "flops32" if any(t in bench.get("name", "").lower() for t in ("float32", "/32", "single")) \
            else "flops64"
        if (side, precision) in ceilings:
            parts.append(f"{100 * bench['flops'] / ceilings[(side, precision)]:.1f} % FMA")
    return ", ".join(parts) or "—"


def table(name: str, data: dict, ceilings: dict) -> list[str]:
    benchmarks = select_rows(data.get("benchmarks", []))
    if not benchmarks:
        return [f"### {name}", "", "(no benchmarks in the output)", ""]
    counters = []
    for b in benchmarks:
        for key, value in b.items():
            if key not in STANDARD_KEYS and isinstance(value, (int, float)) and key not in counters:
                counters.append(key)
    with_ceiling = name != "bench_roofline" and bool(ceilings) and any(
        backend_of(b.get("name", "")) and ("bytes_per_second" in b or "flops" in b) for b in benchmarks)
    head = ["benchmark", "time/iter", "CPU time/iter", "iterations"] + counters
    if with_ceiling:
        head.append("of ceiling")
    head.append("note")
    lines = [f"### {name}", "", "| " + " | ".join(head) + " |",
             "| --- | " + " | ".join("---:" for _ in head[1:-1]) + " | --- |"]
    for b in benchmarks:
        reason = skip_reason(b)
        label = b.get("label", "")
        cells = [f"`{b.get('name', '?')}`"]
        if reason:
            cells += ["skipped"] + ["—"] * (len(head) - 3) + [f"skipped: {reason}".replace("|", "/")]
        else:
            unit = b.get("time_unit", "ns")
            cells += [format_time(b.get("real_time"), unit), format_time(b.get("cpu_time"), unit),
                      str(b.get("iterations", "—"))]
            cells += [format_counter(c, b[c]) if c in b else "—" for c in counters]
            if with_ceiling:
                cells.append(fraction_of_ceiling(b, ceilings))
            cells.append(label.replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def section(metas: list[str], benches: list[tuple[str, str, str]]) -> str:
    meta = dict(m.split("=", 1) for m in metas)
    title = f"## {meta.get('Date', '?')} — {meta.get('Machine', 'unknown machine')}"
    lines = [title, ""]
    for key, value in meta.items():
        lines.append(f"- {key}: {value}")
    lines.append("")
    results = {}
    problems = []
    for name, path, status in benches:
        if status != "ok" and (path == "-" or not os.path.exists(path)):
            problems.append((name, status))
            continue
        try:
            with open(path, encoding="utf-8") as f:
                results[name] = json.load(f)
        except (OSError, json.JSONDecodeError) as exc:
            problems.append((name, f"{status}; unreadable JSON ({exc.__class__.__name__})"))
            continue
        if status != "ok":
            problems.append((name, f"{status} (partial output below)"))
    ceilings = ceilings_from(results)
    if ceilings:
        parts = []
        for side in ("device", "host"):
            if (side, "bytes_per_second") in ceilings:
                parts.append(f"{side} copy {si(ceilings[(side, 'bytes_per_second')], 'B/s')}")
            for key, label in (("flops64", "FP64"), ("flops32", "FP32")):
                if (side, key) in ceilings:
                    parts.append(f"{side} {label} {si(ceilings[(side, key)], 'FLOP/s')}")
        lines += ["Measured ceilings (bench_roofline): " + "; ".join(parts) + ".", ""]
    for name, status in problems:
        lines.append(f"- `{name}`: {status}")
    if problems:
        lines.append("")
    for name in sorted(results):
        lines += table(name, results[name], ceilings)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Google Benchmark JSON -> markdown section")
    parser.add_argument("--append", help="results file to append to (created with a header if missing)")
    parser.add_argument("--meta", action="append", default=[], help="KEY=VALUE line of the section header")
    parser.add_argument("--bench", nargs=3, action="append", default=[], metavar=("NAME", "JSON", "STATUS"),
                        help="one bench program: its name, its JSON file ('-' if none), 'ok' or why not")
    args = parser.parse_args(argv)
    text = section(args.meta, args.bench)
    if args.append:
        new_file = not os.path.exists(args.append) or os.path.getsize(args.append) == 0
        with open(args.append, "a", encoding="utf-8") as f:
            if new_file:
                f.write(HEADER)
            f.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
