/* cmd-run.c — vmemu run SCENARIO [--variant V] [--seed N] [-o TRACE.db] */
#include "engine/cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/fsx/fsx.h"
#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

typedef struct {
  char *variant;
  gint64 seed;
  gboolean has_seed;
  char *output;
  gboolean force;
  char *dump_dir;
  char *fsx;
  char *fsx_seed, *fsx_length, *block_size, *page_size, *memory, *pressure;
  gboolean fsx_lite;
  gboolean quiet;
} RunOptions;

static VmemuScenario *
load_input (RunOptions *o, const char *path, GError **error)
{
  if (o->fsx == NULL)
    return vmemu_scenario_load_file (path, error);
  VmemuFsxImportOptions fo;
  vmemu_fsx_import_options_init (&fo);
  VmemuFsxOptionText text = { .fsx_seed = o->fsx_seed, .fsx_length = o->fsx_length,
                              .block_size = o->block_size, .page_size = o->page_size,
                              .memory = o->memory, .pressure = o->pressure };
  if (!vmemu_fsx_import_options_apply_text (&fo, &text, error))
    return NULL;
  fo.lite = o->fsx_lite;
  g_autoptr (VmemuScenario) scn = vmemu_fsx_import_file (o->fsx, &fo, error);
  if (scn == NULL)
    return NULL;
  /* Run only what `vmemu import-fsx` would write: options can combine into a
   * scenario validate refuses (a pressure allocation beyond --memory). */
  g_autoptr (GString) yaml = g_string_new (NULL);
  g_autoptr (GError) local = NULL;
  vmemu_scenario_write_yaml (scn, NULL, yaml);
  g_autoptr (VmemuScenario) back = vmemu_scenario_load_data ("-", yaml->str, yaml->len, &local);
  if (back == NULL)
    {
      g_set_error (error, VMEMU_SCENARIO_ERROR, VMEMU_SCENARIO_ERROR_INVALID,
                   "%s: the scenario would not validate: %s", o->fsx, local->message);
      return NULL;
    }
  return g_steal_pointer (&scn);
}

static void
print_result (const VmemuScenario *scn, const VmemuVariant *v, const VmemuRunResult *r,
              gboolean quiet)
{
  if (!quiet)
    printf ("%s: variant %s, seed %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
            " operations in %.3f ms of virtual time, %" G_GUINT64_FORMAT " reads and %"
            G_GUINT64_FORMAT " writes to the device, %" G_GUINT64_FORMAT " checks\n",
            scn->name, v->spec, r->seed, r->ops_run, r->end_time_ns / 1e6, r->bios_read,
            r->bios_write, r->verifications);
  for (guint i = 0; i < r->losses->len; i++)
    {
      const VmemuLoss *l = g_ptr_array_index (r->losses, i);
      printf ("data loss: %s offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT
              " (%" G_GUINT64_FORMAT " bytes differ in all) seen by %s (%s) at %.6f ms:"
              " expected %s, found %s\n",
              l->path, l->offset_bytes, l->length_bytes, l->total_bytes, l->kind, l->task,
              l->time_ns / 1e6, l->expected_hex, l->found_hex);
    }
  g_autofree char *deps = vmemu_run_depends_on_text (r);
  const char *what = r->losses->len > 0 ? "data loss" : "clean";
  if (deps)
    printf ("verdict: %s (depends on: %s)\n", what, deps);   /* even with --quiet */
  else if (!quiet)
    printf ("verdict: %s\n", what);
  VmemuExpectOutcome want;
  if (vmemu_scenario_expect (scn, v->spec, &want))
    {
      gboolean lost = r->losses->len > 0;
      gboolean ok = (want == VMEMU_EXPECT_DATA_LOSS) == lost;
      printf ("expectation for %s: %s, %s\n", v->spec,
              want == VMEMU_EXPECT_DATA_LOSS ? "data-loss" : "clean",
              deps ? "cannot judge" : ok ? "met" : "NOT MET");
    }
}

static void
run_options_clear (RunOptions *o)
{
  g_free (o->variant);
  g_free (o->output);
  g_free (o->dump_dir);
  g_free (o->fsx);
  g_free (o->fsx_seed);
  g_free (o->fsx_length);
  g_free (o->block_size);
  g_free (o->page_size);
  g_free (o->memory);
  g_free (o->pressure);
}

static int run_with_options (RunOptions *o, int argc, char **argv);

/* Before any work: the trace may not be the input, and --dump-files may not
 * replace a file without --force (nor a special file, nor the input). */
static gboolean
check_outputs (const RunOptions *o, const VmemuScenario *scn, GError **error)
{
  const char *inputs[] = { scn->path, NULL };
  if (o->output && !vmemu_cli_output_check (o->output, TRUE, inputs, error))
    return FALSE;
  for (guint i = 0; o->dump_dir && i < scn->files->len; i++)
    {
      const VmemuFile *f = g_ptr_array_index (scn->files, i);
      g_autofree char *name = vmemu_scenario_dump_name (f->path);
      g_autofree char *path = g_build_filename (o->dump_dir, name, NULL);
      if (!vmemu_cli_output_check (path, o->force, inputs, error))
        return FALSE;
    }
  return TRUE;
}

int
vmemu_cmd_run (int argc, char **argv)
{
  /* The option strings are freed here, whichever way the run ends. */
  RunOptions o = { .seed = -1 };
  int status = run_with_options (&o, argc, argv);
  run_options_clear (&o);
  return status;
}

static int
run_with_options (RunOptions *o, int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "variant", 'V', 0, G_OPTION_ARG_STRING, &o->variant,
      "Kernel behaviour: a variant, optionally +SWITCH/-SWITCH (see vmemu variants)", "V" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Override the scenario's seed", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output, "Write the trace database to FILE",
      "FILE" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o->force, "Replace an existing trace", NULL },
    { "dump-files", 0, 0, G_OPTION_ARG_FILENAME, &o->dump_dir,
      "Write the final contents of every file into DIR", "DIR" },
    { "fsx", 0, 0, G_OPTION_ARG_FILENAME, &o->fsx, "Run an fsx --record-ops file instead", "OPS" },
    { "fsx-seed", 0, 0, G_OPTION_ARG_STRING, &o->fsx_seed, "fsx's -S seed (data pattern)", "S" },
    { "fsx-length", 0, 0, G_OPTION_ARG_STRING, &o->fsx_length, "fsx's -l file length", "L" },
    { "fsx-lite", 0, 0, G_OPTION_ARG_NONE, &o->fsx_lite, "fsx ran with -L (file starts as L zeroes)",
      NULL },
    { "block-size", 0, 0, G_OPTION_ARG_STRING, &o->block_size, "With --fsx: block size", "B" },
    { "page-size", 0, 0, G_OPTION_ARG_STRING, &o->page_size, "With --fsx: page size", "P" },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &o->memory, "With --fsx: memory size", "M" },
    { "pressure", 0, 0, G_OPTION_ARG_STRING, &o->pressure,
      "With --fsx: background pressure (see docs/fsx.md)", "SPEC" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Print only losses", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO.yaml | --fsx OPS");
  g_autoptr (GError) error = NULL;
  g_set_prgname ("vmemu run");
  g_option_context_set_summary (ctx,
    "Run a scenario under a kernel variant, check every read and the files at the end.\n"
    "Exit status: 0 every check passed, 1 data loss or a failed check, 2 bad input,\n"
    "3 cannot judge: the run reached a simplification of the model that could change its\n"
    "verdict (the verdict line names it: 'verdict: data loss (depends on: ...)').");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return vmemu_cli_usage ("%s", error->message);
  if ((o->fsx == NULL && argc != 2) || (o->fsx != NULL && argc != 1))
    return vmemu_cli_usage ("expected one SCENARIO (or --fsx OPS); see --help");

  g_autoptr (VmemuScenario) scn = load_input (o, o->fsx ? o->fsx : argv[1], &error);
  if (scn == NULL)
    return vmemu_cli_usage ("%s", error->message);
  const char *spec = o->variant ? o->variant : scn->variant ? scn->variant : "baseline";
  g_autoptr (VmemuVariant) variant = vmemu_variant_parse (spec, &error);
  if (variant == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if (o->dump_dir && !g_file_test (o->dump_dir, G_FILE_TEST_IS_DIR))
    return vmemu_cli_usage ("--dump-files: %s is not a directory", o->dump_dir);
  if (!check_outputs (o, scn, &error))
    return vmemu_cli_usage ("%s", error->message);

  /* Before the temporary trace exists: from here on a signal only raises the
   * flag, and the run loop's poll turns it into abort + exit 130. */
  vmemu_cli_signals_install ();
  VmemuTrace *tr = NULL;
  if (o->output && (tr = vmemu_trace_open (o->output, o->force, &error)) == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if (vmemu_trace_temp_path (tr))   /* removed if the run aborts (out of memory) */
    vmemu_cli_temp_add (vmemu_trace_temp_path (tr));
  VmemuMachineOptions mo = { .seed = (guint64) o->seed, .has_seed = o->seed >= 0,
                             .variant = variant, .trace = tr,
                             .interrupt = vmemu_cli_interrupt_flag () };
  if (o->seed < -1)
    {
      vmemu_trace_abort (tr);
      return vmemu_cli_usage ("--seed must not be negative");
    }
  g_autoptr (VmemuMachine) m = vmemu_machine_new (scn, &mo, &error);
  if (m == NULL)
    {
      vmemu_trace_abort (tr);
      if (g_error_matches (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_INTERRUPTED))
        return vmemu_cli_interrupted ("%s; %s", error->message,
                                      tr ? "trace not written" : "nothing written");
      return vmemu_cli_usage ("%s", error->message);
    }
  if (!vmemu_machine_run (m, &error))
    {
      vmemu_trace_abort (tr);
      if (g_error_matches (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_INTERRUPTED))
        return vmemu_cli_interrupted ("%s; %s", error->message,
                                      tr ? "trace not written" : "nothing written");
      return vmemu_cli_usage ("%s", error->message);
    }
  const VmemuRunResult *r = vmemu_machine_result (m);
  int status = r->losses->len > 0 ? VMEMU_EXIT_FAIL : VMEMU_EXIT_OK;
  vmemu_trace_meta (tr, "result", status ? "data-loss" : "clean");
  g_autofree char *deps = vmemu_run_depends_on_text (r);
  if (deps)
    {
      vmemu_trace_meta (tr, "depends_on", deps);
      status = VMEMU_EXIT_CANNOT_JUDGE;
    }
  if (o->dump_dir && !vmemu_machine_dump_files (m, o->dump_dir, &error))
    {
      vmemu_trace_abort (tr);
      return vmemu_cli_usage ("%s", error->message);
    }
  vmemu_trace_set_interrupt (tr, vmemu_cli_interrupt_flag ());
  if (tr && !vmemu_trace_close (tr, &error))
    {
      if (vmemu_cli_interrupt_signal ())
        return vmemu_cli_interrupted ("while the trace was finalised; trace not written");
      return vmemu_cli_usage ("%s", error->message);
    }
  print_result (scn, variant, r, o->quiet);
  if (fflush (stdout) != 0 || ferror (stdout))
    status = vmemu_cli_usage ("cannot write to standard output: %s", g_strerror (errno));
  return status;
}
