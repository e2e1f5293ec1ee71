#!/bin/bash
# signals.sh — SIGINT / SIGTERM stop a long `vmemu run` within a second (a few
# under valgrind or sanitizers), remove the temporary trace, say so on stderr,
# and exit 128 + the signal (130 for SIGINT, 143 for SIGTERM).  Nothing named
# like the output is left behind.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# Slow builds (valgrind, ASan) get more time to reach the run loop and to stop.
case "$VMEMU" in *valgrind*) slow=20 ;; *) slow=1 ;; esac
case "${BUILDDIR:-}" in *asan*) slow=4 ;; esac

# 300000 generated fsx ops: expanded in well under a second, then ~7 s of
# emulation in an -O2 build; the signal lands in the run loop.
cat > "$T/long.yaml" <<'Y'
name: long
machine: { page_size: 4096, memory: "4MiB", seed: 1 }
filesystem: { block_size: 1024 }
files:
  - { path: /data, size: "256KiB", content: random, state: on-disk }
tasks:
  - name: fsx
    generate:
      seed: 7
      count: 300000
      file: /data
      file_length: "256KiB"
      max_op_size: "64KiB"
Y

echo "1..8"
for sig in INT TERM; do
  d="$T/$sig"; mkdir "$d"
  $VMEMU run "$T/long.yaml" -o "$d/out.db" >"$d/stdout" 2>"$d/stderr" &
  pid=$!
  # Wait until the temporary trace exists (the run has started), then a little.
  for _ in $(seq 1 $((100 * slow))); do
    compgen -G "$d/.out.db.tmp-*" >/dev/null && break
    sleep 0.1
  done
  sleep "$(awk "BEGIN { print 0.5 * $slow }")"
  start=$(date +%s%N)
  kill -s "$sig" "$pid"
  wait "$pid"; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  want=130; [ "$sig" = TERM ] && want=143
  if [ "$rc" = "$want" ]; then ok "SIG$sig: exit $want"; else nok "SIG$sig: exit $want" "got $rc" "$(cat "$d/stderr")"; fi
  if [ "$ms" -le $((1000 * slow)) ]; then ok "SIG$sig: stopped in $ms ms"
  else nok "SIG$sig: stopped within $((1000 * slow)) ms" "took $ms ms"; fi
  left=$(ls -A "$d" | grep -v -e '^stdout$' -e '^stderr$')
  if [ -z "$left" ]; then ok "SIG$sig: no trace and no temporary file left"
  else nok "SIG$sig: no trace and no temporary file left" "left: $left"; fi
  if grep -q "^vmemu run: interrupted by SIG$sig; .*trace not written" "$d/stderr"; then
    ok "SIG$sig: says so on stderr"
  else nok "SIG$sig: says so on stderr" "$(cat "$d/stderr")"; fi
done
