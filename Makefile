# khe-cds — the two commands of the README: `make run` and `make test`.
# Both install what is missing (Debian packages with apt-get, npm packages from the lock
# files), build, and then run. Nothing is downloaded from anywhere else.

JOBS ?= $(shell nproc)
DEBS := cmake make g++ clang libclang-rt-14-dev clang-format libsimdjson-dev \
        nlohmann-json3-dev libcli11-dev libssl-dev libgtest-dev libgmock-dev \
        libbenchmark-dev libnlopt-dev libsqlite3-dev libboost-dev libspdlog-dev \
        libgoogle-perftools-dev r-base-core r-cran-survival libpq-dev postgresql-15 \
        nginx-light
FUZZ_SECONDS ?= 20

.PHONY: all deps npm-deps chart-deps html-deps build build-asan build-fuzz run test \
        test-unit test-asan test-fuzz test-ucum test-html test-app test-pk fuzz bench bench-http bench-cohort bench-deploy format format-check clean

all: build

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if ! command -v npm >/dev/null 2>&1; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Chart.js for the HTML report's course chart (web/chart/package-lock.json): the build
# compiles it into the binary, so every build needs it.
chart-deps: deps
	@cd web/chart && { [ -f node_modules/chart.js/dist/chart.umd.min.js ] || npm ci --no-audit --no-fund --loglevel=error; }

# playwright-core for the browser test of the HTML report (drives Debian's chromium).
html-deps: deps
	@cd tests/html && { [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error; }

npm-deps: deps chart-deps html-deps
	@cd tests/ucum-crosscheck && { [ -d node_modules/@lhncbc/ucum-lhc ] || npm ci --no-audit --no-fund --loglevel=error; }

build: deps chart-deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j $(JOBS)

build-asan: deps chart-deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKHE_SANITIZE=ON -DKHE_BENCH=OFF >/dev/null
	@cmake --build build-asan -j $(JOBS)

build-fuzz: deps chart-deps
	@CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKHE_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)

# `khe serve` on a local SQLite file with the example patients, their dates moved so that
# each one's as-of is now. Local use: loopback only, CDS routes without tokens.
RUN_DIR := build/run
RUN_PORT ?= 8080
run: build
	@mkdir -p $(RUN_DIR)/examples
	@./build/tools/rebase_dates --examples ../shared/examples $(RUN_DIR)/examples $$(date -u +%Y-%m-%dT%H:%M:%SZ)
	@echo "khe-cds: open http://127.0.0.1:$(RUN_PORT)/ in a browser (Ctrl-C stops the server)"
	./build/khe serve --host 127.0.0.1 --port $(RUN_PORT) --db $(RUN_DIR)/khe.db --insecure-no-auth \
	  $$(for f in $(RUN_DIR)/examples/*.json; do printf -- '--import %s ' $$f; done)

test-unit: build
	cd build && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

test-ucum: build npm-deps
	node tests/ucum-crosscheck/crosscheck.mjs build/khe

test-fuzz: build-fuzz
	@bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# Opens the HTML reports in headless chromium and checks the course chart; the PNG
# screenshots (and A4 PDFs) of every report are left in build/artifacts/html.
test-html: build html-deps
	@[ -x /usr/bin/chromium ] || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	node tests/html/check-report.mjs build/khe build/artifacts/html

# The web app of `khe serve` end to end in headless chromium (tests/html/check-app.mjs):
# create a patient, add a platelet count, watch status, urgency and chart change; the
# screenshots are left in build/artifacts/app.
test-app: build html-deps
	@[ -x /usr/bin/chromium ] || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	node tests/html/check-app.mjs build/khe build/artifacts/app

# R cross-check of the sirolimus PK predictions: deSolve integrates the same models by ODE
# and compares with build/tools/pk_predict (tests/pk-crosscheck/crosscheck.R); then the MAP
# estimates of build/tools/pk_map against minqa::newuoa / optim (map_crosscheck.R).
PK_RDEBS := r-base-core r-cran-desolve r-cran-minqa
test-pk: build
	@missing=""; for p in $(PK_RDEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	Rscript tests/pk-crosscheck/crosscheck.R build/tools/pk_predict
	Rscript tests/pk-crosscheck/map_crosscheck.R build/tools/pk_map

test: format-check test-unit test-html test-app test-pk test-asan test-ucum test-fuzz
	@echo "make test: all suites passed"

# Long fuzzing campaign (not part of make test).
fuzz: build-fuzz
	@bash tests/fuzz/run.sh build-fuzz $${FUZZ_SECONDS:-600}

bench: build bench-http
	./build/bench/khe_bench --benchmark_min_time=1
	./build/bench/khe_bench_pk --benchmark_min_time=1

# The CDS Hooks load test with wrk (bench/http/run.sh; figures in docs/performance.md).
BENCH_DEBS := wrk curl
BENCH_SECONDS ?= 20
bench-http: build
	@missing=""; for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	bash bench/http/run.sh build $(BENCH_SECONDS)

# One replica on SQLite, then nginx + two replicas on PostgreSQL, under wrk
# (bench/deploy/run.sh; figures in docs/performance.md "Deployment").
bench-deploy: build
	@missing=""; for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	bash bench/deploy/run.sh build $(BENCH_SECONDS)

# `khe cohort` on a generated >= 1 GB Bulk Data export, one and two threads, beside jq
# (bench/cohort/run.sh; figures in docs/performance.md). The export is cached in $TMPDIR.
COHORT_BENCH_DEBS := jq time
COHORT_BENCH_MB ?= 1100
bench-cohort: build
	@missing=""; for p in $(COHORT_BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi
	bash bench/cohort/run.sh build $(COHORT_BENCH_MB)
	KHE_COHORT_ORDER=grouped KHE_COHORT_SKIP_JQ=1 bash bench/cohort/run.sh build $(COHORT_BENCH_MB)

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

format-check: deps
	clang-format --dry-run --Werror $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	rm -rf build build-asan build-fuzz
