/* case.c — the explorer's cases: the built-in template, case seeds, and the
 * expansion of `generate:` blocks into explicit ops with concurrent
 * background tasks. */
#include "engine/explore/explore-private.h"

#include <string.h>

#include "engine/fsx/fsx.h"

G_DEFINE_QUARK (vmemu-explore-error-quark, vmemu_explore_error)

/* splitmix64's finaliser: a bijection that spreads nearby inputs apart. */
static guint64
mix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

guint64
vmemu_explore_case_seed (guint64 seed, guint64 k)
{
  return mix64 (mix64 (seed) ^ k);
}

/* The template's knobs (docs/explore.md, "The built-in template").  They were
 * tuned so that baseline loses data within a few hundred cases: a small file
 * (more overlap between the reader's pages and the stores), few ops per case
 * (cheap cases), and drop_caches and a referencing reader often enough to
 * overlap. */
enum {
  TEMPLATE_MEMORY_BYTES = 4 << 20,       /* 1024 pages: pressure is cheap */
  TEMPLATE_FILE_BYTES = 32 << 10,        /* fsx -l: 8 pages */
  TEMPLATE_MAX_OP_BYTES = 8 << 10,       /* fsx -o */
  TEMPLATE_COUNT = 40,                   /* fsx -N */
  TEMPLATE_BG_READER = 150,              /* per mille per op */
  TEMPLATE_BG_DROP = 100,
  TEMPLATE_BG_PRESSURE = 20,
};

VmemuScenario *
vmemu_explore_template_new (void)
{
  VmemuScenario *scn = vmemu_scenario_new ("explore-generic-127");
  VmemuFile *f;
  VmemuTask *t;
  VmemuGenerate *g;

  scn->description = g_strdup ("fsx-style stream in the shape of xfstests generic/127 on a "
                               "1 KiB-block filesystem with 4 KiB pages, with a reader that "
                               "holds page references, drop_caches and memory pressure");
  scn->machine.page_size_bytes = 4096;
  scn->machine.memory_bytes = TEMPLATE_MEMORY_BYTES;
  scn->block_size_bytes = 1024;
  /* The file a previous fsx pass left on disk (like fsx -L, but with data). */
  f = vmemu_scenario_add_file (scn, "/fsx", TEMPLATE_FILE_BYTES);
  f->content = VMEMU_CONTENT_RANDOM;
  f->state = VMEMU_FILE_ON_DISK;
  t = vmemu_scenario_add_task (scn, "fsx");
  t->has_generate = TRUE;
  g = &t->generate;
  g->seed = 1;
  g->count = TEMPLATE_COUNT;
  g->file = 0;
  g->file_length_bytes = TEMPLATE_FILE_BYTES;
  g->max_op_size_bytes = TEMPLATE_MAX_OP_BYTES;
  g->align_bytes = 1;
  g->w_read = g->w_write = g->w_mread = g->w_mwrite = 2;
  g->w_truncate = g->w_fsync = g->w_msync = 1;
  g->bg_reader_hold = TEMPLATE_BG_READER;
  g->bg_drop_caches = TEMPLATE_BG_DROP;
  g->bg_pressure = TEMPLATE_BG_PRESSURE;
  vmemu_generate_prepare (scn);
  return scn;
}

guint32
vmemu_explore_count_ops (const VmemuScenario *scn)
{
  guint32 n = 0;

  g_return_val_if_fail (scn != NULL, 0);
  for (guint i = 0; i < scn->tasks->len; i++)
    n += ((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->ops->len;
  return n;
}

static gboolean
task_name_taken (const VmemuScenario *scn, const char *name)
{
  for (guint i = 0; i < scn->tasks->len; i++)
    if (strcmp (((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->name, name) == 0)
      return TRUE;
  return FALSE;
}

/* Appends a task holding ops (taken over), named base_suffix, or
 * base_suffix2, 3 ... when that is taken.  Nothing when ops is empty. */
static void
add_background_task (VmemuScenario *scn, const char *base, const char *suffix, guint32 cpu,
                     GArray *ops)
{
  g_autofree char *name = g_strdup_printf ("%s_%s", base, suffix);
  VmemuTask *t;

  if (ops->len == 0)
    return;
  for (guint n = 2; task_name_taken (scn, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s_%s%u", base, suffix, n);
    }
  t = vmemu_scenario_add_task (scn, name);
  t->cpu = cpu;
  g_array_append_vals (t->ops, ops->data, ops->len);
}

/* Expands task ti's generate block with the case's seeds.  Two passes of
 * vmemu_generate_ops(): the stream with every background knob but the
 * reader's (its background ops go to task NAME_bg), then only the reader's
 * knob (to NAME_reader).  Separate tasks matter: a reader holding page
 * references sleeps, and a drop_caches or an allocation in the same task
 * could only come after it, never while the references are held. */
static void
expand_task (VmemuScenario *c, guint ti, guint64 case_seed)
{
  VmemuTask *t = g_ptr_array_index (c->tasks, ti);
  VmemuGenerate g = t->generate, gr = { 0 };
  const VmemuFile *f = g_ptr_array_index (c->files, g.file);
  g_autoptr (GArray) bg = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  g_autoptr (GArray) rd = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  g_autoptr (GArray) none = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  g_autofree char *name = g_strdup (t->name);
  guint32 cpu = t->cpu;

  g.seed = mix64 (case_seed ^ (2 * (guint64) ti + 1));
  g.bg_reader_hold = 0;
  g_array_set_size (t->ops, 0);
  vmemu_generate_ops (&g, c, f->size_bytes, c->machine.page_size_bytes, t->ops, bg);
  t->has_generate = FALSE;
  /* The reader reads anywhere below file_length: past EOF it reads nothing,
   * which is what a real reader racing with truncate does. */
  gr = t->generate;
  gr.seed = mix64 (case_seed ^ (2 * (guint64) ti + 2));
  gr.w_read = gr.w_write = gr.w_mread = gr.w_mwrite = gr.w_truncate = gr.w_fallocate = 0;
  gr.w_punch_hole = gr.w_zero_range = gr.w_collapse_range = gr.w_insert_range = 0;
  gr.w_fsync = gr.w_msync = 0;
  gr.bg_pressure = gr.bg_drop_caches = gr.bg_readahead_error = gr.bg_split = 0;
  if (gr.bg_reader_hold > 0)
    vmemu_generate_ops (&gr, c, MAX (f->size_bytes, gr.file_length_bytes),
                        c->machine.page_size_bytes, none, rd);
  add_background_task (c, name, "bg", cpu, bg);
  add_background_task (c, name, "reader", cpu, rd);
}

VmemuScenario *
vmemu_explore_case_new (const VmemuScenario *base, guint64 seed, guint64 k, GError **error)
{
  guint64 case_seed = vmemu_explore_case_seed (seed, k);
  g_autoptr (VmemuScenario) c = NULL;
  guint ntasks;
  gboolean any = FALSE;

  g_return_val_if_fail (base != NULL, NULL);
  for (guint i = 0; i < base->tasks->len; i++)
    any = any || ((const VmemuTask *) g_ptr_array_index (base->tasks, i))->has_generate;
  if (!any)
    {
      g_set_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INPUT,
                   "%s: no task has a generate: block, so there is nothing to explore",
                   base->path ? base->path : base->name);
      return NULL;
    }
  c = vmemu_scenario_copy (base);
  g_clear_pointer (&c->path, g_free);
  g_clear_pointer (&c->sha256, g_free);
  g_free (c->name);
  c->name = g_strdup_printf ("%s-case-%" G_GUINT64_FORMAT, base->name, k);
  c->machine.seed = case_seed;
  g_array_set_size (c->expects, 0);
  vmemu_generate_prepare (c);
  ntasks = c->tasks->len;
  for (guint i = 0; i < ntasks; i++)
    if (((VmemuTask *) g_ptr_array_index (c->tasks, i))->has_generate)
      expand_task (c, i, case_seed);
  return g_steal_pointer (&c);
}
