"""The examples of docs/verify-id-tokens.md, run against a live server: a
real ID token from a login verifies; tokens signed by the server's own ID
key but expired, or for another audience, and an access token, are
rejected. The Node example runs on the jose that docs/package-lock.json
pins (scripts/docs-tools.sh installs it)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from baas_client import baas, baas_factory, form  # noqa: F401 (fixtures)
from conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"


def login(baas):
    """(user id, ID token, access token) of a new user's login."""
    anon = {"Authorization": "Bearer " + baas.anon_token()}
    r = baas.call("POST", "/1.0.0/users", headers=anon, body={})
    assert r.status == 201, r
    da = r.body["deviceAccounts"][0]
    r = baas.call("POST", "/1.0.0/login", headers=anon,
                  body=form(id=da["id"], password=da["password"]),
                  ctype="application/x-www-form-urlencoded")
    assert r.status == 200, r
    return r.body["user"]["id"], r.body["idToken"], r.body["accessToken"]


def resigned(baas, token, **claims):
    """token's claims changed by claims, signed again by the server's own
    ID key (read from its keys folder) under the same header: a token only
    the claims' checks can refuse."""
    keys = sorted((Path(baas.server.keys_dir) / "id").glob("*.pem"))
    assert len(keys) == 1, keys
    header = jwt.get_unverified_header(token)
    body = jwt.decode(token, options={"verify_signature": False})
    body.update(claims)
    return jwt.encode(body, keys[0].read_bytes(), algorithm="RS256",
                      headers={k: v for k, v in header.items()
                               if k not in ("alg", "typ")})


def command(lang):
    if lang == "python":
        return [sys.executable, str(EXAMPLES / "verify.py")]
    tools = subprocess.run([str(ROOT / "scripts" / "docs-tools.sh")],
                           capture_output=True, text=True, timeout=600)
    assert tools.returncode == 0, tools.stderr
    return ["node", str(EXAMPLES / "verify.mjs")]


@pytest.mark.parametrize("lang", ["python", "node"])
def test_verify_example(baas, lang):
    cmd = command(lang)
    base = baas.server.http
    uid, id_token, access = login(baas)
    now = int(time.time())

    def run(token):
        return subprocess.run(cmd + [base, token], capture_output=True,
                              text=True, timeout=30)

    r = run(id_token)
    assert r.returncode == 0, r.stderr
    claims = json.loads(r.stdout)
    assert claims["sub"] == uid and claims["typ"] == "id_token"
    assert claims["aud"] == "ed9e2f05d286f7b8"

    # The resigning itself is sound: the same claims verify.
    assert run(resigned(baas, id_token)).returncode == 0
    for bad, why in [
        (resigned(baas, id_token, iat=now - 20000, exp=now - 9200),
         "expired"),
        (resigned(baas, id_token, aud="0123456789abcdef"), "audience"),
        (resigned(baas, id_token, iss="https://example.com"), "issuer"),
        (access, "an access token (other key set)"),
        (id_token[:-4] + ("AAAA" if not id_token.endswith("AAAA")
                          else "BBBB"), "a broken signature"),
    ]:
        r = run(bad)
        assert r.returncode == 1, "%s accepted: %s" % (why, r.stdout)
        assert "rejected" in r.stderr, r.stderr
