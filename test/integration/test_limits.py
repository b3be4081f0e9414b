"""Limits that cost an attacker (issue 9, item 5): the per-client rate limit
on the routes that sign RSA tokens (429 too_many_requests with
Retry-After, BAAS_RATE_LIMITS), on by default with limits a household of
consoles never meets. The rest of the suite runs with the limit off."""

import time

import pytest

from account_helpers import AccountServer
from conftest import assert_problem, http, needs_own_server, watch


def make_server(request, pg, workdir, name, limits):
    needs_own_server()
    a = AccountServer(pg, workdir, name, env={"BAAS_RATE_LIMITS": limits})
    request.addfinalizer(a.close)
    watch(request.node, a.srv)
    return a


def app_token(srv):
    return srv.post_form("/1.0.0/application/token", {
        "grantType": "public_client", "assertion": srv.device_token()})


def check_429(r, lo, hi):
    p = assert_problem(r, 429, "too_many_requests")
    ra = r.headers.get("Retry-After")
    assert ra is not None and ra.isdigit(), r.headers
    assert lo <= int(ra) <= hi, ra
    return p


def test_signing_routes_limited(request, pg, workdir):
    """Three at once, then one a minute: the fourth request is refused
    with the wait; login and federation draw on the same bucket; routes
    that sign nothing do not."""
    s = make_server(request, pg, workdir, "limits-tight", "sign=1/m,burst=3")
    r = app_token(s)
    assert r.status == 200, r
    anon = r.body["accessToken"]
    user = http("POST", s.url("/1.0.0/users"),
                {"Authorization": "Bearer " + anon}, {}).body
    da = user["deviceAccounts"][0]
    r = s.post_form("/1.0.0/login", {"id": da["id"],
                                     "password": da["password"]}, anon)
    assert r.status == 200, r
    r = s.post_form("/1.0.0/federation", {
        "id": da["id"], "password": da["password"],
        "idp": "nintendoAccount", "idToken": s.na_token()}, anon)
    assert r.status == 200, r
    check_429(app_token(s), 1, 60)
    check_429(s.post_form("/1.0.0/login", {
        "id": da["id"], "password": da["password"]}, anon), 1, 60)
    check_429(s.post_form("/1.0.0/federation", {
        "id": da["id"], "password": da["password"],
        "idp": "nintendoAccount", "idToken": s.na_token()}, anon), 1, 60)
    # A bad body costs the same: the limit comes before any parsing.
    check_429(s.post_form("/1.0.0/login", {}, anon), 1, 60)
    # Nothing else is limited.
    for _ in range(5):
        assert http("GET", s.url("/1.0.0/certificates")).status == 200
        r = http("POST", s.url("/1.0.0/users"),
                 {"Authorization": "Bearer " + anon}, {})
        assert r.status == 201, r


def test_bucket_refills(request, pg, workdir):
    s = make_server(request, pg, workdir, "limits-refill",
                    "sign=2/s,burst=2")
    assert app_token(s).status == 200
    assert app_token(s).status == 200
    check_429(app_token(s), 1, 1)
    time.sleep(0.6)
    assert app_token(s).status == 200


def test_default_on_and_roomy(request, pg, workdir):
    """Without the setting the limit is on: ten consoles behind one
    address starting together (application/token, login, once more for a
    game's login each) are all served; a client asking without pause is
    refused before it has had a hundred signatures."""
    s = make_server(request, pg, workdir, "limits-default", None)
    assert "BAAS_RATE_LIMITS" not in s.srv.env
    consoles = []
    for _ in range(10):
        r = app_token(s)
        assert r.status == 200, r
        consoles.append(r.body["accessToken"])
    users = [http("POST", s.url("/1.0.0/users"),
                  {"Authorization": "Bearer " + a}, {}).body
             for a in consoles]
    for _ in range(2):
        for anon, u in zip(consoles, users):
            da = u["deviceAccounts"][0]
            r = s.post_form("/1.0.0/login", {
                "id": da["id"], "password": da["password"]}, anon)
            assert r.status == 200, r
    refused = None
    for i in range(100):
        r = app_token(s)
        if r.status != 200:
            refused = i
            break
    assert refused is not None, "100 more signatures, none refused"
    check_429(r, 1, 1)


def token_from(s, source, forwarded=()):
    """application/token from the local address source, with one
    X-Forwarded-For line per item of forwarded; the status."""
    import http.client
    import urllib.parse
    u = urllib.parse.urlsplit(s.url("/"))
    body = urllib.parse.urlencode({"grantType": "public_client",
                                   "assertion": s.device_token()})
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10,
                                   source_address=(source, 0))
    try:
        c.putrequest("POST", "/1.0.0/application/token")
        c.putheader("Content-Type", "application/x-www-form-urlencoded")
        c.putheader("Content-Length", str(len(body)))
        for v in forwarded:
            c.putheader("X-Forwarded-For", v)
        c.endheaders(body.encode())
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def test_trusted_proxy_names_the_client(request, pg, workdir):
    """BAAS_TRUSTED_PROXIES: behind a trusted proxy each client has its
    own bucket, named by the rightmost X-Forwarded-For entry the proxy
    added; what a client writes itself (to the left, or on a connection
    of its own) never moves it to another bucket."""
    needs_own_server()
    a = AccountServer(pg, workdir, "limits-proxy", env={
        "BAAS_RATE_LIMITS": "sign=1/m,burst=2",
        "BAAS_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"})
    request.addfinalizer(a.close)
    watch(request.node, a.srv)
    proxy = "127.0.0.1"
    # Client 198.51.100.1 through the proxy: its burst, then refused.
    assert token_from(a, proxy, ["198.51.100.1"]) == 200
    assert token_from(a, proxy, ["198.51.100.1"]) == 200
    assert token_from(a, proxy, ["198.51.100.1"]) == 429
    # Another client behind the same proxy is not affected.
    assert token_from(a, proxy, ["198.51.100.2"]) == 200
    # A forged entry to the left of the proxy's is ignored, on one line
    # or on a line of its own before the proxy's.
    assert token_from(a, proxy, ["203.0.113.9, 198.51.100.1"]) == 429
    assert token_from(a, proxy, ["203.0.113.9", "198.51.100.1"]) == 429
    # Two trusted hops (an inner proxy 10.1.2.3): the client before them.
    assert token_from(a, proxy, ["198.51.100.1, 10.1.2.3"]) == 429
    assert token_from(a, proxy, ["198.51.100.3, 10.1.2.3"]) == 200
    # No header, or one that names no address: the proxy's own bucket.
    assert token_from(a, proxy) == 200
    assert token_from(a, proxy, ["unknown"]) == 200
    assert token_from(a, proxy, [""]) == 429
    # A peer that is not trusted is itself, whatever it writes.
    other = "127.0.0.2"
    assert token_from(a, other, ["198.51.100.50"]) == 200
    assert token_from(a, other, ["198.51.100.51"]) == 200
    assert token_from(a, other, ["198.51.100.52"]) == 429
