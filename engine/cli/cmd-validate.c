/* cmd-validate.c — vmemu validate SCENARIO...: load each scenario and report
 * the first problem in it, without running anything. */
#include "engine/cli/cli.h"

#include <stdio.h>

#include "engine/scenario/scenario.h"

/* Ops the scenario will run: written ones, plus those a `generate:` block
 * stands for, so the count says how long a run will be. */
static guint64
count_ops (const VmemuScenario *scn)
{
  guint64 n = 0;

  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      n += t->ops->len;
      if (t->has_generate)
        n += t->generate.count;
    }
  return n;
}

int
vmemu_cmd_validate (int argc, char **argv)
{
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing for valid scenarios", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("SCENARIO...");
  g_autoptr(GError) error = NULL;
  int status = VMEMU_EXIT_OK;

  g_set_prgname ("vmemu validate");
  g_option_context_set_summary (ctx, "Check scenarios against the format without running them.");
  g_option_context_set_description (
    ctx, "Prints \"PATH: ok (N tasks, M ops)\" for each valid scenario (M counts the ops a\n"
         "generate block will produce), or the first problem as PATH:LINE:COLUMN: message.\n"
         "Exit status: 0 all valid, 2 a scenario is invalid or the command line is wrong.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (argc < 2)
    return vmemu_cli_usage ("expected a SCENARIO (see --help)");

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(VmemuScenario) scn = vmemu_scenario_load_file (argv[i], &local);
      if (scn == NULL)
        {
          status = vmemu_cli_usage ("%s", local->message);
          continue;
        }
      if (!quiet)
        printf ("%s: ok (%u tasks, %" G_GUINT64_FORMAT " ops)\n", argv[i], scn->tasks->len,
                count_ops (scn));
    }
  int written = vmemu_cli_stdout_done ();
  return written ? written : status;
}
