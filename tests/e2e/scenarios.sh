#!/usr/bin/env bash
# Every scenario in scenarios/ under every variant `vmemu variants` lists
# (the named ones and baseline+SWITCH): exit status 0 or 1 (never a crash or
# a refusal), or 3 ("cannot judge": the run reached a model simplification,
# named on its verdict line) where no expectation is stated; where the
# scenario's expect: names the variant, the outcome it states (0 clean,
# 1 data loss), never 3.  Every scenario must state the verdict
# for every named variant (the list before the "# switches" line): a named
# variant without an expectation fails.
set -u
VMEMU=${VMEMU:-build/vmemu}
cd "$(dirname "$0")/../.."
variants=$("$VMEMU" variants | awk '{print $1}' | grep -E '^[a-z0-9+_-]+$')
named=" $("$VMEMU" variants | sed '/^#/,$d' | awk '{print $1}' | tr '\n' ' ')"
n=0
plan=0
for f in scenarios/*.yaml; do for v in $variants; do plan=$((plan+1)); done; done
echo "1..$plan"
for f in scenarios/*.yaml; do
  for v in $variants; do
    n=$((n+1))
    out=$("$VMEMU" run "$f" --variant "$v" 2>&1); rc=$?
    want=$(printf '%s\n' "$out" | sed -n "s/^expectation for $v: \([a-z-]*\), .*/\1/p")
    if [ -z "$want" ] && [ "${named#* $v }" != "$named" ]; then
      echo "not ok $n - $f states no verdict for the named variant $v in its expect: block"
    elif [ $rc = 3 ] && [ -z "$want" ]; then
      echo "ok $n - $f under $v (exit 3: $(printf '%s\n' "$out" | grep -m1 '^verdict:'))"
    elif [ $rc != 0 ] && [ $rc != 1 ]; then
      echo "not ok $n - $f under $v exits $rc: $(printf '%s' "$out" | tail -1)"
    elif [ "$want" = data-loss ] && [ $rc != 1 ]; then
      echo "not ok $n - $f under $v: expected data loss, verified clean"
    elif [ "$want" = clean ] && [ $rc != 0 ]; then
      echo "not ok $n - $f under $v: expected clean, lost data: $(printf '%s' "$out" | grep -m1 'data loss')"
    else
      echo "ok $n - $f under $v (exit $rc${want:+, expected $want})"
    fi
  done
done
