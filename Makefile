# weir — the two commands that matter: `make demo` and `make test`.
JOBS        ?= $(shell nproc)
BUILD       ?= build
ASAN_BUILD  ?= build-asan
FUZZ_SECONDS ?= 20
CMAKE_FLAGS ?=

.PHONY: all setup build demo test test-fast test-asan fuzz bench clean

all: build

setup:
	./scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# Runs weir with its embedded default configuration (listener :10000, admin :9901).
demo: setup build
	./scripts/demo.sh $(BUILD)/weir

# Every test: unit, conformance and integration on an optimized build, then the
# unit and conformance suites again under AddressSanitizer + UBSan.
test: setup test-fast test-asan

test-fast: build
	@echo "make: optimized build done at $$(date -u +%T)"
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The sanitizer build (clang, ASan + UBSan, -O0 with line tables) also holds the
# fuzz targets, so CI compiles the tree twice, not three times.
SAN_CONFIGURE = CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG=-gline-tables-only -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only \
  -DWEIR_SANITIZE=ON -DWEIR_FUZZ=ON $(CMAKE_FLAGS)

test-asan:
	@echo "make: sanitizer build starts at $$(date -u +%T)"
	$(SAN_CONFIGURE)
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|conformance|sanitize'

# Each libFuzzer target for FUZZ_SECONDS, starting from its seed corpus.
fuzz: setup
	$(SAN_CONFIGURE)
	ninja -C $(ASAN_BUILD) -j $(JOBS) fuzzers
	./scripts/run-fuzzers.sh $(ASAN_BUILD) $(FUZZ_SECONDS)

# Load and engine benchmarks; each prints ratios against a peer measured in the same run.
bench: setup build
	./bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
