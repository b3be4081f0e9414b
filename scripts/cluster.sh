#!/bin/sh
# cluster.sh: several instances behind HAProxy on loopback, no Docker.
#
#   scripts/cluster.sh start DIR [N] [BIN]   Postgres in DIR/pg (scripts/pg.sh),
#                         N instances of BIN (default 2, build/baas-server)
#                         started at the same moment on one keys folder
#                         DIR/keys and one database, then Debian's haproxy in
#                         front; prints the front URLs
#   scripts/cluster.sh restart DIR I         instance I (1..N) as a rolling
#                         restart does it: SIGTERM, wait for its exit (fails
#                         unless it exited 0), start it again with the same
#                         settings, return once HAProxy sends it traffic
#   scripts/cluster.sh stop DIR              stops all of it, by PID
#   scripts/cluster.sh env DIR               the front as shell settings:
#                         CLUSTER_HTTP, CLUSTER_HTTPS, CLUSTER_KEYS,
#                         CLUSTER_METRICS (the instances' metrics URLs),
#                         CLUSTER_STATS (HAProxy's CSV: server states),
#                         CLUSTER_DATABASE_URL (the instances' conninfo)
#
# CLUSTER_STANDBY=1: Postgres as a primary (DIR/pg) and a synchronous
# streaming standby (DIR/pg-standby, scripts/pg.sh standby); the instances
# get the multi-host conninfo "host=PRIMARY,STANDBY ...
# target_session_attrs=read-write", so after `scripts/pg.sh promote
# DIR/pg-standby` they find the new primary by themselves (docs/FAILOVER.md).
#
# HAProxy checks GET /health on each instance's HTTP port every 200 ms (down
# after two failures, up after two successes: the drain on SIGTERM answers
# 503 first). When none is up (all restarting, or the database switching
# over) HAProxy answers the contract's 503 under_maintenance itself
# (deploy/haproxy.cfg's http-error, deploy/haproxy-503.json). Where TLS ends (CLUSTER_TLS):
#   haproxy      (default) HAProxy holds the instances' certificate
#                (DIR/keys/tls, made by the first instance) and speaks plain
#                HTTP to them;
#   passthrough  HAProxy forwards TLS untouched (mode tcp) to the instances'
#                HTTPS listeners, which share DIR/ticket.key (made here,
#                BAAS_TLS_TICKET_KEYS) so sessions resume across instances.
# Settings BAAS_* in the caller's environment reach every instance (e.g.
# BAAS_RATE_LIMITS=off, BAAS_THREADS=1); the listeners and keys paths are
# the script's. Logs: DIR/instance-I.log, DIR/haproxy.log.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh

usage() {
	echo "usage: $0 start DIR [N] [BIN] | restart DIR I | stop DIR | env DIR" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2

# haproxy_cfg FRONT_HTTP FRONT_HTTPS STATS: the configuration for the
# instances listed in $dir/instances (name http https metrics per line).
haproxy_cfg() {
	printf 'global\n\tmaxconn 4096\n'
	# The front's TLS policy: the instances' own (see deploy/haproxy.cfg).
	grep '^[[:space:]]*ssl-default-bind-' deploy/haproxy.cfg
	cat <<CFG
defaults
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout http-keep-alive 10s
	timeout check 2s
	retries 3
	option redispatch
	default-server inter 200ms fall 2 rise 2
	$(grep '^[[:space:]]*http-error status 503' deploy/haproxy.cfg |
	    sed "s|/usr/local/etc/haproxy/errors/503.json|$(pwd -P)/deploy/haproxy-503.json|")
listen stats
	mode http
	bind 127.0.0.1:$3
	stats enable
	stats uri /
frontend http
	mode http
	bind 127.0.0.1:$1
	default_backend plain
backend plain
	mode http
	balance roundrobin
	option forwardfor
	option httpchk GET /health
	http-check expect status 200
CFG
	while read -r name h s m; do
		printf '\tserver %s 127.0.0.1:%s check\n' "$name" "$h"
	done <"$dir/instances"
	if [ "$tls" = passthrough ]; then
		cat <<CFG
frontend https
	mode tcp
	bind 127.0.0.1:$2
	default_backend tls
backend tls
	mode tcp
	balance roundrobin
	option httpchk GET /health
	http-check expect status 200
CFG
		while read -r name h s m; do
			printf '\tserver %s 127.0.0.1:%s check port %s\n' \
			    "$name" "$s" "$h"
		done <"$dir/instances"
	else
		cat <<CFG
frontend https
	mode http
	bind 127.0.0.1:$2 ssl crt $dir/haproxy.pem alpn http/1.1
	default_backend plain
CFG
	fi
}

# start_instance I: instance I of $dir/instances with the settings start
# saved in $dir/settings; its pid in DIR/instance-I.pid, its exit status
# (written by the shell that waits for it) in DIR/instance-I.rc.
start_instance() {
	line=$(sed -n "${1}p" "$dir/instances")
	[ -n "$line" ] || { echo "cluster: no instance $1" >&2; exit 1; }
	set -- "$1" $line
	h=$3 s=$4 m=$5
	. "$dir/settings"
	rm -f "$dir/instance-$1.rc" "$dir/instance-$1.pid"
	BAAS_DATABASE_URL=$db BAAS_HTTP_ADDR=127.0.0.1:$h \
	BAAS_HTTPS_ADDR=$([ "$s" = off ] && echo off || echo "127.0.0.1:$s") \
	BAAS_METRICS_ADDR=127.0.0.1:$m BAAS_KEYS_DIR=$k \
	BAAS_TRUSTED_ID_KEYS=$k/trusted-id \
	BAAS_TLS_CERT=$k/tls/server.crt BAAS_TLS_KEY=$k/tls/server.key \
	BAAS_DEVICE_TOKEN_KEYS=$k/dauth \
	BAAS_NA_TOKEN_KEYS=$k/nintendo-account \
	BAAS_APP_TOKEN_KEYS=$k/aauth BAAS_TLS_TICKET_KEYS=$tk \
	    setsid sh -c '"$@" & echo $! >"$0.pid"; wait $!; echo $? >"$0.rc"' \
	    "$dir/instance-$1" "$bin" >>"$dir/instance-$1.log" 2>&1 </dev/null &
	until [ -s "$dir/instance-$1.pid" ]; do sleep 0.05; done
}

# server_up NAME: HAProxy sends traffic to server NAME (UP in every
# backend that has it).
server_up() {
	curl -s --max-time 1 "$(. "$dir/env" && echo "$CLUSTER_STATS")" |
	    awk -F, -v s="$1" '$2 == s { n++; if ($18 == "UP") up++ }
	    END { exit !(n > 0 && up == n) }'
}

# wait_up NAME: until server_up NAME (at most 10 s).
wait_up() {
	_w=0
	until server_up "$1"; do
		_w=$((_w + 1))
		[ $_w -lt 200 ] ||
		    { echo "cluster: HAProxy keeps $1 down" >&2; return 1; }
		sleep 0.05
	done
}

restart() {
	i=$1
	pid=$(cat "$dir/instance-$i.pid")
	kill -TERM "$pid" 2>/dev/null || true
	w=0
	until [ -s "$dir/instance-$i.rc" ]; do
		w=$((w + 1))
		[ $w -lt 1200 ] ||
		    { echo "cluster: instance $i did not exit" >&2; exit 1; }
		sleep 0.05
	done
	rc=$(cat "$dir/instance-$i.rc")
	echo "cluster: instance $i exited $rc after $((w * 50)) ms"
	start_instance "$i"
	h=$(sed -n "${i}p" "$dir/instances" | cut -d' ' -f2)
	wait_http "http://127.0.0.1:$h/health" ||
	    { tail -n 20 "$dir/instance-$i.log" >&2; exit 1; }
	wait_up "i$i"
	[ "$rc" -eq 0 ]
}

start() {
	n=${1:-2}
	bin=${2:-build/baas-server}
	tls=${CLUSTER_TLS:-haproxy}
	case "$tls" in haproxy|passthrough) ;; *) usage ;; esac
	[ -x "$bin" ] || { echo "cluster: $bin missing (make)" >&2; exit 1; }
	command -v haproxy >/dev/null 2>&1 ||
	    { echo "cluster: haproxy is missing (scripts/deps.sh)" >&2; exit 1; }
	if [ -e "$dir/instances" ]; then
		echo "cluster: $dir is running (stop it first)" >&2
		exit 1
	fi
	scripts/pg.sh start "$dir/pg" >/dev/null
	db=$(scripts/pg.sh url "$dir/pg")
	if [ "${CLUSTER_STANDBY:-}" = 1 ]; then
		scripts/pg.sh standby "$dir/pg-standby" "$dir/pg"
		db="host=$dir/pg,$dir/pg-standby port=5432,5432 dbname=baas"
		db="$db user=postgres target_session_attrs=read-write"
	fi
	k=$dir/keys
	mkdir -p "$k"
	tk=
	if [ "$tls" = passthrough ]; then
		tk=$dir/ticket.key
		[ -s "$tk" ] || (umask 077; head -c 80 /dev/urandom >"$tk")
	fi
	# What `restart` starts an instance with again: the caller's BAAS_*
	# settings too.
	{
		printf 'bin=%s\nk=%s\ntk=%s\n' "$bin" "$k" "$tk"
		printf "db='%s'\n" "$db"
		export -p | sed -n 's/^export BAAS_/export BAAS_/p'
	} >"$dir/settings"
	: >"$dir/instances"
	i=1
	while [ "$i" -le "$n" ]; do
		h=$(free_port) s=$(free_port) m=$(free_port)
		[ "$tls" = passthrough ] || s=off
		echo "i$i $h $s $m" >>"$dir/instances"
		: >"$dir/instance-$i.log"
		i=$((i + 1))
	done
	# All at once: the keys/ folder starts empty (see lib/file.h
	# file_lock for why they end with one set).
	i=1
	while [ "$i" -le "$n" ]; do
		start_instance "$i"
		i=$((i + 1))
	done
	while read -r name h s m; do
		wait_http "http://127.0.0.1:$h/health" ||
		    { tail -n 20 "$dir"/instance-*.log >&2; stop; exit 1; }
	done <"$dir/instances"
	if [ "$tls" = haproxy ]; then
		# With HTTPS off the instances never made a certificate.
		[ -s "$k/tls/server.crt" ] ||
		    "$bin" issue-tls-cert "$k/tls" >/dev/null
		(umask 077 && cat "$k/tls/server.crt" "$k/tls/server.key" \
		    >"$dir/haproxy.pem")
	fi
	fh=$(free_port) fs=$(free_port) st=$(free_port)
	haproxy_cfg "$fh" "$fs" "$st" >"$dir/haproxy.cfg"
	setsid haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 \
	    </dev/null &
	echo $! >"$dir/haproxy.pid"
	{
		echo "CLUSTER_HTTP=http://127.0.0.1:$fh"
		echo "CLUSTER_HTTPS=https://127.0.0.1:$fs"
		echo "CLUSTER_KEYS=$k"
		printf 'CLUSTER_METRICS="%s"\n' "$(awk \
		    '{ print "http://127.0.0.1:" $4 "/metrics" }' \
		    "$dir/instances" | tr '\n' ' ' | sed 's/ $//')"
		echo "CLUSTER_STATS='http://127.0.0.1:$st/;csv'"
		printf "CLUSTER_DATABASE_URL='%s'\n" "$db"
	} >"$dir/env"
	wait_http "http://127.0.0.1:$fh/health" || { stop; exit 1; }
	while read -r name h s m; do
		wait_up "$name" || { stop; exit 1; }
	done <"$dir/instances"
	echo "cluster: $n instance(s) behind HAProxy, TLS: $tls"
	echo "cluster: http://127.0.0.1:$fh https://127.0.0.1:$fs"
}

stop() {
	for f in "$dir/haproxy.pid" "$dir"/instance-*.pid; do
		[ -f "$f" ] || continue
		stop_pid "$(cat "$f")"
		rm -f "$f"
	done
	scripts/pg.sh stop "$dir/pg" >/dev/null 2>&1 || true
	scripts/pg.sh stop "$dir/pg-standby" >/dev/null 2>&1 || true
	rm -f "$dir/instances" "$dir/env" "$dir/settings" "$dir"/instance-*.rc
}

case "$cmd" in
start)	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	shift 2
	start "$@" ;;
restart) [ $# -eq 3 ] || usage
	dir=$(cd "$dir" && pwd -P)
	restart "$3" ;;
stop)	[ $# -eq 2 ] || usage
	[ -d "$dir" ] || exit 0
	dir=$(cd "$dir" && pwd -P)
	stop ;;
env)	[ $# -eq 2 ] || usage
	cat "$dir/env" ;;
*)	usage ;;
esac
