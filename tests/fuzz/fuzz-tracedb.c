/* fuzz-tracedb.c — libFuzzer target for the trace reader behind vmemu diff
 * and vmemu hash: the bytes become a database file, which is opened with
 * engine/trace/tracedb, hashed, diffed against itself and exported.  Anything but a crash,
 * a hang, a leak or a "different" verdict of a file against itself is fine. */
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/diff/diff.h"
#include "reports/export/export.h"
#include "engine/trace/tracedb.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *db_path;

static void
remove_db (void)
{
  g_autofree char *journal = g_strconcat (db_path, "-journal", NULL);
  g_unlink (journal);
  g_unlink (db_path);
}

static void
check_one_line (const GError *error)
{
  g_assert (error != NULL && strchr (error->message, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (db_path == NULL)
    {
      int fd = g_file_open_tmp ("vmemu-fuzz-XXXXXX.db", &db_path, NULL);
      g_assert (fd >= 0);
      close (fd);
      atexit (remove_db);
    }
  /* SQLite leaves -journal / -wal files only when writing; the reader does
   * not, but a hot journal left by a previous input must not leak in. */
  g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
  g_autofree char *journal = g_strconcat (db_path, "-journal", NULL);
  g_unlink (wal);
  g_unlink (journal);
  g_assert (g_file_set_contents (db_path, (const char *) data, size, NULL));

  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuTracedb) a = vmemu_tracedb_open (db_path, &error);
  if (a == NULL)
    {
      check_one_line (error);
      return 0;
    }
  g_autoptr (VmemuTracedb) b = vmemu_tracedb_open (db_path, &error);
  if (b == NULL)
    {
      check_one_line (error);
      return 0;
    }
  g_autoptr (GPtrArray) runs = vmemu_tracedb_list_runs (a, &error);
  if (runs == NULL)
    {
      check_one_line (error);
      return 0;
    }
  gint64 run = 0;
  if (!vmemu_tracedb_resolve_run (a, NULL, &run, &error))
    {
      check_one_line (error);
      return 0;
    }
  g_autofree char *sha = vmemu_tracedb_content_sha256 (a, run, &error);
  if (sha == NULL)
    {
      check_one_line (error);
      g_clear_error (&error);
    }
  g_autoptr (VmemuDiff) d = vmemu_diff_compare (a, run, b, run, &error);
  if (d == NULL)
    {
      check_one_line (error);
      return 0;
    }
  for (int f = VMEMU_DIFF_FORMAT_TEXT; f <= VMEMU_DIFF_FORMAT_JSON; f++)
    g_free (vmemu_diff_render (d, (VmemuDiffFormat) f));
  /* The export reads every table with arithmetic on its values (issue 12:
   * signed overflow on tampered task ids and sector counts). */
  g_autoptr (GString) json = g_string_new (NULL);
  g_autoptr (GError) export_error = NULL;
  if (!vmemu_export_chrome_json (a, run, json, &export_error))
    check_one_line (export_error);
  /* A run read twice from the same bytes cannot differ from itself. */
  if (sha != NULL)
    g_assert (vmemu_diff_is_equal (d));
  return 0;
}
