# QuantForge: the two commands of the README.
#   make demo   install what is missing, build, run the main job on the demo
#   make test   install what is missing, build, run every test
.PHONY: all deps configure build test demo docs clean

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
	scripts/run-tests.sh $(BUILD_DIR)

demo: build
	examples/demo.sh $(BUILD_DIR)

# Refresh the generated reference pages committed under docs/.
docs: build
	cp $(BUILD_DIR)/docs/QFDialect.md $(BUILD_DIR)/docs/QFPasses.md \
	  $(BUILD_DIR)/docs/QFLowering.md docs/

clean:
	rm -rf $(BUILD_DIR)
