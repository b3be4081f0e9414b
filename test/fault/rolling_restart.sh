#!/bin/sh
# test/fault/rolling_restart.sh [SERVER_BIN]: two instances behind HAProxy
# (Debian's haproxy; /health checked every 200 ms, down after two failed
# checks), a steady mixed load of 32 clients (test/fault/httpload.py:
# application/token, registration, login, GET user, certificates), and each
# instance restarted in turn: SIGTERM, wait for its exit, start it again,
# wait until HAProxy sends it traffic. BAAS_DRAIN_DELAY=1 covers HAProxy's
# two failed checks. No request may fail (no 5xx, none unanswered); prints
# the counts.
# SHORT=1: each instance restarted once; otherwise three times each.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "rolling_restart: $BIN missing (make)" >&2; exit 1; }
command -v haproxy >/dev/null 2>&1 ||
    { echo "rolling_restart: haproxy is missing (scripts/deps.sh)" >&2; exit 1; }
if [ "${SHORT:-}" = 1 ]; then cycles=1 settle=3; else cycles=3 settle=8; fi

fault_begin rolling
pid_a="" pid_b="" hap="" load=""
trap 'stop_pid "$load"; stop_pid "$hap"; stop_pid "$pid_a"; stop_pid "$pid_b"; fault_end' EXIT
fault_pg_start "$tmp/pg"
port_a=$(free_port)
port_b=$(free_port)
port_h=$(free_port)
export BAAS_THREADS=${BAAS_THREADS:-1} BAAS_DRAIN_DELAY=1
export BAAS_DRAIN_TIMEOUT=10

# start PORT: an instance on PORT (both share $tmp's keys); pid in new_pid.
start() {
	FAULT_PORT=$1 fault_server "$tmp" "$BIN" "$pg_url"
	new_pid=$server_pid
	server_pid=""
}

start "$port_a"
pid_a=$new_pid
start "$port_b"
pid_b=$new_pid

cat >"$tmp/haproxy.cfg" <<CFG
global
	maxconn 4096
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout http-keep-alive 10s
	timeout check 2s
	retries 3
	option redispatch
frontend fe
	bind 127.0.0.1:$port_h
	default_backend be
backend be
	balance roundrobin
	option httpchk GET /health
	http-check expect status 200
	default-server inter 200ms fall 2 rise 2
	server a 127.0.0.1:$port_a check
	server b 127.0.0.1:$port_b check
CFG
haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
hap=$!
wait_http "http://127.0.0.1:$port_h/health"
sleep 1

/usr/bin/python3 test/fault/httpload.py "http://127.0.0.1:$port_h" \
    "$tmp/keys" --clients 32 --mix mixed --ready-file "$tmp/ready" \
    >"$tmp/load.out" 2>&1 &
load=$!
while [ ! -e "$tmp/ready" ]; do sleep 0.1; done
sleep "$settle"

# restart NAME PORT PID: SIGTERM, wait for the exit, start again (the new
# pid in new_pid).
restart() {
	t0=$(date +%s%N)
	kill -TERM "$3"
	rc=0
	wait "$3" || rc=$?
	t1=$(date +%s%N)
	echo "rolling_restart: $1 exited $rc after $(( (t1 - t0) / 1000000 )) ms"
	[ "$rc" -eq 0 ] || failed=1
	start "$2"
	sleep 1		# two good checks: HAProxy sends it traffic again
}

failed=0
c=1
while [ $c -le $cycles ]; do
	restart a "$port_a" "$pid_a"
	pid_a=$new_pid
	sleep "$settle"
	restart b "$port_b" "$pid_b"
	pid_b=$new_pid
	sleep "$settle"
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
	tail -n 10 "$tmp/server.log" "$tmp/haproxy.log" >&2
	exit 1
fi
echo "rolling_restart: ok: no request failed"
