# test/fault/lib/ha.sh: what the failover scripts that run a real HA
# manager (pgaf_failover.sh, patroni_failover.sh) share; not a fault
# script of its own (make fault runs test/fault/*.sh). Sourced after
# bench/lib.sh and fault_begin, whose EXIT trap it replaces with one that
# also stops the server and everything ha_run started. The managers run
# as "postgres" (Postgres refuses root), each in a process group of its
# own under $ha_dir.

ha_dir=$tmp/ha
trap 'stop_pid "$server_pid"; ha_stop; fault_end' EXIT
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n 1)
mkdir -p "$ha_dir"
chown postgres "$ha_dir"

# ha_run NAME COMMAND...: COMMAND as postgres, in the background, in its
# own process group (the group's id in $ha_dir/NAME.pid), its output in
# $ha_dir/NAME.log.
ha_run() {
	_n=$1
	shift
	setsid sh -c 'echo $$ >"$0"; exec "$@"' "$ha_dir/$_n.pid" \
	    runuser -u postgres -- env PATH="$pgbin:$PATH" "$@" \
	    >"$ha_dir/$_n.log" 2>&1 </dev/null &
	until [ -s "$ha_dir/$_n.pid" ]; do sleep 0.05; done
}

# ha_postmasters: the pids of the postmasters still running under $ha_dir.
ha_postmasters() {
	for _f in "$ha_dir"/*/data/postmaster.pid; do
		[ -s "$_f" ] || continue
		_p=$(head -n 1 "$_f")
		! kill -0 "$_p" 2>/dev/null || echo "$_p"
	done
}

# ha_stop: every group asked to stop (the managers stop their Postgres);
# what still runs after 10 s is killed, a postmaster's children first
# (once it is gone they belong to init); then nothing may still write
# under $ha_dir when fault_end removes it. (dash's kill takes no "--".)
ha_stop() {
	for _f in "$ha_dir"/*.pid; do
		[ ! -s "$_f" ] || kill -TERM "-$(cat "$_f")" 2>/dev/null || true
	done
	_i=0
	while [ -n "$(ha_postmasters)" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	for _p in $(ha_postmasters); do
		pkill -KILL -P "$_p" 2>/dev/null || true
		kill -KILL "$_p" 2>/dev/null || true
	done
	for _f in "$ha_dir"/*.pid; do
		[ ! -s "$_f" ] || kill -KILL "-$(cat "$_f")" 2>/dev/null || true
	done
	_i=0
	while [ $_i -lt 50 ] && ls -l /proc/[0-9]*/cwd 2>/dev/null |
	    grep -q -- "-> $ha_dir/"; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# until_sql CONNINFO SQL WANT [SECONDS]: polls until SQL answers WANT
# (default 60 s; then fails, showing the managers' logs).
until_sql() {
	_t=$(( ${4:-60} * 5 ))
	until [ "$(psql "$1 connect_timeout=1" -XAtqc "$2" 2>/dev/null)" = "$3" ]; do
		_t=$((_t - 1))
		[ $_t -gt 0 ] || { echo "$fault_name: no \"$3\" from $2" >&2;
		    tail -n 20 "$ha_dir"/*.log >&2; return 1; }
		sleep 0.2
	done
}
