/* fsx-pattern.h — a bit-exact clone of glibc random() (TYPE_3), which fsx
 * uses for its data, and fsx's data pattern (gendata() in ltp/fsx.c), so the
 * oracle can predict the bytes of a real fsx run.
 *
 * Below the model (engine/content generates fsx bytes from a pattern); the
 * rest of fsx (op files, import, generate:) is engine/fsx/fsx.h, which
 * includes this header.  Nothing here touches the host: no libc random().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- glibc random() ---------------------------------------------------- */

/* State of glibc's default generator (TYPE_3: x**31 + x**3 + 1, 31 words). */
typedef struct {
  gint32 r[31];   /* the additive feedback table */
  guint32 f;      /* index of the front pointer (glibc fptr) */
  guint32 b;      /* index of the rear pointer (glibc rptr) */
} VmemuGlibcRandom;

/* Same as glibc srandom(seed) on the default state, seed 0 meaning 1. */
void vmemu_glibc_srandom (VmemuGlibcRandom *rnd, guint32 seed);
/* Same as the next glibc random(): a value in [0, 2^31). */
guint32 vmemu_glibc_random (VmemuGlibcRandom *rnd);

/* ---- fsx data pattern --------------------------------------------------- */

/* fsx's original_buf: the first `length` outputs of random() after
 * srandom(seed), each taken mod 256. */
typedef struct _VmemuFsxPattern VmemuFsxPattern;

/* Returns a new pattern for `fsx -S seed -l length`; free with
 * vmemu_fsx_pattern_free().  length may be 0. */
VmemuFsxPattern *vmemu_fsx_pattern_new (guint32 seed, guint64 length_bytes);
void vmemu_fsx_pattern_free (VmemuFsxPattern *p);   /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuFsxPattern, vmemu_fsx_pattern_free)

guint32 vmemu_fsx_pattern_seed (const VmemuFsxPattern *p);
guint64 vmemu_fsx_pattern_length_bytes (const VmemuFsxPattern *p);

/* The byte fsx's op number `opnum` writes at file offset o (gendata()):
 * (opnum + (o odd ? original_buf[o] : 0)) mod 256.  Real fsx never writes at
 * or past -l; there vmemu takes original_buf[o] as 0, so the byte is opnum mod
 * 256 (documented in docs/fsx.md). */
guint8 vmemu_fsx_pattern_byte (const VmemuFsxPattern *p, guint32 opnum, guint64 file_offset);
/* Fill buf[0..len) with the bytes op `opnum` writes at [file_offset, +len). */
void vmemu_fsx_pattern_fill (const VmemuFsxPattern *p, guint32 opnum, guint64 file_offset,
                             guint8 *buf, gsize len);

G_END_DECLS
