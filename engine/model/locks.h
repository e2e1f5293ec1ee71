/* locks.h — the sleeping inode locks, XFS IOLOCK / MMAPLOCK (locks.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

void vm_rwsem_init (VmRwsem *sem, int cls);
/* down_read / down_write: VM_DONE once held (again VM_DONE when the actor
 * already holds it), VM_BLOCKED while queued; call again when woken. */
VmStep vm_rwsem_down (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmRwsem *sem, int mode);
void vm_rwsem_up (VmemuMachine *m, VmemuActor *a, VmRwsem *sem);
/* The locks a syscall takes for its whole length, as 5.8 XFS does. */
VmStep vm_op_ilock (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
void vm_op_iunlock (VmemuMachine *m, VmemuActor *a);
/* Power cut: every task holding or waiting died. */
void vm_locks_forget (VmemuMachine *m);
