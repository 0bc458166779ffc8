# Two-command entry points (see README.md):
#   make demo   install missing Debian packages, build, run the main job on a built-in scenario
#   make test   install missing Debian packages, build, run the whole test suite with ctest
# Other targets: build, bench, peers, asan-test, fuzz, format, clean.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_ARGS ?=
DEMO_DIR ?= out/demo

# nvcc from the CUDA toolkit is found even when /usr/local/cuda/bin is not on PATH.
ifeq ($(shell command -v nvcc 2>/dev/null),)
  ifneq ($(wildcard /usr/local/cuda/bin/nvcc),)
    export CUDACXX ?= /usr/local/cuda/bin/nvcc
  endif
endif

FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0
FUZZ_RUNS ?= 0
FUZZ_HARNESSES ?=

.PHONY: all deps build test demo bench peers asan-test fuzz format clean

all: build

deps:
	@scripts/install-deps.sh --with-plots

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD_DIR)/bin/nanodecoh $(DEMO_DIR)

bench: build
	@scripts/run-bench.sh $(BUILD_DIR)

peers: build
	@scripts/install-deps.sh --with-peers
	@bench/peers/run_peers.sh $(BUILD_DIR)/bin/nanodecoh

# CPU path under AddressSanitizer + UndefinedBehaviorSanitizer (used by .ci/run).
asan-test: deps
	cmake -S . -B $(BUILD_DIR)-asan -DCMAKE_BUILD_TYPE=Debug -DNANODECOH_CUDA=OFF \
	  -DNANODECOH_SANITIZE=ON -DNANODECOH_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(BUILD_DIR)-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_DIR)-asan --output-on-failure -j $(JOBS) -LE no_sanitizer

# libFuzzer harnesses (tests/fuzz, clang): each replays its regression inputs, then runs
# FUZZ_SECONDS on its seed corpus (or exactly FUZZ_RUNS inputs, whatever the machine's speed).
fuzz:
	@scripts/install-deps.sh --with-fuzz
	BUILD_DIR=$(BUILD_DIR)-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) FUZZ_RUNS=$(FUZZ_RUNS) JOBS=$(JOBS) \
	  scripts/run-fuzz.sh $(FUZZ_HARNESSES)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.cu' '*.cuh')

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR)-asan $(BUILD_DIR)-fuzz out
