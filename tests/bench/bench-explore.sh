#!/usr/bin/env bash
# bench-explore.sh VMEMU RUNS SEEDS — explorer figures for `make bench`:
#  - cases/s at -j 1 and -j 2 over RUNS cases of tests/bench/explore-bench.yaml
#    under `patched` (clean, so every case runs; --no-shrink), wall clock of
#    the whole process, best of two alternating runs each;
#  - issue 4: over SEEDS explorer seeds on baseline with default settings, the
#    median wall time and number of cases to the first data loss, and the
#    median length of the shrunk case.
# Prints "name value unit" lines.
set -u
vm=${1:?usage: bench-explore.sh VMEMU RUNS SEEDS}
runs=${2:-400}
seeds=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

explore_time() {   # explore_time JOBS: wall seconds of one throughput run
  local t0 t1
  t0=$(now)
  "$vm" explore "$here/explore-bench.yaml" --variant patched --runs "$runs" -j "$1" \
    --no-shrink -o "$tmp/min.yaml" -f --json "$tmp/j$1.json" >/dev/null 2>&1
  t1=$(now)
  if ! grep -q "\"cases_run\":$runs" "$tmp/j$1.json" 2>/dev/null; then
    echo "# explore -j $1 did not run $runs cases: $(cat "$tmp/j$1.json" 2>/dev/null)" >&2
  fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

best1=999999 best2=999999
for rep in 1 2; do
  t=$(explore_time 1); best1=$(awk -v a="$best1" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  t=$(explore_time 2); best2=$(awk -v a="$best2" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
done
awk -v n="$runs" -v a="$best1" -v b="$best2" 'BEGIN {
  printf "explore_cases_per_s_j1 %.1f cases/s\n", n / a
  printf "explore_cases_per_s_j2 %.1f cases/s\n", n / b
  printf "explore_j2_over_j1 %.3f x\n", a / b }'

# Issue 4: time and cases to the first loss, shrunk length (baseline, defaults).
: >"$tmp/first"
for s in $(seq 1 "$seeds"); do
  t0=$(now)
  "$vm" explore --seed "$s" -o "$tmp/min-$s.yaml" -f --json "$tmp/s$s.json" >/dev/null 2>&1
  t1=$(now)
  python3 - "$tmp/s$s.json" "$t0" "$t1" >>"$tmp/first" <<'PY' || true
import json, sys
j = json.load(open(sys.argv[1]))
if j.get("found"):
    print(float(sys.argv[3]) - float(sys.argv[2]), j["first_case"] + 1, j["shrunk_ops"])
PY
done
python3 - "$tmp/first" "$seeds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(f"explore_seeds_with_loss {len(rows)} of_{sys.argv[2]}")
if rows:
    print(f"explore_median_s_to_first_loss {statistics.median(r[0] for r in rows):.3f} s")
    print(f"explore_median_cases_to_first_loss {statistics.median(r[1] for r in rows):g} cases")
    print(f"explore_median_shrunk_ops {statistics.median(r[2] for r in rows):g} ops")
PY
