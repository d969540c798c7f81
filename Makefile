# Thin wrapper over CMake: the two commands the README opens with.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all bootstrap configure build demo test clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

configure: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/bin/ossvk demo

test: build
	@cd $(BUILD) && OSSVK_VALIDATION=1 ctest --output-on-failure -j $(JOBS) -LE large

clean:
	@rm -rf $(BUILD)
