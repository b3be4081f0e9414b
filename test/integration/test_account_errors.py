"""Account module, the errors no single route owns: the database going away
(503 under_maintenance, then recovery), a deleted user's thumbnails, and a
barrage of malformed requests on every account route, none of which may
give a 500 or take the server down."""

import base64
import random
import time


from account_helpers import (AccountServer, FORM, account_server, acct,
                             bearer)
from conftest import assert_problem, http, needs_own_server, watch

_ = (account_server, acct)   # fixtures

TINY = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////"
    "////////////////////////////////////////////////////wgALCAABAAEBAREA"
    "/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")


def test_database_down_then_back(request, pg, workdir, make_cluster):
    needs_own_server()
    cluster = make_cluster()
    a = AccountServer(pg, workdir, "account-outage",
                      db_url=cluster.create_db())
    watch(request.node, a.srv)
    try:
        user = a.register()
        body, tok = a.login(user)
        uid = user["id"]
        da = user["deviceAccounts"][0]
        anon = a.anonymous()
        cluster.stop()
        # No database needed: still served.
        assert a.anonymous()
        for r in (
                a.post_form("/1.0.0/login", {"id": da["id"],
                                             "password": da["password"]},
                            anon),
                http("POST", a.url("/1.0.0/users"), bearer(anon), {}),
                http("GET", a.url("/1.0.0/users/" + uid), bearer(tok)),
                http("GET", a.url("/1/" + uid))):
            assert_problem(r, 503, "under_maintenance")
        cluster.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = a.post_form("/1.0.0/login", {"id": da["id"],
                                             "password": da["password"]},
                            anon)
            if r.status == 200:
                break
            time.sleep(0.25)
        assert r.status == 200, r
        assert r.body["user"]["id"] == uid
    finally:
        problems = a.close()
    assert not problems, problems


def test_deleted_user_thumbnails(acct):
    uid, tok, _, _ = acct.new_user()
    r = http("POST", acct.url("/1.0.0/image_upload"), bearer(tok),
             {"rawContent": base64.b64encode(TINY).decode(),
              "ownerId": uid})
    assert r.status == 200, r
    assert http("GET", acct.url("/1/" + uid)).status == 200
    acct.sql("UPDATE users SET deleted = true WHERE id = x'%s'::bigint" %
             uid)
    assert_problem(http("GET", acct.url("/1/" + uid)), 404, "deleted_user")
    assert_problem(http("GET", acct.url("/2/" + uid)), 404, "deleted_user")
    # Its tokens stopped working too (within the one-second window in
    # which a verified token is trusted: the deletion was made in SQL).
    time.sleep(1.1)
    assert_problem(http("GET", acct.url("/1.0.0/users/" + uid),
                        bearer(tok)), 401, "invalid_token")


GARBAGE = [
    b"", b"{", b"}", b"[]", b"{}", b"null", b"0", b'"x"', b"\x00\x01\x02",
    b"\xff\xfe\xfd", b"a=%", b"a=%zz&b", b"=&=&==", b"id=&password=",
    b'{"rawContent":{},"ownerId":[]}', b'[{"op":null}]',
    b'[{"op":"add","path":"/extras/self/playLog","value":"[[[[[[]]]]]]"}]',
    b'{"userIds":[null,1,{},[]]}', b'{"service":"a","deviceToken":"b",'
    b'"deviceAttributes":' + b"[" * 50 + b"]" * 50 + b"}",
    ("\u00e9" * 100).encode(), b"id=1&password=" + b"x" * 5000,
]
CTYPES = [None, FORM, "application/json", "application/json-patch+json",
          "text/plain", "application/json; charset=latin1", "garbage/"]


def test_no_client_mistake_is_a_500(acct):
    uid, tok, da, _ = acct.new_user()
    anon = acct.anonymous()
    routes = [
        ("POST", "/1.0.0/application/token", None),
        ("POST", "/1.0.0/users", anon),
        ("GET", "/1.0.0/users?filter.id.$in=%zz", tok),
        ("GET", "/1.0.0/users?filter.id.$in=" + "1," * 300, tok),
        ("POST", "/1.0.0/login", anon),
        ("POST", "/1.0.0/federation", anon),
        ("GET", "/1.0.0/users/" + uid, tok),
        ("PATCH", "/1.0.0/users/" + uid, tok),
        ("POST", "/1.0.0/users/%s/device_accounts" % uid, tok),
        ("DELETE", "/1.0.0/users/%s/device_accounts/ffffffffffffffff" % uid,
         tok),
        ("POST", "/1.0.0/users/%s/link" % uid, tok),
        ("POST", "/1.0.0/users/%s/unlink" % uid, tok),
        ("POST", "/1.0.0/image_upload", tok),
        ("GET", "/1/ffffffffffffffff", None),
        ("GET", "/2/8000000000000000", None),
        ("PUT", "/1.0.0/push_channels/%s/%s" % (uid, da), tok),
        ("DELETE", "/1.0.0/push_channels/%s/ffffffffffffffff" % uid, tok),
        ("POST", "/1.0.0/devices/snapshot", tok),
    ]
    rng = random.Random(7)
    for method, path, token in routes:
        for body in GARBAGE:
            ctype = rng.choice(CTYPES)
            h = {}
            if ctype:
                h["Content-Type"] = ctype
            if token:
                h["Authorization"] = "Bearer " + token
            r = http(method, acct.url(path), h, body)
            assert r.status < 500, (method, path, ctype, body[:40], r)
            if r.status >= 400:
                assert_problem(r, r.status, r.body["errorCode"])
    # The user is still there and the server still up.
    assert http("GET", acct.url("/1.0.0/users/" + uid),
                bearer(tok)).status == 200
