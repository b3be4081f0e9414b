#!/bin/sh
# bench/cleanup.sh: the periodic clean-up of friend requests (migrations/
# 0010, lib/db/cleanup.c) on a seeded table: ROWS (default 100000) requests
# answered 100 days ago, beside LIVE (default 10000) pending ones that stay.
# Prints the rows removed per second (from the first batch to the last, as
# the server's metrics count them) and the table's size before, right after
# (dead rows still there), after a VACUUM (their space free for reuse), and
# once ROWS new rows were written into that space.
#
#   bench/cleanup.sh              # builds nothing: run `make` first
#
# A fresh database "baas_bench_cleanup" in the private cluster under var/pg,
# dropped on exit (kept with KEEP_DB=1); build/baas-server on free loopback
# ports with BAAS_CLEANUP_INTERVAL=1 and BAAS_CLEANUP_BATCH (default 1000).
set -eu

cd "$(dirname "$0")/.."
. bench/lib.sh
ROWS=${ROWS:-100000}
LIVE=${LIVE:-10000}
BATCH=${BAAS_CLEANUP_BATCH:-1000}
BIN=${BAAS_SERVER_BIN:-build/baas-server}
DB=baas_bench_cleanup

[ -x "$BIN" ] || { echo "bench: $BIN missing (make)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
admin_url=""
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

scripts/pg.sh start var/pg >/dev/null
base_url=$(scripts/pg.sh url var/pg)
admin_url=$(echo "$base_url" | sed 's/dbname=[^ ]*/dbname=postgres/')
db_url=$(echo "$base_url" | sed "s/dbname=[^ ]*/dbname=$DB/")
psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
    -c "CREATE DATABASE $DB" >/dev/null 2>&1
BAAS_DATABASE_URL=$db_url "$BIN" migrate >/dev/null 2>&1

sql() {
	psql "$db_url" -XAtq -v ON_ERROR_STOP=1 -c "$1"
}

# 1000 users; requests between them (pending ones each pair once).
sql "INSERT INTO users (id, nickname_updated_at, presence_updated_at,
    personal_analytics_updated_at, personal_notification_updated_at,
    presence_state_updated_at, blocks_updated_at, friends_updated_at,
    created_at, updated_at, etag)
    SELECT g, 1, 1, 1, 1, 1, 1, 1, 1, 1, 'seed'
    FROM generate_series(1, 1000) g" >/dev/null
sql "INSERT INTO friend_requests (id, sender_id, receiver_id, state,
    created_at, updated_at)
    SELECT g, 1 + g % 500, 501 + g % 499,
    (ARRAY['AUTHORIZED','REJECTED','CANCELED'])[1 + g % 3],
    baas_now() - 100 * 86400, baas_now() - 100 * 86400 + g % 86400
    FROM generate_series(1, $ROWS) g" >/dev/null
sql "INSERT INTO friend_requests (id, sender_id, receiver_id, state,
    created_at, updated_at)
    SELECT $ROWS + g, 1 + (g - 1) / 500, 501 + (g - 1) % 500, 'PENDING',
    baas_now() - g % 86400, baas_now() - g % 86400
    FROM generate_series(1, $LIVE) g" >/dev/null
sql "VACUUM ANALYZE friend_requests"
size() {
	sql "SELECT pg_size_pretty(pg_total_relation_size('friend_requests'))
	    || ' (' || (SELECT count(*) FROM friend_requests) || ' rows)'"
}
before=$(size)

port=$(free_port)
mport=$(free_port)
BAAS_DATABASE_URL=$db_url BAAS_HTTP_ADDR=127.0.0.1:$port BAAS_HTTPS_ADDR=off \
BAAS_METRICS_ADDR=127.0.0.1:$mport BAAS_KEYS_DIR=$tmp/keys \
BAAS_TRUSTED_ID_KEYS=$tmp/keys/trusted-id \
BAAS_CLEANUP_INTERVAL=1 BAAS_CLEANUP_BATCH=$BATCH BAAS_LOG_LEVEL=info \
    "$BIN" 2>"$tmp/baas.log" &
pid=$!
wait_http "http://127.0.0.1:$mport/metrics" ||
    { tail -n 20 "$tmp/baas.log" >&2; exit 1; }

# Until the server logs its run (one info line when it removed something).
i=0
until grep -q "cleanup: friend requests" "$tmp/baas.log"; do
	i=$((i + 1))
	[ $i -lt 1200 ] || { echo "bench: no clean-up within 120 s" >&2; exit 1; }
	sleep 0.1
done
line=$(grep "cleanup: friend requests" "$tmp/baas.log" | head -n 1)
ms=$(echo "$line" | sed -n 's/.* \([0-9]*\) ms.*/\1/p')
deleted=$(echo "$line" | sed -n 's/.*deleted \([0-9]*\) .*/\1/p')
after=$(size)
sql "VACUUM friend_requests"
vacuumed=$(size)
# The freed space takes new rows: the table does not grow again.
sql "INSERT INTO friend_requests (id, sender_id, receiver_id, state,
    created_at, updated_at)
    SELECT 2 * $ROWS + g, 1 + g % 500, 501 + g % 499, 'REJECTED',
    baas_now(), baas_now() FROM generate_series(1, $ROWS) g" >/dev/null
refilled=$(size)

echo "bench: $line" >&2
printf '%-44s %s\n' "rows deleted (batch $BATCH)" "$deleted"
printf '%-44s %s\n' "time, first batch to last (ms)" "$ms"
printf '%-44s %s\n' "rows removed per second" \
    "$(( deleted * 1000 / (ms > 0 ? ms : 1) ))"
printf '%-44s %s\n' "friend_requests before" "$before"
printf '%-44s %s\n' "friend_requests right after" "$after"
printf '%-44s %s\n' "friend_requests after VACUUM" "$vacuumed"
printf '%-44s %s\n' "then $ROWS new rows (in the freed space)" "$refilled"
