#!/bin/sh
# test/fault/flood.sh [SERVER_BIN]: thousands of connections, each holding
# an unfinished head of 15 KB and trickling a byte now and then, against a
# server capped at BAAS_MAX_CONNECTIONS. A normal client must still be
# served, RSS must stay below the bound that follows from the cap (64 KiB a
# connection, conn.h) and come back down once they are gone (the server
# returns freed memory after a flood). Prints connections and RSS
# (test/fault/slowclients.py).
# SHORT=1: cap 1000, 2000 connections; otherwise cap 4000, 8000.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "flood: $BIN missing (make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/baas-fault-flood.XXXXXX)
chmod 0755 "$tmp"
pid=""
cleanup() {
	stop_pid "$pid"
	scripts/pg.sh stop "$tmp/pg" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SHORT:-}" = 1 ]; then cap=1000 n=2000; else cap=4000 n=8000; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
scripts/pg.sh start "$tmp/pg" >/dev/null
port=$(free_port)
BAAS_DATABASE_URL="$(scripts/pg.sh url "$tmp/pg")" \
BAAS_HTTP_ADDR=127.0.0.1:$port BAAS_HTTPS_ADDR=off \
BAAS_KEYS_DIR=$tmp/keys BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id \
BAAS_MAX_CONNECTIONS=$cap BAAS_THREADS=${BAAS_THREADS:-2} \
BAAS_LOG_LEVEL=warn "$BIN" >"$tmp/server.log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$port/health"
bound_kb=$((cap * 64))
/usr/bin/python3 test/fault/slowclients.py flood 127.0.0.1 "$port" "$pid" \
    "$n" 15000 "$bound_kb" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
echo "flood: ok"
