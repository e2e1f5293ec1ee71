/* test-sparse.c — the oracle's range map: random operations against a flat
 * reference array, and one range as large as the space.  (The byte store it
 * once held is engine/content: test-content.c.) */
#include "engine/model/sparse.h"

#include <string.h>

#define TIB (G_GUINT64_CONSTANT (1) << 40)

static void
test_ranges (void)
{
  enum { N = 300 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autoptr (VmRanges) r = vm_ranges_new ();
  guint32 ref[N] = { 0 };
  for (guint it = 0; it < 3000; it++)
    {
      guint64 a = g_rand_int_range (rand, 0, N), b = g_rand_int_range (rand, 0, N + 1);
      guint32 v = g_rand_int_range (rand, 0, 4) ? it + 1 : 0;
      vm_ranges_set (r, a, b, v);
      for (guint64 i = a; i < b; i++)
        ref[i] = v;
      for (guint i = 0; i < N; i++)
        g_assert_cmpuint (vm_ranges_get (r, i), ==, ref[i]);
      /* next walks the non-zero intervals in order, clipped to the range */
      guint64 lo = g_rand_int_range (rand, 0, N), hi = g_rand_int_range (rand, 0, N + 1);
      guint64 p = lo, stop, expect = lo;
      guint32 val;
      while (vm_ranges_next (r, &p, &stop, hi, &val))
        {
          for (; expect < p; expect++)
            g_assert_cmpuint (ref[expect], ==, 0);
          g_assert_cmpuint (p, <, stop);
          g_assert_cmpuint (stop, <=, hi);
          for (; expect < stop; expect++)
            g_assert_cmpuint (ref[expect], ==, val);
          p = stop;
        }
      for (; expect < hi; expect++)
        g_assert_cmpuint (ref[expect], ==, 0);
    }
  /* a range as large as the space costs one interval */
  g_autoptr (VmRanges) big = vm_ranges_new ();
  vm_ranges_set (big, 0, G_MAXUINT64, 5);
  vm_ranges_set (big, TIB, TIB + 1, 6);
  g_assert_cmpuint (vm_ranges_count (big), ==, 3);
  g_assert_cmpuint (vm_ranges_get (big, TIB), ==, 6);
  g_assert_cmpuint (vm_ranges_get (big, TIB + 1), ==, 5);
  g_assert_cmpuint (vm_ranges_get (big, G_MAXUINT64), ==, 0);
}

/* ---- the extent map (VmBmap), the XFS data fork's ---- */

/* The data fork's rule: types 2 and 3 (unwritten, written) advance their
 * device block (value >> 2) with the key, type 1 (delalloc) does not. */
static guint64
bstep (guint64 v)
{
  return (v & 3) >= 2 ? 4 : 0;
}

#define BN 20000u   /* keys: spans several 4096-key segments */

static guint64
ref_value (guint64 type, guint64 pblk)
{
  return type == 0 ? 0 : (pblk << 2) | type;
}

/* The map against a plain array, key by key, after every change. */
static void
bmap_check (const VmBmap *b, const guint64 *ref)
{
  for (guint64 k = 0; k < BN + 64; k++)
    g_assert_cmpuint (vm_bmap_get (b, k), ==, k < BN ? ref[k] : 0);
  /* next() walks exactly the non-zero keys, in order, as runs of the rule */
  guint64 k = 0, len, v, expect = 0;
  while (vm_bmap_next (b, &k, &len, &v))
    {
      for (; expect < k; expect++)
        g_assert_cmpuint (ref[expect], ==, 0);
      g_assert_cmpuint (len, >, 0);
      g_assert_cmpuint (k / VM_BMAP_SEG, ==, (k + len - 1) / VM_BMAP_SEG);
      for (guint64 i = 0; i < len; i++, expect++)
        g_assert_cmpuint (ref[expect], ==, v + i * bstep (v));
      k += len;
    }
  for (; expect < BN; expect++)
    g_assert_cmpuint (ref[expect], ==, 0);
}

static void
test_bmap (void)
{
  g_autoptr (VmBmap) b = vm_bmap_new (bstep);
  g_autofree guint64 *ref = g_new0 (guint64, BN);
  g_autofree guint64 *tmp = g_new0 (guint64, BN);
  GRand *rng = g_rand_new_with_seed (15);

  /* a file set up contiguously is one extent a segment, whatever its size */
  for (guint64 k = 0; k < BN; k++)
    vm_bmap_set (b, k, 1, ref[k] = ref_value (3, 1000 + k));
  g_assert_cmpuint (vm_bmap_count (b), ==, (BN + VM_BMAP_SEG - 1) / VM_BMAP_SEG);
  bmap_check (b, ref);
  /* delalloc (step 0) merges only with equal values */
  vm_bmap_set (b, 100, 50, ref_value (1, 0));
  for (guint64 k = 100; k < 150; k++)
    ref[k] = ref_value (1, 0);
  bmap_check (b, ref);
  /* writing back the values a key already had leaves one extent again */
  vm_bmap_set (b, 100, 50, ref_value (3, 1100));
  for (guint64 k = 100; k < 150; k++)
    ref[k] = ref_value (3, 1000 + k);
  g_assert_cmpuint (vm_bmap_count (b), ==, (BN + VM_BMAP_SEG - 1) / VM_BMAP_SEG);

  for (guint round = 0; round < 400; round++)
    {
      guint op = g_rand_int_range (rng, 0, 10);
      guint64 start = g_rand_int_range (rng, 0, BN), len = g_rand_int_range (rng, 1, 300);
      len = MIN (len, BN - start);
      if (op < 7)
        {
          /* set a run: a hole, delalloc, or blocks from a random pblk */
          guint64 type = g_rand_int_range (rng, 0, 4), pblk = g_rand_int_range (rng, 0, 5000);
          guint64 v = ref_value (type, type == 1 ? 0 : pblk);
          vm_bmap_set (b, start, len, v);
          for (guint64 i = 0; i < len; i++)
            ref[start + i] = v == 0 ? 0 : v + i * bstep (v);
        }
      else
        {
          /* shift everything from `start` up or down by len (the top
           * `len` keys are cleared first so nothing leaves the array) */
          gboolean up = op < 9;
          if (!up && start < len)
            start = len;
          vm_bmap_set (b, BN - len, len, 0);
          for (guint64 k = BN - len; k < BN; k++)
            ref[k] = 0;
          vm_bmap_shift (b, start, len, up);
          memcpy (tmp, ref, BN * sizeof *ref);
          if (up)
            {
              for (guint64 k = start; k < BN; k++)
                ref[k] = k < start + len ? 0 : tmp[k - len];
            }
          else
            {
              for (guint64 k = start - len; k < BN; k++)
                ref[k] = k + len < BN && k >= start - len ? tmp[k + len] : 0;
            }
        }
      bmap_check (b, ref);
    }
  g_rand_free (rng);
  /* emptied, it holds nothing and no segments past the first */
  vm_bmap_set (b, 0, BN, 0);
  g_assert_cmpuint (vm_bmap_count (b), ==, 0);
  g_assert_cmpuint (vm_bmap_memory_bytes (b), <, 4096);
  /* keys far out (a sparse 64-bit space) */
  vm_bmap_set (b, G_GUINT64_CONSTANT (1) << 40, 3, ref_value (3, 7));
  guint64 k = 5, len, v;
  g_assert_true (vm_bmap_next (b, &k, &len, &v));
  g_assert_cmpuint (k, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (len, ==, 3);
  g_assert_cmpuint (vm_bmap_get (b, k + 2), ==, ref_value (3, 9));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sparse/ranges", test_ranges);
  g_test_add_func ("/sparse/bmap", test_bmap);
  return g_test_run ();
}
