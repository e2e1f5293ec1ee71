/* fsops.h — fallocate family, copy_file_range, direct I/O, migration (fsops.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

/* Each is a restartable operation (VM_BLOCKED / VM_DONE with a->st.result). */
VmStep vm_fsop_fallocate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_punch_hole (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_zero_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_collapse_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_insert_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_copy_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* read/write with `direct: true` (iomap_dio_rw) */
VmStep vm_fsop_direct_io (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, gboolean write);
VmStep vm_fsop_migrate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* Completion of a VM_BIO_DIO_READ / VM_BIO_DIO_WRITE bio (called by bdev.c). */
void vm_dio_end_io (VmemuMachine *m, VmemuBio *bio);
