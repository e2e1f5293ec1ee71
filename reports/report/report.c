/* report.c — the regression report: gather the inputs, run every scenario
 * under both variants (a batch of engine/run), analyse the pairs on its pool, render the four
 * files into a temporary directory and rename it into place. */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "engine/run/run.h"

G_DEFINE_QUARK (vmemu-report-error-quark, vmemu_report_error)

static void
scenario_free (ReportScenario *sc)
{
  if (sc == NULL)
    return;
  g_free (sc->name);
  g_free (sc->slug);
  g_free (sc->source);
  vmemu_scenario_free (sc->scn);
  g_free (sc->scenario_path);
  g_free (sc->sha256);
  g_free (sc->description);
  report_side_clear (&sc->side[0]);
  report_side_clear (&sc->side[1]);
  g_free (sc->diff_summary);
  g_free (sc->diff_hint);
  g_free (sc->diff_text);
  g_free (sc->diff_markdown);
  g_free (sc->diff_json);
  g_clear_pointer (&sc->rows, g_ptr_array_unref);
  g_free (sc);
}

void
vmemu_report_free (VmemuReport *r)
{
  if (r == NULL)
    return;
  g_free (r->baseline);
  g_free (r->candidate);
  g_free (r->command_line);
  g_clear_pointer (&r->scenarios, g_ptr_array_unref);
  g_free (r->headline);
  g_clear_pointer (&r->groups, g_ptr_array_unref);
  g_free (r);
}

/* ---- names ---- */

/* Letters, digits and ._+- are kept; anything else becomes '_'. */
static char *
slugify (const char *s)
{
  char *out = g_strdup (s && *s ? s : "scenario");

  for (char *p = out; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._+-", *p) == NULL)
      *p = '_';
  if (out[0] == '.')
    out[0] = '_';
  return out;
}

/* Names (and slugs) are unique: a second "foo" becomes "foo-2". */
static void
scenario_set_name (VmemuReport *r, ReportScenario *sc, const char *name)
{
  g_autofree char *base = slugify (name);
  char *slug = g_strdup (base);

  for (guint n = 2;; n++)
    {
      gboolean taken = FALSE;
      for (guint i = 0; i < r->scenarios->len && !taken; i++)
        taken = g_strcmp0 (((ReportScenario *) r->scenarios->pdata[i])->slug, slug) == 0;
      if (!taken)
        break;
      g_free (slug);
      slug = g_strdup_printf ("%s-%u", base, n);
    }
  sc->slug = slug;
  sc->name = strcmp (slug, base) == 0 ? g_strdup (name) : g_strdup_printf ("%s (%s)", name, slug);
}

static char *
shell_word (const char *s)
{
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("/._+-=:,@%", *p) == NULL)
      return g_shell_quote (s);
  return g_strdup (*s ? s : "''");
}

/* The scenario by its absolute path, so the command works from any
 * directory (with vmemu installed on PATH: `make install`). */
static char *
reproduce_command (const char *scenario, const char *variant, guint64 seed, const char *out)
{
  g_autofree char *abs = g_canonicalize_filename (scenario, NULL);
  g_autofree char *q_scn = shell_word (abs);
  g_autofree char *q_var = shell_word (variant);
  g_autofree char *q_out = shell_word (out);

  return g_strdup_printf ("vmemu run --variant %s --seed %" G_GUINT64_FORMAT " %s -o %s",
                          q_var, seed, q_scn, q_out);
}

/* ---- inputs: scenarios ---- */

static void
side_expect (ReportSide *s, const VmemuScenario *scn)
{
  if (scn != NULL)
    s->has_expect = vmemu_scenario_expect (scn, s->variant, &s->expect);
}

static gboolean
add_scenario (VmemuReport *r, const char *path, GError **error)
{
  g_autoptr(VmemuScenario) scn = vmemu_scenario_load_file (path, error);
  const char *spec[2] = { r->baseline, r->candidate };

  if (scn == NULL)
    return FALSE;
  ReportScenario *sc = g_new0 (ReportScenario, 1);
  scenario_set_name (r, sc, scn->name);
  sc->source = g_strdup (path);
  sc->scenario_path = g_strdup (path);
  sc->sha256 = g_strdup (scn->sha256);
  sc->description = scn->description ? g_strstrip (g_strdup (scn->description)) : NULL;
  for (int k = 0; k < 2; k++)
    {
      ReportSide *s = &sc->side[k];
      g_autofree char *vslug = slugify (spec[k]);
      gboolean same = g_strcmp0 (r->baseline, r->candidate) == 0;
      s->variant = g_strdup (spec[k]);
      s->trace_label = same ? g_strdup_printf ("traces/%s.%s.%s.db", sc->slug,
                                               k ? "candidate" : "baseline", vslug)
                            : g_strdup_printf ("traces/%s.%s.db", sc->slug, vslug);
      s->run = 1;
      s->seed = scn->machine.seed;
      s->reproduce = reproduce_command (path, spec[k], s->seed, s->trace_label + strlen ("traces/"));
      side_expect (s, scn);
    }
  sc->scn = g_steal_pointer (&scn);
  g_ptr_array_add (r->scenarios, sc);
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static gboolean
add_directory (VmemuReport *r, const char *dir, GError **error)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    if (name[0] != '.' && (g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml")))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  if (names->len == 0)
    {
      g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INPUT,
                   "%s: no scenarios (*.yaml, *.yml) in this directory", dir);
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      if (!add_scenario (r, path, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- inputs: traces ---- */

static gboolean
is_trace_file (const char *path)
{
  char head[16] = { 0 };
  FILE *f;

  if (g_str_has_suffix (path, ".db"))
    return TRUE;
  if ((f = fopen (path, "rb")) == NULL)
    return FALSE;
  gboolean sqlite = fread (head, 1, sizeof head, f) == sizeof head
                    && memcmp (head, "SQLite format 3", 16) == 0;
  fclose (f);
  return sqlite;
}

/* The run whose variant meta is spec, else fallback. */
static gint64
pick_run (VmemuTracedb *db, GPtrArray *runs, const char *spec, gint64 fallback, gint64 other)
{
  for (guint i = 0; i < runs->len; i++)
    {
      gint64 id = ((VmemuTracedbRun *) runs->pdata[i])->id;
      g_autofree char *v = vmemu_tracedb_meta (db, id, "variant");
      if (id != other && g_strcmp0 (v, spec) == 0)
        return id;
    }
  return fallback;
}

static guint64
meta_u64 (VmemuTracedb *db, gint64 run, const char *key)
{
  g_autofree char *v = vmemu_tracedb_meta (db, run, key);
  return v ? g_ascii_strtoull (v, NULL, 10) : 0;
}

/* The scenario a trace was run from, when it is still there unchanged. */
static VmemuScenario *
trace_scenario (VmemuTracedb *db, gint64 run)
{
  g_autofree char *path = vmemu_tracedb_meta (db, run, "scenario");
  g_autofree char *sha = vmemu_tracedb_meta (db, run, "scenario_sha256");

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  g_autoptr(VmemuScenario) scn = vmemu_scenario_load_file (path, NULL);
  if (scn == NULL || g_strcmp0 (scn->sha256, sha) != 0)
    return NULL;
  return g_steal_pointer (&scn);
}

static void
trace_side (ReportSide *s, VmemuTracedb *db, const char *path, gint64 run)
{
  g_autofree char *scn_path = vmemu_tracedb_meta (db, run, "scenario");
  char *variant = vmemu_tracedb_meta (db, run, "variant");

  s->variant = variant ? variant : g_strdup_printf ("run %" G_GINT64_FORMAT, run);
  s->trace_label = g_strdup (path);
  s->trace_path = g_strdup (path);
  s->run = run;
  s->seed = meta_u64 (db, run, "seed");
  if (scn_path != NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      s->reproduce = reproduce_command (scn_path, s->variant, s->seed, base);
    }
}

static void
add_trace_pair (VmemuReport *r, VmemuTracedb **db, const char **path, const gint64 *run)
{
  ReportScenario *sc = g_new0 (ReportScenario, 1);
  g_autofree char *name = vmemu_tracedb_meta (db[0], run[0], "scenario_name");
  g_autofree char *base = g_path_get_basename (path[0]);

  scenario_set_name (r, sc, name ? name : base);
  sc->from_traces = TRUE;
  sc->source = path[0] == path[1] ? g_strdup (path[0])
                                  : g_strdup_printf ("%s %s", path[0], path[1]);
  sc->scenario_path = vmemu_tracedb_meta (db[0], run[0], "scenario");
  sc->sha256 = vmemu_tracedb_meta (db[0], run[0], "scenario_sha256");
  sc->scn = trace_scenario (db[0], run[0]);
  if (sc->scn && sc->scn->description)
    sc->description = g_strstrip (g_strdup (sc->scn->description));
  for (int k = 0; k < 2; k++)
    {
      trace_side (&sc->side[k], db[k], path[k], run[k]);
      side_expect (&sc->side[k], sc->scn);
    }
  g_ptr_array_add (r->scenarios, sc);
}

/* A database with two or more runs stands alone; one with a single run takes
 * the next input as its candidate side.  *i is left on the last input used. */
static gboolean
add_traces (VmemuReport *r, const char *const *inputs, guint *i, GError **error)
{
  g_autoptr(VmemuTracedb) a = vmemu_tracedb_open (inputs[*i], error);
  g_autoptr(VmemuTracedb) b = NULL;
  g_autoptr(GPtrArray) runs = a ? vmemu_tracedb_list_runs (a, error) : NULL;

  if (runs == NULL)
    return FALSE;
  if (runs->len >= 2)
    {
      gint64 run[2];
      run[0] = pick_run (a, runs, r->baseline, 1, -1);
      run[1] = pick_run (a, runs, r->candidate, run[0] == 1 ? 2 : 1, run[0]);
      VmemuTracedb *dbs[2] = { a, a };
      const char *paths[2] = { inputs[*i], inputs[*i] };
      add_trace_pair (r, dbs, paths, run);
      return TRUE;
    }
  if (runs->len == 0 || inputs[*i + 1] == NULL || !is_trace_file (inputs[*i + 1]))
    {
      g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INPUT,
                   "%s: a trace with %u run(s) needs a second trace after it"
                   " (BASELINE.db CANDIDATE.db)", inputs[*i], runs->len);
      return FALSE;
    }
  *i += 1;
  gint64 run[2] = { 1, 1 };
  if ((b = vmemu_tracedb_open (inputs[*i], error)) == NULL
      || !vmemu_tracedb_resolve_run (b, NULL, &run[1], error))
    return FALSE;
  VmemuTracedb *dbs[2] = { a, b };
  const char *paths[2] = { inputs[*i - 1], inputs[*i] };
  run[0] = ((VmemuTracedbRun *) runs->pdata[0])->id;
  add_trace_pair (r, dbs, paths, run);
  return TRUE;
}

static gboolean
add_inputs (VmemuReport *r, const char *const *inputs, GError **error)
{
  for (guint i = 0; inputs[i] != NULL; i++)
    {
      const char *in = inputs[i];
      gboolean ok;
      if (g_file_test (in, G_FILE_TEST_IS_DIR))
        ok = add_directory (r, in, error);
      else if (!g_file_test (in, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INPUT,
                       "%s: no such file or directory", in);
          ok = FALSE;
        }
      else if (is_trace_file (in))
        ok = add_traces (r, inputs, &i, error);
      else
        ok = add_scenario (r, in, error);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

VmemuReport *
vmemu_report_new (const VmemuReportOptions *opt, const char *const *inputs, GError **error)
{
  g_autoptr(VmemuReport) r = g_new0 (VmemuReport, 1);
  const char *spec[2] = { opt->baseline ? opt->baseline : "baseline",
                          opt->candidate ? opt->candidate : "patched" };

  for (int k = 0; k < 2; k++)
    {
      g_autoptr(VmemuVariant) v = vmemu_variant_parse (spec[k], error);
      if (v == NULL)
        return NULL;
    }
  r->baseline = g_strdup (spec[0]);
  r->candidate = g_strdup (spec[1]);
  r->jobs = opt->jobs ? opt->jobs : (guint) MAX (1, g_get_num_processors ());
  r->regressions_only = opt->regressions_only;
  r->force = opt->force;
  r->command_line = g_strdup (opt->command_line);
  r->progress = opt->progress;
  r->progress_data = opt->progress_data;
  r->interrupt = opt->interrupt;
  r->scenarios = g_ptr_array_new_with_free_func ((GDestroyNotify) scenario_free);
  if (inputs == NULL || inputs[0] == NULL)
    {
      g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INPUT,
                   "no scenarios or traces given");
      return NULL;
    }
  if (!add_inputs (r, inputs, error))
    return NULL;
  return g_steal_pointer (&r);
}

/* ---- output directory ---- */

gboolean
vmemu_report_check_output (const char *dir, gboolean force, GError **error)
{
  if (force || !g_file_test (dir, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
      if (d != NULL && g_dir_read_name (d) == NULL)
        return TRUE;
    }
  g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_EXISTS,
               "%s: already exists and is not an empty directory (use --force to replace it)",
               dir);
  return FALSE;
}

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return g_remove (path) == 0 ? 0 : -1;
}

static void
remove_tree (const char *path)
{
  if (path != NULL)
    nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static gboolean
io_error (GError **error, const char *path, const char *what)
{
  int saved = errno;
  g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_IO, "%s: cannot %s: %s",
               path, what, g_strerror (saved));
  return FALSE;
}

/* A new temporary directory beside dir ("parent/.NAME.tmp-XXXXXX"). */
static char *
make_temp_dir (const char *dir, const char *kind, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.%s-XXXXXX", parent, base, kind);

  if (g_mkdtemp (tmpl) == NULL)
    {
      io_error (error, tmpl, "create a temporary directory");
      return NULL;
    }
  /* mkdtemp makes it 0700; the report gets the usual mode of a new directory. */
  mode_t mask = umask (0);
  umask (mask);
  g_chmod (tmpl, 0777 & ~mask);
  return g_steal_pointer (&tmpl);
}

/* Replaces dir by tmp: an empty directory is removed first; with force an
 * existing one is moved aside and deleted after the rename. */
static gboolean
install_dir (const char *tmp, const char *dir, gboolean force, GError **error)
{
  g_autofree char *old = NULL;

  if (g_file_test (dir, G_FILE_TEST_IS_DIR) && g_rmdir (dir) != 0)
    {
      if (!force)
        return io_error (error, dir, "replace (not empty)");
      if ((old = make_temp_dir (dir, "old", error)) == NULL)
        return FALSE;
      if (rename (dir, old) != 0)
        return io_error (error, dir, "move the old report aside");
    }
  else if (!g_file_test (dir, G_FILE_TEST_IS_DIR) && g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      if (!force)
        return io_error (error, dir, "replace");
      if (g_unlink (dir) != 0)
        return io_error (error, dir, "remove");
    }
  if (rename (tmp, dir) != 0)
    return io_error (error, dir, "rename the report into place");
  remove_tree (old);
  return TRUE;
}

/* ---- running ---- */

/* The two phases share the progress count; callbacks run on the calling
 * thread (engine/run's pool), one at a time. */
typedef struct {
  VmemuReport *r;
  GArray *items;                /* of RunItem: the run phase's items, in order */
  guint done, total;            /* progress steps over both phases */
} Build;

/* One machine: a scenario under one variant, traced into the report. */
typedef struct {
  ReportScenario *sc;
  ReportSide *s;
  VmemuVariant *v;              /* owned */
} RunItem;

static void
run_item_clear (gpointer data)
{
  vmemu_variant_free (((RunItem *) data)->v);
}

static void
build_progress (Build *b, const char *what)
{
  b->done++;
  if (b->r->progress)
    b->r->progress (b->done, b->total, what, b->r->progress_data);
}

/* The pool's interrupt error, in the report's words (report.h). */
static gboolean
report_interrupted (GError **error)
{
  if (error == NULL || !g_error_matches (*error, VMEMU_RUN_ERROR, VMEMU_RUN_ERROR_INTERRUPTED))
    return FALSE;
  g_clear_error (error);
  g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INTERRUPTED, "interrupted");
  return FALSE;
}

/* A run that fails is recorded on its side (the report shows it); only an
 * interrupt or a trace that cannot be written stops the report. */
static gboolean
record_run (guint i, VmemuRun *run, gpointer data, GError **error)
{
  Build *b = data;
  ReportSide *s = g_array_index (b->items, RunItem, i).s;

  switch (vmemu_run_status (run))
    {
    case VMEMU_RUN_DONE:
      s->outcome = vmemu_run_machine_result (run)->losses->len > 0 ? REPORT_OUTCOME_LOSS
                                                                   : REPORT_OUTCOME_CLEAN;
      return TRUE;
    case VMEMU_RUN_FAILED_MACHINE:
      s->outcome = REPORT_OUTCOME_ERROR;
      s->error = g_strdup (vmemu_run_error (run)->message);
      return TRUE;
    case VMEMU_RUN_INTERRUPTED:
      g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INTERRUPTED, "interrupted");
      return FALSE;
    default:
      return vmemu_run_check (run, error);
    }
}

static void
run_done (guint64 i, gpointer data)
{
  Build *b = data;
  const RunItem *it = &g_array_index (b->items, RunItem, i);
  g_autofree char *what = g_strdup_printf ("ran %s under %s", it->sc->name, it->s->variant);

  build_progress (b, what);
}

/* Every (scenario, side) of the scenarios to run, as one batch of runs. */
static gboolean
run_all (Build *b, const char *tmpdir, GError **error)
{
  GPtrArray *scs = b->r->scenarios;
  g_autoptr (GArray) opts = g_array_new (FALSE, TRUE, sizeof (VmemuRunOptions));

  for (guint j = 0; j < scs->len; j++)
    {
      ReportScenario *sc = scs->pdata[j];
      for (int side = 0; side < 2 && !sc->from_traces; side++)
        {
          RunItem it = { .sc = sc, .s = &sc->side[side] };
          if ((it.v = vmemu_variant_parse (it.s->variant, error)) == NULL)
            return FALSE;
          it.s->trace_path = g_build_filename (tmpdir, it.s->trace_label, NULL);
          g_array_append_val (b->items, it);
          VmemuRunOptions o = { .scenario = sc->scn, .variant = it.v,
                                .trace_path = it.s->trace_path, .result_meta = TRUE,
                                .interrupt = b->r->interrupt };
          g_array_append_val (opts, o);
        }
    }
  VmemuRunBatch batch = { .jobs = b->r->jobs, .each = record_run, .done = run_done, .data = b,
                          .interrupt = b->r->interrupt };
  return vmemu_run_batch ((const VmemuRunOptions *) opts->data, opts->len, &batch, error)
         || report_interrupted (error);
}

static gboolean
analyze_item (guint64 i, gpointer data, GError **error)
{
  Build *b = data;

  return report_analyze_scenario (b->r, b->r->scenarios->pdata[i], error);
}

static void
analyze_done (guint64 i, gpointer data)
{
  Build *b = data;
  const ReportScenario *sc = b->r->scenarios->pdata[i];
  g_autofree char *what = g_strdup_printf ("compared %s", sc->name);

  build_progress (b, what);
}

/* Every scenario's pair of traces, compared on the same pool. */
static gboolean
analyze_all (Build *b, GError **error)
{
  VmemuRunPool p = { .jobs = b->r->jobs, .n = b->r->scenarios->len, .work = analyze_item,
                     .done = analyze_done, .data = b, .interrupt = b->r->interrupt };

  return vmemu_run_pool (&p, error) || report_interrupted (error);
}

/* ---- order and groups ---- */

static gint
by_status (gconstpointer a, gconstpointer b)
{
  const ReportScenario *x = *(ReportScenario *const *) a, *y = *(ReportScenario *const *) b;
  if (x->status != y->status)
    return x->status < y->status ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
group_free (gpointer data)
{
  ReportGroup *g = data;
  g_free (g->event);
  g_free (g->summary);
  g_free (g->hint);
  g_ptr_array_unref (g->members);
  g_free (g);
}

/* "iomap_page_create" from "first divergence at T (event #N): iomap_page_create on ..." */
static char *
divergence_event (const char *summary)
{
  const char *p = summary ? strstr (summary, "): ") : NULL;
  if (p == NULL)
    return g_strdup ("?");
  p += 3;
  return g_strndup (p, strcspn (p, " :;"));
}

/* Same event and same cause: the hint names the cause where the diff knows
 * it; otherwise the sentence after the page, without its numbers (times,
 * offsets, bitmaps differ between scenarios that part for one reason). */
static char *
group_key (const ReportScenario *sc, const char *event)
{
  GString *k = g_string_new (event);
  g_string_append_c (k, '\n');
  if (sc->diff_hint)
    g_string_append (k, sc->diff_hint);
  else
    {
      const char *p = strstr (sc->diff_summary, "): ");
      p = p ? strstr (p + 3, ": ") : NULL;
      for (p = p ? p : sc->diff_summary; *p; p++)
        if (!g_ascii_isdigit (*p))
          g_string_append_c (k, *p);
    }
  return g_string_free (k, FALSE);
}

/* Sort by status, then group the scenarios that part at the same event for
 * the same cause (issue 14: eleven "fixed" rows repeated one sentence). */
static void
order_and_group (VmemuReport *r)
{
  for (guint i = 0; i < r->scenarios->len; i++)
    ((ReportScenario *) r->scenarios->pdata[i])->order = i;
  g_ptr_array_sort (r->scenarios, by_status);
  r->groups = g_ptr_array_new_with_free_func (group_free);
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < r->scenarios->len; i++)
    {
      ReportScenario *sc = r->scenarios->pdata[i];
      if (sc->identical || sc->diff_summary == NULL || !report_listed (r, sc))
        continue;
      g_autofree char *event = divergence_event (sc->diff_summary);
      char *key = group_key (sc, event);
      guint k;
      for (k = 0; k < keys->len && strcmp (keys->pdata[k], key) != 0; k++)
        ;
      if (k == keys->len)
        {
          ReportGroup *g = g_new0 (ReportGroup, 1);
          g->id = k + 1;
          g->event = g_strdup (event);
          g->summary = g_strdup (sc->diff_summary);
          g->hint = g_strdup (sc->diff_hint);
          g->members = g_ptr_array_new ();
          g_ptr_array_add (r->groups, g);
          g_ptr_array_add (keys, key);
        }
      else
        g_free (key);
      g_ptr_array_add (((ReportGroup *) r->groups->pdata[k])->members, sc);
      sc->group = k + 1;
    }
}

/* ---- headline ---- */

static void
append_names (GString *s, VmemuReport *r, ReportStatus status)
{
  guint shown = 0, total = 0;

  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (sc->status != status)
        continue;
      if (total++ < 8)
        g_string_append_printf (s, "%s%s", shown++ ? ", " : " (", sc->name);
    }
  if (total > shown)
    g_string_append_printf (s, " and %u more", total - shown);
  if (total > 0)
    g_string_append_c (s, ')');
}

static void
make_headline (VmemuReport *r)
{
  GString *s = g_string_new (NULL);
  guint n = r->scenarios->len;

  for (guint i = 0; i < n; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      guint *slot[] = { &r->n_regressed, &r->n_fixed, &r->n_still_failing, &r->n_ok };
      (*slot[sc->status])++;
      r->n_errors += sc->side[0].outcome == REPORT_OUTCOME_ERROR
                     || sc->side[1].outcome == REPORT_OUTCOME_ERROR;
    }
  if (r->n_regressed > 0)
    g_string_append_printf (s, "REGRESSION: %u of %u %s under %s", r->n_regressed, n,
                            n == 1 ? "scenario regresses" : r->n_regressed == 1
                            ? "scenarios regresses" : "scenarios regress", r->candidate);
  else
    g_string_append_printf (s, "No regression under %s in %u %s", r->candidate, n,
                            n == 1 ? "scenario" : "scenarios");
  append_names (s, r, REPORT_STATUS_REGRESSED);
  g_string_append_printf (s, "; %u fixed", r->n_fixed);
  append_names (s, r, REPORT_STATUS_FIXED);
  g_string_append_printf (s, "; %u still failing", r->n_still_failing);
  append_names (s, r, REPORT_STATUS_STILL_FAILING);
  g_string_append_printf (s, "; %u fine under both", r->n_ok);
  if (r->n_errors > 0)
    g_string_append_printf (s, "; %u with a failed run", r->n_errors);
  g_string_append_c (s, '.');
  r->headline = g_string_free (s, FALSE);
}

/* ---- writing ---- */

static gboolean
write_file (const char *dir, const char *name, char *contents, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *owned = contents;

  if (!g_file_set_contents (path, owned, -1, NULL))
    return io_error (error, path, "write");
  return TRUE;
}

static gboolean
report_render_all (VmemuReport *r, const char *tmp, GError **error)
{
  return write_file (tmp, "index.html", report_render_html (r), error)
         && write_file (tmp, "report.md", report_render_markdown (r), error)
         && write_file (tmp, "report-details.md", report_render_markdown_details (r), error)
         && write_file (tmp, "report.json", report_render_json (r), error)
         && write_file (tmp, "junit.xml", report_render_junit (r), error);
}

static gboolean
report_build (VmemuReport *r, const char *tmp, GError **error)
{
  g_autoptr (GArray) items = g_array_new (FALSE, TRUE, sizeof (RunItem));
  Build b = { .r = r, .items = items };
  guint runs = 0;
  g_autofree char *traces = g_build_filename (tmp, "traces", NULL);

  g_array_set_clear_func (items, run_item_clear);
  for (guint i = 0; i < r->scenarios->len; i++)
    runs += ((ReportScenario *) r->scenarios->pdata[i])->from_traces ? 0 : 2;
  if (runs > 0 && g_mkdir (traces, 0777) != 0)
    return io_error (error, traces, "create");
  b.total = runs + r->scenarios->len;
  if (!run_all (&b, tmp, error) || !analyze_all (&b, error))
    return FALSE;
  order_and_group (r);
  make_headline (r);
  return report_render_all (r, tmp, error);
}

/* Messages name the output directory, never the temporary one (which is
 * gone by the time the message is read). */
static void
name_output (GError **error, const char *tmp, const char *dir)
{
  if (error == NULL || *error == NULL || strstr ((*error)->message, tmp) == NULL)
    return;
  g_auto (GStrv) parts = g_strsplit ((*error)->message, tmp, -1);
  g_autofree char *msg = g_strjoinv (dir, parts);
  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&msg);
}

gboolean
vmemu_report_run (VmemuReport *r, const char *dir, GError **error)
{
  g_autofree char *tmp = NULL;

  if (!vmemu_report_check_output (dir, r->force, error))
    return FALSE;
  if ((tmp = make_temp_dir (dir, "tmp", error)) == NULL)
    return FALSE;
  if (!report_build (r, tmp, error) || !install_dir (tmp, dir, r->force, error))
    {
      remove_tree (tmp);
      name_output (error, tmp, dir);
      return FALSE;
    }
  return TRUE;
}

guint
vmemu_report_n_scenarios (const VmemuReport *r)
{
  return r->scenarios->len;
}

guint
vmemu_report_n_regressions (const VmemuReport *r)
{
  return r->n_regressed;
}

char *
vmemu_report_summary_text (const VmemuReport *r)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (!report_listed (r, sc))
        continue;
      g_autofree char *va = report_verdict_sentence (&sc->side[0]);
      g_autofree char *vb = report_verdict_sentence (&sc->side[1]);
      g_string_append_printf (s, "%s: %s: %s %s; %s %s\n", sc->name,
                              report_status_name (sc->status), sc->side[0].variant, va,
                              sc->side[1].variant, vb);
    }
  g_string_append_printf (s, "%s\n", r->headline ? r->headline : "");
  return g_string_free (s, FALSE);
}
