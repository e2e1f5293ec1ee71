/* filemap.h — mm/filemap.c and the user operations (ops.c): page lookup, buffered
 * read and write steps, fsync, isize changes, the op dispatcher.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

/* Internal operations of the final check. */
#define VM_OP_FINAL_CLEANUP (VMEMU_OP__COUNT + 1)
#define VM_OP_FINAL_EVICT (VMEMU_OP__COUNT + 2)
/* The inode an op names (NULL: none). */
VmemuInode *vm_op_inode (VmemuMachine *m, const VmemuOp *op);
VmStep vm_op_step (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* inode_sb_list_add when the inode first becomes in-core (xfs_iget on the
 * first lookup, or set-up with cached pages): s_inodes is headed by the
 * most recent one. */
void vm_inode_sb_list_add (VmemuMachine *m, VmemuInode *ino);


/* The page lookup shared by read, splice and faults. */
typedef struct {
  VmemuInode *ino;
  guint64 index;
  int holder;                /* VMEMU_REF_* the reference is taken as */
  gboolean want_lock;        /* filemap_fault returns the page locked */
  gboolean mmap_ra;          /* do_sync_mmap_readahead window */
  guint64 req_pages;
  guint from, count;         /* the byte range a read needs (is_partially_uptodate) */
} VmGetPage;
/* Restartable (state in a->st.sub / a->st.page).  VM_DONE: a->st.page is the
 * page with a gp->holder reference, or NULL with a->st.result < 0. */
VmStep vm_get_page_uptodate (VmemuMachine *m, VmemuActor *a, const VmGetPage *gp);

/* One page of a buffered write (or zeroing) of [a->st.pos, +a->st.chunk):
 * restartable through a->st.phase (WR_LOOKUP at start) and a->st.page. */
enum { WR_LOOKUP, WR_LOCK, WR_BEGIN, WR_COPY, WR_BALANCE, WR_ISIZE };
VmStep vm_write_page (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuInode *ino,
                      gboolean zero);
/* The same with the bytes taken from another page (copy_file_range's pipe
 * buffer): from->page at from->off, whose expected bytes are the oracle's at
 * from->src_pos. */
typedef struct {
  VmemuPage *page;
  guint off;
  guint64 src_pos;
} VmWriteFromPage;
VmStep vm_write_page_from (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                           const VmWriteFromPage *from);
/* iomap_zero_range within one page: [pos, end); holes/unwritten skipped;
 * a->st.count++ when something was zeroed. */
VmStep vm_zero_range_step (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 pos,
                           guint64 end);
/* filemap_write_and_wait_range over bytes [start, end] (a->st.phase FS_*). */
enum { FS_WRITE, FS_WAIT, FS_CHECK };
VmStep vm_write_and_wait (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 start,
                          guint64 end, gboolean wait);
/* pagecache_isize_extended (mm/truncate.c) after i_size grew from `from` to
 * `to`: restartable through a->st.page (NULL at start). */
VmStep vm_pagecache_isize_extended (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                    guint64 from, guint64 to);
int vm_check_and_advance_wb_err (VmemuMachine *m, VmemuActor *a, VmemuInode *ino);

void vm_task_exit (VmemuMachine *m, VmemuActor *a);
