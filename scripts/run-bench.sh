#!/usr/bin/env bash
# Runs every BUILD_DIR/bin/bench_* Google Benchmark program with JSON output and
# APPENDS one dated section to bench/RESULTS.md (earlier sections are kept):
# machine (CPU model, cores, GPU), date (UTC), backend, git revision, and one
# markdown table per program (bench/format_results.py, standard-library Python).
# Usage: scripts/run-bench.sh BUILD_DIR        (called by `make bench`)
# Environment: BENCH_MIN_TIME (seconds per benchmark, default 0.05),
#              BENCH_TIMEOUT (seconds per program, default 1800: the localization
#              reference table takes ~7 min on 2 cores),
#              BENCH_RESULTS (file to append to, default bench/RESULTS.md).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
results=${BENCH_RESULTS:-$root/bench/RESULTS.md}
min_time=${BENCH_MIN_TIME:-0.05}
per_program_timeout=${BENCH_TIMEOUT:-1800}
if [[ ! -d "$build/bin" ]]; then
  echo "run-bench.sh: $build/bin does not exist; build first (make build)" >&2
  exit 2
fi
python=$(command -v python3 || true)
[[ -n "$python" ]] || { echo "run-bench.sh: python3 not found" >&2; exit 2; }

# ---- machine description ---------------------------------------------------
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
cpu=${cpu:-$(uname -m)}
cores=$(nproc)
gpu=none
backend=cpu
cuda_compiled=false
if [[ -x "$build/bin/nanodecoh" ]]; then
  device_json=$("$build/bin/nanodecoh" device --json 2>/dev/null || true)
  read -r gpu backend cuda_compiled < <("$python" -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    d = {}
name = (d.get("device_name") or "none").replace(" ", "_") if d.get("cuda_usable") else "none"
print(name, d.get("auto_backend", "cpu"), str(d.get("cuda_compiled", False)).lower())
' <<<"$device_json")
  gpu=${gpu//_/ }
fi
revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  revision="$revision (with uncommitted changes)"
fi
date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
build_type=$(grep -m1 '^CMAKE_BUILD_TYPE:' "$build/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || echo unknown)
cuda_arch=$(grep -m1 '^CMAKE_CUDA_ARCHITECTURES:' "$build/CMakeCache.txt" 2>/dev/null | cut -d= -f2 || true)

# ---- run the programs ----------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Programs expected once all modules are merged; a missing one is reported, not fatal.
expected=(bench_localization bench_split_step bench_roofline)
declare -A seen=()
bench_args=()
shopt -s nullglob
for exe in "$build"/bin/bench_*; do
  [[ -x "$exe" && -f "$exe" ]] || continue
  name=$(basename "$exe")
  seen[$name]=1
  out="$tmp/$name.json"
  echo "run-bench: $name (min time ${min_time}s per benchmark)" >&2
  status=ok
  code=0
  timeout "$per_program_timeout" "$exe" --benchmark_format=json --benchmark_out="$out" \
    --benchmark_out_format=json --benchmark_min_time="$min_time" >"$tmp/$name.stdout" 2>"$tmp/$name.stderr" || code=$?
  if [[ $code -ne 0 ]]; then
    if [[ $code -eq 124 ]]; then status="timed out after ${per_program_timeout} s"; else status="exited with code $code"; fi
    echo "run-bench: $name $status; last stderr line: $(tail -n1 "$tmp/$name.stderr")" >&2
  fi
  [[ -s "$out" ]] || out=-
  bench_args+=(--bench "$name" "$out" "$status")
done
for name in "${expected[@]}"; do
  [[ -n "${seen[$name]:-}" ]] || bench_args+=(--bench "$name" - "not built in $build (module not merged yet, or NANODECOH_BENCH=OFF)")
done

# The CPU goal of the split step (issue: faster than a plain numpy split-step of the same
# size, measured in the same run): numpy's Strang step at N = 1024 (bench/peers) against
# bench_split_step's cpu_1024_c128.
numpy_meta=()
if /usr/bin/python3 -c 'import numpy' 2>/dev/null && [[ -s "$tmp/bench_split_step.json" ]]; then
  numpy_json=$(cd "$root/bench/peers" && /usr/bin/python3 numpy_splitstep.py --n 1024 --steps 20 --repeats 2 2>/dev/null || true)
  comparison=$("$python" - "$tmp/bench_split_step.json" "$numpy_json" <<'PY' || true
import json, sys
bench = json.load(open(sys.argv[1]))
numpy_run = json.loads(sys.argv[2])
ours = [b for b in bench.get("benchmarks", []) if b["name"].startswith("cpu_1024_c128") and "s_per_step" in b]
numpy_step = numpy_run["wall_s"] / numpy_run["steps"]
if ours:
    s = ours[0]["s_per_step"]
    print(f"numpy {numpy_step*1e3:.3g} ms/step vs nanodecoh cpu_1024_c128 {s*1e3:.3g} ms/step: nanodecoh {numpy_step/s:.2f}x faster" if s < numpy_step else
          f"numpy {numpy_step*1e3:.3g} ms/step vs nanodecoh cpu_1024_c128 {s*1e3:.3g} ms/step: numpy {s/numpy_step:.2f}x faster")
PY
)
  [[ -n "$comparison" ]] && numpy_meta=(--meta "CPU split step vs numpy (N 1024, same run)=$comparison (numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)') on one thread; nanodecoh with OpenMP on every core)")
fi

"$python" "$root/bench/format_results.py" --append "$results" "${numpy_meta[@]}" \
  --meta "Machine=$cpu, $cores cores, GPU: $gpu" \
  --meta "Date=$date_utc" \
  --meta "Backend=$backend (CUDA compiled: $cuda_compiled${cuda_arch:+, architectures $cuda_arch})" \
  --meta "Build=$build_type" \
  --meta "Git revision=$revision" \
  --meta "Minimum time per benchmark=${min_time} s" \
  --meta "Load average at start=$(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the machine when above 0)" \
  "${bench_args[@]}"
echo "run-bench: appended to $results" >&2
