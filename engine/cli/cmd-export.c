/* cmd-export.c — vmemu export TRACE.db --format chrome-json -o FILE [--run R] */
#include "engine/cli/cli.h"

#include <stdio.h>

#include "reports/export/export.h"
#include "reports/tracedb/tracedb.h"

int
vmemu_cmd_export (int argc, char **argv)
{
  g_autofree char *format_name = NULL, *output = NULL, *run_spec = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "format", 'F', 0, G_OPTION_ARG_STRING, &format_name,
      "Output format: chrome-json (Trace Event Format for Perfetto UI, chrome://tracing)",
      "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (- for standard output)",
      "FILE" },
    { "run", 'r', 0, G_OPTION_ARG_STRING, &run_spec, "Export run R (id or name; default: the first)",
      "R" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing FILE", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TRACE.db -o FILE");
  g_autoptr(GError) error = NULL;
  VmemuExportFormat format = VMEMU_EXPORT_FORMAT_CHROME_JSON;
  gint64 run = 0;

  g_set_prgname ("vmemu export");
  g_option_context_set_summary (ctx,
    "Convert one run of a trace into the Trace Event Format (JSON) that Perfetto UI\n"
    "(ui.perfetto.dev, Open trace file) and chrome://tracing open: tasks as threads,\n"
    "syscalls, page writeback and bios as slices, page counts as counters.\n"
    "Exit status: 0 written, 2 bad input.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 2)
    return vmemu_cli_usage ("expected one trace database (see --help)");
  if (output == NULL)
    return vmemu_cli_usage ("-o FILE is required");
  if (format_name != NULL && !vmemu_export_parse_format (format_name, &format, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (g_strcmp0 (output, "-") != 0 && !force && g_file_test (output, G_FILE_TEST_EXISTS))
    return vmemu_cli_usage ("%s: already exists (use --force to replace it)", output);

  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (argv[1], &error);
  if (db == NULL || !vmemu_tracedb_resolve_run (db, run_spec, &run, &error))
    return vmemu_cli_usage ("%s", error->message);
  g_autoptr(GString) out = g_string_new (NULL);
  if (!vmemu_export_chrome_json (db, run, out, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (g_strcmp0 (output, "-") == 0)
    {
      fwrite (out->str, 1, out->len, stdout);
      return fflush (stdout) == 0 ? VMEMU_EXIT_OK
                                  : vmemu_cli_usage ("cannot write to standard output");
    }
  /* g_file_set_contents writes a temporary file beside FILE and renames it. */
  if (!g_file_set_contents (output, out->str, (gssize) out->len, &error))
    return vmemu_cli_usage ("%s", error->message);
  return VMEMU_EXIT_OK;
}
