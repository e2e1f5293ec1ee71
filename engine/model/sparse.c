/* sparse.c — the range map behind the oracle (see sparse.h): non-overlapping
 * intervals in a GTree ordered by start, never iterated by pointer.  (The
 * oracle's bytes are engine/content stores since issue 15.)  And the extent
 * map behind the XFS data fork (VmBmap).
 */
#include "engine/model/sparse.h"
#include "engine/xa/xa.h"

#include <string.h>

/* ---- the range map ---- */

typedef struct {
  guint64 start, end;   /* first must stay the key: compared as guint64 */
  guint32 val;
} Range;

struct _VmRanges {
  GTree *t;   /* Range (key and value) ordered by start */
  /* [lo, hi) holds every interval (hi 0: none), so a lookup outside it --
   * an untouched file's page_gen at every read -- does not reach the tree
   * (a cache miss per level at millions of pages) */
  guint64 lo, hi;
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
    {
      insert (r, start, end, val);
      r->lo = r->hi ? MIN (r->lo, start) : start;
      r->hi = MAX (r->hi, end);
    }
  else if (r->hi && g_tree_nnodes (r->t) == 0)
    r->lo = r->hi = 0;
}

guint32
vm_ranges_get (const VmRanges *r, guint64 pos)
{
  if (pos < r->lo || pos >= r->hi)
    return 0;
  GTreeNode *n = node_from (r, pos);
  const Range *x = n ? g_tree_node_value (n) : NULL;
  return x && x->start <= pos ? x->val : 0;
}

gboolean
vm_ranges_next (const VmRanges *r, guint64 *start, guint64 *stop, guint64 end, guint32 *val)
{
  if (*start >= end || *start >= r->hi || end <= r->lo)
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

/* ---- the extent map (VmBmap) ---- */

typedef struct {
  guint32 off, len;     /* keys [off, off + len) of the segment */
  guint64 v;            /* value at off */
} Ext;

typedef struct {
  guint32 n, cap;
  guint32 hint;         /* the extent the last search found: the data fork is
                         * mostly walked block after block, so the next search
                         * usually ends there or one further (a cache of the
                         * search, never a result) */
  Ext *e;
} Seg;

struct _VmBmap {
  VmBmapStep step;
  Seg seg0;
  VmemuXa *rest;        /* segment number >= 1 -> Seg* (NULL until needed) */
};

VmBmap *
vm_bmap_new (VmBmapStep step)
{
  VmBmap *b = g_new0 (VmBmap, 1);
  b->step = step;
  return b;
}

static void
seg_free (Seg *s)
{
  g_free (s->e);
  g_free (s);
}

void
vm_bmap_free (VmBmap *b)
{
  if (!b)
    return;
  g_free (b->seg0.e);
  if (b->rest)
    {
      guint64 i = 0;
      Seg *s;
      while ((s = vmemu_xa_find (b->rest, &i, G_MAXUINT64, VMEMU_XA_NO_MARK)) != NULL)
        seg_free (s), i++;
      vmemu_xa_free (b->rest);
    }
  g_free (b);
}

static const Seg *
seg_peek (const VmBmap *b, guint64 segno)
{
  if (segno == 0)
    return &b->seg0;
  return b->rest ? vmemu_xa_load (b->rest, segno) : NULL;
}

static Seg *
seg_get (VmBmap *b, guint64 segno)
{
  if (segno == 0)
    return &b->seg0;
  if (b->rest == NULL)
    b->rest = vmemu_xa_new ();
  Seg *s = vmemu_xa_load (b->rest, segno);
  if (s == NULL)
    {
      s = g_new0 (Seg, 1);
      vmemu_xa_store (b->rest, segno, s);
    }
  return s;
}

/* An empty segment other than 0 leaves the index. */
static void
seg_tidy (VmBmap *b, guint64 segno, Seg *s)
{
  if (segno != 0 && s->n == 0)
    {
      vmemu_xa_erase (b->rest, segno);
      seg_free (s);
    }
}

/* Whether extent i is the first whose end is past off. */
static inline gboolean
seg_first_past (const Seg *s, guint i, guint32 off)
{
  return i < s->n && s->e[i].off + s->e[i].len > off
         && (i == 0 || s->e[i - 1].off + s->e[i - 1].len <= off);
}

/* Index of the first extent whose end is past off (n if none). */
static guint
seg_search (const Seg *cs, guint32 off)
{
  Seg *s = (Seg *) cs;   /* only the hint changes */
  guint h = s->hint;
  if (seg_first_past (s, h, off))
    return h;
  if (seg_first_past (s, h + 1, off))
    return s->hint = h + 1;
  if (s->n == 0 || s->e[s->n - 1].off + s->e[s->n - 1].len <= off)
    return s->n;   /* past the last extent (appending at the end) */
  guint lo = 0, hi = s->n;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (s->e[mid].off + s->e[mid].len <= off)
        lo = mid + 1;
      else
        hi = mid;
    }
  s->hint = lo;
  return lo;
}

guint64
vm_bmap_get (const VmBmap *b, guint64 key)
{
  const Seg *s = seg_peek (b, key >> VM_BMAP_SEG_SHIFT);
  if (s == NULL || s->n == 0)
    return 0;
  guint32 off = (guint32) (key & (VM_BMAP_SEG - 1));
  guint i = seg_search (s, off);
  if (i == s->n || s->e[i].off > off)
    return 0;
  return s->e[i].v + (off - s->e[i].off) * b->step (s->e[i].v);
}

static void
seg_insert (Seg *s, guint at, Ext x)
{
  if (s->n == s->cap)
    {
      s->cap = s->cap ? s->cap * 2 : 1;
      s->e = g_renew (Ext, s->e, s->cap);
    }
  memmove (&s->e[at + 1], &s->e[at], (s->n - at) * sizeof (Ext));
  s->e[at] = x;
  s->n++;
}

static void
seg_remove (Seg *s, guint at, guint count)
{
  if (count == 0)
    return;   /* s->e may be NULL: memmove's arguments must not be, even for 0 bytes */
  memmove (&s->e[at], &s->e[at + count], (s->n - at - count) * sizeof (Ext));
  s->n -= count;
}

/* Whether extent y continues extent x. */
static gboolean
ext_continues (const VmBmap *b, const Ext *x, const Ext *y)
{
  guint64 st = b->step (x->v);
  return x->off + x->len == y->off && b->step (y->v) == st && x->v + x->len * st == y->v;
}

/* [off, off + len) of one segment takes v... (0: removed). */
static void
seg_set (VmBmap *b, Seg *s, guint32 off, guint32 len, guint64 v)
{
  guint32 end = off + len;
  guint i = seg_search (s, off);
  /* an extent straddling off: keep its head, and its tail if it reaches past end */
  if (i < s->n && s->e[i].off < off)
    {
      Ext head = s->e[i];
      head.len = off - head.off;
      if (s->e[i].off + s->e[i].len > end)
        {
          Ext tail = s->e[i];
          tail.len = tail.off + tail.len - end;
          tail.v += (end - tail.off) * b->step (tail.v);
          tail.off = end;
          s->e[i] = head;
          seg_insert (s, i + 1, tail);
        }
      else
        s->e[i] = head;
      i++;
    }
  /* extents inside [off, end) go; one reaching past end keeps its tail */
  guint j = i;
  while (j < s->n && s->e[j].off + s->e[j].len <= end)
    j++;
  if (j < s->n && s->e[j].off < end)
    {
      Ext *t = &s->e[j];
      guint32 cut = end - t->off;
      t->v += cut * b->step (t->v);
      t->off = end;
      t->len -= cut;
    }
  seg_remove (s, i, j - i);
  if (v == 0)
    return;
  Ext x = { off, len, v };
  if (i > 0 && ext_continues (b, &s->e[i - 1], &x))
    {
      s->e[i - 1].len += len;
      if (i < s->n && ext_continues (b, &s->e[i - 1], &s->e[i]))
        {
          s->e[i - 1].len += s->e[i].len;
          seg_remove (s, i, 1);
        }
      return;
    }
  if (i < s->n && ext_continues (b, &x, &s->e[i]))
    {
      s->e[i].off = off;
      s->e[i].len += len;
      s->e[i].v = v;
      return;
    }
  seg_insert (s, i, x);
}

void
vm_bmap_set (VmBmap *b, guint64 start, guint64 len, guint64 v)
{
  while (len > 0)
    {
      guint64 segno = start >> VM_BMAP_SEG_SHIFT;
      guint32 off = (guint32) (start & (VM_BMAP_SEG - 1));
      guint32 n = (guint32) MIN (len, (guint64) VM_BMAP_SEG - off);
      if (v != 0 || seg_peek (b, segno) != NULL)
        {
          Seg *s = seg_get (b, segno);
          seg_set (b, s, off, n, v);
          seg_tidy (b, segno, s);
        }
      if (v != 0)
        v += n * b->step (v);
      start += n;
      len -= n;
    }
}

gboolean
vm_bmap_next (const VmBmap *b, guint64 *key, guint64 *len, guint64 *v)
{
  guint64 k = *key;
  for (;;)
    {
      guint64 segno = k >> VM_BMAP_SEG_SHIFT;
      const Seg *s = seg_peek (b, segno);
      if (s != NULL)
        {
          guint32 off = (guint32) (k & (VM_BMAP_SEG - 1));
          guint i = seg_search (s, off);
          if (i < s->n)
            {
              const Ext *x = &s->e[i];
              guint32 from = MAX (off, x->off);
              *key = (segno << VM_BMAP_SEG_SHIFT) + from;
              *len = x->off + x->len - from;
              *v = x->v + (from - x->off) * b->step (x->v);
              return TRUE;
            }
        }
      /* the next segment that exists */
      guint64 next = segno + 1;
      if (next == 0 || b->rest == NULL || next > (G_MAXUINT64 >> VM_BMAP_SEG_SHIFT)
          || vmemu_xa_find (b->rest, &next, G_MAXUINT64, VMEMU_XA_NO_MARK) == NULL)
        return FALSE;
      k = next << VM_BMAP_SEG_SHIFT;
    }
}

void
vm_bmap_shift (VmBmap *b, guint64 from, guint64 shift, gboolean up)
{
  g_assert (up || from >= shift);
  GArray *moved = g_array_new (FALSE, FALSE, sizeof (guint64) * 3);
  guint64 k = from, len, v;
  while (vm_bmap_next (b, &k, &len, &v))
    {
      guint64 t[3] = { k, len, v };
      g_array_append_val (moved, t);
      k += len;
    }
  if (moved->len > 0)
    {
      /* one removal of the whole moved span, not one per extent (each would
       * move its segment's tail) */
      const guint64 *t = &g_array_index (moved, guint64, 3 * (moved->len - 1));
      vm_bmap_set (b, from, t[0] + t[1] - from, 0);
    }
  if (!up && shift > 0)
    vm_bmap_set (b, from - shift, shift, 0);
  for (guint i = 0; i < moved->len; i++)
    {
      const guint64 *t = &g_array_index (moved, guint64, 3 * i);
      vm_bmap_set (b, up ? t[0] + shift : t[0] - shift, t[1], t[2]);
    }
  g_array_unref (moved);
}

guint64
vm_bmap_count (const VmBmap *b)
{
  guint64 n = 0, k = 0, len, v;
  while (vm_bmap_next (b, &k, &len, &v))
    n++, k += len;
  return n;
}

gsize
vm_bmap_memory_bytes (const VmBmap *b)
{
  gsize bytes = sizeof *b + b->seg0.cap * sizeof (Ext);
  if (b->rest)
    {
      bytes += vmemu_xa_memory_bytes (b->rest);
      guint64 i = 0;
      const Seg *s;
      while ((s = vmemu_xa_find (b->rest, &i, G_MAXUINT64, VMEMU_XA_NO_MARK)) != NULL)
        bytes += sizeof *s + s->cap * sizeof (Ext), i++;
    }
  return bytes;
}
