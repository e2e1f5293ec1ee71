/* vmemu.c — `vmemu <command> [options] [args]`, dispatched from a table. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "engine/suggest/suggest.h"

typedef struct {
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "run", vmemu_cmd_run, "Run a scenario (or an fsx op file) and check every file" },
  { "validate", vmemu_cmd_validate, "Check a scenario without running it" },
  { "variants", vmemu_cmd_variants, "List the kernel behaviour variants and switches" },
  { "diff", vmemu_cmd_diff, "Explain where two traces part" },
  { "hash", vmemu_cmd_hash, "Print a hash of a trace's contents" },
  { "import-fsx", vmemu_cmd_import_fsx, "Convert an fsx --record-ops file into a scenario" },
  { "report", vmemu_cmd_report, "Run scenarios under two variants and write a regression report" },
  { "export", vmemu_cmd_export, "Convert a trace to Chrome/Perfetto trace-event JSON" },
  { "explore", vmemu_cmd_explore, "Search generated cases for data loss, shrink the first" },
  { "conform", vmemu_cmd_conform, "Run a scenario on the real Linux 5.8.1 (UML) and compare verdicts" },
  { "show", vmemu_cmd_show, "Print one page's history from a trace (flags, bitmap, holders)" },
};

static int
usage (FILE *out, int status)
{
  fprintf (out, "Usage: vmemu COMMAND [OPTIONS] [ARGS]\n\n"
                "A deterministic emulator of the Linux page cache, reclaim, writeback\n"
                "and iomap with sub-page blocks.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n`vmemu COMMAND --help` (or `vmemu help COMMAND`) describes a command's"
                " options.\n"
                "Exit status: 0 success, 1 failure found (data loss, traces differ), 2 bad input,\n"
                "4 a run did not do what its scenario states (run), 130 interrupted.\n");
  return status;
}

static const Command *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (name, commands[i].name) == 0)
      return &commands[i];
  return NULL;
}

/* "vmemu: 'rnu' is not a command; did you mean 'run'? (see vmemu --help)" */
static int
not_a_command (const char *name)
{
  const char *names[G_N_ELEMENTS (commands) + 1] = { NULL };
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    names[i] = commands[i].name;
  const char *hint = vmemu_suggest (name, names);
  if (hint)
    fprintf (stderr, "vmemu: '%s' is not a command; did you mean '%s'? (see vmemu --help)\n",
             name, hint);
  else
    fprintf (stderr, "vmemu: '%s' is not a command (see vmemu --help)\n", name);
  return VMEMU_EXIT_USAGE;
}

/* vmemu help COMMAND: the command's own --help. */
static int
help_command (const char *name)
{
  const Command *c = find_command (name);
  if (c == NULL)
    return not_a_command (name);
  char *argv[] = { (char *) c->name, (char *) "--help", NULL };
  return c->fn (2, argv);
}

int
main (int argc, char **argv)
{
  g_set_prgname ("vmemu");
  if (argc < 2)
    return usage (stderr, VMEMU_EXIT_USAGE);
  if (strcmp (argv[1], "help") == 0 && argc > 2)
    return help_command (argv[2]);
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    return usage (stdout, VMEMU_EXIT_OK);
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("vmemu %s\n", VMEMU_VERSION);
      return VMEMU_EXIT_OK;
    }
  const Command *c = find_command (argv[1]);
  if (c != NULL)
    return c->fn (argc - 1, argv + 1);
  return not_a_command (argv[1]);
}
