/* sparse.h — a sparse byte store and a range map, the oracle's storage.
 *
 * VmSparse holds a byte array of any length up to 2^63 as fixed-size chunks
 * in an ordered index (engine/xa, keyed by chunk number): absent chunks read
 * as zero, so a 1 TiB file with a few writes costs a few chunks.  Bytes at or
 * past the size always read as zero.
 *
 * VmRanges maps [start, end) ranges of a 64-bit space to a guint32 value
 * (absent: 0) as non-overlapping intervals in a GTree ordered by start: a
 * write stamps one range with one value, however long it is.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VM_SPARSE_CHUNK 4096u

typedef struct _VmSparse VmSparse;

VmSparse *vm_sparse_new (void);
void vm_sparse_free (VmSparse *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmSparse, vm_sparse_free)

guint64 vm_sparse_size (const VmSparse *s);
/* Shrinking drops the bytes past size (whole chunks are freed); growing
 * adds zeros. */
void vm_sparse_set_size (VmSparse *s, guint64 size);
/* Store len bytes at off, growing the size to off + len if shorter. */
void vm_sparse_write (VmSparse *s, guint64 off, const guint8 *buf, guint64 len);
/* Zero [off, off+len) clipped to the size (which does not change); whole
 * chunks in the range are freed. */
void vm_sparse_zero (VmSparse *s, guint64 off, guint64 len);
/* Copy [off, off+len) out; bytes past the size read as zero. */
void vm_sparse_read (const VmSparse *s, guint64 off, guint64 len, guint8 *buf);
guint8 vm_sparse_byte (const VmSparse *s, guint64 off);
/* Whether [off, off+len) holds exactly buf (NULL: zeros).  Absent chunks
 * compared with NULL cost nothing. */
gboolean vm_sparse_equal (const VmSparse *s, guint64 off, guint64 len, const guint8 *buf);
/* The first stored chunk overlapping [*off, end): on TRUE, [*off, *off+*len)
 * is its part in the range (it may hold zeros; everything outside stored
 * chunks is zero).  Call again with *off += *len to go on, in order. */
gboolean vm_sparse_next (const VmSparse *s, guint64 *off, guint64 *len, guint64 end);
/* Move n bytes from src to dst (ranges may overlap, as memmove); the size
 * does not change: both ranges must lie inside it. */
void vm_sparse_move (VmSparse *s, guint64 dst, guint64 src, guint64 n);
/* dst's [off, off+len) becomes src's (dst grows to off+len if shorter). */
void vm_sparse_copy_range (VmSparse *dst, const VmSparse *src, guint64 off, guint64 len);
/* Chunks stored (for tests and memory figures). */
gsize vm_sparse_chunks (const VmSparse *s);
/* Bytes of memory it uses: chunks and index. */
gsize vm_sparse_memory_bytes (const VmSparse *s);

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
