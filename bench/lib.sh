# bench/lib.sh: helpers the bench scripts share (sourced, not run).

# stop_pid PID: SIGTERM, a bounded wait (10 s), then SIGKILL.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
}

# free_port: a loopback port nothing listens on now.
# bench_cleanup: the EXIT trap of the benchmarks that make a database $DB
# on the private cluster: stops the server ($pid), drops $DB (unless
# KEEP_DB is set; $admin_url names the cluster), copies the server's log to
# $KEEP_LOG when asked, removes $tmp.
bench_cleanup() {
	if [ -n "${pid:-}" ]; then
		stop_pid "$pid"
	fi
	if [ -n "${admin_url:-}" ] && [ -z "${KEEP_DB:-}" ]; then
		psql "$admin_url" -XAtq \
		    -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
		    >/dev/null 2>&1 || true
	fi
	[ -z "${KEEP_LOG:-}" ] || [ ! -f "$tmp/baas.log" ] ||
	    cp "$tmp/baas.log" "$KEEP_LOG"
	rm -rf "$tmp"
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL: until URL answers (at most 20 s).
wait_http() {
	_i=0
	until curl -s -o /dev/null --max-time 1 "$1"; do
		_i=$((_i + 1))
		if [ $_i -ge 80 ]; then
			echo "bench: $1 does not answer" >&2
			return 1
		fi
		sleep 0.25
	done
}

# steal_ms: CPU time stolen by the hypervisor so far, all cores (ms). On a
# shared virtual machine it explains latency tails the server did not cause.
steal_ms() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%d", $9 * 1000 / hz }' /proc/stat
}

# wrk_run OUT WRK-ARGS...: runs wrk; its output, then "Steal: <ms>" stolen
# meanwhile, go to OUT and to stderr.
wrk_run() {
	_out=$1
	shift
	_s0=$(steal_ms)
	wrk "$@" >"$_out"
	echo "Steal: $(( $(steal_ms) - _s0 ))" >>"$_out"
	cat "$_out" >&2
}

# cpu_ticks PID...: CPU time (clock ticks) the processes used so far.
cpu_ticks() {
	_t=0
	for _p in "$@"; do
		[ -r "/proc/$_p/stat" ] || continue
		_t=$((_t + $(awk '{ print $14 + $15 }' "/proc/$_p/stat")))
	done
	echo "$_t"
}

# us_per_request TICKS REQUESTS: CPU microseconds a request cost. With the
# hypervisor stealing half the machine at times, this is the figure that
# stays put when req/s does not.
us_per_request() {
	awk -v d="$1" -v n="${2:-1}" -v hz="$(getconf CLK_TCK)" \
	    'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0) }'
}

# wrk_field FILE WHAT [DECIMALS]: one figure of wrk's output in FILE (with
# the "Steal:" and "CPU:" lines the scripts append): requests (how many
# completed), rps, p50 or p99 (ms, DECIMALS places, default 2), errors
# (non-2xx replies and socket errors), steal (ms) or cpu (microseconds per
# request: the server's, or "server+Postgres").
wrk_field() {
	awk -v what="$2" -v d="${3:-2}" '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
		if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
		return v
	}
	what == "requests" && /requests in/ { print $1 }
	what == "rps" && $1 == "Requests/sec:" { printf "%.0f", $2 }
	what == "p50" && $1 == "50%" { printf "%." d "f", ms($2) }
	what == "p99" && $1 == "99%" { printf "%." d "f", ms($2) }
	what == "errors" && /Non-2xx or 3xx responses:/ { printf "%s", $NF }
	what == "errors" && /Socket errors:/ { printf " socket errors: %s", $0 }
	what == "steal" && $1 == "Steal:" { printf "%s", $2 }
	what == "cpu" && $1 == "CPU:" {
		printf "%s%s", $2, (NF > 2 ? "+" $3 : "")
	}
	' "$1"
}

# --- test/fault helpers

# fault_pg_start DIR: a private cluster in DIR (scripts/pg.sh) with
# synchronous_commit back to on, Postgres's default and what production
# runs (pg.sh turns it off for speed): an acknowledged commit must then
# survive kill -9. FAULT_SYNC_COMMIT=off keeps pg.sh's setting, to see the
# pg_kill check catch the writes that setting loses. Sets pg_url.
fault_pg_start() {
	scripts/pg.sh start "$1" >/dev/null
	_conf=$(cd "$1" && pwd -P)/data/postgresql.conf
	echo "synchronous_commit = ${FAULT_SYNC_COMMIT:-on}" >>"$_conf"
	scripts/pg.sh restart "$1" >/dev/null
	pg_url=$(scripts/pg.sh url "$1")
}

# fault_server TMP BIN DB_URL: starts BIN with HTTP only on a free loopback
# port, keys from test/fault/faultlib.py keygen in TMP/keys (generated the
# first time), rate limits off, log in TMP/server.log; more settings come
# from the caller's environment (FAULT_PORT: that port rather than a free
# one). Sets server_pid and base; waits for /health.
fault_server() {
	[ -d "$1/keys/fault-private" ] ||
	    /usr/bin/python3 test/fault/faultlib.py keygen "$1/keys"
	_port=${FAULT_PORT:-$(free_port)}
	BAAS_DATABASE_URL=$3 BAAS_HTTP_ADDR=127.0.0.1:$_port \
	BAAS_HTTPS_ADDR=off BAAS_KEYS_DIR=$1/keys \
	BAAS_METRICS_ADDR=${BAAS_METRICS_ADDR:-127.0.0.1:0} \
	BAAS_TRUSTED_ID_KEYS=$1/keys/trusted-id \
	BAAS_TLS_CERT=$1/keys/tls/server.crt BAAS_TLS_KEY=$1/keys/tls/server.key \
	BAAS_DEVICE_TOKEN_KEYS=$1/keys/dauth \
	BAAS_NA_TOKEN_KEYS=$1/keys/nintendo-account \
	BAAS_APP_TOKEN_KEYS=$1/keys/aauth \
	BAAS_RATE_LIMITS=${BAAS_RATE_LIMITS:-off} \
	BAAS_THREADS=${BAAS_THREADS:-2} BAAS_LOG_LEVEL=${BAAS_LOG_LEVEL:-warn} \
	    "$2" >>"$1/server.log" 2>&1 &
	server_pid=$!
	base=http://127.0.0.1:$_port
	wait_http "$base/health" || { tail -n 20 "$1/server.log" >&2; return 1; }
}

# bench_server BIN DB_URL KEYS HTTP_PORT HTTPS_ADDR LOG: starts BIN in the
# background on 127.0.0.1:HTTP_PORT (HTTPS on HTTPS_ADDR, or off) with the
# keys and trusted keys bench/friends_setup.py keygen made under KEYS, rate
# limits off, its errors in LOG; BAAS_THREADS (nproc), BAAS_LOG_LEVEL
# (warn) and BAAS_METRICS_ADDR come from the caller. Its pid in pid.
bench_server() {
	BAAS_DATABASE_URL=$2 BAAS_HTTP_ADDR=127.0.0.1:$4 BAAS_HTTPS_ADDR=$5 \
	BAAS_METRICS_ADDR=${BAAS_METRICS_ADDR:-127.0.0.1:0} \
	BAAS_KEYS_DIR=$3 BAAS_TRUSTED_ID_KEYS=$3/trusted-id \
	BAAS_TLS_CERT=$3/tls/server.crt BAAS_TLS_KEY=$3/tls/server.key \
	BAAS_DEVICE_TOKEN_KEYS=$3/dauth \
	BAAS_NA_TOKEN_KEYS=$3/nintendo-account \
	BAAS_APP_TOKEN_KEYS=$3/aauth \
	BAAS_THREADS=${BAAS_THREADS:-$(nproc)} \
	BAAS_LOG_LEVEL=${BAAS_LOG_LEVEL:-warn} BAAS_RATE_LIMITS=off \
	    "$1" 2>"$6" &
	pid=$!
}

# rss_kb PID: resident set size of PID in KiB (0 when gone).
rss_kb() {
	awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' \
	    "/proc/$1/status" 2>/dev/null || echo 0
}

# fault_begin NAME: the temporary folder $tmp of a fault script; on exit
# the server (server_pid) and the cluster in $tmp/pg it started are
# stopped and $tmp is removed (KEEP_LOG=FILE keeps the server's log).
fault_begin() {
	tmp=$(mktemp -d "/tmp/baas-fault-$1.XXXXXX")
	chmod 0755 "$tmp"
	server_pid=""
	trap fault_end EXIT
	trap 'exit 130' INT TERM
}

fault_end() {
	stop_pid "$server_pid"
	scripts/pg.sh stop "$tmp/pg" >/dev/null 2>&1 || true
	[ -z "${KEEP_LOG:-}" ] || cp "$tmp/server.log" "$KEEP_LOG" || true
	rm -rf "$tmp"
}
