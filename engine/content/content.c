/* content.c — the byte-range store of engine/content: extents, each a run of
 * one generator descriptor, in fixed-size segments of the offset space.
 *
 * Segment k covers [k << shift, (k + 1) << shift) (1 MiB by default) and holds
 * its extents in a sorted array; segment 0 lives in the store itself (a page
 * or a small file needs nothing more), the others in an ordered index
 * (engine/xa) keyed by k, present only where something non-zero is stored.
 * So a write costs a binary search and a move of at most one segment's tail,
 * however many extents the store holds (a disk or the oracle of a large file
 * written at random).
 *
 * Invariants: in each segment extents are sorted by start, do not overlap,
 * lie inside the segment and [0, size), are never ZERO (what no extent covers
 * reads as zero), and no two neighbours could be one extent (mergeable() is
 * false for every adjacent pair), so equal contents built by different
 * sequences of writes have the same extents.  Runs longer than a segment are
 * cut at segment boundaries.
 */
#include "engine/content/content-private.h"

#include <string.h>

#include "engine/xa/xa.h"

#define SEG_SHIFT_DEFAULT 20

typedef struct {
  guint64 start, len;
  VmContentDesc d;
} Ext;

typedef struct {
  Ext *v;
  guint32 n, cap;   /* cap 0 with n > 0: a view's borrowed extent */
} Seg;

struct _VmContent {
  guint64 size;
  Seg s0;           /* segment 0 */
  VmemuXa *segs;    /* k >= 1 -> Seg *, NULL until one is needed */
  guint8 shift;
};

static inline guint64
ext_end (const Ext *e)
{
  return e->start + e->len;
}

/* ------------------------------------------------------------ segments --- */

static inline guint64
seg_lo (const VmContent *c, guint64 k)
{
  return k << c->shift;
}

/* The end of segment k (G_MAXUINT64 for the last one of the space). */
static inline guint64
seg_hi (const VmContent *c, guint64 k)
{
  return k >= (G_MAXUINT64 >> c->shift) ? G_MAXUINT64 : (k + 1) << c->shift;
}

static Seg *
seg_get (const VmContent *c, guint64 k)
{
  if (k == 0)
    return (Seg *) &c->s0;
  return c->segs ? vmemu_xa_load (c->segs, k) : NULL;
}

static Seg *
seg_make (VmContent *c, guint64 k)
{
  Seg *s = seg_get (c, k);
  if (s != NULL)
    return s;
  if (c->segs == NULL)
    c->segs = vmemu_xa_new ();
  s = g_new0 (Seg, 1);
  vmemu_xa_store (c->segs, k, s);
  return s;
}

/* The first present segment with number >= k (its number in *k), or NULL. */
static Seg *
seg_next (const VmContent *c, guint64 *k)
{
  if (*k == 0 && c->s0.n > 0)
    return (Seg *) &c->s0;
  if (c->segs == NULL)
    return NULL;
  guint64 i = MAX (*k, 1);
  Seg *s = vmemu_xa_find (c->segs, &i, G_MAXUINT64, VMEMU_XA_NO_MARK);
  if (s != NULL)
    *k = i;
  return s;
}

static void
seg_unref_all (Seg *s)
{
  for (guint i = 0; i < s->n; i++)
    vmemu_content_src_unref (&s->v[i].d);
}

/* An emptied segment other than 0 leaves the index. */
static void
seg_release (VmContent *c, guint64 k, Seg *s)
{
  if (s->n > 0)
    return;
  g_clear_pointer (&s->v, g_free);
  s->cap = 0;
  if (k > 0)
    {
      vmemu_xa_erase (c->segs, k);
      g_free (s);
    }
}

/* ------------------------------------------------- extents of a segment --- */

/* The first extent of s ending after pos (s->n when none). */
static guint
find (const Seg *s, guint64 pos)
{
  guint lo = 0, hi = s->n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (ext_end (&s->v[mid]) <= pos)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
make_room (Seg *s, guint i, guint k)
{
  if (s->n + k > s->cap)
    {
      guint cap = MAX (s->cap * 2, s->n + k);
      cap = MAX (cap, 2);
      s->v = g_renew (Ext, s->v, cap);
      s->cap = cap;
    }
  memmove (s->v + i + k, s->v + i, sizeof (Ext) * (s->n - i));
  s->n += k;
}

/* Drop extents [i, j), releasing their sources. */
static void
drop (Seg *s, guint i, guint j)
{
  for (guint k = i; k < j; k++)
    vmemu_content_src_unref (&s->v[k].d);
  memmove (s->v + i, s->v + j, sizeof (Ext) * (s->n - j));
  s->n -= j - i;
}

/* Trim the first cut bytes off e. */
static void
trim_front (Ext *e, guint64 cut)
{
  e->d = vmemu_content_desc_advance (&e->d, cut);
  e->start += cut;
  e->len -= cut;
}

/* Whether y continues x: the same run, with no gap between them. */
static gboolean
mergeable (const Ext *x, const Ext *y)
{
  if (ext_end (x) != y->start)
    return FALSE;
  VmContentDesc xd = vmemu_content_desc_advance (&x->d, x->len);
  return vmemu_content_desc_same (&xd, &y->d);
}

/* Merge v[i] into v[i - 1] when it continues it. */
static void
merge_at (Seg *s, guint i)
{
  if (i == 0 || i >= s->n || !mergeable (&s->v[i - 1], &s->v[i]))
    return;
  s->v[i - 1].len += s->v[i].len;
  drop (s, i, i + 1);
}

/* Remove everything of s in [a, b) (a < b); returns the index where an
 * extent starting at a goes. */
static guint
seg_punch (Seg *s, guint64 a, guint64 b)
{
  guint i = find (s, a);
  if (i < s->n && s->v[i].start < a)
    {
      Ext *e = &s->v[i];
      if (ext_end (e) > b)
        {
          /* [a, b) inside one extent: split it in two */
          Ext right = *e;
          trim_front (&right, b - e->start);
          vmemu_content_src_ref (&right.d);
          e->len = a - e->start;
          make_room (s, i + 1, 1);
          s->v[i + 1] = right;
          return i + 1;
        }
      e->len = a - e->start;
      i++;
    }
  guint j = i;
  while (j < s->n && ext_end (&s->v[j]) <= b)
    j++;
  if (j > i)
    drop (s, i, j);
  if (i < s->n && s->v[i].start < b)
    trim_front (&s->v[i], b - s->v[i].start);
  return i;
}

/* Put e (holding its source reference, inside s) over whatever s holds in
 * its range: seg_punch then seg_place in one pass, one binary search and at
 * most one move of the tail (the same extents as the two steps). */
static void
seg_put (Seg *s, const Ext *e)
{
  guint64 a = e->start, b = ext_end (e);
  guint i = find (s, a);
  if (i < s->n && s->v[i].start < a)
    {
      Ext *x = &s->v[i];
      if (ext_end (x) > b)
        {
          /* e inside one extent: split it around e */
          Ext right = *x;
          trim_front (&right, b - x->start);
          vmemu_content_src_ref (&right.d);
          x->len = a - x->start;
          make_room (s, i + 1, 2);
          s->v[i + 1] = *e;
          s->v[i + 2] = right;
          merge_at (s, i + 2);
          merge_at (s, i + 1);
          return;
        }
      x->len = a - x->start;
      i++;
    }
  guint j = i;
  while (j < s->n && ext_end (&s->v[j]) <= b)
    j++;
  if (j > i)
    {
      /* e takes the first covered slot, the others leave */
      vmemu_content_src_unref (&s->v[i].d);
      s->v[i] = *e;
      drop (s, i + 1, j);
    }
  else
    {
      make_room (s, i, 1);
      s->v[i] = *e;
    }
  if (i + 1 < s->n && s->v[i + 1].start < b)
    trim_front (&s->v[i + 1], b - s->v[i + 1].start);
  merge_at (s, i + 1);
  merge_at (s, i);
}

/* ----------------------------------------------------- the whole store --- */

/* Remove everything in [a, b) (a < b), segment by segment. */
static void
punch (VmContent *c, guint64 a, guint64 b)
{
  guint64 k = a >> c->shift, last = (b - 1) >> c->shift;
  Seg *s;
  while (k <= last && (s = seg_next (c, &k)) != NULL && k <= last)
    {
      guint64 lo = MAX (a, seg_lo (c, k)), hi = MIN (b, seg_hi (c, k));
      if (s->n > 0)
        seg_punch (s, lo, hi);
      seg_release (c, k, s);
      if (k == last)
        break;
      k++;
    }
}

/* Put the run e (no reference taken yet) over the store's [e->start,
 * ext_end (e)), cut at segment boundaries: punch + place in one pass. */
static void
put (VmContent *c, const Ext *e)
{
  guint64 off = e->start, end = ext_end (e);
  while (off < end)
    {
      guint64 k = off >> c->shift;
      guint64 hi = MIN (end, seg_hi (c, k));
      Ext piece = { off, hi - off, vmemu_content_desc_advance (&e->d, off - e->start) };
      vmemu_content_src_ref (&piece.d);
      seg_put (seg_make (c, k), &piece);
      off = hi;
    }
}

static VmContent *
content_new (guint64 size, guint shift)
{
  VmContent *c = g_new0 (VmContent, 1);
  c->size = size;
  c->shift = (guint8) shift;
  return c;
}

VmContent *
vmemu_content_new (guint64 size)
{
  return content_new (size, SEG_SHIFT_DEFAULT);
}

/* For tests: segments of 2^shift bytes, so small stores span several. */
VmContent *
vmemu_content_new_segmented (guint64 size, guint shift)
{
  g_return_val_if_fail (shift >= 4 && shift < 64, NULL);
  return content_new (size, shift);
}

void
vmemu_content_free (VmContent *c)
{
  if (c == NULL)
    return;
  seg_unref_all (&c->s0);
  g_free (c->s0.v);
  guint64 k = 1;
  Seg *s;
  while (c->segs && (s = seg_next (c, &k)) != NULL)
    {
      seg_unref_all (s);
      g_free (s->v);
      g_free (s);
      k++;
    }
  vmemu_xa_free (c->segs);
  g_free (c);
}

static void
seg_copy_into (Seg *dst, const Seg *src)
{
  dst->n = dst->cap = src->n;
  dst->v = src->n ? g_memdup2 (src->v, sizeof (Ext) * src->n) : NULL;
  for (guint i = 0; i < dst->n; i++)
    vmemu_content_src_ref (&dst->v[i].d);
}

VmContent *
vmemu_content_dup (const VmContent *c)
{
  if (c == NULL)
    return vmemu_content_new (0);
  VmContent *r = content_new (c->size, c->shift);
  seg_copy_into (&r->s0, &c->s0);
  guint64 k = 1;
  Seg *s;
  while (c->segs && (s = seg_next (c, &k)) != NULL)
    {
      seg_copy_into (seg_make (r, k), s);
      k++;
    }
  return r;
}

guint64
vmemu_content_size (const VmContent *c)
{
  return c ? c->size : 0;
}

guint
vmemu_content_extents (const VmContent *c)
{
  if (c == NULL)
    return 0;
  guint n = c->s0.n;
  guint64 k = 1;
  Seg *s;
  while (c->segs && (s = seg_next (c, &k)) != NULL)
    {
      n += s->n;
      k++;
    }
  return n;
}

gsize
vmemu_content_memory_bytes (const VmContent *c)
{
  if (c == NULL)
    return 0;
  gsize b = sizeof *c + (gsize) c->s0.cap * sizeof (Ext);
  guint64 k = 1;
  Seg *s;
  while (c->segs && (s = seg_next (c, &k)) != NULL)
    {
      b += sizeof *s + (gsize) s->cap * sizeof (Ext);
      k++;
    }
  return b + (c->segs ? vmemu_xa_memory_bytes (c->segs) : 0);
}

void
vmemu_content_set_size (VmContent *c, guint64 size)
{
  g_return_if_fail (c != NULL);
  if (size < c->size)
    punch (c, size, c->size);
  c->size = size;
}

void
vmemu_content_reset (VmContent *c, guint64 size)
{
  g_return_if_fail (c != NULL);
  if (c->segs != NULL)
    punch (c, G_GUINT64_CONSTANT (1) << c->shift, G_MAXUINT64);
  seg_unref_all (&c->s0);
  c->s0.n = 0;
  c->size = size;
}

void
vmemu_content_fill (VmContent *c, guint64 off, guint64 len, const VmContentDesc *d)
{
  g_return_if_fail (c != NULL && d != NULL);
  c->size = MAX (c->size, off + len);
  if (len == 0)
    return;
  Ext e = { off, len, vmemu_content_desc_norm (d) };
  if (e.d.gen != VMEMU_GEN_ZERO)
    put (c, &e);
  else
    punch (c, off, off + len);
}

void
vmemu_content_write (VmContent *c, guint64 off, const guint8 *buf, guint64 len)
{
  g_return_if_fail (c != NULL && (buf != NULL || len == 0));
  g_autoptr (VmContentLit) l = vmemu_content_lit_new (buf, len);
  VmContentDesc d = vmemu_content_desc_lit (l, 0);
  vmemu_content_fill (c, off, len, &d);
}

void
vmemu_content_zero (VmContent *c, guint64 off, guint64 len)
{
  g_return_if_fail (c != NULL);
  if (off >= c->size || len == 0)
    return;
  len = MIN (len, c->size - off);
  punch (c, off, off + len);
}

void
vmemu_content_copy (VmContent *dst, guint64 doff, const VmContent *src, guint64 soff,
                    guint64 len)
{
  g_return_if_fail (dst != NULL);
  dst->size = MAX (dst->size, doff + len);
  if (len == 0)
    return;
  /* collect src's runs first (no references yet): dst may be src.  A page
   * or a block holds a run or two: those stay on the stack, no allocation. */
  Ext local[8];
  Ext *runs = local;
  guint nruns = 0, cap = G_N_ELEMENTS (local);
  guint64 o = soff, n;
  VmContentDesc d;
  while (vmemu_content_next (src, &o, &n, soff + len, &d))
    {
      if (nruns == cap)
        {
          cap *= 2;
          runs = runs == local ? g_memdup2 (local, sizeof local) : runs;
          runs = g_renew (Ext, runs, cap);
        }
      runs[nruns] = (Ext) { doff + (o - soff), n, d };
      vmemu_content_src_ref (&runs[nruns].d);   /* kept alive across the punch */
      nruns++;
      o += n;
    }
  /* each run over dst's bytes, the gaps between them (zeros) punched */
  guint64 at = doff;
  for (guint i = 0; i < nruns; i++)
    {
      if (runs[i].start > at)
        punch (dst, at, runs[i].start);
      put (dst, &runs[i]);
      at = ext_end (&runs[i]);
      vmemu_content_src_unref (&runs[i].d);
    }
  if (doff + len > at)
    punch (dst, at, doff + len);
  if (runs != local)
    g_free (runs);
}

gboolean
vmemu_content_next (const VmContent *c, guint64 *off, guint64 *len, guint64 end,
                    VmContentDesc *d)
{
  if (c == NULL || *off >= end)
    return FALSE;
  guint64 k = *off >> c->shift;
  Seg *s;
  while ((s = seg_next (c, &k)) != NULL)
    {
      guint64 lo = seg_lo (c, k);
      if (lo >= end)
        return FALSE;
      guint64 from = MAX (*off, lo);
      guint i = find (s, from);
      if (i < s->n)
        {
          const Ext *e = &s->v[i];
          if (e->start >= end)
            return FALSE;
          guint64 a = MAX (e->start, from), b = MIN (ext_end (e), end);
          *d = vmemu_content_desc_advance (&e->d, a - e->start);
          *off = a;
          *len = b - a;
          return TRUE;
        }
      if (seg_hi (c, k) == G_MAXUINT64)
        return FALSE;
      k++;
    }
  return FALSE;
}

VmContentDesc
vmemu_content_at (const VmContent *c, guint64 off, guint64 max, guint64 *n)
{
  guint64 o = off, len;
  VmContentDesc d;
  guint64 end = max > G_MAXUINT64 - off ? G_MAXUINT64 : off + max;
  if (vmemu_content_next (c, &o, &len, end, &d))
    {
      if (o == off)
        {
          *n = len;
          return d;
        }
      *n = o - off;
      return vmemu_content_desc_zero ();
    }
  *n = max;
  return vmemu_content_desc_zero ();
}

void
vmemu_content_read (const VmContent *c, guint64 off, guint64 len, guint8 *buf)
{
  g_return_if_fail (buf != NULL || len == 0);
  memset (buf, 0, len);
  guint64 o = off, n;
  VmContentDesc d;
  while (vmemu_content_next (c, &o, &n, off + len, &d))
    {
      vmemu_content_desc_fill (&d, buf + (o - off), n);
      o += n;
    }
}

guint8
vmemu_content_byte (const VmContent *c, guint64 off)
{
  guint64 n;
  VmContentDesc d = vmemu_content_at (c, off, 1, &n);
  return vmemu_content_desc_byte_at (&d, 0);
}

gboolean
vmemu_content_diff_next (const VmContent *a, guint64 aoff, const VmContent *b, guint64 boff,
                         guint64 len, guint64 *pos, guint64 *n)
{
  guint64 start = G_MAXUINT64;
  while (*pos < len)
    {
      guint64 na, nb;
      VmContentDesc da = vmemu_content_at (a, aoff + *pos, len - *pos, &na);
      VmContentDesc db = vmemu_content_at (b, boff + *pos, len - *pos, &nb);
      guint64 k = MIN (na, nb);
      if (vmemu_content_desc_same (&da, &db))
        {
          if (start != G_MAXUINT64)
            break;   /* the differing stretch has ended */
        }
      else if (start == G_MAXUINT64)
        start = *pos;
      *pos += k;
    }
  if (start == G_MAXUINT64)
    return FALSE;
  *n = *pos - start;
  *pos = start;
  return TRUE;
}

#define CMP_CHUNK 4096

gboolean
vmemu_content_equal (const VmContent *a, guint64 aoff, const VmContent *b, guint64 boff,
                     guint64 len)
{
  guint8 x[CMP_CHUNK], y[CMP_CHUNK];
  guint64 pos = 0, n;
  while (vmemu_content_diff_next (a, aoff, b, boff, len, &pos, &n))
    {
      for (guint64 i = 0; i < n; i += CMP_CHUNK)
        {
          guint64 k = MIN (CMP_CHUNK, n - i);
          vmemu_content_read (a, aoff + pos + i, k, x);
          vmemu_content_read (b, boff + pos + i, k, y);
          if (memcmp (x, y, k) != 0)
            return FALSE;
        }
      pos += n;
    }
  return TRUE;
}

static void
seg_check (const VmContent *c, guint64 k, const Seg *s)
{
  g_assert (s->n <= s->cap);
  for (guint i = 0; i < s->n; i++)
    {
      const Ext *e = &s->v[i];
      g_assert (e->len > 0);
      g_assert (e->d.gen != VMEMU_GEN_ZERO && e->d.gen < VMEMU_GEN__COUNT);
      g_assert (ext_end (e) <= c->size && ext_end (e) > e->start);
      g_assert (e->start >= seg_lo (c, k) && ext_end (e) <= seg_hi (c, k));
      if (i > 0)
        {
          g_assert (ext_end (&s->v[i - 1]) <= e->start);
          g_assert (!mergeable (&s->v[i - 1], e));
        }
    }
}

void
vmemu_content_check (const VmContent *c)
{
  if (c == NULL)
    return;
  seg_check (c, 0, &c->s0);
  guint64 k = 1;
  Seg *s;
  while (c->segs && (s = seg_next (c, &k)) != NULL)
    {
      g_assert (s->n > 0);   /* empty segments leave the index */
      seg_check (c, k, s);
      k++;
    }
}

typedef struct {
  VmContent c;
  Ext one;
} View;
G_STATIC_ASSERT (sizeof (View) <= sizeof (VmContentView));

const VmContent *
vmemu_content_view (VmContentView *v, guint64 size, const VmContentDesc *d)
{
  View *w = (View *) v;
  g_return_val_if_fail (size <= (G_GUINT64_CONSTANT (1) << SEG_SHIFT_DEFAULT), NULL);
  memset (&w->c, 0, sizeof w->c);
  w->c.size = size;
  w->c.shift = SEG_SHIFT_DEFAULT;
  w->one.start = 0;
  w->one.len = size;
  w->one.d = vmemu_content_desc_norm (d);
  w->c.s0.n = size > 0 && w->one.d.gen != VMEMU_GEN_ZERO ? 1 : 0;
  w->c.s0.v = w->c.s0.n ? &w->one : NULL;   /* cap 0: borrowed, never grown or freed */
  return &w->c;
}

gboolean
vmemu_content_single (const VmContent *c, VmContentDesc *d)
{
  if (c == NULL || vmemu_content_extents (c) == 0)
    {
      *d = vmemu_content_desc_zero ();
      return TRUE;
    }
  if (c->segs != NULL || c->s0.n != 1 || c->s0.v[0].start != 0 || c->s0.v[0].len != c->size)
    return FALSE;
  *d = c->s0.v[0].d;
  return TRUE;
}
