/* sha256.c — SHA-256 (FIPS 180-4) with the x86 SHA extensions when the CPU
 * has them, GChecksum otherwise; tests/unit/test-trace.c checks both against
 * GChecksum on random input. */
#include "engine/trace/sha256.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define VMEMU_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#ifdef VMEMU_SHA_NI

static const guint32 sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
  0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
  0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
  0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
  0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
};

/* Compress n 64-byte blocks.  The state lives in two registers as the
 * instructions want it (ABEF, CDGH); each group of four rounds takes four
 * schedule words, and the schedule for group g + 4 is built from groups g to
 * g + 3 with sha256msg1 / sha256msg2 as they go by. */
__attribute__ ((target ("sha,sse4.1,ssse3"))) static void
compress_ni (guint32 state[8], const guint8 *data, gsize n)
{
  const __m128i bswap = _mm_set_epi64x (0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_loadu_si128 ((const __m128i *) &state[0]);
  __m128i st1 = _mm_loadu_si128 ((const __m128i *) &state[4]);

  tmp = _mm_shuffle_epi32 (tmp, 0xb1);          /* CDAB */
  st1 = _mm_shuffle_epi32 (st1, 0x1b);          /* EFGH */
  __m128i st0 = _mm_alignr_epi8 (tmp, st1, 8);  /* ABEF */
  st1 = _mm_blend_epi16 (st1, tmp, 0xf0);       /* CDGH */
  for (; n > 0; n--, data += 64)
    {
      __m128i save0 = st0, save1 = st1, w[4];
#pragma GCC unroll 16
      for (int g = 0; g < 16; g++)
        {
          if (g < 4)
            w[g] = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) (data + 16 * g)),
                                     bswap);
          __m128i msg = _mm_add_epi32 (w[g % 4],
                                       _mm_loadu_si128 ((const __m128i *) &sha256_k[4 * g]));
          st1 = _mm_sha256rnds2_epu32 (st1, st0, msg);
          if (g >= 3 && g <= 14)
            {
              __m128i t = _mm_alignr_epi8 (w[g % 4], w[(g + 3) % 4], 4);
              w[(g + 1) % 4] = _mm_sha256msg2_epu32 (_mm_add_epi32 (w[(g + 1) % 4], t),
                                                     w[g % 4]);
            }
          msg = _mm_shuffle_epi32 (msg, 0x0e);
          st0 = _mm_sha256rnds2_epu32 (st0, st1, msg);
          if (g >= 1 && g <= 12)
            w[(g + 3) % 4] = _mm_sha256msg1_epu32 (w[(g + 3) % 4], w[g % 4]);
        }
      st0 = _mm_add_epi32 (st0, save0);
      st1 = _mm_add_epi32 (st1, save1);
    }
  tmp = _mm_shuffle_epi32 (st0, 0x1b);          /* FEBA */
  st1 = _mm_shuffle_epi32 (st1, 0xb1);          /* DCHG */
  st0 = _mm_blend_epi16 (tmp, st1, 0xf0);       /* DCBA */
  st1 = _mm_alignr_epi8 (st1, tmp, 8);          /* HGFE */
  _mm_storeu_si128 ((__m128i *) &state[0], st0);
  _mm_storeu_si128 ((__m128i *) &state[4], st1);
}

static gboolean
cpu_has_sha_ni (void)
{
  unsigned a, b, c, d;

  if (!__get_cpuid (1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9)))
    return FALSE;
  if (__get_cpuid_max (0, NULL) < 7)
    return FALSE;
  __cpuid_count (7, 0, a, b, c, d);
  return (b & (1u << 29)) != 0;
}

#endif /* VMEMU_SHA_NI */

gboolean
vmemu_sha256_accelerated (void)
{
#ifdef VMEMU_SHA_NI
  static gsize known = 0;
  static gboolean has = FALSE;

  if (g_once_init_enter (&known))
    {
      has = cpu_has_sha_ni () && g_getenv ("VMEMU_NO_SHA_NI") == NULL;
      g_once_init_leave (&known, 1);
    }
  return has;
#else
  return FALSE;
#endif
}

void
vmemu_sha256_init (VmemuSha256 *s)
{
  static const guint32 iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

  memcpy (s->state, iv, sizeof iv);
  s->used = 0;
  s->total = 0;
  s->fallback = vmemu_sha256_accelerated () ? NULL : g_checksum_new (G_CHECKSUM_SHA256);
}

void
vmemu_sha256_update (VmemuSha256 *s, const void *data, gsize len)
{
  const guint8 *p = data;

  if (s->fallback != NULL)
    {
      g_checksum_update (s->fallback, p, (gssize) len);
      return;
    }
#ifdef VMEMU_SHA_NI
  s->total += len;
  if (s->used > 0)
    {
      gsize take = MIN (len, 64 - s->used);
      memcpy (s->block + s->used, p, take);
      s->used += (guint) take, p += take, len -= take;
      if (s->used < 64)
        return;
      compress_ni (s->state, s->block, 1);
      s->used = 0;
    }
  if (len >= 64)
    {
      compress_ni (s->state, p, len / 64);
      p += len & ~(gsize) 63;
      len &= 63;
    }
  memcpy (s->block, p, len);
  s->used = (guint) len;
#endif
}

void
vmemu_sha256_finish (VmemuSha256 *s, guint8 digest[32])
{
  if (s->fallback != NULL)
    {
      gsize n = 32;
      g_checksum_get_digest (s->fallback, digest, &n);
      g_clear_pointer (&s->fallback, g_checksum_free);
      return;
    }
#ifdef VMEMU_SHA_NI
  guint64 bits = s->total * 8;
  guint8 pad[72] = { 0x80 };
  gsize npad = (s->used < 56 ? 56 : 120) - s->used;

  for (int i = 0; i < 8; i++)
    pad[npad + i] = (guint8) (bits >> (56 - 8 * i));
  vmemu_sha256_update (s, pad, npad + 8);
  for (int i = 0; i < 8; i++)
    {
      digest[4 * i] = (guint8) (s->state[i] >> 24);
      digest[4 * i + 1] = (guint8) (s->state[i] >> 16);
      digest[4 * i + 2] = (guint8) (s->state[i] >> 8);
      digest[4 * i + 3] = (guint8) s->state[i];
    }
#endif
}

void
vmemu_sha256_clear (VmemuSha256 *s)
{
  g_clear_pointer (&s->fallback, g_checksum_free);
}

char *
vmemu_sha256_hex (const guint8 digest[32])
{
  static const char hex[] = "0123456789abcdef";
  char *out = g_malloc (65);

  for (int i = 0; i < 32; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 15];
    }
  out[64] = '\0';
  return out;
}
