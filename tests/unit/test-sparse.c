/* test-sparse.c — the oracle's range map: random operations against a flat
 * reference array, and one range as large as the space.  (The byte store it
 * once held is engine/content: test-content.c.) */
#include "engine/model/sparse.h"

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sparse/ranges", test_ranges);
  return g_test_run ();
}
