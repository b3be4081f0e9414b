# BaaS server: plain GNU make. `make` builds build/baas-server; `make run` and
# `make test` are the two commands a new user needs (see README.md).

BUILD   ?= build
SAN     ?=
CC      ?= cc
PURE_PKGS = libevent libevent_pthreads libevent_openssl jansson openssl
PKGS     = $(PURE_PKGS) libpq
PG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PURE_LIBS := $(shell pkg-config --libs $(PURE_PKGS) 2>/dev/null) -lpthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
# libjwt only checks our RS256 tokens independently, in one unit test: the
# server neither needs nor links it.
JWT_CFLAGS := $(shell pkg-config --cflags libjwt 2>/dev/null)
JWT_LIBS  := $(shell pkg-config --libs libjwt 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wpointer-arith \
	   -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 -Wformat-security \
	   -Wcast-align -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# Hardening, checked by scripts/check-hardening.sh: stack canaries, a
# position-independent executable, the GOT read-only after start (relro,
# now). _FORTIFY_SOURCE needs an optimised build and fights ASan's own
# checks, so only the plain build gets it.
HARDEN_CFLAGS  = -fstack-protector-strong -fPIE
HARDEN_LDFLAGS = -pie -Wl,-z,relro,-z,now
ifneq ($(SAN),1)
ifneq ($(filter -O1 -O2 -O3 -Os -Og,$(CFLAGS)),)
HARDEN_CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
endif
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(HARDEN_CFLAGS) -D_GNU_SOURCE \
	     -Ilib -Ilib/db -Iserver $(PG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(HARDEN_LDFLAGS)
LIBS     = $(PG_LIBS) -lpthread

# Two archives: lib/ is pure (no database: what the unit tests link, so
# the linker keeps that promise), lib/db/ the modules that speak to Postgres.
LIB_SRC    := $(wildcard lib/*.c)
DB_SRC     := $(wildcard lib/db/*.c)
SERVER_SRC := $(wildcard server/*.c)
UNIT_SRC   := $(wildcard test/unit/check_*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
DB_OBJ     := $(DB_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)

.PHONY: all run test check unit integration asan clean migrate deps db-start \
	db-stop bench hardening fault soak docs lint-docs docs-tools \
	cluster-start cluster-stop test-cluster coherence
# The C example verifier too, where docs/ is (the Docker build copies only
# lib/ and server/).
all: $(BUILD)/baas-server $(if $(wildcard docs/examples/verify.c),\
	$(BUILD)/examples/verify)

$(BUILD)/libbaas.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libbaasdb.a: $(DB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/baas-server: $(SERVER_OBJ) $(BUILD)/libbaasdb.a $(BUILD)/libbaas.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(SERVER_OBJ) $(BUILD)/libbaasdb.a \
	    $(BUILD)/libbaas.a $(LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# baas_build_info{version,commit}: the commit from git at build time
# ("unknown" outside a git checkout, as in the Docker build). The stamp is
# named after it, so a new commit rebuilds metrics_http.o.
BAAS_VERSION ?= 0.1.0
BAAS_COMMIT  := $(or $(shell git rev-parse --short=12 HEAD 2>/dev/null),unknown)
$(BUILD)/obj/server/metrics_http.o: ALL_CFLAGS += \
	-DBAAS_VERSION='"$(BAAS_VERSION)"' -DBAAS_COMMIT='"$(BAAS_COMMIT)"'
$(BUILD)/obj/server/metrics_http.o: $(BUILD)/commit-$(BAAS_COMMIT)
$(BUILD)/commit-$(BAAS_COMMIT):
	@mkdir -p $(@D) && rm -f $(BUILD)/commit-* && touch $@

$(BUILD)/test/%: $(BUILD)/obj/test/unit/%.o $(BUILD)/libbaas.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libbaas.a $(CHECK_LIBS) $(TEST_LIBS) \
	    $(PURE_LIBS)

$(BUILD)/test/check_jws: TEST_LIBS = $(JWT_LIBS)
$(BUILD)/obj/test/unit/check_jws.o: ALL_CFLAGS += $(JWT_CFLAGS)

# The C token verifier of docs/game-servers.md, which the suite runs
# (test_golden_tokens.py): OpenSSL and jansson only, like a game server's.
$(BUILD)/examples/verify: docs/examples/verify.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(HARDEN_CFLAGS) -o $@ $< \
	    $(ALL_LDFLAGS) $(shell pkg-config --libs jansson libcrypto)

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

# docs-tools first: the guides' tests run the jose example.
integration: all $(BUILD)/test/alloc_fail.so docs-tools
	@scripts/run-integration.sh $(BUILD)/baas-server

# The allocation-failure injector the suite preloads (test/support/), never
# sanitized: ASan builds get the same failures from ASAN_OPTIONS.
$(BUILD)/test/alloc_fail.so: test/support/alloc_fail.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) -O2 -shared -fPIC -o $@ $<

check: unit integration hardening lint-docs

# docs/openapi.yaml: linted with @redocly/cli (part of check), rendered to
# one HTML page by `make docs`. The npm tools live in docs/node_modules
# (npm ci from the committed lock file, by scripts/docs-tools.sh).
REDOCLY = REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	docs/node_modules/.bin/redocly
docs-tools:
	@scripts/docs-tools.sh

lint-docs: docs-tools
	@$(REDOCLY) lint --config docs/redocly.yaml --format=stylish \
	    docs/openapi.yaml docs/openapi-internal.yaml

docs: docs-tools
	@mkdir -p build/docs
	@$(REDOCLY) build-docs --config docs/redocly.yaml \
	    --output build/docs/api.html docs/openapi.yaml
	@$(REDOCLY) build-docs --config docs/redocly.yaml \
	    --output build/docs/internal-api.html docs/openapi-internal.yaml
	@echo "docs: build/docs/api.html build/docs/internal-api.html"

# The binary carries the hardening flags above (PIE, relro/now, canaries).
hardening: all
	@scripts/check-hardening.sh $(BUILD)/baas-server $(if $(filter 1,$(SAN)),,fortify)

# Fault scripts (test/fault/*.sh, each starting its own Postgres and
# server): the short forms, or the long ones with FULL=1. `make soak` is the
# long soak alone (SOAK_MINUTES, default 10).
FAULT_SCRIPTS = $(sort $(wildcard test/fault/*.sh))
fault: all
	@fail=""; for f in $(FAULT_SCRIPTS); do \
		echo "== $$f"; \
		if [ "$(FULL)" = 1 ]; then $$f $(BUILD)/baas-server; \
		else SHORT=1 $$f $(BUILD)/baas-server; fi || fail="$$fail $$f"; \
	done; \
	if [ -n "$$fail" ]; then echo "fault: FAILED:$$fail" >&2; exit 1; fi

soak: all
	@test/fault/soak.sh $(BUILD)/baas-server

# N instances behind HAProxy on loopback (scripts/cluster.sh), state in
# CLUSTER_DIR; `make test-cluster` runs the integration suite through it.
N ?= 2
CLUSTER_DIR ?= build/cluster
cluster-start: all
	@scripts/cluster.sh start $(CLUSTER_DIR) $(N) $(BUILD)/baas-server
cluster-stop:
	@scripts/cluster.sh stop $(CLUSTER_DIR)
test-cluster: all
	@scripts/test-cluster.sh $(N) $(BUILD)/baas-server

# Caches coherent across instances (test/integration/test_coherence.py):
# the full measurement, 1000 rounds of each kind of cached read (the suite
# runs 200); prints how often, and how long, B served the old answer.
COHERENCE_ITERATIONS ?= 1000
coherence: all
	@COHERENCE_ITERATIONS=$(COHERENCE_ITERATIONS) TEST_JOBS=1 \
	    scripts/run-integration.sh $(BUILD)/baas-server -k test_coherence -s

# The whole suite again under AddressSanitizer and UBSan.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 check

# Everything: the suite, the suite under sanitizers, the short fault
# scripts, the suite through HAProxy with two instances.
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fault
	@$(MAKE) --no-print-directory test-cluster
	@$(MAKE) --no-print-directory fuzz-short

# Each script starts what it measures and prints req/s and latencies.
# bench/tlsload: a new (resumed) TLS connection a request, what wrk lacks.
bench: all $(BUILD)/bench/tlsload
	@for b in bench/run.sh bench/account.sh bench/friends.sh; do \
		[ -x $$b ] && $$b || exit 1; done
	RELOAD=1 SCALE_STOP=1 SCALE_DURATION=3s bench/scale.sh 10000

$(BUILD)/bench/tlsload: bench/tlsload.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $< \
	    $$(pkg-config --cflags --libs openssl) -lpthread

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
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/test/fuzz/fuzz_%.o $(FUZZ_BUILD)/libbaas.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libbaas.a \
		$(PURE_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-short: fuzz-build
	@scripts/fuzz.sh short $(FUZZ_SHORT_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

# Folds what `make fuzz` found into the seeds (review, then commit).
fuzz-merge: fuzz-build
	@scripts/fuzz.sh merge 0 $(FUZZ_BUILD) $(FUZZ_TARGETS)

.PHONY: fuzz fuzz-short fuzz-build fuzz-merge
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
# ------------------------------------------------------------ end fuzzing

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
