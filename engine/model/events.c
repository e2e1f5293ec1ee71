/* events.c — the model's trace emitters.  Every event is stamped with the
 * virtual time, the actor running and the page's state, and counted for the
 * run's activity summary (expect_activity:) whether or not a trace is
 * written.  Verdict notes (depends on / kernel BUG) are recorded once here.
 */
#include "engine/model/machine-private.h"
#include "engine/model/pagemap.h"
#include "engine/model/events.h"

#include <string.h>

guint32
vm_page_trace_flags (const VmemuPage *p)
{
  return (p->flags & VM_PG_TRACE_MASK) | (p->mapcount > 0 ? VMEMU_PG_MAPPED : 0);
}

char *
vm_page_holders (const VmemuPage *p)
{
  GString *s = g_string_new (NULL);
  for (int h = 0; h < VMEMU_REF__COUNT; h++)
    if (p->refs[h])
      {
        if (s->len)
          g_string_append_c (s, ',');
        g_string_append (s, vmemu_ref_holder_name (h));
        if (p->refs[h] > 1)
          g_string_append_printf (s, "x%u", p->refs[h]);
      }
  return g_string_free (s, FALSE);
}

/* The run's activity counters (VmemuRunResult.activity), from the events as
 * they are emitted, with or without a trace.  @p is the page of a page
 * event, NULL otherwise; it is only compared, never dereferenced.  Every id
 * handled here must be listed in vm_event_has_activity (events.h): without
 * a trace, the others never reach this function. */
static void
activity_count (VmemuMachine *m, VmemuEventId id, const VmemuPage *p, gint64 a0, gint64 a1,
                gint64 a3)
{
  /* the same list decides with a trace as without one: a case below that
   * vm_event_has_activity does not list counts nothing, traced or not */
  if (!vm_event_has_activity (id))
    return;
  guint64 *act = m->result.activity;
  switch (id)
    {
    case VMEMU_EV_KSWAPD_WAKE: act[VMEMU_ACT_KSWAPD]++; break;
    case VMEMU_EV_DIRECT_RECLAIM_BEGIN: act[VMEMU_ACT_DIRECT_RECLAIM]++; break;
    case VMEMU_EV_SHRINK_INACTIVE:
      act[VMEMU_ACT_PAGES_SCANNED] += (guint64) MAX (a0, 0);
      act[VMEMU_ACT_PAGES_RECLAIMED] += (guint64) MAX (a1, 0);
      break;
    case VMEMU_EV_IOMAP_RELEASEPAGE: act[VMEMU_ACT_RELEASEPAGE]++; break;
    /* try_to_release_page released the private data; if __remove_mapping
     * then fails on the same page, the page stays cached without its iop. */
    case VMEMU_EV_TRY_TO_RELEASE_PAGE: m->activity_released = a0 ? p : NULL; break;
    case VMEMU_EV_REMOVE_MAPPING_FAIL:
      if (p != NULL && p == m->activity_released)
        act[VMEMU_ACT_RELEASEPAGE_FAILED_REMOVE]++;
      m->activity_released = NULL;
      break;
    case VMEMU_EV_DELETE_FROM_PAGE_CACHE:
      if (p == m->activity_released)
        m->activity_released = NULL;
      break;
    case VMEMU_EV_SET_PAGE_WRITEBACK: act[VMEMU_ACT_WRITEBACK]++; break;
    case VMEMU_EV_FILEMAP_FAULT: act[VMEMU_ACT_FAULTS]++; break;
    case VMEMU_EV_PAGE_MKWRITE: act[VMEMU_ACT_MKWRITE]++; break;
    case VMEMU_EV_BIO_COMPLETE:
      if (a3 != 0)
        act[VMEMU_ACT_IO_ERRORS]++;
      break;
    default: break;
    }
}

void
vm_trace_emit (VmemuMachine *m, VmemuTraceEvent *ev)
{
  m->result.trace_events++;
  if (m->trace == NULL)
    return;
  if (m->cur)
    {
      ev->task = m->cur->id;
      ev->cpu = (gint32) m->cur->cpu;
    }
  vmemu_trace_event (m->trace, ev);
}

void
vm_trace_page_full (VmemuMachine *m, VmemuEventId id, VmemuPage *p, guint32 before, gint64 a0,
               gint64 a1, gint64 a2, gint64 a3, const char *detail)
{
  activity_count (m, id, p, a0, a1, a3);
  if (m->trace == NULL)
    {
      m->result.trace_events++;
      return;
    }
  VmemuTraceEvent ev = vmemu_trace_event_init (id, vm_now (m));
  VmemuInode *ino = vm_page_owner (m, p);   /* the mapping while cached */
  ev.ino = ino ? ino->ino : 0;
  ev.index = (gint64) p->index;
  ev.blk_first = (gint64) ((p->index << m->page_shift) >> m->blkbits);
  ev.blk_count = (gint32) m->blocks_per_page;
  ev.flags_before = (before & VM_PG_TRACE_MASK) | (p->mapcount > 0 ? VMEMU_PG_MAPPED : 0);
  ev.flags_after = vm_page_trace_flags (p);
  ev.refcount = vm_page_refcount (p);
  ev.mapcount = p->mapcount;
  ev.a[0] = a0, ev.a[1] = a1, ev.a[2] = a2, ev.a[3] = a3;
  ev.detail = detail;
  vm_trace_emit (m, &ev);
}

void
vm_trace_inode_full (VmemuMachine *m, VmemuEventId id, VmemuInode *ino, gint64 a0, gint64 a1,
                gint64 a2, gint64 a3, const char *detail)
{
  activity_count (m, id, NULL, a0, a1, a3);
  if (m->trace == NULL)
    {
      m->result.trace_events++;
      return;
    }
  VmemuTraceEvent ev = vmemu_trace_event_init (id, vm_now (m));
  ev.ino = ino->ino;
  ev.a[0] = a0, ev.a[1] = a1, ev.a[2] = a2, ev.a[3] = a3;
  ev.detail = detail;
  vm_trace_emit (m, &ev);
}

void
vm_trace_full (VmemuMachine *m, VmemuEventId id, gint64 a0, gint64 a1, gint64 a2, gint64 a3,
          const char *detail)
{
  activity_count (m, id, NULL, a0, a1, a3);
  if (m->trace == NULL)
    {
      m->result.trace_events++;
      return;
    }
  VmemuTraceEvent ev = vmemu_trace_event_init (id, vm_now (m));
  ev.a[0] = a0, ev.a[1] = a1, ev.a[2] = a2, ev.a[3] = a3;
  ev.detail = detail;
  vm_trace_emit (m, &ev);
}

/* Record what once in list, and trace it the first time. */
static void
record_once (VmemuMachine *m, GPtrArray *list, VmemuEventId ev, const char *what)
{
  for (guint i = 0; i < list->len; i++)
    if (strcmp (g_ptr_array_index (list, i), what) == 0)
      return;
  g_ptr_array_add (list, g_strdup (what));
  vm_trace (m, ev, 0, 0, 0, 0, what);
}

void
vm_depends_on (VmemuMachine *m, const char *what)
{
  record_once (m, m->result.depends_on, VMEMU_EV_DEPENDS_ON, what);
}

void
vm_kernel_bug (VmemuMachine *m, const char *what)
{
  record_once (m, m->result.kernel_bugs, VMEMU_EV_KERNEL_BUG, what);
}
