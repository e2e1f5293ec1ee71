/* cmd-validate.c — vmemu validate SCENARIO...: load each scenario and report
 * the first problem in it, without running anything. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "engine/fsx/fsx.h"
#include "engine/scenario/scenario.h"

/* Ops the scenario will run: written ones, plus the primitive ops a
 * `generate:` block expands to (as the machine expands it), so the count is
 * the one `vmemu run` reports. */
static guint64
count_ops (const VmemuScenario *scn)
{
  guint64 n = 0;
  g_autoptr (VmemuScenario) c = NULL;

  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      if (!t->has_generate)
        {
          n += t->ops->len;
          continue;
        }
      if (c == NULL)
        {
          c = vmemu_scenario_copy (scn);
          vmemu_generate_prepare (c);
        }
      /* pick by pick, as the run pulls them: bounded memory whatever count */
      const VmemuFile *f = g_ptr_array_index (c->files, t->generate.file);
      g_autoptr (GArray) ops = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
      g_autoptr (VmemuGenerator) gen =
        vmemu_generator_new (&t->generate, c, f->size_bytes, c->machine.page_size_bytes);
      while (gen != NULL && vmemu_generator_step (gen, ops, NULL))
        {
          n += ops->len;
          g_array_set_size (ops, 0);
        }
    }
  return n;
}

/* A report row is named after the scenario's name: a file named otherwise
 * is hard to find from the report (issue 14). */
static void
warn_name (const char *path, const VmemuScenario *scn)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  if (dot && (strcmp (dot, ".yaml") == 0 || strcmp (dot, ".yml") == 0))
    *dot = '\0';
  if (strcmp (base, scn->name) != 0)
    fprintf (stderr, "%s: warning: the scenario is named '%s' but its file is '%s'"
             " (reports list it as '%s')\n", g_get_prgname (), scn->name, path, scn->name);
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
  int status = VMEMU_EXIT_OK;

  g_set_prgname ("vmemu validate");
  g_option_context_set_summary (ctx, "Check scenarios against the format without running them.");
  g_option_context_set_description (
    ctx, "Prints \"PATH: ok (N tasks, M ops)\" for each valid scenario (M counts the ops a\n"
         "generate block will produce), or the first problem as PATH:LINE:COLUMN: message.\n"
         "Exit status: 0 all valid, 2 a scenario is invalid or the command line is wrong.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
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
      warn_name (argv[i], scn);
      if (!quiet)
        {
          guint64 ops = count_ops (scn);
          printf ("%s: ok (%u %s, %" G_GUINT64_FORMAT " %s)\n", argv[i], scn->tasks->len,
                  scn->tasks->len == 1 ? "task" : "tasks", ops, ops == 1 ? "op" : "ops");
        }
    }
  int written = vmemu_cli_stdout_done ();
  return written ? written : status;
}
