#!/bin/bash
# fuzz-regress.sh — every input that once made a fuzz target fail
# (tests/fuzz/regress-*/) goes through the CLI: status 0, 1, 2 or 3 (cannot
# judge), at most one
# line on stderr, and no crash (status > 2 includes sanitizer and valgrind
# failures).  The fuzz targets themselves replay them in `make fuzz`.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
HERE=$(cd "$(dirname "$0")/../fuzz" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
check () {   # check NAME vmemu-args...
  local what=$1; shift
  local rc lines
  $VMEMU "$@" >/dev/null 2>"$T/err"; rc=$?
  lines=$(wc -l < "$T/err")
  n=$((n + 1))
  if { [ "$rc" -le 2 ] || [ "$rc" = 3 ]; } && [ "$lines" -le 1 ]; then echo "ok $n - $what (status $rc)"
  else echo "not ok $n - $what: status $rc, $lines lines on stderr"; sed 's/^/#   /' "$T/err" | head -20; fi
}
shopt -s nullglob
for f in "$HERE"/regress-scenario/*; do
  check "scenario $(basename "$f"): validate" validate "$f"
done
for f in "$HERE"/regress-run/*; do
  check "run $(basename "$f"): run" run "$f"
done
for f in "$HERE"/regress-fsx/*; do
  tail -c +2 "$f" > "$T/ops"   # the first byte selects fuzz-fsx's options
  check "fsx $(basename "$f"): import-fsx" import-fsx "$T/ops"
done
for f in "$HERE"/regress-tracedb/*; do
  check "tracedb $(basename "$f"): hash" hash "$f"
  check "tracedb $(basename "$f"): diff with itself" diff "$f" "$f"
done
echo "1..$n"
