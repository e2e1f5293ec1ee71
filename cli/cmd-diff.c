/* cmd-diff.c — vmemu diff A.db B.db: explain where two traces part. */
#include "cli/cli.h"

#include <stdio.h>

#include "reports/diff/diff.h"
#include "engine/trace/tracedb.h"

/* Open one trace and resolve its run; NULL after reporting the error. */
static VmemuTracedb *
open_side (const char *path, const char *run_spec, gint64 *run, GError **error)
{
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (path, error);

  if (db == NULL || !vmemu_tracedb_resolve_run (db, run_spec, run, error))
    return NULL;
  return g_steal_pointer (&db);
}

int
vmemu_cmd_diff (int argc, char **argv)
{
  g_autofree char *run_spec = NULL;
  g_autofree char *format_name = NULL;
  const GOptionEntry entries[] = {
    { "run", 'r', 0, G_OPTION_ARG_STRING, &run_spec,
      "Compare run R (id or name) of both traces (default: the first run)", "R" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      "Output format: text (default), markdown or json", "FORMAT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("A.db B.db");
  g_autoptr(GError) error = NULL;
  VmemuDiffFormat format = VMEMU_DIFF_FORMAT_TEXT;
  gint64 run_a = 0, run_b = 0;

  g_set_prgname ("vmemu diff");
  g_option_context_set_summary (ctx, "Explain where two traces part: the first divergent "
                                     "event, the page it touched, and the consequences.\n"
                                     "Exit status: 0 identical, 1 different, 2 error.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 3)
    return vmemu_cli_usage ("expected two trace databases (see vmemu diff --help)");
  if (format_name != NULL && !vmemu_diff_parse_format (format_name, &format, &error))
    return vmemu_cli_usage ("%s", error->message);

  g_autoptr(VmemuTracedb) a = open_side (argv[1], run_spec, &run_a, &error);
  g_autoptr(VmemuTracedb) b = a ? open_side (argv[2], run_spec, &run_b, &error) : NULL;
  if (b == NULL)
    return vmemu_cli_usage ("%s", error->message);
  g_autoptr(VmemuDiff) d = vmemu_diff_compare (a, run_a, b, run_b, &error);
  if (d == NULL)
    return vmemu_cli_usage ("%s", error->message);
  g_autofree char *report = vmemu_diff_render (d, format);
  fputs (report, stdout);
  if (fflush (stdout) != 0)
    return vmemu_cli_usage ("cannot write the report to standard output");
  return vmemu_diff_is_equal (d) ? VMEMU_EXIT_OK : VMEMU_EXIT_FAIL;
}
