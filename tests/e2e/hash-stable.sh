#!/usr/bin/env bash
# hash-stable.sh — issue 6 item 4: optimisation changes no trace.  `vmemu hash`
# of every scenario in scenarios/ must be the same for the binary under test
# ($VMEMU, the default -O2 build) and for a build at another optimisation level
# (-O0, built here into $BUILDDIR/hash-O0; and build/bench, the optimised
# flavour of `make bench`, when it exists).  Prints TAP.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
other_dir=${BUILDDIR:-$root/build}/hash-O0

scenarios=(scenarios/*.yaml)
# (build/bench is not used: it is rebuilt only by make bench and may be stale)
flavours=("$other_dir/vmemu")
echo "1..$(( ${#scenarios[@]} * ${#flavours[@]} + 1 ))"

# -O0 is the flavour furthest from the default -O2; an incremental build after
# the first time.
if make -s -j2 BUILDDIR="$other_dir" CFLAGS="-O0 -g" "$other_dir/vmemu" >"$tmp/build.log" 2>&1; then
  echo "ok 1 - built an -O0 flavour in $other_dir"
else
  echo "not ok 1 - cannot build the -O0 flavour"
  sed 's/^/# /' "$tmp/build.log" | tail -5
fi

hash_of() {   # hash_of VMEMU SCENARIO: the content fingerprint of its run
  rm -f "$tmp/t.db"
  "$1" run "$2" -o "$tmp/t.db" --force >/dev/null 2>&1
  "$1" hash "$tmp/t.db" 2>&1
}

n=1
for s in "${scenarios[@]}"; do
  want=$(hash_of "$VMEMU" "$s")
  for v in "${flavours[@]}"; do
    n=$((n + 1))
    got=$(hash_of "$v" "$s")
    if [[ "$want" =~ ^[0-9a-f]{64}$ ]] && [ "$want" = "$got" ]; then
      echo "ok $n - $s: same hash under $(basename "$(dirname "$v")")"
    else
      echo "not ok $n - $s: $want (default) vs $got ($v)"
    fi
  done
done
