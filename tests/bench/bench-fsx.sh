#!/usr/bin/env bash
# bench-fsx.sh BENCH_DIR — the side-by-side figure of `make bench` against a
# real fsx (issue 15; docs/performance.md, "Real fsx").
#
# The real fsx is $FSX, else BENCH_DIR/fsx (tests/bench/build-fsx.sh builds it
# there; with XFSTESTS_SRC=path set, this script runs build-fsx.sh first).
# Without one it prints a message and the figures as `missing`.
#
# 1. The real fsx records a generic/127-shaped op file on the bench file system:
#    fsx -q -l 262144 -o 65536 -S 191110531 -N $BENCH_FSX_OPS --record-ops
#    (20,000 lines by default, 14,673 of them executed on ext4; the rest are
#    skip lines for what the file system or build lacks).
# 2. Timed, alternating, best of BENCH_FSX_REPS (3): the real fsx replays the
#    file (`--replay-ops`, every read checked against its model) on the real
#    kernel, in BENCH_FSX_DIR (default BENCH_DIR/fsx-run: the local file system;
#    point it at /dev/shm for tmpfs), and `vmemu run --fsx` replays it without a
#    trace.  Then, once, `vmemu run --fsx -o trace.db` with a full trace.
# 3. The same op file shape on tmpfs (BENCH_FSX_TMPFS, default /dev/shm),
#    untraced only: fsx_tmpfs_*.
# All are whole processes, wall clock (the ratios), CPU time beside them:
# on a disk file system the real fsx spends most of its wall time waiting for
# msync(MS_SYNC) after each mapwrite, on tmpfs none.  Prints "name value unit".
set -u
dir=${1:?usage: bench-fsx.sh BENCH_DIR}
here=$(cd "$(dirname "$0")" && pwd)
nops=${BENCH_FSX_OPS:-20000}
reps=${BENCH_FSX_REPS:-3}
seed=191110531
flen=262144

missing() {
  for k in fsx_real_s fsx_vmemu_untraced_s fsx_vmemu_traced_s \
           fsx_real_over_vmemu_untraced fsx_real_over_vmemu_traced; do
    echo "$k missing ($1)"
  done
  exit 0
}

fsx=${FSX:-}
if [ -z "$fsx" ] && [ ! -x "$dir/fsx" ] && [ -n "${XFSTESTS_SRC:-}" ]; then
  bash "$here/build-fsx.sh" "$XFSTESTS_SRC" "$dir/fsx" >&2 || missing "build-fsx.sh failed"
fi
[ -z "$fsx" ] && [ -x "$dir/fsx" ] && fsx=$dir/fsx
if [ -z "$fsx" ]; then
  echo "# no real fsx: set FSX=/path/to/fsx, or build one with" \
       "tests/bench/build-fsx.sh XFSTESTS_SRC $dir/fsx (or XFSTESTS_SRC=... make bench)"
  missing "no fsx"
fi
[ -x "$fsx" ] || missing "FSX=$fsx is not an executable"

run_dir=${BENCH_FSX_DIR:-$dir/fsx-run}
mkdir -p "$run_dir" || missing "cannot create $run_dir"
work=$(mktemp -d "$run_dir/bench.XXXXXX") || missing "cannot write to $run_dir"
trap 'rm -rf "$work"' EXIT
ops=$work/g127.fsxops
fsx_args=(-q -l "$flen" -o 65536 -S "$seed")

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b < a) ? b : a }'; }

# timed OUT CMD...: run CMD (output to OUT), print "wall cpu" seconds (cpu =
# user + system of the process), or "fail" when it exits non-zero.
timed() {
  local out=$1 TIMEFORMAT='%R %U %S' rc
  shift
  { time "$@" >"$out" 2>&1; } 2>"$work/time"
  rc=$?
  [ "$rc" = 0 ] || { echo "# $* failed (exit $rc): $(tail -1 "$out")" >&2; echo fail; return; }
  awk '{ printf "%.3f %.3f", $1, $2 + $3 }' "$work/time"
}

# record OPS DIR: the real fsx records an op file of $nops ops in DIR; sets
# executed to the number of executed (not skip) ops.
record() {
  "$fsx" "${fsx_args[@]}" -N "$nops" --record-ops="$1" "$2/file" >"$2/rec.out" 2>&1 \
    || missing "$fsx -N $nops --record-ops failed: $(grep -m1 -v '^[0-9]' "$2/rec.out")"
  local n s
  [ -s "$1" ] || missing "$fsx --record-ops wrote no op file"
  n=$(grep -c . "$1")
  s=$(grep -c '^skip' "$1")
  [ "$n" = "$nops" ] || missing "the recorded op file has $n lines, not $nops (fsx built without tests/bench/build-fsx.sh keeps only its last LOGSIZE ops)"
  executed=$(( n - s ))
}

# side_by_side OPS DIR: best of $reps, alternating, of the real fsx replaying
# OPS in DIR and vmemu replaying it untraced; sets best_real real_cpu best_vm
# vm_cpu.
side_by_side() {
  local t c
  best_real=999999 best_vm=999999 real_cpu=0 vm_cpu=0
  for _ in $(seq 1 "$reps"); do
    rm -f "$2/file" "$2/file".*
    read -r t c <<<"$(timed "$2/real.out" "$fsx" "${fsx_args[@]}" --replay-ops="$1" "$2/file")"
    [ "$t" = fail ] && missing "the real fsx replay failed"
    [ "$(min "$best_real" "$t")" = "$t" ] && best_real=$t real_cpu=$c
    read -r t c <<<"$(timed "$2/vm.out" "$dir/vmemu" run --fsx "$1" --fsx-seed "$seed" \
                      --fsx-length "$flen" -q)"
    [ "$t" = fail ] && missing "vmemu run --fsx failed"
    [ "$(min "$best_vm" "$t")" = "$t" ] && best_vm=$t vm_cpu=$c
  done
}

record "$ops" "$work"
echo "fsx_fs $(df --output=fstype "$run_dir" 2>/dev/null | tail -1) file_system_of_$run_dir"
echo "fsx_op_lines $nops lines"
echo "fsx_executed_ops $executed ops"
side_by_side "$ops" "$work"
read -r traced traced_cpu <<<"$(timed "$work/vm.out" "$dir/vmemu" run --fsx "$ops" --fsx-seed "$seed" \
                                --fsx-length "$flen" -q -o "$work/trace.db" -f)"
[ "$traced" = fail ] && missing "vmemu run --fsx -o failed"
trace_bytes=$(stat -c %s "$work/trace.db")

echo "fsx_real_s $best_real s"
echo "fsx_real_cpu_s $real_cpu s(user+sys)"
echo "fsx_vmemu_untraced_s $best_vm s"
echo "fsx_vmemu_untraced_cpu_s $vm_cpu s(user+sys)"
echo "fsx_vmemu_traced_s $traced s"
echo "fsx_vmemu_traced_cpu_s $traced_cpu s(user+sys)"
echo "fsx_trace_bytes $trace_bytes bytes"
awk -v r="$best_real" -v u="$best_vm" -v t="$traced" 'BEGIN {
  printf "fsx_real_over_vmemu_untraced %.3f x\n", r / u
  printf "fsx_real_over_vmemu_traced %.3f x\n", r / t }'
# The same side by side in CPU time: steadier than wall clock on a disk.
awk -v r="$real_cpu" -v u="$vm_cpu" 'BEGIN {
  if (u > 0) printf "fsx_real_cpu_over_vmemu_untraced_cpu %.3f x\n", r / u }'

# The same on tmpfs (BENCH_FSX_TMPFS, default /dev/shm; empty skips it): the
# real fsx waits for no disk there, so this ratio moves with the CPU load only.
# tmpfs has no collapse, insert or zero range: its op file has more skips.
tdir=${BENCH_FSX_TMPFS-/dev/shm}
if [ -n "$tdir" ] && [ "$(df --output=fstype "$tdir" 2>/dev/null | tail -1)" = tmpfs ] \
   && tw=$(mktemp -d "$tdir/vmemu-bench.XXXXXX" 2>/dev/null); then
  trap 'rm -rf "$work" "$tw"' EXIT
  record "$tw/g127.fsxops" "$tw"
  side_by_side "$tw/g127.fsxops" "$tw"
  echo "fsx_tmpfs_executed_ops $executed ops"
  echo "fsx_tmpfs_real_s $best_real s"
  echo "fsx_tmpfs_vmemu_untraced_s $best_vm s"
  awk -v r="$best_real" -v u="$best_vm" 'BEGIN {
    printf "fsx_tmpfs_real_over_vmemu_untraced %.3f x\n", r / u }'
else
  echo "fsx_tmpfs_real_over_vmemu_untraced missing (no writable tmpfs at '$tdir')"
fi
