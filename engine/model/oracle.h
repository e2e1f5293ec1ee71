/* oracle.h — what a correct kernel shows for each file: the expected contents,
 * their checks and the fsync'd copy (oracle.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/task.h"

void vm_oracle_write (VmemuMachine *m, VmemuInode *ino, guint64 off, const guint8 *buf,
                      guint64 len);
void vm_oracle_set_size (VmemuMachine *m, VmemuInode *ino, guint64 size);
void vm_oracle_zero (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len);
void vm_oracle_collapse (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len,
                         guint64 size);
void vm_oracle_insert (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, guint64 old);
void vm_oracle_read (VmemuInode *ino, guint64 off, guint64 len, guint8 *buf);
void vm_oracle_compare (VmemuMachine *m, VmOpState *st, VmemuInode *ino, guint64 off,
                        const guint8 *found, guint64 len);
void vm_oracle_report (VmemuMachine *m, VmemuActor *a, VmOpState *st, VmemuInode *ino,
                       const char *kind, guint64 off, guint64 len);
void vm_oracle_make_durable (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end);
void vm_data_fill (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 file_off,
                   guint8 *buf, gsize len);
