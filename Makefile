# QuantForge: the two commands of the README.
#   make demo   install what is missing, build, run the main job on the demo
#               models (a representative set of recipes, about 5 minutes)
#   make demo-full   every recipe, on the whole held-out data
#   make test   install what is missing, build, check the format of every
#               C/C++ file (scripts/check-format.sh --all), run every test
#   make format   clang-format-22 -i on the files that check would flag
#   make check-sanitize   the whole suite under ASan + UBSan with leak
#               detection (build-asan; suppressions: scripts/sanitizers/)
#   make check-tsan   the threaded parts under TSan (build-tsan): the 4-thread
#               stress test for TSAN_STRESS_SECONDS, the kernels' thread
#               pool, the registries, calibration and the parallel passes
#   make fuzz FUZZ_SECONDS=N   every fuzz target for N seconds (scripts/fuzz.sh)
.PHONY: all deps configure build test demo demo-full docs clean check-sanitize check-tsan fuzz format

BUILD_DIR := build

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake --preset default

build: configure
	cmake --build $(BUILD_DIR)

test: build
	cmake --build $(BUILD_DIR) --target QFUnitTests
	scripts/check-format.sh --all
	scripts/run-tests.sh $(BUILD_DIR)

demo: build
	examples/demo.sh $(BUILD_DIR) fast

demo-full: build
	examples/demo.sh $(BUILD_DIR) full

format: deps
	scripts/check-format.sh --fix

ASAN_BUILD_DIR := build-asan
FUZZ_SECONDS ?= 60

check-sanitize: deps
	@test -f $(ASAN_BUILD_DIR)/build.ninja || cmake --preset asan
	cmake --build $(ASAN_BUILD_DIR)
	cmake --build $(ASAN_BUILD_DIR) --target QFUnitTests
	ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/sanitizers/lsan.supp:print_suppressions=0 \
	  scripts/run-tests.sh $(ASAN_BUILD_DIR)

TSAN_BUILD_DIR := build-tsan
TSAN_STRESS_SECONDS ?= 60

check-tsan: deps
	@test -f $(TSAN_BUILD_DIR)/build.ninja || cmake --preset tsan
	cmake --build $(TSAN_BUILD_DIR) --target QFUnitTests qf-opt qf-quantize qf-run
	scripts/run-tsan.sh $(TSAN_BUILD_DIR) $(TSAN_STRESS_SECONDS)

fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Refresh the generated reference pages committed under docs/.
docs: build
	cp $(BUILD_DIR)/docs/*.md docs/

clean:
	rm -rf $(BUILD_DIR)
