/* run.c — one run's lifecycle (trace, machine, verdict meta, close or abort)
 * and the program's one thread pool. */
#define G_LOG_DOMAIN "vmemu-run"
#include "engine/run/run.h"

#include <sqlite3.h>

G_DEFINE_QUARK (vmemu-run-error-quark, vmemu_run_error)

struct _VmemuRun {
  VmemuRunStatus status;
  GError *error;
  VmemuMachine *machine;
  sqlite3 *db;              /* an in-memory trace, until stolen */
};

void
vmemu_run_free (VmemuRun *r)
{
  if (r == NULL)
    return;
  g_clear_error (&r->error);
  vmemu_machine_free (r->machine);
  if (r->db != NULL)
    sqlite3_close (r->db);
  g_free (r);
}

/* A step failed: the trace goes (its temporary file with it), the error is
 * the step's own and the status says which step it was. */
static VmemuRun *
run_abort (VmemuRun *r, VmemuTrace *tr, VmemuRunStatus status)
{
  vmemu_trace_abort (tr);
  r->status = status;
  return r;
}

/* The machine's own error says whether it was interrupted or stopped. */
static VmemuRunStatus
machine_status (const GError *error)
{
  return g_error_matches (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_INTERRUPTED)
         ? VMEMU_RUN_INTERRUPTED : VMEMU_RUN_FAILED_MACHINE;
}

/* Commit and close (a file: rename into place); a raised interrupt makes the
 * commit fail and the temporary file go, as in vmemu_trace_set_interrupt. */
static gboolean
run_close (VmemuRun *r, const VmemuRunOptions *o, VmemuTrace *tr)
{
  vmemu_trace_set_interrupt (tr, o->interrupt);
  if (tr == NULL || g_strcmp0 (o->trace_path, VMEMU_RUN_TRACE_MEMORY) != 0)
    return vmemu_trace_close (tr, &r->error);
  r->db = vmemu_trace_close_to_db (tr, &r->error);
  return r->db != NULL;
}

VmemuRun *
vmemu_run_one (const VmemuRunOptions *o)
{
  g_return_val_if_fail (o != NULL && o->scenario != NULL && o->variant != NULL, NULL);
  VmemuRun *r = g_new0 (VmemuRun, 1);
  VmemuTrace *tr = NULL;

  if (o->trace_path && (tr = vmemu_trace_open (o->trace_path, o->force, &r->error)) == NULL)
    return run_abort (r, NULL, VMEMU_RUN_FAILED_OPEN);
  if (o->trace_temp && vmemu_trace_temp_path (tr))
    o->trace_temp (vmemu_trace_temp_path (tr));
  VmemuMachineOptions mo = { .seed = o->seed, .has_seed = o->has_seed, .variant = o->variant,
                             .trace = tr, .time_limit_ns = o->time_limit_ns,
                             .interrupt = o->interrupt };
  /* vmemu_machine_new expands the scenario (generate: streams) and writes the
   * run's meta into the trace. */
  r->machine = vmemu_machine_new (o->scenario, &mo, &r->error);
  if (r->machine == NULL || !vmemu_machine_run (r->machine, &r->error))
    return run_abort (r, tr, machine_status (r->error));
  if (o->result_meta)
    vmemu_machine_write_result_meta (r->machine, tr);
  if (o->dump_dir && !vmemu_machine_dump_files (r->machine, o->dump_dir, &r->error))
    return run_abort (r, tr, VMEMU_RUN_FAILED_DUMP);
  if (!run_close (r, o, tr))
    r->status = VMEMU_RUN_FAILED_CLOSE;
  return r;
}

VmemuRunStatus
vmemu_run_status (const VmemuRun *r)
{
  return r->status;
}

const GError *
vmemu_run_error (const VmemuRun *r)
{
  return r->error;
}

gboolean
vmemu_run_check (const VmemuRun *r, GError **error)
{
  if (r->status == VMEMU_RUN_DONE)
    return TRUE;
  if (error != NULL)
    *error = g_error_copy (r->error);
  return FALSE;
}

VmemuMachine *
vmemu_run_machine (const VmemuRun *r)
{
  return r->machine;
}

const VmemuRunResult *
vmemu_run_machine_result (const VmemuRun *r)
{
  return r->status == VMEMU_RUN_DONE ? vmemu_machine_result (r->machine) : NULL;
}

sqlite3 *
vmemu_run_steal_db (VmemuRun *r)
{
  return g_steal_pointer (&r->db);
}

sqlite3 *
vmemu_run_to_db (const VmemuScenario *scn, const VmemuVariant *variant, guint64 time_limit_ns,
                 GError **error)
{
  VmemuRunOptions o = { .scenario = scn, .variant = variant,
                        .trace_path = VMEMU_RUN_TRACE_MEMORY, .time_limit_ns = time_limit_ns };
  g_autoptr (VmemuRun) r = vmemu_run_one (&o);

  if (!vmemu_run_check (r, error))
    return NULL;
  return vmemu_run_steal_db (r);
}

/* ---- the pool ---- */

typedef struct {
  const VmemuRunPool *p;
  GMutex lock;              /* guards what follows, and serialises next and done */
  guint64 next_i;           /* the next item to hand out */
  gboolean stop;            /* hand out no more */
  GError *error;            /* of the lowest failing item */
  guint64 error_i;
} Pool;

static gboolean
pool_interrupted (const VmemuRunPool *p)
{
  return p->interrupt != NULL && g_atomic_int_get (p->interrupt) != 0;
}

/* The next item in index order, or FALSE once there is none to hand out. */
static gboolean
pool_take (Pool *pl, guint64 *i)
{
  const VmemuRunPool *p = pl->p;
  gboolean ok;

  g_mutex_lock (&pl->lock);
  ok = !pl->stop && pl->next_i < p->n && !pool_interrupted (p)
       && (p->next == NULL || p->next (pl->next_i, p->data));
  if (ok)
    *i = pl->next_i++;
  else
    pl->stop = TRUE;
  g_mutex_unlock (&pl->lock);
  return ok;
}

/* Item i, then: done on success; on failure no more items, and the error
 * kept is the lowest failing item's. */
static void
pool_do (Pool *pl, guint64 i)
{
  const VmemuRunPool *p = pl->p;
  GError *err = NULL;
  gboolean ok = p->work (i, p->data, &err);

  g_mutex_lock (&pl->lock);
  if (ok && p->done != NULL)
    p->done (i, p->data);
  if (!ok)
    {
      pl->stop = TRUE;
      if (pl->error == NULL || i < pl->error_i)
        {
          g_clear_error (&pl->error);
          pl->error = g_steal_pointer (&err);
          pl->error_i = i;
        }
    }
  g_mutex_unlock (&pl->lock);
  g_clear_error (&err);
}

/* A helper on the GThreadPool: items until there are none. */
static void
pool_helper (gpointer task, gpointer user_data)
{
  Pool *pl = user_data;
  guint64 i;

  while (pool_take (pl, &i))
    pool_do (pl, i);
}

/* jobs - 1 helpers on one GThreadPool take items as the calling thread does,
 * under one lock, so an item costs no hand-over between threads (explore's
 * cases take a fraction of a millisecond). */
gboolean
vmemu_run_pool (const VmemuRunPool *p, GError **error)
{
  Pool pl = { .p = p };
  GThreadPool *tp = NULL;
  guint64 i;

  g_return_val_if_fail (p != NULL && p->work != NULL, FALSE);
  g_mutex_init (&pl.lock);
  if (p->jobs > 1)
    {
      tp = g_thread_pool_new (pool_helper, &pl, (gint) p->jobs - 1, FALSE, NULL);
      for (guint k = 1; k < p->jobs; k++)
        g_thread_pool_push (tp, GUINT_TO_POINTER (k), NULL);
    }
  for (;;)
    {
      if (p->between != NULL)
        p->between (p->data);
      if (!pool_take (&pl, &i))
        break;
      pool_do (&pl, i);
    }
  if (tp != NULL)
    g_thread_pool_free (tp, FALSE, TRUE);   /* waits for the helpers */
  g_mutex_clear (&pl.lock);
  if (pl.error == NULL && pool_interrupted (p))
    g_set_error (&pl.error, VMEMU_RUN_ERROR, VMEMU_RUN_ERROR_INTERRUPTED, "interrupted");
  if (pl.error != NULL)
    {
      g_propagate_error (error, pl.error);
      return FALSE;
    }
  return TRUE;
}

/* ---- batches of runs ---- */

typedef struct {
  const VmemuRunOptions *runs;
  const VmemuRunBatch *b;
} Batch;

static gboolean
batch_work (guint64 i, gpointer data, GError **error)
{
  Batch *bt = data;
  g_autoptr (VmemuRun) run = vmemu_run_one (&bt->runs[i]);

  return bt->b->each ((guint) i, run, bt->b->data, error);
}

static void
batch_done (guint64 i, gpointer data)
{
  Batch *bt = data;

  if (bt->b->done != NULL)
    bt->b->done (i, bt->b->data);
}

gboolean
vmemu_run_batch (const VmemuRunOptions *runs, guint n, const VmemuRunBatch *b, GError **error)
{
  Batch bt = { .runs = runs, .b = b };
  VmemuRunPool p = { .jobs = MIN (b->jobs, MAX (n, 1)), .n = n, .work = batch_work,
                     .done = batch_done, .data = &bt, .interrupt = b->interrupt };

  g_return_val_if_fail (b->each != NULL, FALSE);
  return vmemu_run_pool (&p, error);
}

static gboolean
collect_each (guint i, VmemuRun *run, gpointer data, GError **error)
{
  VmemuRun **slots = data;

  /* the run is freed after each: hand over its contents */
  slots[i] = g_memdup2 (run, sizeof *run);
  *run = (VmemuRun) { 0 };
  return TRUE;
}

GPtrArray *
vmemu_run_batch_collect (const VmemuRunOptions *runs, guint n, guint jobs)
{
  GPtrArray *out = g_ptr_array_new_full (n, (GDestroyNotify) vmemu_run_free);

  g_ptr_array_set_size (out, n);
  VmemuRunBatch b = { .jobs = jobs, .each = collect_each, .data = out->pdata };
  vmemu_run_batch (runs, n, &b, NULL);
  return out;
}
