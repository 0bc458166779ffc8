#!/usr/bin/env bash
# One call that verifies the CUDA backend on a GPU machine (issue 9 item 7, issue 15 item 7):
# configures and builds with CUDA (first run on a fresh machine), runs every test (the CUDA
# cases of the backend-parameterised suites included), both backend suites under
# compute-sanitizer (memcheck, racecheck, initcheck), CPU against CUDA on multi-block grids
# (1-D 4096, 2-D 64 x 64, >= 2^20 uneven sizes) in both precisions with trace, purity and
# all_finite, then the benchmarks (advance(1) against advance(64) included). It appends one
# dated section to bench/RESULTS.md: machine, date, revision, each stage's result, time,
# estimate and limit, and the benchmark tables. Every stage has a time estimate and a hard
# `timeout`; the estimates add up to under 8 minutes on an H100/H200 (16 cores).
#
# Usage: scripts/gpu-check.sh [--dry-run] [--build-dir DIR] [--results FILE] [--out-dir DIR]
#   --dry-run     print the stages with their commands, estimates and limits, check the tools
#                 and the time budget, run nothing (exit 0 when the plan fits in 8 minutes)
#   --build-dir   CUDA build directory (default build-gpu)
#   --results     file to append to (default bench/RESULTS.md)
#   --out-dir     also copy the new section and every stage log there (default: $OUT if set)
# Environment: NVIDIA_SMI (default nvidia-smi), CUDA_HOME (default /usr/local/cuda),
#              GPU_CHECK_JOBS (build jobs, default nproc).
# Exit codes: 0 every stage passed; 1 a stage failed (see the logs); 2 bad usage or no usable
# GPU (one line says why; nothing is built and nothing is appended).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=build-gpu
results=$root/bench/RESULTS.md
out_dir=${OUT:-}
dry_run=false
while [[ $# -gt 0 ]]; do
  case $1 in
    --dry-run) dry_run=true ;;
    --build-dir) build=${2:?--build-dir needs a directory}; shift ;;
    --results) results=${2:?--results needs a file}; shift ;;
    --out-dir) out_dir=${2:?--out-dir needs a directory}; shift ;;
    *) echo "gpu-check: unknown argument '$1' (allowed: --dry-run, --build-dir DIR, --results FILE, --out-dir DIR)" >&2; exit 2 ;;
  esac
  shift
done
[[ $build = /* ]] || build=$root/$build
cuda_home=${CUDA_HOME:-/usr/local/cuda}
nvidia_smi=${NVIDIA_SMI:-nvidia-smi}
jobs=${GPU_CHECK_JOBS:-$(nproc)}
budget_s=480  # 8 minutes
total_limit=${GPU_CHECK_TOTAL_LIMIT:-570}

# ---- the plan: name | estimate (s) | hard limit (s) | command --------------------------------
# Estimates for an H100/H200 host with 16 cores; each limit leaves room for a slower machine,
# and no stage may run past the overall limit (GPU_CHECK_TOTAL_LIMIT, default 570 s, so that the
# script finishes inside one 10-minute call): a stage gets min(its limit, the time left), and
# stages with no time left are recorded as not run. The CUDA build dominates; ccache (used
# when installed) makes a second run's build take seconds.
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
configure_cmd="cmake -S '$root' -B '$build' -DCMAKE_BUILD_TYPE=Release -DNANODECOH_CUDA=ON -DNANODECOH_BENCH=ON -DCMAKE_CUDA_COMPILER='$cuda_home/bin/nvcc' -DCMAKE_CUDA_ARCHITECTURES=native ${launcher[*]}"
build_cmd="'$root/scripts/install-deps.sh' && $configure_cmd >/dev/null && cmake --build '$build' -j $jobs"
sanitizer="$cuda_home/bin/compute-sanitizer"
command -v compute-sanitizer >/dev/null 2>&1 && [[ ! -x $sanitizer ]] && sanitizer=$(command -v compute-sanitizer)
bin=$build/bin
# The CUDA cases of the two backend suites that the sanitizers (10-100x slower kernels) can
# afford: every kernel path on few steps (1-D and complex F, reductions, all_finite, spreading,
# the CUDA runs with stop flag, checkpoints and the CLI, and the 2-D and 3-D uneven grids);
# the long dense-Liouvillian and free-flight runs repeat the same kernels and stay out.
e='Backends/PhysicsOnEveryBackend'
evo_filter="$e.GaussianSpreading*/cuda_*:$e.TraceHermiticity*/cuda_*:$e.NonFinite*/cuda_*:$e.Janus*/cuda_*:$e.NoPotential*/cuda_*:CudaRuns.*:Grids/CudaAgainstCpu.*/x33_phi31_c128:Grids/CudaAgainstCpu.*/x11_y10_z9_c64"
loc_filter='*Cuda*:*cuda*'
sanitize() {  # tool -> command
  local extra=""
  [[ $1 = initcheck ]] && extra="--track-unused-memory no"
  echo "{ [[ -x '$sanitizer' ]] || { echo 'compute-sanitizer not found at $sanitizer (part of the CUDA toolkit)'; exit 3; }; } && '$sanitizer' --tool $1 $extra --error-exitcode 1 --print-limit 20 '$bin/test_evolution_backends' --gtest_filter='$evo_filter' && '$sanitizer' --tool $1 $extra --error-exitcode 1 --print-limit 20 '$bin/test_localization' --gtest_filter='$loc_filter'"
}
bench_json=$build/gpu-check-bench
bench_cmd() {  # program filter
  echo "mkdir -p '$bench_json' && NANODECOH_BENCH_SKIP_REFERENCE_CPU=1 '$bin/$1' --benchmark_filter='$2' --benchmark_min_time=0.05 --benchmark_out='$bench_json/$1.json' --benchmark_out_format=json"
}
stages=(
  "device|5|30|'$nvidia_smi' -L && '$bin/nanodecoh' device --json"
  "tests (ctest, every test, CUDA cases included)|60|150|ctest --test-dir '$build' -j $jobs --output-on-failure -E 'CudaAgainstCpu'"
  "memcheck (compute-sanitizer, backend suites)|45|120|$(sanitize memcheck)"
  "racecheck (compute-sanitizer, backend suites)|45|120|$(sanitize racecheck)"
  "initcheck (compute-sanitizer, backend suites)|35|120|$(sanitize initcheck)"
  "multi-block CPU against CUDA (4096, 64x64, >= 2^20 uneven; c128, c64)|40|150|'$bin/test_evolution_backends' --gtest_filter='Grids/CudaAgainstCpu.*'"
  "bench_roofline|5|60|$(bench_cmd bench_roofline '.')"
  "bench_split_step (advance(1) against advance(64))|20|90|$(bench_cmd bench_split_step '.')"
  "bench_localization (CUDA tables, reference table)|30|150|$(bench_cmd bench_localization 'cuda|BM_table_cpu/4/16')"
)
build_stage="build (configure with CUDA, compile)|150|300|$build_cmd"
# tests/scripts/test_gpu_check.sh replaces the stages with stand-ins to test the logic below
# (limits, failures, the appended section) on a machine without a GPU.
[[ -n ${GPU_CHECK_TEST_STAGES:-} ]] && source "$GPU_CHECK_TEST_STAGES"

estimate_total=0
for s in "$build_stage" "${stages[@]}"; do
  IFS='|' read -r _ est _ _ <<<"$s"
  estimate_total=$((estimate_total + est))
done

if $dry_run; then
  echo "gpu-check plan (estimates for an H100/H200 host; hard limits per stage):"
  i=0
  for s in "$build_stage" "${stages[@]}"; do
    IFS='|' read -r name est limit cmd <<<"$s"
    i=$((i + 1))
    printf '  %d. %s: estimate %s s, limit %s s\n     %s\n' "$i" "$name" "$est" "$limit" "$cmd"
  done
  echo "  total estimate: $estimate_total s (budget $budget_s s; overall hard limit $total_limit s)"
  for tool in cmake ctest "$cuda_home/bin/nvcc" "$sanitizer" "$nvidia_smi" timeout; do
    if command -v "$tool" >/dev/null 2>&1 || [[ -x $tool ]]; then echo "  tool found: $tool"; else echo "  tool missing here: $tool"; fi
  done
  if ((estimate_total > budget_s)); then
    echo "gpu-check: the plan's estimate ($estimate_total s) exceeds the budget of $budget_s s" >&2
    exit 1
  fi
  exit 0
fi

# ---- preflight: a GPU and the toolkit, or one line and exit code 2 ---------------------------
if ! gpus=$("$nvidia_smi" -L 2>/dev/null) || [[ -z $gpus ]]; then
  echo "gpu-check: no usable GPU: '$nvidia_smi -L' lists no device (run this on a machine with an NVIDIA GPU and driver)" >&2
  exit 2
fi
if [[ ! -x $cuda_home/bin/nvcc ]]; then
  echo "gpu-check: $cuda_home/bin/nvcc not found (set CUDA_HOME to the CUDA toolkit)" >&2
  exit 2
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
stage_lines=()
failed=0
total_start=$(date +%s)
run_stage() {  # "name|estimate|limit|command"
  local name est limit cmd start code elapsed status log
  IFS='|' read -r name est limit cmd <<<"$1"
  local left=$((total_limit - ($(date +%s) - total_start)))
  if ((left < 5)); then
    failed=1
    stage_lines+=("Stage $((${#stage_lines[@]} + 1)) $name=NOT RUN (the overall limit of $total_limit s was reached)")
    return 124
  fi
  ((limit > left)) && limit=$left
  log=$logs/stage$((${#stage_lines[@]} + 1)).log
  echo "gpu-check: $name (estimate $est s, limit $limit s)" >&2
  start=$(date +%s)
  timeout --kill-after=10 "$limit" bash -c "$cmd" >"$log" 2>&1
  code=$?
  elapsed=$(($(date +%s) - start))
  if ((code == 0)); then status=pass
  elif ((code == 124 || code == 137)); then status="FAIL (timed out after $limit s)"
  else status="FAIL (exit code $code; last line: $(tail -n1 "$log" | tr -d '|' | cut -c1-160))"
  fi
  [[ $status = pass ]] || failed=1
  echo "gpu-check:   $status in $elapsed s" >&2
  stage_lines+=("Stage $((${#stage_lines[@]} + 1)) $name=$status, $elapsed s (estimate $est s, limit $limit s)")
  return $code
}

if run_stage "$build_stage"; then
  for s in "${stages[@]}"; do run_stage "$s"; done
else
  stage_lines+=("Later stages=not run: the build failed")
fi
total=$(($(date +%s) - total_start))

# ---- append the section ------------------------------------------------------------------------
cpu=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
gpu_names=$(echo "$gpus" | sed 's/ (UUID.*//; s/^GPU [0-9]*: //' | paste -sd ';' -)
driver=$("$nvidia_smi" --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n1)
toolkit=$("$cuda_home/bin/nvcc" --version 2>/dev/null | grep -o 'release [0-9.]*' | head -n1)
revision=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]] && revision="$revision (with uncommitted changes)"
bench_args=()
for program in bench_roofline bench_split_step bench_localization; do
  if [[ -s $bench_json/$program.json ]]; then bench_args+=(--bench "$program" "$bench_json/$program.json" ok)
  else bench_args+=(--bench "$program" - "no output (see the stage result above)"); fi
done
before=$(wc -c <"$results" 2>/dev/null || echo 0)
meta=(--meta "Run=scripts/gpu-check.sh: $([[ $failed = 0 ]] && echo 'every stage passed' || echo 'SOME STAGES FAILED'), $total s in all (estimate $estimate_total s)"
  --meta "Machine=${cpu:-$(uname -m)}, $(nproc) cores, GPU: $gpu_names"
  --meta "Date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  --meta "Backend=cuda (driver $driver, CUDA $toolkit, architectures native)"
  --meta "Build=Release"
  --meta "Git revision=$revision")
for line in "${stage_lines[@]}"; do meta+=(--meta "$line"); done
/usr/bin/env python3 "$root/bench/format_results.py" --append "$results" "${meta[@]}" "${bench_args[@]}"
echo "gpu-check: appended to $results" >&2
if [[ -n $out_dir ]]; then
  mkdir -p "$out_dir"
  tail -c +$((before + 1)) "$results" >"$out_dir/gpu-check-section.md"
  cp "$logs"/*.log "$out_dir/" 2>/dev/null
  cp "$bench_json"/*.json "$out_dir/" 2>/dev/null
fi
exit $failed
