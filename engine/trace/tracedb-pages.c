/* tracedb-pages.c — page-cache page counts over virtual time, replayed from
 * the page events of a trace (vmemu report's timeline, vmemu export's
 * counters). */
#define G_LOG_DOMAIN "vmemu-tracedb"
#include "engine/trace/tracedb.h"

#include <sqlite3.h>

/* Where a page stands in the replay. */
typedef enum {
  PAGE_CACHED,              /* in the page cache: its flags are counted */
  PAGE_GONE,                /* deleted from the page cache: not counted */
} PageState;

typedef struct {
  PageState state;
  guint32 flags;            /* last flags_after seen */
} PageSlot;

/* Every event that touches a file page and changes its flags, or adds it to
 * or deletes it from the page cache; names resolved through the trace's own
 * event_names table. */
static const char pages_sql[] =
  "SELECT e.seq, e.t_ns, n.name, e.ino, e.idx, e.flags_after FROM events e"
  " JOIN event_names n ON n.id = e.name_id"
  " WHERE e.run = ?1 AND e.ino <> 0 AND e.idx >= 0 AND (e.flags_before <> e.flags_after"
  " OR n.name IN ('mm_filemap_add_to_page_cache', 'mm_filemap_delete_from_page_cache'))"
  " ORDER BY e.seq";

static void
counts_apply (VmemuTracedbPageCounts *c, guint32 flags, int sign)
{
  c->cached_pages += sign;
  c->dirty_pages += (flags & VMEMU_PG_DIRTY) ? sign : 0;
  c->writeback_pages += (flags & VMEMU_PG_WRITEBACK) ? sign : 0;
  c->uptodate_pages += (flags & VMEMU_PG_UPTODATE) ? sign : 0;
}

/* Replays one event on the page table and the running counts.  A page seen
 * first without an add event was cached before the trace began. */
static void
pages_replay (GHashTable *pages, VmemuTracedbPageCounts *c, const char *name,
              guint64 ino, gint64 idx, guint32 flags)
{
  char key[48];
  g_snprintf (key, sizeof key, "%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT, ino, idx);
  PageSlot *slot = g_hash_table_lookup (pages, key);
  gboolean add = g_str_equal (name, "mm_filemap_add_to_page_cache");
  gboolean del = g_str_equal (name, "mm_filemap_delete_from_page_cache");

  if (slot == NULL)
    {
      slot = g_new0 (PageSlot, 1);
      slot->state = PAGE_GONE;
      g_hash_table_insert (pages, g_strdup (key), slot);
      if (!del)
        add = TRUE;
    }
  if (slot->state == PAGE_CACHED)
    counts_apply (c, slot->flags, -1);
  if (add)
    slot->state = PAGE_CACHED;
  if (del)
    slot->state = PAGE_GONE;
  slot->flags = flags;
  if (slot->state == PAGE_CACHED)
    counts_apply (c, slot->flags, +1);
}

static gboolean
counts_equal (const VmemuTracedbPageCounts *a, const VmemuTracedbPageCounts *b)
{
  return a->dirty_pages == b->dirty_pages && a->writeback_pages == b->writeback_pages
         && a->uptodate_pages == b->uptodate_pages && a->cached_pages == b->cached_pages;
}

GArray *
vmemu_tracedb_page_counts (VmemuTracedb *db, gint64 run, GError **error)
{
  sqlite3 *h = vmemu_tracedb_handle (db);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (h, pages_sql, -1, &st, NULL);
  g_autoptr(GArray) out = g_array_new (FALSE, TRUE, sizeof (VmemuTracedbPageCounts));
  g_autoptr(GHashTable) pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  VmemuTracedbPageCounts cur = { 0 };

  if (rc == SQLITE_OK)
    sqlite3_bind_int64 (st, 1, run);
  while (rc == SQLITE_OK && (rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      VmemuTracedbPageCounts prev = cur;
      pages_replay (pages, &cur, (const char *) sqlite3_column_text (st, 2),
                    (guint64) sqlite3_column_int64 (st, 3), sqlite3_column_int64 (st, 4),
                    (guint32) sqlite3_column_int64 (st, 5));
      cur.seq = sqlite3_column_int64 (st, 0);
      cur.t_ns = (guint64) sqlite3_column_int64 (st, 1);
      if (!counts_equal (&prev, &cur))
        g_array_append_val (out, cur);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (st);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SQLITE,
                   "%s: cannot read page events: %s", vmemu_tracedb_path (db),
                   sqlite3_errmsg (h));
      return NULL;
    }
  return g_steal_pointer (&out);
}
