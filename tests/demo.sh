#!/usr/bin/env bash
# make demo: run the seed scenarios under baseline and patched and show where
# the two kernels part.  Traces are kept in build/demo/ for further digging.
set -u
VMEMU=${1:-build/vmemu}
out=build/demo
mkdir -p "$out"
for s in seed-drop-caches seed-reclaim; do
  echo "=== $s"
  for v in baseline patched; do
    echo "--- vmemu run scenarios/$s.yaml --variant $v -o $out/$s-$v.db"
    "$VMEMU" run "scenarios/$s.yaml" --variant "$v" -o "$out/$s-$v.db" --force
    echo "(exit status $?)"
  done
  echo "--- vmemu diff $out/$s-baseline.db $out/$s-patched.db"
  "$VMEMU" diff "$out/$s-baseline.db" "$out/$s-patched.db" | sed -n '1,/^What each side/p' | sed '$d'
  echo
done
echo "traces: $out/*.db (sqlite3 $out/seed-reclaim-baseline.db 'select * from page_history where idx = 0')"
