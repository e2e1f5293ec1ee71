/* cmd-export.c — vmemu export TRACE.db --format chrome-json -o FILE [--run R] */
#include "cli/cli.h"

#include <stdio.h>

#include "reports/export/export.h"
#include "engine/trace/tracedb.h"

/* Stops at the first failure: the stream keeps its error for
 * vmemu_cli_stdout_done(). */
static gboolean
write_stdout (const char *bytes, gsize len, gpointer data)
{
  return fwrite (bytes, 1, len, stdout) == len && !vmemu_cli_interrupt_signal ();
}

static gboolean
write_file (const char *bytes, gsize len, gpointer data)
{
  vmemu_cli_output_write (data, bytes, len);
  return !vmemu_cli_interrupt_signal ();
}

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
  const char *inputs[] = { argv[1], NULL };
  if (!vmemu_cli_output_check (output, force, inputs, &error))
    return vmemu_cli_usage ("%s", error->message);

  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (argv[1], &error);
  if (db == NULL || !vmemu_tracedb_resolve_run (db, run_spec, &run, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (g_strcmp0 (output, "-") == 0)
    {
      if (!vmemu_export_chrome_json_write (db, run, write_stdout, NULL, &error))
        return vmemu_cli_usage ("%s", error->message);
      return vmemu_cli_stdout_done ();
    }
  /* From here a signal only raises the flag: commit then removes the
   * temporary file instead of leaving it behind. */
  vmemu_cli_signals_install ();
  VmemuCliOutput *out = vmemu_cli_output_open (output, force, inputs, &error);
  if (out == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if (!vmemu_export_chrome_json_write (db, run, write_file, out, &error))
    {
      vmemu_cli_output_abort (out);
      return vmemu_cli_usage ("%s", error->message);
    }
  if (!vmemu_cli_output_commit (out, &error))
    {
      if (vmemu_cli_interrupt_signal ())
        return vmemu_cli_interrupted ("%s not written", output);
      return vmemu_cli_usage ("%s", error->message);
    }
  return VMEMU_EXIT_OK;
}
