/* fsx-pattern.c — glibc's TYPE_3 additive generator, cloned bit for bit, and
 * the data pattern fsx derives from it (gendata() in ltp/fsx.c).
 *
 * fsx fills original_buf from the C library generator, so predicting the
 * bytes of a real fsx run needs glibc's exact sequence; the engine may not
 * call the host's generator (it differs between C libraries), hence a clone.
 */
#include "engine/content/fsx-pattern.h"

#include <string.h>

#define GLIBC_DEG 31        /* TYPE_3 degree */
#define GLIBC_SEP 3         /* TYPE_3 separation */
#define GLIBC_DISCARD 310   /* srandom_r() throws away 10 * degree outputs */

struct _VmemuFsxPattern {
  guint32 seed;             /* fsx -S */
  guint64 length_bytes;     /* fsx -l */
  guint8 *original;         /* original_buf: length_bytes bytes */
};

/* MODELS: random_r(), glibc stdlib/random_r.c (TYPE_3 branch). */
guint32
vmemu_glibc_random (VmemuGlibcRandom *rnd)
{
  guint32 val;

  g_return_val_if_fail (rnd != NULL, 0);
  val = (guint32) rnd->r[rnd->f] + (guint32) rnd->r[rnd->b];
  rnd->r[rnd->f] = (gint32) val;
  if (++rnd->f >= GLIBC_DEG)
    {
      rnd->f = 0;
      ++rnd->b;
    }
  else if (++rnd->b >= GLIBC_DEG)
    rnd->b = 0;
  return val >> 1;
}

/* MODELS: srandom_r(), glibc stdlib/random_r.c.  The Lehmer step uses
 * Schrage's method on a signed 32-bit word exactly as glibc does, which
 * matters for seeds >= 2^31 (they start negative). */
void
vmemu_glibc_srandom (VmemuGlibcRandom *rnd, guint32 seed)
{
  gint32 word;

  g_return_if_fail (rnd != NULL);
  if (seed == 0)
    seed = 1;
  word = (gint32) seed;
  rnd->r[0] = word;
  for (guint i = 1; i < GLIBC_DEG; i++)
    {
      gint32 hi = word / 127773;
      gint32 lo = word % 127773;

      word = 16807 * lo - 2836 * hi;
      if (word < 0)
        word += 2147483647;
      rnd->r[i] = word;
    }
  rnd->f = GLIBC_SEP;
  rnd->b = 0;
  for (guint i = 0; i < GLIBC_DISCARD; i++)
    (void) vmemu_glibc_random (rnd);
}

VmemuFsxPattern *
vmemu_fsx_pattern_new (guint32 seed, guint64 length_bytes)
{
  VmemuFsxPattern *p = g_new0 (VmemuFsxPattern, 1);
  VmemuGlibcRandom rnd;

  p->seed = seed;
  p->length_bytes = length_bytes;
  p->original = g_malloc (length_bytes ? length_bytes : 1);
  vmemu_glibc_srandom (&rnd, seed);
  for (guint64 i = 0; i < length_bytes; i++)
    p->original[i] = (guint8) (vmemu_glibc_random (&rnd) % 256);
  return p;
}

void
vmemu_fsx_pattern_free (VmemuFsxPattern *p)
{
  if (p == NULL)
    return;
  g_free (p->original);
  g_free (p);
}

guint32
vmemu_fsx_pattern_seed (const VmemuFsxPattern *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return p->seed;
}

guint64
vmemu_fsx_pattern_length_bytes (const VmemuFsxPattern *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return p->length_bytes;
}

guint8
vmemu_fsx_pattern_byte (const VmemuFsxPattern *p, guint32 opnum, guint64 file_offset)
{
  guint8 b = (guint8) (opnum % 256);

  g_return_val_if_fail (p != NULL, 0);
  if ((file_offset & 1) && file_offset < p->length_bytes)
    b = (guint8) (b + p->original[file_offset]);
  return b;
}

/* MODELS: gendata(), ltp/fsx.c, with filldata unset. */
void
vmemu_fsx_pattern_fill (const VmemuFsxPattern *p, guint32 opnum, guint64 file_offset,
                        guint8 *buf, gsize len)
{
  guint8 n = (guint8) (opnum % 256);

  g_return_if_fail (p != NULL);
  g_return_if_fail (buf != NULL || len == 0);
  /* vmemu_fsx_pattern_byte() for each byte, without a call per byte (a
   * quarter of an untraced replay's time): every byte is n, and the odd
   * offsets below the length add original[]. */
  memset (buf, n, len);
  for (gsize i = (file_offset & 1) ? 0 : 1; i < len; i += 2)
    {
      guint64 o = file_offset + i;
      if (o >= p->length_bytes)
        break;
      buf[i] = (guint8) (n + p->original[o]);
    }
}
