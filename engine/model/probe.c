/* probe.c — read-only views of a machine for `vmemu conform` (engine/conform),
 * which replays a scenario on a real kernel and needs the very bytes the model
 * writes and expects.  Nothing here changes the machine's state.
 */
#include "engine/model/model-private.h"

#include "engine/fsx/fsx.h"

#include <string.h>

/* The oracle's bytes of file `file` (scenario order): its initial contents
 * right after vmemu_machine_new(), what a correct kernel shows after
 * vmemu_machine_run(). */
const guint8 *
vmemu_machine_file_expected (const VmemuMachine *m, guint file, guint64 *len)
{
  g_return_val_if_fail (file < m->inodes->len, NULL);
  const VmemuInode *ino = g_ptr_array_index (m->inodes, file);
  *len = ino->expected->len;
  return ino->expected->data;
}

/* The bytes op `op_i` of task `task` (scenario order) stores at file offset
 * file_off, as vm_data_fill() produces them when that op runs. */
void
vmemu_machine_op_data (VmemuMachine *m, guint task, guint op_i, guint64 file_off, guint8 *buf,
                       gsize len)
{
  /* user tasks come after the three kernel threads (vmemu_machine_new); a
   * generated task's op is read from the expanded scenario (the actor only
   * holds the ops of its current pick) */
  guint id = 3 + task;
  g_return_if_fail (id < m->actors->len);
  const VmemuScenario *scn = vmemu_machine_scenario (m);
  g_return_if_fail (task < scn->tasks->len);
  const VmemuTask *t = g_ptr_array_index (scn->tasks, task);
  g_return_if_fail (op_i < t->ops->len);
  VmemuActor probe = *(VmemuActor *) g_ptr_array_index (m->actors, id);
  probe.op_i = op_i;   /* vm_data_fill reads only id and op_i */
  vm_data_fill (m, &probe, &g_array_index (t->ops, VmemuOp, op_i), file_off, buf, len);
}

/* Pages of memory and the zone watermarks, as the model derived them. */
void
vmemu_machine_watermarks (const VmemuMachine *m, guint64 *total, guint64 *min, guint64 *low,
                          guint64 *high)
{
  *total = m->total_pages;
  *min = m->wmark_min;
  *low = m->wmark_low;
  *high = m->wmark_high;
}

/* The scenario the machine runs: the one it was given, or a copy with its
 * `generate:` blocks expanded into ops.  The run itself pulls generated ops
 * lazily; this expansion is made on the first call only (conform's scripts,
 * which run small cases). */
const VmemuScenario *
vmemu_machine_scenario (VmemuMachine *m)
{
  if (m->owned_scn == NULL)
    return m->scn;
  if (m->expanded_scn == NULL)
    {
      VmemuScenario *c = vmemu_scenario_copy (m->owned_scn);
      for (guint i = 0; i < c->tasks->len; i++)
        {
          VmemuTask *t = g_ptr_array_index (c->tasks, i);
          if (!t->has_generate)
            continue;
          const VmemuFile *f = g_ptr_array_index (c->files, t->generate.file);
          g_array_set_size (t->ops, 0);
          vmemu_generate_ops (&t->generate, c, f->size_bytes, c->machine.page_size_bytes, t->ops,
                              NULL);
          t->has_generate = FALSE;
        }
      m->expanded_scn = c;
    }
  return m->expanded_scn;
}
