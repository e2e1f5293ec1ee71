/* events.h — the model's trace emitters (events.c): every event a model path
 * records goes through these, which also keep the run's activity counts.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/machine-private.h"
#include "engine/model/mm-types.h"
#include "engine/trace/trace.h"

void vm_trace_page_full (VmemuMachine *m, VmemuEventId id, VmemuPage *p, guint32 before,
                         gint64 a0, gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace_inode_full (VmemuMachine *m, VmemuEventId id, VmemuInode *ino, gint64 a0,
                          gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace_full (VmemuMachine *m, VmemuEventId id, gint64 a0, gint64 a1, gint64 a2,
                    gint64 a3, const char *detail);

/* Whether activity_count (events.c) counts anything for id: keep the two in
 * step.  Call sites pass constant ids, so this folds away. */
static inline gboolean
vm_event_has_activity (VmemuEventId id)
{
  switch (id)
    {
    case VMEMU_EV_KSWAPD_WAKE:
    case VMEMU_EV_DIRECT_RECLAIM_BEGIN:
    case VMEMU_EV_SHRINK_INACTIVE:
    case VMEMU_EV_IOMAP_RELEASEPAGE:
    case VMEMU_EV_TRY_TO_RELEASE_PAGE:
    case VMEMU_EV_REMOVE_MAPPING_FAIL:
    case VMEMU_EV_DELETE_FROM_PAGE_CACHE:
    case VMEMU_EV_SET_PAGE_WRITEBACK:
    case VMEMU_EV_FILEMAP_FAULT:
    case VMEMU_EV_PAGE_MKWRITE:
    case VMEMU_EV_BIO_COMPLETE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Without a trace an event that no activity counter needs is only counted
 * (the run's trace_events is reported): nothing is built, no call made. */
static inline gboolean
vm_trace_counted_only (VmemuMachine *m, VmemuEventId id)
{
  if (m->trace != NULL || vm_event_has_activity (id))
    return FALSE;
  m->result.trace_events++;
  return TRUE;
}

static inline void
vm_trace_page (VmemuMachine *m, VmemuEventId id, VmemuPage *p, guint32 before, gint64 a0,
               gint64 a1, gint64 a2, gint64 a3, const char *detail)
{
  if (!vm_trace_counted_only (m, id))
    vm_trace_page_full (m, id, p, before, a0, a1, a2, a3, detail);
}

static inline void
vm_trace_inode (VmemuMachine *m, VmemuEventId id, VmemuInode *ino, gint64 a0, gint64 a1,
                gint64 a2, gint64 a3, const char *detail)
{
  if (!vm_trace_counted_only (m, id))
    vm_trace_inode_full (m, id, ino, a0, a1, a2, a3, detail);
}

static inline void
vm_trace (VmemuMachine *m, VmemuEventId id, gint64 a0, gint64 a1, gint64 a2, gint64 a3,
          const char *detail)
{
  if (!vm_trace_counted_only (m, id))
    vm_trace_full (m, id, a0, a1, a2, a3, detail);
}
guint32 vm_page_trace_flags (const VmemuPage *p);
char *vm_page_holders (const VmemuPage *p);
/* Stamp ev with the running actor and write it (counted even untraced). */
void vm_trace_emit (VmemuMachine *m, VmemuTraceEvent *ev);
