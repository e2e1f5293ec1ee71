/* conform-order.c — was the scenario's interleaving reproduced on the real
 * kernel?
 *
 * The guest starts each op at its scenario time, but the kernel's ops take
 * their own time: the RAM disk completes I/O at once where the model's device
 * takes read_latency / write_latency, so an op that the model had still in
 * flight when another task's op began may be long finished on the kernel.
 * For every pair of ops of different tasks, the relation "A ended before B
 * began / B ended before A began / they overlapped" must be the same in the
 * model (its syscalls' virtual times in a trace) and in the guest's op log;
 * ops that touch at one instant are left alone (either order is the
 * scenario's).  The check is per op: where inside an overlap another task's
 * op fell (an I/O wait or the hold after it) is not compared.
 * The first pair where they differ is reported: the verdicts are then about
 * different interleavings and are not compared (exit 3).
 */
#include "engine/conform/conform.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "engine/run/run.h"
#include "engine/trace/tracedb.h"

typedef struct {
  gint64 start, end;        /* virtual ns */
  gboolean present;
} Span;

typedef struct {
  guint task, index;
  Span model, guest;
} OpTimes;

/* -1: a before b, 1: b before a, 0: overlap, 2: they touch at one instant
 * (ops at the same virtual time: the model orders them by its sequence
 * numbers, the kernel by its scheduler; neither order is the scenario's). */
static int
relation (const Span *a, const Span *b)
{
  if (a->end == b->start || b->end == a->start)
    return 2;
  if (a->end < b->start)
    return -1;
  if (b->end < a->start)
    return 1;
  return 0;
}

static const char *
relation_text (int r)
{
  return r < 0 ? "ended before" : r > 0 ? "began after" : "overlapped";
}

/* The model's per-op spans: syscalls of user tasks (trace task id 3 + task
 * index, machine.c), the k-th of a task being its op k. */
static gboolean
model_spans (const VmemuScenario *scn, const VmemuVariant *variant, GPtrArray *ops,
             GError **error)
{
  sqlite3 *raw = vmemu_run_to_db (scn, variant, 0, error);
  if (raw == NULL)
    return FALSE;
  g_autoptr (VmemuTracedb) db = vmemu_tracedb_new_for_db (raw, "conform", error);
  if (db == NULL)
    return FALSE;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db),
                          "SELECT task, t_start_ns, t_end_ns FROM syscalls WHERE run = 1 "
                          "AND task >= 3 AND seq_enter IS NOT NULL ORDER BY task, seq_enter",
                          -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_TRACE, "model trace: %s",
                   sqlite3_errmsg (vmemu_tracedb_handle (db)));
      return FALSE;
    }
  gint64 last_task = -1;
  guint k = 0;
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      gint64 task = sqlite3_column_int64 (st, 0) - 3;
      k = task == last_task ? k + 1 : 0;
      last_task = task;
      for (guint i = 0; i < ops->len; i++)
        {
          OpTimes *o = g_ptr_array_index (ops, i);
          if (o->task == (guint) task && o->index == k)
            {
              o->model.start = sqlite3_column_int64 (st, 1);
              o->model.end = sqlite3_column_type (st, 2) == SQLITE_NULL
                ? G_MAXINT64 : sqlite3_column_int64 (st, 2);
              o->model.present = TRUE;
              break;
            }
        }
    }
  sqlite3_finalize (st);
  return TRUE;
}

gboolean
vmemu_conform_check_order (const VmemuScenario *scn, const VmemuVariant *variant,
                           const char *op_log, GError **error)
{
  g_autoptr (GPtrArray) ops = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (op_log ? op_log : "", "\n", 0);
  for (guint i = 0; lines[i]; i++)
    {
      OpTimes o = { 0 };
      char kind[32];
      long long s, e, r;
      if (sscanf (lines[i], "op %u %u %31s start=%lld end=%lld result=%lld", &o.task, &o.index,
                  kind, &s, &e, &r) != 6)
        continue;
      o.guest = (Span) { .start = s, .end = e, .present = TRUE };
      g_ptr_array_add (ops, g_memdup2 (&o, sizeof o));
    }
  if (!model_spans (scn, variant, ops, error))
    return FALSE;
  for (guint i = 0; i < ops->len; i++)
    for (guint j = i + 1; j < ops->len; j++)
      {
        const OpTimes *a = g_ptr_array_index (ops, i), *b = g_ptr_array_index (ops, j);
        if (a->task == b->task || !a->model.present || !b->model.present)
          continue;
        int rm = relation (&a->model, &b->model), rg = relation (&a->guest, &b->guest);
        if (rm == rg || rm == 2 || rg == 2)
          continue;
        const VmemuTask *ta = g_ptr_array_index (scn->tasks, a->task);
        const VmemuTask *tb = g_ptr_array_index (scn->tasks, b->task);
        const VmemuOp *oa = &g_array_index (ta->ops, VmemuOp, a->index);
        const VmemuOp *ob = &g_array_index (tb->ops, VmemuOp, b->index);
        g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED,
                     "%s: the interleaving was not reproduced: task %s op %u (%s) %s task %s "
                     "op %u (%s) in the model, but %s it on the kernel (the RAM disk has no "
                     "device latency)",
                     scn->path ? scn->path : scn->name, ta->name, a->index + 1,
                     vmemu_op_kind_name (oa->kind), relation_text (rm), tb->name, b->index + 1,
                     vmemu_op_kind_name (ob->kind), relation_text (rg));
        return FALSE;
      }
  return TRUE;
}
