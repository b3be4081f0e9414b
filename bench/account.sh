#!/bin/sh
# bench/account.sh: the account module's hot routes under wrk, against what
# the machine can sign (openssl speed -multi <cores> rsa2048), so the result
# reads as two ratios:
#
#   application/token req/s / sign/s          (one RS256 signature a token)
#   login req/s / (sign/s / 2)                 (two: access token + ID token)
#
# plus GET /1.0.0/users/<id> (one database round trip, no signing). The
# login body carries naCountry, as a console's does. Token and login run
# over plain HTTP and over HTTPS (keep-alive; SCHEMES="http" or "https"
# for one). With pg_stat_statements loaded in the cluster
# (shared_preload_libraries), it also prints the Postgres execution time of
# each login statement per call, the figure least moved by a busy machine.
#
#   bench/account.sh                 # builds nothing: run `make` first
#
# It starts build/baas-server itself (plain HTTP on a free loopback port, a
# temporary keys folder with a development dauth key, verify policy) on a
# throwaway database in the private cluster under var/pg (or
# BAAS_DATABASE_URL's cluster when set: a database is created there and
# dropped at the end). The pools: POOL distinct device tokens (default 200)
# and POOL device accounts, requests spread over them at random by wrk's Lua.
# Settings: DURATION (each wrk run, at most 10s; default 10s), CONNECTIONS
# (32), THREADS (wrk threads, 1), BAAS_THREADS (server loops, nproc).
# Everything it started is stopped on exit.
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
POOL=${POOL:-200}
SCHEMES=${SCHEMES:-http https}
BIN=${BAAS_SERVER_BIN:-build/baas-server}
CORES=$(nproc)
LOOPS=${BAAS_THREADS:-$CORES}

case "$DURATION" in
[1-9]s|10s) ;;
*) echo "bench: DURATION must be 1s to 10s" >&2; exit 2 ;;
esac
command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing (scripts/deps.sh)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
dbname=""
admin_url=""
cleanup() {
	if [ -n "$pid" ]; then
		stop_pid "$pid"
	fi
	if [ -n "$dbname" ]; then
		psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" \
		    >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# json FIELD: reads one string member (top level or user.id) from stdin.
json() {
	/usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d[k]
print(d)' "$1"
}

# speed: what the machine signs per second with RSA-2048, all cores. The
# machine may be shared (a VM's cores are): it is measured again next to
# every wrk run, and each ratio uses the two measurements around its run.
speed() {
	openssl speed -seconds 3 -multi "$CORES" rsa2048 >"$tmp/speed" 2>/dev/null
	s=$(awk '$1 == "rsa" && $2 == "2048" { s = $6 } END { print s }' "$tmp/speed")
	[ -n "$s" ] || { cat "$tmp/speed" >&2; echo "bench: no sign/s from openssl" >&2; exit 1; }
	echo "--- openssl speed -seconds 3 -multi $CORES rsa2048: $s sign/s" >&2
	echo "$s"
}

# 1. A throwaway database, keys with a development dauth key, the server.
if [ -z "${BAAS_DATABASE_URL:-}" ]; then
	scripts/pg.sh start var/pg
	BAAS_DATABASE_URL=$(scripts/pg.sh url var/pg)
fi
admin_url=$(echo "$BAAS_DATABASE_URL" | sed 's/dbname=[^ ]*//')" dbname=postgres"
dbname=bench_account_$$
psql "$admin_url" -XAtq -c "CREATE DATABASE $dbname" >/dev/null
db_url=$(echo "$BAAS_DATABASE_URL" | sed 's/dbname=[^ ]*//')" dbname=$dbname"

port=$(free_port)
sport=$(free_port)
export BAAS_DATABASE_URL="$db_url" BAAS_HTTP_ADDR="127.0.0.1:$port" \
    BAAS_HTTPS_ADDR="127.0.0.1:$sport" BAAS_KEYS_DIR="$tmp/keys" \
    BAAS_METRICS_ADDR="${BAAS_METRICS_ADDR:-127.0.0.1:0}" \
    BAAS_TRUSTED_ID_KEYS="$tmp/keys/trusted-id" \
    BAAS_TLS_CERT="$tmp/keys/tls/server.crt" \
    BAAS_TLS_KEY="$tmp/keys/tls/server.key" \
    BAAS_DEVICE_TOKEN_KEYS="$tmp/keys/dauth" \
    BAAS_NA_TOKEN_KEYS="$tmp/keys/nintendo-account" \
    BAAS_APP_TOKEN_KEYS="$tmp/keys/aauth" BAAS_DEVICE_TOKEN_POLICY=verify \
    BAAS_THREADS="$LOOPS" BAAS_LOG_LEVEL="${BAAS_LOG_LEVEL:-warn}" \
    BAAS_RATE_LIMITS=off
"$BIN" dev-dauth-key >/dev/null
"$BIN" create-user "$POOL" >"$tmp/accounts"
i=0
: >"$tmp/tokens"
while [ $i -lt "$POOL" ]; do
	"$BIN" mint-device-token "$(printf '%016x' $((0x100000 + i)))" >>"$tmp/tokens"
	i=$((i + 1))
done
"$BIN" 2>"$tmp/baas.log" &
pid=$!
base=http://127.0.0.1:$port
sbase=https://127.0.0.1:$sport
i=0
until curl -s -o /dev/null --max-time 1 "$base/health"; do
	i=$((i + 1))
	[ $i -lt 80 ] || { tail -n 20 "$tmp/baas.log" >&2; exit 1; }
	sleep 0.25
done

anon=$(curl -s -d "grantType=public_client&assertion=$(head -n 1 "$tmp/tokens")" \
    "$base/1.0.0/application/token" | json accessToken)
read -r uid da pw <"$tmp/accounts"
curl -s -H "Authorization: Bearer $anon" -d "id=$da&password=$pw&naCountry=US" \
    "$base/1.0.0/login" >"$tmp/login.json"
utok=$(json accessToken <"$tmp/login.json")

# 2. The wrk scripts: each request draws one entry of its pool. The
# requests are formatted once, in init: wrk shares the cores with the
# server, and formatting each request anew in Lua cost it more CPU than
# sending it (the bytes on the wire are the same).
cat >"$tmp/token.lua" <<'LUA'
local pool = {}
function init(args)
	for line in io.lines(args[1]) do
		pool[#pool + 1] = wrk.format("POST", "/1.0.0/application/token",
		    { ["Content-Type"] = "application/x-www-form-urlencoded",
		      ["X-Nintendo-PowerState"] = "FA" },
		    "grantType=public_client&assertion=" .. line)
	end
	math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
end
function request()
	return pool[math.random(#pool)]
end
LUA
cat >"$tmp/login.lua" <<'LUA'
local pool = {}
function init(args)
	local anon = args[2]
	for line in io.lines(args[1]) do
		local u, d, p = line:match("(%x+) (%x+) (%w+)")
		pool[#pool + 1] = wrk.format("POST", "/1.0.0/login",
		    { ["Content-Type"] = "application/x-www-form-urlencoded",
		      ["Authorization"] = "Bearer " .. anon,
		      ["X-Nintendo-PowerState"] = "FA" },
		    "id=" .. d .. "&password=" .. p .. "&naCountry=US")
	end
	math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
end
function request()
	return pool[math.random(#pool)]
end
LUA
cat >"$tmp/status.lua" <<'LUA'
local bad = 0
function response(status, headers, body)
	if status ~= 200 then bad = bad + 1 end
end
LUA

# The Postgres backends serving our database (the server's pool).
backends() {
	pgrep -f "postgres: .* $dbname " || true
}

# run NAME LABEL WRK-ARGS...: openssl, wrk, openssl; sets rps, p99, errs,
# sign (the mean of the two openssl runs), srv_us and pg_us (CPU
# microseconds per request in the server and in Postgres).
run() {
	echo "--- $1: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $2" >&2
	shift 2
	before=$(speed)
	pgs=$(backends)
	# shellcheck disable=SC2086 # one pid per word
	s0=$(cpu_ticks "$pid") p0=$(cpu_ticks $pgs) st0=$(steal_ms)
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency \
	    "$@" >"$tmp/out" 2>&1 || echo "bench: wrk failed" >&2
	# shellcheck disable=SC2086
	s1=$(cpu_ticks "$pid") p1=$(cpu_ticks $pgs) steal=$(( $(steal_ms) - st0 ))
	after=$(speed)
	cat "$tmp/out" >&2
	n=$(wrk_field "$tmp/out" requests)
	rps=$(wrk_field "$tmp/out" rps)
	p99="$(wrk_field "$tmp/out" p99)ms"
	errs=$(wrk_field "$tmp/out" errors)
	sign=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (a + b) / 2 }')
	srv_us=$(us_per_request "$((s1 - s0))" "$n")
	pg_us=$(us_per_request "$((p1 - p0))" "$n")
	echo "    sign/s around the run: $before, $after; CPU per request:" \
	    "server ${srv_us}us, Postgres ${pg_us}us; stolen by the hypervisor:" \
	    "${steal}ms" >&2
}

# pgss SQL: a query on pg_stat_statements in our database ("" when the
# module is not loaded).
pgss() {
	psql "$db_url" -XAtq -c "$1" 2>/dev/null || true
}
pgss "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

# runs SCHEME BASE: token and login over one scheme; sets <scheme>_*.
runs() {
	run token "POST $2/1.0.0/application/token" -s "$tmp/token.lua" \
	    "$2/1.0.0/application/token" -- "$tmp/tokens"
	eval "${1}_token_rps=\$rps ${1}_token_p99=\$p99 ${1}_token_sign=\$sign"
	eval "${1}_token_errs=\${errs:-0} ${1}_token_cpu=\$srv_us+\$pg_us"
	eval "${1}_token_steal=\$steal"
	pgss "SELECT pg_stat_statements_reset()" >/dev/null
	run login "POST $2/1.0.0/login" -s "$tmp/login.lua" "$2/1.0.0/login" -- \
	    "$tmp/accounts" "$anon"
	eval "${1}_login_rps=\$rps ${1}_login_p99=\$p99 ${1}_login_sign=\$sign"
	eval "${1}_login_errs=\${errs:-0} ${1}_login_cpu=\$srv_us+\$pg_us"
	eval "${1}_login_steal=\$steal"
	eval "${1}_login_pgss=\$(pgss \"SELECT string_agg(format('%s x%s %sus', \
	    CASE WHEN query LIKE '%account_login(%' THEN 'account_login' \
	    ELSE 'lookup' END, calls, round((mean_exec_time * 1000)::numeric)), \
	    ', ') FROM pg_stat_statements WHERE query LIKE '%password_hash%' \
	    AND query LIKE 'SELECT dev.%' OR query LIKE 'SELECT account_login(%'\")"
}
for scheme in $SCHEMES; do
	case $scheme in
	http) runs http "$base" ;;
	https) runs https "$sbase" ;;
	*) echo "bench: SCHEMES: http or https, not $scheme" >&2; exit 2 ;;
	esac
done
run user "GET /1.0.0/users/<id>" -H "Authorization: Bearer $utok" \
    "$base/1.0.0/users/$uid"
user_rps=$rps user_p99=$p99 user_errs=${errs:-0}
user_cpu="$srv_us+$pg_us" user_steal=$steal

# 3. Summary. The CPU ratio compares the CPU time a request costs (server
# and Postgres, from /proc) with what its signatures alone cost (from
# openssl speed): less sensitive to a noisy neighbour than req/s.
row() {
	printf '%-38s %8s %10s %8s %16s %9s\n' "$@"
}
echo
row "route ($LOOPS loops, $CORES cores)" "req/s" "p99" "non-2xx" \
    "CPU us srv+pg" "steal ms"
for scheme in $SCHEMES; do
	for r in token login; do
		eval "row \"POST /1.0.0/\$( [ $r = token ] && echo application/token || echo login) ($scheme)\" \
		    \"\$${scheme}_${r}_rps\" \"\$${scheme}_${r}_p99\" \
		    \"\$${scheme}_${r}_errs\" \"\$${scheme}_${r}_cpu\" \
		    \"\$${scheme}_${r}_steal\""
	done
done
row "GET /1.0.0/users/<id> (http)" "$user_rps" "$user_p99" "$user_errs" \
    "$user_cpu" "$user_steal"
for scheme in $SCHEMES; do
	eval "ts=\$${scheme}_token_sign ls=\$${scheme}_login_sign"
	eval "t=\$${scheme}_token_rps l=\$${scheme}_login_rps"
	eval "tc=\$${scheme}_token_cpu lc=\$${scheme}_login_cpu"
	eval "pg=\$${scheme}_login_pgss"
	awk -v ts="$ts" -v ls="$ls" -v t="$t" -v l="$l" -v tc="$tc" \
	    -v lc="$lc" -v c="$CORES" -v s="$scheme" '
	function total(x,   a) { split(x, a, "+"); return a[1] + a[2] }
	BEGIN {
		printf "%-5s token req/s / sign/s:        %.2f (sign/s %.0f; goal >= 0.8)\n", \
		    s, t / ts, ts
		printf "%-5s login req/s / (sign/s / 2):  %.2f (sign/s %.0f; goal >= 0.7)\n", \
		    s, l / (ls / 2), ls
		printf "%-5s CPU ratios (signing / all):  token %.2f, login %.2f\n", \
		    s, (1e6 * c / ts) / total(tc), 2 * (1e6 * c / ls) / total(lc)
	}'
	[ -z "$pg" ] || echo "$scheme  login statements in Postgres (calls, mean execution): $pg"
done
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION sharing the $CORES cores with the server and Postgres)"
