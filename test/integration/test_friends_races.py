"""Friends under concurrency, with real concurrent clients (threads released
together by a barrier): two users sending each other a request at once,
the same request sent twice, accepting twice, accept against cancel, block
against accept, and many accepts racing for the last of 300 places. The
invariants are checked in the database as well as over HTTP."""

import threading

from baas_client import baas, baas_factory  # noqa: F401 (fixtures)
from conftest import assert_problem

ROUNDS = 8


def race(*calls):
    """Runs the calls at the same moment; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    out = [None] * len(calls)
    errors = []

    def run(i, fn):
        try:
            barrier.wait(10)
            out[i] = fn()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn))
               for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return out


def friendship_rows(baas, a, b):
    return int(baas.sql(
        "SELECT count(*) FROM friendships WHERE (owner_id = %d AND "
        "friend_id = %d) OR (owner_id = %d AND friend_id = %d)" % (
            a.int_id, b.int_id, b.int_id, a.int_id))[0][0])


def pair_requests(baas, a, b):
    return baas.sql(
        "SELECT state FROM friend_requests WHERE (sender_id = %d AND "
        "receiver_id = %d) OR (sender_id = %d AND receiver_id = %d) "
        "ORDER BY state" % (a.int_id, b.int_id, b.int_id, a.int_id))


def test_mutual_requests_make_one_friendship(baas):
    for _ in range(ROUNDS):
        a, b = baas.user(), baas.user()
        r1, r2 = race(lambda: baas.send_request(a, b),
                      lambda: baas.send_request(b, a))
        assert r1.status == 201 and r2.status == 201, (r1, r2)
        assert sorted([r1.body["state"], r2.body["state"]]) == \
            ["AUTHORIZED", "PENDING"], (r1.body, r2.body)
        assert friendship_rows(baas, a, b) == 2
        assert pair_requests(baas, a, b) == [["AUTHORIZED"], ["AUTHORIZED"]]
        assert baas.friend_ids(a) == [b.id]
        assert baas.friend_ids(b) == [a.id]


def test_duplicate_requests_at_once(baas):
    for _ in range(ROUNDS):
        a, b = baas.user(), baas.user()
        rs = race(*[lambda: baas.send_request(a, b)] * 4)
        assert sorted(r.status for r in rs) == [201, 409, 409, 409], rs
        for r in rs:
            if r.status == 409:
                assert_problem(r, 409, "resource_already_exists")
        assert pair_requests(baas, a, b) == [["PENDING"]]


def test_double_accept(baas):
    for _ in range(ROUNDS):
        a, b = baas.user(), baas.user()
        rid = baas.send_request(a, b).body["id"]
        r1, r2 = race(lambda: baas.answer(b, rid, "AUTHORIZED"),
                      lambda: baas.answer(b, rid, "AUTHORIZED"))
        assert sorted([r1.status, r2.status]) == [200, 400], (r1, r2)
        loser = r1 if r1.status == 400 else r2
        assert_problem(loser, 400, "invalid_operation")
        assert friendship_rows(baas, a, b) == 2
        assert pair_requests(baas, a, b) == [["AUTHORIZED"]]


def test_accept_against_cancel(baas):
    outcomes = set()
    for _ in range(ROUNDS):
        a, b = baas.user(), baas.user()
        rid = baas.send_request(a, b).body["id"]
        acc, can = race(lambda: baas.answer(b, rid, "AUTHORIZED"),
                        lambda: baas.answer(a, rid, "CANCELED"))
        assert sorted([acc.status, can.status]) == [200, 400], (acc, can)
        state = pair_requests(baas, a, b)
        if acc.status == 200:
            outcomes.add("accepted")
            assert_problem(can, 400, "invalid_operation")
            assert state == [["AUTHORIZED"]]
            assert friendship_rows(baas, a, b) == 2
        else:
            outcomes.add("canceled")
            assert_problem(acc, 400, "invalid_operation")
            assert state == [["CANCELED"]]
            assert friendship_rows(baas, a, b) == 0
    assert outcomes  # at least one round decided


def test_block_against_accept(baas):
    for _ in range(ROUNDS):
        a, b = baas.user(), baas.user()
        rid = baas.send_request(a, b).body["id"]
        blk, acc = race(
            lambda: baas.call("POST", "/1.0.0/users/%s/blocks" % a.id, a,
                              {"targetUserId": b.id}),
            lambda: baas.answer(b, rid, "AUTHORIZED"))
        assert blk.status == 201, blk
        assert acc.status in (200, 400), acc
        # Whatever the order, the block wins: no friendship, no pending.
        assert friendship_rows(baas, a, b) == 0
        state = pair_requests(baas, a, b)[0][0]
        assert state == ("AUTHORIZED" if acc.status == 200 else "CANCELED")


def test_many_accepts_at_the_cap(baas):
    """x has 299 friends and 12 pending requests it accepts at once: exactly
    one gets the last place."""
    x = baas.user()
    baas.seed_friends(x, 299)
    senders = [baas.user() for _ in range(12)]
    rids = [baas.send_request(s, x).body["id"] for s in senders]
    rs = race(*[lambda rid=rid: baas.answer(x, rid, "AUTHORIZED")
                for rid in rids])
    ok = [r for r in rs if r.status == 200]
    assert len(ok) == 1, rs
    for r in rs:
        if r.status != 200:
            assert_problem(r, 400, "receiver_friend_capacity_is_full")
    assert baas.friends(x)["count"] == 300
    assert int(baas.sql("SELECT count(*) FROM friendships WHERE owner_id = %d"
                        % x.int_id)[0][0]) == 300
    # The count the accepts read (migration 0019) says the same.
    assert int(baas.sql("SELECT friend_count FROM users WHERE id = %d"
                        % x.int_id)[0][0]) == 300


def test_many_receivers_accept_a_full_sender(baas):
    """x (299 friends) sent 12 requests; the receivers accept at once."""
    x = baas.user()
    baas.seed_friends(x, 299)
    receivers = [baas.user() for _ in range(12)]
    rids = [(r, baas.send_request(x, r).body["id"]) for r in receivers]
    rs = race(*[lambda r=r, rid=rid: baas.answer(r, rid, "AUTHORIZED")
                for r, rid in rids])
    assert sum(r.status == 200 for r in rs) == 1, rs
    for r in rs:
        if r.status != 200:
            assert_problem(r, 400, "sender_friend_capacity_is_full")
    assert baas.friends(x)["count"] == 300


def test_mutual_requests_at_the_cap(baas):
    """Reciprocal sends racing for x's last place."""
    x = baas.user()
    baas.seed_friends(x, 299)
    others = [baas.user() for _ in range(6)]
    for o in others:
        assert baas.send_request(o, x).status == 201
    rs = race(*[lambda o=o: baas.send_request(x, o) for o in others])
    assert sum(r.status == 201 for r in rs) == 1, rs
    for r in rs:
        if r.status != 201:
            assert_problem(r, 400, "sender_friend_capacity_is_full")
    assert baas.friends(x)["count"] == 300
