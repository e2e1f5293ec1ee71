#!/bin/bash
# determinism.sh — same inputs, same trace: every scenario in scenarios/ is run
# twice, both at once, and `vmemu hash` must agree.  With $VMEMU_OTHER set
# (make check-determinism: a clang -O0 build with ASan and UBSan) every hash
# must also equal that flavour's.  Prints TAP.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
root=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
other=${VMEMU_OTHER:-}

hash_of () {   # hash_of VMEMU SCENARIO DB: run (any outcome), then hash the trace
  rm -f "$3"
  $1 run -q "$2" -o "$3" >/dev/null 2>"$3.err"
  $1 hash "$3" 2>&1
}

# Valgrind adds nothing here (every scenario runs under it in scenarios.sh)
# and would take minutes: determinism is checked by make check and
# make check-determinism.
case "$VMEMU" in *valgrind*) echo "1..0 # SKIP determinism is not checked under valgrind"; exit 0 ;; esac

n=0
scenarios=("$root"/scenarios/*.yaml)
for s in "${scenarios[@]}"; do
  name=$(basename "$s" .yaml)
  # Two runs at once: nothing shared (files, temp names) may leak in.
  hash_of "$VMEMU" "$s" "$T/$name-b.db" > "$T/$name-b.hash" &
  a=$(hash_of "$VMEMU" "$s" "$T/$name-a.db")
  wait
  b=$(cat "$T/$name-b.hash")
  n=$((n + 1))
  if [[ "$a" =~ ^[0-9a-f]{64}$ ]] && [ "$a" = "$b" ]; then
    echo "ok $n - $name: two runs, one hash"
  else
    echo "not ok $n - $name: two runs, hashes $a / $b"
    sed 's/^/#   /' "$T/$name-a.db.err" | head -5
  fi
  if [ -n "$other" ]; then
    o=$(hash_of "$other" "$s" "$T/$name-o.db")
    n=$((n + 1))
    if [ "$a" = "$o" ]; then echo "ok $n - $name: same hash under $(basename "$(dirname "$other")")"
    else
      echo "not ok $n - $name: $a here, $o under $other"
      sed 's/^/#   /' "$T/$name-o.db.err" | head -5
    fi
  fi
done
echo "1..$n"
