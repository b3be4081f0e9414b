"""The user object is written two ways: by user_json() in SQL (login,
federation, user PATCH) and by lib/db/user_render.c (GET /1.0.0/users/<id>,
presence PATCH). They must never differ: each case here compares the two
for the same user, through every optional part (links, friend code, several
device accounts, live and lapsed presence)."""

import json

from baas_client import baas, baas_factory  # noqa: F401 (fixtures)
from test_friends_presence import PLAYING


def sql_user(baas, user):
    rows = baas.sql("SELECT user_json(%d)::text" % user.int_id)
    return json.loads(rows[0][0])


def assert_same(baas, user):
    got = baas.get_user(user)
    assert got == sql_user(baas, user)
    return got


def test_render_matches_user_json(baas):
    a = baas.user(nickname="Ren \"d\" \u00e9")
    first = assert_same(baas, a)
    assert first["links"] == {} and len(first["deviceAccounts"]) == 1

    # Friend code, a second device account, a Nintendo Account link.
    r = baas.call("POST", "/1.0.0/users/%s/generate_code" % a.id, a,
                  "type=NX", ctype="application/x-www-form-urlencoded")
    assert r.status == 200, r
    r = baas.call("POST", "/1.0.0/users/%s/device_accounts" % a.id, a)
    assert r.status == 201, r
    baas.sql("INSERT INTO na_links (user_id, na_id, created_at, updated_at) "
             "VALUES (%d, 'render-na-1', 5, 6)" % a.int_id)
    got = assert_same(baas, a)
    assert set(got["links"]) == {"nintendoAccount", "friendCode"}
    assert got["links"]["friendCode"]["regenerable"] is False
    assert len(got["deviceAccounts"]) == 2

    # Presence: the PATCH reply (rendered in C) is the user as SQL sees it.
    r = baas.presence(a, PLAYING)
    assert r.status == 200, r
    assert r.body == sql_user(baas, a)
    assert r.body["presence"]["state"] == "PLAYING"
    # Lapsed: OFFLINE with every group empty, in both.
    baas.sql("UPDATE users SET presence_expires_at = 100 WHERE id = %d" %
             a.int_id)
    got = assert_same(baas, a)
    assert got["presence"]["state"] == "OFFLINE"
    assert got["presence"]["logoutAt"] == 100
    # A regenerable code.
    baas.sql("UPDATE friend_codes SET regenerable_at = 1 WHERE user_id = %d"
             % a.int_id)
    got = assert_same(baas, a)
    assert got["links"]["friendCode"]["regenerable"] is True


def test_login_reply_matches_user_json(baas):
    a = baas.user(nickname="Login")
    anon = {"Authorization": "Bearer " + baas.anon_token()}
    r = baas.call("POST", "/1.0.0/login", headers=anon,
                  body="id=%s&password=%s" % (a.da, a.password),
                  ctype="application/x-www-form-urlencoded")
    assert r.status == 200, r
    assert r.body["user"] == sql_user(baas, a)


def test_device_account_list_follows_every_change(baas):
    # users.device_account_ids (0012) is kept by a trigger: added, removed,
    # reordered (created_at, then id) and moved device accounts show in the
    # C rendering exactly as user_json's subquery sees device_accounts.
    a = baas.user(nickname="Devices")
    b = baas.user(nickname="Other")
    for _ in range(3):
        r = baas.call("POST", "/1.0.0/users/%s/device_accounts" % a.id, a)
        assert r.status == 201, r
    got = assert_same(baas, a)
    assert len(got["deviceAccounts"]) == 4
    ids = [int(d["id"], 16) for d in got["deviceAccounts"]]
    # The same created_at for all: the order falls back to the id.
    baas.sql("UPDATE device_accounts SET created_at = 7 WHERE user_id = %d"
             % a.int_id)
    got = assert_same(baas, a)
    assert [int(d["id"], 16) for d in got["deviceAccounts"]] == sorted(ids)
    # The newest first by created_at.
    baas.sql("UPDATE device_accounts SET created_at = 1 WHERE id = %d"
             % max(ids))
    got = assert_same(baas, a)
    assert int(got["deviceAccounts"][0]["id"], 16) == max(ids)
    # Removed through the API (not the one a's token belongs to).
    others = [i for i in ids if "%016x" % i != a.da]
    gone = "%016x" % others[0]
    r = baas.call("DELETE", "/1.0.0/users/%s/device_accounts/%s" %
                  (a.id, gone), a)
    assert r.status in (200, 204), r
    got = assert_same(baas, a)
    assert gone not in [d["id"] for d in got["deviceAccounts"]]
    assert len(got["deviceAccounts"]) == 3
    # Moved to another user (what federation's import does).
    moved = others[1]
    baas.sql("UPDATE device_accounts SET user_id = %d WHERE id = %d" %
             (b.int_id, moved))
    assert "%016x" % moved not in [d["id"] for d in
                                    assert_same(baas, a)["deviceAccounts"]]
    assert "%016x" % moved in [d["id"] for d in
                                assert_same(baas, b)["deviceAccounts"]]
    # A device account's login writes (device_id) leave the list alone.
    baas.sql("UPDATE device_accounts SET device_id = 'x', updated_at = 9 "
             "WHERE user_id = %d" % a.int_id)
    assert_same(baas, a)
