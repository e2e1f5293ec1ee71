/* shrink.c — make a failing case small while it still fails the same way.
 *
 * "The same way" means: under the same variant, the first data loss is on the
 * same file.  The shrinker is a fixed sequence of trials on the current best
 * case (greedy delta debugging, as in Zeller's ddmin and in the shrinkers of
 * property-based testing tools):
 *
 *   0. pin every op to the virtual time it started at in the original run,
 *      so that dropping an op does not move the ones after it;
 *   1. drop whole tasks;
 *   2. drop chunks of ops, halving the chunk size down to single ops;
 *   3. simplify each op: clear or round its start time, round its hold time,
 *      shorten its length, align its offset;
 *
 * and 1-3 again until a round changes nothing or the run budget is spent.
 * A candidate must also be a valid scenario: it is written as YAML and loaded
 * back, so the loader's rules (a map used only in the task that mapped it, a
 * region freed only after it was allocated, ranges inside the device ...)
 * reject what cannot run.  Trials of one batch run in parallel on engine/run's
 * pool, and the batch is resolved in trial order, so -j never changes the
 * result.
 */
#include "engine/explore/explore-private.h"

#include <string.h>

#define SHRINK_DEFAULT_MAX_RUNS 4000

typedef struct {
  VmemuScenario *cand;      /* owned */
  gboolean fails;
} Trial;

typedef struct {
  const VmemuVariant *variant;
  const char *path;         /* the file whose loss must stay */
  guint jobs;
  gboolean eof_rule;        /* candidates must keep mapped accesses inside EOF */
  guint64 runs, max_runs;
  const volatile gint *interrupt;   /* when non-zero: stop shrinking (SIGINT) */
  VmemuScenario *best;      /* owned */
} Shrinker;

/* One batch of trials on engine/run's pool. */
typedef struct {
  Shrinker *sh;
  Trial *trials;
  gint first;               /* lowest trial found failing so far (atomic), G_MAXINT: none */
} TrialBatch;

/* ---- mapped accesses stay inside EOF ------------------------------------- */

/* The size of file f after op, as the op changes it. */
static guint64
size_after (const VmemuOp *op, guint64 size)
{
  switch (op->kind)
    {
    case VMEMU_OP_TRUNCATE:
      return op->size_bytes;
    case VMEMU_OP_WRITE:
      return MAX (size, op->offset_bytes + op->length_bytes);
    case VMEMU_OP_FALLOCATE: case VMEMU_OP_ZERO_RANGE:
      return op->keep_size ? size : MAX (size, op->offset_bytes + op->length_bytes);
    case VMEMU_OP_INSERT_RANGE:
      return size + op->length_bytes;
    case VMEMU_OP_COLLAPSE_RANGE:
      return size - MIN (size, op->length_bytes);
    case VMEMU_OP_COPY_RANGE:
      return MAX (size, op->dst_bytes + op->length_bytes);
    default:
      return size;
    }
}

static gboolean
op_changes_size (const VmemuOp *op)
{
  switch (op->kind)
    {
    case VMEMU_OP_TRUNCATE: case VMEMU_OP_WRITE: case VMEMU_OP_INSERT_RANGE:
    case VMEMU_OP_COLLAPSE_RANGE: case VMEMU_OP_COPY_RANGE:
      return TRUE;
    case VMEMU_OP_FALLOCATE: case VMEMU_OP_ZERO_RANGE:
      return !op->keep_size;
    default:
      return FALSE;
    }
}

/* The task that changes file f's size, -1 for none, -2 for several. */
static gint
size_owner (const VmemuScenario *scn, gint f)
{
  gint owner = -1;

  for (guint t = 0; t < scn->tasks->len; t++)
    {
      const VmemuTask *task = g_ptr_array_index (scn->tasks, t);
      for (guint i = 0; i < task->ops->len; i++)
        {
          const VmemuOp *op = &g_array_index (task->ops, VmemuOp, i);
          if (op->file == f && op_changes_size (op))
            owner = owner == -1 || owner == (gint) t ? (gint) t : -2;
        }
    }
  return owner;
}

/* FALSE when a load or store through a mapping reaches past EOF, with the
 * size followed through the task's own ops.  fsx never does that (it extends
 * the file first), and past EOF the kernel would raise SIGBUS, so a shrink
 * that gets there has left the family of cases being explored.  Only tasks
 * that alone change the size of the file they map are checked. */
static gboolean
task_maps_inside_eof (const VmemuScenario *scn, guint t)
{
  const VmemuTask *task = g_ptr_array_index (scn->tasks, t);
  g_autofree guint64 *size = g_new0 (guint64, scn->files->len);
  g_autofree const VmemuOp **maps = g_new0 (const VmemuOp *, scn->symbols->len + 1);

  for (guint f = 0; f < scn->files->len; f++)
    size[f] = ((const VmemuFile *) g_ptr_array_index (scn->files, f))->size_bytes;
  for (guint i = 0; i < task->ops->len; i++)
    {
      const VmemuOp *op = &g_array_index (task->ops, VmemuOp, i);
      const VmemuOp *mm = op->map >= 0 ? maps[op->map] : NULL;
      if (op->kind == VMEMU_OP_MMAP && op->map >= 0)
        maps[op->map] = op;
      else if ((op->kind == VMEMU_OP_MREAD || op->kind == VMEMU_OP_MWRITE) && mm != NULL
               && size_owner (scn, mm->file) == (gint) t
               && mm->offset_bytes + op->offset_bytes + op->length_bytes > size[mm->file])
        return FALSE;
      else if (op->file >= 0)
        size[op->file] = size_after (op, size[op->file]);
    }
  return TRUE;
}

static gboolean
case_maps_inside_eof (const VmemuScenario *scn)
{
  for (guint t = 0; t < scn->tasks->len; t++)
    if (!task_maps_inside_eof (scn, t))
      return FALSE;
  return TRUE;
}

static gboolean
shrink_still_fails (Shrinker *sh, const VmemuScenario *cand)
{
  g_autoptr (VmemuScenario) valid = NULL;
  ExploreRun r;
  gboolean fails;

  if (sh->eof_rule && !case_maps_inside_eof (cand))
    return FALSE;
  if ((valid = explore_reload (cand)) == NULL)
    return FALSE;
  explore_run_case (valid, sh->variant, sh->interrupt, &r);
  fails = r.outcome == EXPLORE_CASE_LOSS && g_strcmp0 (r.loss_path, sh->path) == 0;
  explore_run_clear (&r);
  return fails;
}

static gboolean
trial_work (guint64 i, gpointer data, GError **error)
{
  TrialBatch *b = data;
  gint old;

  if (!(b->trials[i].fails = shrink_still_fails (b->sh, b->trials[i].cand)))
    return TRUE;
  do
    old = g_atomic_int_get (&b->first);
  while ((gint) i < old && !g_atomic_int_compare_and_exchange (&b->first, old, (gint) i));
  return TRUE;
}

/* No trial past one that already fails: trials go out in order, so every
 * trial below the first failing one still runs, whatever -j is. */
static gboolean
trial_next (guint64 i, gpointer data)
{
  TrialBatch *b = data;

  return (gint) i < g_atomic_int_get (&b->first);
}

static gboolean
shrink_budget_left (const Shrinker *sh)
{
  return sh->runs < sh->max_runs && !(sh->interrupt && *sh->interrupt);
}

/* Runs the candidates (taken over, at most the budget left) and returns the
 * index of the first that still fails, which becomes the best case, or -1. */
static gint
shrink_try (Shrinker *sh, GPtrArray *cands)
{
  guint n = (guint) MIN ((guint64) cands->len, sh->max_runs - MIN (sh->runs, sh->max_runs));
  g_autofree Trial *trials = g_new0 (Trial, MAX (n, 1));
  gint first = -1;

  for (guint i = 0; i < n; i++)
    trials[i].cand = g_ptr_array_index (cands, i);
  TrialBatch b = { .sh = sh, .trials = trials, .first = G_MAXINT };
  VmemuRunPool p = { .jobs = sh->jobs, .n = n, .work = trial_work, .next = trial_next,
                     .data = &b };
  vmemu_run_pool (&p, NULL);
  first = b.first < G_MAXINT ? b.first : -1;
  /* Counted as a single job would have run them (up to the first that fails),
   * so the count and the budget do not depend on -j. */
  sh->runs += first >= 0 ? (guint) first + 1 : n;
  if (first >= 0)
    {
      vmemu_scenario_free (sh->best);
      sh->best = g_ptr_array_steal_index (cands, first);
    }
  g_ptr_array_set_size (cands, 0);
  return first;
}

/* ---- editing a case by flat op index (task by task, op by op) ------------ */

static VmemuOp *
flat_op (VmemuScenario *scn, guint i)
{
  for (guint t = 0; t < scn->tasks->len; t++)
    {
      VmemuTask *task = g_ptr_array_index (scn->tasks, t);
      if (i < task->ops->len)
        return &g_array_index (task->ops, VmemuOp, i);
      i -= task->ops->len;
    }
  return NULL;
}

/* A copy of scn without the flat ops marked in drop; tasks left empty go
 * too.  The op after a dropped run starts no earlier than the latest start
 * time in that run, since a task runs its ops in order: a delay that only a
 * dropped op carried is kept. */
static VmemuScenario *
without_marked (const VmemuScenario *scn, const gboolean *drop)
{
  VmemuScenario *c = vmemu_scenario_copy (scn);
  guint flat = 0;

  for (guint t = 0; t < c->tasks->len;)
    {
      VmemuTask *task = g_ptr_array_index (c->tasks, t);
      g_autoptr (GArray) kept = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
      gboolean carry = FALSE;
      guint64 carry_ns = 0;
      for (guint i = 0; i < task->ops->len; i++, flat++)
        {
          VmemuOp op = g_array_index (task->ops, VmemuOp, i);
          if (drop[flat])
            {
              carry_ns = op.has_at ? MAX (carry_ns, op.at_ns) : carry_ns;
              carry |= op.has_at;
              continue;
            }
          if (carry)
            {
              op.at_ns = op.has_at ? MAX (op.at_ns, carry_ns) : carry_ns;
              op.has_at = TRUE;
              op.after_ns = 0;
              carry = FALSE;
              carry_ns = 0;
            }
          g_array_append_val (kept, op);
        }
      g_array_set_size (task->ops, 0);
      g_array_append_vals (task->ops, kept->data, kept->len);
      if (task->ops->len == 0)
        g_ptr_array_remove_index (c->tasks, t);
      else
        t++;
    }
  return c;
}

/* A copy of scn without flat ops [from, from + n). */
static VmemuScenario *
without_ops (const VmemuScenario *scn, guint from, guint n)
{
  guint total = vmemu_explore_count_ops (scn);
  g_autofree gboolean *drop = g_new0 (gboolean, total + 1);

  for (guint i = from; i < MIN (from + n, total); i++)
    drop[i] = TRUE;
  return without_marked (scn, drop);
}

/* 0. Every op starts at the virtual time it started at in a traced run. */
static void
shrink_pin_times (Shrinker *sh)
{
  g_autoptr (GArray) times = explore_op_start_times (sh->best, sh->variant, NULL);
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_scenario_free);
  VmemuScenario *c;

  if (times == NULL)
    return;
  c = vmemu_scenario_copy (sh->best);
  for (guint i = 0; i < times->len; i++)
    {
      VmemuOp *op = flat_op (c, i);
      op->has_at = TRUE;
      op->at_ns = g_array_index (times, guint64, i);
      op->after_ns = 0;
    }
  g_ptr_array_add (cands, c);
  shrink_try (sh, cands);   /* kept only when the pinned case still fails */
}

/* 1. Drop whole tasks. */
static gboolean
shrink_drop_tasks (Shrinker *sh)
{
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_scenario_free);
  gboolean changed = FALSE;
  guint t = 0;

  while (t < sh->best->tasks->len && sh->best->tasks->len > 1 && shrink_budget_left (sh))
    {
      guint nb = 0;
      for (guint u = t; u < sh->best->tasks->len && nb < sh->jobs; u++, nb++)
        {
          VmemuScenario *c = vmemu_scenario_copy (sh->best);
          g_ptr_array_remove_index (c->tasks, u);
          g_ptr_array_add (cands, c);
        }
      gint f = shrink_try (sh, cands);
      changed |= f >= 0;
      t += f >= 0 ? (guint) f : nb;
    }
  return changed;
}

/* 2. Drop chunks of ops: 2^k ops for k from the largest below half the case
 * down to single ops. */
static gboolean
shrink_drop_chunks (Shrinker *sh)
{
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_scenario_free);
  gboolean changed = FALSE;
  guint c = 1;

  while (c * 4 <= vmemu_explore_count_ops (sh->best))
    c *= 2;
  for (;; c /= 2)
    {
      guint p = 0;
      while (p < vmemu_explore_count_ops (sh->best) && shrink_budget_left (sh))
        {
          guint n = vmemu_explore_count_ops (sh->best), nb = 0;
          for (guint q = p; q < n && nb < sh->jobs; q += c, nb++)
            g_ptr_array_add (cands, without_ops (sh->best, q, c));
          gint f = shrink_try (sh, cands);
          changed |= f >= 0;
          p += (f >= 0 ? (guint) f : nb) * c;   /* after a drop, the same place again */
        }
      if (c == 1)
        break;
    }
  return changed;
}

/* Marks flat op i and, when it creates a map or a region, every later op of
 * its task that uses it, up to the munmap or free: a group that can only go
 * as a whole.  FALSE when op i creates nothing. */
static gboolean
mark_group (const VmemuScenario *scn, guint i, gboolean *drop)
{
  guint flat = 0;

  for (guint t = 0; t < scn->tasks->len; t++)
    {
      const VmemuTask *task = g_ptr_array_index (scn->tasks, t);
      if (i >= flat + task->ops->len)
        {
          flat += task->ops->len;
          continue;
        }
      const VmemuOp *head = &g_array_index (task->ops, VmemuOp, i - flat);
      gboolean is_map = head->kind == VMEMU_OP_MMAP;
      if (!is_map && head->kind != VMEMU_OP_ALLOCATE)
        return FALSE;
      for (guint j = i - flat; j < task->ops->len; j++)
        {
          const VmemuOp *op = &g_array_index (task->ops, VmemuOp, j);
          if ((is_map && op->map != head->map) || (!is_map && op->region != head->region))
            continue;
          drop[flat + j] = TRUE;
          if (j > i - flat && (op->kind == VMEMU_OP_MUNMAP || op->kind == VMEMU_OP_FREE))
            break;
        }
      return TRUE;
    }
  return FALSE;
}

/* 2b. Drop an mmap with its accesses and munmap, an allocate with its free. */
static gboolean
shrink_drop_groups (Shrinker *sh)
{
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_scenario_free);
  gboolean changed = FALSE;
  guint i = 0;

  while (i < vmemu_explore_count_ops (sh->best) && shrink_budget_left (sh))
    {
      guint n = vmemu_explore_count_ops (sh->best), nb = 0;
      g_autoptr (GArray) at = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint j = i; j < n && nb < sh->jobs; j++)
        {
          g_autofree gboolean *drop = g_new0 (gboolean, n);
          if (!mark_group (sh->best, j, drop))
            continue;
          g_ptr_array_add (cands, without_marked (sh->best, drop));
          g_array_append_val (at, j);
          nb++;
        }
      if (nb == 0)
        break;
      gint f = shrink_try (sh, cands);
      changed |= f >= 0;
      i = f >= 0 ? g_array_index (at, guint, f) : g_array_index (at, guint, nb - 1) + 1;
    }
  return changed;
}

/* ---- 3. simplifying one op ----------------------------------------------- */

/* Which field of an op a simplification changes. */
typedef enum { FIELD_AT, FIELD_HOLD, FIELD_LENGTH, FIELD_OFFSET, FIELD_SIZE, FIELD__COUNT } Field;

static void
push_value (GArray *vals, guint64 v, guint64 cur)
{
  if (v >= cur)
    return;
  for (guint i = 0; i < vals->len; i++)
    if (g_array_index (vals, guint64, i) == v)
      return;
  g_array_append_val (vals, v);
}

/* Rounded values of t, coarse first: nearest and down to 1 ms ... 1 us.  A
 * time may move later as well as earlier. */
static void
push_rounded_times (GArray *vals, guint64 t)
{
  static const guint64 grains[] = { 1000000, 100000, 10000, 1000 };

  for (guint i = 0; i < G_N_ELEMENTS (grains); i++)
    {
      guint64 g = grains[i];
      guint64 near = (t + g / 2) / g * g;
      if (near > 0)
        push_value (vals, near, near == t ? t : G_MAXUINT64);
      push_value (vals, t - t % g, t);
    }
}

static gboolean
op_has_length (const VmemuOp *op)
{
  switch (op->kind)
    {
    case VMEMU_OP_READ: case VMEMU_OP_WRITE: case VMEMU_OP_MREAD: case VMEMU_OP_MWRITE:
    case VMEMU_OP_MMAP: case VMEMU_OP_PUNCH_HOLE: case VMEMU_OP_ZERO_RANGE:
    case VMEMU_OP_FALLOCATE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Candidate values for one field of op, simplest first.  G_MAXUINT64 in
 * FIELD_AT stands for "no start time" (after 0). */
static void
field_values (const VmemuOp *op, Field f, guint64 page, GArray *vals)
{
  static const guint64 lengths[] = { 16, 1, 64, 512, 1024, 4096 };

  switch (f)
    {
    case FIELD_AT:
      if (!op->has_at)
        return;
      g_array_append_val (vals, (guint64) { G_MAXUINT64 });
      push_rounded_times (vals, op->at_ns);
      return;
    case FIELD_HOLD:
      if (op->hold_ns > 0)
        push_rounded_times (vals, op->hold_ns);
      return;
    case FIELD_LENGTH:
      if (!op_has_length (op))
        return;
      for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
        if (op->kind != VMEMU_OP_MMAP || lengths[i] % page == 0)
          push_value (vals, lengths[i], op->length_bytes);
      push_value (vals, op->length_bytes / 2 - op->length_bytes / 2 % page, op->length_bytes);
      return;
    case FIELD_OFFSET:
      if (!op_has_length (op))
        return;
      push_value (vals, 0, op->offset_bytes);
      push_value (vals, op->offset_bytes - op->offset_bytes % page, op->offset_bytes);
      if (op->kind == VMEMU_OP_MMAP)
        return;   /* a mapping starts on a page */
      push_value (vals, op->offset_bytes - op->offset_bytes % 1024, op->offset_bytes);
      push_value (vals, op->offset_bytes - op->offset_bytes % 16, op->offset_bytes);
      return;
    case FIELD_SIZE:
      if (op->kind == VMEMU_OP_TRUNCATE)
        {
          push_value (vals, op->size_bytes - op->size_bytes % page, op->size_bytes);
          push_value (vals, op->size_bytes - op->size_bytes % 1024, op->size_bytes);
        }
      return;
    default:
      return;
    }
}

static void
field_set (VmemuOp *op, Field f, guint64 v)
{
  switch (f)
    {
    case FIELD_AT:
      op->has_at = v != G_MAXUINT64;
      op->at_ns = op->has_at ? v : 0;
      op->after_ns = 0;
      break;
    case FIELD_HOLD:
      op->hold_ns = v;
      break;
    case FIELD_LENGTH:
      op->length_bytes = v;
      break;
    case FIELD_OFFSET:
      op->offset_bytes = v;
      break;
    default:
      op->size_bytes = v;
      break;
    }
}

/* Tries the values of one field of flat op i, simplest first; the first that
 * still fails is kept. */
static gboolean
shrink_field (Shrinker *sh, guint i, Field f)
{
  g_autoptr (GArray) vals = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GPtrArray) cands = g_ptr_array_new_with_free_func (
    (GDestroyNotify) vmemu_scenario_free);
  guint64 page = sh->best->machine.page_size_bytes;

  field_values (flat_op (sh->best, i), f, page, vals);
  for (guint v = 0; v < vals->len && shrink_budget_left (sh);)
    {
      for (guint nb = 0; v < vals->len && nb < sh->jobs; v++, nb++)
        {
          VmemuScenario *c = vmemu_scenario_copy (sh->best);
          field_set (flat_op (c, i), f, g_array_index (vals, guint64, v));
          g_ptr_array_add (cands, c);
        }
      if (shrink_try (sh, cands) >= 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
shrink_simplify (Shrinker *sh)
{
  gboolean changed = FALSE;

  for (guint i = 0; i < vmemu_explore_count_ops (sh->best) && shrink_budget_left (sh); i++)
    for (Field f = 0; f < FIELD__COUNT; f++)
      changed |= shrink_field (sh, i, f);
  return changed;
}

VmemuScenario *
vmemu_explore_shrink (const VmemuScenario *failing, const VmemuVariant *variant, guint jobs,
                      guint64 max_runs, guint64 *runs_out, GError **error)
{
  return vmemu_explore_shrink_interruptible (failing, variant, jobs, max_runs, NULL, runs_out,
                                             error);
}

VmemuScenario *
vmemu_explore_shrink_interruptible (const VmemuScenario *failing, const VmemuVariant *variant,
                                    guint jobs, guint64 max_runs,
                                    const volatile gint *interrupt, guint64 *runs_out,
                                    GError **error)
{
  Shrinker sh = { .variant = variant, .jobs = MAX (jobs, 1), .interrupt = interrupt,
                  .max_runs = max_runs ? max_runs : SHRINK_DEFAULT_MAX_RUNS };
  ExploreRun first;
  gboolean changed = TRUE;

  g_return_val_if_fail (failing != NULL && variant != NULL, NULL);
  explore_run_case (failing, variant, NULL, &first);
  if (first.outcome != EXPLORE_CASE_LOSS)
    {
      explore_run_clear (&first);
      g_set_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INPUT,
                   "%s: the case does not lose data under %s, nothing to shrink",
                   failing->name, variant->spec);
      return NULL;
    }
  sh.path = first.loss_path;
  sh.best = vmemu_scenario_copy (failing);
  sh.eof_rule = case_maps_inside_eof (failing);
  shrink_pin_times (&sh);
  while (changed && shrink_budget_left (&sh))
    {
      changed = shrink_drop_tasks (&sh);
      changed |= shrink_drop_groups (&sh);
      changed |= shrink_drop_chunks (&sh);
      changed |= shrink_simplify (&sh);
    }
  explore_run_clear (&first);
  if (runs_out != NULL)
    *runs_out = sh.runs;
  if (interrupt && *interrupt)
    {
      vmemu_scenario_free (sh.best);
      g_set_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INTERRUPTED,
                   "interrupted while shrinking");
      return NULL;
    }
  return sh.best;
}
