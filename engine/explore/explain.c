/* explain.c — the story of a minimal case, read from its trace.
 *
 * The 2020 iomap bug has four steps, each visible as trace events:
 *   1. iomap_releasepage frees a page's iomap_page, then the removal fails
 *      (remove_mapping_fail: an extra reference), so the page stays cached,
 *      uptodate, without its iomap_page;
 *   2. a store through a shared mapping faults, and iomap_page_mkwrite_actor
 *      creates a new iomap_page with an empty uptodate bitmap (bits 0);
 *   3. iomap_writepage_map writes no block of the dirty page (count=0,
 *      skipped=N): the store never reaches the disk;
 *   4. a check reads the file back and finds the old bytes (vmemu_data_loss).
 * The explanation finds the last instance of each step before the next one,
 * on the page where the first loss shows, and names the op that ran it.
 */
#include "engine/explore/explore-private.h"

#include <sqlite3.h>
#include <string.h>

#include "engine/trace/trace.h"
#include "engine/trace/tracedb.h"

/* One step found in the trace. */
typedef struct {
  gboolean found;
  guint64 t_ns;
  guint64 ino;
  gint64 idx;               /* page index */
  gint32 task;              /* trace task id */
  gint op;                  /* index of the op in its scenario task, -1: none */
  gint64 a[4];
  char *detail;             /* owned */
  char *holders;            /* step 1: the removal's reference holders, owned */
  char *readers;            /* step 1: reads in progress over the page, owned, may be NULL */
} Step;

/* What the walk through the trace keeps. */
typedef struct {
  VmemuTracedb *db;
  const VmemuScenario *scn;
  guint64 page_size;
  GHashTable *op_of_task;   /* trace task id -> GINT index of its current op */
  GHashTable *in_op;        /* trace task ids between sys_enter and sys_exit */
  GArray *strips;           /* of Step: step 1, every page */
  GArray *mkwrites;         /* of Step: step 2 */
  GArray *skips;            /* of Step: step 3 */
  Step release;             /* the last iomap_releasepage (pending a removal failure) */
  Step loss;                /* step 4, the first loss */
} Walk;

static void
step_clear (gpointer data)
{
  Step *s = data;
  g_free (s->detail);
  g_free (s->holders);
  g_free (s->readers);
}

static char *walk_readers_of (Walk *w, const VmemuTracedbEvent *ev);

static Step
step_from_event (Walk *w, const VmemuTracedbEvent *ev)
{
  gpointer op;
  Step s = { .found = TRUE, .t_ns = ev->t_ns, .ino = ev->ino, .idx = ev->idx,
             .task = ev->task, .op = -1, .detail = g_strdup (ev->detail) };

  memcpy (s.a, ev->a, sizeof s.a);
  if (g_hash_table_lookup_extended (w->op_of_task, GINT_TO_POINTER (ev->task), NULL, &op))
    s.op = GPOINTER_TO_INT (op);
  return s;
}

static void
walk_event (Walk *w, const VmemuTracedbEvent *ev)
{
  gpointer key = GINT_TO_POINTER (ev->task);
  Step s;

  switch (ev->id)
    {
    case VMEMU_EV_SYS_ENTER:
      {
        gpointer op;
        gint next = g_hash_table_lookup_extended (w->op_of_task, key, NULL, &op)
                      ? GPOINTER_TO_INT (op) + 1 : 0;
        g_hash_table_insert (w->op_of_task, key, GINT_TO_POINTER (next));
        g_hash_table_add (w->in_op, key);
      }
      break;
    case VMEMU_EV_SYS_EXIT:
      g_hash_table_remove (w->in_op, key);
      break;
    case VMEMU_EV_IOMAP_RELEASEPAGE:
      if (VMEMU_EV_ARG (ev, IOMAP_RELEASEPAGE, released) == 0)
        break;   /* nothing released */
      step_clear (&w->release);
      w->release = step_from_event (w, ev);
      break;
    case VMEMU_EV_REMOVE_MAPPING_FAIL:
      if (!w->release.found || w->release.ino != ev->ino || w->release.idx != ev->idx)
        break;
      s = w->release;
      w->release = (Step) { 0 };
      s.holders = g_strdup (ev->detail);
      s.readers = walk_readers_of (w, ev);
      s.a[3] = ev->refcount;
      g_array_append_val (w->strips, s);
      break;
    case VMEMU_EV_IOP_CREATE:
      if (VMEMU_EV_ARG (ev, IOP_CREATE, page_uptodate) == 1 && VMEMU_EV_ARG (ev, IOP_CREATE, bits) == 0
          && ev->detail
          && strstr (ev->detail, "iomap_page_mkwrite_actor") != NULL)
        {
          s = step_from_event (w, ev);
          g_array_append_val (w->mkwrites, s);
        }
      break;
    case VMEMU_EV_IOMAP_WRITEPAGE_MAP:
      if (VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, count) == 0
          && VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, blocks_skipped) > 0)
        {
          s = step_from_event (w, ev);
          g_array_append_val (w->skips, s);
        }
      break;
    default:
      break;
    }
}

/* The last step of arr on page (ino, idx) at or before t_ns, or NULL. */
static const Step *
last_before (GArray *arr, guint64 ino, gint64 idx, guint64 t_ns)
{
  const Step *best = NULL;

  for (guint i = 0; i < arr->len; i++)
    {
      const Step *s = &g_array_index (arr, Step, i);
      if (s->ino == ino && s->idx == idx && s->t_ns <= t_ns)
        best = s;
    }
  return best;
}

/* File offset of op i of task, a load or store through a mapping: the
 * mapping's file offset plus the op's offset in it (G_MAXUINT64: unknown). */
static guint64
mapped_file_offset (const VmemuTask *task, guint i)
{
  const VmemuOp *op = &g_array_index (task->ops, VmemuOp, i);

  for (guint j = i; j-- > 0;)
    {
      const VmemuOp *mm = &g_array_index (task->ops, VmemuOp, j);
      if (mm->kind == VMEMU_OP_MMAP && mm->map == op->map)
        return mm->offset_bytes + op->offset_bytes;
    }
  return G_MAXUINT64;
}

/* "mwrite offset 100 length 16 (file offset 4196)" and the like. */
static void
append_op (GString *out, const VmemuTask *task, guint i)
{
  const VmemuOp *op = &g_array_index (task->ops, VmemuOp, i);

  g_string_append (out, vmemu_op_kind_name (op->kind));
  switch (op->kind)
    {
    case VMEMU_OP_READ: case VMEMU_OP_WRITE: case VMEMU_OP_MREAD: case VMEMU_OP_MWRITE:
    case VMEMU_OP_MMAP: case VMEMU_OP_PUNCH_HOLE: case VMEMU_OP_ZERO_RANGE:
    case VMEMU_OP_FALLOCATE:
      g_string_append_printf (out, " offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT,
                              op->offset_bytes, op->length_bytes);
      if (op->hold_ns)
        g_string_append_printf (out, " hold %.3f ms", op->hold_ns / 1e6);
      if ((op->kind == VMEMU_OP_MREAD || op->kind == VMEMU_OP_MWRITE)
          && mapped_file_offset (task, i) != G_MAXUINT64)
        g_string_append_printf (out, " in the mapping, file offset %" G_GUINT64_FORMAT,
                                mapped_file_offset (task, i));
      break;
    case VMEMU_OP_TRUNCATE: case VMEMU_OP_ALLOCATE:
      g_string_append_printf (out, " size %" G_GUINT64_FORMAT, op->size_bytes);
      break;
    case VMEMU_OP_MSYNC:
      g_string_append (out, op->sync ? " MS_SYNC" : " MS_ASYNC");
      break;
    default:
      break;
    }
}

static gint
walk_cmp_task (gconstpointer a, gconstpointer b)
{
  return GPOINTER_TO_INT (a) - GPOINTER_TO_INT (b);
}

/* The op number op of the scenario task that trace task id `task` runs, or NULL. */
static const VmemuOp *
walk_scenario_op (Walk *w, gint32 task, gint op)
{
  const char *name = vmemu_tracedb_task_name (w->db, 1, task);

  for (guint i = 0; name != NULL && i < w->scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (w->scn->tasks, i);
      if (strcmp (t->name, name) == 0 && op >= 0 && (guint) op < t->ops->len)
        return &g_array_index (t->ops, VmemuOp, op);
    }
  return NULL;
}

/* "task fsx, op 3 (mwrite offset 100 length 16)" or "kswapd0". */
static void
append_who (Walk *w, GString *out, const Step *s)
{
  const char *name = vmemu_tracedb_task_name (w->db, 1, s->task);

  for (guint i = 0; name != NULL && i < w->scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (w->scn->tasks, i);
      if (strcmp (t->name, name) != 0 || s->op < 0 || (guint) s->op >= t->ops->len)
        continue;
      g_string_append_printf (out, "task %s, op %d (", name, s->op + 1);
      append_op (out, t, (guint) s->op);
      g_string_append_c (out, ')');
      return;
    }
  if (g_strcmp0 (name, "final") == 0)
    g_string_append (out, "the final check (sync, evict, read back)");
  else
    g_string_append (out, name ? name : "the kernel");
}

/* The reads in progress whose range covers the page of ev: "task r, op 1
 * (read ...)", joined by "; ", or NULL.  Tasks in id order. */
static char *
walk_readers_of (Walk *w, const VmemuTracedbEvent *ev)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GList) tasks = g_list_sort (g_hash_table_get_keys (w->in_op),
                                         (GCompareFunc) walk_cmp_task);

  for (GList *l = tasks; l != NULL; l = l->next)
    {
      Step s = { .task = GPOINTER_TO_INT (l->data), .op = -1 };
      const VmemuOp *op;
      gpointer idx;
      if (s.task == ev->task
          || !g_hash_table_lookup_extended (w->op_of_task, l->data, NULL, &idx))
        continue;
      s.op = GPOINTER_TO_INT (idx);
      op = walk_scenario_op (w, s.task, s.op);
      if (op == NULL || op->kind != VMEMU_OP_READ
          || op->offset_bytes / w->page_size > (guint64) ev->idx
          || (op->offset_bytes + op->length_bytes - 1) / w->page_size < (guint64) ev->idx)
        continue;
      if (out->len)
        g_string_append (out, "; ");
      append_who (w, out, &s);
    }
  return out->len ? g_strdup (out->str) : NULL;
}

static void
explain_steps (Walk *w, GString *out)
{
  const Step *loss = &w->loss;
  gint64 idx = (gint64) (loss->a[0] / (gint64) w->page_size);
  const char *path = vmemu_tracedb_inode_path (w->db, 1, loss->ino);
  const Step *skip = last_before (w->skips, loss->ino, idx, loss->t_ns);
  const Step *mk = last_before (w->mkwrites, loss->ino, idx, skip ? skip->t_ns : loss->t_ns);
  const Step *strip = last_before (w->strips, loss->ino, idx, mk ? mk->t_ns : loss->t_ns);

  if (strip != NULL)
    {
      g_string_append_printf (out, "1. at %.3f ms, ", strip->t_ns / 1e6);
      append_who (w, out, strip);
      g_string_append_printf (out, ": iomap_releasepage frees the iomap_page of %s page %"
                              G_GINT64_FORMAT ", then remove_mapping_fail (refcount %"
                              G_GINT64_FORMAT ", %s): the page stays cached, uptodate and "
                              "without its iomap_page", path, idx, strip->a[3],
                              strip->holders ? strip->holders : "an extra reference");
      if (strip->readers)
        g_string_append_printf (out, "; the reader is %s", strip->readers);
      g_string_append (out, ".\n");
    }
  else
    g_string_append_printf (out, "1. (no failed removal of page %" G_GINT64_FORMAT
                            " after iomap_releasepage in the trace)\n", idx);
  if (mk != NULL)
    {
      g_string_append_printf (out, "2. at %.3f ms, ", mk->t_ns / 1e6);
      append_who (w, out, mk);
      g_string_append (out, ": the write fault's iomap_page_mkwrite_actor creates a new "
                            "iomap_page with bits 0 (no block uptodate) and dirties the page.\n");
    }
  else
    g_string_append (out, "2. (no iomap_page_create with bits 0 from iomap_page_mkwrite_actor)\n");
  if (skip != NULL)
    {
      g_string_append_printf (out, "3. at %.3f ms, ", skip->t_ns / 1e6);
      append_who (w, out, skip);
      g_string_append_printf (out, ": iomap_writepage_map count=0 skipped=%" G_GINT64_FORMAT
                              ": no block of the dirty page is written, the store never "
                              "reaches the disk.\n", skip->a[3]);
    }
  else
    g_string_append (out, "3. (no iomap_writepage_map that skipped the page's blocks)\n");
  g_string_append_printf (out, "4. at %.3f ms, ", loss->t_ns / 1e6);
  append_who (w, out, loss);
  g_string_append_printf (out, " finds the loss: %s.\n", loss->detail ? loss->detail : "");
}

static gboolean
walk_trace (Walk *w, GError **error)
{
  g_autoptr (VmemuTracedbIter) it = vmemu_tracedb_events (w->db, 1, 1, error);
  VmemuTracedbEvent ev;

  if (it == NULL)
    return FALSE;
  while (!w->loss.found && vmemu_tracedb_iter_next (it, &ev, error))
    {
      if (ev.id == VMEMU_EV_DATA_LOSS)
        w->loss = step_from_event (w, &ev);
      else
        walk_event (w, &ev);
    }
  return error == NULL || *error == NULL;
}

/* Runs scn with a ":memory:" trace and returns the trace, opened for reading. */
static VmemuTracedb *
explain_trace (const VmemuScenario *scn, const VmemuVariant *variant, GError **error)
{
  struct sqlite3 *conn = vmemu_run_to_db (scn, variant, EXPLORE_CASE_TIME_LIMIT_NS, error);

  return conn ? vmemu_tracedb_new_for_db (conn, "explain", error) : NULL;
}

char *
vmemu_explore_explain (const VmemuScenario *scn, const VmemuVariant *variant, GError **error)
{
  g_autoptr (VmemuTracedb) db = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  Walk w = { .scn = scn, .page_size = scn->machine.page_size_bytes };
  gboolean ok;

  g_return_val_if_fail (scn != NULL && variant != NULL, NULL);
  if ((db = explain_trace (scn, variant, error)) == NULL)
    {
      g_prefix_error (error, "tracing the minimal case: ");
      return NULL;
    }
  w.db = db;
  w.op_of_task = g_hash_table_new (NULL, NULL);
  w.in_op = g_hash_table_new (NULL, NULL);
  w.strips = g_array_new (FALSE, TRUE, sizeof (Step));
  w.mkwrites = g_array_new (FALSE, TRUE, sizeof (Step));
  w.skips = g_array_new (FALSE, TRUE, sizeof (Step));
  g_array_set_clear_func (w.strips, step_clear);
  g_array_set_clear_func (w.mkwrites, step_clear);
  g_array_set_clear_func (w.skips, step_clear);
  ok = walk_trace (&w, error);
  if (ok && w.loss.found)
    explain_steps (&w, out);
  else if (ok)
    g_string_append_printf (out, "The case runs clean under %s: no loss to explain.\n",
                            variant->spec);
  g_hash_table_unref (w.op_of_task);
  g_hash_table_unref (w.in_op);
  g_array_unref (w.strips);
  g_array_unref (w.mkwrites);
  g_array_unref (w.skips);
  step_clear (&w.release);
  step_clear (&w.loss);
  return ok ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}
