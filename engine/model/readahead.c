/* readahead.c — mm/readahead.c (Linux 5.8) and the readahead calls of
 * mm/filemap.c: the per-open-file state (struct file_ra_state: one per task
 * and file, as each task opens each file once), ondemand_readahead's
 * decision tree, __do_page_cache_readahead with its PG_readahead marker,
 * do_sync_mmap_readahead / do_async_mmap_readahead for faults and
 * force_page_cache_readahead for fadvise(WILLNEED).
 *
 * Simplified: no FMODE_RANDOM / VM_RAND_READ / VM_SEQ_READ (no fadvise
 * RANDOM/SEQUENTIAL or madvise ops); no congestion or blk-cgroup checks;
 * bdi->io_pages is 0 (brd, the device the conformance kernels run on, sets
 * no max_hw_sectors in 5.8), so ra_pages is the only clamp; the pages of a
 * window are all allocated first and then read batch by batch (the kernel
 * reads each batch before allocating the next: only the allocation order
 * relative to the bios differs).  PG_readahead has its own bit here; the
 * kernel shares PG_reclaim's (docs/model.md).
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/pagemap.h"
#include "engine/model/folio.h"
#include "engine/model/readahead.h"

#define VM_MMAP_LOTSAMISS 100   /* MMAP_LOTSAMISS */

/* VM_READAHEAD_PAGES = SZ_128K / PAGE_SIZE, the bdi's default ra_pages. */
guint64
vm_ra_default_pages (VmemuMachine *m)
{
  return (128 * 1024) >> m->page_shift;
}

/* file_ra_state_init */
void
vm_ra_state_init (VmemuMachine *m, VmRaState *ra)
{
  memset (ra, 0, sizeof *ra);
  ra->ra_pages = vm_ra_default_pages (m);
  ra->prev_pos = G_MAXUINT64;
}

VmRaState *
vm_file_ra (VmemuActor *a, VmemuInode *ino)
{
  return &a->ra[ino->file_idx];
}

static gboolean
cached (VmemuInode *ino, guint64 index)
{
  return vmemu_xa_load (ino->pages, index) != NULL;
}

/* get_init_ra_size */
static guint64
init_ra_size (guint64 size, guint64 max)
{
  guint64 n = 1;
  while (n < size)
    n <<= 1;
  if (n <= max / 32)
    return n * 4;
  if (n <= max / 4)
    return n * 2;
  return max;
}

/* get_next_ra_size */
static guint64
next_ra_size (const VmRaState *ra, guint64 max)
{
  if (ra->size < max / 16)
    return 4 * ra->size;
  if (ra->size <= max / 2)
    return 2 * ra->size;
  return max;
}

/* page_cache_prev_miss: from index down, the first index not cached within
 * max_scan entries, else the last one looked at (unsigned wrap below 0). */
static guint64
prev_miss (VmemuInode *ino, guint64 index, guint64 max_scan)
{
  guint64 cur = index;
  for (guint64 n = 0; n < max_scan; n++)
    {
      if (n > 0)
        cur--;
      if (!cached (ino, cur) || cur == G_MAXUINT64)
        break;
    }
  return cur;
}

/* page_cache_next_miss, the same upwards (wrap to 0). */
static guint64
next_miss (VmemuInode *ino, guint64 index, guint64 max_scan)
{
  guint64 cur = index;
  for (guint64 n = 0; n < max_scan; n++)
    {
      if (n > 0)
        cur++;
      if (!cached (ino, cur) || cur == 0)
        break;
    }
  return cur;
}

static void
read_batch (VmemuMachine *m, VmemuInode *ino, GPtrArray *batch)
{
  ino->a_ops->readahead (m, ino, (VmemuPage **) batch->pdata, batch->len);
  for (guint i = 0; i < batch->len; i++)
    vm_put_page (m, g_ptr_array_index (batch, i), VMEMU_REF_IO);
  g_ptr_array_set_size (batch, 0);
}

/* __do_page_cache_readahead -> page_cache_readahead_unbounded: nr pages
 * from index, clamped to the page holding the last byte; cached pages are
 * skipped (ending a batch); the page at nr - lookahead gets PG_readahead. */
static void
do_page_cache_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 index,
                         guint64 nr, guint64 lookahead)
{
  if (ino->i_size == 0)
    return;
  guint64 end_index = (ino->i_size - 1) >> m->page_shift;
  if (index > end_index)
    return;
  if (nr > end_index - index)
    nr = end_index - index + 1;
  guint64 mark = nr - lookahead;   /* the page that triggers the async readahead */
  guint64 start = index, size = nr;
  vm_folio_ra_window (m, &start, &size);   /* large folios: whole folios */
  if (start + size > end_index + 1)
    size = end_index + 1 - start;
  g_autoptr (GPtrArray) pages = g_ptr_array_new ();
  g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint64 i = start; i < start + size; i++)
    {
      if (cached (ino, i))
        {
          g_array_append_val (cuts, pages->len);   /* read_pages of the batch so far */
          continue;
        }
      VmemuPage *p = vm_page_alloc (m, VMEMU_REF_IO);
      if (p == NULL)
        break;
      vm_add_to_page_cache_lru (m, a, p, ino, i);
      if (lookahead && lookahead <= nr && i == index + mark)
        p->flags |= VMEMU_PG_READAHEAD;
      g_ptr_array_add (pages, p);
    }
  if (pages->len)
    vm_folio_mark (m, ino, start, size);
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  guint c = 0;
  for (guint i = 0; i <= pages->len; i++)
    {
      while (c < cuts->len && g_array_index (cuts, guint, c) == i)
        {
          read_batch (m, ino, batch);
          c++;
        }
      if (i < pages->len)
        g_ptr_array_add (batch, g_ptr_array_index (pages, i));
    }
  read_batch (m, ino, batch);
}

static void
ra_submit (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, const VmRaState *ra)
{
  do_page_cache_readahead (m, a, ino, ra->start, ra->size, ra->async_size);
}

/* ondemand_readahead */
static void
ondemand_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, gboolean hit_marker,
                    guint64 index, guint64 req)
{
  VmRaState *ra = vm_file_ra (a, ino);
  guint64 max = ra->ra_pages;   /* io_pages 0: never raised to the request */
  gboolean initial = index == 0;
  if (!initial && (index == ra->start + ra->size - ra->async_size
                   || index == ra->start + ra->size))
    {
      /* the expected callback index: sequential, ramp up */
      ra->start += ra->size;
      ra->size = next_ra_size (ra, max);
      ra->async_size = ra->size;
      goto readit;
    }
  if (!initial && hit_marker)
    {
      /* a marked page without valid state (interleaved reads) */
      guint64 start = next_miss (ino, index + 1, max);
      if (start == 0 || start - index > max)
        return;
      ra->start = start;
      ra->size = start - index + req;
      ra->size = next_ra_size (ra, max);
      ra->async_size = ra->size;
      goto readit;
    }
  if (!initial && req <= max)
    {
      /* sequential miss: index - prev_index <= 1 (unsigned: prev_pos -1
       * gives a huge prev_index, so a first read never counts) */
      guint64 prev_index = ra->prev_pos >> m->page_shift;
      if (index - prev_index > 1)
        {
          /* try_context_readahead: cached history before index */
          guint64 hist = index - 1 - prev_miss (ino, index - 1, max);
          if (hist <= req)
            {
              /* standalone, small random read: only what was asked for,
               * and the state is left alone */
              do_page_cache_readahead (m, a, ino, index, req, 0);
              return;
            }
          if (hist >= index)
            hist *= 2;
          ra->start = index;
          ra->size = MIN (hist + req, max);
          ra->async_size = 1;
          goto readit;
        }
    }
  /* initial_readahead */
  ra->start = index;
  ra->size = init_ra_size (req, max);
  ra->async_size = ra->size > req ? ra->size - req : ra->size;
readit:
  if (index == ra->start && ra->size == ra->async_size)
    {
      /* this read would hit its own marker: merge the next window now */
      guint64 add = next_ra_size (ra, max);
      if (ra->size + add <= max)
        {
          ra->async_size = add;
          ra->size += add;
        }
      else
        {
          ra->size = max;
          ra->async_size = max >> 1;
        }
    }
  ra_submit (m, a, ino, ra);
}

void
vm_page_cache_sync_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 index,
                              guint64 req)
{
  if (vm_file_ra (a, ino)->ra_pages == 0)
    return;
  ondemand_readahead (m, a, ino, FALSE, index, MAX (req, 1));
}

void
vm_page_cache_async_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmemuPage *p,
                               guint64 index, guint64 req)
{
  if (vm_file_ra (a, ino)->ra_pages == 0)
    return;
  if (p->flags & VMEMU_PG_WRITEBACK)
    return;   /* the kernel's bit may mean PG_reclaim here */
  p->flags &= ~VMEMU_PG_READAHEAD;
  ondemand_readahead (m, a, ino, TRUE, index, MAX (req, 1));
}

void
vm_do_sync_mmap_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 index)
{
  VmRaState *ra = vm_file_ra (a, ino);
  if (ra->ra_pages == 0)
    return;
  if (ra->mmap_miss < VM_MMAP_LOTSAMISS * 10)
    ra->mmap_miss++;
  if (ra->mmap_miss > VM_MMAP_LOTSAMISS)
    return;
  /* mmap read-around */
  ra->start = index > ra->ra_pages / 2 ? index - ra->ra_pages / 2 : 0;
  ra->size = ra->ra_pages;
  ra->async_size = ra->ra_pages / 4;
  ra_submit (m, a, ino, ra);
}

void
vm_do_async_mmap_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmemuPage *p,
                            guint64 index)
{
  VmRaState *ra = vm_file_ra (a, ino);
  if (ra->ra_pages == 0)
    return;
  if (ra->mmap_miss > 0)
    ra->mmap_miss--;
  if (p->flags & VMEMU_PG_READAHEAD)
    vm_page_cache_async_readahead (m, a, ino, p, index, ra->ra_pages);
}

void
vm_force_page_cache_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 index,
                               guint64 nr)
{
  VmRaState *ra = vm_file_ra (a, ino);
  nr = MIN (nr, ra->ra_pages);   /* max(bdi->io_pages = 0, ra_pages) */
  guint64 chunk_max = (2 * 1024 * 1024) >> m->page_shift;
  while (nr)
    {
      guint64 chunk = MIN (chunk_max, nr);
      do_page_cache_readahead (m, a, ino, index, chunk, 0);
      index += chunk;
      nr -= chunk;
    }
}

void
vm_ra_set_prev_pos (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 end_pos)
{
  /* prev_index = the last page copied from, prev_offset = where the copy
   * ended in it (0 at a page boundary: the index was bumped past it) */
  VmRaState *ra = vm_file_ra (a, ino);
  ra->prev_pos = (((end_pos - 1) >> m->page_shift) << m->page_shift)
                 | (end_pos & (m->page_size - 1));
}
