/* writeback.c — dirtying and writeback: mm/page-writeback.c (set_page_dirty,
 * clear_page_dirty_for_io, write_cache_pages, balance_dirty_pages) and
 * fs/fs-writeback.c (dirty inode list, the flusher's kupdate and background
 * work), Linux 5.8.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/mmap.h"

/* __mark_inode_dirty(I_DIRTY_PAGES): the first dirtying stamps dirtied_when
 * and queues the inode on b_dirty; an idle flusher is armed. */
static void
mark_inode_dirty (VmemuMachine *m, VmemuInode *ino)
{
  if (ino->dirty)
    return;
  ino->dirty = TRUE;
  ino->dirtied_when_ns = vm_now (m);
  gboolean was_empty = m->b_dirty.length == 0;
  g_queue_push_tail (&m->b_dirty, ino);
  ino->dirty_link = m->b_dirty.tail;
  vm_trace_inode (m, VMEMU_EV_WRITEBACK_MARK_INODE_DIRTY, ino, 4 /* I_DIRTY_PAGES */, 0, 0, 0,
                  NULL);
  vm_trace_inode (m, VMEMU_EV_WRITEBACK_DIRTY_INODE_ENQUEUE, ino, (gint64) ino->dirtied_when_ns,
                  0, 0, 0, NULL);
  if (was_empty)
    vm_wb_wakeup_delayed (m);
}

static void
inode_clean (VmemuMachine *m, VmemuInode *ino)
{
  if (!ino->dirty)
    return;
  g_queue_delete_link (&m->b_dirty, ino->dirty_link);
  ino->dirty_link = NULL;
  ino->dirty = FALSE;
}

/* iomap_set_page_dirty == __set_page_dirty_nobuffers: only a clean-to-dirty
 * transition is accounted, tagged and traced. */
gboolean
vm_set_page_dirty (VmemuMachine *m, VmemuPage *p)
{
  if (p->flags & VMEMU_PG_DIRTY)
    return FALSE;
  guint32 before = p->flags;
  p->flags |= VMEMU_PG_DIRTY;
  if (vm_page_mapping (m, p))
    {
      m->nr_dirty++;
      vmemu_xa_set_mark (vm_page_mapping (m, p)->pages, p->index, VMEMU_XA_MARK_DIRTY);
      vm_trace_page (m, VMEMU_EV_WRITEBACK_DIRTY_PAGE, p, before, 0, 0, 0, 0, NULL);
      mark_inode_dirty (m, vm_page_mapping (m, p));
    }
  return TRUE;
}

static void
account_cleaned (VmemuMachine *m, VmemuPage *p)
{
  if (vm_page_mapping (m, p))
    {
      m->nr_dirty--;
      vmemu_xa_clear_mark (vm_page_mapping (m, p)->pages, p->index, VMEMU_XA_MARK_DIRTY);
    }
}

/* cancel_dirty_page (truncate, invalidate): drop the dirty state unwritten. */
void
vm_cancel_dirty_page (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_DIRTY))
    return;
  p->flags &= ~VMEMU_PG_DIRTY;
  account_cleaned (m, p);
}

/* clear_page_dirty_for_io: page_mkclean write-protects every PTE (moving a
 * dirty PTE's state to the page first), then the page is cleaned. */
gboolean
vm_clear_page_dirty_for_io (VmemuMachine *m, VmemuPage *p)
{
  guint32 before = p->flags;
  if (vm_page_mkclean (m, p))
    vm_set_page_dirty (m, p);
  gboolean was = (p->flags & VMEMU_PG_DIRTY) != 0;
  if (was)
    {
      p->flags &= ~VMEMU_PG_DIRTY;
      account_cleaned (m, p);
    }
  vm_trace_page (m, VMEMU_EV_CLEAR_PAGE_DIRTY_FOR_IO, p, before, was, 0, 0, 0, NULL);
  return was;
}

/* set_page_writeback(_keepwrite): PG_writeback and the WRITEBACK tag; the
 * DIRTY tag goes with PG_dirty and TOWRITE is cleared unless keepwrite. */
void
vm_set_page_writeback (VmemuMachine *m, VmemuPage *p, gboolean keepwrite)
{
  guint32 before = p->flags;
  g_assert (!(p->flags & VMEMU_PG_WRITEBACK));
  p->flags |= VMEMU_PG_WRITEBACK;
  m->nr_writeback++;
  VmemuXa *xa = vm_page_mapping (m, p)->pages;
  vmemu_xa_set_mark (xa, p->index, VMEMU_XA_MARK_WRITEBACK);
  if (!(p->flags & VMEMU_PG_DIRTY))
    vmemu_xa_clear_mark (xa, p->index, VMEMU_XA_MARK_DIRTY);
  if (!keepwrite)
    vmemu_xa_clear_mark (xa, p->index, VMEMU_XA_MARK_TOWRITE);
  vm_trace_page (m, VMEMU_EV_SET_PAGE_WRITEBACK, p, before, keepwrite, 0, 0, 0, NULL);
}

void
vm_redirty_page_for_writepage (VmemuMachine *m, VmemuPage *p, int reason)
{
  guint32 before = p->flags;
  vm_set_page_dirty (m, p);
  vm_trace_page (m, VMEMU_EV_REDIRTY_PAGE, p, before, reason, 0, 0, 0,
                 reason == 1 ? "direct reclaim may not write" : "page beyond EOF");
}

/* mapping_set_error: errseq_set on the mapping. */
void
vm_mapping_set_error (VmemuMachine *m, VmemuInode *ino, int error)
{
  ino->wb_err = error;
  ino->wb_err_seq++;
  vm_trace_inode (m, VMEMU_EV_FILEMAP_SET_WB_ERR, ino, -error, 0, 0, 0, NULL);
}

void
vm_wbc_init (VmemuWbc *wbc, VmemuInode *ino, gboolean sync_all, guint64 start, guint64 end)
{
  *wbc = (VmemuWbc) { .inode = ino, .sync_all = sync_all, .start = start, .end = end,
                      .nr_to_write = G_MAXINT64 };
}

/* One page of write_cache_pages, page locked.  Returns FALSE when it was
 * skipped. */
static gboolean
write_one_page (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p)
{
  if (vm_page_mapping (m, p) != wbc->inode || !(p->flags & VMEMU_PG_DIRTY))
    return FALSE;
  if (!vm_clear_page_dirty_for_io (m, p))
    return FALSE;
  vm_trace_page (m, VMEMU_EV_WBC_WRITEPAGE, p, p->flags, wbc->sync_all, wbc->for_reclaim,
                 (gint64) wbc->start, (gint64) wbc->end, NULL);
  wbc->inode->a_ops->writepages.writepage (m, wbc, p);   /* unlocks */
  wbc->written++;
  wbc->nr_to_write--;
  return TRUE;
}

/* pagevec_release: the first release of a pagevec drains this CPU's pagevecs
 * (__pagevec_release -> lru_add_drain), then every batch reference goes. */
static void
wb_batch_release (VmemuMachine *m, VmemuActor *a, VmWbBatch *pv)
{
  if (pv->nr == 0)
    return;
  if (!pv->drained)
    {
      pv->drained = TRUE;
      vm_lru_add_drain (m, a->cpu, "pagevec_release");
    }
  for (guint i = 0; i < pv->nr; i++)
    {
      vm_put_page (m, pv->pages[i], VMEMU_REF_WBBATCH);
      pv->pages[i] = NULL;
    }
  pv->nr = pv->i = 0;
}

/* pagevec_lookup_range_tag -> find_get_pages_range_tag: up to PAGEVEC_SIZE
 * pages carrying the tag in [pv->index, end], in index order, each with a
 * reference.  A full batch moves the cursor past its last page; a short one
 * moves it past `end`, so pages tagged behind the walk later are not seen. */
static guint
wb_batch_lookup (VmemuMachine *m, VmWbBatch *pv, VmemuInode *ino, guint64 end, int tag)
{
  guint64 idx = pv->index;
  pv->nr = pv->i = 0;
  VmemuPage *p;
  while (idx <= end && (p = vmemu_xa_find (ino->pages, &idx, end, tag)) != NULL)
    {
      vm_get_page (m, p, VMEMU_REF_WBBATCH);
      pv->pages[pv->nr++] = p;
      if (pv->nr == VM_PAGEVEC_SIZE)
        {
          pv->index = idx + 1;
          return pv->nr;
        }
      if (idx == G_MAXUINT64)
        break;
      idx++;
    }
  pv->index = end == G_MAXUINT64 ? G_MAXUINT64 : end + 1;
  return pv->nr;
}

enum { WCP_NEXT, WCP_BLOCKED, WCP_STOP };

/* The body of write_cache_pages' inner loop for one page of the batch:
 * lock_page (sleeping, the batch still held), skip it if truncated or
 * clean, under WB_SYNC_ALL wait_on_page_writeback with the page locked,
 * clean it for I/O and write it. */
static int
wcp_one (VmemuMachine *m, VmemuActor *a, VmemuWbc *wbc, VmemuPage *p)
{
  VmWbBatch *pv = &wbc->pvec;
  if (!pv->locked)
    {
      wbc->done_index = p->index;
      if (vm_lock_page (m, a, p) == VM_BLOCKED)
        return WCP_BLOCKED;
      pv->locked = TRUE;
    }
  if (vm_page_mapping (m, p) != wbc->inode || !(p->flags & VMEMU_PG_DIRTY))
    goto unlock;
  if (p->flags & VMEMU_PG_WRITEBACK)
    {
      if (!wbc->sync_all)
        goto unlock;
      vm_trace_page (m, VMEMU_EV_WAIT_ON_PAGE_WRITEBACK, p, p->flags, 0, 0, 0, 0, NULL);
      vm_wait_on_page (m, a, p);
      return WCP_BLOCKED;   /* re-checked from the top, the lock still held */
    }
  pv->locked = FALSE;
  if (!write_one_page (m, wbc, p))   /* unlocks when it writes */
    {
      pv->locked = TRUE;
      goto unlock;
    }
  return wbc->nr_to_write <= 0 && !wbc->sync_all ? WCP_STOP : WCP_NEXT;
unlock:
  pv->locked = FALSE;
  vm_unlock_page (m, p);
  return WCP_NEXT;
}

/* write_cache_pages + iomap_writepages: batches of the DIRTY tag (TOWRITE
 * after tag_pages_for_writeback for WB_SYNC_ALL) from
 * pagevec_lookup_range_tag, in index order.  The batch's references are held
 * until pagevec_release, across the sleeps on its later pages, as in 5.8;
 * the first release drains this CPU's pagevecs.  Restartable: the cursor and
 * the batch live in wbc. */
VmStep
vm_write_cache_pages (VmemuMachine *m, VmemuActor *a, VmemuWbc *wbc)
{
  VmemuInode *ino = wbc->inode;
  VmWbBatch *pv = &wbc->pvec;
  int tag = wbc->sync_all ? VMEMU_XA_MARK_TOWRITE : VMEMU_XA_MARK_DIRTY;
  if (!wbc->started)
    {
      wbc->started = TRUE;
      if (wbc->cyclic)
        {
          wbc->start = ino->writeback_index;
          wbc->end = G_MAXUINT64;
        }
      *pv = (VmWbBatch) { .index = wbc->start, .started = TRUE };
      wbc->done = FALSE;
      wbc->done_index = wbc->start;
      if (wbc->sync_all)
        vmemu_xa_copy_marks (ino->pages, wbc->start, wbc->end, VMEMU_XA_MARK_DIRTY,
                             VMEMU_XA_MARK_TOWRITE);
    }
  for (;;)
    {
      if (pv->i == pv->nr)
        {
          wb_batch_release (m, a, pv);
          if (wbc->done || pv->index > wbc->end || wb_batch_lookup (m, pv, ino, wbc->end, tag) == 0)
            break;
        }
      int r = wcp_one (m, a, wbc, pv->pages[pv->i]);
      if (r == WCP_BLOCKED)
        return VM_BLOCKED;
      pv->i++;
      if (r == WCP_STOP)
        {
          wbc->done = TRUE;
          pv->i = pv->nr;   /* break out of the batch; it is released above */
        }
    }
  pv->started = FALSE;
  ino->a_ops->writepages.submit (m, wbc);
  /* 5.8: range_cyclic (and a whole-file range with nr_to_write left) stores
   * done_index, the last page looked at; a cyclic walk that reached the end
   * restarts from 0 next time. */
  if (wbc->cyclic)
    ino->writeback_index = wbc->done ? wbc->done_index : 0;
  else if (wbc->range_whole && wbc->nr_to_write > 0)
    ino->writeback_index = wbc->done_index;
  if (!vmemu_xa_marked (ino->pages, VMEMU_XA_MARK_DIRTY))
    inode_clean (m, ino);
  return VM_DONE;
}

/* __filemap_fdatawait_range: batches of WRITEBACK-tagged pages from
 * pagevec_lookup_range_tag; wait_on_page_writeback on each in turn, holding
 * the whole batch's references while asleep, then ClearPageError on it (every
 * page of the batch, whether it still was under writeback or not); the
 * first pagevec_release drains this CPU.  Restartable through a->st.wait. */
VmStep
vm_filemap_fdatawait_range (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 start,
                            guint64 end)
{
  VmWbBatch *pv = &a->st.wait;
  if (!pv->started)
    *pv = (VmWbBatch) { .index = start, .started = TRUE };
  for (;;)
    {
      if (pv->i == pv->nr)
        {
          wb_batch_release (m, a, pv);
          if (pv->index > end
              || wb_batch_lookup (m, pv, ino, end, VMEMU_XA_MARK_WRITEBACK) == 0)
            break;
        }
      VmemuPage *p = pv->pages[pv->i];
      if (p->flags & VMEMU_PG_WRITEBACK)
        {
          /* wait_on_page_bit(PG_writeback) sleeps until it sees the bit clear */
          vm_trace_page (m, VMEMU_EV_WAIT_ON_PAGE_WRITEBACK, p, p->flags, 0, 0, 0, 0, NULL);
          return vm_wait_on_page (m, a, p);
        }
      p->flags &= ~VMEMU_PG_ERROR;   /* ClearPageError */
      pv->i++;
    }
  *pv = (VmWbBatch) { 0 };
  return VM_DONE;
}

/* ---- the flusher (wb_workfn) ---- */

void
vm_dirty_thresholds (VmemuMachine *m, guint64 *bg, guint64 *thresh)
{
  /* domain_dirty_limits over global_dirtyable_memory: free pages less
   * totalreserve_pages (the high watermark here) plus the file LRU pages. */
  guint64 free = m->nr_free > m->wmark_high ? m->nr_free - m->wmark_high : 0;
  guint64 dirtyable = free + m->lru_count[VM_LRU_INACTIVE] + m->lru_count[VM_LRU_ACTIVE];
  guint64 t = dirtyable * m->scn->machine.writeback.ratio / 100;
  guint64 b = dirtyable * m->scn->machine.writeback.background_ratio / 100;
  if (b >= t)
    b = t / 2;
  *bg = b;
  *thresh = t;
}

static void
flusher_timer_cb (VmemuSim *sim, gpointer data, guint64 gen)
{
  VmemuMachine *m = data;
  if (gen != m->flusher_timer_gen)
    return;
  m->flusher_armed = FALSE;
  vm_actor_wake (m, m->flusher);
}

/* wb_wakeup_delayed: run the flusher one dirty_writeback_interval from now. */
void
vm_wb_wakeup_delayed (VmemuMachine *m)
{
  if (m->flusher_armed || m->scn->machine.writeback.interval_ns == 0)
    return;
  m->flusher_armed = TRUE;
  vmemu_sim_schedule_after (m->sim, m->scn->machine.writeback.interval_ns, flusher_timer_cb, m,
                            ++m->flusher_timer_gen);
}

/* wakeup_flusher_threads(WB_REASON_VMSCAN) -> wb_start_writeback: the next
 * flusher pass writes every dirty page (wb_check_start_all). */
void
vm_wakeup_flusher_threads (VmemuMachine *m)
{
  if (m->start_all)
    return;
  m->start_all = TRUE;
  vm_actor_wake (m, m->flusher);
}

void
vm_wb_start_background (VmemuMachine *m)
{
  if (m->bg_requested)
    return;
  m->bg_requested = TRUE;
  vm_trace (m, VMEMU_EV_WRITEBACK_WAKE_BACKGROUND, 0, 0, 0, 0, NULL);
  vm_actor_wake (m, m->flusher);
}

enum { FL_IDLE, FL_PICK, FL_WRITE };
enum { WB_REASON_BACKGROUND = 0, WB_REASON_VMSCAN = 1, WB_REASON_PERIODIC = 3 };

/* The next inode the current work should write: kupdate takes inodes dirtied
 * before now - dirty_expire; background work takes the oldest while over the
 * background threshold. */
static VmemuInode *
flusher_pick (VmemuMachine *m, gboolean *kupdate)
{
  guint64 bg, thresh;
  vm_dirty_thresholds (m, &bg, &thresh);
  VmemuInode *oldest = g_queue_peek_head (&m->b_dirty);
  if (oldest == NULL)
    return NULL;
  if (m->start_all)
    {
      *kupdate = FALSE;
      return oldest;
    }
  guint64 expire = m->scn->machine.writeback.dirty_expire_ns;
  if (oldest->dirtied_when_ns + expire <= vm_now (m))
    {
      *kupdate = TRUE;
      return oldest;
    }
  if (m->bg_requested && m->nr_dirty > bg)
    {
      *kupdate = FALSE;
      return oldest;
    }
  return NULL;
}

/* wb_workfn: write expired inodes (kupdate) and, while over the background
 * threshold, the oldest ones; re-arm while dirty inodes remain.  A chunk is
 * MIN_WRITEBACK_PAGES (1024) pages; an inode still dirty goes to the back. */
void
vm_flusher_resume (VmemuMachine *m, VmemuActor *a)
{
  VmemuWbc *wbc = &a->st.wbc;
  for (;;)
    {
      if (a->st.phase == FL_WRITE)
        {
          if (vm_write_cache_pages (m, a, wbc) == VM_BLOCKED)
            return;
          vm_trace_inode (m, VMEMU_EV_WRITEBACK_SINGLE_INODE, wbc->inode, 1024,
                          (gint64) wbc->written, (gint64) wbc->inode->writeback_index, 0, NULL);
          vm_trace (m, VMEMU_EV_WRITEBACK_WRITTEN, (gint64) wbc->written, 0,
                    wbc->for_kupdate ? WB_REASON_PERIODIC : WB_REASON_BACKGROUND, 0, NULL);
          if (wbc->inode->dirty && wbc->inode->dirty_link)
            {
              /* requeue_inode: still dirty after its chunk, back of the queue */
              g_queue_unlink (&m->b_dirty, wbc->inode->dirty_link);
              g_queue_push_tail_link (&m->b_dirty, wbc->inode->dirty_link);
            }
          a->st.phase = FL_PICK;
          a->st.count++;
          if (a->st.count > m->inodes->len * 4 + 4)
            break;   /* this round has been through every inode enough */
        }
      gboolean kupdate = FALSE;
      VmemuInode *ino = flusher_pick (m, &kupdate);
      if (ino == NULL)
        break;
      vm_wbc_init (wbc, ino, FALSE, 0, G_MAXUINT64);
      wbc->cyclic = TRUE;
      wbc->nr_to_write = 1024;
      wbc->for_kupdate = kupdate;
      wbc->for_background = !kupdate;
      vm_trace (m, VMEMU_EV_WRITEBACK_START, 1024, 0,
                kupdate ? WB_REASON_PERIODIC
                        : m->start_all ? WB_REASON_VMSCAN : WB_REASON_BACKGROUND, 0, NULL);
      a->st.phase = FL_WRITE;
    }
  a->st.phase = FL_IDLE;
  a->st.count = 0;
  m->start_all = FALSE;
  guint64 bg, thresh;
  vm_dirty_thresholds (m, &bg, &thresh);
  if (m->nr_dirty <= bg)
    m->bg_requested = FALSE;
  if (m->b_dirty.length > 0)
    vm_wb_wakeup_delayed (m);
}

/* balance_dirty_pages_ratelimited, in the shape the kernel model allows
 * (docs/model.md "Writeback", throttling): every 32 pages a task dirties, compare the global
 * dirty count with the thresholds; above background start the flusher, above
 * the freerun point sleep (at most 200 ms) and look again. */
VmStep
vm_balance_dirty_pages_ratelimited (VmemuMachine *m, VmemuActor *a)
{
  if (a->st.timer_until_ns && vm_now (m) < a->st.timer_until_ns)
    return VM_BLOCKED;
  gboolean resumed = a->st.timer_until_ns != 0;
  a->st.timer_until_ns = 0;
  if (!resumed && ++a->nr_dirtied < 32)
    return VM_DONE;
  a->nr_dirtied = 0;
  guint64 bg, thresh;
  vm_dirty_thresholds (m, &bg, &thresh);
  guint64 dirty = m->nr_dirty + m->nr_writeback;
  if (dirty > bg)
    vm_wb_start_background (m);
  guint64 freerun = (bg + thresh) / 2;
  if (dirty <= freerun)
    return VM_DONE;
  guint64 pause = MIN (200000000ull, 200000000ull * (dirty - freerun) / MAX (thresh - freerun, 1));
  pause = MAX (pause, 1000000ull);
  vm_trace (m, VMEMU_EV_BALANCE_DIRTY_PAGES, (gint64) dirty, (gint64) thresh, (gint64) pause, 0,
            NULL);
  vm_trace (m, VMEMU_EV_GLOBAL_DIRTY_STATE, (gint64) m->nr_dirty, (gint64) m->nr_writeback,
            (gint64) bg, (gint64) thresh, NULL);
  vm_actor_sleep_until (m, a, vm_now (m) + pause);
  return VM_BLOCKED;
}
