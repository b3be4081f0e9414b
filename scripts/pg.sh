#!/bin/sh
# pg.sh: private Postgres clusters for development and tests.
#
#   scripts/pg.sh start DIR     create (first time) and start the cluster in
#                               DIR/data, socket in DIR, database "baas"
#   scripts/pg.sh stop DIR      fast shutdown; quiet when not running
#   scripts/pg.sh restart DIR   stop then start
#   scripts/pg.sh url DIR       print the libpq connection string
#
# The cluster listens on a Unix socket in DIR only (no TCP port), trusts local
# connections and has the superuser "postgres". Idempotent: starting a running
# cluster only makes sure the database exists. initdb refuses to run as root,
# so as root the cluster belongs to the "postgres" system user.
set -eu

usage() {
	echo "usage: $0 start|stop|restart|url DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
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

do_start() {
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
	if ! is_running; then
		# A crashed cluster leaves its pid file behind; pg_ctl copes.
		as_owner "$pgbin/pg_ctl" -D "$data" -l "$dir/log" -w -t 60 \
		    start >/dev/null || {
			tail -n 20 "$dir/log" >&2 || true
			echo "pg.sh: could not start the cluster in $data" >&2
			exit 1
		}
	fi
	if [ "$("$pgbin/psql" -h "$dir" -U postgres -d postgres -XAtq \
	    -c "SELECT 1 FROM pg_database WHERE datname = 'baas'")" != 1 ]; then
		"$pgbin/psql" -h "$dir" -U postgres -d postgres -Xq \
		    -c "CREATE DATABASE baas" >/dev/null
	fi
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
*)	usage ;;
esac
