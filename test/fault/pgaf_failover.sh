#!/bin/sh
# test/fault/pgaf_failover.sh [SERVER_BIN]: Postgres failover decided by a
# real pg_auto_failover (Debian's pg_autoctl), not by hand: a monitor and
# two data nodes on loopback (synchronous replication, as pg_auto_failover
# sets it up), the server on the conninfo "host=A,B ...
# target_session_attrs=read-write" (docs/FAILOVER.md). Under a write load
# the primary's node dies (its pg_autoctl keeper and every Postgres
# process SIGKILLed at once); the monitor notices, promotes the standby,
# and the server must find it by itself. Checks (ha_failover.py): no
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

fault_begin pgaf
fault_name=pgaf_failover
. test/fault/lib/ha.sh
mkdir -p /var/run/postgresql
chown postgres /var/run/postgresql

# keeper NAME ARGS: `pg_autoctl create ARGS --run`. Its configuration and
# state live under XDG folders of our own, its Postgres's sockets in
# Debian's folder.
keeper() {
	_k=$1
	shift
	ha_run "$_k" env XDG_CONFIG_HOME="$ha_dir/xdg/config" \
	    XDG_DATA_HOME="$ha_dir/xdg/data" XDG_RUNTIME_DIR="$ha_dir/xdg/run" \
	    PGHOST=/var/run/postgresql \
	    pg_autoctl create "$@" --hostname 127.0.0.1 --listen 127.0.0.1 \
	    --auth trust --no-ssl --run
}
pm=$(free_port) pa=$(free_port) pb=$(free_port)
mon="host=127.0.0.1 port=$pm dbname=pg_auto_failover user=autoctl_node"
keeper mon monitor --pgdata "$ha_dir/mon/data" --pgport "$pm"
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
keeper a postgres --pgdata "$ha_dir/a/data" --pgport "$pa" --dbname baas \
    --monitor "$monitor_url"
until_sql "$mon" "$state" single
keeper b postgres --pgdata "$ha_dir/b/data" --pgport "$pb" --dbname baas \
    --monitor "$monitor_url"
# The standby's base backup waits for a checkpoint: ask for one now.
_t=300
until [ "$(psql "$mon" -XAtqc "$state" 2>/dev/null)" = "primary,secondary" ]; do
	psql "host=127.0.0.1 port=$pa dbname=baas user=postgres" -XAtqc \
	    CHECKPOINT >/dev/null 2>&1 || true
	_t=$((_t - 1))
	[ $_t -gt 0 ] || { echo "pgaf_failover: no standby" >&2;
	    tail -n 20 "$ha_dir"/*.log >&2; exit 1; }
	sleep 0.2
done
# The monitor may call the standby secondary before it streams; a commit
# before then waits for it.
until_sql "host=127.0.0.1 port=$pa dbname=baas user=postgres" \
    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 1
echo "pgaf_failover: monitor, primary and synchronous standby up"

db="host=127.0.0.1,127.0.0.1 port=$pa,$pb dbname=baas user=postgres target_session_attrs=read-write connect_timeout=2"
fault_server "$tmp" "$BIN" "$db"
/usr/bin/python3 test/fault/ha_failover.py "$base" "$ha_dir/a" "$tmp/keys" \
    "host=127.0.0.1 port=$pb dbname=baas user=postgres" pgaf_failover ||
    { tail -n 20 "$tmp/server.log" "$ha_dir"/*.log >&2; exit 1; }
echo "pgaf_failover: the monitor says: $(psql "$mon" -XAtqc "SELECT
    string_agg(nodename || ' ' || reportedstate, ', ' ORDER BY nodeid)
    FROM pgautofailover.node")"
kill -0 "$server_pid" ||
    { echo "pgaf_failover: the server died" >&2; exit 1; }
