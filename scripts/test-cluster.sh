#!/bin/sh
# test-cluster.sh [N] [BIN] [PYTEST ARGS...]: the integration suite through
# HAProxy with N instances behind it (scripts/cluster.sh, TLS at HAProxy):
# TEST_BASE_URL is the front, so tests that need their own server process
# or settings, or a direct connection (malformed HTTP, which HAProxy
# answers itself), are skipped (test/integration/conftest.py). Stopped after.
set -eu
cd "$(dirname "$0")/.."
n=${1:-2}
bin=${2:-build/baas-server}
[ $# -lt 2 ] || shift 2
dir=$(mktemp -d /tmp/baas-cluster.XXXXXX)
chmod 0755 "$dir"	# Postgres runs as "postgres" when we are root
trap 'scripts/cluster.sh stop "$dir"; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
# A dauth key the instances trust, its private half for the suite
# (test/integration/baas_client.py external_dauth_key): tests using the
# `baas` fixture then run against the cluster too.
mkdir -p "$dir/keys/dauth" "$dir/keys/dauth-private"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$dir/keys/dauth-private/test-dauth-1.pem" 2>/dev/null
openssl pkey -in "$dir/keys/dauth-private/test-dauth-1.pem" -pubout \
    -out "$dir/keys/dauth/test-dauth-1.pem"
BAAS_RATE_LIMITS=off scripts/cluster.sh start "$dir" "$n" "$bin"
. "$dir/env"
rc=0
TEST_BASE_URL=$CLUSTER_HTTP TEST_HTTPS_PORT=${CLUSTER_HTTPS##*:} TEST_THROUGH_PROXY=1 \
TEST_KEYS_DIR=$CLUSTER_KEYS scripts/run-integration.sh "$bin" "$@" || rc=$?
exit "$rc"
