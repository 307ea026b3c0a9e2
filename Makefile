# flowdex: `make run` (build, make a sample, show it) and `make test` (every test).
# Every target first installs what is missing (scripts/install-deps.sh is idempotent).

BUILD       ?= build
BUILD_ASAN  ?= build-asan
BUILD_FUZZ  ?= build-fuzz
FUZZ_SECONDS ?= 15
JOBS        ?= $(shell nproc)
SAMPLE      ?= $(BUILD)/sample

.PHONY: all deps build run test test-unit test-asan fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Until `flowdex serve` exists: make a realistic sample of flow logs (two hours
# up to now, as AWS lays them out in S3), show how flowdex reads them, load
# them into the store in ./flowdex-data and verify it.
DATA ?= flowdex-data
run: build
	rm -rf $(SAMPLE)
	$(BUILD)/flowdex gen --records 1000000 --files 24 --start now-2h --fields v5 --out $(SAMPLE)
	@echo; echo "== the first records of one file, as ECS documents =="
	@$(BUILD)/flowdex parse $$(find $(SAMPLE) -name '*.log.gz' | sort | head -1) 2>/dev/null | head -n 3
	@echo; echo "== every file, parsed (flowdex parse --count) =="
	$(BUILD)/flowdex parse --count $(SAMPLE)
	@echo; echo "== loaded into the store in $(DATA) (flowdex ingest; a second run adds nothing) =="
	$(BUILD)/flowdex ingest --data $(DATA) $(SAMPLE)
	@echo; echo "== verified (flowdex check) =="
	$(BUILD)/flowdex check --data $(DATA) --columns
	@echo; echo "== the seed's KQL, newest first, with the top rejected ports (flowdex query) =="
	$(BUILD)/flowdex query --data $(DATA) '{"size":2,"sort":[{"@timestamp":"desc"}],"query":{"kql":{"query":"source.ip:10.0.0.0/8 AND event.action:REJECT AND destination.ip:*"}},"aggs":{"ports":{"terms":{"field":"destination.port","size":5}}}}' | python3 -m json.tool
	@echo; echo "== top talkers by bytes over the last hour (flowdex query) =="
	$(BUILD)/flowdex query --data $(DATA) '{"size":0,"query":{"range":{"@timestamp":{"gte":"now-1h"}}},"aggs":{"talkers":{"terms":{"field":"source.ip","size":5,"order":{"bytes":"desc"}},"aggs":{"bytes":{"sum":{"field":"network.bytes"}}}}}}' | python3 -m json.tool

test: build fuzz test-unit

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLOWDEX_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer (clang) on the line parser, the gzip reader and the query parsers
# (KQL, query strings, whole _search bodies run against a store), each for a
# bounded time.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DFLOWDEX_FUZZ=ON -DFLOWDEX_SANITIZE=ON
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
