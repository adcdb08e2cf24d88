# The front door. `make run` and `make test` do all set-up on a fresh
# Debian 12 machine; see README.md.
BUILD   ?= build
JOBS    ?= $(shell nproc)
export CCACHE_DIR ?= $(CURDIR)/$(BUILD)/.ccache
# Paths relative to the checkout, so another checkout (a git worktree) hits the same cache.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps build run test test-unit test-faults test-sanitizers test-stability fuzz bench cluster cluster-stop clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@echo "built $(BUILD)/churnwatch"
	@cd web && npm run build --silent

run: build
	@scripts/run.sh

test: build
	@scripts/test.sh

# ASan+UBSan over every suite (build/asan), TSan over the server and queue
# suites (build/tsan); see scripts/test-sanitizers.sh.
test-sanitizers: deps
	@scripts/test-sanitizers.sh

# Every suite again and again (release and ASan), the browser and fault suites
# a few times: a bounded hunt for flaky tests; see scripts/test-stability.sh.
test-stability: build
	@scripts/test-stability.sh

# libFuzzer targets in fuzz/, FUZZ_SECONDS (default 60) each (build/fuzz).
fuzz: deps
	@scripts/fuzz.sh

bench: build
	@bench/run_all.sh

# A fleet on loopback: PostgreSQL, Redis, nginx, two servers, two workers.
cluster: build
	@scripts/cluster.sh start

cluster-stop:
	@scripts/cluster.sh stop

# Kills and restarts parts of a loopback cluster under load; see tests/faults/.
test-faults: build
	@tests/faults/run.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-debug
