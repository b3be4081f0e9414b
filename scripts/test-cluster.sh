#!/bin/sh
# test-cluster.sh [N] [BIN] [PYTEST ARGS...]: the integration suite through
# HAProxy with N instances behind it (scripts/cluster.sh, TLS at HAProxy):
# TEST_BASE_URL is the front, so tests that need their own server process
# or settings are skipped (test/integration/conftest.py). Stopped after.
set -eu
cd "$(dirname "$0")/.."
n=${1:-2}
bin=${2:-build/baas-server}
[ $# -lt 2 ] || shift 2
dir=$(mktemp -d /tmp/baas-cluster.XXXXXX)
chmod 0755 "$dir"	# Postgres runs as "postgres" when we are root
trap 'scripts/cluster.sh stop "$dir"; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
BAAS_RATE_LIMITS=off scripts/cluster.sh start "$dir" "$n" "$bin"
. "$dir/env"
rc=0
TEST_BASE_URL=$CLUSTER_HTTP TEST_HTTPS_PORT=${CLUSTER_HTTPS##*:} \
TEST_KEYS_DIR=$CLUSTER_KEYS scripts/run-integration.sh "$bin" "$@" || rc=$?
exit "$rc"
