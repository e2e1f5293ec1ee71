/* test-content.c — contents by reference (engine/content): each generator
 * against the byte formula it stands for, the xoshiro256** jump against
 * stepping, hand-picked extent edges (split, trim, merge, copy onto itself),
 * the equality rule (equal bytes from different generators are equal), and
 * random operations against a flat reference array. */
#include <string.h>

#include "engine/content/content.h"

/* ---- generators ---- */

static void
test_mix64_bytes (void)
{
  /* byte o is byte (o % 8) of mix64 (key + o / 8), little endian, however
   * the run is cut */
  guint64 key = 0x1234567890abcdefull;
  guint8 whole[64], part[64];
  VmContentDesc d = vmemu_content_desc_mix64 (key, 13);
  vmemu_content_desc_fill (&d, whole, sizeof whole);
  for (guint i = 0; i < 64; i++)
    {
      guint64 o = 13 + i;
      g_assert_cmpuint (whole[i], ==, (guint8) (vmemu_mix64 (key + o / 8) >> (8 * (o % 8))));
    }
  for (guint cut = 1; cut < 64; cut += 7)
    {
      VmContentDesc a = vmemu_content_desc_mix64 (key, 13);
      VmContentDesc b = vmemu_content_desc_advance (&a, cut);
      vmemu_content_desc_fill (&a, part, cut);
      vmemu_content_desc_fill (&b, part + cut, 64 - cut);
      g_assert_cmpmem (part, 64, whole, 64);
    }
}

static void
test_fsx_bytes (void)
{
  g_autoptr (VmemuFsxPattern) p = vmemu_fsx_pattern_new (42, 1000);
  guint8 want[300], got[300];
  vmemu_fsx_pattern_fill (p, 259, 700, want, sizeof want);
  VmContentDesc d = vmemu_content_desc_fsx (p, 259, 700);
  vmemu_content_desc_fill (&d, got, sizeof got);
  g_assert_cmpmem (got, sizeof got, want, sizeof want);
  /* ops 256 apart write the same bytes: the same descriptor */
  VmContentDesc e = vmemu_content_desc_fsx (p, 3, 700);
  g_assert_true (vmemu_content_desc_same (&d, &e));
}

static void
test_rng_jump (void)
{
  static const guint64 ns[] = { 0, 1, 2, 255, 256, 257, 1000, 65536, 1234567 };
  for (guint k = 0; k < G_N_ELEMENTS (ns); k++)
    {
      VmemuRng a, b;
      vmemu_rng_init (&a, 99 + k);
      b = a;
      for (guint64 i = 0; i < ns[k]; i++)
        vmemu_rng_next (&a);
      vmemu_content_rng_jump (&b, ns[k]);
      g_assert_cmpmem (a.s, sizeof a.s, b.s, sizeof b.s);
      g_assert_cmpuint (vmemu_rng_next (&a), ==, vmemu_rng_next (&b));
    }
  /* jumps compose: 2^40 + 3 in two pieces and in one */
  VmemuRng x, y;
  vmemu_rng_init (&x, 7);
  y = x;
  vmemu_content_rng_jump (&x, G_GUINT64_CONSTANT (1) << 40);
  vmemu_content_rng_jump (&x, 3);
  vmemu_content_rng_jump (&y, (G_GUINT64_CONSTANT (1) << 40) + 3);
  g_assert_cmpmem (x.s, sizeof x.s, y.s, sizeof y.s);
}

static void
test_rng_bytes (void)
{
  /* a random run is the sequential stream's top bytes, from any offset */
  VmemuRng s;
  vmemu_rng_init (&s, 5);
  g_autoptr (VmContentRng) r = vmemu_content_rng_new (&s);
  guint8 want[5000], got[1000];
  for (guint i = 0; i < sizeof want; i++)
    want[i] = (guint8) (vmemu_rng_next (&s) >> 56);
  VmContentDesc d = vmemu_content_desc_rng (r, 3333);
  vmemu_content_desc_fill (&d, got, sizeof got);
  g_assert_cmpmem (got, sizeof got, want + 3333, sizeof got);
  g_assert_cmpuint (vmemu_content_desc_byte_at (&d, 17), ==, want[3350]);
}

/* ---- the store ---- */

static void
test_split_merge (void)
{
  g_autoptr (VmContent) c = vmemu_content_new (0);
  VmContentDesc d = vmemu_content_desc_mix64 (1, 0);
  vmemu_content_fill (c, 0, 8192, &d);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 1);
  g_assert_cmpuint (vmemu_content_size (c), ==, 8192);
  /* a write inside splits the run in three */
  VmContentDesc b = vmemu_content_desc_byte (0xaa);
  vmemu_content_fill (c, 100, 50, &b);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 3);
  vmemu_content_check (c);
  /* writing the first run's bytes back merges it into one again */
  VmContentDesc back = vmemu_content_desc_mix64 (1, 100);
  vmemu_content_fill (c, 100, 50, &back);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 1);
  /* zeros are holes */
  vmemu_content_zero (c, 0, 4096);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 1);
  g_assert_cmpuint (vmemu_content_byte (c, 10), ==, 0);
  VmContentDesc z = vmemu_content_desc_byte (0);
  vmemu_content_fill (c, 5000, 10, &z);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 2);
  /* a copy of descriptors, onto itself and overlapping */
  vmemu_content_copy (c, 4000, c, 4096, 4096);
  g_assert_cmpuint (vmemu_content_size (c), ==, 8192);
  vmemu_content_check (c);
  guint64 off = 0, n;
  VmContentDesc got;
  g_assert_true (vmemu_content_next (c, &off, &n, G_MAXUINT64, &got));
  g_assert_cmpuint (off, ==, 4000);
  g_assert_cmpuint (got.gen, ==, VMEMU_GEN_MIX64);
  g_assert_cmpuint (got.goff, ==, 4096);
  /* shrinking drops, growing reads zero */
  vmemu_content_set_size (c, 4001);
  vmemu_content_set_size (c, 9000);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 1);
  g_assert_cmpuint (vmemu_content_byte (c, 4001), ==, 0);
  vmemu_content_check (c);
}

static void
test_equal_rule (void)
{
  /* equal bytes count as equal whichever writes produced them */
  g_autoptr (VmContent) a = vmemu_content_new (0);
  g_autoptr (VmContent) b = vmemu_content_new (0);
  VmContentDesc x = vmemu_content_desc_byte (0x41);
  guint8 lit[300];
  memset (lit, 0x41, sizeof lit);
  vmemu_content_fill (a, 0, 300, &x);
  vmemu_content_write (b, 0, lit, 300);
  g_assert_true (vmemu_content_equal (a, 0, b, 0, 300));
  guint64 pos = 0, n;
  g_assert_true (vmemu_content_diff_next (a, 0, b, 0, 300, &pos, &n));   /* bytes compared */
  g_assert_cmpuint (pos, ==, 0);
  g_assert_cmpuint (n, ==, 300);
  lit[299] = 0;
  vmemu_content_write (b, 0, lit, 300);
  g_assert_false (vmemu_content_equal (a, 0, b, 0, 300));
  g_assert_true (vmemu_content_equal (a, 0, b, 0, 299));
  /* one run at another place in each store: equal by descriptor alone */
  g_autoptr (VmContent) c = vmemu_content_new (0);
  VmContentDesc m = vmemu_content_desc_mix64 (9, 0);
  vmemu_content_fill (a, 1000, 5000, &m);
  vmemu_content_copy (c, 77, a, 2000, 1000);
  pos = 0;
  g_assert_false (vmemu_content_diff_next (a, 2000, c, 77, 1000, &pos, &n));
  g_assert_true (vmemu_content_equal (a, 2000, c, 77, 1000));
  g_assert_false (vmemu_content_equal (a, 2001, c, 77, 1000));
  /* NULL is an empty store */
  g_assert_true (vmemu_content_equal (NULL, 0, c, 0, 77));
  g_assert_false (vmemu_content_equal (NULL, 0, c, 0, 78));
}

/* Random operations against a flat array. */
#define FLAT 20000

static VmContentDesc
random_desc (VmemuRng *r, const VmemuFsxPattern *p, const VmContentRng *rs, guint8 *lit_buf,
             VmContentLit **lit)
{
  guint64 goff = vmemu_rng_below (r, 3000);
  switch (vmemu_rng_below (r, 6))
    {
    case 0:
      return vmemu_content_desc_zero ();
    case 1:
      return vmemu_content_desc_byte ((guint8) vmemu_rng_below (r, 3));
    case 2:
      return vmemu_content_desc_mix64 (vmemu_rng_below (r, 3), goff);
    case 3:
      return vmemu_content_desc_fsx (p, (guint32) vmemu_rng_below (r, 600), goff);
    case 4:
      return vmemu_content_desc_rng (rs, goff);
    default:
      for (guint i = 0; i < FLAT; i++)
        lit_buf[i] = (guint8) vmemu_rng_below (r, 2);
      *lit = vmemu_content_lit_new (lit_buf, FLAT);
      return vmemu_content_desc_lit (*lit, vmemu_rng_below (r, 100));
    }
}

static void
random_vs_flat (guint shift)
{
  VmemuRng r;
  vmemu_rng_init (&r, 2026 + shift);
  g_autoptr (VmemuFsxPattern) p = vmemu_fsx_pattern_new (1, 5000);
  g_autoptr (VmContentRng) rs = vmemu_content_rng_new (&r);
  g_autoptr (VmContent) c = vmemu_content_new_segmented (0, shift);
  g_autoptr (VmContent) c2 = vmemu_content_new_segmented (0, shift + 1);
  g_autofree guint8 *flat = g_malloc0 (FLAT * 2);
  g_autofree guint8 *got = g_malloc0 (FLAT * 2);
  g_autofree guint8 *lit_buf = g_malloc0 (FLAT);
  guint64 size = 0;
  for (guint step = 0; step < 3000; step++)
    {
      guint64 off = vmemu_rng_below (&r, FLAT), len = vmemu_rng_below (&r, 600);
      len = MIN (len, FLAT - off);
      switch (vmemu_rng_below (&r, 5))
        {
        case 0:
        case 1:
          {
            VmContentLit *lit = NULL;
            VmContentDesc d = random_desc (&r, p, rs, lit_buf, &lit);
            vmemu_content_fill (c, off, len, &d);
            vmemu_content_desc_fill (&d, flat + off, len);
            vmemu_content_lit_unref (lit);   /* the store holds its own reference */
            size = MAX (size, off + len);
            break;
          }
        case 2:
          vmemu_content_zero (c, off, len);
          if (off < size)
            memset (flat + off, 0, MIN (len, size - off));
          break;
        case 3:
          {
            guint64 src = vmemu_rng_below (&r, FLAT - len + 1);
            memmove (flat + off, flat + src, len);
            vmemu_content_copy (c, off, c, src, len);
            size = MAX (size, off + len);
            break;
          }
        default:
          {
            guint64 s = vmemu_rng_below (&r, FLAT);
            vmemu_content_set_size (c, s);
            if (s < size)
              memset (flat + s, 0, size - s);
            size = s;
          }
        }
      vmemu_content_check (c);
      g_assert_cmpuint (vmemu_content_size (c), ==, size);
      vmemu_content_read (c, 0, FLAT * 2, got);
      g_assert_cmpmem (got, FLAT * 2, flat, FLAT * 2);
      if (step % 50 == 0)
        {
          /* a copy compares equal; a changed copy does not */
          vmemu_content_copy (c2, 0, c, 0, FLAT);
          g_assert_true (vmemu_content_equal (c, 0, c2, 0, FLAT));
          guint64 at = vmemu_rng_below (&r, FLAT);
          VmContentDesc b = vmemu_content_desc_byte ((guint8) (flat[at] + 1));
          vmemu_content_fill (c2, at, 1, &b);
          g_assert_false (vmemu_content_equal (c, 0, c2, 0, FLAT));
          g_assert_true (vmemu_content_equal (c, 0, c2, 0, at));
        }
    }
  g_autoptr (VmContent) d = vmemu_content_dup (c);
  g_assert_true (vmemu_content_equal (c, 0, d, 0, FLAT * 2));
  vmemu_content_check (d);
  /* a store moved onto itself by a whole segment and more */
  vmemu_content_copy (c, 3000, c, 100, FLAT - 3000);
  memmove (flat + 3000, flat + 100, FLAT - 3000);
  vmemu_content_check (c);
  vmemu_content_read (c, 0, FLAT, got);
  g_assert_cmpmem (got, FLAT, flat, FLAT);
}

static void
test_random_vs_flat (void)
{
  random_vs_flat (20);   /* one segment */
}

static void
test_random_vs_flat_segmented (void)
{
  random_vs_flat (6);    /* 64-byte segments: runs cross hundreds of them */
}

static void
test_segments_far (void)
{
  /* a run over many segments, a punch in the middle, offsets near 2^64 */
  g_autoptr (VmContent) c = vmemu_content_new_segmented (0, 12);
  VmContentDesc d = vmemu_content_desc_mix64 (3, 0);
  vmemu_content_fill (c, 100, 1 << 20, &d);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 257);
  vmemu_content_zero (c, 5000, 100000);
  vmemu_content_check (c);
  guint8 b[64], w[64];
  vmemu_content_read (c, 200000, 64, b);
  VmContentDesc at = vmemu_content_desc_advance (&d, 200000 - 100);
  vmemu_content_desc_fill (&at, w, 64);
  g_assert_cmpmem (b, 64, w, 64);
  g_assert_cmpuint (vmemu_content_byte (c, 6000), ==, 0);
  guint64 far = G_MAXUINT64 - 10000;
  VmContentDesc x = vmemu_content_desc_byte (7);
  vmemu_content_fill (c, far, 5000, &x);
  vmemu_content_check (c);
  g_assert_cmpuint (vmemu_content_byte (c, far + 4999), ==, 7);
  g_assert_cmpuint (vmemu_content_byte (c, far + 5000), ==, 0);
  guint64 o = far - 1, n;
  VmContentDesc got;
  g_assert_true (vmemu_content_next (c, &o, &n, G_MAXUINT64, &got));
  g_assert_cmpuint (o, ==, far);
  vmemu_content_set_size (c, 50);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 0);
  vmemu_content_check (c);
}

static void
test_reset (void)
{
  /* a reset store (several segments) reads as a new one of its new size,
   * and takes writes again */
  g_autoptr (VmContent) c = vmemu_content_new_segmented (0, 12);
  VmContentDesc d = vmemu_content_desc_mix64 (9, 0);
  vmemu_content_fill (c, 100, 20000, &d);
  g_assert_cmpuint (vmemu_content_extents (c), >, 1);
  vmemu_content_reset (c, 5000);
  g_assert_cmpuint (vmemu_content_size (c), ==, 5000);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 0);
  vmemu_content_check (c);
  g_autoptr (VmContent) z = vmemu_content_new (5000);
  g_assert_true (vmemu_content_equal (c, 0, z, 0, 5000));
  vmemu_content_fill (c, 4000, 9000, &d);
  g_autoptr (VmContent) fresh = vmemu_content_new_segmented (0, 12);
  vmemu_content_fill (fresh, 4000, 9000, &d);
  g_assert_cmpuint (vmemu_content_extents (c), ==, vmemu_content_extents (fresh));
  g_assert_true (vmemu_content_equal (c, 0, fresh, 0, 13000));
}

static void
test_view (void)
{
  /* a stack view of one run reads like a store holding it */
  VmContentView v;
  VmContentDesc d = vmemu_content_desc_mix64 (5, 4096);
  const VmContent *c = vmemu_content_view (&v, 4096, &d);
  g_autoptr (VmContent) s = vmemu_content_new (4096);
  vmemu_content_fill (s, 0, 4096, &d);
  g_assert_cmpuint (vmemu_content_extents (c), ==, 1);
  g_assert_true (vmemu_content_equal (c, 0, s, 0, 4096));
  guint64 pos = 0, n;
  g_assert_false (vmemu_content_diff_next (c, 0, s, 0, 4096, &pos, &n));
  VmContentDesc got;
  g_assert_true (vmemu_content_single (s, &got));
  g_assert_true (vmemu_content_desc_same (&got, &d));
  vmemu_content_zero (s, 10, 1);
  g_assert_false (vmemu_content_single (s, &got));
  vmemu_content_zero (s, 0, 4096);
  g_assert_true (vmemu_content_single (s, &got));
  g_assert_cmpuint (got.gen, ==, VMEMU_GEN_ZERO);
  VmContentDesc z = vmemu_content_desc_zero ();
  g_assert_cmpuint (vmemu_content_extents (vmemu_content_view (&v, 4096, &z)), ==, 0);
  /* a partial run is not single */
  vmemu_content_fill (s, 0, 100, &d);
  g_assert_false (vmemu_content_single (s, &got));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/content/mix64-bytes", test_mix64_bytes);
  g_test_add_func ("/content/fsx-bytes", test_fsx_bytes);
  g_test_add_func ("/content/rng-jump", test_rng_jump);
  g_test_add_func ("/content/rng-bytes", test_rng_bytes);
  g_test_add_func ("/content/split-merge", test_split_merge);
  g_test_add_func ("/content/equal-rule", test_equal_rule);
  g_test_add_func ("/content/random-vs-flat", test_random_vs_flat);
  g_test_add_func ("/content/random-vs-flat-segmented", test_random_vs_flat_segmented);
  g_test_add_func ("/content/segments-far", test_segments_far);
  g_test_add_func ("/content/reset", test_reset);
  g_test_add_func ("/content/view", test_view);
  return g_test_run ();
}
