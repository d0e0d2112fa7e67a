# Makefile — a thin driver over CMake and ctest (see README.md).
#   make run     install what is missing, build, create var/renkei.db with the
#                demo region if absent, serve http://127.0.0.1:8080 and MLLP
#                on 127.0.0.1:2575
#   make check   build (gcc) and the ASan+UBSan build (clang, with the fuzz
#                targets), run every test in both; ends with ctest's summary
#   make bench   benchmarks against their peers → docs/benchmarks.md
#   make fuzz    long fuzzing runs (FUZZ_SECONDS per target)
#   make drill   the failover drill on two PostgreSQL clusters (scripts/failover-drill,
#                about a minute; not part of make check) → docs/benchmarks.md
BUILD       ?= build
ASAN_BUILD  ?= build-asan
JOBS        ?= $(shell nproc)
# ctest runs one suite more than there are cores: the suites wait on fsync,
# loopback and their servers' start-up as much as they compute (two more made
# the sanitized suites, which compute, slower on a 2-core machine).
CHECK_JOBS  ?= $(shell echo $$(( $$(nproc) + 1 )))
FUZZ_SECONDS ?= 300

.PHONY: all build build-check asan run check check-asan check-main bench fuzz drill node-deps web-deps clean

all: build

# The program alone: what `make run` needs, no test package (tests/build/first-run.sh checks it).
build:
	@scripts/install-deps build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRENKEI_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The program and its tests.
build-check:
	@scripts/install-deps check
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRENKEI_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

asan:
	@scripts/install-deps check
	@CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRENKEI_SANITIZE=ON -DRENKEI_FUZZ=ON -DRENKEI_TESTS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

node-deps:
	@scripts/install-deps check
	@scripts/node-deps

web-deps:
	@scripts/install-deps web
	@scripts/node-deps

run: build web-deps
	@mkdir -p var
	@test -f var/renkei.db || $(BUILD)/renkei demo
	@echo "renkei: serving the demo region on http://127.0.0.1:8080 and HL7 v2 over MLLP on 127.0.0.1:2575 (Ctrl-C to stop)"
	@$(BUILD)/renkei serve --set mllp.listen=127.0.0.1:2575

check-asan: asan node-deps
	@ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(CHECK_JOBS)

check-main: build-check node-deps
	@ctest --test-dir $(BUILD) --output-on-failure -j$(CHECK_JOBS)

# The sanitizer run first, the normal build last; then each suite's time in both.
check: check-asan check-main
	@scripts/suite-times $(ASAN_BUILD) $(BUILD)
	@echo "make check: every test passed in both builds"

bench: build node-deps
	@scripts/install-deps bench
	@bench/run
	@bench/clinical
	@bench/hl7
	@bench/ingest
	@bench/collab
	@bench/backup
	@bench/emergency

# A streaming standby, the primary killed with SIGKILL under writers, the time until the standby answers.
drill: build
	@scripts/install-deps check
	@scripts/failover-drill

fuzz: asan
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run $(ASAN_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
