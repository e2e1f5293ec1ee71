#!/usr/bin/env bash
# make conform: every scenario against both real kernels (docs/conform.md).
#   tests/conform/suite.sh KERNEL_DIR SCENARIO_DIR...
# Prints the table scenario x (real baseline, vmemu baseline, real patched,
# vmemu patched) with AGREE/DISAGREE, the scenarios that cannot be forced on a
# real kernel with the reason, and the counts.  A disagreement is a finding,
# not a failure: the exit status is 1 only when conform itself broke (a boot,
# the guest, mkfs.xfs) or a scenario is invalid.
set -u
VMEMU=${VMEMU:-build/vmemu}
JOBS=${CONFORM_JOBS:-2}
kdir=${1:?usage: suite.sh KERNEL_DIR SCENARIO_DIR...}
shift
[ $# -gt 0 ] || set -- scenarios tests/conform
for k in linux-5.8.1-um linux-5.8.1+4595a298d556-um; do
  [ -x "$kdir/$k" ] || { echo "conform: $kdir/$k missing" >&2; exit 1; }
done
out=$(mktemp -d "${TMPDIR:-/tmp}/vmemu-conform-suite-XXXXXX")
trap 'rm -rf "$out"' EXIT
# One boot first: a host that cannot run a 5.8 UML kernel at all (exit 5: an
# XSAVE area larger than 5.8's UML handles, as with AMX) says nothing about
# the model; the suite is skipped with the reason instead of 90 failed boots.
"$VMEMU" conform -q --kernel-dir "$kdir" -V baseline scenarios/seed-drop-caches.yaml \
  > "$out/probe.out" 2> "$out/probe.err"
if [ $? = 5 ]; then
  echo "conform skipped: $(sed 's/^vmemu conform: //; s/ (console: .*//' "$out/probe.err")"
  exit 0
fi
list=()
for d in "$@"; do
  if [ -d "$d" ]; then for f in "$d"/*.yaml; do [ -e "$f" ] && list+=("$f"); done
  else list+=("$d"); fi
done
# one job per scenario x variant, $JOBS at a time
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
run_one() {
  local f=$1 v=$2 key t0
  key=$(basename "$f" .yaml).$v
  t0=$(now)
  "$VMEMU" conform -q --kernel-dir "$kdir" -V "$v" "$f" > "$out/$key.out" 2> "$out/$key.err"
  echo $? > "$out/$key.rc"
  elapsed "$t0" > "$out/$key.time"
}
start=$(now)
running=0
for f in "${list[@]}"; do
  for v in baseline patched; do
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
    run_one "$f" "$v" &
    running=$((running + 1))
  done
done
wait
total=$(elapsed "$start")

# "NAME: real K: A | vmemu V: B  AGREE" -> A and B
verdicts() { sed -n 's/^[^:]*: real [^:]*: \(.*\) | vmemu [^:]*: \(.*\)  \(AGREE\|DISAGREE\)$/\1|\2|\3/p' "$1"; }
printf '%-32s %-11s %-11s %-11s %-11s %-9s %s\n' scenario "real base" "vmemu base" "real patch" \
  "vmemu patch" agree "seconds"
agree=0 disagree=0 na=0 broken=0 runs=0
notes=()
for f in "${list[@]}"; do
  n=$(basename "$f" .yaml)
  cells=() ag=() secs=()
  for v in baseline patched; do
    rc=$(cat "$out/$n.$v.rc")
    secs+=("$(printf '%.1f' "$(cat "$out/$n.$v.time")")")
    case $rc in
      0|1) IFS='|' read -r real model verdict <<< "$(verdicts "$out/$n.$v.out")"
           cells+=("$real" "$model"); ag+=("$verdict"); runs=$((runs + 1))
           if [ "$verdict" = AGREE ]; then agree=$((agree + 1)); else disagree=$((disagree + 1)); fi ;;
      3)   cells+=("n/a" "n/a"); ag+=("n/a")
           [ "$v" = baseline ] && { na=$((na + 1)); notes+=("$n: $(sed 's/^[^:]*: cannot be run on a real kernel: //' "$out/$n.$v.out")"); } ;;
      *)   cells+=("ERROR" "ERROR"); ag+=("ERROR"); broken=$((broken + 1))
           notes+=("$n ($v): conform failed (exit $rc): $(head -c 300 "$out/$n.$v.err")") ;;
    esac
  done
  if [ "${ag[0]}" = "${ag[1]}" ]; then a=${ag[0]}; else a="${ag[0]}/${ag[1]}"; fi
  printf '%-32s %-11s %-11s %-11s %-11s %-9s %s\n' "$n" "${cells[0]}" "${cells[1]}" \
    "${cells[2]}" "${cells[3]}" "$a" "${secs[0]}+${secs[1]}"
done
echo
for note in "${notes[@]}"; do echo "  $note"; done
echo "conform: $runs real runs: $agree agree, $disagree disagree; $na scenarios cannot be forced on a real kernel; $broken broken; $(printf '%.0f' "$total") s"
[ "$broken" -eq 0 ]
