/* cmd-report.c — vmemu report [--baseline V] [--candidate V] [-j J]
 * [--regressions-only] [--force] SCENARIOS... -o DIR */
#include "cli/cli.h"

#include <glib/gstdio.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reports/report/report.h"

/* --force replaces DIR as a whole: never when an input lives inside it (or
 * is it), never when it is a device, FIFO or socket. */
static gboolean
check_output_dir (const char *dir, int n_inputs, char **inputs, GError **error)
{
  GStatBuf st;
  if (g_stat (dir, &st) != 0)
    return TRUE;
  if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a directory or a regular "
                   "file (a device, FIFO or socket); refusing to replace it", dir);
      return FALSE;
    }
  g_autofree char *real_dir = realpath (dir, NULL);
  if (real_dir == NULL)
    return TRUE;
  for (int i = 0; i < n_inputs; i++)
    {
      g_autofree char *real_in = realpath (inputs[i], NULL);
      gsize n = strlen (real_dir);
      if (real_in != NULL && strncmp (real_in, real_dir, n) == 0
          && (real_in[n] == '\0' || real_in[n] == '/' || strcmp (real_dir, "/") == 0))
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "%s: holds the input %s; refusing to replace it", dir, inputs[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* "[3/8] ran seed-reclaim under patched" on one terminal line. */
static void
show_progress (guint done, guint total, const char *what, gpointer data)
{
  fprintf (stderr, "\r\033[K[%u/%u] %s", done, total, what);
  if (done == total)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
}

/* The command as typed, quoted where the shell needs it. */
static char *
command_line (int argc, char **argv)
{
  GString *s = g_string_new ("vmemu");

  for (int i = 0; i < argc; i++)
    {
      const char *a = argv[i];
      gboolean plain = *a != '\0';
      for (const char *p = a; *p && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("/._+-=:,@%", *p) != NULL;
      g_autofree char *q = plain ? g_strdup (a) : g_shell_quote (a);
      g_string_append_printf (s, " %s", q);
    }
  return g_string_free (s, FALSE);
}

int
vmemu_cmd_report (int argc, char **argv)
{
  g_autofree char *baseline = NULL, *candidate = NULL, *output = NULL;
  gint jobs = 0;
  gboolean regressions_only = FALSE, force = FALSE, quiet = FALSE;
  const GOptionEntry entries[] = {
    { "baseline", 'b', 0, G_OPTION_ARG_STRING, &baseline,
      "The variant to compare against (default: baseline)", "V" },
    { "candidate", 'c', 0, G_OPTION_ARG_STRING, &candidate,
      "The variant under test (default: patched)", "V" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Run J machines at once (default: CPUs)", "J" },
    { "regressions-only", 0, 0, G_OPTION_ARG_NONE, &regressions_only,
      "List only the scenarios that regress (for CI)", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the report into DIR", "DIR" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace a non-empty DIR", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing on success", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *cmd = command_line (argc, argv);
  g_autoptr(GOptionContext) ctx = g_option_context_new ("SCENARIO|DIR|TRACE.db... -o DIR");
  g_autoptr(GError) error = NULL;

  g_set_prgname ("vmemu report");
  g_option_context_set_summary (ctx,
    "Run every scenario under a baseline and a candidate variant (or read trace\n"
    "databases: one with two runs, or BASELINE.db CANDIDATE.db pairs), diff them,\n"
    "and write DIR/index.html, report.md, report.json and junit.xml.\n"
    "Exit status: 0 no regression, 1 a scenario regresses under the candidate,\n"
    "2 bad input.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc < 2)
    return vmemu_cli_usage ("expected scenarios, directories or traces (see --help)");
  if (output == NULL)
    return vmemu_cli_usage ("-o DIR is required");
  if (jobs < 0 || jobs > 1024)
    return vmemu_cli_usage ("-j %d: expected 1 to 1024", jobs);
  if (!check_output_dir (output, argc - 1, argv + 1, &error)
      || !vmemu_report_check_output (output, force, &error))
    return vmemu_cli_usage ("%s", error->message);

  VmemuReportOptions opt = {
    .baseline = baseline, .candidate = candidate, .jobs = (guint) jobs,
    .regressions_only = regressions_only, .force = force, .command_line = cmd,
    .progress = isatty (STDERR_FILENO) ? show_progress : NULL,
    .interrupt = vmemu_cli_interrupt_flag (),
  };
  g_autoptr(VmemuReport) r = vmemu_report_new (&opt, (const char *const *) argv + 1, &error);
  if (r == NULL)
    return vmemu_cli_usage ("%s", error->message);
  /* SIGINT and SIGTERM raise the flag the report polls; it removes its
   * temporary directory and says so. */
  vmemu_cli_signals_install ();
  gboolean ok = vmemu_report_run (r, output, &error);
  if (!ok && (g_error_matches (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INTERRUPTED)
              || vmemu_cli_interrupt_signal ()))
    return vmemu_cli_interrupted ("nothing written");
  if (!ok)
    return vmemu_cli_usage ("%s", error->message);
  g_autofree char *summary = vmemu_report_summary_text (r);
  if (!quiet || vmemu_report_n_regressions (r) > 0)
    printf ("%sreport: %s/index.html, report.md, report.json, junit.xml\n", summary, output);
  int written = vmemu_cli_stdout_done ();
  if (written)
    return written;
  return vmemu_report_n_regressions (r) > 0 ? VMEMU_EXIT_FAIL : VMEMU_EXIT_OK;
}
