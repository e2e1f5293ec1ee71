/* oracle.h — what a correct kernel shows for each file: the expected contents,
 * their checks and the fsync'd copy (oracle.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/task.h"

/* The file's [off, off+len) becomes the run d, or src's bytes at soff. */
void vm_oracle_fill (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len,
                     const VmContentDesc *d);
void vm_oracle_copy (VmemuMachine *m, VmemuInode *ino, guint64 off, const VmContent *src,
                     guint64 soff, guint64 len);
void vm_oracle_set_size (VmemuMachine *m, VmemuInode *ino, guint64 size);
void vm_oracle_zero (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len);
void vm_oracle_collapse (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len,
                         guint64 size);
void vm_oracle_insert (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, guint64 old);
void vm_oracle_read (VmemuInode *ino, guint64 off, guint64 len, guint8 *buf);
/* Hold found's [foff, foff+len) (NULL: zeros) to the file's [off, off+len). */
void vm_oracle_compare (VmemuMachine *m, VmOpState *st, VmemuInode *ino, guint64 off,
                        const VmContent *found, guint64 foff, guint64 len);
void vm_oracle_report (VmemuMachine *m, VmemuActor *a, VmOpState *st, VmemuInode *ino,
                       const char *kind, guint64 off, guint64 len);
/* The per-page oracle generations of a new inode (ino->page_gen). */
VmBmap *vm_oracle_page_gen_new (void);
void vm_oracle_make_durable (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end);
/* The run of bytes a write or mwrite stores from file offset file_off on. */
VmContentDesc vm_data_desc (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 file_off);
