/* conform-script.c — a scenario as a guest script (engine/conform/guest).
 *
 * The guest performs each op as the system call the model's op stands for,
 * at the op's scenario time on the guest's virtual clock.  What the model
 * produces by a timed hold is produced on the real kernel the way reproducers
 * force it (docs/conform.md, "Holds"): a read with `hold` splices each page
 * into a pipe (a pipe buffer keeps a reference on the page-cache page itself,
 * copy_page_to_iter_pipe in 5.8), waits the hold, then reads the pipe; an
 * allocation leaves the zone's free pages at the same place between the
 * watermarks as the model's does.  What cannot be forced is refused with the
 * op and the reason (exit 3): it is not guessed.
 */
#include "engine/conform/conform.h"

#include <string.h>

G_DEFINE_QUARK (vmemu-conform-error-quark, vmemu_conform_error)

void
vmemu_conform_plan_free (VmemuConformPlan *plan)
{
  if (plan == NULL)
    return;
  g_string_free (plan->script, TRUE);
  g_byte_array_unref (plan->data);
  g_free (plan);
}

gint64
vmemu_conform_pressure_level (guint64 free_after, guint64 wmark_min, guint64 wmark_low)
{
  /* Below min the model's allocator reclaims directly; a real guest there
   * meets the OOM killer first (no swap): hold it at min. */
  gint64 span = wmark_low > wmark_min ? (gint64) (wmark_low - wmark_min) : 1;
  gint64 level = ((gint64) free_after - (gint64) wmark_min) * 1000 / span;
  return MAX (level, 0);
}

static gboolean
unsupported (GError **error, const VmemuScenario *scn, const VmemuTask *t, const VmemuOp *op,
             const char *why)
{
  if (op)
    g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED,
                 "%s:%u:%u: task %s, %s: %s", scn->path ? scn->path : scn->name, op->line,
                 op->column, t->name, vmemu_op_kind_name (op->kind), why);
  else
    g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED, "%s: %s",
                 scn->path ? scn->path : scn->name, why);
  return FALSE;
}

/* Machine-wide things a real UML guest cannot be made to have. */
static gboolean
check_machine (const VmemuScenario *scn, GError **error)
{
  const VmemuMachineConfig *c = &scn->machine;
  if (c->page_size_bytes != 4096)
    return unsupported (error, scn, NULL, NULL, "the kernels are built with 4 KiB pages");
  if (c->large_folios)
    return unsupported (error, scn, NULL, NULL,
                        "Linux 5.8 has no large folios in the page cache");
  if (c->cpus > 1)
    return unsupported (error, scn, NULL, NULL,
                        "the UML kernels run one CPU (CONFIG_NR_CPUS=1): per-CPU pagevecs "
                        "of several CPUs cannot be reproduced");
  if (!c->other_fs_cached)
    return unsupported (error, scn, NULL, NULL,
                        "other_filesystems_cached: false: the guest's root filesystem (hostfs) "
                        "has cached pages, so drop_caches drains this CPU's pagevecs before it "
                        "reaches XFS");
  if (c->reclaim.buffer_heads_over_limit)
    return unsupported (error, scn, NULL, NULL,
                        "buffer_heads_over_limit cannot be set on a real kernel");
  /* the guest's tables (conform-guest.c: MAX_FILES, MAX_TASKS, MAX_SYMS) */
  if (scn->files->len > 64 || scn->tasks->len > 64 || scn->symbols->len > 256)
    return unsupported (error, scn, NULL, NULL,
                        "the guest runs at most 64 files, 64 tasks and 256 maps, pipes and "
                        "regions");
  guint64 total = 0;
  for (guint i = 0; i < scn->files->len; i++)
    total += ((const VmemuFile *) g_ptr_array_index (scn->files, i))->size_bytes;
  if (total > VMEMU_CONFORM_DEVICE_BYTES / 2)
    return unsupported (error, scn, NULL, NULL,
                        "the files do not fit the kernel's 64 MiB RAM disk with room to spare");
  return TRUE;
}

static const char *
state_name (VmemuFileState s)
{
  switch (s)
    {
    case VMEMU_FILE_CACHED: return "cached";
    case VMEMU_FILE_DIRTY: return "dirty";
    case VMEMU_FILE_SPARSE: return "sparse";
    default: return "on-disk";
    }
}

/* Why an op cannot run on the real kernel, or NULL. */
static const char *
op_refusal (const VmemuOp *op)
{
  switch (op->kind)
    {
    case VMEMU_OP_READ:
      if (op->direct && op->hold_ns)
        return "a direct read holds no page-cache reference to hold";
      return NULL;
    case VMEMU_OP_MIGRATE:
      return "no system call migrates one page-cache page on this kernel "
             "(move_pages needs NUMA nodes; UML has one)";
    case VMEMU_OP_INJECT:
      return "the RAM disk cannot fail an I/O (CONFIG_FAULT_INJECTION is off)";
    case VMEMU_OP_POWER_CUT:
      return "a power cut cannot be taken in the middle of a UML run (the RAM disk "
             "completes every write at once)";
    case VMEMU_OP_SPLIT_FOLIO:
      return "Linux 5.8 has no large folios in the page cache";
    default:
      return NULL;
    }
}

/* Append len bytes to the blob and return where they start. */
static guint64
blob_add (GByteArray *data, const guint8 *bytes, guint64 len)
{
  guint64 at = data->len;
  g_byte_array_append (data, bytes, (guint) len);
  return at;
}

static void
emit_op (VmemuMachine *m, const VmemuScenario *scn, guint ti, guint oi, const VmemuOp *op,
         guint64 *map_off, guint64 *region_pages, guint64 *free_pages, VmemuConformPlan *plan)
{
  GString *s = plan->script;
  g_string_append_printf (s, "op %u %u %s", ti, oi, vmemu_op_kind_name (op->kind));
  if (op->has_at)
    g_string_append_printf (s, " at=%" G_GUINT64_FORMAT, op->at_ns);
  else
    g_string_append_printf (s, " after=%" G_GUINT64_FORMAT, op->after_ns);
  if (op->file >= 0)
    g_string_append_printf (s, " file=%d", op->file);
  if (op->map >= 0)
    g_string_append_printf (s, " map=%d", op->map);
  if (op->pipe >= 0)
    g_string_append_printf (s, " pipe=%d", op->pipe);
  if (op->region >= 0)
    g_string_append_printf (s, " region=%d", op->region);
  guint64 len = op->length_bytes;
  if (op->kind == VMEMU_OP_VERIFY && op->file >= 0)
    {
      /* whole file, or to the end: the guest reads to its size then (len 0) */
      if (!op->has_range)
        len = 0;
    }
  g_string_append_printf (s, " off=%" G_GUINT64_FORMAT " len=%" G_GUINT64_FORMAT
                          " size=%" G_GUINT64_FORMAT " src=%" G_GUINT64_FORMAT
                          " dst=%" G_GUINT64_FORMAT " hold=%" G_GUINT64_FORMAT
                          " dur=%" G_GUINT64_FORMAT " direct=%d priv=%d keep=%d sync=%d"
                          " advice=%d mode=%u",
                          op->kind == VMEMU_OP_VERIFY && !op->has_range ? 0 : op->offset_bytes,
                          len, op->size_bytes, op->src_bytes, op->dst_bytes, op->hold_ns,
                          op->for_ns, op->direct, op->private_map, op->keep_size, op->sync,
                          op->advice == VMEMU_ADVICE_WILLNEED ? 1 : 0, op->mode);
  if (op->kind == VMEMU_OP_WRITE || op->kind == VMEMU_OP_MWRITE)
    {
      /* the model's bytes, keyed by file offset: an mwrite's offset is
       * inside its mapping */
      guint64 file_off = op->offset_bytes;
      if (op->kind == VMEMU_OP_MWRITE)
        file_off += map_off[op->map];
      g_autofree guint8 *buf = g_malloc (op->length_bytes);
      vmemu_machine_op_data (m, ti, oi, file_off, buf, op->length_bytes);
      g_string_append_printf (s, " data=%" G_GUINT64_FORMAT,
                              blob_add (plan->data, buf, op->length_bytes));
    }
  if (op->kind == VMEMU_OP_ALLOCATE)
    {
      guint64 total, wmin, wlow, whigh;
      vmemu_machine_watermarks (m, &total, &wmin, &wlow, &whigh);
      guint64 pages = op->size_bytes / scn->machine.page_size_bytes;
      *free_pages = *free_pages > pages ? *free_pages - pages : 0;
      region_pages[op->region] = pages;
      g_string_append_printf (s, " level=%" G_GINT64_FORMAT,
                              vmemu_conform_pressure_level (*free_pages, wmin, wlow));
    }
  if (op->kind == VMEMU_OP_MMAP)
    map_off[op->map] = op->offset_bytes;
  if (op->kind == VMEMU_OP_FREE)
    {
      *free_pages += region_pages[op->region];
      region_pages[op->region] = 0;
    }
  g_string_append_c (s, '\n');
}

VmemuConformPlan *
vmemu_conform_translate (VmemuMachine *m, gboolean trace, GError **error)
{
  const VmemuScenario *scn = vmemu_machine_scenario (m);
  if (!check_machine (scn, error))
    return NULL;
  for (guint ti = 0; ti < scn->tasks->len; ti++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, ti);
      for (guint oi = 0; oi < t->ops->len; oi++)
        {
          const VmemuOp *op = &g_array_index (t->ops, VmemuOp, oi);
          const char *why = op_refusal (op);
          if (why)
            {
              unsupported (error, scn, t, op, why);
              return NULL;
            }
        }
    }
  g_autoptr (VmemuConformPlan) plan = g_new0 (VmemuConformPlan, 1);
  plan->script = g_string_new ("vmemu-conform-guest 1\n");
  plan->data = g_byte_array_new ();
  GString *s = plan->script;
  g_string_append_printf (s, "blocksize %" G_GUINT64_FORMAT "\ntrace %d\n",
                          scn->block_size_bytes, trace ? 1 : 0);
  /* writeback tunables, in the kernel's units */
  const VmemuMachineConfig *c = &scn->machine;
  g_string_append_printf (s, "sysctl vm/dirty_expire_centisecs %" G_GUINT64_FORMAT "\n",
                          c->writeback.dirty_expire_ns / 10000000);
  g_string_append_printf (s, "sysctl vm/dirty_writeback_centisecs %" G_GUINT64_FORMAT "\n",
                          c->writeback.interval_ns / 10000000);
  g_string_append_printf (s, "sysctl vm/dirty_background_ratio %u\n",
                          c->writeback.background_ratio);
  g_string_append_printf (s, "sysctl vm/dirty_ratio %u\n", c->writeback.ratio);
  guint64 total, wmin, wlow, whigh;
  vmemu_machine_watermarks (m, &total, &wmin, &wlow, &whigh);
  /* the model's free pages before any allocation: memory less the files,
   * taken as cached (an approximation: the model's exact count depends on
   * what was read by then) */
  guint64 free_pages = total;
  for (guint i = 0; i < scn->files->len; i++)
    {
      const VmemuFile *f = g_ptr_array_index (scn->files, i);
      guint64 len = vmemu_machine_file_expected_size (m, i);
      gint64 at = -1;
      if (f->content != VMEMU_CONTENT_ZERO && f->state != VMEMU_FILE_SPARSE && len > 0)
        {
          g_autofree guint8 *bytes = vmemu_machine_file_expected_dup (m, i, &len);
          at = (gint64) blob_add (plan->data, bytes, len);
        }
      g_string_append_printf (s, "file %u %s %s size=%" G_GUINT64_FORMAT " data=%" G_GINT64_FORMAT
                              "\n", i, f->path, state_name (f->state), f->size_bytes, at);
      guint64 pages = (f->size_bytes + c->page_size_bytes - 1) / c->page_size_bytes;
      free_pages = free_pages > pages ? free_pages - pages : 0;
    }
  /* a pipe large enough for everything spliced into it */
  g_autofree guint64 *pipe_bytes = g_new0 (guint64, scn->symbols->len + 1);
  for (guint ti = 0; ti < scn->tasks->len; ti++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, ti);
      for (guint oi = 0; oi < t->ops->len; oi++)
        {
          const VmemuOp *op = &g_array_index (t->ops, VmemuOp, oi);
          if (op->kind == VMEMU_OP_SPLICE && op->pipe >= 0)
            pipe_bytes[op->pipe] += op->length_bytes + c->page_size_bytes;
        }
    }
  for (guint p = 0; p < scn->symbols->len; p++)
    if (pipe_bytes[p])
      {
        guint64 cap = 65536;
        while (cap < pipe_bytes[p])
          cap <<= 1;
        if (cap > 1048576)
          {
            unsupported (error, scn, NULL, NULL,
                         "a pipe would hold more than 1 MiB (the kernel's pipe-max-size)");
            return NULL;
          }
        g_string_append_printf (s, "pipe %u cap=%" G_GUINT64_FORMAT "\n", p, cap);
      }
  for (guint ti = 0; ti < scn->tasks->len; ti++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, ti);
      g_string_append_printf (s, "task %u %s\n", ti, t->name);
    }
  for (guint ti = 0; ti < scn->tasks->len; ti++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, ti);
      g_autofree guint64 *map_off = g_new0 (guint64, scn->symbols->len + 1);
      g_autofree guint64 *region_pages = g_new0 (guint64, scn->symbols->len + 1);
      for (guint oi = 0; oi < t->ops->len; oi++)
        emit_op (m, scn, ti, oi, &g_array_index (t->ops, VmemuOp, oi), map_off, region_pages,
                 &free_pages, plan);
    }
  g_string_append (s, "end\n");
  return g_steal_pointer (&plan);
}
