"""Presence PATCHes run several to a statement (lib/db/presence_batch.c). A
batch forms while another is out, so these tests hold the first PATCH on a
table lock taken in psql (the statement reads na_links), queue the others
behind it on a one-loop server, then let go: the queued ones go out
together. Each request must still get its own user, its own 404, or (when
the batch statement fails) its own error, and the database must hold what
each one asked for. A row held by another transaction must not stall the
batch: that patch alone waits."""

import json
import re
import subprocess
import threading
import time

from baas_client import baas_factory  # noqa: F401 (fixture)
from conftest import assert_problem


def app_field(note):
    """appField is a string holding a JSON object."""
    return json.dumps({"Description": note})


def presence_ops(note, state="PLAYING"):
    return [{"op": "replace", "path": "/presence/state", "value": state},
            {"op": "add", "path": "/presence/extras/friends/appField",
             "value": app_field(note)}]


class Held:
    """A transaction in psql holding a lock until release(): lock_sql
    takes it and prints "held"."""

    def __init__(self, baas, lock_sql):
        self.baas = baas
        self.proc = subprocess.Popen(
            ["psql", baas.server.db_url, "-XAtq", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.proc.stdin.write("BEGIN;\n%s;\nSELECT 'held';\n" % lock_sql)
        self.proc.stdin.flush()
        for line in self.proc.stdout:     # lock_sql may print rows first
            if line.strip() == "held":
                break
        else:
            raise AssertionError("psql did not take the lock")

    def wait_for_waiter(self, timeout=10):
        """Until some backend waits for a lock (the held PATCH)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if int(self.baas.sql("SELECT count(*) FROM pg_locks "
                                 "WHERE NOT granted")[0][0]) > 0:
                return
            time.sleep(0.05)
        raise AssertionError("no PATCH waited for the lock")

    def release(self):
        self.proc.communicate("COMMIT;\n", timeout=10)


def hold_table(baas):
    """Every presence statement reads na_links: this stalls them all."""
    return Held(baas, "LOCK TABLE na_links IN ACCESS EXCLUSIVE MODE")


def hold_row(baas, user):
    return Held(baas, "SELECT 1 FROM users WHERE id = %d FOR UPDATE"
                % user.int_id)


def run_all(calls):
    """Starts every call in its own thread; returns a join() giving the
    results in order."""
    out = [None] * len(calls)
    errors = []

    def run(i, fn):
        try:
            out[i] = fn()
        except Exception as e:  # reported by join
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn))
               for i, fn in enumerate(calls)]
    for t in threads:
        t.start()

    def join():
        for t in threads:
            t.join(60)
        assert not errors, errors
        return out
    return join


def batch_sizes(log):
    return [int(n) for n in re.findall(r"presence: a batch of (\d+)", log)]


def stored_note(baas, user):
    """(state, note) as stored; note "" when there is no appField."""
    rows = baas.sql("SELECT presence_state, presence_extras->'friends'->>"
                    "'appField' FROM users WHERE id = %d" % user.int_id)
    state, field = rows[0]
    return state, json.loads(field)["Description"] if field else ""


def reply_note(resp):
    return json.loads(resp.body["presence"]["extras"]["friends"]["appField"])[
        "Description"]


def held_then_batched(baas, calls):
    """Runs calls[0] held on a table lock, the rest queued behind it;
    returns their results and the batch sizes logged meanwhile."""
    lock = hold_table(baas)
    mark = baas.server.log_mark()
    join_first = run_all(calls[:1])
    lock.wait_for_waiter()
    join_rest = run_all(calls[1:])
    time.sleep(0.5)     # the rest reach the server and queue
    lock.release()
    results = join_first() + join_rest()
    # Every patch went out in some batch; the server's log is read by a
    # thread of its own, so its last lines may still be on the way.
    deadline = time.time() + 5
    sizes = batch_sizes(baas.server.log(mark))
    while sum(sizes) < len(calls) and time.time() < deadline:
        time.sleep(0.05)
        sizes = batch_sizes(baas.server.log(mark))
    return results, sizes


def test_batched_patches_each_get_their_own_reply(baas_factory):
    baas = baas_factory(BAAS_THREADS="1", BAAS_LOG_LEVEL="debug")
    holder = baas.user()
    users = [baas.user() for _ in range(8)]
    twice = baas.user()
    stranger = baas.user()

    def patch(user, note, da=None):
        return lambda: baas.patch("/1.0.0/users/%s/device_accounts/%s" % (
            user.id, da or user.da), user, presence_ops(note))

    calls = [patch(holder, "held")]
    calls += [patch(u, "note %d" % i) for i, u in enumerate(users)]
    # The same user twice: the second waits for the next batch.
    calls += [patch(twice, "first"), patch(twice, "second")]
    # A device account that is not the user's: 404 for it alone.
    calls += [patch(stranger, "x", da=holder.da)]
    results, sizes = held_then_batched(baas, calls)

    assert max(sizes) >= 2, sizes
    assert results[0].status == 200, results[0]
    assert reply_note(results[0]) == "held"
    for i, u in enumerate(users):
        r = results[1 + i]
        assert r.status == 200, r
        assert r.body["id"] == u.id
        assert r.body["presence"]["state"] == "PLAYING"
        assert reply_note(r) == "note %d" % i
        assert stored_note(baas, u) == ("PLAYING", "note %d" % i)
    first, second = results[1 + len(users)], results[2 + len(users)]
    assert first.status == 200 and second.status == 200, (first, second)
    notes = {reply_note(first), reply_note(second)}
    assert notes == {"first", "second"}
    # Two in one batch would have shown the same row twice.
    assert stored_note(baas, twice)[1] in notes
    assert_problem(results[-1], 404, "resource_is_not_found")
    assert stored_note(baas, stranger) == ("OFFLINE", "")


def test_a_failing_batch_runs_each_patch_alone(baas_factory):
    baas = baas_factory(BAAS_THREADS="1", BAAS_LOG_LEVEL="debug")
    holder = baas.user()
    users = [baas.user() for _ in range(4)]
    poisoned = baas.user()
    # A fault only this user's update meets: its batch fails as a whole.
    baas.sql("CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql "
             "AS $$BEGIN RAISE EXCEPTION 'poisoned'; END$$; "
             "CREATE TRIGGER test_poison BEFORE UPDATE ON users FOR EACH ROW "
             "WHEN (NEW.id = %d) EXECUTE FUNCTION test_poison()"
             % poisoned.int_id)

    def patch(user, note):
        return lambda: baas.presence(user, presence_ops(note))

    calls = [patch(holder, "held")]
    calls += [patch(u, "note %d" % i) for i, u in enumerate(users)]
    calls += [patch(poisoned, "never")]
    results, sizes = held_then_batched(baas, calls)

    assert max(sizes) >= 2, sizes
    for i, u in enumerate(users):
        r = results[1 + i]
        assert r.status == 200, r
        assert reply_note(r) == "note %d" % i
        assert stored_note(baas, u) == ("PLAYING", "note %d" % i)
    bad = results[-1]
    assert bad.status == 500, bad
    assert json.loads(bad.raw)["errorCode"] == "internal_server_error"
    assert stored_note(baas, poisoned) == ("OFFLINE", "")
    baas.sql("DROP TRIGGER test_poison ON users")
    r = baas.presence(poisoned, presence_ops("now"))
    assert r.status == 200, r


def test_a_held_row_stalls_only_its_own_patch(baas_factory):
    baas = baas_factory(BAAS_THREADS="1")
    held, others = baas.user(), [baas.user() for _ in range(4)]
    lock = hold_row(baas, held)
    try:
        join_held = run_all([lambda: baas.presence(held,
                                                   presence_ops("late"))])
        lock.wait_for_waiter()
        # Batches keep going past the held row, one after another.
        for i, u in enumerate(others):
            r = baas.presence(u, presence_ops("on time %d" % i))
            assert r.status == 200, r
            assert stored_note(baas, u) == ("PLAYING", "on time %d" % i)
        assert stored_note(baas, held) == ("OFFLINE", "")
    finally:
        lock.release()
    r = join_held()[0]
    assert r.status == 200, r
    assert reply_note(r) == "late"
    assert stored_note(baas, held) == ("PLAYING", "late")


def test_database_down_is_503_then_recovers(baas_factory, make_cluster):
    cluster = make_cluster()
    baas = baas_factory(db_url=cluster.create_db())
    user = baas.user()
    cluster.stop()
    r = baas.presence(user, presence_ops("down"))
    assert_problem(r, 503, "under_maintenance")
    cluster.start()
    deadline = time.time() + 15
    while time.time() < deadline:
        r = baas.presence(user, presence_ops("back"))
        if r.status == 200:
            break
        assert_problem(r, 503, "under_maintenance")
        time.sleep(0.25)
    assert r.status == 200, r
    assert reply_note(r) == "back"
    assert stored_note(baas, user) == ("PLAYING", "back")
