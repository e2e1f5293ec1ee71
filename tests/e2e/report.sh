#!/usr/bin/env bash
# report.sh — vmemu report and vmemu export from the command line: exit
# statuses (0 fix, 1 regression, 2 bad input), refusal to overwrite, and
# parseable output.  Prints TAP.
set -u
VMEMU=${VMEMU:-$(pwd)/build/vmemu}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$ROOT" || exit 1
n=0
ok () { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
SEEDS="scenarios/seed-drop-caches.yaml scenarios/seed-reclaim.yaml"
echo "1..12"

"$VMEMU" report --baseline baseline --candidate patched -j 2 $SEEDS -o "$T/fix" >"$T/fix.out" 2>&1
ok $? "baseline -> patched exits 0 (a fix)"

# One batch of runs on engine/run's pool: the number of threads changes nothing
# (but the command line each file quotes).
for j in 1 4; do
  mkdir "$T/j$j"
  (cd "$T/j$j" && "$VMEMU" report -j $j "$ROOT/scenarios/seed-drop-caches.yaml" \
     "$ROOT/scenarios/seed-reclaim.yaml" "$ROOT/scenarios/thp-split.yaml" -o rep >out 2>&1)
  for f in "$T/j$j"/rep/*.* "$T/j$j/out"; do sed "s/ -j $j / -j J /" "$f" >"$f.cmp"; done
  for db in "$T/j$j"/rep/traces/*.db; do echo "$(basename "$db") $("$VMEMU" hash "$db")"; done >"$T/j$j/hashes"
done
same=0
[ "$(grep -c ' [0-9a-f]\{64\}$' "$T/j1/hashes")" = 6 ] || same=1
for f in out.cmp hashes rep/index.html.cmp rep/report.md.cmp rep/report-details.md.cmp \
         rep/report.json.cmp rep/junit.xml.cmp; do
  cmp -s "$T/j1/$f" "$T/j4/$f" || same=1
done
ok $same "-j 1 and -j 4 write the same report and traces"
for f in index.html report.md report.json junit.xml; do [ -s "$T/fix/$f" ] || missing=$f; done
ok "${missing:+1}${missing:-0}" "four files written"
grep -q "seed-reclaim: fixed: baseline data loss (as expected); patched clean (as expected)" "$T/fix.out"
ok $? "stdout names the fix"

"$VMEMU" report --baseline patched --candidate baseline $SEEDS -o "$T/reg" >/dev/null 2>&1
ok $([ $? = 1 ] && echo 0 || echo 1) "patched -> baseline exits 1 (a regression)"

"$VMEMU" report --regressions-only --baseline patched --candidate baseline $SEEDS -o "$T/fix" >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "an existing report is not replaced without --force"
"$VMEMU" report --force --regressions-only --baseline baseline --candidate patched $SEEDS -o "$T/fix" >/dev/null 2>&1
rc=$?
grep -q '"scenarios":\[\]' "$T/fix/report.json"; found=$?
ok $([ $rc = 0 ] && [ $found = 0 ] && echo 0 || echo 1) "--force replaces it; --regressions-only lists no fixed scenario"

"$VMEMU" report scenarios/no-such.yaml -o "$T/bad" >/dev/null 2>&1
rc=$?
ok $([ $rc = 2 ] && [ ! -e "$T/bad" ] && echo 0 || echo 1) "a missing scenario is bad input (exit 2, nothing written)"

"$VMEMU" report "$T/reg/traces/seed-reclaim.patched.db" "$T/reg/traces/seed-reclaim.baseline.db" -o "$T/pair" >/dev/null 2>&1
ok $([ $? = 1 ] && echo 0 || echo 1) "a pair of traces (patched, baseline) is a regression"

"$VMEMU" export "$T/reg/traces/seed-reclaim.baseline.db" --format chrome-json -o "$T/trace.json"
rc=$?
grep -q '"ph":"X"' "$T/trace.json" && grep -q '"ph":"C"' "$T/trace.json" && grep -q '"name":"data loss"' "$T/trace.json"; found=$?
ok $([ $rc = 0 ] && [ $found = 0 ] && echo 0 || echo 1) "export writes slices, counters and the loss"
"$VMEMU" export "$T/reg/traces/seed-reclaim.baseline.db" -o "$T/trace.json" >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "export does not replace a file without --force"

if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import json, sys, xml.dom.minidom as m
for p in sys.argv[1:3]: json.load(open(p))
m.parse(sys.argv[3]); m.parse(sys.argv[4])' "$T/reg/report.json" "$T/trace.json" "$T/reg/junit.xml" "$T/reg/index.html"
  ok $? "report.json and the export are JSON, junit.xml and index.html are XML (python3)"
else
  echo "ok $((n = n + 1)) # SKIP python3 not installed"
fi
