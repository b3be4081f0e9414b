#!/bin/sh
# test/fault/failover.sh [SERVER_BIN]: Postgres failover under a write load,
# on the topology of `CLUSTER_STANDBY=1 make cluster-start`: two instances
# behind HAProxy on the conninfo "host=PRIMARY,STANDBY ...
# target_session_attrs=read-write", the primary with a synchronous
# streaming standby (pg_basebackup -R). The primary crashes (kill -9 of all
# its processes), the standby is promoted by hand (scripts/pg.sh promote),
# and the instances must reconnect by themselves. Checks (failover.py): no
# acknowledged write lost, only fast 503 under_maintenance meanwhile, writes
# back within 3 s of the promotion; prints the counts and the time to
# recover. The last LAG (1) second before the crash the primary's WAL sender
# is stopped (SIGSTOP): the standby is behind, as over a slow link, and
# only synchronous replication keeps the writes meanwhile from being
# acknowledged. SHORT=1: 3 s of load before the crash, 1 s to decide, 3 s
# after; otherwise 10, 3, 10. WRITERS, WARMUP, DETECT, AFTER, LAG override.
# FAILOVER_SYNC=off: asynchronous replication, to see the check catch the
# writes that loses (thousands with LAG=1; with LAG=0, on loopback, the
# standby is seldom behind at the crash).
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "failover: $BIN missing (make)" >&2; exit 1; }

fault_begin failover
trap 'scripts/cluster.sh stop "$tmp/c"; fault_end' EXIT
mkdir -p "$tmp/c"
/usr/bin/python3 test/fault/faultlib.py keygen "$tmp/c/keys"
CLUSTER_STANDBY=1 BAAS_THREADS=1 BAAS_RATE_LIMITS=off BAAS_LOG_LEVEL=warn \
    scripts/cluster.sh start "$tmp/c" 2 "$BIN" >/dev/null
. "$tmp/c/env"
if [ "${FAILOVER_SYNC:-on}" = off ]; then
	psql "host=$tmp/c/pg dbname=postgres user=postgres" -XAtq \
	    -c "ALTER SYSTEM RESET synchronous_standby_names" \
	    -c "SELECT pg_reload_conf()" >/dev/null
fi
/usr/bin/python3 test/fault/failover.py "$CLUSTER_HTTP" "$tmp/c" \
    "$CLUSTER_KEYS" || {
	tail -n 20 "$tmp/c"/instance-*.log "$tmp/c/haproxy.log" >&2
	exit 1
}
for f in "$tmp/c"/instance-*.pid; do
	kill -0 "$(cat "$f")" ||
	    { echo "failover: an instance died" >&2; exit 1; }
done
