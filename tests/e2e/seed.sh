#!/usr/bin/env bash
# The seed scenarios end to end: baseline loses data (exit 1, the loss named),
# patched verifies clean (exit 0), the diff names the iomap step where they
# part, and two runs of the same scenario hash the same and diff as equal.
set -u
VMEMU=${VMEMU:-build/vmemu}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..14"
n=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
for s in seed-drop-caches seed-reclaim; do
  "$VMEMU" run scenarios/$s.yaml --variant baseline -o $tmp/$s-b.db >$tmp/out 2>&1; rc=$?
  t "$s: baseline exits 1" "[ $rc = 1 ]"
  t "$s: baseline names the lost range" "grep -q '^data loss: /data offset' $tmp/out"
  "$VMEMU" run scenarios/$s.yaml --variant patched -o $tmp/$s-p.db >$tmp/out 2>&1; rc=$?
  t "$s: patched exits 0" "[ $rc = 0 ]"
  "$VMEMU" diff $tmp/$s-b.db $tmp/$s-p.db >$tmp/diff 2>&1; rc=$?
  t "$s: diff exits 1" "[ $rc = 1 ]"
  t "$s: diff names iomap_page_create on page 0 with the bitmaps" \
    "grep -q 'first divergence at .*iomap_page_create on /data page 0.*bits 0000.*bits 1111' $tmp/diff"
  "$VMEMU" run scenarios/$s.yaml --variant baseline -o $tmp/$s-b2.db >/dev/null 2>&1
  t "$s: two runs hash the same" "[ \"\$($VMEMU hash $tmp/$s-b.db)\" = \"\$($VMEMU hash $tmp/$s-b2.db)\" ]"
  t "$s: diff of two runs is empty" "$VMEMU diff $tmp/$s-b.db $tmp/$s-b2.db >/dev/null 2>&1"
done
