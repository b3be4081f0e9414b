#!/bin/sh
# test/fault/trickle.sh [SERVER_BIN]: a client sending its request head one
# byte every few seconds never trips an inactivity timer; the head deadline
# (BAAS_HEAD_TIMEOUT, from the head's first byte) must cut it, and the body
# deadline (BAAS_BODY_TIMEOUT) a body sent the same way, while a normal
# client is served. Prints the cut-off times (test/fault/slowclients.py).
# SHORT=1: deadlines of 3 s and a byte a second; otherwise the defaults
# (10 s and 30 s) and a byte every 3 s.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "trickle: $BIN missing (make)" >&2; exit 1; }

if [ "${SHORT:-}" = 1 ]; then
	export BAAS_HEAD_TIMEOUT=3 BAAS_BODY_TIMEOUT=3
	every=1 limit=8
else
	unset BAAS_HEAD_TIMEOUT BAAS_BODY_TIMEOUT
	every=3 limit=40
fi
fault_begin trickle
fault_pg_start "$tmp/pg"
fault_server "$tmp" "$BIN" "$pg_url"
/usr/bin/python3 test/fault/slowclients.py trickle "$base" "$every" \
    "$limit" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
echo "trickle: ok"
