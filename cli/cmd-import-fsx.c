/* cmd-import-fsx.c — `vmemu import-fsx OPS [-o SCENARIO.yaml]`: turn an fsx
 * --record-ops file into a scenario (docs/fsx.md). */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/fsx/fsx.h"
#include "engine/scenario/scenario.h"

/* Option values as given; strings are owned by GOptionContext's caller. */
typedef struct {
  char *output;
  gboolean force;
  char *seed, *length, *block_size, *page_size, *memory, *pressure;
  gboolean lite;
  char *name;
  char *file_path;
  gboolean eof_check, flush, fsync, no_size_check, replay_close_open;
} ImportArgs;

static void
import_args_clear (ImportArgs *a)
{
  g_free (a->output);
  g_free (a->seed);
  g_free (a->length);
  g_free (a->block_size);
  g_free (a->page_size);
  g_free (a->memory);
  g_free (a->pressure);
  g_free (a->name);
  g_free (a->file_path);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ImportArgs, import_args_clear)

static gboolean
build_options (const ImportArgs *a, VmemuFsxImportOptions *o, GError **error)
{
  VmemuFsxOptionText text = {
    .fsx_seed = a->seed, .fsx_length = a->length, .page_size = a->page_size,
    .block_size = a->block_size, .memory = a->memory, .pressure = a->pressure,
  };

  vmemu_fsx_import_options_init (o);
  if (!vmemu_fsx_import_options_apply_text (o, &text, error))
    return FALSE;
  o->lite = a->lite;
  o->name = a->name;
  if (a->file_path != NULL)
    o->file_path = a->file_path;
  o->eof_page_check = a->eof_check;
  o->flush_after_write = a->flush;
  o->fsync_after_write = a->fsync;
  o->check_size = !a->no_size_check;
  o->close_open_on_skip = !a->replay_close_open;
  return TRUE;
}

static char *
yaml_header (const char *ops_path, const VmemuFsxImportOptions *o, const VmemuFsxImportStats *st)
{
  return g_strdup_printf ("Imported by vmemu import-fsx from %s\n"
                          "fsx -S %u -l %" G_GUINT64_FORMAT "%s: %u entries (%u skipped), "
                          "%u ops, final size %" G_GUINT64_FORMAT " bytes",
                          ops_path, o->fsx_seed, o->fsx_length_bytes, o->lite ? " -L" : "",
                          st->entries, st->skipped, st->ops_emitted, st->final_size_bytes);
}

/* Writes to stdout, or to path through a temporary file and a rename,
 * refusing to replace a file unless force, or the op file ever. */
static int
write_output (const char *path, gboolean force, const char *ops_path, const GString *yaml)
{
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { ops_path, NULL };

  if (path == NULL)
    {
      fwrite (yaml->str, 1, yaml->len, stdout);
      return vmemu_cli_stdout_done ();
    }
  vmemu_cli_signals_install ();
  if (!vmemu_cli_output_save (path, force, inputs, yaml->str, yaml->len, &error))
    {
      if (vmemu_cli_interrupt_signal ())
        return vmemu_cli_interrupted ("%s not written", path);
      return vmemu_cli_usage ("%s", error->message);
    }
  return VMEMU_EXIT_OK;
}

static int
import_and_write (const char *ops_path, const ImportArgs *a)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  g_autoptr(GString) yaml = g_string_new (NULL);
  g_autofree char *text = NULL, *header = NULL;
  VmemuFsxImportOptions o;
  VmemuFsxImportStats st = { 0 };
  gsize len = 0;

  const char *inputs[] = { ops_path, NULL };
  if (!build_options (a, &o, &error) || !vmemu_cli_output_check (a->output, a->force, inputs, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (!vmemu_read_input_file (ops_path, VMEMU_FSX_MAX_FILE_BYTES, &text, &len, &error))
    return vmemu_cli_usage ("%s", error->message);
  scn = vmemu_fsx_import_data (ops_path, text, len, &o, &st, &error);
  if (scn == NULL)
    return vmemu_cli_usage ("%s", error->message);
  header = yaml_header (ops_path, &o, &st);
  vmemu_scenario_write_yaml (scn, header, yaml);
  /* What is written must load: options can combine into a scenario that
   * validate refuses (a pressure allocation beyond --memory, say). */
  g_autoptr(VmemuScenario) back = vmemu_scenario_load_data (a->output ? a->output : "-",
                                                            yaml->str, yaml->len, &error);
  if (back == NULL)
    return vmemu_cli_usage ("%s: the scenario would not validate: %s", ops_path,
                            error->message);
  return write_output (a->output, a->force, ops_path, yaml);
}

int
vmemu_cmd_import_fsx (int argc, char **argv)
{
  g_auto(ImportArgs) a = { 0 };
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "Write the scenario to FILE (default: standard output)", "FILE" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &a.force, "Replace FILE if it exists", NULL },
    { "fsx-seed", 0, 0, G_OPTION_ARG_STRING, &a.seed, "fsx -S of the recorded run (default 1)",
      "S" },
    { "fsx-length", 0, 0, G_OPTION_ARG_STRING, &a.length,
      "fsx -l of the recorded run (default 262144)", "L" },
    { "fsx-lite", 0, 0, G_OPTION_ARG_NONE, &a.lite,
      "fsx -L: the file starts as L zero bytes", NULL },
    { "fsx-flush", 0, 0, G_OPTION_ARG_NONE, &a.flush, "fsx -f: map/unmap after each write",
      NULL },
    { "fsx-fsync", 0, 0, G_OPTION_ARG_NONE, &a.fsync, "fsx -y: fsync after each write", NULL },
    { "block-size", 0, 0, G_OPTION_ARG_STRING, &a.block_size,
      "Filesystem block size (default 1024)", "B" },
    { "page-size", 0, 0, G_OPTION_ARG_STRING, &a.page_size, "Page size (default 4096)", "P" },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &a.memory, "Machine memory (default 64MiB)", "M" },
    { "pressure", 0, 0, G_OPTION_ARG_STRING, &a.pressure,
      "Background pressure, e.g. anon=48MiB,hold=2ms,gap=1ms or drop-every=25", "SPEC" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &a.name,
      "Scenario name (default: from the op file name)", "N" },
    { "file", 0, 0, G_OPTION_ARG_STRING, &a.file_path, "Path of fsx's file (default /fsx)",
      "PATH" },
    { "eof-check", 0, 0, G_OPTION_ARG_NONE, &a.eof_check,
      "Also read the EOF page's tail through each mapping, as fsx checks it", NULL },
    { "replay-close-open", 0, 0, G_OPTION_ARG_NONE, &a.replay_close_open,
      "Honour close_open only on executed lines, as fsx --replay-ops does", NULL },
    { "no-size-check", 0, 0, G_OPTION_ARG_NONE, &a.no_size_check,
      "Do not cross-check the SIZE column", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("OPS");

  g_set_prgname ("vmemu import-fsx");
  g_option_context_set_summary (ctx, "Convert an fsx --record-ops file into a scenario "
                                     "(see docs/fsx.md).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 2)
    return vmemu_cli_usage ("expected one OPS file (see --help)");
  return import_and_write (argv[1], &a);
}
