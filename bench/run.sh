#!/bin/sh
# bench/run.sh: throughput and latency of GET /1.0.0/certificates next to a
# trivial single-threaded libevent evhttp server (bench/trivial_evhttp.c) on
# the same machine, so the result reads as a ratio; then the same route
# over HTTPS as consoles use it, every figure of one run:
#
#   plain HTTP keep-alive, HTTPS keep-alive                        (wrk)
#   new connection a request: plain, HTTPS full handshake with the RSA
#   certificate, with the ECDSA one (TLS 1.3), resumed by ticket (TLS 1.3,
#   then TLS 1.2), resumed from the session-id cache (TLS 1.2, no ticket)
#                                                       (build/bench/tlsload)
#
#   make bench                    # builds, then runs this
#   BASE_URL=http://h:p bench/run.sh    # measure a server already running
#   BASE_URL=https://h:p bench/run.sh   # its HTTPS side (only the TLS rows)
#
# Without BASE_URL it starts build/baas-server itself (plain HTTP and HTTPS
# on free loopback ports, a temporary keys folder with the generated RSA and
# ECDSA certificates) against the private cluster under var/pg. Settings:
# DURATION (default 10s), CONNECTIONS (wrk, 32), NEWCONN_THREADS (tlsload,
# 16), THREADS (wrk threads, 2). Everything it started is stopped on exit.
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
NEWCONN_THREADS=${NEWCONN_THREADS:-16}
BIN=${BAAS_SERVER_BIN:-build/baas-server}
TLSLOAD=${TLSLOAD:-build/bench/tlsload}
secs=${DURATION%s}

command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing (scripts/deps.sh)" >&2; exit 1; }
[ -x "$TLSLOAD" ] || make -s "$TLSLOAD" >&2

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

# newconn NAME URL PID TLSLOAD-ARGS...: tlsload (a new connection each
# request), its output in $tmp/NAME.wrk like bench's.
newconn() {
	_n=$1 _u=$2 _p=$3
	shift 3
	echo "--- $_n: tlsload -c$NEWCONN_THREADS -d$secs $* $_u" >&2
	c0=$(cpu_ticks $_p)
	_s0=$(steal_ms)
	_rc=0
	"$TLSLOAD" -c "$NEWCONN_THREADS" -d "$secs" "$@" "$_u" >"$tmp/$_n.wrk" ||
	    _rc=$?
	case $_rc in
	0) ;;
	3) unresumed="$unresumed $_n" ;;	# a handshake did not resume
	*) exit 1 ;;
	esac
	echo "Steal: $(( $(steal_ms) - _s0 ))" >>"$tmp/$_n.wrk"
	n=$(wrk_field "$tmp/$_n.wrk" requests)
	[ -z "$_p" ] ||
	    echo "CPU: $(us_per_request "$(( $(cpu_ticks $_p) - c0 ))" "$n")" \
	    >>"$tmp/$_n.wrk"
	cat "$tmp/$_n.wrk" >&2
}

unresumed=""

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
base="" tbase=""
if [ -n "${BASE_URL:-}" ]; then
	case "$BASE_URL" in
	https:*) tbase=${BASE_URL%/} ;;
	*) base=${BASE_URL%/} ;;
	esac
	ours_label="(external)"
else
	[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }
	scripts/pg.sh start var/pg
	hport=$(free_port)
	sport=$(free_port)
	ours_threads=${BAAS_THREADS:-$(nproc)}
	ours_label="($ours_threads loops)"
	BAAS_DATABASE_URL=${BAAS_DATABASE_URL:-$(scripts/pg.sh url var/pg)} \
	BAAS_HTTP_ADDR=127.0.0.1:$hport BAAS_HTTPS_ADDR=127.0.0.1:$sport \
	BAAS_METRICS_ADDR=${BAAS_METRICS_ADDR:-127.0.0.1:0} \
	BAAS_KEYS_DIR=$tmp/keys BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id \
	BAAS_TLS_CERT=$tmp/keys/tls/server.crt BAAS_TLS_KEY=$tmp/keys/tls/server.key \
	BAAS_DEVICE_TOKEN_KEYS=$tmp/keys/dauth \
	BAAS_NA_TOKEN_KEYS=$tmp/keys/nintendo-account \
	BAAS_APP_TOKEN_KEYS=$tmp/keys/aauth \
	BAAS_RATE_LIMITS=off BAAS_MAX_CONNECTIONS=${BAAS_MAX_CONNECTIONS:-4096} \
	BAAS_THREADS=$ours_threads BAAS_LOG_LEVEL=${BAAS_LOG_LEVEL:-warn} \
	    "$BIN" 2>"$tmp/baas.log" &
	bpid=$!
	pids="$pids $bpid"
	base=http://127.0.0.1:$hport
	tbase=https://127.0.0.1:$sport
	wait_http "$base/1.0.0/certificates" || { tail -n 20 "$tmp/baas.log" >&2; exit 1; }
fi
jwks=/1.0.0/certificates
rows=""
if [ -n "$base" ]; then
	bench baas "$base$jwks" "$bpid"
	newconn plain_new "$base$jwks" "$bpid"
	rows="baas plain_new"
fi
if [ -n "$tbase" ]; then
	bench tls "$tbase$jwks" "$bpid"
	newconn tls_rsa "$tbase$jwks" "$bpid" -s RSA+SHA256:RSA-PSS+SHA256
	newconn tls_ecdsa "$tbase$jwks" "$bpid" -s ECDSA+SHA256
	newconn tls_resumed "$tbase$jwks" "$bpid" -r
	newconn tls_resumed12 "$tbase$jwks" "$bpid" -r -v 1.2
	newconn tls_cached "$tbase$jwks" "$bpid" -r -n -v 1.2
	rows="$rows tls tls_rsa tls_ecdsa tls_resumed tls_resumed12 tls_cached"
fi

# 3. Summary.
label() {
	case $1 in
	trivial) echo "trivial evhttp (1 thread, fixed JSON)" ;;
	baas) echo "plain keep-alive $ours_label" ;;
	tls) echo "HTTPS keep-alive" ;;
	plain_new) echo "plain, new connection each" ;;
	tls_rsa) echo "HTTPS new conn, full, RSA cert" ;;
	tls_ecdsa) echo "HTTPS new conn, full, ECDSA cert" ;;
	tls_resumed) echo "HTTPS new conn, resumed (ticket)" ;;
	tls_resumed12) echo "HTTPS new conn, resumed (1.2 ticket)" ;;
	tls_cached) echo "HTTPS new conn, resumed (1.2 cache)" ;;
	esac
}
echo
printf '%-40s %10s %8s %8s %9s %9s %9s\n' "GET $jwks" "req/s" "p50 ms" \
    "p99 ms" "steal ms" "CPU us" "client us"
for n in trivial $rows; do
	printf '%-40s %10s %8s %8s %9s %9s %9s\n' "$(label $n)" \
	    "$(field $n rps)" "$(field $n p50)" "$(field $n p99)" \
	    "$(field $n steal)" "$(field $n cpu)" \
	    "$(awk '$1 == "Client" { print $3 }' "$tmp/$n.wrk")"
done
ratio() {
	[ -f "$tmp/$2.wrk" ] && [ -f "$tmp/$3.wrk" ] || return 0
	awk -v a="$(field "$2" rps)" -v b="$(field "$3" rps)" -v what="$1" \
	    'BEGIN { if (b > 0) printf "%-44s %.2f\n", what ":", a / b }'
}
ratio "baas/trivial req/s" baas trivial
ratio "HTTPS/plain keep-alive (goal >= 0.8)" tls baas
ratio "HTTPS resumed/plain new conn (goal >= 0.5)" tls_resumed plain_new
ratio "HTTPS 1.2 ticket-resumed/plain new conn" tls_resumed12 plain_new
ratio "HTTPS 1.2 cache-resumed/plain new conn" tls_cached plain_new
ratio "HTTPS full RSA/plain new conn" tls_rsa plain_new
ratio "HTTPS full ECDSA/plain new conn" tls_ecdsa plain_new
for n in trivial $rows; do
	e=$(field $n errors)
	[ -z "$e" ] || echo "$n: non-2xx or errors: $e"
	grep -h '^Resumed:' "$tmp/$n.wrk" | sed "s/^/$n: /" || true
done
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION and tlsload -c$NEWCONN_THREADS on $(nproc) cores, sharing them with the server;"
echo " steal: CPU time the hypervisor gave to other guests during the run;"
echo " CPU: the server's CPU microseconds per request; client: tlsload's)"
if [ -n "$unresumed" ]; then
	echo "bench: not every handshake that should resume did:$unresumed" >&2
	exit 1
fi
