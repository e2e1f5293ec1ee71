/* xfs.h — the XFS-like filesystem's extents, allocation and iomap_begin (xfs.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/inode.h"

VmBmap *vm_blk_map_new (void);   /* an empty data fork */
VmBlk vm_blk_get (VmemuInode *ino, guint64 blk);
void vm_blk_set (VmemuInode *ino, guint64 blk, VmBlkType type, guint64 pblk);
guint64 vm_pblk_alloc (VmemuMachine *m);
void vm_pblk_free (VmemuMachine *m, guint64 pblk);
void vm_xfs_reserve_delalloc (VmemuMachine *m, VmemuInode *ino, guint64 pos, guint64 len);
void vm_blk_shift (VmemuInode *ino, guint64 from, guint64 shift, gboolean up);
void vm_blk_drop_delalloc (VmemuInode *ino);
VmBlkType vm_xfs_map_blocks (VmemuMachine *m, VmemuInode *ino, guint64 blk, guint64 *pblk);
void vm_xfs_free_blocks (VmemuMachine *m, VmemuInode *ino, guint64 first_blk, guint64 last_blk);
gboolean vm_block_needs_zeroing (VmemuMachine *m, VmemuInode *ino, guint64 pos);
