#!/bin/sh
# pg.sh: private Postgres clusters for development and tests.
#
#   scripts/pg.sh start DIR     create (first time) and start the cluster in
#                               DIR/data, socket in DIR, database "baas"
#   scripts/pg.sh stop DIR      fast shutdown; quiet when not running
#   scripts/pg.sh restart DIR   stop then start
#   scripts/pg.sh url DIR       print the libpq connection string
#   scripts/pg.sh standby DIR PRIMARY_DIR
#                               make (first time, pg_basebackup -R) and start
#                               a streaming standby of the running cluster in
#                               PRIMARY_DIR, which then waits for it on every
#                               commit (synchronous_standby_names = '*',
#                               synchronous_commit = on); returns when the
#                               standby is in sync
#   scripts/pg.sh promote DIR   promote the standby in DIR to a primary that
#                               waits for no standby (what an operator, or
#                               patroni, does after the primary died)
#
# The cluster listens on a Unix socket in DIR only (no TCP port), trusts local
# connections and has the superuser "postgres". Idempotent: starting a running
# cluster only makes sure the database exists. initdb refuses to run as root,
# so as root the cluster belongs to the "postgres" system user.
set -eu

usage() {
	echo "usage: $0 start|stop|restart|url|promote DIR | standby DIR PRIMARY_DIR" >&2
	exit 2
}

[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = standby ]; } || usage
cmd=$1
dir=$2

# The newest installed server (Debian keeps them under /usr/lib/postgresql).
pgbin=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
	[ -x "$d/pg_ctl" ] && pgbin=$d
done
if [ -z "$pgbin" ]; then
	p=$(command -v pg_ctl 2>/dev/null || true)
	[ -n "$p" ] && pgbin=$(dirname "$p")
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
data=$dir/data

# as_owner CMD...: runs CMD as the cluster owner ("postgres" when we are root).
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

need_bin() {
	if [ -z "$pgbin" ]; then
		echo "pg.sh: no Postgres server found (apt-get install postgresql," \
		    "or run scripts/deps.sh)" >&2
		exit 1
	fi
}

is_running() {
	[ -f "$data/PG_VERSION" ] &&
	    as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# own_dir: DIR belongs to the cluster owner and is reachable by it.
own_dir() {
	need_bin
	chmod 0755 "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		[ "$(stat -c %U "$dir")" = postgres ] || chown postgres: "$dir"
		if [ -d "$data" ] && [ "$(stat -c %U "$data")" != postgres ]; then
			chown -R postgres: "$data"
		fi
	fi
	if ! as_owner test -x "$dir" -a -w "$dir"; then
		echo "pg.sh: $dir is not reachable by user $(as_owner id -un);" \
		    "make its parent folders traversable (chmod o+x)" >&2
		exit 1
	fi
}

# psql_in DIR SQL...: runs each SQL on the cluster whose socket is in DIR.
psql_in() {
	_d=$1
	shift
	for _sql in "$@"; do
		"$pgbin/psql" -h "$_d" -U postgres -d postgres -XAtq \
		    -v ON_ERROR_STOP=1 -c "$_sql"
	done
}

# pg_start: pg_ctl start unless running; the log on failure.
pg_start() {
	is_running && return 0
	# A crashed cluster leaves its pid file behind; pg_ctl copes.
	as_owner "$pgbin/pg_ctl" -D "$data" -l "$dir/log" -w -t 60 \
	    start >/dev/null || {
		tail -n 20 "$dir/log" >&2 || true
		echo "pg.sh: could not start the cluster in $data" >&2
		exit 1
	}
}

do_start() {
	own_dir
	if [ ! -f "$data/PG_VERSION" ]; then
		as_owner "$pgbin/initdb" -D "$data" -U postgres --auth=trust \
		    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		as_owner "$pgbin/initdb" -D "$data" -U postgres --auth=trust \
		    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
			cat "$dir/initdb.log" >&2
			echo "pg.sh: initdb failed in $data" >&2
			exit 1
		}
		cat >>"$data/postgresql.conf" <<CONF

# pg.sh: private cluster, reachable only through the socket in $dir
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
max_connections = 200
synchronous_commit = off
CONF
	fi
	pg_start
	if [ "$("$pgbin/psql" -h "$dir" -U postgres -d postgres -XAtq \
	    -c "SELECT 1 FROM pg_database WHERE datname = 'baas'")" != 1 ]; then
		"$pgbin/psql" -h "$dir" -U postgres -d postgres -Xq \
		    -c "CREATE DATABASE baas" >/dev/null
	fi
}

do_standby() {
	primary=$(cd "$1" && pwd -P)
	own_dir
	if [ ! -f "$data/PG_VERSION" ]; then
		as_owner "$pgbin/pg_basebackup" -h "$primary" -U postgres \
		    -D "$data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 || {
			cat "$dir/basebackup.log" >&2
			echo "pg.sh: pg_basebackup from $primary failed" >&2
			exit 1
		}
		# The copy's settings are the primary's: its own socket, and
		# commits that stay durable once it is promoted.
		cat >>"$data/postgresql.conf" <<CONF

# pg.sh standby of $primary
unix_socket_directories = '$dir'
synchronous_commit = on
CONF
		# After the copy, so that the standby does not inherit it.
		psql_in "$primary" \
		    "ALTER SYSTEM SET synchronous_standby_names = '*'" \
		    "ALTER SYSTEM SET synchronous_commit = on" \
		    "SELECT pg_reload_conf()" >/dev/null
	fi
	pg_start
	_i=0
	until [ "$(psql_in "$primary" "SELECT count(*) FROM
	    pg_stat_replication WHERE sync_state = 'sync'")" -ge 1 ]; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] ||
		    { echo "pg.sh: the standby is not in sync" >&2; exit 1; }
		sleep 0.1
	done
}

do_promote() {
	need_bin
	as_owner "$pgbin/pg_ctl" -D "$data" -w -t 60 promote >/dev/null
	# Alone now: a commit must not wait for a standby there is not.
	psql_in "$dir" "ALTER SYSTEM RESET synchronous_standby_names" \
	    "SELECT pg_reload_conf()" >/dev/null
}

do_stop() {
	[ -f "$data/PG_VERSION" ] || return 0
	is_running || return 0
	need_bin
	as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

case "$cmd" in
start)	do_start ;;
stop)	do_stop ;;
restart) do_stop; do_start ;;
url)	echo "host=$dir dbname=baas user=postgres" ;;
standby) do_standby "$3" ;;
promote) do_promote ;;
*)	usage ;;
esac
