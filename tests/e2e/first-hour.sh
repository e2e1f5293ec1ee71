#!/bin/bash
# first-hour.sh — issue 14: a run says what the machine did, a scenario that
# no longer reaches its path fails its expect_activity (exit 4), failed ops
# are printed, op-level `expect: { error: E }`, variant typos, several
# scenarios per run, -q.  Runs in a temporary directory.
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIOS=$(cd "$HERE/../../scenarios" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
# check DESCRIPTION WANT_RC PATTERN COMMAND...: status and a grep -E pattern
# over stdout+stderr.
check () {
  local what=$1 want_rc=$2 pat=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$want_rc" ] && grep -qE -- "$pat" <<<"$out"; then ok "$what"
  else nok "$what" "command: $*" "want: [$want_rc] /$pat/" "got:  [$rc] $out"; fi
}

# 1. the run summary, and the counters in the trace
check "run prints what the machine did" 1 \
  '^activity: 1 kswapd wake-up, 0 direct reclaims, 17 pages scanned, 15 reclaimed, 16 releasepage calls \(1 left the page cached\), 1 page written back, 1 fault, 1 mkwrite, 0 drop_caches passes, 0 I/O errors$' \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml"
check "run without -o says no trace was written" 1 '^no trace written' \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml"
$VMEMU run -q "$SCENARIOS/seed-reclaim.yaml" -o a.db >/dev/null
if ! command -v sqlite3 >/dev/null 2>&1; then
  n=$((n + 1)); echo "ok $n - activity counters are in the trace's meta # SKIP no sqlite3 shell"
else
got=$(sqlite3 a.db "SELECT key || '=' || value FROM meta WHERE key IN ('activity.kswapd',
  'activity.releasepage_failed_remove', 'expect_activity') ORDER BY key" 2>&1 | tr '\n' ' ')
if [ "$got" = "activity.kswapd=1 activity.releasepage_failed_remove=1 expect_activity=met " ]
then ok "activity counters are in the trace's meta"
else nok "activity counters are in the trace's meta" "got: $got"; fi
fi

# A scenario that no longer reaches its path: seed-reclaim with enough
# memory that kswapd never wakes.  Without expect_activity this ran
# "clean"; now it fails with exit 4 and says which condition.
sed 's/memory: "4MiB" /memory: "64MiB"/' "$SCENARIOS/seed-reclaim.yaml" > roomy.yaml
check "a scenario that stops reaching its path fails (exit 4)" 4 \
  '^expect_activity kswapd: true not met: it was 0$' $VMEMU run roomy.yaml --variant patched
check "the data-loss verdict still wins over exit 4" 1 '^data loss' \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml"

cat > bad-act.yaml <<'Y'
name: bad-act
expect_activity: { kswapd: true, relasepage: ">= 1" }
Y
check "expect_activity key typo: file:line:column and did-you-mean" 2 \
  "bad-act.yaml:2:34: unknown activity 'relasepage' in expect_activity; did you mean 'releasepage'\?" \
  $VMEMU validate bad-act.yaml
cat > bad-cond.yaml <<'Y'
name: bad-cond
expect_activity: { kswapd: maybe }
Y
check "expect_activity condition checked" 2 'bad-cond.yaml:2:28: expected true, false, a count' \
  $VMEMU validate bad-cond.yaml

# 2. failed operations are printed; expect: { error: E }
cat > collapse.yaml <<'Y'
name: collapse
filesystem: { block_size: 1024 }
files:
  - { path: /f, size: "64KiB", content: random, state: on-disk }
tasks:
  - name: t
    ops:
      - collapse_range: { file: /f, offset: 100, length: 4096 }
Y
check "an op that fails unexpectedly is printed (exit 4)" 4 \
  '^collapse.yaml:8:9: op 1 of task t \(collapse_range\) returned EINVAL at 0.000000 ms, expected success$' \
  $VMEMU run collapse.yaml
sed 's/length: 4096 }/length: 4096, expect: { error: EINVAL } }/' collapse.yaml > collapse-ok.yaml
check "expect: { error: EINVAL } makes the failure expected" 0 'activity:' $VMEMU run collapse-ok.yaml
sed 's/length: 4096 }/length: 4096, expect: { error: EINVL } }/' collapse.yaml > collapse-typo.yaml
check "an unknown errno gets did-you-mean" 2 "unknown errno 'EINVL'; did you mean 'EINVAL'\?" \
  $VMEMU validate collapse-typo.yaml
sed 's/offset: 100/offset: 0/; s/length: 4096 }/length: 4096, expect: { error: EINVAL } }/' \
  collapse.yaml > collapse-succeeds.yaml
check "an op expected to fail that succeeds is printed too" 4 \
  'returned success at .* expected EINVAL$' $VMEMU run collapse-succeeds.yaml

# SIGBUS / SIGSEGV as 5.8 delivers them: a store past EOF of a shared file
# mapping (filemap_fault), a load outside the VMA; the task is killed.
cat > sigbus.yaml <<'Y'
name: sigbus
filesystem: { block_size: 1024 }
files:
  - { path: /f, size: "16KiB", content: random, state: on-disk }
tasks:
  - name: t
    ops:
      - mmap: { file: /f, offset: 0, length: "16KiB", as: m }
      - truncate: { file: /f, size: 4096 }
      - mwrite: { map: m, offset: 8192, length: 16 }
      - write: { file: /f, offset: 0, length: 16 }
Y
check "an mwrite past EOF gets SIGBUS and is printed" 4 \
  '^sigbus.yaml:10:9: op 3 of task t \(mwrite\) got SIGBUS at 0.000000 ms \(the task was killed\), expected success$' \
  $VMEMU run sigbus.yaml -o sigbus.db
if ! command -v sqlite3 >/dev/null 2>&1; then
  n=$((n + 1)); echo "ok $n - SIGBUS is in the trace # SKIP no sqlite3 shell"
else
got=$(sqlite3 sigbus.db "SELECT name || ' ' || a0 || ' ' || a1 || ' ' || task_name FROM events_named
  WHERE name = 'signal_generate'; SELECT count(*) FROM syscalls WHERE op = 'write'" | tr '\n' ' ')
if [ "$got" = "signal_generate 7 8192 t 0 " ]; then ok "SIGBUS is in the trace and the killed task's next op never ran"
else nok "SIGBUS is in the trace and the killed task's next op never ran" "got: $got"; fi
fi
sed 's/length: 16 }$/length: 16, expect: { error: SIGBUS } }/' sigbus.yaml | sed '$d' > sigbus-ok.yaml
check "expect: { error: SIGBUS }" 0 ', 1 SIGBUS, 0 SIGSEGV$' $VMEMU run sigbus-ok.yaml
cat > segv.yaml <<'Y'
name: segv
files:
  - { path: /f, size: "16KiB", content: random, state: on-disk }
tasks:
  - name: t
    ops:
      - mmap: { file: /f, offset: 0, length: 4096, as: m }
      - mread: { map: m, offset: 4096, length: 16, expect: { error: SIGSEGV } }
Y
check "a load outside the VMA gets SIGSEGV" 0 ', 0 SIGBUS, 1 SIGSEGV$' $VMEMU run segv.yaml
sed 's/, expect: { error: SIGSEGV }//' segv.yaml > segv-typo.yaml
check "a range beyond the map is still refused unless SIGSEGV is expected" 2 \
  "segv-typo.yaml:8:48: mread range \[4096, \+16\) is beyond map 'm'" $VMEMU validate segv-typo.yaml

# 3. variant typos
cat > pached.yaml <<'Y'
name: pached
expect: { pached: clean }
Y
check "expect: { pached: ... } is refused with did-you-mean" 2 \
  "pached.yaml:2:11: unknown variant 'pached'; did you mean 'patched'\?" $VMEMU validate pached.yaml
check "--variant pached gets did-you-mean" 2 "unknown variant 'pached'; did you mean 'patched'\?" \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml" --variant pached
check "a mistyped switch gets did-you-mean" 2 "did you mean 'iop_create_fill'\?" \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml" --variant baseline+iop_create_fil

# 8. run takes several scenarios or a directory; -q is quiet
mkdir dir traces
cp "$SCENARIOS/s1-splice-pipe.yaml" "$SCENARIOS/n7-block-equals-page.yaml" dir/
out=$($VMEMU run dir --variant patched -o traces 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(grep -c '^activity:' <<<"$out")" = 2 ] && [ -f traces/s1-splice-pipe.db ] \
   && [ -f traces/n7-block-equals-page.db ]
then ok "run takes a directory, one trace per scenario"
else nok "run takes a directory, one trace per scenario" "got: [$rc] $out"; fi
check "several scenarios: the most serious status wins" 1 'data loss' \
  $VMEMU run "$SCENARIOS/n7-block-equals-page.yaml" "$SCENARIOS/s1-splice-pipe.yaml"
out=$($VMEMU run -q "$SCENARIOS/seed-reclaim.yaml" --variant patched 2>&1); rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then ok "-q prints nothing for a clean run"
else nok "-q prints nothing for a clean run" "got: [$rc] $out"; fi

# 8. CLI consistency
check "vmemu help run is run's help" 0 '^  vmemu run \[OPTION\.\.\.\] SCENARIO' $VMEMU help run
check "a mistyped command gets did-you-mean" 2 "^vmemu: 'rnu' is not a command; did you mean 'run'\?" \
  $VMEMU rnu
for cmd in run validate variants diff hash import-fsx report export explore; do
  out=$(LC_ALL=C $VMEMU $cmd --help 2>&1); rc=$?
  if [ $rc = 0 ] && grep -q "^  vmemu $cmd \[OPTION\.\.\.\]" <<<"$out" && ! grep -q 'OPTION?' <<<"$out" \
     && grep -q '130' <<<"$out"
  then ok "$cmd --help: clean usage line, exit 130 documented"
  else nok "$cmd --help: clean usage line, exit 130 documented" "got: [$rc] $(head -3 <<<"$out")"; fi
done
out=$($VMEMU diff --help); if grep -q -- '^  --format=FORMAT' <<<"$out" && ! grep -q -- '-f, --format' <<<"$out"
then ok "diff: --format has no -f (-f is --force everywhere)"; else nok "diff: --format has no -f"; fi
printf 'name: kb\nmachine: { memory: 8KB }\n' > kb.yaml
check "8KB is refused with 'use KiB'" 2 'kb.yaml:2:20: expected a size, got "8KB": use KiB, not KB' \
  $VMEMU validate kb.yaml

# 11. vmemu show: a page's history as text, colour only on a terminal
check "show: who held page 0 when remove_mapping failed" 0 \
  '^ +197 +1.000000 ms  kswapd0 +remove_mapping_fail +refcount=3 expected=2 dirty=0 \[holders=cache,reader,isolate\]$' \
  $VMEMU show a.db --page 0
check "show: the empty bitmap the mkwrite actor created, by caller name" 0 \
  'iomap_page_create +page_uptodate=1 bits=0000 nr_blocks=4 caller=iomap_page_mkwrite_actor \+private' \
  $VMEMU show a.db --page 0 --file /data
check "show: reference events with the holders after each" 0 \
  'page_ref_get +reader  refcount [0-9]+: .*reader' $VMEMU show a.db --page 0
out=$($VMEMU show a.db --page 0 2>&1)
if ! grep -q $'\033\[' <<<"$out"; then ok "show: no colour when not a terminal"
else nok "show: no colour when not a terminal"; fi
if grep -q $'\033\[' <<<"$($VMEMU show a.db --page 0 --color=always)"; then ok "show: --color=always"
else nok "show: --color=always"; fi
if command -v script >/dev/null 2>&1; then
  tty_out=$(script -qec "$VMEMU show a.db --page 0" /dev/null 2>&1)
  nocolor_out=$(NO_COLOR=1 script -qec "$VMEMU show a.db --page 0" /dev/null 2>&1)
  if grep -q $'\033\[' <<<"$tty_out" && ! grep -q $'\033\[' <<<"$nocolor_out"
  then ok "show: colour on a terminal, none with NO_COLOR"
  else nok "show: colour on a terminal, none with NO_COLOR"; fi
else
  n=$((n + 1)); echo "ok $n - show: colour on a terminal # SKIP script(1) not installed"
fi
check "show: an unknown file is bad input" 2 "no file '/nope' in the run \(/data\)" \
  $VMEMU show a.db --page 0 --file /nope

# 7. the report: sorted by status, grouped by cause, a short report.md
mkdir rdir
cp "$SCENARIOS/n7-block-equals-page.yaml" "$SCENARIOS/seed-reclaim.yaml" "$SCENARIOS/wb-write-error.yaml" \
   "$SCENARIOS/seed-drop-caches.yaml" rdir/
$VMEMU report --baseline baseline --candidate patched rdir -o rout >/dev/null 2>&1
order=$(sed -n 's/^| \([a-z0-9-]*\) | \*\*\([a-z-]*\)\*\* |.*/\1:\2/p' rout/report.md | tr '\n' ' ')
if [ "$order" = "seed-drop-caches:fixed seed-reclaim:fixed wb-write-error:still-failing n7-block-equals-page:ok " ]
then ok "report rows sorted by status (regressed, fixed, still failing, ok)"
else nok "report rows sorted by status" "got: $order"; fi
if [ "$(grep -c '^[0-9]*\. \*\*`' rout/report.md)" = 1 ] \
   && grep -q 'cause 1: iomap_page_create |$' rout/report.md
then ok "report groups scenarios by first divergence"
else nok "report groups scenarios by first divergence" "$(sed -n '1,12p' rout/report.md)"; fi
md=$(wc -c < rout/report.md); det=$(wc -c < rout/report-details.md)
if [ "$md" -lt 4000 ] && [ "$det" -gt "$md" ]; then ok "report.md is a short summary ($md bytes; details $det bytes)"
else nok "report.md is a short summary" "report.md $md bytes, details $det"; fi

$VMEMU report --baseline baseline --candidate patched roomy.yaml -o roomy-rep >/dev/null 2>&1
if grep -q 'expect_activity not met: kswapd: true (it was 0)' roomy-rep/report-details.md \
   && grep -q '"expect_activity_unmet":"not met: kswapd: true (it was 0)' roomy-rep/report.json
then ok "report shows an unmet expect_activity"
else nok "report shows an unmet expect_activity"; fi

# 9. validate and run agree on op counts (generate expanded, final check not
# counted); plurals
for f in fsx-random-healthy seed-reclaim; do
  v=$($VMEMU validate "$SCENARIOS/$f.yaml" | sed -n 's/.*, \([0-9]*\) ops\?)$/\1/p')
  r=$($VMEMU run "$SCENARIOS/$f.yaml" --variant patched | sed -n '1s/.*: \([0-9]*\) operations\? in .*/\1/p')
  if [ -n "$v" ] && [ "$v" = "$r" ]; then ok "validate and run count the same ops ($f: $v)"
  else nok "validate and run count the same ops ($f)" "validate: $v run: $r"; fi
done
check "a lost 16-byte store reads 'length 16'" 1 '^data loss: /data offset 2048 length 16 \(15 bytes differ\)' \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml"
$VMEMU run -q "$SCENARIOS/seed-reclaim.yaml" --variant patched -o p.db >/dev/null
out=$($VMEMU diff a.db p.db 2>&1)
for want in 'iomap_page_create task writer ' 'caller=iomap_page_mkwrite_actor' \
            'baseline queued 3 bios: 0 writes,' 'patched queued 4 bios: 1 write,' \
            'patched passed all 3 verifications'; do
  if grep -qF -- "$want" <<<"$out"; then ok "diff names things: $want"
  else nok "diff names things: $want" "$(head -12 <<<"$out")"; fi
done
check "one write is 'write', not 'writes'" 0 ' and 1 write to the device' \
  $VMEMU run "$SCENARIOS/seed-reclaim.yaml" --variant patched

# 12. a scenario's name matches its file; validate warns otherwise
for f in "$SCENARIOS"/*.yaml; do
  name=$(sed -n 's/^name: //p' "$f")
  [ "$name" = "$(basename "$f" .yaml)" ] || nok "scenario name matches its file" "$f: $name"
done
ok "every scenario's name matches its file name"
printf 'name: other\n' > misnamed.yaml
check "validate warns when the name differs from the file" 0 \
  "warning: the scenario is named 'other' but its file is 'misnamed.yaml'" $VMEMU validate misnamed.yaml

echo "1..$n"
