/* cmd-run.c — vmemu run SCENARIO [--variant V] [--seed N] [-o TRACE.db] */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/fsx/fsx.h"
#include "engine/run/run.h"
#include "engine/scenario/scenario.h"
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
  if (!vmemu_scenario_check_data ("-", yaml->str, yaml->len, &local))
    {
      g_set_error (error, VMEMU_SCENARIO_ERROR, VMEMU_SCENARIO_ERROR_INVALID,
                   "%s: the scenario would not validate: %s", o->fsx, local->message);
      return NULL;
    }
  return g_steal_pointer (&scn);
}

/* "1 write", "2 writes" */
static char *
count_of (guint64 n, const char *one, const char *many)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", n, n == 1 ? one : many);
}

/* What the machine did, in one line (issue 14: a run must show whether it
 * exercised the path it was written for). */
static void
print_activity (const VmemuRunResult *r)
{
  const guint64 *act = r->activity;
  g_autofree char *ks = count_of (act[VMEMU_ACT_KSWAPD], "kswapd wake-up", "kswapd wake-ups");
  g_autofree char *dr = count_of (act[VMEMU_ACT_DIRECT_RECLAIM], "direct reclaim",
                                  "direct reclaims");
  g_autofree char *rp = count_of (act[VMEMU_ACT_RELEASEPAGE], "releasepage call",
                                  "releasepage calls");
  g_autofree char *wb = count_of (act[VMEMU_ACT_WRITEBACK], "page written back",
                                  "pages written back");
  g_autofree char *fl = count_of (act[VMEMU_ACT_FAULTS], "fault", "faults");
  g_autofree char *mk = count_of (act[VMEMU_ACT_MKWRITE], "mkwrite", "mkwrites");
  g_autofree char *dc = count_of (act[VMEMU_ACT_DROP_CACHES], "drop_caches pass",
                                  "drop_caches passes");
  g_autofree char *io = count_of (act[VMEMU_ACT_IO_ERRORS], "I/O error", "I/O errors");
  printf ("activity: %s, %s, %" G_GUINT64_FORMAT " pages scanned, %" G_GUINT64_FORMAT
          " reclaimed, %s (%" G_GUINT64_FORMAT " left the page cached), %s, %s, %s, %s, %s",
          ks, dr, act[VMEMU_ACT_PAGES_SCANNED], act[VMEMU_ACT_PAGES_RECLAIMED], rp,
          act[VMEMU_ACT_RELEASEPAGE_FAILED_REMOVE], wb, fl, mk, dc, io);
  if (act[VMEMU_ACT_SIGBUS] || act[VMEMU_ACT_SIGSEGV])
    printf (", %" G_GUINT64_FORMAT " SIGBUS, %" G_GUINT64_FORMAT " SIGSEGV",
            act[VMEMU_ACT_SIGBUS], act[VMEMU_ACT_SIGSEGV]);
  printf ("\n");
}

static const char *
errno_text (int err)
{
  const char *name = vmemu_errno_name (err);
  return name ? name : "an unnamed error";
}

/* Ops whose result is not what the scenario expects: never silent. */
static void
print_unexpected (const VmemuScenario *scn, const VmemuRunResult *r)
{
  for (guint i = 0; i < r->unexpected->len; i++)
    {
      const VmemuOpResult *u = g_ptr_array_index (r->unexpected, i);
      g_autofree char *where = u->line ? g_strdup_printf ("%s:%u:%u: ", scn->path ? scn->path
                                                          : scn->name, u->line, u->column)
                                       : g_strdup ("");
      gboolean signal = -u->result > VMEMU_RESULT_SIGNAL_BASE;
      printf ("%sop %u of task %s (%s) %s %s at %.6f ms%s, expected %s\n", where,
              u->op_number, u->task, u->op, signal ? "got" : "returned", errno_text (u->result),
              u->time_ns / 1e6, signal ? " (the task was killed)" : "",
              errno_text (u->expected));
    }
}

/* The run's status: a verdict that depends on a model simplification (3)
 * before data loss (1) before "did not do what it states" (4). */
static int
run_status (const VmemuScenario *scn, const VmemuRunResult *r, GPtrArray *unmet)
{
  guint n = vmemu_scenario_check_activity (scn, r->activity, unmet);
  if (r->kernel_bugs->len > 0)   /* 5.8 crashes: a failure found, whatever follows */
    return VMEMU_EXIT_FAIL;
  if (r->depends_on->len > 0)
    return VMEMU_EXIT_CANNOT_JUDGE;
  if (r->losses->len > 0)
    return VMEMU_EXIT_FAIL;
  if (n > 0 || r->unexpected->len > 0)
    return VMEMU_EXIT_NOT_EXERCISED;
  return VMEMU_EXIT_OK;
}

static void
print_result (const VmemuScenario *scn, const VmemuVariant *v, const VmemuRunResult *r,
              GPtrArray *unmet, gboolean quiet)
{
  if (!quiet)
    {
      g_autofree char *ops = count_of (r->ops_run, "operation", "operations");
      g_autofree char *rd = count_of (r->bios_read, "read", "reads");
      g_autofree char *wr = count_of (r->bios_write, "write", "writes");
      g_autofree char *ck = count_of (r->verifications, "check", "checks");
      printf ("%s: variant %s, seed %" G_GUINT64_FORMAT ": %s in %.3f ms of virtual time,"
              " %s and %s to the device, %s\n", scn->name, v->spec, r->seed, ops,
              r->end_time_ns / 1e6, rd, wr, ck);
      print_activity (r);
    }
  print_unexpected (scn, r);
  for (guint i = 0; i < unmet->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (unmet, i));
  for (guint i = 0; i < r->losses->len; i++)
    {
      const VmemuLoss *l = g_ptr_array_index (r->losses, i);
      /* the span from the first to the last wrong byte: a lost 16-byte store
       * reads "length 16" even where some of its bytes happen to match */
      printf ("data loss: %s offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT
              " (%" G_GUINT64_FORMAT " %s) seen by %s (%s) at %.6f ms:"
              " expected %s, found %s\n",
              l->path, l->offset_bytes, l->span_bytes, l->total_bytes,
              l->total_bytes == 1 ? "byte differs" : "bytes differ", l->kind, l->task,
              l->time_ns / 1e6, l->expected_hex, l->found_hex);
    }
  g_autofree char *deps = vmemu_run_depends_on_text (r);
  g_autofree char *bugs = vmemu_run_kernel_bugs_text (r);
  const char *what = r->losses->len > 0 ? "data loss" : "clean";
  if (bugs)   /* even with --quiet */
    printf ("verdict: kernel BUG: %s (5.8 crashes here; the model went on: %s after it)\n",
            bugs, what);
  else if (deps)
    printf ("verdict: %s (depends on: %s)\n", what, deps);   /* even with --quiet */
  else if (!quiet)
    printf ("verdict: %s\n", what);
  VmemuExpectOutcome want;
  if (!quiet && vmemu_scenario_expect (scn, v->spec, &want))
    {
      gboolean lost = r->losses->len > 0;
      gboolean ok = (want == VMEMU_EXPECT_DATA_LOSS) == lost;
      printf ("expectation for %s: %s, %s\n", v->spec,
              want == VMEMU_EXPECT_DATA_LOSS ? "data-loss" : "clean",
              bugs ? "NOT MET (kernel BUG)" : deps ? "cannot judge" : ok ? "met" : "NOT MET");
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

int
vmemu_cmd_run (int argc, char **argv)
{
  /* The option strings are freed here, whichever way the run ends. */
  RunOptions o = { .seed = -1 };
  int status = run_with_options (&o, argc, argv);
  run_options_clear (&o);
  return status;
}

/* Exit statuses ranked for several scenarios: the most serious wins. */
static int
status_rank (int status)
{
  switch (status)
    {
    case VMEMU_EXIT_OK: return 0;
    case VMEMU_EXIT_NOT_EXERCISED: return 1;
    case VMEMU_EXIT_CANNOT_JUDGE: return 2;
    case VMEMU_EXIT_FAIL: return 3;
    default: return 4;
    }
}

/* Before any work: the trace may not be the input, and --dump-files may not
 * replace a file without --force (nor a special file, nor the input). */
static gboolean
check_outputs (const RunOptions *o, const VmemuScenario *scn, const char *trace_path,
               GError **error)
{
  const char *inputs[] = { scn->path, NULL };
  if (trace_path && !vmemu_cli_output_check (trace_path, TRUE, inputs, error))
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

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The scenario files named on the command line, directories expanded to
 * their *.yaml / *.yml files in name order. */
static gboolean
collect_inputs (int argc, char **argv, GPtrArray *paths, GError **error)
{
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          g_ptr_array_add (paths, g_strdup (argv[i]));
          continue;
        }
      g_autoptr (GDir) d = g_dir_open (argv[i], 0, error);
      if (d == NULL)
        return FALSE;
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        if (name[0] != '.' && (g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml")))
          g_ptr_array_add (names, g_strdup (name));
      if (names->len == 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       "%s: no scenarios (*.yaml, *.yml) in this directory", argv[i]);
          return FALSE;
        }
      g_ptr_array_sort (names, compare_strings);
      for (guint k = 0; k < names->len; k++)
        g_ptr_array_add (paths, g_build_filename (argv[i], names->pdata[k], NULL));
    }
  return TRUE;
}

/* With several scenarios, -o names a directory: one DIR/STEM.db per scenario. */
static char *
trace_path_for (const RunOptions *o, const char *input, gboolean several)
{
  if (o->output == NULL)
    return NULL;
  if (!several)
    return g_strdup (o->output);
  g_autofree char *base = g_path_get_basename (input);
  char *dot = strrchr (base, '.');
  if (dot)
    *dot = '\0';
  g_autofree char *file = g_strconcat (base, ".db", NULL);
  return g_build_filename (o->output, file, NULL);
}

/* One scenario, loaded, run and reported.  Returns its exit status. */
static int
run_one (RunOptions *o, VmemuScenario *scn, const char *trace_path)
{
  g_autoptr (GError) error = NULL;
  const char *spec = o->variant ? o->variant : scn->variant ? scn->variant : "baseline";
  g_autoptr (VmemuVariant) variant = vmemu_variant_parse (spec, &error);
  if (variant == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if (!check_outputs (o, scn, trace_path, &error))
    return vmemu_cli_usage ("%s", error->message);
  VmemuRunOptions ro = { .scenario = scn, .variant = variant, .trace_path = trace_path,
                         .force = o->force, .seed = (guint64) o->seed, .has_seed = o->seed >= 0,
                         .result_meta = TRUE, .dump_dir = o->dump_dir,
                         .interrupt = vmemu_cli_interrupt_flag (),
                         /* removed if the run aborts (out of memory) */
                         .trace_temp = vmemu_cli_temp_add };
  g_autoptr (VmemuRun) run = vmemu_run_one (&ro);
  const GError *err = vmemu_run_error (run);
  switch (vmemu_run_status (run))
    {
    case VMEMU_RUN_DONE:
      break;
    case VMEMU_RUN_INTERRUPTED:
      return vmemu_cli_interrupted ("%s; %s", err->message,
                                    trace_path ? "trace not written" : "nothing written");
    case VMEMU_RUN_FAILED_CLOSE:
      /* the commit fails when a signal arrives while the trace is finalised */
      if (vmemu_cli_interrupt_signal ())
        return vmemu_cli_interrupted ("while the trace was finalised; trace not written");
      return vmemu_cli_usage ("%s", err->message);
    default:
      return vmemu_cli_usage ("%s", err->message);
    }
  const VmemuRunResult *r = vmemu_run_machine_result (run);
  g_autoptr (GPtrArray) unmet = g_ptr_array_new_with_free_func (g_free);
  int status = run_status (scn, r, unmet);
  print_result (scn, variant, r, unmet, o->quiet);
  if (!o->quiet)
    {
      if (trace_path)
        printf ("trace written to %s\n", trace_path);
      else
        printf ("no trace written (give -o TRACE.db to keep one)\n");
    }
  return status;
}

static int
run_with_options (RunOptions *o, int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "variant", 'V', 0, G_OPTION_ARG_STRING, &o->variant,
      "Kernel behaviour: a variant, optionally +SWITCH/-SWITCH (see vmemu variants)", "V" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Override the scenario's seed", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
      "Write the trace database to FILE (several scenarios: FILE is a directory)", "FILE" },
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
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet,
      "Print only problems: data loss, unmet expectations, unexpected op results", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO.yaml... | DIR... | --fsx OPS");
  g_autoptr (GError) error = NULL;
  g_set_prgname ("vmemu run");
  g_option_context_set_summary (ctx,
    "Run scenarios under a kernel variant, check every read and the files at the end,\n"
    "and print what the machine did (reclaim, releasepage, writeback, faults, ...).\n"
    "Exit status: 0 every check passed, 1 data loss or a failed check, 2 bad input,\n"
    "3 cannot judge: the run reached a simplification of the model that could change its\n"
    "verdict (the verdict line names it: 'verdict: data loss (depends on: ...)'),\n"
    "4 the run did not do what the scenario states (expect_activity, an op's expect),\n"
    "130 interrupted (SIGINT), 143 (SIGTERM).  With several scenarios the most serious\n"
    "status wins (2, 1, 3, 4, 0).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if ((o->fsx == NULL && argc < 2) || (o->fsx != NULL && argc != 1))
    return vmemu_cli_usage ("expected SCENARIO.yaml files or directories (or --fsx OPS); "
                            "see --help");
  if (o->seed < -1)
    return vmemu_cli_usage ("--seed must not be negative");
  if (o->dump_dir && !g_file_test (o->dump_dir, G_FILE_TEST_IS_DIR))
    return vmemu_cli_usage ("--dump-files: %s is not a directory", o->dump_dir);

  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  if (o->fsx)
    g_ptr_array_add (paths, g_strdup (o->fsx));
  else if (!collect_inputs (argc, argv, paths, &error))
    return vmemu_cli_usage ("%s", error->message);
  gboolean several = paths->len > 1;
  if (several && o->dump_dir)
    return vmemu_cli_usage ("--dump-files takes one scenario");
  if (several && o->output && !g_file_test (o->output, G_FILE_TEST_IS_DIR))
    return vmemu_cli_usage ("with several scenarios, -o names an existing directory "
                            "(one trace per scenario): %s is not one", o->output);
  /* Every input is loaded (and checked) before anything runs. */
  g_autoptr (GPtrArray) scns = g_ptr_array_new_with_free_func ((GDestroyNotify) vmemu_scenario_free);
  for (guint i = 0; i < paths->len; i++)
    {
      VmemuScenario *scn = load_input (o, paths->pdata[i], &error);
      if (scn == NULL)
        return vmemu_cli_usage ("%s", error->message);
      g_ptr_array_add (scns, scn);
    }

  /* Before the temporary trace exists: from here on a signal only raises the
   * flag, and the run loop's poll turns it into abort + exit 130. */
  vmemu_cli_signals_install ();
  int worst = VMEMU_EXIT_OK;
  for (guint i = 0; i < scns->len; i++)
    {
      g_autofree char *trace_path = trace_path_for (o, paths->pdata[i], several);
      int status = run_one (o, scns->pdata[i], trace_path);
      if (status == VMEMU_EXIT_INTERRUPTED)
        return status;
      if (status_rank (status) > status_rank (worst))
        worst = status;
    }
  if (fflush (stdout) != 0 || ferror (stdout))
    worst = vmemu_cli_usage ("cannot write to standard output: %s", g_strerror (errno));
  return worst;
}
