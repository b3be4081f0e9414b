#!/bin/sh
# test/fault/soak.sh [SERVER_BIN]: a mixed load of every route for
# SOAK_MINUTES (default 10) while the server's RSS is sampled every 5 s;
# prints the curve and fails if memory keeps growing (the criterion is in
# test/fault/soak.py) or on any 5xx. SHORT=1: 45 s, sampled every 3 s.
# `make soak` runs the long form. Starts its own cluster and server.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}
[ -x "$BIN" ] || { echo "soak: $BIN missing (make)" >&2; exit 1; }

if [ "${SHORT:-}" = 1 ]; then
	seconds=${SOAK_SECONDS:-45} sample=3
else
	seconds=$(( ${SOAK_MINUTES:-10} * 60 )) sample=5
fi
fault_begin soak

fault_pg_start "$tmp/pg"
fault_server "$tmp" "$BIN" "$pg_url"
/usr/bin/python3 test/fault/soak.py "$base" "$tmp/keys" "$server_pid" \
    "$seconds" "$sample" || { tail -n 20 "$tmp/server.log" >&2; exit 1; }
