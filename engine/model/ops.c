/* ops.c — the scenario operations as the kernel runs them for a task: read
 * (generic_file_buffered_read), write (iomap_file_buffered_write), the
 * dispatch of mmap / loads / stores to the fault path (mmap.c), msync/fsync
 * (file_write_and_wait_range),
 * truncate (xfs_setattr_size), drop_caches, splice, anonymous memory.
 *
 * Every operation is restartable: it runs until it must sleep (a locked page,
 * I/O, writeback, a timer), returns VM_BLOCKED with its progress in a->st,
 * and is called again when woken.  Wake-ups may be spurious; each step
 * re-checks its condition, as the kernel's retry loops do.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/xfs.h"
#include "engine/model/reclaim.h"
#include "engine/model/mmap.h"
#include "engine/model/locks.h"
#include "engine/model/folio.h"
#include "engine/model/crash.h"
#include "engine/model/oracle.h"
#include "engine/model/readahead.h"
#include "engine/model/filemap.h"
#include "engine/model/fsops.h"

#include <string.h>



VmemuInode *
vm_op_inode (VmemuMachine *m, const VmemuOp *op)
{
  return op->file >= 0 ? g_ptr_array_index (m->inodes, op->file) : NULL;
}

static gboolean
timer_pending (VmemuMachine *m, VmemuActor *a)
{
  return a->st.timer_until_ns && vm_now (m) < a->st.timer_until_ns;
}

/* ---- the page lookup shared by read, splice and faults ---- */

enum { GP_LOOKUP, GP_HAVE, GP_READING };

/* Find the page with a reference of gp->holder, reading it in as needed:
 * readahead on a miss, ->readpage when it is not uptodate, sleeping while it
 * is locked.  On VM_DONE st->page is the page (uptodate, or usable through
 * is_partially_uptodate), or NULL with st->result set. */
VmStep
vm_get_page_uptodate (VmemuMachine *m, VmemuActor *a, const VmGetPage *gp)
{
  VmOpState *st = &a->st;
  for (;;)
    switch (st->sub)
      {
      case GP_LOOKUP:
        {
          VmemuPage *p = vm_find_get_page (m, gp->ino, gp->index, gp->holder);
          if (gp->mmap_ra)
            {
              /* filemap_fault: async read-around on a hit, sync on a miss */
              if (p != NULL)
                vm_do_async_mmap_readahead (m, a, gp->ino, p, gp->index);
              else
                {
                  vm_do_sync_mmap_readahead (m, a, gp->ino, gp->index);
                  p = vm_find_get_page (m, gp->ino, gp->index, gp->holder);
                }
            }
          else
            {
              /* generic_file_buffered_read: page_cache_sync_readahead on a
               * miss, then page_cache_async_readahead on a marked page */
              if (p == NULL)
                {
                  vm_page_cache_sync_readahead (m, a, gp->ino, gp->index, gp->req_pages);
                  p = vm_find_get_page (m, gp->ino, gp->index, gp->holder);
                }
              if (p != NULL && (p->flags & VMEMU_PG_READAHEAD))
                vm_page_cache_async_readahead (m, a, gp->ino, p, gp->index, gp->req_pages);
            }
          if (p == NULL)
            {
              p = vm_page_alloc (m, gp->holder);
              if (p == NULL)
                {
                  vm_depends_on (m, OOM_SIMPLIFIED);
                  st->result = -VMEMU_ENOMEM;
                  return VM_DONE;
                }
              vm_add_to_page_cache_lru (m, a, p, gp->ino, gp->index);
              st->page = p;
              gp->ino->a_ops->readpage (m, p);
              st->sub = GP_READING;
              break;
            }
          st->page = p;
          st->sub = GP_HAVE;
          break;
        }
      case GP_HAVE:
        {
          VmemuPage *p = st->page;
          if (p->flags & VMEMU_PG_UPTODATE)
            {
              if (gp->want_lock)
                {
                  if (vm_lock_page (m, a, p) == VM_BLOCKED)
                    return VM_BLOCKED;
                  if (vm_page_mapping (m, p) != gp->ino)
                    {
                      vm_unlock_page (m, p);
                      vm_put_page (m, p, gp->holder);
                      st->page = NULL;
                      st->sub = GP_LOOKUP;
                      break;
                    }
                }
              st->sub = GP_LOOKUP;
              return VM_DONE;
            }
          if (p->flags & VMEMU_PG_LOCKED)
            return vm_wait_on_page (m, a, p);
          if (!gp->want_lock && gp->count && m->blocks_per_page > 1
              && gp->ino->a_ops->is_partially_uptodate (m, p, gp->from, gp->count))
            {
              st->sub = GP_LOOKUP;
              return VM_DONE;
            }
          vm_trylock_page (p);
          if (vm_page_mapping (m, p) != gp->ino)
            {
              vm_unlock_page (m, p);
              vm_put_page (m, p, gp->holder);
              st->page = NULL;
              st->sub = GP_LOOKUP;
              break;
            }
          p->flags &= ~VMEMU_PG_ERROR;
          gp->ino->a_ops->readpage (m, p);
          st->sub = GP_READING;
          break;
        }
      default:   /* GP_READING */
        {
          VmemuPage *p = st->page;
          if (p->flags & VMEMU_PG_LOCKED)
            return vm_wait_on_page (m, a, p);
          if (!(p->flags & VMEMU_PG_UPTODATE))
            {
              if (!gp->want_lock)
                {
                  /* generic_file_buffered_read after ->readpage: lock the
                   * page; if a truncate or invalidate_mapping_pages took it
                   * out of the cache meanwhile (page->mapping NULL), look
                   * it up again ("goto find_page") instead of failing */
                  if (vm_lock_page (m, a, p) == VM_BLOCKED)
                    return VM_BLOCKED;
                  gboolean up = (p->flags & VMEMU_PG_UPTODATE) != 0, gone = vm_page_mapping (m, p) == NULL;
                  vm_unlock_page (m, p);
                  if (up)
                    {
                      st->sub = GP_HAVE;
                      break;
                    }
                  if (gone)
                    {
                      vm_put_page (m, p, gp->holder);
                      st->page = NULL;
                      st->sub = GP_LOOKUP;
                      break;
                    }
                }
              /* shrink_readahead_size_eio; filemap_fault: VM_FAULT_SIGBUS */
              vm_file_ra (a, gp->ino)->ra_pages /= 4;
              vm_put_page (m, p, gp->holder);
              st->page = NULL;
              st->sub = GP_LOOKUP;
              st->result = -VMEMU_EIO;
              return VM_DONE;
            }
          st->sub = GP_HAVE;
          break;
        }
      }
}

/* ---- read, verify, splice ---- */

enum { RD_GET, RD_HOLD };

/* generic_file_buffered_read: per page, find it (reading it in), mark it
 * accessed, copy with the page unlocked but referenced (for `hold` when the
 * copy is slow), put it.  Every byte copied is compared with the oracle. */
static VmStep
op_read (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, const char *kind, int holder,
         gint pipe)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = vm_op_inode (m, op);
  for (;;)
    {
      if (st->phase == RD_HOLD)
        {
          if (timer_pending (m, a))
            return VM_BLOCKED;
          st->timer_until_ns = 0;
          vm_put_page (m, st->page, holder);
          st->page = NULL;
          st->pos += st->chunk;
          st->phase = RD_GET;
        }
      guint64 end = MIN (st->end, ino->i_size);
      if (st->pos >= end || st->result < 0)
        break;
      if (pipe >= 0 && st->count >= 16)
        break;   /* PIPE_DEF_BUFFERS */
      guint64 index = st->pos >> m->page_shift;
      guint off = (guint) (st->pos & (m->page_size - 1));
      guint n = (guint) MIN (m->page_size - off, end - st->pos);
      VmGetPage gp = { .ino = ino, .index = index, .holder = holder,
                     .req_pages = ((end - 1) >> m->page_shift) - index + 1,
                     .from = off, .count = n };
      if (vm_get_page_uptodate (m, a, &gp) == VM_BLOCKED)
        return VM_BLOCKED;
      if (st->page == NULL)
        break;
      VmemuPage *p = st->page;
      n = (guint) MIN (n, ino->i_size > st->pos ? ino->i_size - st->pos : 0);
      /* "When a sequential read accesses a page several times, only mark
       * it accessed the first time": the read's first page is skipped when
       * it starts where the previous read of this file ended (ra->prev_pos);
       * every later page of the read starts at offset 0 after its
       * predecessor, so it is marked. */
      VmRaState *ra = vm_file_ra (a, ino);
      if (st->pos != op->offset_bytes || ra->prev_pos == G_MAXUINT64
          || index != ra->prev_pos >> m->page_shift || off != (ra->prev_pos & (m->page_size - 1)))
        vm_mark_page_accessed (m, p);
      VmContentView view;
      vm_oracle_compare (m, st, ino, st->pos, vm_page_content_peek (m, p, &view), off, n);
      if (pipe >= 0)
        {
          vm_get_page (m, p, VMEMU_REF_PIPE);
          g_ptr_array_add (g_ptr_array_index (m->pipes, pipe), p);
          vm_trace_page (m, VMEMU_EV_SPLICE_TO_PIPE, p, p->flags, pipe, 0, 0, 0, NULL);
          st->count++;
        }
      st->phase = RD_HOLD;
      st->chunk = n;
      if (op->hold_ns)
        {
          vm_actor_sleep_until (m, a, vm_now (m) + op->hold_ns);
          return VM_BLOCKED;
        }
    }
  if (st->page != NULL && st->phase == RD_GET)
    {
      /* woken from a page lookup to find the file truncated below pos: the
       * reference taken for the lookup goes (generic_file_buffered_read's
       * put_page before "goto out") */
      vm_put_page (m, st->page, holder);
      st->page = NULL;
      st->sub = GP_LOOKUP;
    }
  if (st->pos > op->offset_bytes)
    vm_ra_set_prev_pos (m, a, ino, st->pos);   /* ra->prev_pos at the exit */
  vm_oracle_report (m, a, st, ino, kind, op->offset_bytes, st->pos - op->offset_bytes);
  if (st->result == 0)
    st->result = (int) MIN (st->pos - op->offset_bytes, G_MAXINT);
  return VM_DONE;
}

/* ---- buffered write and zeroing through the write path ---- */



/* One page of iomap_write_actor (or iomap_zero_range_actor when zero): find or
 * create the page locked, __iomap_write_begin, copy, __iomap_write_end,
 * extend i_size, unlock, balance_dirty_pages_ratelimited.  The write covers
 * [st->pos, st->pos + st->chunk). */
static VmStep
write_page (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuInode *ino, gboolean zero,
            const VmWriteFromPage *from)
{
  VmOpState *st = &a->st;
  for (;;)
    switch (st->phase)
      {
      case WR_LOOKUP:
        {
          guint64 index = st->pos >> m->page_shift;
          m->fs_ops->iomap_ops.iomap_begin (m, ino, st->pos, st->chunk);   /* ->iomap_begin */
          VmemuPage *p = vm_find_get_page (m, ino, index, VMEMU_REF_LOOKUP);
          if (p == NULL)
            {
              p = vm_page_alloc (m, VMEMU_REF_LOOKUP);
              if (p == NULL)
                {
                  vm_depends_on (m, OOM_SIMPLIFIED);
                  st->result = -VMEMU_ENOMEM;
                  return VM_DONE;
                }
              vm_add_to_page_cache_lru (m, a, p, ino, index);   /* returns it locked */
              st->page = p;
              st->phase = WR_BEGIN;
              break;
            }
          st->page = p;
          st->phase = WR_LOCK;
          break;
        }
      case WR_LOCK:
        if (vm_lock_page (m, a, st->page) == VM_BLOCKED)
          return VM_BLOCKED;
        if (vm_page_mapping (m, st->page) != ino)
          {
            vm_unlock_page (m, st->page);
            vm_put_page (m, st->page, VMEMU_REF_LOOKUP);
            st->page = NULL;
            st->phase = WR_LOOKUP;
            break;
          }
        st->phase = WR_BEGIN;
        break;
      case WR_BEGIN:
        {
          int err;
          if (m->fs_ops->iomap.write_begin (m, a, st->page, st->pos, st->chunk, &err) == VM_BLOCKED)
            return VM_BLOCKED;
          if (err)
            {
              vm_unlock_page (m, st->page);
              vm_put_page (m, st->page, VMEMU_REF_LOOKUP);
              st->page = NULL;
              st->result = err;
              return VM_DONE;
            }
          st->phase = WR_COPY;
          break;
        }
      case WR_COPY:
        {
          VmemuPage *p = st->page;
          guint off = (guint) (st->pos & (m->page_size - 1));
          if (zero)
            {
              if (vm_page_has_content (p))   /* a page without contents is zero already */
                vmemu_content_zero (vm_page_content (m, p), off, st->chunk);
            }
          else if (from)
            {
              /* iov_iter_copy_from_user_atomic from the pipe's page (the
               * same page, maybe: the copy is a memmove); the oracle gets
               * the source range's expected bytes */
              VmContent *dst = vm_page_content (m, p);
              VmContentView view;
              vmemu_content_copy (dst, off, vm_page_content_peek (m, from->page, &view),
                                  from->off, st->chunk);
              vm_oracle_copy (m, ino, st->pos, ino->expected, from->src_pos, st->chunk);
            }
          else
            {
              VmContentDesc d = vm_data_desc (m, a, op, st->pos);
              vm_page_content_fill (m, p, off, st->chunk, &d);
              vm_oracle_fill (m, ino, st->pos, st->chunk, &d);
            }
          vm_page_content_done (m, p);
          m->fs_ops->iomap.write_end (m, p, st->pos, st->chunk);
          st->isize_from = ino->i_size;   /* iomap_write_end's old_size */
          if (!zero && st->pos + st->chunk > ino->i_size)
            ino->i_size = st->pos + st->chunk;
          vm_unlock_page (m, p);
          st->page = NULL;
          /* iomap_write_end: "if (old_size < pos) pagecache_isize_extended",
           * after unlock_page and before put_page (the model's page ref is
           * dropped first: the helper takes its own) */
          vm_put_page (m, p, VMEMU_REF_LOOKUP);
          st->phase = st->isize_from < st->pos ? WR_ISIZE : WR_BALANCE;
          break;
        }
      case WR_ISIZE:
        if (vm_pagecache_isize_extended (m, a, ino, st->isize_from, st->pos) == VM_BLOCKED)
          return VM_BLOCKED;
        st->phase = WR_BALANCE;
        break;
      default:   /* WR_BALANCE */
        if (vm_balance_dirty_pages_ratelimited (m, a) == VM_BLOCKED)
          return VM_BLOCKED;
        st->phase = WR_LOOKUP;
        return VM_DONE;
      }
}

VmStep
vm_write_page (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuInode *ino, gboolean zero)
{
  return write_page (m, a, op, ino, zero, NULL);
}

VmStep
vm_write_page_from (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, const VmWriteFromPage *from)
{
  return write_page (m, a, NULL, ino, FALSE, from);
}

/* iomap_zero_range for [pos, end) limited to one page: holes and unwritten
 * extents are already zero and skipped; the rest goes through the write path.
 * Returns VM_DONE with st->count += 1 when it zeroed something. */
VmStep
vm_zero_range_step (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 pos, guint64 end)
{
  VmOpState *st = &a->st;
  if (st->phase == WR_LOOKUP && st->page == NULL)
    {
      VmBlkType t = vm_blk_get (ino, pos >> m->blkbits).type;
      if (t == VM_BLK_HOLE || t == VM_BLK_UNWRITTEN || pos >= end)
        return VM_DONE;
      st->pos = pos;
      st->chunk = (guint) MIN (end - pos, m->page_size - (pos & (m->page_size - 1)));
      vm_trace_inode (m, VMEMU_EV_IOMAP_ZERO_RANGE, ino, (gint64) pos, st->chunk, 0, 0, NULL);
    }
  VmStep r = vm_write_page (m, a, NULL, ino, TRUE);
  if (r == VM_DONE)
    st->count++;
  return r;
}

/* xfs_file_buffered_aio_write -> iomap_file_buffered_write.  A write that
 * starts past EOF first zeroes the rest of the old EOF block
 * (xfs_file_aio_write_checks -> iomap_zero_range; holes and unwritten
 * extents are already zero). */
static VmStep
op_write (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = vm_op_inode (m, op);
  if (st->blk_pos == 0 && st->sub == 0 && op->offset_bytes > ino->i_size
      && (ino->i_size & (m->block_size - 1)))
    {
      guint64 z = ino->i_size;
      guint64 zend = MIN (op->offset_bytes, (z + m->block_size - 1) & ~(guint64) (m->block_size - 1));
      st->sub = 1;
      st->count = 0;
      if (vm_zero_range_step (m, a, ino, z, zend) == VM_BLOCKED)
        return VM_BLOCKED;
    }
  else if (st->sub == 1)
    {
      /* resumed inside the EOF zeroing: finish it */
      if (vm_zero_range_step (m, a, ino, 0, 0) == VM_BLOCKED)
        return VM_BLOCKED;
    }
  if (st->sub == 1)
    {
      st->sub = 2;
      st->pos = op->offset_bytes;
      st->phase = WR_LOOKUP;
    }
  while (st->result >= 0)
    {
      if (st->phase == WR_LOOKUP && st->page == NULL)
        {
          if (st->pos >= st->end)
            break;
          st->chunk = (guint) MIN (st->end - st->pos,
                                   m->page_size - (st->pos & (m->page_size - 1)));
          if (st->pos + st->chunk > ino->i_size)
            vm_oracle_set_size (m, ino, st->pos + st->chunk);
        }
      if (vm_write_page (m, a, op, ino, FALSE) == VM_BLOCKED)
        return VM_BLOCKED;
      if (st->result < 0)
        break;
      st->pos += st->chunk;
    }
  if (st->result == 0)
    st->result = (int) MIN (st->pos - op->offset_bytes, G_MAXINT);
  return VM_DONE;
}

/* ---- fsync and friends ---- */



/* file_write_and_wait_range over [start, end] bytes, then the errseq check
 * (file_check_and_advance_wb_err).  `check`: report errors to this caller. */
VmStep
vm_write_and_wait (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 start, guint64 end,
                gboolean sync_all_wait)
{
  VmOpState *st = &a->st;
  guint64 first = start >> m->page_shift, last = end >> m->page_shift;
  for (;;)
    switch (st->phase)
      {
      case FS_WRITE:
        if (!st->wbc.started && st->wbc.inode != ino)
          {
            vm_wbc_init (&st->wbc, ino, TRUE, first, last);
            st->wbc.range_whole = start == 0 && end == G_MAXUINT64;
          }
        if (vm_write_cache_pages (m, a, &st->wbc) == VM_BLOCKED)
          return VM_BLOCKED;
        st->wbc.inode = NULL;
        st->wbc.started = FALSE;
        st->phase = sync_all_wait ? FS_WAIT : FS_CHECK;
        break;
      case FS_WAIT:
        if (vm_filemap_fdatawait_range (m, a, ino, first, last) == VM_BLOCKED)
          return VM_BLOCKED;
        st->phase = FS_CHECK;
        break;
      default:
        st->phase = FS_WRITE;
        return VM_DONE;
      }
}

/* errseq: report a writeback error once to each task that had the file open
 * when it happened. */
int
vm_check_and_advance_wb_err (VmemuMachine *m, VmemuActor *a, VmemuInode *ino)
{
  guint32 *seen = &a->errseq[ino->file_idx];
  int err = 0;
  if (*seen != ino->wb_err_seq)
    {
      err = ino->wb_err;
      *seen = ino->wb_err_seq;
    }
  vm_trace_inode (m, VMEMU_EV_CHECK_WB_ERR, ino, -err, 0, 0, 0, NULL);
  return err;
}

/* xfs_file_fsync (and msync MS_SYNC through vfs_fsync_range): write and wait
 * the range, then report a writeback error once. */
static VmStep
op_fsync_range (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 start, guint64 end,
                gboolean datasync)
{
  VmOpState *st = &a->st;
  if (st->phase == FS_WRITE && !st->wbc.started)
    vm_trace_inode (m, VMEMU_EV_XFS_FILE_FSYNC, ino, datasync, 0, 0, 0, NULL);
  if (vm_write_and_wait (m, a, ino, start, end, TRUE) == VM_BLOCKED)
    return VM_BLOCKED;
  st->result = vm_check_and_advance_wb_err (m, a, ino);
  if (st->result == 0)
    vm_oracle_make_durable (m, ino, start, end == G_MAXUINT64 ? G_MAXUINT64 : end + 1);
  return VM_DONE;
}

/* sync(2): every inode with pages, written and waited for in turn. */
static VmStep
op_sync (VmemuMachine *m, VmemuActor *a)
{
  VmOpState *st = &a->st;
  while (st->ino_i < m->inodes->len)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, st->ino_i);
      if (vm_write_and_wait (m, a, ino, 0, G_MAXUINT64, TRUE) == VM_BLOCKED)
        return VM_BLOCKED;
      vm_oracle_make_durable (m, ino, 0, G_MAXUINT64);
      st->ino_i++;
    }
  return VM_DONE;
}

/* ---- truncate (xfs_setattr_size) ---- */

/* pagecache_isize_extended (mm/truncate.c, 5.8), from truncate_setsize on an
 * extending truncate and from iomap_write_end when old_size < pos: when
 * blocks are smaller than pages and the page straddling the old size gains
 * blocks inside the new EOF (round_up(from, bsize) is inside the page and
 * below `to`), find_lock_page that page and page_mkclean it (set_page_dirty
 * when a PTE was dirty), so the next store through a mapping faults into
 * ->page_mkwrite, which reserves the blocks now inside EOF.  Restartable:
 * st->page holds the page (LOOKUP ref) while sleeping on its lock. */
VmStep
vm_pagecache_isize_extended (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 from,
                             guint64 to)
{
  VmOpState *st = &a->st;
  for (;;)
    {
      if (st->page == NULL)
        {
          if (from >= to || m->block_size == m->page_size)
            return VM_DONE;
          guint64 rounded = (from + m->block_size - 1) & ~(guint64) (m->block_size - 1);
          if (to <= rounded || !(rounded & (m->page_size - 1)))
            return VM_DONE;   /* no hole block created inside the old EOF page */
          st->page = vm_find_get_page (m, ino, from >> m->page_shift, VMEMU_REF_LOOKUP);
          if (st->page == NULL)
            return VM_DONE;   /* not cached: nothing can be mapped */
        }
      VmemuPage *p = st->page;
      if (vm_lock_page (m, a, p) == VM_BLOCKED)
        return VM_BLOCKED;
      if (vm_page_mapping (m, p) != ino)
        {
          /* find_lock_page: truncated while we slept, look again */
          vm_unlock_page (m, p);
          vm_put_page (m, p, VMEMU_REF_LOOKUP);
          st->page = NULL;
          continue;
        }
      if (vm_page_mkclean_from (m, p, "pagecache_isize_extended"))
        vm_set_page_dirty (m, p);
      vm_unlock_page (m, p);
      vm_put_page (m, p, VMEMU_REF_LOOKUP);
      st->page = NULL;
      return VM_DONE;
    }
}

enum { TR_ZERO, TR_WAIT, TR_CUT, TR_FLUSH, TR_EXTENTS, TR_ISIZE };

static VmStep
op_truncate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = vm_op_inode (m, op);
  guint64 newsize = op->size_bytes;
  for (;;)
    switch (st->sub)
      {
      case TR_ZERO:
        {
          /* iomap_truncate_page (down) / iomap_zero_range from the old EOF (up),
           * both within the block holding the boundary. */
          guint64 old = st->end;   /* old size, saved at start */
          guint64 z = newsize < old ? newsize : old;
          guint64 zend = MIN ((z + m->block_size - 1) & ~(guint64) (m->block_size - 1),
                              newsize < old ? G_MAXUINT64 : newsize);
          if (z & (m->block_size - 1))
            {
              if (newsize < old && st->count == 0 && st->page == NULL && st->phase == WR_LOOKUP)
                vm_trace_inode (m, VMEMU_EV_IOMAP_TRUNCATE_PAGE, ino, (gint64) newsize, 0, 0, 0,
                                NULL);
              if (vm_zero_range_step (m, a, ino, z, zend) == VM_BLOCKED)
                return VM_BLOCKED;
            }
          ino->i_size = newsize;   /* truncate_setsize */
          vm_oracle_set_size (m, ino, newsize);
          st->sub = TR_ISIZE;
          break;
        }
      case TR_ISIZE:
        /* truncate_setsize: i_size_write, then pagecache_isize_extended when
         * growing, then truncate_pagecache (unmap first) */
        if (newsize > st->end
            && vm_pagecache_isize_extended (m, a, ino, st->end, newsize) == VM_BLOCKED)
          return VM_BLOCKED;
        vm_unmap_mapping_pages (m, ino, (newsize + m->page_size - 1) >> m->page_shift,
                                G_MAXUINT64);
        st->sub = TR_WAIT;
        break;
      case TR_WAIT:
        {
          /* truncate_inode_pages_range sleeps on locked and writeback pages. */
          guint64 idx = newsize >> m->page_shift;
          VmemuPage *p;
          while ((p = vmemu_xa_find (ino->pages, &idx, G_MAXUINT64, VMEMU_XA_NO_MARK)) != NULL)
            {
              if (p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_WRITEBACK))
                return vm_wait_on_page (m, a, p);
              if (++idx == 0)
                break;
            }
          vm_truncate_inode_pages_range (m, ino, newsize, G_MAXUINT64);
          vm_unmap_mapping_pages (m, ino, (newsize + m->page_size - 1) >> m->page_shift,
                                  G_MAXUINT64);
          st->sub = TR_FLUSH;
          st->phase = FS_WRITE;
          break;
        }
      case TR_FLUSH:
        {
          guint64 old = st->end;
          if (st->count > 0 || (newsize > ino->disk_size && old != ino->disk_size))
            {
              guint64 s = MIN (ino->disk_size, newsize ? newsize - 1 : 0);
              if (vm_write_and_wait (m, a, ino, s, newsize ? newsize - 1 : 0, TRUE) == VM_BLOCKED)
                return VM_BLOCKED;
            }
          st->sub = TR_EXTENTS;
          break;
        }
      default:
        {
          /* xfs_itruncate_extents: blocks wholly past the new EOF go. */
          guint64 first = (newsize + m->block_size - 1) >> m->blkbits;
          if (newsize <= st->end && first < ino->blocks_len)   /* only when shrinking */
            m->fs_ops->i_op.itruncate_extents (m, ino, first, ino->blocks_len - 1);
          ino->disk_size = newsize;
          st->result = 0;
          return VM_DONE;
        }
      }
}


void
vm_inode_sb_list_add (VmemuMachine *m, VmemuInode *ino)
{
  if (ino->sb_list_seq == 0)
    ino->sb_list_seq = ++m->sb_list_next;
}

static gint
sb_list_cmp (gconstpointer x, gconstpointer y)
{
  const VmemuInode *a = *(VmemuInode *const *) x, *b = *(VmemuInode *const *) y;
  return a->sb_list_seq < b->sb_list_seq ? 1 : a->sb_list_seq > b->sb_list_seq ? -1 : 0;
}

/* drop_caches (drop_caches_sysctl_handler): mode 1 and 3 run
 * drop_pagecache_sb, mode 2 only drop_slab (dentries and inodes, not
 * modelled: an inode never leaves s_inodes here).  drop_pagecache_sb walks
 * s_inodes from its head, where inode_sb_list_add puts each new in-core
 * inode: the most recently instantiated first; inodes without pages are
 * skipped. */
static void
op_drop_caches (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  if (op->mode == 2)
    return;
  /* drop_caches_sysctl_handler -> iterate_supers(drop_pagecache_sb): the
   * superblocks are walked oldest first, so a real machine's root
   * filesystem comes before the scenario's.  Its first cached inode's
   * invalidate_mapping_pages ends a batch with pagevec_release, whose first
   * call per pagevec (__pagevec_release, percpu_pvec_drained) runs
   * lru_add_drain() on this CPU: pages a read left in this CPU's pagevecs
   * are on the LRU before the scenario's files are visited. */
  if (m->scn->machine.other_fs_cached)
    vm_lru_add_drain (m, a->cpu, "drop_caches: __pagevec_release on an earlier superblock");
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      if (ino->sb_list_seq)   /* stamps are unique: the sort is total */
        g_ptr_array_add (order, ino);
    }
  g_ptr_array_sort (order, sb_list_cmp);
  for (guint i = 0; i < order->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (order, i);
      if (vmemu_xa_count (ino->pages) > 0)
        vm_invalidate_mapping_pages (m, ino, 0, G_MAXUINT64);
    }
}

/* generic_fadvise(POSIX_FADV_DONTNEED): start async writeback of the range,
 * drain this CPU, invalidate whole pages (the last one too when the range
 * reaches EOF), and if some stayed, drain every CPU and try again. */
static VmStep
op_fadvise (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = vm_op_inode (m, op);
  /* len 0 (or an overflow) means "to the end": endbyte -1 */
  guint64 len = op->length_bytes;
  guint64 endbyte = op->offset_bytes + len;
  endbyte = (len == 0 || endbyte < len) ? G_MAXUINT64 : endbyte - 1;
  if (op->advice == VMEMU_ADVICE_WILLNEED)
    {
      /* first and last partial page; force_page_cache_readahead clamps to
       * ra_pages and reads from the start of the range */
      guint64 start_index = op->offset_bytes >> m->page_shift;
      guint64 nrpages = (endbyte >> m->page_shift) - start_index + 1;
      vm_force_page_cache_readahead (m, a, ino, start_index, nrpages ? nrpages : G_MAXUINT64);
      return VM_DONE;
    }
  if (st->phase == FS_WRITE)
    {
      if (!st->wbc.started && st->wbc.inode != ino)
        vm_wbc_init (&st->wbc, ino, FALSE, op->offset_bytes >> m->page_shift,
                     endbyte >> m->page_shift);
      if (vm_write_cache_pages (m, a, &st->wbc) == VM_BLOCKED)
        return VM_BLOCKED;
    }
  /* First and last FULL page: the last one is kept unless endbyte ends a
   * page or is the last byte of the file (i_size - 1); a range running past
   * EOF therefore keeps a partial EOF page. */
  guint64 start_index = (op->offset_bytes + m->page_size - 1) >> m->page_shift;
  guint64 end_index = endbyte >> m->page_shift;
  if ((endbyte & (m->page_size - 1)) != m->page_size - 1 && endbyte != ino->i_size - 1)
    {
      if (end_index == 0)
        return VM_DONE;
      end_index--;
    }
  if (end_index < start_index)
    return VM_DONE;
  vm_lru_add_drain (m, a->cpu, "fadvise");
  guint64 count = vm_invalidate_mapping_pages (m, ino, start_index, end_index);
  /* fewer invalidated than the range has indices (cached or not): maybe on
   * a remote CPU's pagevec, so drain every CPU and try again */
  if (count < end_index - start_index + 1)
    {
      vm_lru_add_drain_all (m, "fadvise");
      vm_invalidate_mapping_pages (m, ino, start_index, end_index);
    }
  return VM_DONE;
}

static void
op_allocate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  guint64 n = (op->size_bytes + m->page_size - 1) >> m->page_shift;
  if (!vm_alloc_pages_check (m, n))
    {
      vm_depends_on (m, OOM_SIMPLIFIED);
      a->st.result = -VMEMU_ENOMEM;
      return;
    }
  m->nr_free -= n;
  m->nr_anon += n;
  if ((guint) op->region >= a->regions->len)
    g_array_set_size (a->regions, op->region + 1);
  g_array_index (a->regions, guint64, op->region) += n;
  vm_trace (m, VMEMU_EV_MM_PAGE_ALLOC, (gint64) n, (gint64) m->nr_free, 0, 0, NULL);
}

static void
free_region (VmemuMachine *m, VmemuActor *a, gint region)
{
  if ((guint) region >= a->regions->len)
    return;
  guint64 n = g_array_index (a->regions, guint64, region);
  g_array_index (a->regions, guint64, region) = 0;
  m->nr_free += n;
  m->nr_anon -= n;
  if (n)
    vm_trace (m, VMEMU_EV_MM_PAGE_FREE, (gint64) n, (gint64) m->nr_free, 0, 0, NULL);
}

static void
close_pipe (VmemuMachine *m, gint pipe)
{
  GPtrArray *bufs = g_ptr_array_index (m->pipes, pipe);
  for (guint i = 0; i < bufs->len; i++)
    {
      VmemuPage *p = g_ptr_array_index (bufs, i);
      vm_trace_page (m, VMEMU_EV_PIPE_RELEASE, p, p->flags, pipe, 0, 0, 0, NULL);
      vm_put_page (m, p, VMEMU_REF_PIPE);
    }
  g_ptr_array_set_size (bufs, 0);
}

/* The end of a task (exit_mmap): its mappings go, with a drain of its CPU's
 * pagevecs, and its anonymous memory is freed. */
static void
task_exit_cleanup (VmemuMachine *m, VmemuActor *a)
{
  for (guint i = 0; i < a->maps->len; i++)
    {
      VmemuMap *map = g_ptr_array_index (a->maps, i);
      if (map && !map->unmapped)
        vm_munmap (m, map);
    }
  if (m->drain_on_exit)
    vm_lru_add_drain (m, a->cpu, "exit_mmap");
  for (guint i = 0; i < a->regions->len; i++)
    free_region (m, a, (gint) i);
}

/* ---- the final check: close everything, sync, evict (umount), read back ---- */

static void
final_cleanup (VmemuMachine *m, VmemuActor *a)
{
  for (guint i = 0; i < m->pipes->len; i++)
    close_pipe (m, (gint) i);
  for (guint i = 0; i < m->actors->len; i++)
    {
      VmemuActor *t = g_ptr_array_index (m->actors, i);
      if (t->kind == VM_ACTOR_USER)
        task_exit_cleanup (m, t);
    }
  vm_lru_add_drain_all (m, "final");
}

/* evict (umount): truncate_inode_pages_final of every inode, which sleeps on
 * pages still locked by a read (readahead the last task left in flight) or
 * under writeback, as truncate's second pass does. */
static VmStep
final_evict (VmemuMachine *m, VmemuActor *a)
{
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      guint64 idx = 0;
      VmemuPage *p;
      while ((p = vmemu_xa_find (ino->pages, &idx, G_MAXUINT64, VMEMU_XA_NO_MARK)) != NULL)
        {
          if (p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_WRITEBACK))
            return vm_wait_on_page (m, a, p);
          if (++idx == 0)
            break;
        }
    }
  /* the pagevecs' references (rotate entries added by the final sync's
   * completions) are drained so evicted pages are freed at once */
  vm_lru_add_drain_all (m, "umount");
  for (guint i = 0; i < m->inodes->len; i++)
    vm_truncate_inode_pages_final (m, g_ptr_array_index (m->inodes, i));
  return VM_DONE;
}

/* ---- dispatch ---- */

VmStep
vm_op_step (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = vm_op_inode (m, op);
  if (ino != NULL)
    vm_inode_sb_list_add (m, ino);   /* the path lookup brings it in core */
  switch ((int) op->kind)
    {
    case VMEMU_OP_READ:
      if (op->direct)
        return vm_fsop_direct_io (m, a, op, FALSE);
      return op_read (m, a, op, "read", VMEMU_REF_READER, -1);
    case VMEMU_OP_VERIFY:
      return op_read (m, a, op, a->kind == VM_ACTOR_FINAL ? "final" : "verify",
                      VMEMU_REF_READER, -1);
    case VMEMU_OP_SPLICE:
      return op_read (m, a, op, "splice", VMEMU_REF_READER, op->pipe);
    case VMEMU_OP_WRITE:
      if (op->direct)
        return vm_fsop_direct_io (m, a, op, TRUE);
      return op_write (m, a, op);
    case VMEMU_OP_MMAP:
      vm_op_mmap (m, a, op);
      return VM_DONE;
    case VMEMU_OP_MREAD:
      return vm_op_map_rw (m, a, op, FALSE);
    case VMEMU_OP_MWRITE:
      return vm_op_map_rw (m, a, op, TRUE);
    case VMEMU_OP_MUNMAP:
      vm_op_munmap (m, a, op);
      return VM_DONE;
    case VMEMU_OP_MSYNC:
      {
        VmemuMap *map = vm_op_map (a, op);
        if (map == NULL || map->unmapped)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        if (!op->sync || map->private_map)
          return VM_DONE;   /* MS_ASYNC starts no I/O in 5.8 */
        return op_fsync_range (m, a, map->inode, map->pgoff << m->page_shift,
                               ((map->pgoff + map->npages) << m->page_shift) - 1, TRUE);
      }
    case VMEMU_OP_FSYNC:
    case VMEMU_OP_FDATASYNC:
      return op_fsync_range (m, a, ino, 0, G_MAXUINT64, op->kind == VMEMU_OP_FDATASYNC);
    case VMEMU_OP_SYNC_FILE_RANGE:
      {
        /* SYNC_FILE_RANGE_WRITE: start WB_SYNC_NONE writeback of the range. */
        if (st->phase == FS_WRITE && !st->wbc.started)
          vm_wbc_init (&st->wbc, ino, FALSE, op->offset_bytes >> m->page_shift,
                       op->length_bytes ? (op->offset_bytes + op->length_bytes - 1) >> m->page_shift
                                        : G_MAXUINT64);
        return vm_write_cache_pages (m, a, &st->wbc);
      }
    case VMEMU_OP_SYNC:
      return op_sync (m, a);
    case VMEMU_OP_TRUNCATE:
      return op_truncate (m, a, op);
    case VMEMU_OP_FALLOCATE:
      return vm_fsop_fallocate (m, a, op);
    case VMEMU_OP_PUNCH_HOLE:
      return vm_fsop_punch_hole (m, a, op);
    case VMEMU_OP_ZERO_RANGE:
      return vm_fsop_zero_range (m, a, op);
    case VMEMU_OP_COLLAPSE_RANGE:
      return vm_fsop_collapse_range (m, a, op);
    case VMEMU_OP_INSERT_RANGE:
      return vm_fsop_insert_range (m, a, op);
    case VMEMU_OP_COPY_RANGE:
      return vm_fsop_copy_range (m, a, op);
    case VMEMU_OP_MIGRATE:
      return vm_fsop_migrate (m, a, op);
    case VMEMU_OP_DROP_CACHES:
      op_drop_caches (m, a, op);
      return VM_DONE;
    case VMEMU_OP_FADVISE:
      return op_fadvise (m, a, op);
    case VMEMU_OP_CLOSE_PIPE:
      close_pipe (m, op->pipe);
      return VM_DONE;
    case VMEMU_OP_ALLOCATE:
      op_allocate (m, a, op);
      return VM_DONE;
    case VMEMU_OP_FREE:
      free_region (m, a, op->region);
      return VM_DONE;
    case VMEMU_OP_SLEEP:
      if (st->timer_until_ns == 0)
        {
          vm_actor_sleep_until (m, a, vm_now (m) + op->for_ns);
          return VM_BLOCKED;
        }
      if (timer_pending (m, a))
        return VM_BLOCKED;
      return VM_DONE;
    case VMEMU_OP_INJECT:
      vm_inject (m, op);
      return VM_DONE;
    case VMEMU_OP_POWER_CUT:
      vm_power_cut (m, a);
      return VM_DONE;
    case VMEMU_OP_SPLIT_FOLIO:
      {
        /* as the kernel's callers do, drain the pagevecs' references first */
        vm_lru_add_drain_all (m, "split_huge_page");
        VmemuPage *p = vmemu_xa_load (ino->pages, op->offset_bytes >> m->page_shift);
        if (p && !vm_split_folio (m, p, FALSE))
          st->result = -VMEMU_EBUSY;
        return VM_DONE;
      }
    case VM_OP_FINAL_CLEANUP:
      final_cleanup (m, a);
      return VM_DONE;
    case VM_OP_FINAL_EVICT:
      return final_evict (m, a);
    default:
      /* every VmemuOpKind has its case above */
      g_return_val_if_reached (VM_DONE);
    }
}

void
vm_task_exit (VmemuMachine *m, VmemuActor *a)
{
  task_exit_cleanup (m, a);
}
