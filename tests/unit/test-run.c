/* test-run.c — engine/run: one run's lifecycle (trace written, or aborted and
 * gone) and the pool (items in order, the lowest failing item's error, the
 * same results whatever the number of threads). */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/run/run.h"
#include "tests/unit/model-run.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

/* Loses data under baseline, clean under patched (test-model.c's S1). */
static const char *s1 = MODEL_RUN_S1_YAML;

typedef struct {
  VmemuScenario *scn;
  VmemuVariant *base, *patched;
  char *dir;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->scn = vmemu_scenario_load_data ("t.yaml", s1, strlen (s1), &error);
  g_assert_no_error (error);
  f->base = vmemu_variant_parse ("baseline", &error);
  g_assert_no_error (error);
  f->patched = vmemu_variant_parse ("patched", &error);
  g_assert_no_error (error);
  f->dir = g_dir_make_tmp ("test-run-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) d = g_dir_open (f->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  vmemu_variant_free (f->base);
  vmemu_variant_free (f->patched);
  vmemu_scenario_free (f->scn);
}

static guint
dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (d && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static char *
meta_of (const char *path, const char *key)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *v = NULL;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "select value from meta where key = ?1", -1, &st,
                                       NULL), ==, SQLITE_OK);
  sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (st) == SQLITE_ROW)
    v = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  sqlite3_close (db);
  return v;
}

/* A file trace is renamed into place with the run's meta and its verdict. */
static void
test_file_trace (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "t.db", NULL);
  VmemuRunOptions o = { .scenario = f->scn, .variant = f->base, .trace_path = path,
                        .result_meta = TRUE };
  g_autoptr (VmemuRun) r = vmemu_run_one (&o);

  g_assert_no_error (vmemu_run_error (r));
  g_assert_cmpint (vmemu_run_status (r), ==, VMEMU_RUN_DONE);
  g_assert_cmpuint (vmemu_run_machine_result (r)->losses->len, >, 0);
  g_assert_null (vmemu_run_steal_db (r));
  g_assert_cmpuint (dir_entries (f->dir), ==, 1);
  g_autofree char *variant = meta_of (path, "variant");
  g_autofree char *result = meta_of (path, "result");
  g_assert_cmpstr (variant, ==, "baseline");
  g_assert_cmpstr (result, ==, "data-loss");
}

/* An existing trace without force: nothing runs, the file stays. */
static void
test_open_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "t.db", NULL);
  g_assert_true (g_file_set_contents (path, "x", 1, NULL));
  VmemuRunOptions o = { .scenario = f->scn, .variant = f->base, .trace_path = path };
  g_autoptr (VmemuRun) r = vmemu_run_one (&o);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (vmemu_run_status (r), ==, VMEMU_RUN_FAILED_OPEN);
  g_assert_false (vmemu_run_check (r, &error));
  g_assert_error (error, VMEMU_TRACE_ERROR, VMEMU_TRACE_ERROR_EXISTS);
  g_assert_null (vmemu_run_machine (r));
  g_assert_null (vmemu_run_machine_result (r));
  g_assert_cmpuint (dir_entries (f->dir), ==, 1);
}

static void
count_temp (const char *temp_path)
{
  g_assert_nonnull (temp_path);
  g_test_queue_free (g_strdup (temp_path));
}

/* Interrupted: the machine's error, the temporary trace aborted (gone). */
static void
test_interrupted (Fixture *f, gconstpointer data)
{
  static volatile gint flag = 2;
  g_autofree char *path = g_build_filename (f->dir, "t.db", NULL);
  VmemuRunOptions o = { .scenario = f->scn, .variant = f->base, .trace_path = path,
                        .interrupt = &flag, .trace_temp = count_temp };
  g_autoptr (VmemuRun) r = vmemu_run_one (&o);

  g_assert_cmpint (vmemu_run_status (r), ==, VMEMU_RUN_INTERRUPTED);
  g_assert_error ((GError *) vmemu_run_error (r), VMEMU_MACHINE_ERROR,
                  VMEMU_MACHINE_ERROR_INTERRUPTED);
  g_assert_cmpuint (dir_entries (f->dir), ==, 0);
}

/* An in-memory trace is handed over open for reading. */
static void
test_memory_trace (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  sqlite3 *db = vmemu_run_to_db (f->scn, f->patched, 0, &error);
  sqlite3_stmt *st = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (db);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "select count(*) from events", -1, &st, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (st, 0), >, 0);
  sqlite3_finalize (st);
  sqlite3_close (db);
}

/* ---- the pool ---- */

typedef struct {
  GMutex lock;
  guint64 fail_from;        /* items >= this fail (each with its own message) */
  GArray *handed;           /* items handed out, in order (calling thread) */
  guint64 done;
  guint64 ran;
} Count;

static gboolean
count_work (guint64 i, gpointer data, GError **error)
{
  Count *c = data;
  g_mutex_lock (&c->lock);
  c->ran++;
  g_mutex_unlock (&c->lock);
  if (i < c->fail_from)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "item %" G_GUINT64_FORMAT, i);
  return FALSE;
}

static gboolean
count_next (guint64 i, gpointer data)
{
  Count *c = data;
  g_array_append_val (c->handed, i);
  return TRUE;
}

static void
count_done (guint64 i, gpointer data)
{
  ((Count *) data)->done++;
}

static void
test_pool_order_and_error (void)
{
  for (guint jobs = 1; jobs <= 8; jobs *= 2)
    {
      g_autoptr (GArray) handed = g_array_new (FALSE, FALSE, sizeof (guint64));
      Count c = { .fail_from = 37, .handed = handed };
      VmemuRunPool p = { .jobs = jobs, .n = 100, .work = count_work, .next = count_next,
                         .done = count_done, .data = &c };
      g_autoptr (GError) error = NULL;

      g_mutex_init (&c.lock);
      g_assert_false (vmemu_run_pool (&p, &error));
      g_mutex_clear (&c.lock);
      /* the lowest failing item's error, whatever the threads */
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
      g_assert_cmpstr (error->message, ==, "item 37");
      g_assert_cmpuint (c.done, ==, 37);
      g_assert_cmpuint (c.ran, ==, handed->len);
      g_assert_cmpuint (handed->len, <=, 37 + jobs);
      for (guint k = 0; k < handed->len; k++)
        g_assert_cmpuint (g_array_index (handed, guint64, k), ==, k);
    }
}

static gboolean
stop_at_ten (guint64 i, gpointer data)
{
  return i < 10;
}

static void
test_pool_next_and_interrupt (void)
{
  Count c = { .fail_from = G_MAXUINT64 };
  VmemuRunPool p = { .jobs = 3, .n = G_MAXUINT64, .work = count_work, .next = stop_at_ten,
                     .done = count_done, .data = &c };
  g_autoptr (GError) error = NULL;

  g_mutex_init (&c.lock);
  g_assert_true (vmemu_run_pool (&p, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.done, ==, 10);

  static volatile gint flag = 2;
  p = (VmemuRunPool) { .jobs = 3, .n = 5, .work = count_work, .data = &c, .interrupt = &flag };
  c.ran = 0;
  g_assert_false (vmemu_run_pool (&p, &error));
  g_assert_error (error, VMEMU_RUN_ERROR, VMEMU_RUN_ERROR_INTERRUPTED);
  g_assert_cmpuint (c.ran, ==, 0);
  g_mutex_clear (&c.lock);
}

/* A batch's runs come back in the order given, the same for -j 1 and -j 4. */
static void
test_batch_ordered (Fixture *f, gconstpointer data)
{
  VmemuRunOptions runs[6];
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    runs[i] = (VmemuRunOptions) { .scenario = f->scn, .variant = i % 2 ? f->patched : f->base,
                                  .seed = i, .has_seed = TRUE };
  g_autoptr (GPtrArray) one = vmemu_run_batch_collect (runs, G_N_ELEMENTS (runs), 1);
  g_autoptr (GPtrArray) four = vmemu_run_batch_collect (runs, G_N_ELEMENTS (runs), 4);

  g_assert_cmpuint (one->len, ==, G_N_ELEMENTS (runs));
  g_assert_cmpuint (four->len, ==, G_N_ELEMENTS (runs));
  for (guint i = 0; i < one->len; i++)
    {
      const VmemuRunResult *a = vmemu_run_machine_result (one->pdata[i]);
      const VmemuRunResult *b = vmemu_run_machine_result (four->pdata[i]);
      g_assert_nonnull (a);
      g_assert_nonnull (b);
      g_assert_cmpuint (a->seed, ==, i);
      g_assert_cmpuint (b->seed, ==, i);
      g_assert_cmpuint (a->losses->len > 0, ==, i % 2 == 0);
      g_assert_cmpuint (a->losses->len, ==, b->losses->len);
      g_assert_cmpuint (a->events_run, ==, b->events_run);
      g_assert_cmpuint (a->trace_events, ==, b->trace_events);
      g_assert_cmpuint (a->end_time_ns, ==, b->end_time_ns);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/run/file-trace", Fixture, NULL, set_up, test_file_trace, tear_down);
  g_test_add ("/run/open-fails", Fixture, NULL, set_up, test_open_fails, tear_down);
  g_test_add ("/run/interrupted", Fixture, NULL, set_up, test_interrupted, tear_down);
  g_test_add ("/run/memory-trace", Fixture, NULL, set_up, test_memory_trace, tear_down);
  g_test_add_func ("/run/pool-order-and-error", test_pool_order_and_error);
  g_test_add_func ("/run/pool-next-and-interrupt", test_pool_next_and_interrupt);
  g_test_add ("/run/batch-ordered", Fixture, NULL, set_up, test_batch_ordered, tear_down);
  return g_test_run ();
}
