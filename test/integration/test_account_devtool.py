"""The commands for integration suites (README "Using it in integration
suites"): dev-dauth-key, mint-device-token and create-user, then the real
console flow with what they made, against the default verify policy."""

import re

import jwt
import pytest

from account_helpers import DAUTH_AUD, DAUTH_ISS, FORM
from conftest import http, new_keys_dir

LINE = re.compile(r"^([0-9a-f]{16}) ([0-9a-f]{16}) ([A-Za-z0-9]{40})$")


@pytest.fixture
def db(pg):
    url = pg.create_db()
    yield url
    pg.drop_db(url)


def test_dev_key_mint_create_and_login(run_bin, start_server, workdir, db):
    keys = new_keys_dir(workdir)
    r = run_bin(["dev-dauth-key"], keys_dir=keys, db_url=db)
    assert r.returncode == 0, r.stderr
    priv = keys / "dauth-dev" / "private.pem"
    pub = keys / "dauth" / "dauth-dev.pem"
    assert priv.exists() and pub.exists()
    assert (priv.stat().st_mode & 0o077) == 0
    assert b"PRIVATE" not in pub.read_bytes()
    # Idempotent: the same key the second time.
    before = pub.read_bytes()
    assert run_bin(["dev-dauth-key"], keys_dir=keys,
                   db_url=db).returncode == 0
    assert pub.read_bytes() == before

    r = run_bin(["mint-device-token", "0123456789ABCDEF"], keys_dir=keys,
                db_url=db)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    c = jwt.decode(token, pub.read_bytes(), algorithms=["RS256"],
                   audience=DAUTH_AUD, issuer=DAUTH_ISS)
    assert c["sub"] == "0123456789abcdef"
    assert set(c["nintendo"]) == {"sn", "pc", "dt", "ist"}
    assert c["exp"] > c["iat"]

    r = run_bin(["create-user", "3"], keys_dir=keys, db_url=db)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3
    users = [LINE.match(line).groups() for line in lines]
    assert len({u[0] for u in users}) == 3

    srv = start_server(keys_dir=keys, db_url=db,
                       BAAS_DEVICE_TOKEN_POLICY="verify")
    r = http("POST", srv.url("/1.0.0/application/token"),
             {"Content-Type": FORM},
             "grantType=public_client&assertion=" + token)
    assert r.status == 200, r
    anon = r.body["accessToken"]
    for uid, da, pw in users:
        r = http("POST", srv.url("/1.0.0/login"),
                 {"Content-Type": FORM, "Authorization": "Bearer " + anon},
                 "id=%s&password=%s" % (da, pw))
        assert r.status == 200, r
        assert r.body["user"]["id"] == uid
        assert r.body["user"]["deviceAccounts"] == [{"id": da}]


def test_mint_needs_the_key(run_bin, workdir):
    keys = new_keys_dir(workdir)
    r = run_bin(["mint-device-token", "0123456789abcdef"], keys_dir=keys)
    assert r.returncode == 1
    assert "dev-dauth-key" in r.stderr


@pytest.mark.parametrize("args", [
    ["mint-device-token"], ["mint-device-token", "xyz"],
    ["mint-device-token", "0123"], ["create-user", "0"],
    ["create-user", "many"], ["create-user", "1", "2"],
    ["dev-dauth-key", "extra"]])
def test_bad_arguments(run_bin, args):
    r = run_bin(args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "usage" in r.stderr
