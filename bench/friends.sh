#!/bin/sh
# bench/friends.sh: the friends module under wrk, at 32 connections:
#   1. GET /2.0.0/users/<id>/friends?count=300 for a user with 300 friends
#      whose presence is set (goal: >= 3000 req/s, p99 < 20 ms);
#   2. GET .../friend_requests/inbox with the emulator's query (100 pending);
#   3. PATCH /1.0.0/users/<id>/device_accounts/<id>: presence renewals of 64
#      users in turn, the body a console sends (goal: >= 5000 req/s).
# Prints req/s, p50 and p99 for each, the CPU time the hypervisor stole
# during the run (a shared machine's noise shows in p99), and the CPU
# microseconds a request cost in the server and in Postgres.
# ROUTES="presence" (or any of "friends inbox presence") runs only those;
# SCHEME=https measures them over HTTPS (keep-alive; the seeding still
# goes over plain HTTP);
# KEEP_LOG=FILE keeps the server's log (BAAS_LOG_LEVEL=info: one line per
# request with the time the server spent on it, to tell its tail from the
# client's).
#
#   bench/friends.sh              # builds nothing: run `make` first
#
# It starts build/baas-server (plain HTTP on a free loopback port, a
# temporary keys folder with a generated dauth key) against a fresh database
# "baas_bench_friends" in the private cluster under var/pg, makes users
# through the API and seeds the rest with psql (bench/friends_setup.py).
# The database is dropped on exit (kept with KEEP_DB=1, to look into it
# with psql or pgbench). Settings: DURATION (default 10s, at
# most 10s each), CONNECTIONS (32),
# THREADS (wrk threads, 2), BAAS_THREADS (server loops, default nproc),
# BAAS_LOG_LEVEL (default warn: no access line per request). Everything it
# started is stopped on exit.
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-10s}
ROUTES=${ROUTES:-friends inbox presence}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BIN=${BAAS_SERVER_BIN:-build/baas-server}
DB=baas_bench_friends
SCHEME=${SCHEME:-http}
case "$SCHEME" in http|https) ;; *) echo "bench: SCHEME: http or https" >&2; exit 2 ;; esac

command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
admin_url=""
trap bench_cleanup EXIT
trap 'exit 130' INT TERM


# bench NAME URL [WRK ARGS...]: runs wrk, keeps its output in $tmp/NAME.wrk.
bench() {
	case " $ROUTES " in *" $1 "*) ;; *) return 0 ;; esac
	name=$1
	url=$2
	shift 2
	echo "--- $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $*" \
	    "$url" >&2
	pgs=$(pgrep -f "postgres: .* $DB " || true)
	# shellcheck disable=SC2086 # one pid per word
	s0=$(cpu_ticks "$pid") p0=$(cpu_ticks $pgs)
	wrk_run "$tmp/$name.wrk" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
	    --timeout 5s --latency "$@" "$url"
	# shellcheck disable=SC2086
	s1=$(cpu_ticks "$pid") p1=$(cpu_ticks $pgs)
	n=$(wrk_field "$tmp/$name.wrk" requests)
	echo "CPU: $(us_per_request "$((s1 - s0))" "$n")" \
	    "$(us_per_request "$((p1 - p0))" "$n")" >>"$tmp/$name.wrk"
}

# field NAME WHAT: a figure of NAME's wrk output (wrk_field).
field() {
	wrk_field "$tmp/$1.wrk" "$2"
}

# The database and the server.
scripts/pg.sh start var/pg >/dev/null
base_url=$(scripts/pg.sh url var/pg)
admin_url=$(echo "$base_url" | sed 's/dbname=[^ ]*/dbname=postgres/')
db_url=$(echo "$base_url" | sed "s/dbname=[^ ]*/dbname=$DB/")
psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
    -c "CREATE DATABASE $DB" >/dev/null 2>&1
/usr/bin/python3 bench/friends_setup.py keygen "$tmp/keys"
port=$(free_port)
sport=$(free_port)
bench_server "$BIN" "$db_url" "$tmp/keys" "$port" "127.0.0.1:$sport" \
    "$tmp/baas.log"
base=http://127.0.0.1:$port
wait_http "$base/1.0.0/certificates" || { tail -n 20 "$tmp/baas.log" >&2; exit 1; }
/usr/bin/python3 bench/friends_setup.py seed "$base" "$db_url" "$tmp/keys" "$tmp"
. "$tmp/main.env"
# Measure the steady state, not autovacuum catching up with the bulk load.
psql "$db_url" -XAtq -c "VACUUM ANALYZE" >/dev/null

# Check the list is what it should be before measuring it.
n=$(curl -s -H "Authorization: Bearer $TOKEN" \
    "$base/2.0.0/users/$UID/friends?count=300" |
    /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print(len([f for f in d["items"] if f["friend"]["presence"]["state"] == "PLAYING"]), d["count"])')
echo "bench: friends list: $n (visible PLAYING, count)" >&2
[ "$SCHEME" = http ] || base=https://127.0.0.1:$sport

bench friends "$base/2.0.0/users/$UID/friends?count=300" \
    -H "Authorization: Bearer $TOKEN"
bench inbox "$base/2.0.0/users/$UID/friend_requests/inbox?offset=0&count=100&sort=createdAt:desc&filter.state.\$eq=PENDING" \
    -H "Authorization: Bearer $TOKEN"
bench presence "$base/" -s "$tmp/presence.lua"

echo
printf '%-52s %8s %8s %8s %9s %13s\n' "route (32 connections, $SCHEME)" "req/s" \
    "p50 ms" "p99 ms" "steal ms" "CPU us srv+pg"
for n in $ROUTES; do
	case $n in
	friends)  label="GET friends?count=300 (300 friends, presence)" ;;
	inbox)    label="GET friend_requests/inbox (100 pending)" ;;
	presence) label="PATCH presence (64 users renewing)" ;;
	esac
	printf '%-52s %8s %8s %8s %9s %13s\n' "$label" "$(field $n rps)" \
	    "$(field $n p50)" "$(field $n p99)" "$(field $n steal)" \
	    "$(field $n cpu)"
done
for n in $ROUTES; do
	e=$(field $n errors)
	[ -z "$e" ] || echo "$n: non-2xx responses: $e"
done
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores, sharing them with the server and Postgres;"
echo " steal: CPU time the hypervisor gave to other guests during the run, which shows in the tail;"
echo " CPU: microseconds of CPU per request in the server and in its Postgres backends)"
