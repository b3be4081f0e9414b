#!/bin/sh
# docs-tools.sh: makes sure the npm tools of docs/package.json
# (@redocly/cli for docs/openapi.yaml, jose for the ID-token example) are
# installed in docs/node_modules, exactly as package-lock.json pins
# them (npm ci). Silent and fast when they are. Node and npm come from
# Debian (nodejs, npm) when missing: installed as root, otherwise the
# apt-get line is printed and the script fails, as deps.sh does.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/docs
stamp=$dir/node_modules/.package-lock.json

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "docs-tools.sh: node and npm are missing" >&2
		echo "run: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive" \
		    "apt-get install -y --no-install-recommends nodejs npm" >&2
		exit 1
	fi
	echo "docs-tools.sh: installing nodejs npm" >&2
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends nodejs npm
fi

# npm ci writes node_modules/.package-lock.json last: present and newer
# than the lock file means the tree is complete and current.
current() {
	[ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]
}
current && exit 0
# Several test processes may ask at once (pytest-xdist): one installs under
# a lock, the others wait for it and then find the tree current.
exec 9>"$dir/.npm-install.lock"
flock 9
current && exit 0
echo "docs-tools.sh: npm ci in docs" >&2
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error >&2
