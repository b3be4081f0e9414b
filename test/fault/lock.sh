#!/bin/sh
# test/fault/lock.sh [SERVER_BIN]: a row lock, then a table lock, held by
# hand in psql while requests run. Checks that only the requests that need
# the lock wait, that they get 503 under_maintenance once BAAS_DB_TIMEOUT
# runs out (not a hang, not a 500), that everything else is served at
# once, and that the blocked request succeeds after the release
# (test/fault/lock.py prints the figures).
# A third case has as many waiters as base pool connections (the reserve
# connections serve the rest). SHORT=1: BAAS_DB_TIMEOUT=2; otherwise the
# default 5 and a fourth case with every connection taken (informational).
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "lock: $BIN missing (make)" >&2; exit 1; }

fault_begin lock

if [ "${SHORT:-}" = 1 ]; then timeout=2; else timeout=5; fi
fault_pg_start "$tmp/pg"
BAAS_DB_TIMEOUT=$timeout fault_server "$tmp" "$BIN" "$pg_url"
/usr/bin/python3 test/fault/lock.py "$base" "$pg_url" "$tmp/keys" \
    "$timeout" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
