"""The schema prepared for distribution by user id (migrations/0015,
docs/SCALING.md "Distribution by user id"): the table map of the document
against the live schema (every table mapped; every unique index and primary
key of a distributed table includes its distribution column, except the
ones the document keeps until distribution time; foreign keys between
distributed tables go along the distribution column, except the ones the
document drops at distribution time), and the lookup tables (device
account, Nintendo Account, friend code -> user) following what the API
does to their rows."""

import re

from account_helpers import account_server, acct, bearer
from conftest import ROOT, http
from test_account_login import federate

_ = (account_server, acct)   # fixtures

DOC = ROOT / "docs" / "SCALING.md"
LOOKUPS = {
    # lookup table: (its key, source table, the source's key column)
    "device_account_owners": ("device_account_id", "device_accounts", "id"),
    "na_link_owners": ("na_id", "na_links", "na_id"),
    "friend_code_owners": ("code", "friend_codes", "code"),
}


def cols(text):
    """'`(a, b)`, `(c)`' -> [('a', 'b'), ('c',)]; '—' -> []."""
    return [tuple(c.strip() for c in m.split(","))
            for m in re.findall(r"\(([^)]*)\)", text)]


def doc_map():
    """The table map between the markers of docs/SCALING.md: {table:
    {"by": column or None (local), "group": ..., "keep": [unique column
    tuples kept until distribution time], "drop_fk": [foreign key column
    tuples dropped at distribution time]}}."""
    text = DOC.read_text()
    m = re.search(r"<!-- distribution-map:begin -->(.*?)"
                  r"<!-- distribution-map:end -->", text, re.S)
    assert m, "docs/SCALING.md has no distribution-map markers"
    tables = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        by = cells[1].strip("`")
        tables[name] = {"by": None if by.startswith("local") else by,
                        "group": cells[2], "keep": cols(cells[3]),
                        "drop_fk": cols(cells[4])}
    assert tables, "the distribution map has no rows"
    return tables


def unique_indexes(acct, table):
    """[(index name, (columns…))] of table's unique indexes (primary key
    included)."""
    rows = acct.sql(
        "SELECT i.indexrelid::regclass, string_agg(a.attname, ',' "
        "ORDER BY k.n) FROM pg_index i "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(att, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = k.att "
        "WHERE i.indrelid = '%s'::regclass AND i.indisunique "
        "GROUP BY i.indexrelid" % table)
    return [(r[0], tuple(r[1].split(","))) for r in rows]


def foreign_keys(acct):
    """[(table, (columns…), referenced table, (referenced columns…))]."""
    rows = acct.sql(
        "SELECT c.conrelid::regclass, c.confrelid::regclass, "
        "(SELECT string_agg(a.attname, ',' ORDER BY k.n) "
        " FROM unnest(c.conkey) WITH ORDINALITY AS k(att, n) "
        " JOIN pg_attribute a ON a.attrelid = c.conrelid "
        " AND a.attnum = k.att), "
        "(SELECT string_agg(a.attname, ',' ORDER BY k.n) "
        " FROM unnest(c.confkey) WITH ORDINALITY AS k(att, n) "
        " JOIN pg_attribute a ON a.attrelid = c.confrelid "
        " AND a.attnum = k.att) "
        "FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace "
        "WHERE c.contype = 'f' AND s.nspname = 'public'")
    return [(r[0], tuple(r[2].split(",")), r[1], tuple(r[3].split(",")))
            for r in rows]


def test_every_table_is_mapped(acct):
    tables = {r[0] for r in acct.sql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace s "
        "ON s.oid = c.relnamespace WHERE s.nspname = 'public' "
        "AND c.relkind IN ('r', 'p')")}
    mapped = set(doc_map())
    assert tables == mapped, (
        "tables without a row in the distribution map of docs/SCALING.md "
        "(decide how each is distributed): %s; rows for tables that do not "
        "exist: %s" % (sorted(tables - mapped), sorted(mapped - tables)))


def test_unique_keys_include_the_distribution_column(acct):
    for table, t in doc_map().items():
        if t["by"] is None:
            continue
        found = unique_indexes(acct, table)
        assert found, "%s has no primary key" % table
        without = sorted(c for _, c in found if t["by"] not in c)
        assert without == sorted(t["keep"]), (
            "%s: the unique keys without its distribution column %s are %s;"
            " docs/SCALING.md keeps %s until distribution time" % (
                table, t["by"], without, t["keep"]))
        pk = acct.sql("SELECT string_agg(a.attname, ',') FROM pg_index i "
                      "JOIN pg_attribute a ON a.attrelid = i.indrelid "
                      "AND a.attnum = ANY (i.indkey) "
                      "WHERE i.indrelid = '%s'::regclass "
                      "AND i.indisprimary" % table)[0][0]
        assert pk and t["by"] in pk.split(","), \
            "%s: primary key (%s) without %s" % (table, pk, t["by"])


def test_foreign_keys_follow_the_distribution_column(acct):
    tables = doc_map()
    dropped = {(name, c) for name, t in tables.items() for c in t["drop_fk"]}
    for table, fcols, ref, rcols in foreign_keys(acct):
        t, r = tables[table], tables[ref]
        if (table, fcols) in dropped:
            dropped.discard((table, fcols))
            continue
        assert t["by"] and r["by"] and t["group"] == r["group"], (
            "%s%s -> %s: not between co-located tables" % (table, fcols, ref))
        assert t["by"] in fcols and \
            rcols[fcols.index(t["by"])] == r["by"], (
                "%s%s -> %s%s does not pair the distribution columns %s, %s"
                % (table, fcols, ref, rcols, t["by"], r["by"]))
    assert not dropped, ("foreign keys docs/SCALING.md drops at "
                         "distribution time that do not exist: %s" % dropped)


def assert_lookups_in_step(acct):
    for lookup, (key, source, skey) in LOOKUPS.items():
        for a, b in ((lookup, source), (source, lookup)):
            ka, kb = (key, skey) if a == lookup else (skey, key)
            extra = acct.sql(
                "SELECT %s, user_id FROM %s EXCEPT SELECT %s, user_id "
                "FROM %s" % (ka, a, kb, b))
            assert extra == [], "%s has rows %s has not: %s" % (a, b, extra)


def owner(acct, lookup, key, value):
    rows = acct.sql("SELECT user_id FROM %s WHERE %s = %s" % (
        lookup, key, value))
    return ["%016x" % (int(r[0]) & 0xffffffffffffffff) for r in rows]


def hexkey(h):
    return "x'%s'::bigint" % h


def test_lookups_follow_the_api(acct):
    # Registration and added device accounts: one row each.
    owner_id, tok, da, _ = acct.new_user()
    r = http("POST", acct.url("/1.0.0/users/%s/device_accounts" %
                              owner_id), bearer(tok))
    assert r.status == 201, r
    d2 = r.body["id"]
    assert owner(acct, "device_account_owners", "device_account_id",
                 hexkey(da)) == [owner_id]
    assert owner(acct, "device_account_owners", "device_account_id",
                 hexkey(d2)) == [owner_id]
    # A deleted device account leaves (its push channel with it).
    assert http("PUT", acct.url("/1.0.0/push_channels/%s/%s" % (
        owner_id, d2)), bearer(tok),
        {"service": "NPNS", "deviceToken": "t"}).status == 200
    r = http("DELETE", acct.url("/1.0.0/users/%s/device_accounts/%s" % (
        owner_id, d2)), bearer(tok))
    assert r.status == 204, r
    assert owner(acct, "device_account_owners", "device_account_id",
                 hexkey(d2)) == []
    assert acct.sql("SELECT count(*) FROM push_channels WHERE "
                    "device_account_id = %s" % hexkey(d2)) == [["0"]]
    assert_lookups_in_step(acct)

    # Federation links, then imports another user's device account: the
    # device account (and its push channel) moves to the linked user.
    na = "d15700000000000a"
    temp = acct.register()
    temp_id, temp_da = temp["id"], temp["deviceAccounts"][0]["id"]
    _, temp_tok = acct.login(temp)
    assert http("PUT", acct.url("/1.0.0/push_channels/%s/%s" % (
        temp_id, temp_da)), bearer(temp_tok),
        {"service": "NPNS", "deviceToken": "moved"}).status == 200
    r = acct.post_form("/1.0.0/users/%s/link" % owner_id, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, tok)
    assert r.status == 200, r
    assert owner(acct, "na_link_owners", "na_id", "'%s'" % na) == [owner_id]
    r = federate(acct, temp, acct.na_token(na))
    assert r.status == 200 and r.body["user"]["id"] == owner_id, r
    assert owner(acct, "device_account_owners", "device_account_id",
                 hexkey(temp_da)) == [owner_id]
    assert acct.sql("SELECT user_id = %s FROM push_channels WHERE "
                    "device_account_id = %s" % (
                        hexkey(owner_id), hexkey(temp_da))) == [["t"]]
    assert_lookups_in_step(acct)

    # Another user cannot link the linked Nintendo Account.
    other, otok, _, _ = acct.new_user()
    r = acct.post_form("/1.0.0/users/%s/link" % other, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, otok)
    assert r.status == 409, r
    # Unlinking frees it.
    r = acct.post_form("/1.0.0/users/%s/unlink" % owner_id,
                       {"idp": "nintendoAccount"}, tok)
    assert r.status == 200, r
    assert owner(acct, "na_link_owners", "na_id", "'%s'" % na) == []
    r = acct.post_form("/1.0.0/users/%s/link" % other, {
        "idp": "nintendoAccount", "idToken": acct.na_token(na)}, otok)
    assert r.status == 200, r
    assert owner(acct, "na_link_owners", "na_id", "'%s'" % na) == [other]

    # Friend codes: every code issued stays in the lookup (never reused).
    codes = []
    for _ in range(2):
        r = acct.post_form("/1.0.0/users/%s/generate_code" % owner_id,
                           {"type": "NX"}, tok)
        assert r.status == 200, r
        codes.append(r.body["links"]["friendCode"]["id"].replace("-", ""))
        acct.sql("UPDATE friend_codes SET regenerable_at = 0 "
                 "WHERE user_id = %s" % hexkey(owner_id))
    assert codes[0] != codes[1]
    for c in codes:
        assert owner(acct, "friend_code_owners", "code", "'%s'" % c) == \
            [owner_id]
    assert_lookups_in_step(acct)


def test_sync_repairs_the_lookups(acct):
    """baas_sync_owner_lookups() after rows the triggers did not see (a
    load with session_replication_role = replica)."""
    uid, tok, da, _ = acct.new_user()
    r = acct.post_form("/1.0.0/users/%s/generate_code" % uid,
                       {"type": "NX"}, tok)
    assert r.status == 200, r
    acct.sql("SELECT baas_sync_owner_lookups()")
    damage = (
        "DELETE FROM device_account_owners WHERE device_account_id = %s" %
        hexkey(da),
        "DELETE FROM friend_code_owners WHERE user_id = %s" % hexkey(uid),
        "INSERT INTO na_link_owners VALUES ('stale-na', 1)",
        "UPDATE device_account_owners SET user_id = user_id + 1 "
        "WHERE device_account_id = %s" % hexkey(da))
    for sql in damage[:3]:
        acct.sql(sql)
    assert acct.sql("SELECT baas_sync_owner_lookups()") == [["3"]]
    assert_lookups_in_step(acct)
    acct.sql(damage[3])
    assert acct.sql("SELECT baas_sync_owner_lookups()") == [["1"]]
    assert_lookups_in_step(acct)
    assert acct.sql("SELECT baas_sync_owner_lookups()") == [["0"]]
