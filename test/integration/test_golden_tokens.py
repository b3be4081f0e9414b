"""`baas-server golden-tokens DIR` and the three token verifiers of
docs/game-servers.md (docs/examples/verify.c, verify.py, verify.mjs).

The golden set is the same bytes on every run and says what a correct
verifier answers for each token (cases.json, README.md); each verifier
gives exactly that answer for every token. Against a live server, the ID
token of a real login (with a title's application token) verifies against
the server's JWKS, and a golden token does not."""

import base64
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from account_helpers import account_server, acct  # noqa: F401 (fixtures)
from conftest import ROOT, needs_own_server, server_bin

EXAMPLES = ROOT / "docs" / "examples"
CASES = ["valid.jwt", "expired.jwt", "not-yet-valid.jwt", "wrong-aud.jwt",
         "wrong-iss.jwt", "unknown-kid.jwt", "bad-signature.jwt",
         "alg-none.jwt", "hs256-public-key.jwt", "sub-mismatch.jwt",
         "other-title.jwt", "access-token.jwt"]
FILES = sorted(CASES + ["README.md", "cases.json", "jwks.json",
                        "private-key.pem", "public-key.pem"])
ISSUER = "https://e0d67c509fb203858ebcb2fe3f88c2aa.baas.nintendo.com"
AUDIENCE = "ed9e2f05d286f7b8"
# The title of account_helpers' application token.
LIVE_TITLE = "0100000000010000"


@pytest.fixture(scope="module")
def db(pg):
    """One database for the module's commands (golden-tokens never opens
    it, but run_bin would make one per call)."""
    needs_own_server()
    url = pg.create_db()
    yield url
    pg.drop_db(url)


def verifier(lang):
    if lang == "c":
        # Built by `make` beside the server (BUILD/examples/verify), with
        # the same sanitizers under SAN=1.
        c = Path(server_bin()).resolve().parent / "examples" / "verify"
        assert c.exists(), "%s is missing: run make" % c
        return [str(c)]
    if lang == "python":
        return [sys.executable, str(EXAMPLES / "verify.py")]
    tools = subprocess.run([str(ROOT / "scripts" / "docs-tools.sh")],
                           capture_output=True, text=True, timeout=600)
    assert tools.returncode == 0, tools.stderr
    return ["node", str(EXAMPLES / "verify.mjs")]


def run(cmd, *args):
    return subprocess.run(cmd + [str(a) for a in args], capture_output=True,
                          text=True, timeout=30)


def golden(run_bin, db, d):
    r = run_bin(["golden-tokens", str(d)], db_url=db)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    return json.loads((d / "cases.json").read_text())


def b64url_uint(n):
    return base64.urlsafe_b64encode(
        n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def test_golden_set_is_fixed_and_complete(run_bin, db, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    cases = golden(run_bin, db, a)
    golden(run_bin, db, b)
    assert sorted(p.name for p in a.iterdir()) == FILES
    for f in FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    golden(run_bin, db, a)      # over an existing set: replaced, same bytes
    for f in FILES:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f

    # What a verifier is configured with, and an answer for every case.
    assert (cases["issuer"], cases["audience"]) == (ISSUER, AUDIENCE)
    assert [c["file"] for c in cases["cases"]] == CASES
    assert [c["expect"] for c in cases["cases"]] == \
        ["accept"] + ["reject"] * (len(CASES) - 1)
    readme = (a / "README.md").read_text()
    for c in CASES + [cases["username"], cases["title"], ISSUER, AUDIENCE]:
        assert c in readme, c

    # jwks.json in the server's shape, kid = RFC 7638 thumbprint, the
    # public half of private-key.pem and of public-key.pem.
    jwk, = json.loads((a / "jwks.json").read_text())["keys"]
    assert set(jwk) == {"kty", "use", "alg", "kid", "n", "e"}
    assert (jwk["kty"], jwk["use"], jwk["alg"]) == ("RSA", "sig", "RS256")
    canon = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]},
                       separators=(",", ":"), sort_keys=True)
    assert jwk["kid"] == base64.urlsafe_b64encode(
        hashlib.sha256(canon.encode()).digest()).rstrip(b"=").decode()
    priv = serialization.load_pem_private_key(
        (a / "private-key.pem").read_bytes(), None)
    pub = serialization.load_pem_public_key((a / "public-key.pem").read_bytes())
    for k in (priv.public_key(), pub):
        assert b64url_uint(k.public_numbers().n) == jwk["n"]
        assert b64url_uint(k.public_numbers().e) == jwk["e"]

    # valid.jwt: the claims and header of a real ID token, readable by
    # anyone with the key (PyJWT, independent of our verifiers).
    token = (a / "valid.jwt").read_text().strip()
    claims = jwt.decode(token, pub, algorithms=["RS256"], audience=AUDIENCE,
                        issuer=ISSUER)
    assert set(claims) == {"iss", "sub", "aud", "typ", "iat", "exp", "jti",
                           "bs:did", "nintendo"}
    assert int(claims["sub"], 16) == int(cases["username"])
    assert claims["nintendo"]["ai"] == cases["title"]
    assert jwt.get_unverified_header(token) == {
        "alg": "RS256", "kid": jwk["kid"],
        "jku": ISSUER + "/1.0.0/certificates"}


def test_golden_tokens_help_and_refusals(run_bin, db, tmp_path):
    r = run_bin(["golden-tokens", "--help"], db_url=db)
    assert r.returncode == 0 and \
        r.stdout.startswith("usage: baas-server golden-tokens DIR"), r
    assert "\n  golden-tokens DIR " in run_bin(["--help"], db_url=db).stdout
    (tmp_path / "file").write_text("x")
    for args, code in [([], 2), (["a", "b"], 2), (["--force"], 2),
                       ([str(tmp_path / "file" / "sub")], 1)]:
        r = run_bin(["golden-tokens"] + args, db_url=db)
        assert r.returncode == code, (args, r)
        assert r.stdout == "" and r.stderr.count("\n") == 1, (args, r)
        assert r.stderr.startswith("baas-server golden-tokens: "), r.stderr


@pytest.mark.parametrize("lang", ["c", "python", "node"])
def test_verifier_answers_every_golden_case(run_bin, db, tmp_path, lang):
    cmd = verifier(lang)
    cases = golden(run_bin, db, tmp_path)
    jwks = tmp_path / "jwks.json"
    expect = [cases["issuer"], cases["audience"], cases["title"],
              cases["username"]]

    def check(f, want, *args):
        r = run(cmd, jwks, (tmp_path / f).read_text().strip(), *args)
        if want == "accept":
            assert r.returncode == 0, (f, args, r.stderr)
            assert json.loads(r.stdout)["typ"] == "id_token"
        else:
            assert r.returncode == 1, (f, args, "accepted", r.stdout)
            assert r.stderr.startswith("rejected: "), (f, r.stderr)

    for c in cases["cases"]:
        check(c["file"], c["expect"], *expect)
    # Each is refused for its own reason: against its own user, and with
    # no title checked, the same tokens pass.
    other_user = str(int(jwt.decode(
        (tmp_path / "sub-mismatch.jwt").read_text().strip(),
        options={"verify_signature": False})["sub"], 16))
    check("sub-mismatch.jwt", "accept", *expect[:3], other_user)
    check("other-title.jwt", "accept", *expect[:2], "-", expect[3])


@pytest.mark.parametrize("lang", ["c", "python", "node"])
def test_verifier_against_live_server(acct, run_bin, db, tmp_path, lang):
    cmd = verifier(lang)
    body, _ = acct.login(appAuthNToken=acct.app_token())
    token = body["idToken"]
    username = str(int(body["user"]["id"], 16))
    if lang == "c":     # the C example reads a saved set
        jwks = tmp_path / "certificates.json"
        with urllib.request.urlopen(acct.url("/1.0.0/certificates"),
                                    timeout=10) as r:
            jwks.write_bytes(r.read())
    else:
        jwks = acct.url("/1.0.0/certificates")
    r = run(cmd, jwks, token, ISSUER, AUDIENCE, LIVE_TITLE, username)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sub"] == body["user"]["id"]
    # The live token is another user's, and for another title.
    r = run(cmd, jwks, token, ISSUER, AUDIENCE, LIVE_TITLE,
            str(int(username) ^ 1))
    assert r.returncode == 1 and "rejected" in r.stderr, r
    r = run(cmd, jwks, token, ISSUER, AUDIENCE, "0100f2c00d4a8000", username)
    assert r.returncode == 1 and "rejected" in r.stderr, r
    # A golden token is signed by a key the server never published.
    cases = golden(run_bin, db, tmp_path / "golden")
    r = run(cmd, jwks, (tmp_path / "golden" / "valid.jwt").read_text().strip(),
            ISSUER, AUDIENCE, cases["title"], cases["username"])
    assert r.returncode == 1 and "rejected" in r.stderr, r
