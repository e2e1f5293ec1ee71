#!/usr/bin/env bash
# vmemu conform end to end (docs/conform.md).  Without a kernel only the
# command-line checks run; with ../shared/kernels and mkfs.xfs, the seed
# scenario runs on the real Linux 5.8.1 and 5.8.1+4595a298d556 (about 1.5 s a
# boot): the real kernels judge, and two runs give the same kernel trace.
set -u
VMEMU=${VMEMU:-build/vmemu}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
KDIR=${VMEMU_KERNEL_DIR:-../shared/kernels}
echo "1..14"
n=0
t() { n=$((n+1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi; }
skip() { n=$((n+1)); echo "ok $n # skip $1"; }

# bad input: one line, exit 2, whether a kernel exists or not
"$VMEMU" conform --kernel /nonexistent/linux-um scenarios/seed-drop-caches.yaml >$tmp/o 2>$tmp/e; rc=$?
t "a missing kernel is bad input (exit 2, one line)" "[ $rc = 2 ] && [ \$(wc -l < $tmp/e) = 1 ]"
"$VMEMU" conform --kernel-dir "$KDIR" -V baseline+no-such-switch scenarios/seed-drop-caches.yaml >$tmp/o 2>$tmp/e; rc=$?
t "an unknown variant is bad input (exit 2)" "[ $rc = 2 ]"
"$VMEMU" conform -V mkwrite-fill --kernel-dir "$KDIR" scenarios/seed-drop-caches.yaml >$tmp/o 2>$tmp/e; rc=$?
t "a variant without a default kernel asks for --kernel (exit 2)" "[ $rc = 2 ] && grep -q 'give --kernel' $tmp/e"

why=""
[ -x "$KDIR/linux-5.8.1-um" ] && [ -x "$KDIR/linux-5.8.1+4595a298d556-um" ] || why="no UML kernels in $KDIR"
[ -z "$why" ] && ! { command -v mkfs.xfs || [ -x /usr/sbin/mkfs.xfs ] || [ -x /sbin/mkfs.xfs ]; } >/dev/null 2>&1 \
  && why="mkfs.xfs not installed (xfsprogs)"
[ -z "$why" ] && [ ! -x "${BUILDDIR:-build}/conform-guest" ] && [ ! -x "$(dirname "$VMEMU")/conform-guest" ] \
  && why="conform-guest not built"
if [ -z "$why" ]; then
  "$VMEMU" conform -q --kernel-dir "$KDIR" -V baseline scenarios/seed-drop-caches.yaml >$tmp/probe 2>&1
  [ $? = 5 ] && why="this host cannot run UML 5.8 (exit 5: $(head -c 120 $tmp/probe))"
fi
if [ -n "$why" ]; then
  for i in $(seq 4 14); do skip "$why"; done
  exit 0
fi

"$VMEMU" conform --kernel-dir "$KDIR" -V baseline scenarios/seed-drop-caches.yaml -o $tmp/b1.db >$tmp/b1 2>&1; rc=$?
t "seed-drop-caches on real 5.8.1: both lose the store, exit 0" \
  "[ $rc = 0 ] && grep -q '^seed-drop-caches: real 5.8.1: data loss | vmemu baseline: data loss  AGREE$' $tmp/b1"
t "the real loss is the 8-byte mmap store at offset 100" \
  "grep -q 'real 5.8.1: /data: 8 bytes differ from the oracle, first at offset 100' $tmp/b1"
t "the kernel's run is in the trace beside vmemu's, named linux-5.8.1" \
  "grep -q 'trace: .*run 2 linux-5.8.1: [1-9][0-9]* events' $tmp/b1 && $VMEMU hash -r linux-5.8.1 $tmp/b1.db >/dev/null"
if command -v sqlite3 >/dev/null 2>&1; then
  sqlite3 $tmp/b1.db "select name, idx, t_ns from events_named where run = 2 and name in
    ('iomap_releasepage', 'mm_filemap_delete_from_page_cache', 'iomap_writepage') order by seq" > $tmp/ev
  # drop_caches at 1 ms (+ the guest's ~1 us of syscalls) during the 5 ms hold: page 0 loses its
  # iomap_page but stays (no delete at that time); the store is "written" at 10 ms
  t "the real kernel released page 0's iomap_page during the hold and kept the page" \
    "grep -q '^iomap_releasepage|0|100[0-9][0-9][0-9][0-9]$' $tmp/ev && ! grep -q '^mm_filemap_delete_from_page_cache|0|100[0-9][0-9][0-9][0-9]$' $tmp/ev && grep -q '^iomap_writepage|0|' $tmp/ev"
else
  skip "sqlite3 not installed"
fi
"$VMEMU" conform --kernel-dir "$KDIR" -V baseline scenarios/seed-drop-caches.yaml -o $tmp/b2.db >$tmp/b2 2>&1
t "two runs: the same verdict" "diff <(head -1 $tmp/b1) <(head -1 $tmp/b2) >/dev/null"
t "two runs: the kernel's trace hashes the same" \
  "[ \"\$($VMEMU hash -r 2 $tmp/b1.db)\" = \"\$($VMEMU hash -r 2 $tmp/b2.db)\" ]"
"$VMEMU" conform --kernel-dir "$KDIR" -V patched scenarios/seed-drop-caches.yaml >$tmp/p 2>&1; rc=$?
t "on 5.8.1+4595a298d556 neither loses it, exit 0" \
  "[ $rc = 0 ] && grep -q '^seed-drop-caches: real 5.8.1+4595a298d556: clean | vmemu patched: clean  AGREE$' $tmp/p"
"$VMEMU" conform --kernel-dir "$KDIR" tests/conform/extend-truncate-mmap.yaml >$tmp/x 2>&1; rc=$?
t "extend-truncate-mmap: the model keeps both stores as the real kernel does (pagecache_isize_extended)" \
  "[ $rc = 0 ]"
"$VMEMU" conform --kernel-dir "$KDIR" scenarios/fs-migrate.yaml >$tmp/m 2>&1; rc=$?
t "a migrate cannot be forced: exit 3 with the op and why" \
  "[ $rc = 3 ] && grep -q 'cannot be run on a real kernel: .*fs-migrate.yaml:[0-9]*:[0-9]*: task t, migrate: ' $tmp/m"
"$VMEMU" explore --variant baseline --seed 1 --time 30 -o $tmp/min.yaml \
  --confirm-kernel "$KDIR/linux-5.8.1-um" >$tmp/ex 2>/dev/null; rc=$?
t "explore --confirm-kernel: the shrunk reproducer loses data on real 5.8.1 too" \
  "[ $rc = 1 ] && grep -q '^on the real kernel 5.8.1: data loss too' $tmp/ex"
"$VMEMU" conform --kernel-dir "$KDIR" scenarios/seed-drop-caches.yaml --common $tmp/common >/dev/null 2>&1
"$VMEMU" diff $tmp/common/vmemu.db $tmp/common/linux.db >$tmp/d 2>&1; rc=$?
t "--common: vmemu diff compares the events both have, in order" \
  "[ $rc = 1 ] && grep -q '^first divergence at .*(event #[0-9]*)' $tmp/d && grep -q 'source: vmemu.db \"vmemu\", linux.db \"linux-5.8.1\"' $tmp/d"
