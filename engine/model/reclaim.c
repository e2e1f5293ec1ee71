/* reclaim.c — page allocation against the watermarks (mm/page_alloc.c),
 * kswapd and direct reclaim (mm/vmscan.c: shrink_node, shrink_inactive_list,
 * shrink_page_list, shrink_active_list), and the invalidation and truncation
 * paths of mm/truncate.c, Linux 5.8.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/reclaim.h"
#include "engine/model/mmap.h"
#include "engine/model/folio.h"

#include <string.h>

/* ---- watermarks and allocation ---- */

static guint64
int_sqrt (guint64 x)
{
  guint64 r = 0;
  while ((r + 1) * (r + 1) <= x)
    r++;
  return r;
}

/* init_per_zone_wmark_min + __setup_per_zone_wmarks for one zone holding all
 * of memory: min_free_kbytes = sqrt(16 * lowmem_kbytes) clamped to
 * [128, 65536]; low = min + max(min/4, managed * 10/10000); high = low + that. */
void
vm_setup_watermarks (VmemuMachine *m)
{
  guint64 kb = m->total_pages * (m->page_size / 1024);
  guint64 min_kb = CLAMP (int_sqrt (kb * 16), 128, 65536);
  if (m->scn->machine.reclaim.min_free_bytes)
    min_kb = m->scn->machine.reclaim.min_free_bytes / 1024;
  m->wmark_min = MAX (min_kb * 1024 / m->page_size, 1);
  guint64 delta = MAX (m->wmark_min / 4, m->total_pages * 10 / 10000);
  m->wmark_low = m->wmark_min + delta;
  m->wmark_high = m->wmark_min + 2 * delta;
}

static void
wakeup_kswapd (VmemuMachine *m)
{
  if (m->kswapd_running || m->kswapd_failures >= VM_MAX_RECLAIM_RETRIES)
    return;
  vm_trace (m, VMEMU_EV_WAKEUP_KSWAPD, 0, (gint64) m->nr_free, (gint64) m->wmark_low, 0, NULL);
  m->kswapd_running = TRUE;
  vm_actor_wake (m, m->kswapd);
}

/* __alloc_pages for n pages: the fast path needs free above low; below it
 * kswapd is woken and the min watermark is tried; below min the allocating
 * task reclaims directly (try_to_free_pages).  FALSE: out of memory. */
gboolean
vm_alloc_pages_check (VmemuMachine *m, guint64 n)
{
  if (m->nr_free >= n + m->wmark_low)
    return TRUE;
  wakeup_kswapd (m);
  if (m->nr_free >= n + m->wmark_min)
    return TRUE;
  /* do_try_to_free_pages: priorities 12 -> 0 until SWAP_CLUSTER_MAX pages
   * are reclaimed (sc->nr_to_reclaim), whatever the watermark. */
  vm_trace (m, VMEMU_EV_DIRECT_RECLAIM_BEGIN, 0, 0, 0, 0, NULL);
  guint64 got = 0;
  for (int prio = VM_DEF_PRIORITY; prio >= 0 && got < VM_SWAP_CLUSTER_MAX; prio--)
    got += vm_shrink_node (m, FALSE, prio, VM_SWAP_CLUSTER_MAX - got);
  vm_trace (m, VMEMU_EV_DIRECT_RECLAIM_END, (gint64) got, 0, 0, 0, NULL);
  if (got > 0)
    m->kswapd_failures = 0;
  /* Below min after reclaim the kernel would retry, compact and finally OOM;
   * the model lets the allocation dip into the reserve while pages exist. */
  return m->nr_free >= n;
}

/* ---- shrink_page_list ---- */

enum { PAGEREF_RECLAIM, PAGEREF_RECLAIM_CLEAN, PAGEREF_KEEP, PAGEREF_ACTIVATE };
enum { SP_FREED, SP_KEEP, SP_ACTIVATE };

typedef struct {
  gboolean kswapd;
  guint64 nr_scanned, nr_reclaimed, nr_dirty, nr_unqueued_dirty, nr_writeback,
          nr_immediate, nr_taken, nr_activate, nr_ref_keep, nr_congested;
} ScanControl;

/* page_check_references */
static int
page_check_references (VmemuMachine *m, VmemuPage *p)
{
  int referenced_ptes = vm_page_referenced (m, p);
  gboolean referenced_page = (p->flags & VMEMU_PG_REFERENCED) != 0;
  p->flags &= ~VMEMU_PG_REFERENCED;
  if (referenced_ptes)
    {
      p->flags |= VMEMU_PG_REFERENCED;
      if (referenced_page || referenced_ptes > 1)
        return PAGEREF_ACTIVATE;
      return PAGEREF_KEEP;
    }
  return referenced_page ? PAGEREF_RECLAIM_CLEAN : PAGEREF_RECLAIM;
}

/* __remove_mapping: page_ref_freeze(page, 2) needs exactly the cache and the
 * caller's reference; a page dirtied meanwhile stays.  On failure the page is
 * left where it is, in the cache, even if its iop was released just before. */
static gboolean
remove_mapping (VmemuMachine *m, VmemuPage *p)
{
  if (vm_page_refcount (p) != 2 || (p->flags & VMEMU_PG_DIRTY))
    {
      g_autofree char *holders = m->trace ? vm_page_holders (p) : NULL;
      g_autofree char *d = holders ? g_strdup_printf ("holders=%s", holders) : NULL;
      vm_trace_page (m, VMEMU_EV_REMOVE_MAPPING_FAIL, p, p->flags, vm_page_refcount (p), 2,
                     (p->flags & VMEMU_PG_DIRTY) != 0, 0, d);
      return FALSE;
    }
  vm_delete_from_page_cache (m, p);
  return TRUE;
}

/* try_to_release_page: refuses PG_writeback, then ->releasepage. */
static gboolean
try_to_release_page (VmemuMachine *m, VmemuPage *p)
{
  gboolean ok = FALSE;
  if (!(p->flags & VMEMU_PG_WRITEBACK))
    ok = vm_page_a_ops (m, p)->releasepage (m, p);
  vm_trace_page (m, VMEMU_EV_TRY_TO_RELEASE_PAGE, p, p->flags, ok, 0, 0, 0, NULL);
  return ok;
}

/* pageout for kswapd: ->writepage with wbc{WB_SYNC_NONE, for_reclaim}. */
static void
pageout (VmemuMachine *m, VmemuPage *p)
{
  VmemuWbc wbc;
  vm_wbc_init (&wbc, vm_page_mapping (m, p), FALSE, p->index, p->index);
  wbc.for_reclaim = TRUE;
  wbc.nr_to_write = VM_SWAP_CLUSTER_MAX;
  if (!vm_clear_page_dirty_for_io (m, p))
    {
      vm_unlock_page (m, p);
      return;
    }
  p->flags |= VMEMU_PG_RECLAIM;
  vm_trace_page (m, VMEMU_EV_VMSCAN_WRITEPAGE, p, p->flags, 1, 0, 0, 0, NULL);
  vm_page_mapping (m, p)->a_ops->writepage (m, &wbc, p);   /* unlocks */
  if (!(p->flags & VMEMU_PG_WRITEBACK))
    p->flags &= ~VMEMU_PG_RECLAIM;
}

/* The dirty-page step of shrink_page_list; returns -1 to go on to freeing,
 * or SP_KEEP / SP_ACTIVATE with the page unlocked... or locked (keep_locked)
 * signalled through *unlocked. */
static int
shrink_dirty (VmemuMachine *m, ScanControl *sc, VmemuPage *p, int refs, gboolean *unlocked)
{
  if (!sc->kswapd || !(p->flags & VMEMU_PG_RECLAIM) || !m->pgdat_dirty)
    {
      /* Direct reclaim never writes file pages; kswapd only pages it has seen
       * before, while the node is flagged dirty.  Leave it to the flusher. */
      p->flags |= VMEMU_PG_RECLAIM;
      sc->nr_immediate++;
      return SP_ACTIVATE;
    }
  if (refs == PAGEREF_RECLAIM_CLEAN)
    return SP_KEEP;
  if (vm_page_refcount (p) - ((p->flags & VMEMU_PG_PRIVATE) ? 1 : 0) != 2)
    return SP_KEEP;   /* is_page_cache_freeable */
  pageout (m, p);
  *unlocked = TRUE;
  if (p->flags & (VMEMU_PG_WRITEBACK | VMEMU_PG_DIRTY))
    return SP_KEEP;
  /* Synchronous "success" (the count == 0 case among others): relock and
   * go on to freeing it. */
  if (!vm_trylock_page (p))
    return SP_KEEP;
  *unlocked = FALSE;
  if (p->flags & (VMEMU_PG_WRITEBACK | VMEMU_PG_DIRTY))
    return SP_KEEP;
  return -1;
}

/* shrink_page_list for one isolated page, in kernel order. */
static int
shrink_one (VmemuMachine *m, ScanControl *sc, VmemuPage *p)
{
  gboolean unlocked = FALSE;
  int out, refs = -1;
  if (!vm_trylock_page (p))
    return SP_KEEP;
  vm_note_pipe_batch (m, vm_page_mapping (m, p));
  sc->nr_scanned++;
  /* page_check_dirty_writeback, before anything else looks at the page */
  if (p->flags & (VMEMU_PG_DIRTY | VMEMU_PG_WRITEBACK))
    sc->nr_dirty++;
  if ((p->flags & VMEMU_PG_DIRTY) && !(p->flags & VMEMU_PG_WRITEBACK))
    sc->nr_unqueued_dirty++;
  if (p->flags & VMEMU_PG_WRITEBACK)
    {
      sc->nr_writeback++;
      if (sc->kswapd && (p->flags & VMEMU_PG_RECLAIM) && m->pgdat_writeback)
        sc->nr_immediate++;
      else
        p->flags |= VMEMU_PG_RECLAIM;
      out = SP_ACTIVATE;
      goto done;
    }
  refs = page_check_references (m, p);
  if (refs == PAGEREF_ACTIVATE || refs == PAGEREF_KEEP)
    {
      if (refs == PAGEREF_KEEP)
        sc->nr_ref_keep++;
      out = refs == PAGEREF_ACTIVATE ? SP_ACTIVATE : SP_KEEP;
      goto done;
    }
  if (p->folio_order && !vm_split_folio (m, p, TRUE))
    {
      out = SP_KEEP;   /* a file THP is split here; failure keeps it */
      goto done;
    }
  if (p->mapcount > 0 && !vm_try_to_unmap (m, p))
    {
      out = SP_ACTIVATE;
      goto done;
    }
  if (p->flags & VMEMU_PG_DIRTY)
    {
      out = shrink_dirty (m, sc, p, refs, &unlocked);
      if (out >= 0)
        goto done;
    }
  if ((p->flags & VMEMU_PG_PRIVATE) && !try_to_release_page (m, p))
    {
      out = SP_ACTIVATE;
      goto done;
    }
  out = remove_mapping (m, p) ? SP_FREED : SP_KEEP;
done:
  vm_trace_page (m, VMEMU_EV_SHRINK_PAGE, p, p->flags, out, refs, 0, 0,
                 out == SP_FREED ? "reclaimed" : out == SP_ACTIVATE ? "activate" : "keep");
  if (!unlocked && (p->flags & VMEMU_PG_LOCKED))
    vm_unlock_page (m, p);
  return out;
}

/* putback: kept pages go back to the inactive list, activated ones to the
 * active list (move_pages_to_lru); the isolation reference is dropped. */
static void
putback (VmemuMachine *m, VmemuPage *p, int out)
{
  if (out != SP_FREED && vm_page_mapping (m, p))
    {
      if (out == SP_ACTIVATE)
        p->flags |= VMEMU_PG_ACTIVE;
      p->flags |= VMEMU_PG_LRU;
      vm_lru_add_head (m, p, (p->flags & VMEMU_PG_ACTIVE) ? VM_LRU_ACTIVE : VM_LRU_INACTIVE);
    }
  vm_put_page (m, p, VMEMU_REF_ISOLATE);
}

/* isolate_lru_pages: take up to n pages from the tail of a list, each with
 * an isolation reference and PG_lru cleared. */
static guint
isolate (VmemuMachine *m, int lru, guint64 n, VmemuPage **out)
{
  guint got = 0;
  while (got < n && m->lru_tail[lru])
    {
      VmemuPage *p = m->lru_tail[lru];
      vm_lru_del (m, p);
      p->flags &= ~VMEMU_PG_LRU;
      vm_get_page (m, p, VMEMU_REF_ISOLATE);
      out[got++] = p;
    }
  return got;
}

/* shrink_inactive_list */
static guint64
shrink_inactive_list (VmemuMachine *m, ScanControl *sc, guint64 nr_to_scan)
{
  VmemuPage *batch[VM_SWAP_CLUSTER_MAX];
  guint cpu = m->cur ? m->cur->cpu : 0;
  vm_lru_add_drain (m, cpu, "shrink_inactive_list");
  guint n = isolate (m, VM_LRU_INACTIVE, MIN (nr_to_scan, VM_SWAP_CLUSTER_MAX), batch);
  vm_trace (m, VMEMU_EV_LRU_ISOLATE, (gint64) nr_to_scan, n, n, VM_LRU_INACTIVE, NULL);
  ScanControl before = *sc;
  sc->nr_taken += n;
  for (guint i = 0; i < n; i++)
    {
      int out = shrink_one (m, sc, batch[i]);
      if (out == SP_FREED)
        {
          sc->nr_reclaimed++;
          m->result.pages_reclaimed++;
        }
      else if (out == SP_ACTIVATE)
        sc->nr_activate++;
      putback (m, batch[i], out);
    }
  guint64 reclaimed = sc->nr_reclaimed - before.nr_reclaimed;
  guint64 unqueued = sc->nr_unqueued_dirty - before.nr_unqueued_dirty;
  vm_trace (m, VMEMU_EV_SHRINK_INACTIVE, n, (gint64) reclaimed,
            (gint64) (sc->nr_dirty - before.nr_dirty),
            (gint64) (sc->nr_writeback - before.nr_writeback), NULL);
  if (n > 0 && unqueued == n)
    {
      /* Every page taken was dirty and not queued: kick the flusher
       * (wakeup_flusher_threads(WB_REASON_VMSCAN)).  The node flags are
       * shrink_node's, over all its batches (below). */
      vm_wakeup_flusher_threads (m);
    }
  return reclaimed;
}

/* shrink_active_list: deactivate pages (file pages with young PTEs of
 * executable mappings would stay; there are none here).  With
 * buffer_heads_over_limit, private data is released from every page that can
 * be trylocked, mapped or not, and the page stays cached. */
static void
shrink_active_list (VmemuMachine *m, ScanControl *sc, guint64 nr_to_scan)
{
  VmemuPage *batch[VM_SWAP_CLUSTER_MAX];
  guint cpu = m->cur ? m->cur->cpu : 0;
  vm_lru_add_drain (m, cpu, "shrink_active_list");
  guint n = isolate (m, VM_LRU_ACTIVE, MIN (nr_to_scan, VM_SWAP_CLUSTER_MAX), batch);
  vm_trace (m, VMEMU_EV_LRU_ISOLATE, (gint64) nr_to_scan, n, n, VM_LRU_ACTIVE, NULL);
  guint referenced = 0;
  for (guint i = 0; i < n; i++)
    {
      VmemuPage *p = batch[i];
      if (m->bh_over_limit && (p->flags & VMEMU_PG_PRIVATE) && vm_trylock_page (p))
        {
          try_to_release_page (m, p);
          vm_unlock_page (m, p);
        }
      if (vm_page_referenced (m, p))
        referenced++;
      guint32 before = p->flags;
      p->flags &= ~VMEMU_PG_ACTIVE;
      p->flags |= VMEMU_PG_LRU | VMEMU_PG_WORKINGSET;   /* 5.8 marks deactivated pages */
      vm_lru_add_head (m, p, VM_LRU_INACTIVE);
      if (before != p->flags)
        vm_trace_page (m, VMEMU_EV_SHRINK_PAGE, p, before, SP_KEEP, -1, 0, 0, "deactivate");
      vm_put_page (m, p, VMEMU_REF_ISOLATE);
    }
  vm_trace (m, VMEMU_EV_SHRINK_ACTIVE, n, 0, n, referenced, NULL);
}

/* inactive_list_is_low for file pages: inactive * ratio < active, with
 * ratio = int_sqrt(10 * size in GiB), at least 1. */
static gboolean
inactive_is_low (VmemuMachine *m)
{
  guint64 gb = (m->lru_count[VM_LRU_INACTIVE] + m->lru_count[VM_LRU_ACTIVE]) * m->page_size >> 30;
  guint64 ratio = gb ? int_sqrt (10 * gb) : 1;
  return m->lru_count[VM_LRU_INACTIVE] * ratio < m->lru_count[VM_LRU_ACTIVE];
}

/* The end of shrink_node for kswapd (5.8): over every batch of this call
 * (sc->nr is zeroed per shrink_node), PGDAT_WRITEBACK when every page taken
 * was under writeback, PGDAT_DIRTY when every file page taken was dirty and
 * not queued for I/O -- including when none was taken (0 == 0), as 5.8's
 * `sc->nr.unqueued_dirty == sc->nr.file_taken` does. */
static void
shrink_node_flags (VmemuMachine *m, const ScanControl *sc)
{
  if (!sc->kswapd)
    return;
  if (sc->nr_writeback && sc->nr_writeback == sc->nr_taken)
    m->pgdat_writeback = TRUE;
  if (sc->nr_unqueued_dirty == sc->nr_taken)
    m->pgdat_dirty = TRUE;
}

/* shrink_node at one priority: scan lru_size >> priority pages (all of a small
 * list at priority 0), balancing the active list first when needed. */
guint64
vm_shrink_node (VmemuMachine *m, gboolean kswapd, int priority, guint64 nr_to_reclaim)
{
  ScanControl sc = { .kswapd = kswapd };
  guint64 size = m->lru_count[VM_LRU_INACTIVE] + m->lru_count[VM_LRU_ACTIVE];
  guint64 scan = size >> priority;
  if (scan == 0 && priority == 0)
    scan = size;
  if (scan > 0 && inactive_is_low (m))
    shrink_active_list (m, &sc, scan);
  guint64 left = MIN (scan, m->lru_count[VM_LRU_INACTIVE] + VM_PAGEVEC_SIZE * m->ncpus);
  while (left > 0 && sc.nr_reclaimed < nr_to_reclaim)
    {
      guint64 before = sc.nr_taken;
      shrink_inactive_list (m, &sc, MIN (left, VM_SWAP_CLUSTER_MAX));
      guint64 took = sc.nr_taken - before;
      if (took == 0)
        break;
      left -= MIN (left, took);
    }
  shrink_node_flags (m, &sc);
  return sc.nr_reclaimed;
}

/* kswapd (balance_pgdat): reclaim from priority 12 down until free memory
 * reaches the high watermark; a pass that frees nothing counts a failure, and
 * after MAX_RECLAIM_RETRIES kswapd is no longer woken.  Unbalanced, it looks
 * again after a congestion wait (100 ms) so I/O can complete. */
void
vm_kswapd_resume (VmemuMachine *m, VmemuActor *a)
{
  vm_trace (m, VMEMU_EV_KSWAPD_WAKE, 0, 0, 0, 0, NULL);
  /* kswapd_shrink_node asks for max(high watermark, SWAP_CLUSTER_MAX) per
   * priority; balance_pgdat lowers the priority until the node is balanced. */
  guint64 reclaimed = 0;
  for (int prio = VM_DEF_PRIORITY; prio >= 0 && m->nr_free < m->wmark_high; prio--)
    reclaimed += vm_shrink_node (m, TRUE, prio, MAX (m->wmark_high, VM_SWAP_CLUSTER_MAX));
  if (m->nr_free >= m->wmark_high)
    {
      m->pgdat_dirty = m->pgdat_writeback = FALSE;   /* clear_pgdat_congested */
      m->kswapd_failures = 0;
      m->kswapd_running = FALSE;
      vm_trace (m, VMEMU_EV_KSWAPD_SLEEP, 0, 0, 0, 0, NULL);
      return;
    }
  if (reclaimed == 0)
    m->kswapd_failures++;
  else
    m->kswapd_failures = 0;   /* shrink_node: any progress resets the count */
  if (m->kswapd_failures >= VM_MAX_RECLAIM_RETRIES || m->nr_free >= m->wmark_low)
    {
      m->kswapd_running = FALSE;
      vm_trace (m, VMEMU_EV_KSWAPD_SLEEP, 0, 0, 0, 0, NULL);
      return;
    }
  vm_actor_sleep_until (m, a, vm_now (m) + 100000000ull);
}

/* ---- invalidation and truncation (mm/truncate.c) ---- */

/* invalidate_inode_page + invalidate_complete_page: only clean, unmapped,
 * not-under-writeback pages; private data is released first and the removal
 * can still fail on a reference count other than 2. */
static gboolean
invalidate_inode_page (VmemuMachine *m, VmemuInode *ino, VmemuPage *p)
{
  if (vm_page_mapping (m, p) != ino || (p->flags & (VMEMU_PG_DIRTY | VMEMU_PG_WRITEBACK)) || p->mapcount > 0)
    return FALSE;
  if ((p->flags & VMEMU_PG_PRIVATE) && !try_to_release_page (m, p))
    return FALSE;
  return remove_mapping (m, p);
}

/* invalidate_mapping_pages: batches of up to 15 looked-up pages (each with a
 * lookup reference); trylock or skip; a page that cannot be invalidated is
 * deactivated through a pagevec; only the first batch release drains this
 * CPU's pagevecs.  No writeback, no drain before the first batch. */
guint64
vm_invalidate_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end)
{
  gpointer batch[VM_PAGEVEC_SIZE];
  guint64 idx[VM_PAGEVEC_SIZE];
  guint64 count = 0, next = start;
  gboolean drained = FALSE;
  guint cpu = m->cur ? m->cur->cpu : 0;
  vm_note_pipe_batch (m, ino);
  for (;;)
    {
      guint n = next > end ? 0 : vmemu_xa_gather (ino->pages, next, end, VMEMU_XA_NO_MARK, batch,
                                                  idx, VM_PAGEVEC_SIZE);
      if (n == 0)
        break;
      for (guint i = 0; i < n; i++)
        vm_get_page (m, batch[i], VMEMU_REF_LOOKUP);
      for (guint i = 0; i < n; i++)
        {
          VmemuPage *p = batch[i];
          if (!vm_trylock_page (p))
            continue;
          gboolean ok = invalidate_inode_page (m, ino, p);
          vm_unlock_page (m, p);
          if (ok)
            count++;
          else if (vm_page_mapping (m, p) == ino)
            {
              vm_trace_page (m, VMEMU_EV_DEACTIVATE_FILE_PAGE, p, p->flags, 0, 0, 0, 0, NULL);
              vm_pagevec_add (m, cpu, VM_PVEC_DEACTIVATE, p);
            }
        }
      if (!drained)
        {
          drained = TRUE;
          vm_lru_add_drain (m, cpu, "pagevec_release");
        }
      for (guint i = 0; i < n; i++)
        vm_put_page (m, batch[i], VMEMU_REF_LOOKUP);
      next = idx[n - 1] + 1;
      if (next == 0)
        break;
    }
  vm_trace_inode (m, VMEMU_EV_INVALIDATE_MAPPING_PAGES, ino, (gint64) start, (gint64) end,
                  (gint64) count, 0, NULL);
  return count;
}

/* truncate_cleanup_page + delete: unmap, whole-page invalidate (cancels dirty,
 * releases the iop), delete from the cache whatever else holds it. */
static void
truncate_page_full (VmemuMachine *m, VmemuInode *ino, VmemuPage *p)
{
  /* A large folio only partly truncated is split first (THP series): its
   * iomap_page goes, the pages left before EOF keep PG_uptodate. */
  if (p->folio_order)
    vm_split_folio (m, p, TRUE);
  if (p->mapcount > 0)
    vm_unmap_mapping_pages (m, ino, p->index, p->index);
  if (p->flags & VMEMU_PG_PRIVATE)
    vm_page_a_ops (m, p)->invalidatepage (m, p, 0, (guint) m->page_size);
  vm_cancel_dirty_page (m, p);
  vm_delete_from_page_cache (m, p);
}

/* truncate_inode_pages_range: whole pages are removed; the partial first and
 * last pages are zeroed past lstart / before lend and partially invalidated,
 * which iomap ignores (the iop and its bits stay).  The model never sleeps
 * here: writeback on a truncated page is waited for by the callers
 * beforehand (filemap_write_and_wait_range). */
void
vm_truncate_inode_pages_range (VmemuMachine *m, VmemuInode *ino, guint64 lstart, guint64 lend)
{
  guint64 ps = m->page_size;
  guint64 start = (lstart + ps - 1) >> m->page_shift;
  guint64 partial_start = lstart & (ps - 1);
  guint64 end = lend == G_MAXUINT64 ? G_MAXUINT64 : (lend + 1) >> m->page_shift;
  guint64 partial_end = lend == G_MAXUINT64 ? 0 : (lend + 1) & (ps - 1);
  vm_trace_inode (m, VMEMU_EV_TRUNCATE_INODE_PAGES, ino, (gint64) lstart, (gint64) lend, 0, 0,
                  NULL);
  /* whole pages [start, end) */
  gpointer batch[VM_PAGEVEC_SIZE];
  guint64 idx[VM_PAGEVEC_SIZE];
  guint64 next = start;
  while (end > 0 && next <= end - 1)
    {
      guint n = vmemu_xa_gather (ino->pages, next, end - 1, VMEMU_XA_NO_MARK, batch, idx,
                                 VM_PAGEVEC_SIZE);
      if (n == 0)
        break;
      for (guint i = 0; i < n; i++)
        {
          VmemuPage *p = batch[i];
          vm_get_page (m, p, VMEMU_REF_LOOKUP);
          g_assert (!(p->flags & VMEMU_PG_WRITEBACK));
          gboolean locked = vm_trylock_page (p);
          truncate_page_full (m, ino, p);
          if (locked)
            vm_unlock_page (m, p);
          vm_put_page (m, p, VMEMU_REF_LOOKUP);
        }
      next = idx[n - 1] + 1;
      if (next == 0)
        break;
    }
  /* partial pages */
  guint64 first_partial = lstart >> m->page_shift;
  if (partial_start)
    {
      VmemuPage *p = vmemu_xa_load (ino->pages, first_partial);
      guint64 top = ps;
      if (first_partial == (lend >> m->page_shift) && lend != G_MAXUINT64)
        top = partial_end ? partial_end : ps;
      if (p)
        {
          if (vm_page_has_content (p))
            {
              vmemu_content_zero (vm_page_content (m, p), partial_start, top - partial_start);
              vm_page_content_done (m, p);
            }
          vm_page_a_ops (m, p)->invalidatepage (m, p, (guint) partial_start, (guint) (top - partial_start));
        }
    }
  if (partial_end && lend != G_MAXUINT64 && (lend >> m->page_shift) != first_partial)
    {
      VmemuPage *p = vmemu_xa_load (ino->pages, lend >> m->page_shift);
      if (p)
        {
          if (vm_page_has_content (p))
            {
              vmemu_content_zero (vm_page_content (m, p), 0, partial_end);
              vm_page_content_done (m, p);
            }
          vm_page_a_ops (m, p)->invalidatepage (m, p, 0, (guint) partial_end);
        }
    }
}

/* invalidate_inode_pages2_range (direct I/O): unmap, release private data
 * (refused for a dirty page), then delete ignoring the refcount unless the
 * page is dirty; -EBUSY when some page stayed. */
int
vm_invalidate_inode_pages2_range (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end)
{
  int ret = 0;
  guint64 next = start;
  VmemuPage *p;
  while (next <= end && (p = vmemu_xa_find (ino->pages, &next, end, VMEMU_XA_NO_MARK)) != NULL)
    {
      next++;
      if (p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_WRITEBACK))
        {
          /* 5.8 sleeps in lock_page / wait_on_page_writeback and then
           * invalidates the page; the model leaves it cached. */
          vm_depends_on (m, "invalidate_inode_pages2_range does not wait on a locked or "
                            "writeback page");
          ret = -16;   /* the model does not sleep here: count it as busy */
          continue;
        }
      p->flags |= VMEMU_PG_LOCKED;
      if (p->mapcount > 0)
        vm_unmap_mapping_pages (m, ino, p->index, end);
      gboolean ok = !((p->flags & VMEMU_PG_PRIVATE) && !try_to_release_page (m, p))
                    && !(p->flags & VMEMU_PG_DIRTY);
      vm_unlock_page (m, p);
      if (ok)
        vm_delete_from_page_cache (m, p);
      else
        ret = -VMEMU_EBUSY;
      if (next == 0)
        break;
    }
  vm_trace_inode (m, VMEMU_EV_INVALIDATE_INODE_PAGES2, ino, (gint64) start, (gint64) end, ret, 0,
                  ret ? "Page cache invalidation failure on direct I/O" : NULL);
  return ret;
}

/* truncate_inode_pages_final at eviction (umount): everything goes. */
void
vm_truncate_inode_pages_final (VmemuMachine *m, VmemuInode *ino)
{
  vm_truncate_inode_pages_range (m, ino, 0, G_MAXUINT64);
}
