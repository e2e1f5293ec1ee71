/* probe.c — read-only views of a machine for `vmemu conform` (engine/conform),
 * which replays a scenario on a real kernel and needs the very bytes the model
 * writes and expects.  Nothing here changes the machine's state.
 */
#include "engine/model/machine-private.h"
#include "engine/model/oracle.h"

#include <string.h>

/* The oracle's bytes of file `file` (scenario order): its initial contents
 * right after vmemu_machine_new(), what a correct kernel shows after
 * vmemu_machine_run(). */
guint64
vmemu_machine_file_expected_size (const VmemuMachine *m, guint file)
{
  g_return_val_if_fail (file < m->inodes->len, 0);
  const VmemuInode *ino = g_ptr_array_index (m->inodes, file);
  return vmemu_content_size (ino->expected);
}

guint8 *
vmemu_machine_file_expected_dup (const VmemuMachine *m, guint file, guint64 *len)
{
  g_return_val_if_fail (file < m->inodes->len, NULL);
  const VmemuInode *ino = g_ptr_array_index (m->inodes, file);
  *len = vmemu_content_size (ino->expected);
  guint8 *buf = g_malloc (MAX (*len, 1));
  vmemu_content_read (ino->expected, 0, *len, buf);
  return buf;
}

/* The bytes op `op_i` of task `task` (scenario order) stores at file offset
 * file_off, as vm_data_desc() describes them when that op runs. */
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
  probe.op_i = op_i;   /* vm_data_desc reads only id and op_i */
  VmContentDesc d = vm_data_desc (m, &probe, &g_array_index (t->ops, VmemuOp, op_i), file_off);
  vmemu_content_desc_fill (&d, buf, len);
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
