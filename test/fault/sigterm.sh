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

fault_begin sigterm
load=""
trap 'stop_pid "$load"; fault_end' EXIT
fault_pg_start "$tmp/pg"

fail=0
round=1
while [ $round -le $rounds ]; do
	BAAS_DRAIN_DELAY=0 fault_server "$tmp" "$BIN" "$pg_url"
	rm -f "$tmp/ready"
	/usr/bin/python3 test/fault/httpload.py "$base" "$tmp/keys" \
	    --clients 32 --mix write --ready-file "$tmp/ready" \
	    >"$tmp/load.out" 2>&1 &
	load=$!
	while [ ! -e "$tmp/ready" ]; do sleep 0.1; done
	sleep "$load_s"
	t0=$(date +%s%N)
	kill -TERM "$server_pid"
	rc=0
	wait "$server_pid" || rc=$?
	t1=$(date +%s%N)
	server_pid=""
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
