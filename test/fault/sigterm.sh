#!/bin/sh
# test/fault/sigterm.sh [SERVER_BIN]: SIGTERM under a write load of 32
# clients (keep-alive connections registering users, one transaction each;
# test/fault/httpload.py). The drain (BAAS_DRAIN_DELAY=0, a lone instance)
# must leave no request unanswered: every request a client sent gets a
# reply, the last ones with Connection: close; clients reconnecting after
# the listeners closed are refused before they send anything. Prints the
# counts and how long the exit took; fails on any unanswered request, any
# 5xx or an exit code other than 0.
# SHORT=1: 3 s of load before the signal, 3 rounds; otherwise 10 s, 10 rounds.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "sigterm: $BIN missing (make)" >&2; exit 1; }
if [ "${SHORT:-}" = 1 ]; then load_s=3 rounds=3; else load_s=10 rounds=10; fi

tmp=$(mktemp -d /tmp/baas-fault-sigterm.XXXXXX)
chmod 0755 "$tmp"
pid=""
load=""
cleanup() {
	stop_pid "$load"
	stop_pid "$pid"
	scripts/pg.sh stop "$tmp/pg" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/pg.sh start "$tmp/pg" >/dev/null
port=$(free_port)
export BAAS_DATABASE_URL="$(scripts/pg.sh url "$tmp/pg")"
export BAAS_HTTP_ADDR=127.0.0.1:$port BAAS_HTTPS_ADDR=off
export BAAS_KEYS_DIR=$tmp/keys BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id
export BAAS_DEVICE_TOKEN_KEYS=$tmp/keys/dauth BAAS_RATE_LIMITS=off
export BAAS_THREADS=${BAAS_THREADS:-2} BAAS_LOG_LEVEL=warn BAAS_DRAIN_DELAY=0
"$BIN" dev-dauth-key >/dev/null

fail=0
round=1
while [ $round -le $rounds ]; do
	"$BIN" >>"$tmp/server.log" 2>&1 &
	pid=$!
	wait_http "http://127.0.0.1:$port/health"
	rm -f "$tmp/ready"
	/usr/bin/python3 test/fault/httpload.py "http://127.0.0.1:$port" \
	    --bin "$BIN" --clients 32 --mix write --ready-file "$tmp/ready" \
	    >"$tmp/load.out" 2>&1 &
	load=$!
	while [ ! -e "$tmp/ready" ]; do sleep 0.1; done
	sleep "$load_s"
	t0=$(date +%s%N)
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	t1=$(date +%s%N)
	pid=""
	sleep 0.5	# clients find the port closed
	kill -TERM "$load"
	lrc=0
	wait "$load" || lrc=$?
	load=""
	printf 'sigterm: round %d: exit %d after %d ms; ' "$round" "$rc" \
	    $(( (t1 - t0) / 1000000 ))
	cat "$tmp/load.out"
	if [ "$rc" -ne 0 ] || [ "$lrc" -ne 0 ]; then
		fail=1
	fi
	round=$((round + 1))
done
if [ $fail -ne 0 ]; then
	echo "sigterm: FAILED (unanswered requests, a 5xx or a bad exit)" >&2
	tail -n 20 "$tmp/server.log" >&2
	exit 1
fi
echo "sigterm: ok: no request unanswered in $rounds rounds"
