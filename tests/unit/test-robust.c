/* test-robust.c — issue 12 checks that need the library rather than the CLI:
 * a raised interrupt stops the trace's finalisation (index build and commit)
 * and leaves nothing behind; the --dump-files names never collide; the
 * bounded input reader refuses FIFOs and devices without blocking; explore's
 * shrinking stops on the interrupt flag. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "engine/explore/explore.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"

static guint
dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
emit_many (VmemuTrace *tr, guint n)
{
  vmemu_trace_task (tr, 1, "writer", 0, "user");
  vmemu_trace_inode (tr, 5, "/data");
  for (guint i = 0; i < n; i++)
    {
      VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_IOP_CREATE, 1000 + i);
      ev.task = 1, ev.ino = 5, ev.index = i % 64, ev.a[0] = i;
      vmemu_trace_event (tr, &ev);
    }
}

/* Ctrl-C while the trace is finalised: close fails, no file, no temp. */
static void
test_trace_close_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-robust-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  volatile gint flag = 0;

  VmemuTrace *tr = vmemu_trace_open (path, FALSE, &error);
  g_assert_no_error (error);
  emit_many (tr, 50000);
  vmemu_trace_set_interrupt (tr, &flag);
  flag = SIGINT;   /* the signal arrives as the run ends */
  g_assert_false (vmemu_trace_close (tr, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (dir_entries (dir), ==, 0);
  g_rmdir (dir);
}

/* The same trace without a signal is written: the handler is harmless. */
static void
test_trace_close_not_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-robust-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  volatile gint flag = 0;

  VmemuTrace *tr = vmemu_trace_open (path, FALSE, &error);
  g_assert_no_error (error);
  emit_many (tr, 5000);
  vmemu_trace_set_interrupt (tr, &flag);
  g_assert_true (vmemu_trace_close (tr, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (dir_entries (dir), ==, 1);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_dump_names (void)
{
  static const char *const paths[] = { "/a/b", "/a_b", "/a%5Fb", "/a%b", "/..", "/.x",
                                       "/%2E.", NULL };
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (gsize i = 0; paths[i] != NULL; i++)
    {
      char *name = vmemu_scenario_dump_name (paths[i]);
      g_assert_false (g_hash_table_contains (seen, name));
      g_assert_null (strchr (name, '/'));
      g_assert_cmpint (name[0], !=, '.');
      g_hash_table_add (seen, name);
    }
  g_autofree char *ab = vmemu_scenario_dump_name ("/a/b");
  g_assert_cmpstr (ab, ==, "a_b");
}

static void
test_read_input_refuses_special_files (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-robust-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *big = g_build_filename (dir, "big", NULL);
  char *data = NULL;
  gsize len = 0;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* Would block for ever on a FIFO without a writer if opened blocking. */
  g_assert_false (vmemu_read_input_file (fifo, 1024, &data, &len, &error));
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_assert_false (vmemu_read_input_file ("/dev/zero", 1024, &data, &len, &error));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (big, "0123456789", 10, NULL));
  g_assert_false (vmemu_read_input_file (big, 9, &data, &len, &error));
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);
  g_assert_true (vmemu_read_input_file (big, 10, &data, &len, &error));
  g_assert_cmpuint (len, ==, 10);
  g_assert_cmpint (data[10], ==, '\0');
  g_free (data);
  g_unlink (fifo);
  g_unlink (big);
  g_rmdir (dir);
}

/* Ctrl-C during explore's shrinking: it stops after the first trial batch
 * and says so (run from the project root: scenarios/ is read). */
static void
test_shrink_interrupted (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) scn = vmemu_scenario_load_file ("scenarios/seed-drop-caches.yaml",
                                                            &error);
  g_assert_no_error (error);
  g_autoptr (VmemuVariant) v = vmemu_variant_parse ("baseline", &error);
  volatile gint flag = SIGINT;
  guint64 runs = 0, all_runs = 0;

  VmemuScenario *min = vmemu_explore_shrink_interruptible (scn, v, 1, 0, &flag, &runs, &error);
  g_assert_null (min);
  g_assert_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INTERRUPTED);
  g_clear_error (&error);
  g_autoptr (VmemuScenario) full = vmemu_explore_shrink (scn, v, 1, 0, &all_runs, &error);
  g_assert_no_error (error);
  g_assert_nonnull (full);
  g_assert_cmpuint (runs, <, all_runs);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/robust/trace-close-interrupted", test_trace_close_interrupted);
  g_test_add_func ("/robust/trace-close-not-interrupted", test_trace_close_not_interrupted);
  g_test_add_func ("/robust/dump-names", test_dump_names);
  g_test_add_func ("/robust/read-input-refuses-special-files",
                   test_read_input_refuses_special_files);
  g_test_add_func ("/robust/shrink-interrupted", test_shrink_interrupted);
  return g_test_run ();
}
