/* folio.c — large folios in the page cache, as in the THP page-cache series
 * that first exposed the seed bug (Wilcox, 2020): readahead allocates
 * multi-page folios; splitting one (split_huge_page, also on reclaim and, with
 * partial_invalidate_release, on a partial invalidate) drops the folio's
 * iomap_page and copies PG_uptodate to every page, so each page is left
 * uptodate without per-block state — and in 5.8's iomap_page_create that
 * means an all-clear bitmap at the next page_mkwrite.
 *
 * Simplification: each page of a folio keeps its own VmemuPage and its part
 * of the folio's bitmap (the bits of its blocks); the folio is the run of
 * pages with folio_order set whose head is aligned to 1 << order.  The
 * split's reference check is the sum over the members of what the cache,
 * the iop and the mappings hold.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/folio.h"

static guint64
folio_pages (VmemuMachine *m)
{
  return G_GUINT64_CONSTANT (1) << m->scn->machine.folio_order;
}

void
vm_folio_ra_window (VmemuMachine *m, guint64 *start, guint64 *size)
{
  if (!m->scn->machine.large_folios)
    return;
  guint64 nr = folio_pages (m);
  guint64 s = *start & ~(nr - 1);
  guint64 e = (*start + *size + nr - 1) & ~(nr - 1);
  *start = s;
  *size = e - s;
}

/* Pages [start, start+n) just added by readahead become folios where a whole
 * aligned group was allocated together. */
void
vm_folio_mark (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 n)
{
  if (!m->scn->machine.large_folios)
    return;
  guint64 nr = folio_pages (m);
  for (guint64 h = (start + nr - 1) & ~(nr - 1); h + nr <= start + n; h += nr)
    {
      gboolean whole = TRUE;
      for (guint64 i = h; i < h + nr && whole; i++)
        {
          VmemuPage *p = vmemu_xa_load (ino->pages, i);
          whole = p != NULL && p->folio_order == 0 && !(p->flags & VMEMU_PG_UPTODATE);
        }
      if (!whole)
        continue;
      for (guint64 i = h; i < h + nr; i++)
        {
          VmemuPage *p = vmemu_xa_load (ino->pages, i);
          p->folio_order = (guint8) m->scn->machine.folio_order;
          if (i == h)
            p->flags |= VMEMU_PG_HEAD;
        }
    }
}

/* split_huge_page_to_list for a file folio: the page cache references are
 * exactly what the members' cache, iop and PTE references account for. */
gboolean
vm_split_folio (VmemuMachine *m, VmemuPage *p, gboolean caller_locked)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  if (p->folio_order == 0 || ino == NULL)
    return TRUE;
  guint64 nr = G_GUINT64_CONSTANT (1) << p->folio_order;
  guint64 head = p->index & ~(nr - 1);
  VmemuPage *members[512];
  g_assert (nr <= G_N_ELEMENTS (members));
  for (guint64 i = 0; i < nr; i++)
    {
      VmemuPage *q = vmemu_xa_load (ino->pages, head + i);
      if (q == NULL || q->folio_order == 0)
        return FALSE;
      gint32 expected = q->refs[VMEMU_REF_CACHE] + q->refs[VMEMU_REF_IOP]
                        + q->refs[VMEMU_REF_PTE] + q->refs[VMEMU_REF_ISOLATE]
                        + (q == p && caller_locked ? q->refs[VMEMU_REF_LOOKUP] : 0);
      if ((q->flags & VMEMU_PG_WRITEBACK)
          || ((q->flags & VMEMU_PG_LOCKED) && !(q == p && caller_locked))
          || vm_page_refcount (q) != expected)
        {
          g_autofree char *holders = vm_page_holders (q);
          g_autofree char *d = g_strdup_printf ("split refused: page %" G_GUINT64_FORMAT
                                                " holders=%s", q->index, holders);
          vm_trace_page (m, VMEMU_EV_SPLIT_FOLIO, p, p->flags, (gint64) nr, -16, 0, 0, d);
          return FALSE;
        }
      members[i] = q;
    }
  for (guint64 i = 0; i < nr; i++)
    {
      VmemuPage *q = members[i];
      guint32 before = q->flags;
      /* the folio's iop goes; PG_uptodate (and dirty) stay on each page */
      vm_page_a_ops (m, q)->split_page_private (m, q);
      q->folio_order = 0;
      q->flags &= ~VMEMU_PG_HEAD;
      vm_trace_page (m, VMEMU_EV_SPLIT_FOLIO, q, before, (gint64) nr, 0, 0, 0,
                     i == 0 ? "split_huge_page: iomap_page dropped, PG_uptodate copied" : NULL);
    }
  return TRUE;
}
