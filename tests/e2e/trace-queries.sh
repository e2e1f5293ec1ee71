#!/bin/bash
# trace-queries.sh — the "Questions and their queries" of docs/trace-schema.md:
# each ```sql block runs on the seed-reclaim trace (baseline, seed 1) and its
# output must be the ```text block that follows it.  Skips when the sqlite3
# shell is absent (the queries are for users of that shell).
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "1..0 # SKIP the sqlite3 shell is not installed"
  exit 0
fi
$VMEMU run -q "$ROOT/scenarios/seed-reclaim.yaml" -o "$T/seed.db" >/dev/null
# Split the section into numbered q.N.sql / q.N.txt files.
awk -v dir="$T" '
  /^## Questions and their queries/ { on = 1; next }
  on && /^## / { on = 0 }
  !on { next }
  /^```sql$/ { q++; out = dir "/q." q ".sql"; next }
  /^```text$/ { out = dir "/q." q ".txt"; next }
  /^```$/ { out = ""; next }
  out != "" { print > out }
' "$ROOT/docs/trace-schema.md"
count=$(ls "$T"/q.*.sql 2>/dev/null | wc -l)
if [ "$count" -lt 5 ]; then
  echo "not ok 1 - found the queries in docs/trace-schema.md (only $count)"
  echo "1..1"; exit 0
fi
for sql in $(ls "$T"/q.*.sql | sort -t. -k2 -n); do
  n=$((n + 1))
  want="${sql%.sql}.txt"
  title=$(head -1 "$sql" | cut -c1-60)
  got=$(sqlite3 "$T/seed.db" < "$sql" 2>&1)
  if [ -f "$want" ] && [ "$got" = "$(cat "$want")" ]; then echo "ok $n - query $n: $title"
  else
    echo "not ok $n - query $n: $title"
    diff <(cat "$want" 2>/dev/null) <(echo "$got") | sed 's/^/#   /'
  fi
done
# The events' indexes are built by the first reader that needs them; a user of
# the sqlite3 shell creates them with the statements the page gives.
sqlite3 "$T/seed.db" "$(sed -n 's/^\(CREATE INDEX IF NOT EXISTS events_by_[a-z]* ON events ([a-z_, ]*);\)$/\1/p' \
  "$ROOT/docs/trace-schema.md")"
n=$((n + 1))
if [ "$(sqlite3 "$T/seed.db" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'events_by_%'")" = 3 ]
then echo "ok $n - the documented CREATE INDEX statements build the three event indexes"
else echo "not ok $n - the documented CREATE INDEX statements build the three event indexes"; fi
# page_refs must stay cheap on a large trace: it goes through events_by_page.
n=$((n + 1))
plan=$(sqlite3 "$T/seed.db" "EXPLAIN QUERY PLAN SELECT holder FROM page_refs WHERE run = 1 AND seq = 197")
if grep -q "USING INDEX events_by_page" <<<"$plan" && ! grep -q "SCAN e$\|SCAN r$" <<<"$plan"
then echo "ok $n - page_refs uses events_by_page"
else echo "not ok $n - page_refs uses events_by_page"; echo "$plan" | sed 's/^/#   /'; fi
n=$((n + 1))
plan=$(sqlite3 "$T/seed.db" "EXPLAIN QUERY PLAN SELECT * FROM page_history WHERE path = '/data' AND idx = 0")
if grep -q "SEARCH e USING INDEX events_by_page" <<<"$plan"
then echo "ok $n - a path filter on page_history uses events_by_page"
else echo "not ok $n - a path filter on page_history uses events_by_page"; echo "$plan" | sed 's/^/#   /'; fi
echo "1..$n"
