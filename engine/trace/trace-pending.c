/* trace-pending.c — vmemu_pending_events: the writer's buffered events as a
 * table, so that one INSERT INTO events SELECT * FROM vmemu_pending_events
 * stores a batch without a bind call per value.  An eponymous-only virtual
 * table of the writer's own connection (nothing of it is in the file): a full
 * scan of tr->batch[0 .. n_batch). */
#define G_LOG_DOMAIN "vmemu-trace"
#include "engine/trace/trace-private.h"

#include <string.h>

/* The module's data: owned by the connection (freed when it closes), which
 * may outlive the trace (vmemu_trace_close_to_db): trace_finish clears tr,
 * and the table is empty from then on. */
typedef struct PendingSource_ {
  const VmemuTrace *tr;
} PendingSource;

typedef struct {
  sqlite3_vtab base;
  const PendingSource *src;
} PendingTab;

typedef struct {
  sqlite3_vtab_cursor base;
  const PendingSource *src;
  guint row;
} PendingCursor;

static int
pending_connect (sqlite3 *db, void *aux, int argc, const char *const *argv,
                 sqlite3_vtab **out, char **err)
{
  int rc = sqlite3_declare_vtab (db, "CREATE TABLE x (run, seq, t_ns, name_id, task, cpu,"
                                     " ino, idx, blk_first, blk_count, flags_before,"
                                     " flags_after, refcount, mapcount, a0, a1, a2, a3,"
                                     " detail_id)");
  if (rc != SQLITE_OK)
    return rc;
  PendingTab *t = sqlite3_malloc (sizeof *t);
  if (t == NULL)
    return SQLITE_NOMEM;
  memset (t, 0, sizeof *t);
  t->src = aux;
  *out = &t->base;
  return SQLITE_OK;
}

static int
pending_best_index (sqlite3_vtab *tab, sqlite3_index_info *info)
{
  info->estimatedCost = EVENT_BATCH;
  info->estimatedRows = EVENT_BATCH;
  return SQLITE_OK;
}

static int
pending_disconnect (sqlite3_vtab *tab)
{
  sqlite3_free (tab);
  return SQLITE_OK;
}

static int
pending_open (sqlite3_vtab *tab, sqlite3_vtab_cursor **out)
{
  PendingCursor *c = sqlite3_malloc (sizeof *c);
  if (c == NULL)
    return SQLITE_NOMEM;
  memset (c, 0, sizeof *c);
  c->src = ((PendingTab *) tab)->src;
  *out = &c->base;
  return SQLITE_OK;
}

static int
pending_close (sqlite3_vtab_cursor *cur)
{
  sqlite3_free (cur);
  return SQLITE_OK;
}

static int
pending_filter (sqlite3_vtab_cursor *cur, int idx_num, const char *idx_str, int argc,
                sqlite3_value **argv)
{
  ((PendingCursor *) cur)->row = 0;
  return SQLITE_OK;
}

static int
pending_next (sqlite3_vtab_cursor *cur)
{
  ((PendingCursor *) cur)->row++;
  return SQLITE_OK;
}

static int
pending_eof (sqlite3_vtab_cursor *cur)
{
  const PendingCursor *c = (const PendingCursor *) cur;
  return c->src->tr == NULL || c->row >= c->src->tr->n_batch;
}

static int
pending_column (sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
  const PendingCursor *c = (const PendingCursor *) cur;
  gint64 v = c->src->tr->batch[c->row].v[col];

  if (col == EVENT_COLUMNS - 1 && v == 0)
    sqlite3_result_null (ctx);
  else
    sqlite3_result_int64 (ctx, v);
  return SQLITE_OK;
}

static int
pending_rowid (sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
  *rowid = ((PendingCursor *) cur)->row;
  return SQLITE_OK;
}

/* No xCreate: eponymous only, never in the schema. */
static const sqlite3_module pending_module = {
  .xConnect = pending_connect,
  .xBestIndex = pending_best_index,
  .xDisconnect = pending_disconnect,
  .xOpen = pending_open,
  .xClose = pending_close,
  .xFilter = pending_filter,
  .xNext = pending_next,
  .xEof = pending_eof,
  .xColumn = pending_column,
  .xRowid = pending_rowid,
};

/* The connection keeps vmemu_pending_events (and may outlive tr): empty it. */
void
trace_detach_pending (VmemuTrace *tr)
{
  if (tr->pending != NULL)
    tr->pending->tr = NULL;
  tr->pending = NULL;
}

gboolean
trace_pending_register (VmemuTrace *tr)
{
  tr->pending = g_new0 (PendingSource, 1);
  tr->pending->tr = tr;
  if (sqlite3_create_module_v2 (tr->db, "vmemu_pending_events", &pending_module,
                                tr->pending, g_free) != SQLITE_OK)
    {
      tr->pending = NULL;   /* SQLite has called g_free on it */
      return FALSE;
    }
  return TRUE;
}
