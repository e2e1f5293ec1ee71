/* trace.c — the trace writer: open and close, the schema, and each record
 * applied to SQLite on the writer thread: events into the events table, routed
 * into typed tables (docs/trace-schema.md).  The calls and the thread are in
 * trace-writer.c, the fingerprint in trace-sums.c, the virtual table events
 * are inserted from in trace-pending.c. */
#define G_LOG_DOMAIN "vmemu-trace"
#include "engine/trace/trace-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

G_DEFINE_QUARK (vmemu-trace-error-quark, vmemu_trace_error)

static const char *const stmt_sql[ST__COUNT] = {
  [ST_EVENT_BATCH] = "INSERT INTO events SELECT * FROM vmemu_pending_events",
  [ST_STRING] = "INSERT INTO strings (id, str) VALUES (?,?)",
  [ST_META] = "INSERT OR REPLACE INTO meta (run, key, value) VALUES (?,?,?)",
  [ST_TASK] = "INSERT OR REPLACE INTO tasks VALUES (?,?,?,?,?)",
  [ST_INODE] = "INSERT OR REPLACE INTO inodes VALUES (?,?,?)",
  [ST_SYSCALL] = "INSERT INTO syscalls VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
  [ST_BIO_QUEUE] = "INSERT INTO block_io (run, bio, seq_submit, t_submit_ns,"
                   " sector, nr_sectors, write) VALUES (?,?,?,?,?,?,?)",
  [ST_BIO_COMPLETE] = "UPDATE block_io SET seq_complete = ?, t_complete_ns = ?,"
                      " status = ? WHERE rowid = ?",
  [ST_RECLAIM] = "INSERT INTO reclaim_scans VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
  [ST_COUNTER] = "INSERT INTO counters VALUES (?,?,?,?,?)",
  [ST_VERIFY] = "INSERT INTO verifications VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
  [ST_RUN] = "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?)",
};

/* A sys_enter waiting for its sys_exit (one per task). */
typedef struct {
  gint64 seq_enter;       /* seq of the sys_enter event */
  guint64 t_start_ns;
  gint64 op_kind;         /* VmemuOpKind from a0 */
  gint64 offset_bytes;    /* a1 */
  gint64 length_bytes;    /* a2 */
  char *op;               /* detail of the sys_enter, owned; may be NULL */
  gint64 size_bytes;      /* a3: truncate / allocate / free size */
} PendingSyscall;

/* Key of in-flight bios: completions carry no bio id, so they are matched
 * first-in first-out on (sector, write). */
typedef struct {
  gint64 sector;
  gint64 write;
} BioKey;

static void trace_flush_events (VmemuTrace *tr);

/* ---- SQLite plumbing ---- */

static gboolean
trace_failed (VmemuTrace *tr)
{
  return tr->error_msg != NULL;
}

static void
trace_record_error (VmemuTrace *tr, const char *what)
{
  g_atomic_int_set (&tr->failed, 1);
  if (tr->error_msg == NULL)
    {
      /* "disk I/O error" alone does not say why; a failed write is nearly
       * always a full disk (ENOSPC), a quota or the file size limit (EFBIG),
       * and SQLite has already lost the errno by now. */
      if (sqlite3_extended_errcode (tr->db) == SQLITE_IOERR_WRITE)
        tr->error_msg = g_strdup_printf ("%s: %s: a write failed (disk full, quota or file "
                                         "size limit)", what, sqlite3_errmsg (tr->db));
      else
        tr->error_msg = g_strdup_printf ("%s: %s", what, sqlite3_errmsg (tr->db));
    }
}

static gboolean
trace_exec (VmemuTrace *tr, const char *sql)
{
  if (trace_failed (tr))
    return FALSE;
  if (sqlite3_exec (tr->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      trace_record_error (tr, "cannot write trace");
      return FALSE;
    }
  return TRUE;
}

static void
trace_maybe_commit (VmemuTrace *tr)
{
  if (++tr->rows_since_commit < COMMIT_EVERY_ROWS)
    return;
  tr->rows_since_commit = 0;
  trace_exec (tr, "COMMIT; BEGIN");
}

/* Run a prepared statement whose parameters are bound; always resets it. */
static gboolean
trace_step (VmemuTrace *tr, Stmt which)
{
  sqlite3_stmt *st = tr->st[which];
  int rc = trace_failed (tr) ? SQLITE_ABORT : sqlite3_step (st);

  sqlite3_reset (st);
  /* Statements that bind every column each time keep their bindings: a
   * clear per row is measurable at millions of events. */
  if (which != ST_COUNTER)
    sqlite3_clear_bindings (st);
  if (rc != SQLITE_DONE)
    {
      if (rc != SQLITE_ABORT)
        trace_record_error (tr, "cannot write trace");
      return FALSE;
    }
  trace_maybe_commit (tr);
  return TRUE;
}

static void
bind_text_or_null (sqlite3_stmt *st, int col, const char *s)
{
  if (s == NULL)
    sqlite3_bind_null (st, col);
  else
    sqlite3_bind_text (st, col, s, -1, SQLITE_TRANSIENT);
}

/* Interned id of s (0 for NULL, which callers bind as SQL NULL). */
static gint64
trace_intern (VmemuTrace *tr, const char *s)
{
  gpointer found = NULL;

  if (s == NULL)
    return 0;
  if (g_hash_table_lookup_extended (tr->strings, s, NULL, &found))
    return GPOINTER_TO_SIZE (found);
  gint64 id = tr->next_string_id++;
  g_hash_table_insert (tr->strings, g_strdup (s), GSIZE_TO_POINTER ((gsize) id));
  sqlite3_stmt *st = tr->st[ST_STRING];
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_text (st, 2, s, -1, SQLITE_STATIC);
  trace_step (tr, ST_STRING);
  return id;
}

/* ---- schema ---- */

static const char schema_sql[] =
  "CREATE TABLE meta (run INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,"
  "  PRIMARY KEY (run, key));"
  "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT, n_events INTEGER,"
  "  n_verifications INTEGER, t_end_ns INTEGER, content_sha256 TEXT);"
  "CREATE TABLE strings (id INTEGER PRIMARY KEY, str TEXT NOT NULL);"
  "CREATE TABLE event_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
  "  class TEXT NOT NULL, a0 TEXT, a1 TEXT, a2 TEXT, a3 TEXT);"
  "CREATE TABLE tasks (run INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT,"
  "  cpu INTEGER, kind TEXT, PRIMARY KEY (run, id));"
  "CREATE TABLE inodes (run INTEGER NOT NULL, ino INTEGER NOT NULL, path TEXT,"
  "  PRIMARY KEY (run, ino));"
  /* WITHOUT ROWID: the rows are stored in (run, seq) order, so that order
   * needs neither a rowid nor an index of its own. */
  "CREATE TABLE events (run INTEGER NOT NULL, seq INTEGER NOT NULL,"
  "  t_ns INTEGER NOT NULL, name_id INTEGER NOT NULL, task INTEGER, cpu INTEGER,"
  "  ino INTEGER, idx INTEGER, blk_first INTEGER, blk_count INTEGER,"
  "  flags_before INTEGER, flags_after INTEGER, refcount INTEGER,"
  "  mapcount INTEGER, a0 INTEGER, a1 INTEGER, a2 INTEGER, a3 INTEGER,"
  "  detail_id INTEGER, PRIMARY KEY (run, seq)) WITHOUT ROWID;"
  "CREATE TABLE syscalls (run INTEGER NOT NULL, task INTEGER, seq_enter INTEGER,"
  "  seq_exit INTEGER, op TEXT, op_kind INTEGER, offset INTEGER, length INTEGER,"
  "  result INTEGER, t_start_ns INTEGER, t_end_ns INTEGER, size INTEGER);"
  "CREATE TABLE block_io (run INTEGER NOT NULL, bio INTEGER, seq_submit INTEGER,"
  "  seq_complete INTEGER, t_submit_ns INTEGER, t_complete_ns INTEGER,"
  "  sector INTEGER, nr_sectors INTEGER, write INTEGER, status INTEGER);"
  "CREATE TABLE reclaim_scans (run INTEGER NOT NULL, seq INTEGER, t_ns INTEGER,"
  "  task INTEGER, lru TEXT, nr_scanned INTEGER, nr_reclaimed INTEGER,"
  "  nr_dirty INTEGER, nr_writeback INTEGER, nr_taken INTEGER,"
  "  nr_active INTEGER, nr_deactivated INTEGER, nr_referenced INTEGER);"
  "CREATE TABLE counters (run INTEGER NOT NULL, seq INTEGER, t_ns INTEGER,"
  "  name TEXT, value INTEGER);"
  "CREATE TABLE verifications (run INTEGER NOT NULL, id INTEGER,"
  "  after_seq INTEGER, t_ns INTEGER, task INTEGER, kind TEXT, ino INTEGER,"
  "  path TEXT, offset INTEGER, length INTEGER, ok INTEGER, bad_offset INTEGER,"
  "  bad_length INTEGER, bad_total INTEGER, expected_hex TEXT, found_hex TEXT);"
  "CREATE TABLE page_flags (bit INTEGER PRIMARY KEY, mask INTEGER, name TEXT NOT NULL);"
  "CREATE TABLE ref_holders (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
  ;

/* Reference changes, one row per holder change: a page_ref_get (+1), a
 * page_ref_put (-1), and for a get that moved a reference (moved_from, a3)
 * also -1 for the holder that gave it up.  page_refs sums them per holder
 * over the page's events up to the one asked about, through events_by_page
 * (run, ino, idx, seq): both views are built from the event ids at open. */
static char *
ref_views_sql (void)
{
  const int get = VMEMU_EV_PAGE_REF_GET, put = VMEMU_EV_PAGE_REF_PUT;
  g_autofree char *holder = g_strdup_printf (
    "(SELECT CASE WHEN k.k = 0 AND r.a2 >= 0 THEN h.name || ' cpu ' || r.a2 ELSE h.name END"
    " FROM ref_holders h WHERE h.id = CASE k.k WHEN 0 THEN r.a0 ELSE r.a3 END)");
  g_autofree char *delta = g_strdup_printf (
    "CASE WHEN k.k = 1 OR r.name_id = %d THEN -1 ELSE 1 END", put);
  g_autofree char *changes = g_strdup_printf (
    "events r JOIN (SELECT 0 AS k UNION ALL SELECT 1) k"
    " ON (k.k = 0 OR (r.name_id = %d AND r.a3 >= 0))", get);

  return g_strdup_printf (
    "CREATE VIEW page_ref_changes AS SELECT r.run, r.seq, r.t_ns, r.task, r.ino, r.idx,"
    "  %s AS holder, %s AS delta FROM %s WHERE r.name_id IN (%d, %d);"
    "CREATE VIEW page_refs AS SELECT e.run, e.seq, e.ino, e.idx, %s AS holder,"
    "  sum (%s) AS refs FROM events e JOIN %s AND r.run = e.run AND r.ino = e.ino"
    /* +r.seq: without statistics the planner would walk the primary key
     * (run, seq < e.seq) back to the run's start for every row; a page's
     * events are a lookup in events_by_page once a reader has built it. */
    "  AND r.idx = e.idx AND +r.seq <= e.seq AND r.name_id IN (%d, %d)"
    "  WHERE e.ino <> 0 AND e.idx >= 0"
    "  GROUP BY e.run, e.seq, holder HAVING refs > 0;",
    holder, delta, changes, get, put, holder, delta, changes, get, put);
}

/* events_named and page_history: written at open because their named
 * argument columns (bits, offset_bytes, ...) come from the event table. */
/* Columns of events_named and page_history besides the arguments: an
 * argument named like one of them is shown as arg_NAME (xfs_ilock_grant's
 * `task`, remove_mapping_fail's `refcount`, lru_add_drain's `cpu`). */
static const char *const view_columns[] = {
  "run", "seq", "t_ns", "name", "class", "task", "cpu", "ino", "path", "idx", "blk_first",
  "blk_count", "flags_before", "flags_after", "refcount", "mapcount", "a0", "a1", "a2", "a3",
  "detail", "task_name", "flags_before_text", "flags_after_text", NULL,
};

static gboolean
is_view_column (const char *name)
{
  for (int i = 0; view_columns[i]; i++)
    if (strcmp (view_columns[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* One column per argument name of the event list (first use first), the
 * argument of whichever event names it so, NULL for the others: the SQL side
 * of VMEMU_ARG () (trace-events.h), `released` rather than a2.  Quoted:
 * balance_dirty_pages' `limit` is an SQL keyword. */
static char *
named_arg_columns_sql (void)
{
  GString *cols = g_string_new (NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int id0 = 0; id0 < VMEMU_EV__COUNT; id0++)
    for (int i0 = 0; i0 < 4; i0++)
      {
        const char *arg = vmemu_event_info (id0)->arg_names[i0];
        if (arg[0] == '\0' || !g_hash_table_add (seen, (gpointer) arg))
          continue;
        g_string_append (cols, ", CASE e.name_id");
        for (int id = id0; id < VMEMU_EV__COUNT; id++)
          for (int i = 0; i < 4; i++)
            if (strcmp (vmemu_event_info (id)->arg_names[i], arg) == 0)
              g_string_append_printf (cols, " WHEN %d THEN e.a%d", id, i);
        g_string_append_printf (cols, " END AS \"%s%s\"", is_view_column (arg) ? "arg_" : "",
                                arg);
      }
  return g_string_free (cols, FALSE);
}

static char *
named_views_sql (void)
{
  g_autofree char *cols = named_arg_columns_sql ();
  const char *flags_text =
    ", (SELECT group_concat (name, '|') FROM page_flags f WHERE e.flags_before & f.mask)"
    " AS flags_before_text"
    ", (SELECT group_concat (name, '|') FROM page_flags f WHERE e.flags_after & f.mask)"
    " AS flags_after_text";
  const char *common =
    "e.run, e.seq, e.t_ns, n.name, n.class,"
    " e.task, e.cpu, e.ino, i.path, e.idx, e.blk_first, e.blk_count,"
    " e.flags_before, e.flags_after, e.refcount, e.mapcount,"
    " e.a0, e.a1, e.a2, e.a3, s.str AS detail, t.name AS task_name";
  char *sql = g_strdup_printf (
    "CREATE VIEW events_named AS SELECT %s%s%s"
    "  FROM events e JOIN event_names n ON n.id = e.name_id"
    "  LEFT JOIN inodes i ON i.run = e.run AND i.ino = e.ino"
    "  LEFT JOIN tasks t ON t.run = e.run AND t.id = e.task"
    "  LEFT JOIN strings s ON s.id = e.detail_id;"
    /* Inodes first (CROSS JOIN fixes the order): a filter on path or ino
     * then reaches the page's events through events_by_page. */
    "CREATE VIEW page_history AS SELECT %s%s%s"
    "  FROM inodes i CROSS JOIN events e ON e.run = i.run AND e.ino = i.ino"
    "  JOIN event_names n ON n.id = e.name_id"
    "  LEFT JOIN tasks t ON t.run = e.run AND t.id = e.task"
    "  LEFT JOIN strings s ON s.id = e.detail_id"
    "  WHERE e.ino <> 0 AND e.idx >= 0;",
    common, flags_text, cols, common, flags_text, cols);
  return sql;
}

static const char views_sql[] =
  /* A view since schema 2: a copy of every flag change cost 9 bytes an event. */
  "CREATE VIEW page_states AS SELECT run, seq, t_ns, ino, idx, name_id, flags_before,"
  "  flags_after FROM events WHERE flags_before <> flags_after;"
  "CREATE VIEW syscall_io AS SELECT s.run, s.task, s.op, s.seq_enter,"
  "  s.seq_exit, s.offset, s.length, b.bio, b.seq_submit, b.seq_complete,"
  "  b.t_submit_ns, b.t_complete_ns, b.sector, b.nr_sectors, b.write, b.status"
  "  FROM syscalls s JOIN block_io b ON b.run = s.run"
  "  AND b.seq_submit BETWEEN s.seq_enter AND s.seq_exit;"
  "CREATE VIEW dirty_writeback_over_time AS SELECT run, seq, t_ns,"
  "  max(CASE WHEN name = 'nr_dirty' THEN value END) AS nr_dirty,"
  "  max(CASE WHEN name = 'nr_writeback' THEN value END) AS nr_writeback,"
  "  max(CASE WHEN name = 'background_thresh' THEN value END) AS background_thresh,"
  "  max(CASE WHEN name = 'dirty_thresh' THEN value END) AS dirty_thresh"
  "  FROM counters GROUP BY run, seq;";

/* Built at close: bulk inserts into unindexed tables are cheaper, and these
 * tables are small.  The events' own indexes (by page, name, task) are built
 * by the first reader that needs them (VMEMU_TRACE_INDEX_*, trace.h): sorting
 * every event was a third of a traced run's time at close. */
static const char index_sql[] =
  "CREATE INDEX syscalls_by_task ON syscalls (run, task, seq_enter);"
  "CREATE INDEX block_io_by_submit ON block_io (run, seq_submit);"
  "CREATE INDEX counters_by_name ON counters (run, name, seq);"
  "CREATE INDEX verifications_by_id ON verifications (run, id);";

static const char *const class_names[] = {
  [VMEMU_EVC_GENERIC] = "generic", [VMEMU_EVC_SYSCALL] = "syscall",
  [VMEMU_EVC_BLOCK] = "block",     [VMEMU_EVC_PAGE] = "page",
  [VMEMU_EVC_RECLAIM] = "reclaim", [VMEMU_EVC_WRITEBACK] = "writeback",
  [VMEMU_EVC_IOMAP] = "iomap",     [VMEMU_EVC_FAULT] = "fault",
  [VMEMU_EVC_TASK] = "task",       [VMEMU_EVC_ORACLE] = "oracle",
  [VMEMU_EVC_COUNTER] = "counter", [VMEMU_EVC_MM] = "mm",
  [VMEMU_EVC_XFS] = "xfs",
};

/* The names behind page flag bits and reference holder ids. */
/* The name tables and the views built from the event list: the same text
 * for every trace of the process, built once (a trace is opened per run). */
static const char *
name_tables_sql (void)
{
  static gsize done = 0;
  static char *text = NULL;

  if (g_once_init_enter (&done))
    {
      GString *sql = g_string_new (NULL);
      for (int bit = 0; bit < VMEMU_PG__NBITS; bit++)
        g_string_append_printf (sql, "INSERT INTO page_flags VALUES (%d, %u, '%s');", bit,
                                1u << bit, vmemu_page_flag_name (bit));
      for (int h = 0; h < VMEMU_REF__COUNT; h++)
        g_string_append_printf (sql, "INSERT INTO ref_holders VALUES (%d, '%s');", h,
                                vmemu_ref_holder_name (h));
      g_autofree char *views = named_views_sql ();
      g_autofree char *refs = ref_views_sql ();
      g_string_append (sql, views);
      g_string_append (sql, refs);
      text = g_string_free (sql, FALSE);
      g_once_init_leave (&done, 1);
    }
  return text;
}

static gboolean
trace_write_name_tables (VmemuTrace *tr)
{
  return trace_exec (tr, name_tables_sql ());
}

static gboolean
trace_write_event_names (VmemuTrace *tr)
{
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (tr->db, "INSERT INTO event_names VALUES (?,?,?,?,?,?,?)",
                          -1, &st, NULL) != SQLITE_OK)
    {
      trace_record_error (tr, "cannot create schema");
      return FALSE;
    }
  for (int id = 0; id < VMEMU_EV__COUNT && !trace_failed (tr); id++)
    {
      const VmemuEventInfo *info = vmemu_event_info (id);
      sqlite3_bind_int (st, 1, id);
      sqlite3_bind_text (st, 2, info->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 3, class_names[info->cls], -1, SQLITE_STATIC);
      for (int i = 0; i < 4; i++)
        bind_text_or_null (st, 4 + i, info->arg_names[i][0] ? info->arg_names[i] : NULL);
      if (sqlite3_step (st) != SQLITE_DONE)
        trace_record_error (tr, "cannot create schema");
      sqlite3_reset (st);
    }
  sqlite3_finalize (st);
  return !trace_failed (tr);
}

static gboolean
trace_prepare_all (VmemuTrace *tr)
{
  if (!trace_pending_register (tr))
    {
      trace_record_error (tr, "cannot prepare statement");
      return FALSE;
    }
  for (int i = 0; i < ST__COUNT; i++)
    if (sqlite3_prepare_v3 (tr->db, stmt_sql[i], -1,
                            SQLITE_PREPARE_PERSISTENT, &tr->st[i], NULL) != SQLITE_OK)
      {
        trace_record_error (tr, "cannot prepare statement");
        return FALSE;
      }
  return TRUE;
}

/* journal_mode=OFF and synchronous=OFF: the file is written once into a
 * temporary name and renamed at the end; a crash leaves only a temporary file
 * that is never read, so neither a rollback journal nor fsync buys anything.
 * page_size must be set before the first table exists. */
static gboolean
trace_create_schema (VmemuTrace *tr)
{
  g_autofree char *pragmas = g_strdup_printf (
    "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF;"
    "PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;"
    "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;"
    "PRAGMA application_id = %d; PRAGMA user_version = %d;",
    VMEMU_TRACE_APPLICATION_ID, VMEMU_TRACE_SCHEMA_VERSION);

  if (!trace_exec (tr, pragmas) || !trace_exec (tr, "BEGIN")
      || !trace_exec (tr, schema_sql) || !trace_exec (tr, views_sql)
      || !trace_write_name_tables (tr) || !trace_write_event_names (tr)
      || !trace_prepare_all (tr))
    return FALSE;
  return TRUE;
}

/* ---- runs ---- */

static void
pending_syscall_free (gpointer p)
{
  PendingSyscall *ps = p;

  g_free (ps->op);
  g_free (ps);
}

static guint
bio_key_hash (gconstpointer p)
{
  const BioKey *k = p;

  return (guint) (k->sector * 2654435761u) ^ (guint) k->write;
}

static gboolean
bio_key_equal (gconstpointer a, gconstpointer b)
{
  const BioKey *x = a, *y = b;

  return x->sector == y->sector && x->write == y->write;
}

static void
bio_queue_free (gpointer q)
{
  g_queue_free (q);
}

static void
run_init (Run *run, gint64 id, const char *name)
{
  run->id = id;
  run->name = name ? g_strdup (name) : g_strdup_printf ("%" G_GINT64_FORMAT, id);
  run->seq = 0;
  run->n_verify = 0;
  run->last_t_ns = 0;
  run->syscalls = g_hash_table_new_full (g_int_hash, g_int_equal, g_free,
                                         pending_syscall_free);
  run->bios = g_hash_table_new_full (bio_key_hash, bio_key_equal, g_free,
                                     bio_queue_free);
}

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->name, g_free);
  g_clear_pointer (&run->syscalls, g_hash_table_destroy);
  g_clear_pointer (&run->bios, g_hash_table_destroy);
}

static void
trace_flush_syscall (VmemuTrace *tr, gint32 task, const PendingSyscall *ps,
                     const VmemuTraceEvent *exit)
{
  sqlite3_stmt *st = tr->st[ST_SYSCALL];

  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_int (st, 2, task);
  if (ps->seq_enter > 0)
    sqlite3_bind_int64 (st, 3, ps->seq_enter);
  if (exit != NULL)
    sqlite3_bind_int64 (st, 4, (gint64) tr->run.seq);
  bind_text_or_null (st, 5, ps->op ? ps->op : exit ? exit->detail : NULL);
  sqlite3_bind_int64 (st, 6, ps->op_kind);
  sqlite3_bind_int64 (st, 7, ps->offset_bytes);
  sqlite3_bind_int64 (st, 8, ps->length_bytes);
  if (exit != NULL)
    {
      sqlite3_bind_int64 (st, 9, VMEMU_EV_ARG (exit, SYS_EXIT, result));
      sqlite3_bind_int64 (st, 11, (gint64) exit->time_ns);
    }
  sqlite3_bind_int64 (st, 10, (gint64) ps->t_start_ns);
  sqlite3_bind_int64 (st, 12, ps->size_bytes);
  trace_step (tr, ST_SYSCALL);
}

static gint
cmp_int_ptr (gconstpointer a, gconstpointer b)
{
  gint x = *(const gint *) a, y = *(const gint *) b;

  return x < y ? -1 : x > y;
}

/* Syscalls still open when the run ends are kept, with a NULL exit. */
static void
run_flush_open_syscalls (VmemuTrace *tr)
{
  g_autoptr(GList) tasks = g_hash_table_get_keys (tr->run.syscalls);

  tasks = g_list_sort (tasks, cmp_int_ptr);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      gint32 task = *(gint32 *) l->data;
      trace_flush_syscall (tr, task, g_hash_table_lookup (tr->run.syscalls, &task),
                           NULL);
    }
}

static void
trace_meta_run (VmemuTrace *tr, gint64 run, const char *key, const char *value)
{
  sqlite3_stmt *st = tr->st[ST_META];

  if (trace_failed (tr))
    return;
  sqlite3_bind_int64 (st, 1, run);
  sqlite3_bind_text (st, 2, key, -1, SQLITE_STATIC);
  bind_text_or_null (st, 3, value);
  trace_step (tr, ST_META);
}

/* Ends the run with its fingerprint (sums_fingerprint () on the API side). */
static void
trace_end_run (VmemuTrace *tr, const char *sha)
{
  sqlite3_stmt *st = tr->st[ST_RUN];

  trace_flush_events (tr);
  run_flush_open_syscalls (tr);
  trace_meta_run (tr, tr->run.id, "content_sha256", sha);
  if (trace_failed (tr))
    return;
  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_text (st, 2, tr->run.name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 3, (gint64) tr->run.seq);
  sqlite3_bind_int64 (st, 4, (gint64) tr->run.n_verify);
  sqlite3_bind_int64 (st, 5, (gint64) tr->run.last_t_ns);
  sqlite3_bind_text (st, 6, sha, -1, SQLITE_STATIC);
  trace_step (tr, ST_RUN);
}

static void
trace_begin_run_state (VmemuTrace *tr, gint64 id, const char *name)
{
  run_init (&tr->run, id, name);
}

void
apply_begin_run (VmemuTrace *tr, const char *name, const char *sha)
{
  gint64 next = tr->run.id + 1;

  trace_end_run (tr, sha);
  run_clear (&tr->run);
  trace_begin_run_state (tr, next, name);
}

/* ---- open / close ---- */

static void
trace_free (VmemuTrace *tr)
{
  trace_writer_stop (tr);
  trace_detach_pending (tr);
  for (int i = 0; i < ST__COUNT; i++)
    sqlite3_finalize (tr->st[i]);
  if (tr->db != NULL)
    sqlite3_close (tr->db);
  run_clear (&tr->run);
  sums_clear (&tr->sums);
  g_clear_pointer (&tr->sums.rec, g_byte_array_unref);
  g_clear_pointer (&tr->batch, g_free);
  g_clear_pointer (&tr->strings, g_hash_table_destroy);
  g_free (tr->path);
  g_free (tr->tmp_path);
  g_free (tr->error_msg);
  g_free (tr);
}

static void
trace_discard (VmemuTrace *tr)
{
  char *tmp = g_steal_pointer (&tr->tmp_path);

  g_atomic_int_set (&tr->abandon, 1);
  trace_free (tr);
  if (tmp != NULL)
    g_unlink (tmp);
  g_free (tmp);
}

/* Refuse a directory or a special file, or an existing file unless force. */
static gboolean
trace_check_target (const char *path, gboolean force, GError **error)
{
  GStatBuf sb;

  if (g_lstat (path, &sb) != 0)
    return TRUE;
  if (S_ISDIR (sb.st_mode))
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_IO,
                   "%s: is a directory", path);
      return FALSE;
    }
  /* The rename would replace the node itself: never turn /dev/null or a FIFO
   * into a database file, even with force. */
  if (!S_ISREG (sb.st_mode) && !S_ISLNK (sb.st_mode))
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_IO,
                   "%s: not a regular file (a device, FIFO or socket); refusing to replace it",
                   path);
      return FALSE;
    }
  if (!force)
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_EXISTS,
                   "%s: already exists (use --force to replace it)", path);
      return FALSE;
    }
  return TRUE;
}

/* Create ".NAME.tmp-XXXXXX" beside path, mode 0666 less the umask. */
static char *
trace_make_temp (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.tmp-XXXXXX", dir, base);
  mode_t mask = umask (0);

  umask (mask);
  int fd = g_mkstemp (tmpl);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_IO,
                   "%s: cannot create a temporary file in %s: %s", path, dir,
                   g_strerror (saved));
      return NULL;
    }
  if (fchmod (fd, 0666 & ~mask) != 0)
    g_debug ("fchmod %s: %s", tmpl, g_strerror (errno));
  close (fd);
  return g_steal_pointer (&tmpl);
}

VmemuTrace *
vmemu_trace_open (const char *path, gboolean force, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  gboolean in_memory = strcmp (path, ":memory:") == 0;

  if (!in_memory && !trace_check_target (path, force, error))
    return NULL;
  VmemuTrace *tr = g_new0 (VmemuTrace, 1);
  tr->path = g_strdup (path);
  tr->force = force;
  tr->strings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tr->next_string_id = 1;
  sums_init (&tr->sums);
  tr->batch = g_new (EventRow, EVENT_BATCH);
  trace_begin_run_state (tr, 1, NULL);
  if (!in_memory && (tr->tmp_path = trace_make_temp (path, error)) == NULL)
    {
      trace_discard (tr);
      return NULL;
    }
  int rc = sqlite3_open_v2 (in_memory ? ":memory:" : tr->tmp_path, &tr->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                            | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK || !trace_create_schema (tr))
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_SQLITE, "%s: %s",
                   path, tr->error_msg ? tr->error_msg : sqlite3_errstr (rc));
      trace_discard (tr);
      return NULL;
    }
  trace_meta_run (tr, 0, "schema_version", G_STRINGIFY (VMEMU_TRACE_SCHEMA_VERSION));
  trace_meta_run (tr, 0, "format", "vmemu-trace");
  tr->api_run_id = 1;
  trace_writer_start (tr);
  return tr;
}

/* End the last run, build the indexes and commit. */
static gboolean
trace_finish (VmemuTrace *tr, GError **error)
{
  trace_writer_stop (tr);
  /* A flag raised by now stops the close even when no SQLite step is long
   * enough to see it (the events' indexes are no longer built here). */
  if (tr->interrupt != NULL && *tr->interrupt != 0 && !trace_failed (tr))
    {
      g_atomic_int_set (&tr->failed, 1);
      tr->error_msg = g_strdup ("interrupted");
    }
  if (!trace_failed (tr))
    {
      g_autofree char *sha = sums_fingerprint (&tr->sums);
      trace_end_run (tr, sha);
    }
  trace_exec (tr, index_sql);
  trace_exec (tr, "COMMIT");
  trace_detach_pending (tr);
  if (trace_failed (tr))
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_SQLITE,
                   "%s: %s; the trace was not written", tr->path, tr->error_msg);
      return FALSE;
    }
  for (int i = 0; i < ST__COUNT; i++)
    g_clear_pointer (&tr->st[i], sqlite3_finalize);
  return TRUE;
}

static gboolean
trace_rename_into_place (VmemuTrace *tr, GError **error)
{
  if (!tr->force && g_file_test (tr->path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_EXISTS,
                   "%s: already exists (use --force to replace it)", tr->path);
      return FALSE;
    }
  if (g_rename (tr->tmp_path, tr->path) != 0)
    {
      int saved = errno;
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_IO,
                   "%s: cannot move the finished trace into place: %s", tr->path,
                   g_strerror (saved));
      return FALSE;
    }
  g_clear_pointer (&tr->tmp_path, g_free);
  return TRUE;
}

gboolean
vmemu_trace_close (VmemuTrace *tr, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (tr == NULL)
    return TRUE;
  if (!trace_finish (tr, error))
    {
      trace_discard (tr);
      return FALSE;
    }
  int rc = sqlite3_close (tr->db);
  tr->db = NULL;
  if (rc != SQLITE_OK)
    {
      g_set_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_SQLITE,
                   "%s: cannot close the trace: %s", tr->path, sqlite3_errstr (rc));
      trace_discard (tr);
      return FALSE;
    }
  if (tr->tmp_path != NULL && !trace_rename_into_place (tr, error))
    {
      trace_discard (tr);
      return FALSE;
    }
  trace_discard (tr);
  return TRUE;
}

/* sqlite3_progress_handler: non-zero stops the statement (SQLITE_INTERRUPT). */
static int
trace_progress_interrupt (void *data)
{
  const volatile gint *flag = data;
  return *flag != 0;
}

const char *
vmemu_trace_temp_path (const VmemuTrace *tr)
{
  return tr ? tr->tmp_path : NULL;
}

void
apply_interrupt (VmemuTrace *tr, const volatile gint *flag)
{
  tr->interrupt = flag;
  sqlite3_progress_handler (tr->db, flag ? 10000 : 0, flag ? trace_progress_interrupt : NULL,
                            (void *) flag);
}

struct sqlite3 *
vmemu_trace_close_to_db (VmemuTrace *tr, GError **error)
{
  g_return_val_if_fail (tr != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!trace_finish (tr, error)
      || (tr->tmp_path != NULL && !trace_rename_into_place (tr, error)))
    {
      trace_discard (tr);
      return NULL;
    }
  sqlite3 *db = g_steal_pointer (&tr->db);
  trace_discard (tr);
  return db;
}

void
vmemu_trace_abort (VmemuTrace *tr)
{
  if (tr != NULL)
    trace_discard (tr);
}

/* ---- records applied on the writer thread ---- */

void
apply_meta (VmemuTrace *tr, const char *key, const char *value)
{
  trace_meta_run (tr, tr->run.id, key, value);
}

void
apply_task (VmemuTrace *tr, gint32 id, const char *name, gint32 cpu, const char *kind)
{
  if (trace_failed (tr))
    return;
  sqlite3_stmt *st = tr->st[ST_TASK];
  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_int (st, 2, id);
  bind_text_or_null (st, 3, name);
  sqlite3_bind_int (st, 4, cpu);
  bind_text_or_null (st, 5, kind);
  trace_step (tr, ST_TASK);
}

void
apply_inode (VmemuTrace *tr, guint64 ino, const char *path)
{
  if (trace_failed (tr))
    return;
  sqlite3_stmt *st = tr->st[ST_INODE];
  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_int64 (st, 2, (gint64) ino);
  bind_text_or_null (st, 3, path);
  trace_step (tr, ST_INODE);
}

/* Inserts the buffered events (a full batch, or what a run's end leaves). */
static void
trace_flush_events (VmemuTrace *tr)
{
  if (tr->n_batch == 0)
    return;
  /* trace_step counts one row; the commit interval counts them all. */
  tr->rows_since_commit += tr->n_batch - 1;
  trace_step (tr, ST_EVENT_BATCH);
  tr->n_batch = 0;
}

static void
trace_insert_event (VmemuTrace *tr, const VmemuTraceEvent *ev, gint64 detail_id)
{
  EventRow *row = &tr->batch[tr->n_batch++];
  gint64 *v = row->v;

  v[0] = tr->run.id;
  v[1] = (gint64) tr->run.seq;
  v[2] = (gint64) ev->time_ns;
  v[3] = ev->id;
  v[4] = ev->task;
  v[5] = ev->cpu;
  v[6] = (gint64) ev->ino;
  v[7] = ev->index;
  v[8] = ev->blk_first;
  v[9] = ev->blk_count;
  v[10] = ev->flags_before;
  v[11] = ev->flags_after;
  v[12] = ev->refcount;
  v[13] = ev->mapcount;
  for (int i = 0; i < 4; i++)
    v[14 + i] = ev->a[i];
  v[18] = detail_id;
  if (tr->n_batch == EVENT_BATCH)
    trace_flush_events (tr);
}

static void
trace_route_syscall (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  gint32 task = ev->task;
  PendingSyscall *ps = NULL;

  if (ev->id == VMEMU_EV_SYS_ENTER)
    {
      ps = g_new0 (PendingSyscall, 1);
      *ps = (PendingSyscall) { (gint64) tr->run.seq, ev->time_ns,
                               VMEMU_EV_ARG (ev, SYS_ENTER, op),
                               VMEMU_EV_ARG (ev, SYS_ENTER, offset_bytes),
                               VMEMU_EV_ARG (ev, SYS_ENTER, length_bytes),
                               g_strdup (ev->detail), VMEMU_EV_ARG (ev, SYS_ENTER, size_bytes) };
      gint32 *key = g_new (gint32, 1);
      *key = task;
      g_hash_table_replace (tr->run.syscalls, key, ps);
      return;
    }
  ps = g_hash_table_lookup (tr->run.syscalls, &task);
  if (ps != NULL)
    {
      trace_flush_syscall (tr, task, ps, ev);
      g_hash_table_remove (tr->run.syscalls, &task);
      return;
    }
  PendingSyscall orphan = { 0, ev->time_ns, VMEMU_EV_ARG (ev, SYS_EXIT, op),
                            VMEMU_EV_ARG (ev, SYS_EXIT, offset_bytes),
                            VMEMU_EV_ARG (ev, SYS_EXIT, length_bytes), NULL, 0 };
  trace_flush_syscall (tr, task, &orphan, ev);
}

static void
trace_route_bio (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  /* block_bio_queue and block_rq_complete place sector and write alike. */
  G_STATIC_ASSERT (VMEMU_ARG (BIO_QUEUE, sector) == VMEMU_ARG (BIO_COMPLETE, sector));
  G_STATIC_ASSERT (VMEMU_ARG (BIO_QUEUE, write) == VMEMU_ARG (BIO_COMPLETE, write));
  BioKey key = { VMEMU_EV_ARG (ev, BIO_QUEUE, sector), VMEMU_EV_ARG (ev, BIO_QUEUE, write) };
  GQueue *q = g_hash_table_lookup (tr->run.bios, &key);
  sqlite3_stmt *st = NULL;

  if (ev->id == VMEMU_EV_BIO_QUEUE)
    {
      st = tr->st[ST_BIO_QUEUE];
      sqlite3_bind_int64 (st, 1, tr->run.id);
      sqlite3_bind_int64 (st, 2, VMEMU_EV_ARG (ev, BIO_QUEUE, bio));
      sqlite3_bind_int64 (st, 3, (gint64) tr->run.seq);
      sqlite3_bind_int64 (st, 4, (gint64) ev->time_ns);
      for (int i = 0; i < 3; i++)
        sqlite3_bind_int64 (st, 5 + i, ev->a[i]);
      if (!trace_step (tr, ST_BIO_QUEUE))
        return;
      if (q == NULL)
        {
          q = g_queue_new ();
          g_hash_table_insert (tr->run.bios, g_memdup2 (&key, sizeof key), q);
        }
      g_queue_push_tail (q, GSIZE_TO_POINTER ((gsize) sqlite3_last_insert_rowid (tr->db)));
      return;
    }
  if (ev->id != VMEMU_EV_BIO_COMPLETE || q == NULL || g_queue_is_empty (q))
    return;
  st = tr->st[ST_BIO_COMPLETE];
  sqlite3_bind_int64 (st, 1, (gint64) tr->run.seq);
  sqlite3_bind_int64 (st, 2, (gint64) ev->time_ns);
  sqlite3_bind_int64 (st, 3, VMEMU_EV_ARG (ev, BIO_COMPLETE, error));
  sqlite3_bind_int64 (st, 4, (gint64) GPOINTER_TO_SIZE (g_queue_pop_head (q)));
  trace_step (tr, ST_BIO_COMPLETE);
}

static void
trace_route_reclaim (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  sqlite3_stmt *st = tr->st[ST_RECLAIM];
  gboolean inactive = ev->id == VMEMU_EV_SHRINK_INACTIVE;

  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_int64 (st, 2, (gint64) tr->run.seq);
  sqlite3_bind_int64 (st, 3, (gint64) ev->time_ns);
  sqlite3_bind_int (st, 4, ev->task);
  sqlite3_bind_text (st, 5, inactive ? "inactive" : "active", -1, SQLITE_STATIC);
  for (int i = 0; i < 4; i++)
    sqlite3_bind_int64 (st, (inactive ? 6 : 10) + i, ev->a[i]);
  trace_step (tr, ST_RECLAIM);
}

static void
trace_route_counters (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  const VmemuEventInfo *info = vmemu_event_info (ev->id);
  sqlite3_stmt *st = tr->st[ST_COUNTER];

  for (int i = 0; i < 4; i++)
    {
      if (info->arg_names[i][0] == '\0')
        continue;
      sqlite3_bind_int64 (st, 1, tr->run.id);
      sqlite3_bind_int64 (st, 2, (gint64) tr->run.seq);
      sqlite3_bind_int64 (st, 3, (gint64) ev->time_ns);
      sqlite3_bind_text (st, 4, info->arg_names[i], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 5, ev->a[i]);
      if (!trace_step (tr, ST_COUNTER))
        return;
    }
}

static void
trace_route (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  switch (vmemu_event_info (ev->id)->cls)
    {
    case VMEMU_EVC_SYSCALL:
      trace_route_syscall (tr, ev);
      break;
    case VMEMU_EVC_BLOCK:
      trace_route_bio (tr, ev);
      break;
    case VMEMU_EVC_COUNTER:
      trace_route_counters (tr, ev);
      break;
    default:
      break;
    }
  if (ev->id == VMEMU_EV_SHRINK_INACTIVE || ev->id == VMEMU_EV_SHRINK_ACTIVE)
    trace_route_reclaim (tr, ev);
}

void
apply_event (VmemuTrace *tr, const VmemuTraceEvent *ev)
{
  if (trace_failed (tr))
    return;
  tr->run.seq++;
  tr->run.last_t_ns = ev->time_ns;
  trace_insert_event (tr, ev, trace_intern (tr, ev->detail));
  trace_route (tr, ev);
}

void
apply_verify (VmemuTrace *tr, const VmemuTraceVerify *v)
{
  if (trace_failed (tr))
    return;
  sqlite3_stmt *st = tr->st[ST_VERIFY];
  tr->run.n_verify++;
  tr->run.last_t_ns = MAX (tr->run.last_t_ns, v->time_ns);
  sqlite3_bind_int64 (st, 1, tr->run.id);
  sqlite3_bind_int64 (st, 2, (gint64) tr->run.n_verify);
  sqlite3_bind_int64 (st, 3, (gint64) tr->run.seq);
  sqlite3_bind_int64 (st, 4, (gint64) v->time_ns);
  sqlite3_bind_int (st, 5, v->task);
  bind_text_or_null (st, 6, v->kind);
  sqlite3_bind_int64 (st, 7, (gint64) v->ino);
  bind_text_or_null (st, 8, v->path);
  sqlite3_bind_int64 (st, 9, (gint64) v->offset_bytes);
  sqlite3_bind_int64 (st, 10, (gint64) v->length_bytes);
  sqlite3_bind_int (st, 11, v->ok ? 1 : 0);
  sqlite3_bind_int64 (st, 12, (gint64) v->bad_offset_bytes);
  sqlite3_bind_int64 (st, 13, (gint64) v->bad_length_bytes);
  sqlite3_bind_int64 (st, 14, (gint64) v->bad_total_bytes);
  bind_text_or_null (st, 15, v->expected_hex);
  bind_text_or_null (st, 16, v->found_hex);
  trace_step (tr, ST_VERIFY);
}
