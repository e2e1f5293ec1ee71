/* trace-sums.c — a run's content fingerprint as the calls come in, on the
 * caller's side of the writer thread (docs/trace-schema.md, "Content
 * fingerprint"): the canonical records and their SHA-256. */
#define G_LOG_DOMAIN "vmemu-trace"
#include "engine/trace/trace-private.h"

#include <string.h>

static void
rec_i64 (GByteArray *rec, gint64 v)
{
  guint64 u = GUINT64_TO_LE ((guint64) v);
  guint len = rec->len;

  /* Grow once and store in place: appending byte arrays field by field was a
   * visible share of the writer's own time (docs/performance.md). */
  g_byte_array_set_size (rec, len + 8);
  memcpy (rec->data + len, &u, 8);
}

static void
rec_str (GByteArray *rec, const char *s)
{
  if (s == NULL)
    {
      rec_i64 (rec, -1);
      return;
    }
  gsize len = strlen (s);
  rec_i64 (rec, (gint64) len);
  g_byte_array_append (rec, (const guint8 *) s, (guint) len);
}

static gint
cmp_i64 (gconstpointer a, gconstpointer b, gpointer unused)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

void
sums_init (Sums *sums)
{
  vmemu_sha256_init (&sums->ev_sum);
  vmemu_sha256_init (&sums->ver_sum);
  sums->tasks = g_tree_new_full (cmp_i64, NULL, g_free, (GDestroyNotify) g_bytes_unref);
  sums->inodes = g_tree_new_full (cmp_i64, NULL, g_free, (GDestroyNotify) g_bytes_unref);
  if (sums->rec == NULL)
    sums->rec = g_byte_array_new ();
}

void
sums_clear (Sums *sums)
{
  vmemu_sha256_clear (&sums->ev_sum);
  vmemu_sha256_clear (&sums->ver_sum);
  g_clear_pointer (&sums->tasks, g_tree_destroy);
  g_clear_pointer (&sums->inodes, g_tree_destroy);
}

static gboolean
sum_tree_record (gpointer key, gpointer value, gpointer data)
{
  gsize len = 0;
  const guchar *bytes = g_bytes_get_data (value, &len);

  vmemu_sha256_update (data, bytes, len);
  return FALSE;
}

/* Ends a section and hashes its digest into outer. */
static void
sum_digest (VmemuSha256 *outer, VmemuSha256 *section)
{
  guint8 digest[32];

  vmemu_sha256_finish (section, digest);
  vmemu_sha256_update (outer, digest, sizeof digest);
}

/* content_sha256 = sha256 ("vmemu-content-1\n" || tasks || inodes || events
 * || verifications), each section given as its own raw sha256 digest. */
char *
sums_fingerprint (Sums *run)
{
  VmemuSha256 tasks, inodes, outer;
  static const char tag[] = "vmemu-content-1\n";
  guint8 digest[32];

  vmemu_sha256_init (&tasks);
  vmemu_sha256_init (&inodes);
  vmemu_sha256_init (&outer);
  g_tree_foreach (run->tasks, sum_tree_record, &tasks);
  g_tree_foreach (run->inodes, sum_tree_record, &inodes);
  vmemu_sha256_update (&outer, tag, strlen (tag));
  sum_digest (&outer, &tasks);
  sum_digest (&outer, &inodes);
  /* The run's own sections end here: sums_init starts them again. */
  sum_digest (&outer, &run->ev_sum);
  sum_digest (&outer, &run->ver_sum);
  vmemu_sha256_finish (&outer, digest);
  return vmemu_sha256_hex (digest);
}

static GBytes *
sums_take_record (Sums *sums)
{
  GBytes *b = g_bytes_new (sums->rec->data, sums->rec->len);

  g_byte_array_set_size (sums->rec, 0);
  return b;
}

void
sums_task (Sums *sums, gint32 id, const char *name, gint32 cpu, const char *kind)
{
  rec_i64 (sums->rec, id);
  rec_str (sums->rec, name);
  rec_i64 (sums->rec, cpu);
  rec_str (sums->rec, kind);
  gint64 *key = g_new (gint64, 1);
  *key = id;
  g_tree_replace (sums->tasks, key, sums_take_record (sums));
}

void
sums_inode (Sums *sums, guint64 ino, const char *path)
{
  rec_i64 (sums->rec, (gint64) ino);
  rec_str (sums->rec, path);
  gint64 *key = g_new (gint64, 1);
  *key = (gint64) ino;
  g_tree_replace (sums->inodes, key, sums_take_record (sums));
}

static inline guint8 *
put_i64 (guint8 *p, gint64 v)
{
  guint64 u = GUINT64_TO_LE ((guint64) v);

  memcpy (p, &u, 8);
  return p + 8;
}

static inline guint8 *
put_str (guint8 *p, const char *s, gsize len)
{
  if (s == NULL)
    return put_i64 (p, -1);
  p = put_i64 (p, (gint64) len);
  memcpy (p, s, len);
  return p + len;
}

/* The event's canonical record (docs/trace-schema.md, "Fingerprint"), built
 * in one pass into a buffer sized once, then hashed with one update. */
void
sums_event (Sums *sums, const VmemuTraceEvent *ev)
{
  const char *name = vmemu_event_info (ev->id)->name;
  gsize name_len = strlen (name);
  gsize detail_len = ev->detail ? strlen (ev->detail) : 0;
  GByteArray *r = sums->rec;

  g_byte_array_set_size (r, (guint) (8 + name_len + 15 * 8 + 8 + detail_len));
  guint8 *p = put_str (r->data, name, name_len);
  p = put_i64 (p, (gint64) ev->time_ns);
  p = put_i64 (p, ev->task);
  p = put_i64 (p, ev->cpu);
  p = put_i64 (p, (gint64) ev->ino);
  p = put_i64 (p, ev->index);
  p = put_i64 (p, ev->blk_first);
  p = put_i64 (p, ev->blk_count);
  p = put_i64 (p, ev->flags_before);
  p = put_i64 (p, ev->flags_after);
  p = put_i64 (p, ev->refcount);
  p = put_i64 (p, ev->mapcount);
  for (int i = 0; i < 4; i++)
    p = put_i64 (p, ev->a[i]);
  p = put_str (p, ev->detail, detail_len);
  vmemu_sha256_update (&sums->ev_sum, r->data, (gsize) (p - r->data));
  g_byte_array_set_size (r, 0);
}

void
sums_verify (Sums *sums, const VmemuTraceVerify *v)
{
  GByteArray *r = sums->rec;

  rec_i64 (r, (gint64) v->time_ns);
  rec_i64 (r, v->task);
  rec_str (r, v->kind);
  rec_i64 (r, (gint64) v->ino);
  rec_str (r, v->path);
  rec_i64 (r, (gint64) v->offset_bytes);
  rec_i64 (r, (gint64) v->length_bytes);
  rec_i64 (r, v->ok ? 1 : 0);
  rec_i64 (r, (gint64) v->bad_offset_bytes);
  rec_i64 (r, (gint64) v->bad_length_bytes);
  rec_i64 (r, (gint64) v->bad_total_bytes);
  rec_str (r, v->expected_hex);
  rec_str (r, v->found_hex);
  vmemu_sha256_update (&sums->ver_sum, r->data, r->len);
  g_byte_array_set_size (r, 0);
}
