#!/bin/sh
# bench/scale.sh SIZE: the database at a real size. Loads SIZE users (a
# multiple of 100, at least 1000) straight into Postgres with
# bench/scale_load.sql (about 50 friends each, a share at the 300 cap,
# pending requests, blocks, presence, device accounts with one known
# password, friend codes), then drives thousands of distinct users
# (bench/scale_setup.py) so the caches do not hide the database, with wrk:
#   login, GET user, lookup by friend code, presence PATCH, friends list
#   (~50 and 300 friends), sending and accepting friend requests.
# Prints per route req/s, p50, p99, the CPU time stolen by the hypervisor,
# and the CPU microseconds a request cost in the server and in Postgres
# (its backends' /proc stat), then each route's costliest statements from
# pg_stat_statements (mean ms, calls, shared blocks read per call).
#
#   bench/scale.sh 10000          # load (once) and measure
#   RELOAD=1 SCALE_STOP=1 SCALE_DURATION=3s bench/scale.sh 10000
#                                 # the short form `make bench` runs
#
# The cluster is its own (SCALE_PG, default var/scale-pg: pg_stat_statements
# preloaded, shared_buffers SCALE_SHARED_BUFFERS, 4GB), left running; the database
# baas_scale_SIZE is kept and reused by the next run of the same SIZE
# (RELOAD=1 loads it again; `scripts/pg.sh stop var/scale-pg` stops the
# cluster; dropping the database frees the disk). A load prints its time
# and the database's size. Settings: SCALE_DURATION (10s), CONNECTIONS
# (32), THREADS (wrk, 2), SAMPLE (ordinary users driven, default SIZE/2 at
# most 6000), HUBS (users at the cap driven, at most 2000), ROUTES (any of
# "login user lookup presence friends50 friends300 send accept"),
# BAAS_THREADS (server loops, nproc), KEEP_LOG=FILE, SCALE_LOAD_ONLY=1
# (load, print the size, stop there), SCALE_STOP=1 (stop the cluster on
# exit), SCALE_EXPLAIN=RATE (see below), SCALE_NICE (the load's niceness,
# 10), SCALE_TOP (statements listed per route, 3; nested ones count).
# `make` first.
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
SIZE=${1:?usage: bench/scale.sh SIZE}
case $SIZE in ''|*[!0-9]*) echo "bench: SIZE is a number" >&2; exit 2 ;; esac
DURATION=${SCALE_DURATION:-10s}
ROUTES=${ROUTES:-login user lookup presence friends50 friends300 send accept}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
BIN=${BAAS_SERVER_BIN:-build/baas-server}
PGDIR=${SCALE_PG:-var/scale-pg}
DB=baas_scale_$SIZE
SAMPLE=${SAMPLE:-$((SIZE / 2 < 6000 ? SIZE / 2 : 6000))}
HUBS=${HUBS:-2000}
# Above 200,000 users one in 100 is at the cap; below, one in 20, so that
# the 300-friend lists come from hundreds of distinct users.
HUBMOD=$((SIZE >= 200000 ? 100 : 20))
# Every device account's password, and its hash in lib/password.c's format
# (a fixed salt), computed once.
PASSWORD=ScaleBench0123456789abcdefghijklmnopqrst
HASH=$(/usr/bin/python3 -c 'import hashlib, sys
s = bytes(range(16))
print("sha256$" + s.hex() + "$" + hashlib.sha256(s + sys.argv[1].encode()).hexdigest())' "$PASSWORD")

if [ $((SIZE % 100)) -ne 0 ] || [ "$SIZE" -lt 1000 ]; then
	echo "bench: SIZE must be a multiple of 100, at least 1000" >&2
	exit 2
fi
command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
scale_cleanup() {
	stop_pid "$pid"
	[ -z "${KEEP_LOG:-}" ] || cp "$tmp/baas.log" "$KEEP_LOG" || true
	rm -rf "$tmp"
	[ -z "${SCALE_STOP:-}" ] || scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1 ||
	    true
}
trap scale_cleanup EXIT
trap 'exit 130' INT TERM

# The cluster, with pg_stat_statements (first start only: the settings).
scripts/pg.sh start "$PGDIR" >/dev/null
conf=$PGDIR/data/postgresql.conf
if ! grep -q '^# bench/scale.sh' "$conf"; then
	cat >>"$conf" <<'CONF'
# bench/scale.sh
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
maintenance_work_mem = 512MB
max_wal_size = 8GB
CONF
	scripts/pg.sh restart "$PGDIR" >/dev/null
fi
# shared_buffers: a quarter of a machine that holds the database, as
# usually advised (SCALE_SHARED_BUFFERS, default 4GB).
sb=${SCALE_SHARED_BUFFERS:-4GB}
if [ "$(psql "$(scripts/pg.sh url "$PGDIR")" -XAtq -c 'SHOW shared_buffers')" != "$sb" ]; then
	psql "$(scripts/pg.sh url "$PGDIR")" -XAtq \
	    -c "ALTER SYSTEM SET shared_buffers = '$sb'" >/dev/null
	scripts/pg.sh restart "$PGDIR" >/dev/null
fi
base_url=$(scripts/pg.sh url "$PGDIR")
admin_url=$(echo "$base_url" | sed 's/dbname=[^ ]*/dbname=postgres/')
db_url=$(echo "$base_url" | sed "s/dbname=[^ ]*/dbname=$DB/")
sql() {
	psql "$db_url" -XAtq -v ON_ERROR_STOP=1 "$@"
}

loaded=$(sql -c "SELECT 1 FROM pg_class WHERE relname = 'scale_loaded'" \
    2>/dev/null || true)
if [ -n "${RELOAD:-}" ] || [ "$loaded" != 1 ]; then
	echo "bench: loading $SIZE users into $DB" >&2
	psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
	    -c "CREATE DATABASE $DB" >/dev/null
	BAAS_DATABASE_URL=$db_url "$BIN" migrate >&2
	t0=$(date +%s)
	# At nice 10, the backend too (a shared machine): it is the one
	# working, and it is the postmaster's child, not psql's.
	PGAPPNAME=scale_load nice -n "${SCALE_NICE:-10}" psql "$db_url" -XAtq \
	    -v ON_ERROR_STOP=1 -v n="$SIZE" -v hubmod="$HUBMOD" \
	    -v hash="$HASH" -f bench/scale_load.sql >&2 &
	load=$!
	sleep 1
	for b in $(psql "$admin_url" -XAtq -c "SELECT pid FROM pg_stat_activity
	    WHERE application_name = 'scale_load'"); do
		renice -n "${SCALE_NICE:-10}" -p "$b" >/dev/null 2>&1 || true
	done
	wait "$load"
	t1=$(date +%s)
	sql -c "CREATE TABLE scale_loaded AS SELECT $((t1 - t0)) AS seconds,
	    pg_database_size(current_database()) AS bytes, now() AS at"
fi
sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
[ -z "${SCALE_LOAD_ONLY:-}" ] || exit 0
sql -F ' ' -c "SELECT 'bench: database of $SIZE users loaded in ' ||
    seconds || ' s, now ' || pg_size_pretty(pg_database_size(
    current_database())) || ' (friendships ' || pg_size_pretty(
    pg_total_relation_size('friendships')) || ' with indexes)'
    FROM scale_loaded" >&2

# The relations every route probes by key, in shared buffers from the
# start, as on a server that has been running (SCALE_PREWARM=0: cold).
# The friendships' key first: bigger than shared buffers at 1 million
# users, it yields to the others, which come after it.
if [ "${SCALE_PREWARM:-1}" = 1 ]; then
	sql -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
	    -c "SELECT sum(pg_prewarm(r)) FROM unnest(ARRAY['friendships_pkey',
	    'users', 'users_pkey', 'device_accounts', 'device_accounts_pkey',
	    'friend_codes_pkey']::regclass[]) r" >/dev/null
fi

# SCALE_EXPLAIN=RATE: auto_explain logs the plans (ANALYZE, BUFFERS) of
# that share of all statements, nested ones too, into the cluster's log;
# the plans' scan nodes are summed up at the end.
if [ -n "${SCALE_EXPLAIN:-}" ]; then
	sql -c "ALTER DATABASE $DB SET session_preload_libraries = 'auto_explain'" \
	    -c "ALTER DATABASE $DB SET auto_explain.log_min_duration = 0" \
	    -c "ALTER DATABASE $DB SET auto_explain.sample_rate = $SCALE_EXPLAIN" \
	    -c "ALTER DATABASE $DB SET auto_explain.log_nested_statements = on" \
	    -c "ALTER DATABASE $DB SET auto_explain.log_analyze = on" \
	    -c "ALTER DATABASE $DB SET auto_explain.log_buffers = on" \
	    -c "ALTER DATABASE $DB SET auto_explain.log_timing = off"
	log_at=$(wc -c <"$PGDIR/log")
else
	sql -c "ALTER DATABASE $DB RESET ALL"
fi

/usr/bin/python3 bench/friends_setup.py keygen "$tmp/keys"
port=$(free_port)
bench_server "$BIN" "$db_url" "$tmp/keys" "$port" off "$tmp/baas.log"
base=http://127.0.0.1:$port
# The first start after a new migration may build indexes over big tables.
i=0
until curl -s -o /dev/null --max-time 1 "$base/1.0.0/certificates"; do
	i=$((i + 1))
	if [ $i -ge 2400 ] || ! kill -0 "$pid" 2>/dev/null; then
		tail -n 20 "$tmp/baas.log" >&2
		exit 1
	fi
	sleep 0.25
done
/usr/bin/python3 bench/scale_setup.py "$base" "$db_url" "$tmp/keys" "$tmp" \
    "$SAMPLE" "$HUBS" "$THREADS" "$PASSWORD"
sql -c "VACUUM ANALYZE friend_requests" 2>/dev/null

# bench NAME: wrk with $tmp/NAME.lua; CPU per request of the server and of
# the database's backends; its statements from pg_stat_statements.
bench() {
	name=$1
	echo "--- $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency" \
	    "-s $name.lua" >&2
	sql -c "SELECT pg_stat_statements_reset()" >/dev/null
	pgs=$(pgrep -f "postgres: .* $DB " || true)
	# shellcheck disable=SC2086 # one pid per word
	s0=$(cpu_ticks "$pid") p0=$(cpu_ticks $pgs)
	wrk_run "$tmp/$name.wrk" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
	    --timeout 5s --latency -s "$tmp/$name.lua" "$base"
	# shellcheck disable=SC2086
	s1=$(cpu_ticks "$pid") p1=$(cpu_ticks $pgs)
	n=$(wrk_field "$tmp/$name.wrk" requests)
	echo "CPU: $(us_per_request "$((s1 - s0))" "$n")" \
	    "$(us_per_request "$((p1 - p0))" "$n")" >>"$tmp/$name.wrk"
	sql -F ' | ' -c "SELECT round((total_exec_time / calls)::numeric, 3),
	    calls, round(shared_blks_read::numeric / calls, 1),
	    regexp_replace(left(query, 90), '\s+', ' ', 'g')
	    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database
	    WHERE datname = current_database()) AND calls > 10 AND
	    query !~ '^(BEGIN|COMMIT|SET|SELECT pg_stat)'
	    ORDER BY total_exec_time DESC LIMIT ${SCALE_TOP:-3}" >"$tmp/$name.pgss"
}

# Each route starts with the tables vacuumed: at 10 thousand users the
# presence route's updates (several times the users table) would otherwise
# wake autovacuum during the next route, whose backends' CPU it is counted in.
for r in $ROUTES; do
	sql -c "VACUUM ANALYZE users, friendships, friend_requests"
	bench "$r"
done

echo
echo "scale: $SIZE users; $SAMPLE ordinary users and up to $HUBS at the cap driven"
printf '%-34s %7s %8s %8s %7s %15s\n' "route (32 connections)" "req/s" \
    "p50 ms" "p99 ms" "steal" "CPU us srv+pg"
for r in $ROUTES; do
	case $r in
	login)      label="POST login" ;;
	user)       label="GET user" ;;
	lookup)     label="GET users by friend code" ;;
	presence)   label="PATCH presence" ;;
	friends50)  label="GET friends (~50 friends)" ;;
	friends300) label="GET friends (300 friends)" ;;
	send)       label="POST friend_requests" ;;
	accept)     label="PATCH friend_request AUTHORIZED" ;;
	*)          label=$r ;;
	esac
	printf '%-34s %7s %8s %8s %7s %15s\n' "$label" \
	    "$(wrk_field "$tmp/$r.wrk" rps)" "$(wrk_field "$tmp/$r.wrk" p50)" \
	    "$(wrk_field "$tmp/$r.wrk" p99)" \
	    "$(wrk_field "$tmp/$r.wrk" steal)" "$(wrk_field "$tmp/$r.wrk" cpu)"
done
for r in $ROUTES; do
	e=$(wrk_field "$tmp/$r.wrk" errors)
	[ -z "$e" ] || echo "$r: non-2xx responses: $e"
done
echo
echo "statements (mean ms | calls | shared blocks read per call | query):"
for r in $ROUTES; do
	echo "$r:"
	sed 's/^/  /' "$tmp/$r.pgss"
done
if [ -n "${SCALE_EXPLAIN:-}" ]; then
	sql -c "ALTER DATABASE $DB RESET ALL"
	echo "auto_explain: plans logged, and their scan nodes (kind, relation):"
	tail -c +"$((log_at + 1))" "$PGDIR/log" | awk '
	/plan:$/ { plans++ }
	/(Seq|Index|Index Only|Bitmap Heap|Bitmap Index) Scan/ {
		sub(/^.*-> */, ""); sub(/^[ \t]*/, ""); sub(/  \(.*$/, "")
		n[$0]++
	}
	END {
		printf "  %d plans\n", plans
		for (k in n) printf "  %7d  %s\n", n[k], k
	}' | sort -k1,1nr
fi
echo "(wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores, sharing them with the server and Postgres;"
echo " CPU: microseconds of CPU per request in the server and in its Postgres backends)"
