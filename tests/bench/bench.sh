#!/usr/bin/env bash
# bench.sh BENCH_DIR OUT.json — the figures of `make bench` (docs/performance.md).
#
# Runs the benchmark programs built in BENCH_DIR (bench-sim, bench-vmemu, and
# vmemu for the explorer), prints every figure as "name value unit", each ratio
# measured side by side in the same process, and writes the numeric ones as a
# JSON object to OUT.json (written to a temporary file, then renamed).
# Knobs (environment): BENCH_SIM_EVENTS (2000000), BENCH_OPS (100000),
# BENCH_TRACED_OPS (20000: the traced run replays the first N of those ops),
# BENCH_TRACE_OPS (5000), BENCH_SCALE_READS (100000), BENCH_SCALE_REPS (3), BENCH_SCALE_PAGES
# ("1024 102400 1048576 4194304 16777216"), BENCH_EXPLORE_RUNS (2000), BENCH_EXPLORE_SEEDS
# (10), BENCH_FSX_OPS (20000), BENCH_FSX_REPS (3), BENCH_FSX_DIR (BENCH_DIR/fsx-run),
# BENCH_FSX_TMPFS (/dev/shm);
# FSX=path (a real fsx) or XFSTESTS_SRC=path (build one: tests/bench/build-fsx.sh).
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

echo "# scale: random 4 KiB reads over 1k, 100k, 1M, 4M and 16M resident pages"
# Each size runs only when it fits: the memory a page costs is measured (peak
# RSS growth per page of the largest run so far; the smallest size always
# runs), scaled to the next size with a 25% margin plus 256 MiB, and compared
# with MemAvailable just before that run.
scale_tag() { case $1 in 1024) echo 1k ;; 102400) echo 100k ;; 1048576) echo 1m ;;
              4194304) echo 4m ;; 16777216) echo 16m ;; *) echo "$1" ;; esac; }
last=""
for n in ${BENCH_SCALE_PAGES:-1024 102400 1048576 4194304 16777216}; do
  tag=$(scale_tag "$n")
  if [ -n "$last" ]; then
    rpp=$(awk -v k="scale_${last}_rss_bytes_per_page" '$1 == k { print $2 }' "$lines")
    avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    need_kb=$(awk -v n="$n" -v r="${rpp:-0}" 'BEGIN { printf "%.0f", n * r * 1.25 / 1024 + 262144 }')
    if [ -z "$rpp" ] || [ "${avail_kb:-0}" -lt "$need_kb" ]; then
      echo "scale_${tag} missing (needs about $(( need_kb / 1024 )) MiB at ${rpp:-?} bytes/page" \
           "measured at ${last}; MemAvailable $(( ${avail_kb:-0} / 1024 )) MiB)"
      continue
    fi
  fi
  # Best of BENCH_SCALE_REPS (3) by time per read up to 1M pages (a 1k run's
  # reads take milliseconds: one run is mostly the host's noise), once above.
  reps=1
  [ "$n" -le 1048576 ] && reps=${BENCH_SCALE_REPS:-3}
  best="" best_ns=""
  for _ in $(seq 1 "$reps"); do
    sout=$("$dir/bench-vmemu" scale "$n" "${BENCH_SCALE_READS:-100000}") \
      || { echo "# bench-vmemu scale $n failed" >&2; continue; }
    ns=$(printf '%s\n' "$sout" | awk '$1 ~ /_ns_per_read$/ { print $2 }')
    if [ -z "$best_ns" ] || awk -v a="$ns" -v b="$best_ns" 'BEGIN { exit !(a < b) }'; then
      best=$sout best_ns=$ns
    fi
  done
  [ -n "$best" ] && printf '%s\n' "$best" | tee -a "$lines"
  grep -q "^scale_${tag}_rss_bytes_per_page " "$lines" && last=$tag
done
m=$(awk '$1 ~ /^scale_(16m|4m|1m|100k|1k)_model_bytes_per_page$/ { v[$1] = $2 }
         END { split("16m 4m 1m 100k", t, " ")
               for (i = 1; i <= 4; i++) { k = "scale_" t[i] "_model_bytes_per_page"
                 if (k in v) { print v[k]; exit } } }' "$lines")
[ -n "$m" ] && emit model_bytes_per_page "$m" "bytes(largest_scale)"
t1=$(awk '$1 == "scale_1k_ns_per_read" { print $2 }' "$lines")
for big in 1m 4m; do
  tb=$(awk -v k="scale_${big}_ns_per_read" '$1 == k { print $2 }' "$lines")
  [ -n "$t1" ] && [ -n "$tb" ] && emit "scale_ns_per_read_${big}_over_1k" \
    "$(awk -v a="$tb" -v b="$t1" 'BEGIN { printf "%.2f", a / b }')" x
done

echo "# real fsx: the same op file through the real fsx and vmemu run --fsx"
run bash "$(dirname "$0")/bench-fsx.sh" "$dir"

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
