/* mmap.c — shared and private file mappings and their page tables: mmap,
 * munmap (zap_pte_range), the reverse-map walks page_mkclean, try_to_unmap
 * and page_referenced over the file's i_mmap, and unmap_mapping_pages;
 * and the fault path of mread / mwrite: filemap_fault, filemap_map_pages
 * (fault-around), do_shared_fault / do_wp_page -> wp_page_shared with the
 * vm_ops' page_mkwrite, private COW copies, SIGBUS/SIGSEGV delivery.  Each
 * fault is restartable as the user ops in ops.c are.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/mmap.h"
#include "engine/model/locks.h"
#include "engine/model/oracle.h"
#include "engine/model/readahead.h"
#include "engine/model/filemap.h"

VmemuMap *
vm_mmap (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, gint sym, guint64 off, guint64 len,
         gboolean private_map)
{
  VmemuMap *map = g_new0 (VmemuMap, 1);
  map->sym = sym;
  map->task = a;
  map->inode = ino;
  map->pgoff = off >> m->page_shift;
  map->npages = (len + m->page_size - 1) >> m->page_shift;
  map->private_map = private_map;
  map->pte = g_new0 (guint8, map->npages);
  map->ptepage = g_new0 (VmemuPage *, map->npages);
  map->cow = g_new0 (VmContent *, map->npages);
  map->vm_ops = &m->fs_ops->vm_ops;   /* xfs_file_mmap: vma->vm_ops = &xfs_file_vm_ops */
  g_ptr_array_add (ino->maps, map);
  g_ptr_array_add (m->all_maps, map);
  return map;
}

/* Drop one PTE (zap_pte_range for one entry): a dirty PTE dirties the page,
 * a young one marks it accessed. */
static void
zap_pte (VmemuMachine *m, VmemuMap *map, guint64 i)
{
  guint8 pte = map->pte[i];
  if (!(pte & VM_PTE_PRESENT))
    return;
  if (pte & VM_PTE_COW)
    {
      g_clear_pointer (&map->cow[i], vmemu_content_free);
      map->pte[i] = 0;
      return;
    }
  VmemuPage *p = map->ptepage[i];
  guint32 before = p->flags;
  if (pte & VM_PTE_DIRTY)
    vm_set_page_dirty (m, p);
  if (pte & VM_PTE_YOUNG)
    vm_mark_page_accessed (m, p);
  map->pte[i] = 0;
  map->ptepage[i] = NULL;
  p->mapcount--;
  vm_trace_page (m, VMEMU_EV_PTE_ZAP, p, before, (pte & VM_PTE_DIRTY) != 0, map->sym, 0, 0,
                 NULL);
  vm_put_page (m, p, VMEMU_REF_PTE);
}

/* munmap: unmap_region drains this CPU's pagevecs first (lru_add_drain). */
void
vm_munmap (VmemuMachine *m, VmemuMap *map)
{
  if (map->unmapped)
    return;
  if (m->drain_on_exit)
    vm_lru_add_drain (m, map->task->cpu, "unmap_region");
  for (guint64 i = 0; i < map->npages; i++)
    zap_pte (m, map, i);
  map->unmapped = TRUE;
  g_ptr_array_remove (map->inode->maps, map);
}

/* Walk every PTE of this file that maps page p (the i_mmap interval walk). */
typedef gboolean (*PteFn) (VmemuMachine *m, VmemuMap *map, guint64 i, VmemuPage *p,
                           gpointer data);

static void
rmap_walk (VmemuMachine *m, VmemuPage *p, PteFn fn, gpointer data)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  if (ino == NULL || p->mapcount == 0)
    return;
  for (guint k = 0; k < ino->maps->len; k++)
    {
      VmemuMap *map = g_ptr_array_index (ino->maps, k);
      if (p->index < map->pgoff || p->index >= map->pgoff + map->npages)
        continue;
      guint64 i = p->index - map->pgoff;
      if ((map->pte[i] & VM_PTE_PRESENT) && !(map->pte[i] & VM_PTE_COW) && map->ptepage[i] == p)
        if (!fn (m, map, i, p, data))
          return;
    }
}

static gboolean
mkclean_one (VmemuMachine *m, VmemuMap *map, guint64 i, VmemuPage *p, gpointer data)
{
  if (map->pte[i] & (VM_PTE_DIRTY | VM_PTE_WRITE))
    {
      map->pte[i] &= ~(VM_PTE_DIRTY | VM_PTE_WRITE);
      (*(int *) data)++;
    }
  return TRUE;
}

/* page_mkclean: write-protect and clean every PTE that is dirty or writable,
 * so the next store faults into page_mkwrite again.  `caller` (or NULL) goes
 * in the trace detail when the caller is not clear_page_dirty_for_io. */
gboolean
vm_page_mkclean_from (VmemuMachine *m, VmemuPage *p, const char *caller)
{
  int cleaned = 0;
  rmap_walk (m, p, mkclean_one, &cleaned);
  if (cleaned)
    vm_trace_page (m, VMEMU_EV_PAGE_MKCLEAN, p, p->flags, cleaned, 0, 0, 0, caller);
  return cleaned > 0;
}

gboolean
vm_page_mkclean (VmemuMachine *m, VmemuPage *p)
{
  return vm_page_mkclean_from (m, p, NULL);
}

static gboolean
unmap_one (VmemuMachine *m, VmemuMap *map, guint64 i, VmemuPage *p, gpointer data)
{
  zap_pte (m, map, i);
  return TRUE;
}

/* try_to_unmap (reclaim): remove every PTE; dirty PTEs dirty the page. */
gboolean
vm_try_to_unmap (VmemuMachine *m, VmemuPage *p)
{
  guint32 before = p->flags;
  rmap_walk (m, p, unmap_one, NULL);
  vm_trace_page (m, VMEMU_EV_TRY_TO_UNMAP, p, before, p->mapcount == 0, 0, 0, 0, NULL);
  return p->mapcount == 0;
}

static gboolean
referenced_one (VmemuMachine *m, VmemuMap *map, guint64 i, VmemuPage *p, gpointer data)
{
  if (map->pte[i] & VM_PTE_YOUNG)
    {
      map->pte[i] &= ~VM_PTE_YOUNG;
      (*(int *) data)++;
    }
  return TRUE;
}

/* page_referenced: count and clear young PTEs. */
int
vm_page_referenced (VmemuMachine *m, VmemuPage *p)
{
  int n = 0;
  rmap_walk (m, p, referenced_one, &n);
  return n;
}

/* unmap_mapping_pages: zap the file pages [first, last] in every mapping,
 * private COW copies included (truncate "even cows"). */
void
vm_unmap_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 first, guint64 last)
{
  for (guint k = 0; k < ino->maps->len; k++)
    {
      VmemuMap *map = g_ptr_array_index (ino->maps, k);
      guint64 s = MAX (first, map->pgoff);
      guint64 e = MIN (last, map->pgoff + map->npages - 1);
      for (guint64 idx = s; idx <= e && e >= s; idx++)
        zap_pte (m, map, idx - map->pgoff);
    }
}

/* ---- the fault path: mmap, loads and stores (moved from ops.c) ---- */

VmemuMap *
vm_op_map (VmemuActor *a, const VmemuOp *op)
{
  return op->map >= 0 && (guint) op->map < a->maps->len ? g_ptr_array_index (a->maps, op->map)
                                                         : NULL;
}

/* finish_fault / finish_mkwrite_fault: install or upgrade the PTE; a new PTE
 * turns the fault's reference into the mapping's. */
static void
install_pte (VmemuMachine *m, VmemuMap *map, guint64 i, VmemuPage *p, gboolean write)
{
  guint32 before = p->flags;
  if (!(map->pte[i] & VM_PTE_PRESENT))
    {
      vm_move_ref (m, p, VMEMU_REF_FAULT, VMEMU_REF_PTE);
      p->mapcount++;
      map->ptepage[i] = p;
      map->pte[i] = VM_PTE_PRESENT | VM_PTE_YOUNG;
    }
  else
    vm_put_page (m, p, VMEMU_REF_FAULT);
  if (write)
    map->pte[i] |= VM_PTE_WRITE | VM_PTE_DIRTY;
  vm_trace_page (m, VMEMU_EV_PTE_INSTALL, p, before, write, map->sym, 0, 0, NULL);
}

enum { MF_START, MF_FAULT, MF_MKWRITE, MF_BALANCE, MF_ACCESS };
#define VM_FAULT_RETRY_MAX 64   /* re-faults of one access before VM_FAULT_OOM */

/* fault_around_bytes is 64 KiB whatever the page size: pages per window. */
static guint64
fault_around_pages (VmemuMachine *m)
{
  return (64 * 1024) >> m->page_shift;
}

/* do_fault_around -> filemap_map_pages: map, read-only, the cached pages
 * around a read fault that are uptodate, not locked, not PG_readahead (the
 * fault must see the marker) and inside EOF, in a fault_around_bytes window
 * aligned to its size and clipped to the mapping; each page mapped takes one
 * off the file's mmap_miss.  Pages without an iomap_page are mapped as they
 * are.  TRUE when the faulting page itself got mapped. */
gboolean
vm_filemap_map_pages (VmemuMachine *m, VmemuActor *a, VmemuMap *map, guint64 fault_i)
{
  VmemuInode *ino = map->inode;
  guint64 nr = fault_around_pages (m);
  guint64 first = fault_i & ~(nr - 1);
  guint64 last = MIN (first + nr, map->npages);
  guint64 eof = (ino->i_size + m->page_size - 1) >> m->page_shift;
  gboolean mapped = FALSE;
  for (guint64 i = first; i < last; i++)
    {
      guint64 index = map->pgoff + i;
      VmemuPage *p = vmemu_xa_load (ino->pages, index);
      if ((map->pte[i] & VM_PTE_PRESENT) || p == NULL || index >= eof
          || !(p->flags & VMEMU_PG_UPTODATE) || (p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_READAHEAD)))
        continue;
      /* speculative reference, trylock, then the PTE */
      vm_get_page (m, p, VMEMU_REF_FAULT);
      if (!vm_trylock_page (p))
        {
          vm_put_page (m, p, VMEMU_REF_FAULT);
          continue;
        }
      VmRaState *ra = vm_file_ra (a, ino);
      if (ra->mmap_miss > 0)
        ra->mmap_miss--;
      vm_trace_page (m, VMEMU_EV_FILEMAP_MAP_PAGES, p, p->flags, 0, 0, 0, 0, NULL);
      install_pte (m, map, i, p, FALSE);
      vm_unlock_page (m, p);
      mapped = mapped || i == fault_i;
    }
  return mapped;
}

/* force_sig_fault: the fault handler gives up with VM_FAULT_SIGBUS (an
 * access past EOF of a file mapping, filemap_fault / do_fault, or a read
 * error) or the access is outside every VMA (__do_page_fault -> SIGSEGV).
 * The default action kills the task: the op ends with the signal as its
 * result and the machine ends the task (machine.c op_end). */
static void
deliver_signal (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, int sig, guint64 file_off)
{
  vm_trace_inode (m, VMEMU_EV_SIGNAL_GENERATE, ino, sig, (gint64) file_off, 0, 0,
                  sig == VMEMU_SIGBUS ? "SIGBUS" : "SIGSEGV");
  a->st.result = -(VMEMU_RESULT_SIGNAL_BASE + sig);
}

/* One page of a load or store through a mapping: the fault if the PTE does
 * not allow the access, then the access itself. */
static VmStep
map_access (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuMap *map, gboolean write)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = map->inode;
  guint64 i = st->pos >> m->page_shift;           /* page within the mapping */
  guint64 index = map->pgoff + i;
  for (;;)
    switch (st->phase)
      {
      case MF_START:
        {
          guint8 pte = map->pte[i];
          if ((pte & VM_PTE_PRESENT) && (!write || (pte & VM_PTE_WRITE)))
            {
              st->phase = MF_ACCESS;
              break;
            }
          if ((pte & VM_PTE_PRESENT) && write && !map->private_map)
            {
              /* do_wp_page -> wp_page_shared */
              st->page = map->ptepage[i];
              st->wp_page = st->page;
              vm_get_page (m, st->page, VMEMU_REF_FAULT);
              vm_trace_page (m, VMEMU_EV_WP_PAGE_SHARED, st->page, st->page->flags, 0, 0, 0, 0,
                             NULL);
              st->phase = MF_MKWRITE;
              break;
            }
          /* do_read_fault: "fault_around_bytes >> PAGE_SHIFT > 1" (none
           * with 64 KiB pages) */
          if (!write && !(pte & VM_PTE_PRESENT) && fault_around_pages (m) > 1)
            {
              /* xfs_filemap_map_pages: filemap_map_pages under MMAPLOCK_SHARED */
              if (vm_rwsem_down (m, a, ino, &ino->mmaplock, VM_LOCK_SHARED) == VM_BLOCKED)
                return VM_BLOCKED;
              vm_trace_inode (m, VMEMU_EV_FILEMAP_FAULT, ino, write, (gint64) index, 0, 0, NULL);
              gboolean mapped = map->vm_ops->map_pages (m, a, map, i);
              vm_rwsem_up (m, a, &ino->mmaplock);
              if (mapped)
                {
                  st->phase = MF_ACCESS;   /* do_fault_around mapped the page */
                  break;
                }
            }
          else
            vm_trace_inode (m, VMEMU_EV_FILEMAP_FAULT, ino, write, (gint64) index, 0, 0, NULL);
          st->phase = MF_FAULT;
          break;
        }
      case MF_FAULT:
        {
          /* xfs_filemap_fault: filemap_fault under MMAPLOCK_SHARED, which
           * returns the page uptodate and locked, with a reference. */
          if (vm_rwsem_down (m, a, ino, &ino->mmaplock, VM_LOCK_SHARED) == VM_BLOCKED)
            return VM_BLOCKED;
          VmGetPage gp = { .ino = ino, .index = index, .holder = VMEMU_REF_FAULT,
                         .want_lock = TRUE, .mmap_ra = TRUE, .req_pages = 1 };
          if (map->vm_ops->fault (m, a, &gp) == VM_BLOCKED)
            return VM_BLOCKED;
          vm_rwsem_up (m, a, &ino->mmaplock);
          if (st->page == NULL)
            {
              /* the read failed: filemap_fault returns VM_FAULT_SIGBUS */
              deliver_signal (m, a, ino, VMEMU_SIGBUS, index << m->page_shift);
              return VM_DONE;
            }
          VmemuPage *p = st->page;
          if (index > ((ino->i_size + m->page_size - 1) >> m->page_shift) - 1 || ino->i_size == 0)
            {
              vm_unlock_page (m, p);
              vm_put_page (m, p, VMEMU_REF_FAULT);
              st->page = NULL;
              /* filemap_fault: a page past EOF is VM_FAULT_SIGBUS */
              deliver_signal (m, a, ino, VMEMU_SIGBUS, index << m->page_shift);
              return VM_DONE;
            }
          if (map->private_map && write)
            {
              /* do_cow_fault: copy into an anonymous page; the file page is
               * neither dirtied nor given to page_mkwrite. */
              if (map->pte[i] & VM_PTE_PRESENT)
                {
                  map->pte[i] &= ~VM_PTE_PRESENT;
                  map->ptepage[i] = NULL;
                  p->mapcount--;
                  vm_put_page (m, p, VMEMU_REF_PTE);
                }
              map->cow[i] = vmemu_content_new (m->page_size);
              VmContentView view;
              vmemu_content_copy (map->cow[i], 0, vm_page_content_peek (m, p, &view), 0,
                                  m->page_size);
              map->pte[i] = VM_PTE_PRESENT | VM_PTE_WRITE | VM_PTE_DIRTY | VM_PTE_COW;
              vm_unlock_page (m, p);
              vm_put_page (m, p, VMEMU_REF_FAULT);
              st->page = NULL;
              st->phase = MF_ACCESS;
              break;
            }
          if (!write)
            {
              vm_trace_page (m, VMEMU_EV_DO_SHARED_FAULT, p, p->flags, 0, 0, 0, 0, "do_read_fault");
              install_pte (m, map, i, p, FALSE);
              vm_unlock_page (m, p);
              st->page = NULL;
              st->phase = MF_ACCESS;
              break;
            }
          /* do_shared_fault: unlock, then do_page_mkwrite relocks. */
          vm_trace_page (m, VMEMU_EV_DO_SHARED_FAULT, p, p->flags, 0, 0, 0, 0, NULL);
          vm_unlock_page (m, p);
          st->phase = MF_MKWRITE;
          break;
        }
      case MF_MKWRITE:
        {
          /* xfs_filemap_page_mkwrite: iomap_page_mkwrite under
           * MMAPLOCK_SHARED, taken before the page lock. */
          VmemuPage *p = st->page;
          if (vm_rwsem_down (m, a, ino, &ino->mmaplock, VM_LOCK_SHARED) == VM_BLOCKED)
            return VM_BLOCKED;
          if (vm_lock_page (m, a, p) == VM_BLOCKED)
            return VM_BLOCKED;
          int r = map->vm_ops->page_mkwrite (m, p, ino);
          vm_rwsem_up (m, a, &ino->mmaplock);
          vm_trace_page (m, VMEMU_EV_PAGE_MKWRITE, p, p->flags, r, 0, 0, 0, NULL);
          if (r < 0)
            {
              /* VM_FAULT_NOPAGE after a truncate: retry the fault from scratch. */
              vm_unlock_page (m, p);
              vm_put_page (m, p, VMEMU_REF_FAULT);
              st->page = NULL;
              st->wp_page = NULL;
              st->phase = MF_START;
              if (vm_page_mapping (m, p) == NULL || index >= ((ino->i_size + m->page_size - 1) >> m->page_shift))
                {
                  /* the retried fault finds the page past EOF: SIGBUS */
                  deliver_signal (m, a, ino, VMEMU_SIGBUS, index << m->page_shift);
                  return VM_DONE;
                }
              break;
            }
          if (st->wp_page)
            vm_get_page (m, p, VMEMU_REF_FAULT);   /* wp_page_shared's get_page */
          install_pte (m, map, i, p, TRUE);
          /* fault_dirty_shared_page */
          ino->a_ops->set_page_dirty (m, p);
          vm_unlock_page (m, p);
          st->page = NULL;
          st->phase = MF_BALANCE;
          break;
        }
      case MF_BALANCE:
        /* fault_dirty_shared_page -> balance_dirty_pages_ratelimited; a
         * wp_page_shared fault keeps its page reference across it and puts
         * it only afterwards (5.8 mm/memory.c). */
        if (vm_balance_dirty_pages_ratelimited (m, a) == VM_BLOCKED)
          return VM_BLOCKED;
        if (st->wp_page)
          {
            vm_put_page (m, st->wp_page, VMEMU_REF_FAULT);
            st->wp_page = NULL;
          }
        st->phase = MF_ACCESS;
        break;
      default:   /* MF_ACCESS */
        {
          /* The fault handler returned, but reclaim may have unmapped the
           * page while the task slept (lock_page, balance_dirty_pages): the
           * CPU retries the access and faults again, as handle_mm_fault's
           * caller does.  A page that never stays mapped is the kernel's
           * pagefault_out_of_memory (VM_FAULT_OOM): the task gets ENOMEM. */
          guint8 pte = map->pte[i];
          gboolean mapped = (pte & VM_PTE_COW)
                            || ((pte & VM_PTE_PRESENT) && map->ptepage[i] != NULL
                                && (!write || (pte & VM_PTE_WRITE)));
          if (mapped)
            {
              st->fault_retries = 0;
              return VM_DONE;
            }
          if (++st->fault_retries > VM_FAULT_RETRY_MAX)
            {
              vm_depends_on (m, OOM_SIMPLIFIED);
              st->result = -VMEMU_ENOMEM;
              return VM_DONE;
            }
          st->phase = MF_START;
          break;
        }
      }
}

/* The load or store itself, on the page the PTE now maps. */
static void
map_touch (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuMap *map, guint64 n,
           gboolean write)
{
  VmOpState *st = &a->st;
  guint64 i = st->pos >> m->page_shift;
  guint off = (guint) (st->pos & (m->page_size - 1));
  guint64 file_off = ((map->pgoff + i) << m->page_shift) + off;
  VmemuInode *ino = map->inode;
  gboolean cow = (map->pte[i] & VM_PTE_COW) != 0;
  VmemuPage *p = map->ptepage[i];
  if (!cow)
    map->pte[i] |= VM_PTE_YOUNG;
  if (write)
    {
      VmContentDesc d = vm_data_desc (m, a, op, file_off);
      if (cow)
        vmemu_content_fill (map->cow[i], off, n, &d);
      else
        vm_page_content_fill (m, p, off, (guint) n, &d);
      if (!map->private_map && file_off < ino->i_size)
        vm_oracle_fill (m, ino, file_off, MIN (n, ino->i_size - file_off), &d);
      map->pte[i] |= VM_PTE_DIRTY;
    }
  else if (!cow)
    {
      VmContentView view;
      vm_oracle_compare (m, st, ino, file_off, vm_page_content_peek (m, p, &view), off, n);
    }
}

VmStep
vm_op_map_rw (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, gboolean write)
{
  VmOpState *st = &a->st;
  VmemuMap *map = vm_op_map (a, op);
  if (map == NULL)
    {
      st->result = -VMEMU_EINVAL;
      return VM_DONE;
    }
  while (st->pos < st->end && st->result >= 0)
    {
      guint64 n = MIN (st->end - st->pos, m->page_size - (st->pos & (m->page_size - 1)));
      if (map->unmapped || (st->pos >> m->page_shift) >= map->npages)
        {
          /* no VMA covers the address: SIGSEGV (bad_area) */
          deliver_signal (m, a, map->inode, VMEMU_SIGSEGV,
                          (map->pgoff << m->page_shift) + st->pos);
          break;
        }
      if (map_access (m, a, op, map, write) == VM_BLOCKED)
        return VM_BLOCKED;
      if (st->result < 0)
        break;
      map_touch (m, a, op, map, n, write);
      st->pos += n;
      st->phase = MF_START;
    }
  guint64 file_base = map->pgoff << m->page_shift;
  if (!write)
    vm_oracle_report (m, a, st, map->inode, "mread", file_base + op->offset_bytes,
                      st->pos - op->offset_bytes);
  if (st->result == 0)
    st->result = (int) MIN (st->pos - op->offset_bytes, G_MAXINT);
  return VM_DONE;
}

/* ---- the rest ---- */

void
vm_op_mmap (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  if ((op->offset_bytes & (m->page_size - 1)) || op->length_bytes == 0)
    {
      a->st.result = -VMEMU_EINVAL;
      return;
    }
  VmemuMap *map = vm_mmap (m, a, vm_op_inode (m, op), op->map, op->offset_bytes, op->length_bytes,
                           op->private_map);
  if ((guint) op->map >= a->maps->len)
    g_ptr_array_set_size (a->maps, op->map + 1);
  VmemuMap *old = g_ptr_array_index (a->maps, op->map);
  if (old)
    vm_munmap (m, old);
  g_ptr_array_index (a->maps, op->map) = map;
}

void
vm_op_munmap (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmemuMap *map = vm_op_map (a, op);
  if (map == NULL || map->unmapped)
    {
      a->st.result = -VMEMU_EINVAL;
      return;
    }
  vm_munmap (m, map);
}
