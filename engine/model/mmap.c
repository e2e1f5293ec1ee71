/* mmap.c — shared and private file mappings and their page tables: mmap,
 * munmap (zap_pte_range), the reverse-map walks page_mkclean, try_to_unmap
 * and page_referenced over the file's i_mmap, and unmap_mapping_pages.
 * The faults themselves are restartable and live in ops.c.
 */
#include "engine/model/fs-ops.h"

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
  map->cow = g_new0 (guint8 *, map->npages);
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
      g_clear_pointer (&map->cow[i], g_free);
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
  VmemuInode *ino = p->mapping;
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
