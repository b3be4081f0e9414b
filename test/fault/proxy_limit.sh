#!/bin/sh
# test/fault/proxy_limit.sh [SERVER_BIN]: behind a real HAProxy (option
# forwardfor; scripts/cluster.sh, one instance trusting 127.0.0.1 in
# BAAS_TRUSTED_PROXIES) the signing rate limit counts each client, not the
# proxy: clients on distinct loopback addresses (127.0.0.2, .3, ...), over
# the HTTP front and the HTTPS one (TLS ends at HAProxy), each get their own
# burst; a client that writes its own X-Forwarded-For stays in its bucket;
# a client reaching the instance directly is counted by its own address.
# Then, with the instance stopped, HAProxy's own 503 is the contract's
# problem JSON with the request's path as instance. A few seconds.
set -eu
cd "$(dirname "$0")/../.."
. bench/lib.sh
BIN=${1:-build/baas-server}

fault_begin proxy_limit
trap 'scripts/cluster.sh stop "$tmp/c"; fault_end' EXIT
mkdir -p "$tmp/c"
/usr/bin/python3 test/fault/faultlib.py keygen "$tmp/c/keys"
BAAS_RATE_LIMITS=sign=1/m,burst=2 BAAS_TRUSTED_PROXIES=127.0.0.1 \
BAAS_THREADS=1 BAAS_LOG_LEVEL=warn \
    scripts/cluster.sh start "$tmp/c" 1 "$BIN"
. "$tmp/c/env"

/usr/bin/python3 - "$CLUSTER_HTTP" "$CLUSTER_HTTPS" "$CLUSTER_KEYS" \
    "$tmp/c/instances" <<'PY'
import http.client, ssl, sys, urllib.parse
sys.path.insert(0, "test/fault")
import faultlib

front, front_tls, keys, instances = sys.argv[1:5]
direct = "http://127.0.0.1:%s" % open(instances).read().split()[1]
signer = faultlib.Signer(keys)
ctx = ssl.create_default_context(cafile=keys + "/tls/ca.crt")
ctx.check_hostname = False

def token(base, source, forwarded=None):
    """application/token from source over a new connection: the status."""
    u = urllib.parse.urlsplit(base)
    if u.scheme == "https":
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=10,
                                        context=ctx, source_address=(source, 0))
    else:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10,
                                       source_address=(source, 0))
    body = urllib.parse.urlencode({"grantType": "public_client",
                                   "assertion": signer.device_token()})
    h = {"Content-Type": faultlib.FORM}
    if forwarded:
        h["X-Forwarded-For"] = forwarded
    try:
        c.request("POST", "/1.0.0/application/token", body, h)
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()

def expect(want, base, source, forwarded=None):
    got = [token(base, source, forwarded) for _ in want]
    assert got == want, "%s from %s (X-Forwarded-For %r): %s, not %s" % (
        base, source, forwarded, got, want)

burst = [200, 200, 429]
expect(burst, front, "127.0.0.2")                   # a console
expect(burst, front, "127.0.0.3")                   # another: its own burst
expect(burst, front_tls, "127.0.0.4")               # over HTTPS
expect(burst, front_tls, "127.0.0.5", "127.0.0.2")  # forged: still itself
expect([429], front, "127.0.0.2", "198.51.100.1")   # forged: still limited
# Straight to the instance from an address it does not trust.
expect(burst, direct, "127.0.0.6", "198.51.100.2")
print("proxy_limit: one bucket per client behind HAProxy (HTTP and HTTPS)")
PY

# No instance up: HAProxy answers the contract's 503 itself.
kill "$(cat "$tmp/c/instance-1.pid")"
/usr/bin/python3 - "$CLUSTER_HTTP" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
path = '/1.0.0/users/0123"abc\\def'
deadline = time.time() + 10
while True:
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    c.request("GET", path)
    r = c.getresponse()
    raw = r.read()
    c.close()
    if r.status == 503 or time.time() > deadline:
        break
    time.sleep(0.2)
assert r.status == 503, (r.status, raw)
assert r.getheader("Content-Type") == "application/problem+json"
assert r.getheader("Retry-After") == "1"
p = json.loads(raw)
assert p["errorCode"] == "under_maintenance" and p["status"] == 503, p
assert p["instance"] == path, p
print("proxy_limit: HAProxy's 503 names the path:", p["instance"])
PY
echo "proxy_limit: ok"
