#!/bin/sh
# test/fault/pgaf_failover.sh [SERVER_BIN]: Postgres failover decided by a
# real pg_auto_failover (Debian's pg_autoctl), not by hand: a monitor and
# two data nodes on loopback (synchronous replication, as pg_auto_failover
# sets it up), the server on the conninfo "host=A,B ...
# target_session_attrs=read-write" (docs/FAILOVER.md). Under a write load
# the primary's node dies (its pg_autoctl keeper and every Postgres
# process SIGKILLed at once); the monitor notices, promotes the standby,
# and the server must find it by itself. Checks (pgaf_failover.py): no
# acknowledged write lost, only 503 under_maintenance meanwhile, writes
# back within PGAF_LIMIT_S (20) of the crash. The monitor's timings are
# made short so the test takes seconds: health checks every 0.5 s, a node
# unhealthy after 1.5 s, and the standby promoted 2 s after the old primary
# stopped answering (primary_demote_timeout: the time the old primary's
# keeper is given to demote itself, so that two primaries never take
# writes; production keeps the defaults, 20 and 30 s). About 40 s.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "pgaf_failover: $BIN missing (make)" >&2; exit 1; }
command -v pg_autoctl >/dev/null 2>&1 ||
    { echo "pgaf_failover: pg_autoctl missing (scripts/deps.sh)" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n 1)

fault_begin pgaf
af=$tmp/af
# pgaf_stop: each keeper (its process group) asked to stop, which stops its
# Postgres; whatever still runs after 10 s is killed, the postmaster's
# children first (once it is gone they belong to init); then nothing may
# still write under $af when fault_end removes it.
pgaf_pids() {
	for _f in "$af"/*/data/postmaster.pid; do
		[ -s "$_f" ] || continue
		_p=$(head -n 1 "$_f")
		! kill -0 "$_p" 2>/dev/null || echo "$_p"
	done
}
pgaf_stop() {
	for n in a b mon; do
		[ ! -s "$af/$n.pid" ] ||
		    kill -TERM "-$(cat "$af/$n.pid")" 2>/dev/null || true
	done
	_i=0
	while [ -n "$(pgaf_pids)" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $(pgaf_pids); do
		pkill -KILL -P "$_p" 2>/dev/null || true
		kill -KILL "$_p" 2>/dev/null || true
	done
	for n in a b mon; do
		[ ! -s "$af/$n.pid" ] ||
		    kill -KILL "-$(cat "$af/$n.pid")" 2>/dev/null || true
	done
	_i=0
	while [ $_i -lt 50 ] && ls -l /proc/[0-9]*/cwd 2>/dev/null |
	    grep -q -- "-> $af/"; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
trap 'stop_pid "$server_pid"; pgaf_stop; fault_end' EXIT
mkdir -p "$af" /var/run/postgresql
chown postgres "$af" /var/run/postgresql

# keeper NAME ARGS: `pg_autoctl create ARGS --run` in its own process
# group (its pid, which is the group's, in $af/NAME.pid). pg_autoctl
# refuses to run as root; its configuration and state live under XDG
# folders of our own, its Postgres's sockets in Debian's folder.
keeper() {
	_n=$1
	shift
	setsid sh -c 'echo $$ >"$0"; exec "$@"' "$af/$_n.pid" \
	    runuser -u postgres -- env XDG_CONFIG_HOME="$af/xdg/config" \
	    XDG_DATA_HOME="$af/xdg/data" XDG_RUNTIME_DIR="$af/xdg/run" \
	    PGHOST=/var/run/postgresql PATH="$pgbin:$PATH" \
	    pg_autoctl create "$@" --hostname 127.0.0.1 --listen 127.0.0.1 \
	    --auth trust --no-ssl --run >"$af/$_n.log" 2>&1 </dev/null &
	until [ -s "$af/$_n.pid" ]; do sleep 0.05; done
}
# until_sql CONNINFO SQL WANT [SECONDS]: polls until SQL answers WANT.
until_sql() {
	_t=$(( ${4:-60} * 5 ))
	until [ "$(psql "$1 connect_timeout=1" -XAtqc "$2" 2>/dev/null)" = "$3" ]; do
		_t=$((_t - 1))
		[ $_t -gt 0 ] || { echo "pgaf_failover: no \"$3\" from $2" >&2;
		    tail -n 20 "$af"/*.log >&2; return 1; }
		sleep 0.2
	done
}

pm=$(free_port) pa=$(free_port) pb=$(free_port)
mon="host=127.0.0.1 port=$pm dbname=pg_auto_failover user=autoctl_node"
keeper mon monitor --pgdata "$af/mon/data" --pgport "$pm"
until_sql "$mon" "SELECT 1" 1
psql "host=127.0.0.1 port=$pm dbname=pg_auto_failover user=postgres" -XAtq \
    -c "ALTER SYSTEM SET pgautofailover.health_check_period = 500" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 500" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \
    -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 200" \
    -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 1500" \
    -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 2000" \
    -c "SELECT pg_reload_conf()" >/dev/null
monitor_url="postgres://autoctl_node@127.0.0.1:$pm/pg_auto_failover?sslmode=disable"
state="SELECT string_agg(reportedstate::text, ',' ORDER BY nodeid) FROM pgautofailover.node"
keeper a postgres --pgdata "$af/a/data" --pgport "$pa" --dbname baas \
    --monitor "$monitor_url"
until_sql "$mon" "$state" single
keeper b postgres --pgdata "$af/b/data" --pgport "$pb" --dbname baas \
    --monitor "$monitor_url"
# The standby's base backup waits for a checkpoint: ask for one now.
_t=300
until [ "$(psql "$mon" -XAtqc "$state" 2>/dev/null)" = "primary,secondary" ]; do
	psql "host=127.0.0.1 port=$pa dbname=baas user=postgres" -XAtqc \
	    CHECKPOINT >/dev/null 2>&1 || true
	_t=$((_t - 1))
	[ $_t -gt 0 ] || { echo "pgaf_failover: no standby" >&2;
	    tail -n 20 "$af"/*.log >&2; exit 1; }
	sleep 0.2
done
# The monitor may call the standby secondary before it streams; a commit
# before then waits for it.
until_sql "host=127.0.0.1 port=$pa dbname=baas user=postgres" \
    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 1
echo "pgaf_failover: monitor, primary and synchronous standby up"

db="host=127.0.0.1,127.0.0.1 port=$pa,$pb dbname=baas user=postgres target_session_attrs=read-write connect_timeout=2"
fault_server "$tmp" "$BIN" "$db"
/usr/bin/python3 test/fault/pgaf_failover.py "$base" "$af" "$tmp/keys" \
    "host=127.0.0.1 port=$pb dbname=baas user=postgres" "$mon" ||
    { tail -n 20 "$tmp/server.log" "$af"/*.log >&2; exit 1; }
kill -0 "$server_pid" ||
    { echo "pgaf_failover: the server died" >&2; exit 1; }
