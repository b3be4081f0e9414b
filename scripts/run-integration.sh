#!/bin/sh
# run-integration.sh BIN [PYTEST ARGS...]: the black-box suite in
# test/integration against the server binary BIN (each test starts its own
# server on a throwaway database; see test/integration/conftest.py).
# Exit code: pytest's, except that "no tests collected" (5) is a failure too.
set -u
[ $# -ge 1 ] || { echo "usage: $0 BIN [PYTEST ARGS...]" >&2; exit 2; }
bin=$1
shift
case "$bin" in
/*) ;;
*) bin=$(pwd)/$bin ;;
esac
if [ ! -x "$bin" ]; then
	echo "run-integration: $bin is not an executable" >&2
	exit 1
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Tests run in TEST_JOBS processes (pytest-xdist; default 3: most of a
# test's time is spent waiting on sockets and Postgres, so even two cores
# take three), each with its own Postgres cluster. TEST_JOBS=1: one.
jobs=${TEST_JOBS:-3}
par=""
if [ "$jobs" -gt 1 ] &&
    /usr/bin/python3 -c "import xdist" 2>/dev/null; then
	par="-n $jobs"
fi
BAAS_SERVER_BIN=$bin PYTHONDONTWRITEBYTECODE=1 \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider $par test/integration "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
	echo "run-integration: no tests were collected" >&2
	exit 1
fi
exit "$rc"
