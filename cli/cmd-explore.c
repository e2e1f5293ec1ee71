/* cmd-explore.c — vmemu explore [SCENARIO] --variant V [--seed S] [--runs N | --time T]
 *                 [-j J] [-o PATH] [--shard K/N] [--force] [--json FILE]
 *
 * Runs generated cases until one loses data, shrinks it and writes it as a
 * scenario with an explanation in its header.  The wall clock is read here,
 * never in engine/explore: for --time and for the progress line. */
#include "cli/cli.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/explore/explore.h"
#include "engine/json/json.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

#define EXPLORE_DEFAULT_OUTPUT "explore-minimal.yaml"

typedef struct {
  char *variant;
  char *check;
  gint64 seed;
  gint64 runs;
  char *time;
  gint jobs;
  char *output;
  gboolean force;
  char *shard;
  char *json;
  const char *scenario_path;   /* the input (NULL: the built-in template) */
  gboolean no_shrink;
  char *confirm_kernel;     /* --confirm-kernel: run the reproducer on it (issue 11) */
} ExploreArgs;

/* What the callbacks see. */
typedef struct {
  gint64 start_us;
  gint64 deadline_us;       /* 0: none */
  gboolean tty;             /* progress line on stderr */
  gint64 last_progress_us;
  gboolean progress_shown;
} ExploreClock;


static gboolean
explore_should_stop (gpointer data)
{
  ExploreClock *c = data;
  return c->deadline_us > 0 && g_get_monotonic_time () >= c->deadline_us;
}

static guint64
explore_clock_ns (gpointer data)
{
  (void) data;
  return (guint64) g_get_monotonic_time () * 1000;
}

static void
explore_progress (const VmemuExploreProgress *p, gpointer data)
{
  ExploreClock *c = data;
  gint64 now = g_get_monotonic_time ();
  double secs = (now - c->start_us) / 1e6;

  if (!c->tty || now - c->last_progress_us < 200000)
    return;
  c->last_progress_us = now;
  c->progress_shown = TRUE;
  fprintf (stderr, "\r%" G_GUINT64_FORMAT " cases, %.0f cases/s, ", p->cases_run,
           secs > 0 ? p->cases_run / secs : 0.0);
  if (p->found)
    fprintf (stderr, "best so far: case %" G_GUINT64_FORMAT " (%u ops)   ", p->first_case,
             p->best_ops);
  else
    fprintf (stderr, "no loss yet   ");
  fflush (stderr);
}

/* "K/N" with N >= 1 and K < N. */
static gboolean
parse_shard (const char *text, guint32 *k, guint32 *n)
{
  guint64 a, b;
  char *end;

  if (!g_ascii_isdigit (text[0]))
    return FALSE;
  a = g_ascii_strtoull (text, &end, 10);
  if (*end != '/' || !g_ascii_isdigit (end[1]))
    return FALSE;
  b = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != '\0' || b == 0 || a >= b || b > G_MAXUINT32)
    return FALSE;
  *k = (guint32) a;
  *n = (guint32) b;
  return TRUE;
}

/* "120" (seconds), "2.5", or a duration with a unit ("90s", "2m" is not one:
 * see vmemu_parse_duration). */
static gboolean
parse_wall_time (const char *text, gint64 *us)
{
  char *end;
  double secs = g_ascii_strtod (text, &end);
  guint64 ns;

  if (end != text && *end == '\0' && secs > 0 && secs < 1e9)
    {
      *us = (gint64) (secs * 1e6);
      return TRUE;
    }
  if (!vmemu_parse_duration (text, &ns) || ns == 0)
    return FALSE;
  *us = (gint64) (ns / 1000);
  return TRUE;
}

static char *
explore_header (const ExploreArgs *a, const VmemuExploreResult *r, const char *check)
{
  GString *h = g_string_new (NULL);

  g_string_append_printf (h, "Found by: vmemu explore --variant %s --seed %" G_GINT64_FORMAT
                          " (case %" G_GUINT64_FORMAT ", case seed %" G_GUINT64_FORMAT ")\n",
                          a->variant, a->seed, r->first_case, r->first_case_seed);
  g_string_append_printf (h, "Shrunk from %u to %u operations in %" G_GUINT64_FORMAT
                          " trial runs; %s under %s.\n\n", r->original_ops, r->shrunk_ops,
                          r->shrink_runs, r->check_clean ? "clean" : "DATA LOSS", check);
  g_string_append_printf (h, "How the loss happens (a traced run under %s):\n%s",
                          a->variant, r->explanation);
  return g_string_free (h, FALSE);
}

static char *
minimal_yaml (const ExploreArgs *a, const VmemuExploreResult *r, const char *check)
{
  g_autofree char *header = explore_header (a, r, check);
  GString *yaml = g_string_new (NULL);

  vmemu_scenario_write_yaml (r->minimal, header, yaml);
  return g_string_free (yaml, FALSE);
}

static char *
json_line (const ExploreArgs *a, const VmemuExploreOptions *o, const VmemuExploreResult *r)
{
  g_autoptr (GString) spec = g_string_new (NULL);
  g_autoptr (GString) path = g_string_new (NULL);
  vmemu_json_string (spec, o->variant->spec);
  vmemu_json_string (path, r->found ? a->output : "");
  return g_strdup_printf (
    "{\"seed\":%" G_GUINT64_FORMAT ",\"shard\":\"%u/%u\",\"variant\":%s,\"found\":%s,"
    "\"first_case\":%" G_GINT64_FORMAT ",\"case_seed\":%" G_GUINT64_FORMAT ","
    "\"cases_run\":%" G_GUINT64_FORMAT ",\"ops_run\":%" G_GUINT64_FORMAT ","
    "\"original_ops\":%u,\"shrunk_ops\":%u,\"minimal\":%s}\n",
    o->seed, o->shard_index, MAX (o->shard_count, 1), spec->str,
    r->found ? "true" : "false", r->found ? (gint64) r->first_case : -1, r->first_case_seed,
    r->cases_run, r->ops_run, r->original_ops, r->shrunk_ops, path->str);
}

static void
print_found (const ExploreArgs *a, const VmemuExploreOptions *o, const VmemuExploreResult *r)
{
  /* Only what -j cannot change goes to stdout: the cases that ran beside the
   * failing one are not counted here. */
  printf ("explore: variant %s, seed %" G_GUINT64_FORMAT ": case %" G_GUINT64_FORMAT
          " lost data on %s; it was case number %" G_GUINT64_FORMAT " of this run\n",
          o->variant->spec, o->seed, r->first_case, r->loss_path, r->cases_to_first_loss);
  if (r->ns_to_first_loss && isatty (STDERR_FILENO))
    fprintf (stderr, "first loss after %.2f s\n", r->ns_to_first_loss / 1e9);
  printf ("shrunk from %u to %u operations in %" G_GUINT64_FORMAT " trial runs\n",
          r->original_ops, r->shrunk_ops, r->shrink_runs);
  if (r->checked)
    printf ("minimal case under %s: %s\n", o->check_variant->spec,
            r->check_clean ? "clean" : "DATA LOSS TOO (a model bug: please report it)");
  printf ("How the loss happens:\n%s", r->explanation);
  printf ("shrunk to %u operations: %s\n", r->shrunk_ops, a->output);
}

static int
explore_finish (const ExploreArgs *a, const VmemuExploreOptions *o, VmemuExploreResult *r)
{
  g_autoptr (GError) error = NULL;
  const char *check = o->check_variant ? o->check_variant->spec : "-";

  /* Both outputs go to temporary files first and are renamed together: one
   * that cannot be written leaves neither. */
  g_autofree char *yaml = r->found ? minimal_yaml (a, r, check) : NULL;
  g_autofree char *json = a->json ? json_line (a, o, r) : NULL;
  const char *inputs[] = { a->scenario_path, NULL };
  VmemuCliOutput *out_yaml = NULL, *out_json = NULL;
  if (yaml && (out_yaml = vmemu_cli_output_open (a->output, a->force, inputs, &error)) == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if (json && (out_json = vmemu_cli_output_open (a->json, a->force, inputs, &error)) == NULL)
    {
      vmemu_cli_output_abort (out_yaml);
      return vmemu_cli_usage ("%s", error->message);
    }
  if (out_yaml)
    vmemu_cli_output_write (out_yaml, yaml, strlen (yaml));
  if (out_json)
    vmemu_cli_output_write (out_json, json, strlen (json));
  if (out_yaml && !vmemu_cli_output_commit (out_yaml, &error))
    {
      vmemu_cli_output_abort (out_json);
      return vmemu_cli_usage ("%s", error->message);
    }
  if (out_json && !vmemu_cli_output_commit (out_json, &error))
    {
      if (out_yaml)
        g_unlink (a->output);
      return vmemu_cli_usage ("%s", error->message);
    }
  if (!r->found)
    {
      printf ("explore: variant %s, seed %" G_GUINT64_FORMAT ": no data loss in %"
              G_GUINT64_FORMAT " cases (%" G_GUINT64_FORMAT " operations)", o->variant->spec,
              o->seed, r->cases_run, r->ops_generated);
      if (r->cases_errored)
        printf ("; %" G_GUINT64_FORMAT " cases stopped with a model error", r->cases_errored);
      printf ("\n");
      return VMEMU_EXIT_OK;
    }
  print_found (a, o, r);
  if (a->confirm_kernel)
    vmemu_cli_conform_confirm (r->minimal, o->variant, a->confirm_kernel);
  return VMEMU_EXIT_FAIL;
}

/* Checks the arguments and fills the options; returns an exit status or -1. */
static int
explore_setup (ExploreArgs *a, ExploreClock *clk, VmemuExploreOptions *o)
{
  gint64 us = 0;

  if (a->seed < 0)
    return vmemu_cli_usage ("--seed must not be negative");
  if (a->runs < 0)
    return vmemu_cli_usage ("--runs must not be negative");
  if (a->jobs < 1 || a->jobs > 1024)
    return vmemu_cli_usage ("-j: expected 1 to 1024 jobs, got %d", a->jobs);
  if (a->time && !parse_wall_time (a->time, &us))
    return vmemu_cli_usage ("--time: bad duration '%s' (seconds, or e.g. 90s)", a->time);
  if (a->shard && !parse_shard (a->shard, &o->shard_index, &o->shard_count))
    return vmemu_cli_usage ("--shard: expected K/N with 0 <= K < N, got '%s'", a->shard);
  const char *inputs[] = { a->scenario_path, NULL };
  g_autoptr (GError) error = NULL;
  if (!vmemu_cli_output_check (a->output, a->force, inputs, &error)
      || (a->json && !vmemu_cli_output_check (a->json, a->force, inputs, &error)))
    return vmemu_cli_usage ("%s", error->message);
  if (a->json && strcmp (a->json, a->output) == 0)
    return vmemu_cli_usage ("--json %s: is also the -o output", a->json);
  o->seed = (guint64) a->seed;
  o->max_cases = (guint64) a->runs;
  o->jobs = (guint) a->jobs;
  o->no_shrink = a->no_shrink;
  clk->start_us = g_get_monotonic_time ();
  clk->deadline_us = us ? clk->start_us + us : 0;
  clk->tty = isatty (STDERR_FILENO);
  o->should_stop = explore_should_stop;
  o->clock_ns = explore_clock_ns;
  o->progress = explore_progress;
  o->user_data = clk;
  o->interrupt = vmemu_cli_interrupt_flag ();
  return -1;
}

static int
explore_main (ExploreArgs *a, const char *scenario_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) scn = NULL;
  g_autoptr (VmemuVariant) variant = NULL, check = NULL;
  VmemuExploreOptions o;
  VmemuExploreResult r = { 0 };
  ExploreClock clk = { 0 };
  int status;

  vmemu_explore_options_init (&o);
  if (scenario_path && (scn = vmemu_scenario_load_file (scenario_path, &error)) == NULL)
    return vmemu_cli_usage ("%s", error->message);
  if ((variant = vmemu_variant_parse (a->variant ? a->variant
                                      : scn && scn->variant ? scn->variant : "baseline",
                                      &error)) == NULL
      || (check = vmemu_variant_parse (a->check ? a->check : "patched", &error)) == NULL)
    return vmemu_cli_usage ("%s", error->message);
  a->scenario_path = scenario_path;
  if ((status = explore_setup (a, &clk, &o)) >= 0)
    return status;
  o.scenario = scn;
  o.variant = variant;
  o.check_variant = check;
  vmemu_cli_signals_install ();
  gboolean ok = vmemu_explore_run (&o, &r, &error);
  if (clk.progress_shown)
    fprintf (stderr, "\n");
  if ((!ok && g_error_matches (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INTERRUPTED))
      || vmemu_cli_interrupt_signal ())
    return vmemu_cli_interrupted ("nothing written");
  if (!ok)
    return vmemu_cli_usage ("%s", error->message);
  status = explore_finish (a, &o, &r);
  vmemu_explore_result_clear (&r);
  return status;
}

int
vmemu_cmd_explore (int argc, char **argv)
{
  ExploreArgs a = { .seed = 1, .jobs = (gint) g_get_num_processors () };
  const GOptionEntry entries[] = {
    { "variant", 'V', 0, G_OPTION_ARG_STRING, &a.variant,
      "Kernel behaviour to explore (default: the scenario's, or baseline)", "V" },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &a.seed, "Exploration seed (default 1)", "S" },
    { "runs", 'n', 0, G_OPTION_ARG_INT64, &a.runs, "Try at most N cases (of this shard)", "N" },
    { "time", 't', 0, G_OPTION_ARG_STRING, &a.time,
      "Stop taking new cases after T seconds of wall time (or e.g. 90s)", "T" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &a.jobs, "Worker threads (default: the CPUs)", "J" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "Write the minimal case here (default " EXPLORE_DEFAULT_OUTPUT ")", "PATH" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &a.force, "Replace existing output files", NULL },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &a.shard,
      "Take only the cases k with k mod N = K", "K/N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &a.json,
      "Also write a one-line JSON summary (for merging shards)", "FILE" },
    { "check", 0, 0, G_OPTION_ARG_STRING, &a.check,
      "Variant the minimal case must be clean under (default patched)", "V" },
    { "no-shrink", 0, 0, G_OPTION_ARG_NONE, &a.no_shrink, "Keep the failing case as found",
      NULL },
    { "confirm-kernel", 0, 0, G_OPTION_ARG_FILENAME, &a.confirm_kernel,
      "Run the reproducer on this real kernel (UML, see vmemu conform) and say whether it "
      "loses the data too", "PATH" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("[SCENARIO.yaml]");
  int status;

  g_set_prgname ("vmemu explore");
  g_option_context_set_summary (ctx,
    "Run generated cases (SCENARIO's generate: blocks, or a built-in generic/127-like\n"
    "template) until one loses data, shrink it and write it as a scenario.\n"
    "Without --runs or --time it runs until a loss is found (or Ctrl-C).\n"
    "Exit status: 0 no loss found, 1 a loss found (last line: 'shrunk to N operations:\n"
    "PATH'), 2 bad input.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc > 2)
    return vmemu_cli_usage ("expected at most one SCENARIO; see --help");
  if (a.output == NULL)
    a.output = g_strdup (EXPLORE_DEFAULT_OUTPUT);
  status = explore_main (&a, argc == 2 ? argv[1] : NULL);
  g_free (a.variant);
  g_free (a.check);
  g_free (a.time);
  g_free (a.output);
  g_free (a.shard);
  g_free (a.json);
  g_free (a.confirm_kernel);
  return status;
}
