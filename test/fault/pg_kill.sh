#!/bin/sh
# test/fault/pg_kill.sh [SERVER_BIN]: Postgres killed with kill -9 (the
# postmaster) under a write load, then restarted. Checks that every write
# acknowledged with 2xx is in the database afterwards, that requests meanwhile
# get 503 under_maintenance at once (prints the slowest), and that service
# returns within 2 s of Postgres accepting connections (prints the time).
# SHORT=1: one kill after 3 s of load; otherwise three kills after 10 s
# each. WRITERS, KILLS, WARMUP, OUTAGE, AFTER override (test/fault/pg_kill.py).
# Starts its own cluster (synchronous_commit on, as in production) and server;
# stops both on exit.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "pg_kill: $BIN missing (make)" >&2; exit 1; }

fault_begin pgkill

fault_pg_start "$tmp/pg"
fault_server "$tmp" "$BIN" "$pg_url"
/usr/bin/python3 test/fault/pg_kill.py "$base" "$tmp/pg" "$pg_url" \
    "$tmp/keys" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
kill -0 "$server_pid" || { echo "pg_kill: the server died" >&2; exit 1; }
