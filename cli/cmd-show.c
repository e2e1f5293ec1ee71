/* cmd-show.c — vmemu show TRACE.db --page N [--file PATH]: one page's
 * history as text, coloured on a terminal (never with NO_COLOR or when
 * standard output is not a terminal, unless --color=always). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reports/show/show.h"
#include "engine/trace/tracedb.h"

static gboolean
want_colour (const char *when, gboolean *colour)
{
  if (when == NULL || strcmp (when, "auto") == 0)
    {
      const char *no = g_getenv ("NO_COLOR");
      *colour = (no == NULL || no[0] == '\0') && isatty (STDOUT_FILENO);
      return TRUE;
    }
  if (strcmp (when, "always") == 0 || strcmp (when, "never") == 0)
    {
      *colour = strcmp (when, "always") == 0;
      return TRUE;
    }
  return FALSE;
}

int
vmemu_cmd_show (int argc, char **argv)
{
  g_autofree char *run_spec = NULL, *path = NULL, *page = NULL, *when = NULL;
  gboolean no_refs = FALSE;
  const GOptionEntry entries[] = {
    { "page", 'p', 0, G_OPTION_ARG_STRING, &page, "Page index to show (required)", "N" },
    { "file", 'F', 0, G_OPTION_ARG_STRING, &path,
      "The file's path (needed when the run has several files)", "PATH" },
    { "run", 'r', 0, G_OPTION_ARG_STRING, &run_spec, "Run R (id or name; default: the first)",
      "R" },
    { "no-refs", 0, 0, G_OPTION_ARG_NONE, &no_refs,
      "Leave out page_ref_get/put lines (the holders are still followed)", NULL },
    { "color", 0, 0, G_OPTION_ARG_STRING, &when,
      "auto (default: on a terminal, unless NO_COLOR is set), always or never", "WHEN" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("TRACE.db --page N [--file PATH]");
  g_autoptr (GError) error = NULL;

  g_set_prgname ("vmemu show");
  g_option_context_set_summary (ctx,
    "Print one page's history: every event that touched it, who ran it, the flags it\n"
    "changed, the iomap_page bitmap, and who held references after each change.\n"
    "Exit status: 0 printed, 2 bad input (no such file or page argument, not a trace).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 2)
    return vmemu_cli_usage ("expected one trace database (see vmemu show --help)");
  if (page == NULL)
    return vmemu_cli_usage ("--page N is required");
  guint64 index;
  if (!g_ascii_string_to_unsigned (page, 10, 0, G_MAXINT64, &index, NULL))
    return vmemu_cli_usage ("--page: expected a page index, got '%s'", page);
  gboolean colour;
  if (!want_colour (when, &colour))
    return vmemu_cli_usage ("--color: expected auto, always or never, got '%s'", when);

  g_autoptr (VmemuTracedb) db = vmemu_tracedb_open (argv[1], &error);
  gint64 run = 0;
  if (db == NULL || !vmemu_tracedb_resolve_run (db, run_spec, &run, &error))
    return vmemu_cli_usage ("%s", error->message);
  VmemuShowOptions opt = { .run = run, .path = path, .index = (gint64) index,
                           .colour = colour, .refs = !no_refs };
  g_autoptr (GString) out = g_string_new (NULL);
  if (!vmemu_show_page (db, &opt, out, &error))
    return vmemu_cli_usage ("%s", error->message);
  fputs (out->str, stdout);
  if (fflush (stdout) != 0 || ferror (stdout))
    return vmemu_cli_usage ("cannot write to standard output");
  return VMEMU_EXIT_OK;
}
