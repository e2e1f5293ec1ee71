#!/usr/bin/env bash
# fs-ops.sh — the filesystem-operation scenarios (scenarios/fs-*.yaml) under
# baseline and patched: the exit status matches the scenario's expect: (0
# clean, 1 data loss) and, when sqlite3 is installed, no operation returned
# an error (sys_exit result < 0).  Then the std fsx example (fallocate,
# punch, zero, collapse, insert, copy, truncate, mmap) replays byte-exact
# with no operation failing.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
have_sqlite=0
command -v sqlite3 >/dev/null 2>&1 && have_sqlite=1
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

files=("$ROOT"/scenarios/fs-*.yaml)
ex="$ROOT/../shared/fsx-examples/g127-std-mmap-seed191110531-n200.fsxops"
echo "1..$(( ${#files[@]} * 4 + 2 ))"

errors_in () {   # errors_in DB: "op:result" of every failed op, empty if none
  sqlite3 "$1" "SELECT group_concat(detail || ':' || a3, ' ') FROM events_named
                WHERE name = 'sys_exit' AND a3 < 0"
}

for f in "${files[@]}"; do
  b=$(basename "$f" .yaml)
  for v in baseline patched; do
    db="$T/$b-$v.db"
    out=$($VMEMU run "$f" --variant "$v" -o "$db" 2>&1); rc=$?
    want=$(printf '%s\n' "$out" | sed -n "s/^expectation for $v: \([a-z-]*\), .*/\1/p")
    if [ -z "$want" ]; then nok "$b under $v: no expect: for $v ($out)"
    elif [ "$want" = clean ] && [ $rc = 0 ]; then ok "$b under $v: clean as expected"
    elif [ "$want" = data-loss ] && [ $rc = 1 ]; then ok "$b under $v: data loss as expected"
    else nok "$b under $v: expected $want, exit $rc: $(printf '%s' "$out" | tail -1)"; fi
    if [ $have_sqlite = 0 ]; then skip "$b under $v: no op error" "sqlite3 not installed"
    else
      e=$(errors_in "$db")
      if [ -z "$e" ]; then ok "$b under $v: no op error"; else nok "$b under $v: op errors: $e"; fi
    fi
  done
done

if [ ! -f "$ex" ]; then
  skip "fsx std example byte-exact" "$ex missing"
  skip "fsx std example: no op error" "$ex missing"
  exit 0
fi
mkdir -p "$T/dump"
$VMEMU run --fsx "$ex" --fsx-seed 191110531 --fsx-length 262144 --variant patched \
  --dump-files "$T/dump" -o "$T/fsx.db" -q >/dev/null 2>&1; rc=$?
sha=$(sha256sum "$T/dump/fsx" 2>/dev/null | awk '{print $1}')
if [ $rc = 0 ] && [ "$sha" = d306cd50a2f180c29f24f9b79195395ee6f4953172694931f9a64fe48064ffba ]; then
  ok "fsx std example byte-exact"
else nok "fsx std example byte-exact (exit $rc, sha256 $sha)"; fi
if [ $have_sqlite = 0 ]; then skip "fsx std example: no op error" "sqlite3 not installed"
else
  e=$(errors_in "$T/fsx.db")
  if [ -z "$e" ]; then ok "fsx std example: no op error"; else nok "fsx std example: op errors: $e"; fi
fi
