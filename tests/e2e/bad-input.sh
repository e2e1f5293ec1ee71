#!/bin/bash
# bad-input.sh — every row of docs/errors.md: the exact one-line message on
# stderr, exit status 2, and no output or temporary file left behind.
# Runs in a temporary directory with relative paths, so the messages are
# stable; $VMEMU may be a wrapper ("valgrind ... vmemu").
set -u
: "${VMEMU:?set VMEMU to the vmemu binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIOS=$(cd "$HERE/../../scenarios" && pwd)
T=$(mktemp -d)
LOCK_PID=
cleanup () {
  [ -n "$LOCK_PID" ] && kill "$LOCK_PID" 2>/dev/null
  chmod -R u+w "$T" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1

n=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
nok () { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# row DESCRIPTION STATUS 'EXACT STDERR' COMMAND...: runs COMMAND (words after
# the first are vmemu arguments), compares status and the whole of stderr.
row () {
  local what=$1 want_rc=$2 want_err=$3; shift 3
  local err rc
  err=$($VMEMU "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = "$want_rc" ] && [ "$err" = "$want_err" ]; then ok "$what"
  else nok "$what" "command: vmemu $*" "want: [$want_rc] $want_err" "got:  [$rc] $err"; fi
}
# row_sh: the same for a shell snippet (ulimit, setpriv, redirections).
row_sh () {
  local what=$1 want_rc=$2 want_err=$3 snippet=$4
  local err rc
  err=$(bash -c "$snippet" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = "$want_rc" ] && [ "$err" = "$want_err" ]; then ok "$what"
  else nok "$what" "command: $snippet" "want: [$want_rc] $want_err" "got:  [$rc] $err"; fi
}
# nothing_left DESCRIPTION NAME: no NAME and no .NAME.tmp-* in the directory.
nothing_left () {
  local d; d=$(dirname "$2"); local b; b=$(basename "$2")
  if [ ! -e "$2" ] && ! compgen -G "$d/.$b.tmp-*" >/dev/null; then ok "$1: nothing left"
  else nok "$1: nothing left" "$(ls -A "$d")"; fi
}
# Each scenario row runs through both `vmemu validate` and `vmemu run`.
yaml_row () {
  local what=$1 file=$2 msg=$3
  row "validate: $what" 2 "vmemu validate: $file:$msg" validate "$file"
  row "run: $what" 2 "vmemu run: $file:$msg" run "$file" -o "$file.db"
  nothing_left "run: $what" "$file.db"
}

# ---- fixtures -------------------------------------------------------------
base='name: x
machine: { page_size: 4096, memory: "4MiB" }
filesystem: { block_size: 1024 }
files:
  - { path: /data, size: "64KiB" }
'
one_op () { printf '%stasks:\n  - name: a\n    ops:\n      - %s\n' "$base" "$1"; }

: > empty.yaml
printf 'just some text\n' > text.yaml
printf 'name: [x\n' > syntax.yaml
printf 'name: x\nmachine:\n\tpage_size: 4096\n' > tabs.yaml
printf 'name: x\nname: y\n' > dupkey.yaml
printf 'name: x\nmachin: { page_size: 4096 }\n' > unknown.yaml
printf 'name: x\nmachine: { page_size: 4096, memory: "4MiB" }\nfiles:\n  - { path: /data, size: "64KiB", sise: 1 }\n' > unknown2.yaml
printf 'name: x\nmachine: 4096\n' > wrongtype.yaml
printf 'name: x\nmachine: { page_size: [4096] }\n' > wrongtype2.yaml
printf 'machine: { page_size: 4096 }\n' > missing-name.yaml
one_op 'read: { file: /data, offset: 0 }' > missing-arg.yaml
printf 'name: x\nmachine: { page_size: -4096 }\n' > negative.yaml
printf 'name: x\nmachine: { memory: "1.5MiB" }\n' > fraction.yaml
printf 'name: x\nmachine: { seed: 18446744073709551616 }\n' > overflow64.yaml
printf 'name: x\nmachine: { memory: "17179869184TiB" }\n' > overflow64-unit.yaml
one_op 'read: { file: /data, offset: 18446744073709547520, length: 8192 }' > offlen-overflow.yaml
one_op 'write: { file: /data, offset: 1073737728, length: 8192 }' > offlen-device.yaml
printf 'name: x\nfilesystem: { block_size: 1000 }\n' > bs-pow2.yaml
printf 'name: x\nmachine: { page_size: 4096 }\nfilesystem: { block_size: 8192 }\n' > bs-divide.yaml
printf 'name: x\nmachine: { page_size: 4096, memory: "2TiB" }\n' > memory-huge.yaml
printf 'name: x\nmachine: { page_size: 4096 }\nfiles:\n  - { path: /data, size: "2GiB" }\n' > file-device.yaml
one_op 'allocate: { size: "8MiB", as: r }' > alloc-memory.yaml
one_op 'read: { file: /nope, offset: 0, length: 4096 }' > no-file.yaml
one_op 'mread: { map: m, offset: 0, length: 4096 }' > no-map.yaml
{ printf 'name: x\na0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
  for i in 1 2 3 4 5 6 7 8 9; do
    printf 'a%d: &a%d [' "$i" "$i"
    for j in 1 2 3 4 5 6 7 8; do printf '*a%d,' $((i - 1)); done
    printf '*a%d]\n' $((i - 1))
  done; } > alias-bomb.yaml
{ printf 'name: x\ndescription: '; for _ in $(seq 1 10000); do printf '['; done
  for _ in $(seq 1 10000); do printf ']'; done; printf '\n'; } > deep-flow.yaml
{ printf 'name: x\nmachine:\n'; for i in $(seq 1 100); do printf "%$((2 * i))sk$i:\n" ''; done; } > deep-block.yaml
printf 'name: x\ndescription: "caf\303\050"\n' > utf8.yaml
printf 'name: x\000\n' > nul.yaml
mkdir adir

# ---- scenarios -------------------------------------------------------------
echo "# scenarios (vmemu validate and vmemu run)"
yaml_row "empty file" empty.yaml "1:1: empty scenario: expected a mapping with at least 'name'"
yaml_row "not YAML (plain text)" text.yaml '1:1: expected a mapping at the top level, got "just some text"'
yaml_row "YAML syntax error" syntax.yaml "2:1: not valid YAML: did not find expected ',' or ']' while parsing a flow sequence"
yaml_row "tab indentation" tabs.yaml "3:1: tab character used for indentation (YAML indents with spaces)"
yaml_row "duplicate key" dupkey.yaml "2:1: duplicate key 'name' (first at line 1, column 1)"
yaml_row "unknown top-level key, did you mean" unknown.yaml "2:1: unknown key 'machin' in the top level; did you mean 'machine'?"
yaml_row "unknown key in a file, did you mean" unknown2.yaml "4:35: unknown key 'sise' in a file; did you mean 'size'?"
yaml_row "wrong type: scalar for a mapping" wrongtype.yaml '2:10: expected a mapping, got "4096"'
yaml_row "wrong type: sequence for a size" wrongtype2.yaml "2:23: expected a size, got a sequence"
yaml_row "missing required key (name)" missing-name.yaml "1:1: missing required key 'name'"
yaml_row "missing required op argument" missing-arg.yaml "9:9: 'read' needs 'length'"
yaml_row "negative number" negative.yaml '2:23: expected a size, got "-4096": negative values are not allowed'
yaml_row "fractional number" fraction.yaml '2:20: expected a size, got "1.5MiB": fractions are not allowed; use a smaller unit'
yaml_row "number overflowing 64 bits" overflow64.yaml '2:18: expected a whole number, got "18446744073709551616": too large (does not fit in 64 bits)'
yaml_row "size overflowing 64 bits through its unit" overflow64-unit.yaml '2:20: expected a size, got "17179869184TiB": too large (does not fit in 64 bits)'
yaml_row "offset + length overflowing 64 bits" offlen-overflow.yaml "9:38: offset 18014398509481980KiB is beyond the device size (1GiB, machine.device.size)"
yaml_row "offset + length beyond the device" offlen-device.yaml "9:59: range [1073737728, 1073745920) ends beyond the device size (1GiB, machine.device.size)"
yaml_row "block size not a power of two" bs-pow2.yaml "2:27: block_size must be a power of two, got 1000"
yaml_row "block size not dividing the page size" bs-divide.yaml "3:27: block_size 8192 must divide page_size (4096)"
yaml_row "memory beyond the emulator's limit" memory-huge.yaml "2:37: 2TiB is out of range [4KiB, 1TiB]"
yaml_row "file size beyond the device" file-device.yaml "4:26: file size 2GiB is beyond the device size (1GiB, machine.device.size)"
yaml_row "allocation beyond the emulated memory" alloc-memory.yaml "9:27: allocate size is beyond the machine's memory (4MiB)"
yaml_row "op on a file that does not exist" no-file.yaml "9:23: no file '/nope' in files"
yaml_row "op on a mapping that does not exist" no-map.yaml "9:23: no map 'm' in task 'a' (create it with 'mmap: { ..., as: NAME }' earlier in the same task)"
yaml_row "alias bomb (billion laughs)" alias-bomb.yaml "3:10: YAML aliases (*a0) are not supported in scenarios"
yaml_row "deep nesting (flow)" deep-flow.yaml "2:77: nesting deeper than 64 levels"
yaml_row "deep nesting (block)" deep-block.yaml "66:129: nesting deeper than 64 levels"
yaml_row "invalid UTF-8" utf8.yaml "2:18: invalid UTF-8 (byte 0xc3)"
yaml_row "NUL byte" nul.yaml "1:8: NUL byte in the file (a scenario is UTF-8 text)"
row "validate: a directory" 2 "vmemu validate: adir: cannot read: is a directory" validate adir
row "run: a directory without scenarios" 2 "vmemu run: adir: no scenarios (*.yaml, *.yml) in this directory" run adir
row "validate: a missing path" 2 "vmemu validate: nope.yaml: cannot read: No such file or directory" validate nope.yaml
row "run: a missing path" 2 "vmemu run: nope.yaml: cannot read: No such file or directory" run nope.yaml

# ---- fsx op files ------------------------------------------------------------
echo "# fsx op files (vmemu import-fsx and vmemu run --fsx)"
printf 'write 0x0 0x1000 0x0\nfrobnicate 0x0 0x10 0x1000\n' > unknown-op.fsxops
printf 'write 0x0 0xZZ 0x0\n' > bad-hex.fsxops
printf 'write 0x0 -0x10 0x0\n' > negative.fsxops
printf 'write 0x0 0x1000 0x0\nread 0x0 0x1000 0x5000\n' > size-mismatch.fsxops
printf 'write 0x100000000 0x1000 0x0\n' > overflow32.fsxops
printf 'write 0x0 0x1000\n' > few-args.fsxops
: > empty.fsxops
printf 'write 0x0 0x1000 0x0\n' > ok.fsxops
fsx_row () {
  local what=$1 file=$2 msg=$3
  row "import-fsx: $what" 2 "vmemu import-fsx: $file$msg" import-fsx "$file" -o "$file.yaml"
  nothing_left "import-fsx: $what" "$file.yaml"
  row "run --fsx: $what" 2 "vmemu run: $file$msg" run --fsx "$file" -o "$file.db"
  nothing_left "run --fsx: $what" "$file.db"
}
fsx_row "unknown op" unknown-op.fsxops ":2: unknown operation 'frobnicate'"
fsx_row "bad hex" bad-hex.fsxops ":1: argument 2 of 'write' is not a number: '0xZZ'"
fsx_row "negative size" negative.fsxops ":1: argument 2 of 'write' is negative: '-0x10'"
fsx_row "inconsistent sizes" size-mismatch.fsxops ":2: read: SIZE column says 0x5000 but the ops above leave the file at 0x1000 bytes"
fsx_row "argument beyond 32 bits" overflow32.fsxops ":1: argument 1 of 'write' does not fit in 32 bits: '0x100000000'"
fsx_row "missing argument" few-args.fsxops ":1: 'write' needs 3 arguments (OFF LEN SIZE), found 2"
fsx_row "empty op file" empty.fsxops ": no operations (empty op file)"
fsx_row "a directory" adir ": cannot read: is a directory"
fsx_row "a missing path" nope.fsxops ": cannot read: No such file or directory"

# ---- trace databases -----------------------------------------------------------
echo "# trace databases (vmemu hash and vmemu diff)"
if ! $VMEMU run -q "$SCENARIOS/seed-drop-caches.yaml" -o good.db >/dev/null; then :; fi
printf 'hello\n' > text.db
: > empty.db
head -c 200000 good.db > truncated.db
# Patch the header's user_version (schema version, bytes 60-63, big-endian)
# and application_id (bytes 68-71) without the sqlite3 shell.
cp good.db schema1.db; printf '\000\000\000\001' | dd of=schema1.db bs=1 seek=60 conv=notrunc status=none
cp good.db otherapp.db; printf 'XXXX' | dd of=otherapp.db bs=1 seek=68 conv=notrunc status=none
cp good.db readonly.db; chmod 444 readonly.db
db_row () {
  local what=$1 file=$2 msg=$3
  row "hash: $what" 2 "vmemu hash: $file: $msg" hash "$file"
  row "diff: $what" 2 "vmemu diff: $file: $msg" diff good.db "$file"
}
db_row "not SQLite" text.db "not a vmemu trace database (not an SQLite file)"
db_row "empty file" empty.db "not a vmemu trace database"
db_row "truncated" truncated.db "the trace database is truncated or corrupt"
db_row "an older schema version" schema1.db "schema version 1 not supported (this vmemu reads 2); it was written by an older vmemu: run the scenario again"
db_row "SQLite, but not a vmemu trace" otherapp.db "not a vmemu trace database"
db_row "a directory" adir "is a directory, not a trace database"
db_row "a missing path" nope.db "No such file or directory"
good_hash=$($VMEMU hash good.db 2>&1)
if [ "$($VMEMU hash readonly.db 2>&1)" = "$good_hash" ]; then ok "hash: a read-only trace is read (exit 0)"
else nok "hash: a read-only trace is read (exit 0)" "$($VMEMU hash readonly.db 2>&1)"; fi

CC_BIN=${CC:-cc}
if command -v "$CC_BIN" >/dev/null && pkg-config --exists sqlite3 2>/dev/null \
   && "$CC_BIN" -o lock-db "$HERE/lock-db.c" $(pkg-config --cflags --libs sqlite3) 2>/dev/null; then
  cp good.db locked.db
  ./lock-db locked.db 60 > lock.out &
  LOCK_PID=$!
  for _ in $(seq 1 100); do grep -q locked lock.out 2>/dev/null && break; sleep 0.1; done
  db_row "locked by another process" locked.db "the trace database is locked by another process"
  kill "$LOCK_PID"; wait "$LOCK_PID" 2>/dev/null; LOCK_PID=
else
  skip "hash: locked by another process" "no C compiler with sqlite3"
  skip "diff: locked by another process" "no C compiler with sqlite3"
fi

# ---- outputs -------------------------------------------------------------------
echo "# outputs"
S=$SCENARIOS/seed-reclaim.yaml
row "run: output directory does not exist" 2 \
  "vmemu run: nodir/out.db: cannot create a temporary file in nodir: No such file or directory" \
  run -q "$S" -o nodir/out.db
row "import-fsx: output directory does not exist" 2 \
  "vmemu import-fsx: nodir/out.yaml: cannot create a temporary file in nodir: No such file or directory" \
  import-fsx ok.fsxops -o nodir/out.yaml
touch exists.db exists.yaml
row "run: existing output without --force" 2 \
  "vmemu run: exists.db: already exists (use --force to replace it)" run -q "$S" -o exists.db
row "import-fsx: existing output without --force" 2 \
  "vmemu import-fsx: exists.yaml: already exists (use --force to replace it)" \
  import-fsx ok.fsxops -o exists.yaml
if [ -s exists.db ] || [ -s exists.yaml ]; then nok "existing outputs untouched"; else ok "existing outputs untouched"; fi
row "run: output is a directory" 2 "vmemu run: adir: is a directory" run -q "$S" -o adir --force
mkfifo fifo
row "run: output is a FIFO (even with --force)" 2 \
  "vmemu run: fifo: not a regular file (a device, FIFO or socket); refusing to replace it" \
  run -q "$S" -o fifo --force
row "import-fsx: output is a FIFO (even with --force)" 2 \
  "vmemu import-fsx: fifo: not a regular file (a device, FIFO or socket); refusing to replace it" \
  import-fsx ok.fsxops -o fifo --force
if [ -p fifo ]; then ok "the FIFO is still a FIFO"; else nok "the FIFO is still a FIFO"; fi

# Not writable: root ignores permissions, so drop to nobody when root.
mkdir -p ro && chmod 555 ro && chmod 755 "$T"
AS=
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    # nobody must reach the binary (a build under a private mktemp directory
    # is out of its reach: then the row cannot be tested this way)
    { $AS "$VMEMU" --version && $AS cat "$S"; } >/dev/null 2>&1 || AS=unreachable
  else AS=none; fi
fi
if [ "$AS" = none ] || [ "$AS" = unreachable ]; then
  why="root without setpriv"; [ "$AS" = unreachable ] && why="user nobody cannot reach $VMEMU or the scenario"
  skip "run: output directory not writable" "$why"
  skip "import-fsx: output directory not writable" "$why"
else
  row_sh "run: output directory not writable" 2 \
    "vmemu run: ro/out.db: cannot create a temporary file in ro: Permission denied" \
    "$AS $VMEMU run -q '$S' -o ro/out.db"
  row_sh "import-fsx: output directory not writable" 2 \
    "vmemu import-fsx: ro/out.yaml: cannot create a temporary file in ro: Permission denied" \
    "$AS $VMEMU import-fsx ok.fsxops -o ro/out.yaml"
fi
if [ -z "$(ls -A ro)" ]; then ok "nothing written into the read-only directory"
else nok "nothing written into the read-only directory" "$(ls -A ro)"; fi

# Disk full while writing the trace: a file size limit (1 MiB; the trace is
# larger) makes write() fail with EFBIG.
row_sh "run: disk full while writing the trace" 2 \
  "vmemu run: full.db: cannot write trace: disk I/O error: a write failed (disk full, quota or file size limit); the trace was not written" \
  "ulimit -f 1024; $VMEMU run -q '$S' -o full.db"
nothing_left "run: disk full" full.db
if [ -c /dev/full ]; then
  row_sh "run: standard output on a full disk" 2 \
    "vmemu run: cannot write to standard output: No space left on device" "$VMEMU run '$S' >/dev/full"
  row_sh "import-fsx: standard output on a full disk" 2 \
    "vmemu import-fsx: cannot write to standard output: No space left on device" \
    "$VMEMU import-fsx ok.fsxops >/dev/full"
else
  skip "run: standard output on a full disk" "no /dev/full"
  skip "import-fsx: standard output on a full disk" "no /dev/full"
fi

echo "1..$n"
