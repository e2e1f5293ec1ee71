#!/usr/bin/env bash
# docs/patching.md, followed: the variant files marked `variant-file` in the
# page are written out of tree, built with `make VARIANTS_EXTRA=...` into a
# build directory of their own, and run on the seed scenarios.  The fix
# written as a replacement iomap_page_create must verify clean (and give the
# same traces as the built-in `patched`), the wrong fix must lose, and the
# 5.14 pair as one file must match the built-in v5-14.  $VMEMU (the default
# build) provides the built-in variants to compare with.
set -u
VMEMU=${VMEMU:-build/vmemu}
cd "$(dirname "$0")/../.."
root=$PWD
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
seeds=$(ls scenarios/seed-*.yaml)
nseeds=$(echo "$seeds" | wc -l)
echo "1..$((12 + 6 * nseeds))"
n=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }

# The files, exactly as the page shows them.
mkdir -p "$tmp/fixes"
awk -v dir="$tmp/fixes" '
  /^<!-- variant-file: .* -->$/ { name = $3; next }
  name != "" && /^```c$/ { out = dir "/" name; printf "" > out; copying = 1; next }
  copying && /^```$/ { copying = 0; close(out); name = ""; next }
  copying { print >> out }
' docs/patching.md
t "docs/patching.md has the three variant files" \
  "[ -s $tmp/fixes/my-create-fill.c ] && [ -s $tmp/fixes/wrong-fill.c ] && [ -s $tmp/fixes/iop-at-writeback.c ]"

# Step 3: one build of the library with the three files, outside the tree's
# build directory (the outer make's variables are not passed down), at the
# lowest priority so that the timing tests running beside it keep the CPU.
extra="$tmp/fixes/my-create-fill.c $tmp/fixes/wrong-fill.c $tmp/fixes/iop-at-writeback.c"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice -n 19 make -s -j2 -C "$root" VARIANTS_EXTRA="$extra" \
  BUILDDIR="$tmp/build" CFLAGS="-O1" "$tmp/build/vmemu" >$tmp/make.out 2>&1; rc=$?
t "make VARIANTS_EXTRA=... BUILDDIR=... builds" "[ $rc = 0 ]"
[ $rc = 0 ] || sed 's/^/# /' $tmp/make.out
my=$tmp/build/vmemu
"$my" variants >$tmp/variants 2>&1
t "vmemu variants lists my-create-fill with its commit" \
  "grep -q '^my-create-fill .*ops from my-create-fill commit 4595a298d556\$' $tmp/variants"
t "vmemu variants lists the built-in ones too, sorted by name" \
  "[ \"\$(awk '/^#/{exit} {print \$1}' $tmp/variants | tr '\n' ' ')\" = 'baseline iop-at-writeback mkwrite-create-fill mkwrite-fill my-create-fill patched v5-10 v5-14 wrong-fill ' ]"
t "the tree's own build does not have them" "! $VMEMU variants | grep -q my-create-fill"

# Step 4: the scenario that shows it.
for s in $seeds; do
  b=$(basename $s .yaml)
  "$my" run $s --variant my-create-fill -o $tmp/$b-my.db >/dev/null 2>&1; rc=$?
  "$VMEMU" run $s --variant patched -o $tmp/$b-p.db >/dev/null 2>&1
  t "$b: my-create-fill verifies clean" "[ $rc = 0 ]"
  t "$b: my-create-fill gives the trace of the built-in patched" \
    "[ \"\$($my hash $tmp/$b-my.db)\" = \"\$($VMEMU hash $tmp/$b-p.db)\" ]"
  "$my" diff $tmp/$b-p.db $tmp/$b-my.db >$tmp/diff 2>&1; rc=$?
  t "$b: vmemu diff: identical traces, the replacement named in the meta" \
    "[ $rc = 0 ] && grep -q 'variant_ops: patched \"(none)\", my-create-fill \"my-create-fill\"' $tmp/diff"
  "$my" run $s --variant baseline+my-create-fill -o $tmp/$b-c.db >/dev/null 2>&1
  t "$b: baseline+my-create-fill composes to the same" \
    "[ \"\$($my hash $tmp/$b-c.db)\" = \"\$($my hash $tmp/$b-my.db)\" ]"
  "$my" run $s --variant iop-at-writeback -o $tmp/$b-w.db >/dev/null 2>&1; rc=$?
  "$VMEMU" run $s --variant v5-14 -o $tmp/$b-14.db >/dev/null 2>&1
  t "$b: iop-at-writeback (the 5.14 pair) verifies clean, as v5-14 does" \
    "[ $rc = 0 ] && [ \"\$($my hash $tmp/$b-w.db)\" = \"\$($VMEMU hash $tmp/$b-14.db)\" ]"
  "$my" run $s --variant baseline+iop-at-writeback -o $tmp/$b-wb.db >/dev/null 2>&1; rc=$?
  t "$b: the pair without 4595a298d556 loses the store" "[ $rc = 1 ]"
done

# ... and the report that judges it.
"$my" report -q --baseline baseline --candidate my-create-fill $seeds -o $tmp/r1 >/dev/null 2>&1; rc=$?
t "report baseline -> my-create-fill exits 0" "[ $rc = 0 ]"
t "report: every seed scenario is fixed" \
  "[ \$(grep -o '\"status\":\"fixed\"' $tmp/r1/report.json | wc -l) = $nseeds ]"
"$my" report -q --baseline patched --candidate wrong-fill $seeds -o $tmp/r2 >/dev/null 2>&1; rc=$?
t "report patched -> wrong-fill exits 1 (a regression)" "[ $rc = 1 ]"
t "report: every seed scenario regressed under wrong-fill" \
  "[ \$(grep -o '\"status\":\"regressed\"' $tmp/r2/report.json | wc -l) = $nseeds ]"
"$my" report -q --baseline baseline --candidate iop-at-writeback $seeds -o $tmp/r3 >/dev/null 2>&1; rc=$?
t "report baseline -> iop-at-writeback exits 0, every seed fixed" \
  "[ $rc = 0 ] && [ \$(grep -o '\"status\":\"fixed\"' $tmp/r3/report.json | wc -l) = $nseeds ]"

# A file whose declared name is not its file name is refused by name.
sed 's/\.name = "wrong-fill"/.name = "other-name"/' $tmp/fixes/wrong-fill.c >$tmp/bad-name.c
sed -i 's/VMEMU_VARIANT_DEFINE (wrong_fill)/VMEMU_VARIANT_DEFINE (bad_name)/' $tmp/bad-name.c
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice -n 19 make -s -j2 -C "$root" VARIANTS_EXTRA="$tmp/bad-name.c" \
  BUILDDIR="$tmp/build" CFLAGS="-O1" "$tmp/build/vmemu" >$tmp/make2.out 2>&1
"$tmp/build/vmemu" run scenarios/seed-reclaim.yaml --variant baseline -o $tmp/x.db >/dev/null 2>$tmp/err; rc=$?
t "a variant file declaring another name: exit 2 naming the file" \
  "[ $rc = 2 ] && grep -q 'bad-name.c declares the name .other-name.' $tmp/err"

# Two files of one name stop the build's table generator.
mkdir -p $tmp/dup && cp variants/patched.c $tmp/dup/patched.c
sh engine/variant/gen-variant-list.sh variants/*.c $tmp/dup/patched.c >/dev/null 2>$tmp/err; rc=$?
t "two variant files named patched: the table is not generated" \
  "[ $rc = 1 ] && grep -q \"two variant files named 'patched'\" $tmp/err"
