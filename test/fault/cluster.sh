#!/bin/sh
# test/fault/cluster.sh [SERVER_BIN]: the topology of scripts/cluster.sh
# works: two instances started at the same moment on one empty keys/ folder
# and one Postgres, HAProxy in front. Checks: one key file per set and the
# same JWKS from both instances; through the front (HTTP, and HTTPS ending
# at HAProxy) consoles register and log in, a token made by one instance
# is accepted by the other, and both instances served those requests (their
# metrics). A few seconds; SHORT makes no difference.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}

fault_begin cluster
trap 'scripts/cluster.sh stop "$tmp/c"; fault_end' EXIT
mkdir -p "$tmp/c"
# The trusted dauth key only: the instances make their own signing keys.
/usr/bin/python3 test/fault/faultlib.py keygen "$tmp/c/keys"
BAAS_RATE_LIMITS=off BAAS_THREADS=1 BAAS_LOG_LEVEL=warn \
    scripts/cluster.sh start "$tmp/c" 2 "$BIN"
. "$tmp/c/env"

for set in id internal; do
	n=$(ls "$CLUSTER_KEYS/$set" | grep -c '\.pem$' || true)
	[ "$n" -eq 1 ] ||
	    { echo "cluster: $n key files in keys/$set, not 1" >&2; exit 1; }
done

/usr/bin/python3 - "$CLUSTER_HTTP" "$CLUSTER_HTTPS" "$CLUSTER_KEYS" \
    "$tmp/c/instances" <<'PY'
import http.client, ssl, sys, urllib.request
sys.path.insert(0, "test/fault")
import faultlib

front, front_tls, keys, instances = sys.argv[1:5]
ports = [l.split() for l in open(instances)]

# One set of keys: both instances publish the same JWKS.
for path in ("/1.0.0/certificates", "/1.0.0/internal_certificates"):
    seen = {urllib.request.urlopen("http://127.0.0.1:%s%s" % (p[1], path),
                                   timeout=5).read() for p in ports}
    assert len(seen) == 1, "instances publish different keys at " + path

signer = faultlib.Signer(keys)
for i in range(4):
    c = faultlib.Client(front)      # a new connection: the next instance
    anon = c.anonymous(signer)
    assert anon, "application/token through the front failed"
    r = c.register(anon)
    assert r.status == 201, r.status
    c.close()
    c = faultlib.Client(front)
    tok = c.login(anon, r.body)     # anon was made by the other instance
    assert tok, "login through the front failed"
    c.close()
    c = faultlib.Client(front)
    g = c.request("GET", "/1.0.0/users/" + r.body["id"], token=tok)
    assert g.status == 200, g.status
    c.close()

ctx = ssl.create_default_context(cafile=keys + "/tls/ca.crt")
u = front_tls.split("//")[1]
for i in range(2):
    h = http.client.HTTPSConnection(u, context=ctx, timeout=5)
    h.request("GET", "/1.0.0/certificates")
    assert h.getresponse().status == 200
    h.close()

# Both instances answered console requests (not only HAProxy's checks).
for p in ports:
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % p[3],
                                  timeout=5).read().decode()
    n = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
            if l.startswith("baas_http_requests_total{")
            and 'route="/health"' not in l)
    assert n >= 4, "instance %s served %d console requests" % (p[0], n)
    print("cluster: instance %s served %d console requests" % (p[0], n))
PY
echo "cluster: ok: 2 instances behind HAProxy, one key set, logins through the front"
