/* sparse.h — a range map, the oracle's generation and durability stamps, and
 * an extent map, the data fork's.
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

G_BEGIN_DECLS

/* VmBmap: an extent map from a 64-bit key (a file block) to a non-zero
 * guint64 value (absent: 0), for the XFS data fork (xfs.c).  An extent
 * [start, start + len) stores the value v of its first key; key start + k
 * has v + k * step(v), where step() is the map's rule (a written extent's
 * device blocks advance with the file block, a delalloc reservation's value
 * does not).  Neighbours that continue each other merge, so a file set up or
 * written contiguously costs one extent, however many blocks it has.
 *
 * Keys live in segments of VM_BMAP_SEG keys, each a sorted array of extents
 * (binary search; an insert moves at most its segment's tail): segment 0 in
 * the map itself, the others in an engine/xa index made on first use. */
#define VM_BMAP_SEG_SHIFT 12
#define VM_BMAP_SEG (1u << VM_BMAP_SEG_SHIFT)

typedef struct _VmBmap VmBmap;
typedef guint64 (*VmBmapStep) (guint64 v);

VmBmap *vm_bmap_new (VmBmapStep step);
void vm_bmap_free (VmBmap *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmBmap, vm_bmap_free)

guint64 vm_bmap_get (const VmBmap *b, guint64 key);
/* Keys [start, start + len) take v, v + step(v), ... (v 0: removed). */
void vm_bmap_set (VmBmap *b, guint64 start, guint64 len, guint64 v);
/* The first extent (or part of one) at or after *key: on TRUE, *key is its
 * first key, *len its length (never across a segment) and *v its value there. */
gboolean vm_bmap_next (const VmBmap *b, guint64 *key, guint64 *len, guint64 *v);
/* Every extent from key `from` on moves by `shift` keys, up or down (down:
 * over [from - shift, from), which is emptied first). */
void vm_bmap_shift (VmBmap *b, guint64 from, guint64 shift, gboolean up);
guint64 vm_bmap_count (const VmBmap *b);           /* extents (pieces) stored */
gsize vm_bmap_memory_bytes (const VmBmap *b);

G_END_DECLS
