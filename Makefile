# BaaS server: plain GNU make. `make` builds build/baas-server; `make run` and
# `make test` are the two commands a new user needs (see README.md).

BUILD   ?= build
SAN     ?=
CC      ?= cc
PKGS     = libevent libevent_pthreads libevent_openssl jansson libjwt openssl libpq
PG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wpointer-arith \
	   -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wformat-security \
	   -Wcast-align -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Ilib -Iserver $(PG_CFLAGS) -MMD -MP
LIBS     = $(PG_LIBS) -lpthread

LIB_SRC    := $(wildcard lib/*.c)
SERVER_SRC := $(wildcard server/*.c)
UNIT_SRC   := $(wildcard test/unit/check_*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)

.PHONY: all run test check unit integration asan clean migrate deps db-start \
	db-stop bench
all: $(BUILD)/baas-server

$(BUILD)/libbaas.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/baas-server: $(SERVER_OBJ) $(BUILD)/libbaas.a
	$(CC) $(LDFLAGS) -o $@ $(SERVER_OBJ) $(BUILD)/libbaas.a $(LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/test/%: $(BUILD)/obj/test/unit/%.o $(BUILD)/libbaas.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libbaas.a $(CHECK_LIBS) $(LIBS)

# Installs missing Debian packages (root) or prints the apt-get line.
deps:
	@scripts/deps.sh

# Serve in the foreground against the private cluster under var/.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/pg.sh start var/pg
	@scripts/run.sh $(BUILD)/baas-server

migrate: all
	@scripts/pg.sh start var/pg
	@BAAS_DATABASE_URL="$$(scripts/pg.sh url var/pg)" $(BUILD)/baas-server migrate

db-start:
	@scripts/pg.sh start var/pg

db-stop:
	@scripts/pg.sh stop var/pg

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: all
	@scripts/run-integration.sh $(BUILD)/baas-server

check: unit integration

# The whole suite again under AddressSanitizer and UBSan.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 check

# Everything: the suite, then the suite under sanitizers.
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-short

# Each script starts what it measures and prints req/s and latencies.
bench: all
	@for b in bench/run.sh bench/account.sh bench/friends.sh; do \
		[ -x $$b ] && $$b || exit 1; done

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (test/fuzz/fuzz_*.c), one per parser that takes bytes
# from the network, built with clang under ASan and UBSan into build/fuzz
# from lib/ alone. `make fuzz` runs each for FUZZ_SECONDS (default 60) and
# fails on a finding; `make fuzz-short` replays the regression inputs and
# the seed corpora and runs each for a few seconds (part of `make test`).
# One target: `make fuzz FUZZ_TARGETS=fuzz_form`. See scripts/fuzz.sh.
# (-Wno-format-nonliteral: clang, unlike gcc, flags util.c's vasprintf.)
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SHORT_SECONDS ?= 5
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=gnu11 $(WARN) -Wno-format-nonliteral -O1 -g $(FUZZ_SAN) -D_GNU_SOURCE -Ilib \
		$(PG_CFLAGS) -MMD -MP
FUZZ_SRC     := $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:test/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_TARGETS ?= $(notdir $(FUZZ_BIN))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libbaas.a: $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/test/fuzz/fuzz_%.o $(FUZZ_BUILD)/libbaas.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libbaas.a \
		$(LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-short: fuzz-build
	@scripts/fuzz.sh short $(FUZZ_SHORT_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-short fuzz-build
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
# ------------------------------------------------------------ end fuzzing

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
