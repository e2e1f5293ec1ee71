/* bench-vmemu.c — the benchmark figures of `make bench` that need the whole
 * library (tests/bench/bench.sh runs each part in its own process):
 *
 *   bench-vmemu emulate OPS TOPS TRACE.db
 *                                      whole emulation, fsx-style (generic/127
 *                                      shape) with memory pressure: OPS ops
 *                                      without trace, the first TOPS of them
 *                                      with a full trace
 *   bench-vmemu trace OPS DIR          the trace writer against a raw SQLite
 *                                      bulk insert of the same rows
 *   bench-vmemu scale PAGES READS      time per read, set-up time, model and
 *                                      RSS bytes per cached page with PAGES
 *                                      resident pages
 *
 * Each prints `name value unit` lines on stdout.  Host clocks are fine here:
 * this is a measuring tool, not the model.  It includes machine-private.h only to
 * read sizes (sizeof (VmemuPage), the page-cache index); it changes nothing.
 */
#include "engine/model/machine.h"
#include "engine/model/machine-private.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

#include <malloc.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
die (const char *what, const GError *error)
{
  fprintf (stderr, "bench-vmemu: %s: %s\n", what, error ? error->message : "failed");
  exit (1);
}

/* ------------------------------------------------------- fsx workload --- */

/* generic/127's shape: fsx -l 262144 -o 65536 with mmap reads and writes (the
 * default fsx op mix), on 1 KiB blocks under 4 KiB pages, in an 8 MiB machine
 * whose memory an anonymous allocation squeezes now and then (the `pressure`
 * background event) and whose caches are dropped once in a while. */
static VmemuScenario *
fsx_scenario (guint32 n_ops)
{
  VmemuScenario *scn = vmemu_scenario_new ("bench-generic-127");
  VmemuTask *t;

  scn->machine.page_size_bytes = 4096;
  scn->machine.memory_bytes = 8u << 20;
  scn->machine.seed = 1;
  scn->block_size_bytes = 1024;
  vmemu_scenario_add_file (scn, "/fsx", 0);
  t = vmemu_scenario_add_task (scn, "fsx");
  t->has_generate = TRUE;
  t->generate = (VmemuGenerate) {
    .seed = 1, .count = n_ops, .file = 0,
    .file_length_bytes = 256u << 10, .max_op_size_bytes = 64u << 10, .align_bytes = 1,
    .w_read = 1, .w_write = 1, .w_mread = 1, .w_mwrite = 1, .w_truncate = 1,
    .w_fallocate = 1, .w_punch_hole = 1, .w_zero_range = 1, .w_collapse_range = 1,
    .w_insert_range = 1,
    .bg_pressure = 20, .bg_drop_caches = 2,
  };
  return scn;
}

/* One run; returns wall seconds of machine set-up + run (+ trace close). */
static double
run_once (const VmemuScenario *scn, const VmemuVariant *v, const char *trace_path,
          VmemuRunResult *out)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = NULL;
  double t0 = now_s ();

  if (trace_path != NULL)
    {
      tr = vmemu_trace_open (trace_path, TRUE, &error);
      if (tr == NULL)
        die ("trace", error);
    }
  VmemuMachineOptions mo = { .variant = v, .trace = tr };
  g_autoptr(VmemuMachine) m = vmemu_machine_new (scn, &mo, &error);
  if (m == NULL)
    die ("machine", error);
  vmemu_machine_run (m, &error);
  if (error)
    die ("run", error);
  *out = *vmemu_machine_result (m);
  out->losses = NULL;
  if (tr != NULL && !vmemu_trace_close (tr, &error))
    die ("trace close", error);
  return now_s () - t0;
}

static int
bench_emulate (guint32 n_ops, guint32 n_traced_ops, const char *trace_path)
{
  g_autoptr(VmemuScenario) scn = fsx_scenario (n_ops);
  g_autoptr(VmemuScenario) traced_scn = fsx_scenario (n_traced_ops);
  g_autoptr(VmemuVariant) v = vmemu_variant_parse ("baseline", NULL);
  VmemuRunResult r;
  double best = G_MAXDOUBLE, traced;

  for (int i = 0; i < 2; i++)
    best = MIN (best, run_once (scn, v, NULL, &r));
  printf ("emulate_ops %u ops\n", n_ops);
  printf ("emulate_machine_ops %" G_GUINT64_FORMAT " ops\n", r.ops_run);
  printf ("emulate_events %" G_GUINT64_FORMAT " events\n", r.events_run);
  printf ("ops_per_s_no_trace %.0f ops/s\n", n_ops / best);
  printf ("sim_events_per_s_no_trace %.0f events/s\n", r.events_run / best);
  fflush (stdout);
  /* The traced run replays the first n_traced_ops ops of the same stream (a
   * rate, and the full 100,000-op trace takes minutes at today's rows/op);
   * its overhead is against the untraced rate. */
  traced = run_once (traced_scn, v, trace_path, &r);
  printf ("emulate_traced_ops %u ops\n", n_traced_ops);
  printf ("ops_per_s_trace %.0f ops/s\n", n_traced_ops / traced);
  printf ("trace_rows_per_op %.1f events/op\n", (double) r.trace_events / n_traced_ops);
  printf ("trace_events_per_s_in_emulation %.0f events/s\n", r.trace_events / traced);
  printf ("trace_overhead %.2f x\n", (traced / n_traced_ops) / (best / n_ops));
  GStatBuf sb;
  if (g_stat (trace_path, &sb) == 0 && r.trace_events > 0)
    printf ("trace_bytes_per_event %.1f bytes/event\n", (double) sb.st_size / r.trace_events);
  g_unlink (trace_path);
  return 0;
}

/* --------------------------------------------------------- trace writer --- */

/* The events, tasks, inodes and verifications of a real run, read back from
 * its trace, to be written again by the writer under test. */
typedef struct {
  GArray *events;          /* VmemuTraceEvent; detail points into strings */
  GPtrArray *strings;      /* owned detail texts */
  GArray *verify;          /* Verify */
  GPtrArray *tasks;        /* Task* */
  GPtrArray *inodes;       /* Inode* */
  char *content_sha256;
} Recording;

typedef struct {
  gint64 after_seq;
  VmemuTraceVerify v;      /* strings owned by the recording's string list */
} Verify;

typedef struct {
  gint32 id, cpu;
  char *name, *kind;
} Task;

typedef struct {
  guint64 ino;
  char *path;
} Inode;

static const char *
rec_text (Recording *rec, sqlite3_stmt *st, int col)
{
  const char *s = (const char *) sqlite3_column_text (st, col);

  if (s == NULL)
    return NULL;
  char *dup = g_strdup (s);
  g_ptr_array_add (rec->strings, dup);
  return dup;
}

static void
rec_load (Recording *rec, sqlite3 *db)
{
  sqlite3_stmt *st = NULL;
  GHashTable *details = g_hash_table_new (g_int64_hash, g_int64_equal);

  rec->events = g_array_new (FALSE, FALSE, sizeof (VmemuTraceEvent));
  rec->strings = g_ptr_array_new_with_free_func (g_free);
  rec->verify = g_array_new (FALSE, FALSE, sizeof (Verify));
  rec->tasks = g_ptr_array_new ();
  rec->inodes = g_ptr_array_new ();

  sqlite3_prepare_v2 (db, "SELECT id, str FROM strings", -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      gint64 *k = g_new (gint64, 1);
      *k = sqlite3_column_int64 (st, 0);
      g_hash_table_insert (details, k, (gpointer) rec_text (rec, st, 1));
    }
  sqlite3_finalize (st);

  sqlite3_prepare_v2 (db, "SELECT t_ns, name_id, task, cpu, ino, idx, blk_first, blk_count,"
                      " flags_before, flags_after, refcount, mapcount, a0, a1, a2, a3,"
                      " detail_id FROM events WHERE run = 1 ORDER BY seq", -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      VmemuTraceEvent ev = vmemu_trace_event_init (sqlite3_column_int (st, 1),
                                                   sqlite3_column_int64 (st, 0));
      gint64 d = sqlite3_column_int64 (st, 16);
      ev.task = sqlite3_column_int (st, 2);
      ev.cpu = sqlite3_column_int (st, 3);
      ev.ino = sqlite3_column_int64 (st, 4);
      ev.index = sqlite3_column_int64 (st, 5);
      ev.blk_first = sqlite3_column_int64 (st, 6);
      ev.blk_count = sqlite3_column_int (st, 7);
      ev.flags_before = sqlite3_column_int64 (st, 8);
      ev.flags_after = sqlite3_column_int64 (st, 9);
      ev.refcount = sqlite3_column_int (st, 10);
      ev.mapcount = sqlite3_column_int (st, 11);
      for (int i = 0; i < 4; i++)
        ev.a[i] = sqlite3_column_int64 (st, 12 + i);
      ev.detail = sqlite3_column_type (st, 16) == SQLITE_NULL ? NULL
                  : g_hash_table_lookup (details, &d);
      g_array_append_val (rec->events, ev);
    }
  sqlite3_finalize (st);

  sqlite3_prepare_v2 (db, "SELECT after_seq, t_ns, task, kind, ino, path, offset, length, ok,"
                      " bad_offset, bad_length, bad_total, expected_hex, found_hex"
                      " FROM verifications WHERE run = 1 ORDER BY id", -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      Verify v = { sqlite3_column_int64 (st, 0), {
        .time_ns = sqlite3_column_int64 (st, 1), .task = sqlite3_column_int (st, 2),
        .kind = rec_text (rec, st, 3), .ino = sqlite3_column_int64 (st, 4),
        .path = rec_text (rec, st, 5), .offset_bytes = sqlite3_column_int64 (st, 6),
        .length_bytes = sqlite3_column_int64 (st, 7), .ok = sqlite3_column_int (st, 8),
        .bad_offset_bytes = sqlite3_column_int64 (st, 9),
        .bad_length_bytes = sqlite3_column_int64 (st, 10),
        .bad_total_bytes = sqlite3_column_int64 (st, 11),
        .expected_hex = rec_text (rec, st, 12), .found_hex = rec_text (rec, st, 13) } };
      g_array_append_val (rec->verify, v);
    }
  sqlite3_finalize (st);

  sqlite3_prepare_v2 (db, "SELECT id, name, cpu, kind FROM tasks WHERE run = 1 ORDER BY id",
                      -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      Task *t = g_new0 (Task, 1);
      t->id = sqlite3_column_int (st, 0);
      t->name = (char *) rec_text (rec, st, 1);
      t->cpu = sqlite3_column_int (st, 2);
      t->kind = (char *) rec_text (rec, st, 3);
      g_ptr_array_add (rec->tasks, t);
    }
  sqlite3_finalize (st);
  sqlite3_prepare_v2 (db, "SELECT ino, path FROM inodes WHERE run = 1 ORDER BY ino",
                      -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      Inode *i = g_new0 (Inode, 1);
      i->ino = sqlite3_column_int64 (st, 0);
      i->path = (char *) rec_text (rec, st, 1);
      g_ptr_array_add (rec->inodes, i);
    }
  sqlite3_finalize (st);
  sqlite3_prepare_v2 (db, "SELECT content_sha256 FROM runs WHERE id = 1", -1, &st, NULL);
  if (sqlite3_step (st) == SQLITE_ROW)
    rec->content_sha256 = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  g_hash_table_destroy (details);
}

/* Write the recording through vmemu's writer; returns seconds, open to close. */
static double
writer_run (const Recording *rec, const char *path, char **sha_out)
{
  g_autoptr(GError) error = NULL;
  double t0 = now_s ();
  VmemuTrace *tr = vmemu_trace_open (path, TRUE, &error);
  guint vi = 0;

  if (tr == NULL)
    die ("trace open", error);
  for (guint i = 0; i < rec->inodes->len; i++)
    {
      const Inode *n = g_ptr_array_index (rec->inodes, i);
      vmemu_trace_inode (tr, n->ino, n->path);
    }
  for (guint i = 0; i < rec->tasks->len; i++)
    {
      const Task *t = g_ptr_array_index (rec->tasks, i);
      vmemu_trace_task (tr, t->id, t->name, t->cpu, t->kind);
    }
  vmemu_trace_meta (tr, "scenario", "bench");
  for (guint i = 0; i <= rec->events->len; i++)
    {
      /* verifications written after event i (seq i) */
      while (vi < rec->verify->len
             && g_array_index (rec->verify, Verify, vi).after_seq <= (gint64) i)
        vmemu_trace_verify (tr, &g_array_index (rec->verify, Verify, vi++).v);
      if (i < rec->events->len)
        vmemu_trace_event (tr, &g_array_index (rec->events, VmemuTraceEvent, i));
    }
  sqlite3 *db = vmemu_trace_close_to_db (tr, &error);
  if (db == NULL)
    die ("trace close", error);
  sqlite3_close (db);
  double t = now_s () - t0;
  if (sha_out != NULL)
    {
      sqlite3 *rdb = NULL;
      sqlite3_stmt *st = NULL;
      sqlite3_open_v2 (path, &rdb, SQLITE_OPEN_READONLY, NULL);
      sqlite3_prepare_v2 (rdb, "SELECT content_sha256 FROM runs WHERE id = 1", -1, &st, NULL);
      if (sqlite3_step (st) == SQLITE_ROW)
        *sha_out = g_strdup ((const char *) sqlite3_column_text (st, 0));
      sqlite3_finalize (st);
      sqlite3_close (rdb);
    }
  return t;
}

/* The same rows as a plain bulk load: every table of the source database, its
 * rows held in memory as SQLite values, inserted through one prepared
 * statement per table in one transaction, then the same indexes built. */
typedef struct {
  char *insert_sql;
  int ncols;
  GPtrArray *rows;         /* of sqlite3_value*[ncols] */
} RawTable;

typedef struct {
  GPtrArray *ddl_tables;   /* CREATE TABLE / VIEW, in creation order */
  GPtrArray *ddl_indexes;
  GPtrArray *tables;       /* RawTable* */
  guint64 n_rows;
} RawRows;

static void
raw_load (RawRows *raw, sqlite3 *db)
{
  sqlite3_stmt *st = NULL;

  raw->ddl_tables = g_ptr_array_new_with_free_func (g_free);
  raw->ddl_indexes = g_ptr_array_new_with_free_func (g_free);
  raw->tables = g_ptr_array_new ();
  sqlite3_prepare_v2 (db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
                      " ORDER BY rowid", -1, &st, NULL);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const char *type = (const char *) sqlite3_column_text (st, 0);
      const char *name = (const char *) sqlite3_column_text (st, 1);
      const char *sql = (const char *) sqlite3_column_text (st, 2);
      if (strcmp (type, "index") == 0)
        {
          g_ptr_array_add (raw->ddl_indexes, g_strdup (sql));
          continue;
        }
      g_ptr_array_add (raw->ddl_tables, g_strdup (sql));
      if (strcmp (type, "table") != 0)
        continue;
      /* No ORDER BY rowid: events is WITHOUT ROWID (trace schema 2); a full
       * scan gives either kind of table in its key order. */
      g_autofree char *sel = g_strdup_printf ("SELECT * FROM \"%s\"", name);
      sqlite3_stmt *rows = NULL;
      RawTable *t = g_new0 (RawTable, 1);
      sqlite3_prepare_v2 (db, sel, -1, &rows, NULL);
      t->ncols = sqlite3_column_count (rows);
      GString *ins = g_string_new (NULL);
      g_string_printf (ins, "INSERT INTO \"%s\" VALUES (", name);
      for (int c = 0; c < t->ncols; c++)
        g_string_append (ins, c ? ",?" : "?");
      g_string_append (ins, ")");
      t->insert_sql = g_string_free (ins, FALSE);
      t->rows = g_ptr_array_new ();
      while (sqlite3_step (rows) == SQLITE_ROW)
        {
          sqlite3_value **r = g_new (sqlite3_value *, t->ncols);
          for (int c = 0; c < t->ncols; c++)
            r[c] = sqlite3_value_dup (sqlite3_column_value (rows, c));
          g_ptr_array_add (t->rows, r);
          raw->n_rows++;
        }
      sqlite3_finalize (rows);
      g_ptr_array_add (raw->tables, t);
    }
  sqlite3_finalize (st);
}

static void
raw_exec (sqlite3 *db, const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      fprintf (stderr, "bench-vmemu: raw: %s: %s\n", sql, msg);
      exit (1);
    }
}

static double
raw_run (const RawRows *raw, const char *path)
{
  sqlite3 *db = NULL;
  double t0 = now_s ();

  g_unlink (path);
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                       | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "bench-vmemu: cannot open %s\n", path);
      exit (1);
    }
  raw_exec (db, "PRAGMA page_size = 65536; PRAGMA journal_mode = OFF;"
                " PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;"
                " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; BEGIN");
  for (guint i = 0; i < raw->ddl_tables->len; i++)
    raw_exec (db, g_ptr_array_index (raw->ddl_tables, i));
  for (guint i = 0; i < raw->tables->len; i++)
    {
      const RawTable *t = g_ptr_array_index (raw->tables, i);
      sqlite3_stmt *st = NULL;
      sqlite3_prepare_v3 (db, t->insert_sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
      for (guint r = 0; r < t->rows->len; r++)
        {
          sqlite3_value **row = g_ptr_array_index (t->rows, r);
          for (int c = 0; c < t->ncols; c++)
            sqlite3_bind_value (st, c + 1, row[c]);
          if (sqlite3_step (st) != SQLITE_DONE)
            {
              fprintf (stderr, "bench-vmemu: raw insert: %s\n", sqlite3_errmsg (db));
              exit (1);
            }
          sqlite3_reset (st);
        }
      sqlite3_finalize (st);
    }
  for (guint i = 0; i < raw->ddl_indexes->len; i++)
    raw_exec (db, g_ptr_array_index (raw->ddl_indexes, i));
  raw_exec (db, "COMMIT");
  sqlite3_close (db);
  return now_s () - t0;
}

static int
bench_trace (guint32 n_ops, const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = fsx_scenario (n_ops);
  g_autoptr(VmemuVariant) v = vmemu_variant_parse ("baseline", NULL);
  g_autofree char *wpath = g_build_filename (dir, "bench-writer.db", NULL);
  g_autofree char *rpath = g_build_filename (dir, "bench-raw.db", NULL);
  Recording rec = { 0 };
  RawRows raw = { 0 };
  double best_w = G_MAXDOUBLE, best_r = G_MAXDOUBLE;
  g_autofree char *sha = NULL;

  /* Record a real run into an in-memory trace. */
  VmemuTrace *tr = vmemu_trace_open (":memory:", TRUE, &error);
  VmemuMachineOptions mo = { .variant = v, .trace = tr };
  VmemuMachine *m = vmemu_machine_new (scn, &mo, &error);
  if (m == NULL)
    die ("machine", error);
  vmemu_machine_run (m, NULL);
  vmemu_machine_free (m);
  sqlite3 *db = vmemu_trace_close_to_db (tr, &error);
  if (db == NULL)
    die ("trace", error);
  rec_load (&rec, db);
  raw_load (&raw, db);
  sqlite3_close (db);

  /* Alternate, best of three each, so drift in the host hits both alike. */
  for (int i = 0; i < 3; i++)
    {
      g_clear_pointer (&sha, g_free);
      best_w = MIN (best_w, writer_run (&rec, wpath, &sha));
      best_r = MIN (best_r, raw_run (&raw, rpath));
    }
  g_unlink (wpath);
  g_unlink (rpath);
  if (g_strcmp0 (sha, rec.content_sha256) != 0)
    {
      fprintf (stderr, "bench-vmemu: the replayed trace's fingerprint %s differs from "
               "the recorded %s\n", sha, rec.content_sha256);
      return 1;
    }
  guint n = rec.events->len;
  printf ("trace_events %u events\n", n);
  printf ("trace_table_rows %" G_GUINT64_FORMAT " rows\n", raw.n_rows);
  printf ("trace_writer_events_per_s %.0f events/s\n", n / best_w);
  printf ("raw_sqlite_events_per_s %.0f events/s\n", n / best_r);
  printf ("raw_sqlite_rows_per_s %.0f rows/s\n", raw.n_rows / best_r);
  printf ("trace_vs_raw_sqlite %.3f x\n", best_r / best_w);
  return 0;
}

/* ---------------------------------------------------------------- scale --- */

#define SCALE_FILE_PAGES 1024u    /* 4 MiB files: big arrays stay powers of two */

/* n_pages resident clean pages (zero-filled files, state: cached), then
 * n_reads random 4 KiB reads of them, then a long sleep that the time limit
 * cuts short: the final read-back of every page would be timed otherwise. */
static VmemuScenario *
scale_scenario (guint64 n_pages, guint32 n_reads)
{
  VmemuScenario *scn = vmemu_scenario_new ("bench-scale");
  guint nfiles = (guint) ((n_pages + SCALE_FILE_PAGES - 1) / SCALE_FILE_PAGES);
  VmemuRng rng;

  scn->machine.page_size_bytes = 4096;
  scn->machine.memory_bytes = n_pages * 4096 * 2 + (64u << 20);
  scn->machine.device.size_bytes = n_pages * 4096 * 2 + (64u << 20);
  scn->block_size_bytes = 4096;
  for (guint i = 0; i < nfiles; i++)
    {
      g_autofree char *path = g_strdup_printf ("/f%u", i);
      VmemuFile *f = vmemu_scenario_add_file (scn, path, SCALE_FILE_PAGES * 4096);
      f->state = VMEMU_FILE_CACHED;
    }
  VmemuTask *t = vmemu_scenario_add_task (scn, "reader");
  vmemu_rng_init (&rng, 7);
  for (guint32 i = 0; i < n_reads; i++)
    {
      VmemuOp op = vmemu_op_init (VMEMU_OP_READ);
      guint64 pg = vmemu_rng_below (&rng, (guint64) nfiles * SCALE_FILE_PAGES);
      op.file = (gint) (pg / SCALE_FILE_PAGES);
      op.offset_bytes = (pg % SCALE_FILE_PAGES) * 4096;
      op.length_bytes = 4096;
      g_array_append_val (t->ops, op);
    }
  VmemuOp sl = vmemu_op_init (VMEMU_OP_SLEEP);
  sl.for_ns = 1000ull * G_USEC_PER_SEC * 1000;
  g_array_append_val (t->ops, sl);
  return scn;
}

/* Resident set of this process now (bytes), from /proc/self/statm. */
static guint64
rss_now_bytes (void)
{
  g_autofree char *text = NULL;
  unsigned long long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL)
      || sscanf (text, "%llu %llu", &size, &resident) != 2)
    return 0;
  return resident * (guint64) sysconf (_SC_PAGESIZE);
}

/* Peak resident set of this process so far (bytes). */
static guint64
rss_peak_bytes (void)
{
  struct rusage ru;

  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return 0;
  return (guint64) ru.ru_maxrss * 1024;   /* Linux: KiB */
}

static gsize
heap_bytes (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
}

/* What glibc takes for a buffer of n bytes grown by GArray (power of two). */
static gsize
array_bytes (gsize len)
{
  gsize cap = len ? 1 : 0;

  while (cap && cap < len)
    cap <<= 1;
  if (cap >= 128 * 1024)           /* mmapped: header, whole pages */
    return (cap + 16 + 4095) & ~(gsize) 4095;
  return cap;
}

static int
bench_scale (guint64 n_pages, guint32 n_reads)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuVariant) v = vmemu_variant_parse ("baseline", NULL);
  g_autoptr(VmemuScenario) scn = scale_scenario (n_pages, n_reads);
  guint64 pages = ((n_pages + SCALE_FILE_PAGES - 1) / SCALE_FILE_PAGES) * SCALE_FILE_PAGES;
  VmemuMachineOptions mo = { .variant = v, .time_limit_ns = 500ull * G_USEC_PER_SEC * 1000 };
  guint64 rss_before = rss_now_bytes ();
  gsize before = heap_bytes ();
  double t0 = now_s ();
  g_autoptr(VmemuMachine) m = vmemu_machine_new (scn, &mo, &error);
  if (m == NULL)
    die ("machine", error);
  double t1 = now_s ();
  vmemu_machine_run (m, NULL);      /* stops at the time limit, in the sleep */
  double t2 = now_s ();
  gsize after = heap_bytes ();
  guint64 rss_peak = rss_peak_bytes ();
  guint64 resident = 0, with_data = 0, file_bytes = 0, xa_bytes = 0, ops_bytes = 0;
  guint64 bmap_bytes = 0, extents = 0;

  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      guint64 idx = 0;
      VmemuPage *p;
      while ((p = vmemu_xa_find (ino->pages, &idx, G_MAXUINT64, VMEMU_XA_NO_MARK)) != NULL)
        {
          resident++;
          with_data += p->cgen == VM_PAGE_CONTENT_STORE;   /* a contents store, not inline */
          idx++;
        }
      xa_bytes += vmemu_xa_memory_bytes (ino->pages);
      bmap_bytes += vm_bmap_memory_bytes (ino->blocks);
      extents += vm_bmap_count (ino->blocks);
      file_bytes += vmemu_content_memory_bytes (ino->expected)
                    + vmemu_content_memory_bytes (ino->durable);
    }
  /* page contents are model state now (descriptors, no 4 KiB buffers): they
   * stay in the model's bytes per page */
  /* the reader's copy of its op list is scenario, not page state */
  for (guint i = 0; i < m->actors->len; i++)
    {
      VmemuActor *a = g_ptr_array_index (m->actors, i);
      if (a->ops != NULL)
        ops_bytes += array_bytes (a->ops->len * sizeof (VmemuOp));
    }
  file_bytes += ops_bytes;
  double model = ((double) after - (double) before - (double) file_bytes) / (double) resident;
  const char *tag = n_pages >= 16000000 ? "16m" : n_pages >= 4000000 ? "4m"
                    : n_pages >= 1000000 ? "1m"
                    : n_pages >= 100000 ? "100k" : "1k";

  if (resident != pages)
    fprintf (stderr, "bench-vmemu: scale: %" G_GUINT64_FORMAT " pages resident, not %"
             G_GUINT64_FORMAT "\n", resident, pages);
  printf ("scale_%s_resident_pages %" G_GUINT64_FORMAT " pages\n", tag, resident);
  printf ("scale_%s_setup_s %.3f s\n", tag, t1 - t0);
  printf ("scale_%s_ns_per_read %.0f ns/op\n", tag, (t2 - t1) * 1e9 / n_reads);
  printf ("scale_%s_model_bytes_per_page %.1f bytes\n", tag, model);
  /* Everything the machine holds, contents included (issue 15's "all in"). */
  printf ("scale_%s_heap_bytes_per_page %.1f bytes\n", tag,
          ((double) after - (double) before - (double) ops_bytes) / (double) resident);
  /* What bench.sh scales up to decide whether a bigger run fits in memory. */
  printf ("scale_%s_rss_bytes_per_page %.1f bytes\n", tag,
          rss_peak > rss_before ? (double) (rss_peak - rss_before) / (double) resident : 0.0);
  printf ("scale_%s_rss_peak_mib %.1f MiB\n", tag, (double) rss_peak / (1 << 20));
  printf ("scale_%s_xa_bytes_per_page %.2f bytes\n", tag, (double) xa_bytes / resident);
  /* the data fork (xfs.c): an extent map, one extent per contiguous run */
  printf ("scale_%s_blockmap_bytes_per_page %.2f bytes\n", tag, (double) bmap_bytes / resident);
  printf ("scale_%s_blockmap_extents %" G_GUINT64_FORMAT " extents\n", tag, extents);
  printf ("scale_%s_pages_with_4k_buffer %" G_GUINT64_FORMAT " pages\n", tag, with_data);
  printf ("scale_%s_file_bytes_per_page %.0f bytes\n", tag, (double) file_bytes / resident);
  printf ("sizeof_vmemu_page %zu bytes\n", sizeof (VmemuPage));
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 5 && strcmp (argv[1], "emulate") == 0)
    return bench_emulate ((guint32) g_ascii_strtoull (argv[2], NULL, 10),
                          (guint32) g_ascii_strtoull (argv[3], NULL, 10), argv[4]);
  if (argc == 4 && strcmp (argv[1], "trace") == 0)
    return bench_trace ((guint32) g_ascii_strtoull (argv[2], NULL, 10), argv[3]);
  if (argc == 4 && strcmp (argv[1], "scale") == 0)
    return bench_scale (g_ascii_strtoull (argv[2], NULL, 10),
                        (guint32) g_ascii_strtoull (argv[3], NULL, 10));
  fprintf (stderr, "usage: bench-vmemu emulate OPS TOPS TRACE.db | trace OPS DIR"
           " | scale PAGES READS\n");
  return 2;
}
