/* explore.c — the search: cases in index order on several threads, the first
 * failing case by index, then shrink, explain and check. */
#include "engine/explore/explore-private.h"

#include <string.h>

void
vmemu_explore_options_init (VmemuExploreOptions *o)
{
  g_return_if_fail (o != NULL);
  *o = (VmemuExploreOptions) { .seed = 1, .jobs = 1, .shard_count = 1 };
}

void
vmemu_explore_result_clear (VmemuExploreResult *r)
{
  g_return_if_fail (r != NULL);
  g_free (r->loss_path);
  vmemu_scenario_free (r->failing);
  vmemu_scenario_free (r->minimal);
  g_free (r->explanation);
  *r = (VmemuExploreResult) { 0 };
}

/* State shared by the search threads, under lock. */
typedef struct {
  const VmemuExploreOptions *o;
  const VmemuScenario *base;
  guint64 shard_n;            /* N of --shard (>= 1) */
  guint64 start_ns;           /* clock at the start */
  GMutex lock;
  guint64 end_pos;            /* positions below this may run */
  gboolean stop;              /* take no new case */
  guint64 best_pos;           /* smallest failing position, G_MAXUINT64: none */
  VmemuScenario *best;        /* its case, owned */
  char *best_path;            /* its lost file, owned */
  guint64 found_ns;
  guint64 cases_run, ops_run, ops_generated, errored;
  gboolean interrupted;
  guint64 caller_turns;       /* search_between calls (the calling thread only) */
} Search;

static void
search_record (Search *s, guint64 pos, VmemuScenario *c, ExploreRun *r)
{
  g_mutex_lock (&s->lock);
  s->cases_run++;
  s->ops_run += r->ops_run;
  s->ops_generated += vmemu_explore_count_ops (c);
  s->errored += r->outcome == EXPLORE_CASE_ERROR;
  if (r->outcome == EXPLORE_CASE_INTERRUPTED)
    s->interrupted = s->stop = TRUE;
  if (r->outcome == EXPLORE_CASE_LOSS && pos < s->best_pos)
    {
      if (s->best == NULL && s->o->clock_ns != NULL)
        s->found_ns = s->o->clock_ns (s->o->user_data) - s->start_ns;
      s->best_pos = pos;
      vmemu_scenario_free (s->best);
      s->best = c;
      c = NULL;
      g_free (s->best_path);
      s->best_path = g_steal_pointer (&r->loss_path);
    }
  g_mutex_unlock (&s->lock);
  vmemu_scenario_free (c);
}

/* Runs the case at position pos: global index k = pos * N + K. */
static void
search_one (Search *s, guint64 pos)
{
  guint64 k = pos * s->shard_n + s->o->shard_index;
  VmemuScenario *c = vmemu_explore_case_new (s->base, s->o->seed, k, NULL);
  ExploreRun r;

  explore_run_case (c, s->o->variant, s->o->interrupt, &r);
  search_record (s, pos, c, &r);
  explore_run_clear (&r);
}

static gboolean
search_work (guint64 pos, gpointer data, GError **error)
{
  search_one (data, pos);
  return TRUE;
}

static void
search_report (Search *s)
{
  VmemuExploreProgress p = { 0 };

  if (s->o->progress == NULL)
    return;
  g_mutex_lock (&s->lock);
  p.cases_run = s->cases_run;
  p.ops_run = s->ops_run;
  p.found = s->best != NULL;
  p.first_case = s->best_pos * s->shard_n + s->o->shard_index;
  p.best_ops = s->best ? vmemu_explore_count_ops (s->best) : 0;
  g_mutex_unlock (&s->lock);
  s->o->progress (&p, s->o->user_data);
}

/* May position pos be handed out (any thread, in order)?  No position past
 * the first failing one. */
static gboolean
search_next (guint64 pos, gpointer data)
{
  Search *s = data;
  gboolean ok;

  g_mutex_lock (&s->lock);
  ok = !s->stop && pos < s->end_pos && pos < s->best_pos;
  g_mutex_unlock (&s->lock);
  return ok;
}

/* The calling thread, between two of its own cases: it reports progress
 * (after its first) and asks should_stop, so the callbacks stay on one
 * thread. */
static void
search_between (gpointer data)
{
  Search *s = data;
  const VmemuExploreOptions *o = s->o;

  if (s->caller_turns++ > 0)
    search_report (s);
  if ((o->should_stop && o->should_stop (o->user_data)) || (o->interrupt && *o->interrupt))
    {
      g_mutex_lock (&s->lock);
      s->stop = TRUE;
      s->interrupted |= o->interrupt && *o->interrupt;
      g_mutex_unlock (&s->lock);
    }
}

/* Positions in order on engine/run's pool: the calling thread and -j - 1
 * helpers. */
static void
search_run (Search *s)
{
  VmemuRunPool p = { .jobs = s->o->jobs, .n = s->end_pos, .work = search_work,
                     .next = search_next, .between = search_between, .data = s };

  vmemu_run_pool (&p, NULL);
  search_report (s);
}

static gboolean
check_options (const VmemuExploreOptions *o, GError **error)
{
  guint32 n = MAX (o->shard_count, 1);

  if (o->variant == NULL || o->jobs == 0 || o->shard_index >= n)
    {
      g_set_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_OPTIONS,
                   o->variant == NULL ? "no variant given"
                   : o->jobs == 0     ? "jobs must be at least 1"
                                      : "shard %u/%u: K must be below N", o->shard_index, n);
      return FALSE;
    }
  return TRUE;
}

/* Case 0 of this shard must at least set up: a base scenario whose machine
 * cannot be built is bad input, not a case that happens to be clean. */
static gboolean
check_base (const VmemuExploreOptions *o, const VmemuScenario *base, GError **error)
{
  g_autoptr (VmemuScenario) c = vmemu_explore_case_new (base, o->seed, o->shard_index, error);
  VmemuMachineOptions mo = { .variant = o->variant };
  g_autoptr (VmemuMachine) m = NULL;

  if (c == NULL)
    return FALSE;
  if ((m = vmemu_machine_new (c, &mo, error)) == NULL)
    {
      g_prefix_error (error, "%s: ", base->path ? base->path : base->name);
      return FALSE;
    }
  return TRUE;
}

/* The minimal case as it is written: a name that says where it came from,
 * and the outcomes it was checked for. */
static void
finish_minimal (const VmemuExploreOptions *o, VmemuExploreResult *r)
{
  VmemuScenario *m = r->minimal;

  g_free (m->name);
  m->name = g_strdup_printf ("explore-seed-%" G_GUINT64_FORMAT "-case-%" G_GUINT64_FORMAT,
                             o->seed, r->first_case);
  g_free (m->description);
  m->description = g_strdup_printf ("found by vmemu explore --variant %s --seed %"
                                    G_GUINT64_FORMAT " (case %" G_GUINT64_FORMAT
                                    "), shrunk from %u to %u operations", o->variant->spec,
                                    o->seed, r->first_case, r->original_ops, r->shrunk_ops);
  g_array_set_size (m->expects, 0);
  vmemu_scenario_add_expect (m, o->variant->spec, VMEMU_EXPECT_DATA_LOSS);
  if (r->checked && strcmp (o->check_variant->spec, o->variant->spec) != 0)
    vmemu_scenario_add_expect (m, o->check_variant->spec,
                               r->check_clean ? VMEMU_EXPECT_CLEAN : VMEMU_EXPECT_DATA_LOSS);
}

static gboolean
after_search (const VmemuExploreOptions *o, VmemuExploreResult *r, GError **error)
{
  VmemuScenario *min;

  r->original_ops = vmemu_explore_count_ops (r->failing);
  if (o->no_shrink)
    min = vmemu_scenario_copy (r->failing);
  else if ((min = vmemu_explore_shrink_interruptible (r->failing, o->variant, o->jobs,
                                                      o->shrink_max_runs, o->interrupt,
                                                      &r->shrink_runs, error)) == NULL)
    return FALSE;
  r->minimal = min;
  r->shrunk_ops = vmemu_explore_count_ops (min);
  if (o->check_variant != NULL)
    {
      ExploreRun cr;
      explore_run_case (min, o->check_variant, o->interrupt, &cr);
      r->checked = TRUE;
      r->check_clean = cr.outcome == EXPLORE_CASE_CLEAN;
      explore_run_clear (&cr);
    }
  finish_minimal (o, r);
  r->explanation = vmemu_explore_explain (min, o->variant, error);
  return r->explanation != NULL;
}

gboolean
vmemu_explore_run (const VmemuExploreOptions *o, VmemuExploreResult *r, GError **error)
{
  g_autoptr (VmemuScenario) tmpl = NULL;
  Search s = { .o = o, .best_pos = G_MAXUINT64 };

  g_return_val_if_fail (o != NULL && r != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  *r = (VmemuExploreResult) { 0 };
  if (!check_options (o, error))
    return FALSE;
  s.base = o->scenario ? o->scenario : (tmpl = vmemu_explore_template_new ());
  if (!check_base (o, s.base, error))
    return FALSE;
  s.shard_n = MAX (o->shard_count, 1);
  s.end_pos = o->max_cases ? o->max_cases : G_MAXUINT64;
  s.start_ns = o->clock_ns ? o->clock_ns (o->user_data) : 0;
  g_mutex_init (&s.lock);
  search_run (&s);
  g_mutex_clear (&s.lock);
  r->cases_run = s.cases_run;
  r->ops_run = s.ops_run;
  r->ops_generated = s.ops_generated;
  r->cases_errored = s.errored;
  if (s.interrupted)
    {
      vmemu_scenario_free (s.best);
      g_free (s.best_path);
      g_set_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INTERRUPTED, "interrupted");
      return FALSE;
    }
  if (s.best == NULL)
    return TRUE;
  r->found = TRUE;
  r->first_case = s.best_pos * s.shard_n + o->shard_index;
  r->first_case_seed = vmemu_explore_case_seed (o->seed, r->first_case);
  r->cases_to_first_loss = s.best_pos + 1;
  r->ns_to_first_loss = s.found_ns;
  r->failing = s.best;
  r->loss_path = s.best_path;
  return after_search (o, r, error);
}
