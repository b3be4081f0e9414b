#!/bin/sh
# test/fault/flood.sh [SERVER_BIN]: thousands of connections, each holding
# an unfinished head of 15 KB and trickling a byte now and then, against a
# server capped at BAAS_MAX_CONNECTIONS. A normal client must still be
# served, RSS must stay below the bound that follows from the cap (64 KiB a
# connection, server/conn.h) and come back down once they are gone (the
# server returns freed memory after a flood). Prints connections and RSS
# (test/fault/slowclients.py).
# SHORT=1: cap 1000, 2000 connections; otherwise cap 4000, 8000.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "flood: $BIN missing (make)" >&2; exit 1; }

if [ "${SHORT:-}" = 1 ]; then cap=1000 n=2000; else cap=4000 n=8000; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fault_begin flood
fault_pg_start "$tmp/pg"
BAAS_MAX_CONNECTIONS=$cap fault_server "$tmp" "$BIN" "$pg_url"
/usr/bin/python3 test/fault/slowclients.py flood "$base" "$server_pid" \
    "$n" 15000 $((cap * 64)) || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
echo "flood: ok"
