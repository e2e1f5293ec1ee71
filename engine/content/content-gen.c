/* content-gen.c — the generators behind VmContentDesc: their bytes, their
 * sources (saved random states, literal bytes) and the xoshiro256** jump.
 */
#include "engine/content/content-private.h"

#include <string.h>

/* Sources with a reference count start with this header. */
typedef struct {
  gint ref;
} SrcHead;

struct _VmContentRng {
  SrcHead h;
  VmemuRng s0;
};

struct _VmContentLit {
  SrcHead h;
  gsize len;
  guint8 data[];
};

VmContentRng *
vmemu_content_rng_new (const VmemuRng *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  VmContentRng *r = g_new0 (VmContentRng, 1);
  r->h.ref = 1;
  r->s0 = *state;
  return r;
}

void
vmemu_content_rng_unref (VmContentRng *r)
{
  if (r != NULL && --r->h.ref == 0)
    g_free (r);
}

VmContentLit *
vmemu_content_lit_new (const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  VmContentLit *l = g_malloc (sizeof (VmContentLit) + (len ? len : 1));
  l->h.ref = 1;
  l->len = len;
  if (len)
    memcpy (l->data, data, len);
  return l;
}

void
vmemu_content_lit_unref (VmContentLit *l)
{
  if (l != NULL && --l->h.ref == 0)
    g_free (l);
}

/* ---------------------------------------------------- xoshiro256** jump --- */

/* A 256-bit xoshiro state as a vector over GF(2): bit 64 * w + b is bit b of
 * s[w].  One step (the state update of vmemu_rng_next, its output aside) is
 * linear in it, so n steps are the matrix T^n.  Matrices are stored by
 * column: col[j] = M e_j, and M v is the XOR of the columns of v's set bits. */
typedef struct {
  guint64 w[4];
} V256;

typedef struct {
  V256 col[256];
} M256;

#define JUMP_LEVELS 64
static M256 *jump_table;   /* [k] = T^(2^k), built once */

/* One step of the generator: vmemu_rng_next's state update, its output
 * discarded (the transition is defined once, in engine/sim). */
static void
step (guint64 *s)
{
  VmemuRng r;
  memcpy (r.s, s, sizeof r.s);
  (void) vmemu_rng_next (&r);
  memcpy (s, r.s, sizeof r.s);
}

static V256
apply (const M256 *m, const V256 *v)
{
  V256 r = { { 0, 0, 0, 0 } };
  for (guint w = 0; w < 4; w++)
    for (guint64 bits = v->w[w]; bits; bits &= bits - 1)
      {
        const V256 *c = &m->col[w * 64 + (guint) __builtin_ctzll (bits)];
        r.w[0] ^= c->w[0];
        r.w[1] ^= c->w[1];
        r.w[2] ^= c->w[2];
        r.w[3] ^= c->w[3];
      }
  return r;
}

static M256 *
build_jump_table (void)
{
  M256 *t = g_new (M256, JUMP_LEVELS);
  for (guint j = 0; j < 256; j++)
    {
      V256 e = { { 0, 0, 0, 0 } };
      e.w[j / 64] = G_GUINT64_CONSTANT (1) << (j % 64);
      step (e.w);
      t[0].col[j] = e;
    }
  for (guint k = 1; k < JUMP_LEVELS; k++)
    for (guint j = 0; j < 256; j++)
      t[k].col[j] = apply (&t[k - 1], &t[k - 1].col[j]);
  return t;
}

static const M256 *
jump_levels (void)
{
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      jump_table = build_jump_table ();
      g_once_init_leave (&once, 1);
    }
  return jump_table;
}

void
vmemu_content_rng_jump (VmemuRng *rng, guint64 n)
{
  g_return_if_fail (rng != NULL);
  if (n < 256)
    {
      /* a few steps cost less than one matrix product */
      for (guint64 i = 0; i < n; i++)
        step (rng->s);
      return;
    }
  const M256 *t = jump_levels ();
  V256 v = { { rng->s[0], rng->s[1], rng->s[2], rng->s[3] } };
  for (guint k = 0; n; k++, n >>= 1)
    if (n & 1)
      v = apply (&t[k], &v);
  memcpy (rng->s, v.w, sizeof v.w);
}

/* ------------------------------------------------------------ descriptors --- */

static gboolean
gen_uses_goff (guint8 gen)
{
  return gen != VMEMU_GEN_ZERO && gen != VMEMU_GEN_BYTE;
}

VmContentDesc
vmemu_content_desc_advance (const VmContentDesc *d, guint64 n)
{
  VmContentDesc r = *d;
  if (gen_uses_goff (d->gen))
    r.goff += n;
  return r;
}

gboolean
vmemu_content_desc_same (const VmContentDesc *a, const VmContentDesc *b)
{
  /* ZERO and BYTE 0 never differ: vmemu_content_desc_byte (0) is ZERO, and
   * the store never holds a BYTE 0 extent */
  return a->gen == b->gen && a->key == b->key && a->src == b->src && a->goff == b->goff;
}

/* byte (o % 8) of mix64 (key + o / 8): the seeded write pattern, whose bytes
 * do not depend on how a write is cut into pages. */
static void
fill_mix64 (guint64 key, guint64 goff, guint8 *buf, gsize len)
{
  gsize i = 0;
  while (i < len)
    {
      guint64 o = goff + i;
      guint64 w = vmemu_mix64 (key + (o >> 3));
      if ((o & 7) == 0 && len - i >= 8)
        {
          guint64 le = GUINT64_TO_LE (w);   /* same bytes on any host */
          memcpy (buf + i, &le, 8);
          i += 8;
          continue;
        }
      for (guint b = (guint) (o & 7); b < 8 && i < len; b++, i++)
        buf[i] = (guint8) (w >> (8 * b));
    }
}

/* Bytes goff.. of a file's initial random content: one byte per output, its
 * top byte, from the state saved where the file's draws began. */
static void
fill_rng (const VmContentRng *r, guint64 goff, guint8 *buf, gsize len)
{
  VmemuRng s = r->s0;
  vmemu_content_rng_jump (&s, goff);
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) (vmemu_rng_next (&s) >> 56);
}

void
vmemu_content_desc_fill (const VmContentDesc *d, guint8 *buf, gsize len)
{
  g_return_if_fail (d != NULL && (buf != NULL || len == 0));
  switch (d->gen)
    {
    case VMEMU_GEN_ZERO:
      memset (buf, 0, len);
      break;
    case VMEMU_GEN_BYTE:
      memset (buf, (int) d->key, len);
      break;
    case VMEMU_GEN_MIX64:
      fill_mix64 (d->key, d->goff, buf, len);
      break;
    case VMEMU_GEN_FSX:
      vmemu_fsx_pattern_fill (d->src, (guint32) d->key, d->goff, buf, len);
      break;
    case VMEMU_GEN_RNG:
      fill_rng (d->src, d->goff, buf, len);
      break;
    case VMEMU_GEN_LITERAL:
      {
        const VmContentLit *l = d->src;
        g_return_if_fail (d->goff <= l->len && len <= l->len - d->goff);
        memcpy (buf, l->data + d->goff, len);
        break;
      }
    default:
      g_return_if_reached ();
    }
}

guint8
vmemu_content_desc_byte_at (const VmContentDesc *d, guint64 i)
{
  VmContentDesc a = vmemu_content_desc_advance (d, i);
  guint8 b;
  vmemu_content_desc_fill (&a, &b, 1);
  return b;
}

VmContentDesc
vmemu_content_desc_norm (const VmContentDesc *d)
{
  if (d->gen == VMEMU_GEN_ZERO || (d->gen == VMEMU_GEN_BYTE && (d->key & 0xff) == 0))
    return vmemu_content_desc_zero ();
  if (d->gen == VMEMU_GEN_BYTE)
    return vmemu_content_desc_byte ((guint8) d->key);
  return *d;
}

void
vmemu_content_src_ref (const VmContentDesc *d)
{
  if (d->gen == VMEMU_GEN_RNG || d->gen == VMEMU_GEN_LITERAL)
    ((SrcHead *) d->src)->ref++;
}

void
vmemu_content_src_unref (const VmContentDesc *d)
{
  if (d->gen == VMEMU_GEN_RNG)
    vmemu_content_rng_unref ((VmContentRng *) d->src);
  else if (d->gen == VMEMU_GEN_LITERAL)
    vmemu_content_lit_unref ((VmContentLit *) d->src);
}
