/* test-sparse.c — the oracle's sparse byte store and range map: hand-picked
 * edges (chunk boundaries, zero writes, truncate inside a chunk, moves,
 * offsets near 1 TiB) and random operations against flat reference arrays. */
#include <string.h>

#include "engine/model/sparse.h"

#define TIB (G_GUINT64_CONSTANT (1) << 40)
#define C ((guint64) VM_SPARSE_CHUNK)

static void
fill (guint8 *b, gsize n, guint8 seed)
{
  for (gsize i = 0; i < n; i++)
    b[i] = (guint8) (seed + i * 7 + 1) | 1;   /* never zero */
}

static void
test_chunk_boundaries (void)
{
  g_autoptr (VmSparse) s = vm_sparse_new ();
  guint8 w[100], r[300];
  fill (w, sizeof w, 3);
  vm_sparse_write (s, C - 50, w, 100);   /* straddles chunks 0 and 1 */
  g_assert_cmpuint (vm_sparse_size (s), ==, C + 50);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 2);
  vm_sparse_read (s, C - 100, 300, r);   /* reads past the size as zero */
  for (guint i = 0; i < 50; i++)
    g_assert_cmpuint (r[i], ==, 0);
  g_assert_cmpmem (r + 50, 100, w, 100);
  for (guint i = 150; i < 300; i++)
    g_assert_cmpuint (r[i], ==, 0);
  g_assert_true (vm_sparse_equal (s, C - 100, 300, r));
  r[150] = 1;
  g_assert_false (vm_sparse_equal (s, C - 100, 300, r));
  g_assert_true (vm_sparse_equal (s, 0, C - 50, NULL));
  g_assert_false (vm_sparse_equal (s, 0, C - 49, NULL));
  g_assert_cmpuint (vm_sparse_byte (s, C), ==, w[50]);
}

static void
test_zero_writes (void)
{
  g_autoptr (VmSparse) s = vm_sparse_new ();
  guint8 z[3 * VM_SPARSE_CHUNK] = { 0 };
  vm_sparse_write (s, 10, z, sizeof z);
  g_assert_cmpuint (vm_sparse_size (s), ==, 10 + sizeof z);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 0);   /* zeros take no chunk */
  guint8 w[10];
  fill (w, sizeof w, 9);
  vm_sparse_write (s, C + 5, w, sizeof w);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 1);
  vm_sparse_write (s, C, z, 100);   /* zeros over a stored chunk are stored */
  g_assert_true (vm_sparse_equal (s, 0, vm_sparse_size (s), NULL));
  /* punch: whole chunks freed, partial ones zeroed */
  fill (z, sizeof z, 1);
  vm_sparse_write (s, 0, z, sizeof z);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 3);
  vm_sparse_zero (s, 100, 2 * C);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 2);
  g_assert_true (vm_sparse_equal (s, 100, 2 * C, NULL));
  g_assert_cmpuint (vm_sparse_byte (s, 99), ==, z[99]);
  g_assert_cmpuint (vm_sparse_byte (s, 2 * C + 100), ==, z[2 * C + 100]);
  /* zero past the size changes nothing, not even the size */
  guint64 size = vm_sparse_size (s);
  vm_sparse_zero (s, size, 100);
  vm_sparse_zero (s, size - 1, 100);
  g_assert_cmpuint (vm_sparse_size (s), ==, size);
}

static void
test_truncate_inside_chunk (void)
{
  g_autoptr (VmSparse) s = vm_sparse_new ();
  guint8 w[2 * VM_SPARSE_CHUNK];
  fill (w, sizeof w, 5);
  vm_sparse_write (s, 0, w, sizeof w);
  vm_sparse_set_size (s, C + 17);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 2);
  vm_sparse_set_size (s, 3 * C);   /* grown again: the cut bytes read as zero */
  g_assert_true (vm_sparse_equal (s, C + 17, 2 * C - 17, NULL));
  g_assert_cmpuint (vm_sparse_byte (s, C + 16), ==, w[C + 16]);
  vm_sparse_set_size (s, C);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 1);
  vm_sparse_set_size (s, 0);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 0);
}

static void
test_move (void)
{
  enum { N = 5 * VM_SPARSE_CHUNK };
  g_autoptr (VmSparse) s = vm_sparse_new ();
  guint8 ref[N] = { 0 }, r[N];
  fill (ref + 100, 3000, 1);
  fill (ref + 2 * C + 7, 2 * C, 2);
  vm_sparse_set_size (s, N);
  vm_sparse_write (s, 100, ref + 100, 3000);
  vm_sparse_write (s, 2 * C + 7, ref + 2 * C + 7, 2 * C);
  /* collapse 1536 bytes at 512, insert 1024 at 3 * 1024: as memmove */
  memmove (ref + 512, ref + 512 + 1536, N - 512 - 1536);
  vm_sparse_move (s, 512, 512 + 1536, N - 512 - 1536);
  vm_sparse_read (s, 0, N, r);
  g_assert_cmpmem (r, N, ref, N);
  memmove (ref + 3072 + 1024, ref + 3072, N - 3072 - 1024);
  vm_sparse_move (s, 3072 + 1024, 3072, N - 3072 - 1024);
  vm_sparse_read (s, 0, N, r);
  g_assert_cmpmem (r, N, ref, N);
  g_assert_cmpuint (vm_sparse_size (s), ==, N);
}

static void
test_near_1tib (void)
{
  g_autoptr (VmSparse) s = vm_sparse_new ();
  g_autoptr (VmSparse) d = vm_sparse_new ();
  guint8 w[64], r[64];
  fill (w, sizeof w, 11);
  vm_sparse_set_size (s, TIB);
  vm_sparse_write (s, TIB - 32, w, 64);   /* grows past 1 TiB */
  vm_sparse_write (s, 1 << 30, w, 64);
  g_assert_cmpuint (vm_sparse_size (s), ==, TIB + 32);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 3);
  g_assert_true (vm_sparse_equal (s, 0, 1 << 30, NULL));   /* fast: only chunks count */
  g_assert_true (vm_sparse_equal (s, (1 << 30) + 64, TIB - 32 - (1 << 30) - 64, NULL));
  vm_sparse_read (s, TIB - 32, 64, r);
  g_assert_cmpmem (r, 64, w, 64);
  /* the stored extents, in order */
  guint64 o = 0, n, seen = 0;
  guint64 starts[4];
  while (vm_sparse_next (s, &o, &n, vm_sparse_size (s)))
    {
      g_assert_cmpuint (seen, <, 4);
      starts[seen++] = o;
      o += n;
    }
  g_assert_cmpuint (seen, ==, 3);
  g_assert_cmpuint (starts[0], ==, 1 << 30);
  g_assert_cmpuint (starts[1], ==, TIB - C);
  g_assert_cmpuint (starts[2], ==, TIB);
  /* a copy of the whole range and a move across 1 TiB cost the chunks only */
  vm_sparse_copy_range (d, s, 0, vm_sparse_size (s));
  g_assert_cmpuint (vm_sparse_chunks (d), ==, 3);
  vm_sparse_move (s, 0, 1 << 30, TIB + 32 - (1 << 30));
  vm_sparse_read (s, 0, 64, r);
  g_assert_cmpmem (r, 64, w, 64);
  vm_sparse_read (s, TIB - 32 - (1 << 30), 64, r);
  g_assert_cmpmem (r, 64, w, 64);
  g_assert_true (vm_sparse_equal (s, 64, TIB - 32 - (1 << 30) - 64, NULL));
  /* as memmove: the source's tail keeps its bytes */
  vm_sparse_read (s, TIB - 32, 64, r);
  g_assert_cmpmem (r, 64, w, 64);
  vm_sparse_zero (s, 0, TIB + 32);
  g_assert_cmpuint (vm_sparse_chunks (s), ==, 0);
}

/* Random writes, zeros, sizes and moves against a flat array. */
static void
test_random_vs_flat (void)
{
  enum { N = 9 * VM_SPARSE_CHUNK };
  g_autoptr (GRand) rand = g_rand_new_with_seed (42);
  g_autoptr (VmSparse) s = vm_sparse_new ();
  g_autofree guint8 *ref = g_malloc0 (N), *buf = g_malloc (N), *r = g_malloc (N);
  guint64 size = 0;
  for (guint it = 0; it < 4000; it++)
    {
      guint64 off = g_rand_int_range (rand, 0, N), len = g_rand_int_range (rand, 0, N - off + 1);
      switch (g_rand_int_range (rand, 0, 5))
        {
        case 0:
          fill (buf, len, (guint8) it);
          if (g_rand_boolean (rand))
            memset (buf, 0, len);
          vm_sparse_write (s, off, buf, len);
          memcpy (ref + off, buf, len);
          size = MAX (size, off + len);
          break;
        case 1:
          vm_sparse_zero (s, off, len);
          if (off < size)
            memset (ref + off, 0, MIN (len, size - off));
          break;
        case 2:
          vm_sparse_set_size (s, off);
          if (off < size)
            memset (ref + off, 0, size - off);
          size = off;
          break;
        case 3:
          {
            guint64 dst = g_rand_int_range (rand, 0, (gint32) size + 1);
            guint64 src = g_rand_int_range (rand, 0, (gint32) size + 1);
            guint64 n = size - MAX (dst, src);
            vm_sparse_move (s, dst, src, n);
            memmove (ref + dst, ref + src, n);
            break;
          }
        default:
          {
            gboolean eq = vm_sparse_equal (s, off, len, ref + off);
            g_assert_true (eq);
            if (len > 0)
              {
                ref[off] ^= 0x80;
                g_assert_false (vm_sparse_equal (s, off, len, ref + off));
                ref[off] ^= 0x80;
              }
          }
        }
      g_assert_cmpuint (vm_sparse_size (s), ==, size);
      vm_sparse_read (s, 0, N, r);
      g_assert_cmpmem (r, N, ref, N);
    }
}

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
  g_test_add_func ("/sparse/chunk-boundaries", test_chunk_boundaries);
  g_test_add_func ("/sparse/zero-writes-and-punch", test_zero_writes);
  g_test_add_func ("/sparse/truncate-inside-chunk", test_truncate_inside_chunk);
  g_test_add_func ("/sparse/move", test_move);
  g_test_add_func ("/sparse/near-1tib", test_near_1tib);
  g_test_add_func ("/sparse/random-vs-flat", test_random_vs_flat);
  g_test_add_func ("/sparse/ranges", test_ranges);
  return g_test_run ();
}
