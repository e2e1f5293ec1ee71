/* sha256.h — SHA-256 for the trace fingerprint (docs/trace-schema.md,
 * "Content fingerprint").  The same digests as GChecksum's G_CHECKSUM_SHA256;
 * on x86-64 CPUs with the SHA extensions the compression runs on them (about
 * 15x GLib's portable code: the fingerprint hashes ~160 bytes per event, which
 * was a fifth of a traced run), elsewhere it is GChecksum. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint32 state[8];
  guint8 block[64];       /* bytes not yet compressed */
  guint used;             /* of block */
  guint64 total;          /* bytes hashed */
  GChecksum *fallback;    /* non-NULL when the CPU has no SHA extensions */
} VmemuSha256;

void vmemu_sha256_init (VmemuSha256 *s);
void vmemu_sha256_update (VmemuSha256 *s, const void *data, gsize len);
/* Writes the 32-byte digest and frees what init took; s is then unusable
 * until the next init. */
void vmemu_sha256_finish (VmemuSha256 *s, guint8 digest[32]);
/* Frees what init took without a digest (idempotent; finish does it too). */
void vmemu_sha256_clear (VmemuSha256 *s);
/* Lower-case hex of a 32-byte digest (g_free it). */
char *vmemu_sha256_hex (const guint8 digest[32]);
/* TRUE when the SHA extensions are used (for tests and the bench). */
gboolean vmemu_sha256_accelerated (void);

G_END_DECLS
