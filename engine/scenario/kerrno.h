/* kerrno.h — the one home of errno values in vmemu: Linux's asm-generic
 * numbers (what 5.8 returns on every architecture the model stands for),
 * independent of the host's <errno.h>.  The model returns them negated
 * (-VMEMU_EIO), as the kernel does; scenarios name them (`expect: { error:
 * EIO }`) through vmemu_errno_name() / vmemu_errno_from_name() (scenario.h),
 * whose table is built from the same list.
 */
#pragma once

/* X (name, value), in value order. */
#define VMEMU_ERRNO_LIST(X)                                                                 \
  X (EPERM, 1) X (ENOENT, 2) X (EINTR, 4) X (EIO, 5) X (EBADF, 9) X (EAGAIN, 11)            \
  X (ENOMEM, 12) X (EFAULT, 14) X (EBUSY, 16) X (EEXIST, 17) X (EXDEV, 18) X (ENODEV, 19)   \
  X (EISDIR, 21) X (EINVAL, 22) X (ETXTBSY, 26) X (EFBIG, 27) X (ENOSPC, 28)               \
  X (ESPIPE, 29) X (EROFS, 30) X (EOVERFLOW, 75) X (EOPNOTSUPP, 95)

#define VMEMU_ERRNO_ENUM_(name, value) VMEMU_##name = value,
enum { VMEMU_ERRNO_LIST (VMEMU_ERRNO_ENUM_) };
#undef VMEMU_ERRNO_ENUM_
