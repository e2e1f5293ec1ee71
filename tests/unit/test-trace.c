/* test-trace.c — the trace writer and reader: typed tables, views, refusal to
 * overwrite, abort, the content fingerprint and the reader's error lines. */
#include "engine/trace/trace.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "engine/trace/sha256.h"
#include "engine/trace/tracedb.h"

typedef struct {
  char *dir;                /* fresh temporary directory */
  char *path;               /* dir/t.db */
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-trace-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "t.db", NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name = NULL;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static guint
dir_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* The S1 shape in miniature: a pwrite, the mkwrite that creates an empty
 * iomap_page, a writeback that writes a bio, a counter, a reclaim scan, and a
 * failed final check.  `tweak` changes one argument of one event. */
static void
emit_small (VmemuTrace *tr, gint64 tweak)
{
  VmemuTraceEvent ev;

  vmemu_trace_meta (tr, "seed", "1");
  vmemu_trace_meta (tr, "variant", "baseline");
  vmemu_trace_task (tr, 1, "writer", 0, "user");
  vmemu_trace_inode (tr, 5, "/data");
  ev = vmemu_trace_event_init (VMEMU_EV_SYS_ENTER, 1000);
  ev.task = 1, ev.a[0] = 1, ev.a[2] = 4096, ev.detail = "pwrite64";
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_IOP_CREATE, 2000);
  ev.task = 1, ev.ino = 5, ev.index = 0, ev.refcount = 2;
  ev.flags_before = VMEMU_PG_UPTODATE | VMEMU_PG_LRU;
  ev.flags_after = ev.flags_before | VMEMU_PG_PRIVATE;
  ev.a[0] = 1, ev.a[1] = tweak, ev.a[2] = 4;
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_BIO_QUEUE, 3000);
  ev.task = 1, ev.ino = 5, ev.index = 0;
  ev.a[0] = 8, ev.a[1] = 8, ev.a[2] = 1, ev.a[3] = 77;
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_SYS_EXIT, 4000);
  ev.task = 1, ev.a[0] = 1, ev.a[2] = 4096, ev.a[3] = 4096, ev.detail = "pwrite64";
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_BIO_COMPLETE, 5000);
  ev.a[0] = 8, ev.a[1] = 8, ev.a[2] = 1, ev.a[3] = 0;
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_GLOBAL_DIRTY_STATE, 5000);
  ev.a[0] = 3, ev.a[1] = 1, ev.a[2] = 10, ev.a[3] = 20;
  vmemu_trace_event (tr, &ev);
  ev = vmemu_trace_event_init (VMEMU_EV_SHRINK_INACTIVE, 6000);
  ev.a[0] = 32, ev.a[1] = 30, ev.a[2] = 1, ev.a[3] = 1;
  vmemu_trace_event (tr, &ev);
  VmemuTraceVerify v = { .time_ns = 7000, .task = -1, .kind = "final", .ino = 5,
                         .path = "/data", .length_bytes = 4096, .ok = FALSE,
                         .bad_length_bytes = 1, .bad_total_bytes = 1,
                         .expected_hex = "42", .found_hex = "41" };
  vmemu_trace_verify (tr, &v);
}

static void
write_small (const char *path, gboolean force, gint64 tweak)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (path, force, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tr);
  emit_small (tr, tweak);
  g_assert_cmpuint (vmemu_trace_n_events (tr), ==, 7);
  g_assert_true (vmemu_trace_close (tr, &error));
  g_assert_no_error (error);
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  gint64 v = -12345;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

static char *
query_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  char *v = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_text (st, 0) != NULL)
    v = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  return v;
}

static void
test_trace_writes_typed_tables (Fixture *f, gconstpointer data)
{
  sqlite3 *db = NULL;

  write_small (f->path, FALSE, 0);
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM events"), ==, 7);
  g_assert_cmpint (query_int (db, "SELECT max(seq) FROM events WHERE run = 1"), ==, 7);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM syscalls"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT seq_enter * 10 + seq_exit FROM syscalls"), ==, 14);
  g_assert_cmpint (query_int (db, "SELECT result FROM syscalls"), ==, 4096);
  g_autofree char *op = query_text (db, "SELECT op FROM syscalls");
  g_assert_cmpstr (op, ==, "pwrite64");
  g_assert_cmpint (query_int (db, "SELECT bio FROM block_io"), ==, 77);
  g_assert_cmpint (query_int (db, "SELECT t_complete_ns - t_submit_ns FROM block_io"), ==, 2000);
  g_assert_cmpint (query_int (db, "SELECT status FROM block_io"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM page_states"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT flags_after FROM page_states"), ==,
                   VMEMU_PG_UPTODATE | VMEMU_PG_LRU | VMEMU_PG_PRIVATE);
  g_assert_cmpint (query_int (db, "SELECT nr_reclaimed FROM reclaim_scans"), ==, 30);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM counters"), ==, 4);
  g_assert_cmpint (query_int (db, "SELECT bad_total FROM verifications"), ==, 1);
  g_autofree char *found = query_text (db, "SELECT found_hex FROM verifications");
  g_assert_cmpstr (found, ==, "41");
  /* Named arguments: events_named says `nr_blocks`, not a2, for every
   * argument of the event list. */
  g_assert_cmpint (query_int (db, "SELECT nr_blocks * 10 + page_uptodate FROM events_named"
                                  " WHERE name = 'iomap_page_create'"), ==, 41);
  g_assert_cmpint (query_int (db, "SELECT bio FROM events_named WHERE name = 'block_bio_queue'"),
                   ==, 77);
  g_assert_cmpint (query_int (db, "SELECT count(\"limit\") + count(arg_task) + count(arg_cpu)"
                                  " + count(released) FROM events_named"), ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'view'"),
                   <, 12);
  sqlite3_close (db);
}

/* EXPLAIN QUERY PLAN details, joined. */
static char *
query_plan (sqlite3 *db, const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *plan = g_string_new (NULL);
  sqlite3_stmt *st = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &st, NULL), ==, SQLITE_OK);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", sqlite3_column_text (st, 3));
  sqlite3_finalize (st);
  return g_string_free (plan, FALSE);
}

static void
test_trace_views_answer_questions (Fixture *f, gconstpointer data)
{
  sqlite3 *db = NULL;

  write_small (f->path, FALSE, 0);
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_autofree char *first = query_text (
    db, "SELECT name || ' ' || path FROM page_history WHERE run = 1 AND ino = 5"
        " AND idx = 0 ORDER BY seq LIMIT 1");
  g_assert_cmpstr (first, ==, "iomap_page_create /data");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM page_history WHERE ino = 5"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT bio FROM syscall_io WHERE op = 'pwrite64'"), ==, 77);
  g_assert_cmpint (query_int (db, "SELECT nr_dirty * 100 + dirty_thresh"
                                  " FROM dirty_writeback_over_time"), ==, 320);
  sqlite3_close (db);
  /* Once events_by_page exists (a reader built it, or the user did), a page's
   * history is a lookup in it. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, VMEMU_TRACE_INDEX_BY_PAGE, NULL, NULL, NULL), ==, SQLITE_OK);
  g_autofree char *plan = query_plan (
    db, "SELECT * FROM page_history WHERE run = 1 AND ino = 5 AND idx = 0");
  g_assert_nonnull (strstr (plan, "events_by_page"));
  g_autofree char *refs_plan = query_plan (db, "SELECT holder FROM page_refs WHERE run = 1"
                                               " AND seq = 2");
  g_assert_nonnull (strstr (refs_plan, "events_by_page"));
  sqlite3_close (db);
}

static void
test_trace_reader_reads_back (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  VmemuTracedbEvent ev;
  guint n = 0;
  gint64 run = 0;

  write_small (f->path, FALSE, 0);
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_true (vmemu_tracedb_resolve_run (db, NULL, &run, &error));
  g_assert_cmpint (run, ==, 1);
  g_autoptr(GPtrArray) runs = vmemu_tracedb_list_runs (db, &error);
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpuint (((VmemuTracedbRun *) runs->pdata[0])->n_events, ==, 7);
  g_autofree char *seed = vmemu_tracedb_meta (db, 1, "seed");
  g_assert_cmpstr (seed, ==, "1");
  g_autoptr(VmemuTracedbIter) it = vmemu_tracedb_events (db, 1, 0, &error);
  while (vmemu_tracedb_iter_next (it, &ev, &error))
    {
      n++;
      g_assert_cmpint (ev.seq, ==, n);
      if (n == 2)
        {
          g_assert_cmpstr (ev.name, ==, "iomap_page_create");
          g_assert_cmpint (ev.id, ==, VMEMU_EV_IOP_CREATE);
          g_assert_cmpint (ev.a[2], ==, 4);
        }
    }
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 7);
  g_autoptr(GArray) counts = vmemu_tracedb_count_by_name (db, 1, &error);
  g_assert_cmpstr (g_array_index (counts, VmemuTracedbCount, 0).name, ==, "block_bio_queue");
  g_autoptr(GPtrArray) verifs = vmemu_tracedb_verifications (db, 1, &error);
  g_assert_cmpuint (verifs->len, ==, 1);
  g_assert_false (((VmemuTracedbVerify *) verifs->pdata[0])->ok);
  g_assert_cmpstr (vmemu_tracedb_inode_path (db, 1, 5), ==, "/data");
}

static void
test_trace_refuses_existing_without_force (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  write_small (f->path, FALSE, 0);
  VmemuTrace *tr = vmemu_trace_open (f->path, FALSE, &error);
  g_assert_null (tr);
  g_assert_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "use --force"));
  write_small (f->path, TRUE, 1);
  g_assert_cmpuint (dir_entries (f->dir), ==, 1);
}

static void
test_trace_abort_leaves_no_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (f->path, FALSE, &error);

  g_assert_no_error (error);
  emit_small (tr, 0);
  g_assert_cmpuint (dir_entries (f->dir), ==, 1);   /* the temporary file */
  vmemu_trace_abort (tr);
  g_assert_cmpuint (dir_entries (f->dir), ==, 0);
}

static void
test_trace_null_is_a_no_op (void)
{
  VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_SYS_ENTER, 0);
  VmemuTraceVerify v = { 0 };

  vmemu_trace_meta (NULL, "k", "v");
  vmemu_trace_task (NULL, 1, "t", 0, "user");
  vmemu_trace_inode (NULL, 1, "/x");
  vmemu_trace_event (NULL, &ev);
  vmemu_trace_verify (NULL, &v);
  vmemu_trace_abort (NULL);
  g_assert_cmpint (vmemu_trace_begin_run (NULL, "x"), ==, 0);
  g_assert_cmpuint (vmemu_trace_n_events (NULL), ==, 0);
  g_assert_true (vmemu_trace_close (NULL, NULL));
}

static char *
stored_and_recomputed (const char *path, char **recomputed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (path, &error);

  g_assert_no_error (error);
  *recomputed = vmemu_tracedb_content_sha256 (db, 1, &error);
  g_assert_no_error (error);
  return vmemu_tracedb_meta (db, 1, "content_sha256");
}

static void
test_trace_hash_is_stable_and_sensitive (Fixture *f, gconstpointer data)
{
  g_autofree char *p2 = g_build_filename (f->dir, "u.db", NULL);
  g_autofree char *p3 = g_build_filename (f->dir, "v.db", NULL);
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
  g_autofree char *c1 = NULL, *c2 = NULL;
  gsize n1 = 0, n2 = 0;

  write_small (f->path, FALSE, 0);
  write_small (p2, FALSE, 0);
  write_small (p3, FALSE, 1);
  g_autofree char *s1 = stored_and_recomputed (f->path, &r1);
  g_autofree char *s2 = stored_and_recomputed (p2, &r2);
  g_autofree char *s3 = stored_and_recomputed (p3, &r3);
  g_assert_cmpuint (strlen (s1), ==, 64);
  g_assert_cmpstr (s1, ==, r1);           /* writer and reader agree */
  g_assert_cmpstr (s1, ==, s2);
  g_assert_cmpstr (s3, ==, r3);
  g_assert_cmpstr (s1, !=, s3);           /* one argument of one event */
  /* Same content, byte-identical files: nothing from the host leaks in. */
  g_assert_true (g_file_get_contents (f->path, &c1, &n1, NULL));
  g_assert_true (g_file_get_contents (p2, &c2, &n2, NULL));
  g_assert_cmpmem (c1, n1, c2, n2);
}

static void
test_trace_reader_refuses_other_schema (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  write_small (f->path, FALSE, 0);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 3", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  VmemuTracedb *t = vmemu_tracedb_open (f->path, &error);
  g_assert_null (t);
  g_assert_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "schema version 3 not supported (this vmemu reads 2)"));
  g_clear_error (&error);
  /* A trace of the first schema (before events lost their rowid): one line
   * that says what to do. */
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_null (vmemu_tracedb_open (f->path, &error));
  g_assert_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SCHEMA);
  g_assert_cmpstr (strchr (error->message, ' ') + 1, ==,
                   "schema version 1 not supported (this vmemu reads 2); it was written by an"
                   " older vmemu: run the scenario again");
}

/* events_by_name is not in a fresh trace; the first reader that needs it
 * builds it, through its own read-write connection when it opened the file
 * read-only; a read-only file keeps working without it. */
static void
test_trace_reader_builds_index_on_need (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *has = "SELECT count(*) FROM sqlite_master WHERE name = 'events_by_name'";

  write_small (f->path, FALSE, 0);
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (db), has), ==, 0);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (db),
                              "SELECT count(*) FROM sqlite_master WHERE name = 'events_by_page'"),
                   ==, 0);
  g_autoptr(VmemuTracedbIter) it = vmemu_tracedb_page_events (db,
                                                              1, 5, 0, 1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&it, vmemu_tracedb_iter_free);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (db),
                              "SELECT count(*) FROM sqlite_master WHERE name = 'events_by_page'"),
                   ==, 1);
  vmemu_tracedb_need_index (db, VMEMU_TRACE_INDEX_BY_NAME);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (db), has), ==, 1);
  vmemu_tracedb_need_index (db, VMEMU_TRACE_INDEX_BY_NAME);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (db),
                              "SELECT count(*) FROM events_named WHERE run = 1"
                              " AND name = 'block_bio_queue'"), ==, 1);

  g_autofree char *p2 = g_build_filename (f->dir, "ro.db", NULL);
  write_small (p2, FALSE, 0);
  g_assert_cmpint (g_chmod (p2, 0444), ==, 0);
  g_autoptr(VmemuTracedb) ro = vmemu_tracedb_open (p2, &error);
  g_assert_no_error (error);
  vmemu_tracedb_need_index (ro, VMEMU_TRACE_INDEX_BY_TASK);
  if (geteuid () != 0)   /* root writes a 0444 file all the same */
    g_assert_cmpint (query_int (vmemu_tracedb_handle (ro), "SELECT count(*) FROM sqlite_master"
                                " WHERE name = 'events_by_task'"), ==, 0);
  g_assert_cmpint (query_int (vmemu_tracedb_handle (ro),
                              "SELECT count(*) FROM events WHERE run = 1 AND task = 1"), ==, 4);
}

static void
expect_open_error (const char *path, int code, const char *text)
{
  g_autoptr(GError) error = NULL;
  VmemuTracedb *t = vmemu_tracedb_open (path, &error);

  g_assert_null (t);
  g_assert_error (error, VMEMU_TRACEDB_ERROR, code);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, text));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_trace_reader_errors_are_one_line (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_build_filename (f->dir, "text.db", NULL);
  g_autofree char *trunc = g_build_filename (f->dir, "trunc.db", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.db", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.db", NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  sqlite3 *db = NULL;

  write_small (f->path, FALSE, 0);
  g_assert_true (g_file_set_contents (text, "hello, this is not a database\n", -1, NULL));
  g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (trunc, contents, 70000, NULL));
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "CREATE TABLE x (a)", NULL, NULL, NULL);
  sqlite3_close (db);
  expect_open_error (text, VMEMU_TRACEDB_ERROR_NOT_TRACE, "not a vmemu trace database");
  expect_open_error (other, VMEMU_TRACEDB_ERROR_NOT_TRACE, "not a vmemu trace database");
  expect_open_error (trunc, VMEMU_TRACEDB_ERROR_CORRUPT, "truncated or corrupt");
  expect_open_error (missing, VMEMU_TRACEDB_ERROR_OPEN, "No such file");
  expect_open_error (f->dir, VMEMU_TRACEDB_ERROR_OPEN, "is a directory");
}

static void
test_trace_memory_hands_over_db (void)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (":memory:", FALSE, &error);

  g_assert_no_error (error);
  emit_small (tr, 0);
  struct sqlite3 *h = vmemu_trace_close_to_db (tr, &error);
  g_assert_no_error (error);
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_new_for_db (h, "memory", &error);
  g_assert_no_error (error);
  g_autoptr(GArray) counts = vmemu_tracedb_count_by_name (db, 1, &error);
  g_assert_cmpuint (counts->len, ==, 7);
}

static void
test_trace_runs_are_separate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (f->path, FALSE, &error);
  gint64 run = 0;

  emit_small (tr, 0);
  g_assert_cmpint (vmemu_trace_begin_run (tr, "patched"), ==, 2);
  emit_small (tr, 15);
  g_assert_true (vmemu_trace_close (tr, &error));
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (f->path, &error);
  g_assert_true (vmemu_tracedb_resolve_run (db, "patched", &run, &error));
  g_assert_cmpint (run, ==, 2);
  g_assert_false (vmemu_tracedb_resolve_run (db, "nope", &run, &error));
  g_assert_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_NO_RUN);
  g_autofree char *h1 = vmemu_tracedb_content_sha256 (db, 1, NULL);
  g_autofree char *h2 = vmemu_tracedb_content_sha256 (db, 2, NULL);
  g_autofree char *s2 = vmemu_tracedb_meta (db, 2, "content_sha256");
  g_assert_cmpstr (h2, ==, s2);
  g_assert_cmpstr (h1, !=, h2);
}

/* Many batches for the writer thread (each call a record, 4096 a batch, the
 * caller waiting when four are in flight), runs ended in the middle of one,
 * details that repeat and some that do not, and an abort while batches are
 * queued: every record arrives, in order (the fingerprint the writer stored
 * is the one the rows give), and the abort leaves no file. */
static void
test_trace_writer_thread_keeps_order (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (f->path, FALSE, &error);
  const guint per_run = 3 * 4096 * 4 + 77;

  g_assert_no_error (error);
  for (int run = 1; run <= 3; run++)
    {
      if (run > 1)
        g_assert_cmpint (vmemu_trace_begin_run (tr, NULL), ==, run);
      vmemu_trace_task (tr, 1, "writer", 0, "user");
      vmemu_trace_inode (tr, 5, "/data");
      for (guint i = 0; i < per_run; i++)
        {
          VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_PAGE_REF_GET, 1000 + i);
          g_autofree char *unique = g_strdup_printf ("n=%u", i);
          ev.task = 1, ev.ino = 5, ev.index = i % 64, ev.a[0] = i, ev.a[1] = run;
          ev.detail = i % 3 == 0 ? unique : i % 3 == 1 ? "holders=cache" : NULL;
          vmemu_trace_event (tr, &ev);
          if (i % 5000 == 0)
            {
              VmemuTraceVerify v = { .time_ns = 1000 + i, .task = 1, .kind = "read",
                                     .ino = 5, .path = "/data", .length_bytes = i, .ok = TRUE };
              vmemu_trace_verify (tr, &v);
            }
        }
    }
  g_assert_cmpuint (vmemu_trace_n_events (tr), ==, 3 * per_run);
  g_assert_true (vmemu_trace_close (tr, &error));
  g_assert_no_error (error);

  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (f->path, &error);
  g_assert_no_error (error);
  for (int run = 1; run <= 3; run++)
    {
      g_autofree char *stored = vmemu_tracedb_meta (db, run, "content_sha256");
      g_autofree char *again = vmemu_tracedb_content_sha256 (db, run, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (stored, ==, again);
      g_autofree char *sql = g_strdup_printf (
        "SELECT count(*) FROM events WHERE run = %d AND a0 = seq - 1 AND a1 = %d"
        " AND t_ns = 999 + seq AND (seq %% 3 <> 1 OR detail_id IS NOT NULL)", run, run);
      g_assert_cmpint (query_int (vmemu_tracedb_handle (db), sql), ==, per_run);
    }

  g_autofree char *p2 = g_build_filename (f->dir, "aborted.db", NULL);
  VmemuTrace *ab = vmemu_trace_open (p2, FALSE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < per_run; i++)
    {
      VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_TASK_START, i);
      vmemu_trace_event (ab, &ev);
    }
  vmemu_trace_abort (ab);
  g_assert_false (g_file_test (p2, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (dir_entries (f->dir), ==, 1);
}

/* A write failure (the file-size limit stands in for a full disk) fails the
 * close with a message and leaves no file behind.  Runs in a subprocess
 * because it lowers RLIMIT_FSIZE. */
static void
test_trace_write_error_fails_close (Fixture *f, gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      struct rlimit rl = { 256 * 1024, 256 * 1024 };
      VmemuTrace *tr = vmemu_trace_open (f->path, FALSE, &error);

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &rl), ==, 0);
      for (int i = 0; i < 20000; i++)
        emit_small (tr, i);
      g_assert_false (vmemu_trace_close (tr, &error));
      g_assert_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_SQLITE);
      g_assert_true (g_str_has_prefix (error->message, f->path));
      g_assert_cmpuint (dir_entries (f->dir), ==, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_trace_event_table_and_names (void)
{
  g_autofree char *flags = vmemu_page_flags_string (VMEMU_PG_UPTODATE | VMEMU_PG_DIRTY
                                                    | VMEMU_PG_PRIVATE);
  g_autofree char *none = vmemu_page_flags_string (0);

  g_assert_cmpstr (vmemu_event_info (VMEMU_EV_IOP_CREATE)->name, ==, "iomap_page_create");
  g_assert_cmpstr (vmemu_event_info (VMEMU_EV_IOP_CREATE)->arg_names[1], ==, "bits");
  g_assert_cmpstr (vmemu_event_info (VMEMU_EV_TASK_START)->arg_names[3], ==, "");
  /* The constants come from the same list as the names. */
  G_STATIC_ASSERT (VMEMU_ARG (IOMAP_RELEASEPAGE, released) == 2);
  G_STATIC_ASSERT (VMEMU_ARG (FILEMAP_SET_WB_ERR, errno) == 0);
  g_assert_cmpstr (vmemu_event_info (VMEMU_EV_IOMAP_RELEASEPAGE)
                     ->arg_names[VMEMU_ARG (IOMAP_RELEASEPAGE, released)], ==, "released");
  VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_IOMAP_RELEASEPAGE, 0);
  VMEMU_EV_ARG (&ev, IOMAP_RELEASEPAGE, released) = 1;
  g_assert_cmpint (ev.a[2], ==, 1);
  g_assert_cmpint (vmemu_event_lookup ("block_bio_queue"), ==, VMEMU_EV_BIO_QUEUE);
  g_assert_cmpint (vmemu_event_lookup ("no_such_event"), ==, -1);
  g_assert_cmpstr (flags, ==, "uptodate|dirty|private");
  g_assert_cmpstr (none, ==, "none");
  g_assert_cmpstr (vmemu_ref_holder_name (VMEMU_REF_PIPE), ==, "pipe");
  g_assert_cmpstr (vmemu_iomap_type_name (VMEMU_IOMAP_DELALLOC), ==, "DELALLOC");
  for (int i = 0; i < VMEMU_EV__COUNT; i++)
    g_assert_cmpint (vmemu_event_lookup (vmemu_event_info (i)->name), ==, i);
}

/* The fingerprint's SHA-256 (SHA extensions when the CPU has them) gives
 * GChecksum's digests for every length and split of the input. */
static void
test_trace_sha256_matches_gchecksum (void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (7);
  guint8 buf[4096];

  for (guint i = 0; i < sizeof buf; i++)
    buf[i] = (guint8) g_rand_int (r);
  for (int t = 0; t < 2000; t++)
    {
      VmemuSha256 s;
      g_autoptr(GChecksum) c = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      int parts = g_rand_int_range (r, 1, 6);

      vmemu_sha256_init (&s);
      for (int p = 0; p < parts; p++)
        {
          int off = g_rand_int_range (r, 0, 3000);
          int len = g_rand_int_range (r, 0, t % 5 == 0 ? 1000 : 140);
          vmemu_sha256_update (&s, buf + off, (gsize) len);
          g_checksum_update (c, buf + off, len);
        }
      vmemu_sha256_finish (&s, digest);
      g_autofree char *hex = vmemu_sha256_hex (digest);
      g_assert_cmpstr (hex, ==, g_checksum_get_string (c));
    }
  g_test_message ("SHA extensions used: %s", vmemu_sha256_accelerated () ? "yes" : "no");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, set_up, fn, tear_down)
  ADD ("/trace/writes-typed-tables", test_trace_writes_typed_tables);
  ADD ("/trace/views-answer-questions", test_trace_views_answer_questions);
  ADD ("/trace/reader-reads-back", test_trace_reader_reads_back);
  ADD ("/trace/refuses-existing-without-force", test_trace_refuses_existing_without_force);
  ADD ("/trace/abort-leaves-no-file", test_trace_abort_leaves_no_file);
  ADD ("/trace/hash-is-stable-and-sensitive", test_trace_hash_is_stable_and_sensitive);
  ADD ("/trace/reader-refuses-other-schema", test_trace_reader_refuses_other_schema);
  ADD ("/trace/reader-errors-are-one-line", test_trace_reader_errors_are_one_line);
  ADD ("/trace/runs-are-separate", test_trace_runs_are_separate);
  ADD ("/trace/write-error-fails-close", test_trace_write_error_fails_close);
  ADD ("/trace/reader-builds-index-on-need", test_trace_reader_builds_index_on_need);
  ADD ("/trace/writer-thread-keeps-order", test_trace_writer_thread_keeps_order);
#undef ADD
  g_test_add_func ("/trace/null-is-a-no-op", test_trace_null_is_a_no_op);
  g_test_add_func ("/trace/memory-hands-over-db", test_trace_memory_hands_over_db);
  g_test_add_func ("/trace/event-table-and-names", test_trace_event_table_and_names);
  g_test_add_func ("/trace/sha256-matches-gchecksum", test_trace_sha256_matches_gchecksum);
  return g_test_run ();
}
