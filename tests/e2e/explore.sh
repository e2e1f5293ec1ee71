#!/bin/bash
# explore.sh — vmemu explore end to end: a loss under baseline, shrunk and
# written as a scenario that loses under baseline and is clean under patched;
# the same result whatever -j; nothing found under patched; shards and the
# JSON line; refusal to overwrite; bad input.  Seed 1 finds a loss within its
# first cases, so --runs keeps this fast.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check () { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what" "failed: $*"; fi; }

$VMEMU explore --variant baseline --seed 1 --runs 30 -j 2 -o min.yaml >out2 2>err2; rc=$?
check "baseline: exit 1 when a loss is found" [ "$rc" = 1 ]
last=$(tail -n 1 out2)
nops=$(printf '%s\n' "$last" | sed -nE 's/^shrunk to ([0-9]+) operations: min\.yaml$/\1/p')
check "last line is 'shrunk to N operations: PATH'" [ -n "$nops" ]
# 10 since the XFS IOLOCK is modelled (see tests/unit/test-explore.c)
check "shrunk to at most 10 operations ($nops)" [ "${nops:-99}" -le 10 ]
check "stderr is quiet when not a terminal" [ ! -s err2 ]
check "the explanation names the failed removal" grep -q 'then remove_mapping_fail' out2
check "it names the mkwrite and the skipped blocks" \
  bash -c "grep -q 'iomap_page_mkwrite_actor' out2 && grep -q 'count=0 skipped=' out2"
$VMEMU run min.yaml --variant baseline >/dev/null 2>&1; rc=$?
check "the minimal case loses data under baseline" [ "$rc" = 1 ]
$VMEMU run min.yaml --variant patched >/dev/null 2>&1; rc=$?
check "the minimal case is clean under patched" [ "$rc" = 0 ]
check "it states its expectations" \
  bash -c "grep -q 'baseline.*: data-loss' min.yaml && grep -q 'patched.*: clean' min.yaml"
check "its header explains the sequence" grep -q '^# 1\. at .*iomap_releasepage' min.yaml

$VMEMU explore --variant baseline --seed 1 --runs 30 -j 1 -o min1.yaml >out1 2>&1
check "-j 1 and -j 2 write the same case" cmp -s min.yaml min1.yaml
check "-j 1 and -j 2 print the same report" \
  bash -c "diff <(sed 's/min1\.yaml/min.yaml/' out1) out2 >/dev/null"

cp min.yaml before.yaml
$VMEMU explore --variant baseline --seed 1 --runs 30 -o min.yaml >/dev/null 2>err; rc=$?
check "an existing output is refused (exit 2)" [ "$rc" = 2 ]
check "... with a message naming it" grep -q 'min.yaml: already exists (use --force to replace it)' err
check "... and left as it was" cmp -s min.yaml before.yaml
$VMEMU explore --variant baseline --seed 1 --runs 30 -o min.yaml --force >/dev/null 2>&1; rc=$?
check "--force replaces it" [ "$rc" = 1 ]

$VMEMU explore --variant patched --seed 1 --runs 40 -o p.yaml >outp 2>&1; rc=$?
check "patched: exit 0, nothing found" [ "$rc" = 0 ]
check "patched: says how many cases and operations it tried" \
  grep -qE '^explore: variant patched, seed 1: no data loss in 40 cases \([0-9]+ operations\)$' outp
check "patched: no case written" [ ! -e p.yaml ]

$VMEMU explore --variant baseline --seed 1 --runs 10 --shard 1/3 -o s1.yaml --json s1.json \
  >/dev/null 2>&1; rc=$?
check "shard 1/3 runs (exit $rc)" [ "$rc" = 1 ] || [ "$rc" = 0 ]
check "shard writes a JSON line" grep -qE '^\{"seed":1,"shard":"1/3",.*"first_case":[0-9-]+' s1.json
fc=$(sed -nE 's/.*"first_case":([0-9]+).*/\1/p' s1.json)
check "a shard's cases are k with k mod 3 = 1 ($fc)" [ $(( ${fc:-1} % 3 )) = 1 ]

cat >gen.yaml <<'EOF'
name: gen
machine: { page_size: 4096, memory: 8MiB }
filesystem: { block_size: 1024 }
files:
  - { path: /fsx, size: 64KiB, content: random, state: on-disk }
tasks:
  - name: fsx
    generate:
      count: 60
      file: /fsx
      file_length: 64KiB
      max_op_size: 16KiB
      weights: { read: 1, write: 1, mread: 1, mwrite: 1, fsync: 1, msync: 1 }
      background: { reader_hold: 100, drop_caches: 100 }
EOF
$VMEMU explore gen.yaml --variant baseline --seed 1 --runs 50 -o g.yaml >outg 2>&1; rc=$?
check "a scenario's generate: block is explored (exit 1)" [ "$rc" = 1 ]
check "... and its minimal case is written" grep -q '^shrunk to [0-9]* operations: g.yaml$' outg

cat >plain.yaml <<'EOF'
name: plain
files:
  - { path: /f, size: 4KiB }
tasks:
  - name: t
    ops:
      - read: { file: /f, offset: 0, length: 10 }
EOF
err=$($VMEMU explore plain.yaml --runs 3 2>&1 >/dev/null); rc=$?
check "no generate: block is bad input (exit 2)" [ "$rc" = 2 ]
check "... with one line saying so" \
  [ "$err" = "vmemu explore: plain.yaml: no task has a generate: block, so there is nothing to explore" ]
err=$($VMEMU explore --shard 3/3 --runs 1 2>&1 >/dev/null); rc=$?
check "--shard 3/3 is bad input" \
  [ "$rc:$err" = "2:vmemu explore: --shard: expected K/N with 0 <= K < N, got '3/3'" ]
err=$($VMEMU explore --time soon 2>&1 >/dev/null); rc=$?
check "--time soon is bad input" \
  [ "$rc:$err" = "2:vmemu explore: --time: bad duration 'soon' (seconds, or e.g. 90s)" ]
err=$($VMEMU explore --variant nosuch --runs 1 2>&1 >/dev/null); rc=$?
check "an unknown variant is bad input" [ "$rc" = 2 ]
$VMEMU explore --variant patched --seed 1 --time 0.5 -o t.yaml >outt 2>&1; rc=$?
check "--time stops the search (patched, exit 0)" [ "$rc" = 0 ]

echo "1..$n"
