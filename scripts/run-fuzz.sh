#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang (NANODECOH_FUZZ=ON) in
# BUILD_DIR (default build-fuzz) and runs each for FUZZ_SECONDS (default 60) on
# a working copy of its seed corpus tests/fuzz/corpus/<name> (the repository's
# seeds are read, never written). A crash, leak, sanitizer report, timeout or
# out-of-memory stops the script with a non-zero status; the input that caused
# it is in BUILD_DIR/fuzz-artifacts/. Needs clang and Debian's libfuzzer-14-dev
# (scripts/install-deps.sh --with-fuzz).
# FUZZ_SEED (default 0: random) fixes libFuzzer's seed. FUZZ_RUNS (default 0: off) runs each
# harness on exactly that many inputs instead of for FUZZ_SECONDS, as .ci/run does, so that
# the budget does not depend on the machine's speed (libFuzzer's choices also follow
# coverage, so two machines may still try different inputs). Every input in
# tests/fuzz/regressions/ for a harness is replayed first, in both modes.
# Usage: scripts/run-fuzz.sh [harness...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-0}
jobs=${JOBS:-$(nproc)}
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(fuzz_evolve_config fuzz_ftable_config fuzz_mesh fuzz_csv fuzz_hdf5_inputs)

if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNANODECOH_FUZZ=ON -DNANODECOH_CUDA=OFF -DNANODECOH_TESTS=OFF -DNANODECOH_BENCH=OFF \
    ${CMAKE_ARGS:-}
fi
cmake --build "$build_dir" -j "$jobs" --target "${harnesses[@]}"

mkdir -p "$build_dir/fuzz-artifacts"
for harness in "${harnesses[@]}"; do
  name=${harness#fuzz_}
  work="$build_dir/fuzz-corpus/$name"
  # A counted run starts from the repository's seeds alone, so that it is reproducible.
  ((runs > 0)) && rm -rf "$work"
  mkdir -p "$work"
  regressions=(tests/fuzz/regressions/"$name"-*)
  if [[ -e ${regressions[0]} ]]; then
    echo "== $harness: replaying ${#regressions[@]} regression inputs"
    LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      OMP_NUM_THREADS=1 "$build_dir/bin/$harness" -rss_limit_mb=2048 -timeout=60 "${regressions[@]}"
  fi
  if ((runs > 0)); then
    budget=(-runs="$runs")
    echo "== $harness: $runs inputs, seed ${FUZZ_SEED:-0}"
  else
    budget=(-max_total_time="$seconds")
    echo "== $harness: ${seconds} s"
  fi
  # -rss_limit_mb: a reader that tries to allocate more than 2 GB for a small input is a finding.
  # lsan.supp: leaks inside the (uninstrumented) libhdf5 on malformed files are HDF5's own.
  # allocator_may_return_null: libhdf5 mallocs sizes read from a damaged file and handles
  # the NULL as an error, as it does without ASan; an oversized C++ `new` in nanodecoh
  # still throws std::bad_alloc, which the harnesses report as a finding.
  LSAN_OPTIONS=suppressions=tests/fuzz/lsan.supp \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    OMP_NUM_THREADS=1 "$build_dir/bin/$harness" "${budget[@]}" -rss_limit_mb=2048 \
    -timeout=60 -seed="${FUZZ_SEED:-0}" -print_final_stats=1 -artifact_prefix="$build_dir/fuzz-artifacts/$name-" \
    "$work" "tests/fuzz/corpus/$name"
done
