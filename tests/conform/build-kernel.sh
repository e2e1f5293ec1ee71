#!/usr/bin/env bash
# Build a Linux 5.8 User-Mode Linux kernel for `vmemu conform` from a source
# tree, by the recipe of ../shared/kernels/README.md (docs/conform.md).
#
#   tests/conform/build-kernel.sh SRC_TREE OUT_BINARY [PATCH...]
#
# SRC_TREE is a Linux 5.8.x tree (it is built in place: use a copy, or a git
# worktree, per kernel).  The patches are applied in order with `patch -p1`
# before configuring: the two arch/um fixes the conformance kernels carry
# (../shared/kernels/patches/0001, 0002) are needed for XFS on UML and for
# time-travel-start=; add your own after them.  OUT_BINARY gets the stripped
# kernel; name it linux-VERSION-um so `vmemu conform` labels it
# "real VERSION".  Needs gcc, make, flex, bison, bc; about 9 minutes on 2 cores.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 SRC_TREE OUT_BINARY [PATCH...]" >&2
  exit 2
fi
src=$1 out=$2
shift 2
[ -f "$src/Makefile" ] && grep -q '^VERSION = 5' "$src/Makefile" && grep -q '^PATCHLEVEL = 8' "$src/Makefile" \
  || { echo "$0: $src is not a Linux 5.8 source tree" >&2; exit 2; }
for p in "$@"; do
  [ -f "$p" ] || { echo "$0: $p: no such patch" >&2; exit 2; }
done
for tool in gcc make flex bison bc; do
  command -v $tool >/dev/null || { echo "$0: $tool is needed (Debian: apt-get install build-essential flex bison bc)" >&2; exit 2; }
done
for p in "$@"; do
  echo "applying $p"
  patch -d "$src" -p1 --forward < "$p"
done
cd "$src"
make ARCH=um defconfig
# what the conformance kernels have: XFS, hostfs, tracepoints, time travel,
# the brd RAM disk holding the filesystem (64 MiB), no UML_RANDOM
scripts/config -e XFS_FS -e BLK_DEV_UBD -e HOSTFS -e FTRACE -e ENABLE_DEFAULT_TRACERS \
  -e UML_TIME_TRAVEL_SUPPORT -e PROC_FS -e SYSFS -e DEBUG_FS -e BLK_DEV_IO_TRACE -e TMPFS \
  -e BLK_DEV_RAM --set-val BLK_DEV_RAM_SIZE 65536 -d UML_RANDOM
make ARCH=um olddefconfig
make ARCH=um -j"$(nproc)" linux
cd - >/dev/null
cp "$src/linux" "$out"
strip "$out"
echo "built $out"
