#!/bin/sh
# test/fault/rolling_restart.sh [SERVER_BIN]: the topology of `make
# cluster-start` (scripts/cluster.sh: two instances behind Debian's
# haproxy, /health checked every 200 ms, down after two failed checks), a
# steady mixed load of 32 clients (test/fault/httpload.py: application/token,
# registration, login, GET user, certificates), and each instance restarted
# in turn with `scripts/cluster.sh restart DIR I`: SIGTERM, wait for its exit
# (status 0), start it again, wait until HAProxy sends it traffic.
# BAAS_DRAIN_DELAY=1 covers HAProxy's two failed checks. No request may fail
# (no 5xx, none unanswered); prints the counts.
# SHORT=1: each instance restarted once; otherwise three times each.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "rolling_restart: $BIN missing (make)" >&2; exit 1; }
if [ "${SHORT:-}" = 1 ]; then cycles=1 settle=3; else cycles=3 settle=8; fi

fault_begin rolling
load=""
trap 'stop_pid "$load"; scripts/cluster.sh stop "$tmp/c"; fault_end' EXIT
mkdir -p "$tmp/c"
# The trusted dauth key the load signs with; the instances make the rest.
/usr/bin/python3 test/fault/faultlib.py keygen "$tmp/c/keys"
BAAS_THREADS=${BAAS_THREADS:-1} BAAS_DRAIN_DELAY=1 BAAS_DRAIN_TIMEOUT=10 \
BAAS_RATE_LIMITS=off BAAS_LOG_LEVEL=warn \
    scripts/cluster.sh start "$tmp/c" 2 "$BIN"
. "$tmp/c/env"

/usr/bin/python3 test/fault/httpload.py "$CLUSTER_HTTP" "$CLUSTER_KEYS" \
    --clients 32 --mix mixed --ready-file "$tmp/ready" \
    >"$tmp/load.out" 2>&1 &
load=$!
while [ ! -e "$tmp/ready" ]; do sleep 0.1; done
sleep "$settle"

failed=0
c=1
while [ $c -le $cycles ]; do
	for i in 1 2; do
		scripts/cluster.sh restart "$tmp/c" "$i" || failed=1
		sleep "$settle"
	done
	c=$((c + 1))
done

kill -TERM "$load"
lrc=0
wait "$load" || lrc=$?
load=""
echo "rolling_restart: $cycles restart(s) of each of 2 instances behind HAProxy"
cat "$tmp/load.out"
if [ "$lrc" -ne 0 ] || [ "$failed" -ne 0 ]; then
	echo "rolling_restart: FAILED" >&2
	tail -n 10 "$tmp/c"/instance-*.log "$tmp/c/haproxy.log" >&2
	exit 1
fi
echo "rolling_restart: ok: no request failed"
