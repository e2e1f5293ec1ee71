#!/usr/bin/env bash
# make check-deps (.ci/check-deps): the tree passes; a copy with a wrong-way
# include, or with an mm-side file calling iomap by name, fails naming the
# file and line; a rule file it does not understand is bad input.
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..9"
n=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
fresh() { rm -rf "$tmp/tree"; mkdir "$tmp/tree"; cp -r engine reports variants cli .ci "$tmp/tree/"; }

bash .ci/check-deps . >$tmp/out 2>&1; rc=$?
t "the tree passes" "[ $rc = 0 ] && [ ! -s $tmp/out ]"

fresh
echo '#include "engine/trace/tracedb.h"' >>"$tmp/tree/engine/xa/xa.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "a wrong-way include fails" "[ $rc = 1 ]"
t "... naming the file, line and the header" \
  "grep -q '^engine/xa/xa.c:[0-9]*: includes engine/trace/tracedb.h (layer 3) from layer 1: wrong way' $tmp/out"

fresh
sed -i '0,/^#include "engine\/model\/fs-ops.h"/s//#include "engine\/model\/fs-ops.h"\n#include "engine\/explore\/explore.h"/' \
  "$tmp/tree/engine/model/writeback.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "the model including the explorer fails" \
  "[ $rc = 1 ] && grep -q '^engine/model/writeback.c:[0-9]*: includes engine/explore/explore.h' $tmp/out"

fresh
echo '#include "cli/cli.h"' >>"$tmp/tree/engine/run/run.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "engine/run including the CLI fails (the CLI is the top layer)" \
  "[ $rc = 1 ] && grep -q '^engine/run/run.c:[0-9]*: includes cli/cli.h' $tmp/out"

fresh
echo '#include "engine/run/run.h"' >>"$tmp/tree/engine/model/machine.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "the model including engine/run fails" \
  "[ $rc = 1 ] && grep -q '^engine/model/machine.c:[0-9]*: includes engine/run/run.h' $tmp/out"

fresh
sed -i 's|vm_page_a_ops (m, p)->releasepage (m, p)|vm_iomap_releasepage (m, p)|' "$tmp/tree/engine/model/reclaim.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "reclaim calling iomap_releasepage by name fails" \
  "[ $rc = 1 ] && grep -q '^engine/model/reclaim.c:[0-9]*: the mm side calls vm_iomap_releasepage by name' $tmp/out"

fresh
printf '/* vm_iomap_releasepage (m, p) is what runs */\n' >>"$tmp/tree/engine/model/reclaim.c"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "naming it in a comment is fine" "[ $rc = 0 ]"

fresh
echo 'layr engine/sim' >>"$tmp/tree/.ci/layers.conf"
bash .ci/check-deps "$tmp/tree" >$tmp/out 2>&1; rc=$?
t "an unknown rule is bad input (exit 2, named)" "[ $rc = 2 ] && grep -q 'unknown rule \"layr\"' $tmp/out"
