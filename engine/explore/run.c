/* run.c — one trial run of a case (through engine/run), the YAML round trip
 * that decides whether a shrink candidate is a valid scenario, and op start
 * times from a trace. */
#include "engine/explore/explore-private.h"

#include <sqlite3.h>

#include "engine/trace/trace.h"
#include "engine/trace/tracedb.h"

void
explore_run_clear (ExploreRun *r)
{
  g_clear_pointer (&r->loss_path, g_free);
  g_clear_pointer (&r->loss_kind, g_free);
}

void
explore_run_case (const VmemuScenario *scn, const VmemuVariant *variant,
                  const volatile gint *interrupt, ExploreRun *out)
{
  VmemuRunOptions o = { .scenario = scn, .variant = variant,
                        .time_limit_ns = EXPLORE_CASE_TIME_LIMIT_NS, .interrupt = interrupt };
  g_autoptr (VmemuRun) run = vmemu_run_one (&o);
  const VmemuRunResult *r = vmemu_run_machine_result (run);

  *out = (ExploreRun) { .outcome = EXPLORE_CASE_ERROR };
  if (vmemu_run_status (run) == VMEMU_RUN_INTERRUPTED)
    out->outcome = EXPLORE_CASE_INTERRUPTED;
  if (r == NULL)
    return;
  out->ops_run = r->ops_run;
  /* A loss in a run that reached a model simplification (depends_on: what
   * `vmemu run` exits 3 for) is not a finding the explorer may report. */
  if (r->losses->len == 0 || r->depends_on->len > 0 || r->kernel_bugs->len > 0)
    {
      out->outcome = EXPLORE_CASE_CLEAN;
      return;
    }
  const VmemuLoss *l = g_ptr_array_index (r->losses, 0);
  out->outcome = EXPLORE_CASE_LOSS;
  out->loss_path = g_strdup (l->path);
  out->loss_kind = g_strdup (l->kind);
}

VmemuScenario *
explore_reload (const VmemuScenario *scn)
{
  g_autoptr (GString) yaml = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  vmemu_scenario_write_yaml (scn, NULL, yaml);
  return vmemu_scenario_load_data (scn->name, yaml->str, yaml->len, &error);
}

/* Index of the scenario task called name among scn's tasks, or -1. */
static gint
task_index (const VmemuScenario *scn, const char *name)
{
  for (guint i = 0; name != NULL && i < scn->tasks->len; i++)
    if (g_strcmp0 (((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->name, name) == 0)
      return (gint) i;
  return -1;
}

/* Fill times (laid out as in explore_op_start_times) from the sys_enter
 * events of run 1: the n-th sys_enter of a task is the start of its op n. */
static gboolean
collect_starts (VmemuTracedb *db, const VmemuScenario *scn, GArray *times, GError **error)
{
  g_autoptr (VmemuTracedbIter) it = vmemu_tracedb_events (db, 1, 1, error);
  g_autofree guint *first = g_new0 (guint, scn->tasks->len + 1);
  g_autofree guint *seen = g_new0 (guint, scn->tasks->len);
  VmemuTracedbEvent ev;

  if (it == NULL)
    return FALSE;
  for (guint i = 0; i < scn->tasks->len; i++)
    first[i + 1] = first[i] + ((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->ops->len;
  while (vmemu_tracedb_iter_next (it, &ev, error))
    {
      if (ev.id != VMEMU_EV_SYS_ENTER)
        continue;
      gint ti = task_index (scn, vmemu_tracedb_task_name (db, 1, ev.task));
      if (ti < 0 || seen[ti] >= first[ti + 1] - first[ti])
        continue;
      g_array_index (times, guint64, first[ti] + seen[ti]++) = ev.t_ns;
    }
  return error == NULL || *error == NULL;
}

GArray *
explore_op_start_times (const VmemuScenario *scn, const VmemuVariant *variant, GError **error)
{
  g_autoptr (GArray) times = g_array_new (FALSE, TRUE, sizeof (guint64));
  struct sqlite3 *conn = vmemu_run_to_db (scn, variant, EXPLORE_CASE_TIME_LIMIT_NS, error);
  g_autoptr (VmemuTracedb) db = conn ? vmemu_tracedb_new_for_db (conn, "explore", error) : NULL;

  if (db == NULL)
    return NULL;
  g_array_set_size (times, vmemu_explore_count_ops (scn));
  /* An op that never started (its task stopped early) keeps time 0. */
  if (!collect_starts (db, scn, times, error))
    return NULL;
  return g_steal_pointer (&times);
}

