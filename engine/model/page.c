/* page.c — struct page, its reference ledger and lock, the page cache index
 * (mm/filemap.c), the file LRU lists and the per-CPU pagevecs (mm/swap.c).
 */
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/reclaim.h"

#include <string.h>

/* ---- allocation and references ---- */

#define VM_PAGE_SLAB 4096u

/* Chunk i holds 64 << i pages up to VM_PAGE_SLAB: a small machine does not
 * pay for a large chunk. */
static guint
slab_chunk_pages (guint i)
{
  return i >= 6 ? VM_PAGE_SLAB : 64u << i;
}

/* Chunk and offset of slot s (0-based) in O(1): chunks 0..5 hold 64 << i
 * pages (4032 in all), every later one VM_PAGE_SLAB. */
static inline guint
slot_chunk (guint32 s, guint *off)
{
  guint i;
  if (s < 4032u)
    {
      i = (guint) g_bit_storage ((s >> 6) + 1) - 1;
      *off = s - 64u * ((1u << i) - 1);
    }
  else
    {
      i = 6 + (s - 4032u) / VM_PAGE_SLAB;
      *off = (s - 4032u) % VM_PAGE_SLAB;
    }
  return i;
}

static inline VmemuPage *
slab_page (const VmemuMachine *m, guint32 s)
{
  guint off, i = slot_chunk (s, &off);
  return (VmemuPage *) g_ptr_array_index (m->page_chunks, i) + off;
}

void
vm_page_iop_clear (VmemuMachine *m, const VmemuPage *p)
{
  const guint64 *bits = vm_page_iop_bits_peek (m, p);
  if (bits[0] | bits[1])
    memset (vm_page_iop_bits (m, p), 0, 2 * sizeof (guint64));
}

/* Chunks are 64-byte aligned, so every page is one cache line. */
static VmemuPage *
chunk_alloc (guint n)
{
#if GLIB_CHECK_VERSION (2, 72, 0)
  return g_aligned_alloc (n, sizeof (VmemuPage), 64);
#else
  return g_new (VmemuPage, n);
#endif
}

static void
chunk_free (gpointer chunk)
{
#if GLIB_CHECK_VERSION (2, 72, 0)
  g_aligned_free (chunk);
#else
  g_free (chunk);
#endif
}

guint64 *
vm_page_iop_bits (VmemuMachine *m, const VmemuPage *p)
{
  g_assert (p->slot != 0);
  guint off, i = slot_chunk (p->slot - 1, &off);
  if (m->iop_chunks == NULL)
    m->iop_chunks = g_ptr_array_new_with_free_func (g_free);
  if (m->iop_chunks->len <= i)
    g_ptr_array_set_size (m->iop_chunks, m->page_chunks->len);
  guint64 *bits = g_ptr_array_index (m->iop_chunks, i);
  if (bits == NULL)
    {
      bits = g_new0 (guint64, 2 * (gsize) slab_chunk_pages (i));
      g_ptr_array_index (m->iop_chunks, i) = bits;
    }
  return bits + 2 * off;
}

const guint64 *
vm_page_iop_bits_peek (const VmemuMachine *m, const VmemuPage *p)
{
  static const guint64 none[2];
  if (p->slot == 0 || m->iop_chunks == NULL)
    return none;
  guint off, i = slot_chunk (p->slot - 1, &off);
  const guint64 *bits = i < m->iop_chunks->len ? g_ptr_array_index (m->iop_chunks, i) : NULL;
  return bits ? bits + 2 * off : none;
}

/* The page a link (slot + 1, 0: none) names. */
static inline VmemuPage *
link_page (const VmemuMachine *m, guint32 link)
{
  return link ? slab_page (m, link - 1) : NULL;
}

static inline guint32
page_link (const VmemuPage *p)
{
  return p ? p->slot : 0;
}

static VmemuPage *
page_slab_get (VmemuMachine *m)
{
  VmemuPage *p = m->page_free_list;
  guint32 slot;
  if (p != NULL)
    {
      m->page_free_list = link_page (m, p->lru_next);
      slot = p->slot;
    }
  else
    {
      if (m->page_chunks == NULL)
        m->page_chunks = g_ptr_array_new_with_free_func (chunk_free);
      guint n = m->page_chunks->len;
      if (n == 0 || m->page_chunk_used == slab_chunk_pages (n - 1))
        {
          g_ptr_array_add (m->page_chunks, chunk_alloc (slab_chunk_pages (n)));
          m->page_chunk_used = 0;
        }
      VmemuPage *chunk = g_ptr_array_index (m->page_chunks, m->page_chunks->len - 1);
      p = &chunk[m->page_chunk_used++];
      n = m->page_chunks->len - 1;
      slot = (n < 6 ? 64u * ((1u << n) - 1) : 4032u + (n - 6) * VM_PAGE_SLAB)
             + m->page_chunk_used;   /* slot + 1 */
      g_assert (slab_page (m, slot - 1) == p);
    }
  memset (p, 0, sizeof *p);
  p->slot = slot;
  vm_page_iop_clear (m, p);   /* a bitmap the slot's last page left */
  return p;
}

void
vm_page_slab_put (VmemuMachine *m, VmemuPage *p)
{
  vm_page_content_free (p);
  p->lru_next = page_link (m->page_free_list);
  m->page_free_list = p;
}

void
vm_page_slab_free (VmemuMachine *m)
{
  /* the contents of pages still held somewhere (a pipe, a stall) */
  for (guint i = 0; m->page_chunks && i < m->page_chunks->len; i++)
    {
      VmemuPage *chunk = g_ptr_array_index (m->page_chunks, i);
      guint used = i + 1 == m->page_chunks->len ? m->page_chunk_used : slab_chunk_pages (i);
      for (guint k = 0; k < used; k++)
        vm_page_content_free (&chunk[k]);
    }
  g_clear_pointer (&m->page_chunks, g_ptr_array_unref);
  g_clear_pointer (&m->iop_chunks, g_ptr_array_unref);
  m->page_free_list = NULL;
}

VmemuPage *
vm_page_alloc (VmemuMachine *m, int holder)
{
  if (!vm_alloc_pages_check (m, 1))
    return NULL;
  VmemuPage *p = page_slab_get (m);
  p->pfn = m->next_pfn++;
  p->refs[holder] = 1;
  m->nr_free--;
  m->nr_file++;
  return p;
}

static void
page_free (VmemuMachine *m, VmemuPage *p)
{
  g_assert (!(p->flags & VM_PG_CACHED) && p->lru == VM_LRU_NONE && !(p->flags & VM_PG_WAITERS));
  vm_page_slab_put (m, p);
  m->nr_free++;
  m->nr_file--;
}

/* ---- reference events (page_ref_get / page_ref_put) ----
 *
 * Each change of the per-holder ledger is traced with the holder, its count
 * after the change and, for the per-CPU pagevecs, the CPU, so the trace can
 * say who held a page at any event (the page_refs view).  Only page-cache
 * pages are traced: a page gets its first ref events when it first has an
 * inode (add_to_page_cache, migration), and then the references it was
 * allocated with are traced first, so the gets and puts of a page index
 * always balance. */

static void
ref_event (VmemuMachine *m, VmemuEventId id, VmemuPage *p, int holder, gint64 cpu)
{
  vm_trace_page (m, id, p, p->flags, holder, p->refs[holder], cpu, -1, NULL);
}

/* Before the first ref event of a page: the references it already has. */
static gboolean
ref_trace_begin (VmemuMachine *m, VmemuPage *p)
{
  if (p->owner_idx == 0)
    return FALSE;
  if (!(p->flags & VM_PG_REFS_TRACED))
    {
      p->flags |= VM_PG_REFS_TRACED;
      for (int h = 0; h < VMEMU_REF__COUNT; h++)
        for (guint8 n = 0; n < p->refs[h]; n++)
          vm_trace_page (m, VMEMU_EV_PAGE_REF_GET, p, p->flags, h, n + 1, -1, -1, NULL);
    }
  return TRUE;
}

static void
page_get (VmemuMachine *m, VmemuPage *p, int holder, gint64 cpu)
{
  g_assert (p->refs[holder] < G_MAXUINT8);
  gboolean traced = ref_trace_begin (m, p);
  p->refs[holder]++;
  if (traced)
    ref_event (m, VMEMU_EV_PAGE_REF_GET, p, holder, cpu);
}

/* put_page: the last reference frees the page (__put_page). */
static void
page_put (VmemuMachine *m, VmemuPage *p, int holder, gint64 cpu)
{
  g_assert (p->refs[holder] > 0);
  gboolean traced = ref_trace_begin (m, p);
  p->refs[holder]--;
  if (traced)
    ref_event (m, VMEMU_EV_PAGE_REF_PUT, p, holder, cpu);
  if (vm_page_refcount (p) == 0)
    page_free (m, p);
}

void
vm_get_page (VmemuMachine *m, VmemuPage *p, int holder)
{
  page_get (m, p, holder, -1);
}

void
vm_put_page (VmemuMachine *m, VmemuPage *p, int holder)
{
  page_put (m, p, holder, -1);
}

/* The reference changes hands: one page_ref_get of `to` whose moved_from
 * argument names the holder that gave it up (a fault's reference becoming
 * the PTE's happens on every fault: one event rather than two). */
void
vm_move_ref (VmemuMachine *m, VmemuPage *p, int from, int to)
{
  g_assert (p->refs[from] > 0);
  gboolean traced = ref_trace_begin (m, p);
  p->refs[from]--;
  p->refs[to]++;
  if (traced)
    vm_trace_page (m, VMEMU_EV_PAGE_REF_GET, p, p->flags, to, p->refs[to], -1, from, NULL);
}

/* ---- page contents ----
 *
 * A cached page costs what struct page costs: its contents are one run of
 * generated data over the whole page in the common case (a write, a read
 * from the device, the initial content), kept inline as (generator, key) --
 * the run's generator offset is the page's file offset and its source the
 * machine's fsx pattern or the owner's initial random state -- and a
 * engine/content store only while they are anything else. */

VmemuInode *
vm_page_owner (VmemuMachine *m, const VmemuPage *p)
{
  return p->owner_idx ? g_ptr_array_index (m->inodes, p->owner_idx - 1) : NULL;
}

static VmContentDesc
inline_desc (VmemuMachine *m, const VmemuPage *p)
{
  guint64 goff = p->index << m->page_shift;
  switch (p->cgen)
    {
    case VMEMU_GEN_BYTE:
      return vmemu_content_desc_byte ((guint8) p->c.key);
    case VMEMU_GEN_MIX64:
      return vmemu_content_desc_mix64 (p->c.key, goff);
    case VMEMU_GEN_FSX:
      return vmemu_content_desc_fsx (m->fsx, (guint32) p->c.key, goff);
    case VMEMU_GEN_RNG:
      return vmemu_content_desc_rng (vm_page_owner (m, p)->content_rng, goff);
    default:
      return vmemu_content_desc_zero ();
    }
}

const VmContent *
vm_page_content_peek (VmemuMachine *m, const VmemuPage *p, VmContentView *view)
{
  if (p->cgen == VM_PAGE_CONTENT_STORE)
    return p->c.store;
  if (p->cgen == VMEMU_GEN_ZERO)
    return NULL;
  VmContentDesc d = inline_desc (m, p);
  return vmemu_content_view (view, m->page_size, &d);
}

VmContent *
vm_page_content (VmemuMachine *m, VmemuPage *p)
{
  if (p->cgen != VM_PAGE_CONTENT_STORE)
    {
      VmContent *c = vmemu_content_new (m->page_size);
      VmContentDesc d = inline_desc (m, p);
      vmemu_content_fill (c, 0, m->page_size, &d);
      p->c.store = c;
      p->cgen = VM_PAGE_CONTENT_STORE;
    }
  return p->c.store;
}

/* Whether the run d over the whole page is what inline_desc() would say.
 * Pages that belong to no file (direct-I/O buffers) always keep a store. */
static gboolean
inline_fits (VmemuMachine *m, const VmemuPage *p, const VmContentDesc *d)
{
  if (p->owner_idx == 0)
    return FALSE;
  guint64 goff = p->index << m->page_shift;
  switch (d->gen)
    {
    case VMEMU_GEN_ZERO:
    case VMEMU_GEN_BYTE:
      return TRUE;
    case VMEMU_GEN_MIX64:
      return d->goff == goff;
    case VMEMU_GEN_FSX:
      return d->goff == goff && d->src == m->fsx;
    case VMEMU_GEN_RNG:
      return d->goff == goff && d->src == vm_page_owner (m, p)->content_rng;
    default:
      return FALSE;
    }
}

void
vm_page_content_done (VmemuMachine *m, VmemuPage *p)
{
  if (p->cgen != VM_PAGE_CONTENT_STORE)
    return;
  VmContent *c = p->c.store;
  VmContentDesc d;
  if (vmemu_content_size (c) != m->page_size || !vmemu_content_single (c, &d)
      || !inline_fits (m, p, &d))
    return;
  vmemu_content_free (c);
  p->cgen = d.gen;
  p->c.key = d.key;
}

/* [off, off+len) of the page becomes the run d: a whole page that fits is
 * set inline without a store. */
void
vm_page_content_fill (VmemuMachine *m, VmemuPage *p, guint off, guint len, const VmContentDesc *d)
{
  VmContentDesc n = *d;
  if (n.gen == VMEMU_GEN_BYTE && (n.key & 0xff) == 0)
    n = vmemu_content_desc_zero ();
  if (off == 0 && len == m->page_size && inline_fits (m, p, &n))
    {
      vm_page_content_free (p);
      p->cgen = n.gen;
      p->c.key = n.key;
      return;
    }
  if (n.gen == VMEMU_GEN_ZERO && p->cgen == VMEMU_GEN_ZERO)
    return;
  vmemu_content_fill (vm_page_content (m, p), off, len, &n);
  vm_page_content_done (m, p);
}

void
vm_page_content_free (VmemuPage *p)
{
  if (p->cgen == VM_PAGE_CONTENT_STORE)
    vmemu_content_free (p->c.store);
  p->cgen = VMEMU_GEN_ZERO;
  p->c.key = 0;
}

/* migrate_page_copy's contents: dst has src's index and owner. */
void
vm_page_content_copy (VmemuMachine *m, VmemuPage *dst, const VmemuPage *src)
{
  vm_page_content_free (dst);
  dst->cgen = src->cgen;
  dst->c = src->c;
  if (src->cgen == VM_PAGE_CONTENT_STORE)
    dst->c.store = vmemu_content_dup (src->c.store);
}

guint64
vm_eof_index (VmemuMachine *m, VmemuInode *ino, guint64 *eof_off)
{
  if (eof_off)
    *eof_off = ino->i_size & (m->page_size - 1);
  return ino->i_size >> m->page_shift;
}

/* ---- PG_locked and the page wait queue ---- */

gboolean
vm_trylock_page (VmemuPage *p)
{
  if (p->flags & VMEMU_PG_LOCKED)
    return FALSE;
  p->flags |= VMEMU_PG_LOCKED;
  return TRUE;
}

/* lock_page: sleeps when the lock is held; the caller retries on wake-up. */
VmStep
vm_lock_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p)
{
  if (vm_trylock_page (p))
    return VM_DONE;
  vm_trace_page (m, VMEMU_EV_PAGE_LOCK_WAIT, p, p->flags, 0, 0, 0, 0, NULL);
  return vm_wait_on_page (m, a, p);
}

void
vm_unlock_page (VmemuMachine *m, VmemuPage *p)
{
  g_assert (p->flags & VMEMU_PG_LOCKED);
  p->flags &= ~VMEMU_PG_LOCKED;
  vm_wake_page (m, p);
}

/* Queue the actor on the page's wait queue (wait_on_page_bit); it is woken
 * at the next unlock or end of writeback and then re-checks its condition. */
VmStep
vm_wait_on_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p)
{
  g_assert (a->waiting_on == NULL);
  a->waiting_on = p;
  a->wait_next = (p->flags & VM_PG_WAITERS) ? g_hash_table_lookup (m->waitq, p) : NULL;
  g_hash_table_insert (m->waitq, p, a);
  p->flags |= VM_PG_WAITERS;
  return VM_BLOCKED;
}

void
vm_wake_page (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VM_PG_WAITERS))
    return;
  VmemuActor *head = g_hash_table_lookup (m->waitq, p);
  g_hash_table_remove (m->waitq, p);
  p->flags &= ~VM_PG_WAITERS;
  /* Wake in the order they queued: reverse the LIFO list first. */
  VmemuActor *list = NULL;
  while (head)
    {
      VmemuActor *a = head;
      head = a->wait_next;
      a->wait_next = list;
      list = a;
    }
  while (list)
    {
      VmemuActor *a = list;
      list = a->wait_next;
      a->wait_next = NULL;
      a->waiting_on = NULL;
      vm_actor_wake (m, a);
    }
}

/* ---- the page cache ---- */

VmemuPage *
vm_find_get_page (VmemuMachine *m, VmemuInode *ino, guint64 index, int holder)
{
  VmemuPage *p = vmemu_xa_load (ino->pages, index);
  if (p)
    vm_get_page (m, p, holder);
  return p;
}

/* add_to_page_cache_lru: the page is locked, gains the cache reference and is
 * queued in this CPU's lru_add pagevec (it reaches the LRU when drained). */
gboolean
vm_add_to_page_cache_lru (VmemuMachine *m, VmemuActor *a, VmemuPage *p, VmemuInode *ino,
                          guint64 index)
{
  if (vmemu_xa_load (ino->pages, index) != NULL)
    return FALSE;
  guint32 before = p->flags;
  p->flags |= VMEMU_PG_LOCKED;
  if (p->cgen != VM_PAGE_CONTENT_STORE && p->cgen != VMEMU_GEN_ZERO)
    vm_page_content (m, p);   /* an inline run is relative to the index and owner */
  p->flags |= VM_PG_CACHED;   /* page->mapping = ino */
  p->owner_idx = ino->file_idx + 1;
  p->index = index;
  vm_get_page (m, p, VMEMU_REF_CACHE);
  vmemu_xa_store (ino->pages, index, p);
  vm_trace_page (m, VMEMU_EV_ADD_TO_PAGE_CACHE, p, before, 0, 0, 0, 0, NULL);
  vm_pagevec_add (m, a ? a->cpu : 0, VM_PVEC_LRU_ADD, p);
  return TRUE;
}

/* __delete_from_page_cache + the caller's put of the cache reference. */
void
vm_delete_from_page_cache (VmemuMachine *m, VmemuPage *p)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  g_assert (ino != NULL);
  guint32 before = p->flags;
  if (p->flags & VMEMU_PG_DIRTY)
    vm_cancel_dirty_page (m, p);
  vmemu_xa_erase (ino->pages, p->index);
  p->flags &= ~VM_PG_CACHED;
  vm_trace_page (m, VMEMU_EV_DELETE_FROM_PAGE_CACHE, p, before, 0, 0, 0, 0, NULL);
  if (p->lru != VM_LRU_NONE)
    {
      /* The LRU does not hold a reference: a page leaving the cache for good
       * (truncate, eviction) is taken off its list here, as
       * release_pages/__page_cache_release do at the final put. */
      vm_lru_del (m, p);
      p->flags &= ~VMEMU_PG_LRU;
    }
  vm_put_page (m, p, VMEMU_REF_CACHE);
}

/* ---- LRU lists ---- */

void
vm_lru_del (VmemuMachine *m, VmemuPage *p)
{
  int l = p->lru;
  g_assert (l != VM_LRU_NONE);
  VmemuPage *prev = link_page (m, p->lru_prev), *next = link_page (m, p->lru_next);
  if (prev)
    prev->lru_next = p->lru_next;
  else
    m->lru_head[l] = next;
  if (next)
    next->lru_prev = p->lru_prev;
  else
    m->lru_tail[l] = prev;
  p->lru_prev = p->lru_next = 0;
  p->lru = VM_LRU_NONE;
  m->lru_count[l]--;
}

void
vm_lru_add_head (VmemuMachine *m, VmemuPage *p, int l)
{
  g_assert (p->lru == VM_LRU_NONE && p->slot != 0);
  p->lru = l;
  p->lru_prev = 0;
  p->lru_next = page_link (m->lru_head[l]);
  if (m->lru_head[l])
    m->lru_head[l]->lru_prev = p->slot;
  else
    m->lru_tail[l] = p;
  m->lru_head[l] = p;
  m->lru_count[l]++;
}

void
vm_lru_add_tail (VmemuMachine *m, VmemuPage *p, int l)
{
  g_assert (p->lru == VM_LRU_NONE && p->slot != 0);
  p->lru = l;
  p->lru_next = 0;
  p->lru_prev = page_link (m->lru_tail[l]);
  if (m->lru_tail[l])
    m->lru_tail[l]->lru_next = p->slot;
  else
    m->lru_head[l] = p;
  m->lru_tail[l] = p;
  m->lru_count[l]++;
}

/* ---- per-CPU pagevecs (mm/swap.c) ---- */

/* __pagevec_lru_add_fn: the page reaches the LRU, active if PG_active was set
 * while it waited. */
static void
lru_add_fn (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VM_PG_CACHED))
    return;   /* deleted from the cache while queued: the final put frees it */
  guint32 before = p->flags;
  int l = (p->flags & VMEMU_PG_ACTIVE) ? VM_LRU_ACTIVE : VM_LRU_INACTIVE;
  p->flags |= VMEMU_PG_LRU;
  vm_lru_add_head (m, p, l);
  vm_trace_page (m, VMEMU_EV_LRU_INSERTION, p, before, l == VM_LRU_ACTIVE, 0, 0, 0, NULL);
}

/* __activate_page */
static void
activate_fn (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_LRU) || (p->flags & VMEMU_PG_ACTIVE))
    return;
  guint32 before = p->flags;
  vm_lru_del (m, p);
  p->flags |= VMEMU_PG_ACTIVE;
  vm_lru_add_head (m, p, VM_LRU_ACTIVE);
  vm_trace_page (m, VMEMU_EV_LRU_ACTIVATE, p, before, 0, 0, 0, 0, NULL);
}

/* pagevec_move_tail_fn (rotate_reclaimable_page) */
static void
rotate_fn (VmemuMachine *m, VmemuPage *p)
{
  if ((p->flags & VMEMU_PG_LRU) && p->lru != VM_LRU_NONE)
    {
      vm_lru_del (m, p);
      p->flags &= ~VMEMU_PG_ACTIVE;
      vm_lru_add_tail (m, p, VM_LRU_INACTIVE);
    }
}

/* lru_deactivate_file_fn: a page invalidation could not drop goes to the
 * inactive list, to the tail when clean so reclaim finds it first. */
static void
deactivate_file_fn (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_LRU) || p->mapcount > 0)
    return;
  vm_lru_del (m, p);
  p->flags &= ~(VMEMU_PG_ACTIVE | VMEMU_PG_REFERENCED);
  if (p->flags & (VMEMU_PG_DIRTY | VMEMU_PG_WRITEBACK))
    {
      p->flags |= VMEMU_PG_RECLAIM;
      vm_lru_add_head (m, p, VM_LRU_INACTIVE);
    }
  else
    vm_lru_add_tail (m, p, VM_LRU_INACTIVE);
}

static const int pvec_holder[VM_N_PVEC] = {
  VMEMU_REF_PVEC_LRU_ADD, VMEMU_REF_PVEC_ACTIVATE, VMEMU_REF_PVEC_ROTATE,
  VMEMU_REF_PVEC_DEACTIVATE,
};

static guint
pagevec_drain (VmemuMachine *m, guint cpu, int kind)
{
  VmPagevec *pv = &m->cpus[cpu].pv[kind];
  guint n = pv->n;
  for (guint i = 0; i < n; i++)
    {
      VmemuPage *p = pv->pages[i];
      pv->pages[i] = NULL;
      switch (kind)
        {
        case VM_PVEC_LRU_ADD: lru_add_fn (m, p); break;
        case VM_PVEC_ACTIVATE: activate_fn (m, p); break;
        case VM_PVEC_ROTATE: rotate_fn (m, p); break;
        default: deactivate_file_fn (m, p); break;
        }
      page_put (m, p, pvec_holder[kind], cpu);
    }
  pv->n = 0;
  return n;
}

/* The page is queued with a reference; a full pagevec is processed at once. */
void
vm_pagevec_add (VmemuMachine *m, guint cpu, int kind, VmemuPage *p)
{
  VmPagevec *pv = &m->cpus[cpu].pv[kind];
  page_get (m, p, pvec_holder[kind], cpu);
  pv->pages[pv->n++] = p;
  vm_trace_page (m, VMEMU_EV_PAGEVEC_ADD, p, p->flags, kind, cpu, 0, 0, NULL);
  if (pv->n == VM_PAGEVEC_SIZE)
    pagevec_drain (m, cpu, kind);
}

/* lru_add_drain: this CPU only. */
void
vm_lru_add_drain (VmemuMachine *m, guint cpu, const char *reason)
{
  guint n = 0;
  for (int k = 0; k < VM_N_PVEC; k++)
    n += pagevec_drain (m, cpu, k);
  if (n)
    vm_trace (m, VMEMU_EV_LRU_ADD_DRAIN, cpu, n, 0, 0, reason);
}

void
vm_lru_add_drain_all (VmemuMachine *m, const char *reason)
{
  for (guint c = 0; c < m->ncpus; c++)
    vm_lru_add_drain (m, c, reason);
}

static gboolean
in_pagevec (VmemuMachine *m, guint cpu, int kind, VmemuPage *p)
{
  VmPagevec *pv = &m->cpus[cpu].pv[kind];
  for (guint i = 0; i < pv->n; i++)   /* at most 15 */
    if (pv->pages[i] == p)
      return TRUE;
  return FALSE;
}

/* mark_page_accessed: the second touch of an inactive page activates it. */
void
vm_mark_page_accessed (VmemuMachine *m, VmemuPage *p)
{
  guint32 before = p->flags;
  guint cpu = m->cur ? m->cur->cpu : 0;
  if (!(p->flags & VMEMU_PG_ACTIVE) && (p->flags & VMEMU_PG_REFERENCED))
    {
      if (p->flags & VMEMU_PG_LRU)
        vm_pagevec_add (m, cpu, VM_PVEC_ACTIVATE, p);
      else if (in_pagevec (m, cpu, VM_PVEC_LRU_ADD, p))
        p->flags |= VMEMU_PG_ACTIVE;
      p->flags &= ~VMEMU_PG_REFERENCED;
    }
  else if (!(p->flags & VMEMU_PG_REFERENCED))
    p->flags |= VMEMU_PG_REFERENCED;
  if (before != p->flags)
    vm_trace_page (m, VMEMU_EV_MARK_PAGE_ACCESSED, p, before, 0, 0, 0, 0, NULL);
}
