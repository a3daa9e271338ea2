# lrlab: build, test and install. `make test` and `make report` install missing Debian packages
SHELL := /bin/bash
# first (scripts/install-deps.sh). Objects live under $(BUILD); `make CC=clang BUILD=build/clang`
# builds a second tree beside the first.

CC      ?= cc
CXX     ?= c++
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

# Portable flags for everything; the order of floating-point operations is pinned (no contraction
# of a*b+c into FMA behind our back), so the reference and the AVX2 twins can agree bit for bit.
WARN     := -Wall -Wextra -Werror
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -ffp-contract=off -MMD -MP
AVX2     := -mavx2 -mfma
LDLIBS   := -lz -lm -lsleef
SAN      ?=
FUZZ     ?=
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
endif
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 $(WARN) -MMD -MP
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CXXFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif

REF_SRC  := $(sort $(wildcard reference/*.c))
OPT_SRC  := $(sort $(wildcard optimized/*.c))
LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
BENCH_SRC := $(sort $(wildcard benchmarks/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ  := $(call obj,$(REF_SRC) $(OPT_SRC) $(LIB_SRC))
CLI_OBJ  := $(call obj,$(CLI_SRC))
TEST_OBJ := $(call obj,$(TEST_SRC))
BENCH_OBJ := $(call obj,$(BENCH_SRC)) $(BUILD)/obj/benchmarks/gbench.o

LIB   := $(BUILD)/liblrlab.a
BIN   := $(BUILD)/lrlab
TESTS := $(BUILD)/lrlab-tests
BENCH := $(BUILD)/lrlab-bench

.PHONY: all test check deps clean install sanitize fuzz fuzz-build valgrind bench bench-peer
all: $(LIB) $(BIN)

$(BUILD)/obj/optimized/%.o: optimized/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(AVX2) -c $< -o $@

# Benchmark files named *_avx2.c hold AVX2 code (the roofline loop) and only they get the flags.
$(BUILD)/obj/benchmarks/%_avx2.o: benchmarks/%_avx2.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(AVX2) -c $< -o $@

# The one C++ file: the C shim over Google Benchmark.
$(BUILD)/obj/benchmarks/%.o: benchmarks/%.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Icli -DLRLAB_ROOT='"$(CURDIR)"' -DLRLAB_BIN='"$(abspath $(BIN))"' \
	    $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TESTS): $(TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $^ -lcriterion $(LDLIBS) -o $@

$(BENCH): $(BENCH_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ -lbenchmark -lpthread $(LDLIBS) -o $@

deps:
	@scripts/install-deps.sh

# The Criterion suite (agreement, invariants, PyTorch conformance, CLI) in one binary; then one
# pass of the benchmarks at their smallest sizes (update rules and epochs at N = 4096; every
# gradient shape, schedule table and the peak, each a few milliseconds) and of the script that
# tidies their output, so neither can rot (no speed is asserted). About 2 seconds.
BENCH_SMOKE_FILTER := /4096$$|^(grad_|schedule_|peak/)
check: docs-check report-test $(BIN) $(TESTS) $(BENCH)
	$(TESTS) --jobs=2
	$(BENCH) --benchmark_min_time=0.001 --benchmark_filter='$(BENCH_SMOKE_FILTER)' \
	    --benchmark_out=$(BUILD)/bench-smoke.json --benchmark_out_format=json \
	    >$(BUILD)/bench-smoke.log 2>&1 || { cat $(BUILD)/bench-smoke.log; exit 1; }
	$(PYTHON) scripts/bench_tidy.py tidy $(BUILD)/bench-smoke.json $(BUILD)/bench-smoke.csv \
	    >$(BUILD)/bench-smoke.tables

# Speed: every benchmark, BENCH_REPETITIONS times each in random interleaved order, at least
# BENCH_MIN_TIME seconds per repetition. results/bench.json is Google Benchmark's JSON,
# results/bench.csv the tidy medians; the ratio tables go to stdout, the console log to
# results/bench.log. About 3.5 minutes on 2 cores with the defaults (3 min 24 s at load 3).
BENCH_MIN_TIME    ?= 0.05
BENCH_REPETITIONS ?= 5
BENCH_FILTER      ?= .
PYTHON            ?= python3
bench: $(BENCH)
	@mkdir -p results
	@echo "lrlab-bench: running (load: $$(cut -d' ' -f1-3 /proc/loadavg)); log in results/bench.log"
	$(BENCH) --benchmark_min_time=$(BENCH_MIN_TIME) --benchmark_repetitions=$(BENCH_REPETITIONS) \
	    --benchmark_enable_random_interleaving=true --benchmark_filter='$(BENCH_FILTER)' \
	    --benchmark_out=results/bench.json.tmp --benchmark_out_format=json \
	    >results/bench.log 2>&1 || { tail -20 results/bench.log; rm -f results/bench.json.tmp; exit 1; }
	mv results/bench.json.tmp results/bench.json
	$(PYTHON) scripts/bench_tidy.py tidy results/bench.json results/bench.csv

# The same update rules (torch.optim) and Fashion-MNIST epochs in PyTorch 1.13 on one thread,
# then lrlab avx2 / torch. peer_torch.py reports which BLAS torch's GEMMs ran in.
PEER_PYTHON ?= /usr/bin/python3
PEER_FLAGS  ?=
bench-peer: bench
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	    $(PEER_PYTHON) scripts/peer_torch.py --out results/peer.csv --roofline results/bench.csv $(PEER_FLAGS)
	$(PYTHON) scripts/bench_tidy.py peer results/bench.csv results/peer.csv

test: deps
	$(MAKE) check

# Every subcommand briefly under valgrind memcheck (errors and definite leaks fail).
valgrind: all
	scripts/valgrind-smoke.sh $(BIN)

# The whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer; any report fails it.
sanitize: deps
	$(MAKE) SAN=1 BUILD=$(BUILD)/san check

# libFuzzer targets (clang): each runs for FUZZ_SECONDS on its corpus under tests/fuzz/corpus/NAME;
# new inputs go to build/fuzz/corpus/NAME, crashes to build/fuzz/crash-NAME-*.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := replay train find_lr schedule sweep idx
FUZZ_BUILD   := build/fuzz
FUZZ_CLI_OBJ  = $(filter-out %/cli/main.o,$(CLI_OBJ))

FUZZ_DEFS_replay  := -DFUZZ_INPUT_FLAG='"--input"'
FUZZ_DEFS_train   := -DFUZZ_MAX_NUMBER=300
FUZZ_DEFS_find_lr := -DFUZZ_MAX_NUMBER=300
FUZZ_DEFS_schedule := -DFUZZ_INPUT_FLAG='"--metrics"' -DFUZZ_MAX_NUMBER=5000
FUZZ_DEFS_sweep   := -DFUZZ_MAX_NUMBER=50

# The IDX reader is fuzzed directly, without a command around it.
$(BUILD)/fuzz_idx: tests/fuzz/fuzz_idx.c $(LIB)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

$(BUILD)/fuzz_%: tests/fuzz/fuzz_cli.c $(FUZZ_CLI_OBJ) $(LIB)
	$(CC) $(CPPFLAGS) -Icli $(CFLAGS) -fsanitize=fuzzer -DFUZZ_CMD=lr_cmd_$* $(FUZZ_DEFS_$*) \
	    $^ $(LDLIBS) -o $@

fuzz-build:
	$(MAKE) CC=clang FUZZ=1 BUILD=$(FUZZ_BUILD) $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	    echo "fuzz $$t for $(FUZZ_SECONDS)s"; \
	    $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
	        -artifact_prefix=$(CURDIR)/$(FUZZ_BUILD)/crash-$$t- -print_final_stats=1 \
	        $(CURDIR)/$(FUZZ_BUILD)/corpus/$$t $(CURDIR)/tests/fuzz/corpus/$$t 2>&1 \
	        | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' ; \
	    test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# Literate docs: weave docs/src/*.md into the committed pages docs/*.md and the HTML site (pandoc).
# docs-check re-weaves in memory (Markdown only, no pandoc) and fails on a stale page, a missing or
# never-included region, a broken marker or a dead link; then the weaver's own tests run.
.PHONY: docs docs-check
docs:
	$(PYTHON) scripts/weave.py --html $(BUILD)/docs

docs-check:
	$(PYTHON) scripts/weave.py --check
	$(PYTHON) scripts/test_weave.py

# The report (K01-K12): the experiment plan (benchmarks/plan/) on all cores, the figures (gnuplot),
# the verdicts, docs/report.md, docs/claims.md and a self-contained docs/report.html.
# `make report QUICK=1` runs reduced grids and writes under results/report-quick/ instead.
QUICK ?= 0
.PHONY: report report-test
report: deps
	$(MAKE) all $(BENCH)
	QUICK=$(QUICK) LRLAB=$(abspath $(BIN)) scripts/report.sh

# The report's analysis: every verdict rule on fixed inputs, and one plan entry with the real lrlab.
report-test: $(BIN)
	LRLAB=$(abspath $(BIN)) $(PYTHON) scripts/test_report.py

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/lrlab
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/lrlab
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/liblrlab.a
	install -m 644 include/lrlab/*.h $(DESTDIR)$(PREFIX)/include/lrlab/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' lrlab.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/lrlab.pc

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
