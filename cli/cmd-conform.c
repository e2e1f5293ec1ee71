/* cmd-conform.c — vmemu conform SCENARIO... [--variant V] [--kernel PATH]:
 * the real Linux 5.8.1 (User-Mode Linux) as the judge of the model
 * (engine/conform, docs/conform.md). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/conform/conform.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

enum { EXIT_UNSUPPORTED = 3, EXIT_BROKEN = 4 };

typedef struct {
  char *variant, *kernel, *kernel_dir, *guest, *output, *common;
  gboolean force, keep, quiet;
  gint timeout;
} ConformOptions;

static void
options_clear (ConformOptions *o)
{
  g_free (o->variant);
  g_free (o->kernel);
  g_free (o->kernel_dir);
  g_free (o->guest);
  g_free (o->output);
  g_free (o->common);
}

/* The kernel a variant is compared with, when --kernel is not given. */
static char *
default_kernel (const char *dir, const char *variant)
{
  const char *file = NULL;
  if (strcmp (variant, "baseline") == 0)
    file = "linux-5.8.1-um";
  else if (strcmp (variant, "patched") == 0)
    file = "linux-5.8.1+4595a298d556-um";
  return file ? g_build_filename (dir, file, NULL) : NULL;
}

/* conform-guest is built beside vmemu. */
static char *
default_guest (void)
{
  const char *env = g_getenv ("VMEMU_CONFORM_GUEST");
  if (env)
    return g_canonicalize_filename (env, NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    return NULL;
  g_autofree char *dir = g_path_get_dirname (self);
  return g_build_filename (dir, "conform-guest", NULL);
}

static int
conform_one (const ConformOptions *o, const char *path, const VmemuVariant *variant,
             const char *kernel, const char *guest)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) scn = vmemu_scenario_load_file (path, &error);
  if (scn == NULL)
    return vmemu_cli_usage ("%s", error->message);
  VmemuTrace *tr = NULL;
  if (o->output && (tr = vmemu_trace_open (o->output, o->force, &error)) == NULL)
    return vmemu_cli_usage ("%s", error->message);
  VmemuConformOptions co = { .kernel = kernel, .guest = guest, .variant = variant, .trace = tr,
                             .keep_workdir = o->keep, .timeout_s = (guint) o->timeout,
                             .interrupt = vmemu_cli_interrupt_flag (),
                             .common_dir = o->common, .force = o->force };
  g_autoptr (VmemuConformOutcome) out = vmemu_conform_run (scn, &co, &error);
  if (out == NULL)
    {
      vmemu_trace_abort (tr);
      if (vmemu_cli_interrupt_signal ())
        return vmemu_cli_interrupted ("the kernel was stopped; %s",
                                      tr ? "trace not written" : "nothing written");
      if (g_error_matches (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED))
        {
          printf ("%s: cannot be run on a real kernel: %s\n", scn->name, error->message);
          return EXIT_UNSUPPORTED;
        }
      if (error->domain == VMEMU_CONFORM_ERROR)
        {
          fprintf (stderr, "vmemu conform: %s: %s\n", scn->name, error->message);
          return EXIT_BROKEN;
        }
      return vmemu_cli_usage ("%s", error->message);
    }
  if (tr && !vmemu_trace_close (tr, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (out->not_reproduced)
    {
      /* the real verdict stands for the real kernel, but not beside the model's */
      printf ("%s: cannot be run on a real kernel: %s (the real run: %s)\n", scn->name,
              out->not_reproduced, out->line);
      return EXIT_UNSUPPORTED;
    }
  printf ("%s: %s\n", scn->name, out->line);
  if (!o->quiet)
    {
      for (guint i = 0; i < out->details->len; i++)
        printf ("  real %s: %s\n", out->kernel_label, (char *) g_ptr_array_index (out->details, i));
      if (out->model_lost && !out->model_final_lost)
        printf ("  vmemu %s: the loss shows only in reads during the run, not in the final"
                " read-back the real verdict is taken from\n", variant->spec);
      printf ("  boot and run: %.2f s (host), %.3f ms of guest virtual time\n", out->wall_s,
              out->end_ns / 1e6);
      if (o->output)
        printf ("  trace: %s (run 1 vmemu %s, run 2 linux-%s: %" G_GUINT64_FORMAT " events)\n",
                o->output, variant->spec, out->kernel_label, out->trace_events);
      if (o->common)
        printf ("  events both have: vmemu diff %s/vmemu.db %s/linux.db\n", o->common, o->common);
      if (o->keep)
        printf ("  work directory: %s\n", out->workdir);
    }
  return out->real_lost == out->model_lost ? VMEMU_EXIT_OK : VMEMU_EXIT_FAIL;
}

/* Worst first: bad input, conform broken, disagreement, cannot run, agree. */
static int
combine (int a, int b)
{
  static const int rank[] = { [0] = 0, [EXIT_UNSUPPORTED] = 1, [VMEMU_EXIT_FAIL] = 2,
                              [EXIT_BROKEN] = 3, [VMEMU_EXIT_USAGE] = 4 };
  return rank[b] > rank[a] ? b : a;
}

static int conform_with_options (ConformOptions *o, int argc, char **argv);

int
vmemu_cmd_conform (int argc, char **argv)
{
  ConformOptions o = { 0 };
  int status = conform_with_options (&o, argc, argv);
  options_clear (&o);
  return status;
}

static int
conform_with_options (ConformOptions *o, int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "variant", 'V', 0, G_OPTION_ARG_STRING, &o->variant,
      "The model variant to compare with (default baseline)", "V" },
    { "kernel", 'k', 0, G_OPTION_ARG_FILENAME, &o->kernel,
      "The UML kernel to run (default: by variant from --kernel-dir)", "PATH" },
    { "kernel-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->kernel_dir,
      "Where linux-5.8.1-um (baseline) and linux-5.8.1+4595a298d556-um (patched) are"
      " (default $VMEMU_KERNEL_DIR, else ../shared/kernels)", "DIR" },
    { "guest", 0, 0, G_OPTION_ARG_FILENAME, &o->guest,
      "The static guest program (default: conform-guest beside vmemu)", "PATH" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
      "Write vmemu's trace and the kernel's tracepoints (run 2) to FILE", "FILE" },
    { "common", 0, 0, G_OPTION_ARG_FILENAME, &o->common,
      "Write DIR/vmemu.db and DIR/linux.db: both runs cut to the events both have, in order"
      " (vmemu diff DIR/vmemu.db DIR/linux.db)", "DIR" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o->force, "Replace an existing trace", NULL },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &o->keep, "Keep the work directory (image, console)",
      NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout,
      "Give up on a boot after S seconds of host time (default 120)", "S" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Only the verdict lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("SCENARIO...");
  g_autoptr (GError) error = NULL;
  g_set_prgname ("vmemu conform");
  g_option_context_set_summary (ctx,
    "Run each scenario on a real Linux 5.8.1 (User-Mode Linux) and in the model, read\n"
    "every file back from the real kernel after sync and a remount, and compare both\n"
    "verdicts against vmemu's oracle (docs/conform.md).");
  g_option_context_set_description (ctx,
    "Exit status: 0 the real kernel and the model agree, 1 they disagree, 2 bad input,\n"
    "3 the scenario cannot be forced on a real kernel (the reason is printed),\n"
    "4 the real run itself failed (kernel, guest, mkfs.xfs).");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (argc < 2)
    return vmemu_cli_usage ("expected a SCENARIO (see --help)");
  if ((o->output || o->common) && argc > 2)
    return vmemu_cli_usage ("-o and --common take one SCENARIO");
  if (o->timeout < 0)
    return vmemu_cli_usage ("--timeout must not be negative");
  g_autoptr (VmemuVariant) variant = vmemu_variant_parse (o->variant ? o->variant : "baseline",
                                                          &error);
  if (variant == NULL)
    return vmemu_cli_usage ("%s", error->message);
  g_autofree char *kernel = NULL;
  if (o->kernel)
    kernel = g_strdup (o->kernel);
  else
    {
      const char *dir = o->kernel_dir ? o->kernel_dir : g_getenv ("VMEMU_KERNEL_DIR");
      kernel = default_kernel (dir ? dir : "../shared/kernels", variant->spec);
      if (kernel == NULL)
        return vmemu_cli_usage ("no default kernel for variant '%s': give --kernel",
                                variant->spec);
    }
  if (!g_file_test (kernel, G_FILE_TEST_IS_EXECUTABLE))
    return vmemu_cli_usage ("%s: no such kernel (see --kernel, --kernel-dir)", kernel);
  g_autofree char *guest = o->guest ? g_canonicalize_filename (o->guest, NULL) : default_guest ();
  if (guest == NULL || !g_file_test (guest, G_FILE_TEST_IS_EXECUTABLE))
    return vmemu_cli_usage ("%s: no guest program (make builds build/conform-guest; see --guest)",
                            guest ? guest : "conform-guest");
  int status = VMEMU_EXIT_OK;
  /* a signal raises a flag: the boot loop kills the kernel's process group */
  vmemu_cli_signals_install ();
  for (int i = 1; i < argc; i++)
    {
      int one = conform_one (o, argv[i], variant, kernel, guest);
      if (one == VMEMU_EXIT_INTERRUPTED)
        return one;
      status = combine (status, one);
      fflush (stdout);
    }
  return status;
}

void
vmemu_cli_conform_confirm (const VmemuScenario *scn, const VmemuVariant *variant,
                           const char *kernel)
{
  g_autofree char *guest = default_guest ();
  g_autofree char *label = vmemu_conform_kernel_label (kernel);
  g_autoptr (GError) error = NULL;
  if (scn == NULL)
    return;
  VmemuConformOptions co = { .kernel = kernel, .guest = guest, .variant = variant };
  g_autoptr (VmemuConformOutcome) out = guest ? vmemu_conform_run (scn, &co, &error) : NULL;
  if (out == NULL)
    {
      printf ("on the real kernel %s: %s\n", label,
              error ? error->message : "no conform-guest beside vmemu");
      return;
    }
  if (out->not_reproduced)
    {
      printf ("on the real kernel %s: not comparable: %s\n", label, out->not_reproduced);
      return;
    }
  printf ("on the real kernel %s: %s (%s)\n", label,
          out->real_lost ? "data loss too: the reproducer is confirmed"
                         : "clean: the real kernel does NOT lose the data (a model finding)",
          out->line);
  for (guint i = 0; i < out->details->len; i++)
    printf ("  real %s: %s\n", label, (char *) g_ptr_array_index (out->details, i));
}
