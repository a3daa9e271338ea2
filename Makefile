# lrlab: build, test and install. `make test` and `make report` install missing Debian packages
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
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif

REF_SRC  := $(sort $(wildcard reference/*.c))
OPT_SRC  := $(sort $(wildcard optimized/*.c))
LIB_SRC  := $(sort $(wildcard src/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ  := $(call obj,$(REF_SRC) $(OPT_SRC) $(LIB_SRC))
CLI_OBJ  := $(call obj,$(CLI_SRC))
TEST_OBJ := $(call obj,$(TEST_SRC))

LIB   := $(BUILD)/liblrlab.a
BIN   := $(BUILD)/lrlab
TESTS := $(BUILD)/lrlab-tests

.PHONY: all test check deps clean install
all: $(LIB) $(BIN)

$(BUILD)/obj/optimized/%.o: optimized/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(AVX2) -c $< -o $@

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

deps:
	@scripts/install-deps.sh

# The Criterion suite (agreement, invariants, PyTorch conformance, CLI) in one binary.
check: $(BIN) $(TESTS)
	$(TESTS) --jobs=2

test: deps
	$(MAKE) check

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
