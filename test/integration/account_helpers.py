"""Helpers of the account module's black-box tests (test_account_*.py).

The server under test runs with the verify policy for all three kinds of
received tokens; the tests play dauth, the Nintendo Account server and
aauth with RSA keys made here, whose public halves go in the server's keys
folders before it starts.

  AccountServer  a module-scoped server plus the three issuers' keys, with
                 the console's flow as methods (device token -> anonymous
                 token -> register -> login)
  raw_http       sends exact bytes (header order and all) and reads one reply
"""

import base64
import json
import socket
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import Resp, finish, http, launch, new_keys_dir

ISSUER = "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
CLIENT_ID = "ed9e2f05d286f7b8"
DAUTH_ISS = "dauth-lp1.ndas.srv.nintendo.net"
DAUTH_AUD = "8f849b5d34778d8e"
NA_ISS = "https://accounts.nintendo.com"
NA_AUD = "81333c548b2e876d"         # BAAS_NA_CLIENT_ID's default
AAUTH_ISS = "aauth-lp1.ndas.srv.nintendo.net"
AAUTH_TYP = "application_token"
FORM = "application/x-www-form-urlencoded"
UA = ("libcurl (nnAccount; 789f928b-138e-4b2f-afeb-1acae821d897; "
      "SDK %s; Add-on %s)")


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims, header=None):
    """A JWT with alg none and an empty signature."""
    h = header or {"alg": "none", "typ": "JWT"}
    return "%s.%s." % (b64url(json.dumps(h).encode()),
                       b64url(json.dumps(claims).encode()))


def jwt_claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def jwt_header(token):
    return jwt.get_unverified_header(token)


class Issuer:
    """A token issuer the server trusts (its public key is in the
    server's folder for that kind) or not (trusted=False)."""

    def __init__(self, name, kid):
        self.name = name
        self.kid = kid
        self.key = rsa_key()

    def sign(self, claims, kid=None, headers=None):
        h = {"kid": kid or self.kid}
        h.update(headers or {})
        return jwt.encode(claims, self.key, algorithm="RS256", headers=h)


def raw_http(base, data, timeout=10):
    """Sends data (bytes, exactly as given) to the server at base and reads
    one HTTP/1.1 reply; returns a Resp."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = HeaderMap()
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip()] = v.strip()
        n = int(headers.get("Content-Length") or 0)
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        path = data.split(b" ", 2)[1].decode().split("?")[0]
        return Resp(status, headers, body, path)
    finally:
        s.close()


class HeaderMap(dict):
    """Case-insensitive .get, like http.client's headers."""

    def get(self, name, default=None):
        for k, v in self.items():
            if k.lower() == name.lower():
                return v
        return default


def raw_request(method, path, headers, body=b""):
    """Builds request bytes with headers in the order given; Content-Length
    is whatever the headers say (give it)."""
    out = "%s %s HTTP/1.1\r\n" % (method, path)
    for k, v in headers:
        out += "%s: %s\r\n" % (k, v)
    out += "\r\n"
    return out.encode() + (body if isinstance(body, bytes) else body.encode())


class AccountServer:
    """A server with trusted dauth, Nintendo Account and aauth keys."""

    def __init__(self, pg, workdir, name="account", env=None, db_url=None):
        self.pg = pg
        self.keys_dir = Path(new_keys_dir(workdir))
        self.dauth = Issuer("dauth", "dauth-test")
        self.na = Issuer("na", "na-test")
        self.aauth = Issuer("aauth", "aauth-test")
        self.rogue = Issuer("rogue", "dauth-test")   # same kid, not trusted
        for folder, issuer in (("dauth", self.dauth),
                               ("nintendo-account", self.na),
                               ("aauth", self.aauth)):
            d = self.keys_dir / folder
            d.mkdir(parents=True, exist_ok=True)
            (d / ("%s.pem" % issuer.kid)).write_bytes(public_pem(issuer.key))
        settings = {
            "BAAS_DEVICE_TOKEN_POLICY": "verify",
            "BAAS_NA_TOKEN_POLICY": "verify",
            "BAAS_APP_TOKEN_POLICY": "verify",
        }
        settings.update(env or {})
        self.srv = launch(pg, workdir, name, keys_dir=self.keys_dir,
                          db_url=db_url, env=settings)
        self.srv.wait_ready()
        self.http = self.srv.http

    def close(self):
        return finish([self.srv], self.pg)

    def url(self, path):
        return self.http + path

    # -- tokens the server receives

    def device_token(self, device_id=None, issuer=None, **over):
        now = int(time.time())
        claims = {
            "sub": device_id or uuid.uuid4().hex[:16],
            "iss": DAUTH_ISS, "aud": DAUTH_AUD,
            "exp": now + 86400, "iat": now, "jti": str(uuid.uuid4()),
            "nintendo": {"sn": "XAW10012345678", "pc": "HAC",
                         "dt": "NX Prod 1", "ist": False},
        }
        claims.update(over)
        return (issuer or self.dauth).sign(claims)

    def na_token(self, na_id=None, issuer=None, **over):
        now = int(time.time())
        claims = {"sub": na_id or uuid.uuid4().hex[:16], "iss": NA_ISS,
                  "aud": NA_AUD, "iat": now, "exp": now + 900,
                  "jti": str(uuid.uuid4())}
        claims.update(over)
        return (issuer or self.na).sign(claims)

    def app_token(self, issuer=None, **over):
        now = int(time.time())
        claims = {"iss": AAUTH_ISS, "aud": DAUTH_AUD, "typ": AAUTH_TYP,
                  "iat": now, "exp": now + 900, "jti": str(uuid.uuid4()),
                  "nintendo": {"ai": "0100000000010000", "av": "0",
                               "at": 1, "edi": "0123456789abcdef0123"}}
        claims.update(over)
        return (issuer or self.aauth).sign(claims)

    # -- the console's flow

    def post_form(self, path, fields, token=None, headers=None):
        h = {"Content-Type": FORM}
        if token:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        body = "&".join("%s=%s" % (k, v) for k, v in fields.items())
        return http("POST", self.url(path), h, body)

    def anonymous(self, device_id=None):
        r = self.post_form("/1.0.0/application/token", {
            "grantType": "public_client",
            "assertion": self.device_token(device_id)})
        assert r.status == 200, r
        return r.body["accessToken"]

    def register(self, anon=None):
        anon = anon or self.anonymous()
        r = http("POST", self.url("/1.0.0/users"),
                 {"Authorization": "Bearer " + anon}, {})
        assert r.status == 201, r
        return r.body

    def login(self, user=None, anon=None, **extra):
        """Registers (unless given a user) and logs in; returns
        (login body, user token)."""
        user = user or self.register()
        da = user["deviceAccounts"][0]
        fields = {"id": da["id"], "password": da["password"]}
        fields.update(extra)
        r = self.post_form("/1.0.0/login", fields,
                           anon or self.anonymous())
        assert r.status == 200, r
        return r.body, r.body["accessToken"]

    def new_user(self):
        """A registered, logged-in user: (user id, user token, device
        account id, password)."""
        user = self.register()
        body, tok = self.login(user)
        da = user["deviceAccounts"][0]
        return user["id"], tok, da["id"], da["password"]

    def sql(self, q):
        return self.pg.query(q, db_url=self.srv.db_url)


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


# ---------------------------------------------------------------- fixtures
# Imported by the test modules: one server per module, shown on failure.

import pytest  # noqa: E402

from conftest import needs_own_server, watch  # noqa: E402


@pytest.fixture(scope="module")
def account_server(request, pg, workdir):
    needs_own_server()
    a = AccountServer(pg, workdir, request.module.__name__)
    try:
        yield a
    finally:
        problems = a.close()
        if problems:
            pytest.fail("; ".join(problems) + "\n" + a.srv.log()[-20000:],
                        pytrace=False)


@pytest.fixture
def acct(request, account_server):
    s = account_server.srv
    watch(request.node, s)
    if s.proc.poll() is not None:
        pytest.fail("the account server exited with %s" % s.proc.returncode)
    yield account_server
    if s.proc.poll() is not None:
        pytest.fail("the account server exited with %s during the test" %
                    s.proc.returncode, pytrace=False)
