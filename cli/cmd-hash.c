/* cmd-hash.c — vmemu hash TRACE.db: the content fingerprint of a run,
 * recomputed from its rows (the same on every build and machine). */
#include "cli/cli.h"

#include <stdio.h>

#include "engine/trace/tracedb.h"

int
vmemu_cmd_hash (int argc, char **argv)
{
  g_autofree char *run_spec = NULL;
  const GOptionEntry entries[] = {
    { "run", 'r', 0, G_OPTION_ARG_STRING, &run_spec,
      "Hash run R (id or name; default: the first run)", "R" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TRACE.db");
  g_autoptr(GError) error = NULL;
  gint64 run = 0;

  g_set_prgname ("vmemu hash");
  g_option_context_set_summary (ctx, "Print the sha256 content fingerprint of a trace run "
                                     "(events, verifications, tasks, inodes; not meta),\n"
                                     "recomputed from the database.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 2)
    return vmemu_cli_usage ("expected one trace database (see vmemu hash --help)");

  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (argv[1], &error);
  if (db == NULL || !vmemu_tracedb_resolve_run (db, run_spec, &run, &error))
    return vmemu_cli_usage ("%s", error->message);
  g_autofree char *sha = vmemu_tracedb_content_sha256 (db, run, &error);
  if (sha == NULL)
    return vmemu_cli_usage ("%s", error->message);
  printf ("%s\n", sha);
  return vmemu_cli_stdout_done ();
}
