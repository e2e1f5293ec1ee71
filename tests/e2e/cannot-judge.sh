#!/usr/bin/env bash
# cannot-judge.sh — a run that reaches a model simplification able to change
# its verdict says so (docs/model.md, "What the model simplifies and how a
# run says so"): the verdict line names it, even with --quiet, `vmemu run`
# exits 3, the trace keeps it in the depends_on meta; runs that reach none
# (the seed scenarios) keep exit 1 / 0 and a plain verdict line.
set -u
VMEMU=${VMEMU:-build/vmemu}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "1..9"
n=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
# 128 KiB of memory under a 256 KiB shared mapping: the model fails an
# allocation with ENOMEM where 5.8 would compact, retry or OOM-kill.
cat > $tmp/small.yaml <<'Y'
name: small
machine: { page_size: 4096, memory: "128KiB" }
files:
  - { path: /data, size: 256KiB }
tasks:
  - name: a
    ops:
      - mmap: { file: /data, offset: 0, length: 256KiB, as: m }
      - mwrite: { map: m, offset: 0, length: 256KiB }
Y
s=$tmp/small.yaml
"$VMEMU" run $s -o $tmp/a.db >$tmp/out 2>&1; rc=$?
t "ENOMEM where 5.8 would OOM-kill: exit 3" "[ $rc = 3 ]"
t "the verdict line names what it depends on" \
  "grep -q '^verdict: clean (depends on: no OOM killer or compaction' $tmp/out"
"$VMEMU" run $s --quiet >$tmp/q 2>&1
t "--quiet still prints the depends-on verdict" "grep -q '^verdict: .*(depends on: ' $tmp/q"
t "the trace keeps depends_on in its meta" \
  "[ -n \"\$(sqlite3 $tmp/a.db \"select value from meta where key = 'depends_on'\" 2>/dev/null)\" ] || ! command -v sqlite3 >/dev/null"
# baseline+mkwrite_no_iop (no writepage_create_iop): end_page_writeback
# would BUG() in 5.8 on this stream: a verdict of its own, not a guess
k=scenarios/k58-wcp-batch-lock.yaml
"$VMEMU" run $k --variant baseline+mkwrite_no_iop --quiet -o $tmp/b.db >$tmp/out 2>&1; rc=$?
t "kernel BUG reached: exit 1 and the verdict names it, even with --quiet" \
  "[ $rc = 1 ] && grep -q '^verdict: kernel BUG: end_page_writeback of a page not under writeback' $tmp/out"
t "the trace keeps kernel_bug in its meta" \
  "[ -n \"\$(sqlite3 $tmp/b.db \"select value from meta where key = 'kernel_bug'\" 2>/dev/null)\" ] || ! command -v sqlite3 >/dev/null"
"$VMEMU" run scenarios/seed-drop-caches.yaml --variant baseline >$tmp/out 2>&1; rc=$?
t "seed baseline: exit 1, verdict data loss" "[ $rc = 1 ] && grep -qx 'verdict: data loss' $tmp/out"
"$VMEMU" run scenarios/seed-drop-caches.yaml --variant patched >$tmp/out 2>&1; rc=$?
t "seed patched: exit 0, verdict clean" "[ $rc = 0 ] && grep -qx 'verdict: clean' $tmp/out"
"$VMEMU" run --help >$tmp/help 2>&1
t "run --help documents exit 3" "grep -q '^3 cannot judge' $tmp/help"
