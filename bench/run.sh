#!/bin/sh
# bench/run.sh: throughput and latency of GET /1.0.0/certificates next to a
# trivial single-threaded libevent evhttp server (bench/trivial_evhttp.c) on
# the same machine, so the result reads as a ratio. Uses wrk.
#
#   make bench                    # builds, then runs this
#   BASE_URL=http://h:p bench/run.sh   # measure a server already running
#
# Without BASE_URL it starts build/baas-server itself (plain HTTP on a free
# loopback port, HTTPS off, a temporary keys folder) against the private
# cluster under var/pg. Settings: DURATION (default 10s), CONNECTIONS (32),
# THREADS (wrk threads, 2). Everything it started is stopped on exit.
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BIN=${BAAS_SERVER_BIN:-build/baas-server}

command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing (scripts/deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do
		stop_pid "$p"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# bench NAME URL [PID]: runs wrk, keeps its output in $tmp/NAME.wrk, with
# the server's CPU microseconds per request when its PID is given.
bench() {
	echo "--- $1: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $2" >&2
	c0=$(cpu_ticks ${3:-})
	wrk_run "$tmp/$1.wrk" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
	    --timeout 5s --latency "$2"
	n=$(wrk_field "$tmp/$1.wrk" requests)
	[ -z "${3:-}" ] ||
	    echo "CPU: $(us_per_request "$(( $(cpu_ticks "$3") - c0 ))" "$n")" \
	    >>"$tmp/$1.wrk"
}

# field NAME WHAT: a figure of NAME's wrk output (wrk_field), in ms to the
# microsecond.
field() {
	wrk_field "$tmp/$1.wrk" "$2" 3
}

# 1. The baseline.
mkdir -p build/bench
cc -std=gnu11 -O2 -Wall -Wextra -o build/bench/trivial_evhttp \
    bench/trivial_evhttp.c $(pkg-config --cflags --libs libevent)
tport=$(free_port)
build/bench/trivial_evhttp "$tport" 2>"$tmp/trivial.log" &
tpid=$!
pids="$pids $tpid"
wait_http "http://127.0.0.1:$tport/"
bench trivial "http://127.0.0.1:$tport/" "$tpid"

# 2. The BaaS server.
bpid=""
if [ -n "${BASE_URL:-}" ]; then
	base=${BASE_URL%/}
	ours_label="baas GET /1.0.0/certificates (external)"
else
	[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }
	scripts/pg.sh start var/pg
	hport=$(free_port)
	ours_threads=${BAAS_THREADS:-$(nproc)}
	ours_label="baas GET /1.0.0/certificates ($ours_threads loops)"
	BAAS_DATABASE_URL=${BAAS_DATABASE_URL:-$(scripts/pg.sh url var/pg)} \
	BAAS_HTTP_ADDR=127.0.0.1:$hport BAAS_HTTPS_ADDR=off \
	BAAS_METRICS_ADDR=${BAAS_METRICS_ADDR:-127.0.0.1:0} \
	BAAS_KEYS_DIR=$tmp/keys BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id \
	BAAS_TLS_CERT=$tmp/keys/tls/server.crt BAAS_TLS_KEY=$tmp/keys/tls/server.key \
	BAAS_DEVICE_TOKEN_KEYS=$tmp/keys/dauth \
	BAAS_NA_TOKEN_KEYS=$tmp/keys/nintendo-account \
	BAAS_APP_TOKEN_KEYS=$tmp/keys/aauth \
	BAAS_THREADS=$ours_threads BAAS_LOG_LEVEL=${BAAS_LOG_LEVEL:-info} \
	    "$BIN" 2>"$tmp/baas.log" &
	bpid=$!
	pids="$pids $bpid"
	base=http://127.0.0.1:$hport
	wait_http "$base/1.0.0/certificates" || { tail -n 20 "$tmp/baas.log" >&2; exit 1; }
fi
bench baas "$base/1.0.0/certificates" "$bpid"

# 3. Summary.
t_rps=$(field trivial rps)
b_rps=$(field baas rps)
echo
printf '%-44s %10s %8s %8s %9s %9s\n' "server" "req/s" "p50 ms" "p99 ms" \
    "steal ms" "CPU us"
printf '%-44s %10s %8s %8s %9s %9s\n' "trivial evhttp (1 thread, fixed JSON)" \
    "$t_rps" "$(field trivial p50)" "$(field trivial p99)" \
    "$(field trivial steal)" "$(field trivial cpu)"
printf '%-44s %10s %8s %8s %9s %9s\n' "$ours_label" \
    "$b_rps" "$(field baas p50)" "$(field baas p99)" "$(field baas steal)" \
    "$(field baas cpu)"
awk -v b="$b_rps" -v t="$t_rps" 'BEGIN {
	if (t > 0) printf "ratio baas/trivial req/s: %.2f\n", b / t }'
for n in trivial baas; do
	e=$(field $n errors)
	[ -z "$e" ] || echo "$n: non-2xx or errors: $e"
done
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores, sharing them with the server;"
echo " steal: CPU time the hypervisor gave to other guests during the run;"
echo " CPU: the server's CPU microseconds per request)"
