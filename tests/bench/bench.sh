#!/usr/bin/env bash
# bench.sh BENCH_DIR OUT.json — the figures of `make bench` (docs/performance.md).
#
# Runs the benchmark programs built in BENCH_DIR (bench-sim, bench-vmemu, and
# vmemu for the explorer), prints every figure as "name value unit", each ratio
# measured side by side in the same process, and writes the numeric ones as a
# JSON object to OUT.json (written to a temporary file, then renamed).
# Knobs (environment): BENCH_SIM_EVENTS (2000000), BENCH_OPS (100000),
# BENCH_TRACED_OPS (20000: the traced run replays the first N of those ops),
# BENCH_TRACE_OPS (5000), BENCH_SCALE_READS (20000), BENCH_EXPLORE_RUNS (2000),
# BENCH_EXPLORE_SEEDS (10).
set -u
dir=${1:?usage: bench.sh BENCH_DIR OUT.json}
out=${2:?usage: bench.sh BENCH_DIR OUT.json}
lines=$(mktemp)
trap 'rm -f "$lines" "$out.tmp"' EXIT

emit() {   # emit NAME VALUE UNIT
  printf '%s %s %s\n' "$1" "$2" "$3" | tee -a "$lines"
}
run() {    # run a bench program; its figure lines go to stdout and the list
  "$@" | tee -a "$lines"
  local rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || echo "# $* failed (exit $rc)" >&2
}

echo "# engine: event queue vs a bare (time, seq) binary heap"
run "$dir/bench-sim" "${BENCH_SIM_EVENTS:-2000000}" 2>/dev/null
# The ratio at 100k pending is the headline: 1k fits in L1/L2 where a call
# through a function pointer weighs most; 1M is dominated by cache misses
# that both heaps pay alike.
r=$(awk '$1 == "ratio_sim_over_bare_pending_100000" { print $2 }' "$lines")
[ -n "$r" ] && emit engine_vs_bare "$r" "x(100k_pending)"

echo "# trace writer: vmemu's writer vs a raw SQLite bulk insert of the same rows"
run "$dir/bench-vmemu" trace "${BENCH_TRACE_OPS:-5000}" "$dir"

echo "# whole emulation: ${BENCH_OPS:-100000} fsx ops, generic/127 shape, memory pressure"
run "$dir/bench-vmemu" emulate "${BENCH_OPS:-100000}" "${BENCH_TRACED_OPS:-20000}" \
  "$dir/bench-emulate.db"

echo "# scale: random 4 KiB reads over 1k, 100k and 1M resident pages"
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
for n in 1024 102400 1048576; do
  # about 17 KiB of RAM per page today (page data, oracle and durable copies)
  need_kb=$(( n * 17 ))
  if [ "${avail_kb:-0}" -gt $(( need_kb + 3145728 )) ]; then
    run "$dir/bench-vmemu" scale "$n" "${BENCH_SCALE_READS:-20000}"
  else
    tag=$([ "$n" -ge 1000000 ] && echo 1m || { [ "$n" -ge 100000 ] && echo 100k || echo 1k; })
    echo "scale_${tag} missing (needs $(( need_kb / 1024 )) MiB of free memory)"
  fi
done
m=$(awk '$1 ~ /^scale_(1m|100k|1k)_model_bytes_per_page$/ { v[$1] = $2 }
         END { if ("scale_1m_model_bytes_per_page" in v) print v["scale_1m_model_bytes_per_page"];
               else if ("scale_100k_model_bytes_per_page" in v) print v["scale_100k_model_bytes_per_page"] }' "$lines")
[ -n "$m" ] && emit model_bytes_per_page "$m" "bytes(largest_scale)"
t1=$(awk '$1 == "scale_1k_ns_per_read" { print $2 }' "$lines")
t3=$(awk '$1 == "scale_1m_ns_per_read" { print $2 }' "$lines")
[ -n "$t1" ] && [ -n "$t3" ] && emit scale_ns_per_read_1m_over_1k \
  "$(awk -v a="$t3" -v b="$t1" 'BEGIN { printf "%.2f", a / b }')" x

echo "# parallel: explorer cases/s at -j 1 and -j 2"
if "$dir/vmemu" explore --help >/dev/null 2>&1; then
  bash "$(dirname "$0")/bench-explore.sh" "$dir/vmemu" "${BENCH_EXPLORE_RUNS:-2000}" \
    "${BENCH_EXPLORE_SEEDS:-10}" | tee -a "$lines"
else
  echo "explore_cases_per_s_j1 missing (no vmemu explore yet)"
  echo "explore_cases_per_s_j2 missing (no vmemu explore yet)"
  echo "explore_j2_over_j1 missing (no vmemu explore yet)"
fi

# Numeric figures only; a name seen twice keeps its last value.
awk 'BEGIN { n = 0 }
     $2 ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ {
       if (!($1 in v)) order[n++] = $1
       v[$1] = $2 }
     END { printf "{"
           for (i = 0; i < n; i++) printf "%s\n  \"%s\": %s", (i ? "," : ""), order[i], v[order[i]]
           printf "\n}\n" }' "$lines" >"$out.tmp" && mv "$out.tmp" "$out"
echo "# wrote $out"
