/* tracedb.c — the reading side of the trace database. */
#define G_LOG_DOMAIN "vmemu-tracedb"
#include "engine/trace/tracedb.h"
#include "engine/trace/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

G_DEFINE_QUARK (vmemu-tracedb-error-quark, vmemu_tracedb_error)

/* One row of event_names, as the trace recorded it. */
typedef struct {
  char *name;               /* owned */
  char *args[4];            /* owned; "" when unused */
  int id;                   /* this build's id for name, -1 when unknown */
} EventName;

struct _VmemuTracedb {
  sqlite3 *db;
  char *path;               /* path or label, for messages */
  int schema_version;
  GHashTable *names;        /* event_names.id -> EventName* */
  GHashTable *by_name;      /* name -> EventName* (borrowed) */
  GHashTable *inodes;       /* "run:ino" -> path (owned) */
  GHashTable *tasks;        /* "run:task" -> name (owned) */
  GHashTable *tried;        /* CREATE INDEX statements tried once (owned) */
};

struct _VmemuTracedbIter {
  VmemuTracedb *db;         /* borrowed */
  sqlite3_stmt *st;
};

/* ---- errors ---- */

/* Classify a SQLite failure into one line that starts with the path. */
static void
tracedb_set_sqlite_error (VmemuTracedb *db, int rc, GError **error)
{
  int code = VMEMU_TRACEDB_ERROR_SQLITE;
  const char *msg = db->db ? sqlite3_errmsg (db->db) : sqlite3_errstr (rc);

  switch (rc & 0xff)
    {
    case SQLITE_NOTADB:
      code = VMEMU_TRACEDB_ERROR_NOT_TRACE;
      msg = "not a vmemu trace database (not an SQLite file)";
      break;
    case SQLITE_CORRUPT:
      code = VMEMU_TRACEDB_ERROR_CORRUPT;
      msg = "the trace database is truncated or corrupt";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = VMEMU_TRACEDB_ERROR_LOCKED;
      msg = "the trace database is locked by another process";
      break;
    case SQLITE_CANTOPEN:
      code = VMEMU_TRACEDB_ERROR_OPEN;
      break;
    case SQLITE_READONLY:
      /* A read-only reader met a hot journal (a writer stopped mid-commit)
       * that it may not roll back: say what to do, not "readonly database". */
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_OPEN,
                   "%s: has a hot journal left by an interrupted write; open it once with "
                   "write access to roll it back, or remove %s-journal to discard the "
                   "unfinished change", db->path, db->path);
      return;
    default:
      break;
    }
  g_set_error (error, VMEMU_TRACEDB_ERROR, code, "%s: %s", db->path, msg);
}

static sqlite3_stmt *
tracedb_prepare (VmemuTracedb *db, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2 (db->db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    {
      tracedb_set_sqlite_error (db, rc, error);
      sqlite3_finalize (st);
      return NULL;
    }
  return st;
}

/* Step a statement: TRUE with a row, FALSE at the end (error unset) or on a
 * failure (error set). */
static gboolean
tracedb_step (VmemuTracedb *db, sqlite3_stmt *st, GError **error)
{
  int rc = sqlite3_step (st);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    tracedb_set_sqlite_error (db, rc, error);
  return FALSE;
}

static char *
column_dup (sqlite3_stmt *st, int col)
{
  const unsigned char *s = sqlite3_column_text (st, col);

  return s ? g_strdup ((const char *) s) : NULL;
}

/* A single integer from a query without parameters; FALSE on error. */
static gboolean
tracedb_query_int (VmemuTracedb *db, const char *sql, gint64 *out, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (db, sql, error);

  if (st == NULL)
    return FALSE;
  gboolean row = tracedb_step (db, st, error);
  if (row)
    *out = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  if (!row && error != NULL && *error == NULL)
    g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SQLITE,
                 "%s: no result for %s", db->path, sql);
  return row;
}

/* ---- open ---- */

static void
event_name_free (gpointer p)
{
  EventName *en = p;

  g_free (en->name);
  for (int i = 0; i < 4; i++)
    g_free (en->args[i]);
  g_free (en);
}

static gboolean
tracedb_load_names (VmemuTracedb *db, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT id, name, a0, a1, a2, a3 FROM event_names ORDER BY id", error);

  if (st == NULL)
    return FALSE;
  while (tracedb_step (db, st, error))
    {
      EventName *en = g_new0 (EventName, 1);
      en->name = column_dup (st, 1);
      if (en->name == NULL)
        en->name = g_strdup ("?");
      for (int i = 0; i < 4; i++)
        {
          en->args[i] = column_dup (st, 2 + i);
          if (en->args[i] == NULL)
            en->args[i] = g_strdup ("");
        }
      en->id = vmemu_event_lookup (en->name);
      int id = sqlite3_column_int (st, 0);
      /* A damaged table may repeat an id or a name: replacing the entry would
       * free a name by_name still points to. */
      if (g_hash_table_contains (db->names, GINT_TO_POINTER (id))
          || g_hash_table_contains (db->by_name, en->name))
        {
          g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_CORRUPT,
                       "%s: damaged database: event_names repeats an id or a name (id %d)",
                       db->path, id);
          event_name_free (en);
          sqlite3_finalize (st);
          return FALSE;
        }
      g_hash_table_insert (db->names, GINT_TO_POINTER (id), en);
      g_hash_table_insert (db->by_name, en->name, en);
    }
  sqlite3_finalize (st);
  return error == NULL || *error == NULL;
}

/* application_id marks a vmemu trace; user_version is its schema version. */
static gboolean
tracedb_check (VmemuTracedb *db, GError **error)
{
  gint64 app = 0, version = 0;

  if (!tracedb_query_int (db, "PRAGMA application_id", &app, error)
      || !tracedb_query_int (db, "PRAGMA user_version", &version, error))
    return FALSE;
  if (app != VMEMU_TRACE_APPLICATION_ID)
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_NOT_TRACE,
                   "%s: not a vmemu trace database", db->path);
      return FALSE;
    }
  db->schema_version = (int) version;
  if (version != VMEMU_TRACE_SCHEMA_VERSION)
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SCHEMA,
                   "%s: schema version %" G_GINT64_FORMAT " not supported"
                   " (this vmemu reads %d)%s", db->path, version,
                   VMEMU_TRACE_SCHEMA_VERSION,
                   version < VMEMU_TRACE_SCHEMA_VERSION
                   ? "; it was written by an older vmemu: run the scenario again" : "");
      return FALSE;
    }
  return tracedb_load_names (db, error);
}

static VmemuTracedb *
tracedb_alloc (const char *path)
{
  VmemuTracedb *db = g_new0 (VmemuTracedb, 1);

  db->path = g_strdup (path);
  db->names = g_hash_table_new_full (NULL, NULL, NULL, event_name_free);
  db->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  db->inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  db->tasks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  db->tried = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return db;
}

/* Missing files and directories, reported before SQLite sees them (SQLite
 * would create the one and say "unable to open" for the other). */
static gboolean
tracedb_check_file (const char *path, GError **error)
{
  GStatBuf sb;

  if (g_stat (path, &sb) != 0)
    {
      int saved = errno;
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_OPEN, "%s: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (sb.st_mode))
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_OPEN,
                   "%s: is a directory, not a trace database", path);
      return FALSE;
    }
  if (!S_ISREG (sb.st_mode))
    {
      /* SQLite would block opening a FIFO, or read a device without end. */
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_OPEN,
                   "%s: not a regular file (a FIFO, device or socket), not a trace database",
                   path);
      return FALSE;
    }
  return TRUE;
}

/* A WAL-mode database (header bytes 18 and 19 are 2) makes even a reader
 * create PATH-wal and PATH-shm, and a read-only connection cannot remove them
 * again.  With no write-ahead log beside it there is nothing but the file to
 * read: open it immutable, which touches nothing else. */
static gboolean
tracedb_is_wal_without_log (const char *path)
{
  guint8 head[20];
  FILE *f = fopen (path, "rb");
  gboolean wal = FALSE;
  if (f != NULL)
    {
      wal = fread (head, 1, sizeof head, f) == sizeof head && head[18] == 2 && head[19] == 2;
      fclose (f);
    }
  if (!wal)
    return FALSE;
  g_autofree char *log = g_strconcat (path, "-wal", NULL);
  GStatBuf st;
  return g_stat (log, &st) != 0 || st.st_size == 0;
}

/* The name SQLite opens: a file: URI (characters it would take as URI syntax
 * escaped), immutable for a WAL database without its log. */
static char *
tracedb_uri (const char *path)
{
  g_autofree char *esc = g_uri_escape_string (path, "/", FALSE);
  return g_strdup_printf ("file:%s%s", esc,
                          tracedb_is_wal_without_log (path) ? "?immutable=1" : "");
}

VmemuTracedb *
vmemu_tracedb_open (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!tracedb_check_file (path, error))
    return NULL;
  g_autoptr(VmemuTracedb) db = tracedb_alloc (path);
  g_autofree char *uri = tracedb_uri (path);
  int rc = sqlite3_open_v2 (uri, &db->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
  if (rc != SQLITE_OK)
    {
      tracedb_set_sqlite_error (db, rc, error);
      return NULL;
    }
  if (!tracedb_check (db, error))
    return NULL;
  return g_steal_pointer (&db);
}

VmemuTracedb *
vmemu_tracedb_new_for_db (struct sqlite3 *handle, const char *label, GError **error)
{
  g_return_val_if_fail (handle != NULL, NULL);
  g_autoptr(VmemuTracedb) db = tracedb_alloc (label ? label : ":memory:");

  db->db = handle;
  if (!tracedb_check (db, error))
    return NULL;
  return g_steal_pointer (&db);
}

void
vmemu_tracedb_free (VmemuTracedb *db)
{
  if (db == NULL)
    return;
  if (db->db != NULL)
    sqlite3_close (db->db);
  g_hash_table_destroy (db->by_name);
  g_hash_table_destroy (db->names);
  g_hash_table_destroy (db->inodes);
  g_hash_table_destroy (db->tasks);
  g_hash_table_destroy (db->tried);
  g_free (db->path);
  g_free (db);
}

const char *
vmemu_tracedb_path (const VmemuTracedb *db)
{
  return db->path;
}

struct sqlite3 *
vmemu_tracedb_handle (const VmemuTracedb *db)
{
  return db->db;
}

int
vmemu_tracedb_schema_version (const VmemuTracedb *db)
{
  return db->schema_version;
}

/* ---- indexes built on first need ---- */

static gboolean
tracedb_has_index (VmemuTracedb *db, const char *create_sql)
{
  /* "CREATE INDEX IF NOT EXISTS NAME ON ...": the name is the 6th word. */
  g_auto(GStrv) words = g_strsplit (create_sql, " ", 7);
  sqlite3_stmt *st = NULL;
  gboolean has = FALSE;

  if (g_strv_length (words) < 6
      || sqlite3_prepare_v2 (db->db, "SELECT 1 FROM sqlite_master WHERE type = 'index'"
                             " AND name = ?", -1, &st, NULL) != SQLITE_OK)
    return TRUE;
  sqlite3_bind_text (st, 1, words[5], -1, SQLITE_STATIC);
  has = sqlite3_step (st) == SQLITE_ROW;
  sqlite3_finalize (st);
  return has;
}

void
vmemu_tracedb_need_index (VmemuTracedb *db, const char *create_sql)
{
  g_return_if_fail (db != NULL && create_sql != NULL);
  /* Once per handle: a read-only file or a lock would make every later call
   * wait for the busy timeout again. */
  if (!g_hash_table_add (db->tried, g_strdup (create_sql)) || tracedb_has_index (db, create_sql))
    return;
  if (!sqlite3_db_readonly (db->db, "main"))
    {
      if (sqlite3_exec (db->db, create_sql, NULL, NULL, NULL) != SQLITE_OK)
        g_debug ("%s: %s: %s", db->path, create_sql, sqlite3_errmsg (db->db));
      return;
    }
  const char *file = sqlite3_db_filename (db->db, "main");
  sqlite3 *rw = NULL;
  if (file == NULL || file[0] == '\0'
      || sqlite3_open_v2 (file, &rw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      sqlite3_close (rw);
      return;
    }
  sqlite3_busy_timeout (rw, 2000);
  if (sqlite3_exec (rw, create_sql, NULL, NULL, NULL) != SQLITE_OK)
    g_debug ("%s: %s: %s", db->path, create_sql, sqlite3_errmsg (rw));
  sqlite3_close (rw);
}

/* ---- runs and meta ---- */

void
vmemu_tracedb_run_free (VmemuTracedbRun *run)
{
  if (run == NULL)
    return;
  g_free (run->name);
  g_free (run->content_sha256);
  g_free (run);
}

GPtrArray *
vmemu_tracedb_list_runs (VmemuTracedb *db, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT id, name, n_events, n_verifications, t_end_ns, content_sha256"
        " FROM runs ORDER BY id", error);
  GError *local = NULL;

  if (st == NULL)
    return NULL;
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_tracedb_run_free);
  while (tracedb_step (db, st, &local))
    {
      VmemuTracedbRun *r = g_new0 (VmemuTracedbRun, 1);
      r->id = sqlite3_column_int64 (st, 0);
      r->name = column_dup (st, 1);
      r->n_events = (guint64) sqlite3_column_int64 (st, 2);
      r->n_verifications = (guint64) sqlite3_column_int64 (st, 3);
      r->t_end_ns = (guint64) sqlite3_column_int64 (st, 4);
      r->content_sha256 = column_dup (st, 5);
      g_ptr_array_add (runs, r);
    }
  sqlite3_finalize (st);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_steal_pointer (&runs);
}

gboolean
vmemu_tracedb_resolve_run (VmemuTracedb *db, const char *spec, gint64 *run_out,
                           GError **error)
{
  g_autoptr(GPtrArray) runs = vmemu_tracedb_list_runs (db, error);

  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      VmemuTracedbRun *r = runs->pdata[i];
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->id);
      if (spec == NULL || strcmp (spec, id) == 0
          || (r->name != NULL && strcmp (spec, r->name) == 0))
        {
          *run_out = r->id;
          return TRUE;
        }
    }
  if (spec == NULL)
    g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_NO_RUN,
                 "%s: the trace has no runs (was the run interrupted?)", db->path);
  else
    g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_NO_RUN,
                 "%s: no run '%s' in this trace", db->path, spec);
  return FALSE;
}

char *
vmemu_tracedb_meta (VmemuTracedb *db, gint64 run, const char *key)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT value FROM meta WHERE run = ? AND key = ?", NULL);
  char *value = NULL;

  if (st == NULL)
    return NULL;
  sqlite3_bind_int64 (st, 1, run);
  sqlite3_bind_text (st, 2, key, -1, SQLITE_STATIC);
  if (tracedb_step (db, st, NULL))
    value = column_dup (st, 0);
  sqlite3_finalize (st);
  return value;
}

char **
vmemu_tracedb_meta_keys (VmemuTracedb *db, gint64 run)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT key FROM meta WHERE run = ? ORDER BY key", NULL);
  GPtrArray *keys = g_ptr_array_new ();

  if (st != NULL)
    {
      sqlite3_bind_int64 (st, 1, run);
      /* A damaged table may hold a NULL key: it would end the vector early
       * and leak the keys after it. */
      while (tracedb_step (db, st, NULL))
        if (sqlite3_column_type (st, 0) != SQLITE_NULL)
          g_ptr_array_add (keys, column_dup (st, 0));
      sqlite3_finalize (st);
    }
  g_ptr_array_add (keys, NULL);
  return (char **) g_ptr_array_free (keys, FALSE);
}

/* Look up one text column by (run, key) through a small cache. */
static const char *
tracedb_cached_lookup (VmemuTracedb *db, GHashTable *cache, const char *sql,
                       gint64 run, gint64 key)
{
  g_autofree char *ck = g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                                         run, key);
  gpointer found = NULL;

  if (g_hash_table_lookup_extended (cache, ck, NULL, &found))
    return found;
  sqlite3_stmt *st = tracedb_prepare (db, sql, NULL);
  char *value = NULL;
  if (st != NULL)
    {
      sqlite3_bind_int64 (st, 1, run);
      sqlite3_bind_int64 (st, 2, key);
      if (tracedb_step (db, st, NULL))
        value = column_dup (st, 0);
      sqlite3_finalize (st);
    }
  g_hash_table_insert (cache, g_steal_pointer (&ck), value);
  return value;
}

const char *
vmemu_tracedb_inode_path (VmemuTracedb *db, gint64 run, guint64 ino)
{
  return tracedb_cached_lookup (db, db->inodes,
                                "SELECT path FROM inodes WHERE run = ? AND ino = ?",
                                run, (gint64) ino);
}

const char *
vmemu_tracedb_task_name (VmemuTracedb *db, gint64 run, gint32 task)
{
  return tracedb_cached_lookup (db, db->tasks,
                                "SELECT name FROM tasks WHERE run = ? AND id = ?",
                                run, task);
}

const char *
vmemu_tracedb_arg_name (VmemuTracedb *db, const char *name, int i)
{
  EventName *en = g_hash_table_lookup (db->by_name, name);

  if (en == NULL || i < 0 || i > 3)
    return "";
  return en->args[i];
}

/* ---- events ---- */

#define EVENT_COLUMNS \
  "seq, t_ns, name_id, task, cpu, ino, idx, blk_first, blk_count," \
  " flags_before, flags_after, refcount, mapcount, a0, a1, a2, a3," \
  " (SELECT str FROM strings WHERE id = detail_id)"

static VmemuTracedbIter *
tracedb_iter_new (VmemuTracedb *db, const char *sql, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (db, sql, error);

  if (st == NULL)
    return NULL;
  VmemuTracedbIter *it = g_new0 (VmemuTracedbIter, 1);
  it->db = db;
  it->st = st;
  return it;
}

VmemuTracedbIter *
vmemu_tracedb_events (VmemuTracedb *db, gint64 run, gint64 from_seq,
                      GError **error)
{
  VmemuTracedbIter *it = tracedb_iter_new (
    db, "SELECT " EVENT_COLUMNS " FROM events WHERE run = ? AND seq >= ?"
        " ORDER BY seq", error);

  if (it == NULL)
    return NULL;
  sqlite3_bind_int64 (it->st, 1, run);
  sqlite3_bind_int64 (it->st, 2, from_seq);
  return it;
}

VmemuTracedbIter *
vmemu_tracedb_page_events (VmemuTracedb *db, gint64 run, guint64 ino, gint64 idx,
                           gint64 from_seq, GError **error)
{
  vmemu_tracedb_need_index (db, VMEMU_TRACE_INDEX_BY_PAGE);
  VmemuTracedbIter *it = tracedb_iter_new (
    db, "SELECT " EVENT_COLUMNS " FROM events WHERE run = ? AND ino = ?"
        " AND idx = ? AND seq >= ? ORDER BY seq", error);

  if (it == NULL)
    return NULL;
  sqlite3_bind_int64 (it->st, 1, run);
  sqlite3_bind_int64 (it->st, 2, (gint64) ino);
  sqlite3_bind_int64 (it->st, 3, idx);
  sqlite3_bind_int64 (it->st, 4, from_seq);
  return it;
}

gboolean
vmemu_tracedb_iter_next (VmemuTracedbIter *it, VmemuTracedbEvent *ev,
                         GError **error)
{
  sqlite3_stmt *st = it->st;

  if (!tracedb_step (it->db, st, error))
    return FALSE;
  EventName *en = g_hash_table_lookup (it->db->names,
                                       GINT_TO_POINTER (sqlite3_column_int (st, 2)));
  ev->seq = sqlite3_column_int64 (st, 0);
  ev->t_ns = (guint64) sqlite3_column_int64 (st, 1);
  ev->name = en ? en->name : "?";
  ev->id = en ? en->id : -1;
  ev->task = sqlite3_column_int (st, 3);
  ev->cpu = sqlite3_column_int (st, 4);
  ev->ino = (guint64) sqlite3_column_int64 (st, 5);
  ev->idx = sqlite3_column_int64 (st, 6);
  ev->blk_first = sqlite3_column_int64 (st, 7);
  ev->blk_count = sqlite3_column_int (st, 8);
  ev->flags_before = (guint32) sqlite3_column_int64 (st, 9);
  ev->flags_after = (guint32) sqlite3_column_int64 (st, 10);
  ev->refcount = sqlite3_column_int (st, 11);
  ev->mapcount = sqlite3_column_int (st, 12);
  for (int i = 0; i < 4; i++)
    ev->a[i] = sqlite3_column_int64 (st, 13 + i);
  ev->detail = (const char *) sqlite3_column_text (st, 17);
  return TRUE;
}

void
vmemu_tracedb_iter_free (VmemuTracedbIter *it)
{
  if (it == NULL)
    return;
  sqlite3_finalize (it->st);
  g_free (it);
}

GArray *
vmemu_tracedb_count_by_name (VmemuTracedb *db, gint64 run, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT n.name, count(*) FROM events e JOIN event_names n"
        " ON n.id = e.name_id WHERE e.run = ? GROUP BY n.name ORDER BY n.name",
    error);
  GError *local = NULL;

  if (st == NULL)
    return NULL;
  sqlite3_bind_int64 (st, 1, run);
  g_autoptr(GArray) counts = g_array_new (FALSE, TRUE, sizeof (VmemuTracedbCount));
  while (tracedb_step (db, st, &local))
    {
      const char *name = (const char *) sqlite3_column_text (st, 0);
      EventName *en = g_hash_table_lookup (db->by_name, name);
      VmemuTracedbCount c = { en ? en->name : "?",
                              (guint64) sqlite3_column_int64 (st, 1) };
      g_array_append_val (counts, c);
    }
  sqlite3_finalize (st);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_steal_pointer (&counts);
}

void
vmemu_tracedb_verify_free (VmemuTracedbVerify *v)
{
  if (v == NULL)
    return;
  g_free (v->kind);
  g_free (v->path);
  g_free (v->expected_hex);
  g_free (v->found_hex);
  g_free (v);
}

static VmemuTracedbVerify *
verify_from_row (sqlite3_stmt *st)
{
  VmemuTracedbVerify *v = g_new0 (VmemuTracedbVerify, 1);

  v->id = sqlite3_column_int64 (st, 0);
  v->after_seq = sqlite3_column_int64 (st, 1);
  v->t_ns = (guint64) sqlite3_column_int64 (st, 2);
  v->task = sqlite3_column_int (st, 3);
  v->kind = column_dup (st, 4);
  v->ino = (guint64) sqlite3_column_int64 (st, 5);
  v->path = column_dup (st, 6);
  v->offset_bytes = (guint64) sqlite3_column_int64 (st, 7);
  v->length_bytes = (guint64) sqlite3_column_int64 (st, 8);
  v->ok = sqlite3_column_int (st, 9) != 0;
  v->bad_offset_bytes = (guint64) sqlite3_column_int64 (st, 10);
  v->bad_length_bytes = (guint64) sqlite3_column_int64 (st, 11);
  v->bad_total_bytes = (guint64) sqlite3_column_int64 (st, 12);
  v->expected_hex = column_dup (st, 13);
  v->found_hex = column_dup (st, 14);
  return v;
}

#define VERIFY_COLUMNS \
  "id, after_seq, t_ns, task, kind, ino, path, offset, length, ok," \
  " bad_offset, bad_length, bad_total, expected_hex, found_hex"

GPtrArray *
vmemu_tracedb_verifications (VmemuTracedb *db, gint64 run, GError **error)
{
  sqlite3_stmt *st = tracedb_prepare (
    db, "SELECT " VERIFY_COLUMNS " FROM verifications WHERE run = ? ORDER BY id",
    error);
  GError *local = NULL;

  if (st == NULL)
    return NULL;
  sqlite3_bind_int64 (st, 1, run);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_tracedb_verify_free);
  while (tracedb_step (db, st, &local))
    g_ptr_array_add (out, verify_from_row (st));
  sqlite3_finalize (st);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- fingerprint (docs/trace-schema.md; mirrors engine/trace/trace.c) ---- */

static void
sum_i64 (VmemuSha256 *sum, gint64 v)
{
  guint64 u = (guint64) v;
  guint8 buf[8];

  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) (u >> (8 * i));
  vmemu_sha256_update (sum, buf, sizeof buf);
}

/* A text column: length then bytes; NULL as length -1. */
static void
sum_text (VmemuSha256 *sum, sqlite3_stmt *st, int col)
{
  if (sqlite3_column_type (st, col) == SQLITE_NULL)
    {
      sum_i64 (sum, -1);
      return;
    }
  const unsigned char *s = sqlite3_column_text (st, col);
  int len = sqlite3_column_bytes (st, col);
  sum_i64 (sum, len);
  vmemu_sha256_update (sum, s, (gsize) len);
}

/* Hash every row of sql (bound to run); types[i] is 'i' or 't' per column. */
static gboolean
tracedb_sum_query (VmemuTracedb *db, const char *sql, const char *types,
                   gint64 run, VmemuSha256 *outer, GError **error)
{
  VmemuSha256 sum;
  sqlite3_stmt *st = tracedb_prepare (db, sql, error);
  GError *local = NULL;
  guint8 digest[32];

  if (st == NULL)
    return FALSE;
  vmemu_sha256_init (&sum);
  sqlite3_bind_int64 (st, 1, run);
  while (tracedb_step (db, st, &local))
    for (int c = 0; types[c] != '\0'; c++)
      {
        if (types[c] == 't')
          sum_text (&sum, st, c);
        else
          sum_i64 (&sum, sqlite3_column_int64 (st, c));
      }
  sqlite3_finalize (st);
  vmemu_sha256_finish (&sum, digest);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  vmemu_sha256_update (outer, digest, sizeof digest);
  return TRUE;
}

char *
vmemu_tracedb_content_sha256 (VmemuTracedb *db, gint64 run, GError **error)
{
  static const char tag[] = "vmemu-content-1\n";
  VmemuSha256 outer;
  guint8 digest[32];

  vmemu_sha256_init (&outer);
  vmemu_sha256_update (&outer, tag, strlen (tag));
  if (!tracedb_sum_query (db, "SELECT id, name, cpu, kind FROM tasks"
                              " WHERE run = ? ORDER BY id", "itit", run, &outer, error)
      || !tracedb_sum_query (db, "SELECT ino, path FROM inodes WHERE run = ?"
                                 " ORDER BY ino", "it", run, &outer, error)
      || !tracedb_sum_query (db, "SELECT n.name, e.t_ns, e.task, e.cpu, e.ino,"
                                 " e.idx, e.blk_first, e.blk_count, e.flags_before,"
                                 " e.flags_after, e.refcount, e.mapcount,"
                                 " e.a0, e.a1, e.a2, e.a3, s.str"
                                 " FROM events e JOIN event_names n ON n.id = e.name_id"
                                 " LEFT JOIN strings s ON s.id = e.detail_id"
                                 " WHERE e.run = ? ORDER BY e.seq",
                             "tiiiiiiiiiiiiiiit", run, &outer, error)
      || !tracedb_sum_query (db, "SELECT t_ns, task, kind, ino, path, offset, length,"
                                 " ok, bad_offset, bad_length, bad_total,"
                                 " expected_hex, found_hex FROM verifications"
                                 " WHERE run = ? ORDER BY id",
                             "iititiiiiiitt", run, &outer, error))
    {
      vmemu_sha256_clear (&outer);
      return NULL;
    }
  vmemu_sha256_finish (&outer, digest);
  return vmemu_sha256_hex (digest);
}
