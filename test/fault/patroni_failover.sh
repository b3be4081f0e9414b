#!/bin/sh
# test/fault/patroni_failover.sh [SERVER_BIN]: Postgres failover decided by
# a real patroni (Debian's, with its built-in Raft: two patroni nodes and
# patroni_raft_controller as the third voter, so one node's death leaves a
# majority), all on loopback, in synchronous_mode; the server on the
# conninfo "host=A,B ... target_session_attrs=read-write"
# (docs/FAILOVER.md). Under a write load the leader's node dies (patroni
# frozen, every Postgres process SIGKILLed, then patroni); the other node
# takes the leader key once its TTL runs out and promotes itself, and the
# server must find it. Checks (ha_failover.py): no acknowledged write
# lost, only 503 under_maintenance meanwhile, writes back within
# PGAF_LIMIT_S (20) of the crash. The leader key's ttl is 6 s (loop_wait
# 1, retry_timeout 2) so the test takes seconds; production keeps about 30.
# About 30 s.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "patroni_failover: $BIN missing (make)" >&2; exit 1; }
command -v patroni >/dev/null 2>&1 ||
    { echo "patroni_failover: patroni missing (scripts/deps.sh)" >&2; exit 1; }

fault_begin patroni
fault_name=patroni_failover
. test/fault/lib/ha.sh

ra=$(free_port) rb=$(free_port)			# REST API
xa=$(free_port) xb=$(free_port) xc=$(free_port)	# Raft
pa=$(free_port) pb=$(free_port)			# Postgres

# node_yml NAME REST RAFT PARTNER PARTNER PGPORT
node_yml() {
	cat <<YML
scope: baas
name: $1
restapi:
  listen: 127.0.0.1:$2
  connect_address: 127.0.0.1:$2
raft:
  data_dir: $ha_dir/raft-$1
  self_addr: 127.0.0.1:$3
  partner_addrs: ['127.0.0.1:$4', '127.0.0.1:$5']
bootstrap:
  dcs:
    ttl: 6
    loop_wait: 1
    retry_timeout: 2
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: false
  initdb:
  - encoding: UTF8
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$6
  connect_address: 127.0.0.1:$6
  data_dir: $ha_dir/$1/data
  bin_dir: $pgbin
  pgpass: $ha_dir/pgpass-$1
  # The standby's base backup: a fast checkpoint, not a spread one.
  basebackup:
  - checkpoint: fast
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
  parameters:
    unix_socket_directories: $ha_dir
YML
}
node_yml a "$ra" "$xa" "$xb" "$xc" "$pa" >"$ha_dir/a.yml"
node_yml b "$rb" "$xb" "$xa" "$xc" "$pb" >"$ha_dir/b.yml"
cat >"$ha_dir/c.yml" <<YML
raft:
  data_dir: $ha_dir/raft-c
  self_addr: 127.0.0.1:$xc
  partner_addrs: ['127.0.0.1:$xa', '127.0.0.1:$xb']
YML
chown postgres "$ha_dir"/*.yml

ha_run c patroni_raft_controller "$ha_dir/c.yml"
ha_run a patroni "$ha_dir/a.yml"
until_sql "host=127.0.0.1 port=$pa dbname=postgres user=postgres" \
    "SELECT NOT pg_is_in_recovery()" t
psql "host=127.0.0.1 port=$pa dbname=postgres user=postgres" -XAtqc \
    "CREATE DATABASE baas"
ha_run b patroni "$ha_dir/b.yml"
# Up when a streams to b as its synchronous standby.
until_sql "host=127.0.0.1 port=$pa dbname=postgres user=postgres" \
    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'
     AND sync_state = 'sync'" 1
echo "patroni_failover: leader, synchronous standby and Raft voter up"

db="host=127.0.0.1,127.0.0.1 port=$pa,$pb dbname=baas user=postgres target_session_attrs=read-write connect_timeout=2"
fault_server "$tmp" "$BIN" "$db"
/usr/bin/python3 test/fault/ha_failover.py "$base" "$ha_dir/a" "$tmp/keys" \
    "host=127.0.0.1 port=$pb dbname=baas user=postgres" patroni_failover ||
    { tail -n 20 "$tmp/server.log" "$ha_dir"/*.log >&2; exit 1; }
kill -0 "$server_pid" ||
    { echo "patroni_failover: the server died" >&2; exit 1; }
