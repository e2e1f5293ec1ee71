/* machine.c — one emulated machine: set-up from the scenario, the actors
 * (user tasks, kswapd, the flusher, the final check), the run loop and the
 * result.  The trace emitters are in events.c.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/iomap.h"
#include "engine/model/xfs.h"
#include "engine/model/reclaim.h"
#include "engine/model/locks.h"
#include "engine/model/oracle.h"
#include "engine/model/readahead.h"
#include "engine/model/filemap.h"

#include <errno.h>
#include <string.h>

#include "engine/generate/generate.h"

G_DEFINE_QUARK (vmemu-machine-error-quark, vmemu_machine_error)

/* ---- actors ---- */

static void actor_resume_cb (VmemuSim *sim, gpointer data, guint64 arg);

void
vm_actor_wake (VmemuMachine *m, VmemuActor *a)
{
  if (a->wake_pending || a->done)
    return;
  a->wake_pending = TRUE;
  vmemu_sim_schedule_after (m->sim, 0, actor_resume_cb, m, (guint64) a->id);
}

void
vm_actor_sleep_until (VmemuMachine *m, VmemuActor *a, guint64 t_ns)
{
  a->st.timer_until_ns = t_ns;
  vmemu_sim_schedule_at (m->sim, t_ns, actor_resume_cb, m, (guint64) a->id);
}

static VmemuActor *
actor_new (VmemuMachine *m, const char *name, guint cpu, VmActorKind kind)
{
  VmemuActor *a = g_new0 (VmemuActor, 1);
  a->id = (gint32) m->actors->len;
  a->name = g_strdup (name);
  a->cpu = cpu;
  a->kind = kind;
  a->ops = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  a->maps = g_ptr_array_new ();
  a->regions = g_array_new (FALSE, TRUE, sizeof (guint64));
  a->errseq = g_new0 (guint32, m->inodes->len + 1);
  a->ra = g_new0 (VmRaState, m->inodes->len + 1);
  for (guint i = 0; i <= m->inodes->len; i++)
    vm_ra_state_init (m, &a->ra[i]);
  g_ptr_array_add (m->actors, a);
  static const char *const kinds[] = { "user", "kswapd", "flusher", "final" };
  vmemu_trace_task (m->trace, a->id, name, (gint32) cpu, kinds[kind]);
  return a;
}

static void
actor_free (gpointer data)
{
  VmemuActor *a = data;
  g_free (a->name);
  g_array_unref (a->ops);
  g_clear_pointer (&a->gen, vmemu_generator_free);
  g_ptr_array_unref (a->maps);
  g_array_unref (a->regions);
  g_free (a->errseq);
  g_free (a->ra);
  g_free (a);
}

/* The task's current op (number op_i), or NULL past its last.  A generated
 * task pulls its ops from its generator one pick at a time, keeping only the
 * current pick's ops: memory no longer grows with `count` (issue 12).  The
 * op stays where it is until op_end() moves on. */
static const VmemuOp *
actor_op (VmemuActor *a)
{
  while (a->op_i - a->op_base >= a->ops->len)
    {
      if (a->gen == NULL)
        return NULL;
      a->op_base = a->op_i;
      g_array_set_size (a->ops, 0);
      if (!vmemu_generator_step (a->gen, a->ops, NULL))
        g_clear_pointer (&a->gen, vmemu_generator_free);
    }
  return &g_array_index (a->ops, VmemuOp, a->op_i - a->op_base);
}

/* Past the task's last op (a fatal signal): op_i counts every op the task
 * had, as when they were expanded up front, so the task_exit row is the same. */
static void
actor_skip_rest (VmemuActor *a)
{
  a->op_i = a->op_base + a->ops->len;
  a->op_base = a->op_i;
  g_array_set_size (a->ops, 0);
  while (a->gen != NULL && vmemu_generator_step (a->gen, a->ops, NULL))
    {
      a->op_i += a->ops->len;
      a->op_base = a->op_i;
      g_array_set_size (a->ops, 0);
    }
  g_clear_pointer (&a->gen, vmemu_generator_free);
}

/* Reset the per-operation state and set the op's range. */
static void
op_begin (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  memset (&a->st, 0, sizeof a->st);
  VmOpState *st = &a->st;
  VmemuInode *ino = op->file >= 0 ? g_ptr_array_index (m->inodes, op->file) : NULL;
  st->pos = op->offset_bytes;
  st->end = op->offset_bytes + op->length_bytes;
  if (op->kind == VMEMU_OP_VERIFY && !op->has_range)
    {
      st->pos = 0;
      st->end = MAX (ino->i_size, vmemu_content_size (ino->expected));
    }
  if (op->kind == VMEMU_OP_TRUNCATE)
    st->end = ino->i_size;
  st->gen_start = m->oracle_gen;
  a->in_op = TRUE;
  if (op->kind == VMEMU_OP_DROP_CACHES)
    m->result.activity[VMEMU_ACT_DROP_CACHES]++;
  VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_SYS_ENTER, vm_now (m));
  ev.ino = ino ? ino->ino : 0;
  VMEMU_EV_ARG (&ev, SYS_ENTER, op) = op->kind;
  VMEMU_EV_ARG (&ev, SYS_ENTER, offset_bytes) = (gint64) op->offset_bytes;
  VMEMU_EV_ARG (&ev, SYS_ENTER, length_bytes) = (gint64) op->length_bytes;
  /* truncate's new size, allocate's and free's region size */
  if (op->kind == VMEMU_OP_TRUNCATE || op->kind == VMEMU_OP_ALLOCATE || op->kind == VMEMU_OP_FREE)
    VMEMU_EV_ARG (&ev, SYS_ENTER, size_bytes) = (gint64) op->size_bytes;
  ev.detail = op->kind < VMEMU_OP__COUNT ? vmemu_op_kind_name (op->kind)
                                         : op->kind == VM_OP_FINAL_CLEANUP ? "final_cleanup"
                                                                           : "umount_evict";
  vm_trace_emit (m, &ev);
}

static void
op_result_free (gpointer data)
{
  VmemuOpResult *r = data;
  g_free (r->task);
  g_free (r);
}

/* An operation whose result is not the one the scenario expects (success
 * unless the op says `expect: { error: E }`): kept for the run summary. */
static void
op_unexpected (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmemuOpResult *r = g_new0 (VmemuOpResult, 1);
  r->task = g_strdup (a->name);
  r->op = vmemu_op_kind_name (op->kind);
  r->op_number = a->op_i + 1;
  r->line = op->line;
  r->column = op->column;
  r->time_ns = vm_now (m);
  r->result = MIN (a->st.result, 0);
  r->expected = -op->expect_error;
  g_ptr_array_add (m->result.unexpected, r);
}

static void
op_end (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmemuInode *ino = op->file >= 0 ? g_ptr_array_index (m->inodes, op->file) : NULL;
  VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_SYS_EXIT, vm_now (m));
  ev.ino = ino ? ino->ino : 0;
  VMEMU_EV_ARG (&ev, SYS_EXIT, op) = op->kind;
  VMEMU_EV_ARG (&ev, SYS_EXIT, offset_bytes) = (gint64) op->offset_bytes;
  VMEMU_EV_ARG (&ev, SYS_EXIT, length_bytes) = (gint64) op->length_bytes;
  VMEMU_EV_ARG (&ev, SYS_EXIT, result) = a->st.result;
  ev.detail = op->kind < VMEMU_OP__COUNT ? vmemu_op_kind_name (op->kind) : "final";
  vm_trace_emit (m, &ev);
  if (a->st.result < 0)
    {
      m->result.op_errors++;
      m->result.activity[VMEMU_ACT_OP_ERRORS]++;
    }
  /* a positive result is a count (bytes, pages): success */
  int err = a->st.result < 0 ? -a->st.result : 0;
  if (op->kind < VMEMU_OP__COUNT && a->kind == VM_ACTOR_USER && err != op->expect_error)
    op_unexpected (m, a, op);
  gboolean killed = err > VMEMU_RESULT_SIGNAL_BASE && a->kind == VM_ACTOR_USER;
  if (killed)
    m->result.activity[err - VMEMU_RESULT_SIGNAL_BASE == VMEMU_SIGBUS ? VMEMU_ACT_SIGBUS
                                                                      : VMEMU_ACT_SIGSEGV]++;
  /* the scenario's operations, not the final check's (validate counts the same) */
  if (op->kind < VMEMU_OP__COUNT && a->kind == VM_ACTOR_USER)
    m->result.ops_run++;
  a->in_op = FALSE;
  a->op_i++;
  /* SIGBUS / SIGSEGV: the default action ends the task; its remaining ops
   * never run (task_exit then releases what it held). */
  if (killed)
    actor_skip_rest (a);
}

static void start_final (VmemuMachine *m);

static void
task_done (VmemuMachine *m, VmemuActor *a)
{
  a->done = TRUE;
  if (a->kind == VM_ACTOR_FINAL)
    {
      m->finished = TRUE;
      vmemu_sim_stop (m->sim);
      return;
    }
  vm_task_exit (m, a);
  VmemuTraceEvent ev = vmemu_trace_event_init (VMEMU_EV_TASK_EXIT, vm_now (m));
  VMEMU_EV_ARG (&ev, TASK_EXIT, ops) = a->op_i;
  vm_trace_emit (m, &ev);
  if (--m->live_tasks == 0)
    start_final (m);
}

/* The file an operation works on (through its mapping for map ops), or -1. */
static int
op_file (VmemuActor *a, const VmemuOp *op)
{
  if (op->file >= 0)
    return op->file;
  if ((op->kind == VMEMU_OP_MREAD || op->kind == VMEMU_OP_MWRITE || op->kind == VMEMU_OP_MSYNC)
      && op->map >= 0 && (guint) op->map < a->maps->len)
    {
      VmemuMap *map = g_ptr_array_index (a->maps, op->map);
      return map ? (int) map->inode->file_idx : -1;
    }
  return -1;
}

/* The model runs a kernel path without interruption until it sleeps; 5.8
 * runs tasks on two CPUs truly in parallel.  Two user tasks on different
 * CPUs starting system calls (or faults) on the same file at the same
 * instant could interleave in any order in the kernel: the verdict depends
 * on the model's (sequence-number) order.  (A task resumed by another's
 * unlock or I/O completion is ordered by that wake-up, in 5.8 too.) */
static void
note_same_instant (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  int file = op_file (a, op);
  if (a->kind != VM_ACTOR_USER || file < 0 || op->kind >= VMEMU_OP__COUNT)
    return;   /* the final check runs after every task ended */
  guint64 now = vm_now (m);
  if (m->inst_valid && m->inst_t_ns == now && m->inst_file == file && m->inst_cpu != a->cpu)
    vm_depends_on (m, "no parallelism within an instant: two CPUs work on one file at "
                      "the same time");
  m->inst_valid = TRUE;
  m->inst_t_ns = now;
  m->inst_file = file;
  m->inst_cpu = a->cpu;
}

/* Run the task's operations until one sleeps or the next starts later. */
static void
user_resume (VmemuMachine *m, VmemuActor *a)
{
  for (;;)
    {
      const VmemuOp *op = actor_op (a);
      if (op == NULL)
        {
          task_done (m, a);
          return;
        }
      if (!a->in_op)
        {
          /* `at` is absolute; `after` counts from the end of the previous op. */
          guint64 start = op->has_at ? op->at_ns : a->next_start_ns + op->after_ns;
          if (start > vm_now (m))
            {
              vm_actor_sleep_until (m, a, start);
              return;
            }
          op_begin (m, a, op);
          note_same_instant (m, a, op);
        }
      if (vm_op_ilock (m, a, op) == VM_BLOCKED || vm_op_step (m, a, op) == VM_BLOCKED)
        return;
      vm_op_iunlock (m, a);
      op_end (m, a, op);
      a->next_start_ns = vm_now (m);
    }
}

static void
actor_resume_cb (VmemuSim *sim, gpointer data, guint64 id)
{
  VmemuMachine *m = data;
  VmemuActor *a = g_ptr_array_index (m->actors, id);
  a->wake_pending = FALSE;
  if (a->done || a->waiting_on != NULL)
    return;   /* a stale timer, or still queued on a page */
  if (a->st.timer_until_ns && vm_now (m) < a->st.timer_until_ns)
    return;   /* woken early: the timer will come */
  VmemuActor *saved = m->cur;
  m->cur = a;
  switch (a->kind)
    {
    case VM_ACTOR_KSWAPD:
      a->st.timer_until_ns = 0;
      vm_kswapd_resume (m, a);
      break;
    case VM_ACTOR_FLUSHER:
      vm_flusher_resume (m, a);
      break;
    default:
      if (!a->in_op)
        a->st.timer_until_ns = 0;
      user_resume (m, a);
    }
  m->cur = saved;
}

static void
start_final (VmemuMachine *m)
{
  VmemuActor *f = m->final;
  VmemuOp op = vmemu_op_init (VMEMU_OP_SYNC);
  op.kind = VM_OP_FINAL_CLEANUP;
  g_array_append_val (f->ops, op);
  op = vmemu_op_init (VMEMU_OP_SYNC);
  g_array_append_val (f->ops, op);
  op.kind = VM_OP_FINAL_EVICT;
  g_array_append_val (f->ops, op);
  for (guint i = 0; i < m->inodes->len; i++)
    {
      op = vmemu_op_init (VMEMU_OP_VERIFY);
      op.file = (gint) i;
      g_array_append_val (f->ops, op);
    }
  f->next_start_ns = vm_now (m);
  vm_actor_wake (m, f);
}

/* ---- set-up ---- */

static VmemuInode *
inode_new (VmemuMachine *m, const VmemuFile *f, guint idx)
{
  VmemuInode *ino = g_new0 (VmemuInode, 1);
  ino->ino = 131 + idx;   /* XFS-like inode numbers, stable per file order */
  ino->path = g_strdup (f->path);
  ino->file_idx = idx;
  ino->blocks = vm_blk_map_new ();
  ino->pages = vmemu_xa_new ();
  ino->maps = g_ptr_array_new ();
  vm_rwsem_init (&ino->iolock, VM_ILOCK_IOLOCK);
  vm_rwsem_init (&ino->mmaplock, VM_ILOCK_MMAPLOCK);
  ino->expected = vmemu_content_new (0);
  ino->durable = vmemu_content_new (0);
  ino->durable_known = vm_ranges_new ();
  ino->page_gen = vm_oracle_page_gen_new ();
  ino->a_ops = &m->fs_ops->a_ops;   /* xfs_setup_iops: the iomap-based table */
  vmemu_trace_inode (m->trace, ino->ino, ino->path);
  return ino;
}

static void
map_free (gpointer data)
{
  VmemuMap *map = data;
  for (guint64 i = 0; i < map->npages; i++)
    vmemu_content_free (map->cow[i]);
  g_free (map->cow);
  g_free (map->pte);
  g_free (map->ptepage);
  g_free (map);
}

static void
inode_free (gpointer data)
{
  VmemuInode *ino = data;
  g_free (ino->path);
  vm_bmap_free (ino->blocks);
  vmemu_xa_free (ino->pages);
  g_ptr_array_unref (ino->maps);
  vmemu_content_free (ino->expected);
  vmemu_content_rng_unref (ino->content_rng);
  vmemu_content_free (ino->durable);
  vm_ranges_free (ino->durable_known);
  vm_bmap_free (ino->page_gen);
  g_free (ino);
}

/* Initial contents: the file as it would be after being written and synced
 * (on-disk), also read back into the cache (cached), or written but not yet
 * synced (dirty: delalloc blocks, dirty pages).  Sparse files have a size and
 * no blocks. */
static gboolean
setup_file (VmemuMachine *m, VmemuInode *ino, const VmemuFile *f, GError **error)
{
  guint64 size = f->size_bytes;
  /* The contents, as one run: random bytes are byte i = the top byte of the
   * machine generator's i-th next output, drawn even for a sparse file (which
   * then reads as zero), so the generator jumps past them (engine/content:
   * the same state as drawing them one by one). */
  vmemu_content_set_size (ino->expected, size);
  VmContentDesc d = vmemu_content_desc_zero ();
  g_autoptr (VmContentRng) rng = NULL;
  if (f->content == VMEMU_CONTENT_RANDOM)
    {
      rng = vmemu_content_rng_new (&m->rng);
      d = vmemu_content_desc_rng (rng, 0);
      ino->content_rng = g_steal_pointer (&rng);   /* pages name it without a reference */
      rng = NULL;
      vmemu_content_rng_jump (&m->rng, size);
    }
  else if (f->content != VMEMU_CONTENT_ZERO)
    d = vmemu_content_desc_byte (f->content_byte);
  if (f->state != VMEMU_FILE_SPARSE)
    vmemu_content_fill (ino->expected, 0, size, &d);
  ino->i_size = size;
  if (f->state == VMEMU_FILE_SPARSE)
    {
      ino->disk_size = size;
      return TRUE;
    }
  guint64 nblocks = (size + m->block_size - 1) >> m->blkbits;
  for (guint64 b = 0; b < nblocks; b++)
    {
      guint64 off = b << m->blkbits;
      if (f->state == VMEMU_FILE_DIRTY)
        {
          vm_blk_set (ino, b, VM_BLK_DELALLOC, 0);
          continue;
        }
      guint64 pb = vm_pblk_alloc (m);
      vm_disk_write (m, pb, m->block_size, ino->expected, off);   /* zeros past the size */
      vm_blk_set (ino, b, VM_BLK_MAPPED, pb);
    }
  ino->disk_size = f->state == VMEMU_FILE_DIRTY ? 0 : size;
  vm_oracle_make_durable (m, ino, 0, f->state == VMEMU_FILE_DIRTY ? 0 : size);
  if (f->state == VMEMU_FILE_ON_DISK)
    return TRUE;
  /* cached / dirty: the pages sit on the inactive list with a full iop, as a
   * read or write would have left them; the inode is in core, instantiated
   * in `files:` order. */
  vm_inode_sb_list_add (m, ino);
  guint64 npages = (size + m->page_size - 1) >> m->page_shift;
  for (guint64 i = 0; i < npages; i++)
    {
      VmemuPage *p = vm_page_alloc (m, VMEMU_REF_IO);
      if (p == NULL)
        {
          g_set_error (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_SETUP,
                       "%s: the cached pages of %s do not fit in memory", m->scn->path, f->path);
          return FALSE;
        }
      vm_add_to_page_cache_lru (m, NULL, p, ino, i);
      guint64 off = i << m->page_shift, n = MIN (m->page_size, size - off);
      if (f->content != VMEMU_CONTENT_ZERO)   /* a zero page needs no contents */
        {
          vmemu_content_copy (vm_page_content (m, p), 0, ino->expected, off, n);
          vm_page_content_done (m, p);
        }
      p->flags |= VMEMU_PG_UPTODATE;
      vm_iomap_page_create (m, p, VM_IOP_CALLER_SETUP);
      if (f->state == VMEMU_FILE_DIRTY)
        vm_set_page_dirty (m, p);
      vm_unlock_page (m, p);
      vm_put_page (m, p, VMEMU_REF_IO);
    }
  vm_lru_add_drain_all (m, "setup");
  return TRUE;
}

static guint
log2_of (guint64 x)
{
  guint n = 0;
  while ((G_GUINT64_CONSTANT (1) << n) < x)
    n++;
  return n;
}

/* A copy of the scenario with the generator's symbols interned, when it has
 * `generate:` blocks (the tasks pull their ops at run time: actor_op()). */
static VmemuScenario *
prepare_generate (const VmemuScenario *scn)
{
  gboolean any = FALSE;
  for (guint i = 0; i < scn->tasks->len; i++)
    any = any || ((VmemuTask *) g_ptr_array_index (scn->tasks, i))->has_generate;
  if (!any)
    return NULL;
  VmemuScenario *c = vmemu_scenario_copy (scn);
  vmemu_generate_prepare (c);
  return c;
}

/* The scenario the machine runs: the one it was given, or a copy with its
 * `generate:` blocks expanded into ops.  The run itself pulls generated ops
 * lazily (actor_op); this expansion is made on the first call only, for
 * conform's scripts, which run small cases (probe.c reads ops from it). */
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

static void
machine_init_memory (VmemuMachine *m)
{
  const VmemuMachineConfig *c = &m->scn->machine;
  m->total_pages = c->memory_bytes >> m->page_shift;
  m->nr_free = m->total_pages;
  vm_setup_watermarks (m);
  m->ncpus = MAX (c->cpus, 1);
  m->cpus = g_new0 (VmCpu, m->ncpus);
  m->bh_over_limit = c->reclaim.buffer_heads_over_limit;
  m->drain_on_exit = c->reclaim.drain_on_exit;
  m->dev_blocks = c->device.size_bytes >> m->blkbits;
}

/* The run's meta rows: what reproduces it (and what `vmemu diff` compares). */
static void
write_run_meta (VmemuTrace *tr, const VmemuScenario *scn, const VmemuVariant *v, guint64 seed)
{
  g_autofree char *seed_s = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);
  g_autofree char *sw = vmemu_variant_switches_string (v);
  g_autofree char *ps = g_strdup_printf ("%" G_GUINT64_FORMAT, scn->machine.page_size_bytes);
  g_autofree char *bs = g_strdup_printf ("%" G_GUINT64_FORMAT, scn->block_size_bytes);
  vmemu_trace_meta (tr, "scenario", scn->path ? scn->path : scn->name);
  vmemu_trace_meta (tr, "scenario_name", scn->name);
  vmemu_trace_meta (tr, "scenario_sha256", scn->sha256 ? scn->sha256 : "");
  vmemu_trace_meta (tr, "seed", seed_s);
  vmemu_trace_meta (tr, "variant", v->spec);
  vmemu_trace_meta (tr, "variant_switches", sw);
  if (v->n_ops > 0)
    {
      g_autofree char *ops = vmemu_variant_ops_string (v);
      vmemu_trace_meta (tr, "variant_ops", ops);
    }
  vmemu_trace_meta (tr, "vmemu_version", VMEMU_VERSION);
  vmemu_trace_meta (tr, "page_size_bytes", ps);
  vmemu_trace_meta (tr, "block_size_bytes", bs);
}

VmemuMachine *
vmemu_machine_new (const VmemuScenario *scn_in, const VmemuMachineOptions *opt, GError **error)
{
  g_autoptr (VmemuMachine) m = g_new0 (VmemuMachine, 1);
  m->owned_scn = prepare_generate (scn_in);
  const VmemuScenario *scn = m->owned_scn ? m->owned_scn : scn_in;
  m->scn = scn;
  m->variant = opt->variant;
  m->fs_ops = g_new0 (VmFsOps, 1);
  vm_fs_ops_build (m->fs_ops, &vm_xfs_fs_ops, m->variant);
  m->trace = opt->trace;
  m->seed = opt->has_seed ? opt->seed : scn->machine.seed;
  m->time_limit_ns = opt->time_limit_ns;
  m->interrupt = opt->interrupt;
  m->sim = vmemu_sim_new (m->seed);
  vmemu_rng_init (&m->rng, m->seed ^ 0x6a09e667f3bcc909ull);
  m->page_size = scn->machine.page_size_bytes;
  m->page_shift = log2_of (m->page_size);
  m->block_size = scn->block_size_bytes;
  m->blkbits = log2_of (m->block_size);
  m->blocks_per_page = (guint) (m->page_size / m->block_size);
  m->inodes = g_ptr_array_new_with_free_func (inode_free);
  m->all_maps = g_ptr_array_new_with_free_func (map_free);
  m->waitq = g_hash_table_new (g_direct_hash, g_direct_equal);
  m->actors = g_ptr_array_new_with_free_func (actor_free);
  m->disk = vmemu_content_new (0);
  m->free_pblks = g_array_new (FALSE, FALSE, sizeof (guint64));
  m->bios_inflight = g_ptr_array_new ();
  m->injects = g_array_new (FALSE, TRUE, sizeof (VmInject));
  m->pipes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  m->result.losses = g_ptr_array_new ();
  m->result.depends_on = g_ptr_array_new_with_free_func (g_free);
  m->result.kernel_bugs = g_ptr_array_new_with_free_func (g_free);
  m->result.unexpected = g_ptr_array_new_with_free_func (op_result_free);
  m->result.seed = m->seed;
  g_queue_init (&m->b_dirty);
  machine_init_memory (m);
  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      for (guint k = 0; k < t->ops->len; k++)
        if (g_array_index (t->ops, VmemuOp, k).kind == VMEMU_OP_POWER_CUT)
          m->track_durable = TRUE;
    }
  if (scn->has_fsx)
    m->fsx = vmemu_fsx_pattern_new (scn->fsx_seed, scn->fsx_length_bytes);
  for (guint i = 0; i < scn->symbols->len; i++)
    g_ptr_array_add (m->pipes, g_ptr_array_new ());

  for (guint i = 0; i < scn->files->len; i++)
    g_ptr_array_add (m->inodes, inode_new (m, g_ptr_array_index (scn->files, i), i));
  /* kernel threads first, so their ids are stable whatever the tasks */
  m->kswapd = actor_new (m, "kswapd0", 0, VM_ACTOR_KSWAPD);
  m->flusher = actor_new (m, "kworker/u:flush", 0, VM_ACTOR_FLUSHER);
  m->final = actor_new (m, "final", 0, VM_ACTOR_FINAL);
  for (guint i = 0; i < scn->files->len; i++)
    if (!setup_file (m, g_ptr_array_index (m->inodes, i), g_ptr_array_index (scn->files, i),
                     error))
      return NULL;
  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      VmemuActor *a = actor_new (m, t->name, MIN (t->cpu, m->ncpus - 1), VM_ACTOR_USER);
      if (t->has_generate)
        {
          const VmemuFile *f = g_ptr_array_index (scn->files, t->generate.file);
          a->gen = vmemu_generator_new (&t->generate, scn, f->size_bytes, m->page_size);
        }
      else
        g_array_append_vals (a->ops, t->ops->data, t->ops->len);
      m->live_tasks++;
    }
  if (m->trace)
    write_run_meta (m->trace, scn_in, m->variant, m->seed);
  return g_steal_pointer (&m);
}

void
vmemu_machine_free (VmemuMachine *m)
{
  if (m == NULL)
    return;
  /* The trace may be closed already; the pagevecs' references go first (an
   * end of writeback after the last drain leaves a rotate entry), then the
   * cached pages. */
  m->trace = NULL;
  if (m->cpus && m->actors)
    vm_lru_add_drain_all (m, "machine_free");
  /* Pages still referenced (a stall) are freed with their inodes' indexes
   * gone; walk what the machine still knows. */
  for (guint i = 0; m->inodes && i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      gpointer batch[64];
      guint n;
      while ((n = vmemu_xa_gather (ino->pages, 0, G_MAXUINT64, VMEMU_XA_NO_MARK, batch, NULL, 64)))
        for (guint k = 0; k < n; k++)
          {
            VmemuPage *p = batch[k];
            vmemu_xa_erase (ino->pages, p->index);
            vm_page_content_free (p);   /* the slab goes below */
          }
      for (guint k = 0; k < ino->maps->len; k++)
        {
          VmemuMap *map = g_ptr_array_index (ino->maps, k);
          map->unmapped = TRUE;
        }
    }
  g_clear_pointer (&m->all_maps, g_ptr_array_unref);
  g_clear_pointer (&m->waitq, g_hash_table_unref);
  g_clear_pointer (&m->actors, g_ptr_array_unref);
  g_clear_pointer (&m->inodes, g_ptr_array_unref);
  g_clear_pointer (&m->disk, vmemu_content_free);
  g_clear_pointer (&m->free_pblks, g_array_unref);
  /* Requests still in flight when the run ended (a power cut drops them and
   * their completions never run) are owned here. */
  for (guint i = 0; m->bios_inflight && i < m->bios_inflight->len; i++)
    vm_bio_free (g_ptr_array_index (m->bios_inflight, i));
  g_clear_pointer (&m->bios_inflight, g_ptr_array_unref);
  g_clear_pointer (&m->injects, g_array_unref);
  g_clear_pointer (&m->pipes, g_ptr_array_unref);
  while (m->queue_head)
    {
      VmemuBio *b = m->queue_head;
      m->queue_head = b->next;
      vm_bio_free (b);
    }
  vm_bio_cache_free (m);
  vm_page_slab_free (m);
  g_free (m->cpus);
  vmemu_fsx_pattern_free (m->fsx);
  g_clear_pointer (&m->sim, vmemu_sim_free);
  if (m->result.depends_on)
    g_ptr_array_unref (m->result.depends_on);
  if (m->result.kernel_bugs)
    g_ptr_array_unref (m->result.kernel_bugs);
  if (m->result.losses)
    {
      for (guint i = 0; i < m->result.losses->len; i++)
        {
          VmemuLoss *l = g_ptr_array_index (m->result.losses, i);
          g_free (l->path);
          g_free (l->kind);
          g_free (l->task);
          g_free (l->expected_hex);
          g_free (l->found_hex);
          g_free (l);
        }
      g_ptr_array_unref (m->result.losses);
    }
  g_clear_pointer (&m->result.unexpected, g_ptr_array_unref);
  if (m->owned_scn)
    vmemu_scenario_free (m->owned_scn);
  if (m->expanded_scn)
    vmemu_scenario_free (m->expanded_scn);
  g_free (m->fs_ops);
  g_free (m);
}

/* The activity counters go into the trace's meta as "activity.NAME". */
static void
activity_meta (VmemuMachine *m)
{
  for (int i = 0; i < VMEMU_ACT__COUNT; i++)
    {
      g_autofree char *key = g_strdup_printf ("activity.%s", vmemu_activity_name (i));
      g_autofree char *val = g_strdup_printf ("%" G_GUINT64_FORMAT, m->result.activity[i]);
      vmemu_trace_meta (m->trace, key, val);
    }
  g_autofree char *n = g_strdup_printf ("%u", m->result.unexpected->len);
  vmemu_trace_meta (m->trace, "unexpected_op_results", n);
}

gboolean
vmemu_machine_run (VmemuMachine *m, GError **error)
{
  for (guint i = 0; i < m->actors->len; i++)
    {
      VmemuActor *a = g_ptr_array_index (m->actors, i);
      if (a->kind == VM_ACTOR_USER)
        vm_actor_wake (m, a);
    }
  if (m->live_tasks == 0)
    start_final (m);
  guint64 limit = m->time_limit_ns ? m->time_limit_ns : G_MAXUINT64;
  if (m->interrupt == NULL)
    vmemu_sim_run (m->sim, limit);
  else
    while (!m->finished && !*m->interrupt && vmemu_sim_pending (m->sim) > 0
           && vmemu_sim_next_time_ns (m->sim) <= limit)
      for (int i = 0; i < 4096 && vmemu_sim_step (m->sim); i++)
        if (m->finished || vmemu_sim_next_time_ns (m->sim) > limit)
          break;
  if (m->interrupt && *m->interrupt && !m->finished)
    {
      m->result.end_time_ns = vm_now (m);
      g_set_error (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_INTERRUPTED,
                   "interrupted at %" G_GUINT64_FORMAT " ns of virtual time", vm_now (m));
      return FALSE;
    }
  m->result.end_time_ns = vm_now (m);
  m->result.events_run = vmemu_sim_events_run (m->sim);
  if (!m->finished)
    {
      GString *who = g_string_new (NULL);
      for (guint i = 0; i < m->actors->len; i++)
        {
          VmemuActor *a = g_ptr_array_index (m->actors, i);
          if (a->kind == VM_ACTOR_USER && !a->done)
            g_string_append_printf (who, "%s%s (op %u)", who->len ? ", " : "", a->name,
                                    a->op_i + 1);
        }
      g_set_error (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_STALL,
                   "the run stopped at %" G_GUINT64_FORMAT " ns with tasks still waiting: %s",
                   vm_now (m), who->len ? who->str : "final check");
      g_string_free (who, TRUE);
      return FALSE;
    }
  activity_meta (m);
  return TRUE;
}

const VmemuRunResult *
vmemu_machine_result (const VmemuMachine *m)
{
  return &m->result;
}

void
vmemu_machine_write_result_meta (const VmemuMachine *m, VmemuTrace *tr)
{
  const VmemuRunResult *r = &m->result;
  vmemu_trace_meta (tr, "result", r->losses->len > 0 ? "data-loss" : "clean");
  g_autofree char *deps = vmemu_run_depends_on_text (r);
  if (deps)
    vmemu_trace_meta (tr, "depends_on", deps);
  g_autofree char *bugs = vmemu_run_kernel_bugs_text (r);
  if (bugs)
    vmemu_trace_meta (tr, "kernel_bug", bugs);
  g_autofree char *activity = vmemu_scenario_activity_verdict (m->scn, r->activity);
  vmemu_trace_meta (tr, "expect_activity", activity);
}

/* The file as the device holds it (after the final check evicted the cache,
 * that is what a reader sees), up to the in-core size. */
gboolean
vmemu_machine_dump_files (VmemuMachine *m, const char *dir, GError **error)
{
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      /* the file's runs from the device, then their bytes (a dump is where
       * contents are materialised) */
      g_autoptr (VmContent) file = vmemu_content_new (ino->i_size);
      for (guint64 off = 0; off < ino->i_size; off += m->block_size)
        {
          VmBlk b = vm_blk_get (ino, off >> m->blkbits);
          if (b.type == VM_BLK_MAPPED)
            vm_disk_read (m, b.pblk, m->block_size, file, off);
        }
      g_autofree guint8 *buf = g_malloc0 (ino->i_size + 1);
      vmemu_content_read (file, 0, ino->i_size, buf);
      g_autofree char *name = vmemu_scenario_dump_name (ino->path);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) local = NULL;
      if (!g_file_set_contents (path, (const char *) buf, (gssize) ino->i_size, &local))
        {
          /* GLib's message names its temporary file: name the output. */
          const char *why = strrchr (local->message, ':');
          g_set_error (error, VMEMU_MACHINE_ERROR, VMEMU_MACHINE_ERROR_IO, "%s: cannot write: %s",
                       path, why ? why + 2 : local->message);
          return FALSE;
        }
    }
  return TRUE;
}

static char *
join_or_null (const GPtrArray *a)
{
  if (a == NULL || a->len == 0)
    return NULL;
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < a->len; i++)
    g_string_append_printf (s, "%s%s", i ? "; " : "", (char *) g_ptr_array_index (a, i));
  return g_string_free (s, FALSE);
}

char *
vmemu_run_depends_on_text (const VmemuRunResult *r)
{
  return join_or_null (r->depends_on);
}

char *
vmemu_run_kernel_bugs_text (const VmemuRunResult *r)
{
  return join_or_null (r->kernel_bugs);
}
