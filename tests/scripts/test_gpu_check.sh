#!/usr/bin/env bash
# Tests of scripts/gpu-check.sh that need no GPU: the plan (--dry-run) lists every stage with an
# estimate and a hard limit and fits in 8 minutes; without a GPU the script stops at once with
# one line and exit code 2, builds nothing and appends nothing; a bad argument gives exit code 2.
# Usage: test_gpu_check.sh SOURCE_DIR WORK_DIR
set -uo pipefail
src=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
script=$src/scripts/gpu-check.sh
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The plan.
plan=$("$script" --dry-run --build-dir "$work/build-gpu") || fail "--dry-run exited with $?"
stages=$(grep -cE '^  [0-9]+\. .*: estimate [0-9]+ s, limit [0-9]+ s$' <<<"$plan")
((stages == 10)) || fail "expected 10 stages with estimate and limit, found $stages: $plan"
for stage in build device tests memcheck racecheck initcheck multi-block bench_roofline \
  bench_split_step bench_localization; do
  grep -q "^  [0-9]*\. $stage" <<<"$plan" || fail "stage '$stage' missing from the plan"
done
# Every limit is at least its estimate, and the estimates add up to the stated total <= 480 s.
sum=0
while read -r est limit; do
  ((limit >= est)) || fail "a stage's limit ($limit s) is below its estimate ($est s)"
  sum=$((sum + est))
done < <(sed -nE 's/.*: estimate ([0-9]+) s, limit ([0-9]+) s$/\1 \2/p' <<<"$plan")
total=$(sed -nE 's/.*total estimate: ([0-9]+) s.*/\1/p' <<<"$plan")
((sum == total)) || fail "stage estimates add up to $sum s, the plan says $total s"
((total <= 480)) || fail "total estimate $total s exceeds 8 minutes"
grep -q -- "--tool memcheck" <<<"$plan$(cat "$script")" || fail "no memcheck stage"
grep -q "CudaAgainstCpu" <<<"$plan" || fail "no multi-block stage"
[[ ! -e $work/build-gpu ]] || fail "--dry-run created the build directory"

# 2. No GPU: one line, exit code 2, nothing built or appended.
NVIDIA_SMI=false "$script" --build-dir "$work/build-gpu" --results "$work/RESULTS.md" \
  --out-dir "$work/out" >"$work/stdout" 2>"$work/stderr"
code=$?
((code == 2)) || fail "without a GPU: exit code $code, expected 2; stderr: $(cat "$work/stderr")"
(($(wc -l <"$work/stderr") == 1)) || fail "without a GPU: expected one line, got: $(cat "$work/stderr")"
grep -q "no usable GPU" "$work/stderr" || fail "without a GPU: message does not say why: $(cat "$work/stderr")"
[[ ! -e $work/RESULTS.md && ! -e $work/build-gpu && ! -e $work/out ]] ||
  fail "without a GPU the script built or appended something"

# 3. Bad usage.
"$script" --no-such-flag >/dev/null 2>"$work/stderr"
code=$?
((code == 2)) || fail "bad argument: exit code $code, expected 2"
grep -q -- "--no-such-flag" "$work/stderr" || fail "bad argument not named: $(cat "$work/stderr")"
echo "gpu-check.sh: plan, no-GPU refusal and usage errors as documented"

# 4. The stage logic with stand-in stages and a stand-in GPU: a pass, a failure with its last
# line, a stage cut at its hard limit, a stage not run because the overall limit is spent; the
# section appended to the results file and copied to the out dir; exit code 1.
mkdir -p "$work/fake/bin"
printf '#!/bin/sh\necho "GPU 0: Stand-in GPU (UUID: none)"\n' >"$work/fake/nvidia-smi"
printf '#!/bin/sh\necho "Cuda compilation tools, release 99.9"\n' >"$work/fake/bin/nvcc"
chmod +x "$work/fake/nvidia-smi" "$work/fake/bin/nvcc"
cat >"$work/stages.sh" <<'STAGES'
build_stage="build|1|10|true"
stages=(
  "passing|1|10|echo fine"
  "failing|1|10|echo 'first line'; echo 'the reason'; exit 3"
  "slow|1|5|sleep 30"
  "late|1|10|true"
)
STAGES
printf '# Benchmark results\n\nearlier section\n' >"$work/RESULTS.md"
GPU_CHECK_TEST_STAGES=$work/stages.sh GPU_CHECK_TOTAL_LIMIT=8 NVIDIA_SMI=$work/fake/nvidia-smi \
  CUDA_HOME=$work/fake "$script" --build-dir "$work/build-gpu" --results "$work/RESULTS.md" \
  --out-dir "$work/out" >"$work/stdout" 2>"$work/stderr"
code=$?
((code == 1)) || fail "stand-in stages: exit code $code, expected 1; stderr: $(cat "$work/stderr")"
results=$(cat "$work/RESULTS.md")
grep -q "earlier section" <<<"$results" || fail "the earlier section was not kept"
for expected in "Stage 1 build: pass" "Stage 2 passing: pass" \
  "Stage 3 failing: FAIL (exit code 3; last line: the reason)" \
  "Stage 4 slow: FAIL (timed out after 5 s)" \
  "Stage 5 late: NOT RUN (the overall limit of 8 s was reached)" \
  "GPU: Stand-in GPU" "SOME STAGES FAILED"; do
  grep -qF "$expected" <<<"$results" || fail "'$expected' missing from the appended section: $results"
done
[[ -s $work/out/gpu-check-section.md ]] || fail "the section was not copied to the out dir"
grep -q "earlier section" "$work/out/gpu-check-section.md" && fail "the out-dir copy holds more than the new section"
echo "gpu-check.sh: stage results, limits and the appended section as documented"
