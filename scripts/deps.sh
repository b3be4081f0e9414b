#!/bin/sh
# deps.sh: installs the Debian packages the build, the tests and `make run`
# need. Silent and fast when everything is already there (it runs before
# every `make run` and `make test`). As root it installs what is missing;
# otherwise it prints the apt-get line to run and fails.
set -eu

PKGS="build-essential pkg-config libevent-dev libjansson-dev libjwt-dev
libssl-dev libpq-dev check libsubunit-dev postgresql python3-pytest
python3-jwt python3-requests python3-cryptography python3-jsonschema
python3-yaml python3-pytest-xdist wrk curl openssl
clang libfuzzer-14-dev libclang-rt-14-dev prometheus haproxy
postgresql-15-auto-failover pg-auto-failover-cli patroni python3-pysyncobj"

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian system (no dpkg-query); install by hand:" >&2
	echo "  $(echo $PKGS)" >&2
	exit 1
fi

# One dpkg-query for all: installed packages print "ii  name"; unknown ones
# print nothing (their error goes to /dev/null).
installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $PKGS \
    2>/dev/null | awk '$1 == "ii" { print $2 }')
missing=""
for p in $PKGS; do
	case " $(echo $installed) " in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing" >&2
	echo "run: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive" \
	    "apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "deps.sh: installing$missing" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
