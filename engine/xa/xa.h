/* xa.h — an index from page index (guint64) to pointer with three marks per
 * entry, in the spirit of the kernel's xarray: a radix tree of 64-way nodes
 * whose nodes carry per-mark summary bitmaps, so "next entry with mark M at or
 * after index i" costs O(log64 n) however many unmarked entries lie between.
 *
 * It does not own the values.  Iteration is always in index order.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VmemuXa VmemuXa;

typedef enum {
  VMEMU_XA_MARK_DIRTY = 0,       /* PAGECACHE_TAG_DIRTY */
  VMEMU_XA_MARK_WRITEBACK = 1,   /* PAGECACHE_TAG_WRITEBACK */
  VMEMU_XA_MARK_TOWRITE = 2,     /* PAGECACHE_TAG_TOWRITE */
  VMEMU_XA_N_MARKS = 3
} VmemuXaMark;

#define VMEMU_XA_NO_MARK (-1)

VmemuXa *vmemu_xa_new (void);
void vmemu_xa_free (VmemuXa *xa);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuXa, vmemu_xa_free)

gpointer vmemu_xa_load (const VmemuXa *xa, guint64 index);
/* Store value at index (value must not be NULL); returns the old value. */
gpointer vmemu_xa_store (VmemuXa *xa, guint64 index, gpointer value);
/* Remove the entry and its marks; returns the old value or NULL. */
gpointer vmemu_xa_erase (VmemuXa *xa, guint64 index);
gsize vmemu_xa_count (const VmemuXa *xa);

/* Marks apply to present entries only (no-op on an absent index). */
void vmemu_xa_set_mark (VmemuXa *xa, guint64 index, VmemuXaMark mark);
void vmemu_xa_clear_mark (VmemuXa *xa, guint64 index, VmemuXaMark mark);
gboolean vmemu_xa_get_mark (const VmemuXa *xa, guint64 index, VmemuXaMark mark);
/* Any entry with this mark? O(1). */
gboolean vmemu_xa_marked (const VmemuXa *xa, VmemuXaMark mark);

/* First entry with index in [*index, max]; with mark >= 0, only entries with
 * that mark.  On success *index is set to the entry's index.  NULL if none. */
gpointer vmemu_xa_find (const VmemuXa *xa, guint64 *index, guint64 max, int mark);

/* Up to n entries with index in [start, max] (and mark, if >= 0), in order,
 * into values[] and indexes[] (indexes may be NULL).  Returns how many. */
guint vmemu_xa_gather (const VmemuXa *xa, guint64 start, guint64 max, int mark,
                       gpointer *values, guint64 *indexes, guint n);

/* Set mark `to` on every entry in [start, max] that has mark `from`
 * (tag_pages_for_writeback).  Returns how many were tagged. */
guint64 vmemu_xa_copy_marks (VmemuXa *xa, guint64 start, guint64 max,
                             VmemuXaMark from, VmemuXaMark to);

/* Bytes of memory the index uses (for the benchmark). */
gsize vmemu_xa_memory_bytes (const VmemuXa *xa);

/* Sanity check of the whole tree (entry count, node count, summary bitmaps,
 * parent links); g_assert()s on any breach.  O(nodes): for tests and debug
 * builds, like SQLite's sqlite3PcachePageSanity(). */
void vmemu_xa_check (const VmemuXa *xa);

G_END_DECLS
