/* sparse.c — the sparse byte store and the range map behind the oracle
 * (see sparse.h).  Chunks are VM_SPARSE_CHUNK bytes, aligned, and exist only
 * where a non-zero byte was ever stored; the range map keeps non-overlapping
 * intervals in a GTree ordered by start, never iterated by pointer.
 */
#include "engine/model/sparse.h"

#include <string.h>

#include "engine/xa/xa.h"

#define CHUNK ((guint64) VM_SPARSE_CHUNK)

struct _VmSparse {
  VmemuXa *chunks;   /* chunk number -> guint8[CHUNK] */
  guint64 size;
};

VmSparse *
vm_sparse_new (void)
{
  VmSparse *s = g_new0 (VmSparse, 1);
  s->chunks = vmemu_xa_new ();
  return s;
}

static void
free_chunks (VmSparse *s, guint64 first, guint64 last)
{
  guint64 i = first;
  gpointer c;
  while (i <= last && (c = vmemu_xa_find (s->chunks, &i, last, VMEMU_XA_NO_MARK)) != NULL)
    {
      vmemu_xa_erase (s->chunks, i);
      g_free (c);
      if (i == G_MAXUINT64)
        break;
      i++;
    }
}

void
vm_sparse_free (VmSparse *s)
{
  if (!s)
    return;
  free_chunks (s, 0, G_MAXUINT64);
  vmemu_xa_free (s->chunks);
  g_free (s);
}

guint64
vm_sparse_size (const VmSparse *s)
{
  return s->size;
}

gsize
vm_sparse_chunks (const VmSparse *s)
{
  return vmemu_xa_count (s->chunks);
}

gsize
vm_sparse_memory_bytes (const VmSparse *s)
{
  return sizeof *s + vm_sparse_chunks (s) * CHUNK + vmemu_xa_memory_bytes (s->chunks);
}

static gboolean
all_zero (const guint8 *p, guint64 len)
{
  static const guint8 zeros[VM_SPARSE_CHUNK];
  while (len > 0)
    {
      guint64 n = MIN (len, CHUNK);
      if (memcmp (p, zeros, n) != 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

/* Zero [off, off+len) of the stored chunks, freeing the whole ones. */
static void
zero_stored (VmSparse *s, guint64 off, guint64 len)
{
  guint64 end = off + len;
  while (off < end)
    {
      guint64 ci = off / CHUNK, co = off % CHUNK, n = MIN (CHUNK - co, end - off);
      guint64 i = ci;
      guint8 *c = vmemu_xa_find (s->chunks, &i, (end - 1) / CHUNK, VMEMU_XA_NO_MARK);
      if (!c)
        return;
      if (i != ci)
        {
          off = i * CHUNK;   /* skip the absent chunks: already zero */
          continue;
        }
      /* bytes past the size are zero already: a chunk cut from its start
       * to the size or beyond holds nothing else */
      if (n == CHUNK || (co == 0 && off + n >= s->size))
        {
          vmemu_xa_erase (s->chunks, ci);
          g_free (c);
        }
      else
        memset (c + co, 0, n);
      off += n;
    }
}

void
vm_sparse_set_size (VmSparse *s, guint64 size)
{
  if (size < s->size)
    zero_stored (s, size, s->size - size);
  s->size = size;
}

void
vm_sparse_write (VmSparse *s, guint64 off, const guint8 *buf, guint64 len)
{
  guint64 end = off + len;
  while (off < end)
    {
      guint64 ci = off / CHUNK, co = off % CHUNK, n = MIN (CHUNK - co, end - off);
      guint8 *c = vmemu_xa_load (s->chunks, ci);
      if (!c)
        {
          if (all_zero (buf, n))
            goto next;   /* zeros over an absent chunk: nothing to store */
          c = g_malloc0 (CHUNK);
          vmemu_xa_store (s->chunks, ci, c);
        }
      memcpy (c + co, buf, n);
    next:
      buf += n;
      off += n;
    }
  s->size = MAX (s->size, end);
}

void
vm_sparse_zero (VmSparse *s, guint64 off, guint64 len)
{
  if (off >= s->size)
    return;
  zero_stored (s, off, MIN (len, s->size - off));
}

void
vm_sparse_read (const VmSparse *s, guint64 off, guint64 len, guint8 *buf)
{
  guint64 end = off + len;
  while (off < end)
    {
      guint64 ci = off / CHUNK, co = off % CHUNK, n = MIN (CHUNK - co, end - off);
      const guint8 *c = vmemu_xa_load (s->chunks, ci);
      if (c)
        memcpy (buf, c + co, n);
      else
        memset (buf, 0, n);
      buf += n;
      off += n;
    }
}

guint8
vm_sparse_byte (const VmSparse *s, guint64 off)
{
  const guint8 *c = vmemu_xa_load (s->chunks, off / CHUNK);
  return c ? c[off % CHUNK] : 0;
}

gboolean
vm_sparse_equal (const VmSparse *s, guint64 off, guint64 len, const guint8 *buf)
{
  guint64 end = off + len;
  if (!buf)
    {
      /* only the stored chunks can differ from zero */
      guint64 o = off, n;
      while (vm_sparse_next (s, &o, &n, end))
        {
          if (!all_zero ((const guint8 *) vmemu_xa_load (s->chunks, o / CHUNK) + o % CHUNK, n))
            return FALSE;
          o += n;
        }
      return TRUE;
    }
  while (off < end)
    {
      guint64 ci = off / CHUNK, co = off % CHUNK, n = MIN (CHUNK - co, end - off);
      const guint8 *c = vmemu_xa_load (s->chunks, ci);
      if (c ? memcmp (buf, c + co, n) != 0 : !all_zero (buf, n))
        return FALSE;
      buf += n;
      off += n;
    }
  return TRUE;
}

gboolean
vm_sparse_next (const VmSparse *s, guint64 *off, guint64 *len, guint64 end)
{
  if (*off >= end)
    return FALSE;
  guint64 i = *off / CHUNK;
  if (!vmemu_xa_find (s->chunks, &i, (end - 1) / CHUNK, VMEMU_XA_NO_MARK))
    return FALSE;
  guint64 start = MAX (*off, i * CHUNK);
  *off = start;
  *len = MIN (end, (i + 1) * CHUNK) - start;
  return TRUE;
}

/* Copy the stored bytes of src's [from, from+n) to dst at to, whose range
 * must already be zero. */
static void
copy_stored (VmSparse *dst, guint64 to, const VmSparse *src, guint64 from, guint64 n)
{
  guint64 o = from, l;
  while (vm_sparse_next (src, &o, &l, from + n))
    {
      const guint8 *c = vmemu_xa_load (src->chunks, o / CHUNK);
      vm_sparse_write (dst, to + (o - from), c + o % CHUNK, l);
      o += l;
    }
}

void
vm_sparse_move (VmSparse *s, guint64 dst, guint64 src, guint64 n)
{
  g_return_if_fail (dst + n <= s->size && src + n <= s->size);
  if (n == 0 || dst == src)
    return;
  /* Through a second store, so the cost follows the stored chunks, not n. */
  g_autoptr (VmSparse) tmp = vm_sparse_new ();
  copy_stored (tmp, 0, s, src, n);
  zero_stored (s, dst, n);
  copy_stored (s, dst, tmp, 0, n);
}

void
vm_sparse_copy_range (VmSparse *dst, const VmSparse *src, guint64 off, guint64 len)
{
  if (dst->size < off + len)
    dst->size = off + len;
  zero_stored (dst, off, len);
  copy_stored (dst, off, src, off, len);
}

/* ---- the range map ---- */

typedef struct {
  guint64 start, end;   /* first must stay the key: compared as guint64 */
  guint32 val;
} Range;

struct _VmRanges {
  GTree *t;   /* Range (key and value) ordered by start */
};

static gint
range_cmp (gconstpointer a, gconstpointer b, gpointer unused)
{
  (void) unused;
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

VmRanges *
vm_ranges_new (void)
{
  VmRanges *r = g_new0 (VmRanges, 1);
  r->t = g_tree_new_full (range_cmp, NULL, NULL, g_free);
  return r;
}

void
vm_ranges_free (VmRanges *r)
{
  if (!r)
    return;
  g_tree_destroy (r->t);
  g_free (r);
}

guint
vm_ranges_count (const VmRanges *r)
{
  return (guint) g_tree_nnodes (r->t);
}

/* The interval holding pos, else the first one after it. */
static GTreeNode *
node_from (const VmRanges *r, guint64 pos)
{
  GTreeNode *n = g_tree_upper_bound (r->t, &pos);   /* first start > pos */
  GTreeNode *p = n ? g_tree_node_previous (n) : g_tree_node_last (r->t);
  if (p && ((const Range *) g_tree_node_value (p))->end > pos)
    return p;
  return n;
}

static void
insert (VmRanges *r, guint64 start, guint64 end, guint32 val)
{
  Range *x = g_new (Range, 1);
  *x = (Range) { start, end, val };
  g_tree_insert (r->t, x, x);
}

void
vm_ranges_set (VmRanges *r, guint64 start, guint64 end, guint32 val)
{
  if (start >= end)
    return;
  /* each overlapping interval leaves, its parts outside [start, end) come
   * back; the left part ends at start, so the next lookup passes it */
  GTreeNode *n;
  while ((n = node_from (r, start)) != NULL)
    {
      Range x = *(const Range *) g_tree_node_value (n);
      if (x.start >= end)
        break;
      g_tree_remove (r->t, &x.start);
      if (x.start < start)
        insert (r, x.start, start, x.val);
      if (x.end > end)
        insert (r, end, x.end, x.val);
    }
  if (val)
    insert (r, start, end, val);
}

guint32
vm_ranges_get (const VmRanges *r, guint64 pos)
{
  GTreeNode *n = node_from (r, pos);
  const Range *x = n ? g_tree_node_value (n) : NULL;
  return x && x->start <= pos ? x->val : 0;
}

gboolean
vm_ranges_next (const VmRanges *r, guint64 *start, guint64 *stop, guint64 end, guint32 *val)
{
  if (*start >= end)
    return FALSE;
  GTreeNode *n = node_from (r, *start);
  if (!n)
    return FALSE;
  const Range *x = g_tree_node_value (n);
  if (x->start >= end)
    return FALSE;
  *start = MAX (*start, x->start);
  *stop = MIN (end, x->end);
  *val = x->val;
  return TRUE;
}
