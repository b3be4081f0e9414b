#!/bin/sh
# run.sh BIN: the last step of `make run`. Points the server at the private
# cluster under var/pg (unless BAAS_DATABASE_URL is already set) and replaces
# this shell with it, so Ctrl-C and SIGTERM reach the server directly.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BIN [ARGS...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${BAAS_DATABASE_URL:-}" ]; then
	BAAS_DATABASE_URL=$("$here/pg.sh" url var/pg)
	export BAAS_DATABASE_URL
fi
exec "$@"
