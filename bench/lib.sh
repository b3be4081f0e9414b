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
