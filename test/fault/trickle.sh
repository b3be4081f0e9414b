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

tmp=$(mktemp -d /tmp/baas-fault-trickle.XXXXXX)
chmod 0755 "$tmp"
pid=""
cleanup() {
	stop_pid "$pid"
	scripts/pg.sh stop "$tmp/pg" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SHORT:-}" = 1 ]; then
	export BAAS_HEAD_TIMEOUT=3 BAAS_BODY_TIMEOUT=3
	every=1 limit=8
else
	unset BAAS_HEAD_TIMEOUT BAAS_BODY_TIMEOUT
	every=3 limit=40
fi
scripts/pg.sh start "$tmp/pg" >/dev/null
port=$(free_port)
BAAS_DATABASE_URL="$(scripts/pg.sh url "$tmp/pg")" \
BAAS_HTTP_ADDR=127.0.0.1:$port BAAS_HTTPS_ADDR=off \
BAAS_KEYS_DIR=$tmp/keys BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id \
BAAS_LOG_LEVEL=warn "$BIN" >"$tmp/server.log" 2>&1 &
pid=$!
wait_http "http://127.0.0.1:$port/health"
/usr/bin/python3 test/fault/slowclients.py trickle 127.0.0.1 "$port" \
    "$every" "$limit" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
echo "trickle: ok"
