# flowdex: `make run` (build, make a sample, show it) and `make test` (every test).
# Every target first installs what is missing (scripts/install-deps.sh is idempotent).

BUILD       ?= build
# One clang tree with AddressSanitizer, UndefinedBehaviorSanitizer and
# libFuzzer's coverage: `make fuzz` builds its fuzz targets, `make test-asan`
# the rest, sharing every library.
BUILD_CLANG ?= build-clang
# ThreadSanitizer, for the tests that run threads (make test-tsan).
BUILD_TSAN  ?= build-tsan
FUZZ_SECONDS ?= 10
JOBS        ?= $(shell nproc)
# CI sets WERROR=ON: a new warning fails the build there.
WERROR      ?= OFF
# Many tests wait on servers, sleeps and child processes (moto, Chromium,
# flowdex serve): twice as many at once as there are cores keeps both busy.
# (Not under the sanitizers, whose slower binaries make timings tighter.)
TEST_JOBS   ?= $(shell echo $$(( $$(nproc) * 2 )))
SAMPLE      ?= $(BUILD)/sample

.PHONY: all deps build run test test-unit test-asan test-tsan clang-tree fuzz bench bench-scale clean lambda-zip docs format

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOWDEX_WERROR=$(WERROR)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Make a realistic sample of flow logs (two hours up to now, as AWS lays them
# out in S3), load it into ./flowdex-data, show a few searches, then serve the
# Elasticsearch-compatible API on 127.0.0.1:9200 (Ctrl-C stops it). Flow-log
# files dropped into $(INBOX) are ingested while it runs.
DATA   ?= flowdex-data
INBOX  ?= $(BUILD)/inbox
LISTEN ?= 127.0.0.1:9200
run: build
	rm -rf $(SAMPLE)
	$(BUILD)/flowdex gen --records 1000000 --files 24 --start now-2h --fields v5 --out $(SAMPLE) \
	  --inventory $(SAMPLE)/inventory.json
	@echo; echo "== loaded into the store in $(DATA), named by the sample's AWS inventory (flowdex ingest; a second run adds nothing) =="
	$(BUILD)/flowdex ingest --data $(DATA) --inventory $(SAMPLE)/inventory.json $(SAMPLE)
	@echo; echo "== the seed's KQL, newest first (flowdex search) =="
	$(BUILD)/flowdex search --data $(DATA) --inventory $(SAMPLE)/inventory.json --size 5 'source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*'
	@echo; echo "== top talkers over the last hour (flowdex search --stats) =="
	$(BUILD)/flowdex search --data $(DATA) --since 1h --stats source.ip --size 5
	@echo; echo "== the instances most talked to, named by the AWS inventory (flowdex search --stats) =="
	$(BUILD)/flowdex search --data $(DATA) --inventory $(SAMPLE)/inventory.json --since 1h --stats destination.aws.instance.name --size 5
	@mkdir -p $(INBOX)
	@echo; echo "== serving http://$(LISTEN): the UI at http://$(LISTEN)/_ui/ (try also: curl 'http://$(LISTEN)/logs/_search?q=event.action:REJECT&size=1&pretty');"
	@echo "   flowdex search 'destination.port:22' --url http://$(LISTEN); drop flow-log files into $(INBOX); Ctrl-C stops) =="
	$(BUILD)/flowdex serve --data $(DATA) --listen $(LISTEN) --watch $(INBOX) --inventory $(SAMPLE)/inventory.json

# The AWS Lambda deployment package (runtime provided.al2023, entry point
# bootstrap): $(BUILD)/flowdex-lambda.zip, with its libraries bundled.
lambda-zip: build
	cmake --build $(BUILD) --target lambda_zip
	@ls -l $(BUILD)/flowdex-lambda.zip

# (Coverage-guided fuzzing is `make fuzz`, run by CI; here the fuzz targets
# replay their seed corpus as the fuzz_replay test.)
test: build test-unit

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

clang-tree: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_CLANG) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DFLOWDEX_FUZZ=ON -DFLOWDEX_SANITIZE=ON -DFLOWDEX_WERROR=$(WERROR)

# Every test again, built by clang with the sanitizers.
test-asan: clang-tree
	cmake --build $(BUILD_CLANG) -j $(JOBS)
	cd $(BUILD_CLANG) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --output-on-failure -j $(ASAN_TEST_JOBS) -E '$(NOT_CXX_TESTS)|$(NOT_UNDER_ASAN)'
# Most of these tests wait on moto, Chromium or a server: one more at a
# time than there are cores keeps the cores busy under the sanitizers too.
ASAN_TEST_JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))

# Tests that run no C++ of ours beyond what others run (the Terraform files,
# the systemd units, the source style): once is enough, in make test.
NOT_CXX_TESTS ?= ^(deploy_terraform|deploy_systemd|format_check|docs_flow_schema)$$
# Tests whose C++ others run under the sanitizers already: kill -9 rounds
# (the same ingest and worker code as cli_ingest and aws_worker) and the
# JS-vs-C++ KQL comparison (the C++ parser is fuzzed under ASan).
NOT_UNDER_ASAN ?= ^(crash_ingest|aws_worker_recovery|api_kql_differential)$$

# The tests whose code runs threads, under ThreadSanitizer: the store's
# commits beside background merges, the search pool, the caches, parallel
# ingest, the API under concurrent requests, the SQS worker.
TSAN_TESTS ?= ^(ThreadPool|BlockCache|FilterCache|EsApiTest|SearcherTest|StoreTest|FlowIngesterTest|LambdaRuntimeTest)\.|^api_server$$|^aws_worker$$
test-tsan: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_TSAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DFLOWDEX_TSAN=ON -DFLOWDEX_WERROR=$(WERROR)
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target flowdex_tests flowdex
	cd $(BUILD_TSAN) && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

# libFuzzer (clang) on the line parser, the gzip reader, the query parsers
# (KQL, query strings, whole _search bodies run against a store), the REST
# layer and the AWS messages, each for a bounded time.
fuzz: clang-tree
	cmake --build $(BUILD_CLANG) -j $(JOBS) --target fuzzers
	fuzz/run.sh $(BUILD_CLANG) $(FUZZ_SECONDS)

bench: build
	@scripts/install-deps.sh --bench
	bench/run.sh $(BUILD)

# A month of flows (#16): 100M records in 10,000 files, flowdex against DuckDB
# and ClickHouse, S1-S7 over HTTP (RECORDS, FILES, REPEAT to scale it down).
bench-scale: build
	@scripts/install-deps.sh --bench
	python3 bench/scale_bench.py $(BUILD)

# Rewrites every C++ source in .clang-format's style (a test checks it).
format: deps
	scripts/format.sh

# Generated documentation: docs/flow_schema.md from the flow schema table
# (a test fails when it is stale).
docs: build
	$(BUILD)/flowdex schema --markdown > docs/flow_schema.md

clean:
	rm -rf $(BUILD) $(BUILD_CLANG) $(BUILD_TSAN)
