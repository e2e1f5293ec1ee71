/* writeback.h — writeback.h: struct writeback_control, the pagevec a writeback walk
 * holds, and mm/page-writeback.c + fs/fs-writeback.c.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

/* A pagevec filled by pagevec_lookup_range_tag(): up to PAGEVEC_SIZE pages,
 * each with a VMEMU_REF_WBBATCH reference, held until pagevec_release() --
 * across every sleep on a later page of the batch (lock_page,
 * wait_on_page_writeback).  Used by write_cache_pages and
 * __filemap_fdatawait_range. */
typedef struct {
  VmemuPage *pages[VM_PAGEVEC_SIZE];
  guint nr;                      /* pages in the batch */
  guint i;                       /* the page being worked on */
  gboolean drained;              /* percpu_pvec_drained: the first release drained */
  gboolean locked;               /* write_cache_pages holds pages[i]'s lock */
  gboolean started;              /* a walk is in progress (index is valid) */
  guint64 index;                 /* next index to look up from */
} VmWbBatch;

/* Restartable state of a write_cache_pages pass (struct writeback_control). */
struct _VmemuWbc {
  VmemuInode *inode;
  gboolean sync_all;             /* WB_SYNC_ALL */
  gboolean for_reclaim, for_kupdate, for_background;
  guint64 start, end;            /* page index range (inclusive) */
  gboolean cyclic;
  gboolean range_whole;          /* range_start 0 .. LLONG_MAX: stores writeback_index */
  gint64 nr_to_write;
  /* progress */
  gboolean started;
  VmWbBatch pvec;                /* the pagevec write_cache_pages holds */
  gboolean done;                 /* stop after this batch (nr_to_write used up) */
  guint64 done_index;            /* index of the last page looked at (cyclic restart) */
  VmemuPage *page;               /* copy_file_range parks its pipe page here (fsops.c) */
  guint64 written;
  int error;
  VmemuBio *ioend;               /* the ioend being built (iomap_writepage_ctx) */
};

gboolean vm_set_page_dirty (VmemuMachine *m, VmemuPage *p);
gboolean vm_clear_page_dirty_for_io (VmemuMachine *m, VmemuPage *p);
void vm_cancel_dirty_page (VmemuMachine *m, VmemuPage *p);
void vm_set_page_writeback (VmemuMachine *m, VmemuPage *p, gboolean keepwrite);
void vm_redirty_page_for_writepage (VmemuMachine *m, VmemuPage *p, int reason);
void vm_wbc_init (VmemuWbc *wbc, VmemuInode *ino, gboolean sync_all, guint64 start,
                  guint64 end);
VmStep vm_write_cache_pages (VmemuMachine *m, VmemuActor *a, VmemuWbc *wbc);
VmStep vm_filemap_fdatawait_range (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                   guint64 start, guint64 end);
void vm_mapping_set_error (VmemuMachine *m, VmemuInode *ino, int error);
void vm_flusher_resume (VmemuMachine *m, VmemuActor *a);
void vm_wb_wakeup_delayed (VmemuMachine *m);
void vm_wb_start_background (VmemuMachine *m);
void vm_wakeup_flusher_threads (VmemuMachine *m);
VmStep vm_balance_dirty_pages_ratelimited (VmemuMachine *m, VmemuActor *a);
void vm_dirty_thresholds (VmemuMachine *m, guint64 *bg, guint64 *thresh);
