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
# All three are whole processes, wall clock (the ratios), CPU time beside them:
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

if ! "$fsx" "${fsx_args[@]}" -N "$nops" --record-ops="$ops" "$work/file" >"$work/rec.out" 2>&1; then
  missing "$fsx -N $nops --record-ops failed: $(grep -m1 -v '^[0-9]' "$work/rec.out")"
fi
lines=$(grep -c . "$ops")
skips=$(grep -c '^skip' "$ops")
[ "$lines" = "$nops" ] || missing "the recorded op file has $lines lines, not $nops (fsx built without tests/bench/build-fsx.sh keeps only its last LOGSIZE ops)"
echo "fsx_fs $(df --output=fstype "$run_dir" 2>/dev/null | tail -1) file_system_of_$run_dir"
echo "fsx_op_lines $lines lines"
echo "fsx_executed_ops $(( lines - skips )) ops"

best_real=999999 best_vm=999999 real_cpu=0 vm_cpu=0
for _ in $(seq 1 "$reps"); do
  rm -f "$work/file" "$work/file".*
  read -r t c <<<"$(timed "$work/real.out" "$fsx" "${fsx_args[@]}" --replay-ops="$ops" "$work/file")"
  [ "$t" = fail ] && missing "the real fsx replay failed"
  [ "$(min "$best_real" "$t")" = "$t" ] && best_real=$t real_cpu=$c
  read -r t c <<<"$(timed "$work/vm.out" "$dir/vmemu" run --fsx "$ops" --fsx-seed "$seed" \
                    --fsx-length "$flen" -q)"
  [ "$t" = fail ] && missing "vmemu run --fsx failed"
  [ "$(min "$best_vm" "$t")" = "$t" ] && best_vm=$t vm_cpu=$c
done
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
