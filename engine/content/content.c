/* content.c — the byte-range store of engine/content: a sorted array of
 * non-overlapping extents, each a run of one generator descriptor.
 *
 * Invariants: extents are sorted by start, do not overlap, lie inside
 * [0, size), are never ZERO (what no extent covers reads as zero), and no
 * two neighbours could be one extent (mergeable() is false for every
 * adjacent pair), so equal contents built by different sequences of writes
 * have the same extents.
 *
 * An array with binary search: lookups are O(log n); a write in the middle
 * moves the tail (O(n) memmove), cheap for the stores vmemu builds (a page
 * holds one extent or a few, a file's oracle one per write that still
 * shows).  A B-tree can replace it behind the same interface.
 */
#include "engine/content/content-private.h"

#include <string.h>

typedef struct {
  guint64 start, len;
  VmContentDesc d;
} Ext;

struct _VmContent {
  guint64 size;
  Ext *v;
  guint32 n, cap;
};

VmContent *
vmemu_content_new (guint64 size)
{
  VmContent *c = g_new0 (VmContent, 1);
  c->size = size;
  return c;
}

void
vmemu_content_free (VmContent *c)
{
  if (c == NULL)
    return;
  for (guint i = 0; i < c->n; i++)
    vmemu_content_src_unref (&c->v[i].d);
  g_free (c->v);
  g_free (c);
}

VmContent *
vmemu_content_dup (const VmContent *c)
{
  VmContent *r = vmemu_content_new (c ? c->size : 0);
  if (c == NULL || c->n == 0)
    return r;
  r->v = g_memdup2 (c->v, sizeof (Ext) * c->n);
  r->n = r->cap = c->n;
  for (guint i = 0; i < r->n; i++)
    vmemu_content_src_ref (&r->v[i].d);
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
  return c ? c->n : 0;
}

gsize
vmemu_content_memory_bytes (const VmContent *c)
{
  return c ? sizeof *c + (gsize) c->cap * sizeof (Ext) : 0;
}

static inline guint64
ext_end (const Ext *e)
{
  return e->start + e->len;
}

/* The first extent ending after pos (n when none). */
static guint
find (const VmContent *c, guint64 pos)
{
  guint lo = 0, hi = c->n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (ext_end (&c->v[mid]) <= pos)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
make_room (VmContent *c, guint i, guint k)
{
  if (c->n + k > c->cap)
    {
      guint cap = MAX (c->cap * 2, c->n + k);
      cap = MAX (cap, 2);
      c->v = g_renew (Ext, c->v, cap);
      c->cap = cap;
    }
  memmove (c->v + i + k, c->v + i, sizeof (Ext) * (c->n - i));
  c->n += k;
}

/* Drop extents [i, j), releasing their sources. */
static void
drop (VmContent *c, guint i, guint j)
{
  for (guint k = i; k < j; k++)
    vmemu_content_src_unref (&c->v[k].d);
  memmove (c->v + i, c->v + j, sizeof (Ext) * (c->n - j));
  c->n -= j - i;
  if (c->n == 0)
    {
      g_clear_pointer (&c->v, g_free);
      c->cap = 0;
    }
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
merge_at (VmContent *c, guint i)
{
  if (i == 0 || i >= c->n || !mergeable (&c->v[i - 1], &c->v[i]))
    return;
  c->v[i - 1].len += c->v[i].len;
  drop (c, i, i + 1);
}

/* Remove everything in [a, b) (a < b); returns the index where an extent
 * for [a, b) goes. */
static guint
punch (VmContent *c, guint64 a, guint64 b)
{
  guint i = find (c, a);
  if (i < c->n && c->v[i].start < a)
    {
      Ext *e = &c->v[i];
      if (ext_end (e) > b)
        {
          /* [a, b) inside one extent: split it in two */
          Ext right = *e;
          trim_front (&right, b - e->start);
          vmemu_content_src_ref (&right.d);
          e->len = a - e->start;
          make_room (c, i + 1, 1);
          c->v[i + 1] = right;
          return i + 1;
        }
      e->len = a - e->start;
      i++;
    }
  guint j = i;
  while (j < c->n && ext_end (&c->v[j]) <= b)
    j++;
  if (j > i)
    drop (c, i, j);
  if (i < c->n && c->v[i].start < b)
    trim_front (&c->v[i], b - c->v[i].start);
  return i;
}

void
vmemu_content_set_size (VmContent *c, guint64 size)
{
  g_return_if_fail (c != NULL);
  if (size < c->size)
    punch (c, size, c->size);
  c->size = size;
}

/* Put k extents (already holding their source references, sorted, inside
 * one punched gap) at index i and merge them with their neighbours. */
static void
place (VmContent *c, guint i, const Ext *e, guint k)
{
  if (k == 0)
    return;
  make_room (c, i, k);
  memcpy (c->v + i, e, sizeof (Ext) * k);
  merge_at (c, i + k);
  merge_at (c, i);
}

void
vmemu_content_fill (VmContent *c, guint64 off, guint64 len, const VmContentDesc *d)
{
  g_return_if_fail (c != NULL && d != NULL);
  c->size = MAX (c->size, off + len);
  if (len == 0)
    return;
  guint i = punch (c, off, off + len);
  Ext e = { off, len, vmemu_content_desc_norm (d) };
  if (e.d.gen == VMEMU_GEN_ZERO)
    return;
  vmemu_content_src_ref (&e.d);
  place (c, i, &e, 1);
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
  /* collect src's extents first: dst may be src */
  GArray *tmp = g_array_new (FALSE, FALSE, sizeof (Ext));
  guint64 o = soff, n;
  VmContentDesc d;
  while (vmemu_content_next (src, &o, &n, soff + len, &d))
    {
      Ext e = { doff + (o - soff), n, d };
      vmemu_content_src_ref (&e.d);
      g_array_append_val (tmp, e);
      o += n;
    }
  guint i = punch (dst, doff, doff + len);
  place (dst, i, (const Ext *) tmp->data, tmp->len);
  g_array_unref (tmp);
}

gboolean
vmemu_content_next (const VmContent *c, guint64 *off, guint64 *len, guint64 end,
                    VmContentDesc *d)
{
  if (c == NULL || *off >= end)
    return FALSE;
  guint i = find (c, *off);
  if (i >= c->n || c->v[i].start >= end)
    return FALSE;
  const Ext *e = &c->v[i];
  guint64 s = MAX (e->start, *off), t = MIN (ext_end (e), end);
  *d = vmemu_content_desc_advance (&e->d, s - e->start);
  *off = s;
  *len = t - s;
  return TRUE;
}

VmContentDesc
vmemu_content_at (const VmContent *c, guint64 off, guint64 max, guint64 *n)
{
  guint i = c ? find (c, off) : 0;
  if (c && i < c->n && c->v[i].start <= off)
    {
      const Ext *e = &c->v[i];
      *n = MIN (max, ext_end (e) - off);
      return vmemu_content_desc_advance (&e->d, off - e->start);
    }
  guint64 next = c && i < c->n ? c->v[i].start : G_MAXUINT64;
  *n = MIN (max, next - off);
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

void
vmemu_content_check (const VmContent *c)
{
  if (c == NULL)
    return;
  g_assert (c->n <= c->cap);
  for (guint i = 0; i < c->n; i++)
    {
      const Ext *e = &c->v[i];
      g_assert (e->len > 0);
      g_assert (e->d.gen != VMEMU_GEN_ZERO && e->d.gen < VMEMU_GEN__COUNT);
      g_assert (ext_end (e) <= c->size && ext_end (e) > e->start);
      if (i > 0)
        {
          g_assert (ext_end (&c->v[i - 1]) <= e->start);
          g_assert (!mergeable (&c->v[i - 1], e));
        }
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
  w->c.size = size;
  w->c.cap = 0;   /* not owned: nothing to grow or free */
  w->one.start = 0;
  w->one.len = size;
  w->one.d = vmemu_content_desc_norm (d);
  w->c.n = size > 0 && w->one.d.gen != VMEMU_GEN_ZERO ? 1 : 0;
  w->c.v = w->c.n ? &w->one : NULL;
  return &w->c;
}

gboolean
vmemu_content_single (const VmContent *c, VmContentDesc *d)
{
  if (c == NULL || c->n == 0)
    {
      *d = vmemu_content_desc_zero ();
      return TRUE;
    }
  if (c->n != 1 || c->v[0].start != 0 || c->v[0].len != c->size)
    return FALSE;
  *d = c->v[0].d;
  return TRUE;
}
