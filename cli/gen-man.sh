#!/bin/sh
# gen-man.sh VMEMU OUTDIR VERSION — man pages from the same option tables as
# --help: vmemu.1 from `vmemu --help`, vmemu-CMD.1 from `vmemu CMD --help`.
set -eu
vmemu=$1; out=$2; version=$3
mkdir -p "$out"
# roff-escape a line: backslashes, leading dots and quotes
esc () { sed -e 's/\\/\\e/g' -e "s/^\\./\\\\\\&./" -e "s/^'/\\\\\\&'/" -e 's/-/\\-/g'; }
page () {   # page NAME SUMMARY < help text
  name=$1; summary=$2
  {
    printf '.TH %s 1 "" "vmemu %s" "vmemu manual"\n' "$(echo "$name" | tr a-z A-Z)" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH DESCRIPTION\n.nf\n'
    esc
    printf '.fi\n.SH SEE ALSO\n'
    if [ "$name" = vmemu ]; then
      printf 'vmemu\\-run(1), vmemu\\-show(1) and the other vmemu\\-COMMAND(1) pages; '
    else
      printf 'vmemu(1); '
    fi
    printf 'the documentation in share/doc/vmemu.\n'
  } > "$out/$name.1"
}
"$vmemu" --help | page vmemu "a deterministic emulator of the Linux page cache, reclaim, writeback and iomap"
"$vmemu" --help | sed -n 's/^  \([a-z][a-z-]*\)  *\(.*\)$/\1	\2/p' |
while IFS='	' read -r cmd summary; do
  "$vmemu" "$cmd" --help | page "vmemu-$cmd" "$summary"
done
