/* crash.c — device error injection and power cuts.
 *
 * inject: the next `count` bios of a kind (read, write, readahead read) that
 * touch the given file blocks complete with -EIO (bdev.c applies the rules).
 *
 * power_cut: the machine loses power and comes back.  Requests the device has
 * not completed never reach the media; the page cache, every mapping, every
 * dirty and writeback state and every delayed allocation are gone; the other
 * tasks are gone too (the task that cut the power stands for the process that
 * runs after the reboot and goes on with its next operation).  The in-core
 * size falls back to the on-disk size.  What must read back afterwards: every
 * byte fsync'd and not written since (the oracle's durable bytes); any other
 * byte may be old or new, so the oracle takes what the device holds.
 */
#include "engine/model/machine-private.h"
#include "engine/model/pagemap.h"
#include "engine/model/events.h"
#include "engine/model/xfs.h"
#include "engine/model/locks.h"
#include "engine/model/crash.h"

#include <string.h>

void
vm_inject (VmemuMachine *m, const VmemuOp *op)
{
  VmInject r = { .on = op->inject_on, .count = op->count ? op->count : 1,
                 .last_blk = G_MAXUINT64 };
  if (op->file >= 0)
    {
      r.inode = g_ptr_array_index (m->inodes, op->file);
      if (!op->inject_any_offset)
        r.first_blk = r.last_blk = op->offset_bytes >> m->blkbits;
    }
  g_array_append_val (m->injects, r);
}

/* Collect every page object reachable from a holder, once. */
static void
collect (GPtrArray *all, VmemuPage *p)
{
  if (p == NULL || p->lru == 0xff)
    return;
  if (p->lru != VM_LRU_NONE)
    p->lru = VM_LRU_NONE;
  p->lru = 0xff;   /* visited */
  g_ptr_array_add (all, p);
}

static void
forget_pages (VmemuMachine *m, VmemuActor *self)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      gpointer batch[64];
      guint n;
      while ((n = vmemu_xa_gather (ino->pages, 0, G_MAXUINT64, VMEMU_XA_NO_MARK, batch, NULL, 64)))
        for (guint k = 0; k < n; k++)
          {
            vmemu_xa_erase (ino->pages, ((VmemuPage *) batch[k])->index);
            collect (all, batch[k]);
          }
      for (guint k = 0; k < ino->maps->len; k++)
        {
          VmemuMap *map = g_ptr_array_index (ino->maps, k);
          for (guint64 j = 0; j < map->npages; j++)
            collect (all, map->ptepage[j]);
          map->unmapped = TRUE;
        }
      g_ptr_array_set_size (ino->maps, 0);
    }
  for (guint c = 0; c < m->ncpus; c++)
    for (int k = 0; k < VM_N_PVEC; k++)
      {
        VmPagevec *pv = &m->cpus[c].pv[k];
        for (guint j = 0; j < pv->n; j++)
          collect (all, pv->pages[j]);
        pv->n = 0;
      }
  for (guint i = 0; i < m->pipes->len; i++)
    {
      GPtrArray *bufs = g_ptr_array_index (m->pipes, i);
      for (guint j = 0; j < bufs->len; j++)
        collect (all, g_ptr_array_index (bufs, j));
      g_ptr_array_set_size (bufs, 0);
    }
  for (guint i = 0; i < m->actors->len; i++)
    {
      VmemuActor *a = g_ptr_array_index (m->actors, i);
      collect (all, a->st.page);
      collect (all, a->st.wbc.page);
      for (guint j = 0; j < a->st.wbc.pvec.nr; j++)
        collect (all, a->st.wbc.pvec.pages[j]);
      for (guint j = 0; j < a->st.wait.nr; j++)
        collect (all, a->st.wait.pages[j]);
      a->st.wbc.pvec = (VmWbBatch) { 0 };
      a->st.wait = (VmWbBatch) { 0 };
      a->st.page = NULL;
      a->st.wbc.page = NULL;
      a->waiting_on = NULL;
      a->wait_next = NULL;
      if (a->kind == VM_ACTOR_USER && a != self && !a->done)
        {
          a->done = TRUE;   /* the process died with the machine */
          m->live_tasks--;
        }
      if (a->kind == VM_ACTOR_FLUSHER)
        memset (&a->st, 0, sizeof a->st);
    }
  g_hash_table_remove_all (m->waitq);   /* every sleeper died above */
  vm_locks_forget (m);                  /* and every lock holder */
  for (guint i = 0; i < all->len; i++)
    {
      VmemuPage *p = g_ptr_array_index (all, i);
      vm_page_slab_put (m, p);
      m->nr_free++;
      m->nr_file--;
    }
  for (int l = 0; l < 3; l++)
    {
      m->lru_head[l] = m->lru_tail[l] = NULL;
      m->lru_count[l] = 0;
    }
  m->nr_dirty = m->nr_writeback = 0;
  while (m->b_dirty.length)
    {
      VmemuInode *ino = g_queue_pop_head (&m->b_dirty);
      ino->dirty = FALSE;
      ino->dirty_link = NULL;
    }
}

/* After the cut: durable bytes must be there; the rest is whatever the device
 * holds, which the oracle adopts. */
static void
oracle_after_cut (VmemuMachine *m, VmemuInode *ino)
{
  guint64 size = ino->disk_size;
  VmContent *exp = ino->expected;
  vmemu_content_set_size (exp, 0);
  vmemu_content_set_size (exp, size);
  for (guint64 off = 0; off < size; off += m->block_size)
    {
      VmBlk b = vm_blk_get (ino, off >> m->blkbits);
      if (b.type == VM_BLK_MAPPED)
        vm_disk_read (m, b.pblk, MIN (m->block_size, size - off), exp, off);
    }
  /* the durable bytes over what the device holds */
  guint64 s = 0, e;
  guint32 known;
  while (vm_ranges_next (ino->durable_known, &s, &e, size, &known))
    {
      vmemu_content_copy (exp, s, ino->durable, s, e - s);
      s = e;
    }
  /* An fsync'd size larger than what the device recorded is itself a loss:
   * keep the durable bytes beyond it expected (they read back as missing). */
  if (ino->durable_size_known && ino->durable_size > size)
    {
      s = size;
      if (vm_ranges_next (ino->durable_known, &s, &e, ino->durable_size, &known))
        {
          vmemu_content_set_size (exp, ino->durable_size);
          while (vm_ranges_next (ino->durable_known, &s, &e, ino->durable_size, &known))
            {
              vmemu_content_copy (exp, s, ino->durable, s, e - s);
              s = e;
            }
        }
    }
}

void
vm_power_cut (VmemuMachine *m, VmemuActor *self)
{
  guint64 pages = m->nr_file;
  vm_bdev_power_cut (m);
  forget_pages (m, self);
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      /* delayed allocations were in memory only */
      vm_blk_drop_delalloc (ino);
      oracle_after_cut (m, ino);
      ino->i_size = ino->disk_size;
      ino->wb_err = 0;
      ino->writeback_index = 0;
    }
  vm_trace (m, VMEMU_EV_POWER_CUT, (gint64) pages, 0, 0, 0, NULL);
}
