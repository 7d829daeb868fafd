# SPDX-License-Identifier: MIT
#
# Front door of onedot. CMake does the building; this file only picks the
# build folder and options of each variant, so the variants never share
# objects:
#
#   build/          RelWithDebInfo (-O2 -g), -Werror    make build, check, demo
#   build-asan/     same with ASan+UBSan                 make check-asan
#   build-fuzz/     clang, libFuzzer + ASan+UBSan        make fuzz, fuzz-run
#   build-release/  Release (-O2 -DNDEBUG)               make bench
#
# Every target that builds first runs scripts/install-deps, which returns
# at once when all packages are present.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_TIME ?= 60
CMAKE ?= cmake
CTEST ?= ctest
CLANG_FORMAT ?= clang-format

MAKEFLAGS += --no-print-directory

# ctest: no test found is a failure, so is a test that hangs.
CTEST_FLAGS = --output-on-failure --no-tests=error --timeout 600 -j$(JOBS)

# Any sanitizer report fails the test that triggered it.
ASAN_ENV = halt_on_error=1:detect_leaks=1:print_stacktrace=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
UBSAN_ENV = halt_on_error=1:print_stacktrace=1
SAN_ENV = ASAN_OPTIONS=$(ASAN_ENV) UBSAN_OPTIONS=$(UBSAN_ENV)

# Options of each variant (all also get -DONEDOT_WERROR=ON).
BUILD_CMAKE = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONEDOT_SANITIZE=OFF \
	-DONEDOT_FUZZ=OFF
ASAN_CMAKE = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONEDOT_SANITIZE=ON \
	-DONEDOT_FUZZ=OFF
FUZZ_CMAKE = -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DONEDOT_SANITIZE=ON -DONEDOT_FUZZ=ON
RELEASE_CMAKE = -DCMAKE_BUILD_TYPE=Release -DONEDOT_SANITIZE=OFF \
	-DONEDOT_FUZZ=OFF

# configure(dir, options)
configure = $(CMAKE) -S . -B $(1) --log-level=WARNING -DONEDOT_WERROR=ON $(2)

FORMAT_FILES = $(shell find src tests bench -path '*/corpus' -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null)

.PHONY: all deps build check check-asan fuzz fuzz-run bench bench-auth \
	bench-resolver bench-localroot demo clean \
	format format-check

all: build

deps:
	@scripts/install-deps

build: deps
	@$(call configure,build,$(BUILD_CMAKE))
	@$(CMAKE) --build build -j$(JOBS)

check: build
	cd build && $(CTEST) $(CTEST_FLAGS)

check-asan: deps
	@$(call configure,build-asan,$(ASAN_CMAKE))
	@$(CMAKE) --build build-asan -j$(JOBS)
	cd build-asan && $(SAN_ENV) $(CTEST) $(CTEST_FLAGS)

fuzz: deps
	@$(call configure,build-fuzz,$(FUZZ_CMAKE))
	@$(CMAKE) --build build-fuzz -j$(JOBS)
	@n=0; for f in build-fuzz/tests/fuzz/fuzz_*; do \
		[ -x "$$f" ] || continue; echo "fuzz: built $$f"; n=$$((n + 1)); \
	done; [ $$n -gt 0 ] || echo "fuzz: no targets yet (tests/fuzz/fuzz_*.c)"

fuzz-run: fuzz
	@$(SAN_ENV) scripts/fuzz-run build-fuzz $(FUZZ_TIME)

bench: deps
	@$(call configure,build-release,$(RELEASE_CMAKE))
	@$(CMAKE) --build build-release -j$(JOBS) --target bench_wire \
		bench_dnssec onedot-zone onedot-auth
	@bench/run-wire
	@bench/zone/run
	@bench/dnssec/run
	@bench/auth/run
	@$(MAKE) bench-resolver
	@$(MAKE) bench-localroot

# onedot-auth next to NSD and Knot DNS only (needs root: port 53).
bench-auth: deps
	@$(call configure,build-release,$(RELEASE_CMAKE))
	@$(CMAKE) --build build-release -j$(JOBS) --target onedot-auth
	@bench/auth/run

# onedot next to Unbound, Knot Resolver, PowerDNS Recursor and the ceiling
# (bench_ceiling), over a private hierarchy served by onedot-auth (needs
# root: port 53). The resolver daemon is built once its sources exist; a
# missing onedot is reported as not available.
bench-resolver: deps
	@$(call configure,build-release,$(RELEASE_CMAKE))
	@$(CMAKE) --build build-release -j$(JOBS) --target onedot-auth \
		bench_ceiling
	@if ls src/daemon/*.c >/dev/null 2>&1; then \
		$(CMAKE) --build build-release -j$(JOBS) --target onedot-resolver; \
	fi
	@bench/resolver/run

# The local root: load and verify a root-size copy (file, AXFR), and
# upstream queries on a cold cache next to Unbound's auth-zone (needs
# root: port 53).
bench-localroot: deps
	@$(call configure,build-release,$(RELEASE_CMAKE))
	@$(CMAKE) --build build-release -j$(JOBS) --target onedot-auth \
		onedot-zone onedot-resolver
	@bench/localroot/run

# A private hierarchy on 127.11/16 and the onedot resolver on it (needs
# root: port 53); DEMO_FLAGS="--resolver unbound" shows it with Unbound.
demo: build
	@scripts/demo $(DEMO_FLAGS)

clean:
	rm -rf build build-asan build-fuzz build-release

format:
	$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)
