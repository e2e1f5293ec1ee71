#!/usr/bin/env bash
# build-fsx.sh XFSTESTS_SRC [OUT] — build xfstests' fsx (ltp/fsx.c) for the
# side-by-side figure of `make bench` (docs/performance.md, "Real fsx").
#
# XFSTESTS_SRC is an xfstests source tree, or a git directory of one (a bare
# mirror works: the files are read with `git archive`).  This script never
# downloads anything; get a tree with, for example,
#   git clone https://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git
#   git clone https://github.com/kdave/xfstests.git        (a mirror)
# OUT defaults to build/bench/fsx, where tests/bench/bench.sh looks for it
# (or set FSX=/path/to/fsx when running make bench).
#
# Only ltp/fsx.c, src/global.h and src/statx.h are used, without xfstests'
# autoconf: a small config.h stands in for the one configure writes, with the
# headers every Linux libc has (no libaio, liburing, xfsprogs or btrfs
# headers; so no -A/-U, and the XFS-only ioctls stay compiled out).  Needs a C
# compiler and the Linux UAPI headers (Debian: gcc, linux-libc-dev).
#
# One change to the program: LOGSIZE, the ring of ops fsx keeps for its log
# dump and --record-ops file, goes from 10,000 to 1,000,000, so that
# `fsx -N 20000 --record-ops` writes all 20,000 ops (with 10,000 the file
# starts in the middle of the run and cannot be replayed from an empty file).
set -eu
src=${1:?usage: build-fsx.sh XFSTESTS_SRC [OUT]}
out=${2:-build/bench/fsx}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f "$src/ltp/fsx.c" ]; then
  mkdir -p "$tmp/ltp" "$tmp/src"
  cp "$src/ltp/fsx.c" "$tmp/ltp/"
  cp "$src/src/global.h" "$src/src/statx.h" "$tmp/src/"
elif git --git-dir="$src" rev-parse --verify -q HEAD >/dev/null 2>&1 \
     || git -C "$src" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  gd=$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null || echo "$src")
  git --git-dir="$gd" archive HEAD ltp/fsx.c src/global.h src/statx.h | tar -x -C "$tmp"
else
  echo "build-fsx.sh: $src: no ltp/fsx.c there and not a git repository of xfstests" >&2
  exit 2
fi
grep -q '^#define[[:space:]]*LOGSIZE[[:space:]]' "$tmp/ltp/fsx.c" || {
  echo "build-fsx.sh: $src: ltp/fsx.c has no '#define LOGSIZE' line; not the fsx this script knows" >&2
  exit 2
}
sed -i 's/^#define[[:space:]]*LOGSIZE[[:space:]].*/#define LOGSIZE 1000000 \/* build-fsx.sh: was 10000 *\//' \
  "$tmp/ltp/fsx.c"

# What xfstests' configure would find on a Linux/glibc host.
cat >"$tmp/src/config.h" <<'EOF'
/* config.h — written by vmemu's tests/bench/build-fsx.sh in place of the one
 * xfstests' configure writes. */
#define HAVE_SYS_TYPES_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_SYS_IOCTL_H 1
#define HAVE_SYS_WAIT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_UNISTD_H 1
#define HAVE_ERRNO_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_FCNTL_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_LIBGEN_H 1
#define HAVE_ASSERT_H 1
#define STDC_HEADERS 1
#define HAVE_STRINGS_H 1
#define HAVE_LINUX_FALLOC_H 1
#define HAVE_SYS_MMAN_H 1
#define HAVE_ERR_H 1
/* fsx.c uses getopt_long; xfstests gets <getopt.h> through its other headers. */
#include <getopt.h>
EOF

mkdir -p "$(dirname "$out")"
# -DFALLOCATE and -DHAVE_COPY_FILE_RANGE as xfstests' ltp/Makefile sets them
# on Linux; no -DXFS (that needs xfsprogs' headers).
"$cc" -O2 -D_GNU_SOURCE -DFALLOCATE -DHAVE_COPY_FILE_RANGE -I"$tmp/src" \
  "$tmp/ltp/fsx.c" -o "$out.tmp" 2>"$tmp/cc.log" || {
  cat "$tmp/cc.log" >&2
  echo "build-fsx.sh: compiling fsx failed" >&2
  exit 1
}
mv "$out.tmp" "$out"
echo "build-fsx.sh: built $out from $src"
