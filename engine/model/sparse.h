/* sparse.h — a range map, the oracle's generation and durability stamps.
 * (The oracle's bytes are contents by reference: engine/content.)
 *
 * VmRanges maps [start, end) ranges of a 64-bit space to a guint32 value
 * (absent: 0) as non-overlapping intervals in a GTree ordered by start: a
 * write stamps one range with one value, however long it is.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VmRanges VmRanges;

VmRanges *vm_ranges_new (void);
void vm_ranges_free (VmRanges *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmRanges, vm_ranges_free)

/* Every point of [start, end) takes value val (0 removes them). */
void vm_ranges_set (VmRanges *r, guint64 start, guint64 end, guint32 val);
guint32 vm_ranges_get (const VmRanges *r, guint64 pos);
/* The first interval with a non-zero value overlapping [*start, end): on
 * TRUE, *start and *stop bound its part in the range and *val is its value. */
gboolean vm_ranges_next (const VmRanges *r, guint64 *start, guint64 *stop, guint64 end,
                         guint32 *val);
guint vm_ranges_count (const VmRanges *r);

G_END_DECLS
