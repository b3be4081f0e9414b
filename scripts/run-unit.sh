#!/bin/sh
# run-unit.sh BIN...: runs each unit test binary (libcheck suites), shows its
# output, and ends with "unit: N passed, N failed" counting binaries. Fails
# when any binary fails or none was given.
set -u
passed=0
failed=0
failures=""
for bin in "$@"; do
	echo "== $bin"
	if "$bin"; then
		passed=$((passed + 1))
	else
		rc=$?
		failed=$((failed + 1))
		failures="$failures $bin(exit $rc)"
	fi
done
echo "unit: $passed passed, $failed failed"
[ -n "$failures" ] && echo "unit: failed:$failures"
if [ $# -eq 0 ]; then
	echo "unit: no test binaries" >&2
	exit 1
fi
[ "$failed" -eq 0 ]
