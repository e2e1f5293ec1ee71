/* scenario.c — the scenario's life cycle (new, copy, free), the entry points
 * of the loader, and the unit parsers for sizes and durations. */
#include "engine/scenario/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "engine/scenario/scenario-private.h"

G_DEFINE_QUARK (vmemu-scenario-error-quark, vmemu_scenario_error)

static const char *const op_kind_names[VMEMU_OP__COUNT] = {
  [VMEMU_OP_READ] = "read",
  [VMEMU_OP_WRITE] = "write",
  [VMEMU_OP_MMAP] = "mmap",
  [VMEMU_OP_MREAD] = "mread",
  [VMEMU_OP_MWRITE] = "mwrite",
  [VMEMU_OP_MSYNC] = "msync",
  [VMEMU_OP_MUNMAP] = "munmap",
  [VMEMU_OP_FSYNC] = "fsync",
  [VMEMU_OP_FDATASYNC] = "fdatasync",
  [VMEMU_OP_SYNC] = "sync",
  [VMEMU_OP_SYNC_FILE_RANGE] = "sync_file_range",
  [VMEMU_OP_TRUNCATE] = "truncate",
  [VMEMU_OP_FALLOCATE] = "fallocate",
  [VMEMU_OP_PUNCH_HOLE] = "punch_hole",
  [VMEMU_OP_ZERO_RANGE] = "zero_range",
  [VMEMU_OP_COLLAPSE_RANGE] = "collapse_range",
  [VMEMU_OP_INSERT_RANGE] = "insert_range",
  [VMEMU_OP_COPY_RANGE] = "copy_range",
  [VMEMU_OP_FADVISE] = "fadvise",
  [VMEMU_OP_DROP_CACHES] = "drop_caches",
  [VMEMU_OP_SPLICE] = "splice",
  [VMEMU_OP_CLOSE_PIPE] = "close_pipe",
  [VMEMU_OP_ALLOCATE] = "allocate",
  [VMEMU_OP_FREE] = "free",
  [VMEMU_OP_MIGRATE] = "migrate",
  [VMEMU_OP_SLEEP] = "sleep",
  [VMEMU_OP_INJECT] = "inject",
  [VMEMU_OP_POWER_CUT] = "power_cut",
  [VMEMU_OP_VERIFY] = "verify",
  [VMEMU_OP_SPLIT_FOLIO] = "split_folio",
};

const char *
vmemu_op_kind_name (VmemuOpKind kind)
{
  g_return_val_if_fail (kind < VMEMU_OP__COUNT, "?");
  return op_kind_names[kind];
}

gboolean
vmemu_op_kind_from_name (const char *name, VmemuOpKind *kind)
{
  for (int k = 0; k < VMEMU_OP__COUNT; k++)
    if (strcmp (op_kind_names[k], name) == 0)
      {
        *kind = (VmemuOpKind) k;
        return TRUE;
      }
  return FALSE;
}

VmemuOp
vmemu_op_init (VmemuOpKind kind)
{
  VmemuOp op = { 0 };

  op.kind = kind;
  op.file = op.map = op.pipe = op.region = -1;
  op.data = VMEMU_DATA_GENERATED;
  op.sync = TRUE;
  op.mode = 1;
  op.count = 1;
  return op;
}

/* --- life cycle ------------------------------------------------------------- */

void
vmemu_file_free (VmemuFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file);
}

void
vmemu_task_free (VmemuTask *task)
{
  if (task == NULL)
    return;
  g_free (task->name);
  if (task->ops != NULL)
    g_array_unref (task->ops);
  g_free (task);
}

static void
expect_clear (gpointer p)
{
  g_free (((VmemuExpect *) p)->variant);
}

static void
machine_defaults (VmemuMachineConfig *m)
{
  m->page_size_bytes = 4096;
  m->memory_bytes = 64ull << 20;
  m->cpus = 1;
  m->seed = 1;
  m->large_folios = FALSE;
  m->folio_order = 2;
  m->other_fs_cached = TRUE;
  m->writeback.dirty_expire_ns = 30ull * G_USEC_PER_SEC * 1000;
  m->writeback.interval_ns = 5ull * G_USEC_PER_SEC * 1000;
  m->writeback.background_ratio = 10;
  m->writeback.ratio = 20;
  m->reclaim.buffer_heads_over_limit = FALSE;
  m->reclaim.min_free_bytes = 0;
  m->reclaim.drain_on_exit = TRUE;
  m->device.read_latency_ns = 100000;
  m->device.write_latency_ns = 200000;
  m->device.jitter_ns = 0;
  m->device.queue_depth = 32;
  m->device.size_bytes = 1ull << 30;
}

VmemuScenario *
vmemu_scenario_new (const char *name)
{
  VmemuScenario *scn = g_new0 (VmemuScenario, 1);

  scn->name = g_strdup (name);
  machine_defaults (&scn->machine);
  scn->block_size_bytes = 4096;
  scn->files = g_ptr_array_new_with_free_func ((GDestroyNotify) vmemu_file_free);
  scn->tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) vmemu_task_free);
  scn->symbols = g_ptr_array_new_with_free_func (g_free);
  scn->expects = g_array_new (FALSE, TRUE, sizeof (VmemuExpect));
  g_array_set_clear_func (scn->expects, expect_clear);
  scn->expect_activity = g_array_new (FALSE, TRUE, sizeof (VmemuExpectActivity));
  scn->fsx_seed = 1;
  scn->fsx_length_bytes = 262144;
  return scn;
}

void
vmemu_scenario_free (VmemuScenario *scn)
{
  if (scn == NULL)
    return;
  g_free (scn->path);
  g_free (scn->sha256);
  g_free (scn->name);
  g_free (scn->description);
  g_free (scn->variant);
  g_clear_pointer (&scn->files, g_ptr_array_unref);
  g_clear_pointer (&scn->tasks, g_ptr_array_unref);
  g_clear_pointer (&scn->symbols, g_ptr_array_unref);
  g_clear_pointer (&scn->expects, g_array_unref);
  g_clear_pointer (&scn->expect_activity, g_array_unref);
  g_free (scn);
}

VmemuFile *
vmemu_scenario_add_file (VmemuScenario *scn, const char *path, guint64 size_bytes)
{
  VmemuFile *file = g_new0 (VmemuFile, 1);

  g_return_val_if_fail (scn != NULL && path != NULL, NULL);
  file->path = g_strdup (path);
  file->size_bytes = size_bytes;
  file->content = VMEMU_CONTENT_ZERO;
  file->state = VMEMU_FILE_ON_DISK;
  g_ptr_array_add (scn->files, file);
  return file;
}

VmemuTask *
vmemu_scenario_add_task (VmemuScenario *scn, const char *name)
{
  VmemuTask *task = g_new0 (VmemuTask, 1);

  g_return_val_if_fail (scn != NULL && name != NULL, NULL);
  task->name = g_strdup (name);
  task->ops = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  g_ptr_array_add (scn->tasks, task);
  return task;
}

void
vmemu_scenario_add_expect (VmemuScenario *scn, const char *variant,
                           VmemuExpectOutcome outcome)
{
  VmemuExpect e = { .variant = g_strdup (variant), .outcome = outcome };

  g_return_if_fail (scn != NULL && variant != NULL);
  g_array_append_val (scn->expects, e);
}

gint
vmemu_scenario_find_file (const VmemuScenario *scn, const char *path)
{
  g_return_val_if_fail (scn != NULL && path != NULL, -1);
  return scenario_find_file_index (scn, path);
}

gint
scenario_find_file_index (const VmemuScenario *scn, const char *path)
{
  for (guint i = 0; i < scn->files->len; i++)
    if (strcmp (((VmemuFile *) g_ptr_array_index (scn->files, i))->path, path) == 0)
      return (gint) i;
  return -1;
}

static VmemuTask *
task_copy (const VmemuTask *t)
{
  VmemuTask *c = g_memdup2 (t, sizeof *t);

  c->name = g_strdup (t->name);
  c->ops = g_array_sized_new (FALSE, TRUE, sizeof (VmemuOp), t->ops ? t->ops->len : 0);
  if (t->ops != NULL)
    g_array_append_vals (c->ops, t->ops->data, t->ops->len);
  return c;
}

VmemuScenario *
vmemu_scenario_copy (const VmemuScenario *scn)
{
  g_return_val_if_fail (scn != NULL, NULL);
  VmemuScenario *c = vmemu_scenario_new (scn->name);

  c->path = g_strdup (scn->path);
  c->sha256 = g_strdup (scn->sha256);
  c->description = g_strdup (scn->description);
  c->variant = g_strdup (scn->variant);
  c->machine = scn->machine;
  c->block_size_bytes = scn->block_size_bytes;
  c->has_fsx = scn->has_fsx;
  c->fsx_seed = scn->fsx_seed;
  c->fsx_length_bytes = scn->fsx_length_bytes;
  c->fsx_lite = scn->fsx_lite;
  for (guint i = 0; i < scn->files->len; i++)
    {
      const VmemuFile *f = g_ptr_array_index (scn->files, i);
      VmemuFile *cf = g_memdup2 (f, sizeof *f);
      cf->path = g_strdup (f->path);
      g_ptr_array_add (c->files, cf);
    }
  for (guint i = 0; i < scn->tasks->len; i++)
    g_ptr_array_add (c->tasks, task_copy (g_ptr_array_index (scn->tasks, i)));
  for (guint i = 0; i < scn->symbols->len; i++)
    g_ptr_array_add (c->symbols, g_strdup (g_ptr_array_index (scn->symbols, i)));
  for (guint i = 0; i < scn->expects->len; i++)
    {
      const VmemuExpect *e = &g_array_index (scn->expects, VmemuExpect, i);
      vmemu_scenario_add_expect (c, e->variant, e->outcome);
    }
  g_array_append_vals (c->expect_activity, scn->expect_activity->data,
                       scn->expect_activity->len);
  return c;
}

gint
vmemu_scenario_intern_symbol (VmemuScenario *scn, const char *name)
{
  g_return_val_if_fail (scn != NULL && name != NULL, -1);
  for (guint i = 0; i < scn->symbols->len; i++)
    if (strcmp (g_ptr_array_index (scn->symbols, i), name) == 0)
      return (gint) i;
  g_ptr_array_add (scn->symbols, g_strdup (name));
  return (gint) scn->symbols->len - 1;
}

gboolean
vmemu_scenario_expect (const VmemuScenario *scn, const char *variant,
                       VmemuExpectOutcome *outcome)
{
  g_return_val_if_fail (scn != NULL && variant != NULL, FALSE);
  for (guint i = 0; i < scn->expects->len; i++)
    {
      const VmemuExpect *e = &g_array_index (scn->expects, VmemuExpect, i);
      if (strcmp (e->variant, variant) == 0)
        {
          if (outcome != NULL)
            *outcome = e->outcome;
          return TRUE;
        }
    }
  return FALSE;
}

/* --- equality --------------------------------------------------------------- */

/* The name a symbol index stands for, so ops compare by meaning even when
 * two scenarios interned their symbols in another order. */
static const char *
symbol_name (const VmemuScenario *scn, gint index)
{
  if (index < 0 || (guint) index >= scn->symbols->len)
    return NULL;
  return g_ptr_array_index (scn->symbols, index);
}

static gboolean
op_symbols_equal (const VmemuScenario *sa, const VmemuOp *a, const VmemuScenario *sb,
                  const VmemuOp *b)
{
  return g_strcmp0 (symbol_name (sa, a->map), symbol_name (sb, b->map)) == 0
         && g_strcmp0 (symbol_name (sa, a->pipe), symbol_name (sb, b->pipe)) == 0
         && g_strcmp0 (symbol_name (sa, a->region), symbol_name (sb, b->region)) == 0;
}

/* Ops are compared field by field: memcmp would compare padding, and the
 * YAML position of an op is where it was written, not what it does. */
static gboolean
op_equal (const VmemuOp *a, const VmemuOp *b)
{
  return a->kind == b->kind && a->has_at == b->has_at && a->at_ns == b->at_ns
         && a->after_ns == b->after_ns && a->file == b->file
         && a->offset_bytes == b->offset_bytes
         && a->length_bytes == b->length_bytes && a->has_range == b->has_range
         && a->size_bytes == b->size_bytes && a->src_bytes == b->src_bytes
         && a->dst_bytes == b->dst_bytes && a->hold_ns == b->hold_ns && a->for_ns == b->for_ns
         && a->data == b->data && a->value == b->value && a->fsx_opnum == b->fsx_opnum
         && !a->direct == !b->direct && !a->private_map == !b->private_map
         && !a->keep_size == !b->keep_size && !a->sync == !b->sync && a->advice == b->advice
         && a->mode == b->mode && a->inject_on == b->inject_on && a->count == b->count
         && !a->inject_any_offset == !b->inject_any_offset
         && a->expect_error == b->expect_error;
}

static gboolean
generate_equal (const VmemuGenerate *a, const VmemuGenerate *b)
{
  return a->seed == b->seed && a->count == b->count && a->file == b->file
         && a->file_length_bytes == b->file_length_bytes
         && a->max_op_size_bytes == b->max_op_size_bytes && a->align_bytes == b->align_bytes
         && a->w_read == b->w_read && a->w_write == b->w_write && a->w_mread == b->w_mread
         && a->w_mwrite == b->w_mwrite && a->w_truncate == b->w_truncate
         && a->w_fallocate == b->w_fallocate && a->w_punch_hole == b->w_punch_hole
         && a->w_zero_range == b->w_zero_range && a->w_collapse_range == b->w_collapse_range
         && a->w_insert_range == b->w_insert_range && a->w_fsync == b->w_fsync
         && a->w_msync == b->w_msync && a->bg_pressure == b->bg_pressure
         && a->bg_drop_caches == b->bg_drop_caches && a->bg_reader_hold == b->bg_reader_hold
         && a->bg_readahead_error == b->bg_readahead_error && a->bg_split == b->bg_split;
}

static gboolean
task_equal (const VmemuScenario *sa, const VmemuTask *a, const VmemuScenario *sb,
            const VmemuTask *b)
{
  if (g_strcmp0 (a->name, b->name) != 0 || a->cpu != b->cpu
      || !a->has_generate != !b->has_generate || a->ops->len != b->ops->len)
    return FALSE;
  if (a->has_generate && !generate_equal (&a->generate, &b->generate))
    return FALSE;
  for (guint i = 0; i < a->ops->len; i++)
    {
      const VmemuOp *x = &g_array_index (a->ops, VmemuOp, i);
      const VmemuOp *y = &g_array_index (b->ops, VmemuOp, i);
      if (!op_equal (x, y) || !op_symbols_equal (sa, x, sb, y))
        return FALSE;
    }
  return TRUE;
}

static gboolean
machine_equal (const VmemuMachineConfig *a, const VmemuMachineConfig *b)
{
  return a->page_size_bytes == b->page_size_bytes && a->memory_bytes == b->memory_bytes
         && a->cpus == b->cpus && a->seed == b->seed && !a->large_folios == !b->large_folios
         && a->folio_order == b->folio_order && !a->other_fs_cached == !b->other_fs_cached
         && a->writeback.dirty_expire_ns == b->writeback.dirty_expire_ns
         && a->writeback.interval_ns == b->writeback.interval_ns
         && a->writeback.background_ratio == b->writeback.background_ratio
         && a->writeback.ratio == b->writeback.ratio
         && !a->reclaim.buffer_heads_over_limit == !b->reclaim.buffer_heads_over_limit
         && a->reclaim.min_free_bytes == b->reclaim.min_free_bytes
         && !a->reclaim.drain_on_exit == !b->reclaim.drain_on_exit
         && a->device.read_latency_ns == b->device.read_latency_ns
         && a->device.write_latency_ns == b->device.write_latency_ns
         && a->device.jitter_ns == b->device.jitter_ns
         && a->device.queue_depth == b->device.queue_depth
         && a->device.size_bytes == b->device.size_bytes;
}

static gboolean
files_equal (const GPtrArray *a, const GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const VmemuFile *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);
      if (strcmp (x->path, y->path) != 0 || x->size_bytes != y->size_bytes
          || x->content != y->content || x->content_byte != y->content_byte
          || x->state != y->state)
        return FALSE;
    }
  return TRUE;
}

static gboolean
expects_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const VmemuExpect *x = &g_array_index (a, VmemuExpect, i);
      const VmemuExpect *y = &g_array_index (b, VmemuExpect, i);
      if (strcmp (x->variant, y->variant) != 0 || x->outcome != y->outcome)
        return FALSE;
    }
  return TRUE;
}

gboolean
vmemu_scenario_equal (const VmemuScenario *a, const VmemuScenario *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  if (g_strcmp0 (a->name, b->name) != 0 || g_strcmp0 (a->description, b->description) != 0
      || g_strcmp0 (a->variant, b->variant) != 0 || !machine_equal (&a->machine, &b->machine)
      || a->block_size_bytes != b->block_size_bytes || !a->has_fsx != !b->has_fsx
      || !files_equal (a->files, b->files) || a->tasks->len != b->tasks->len
      || !expects_equal (a->expects, b->expects)
      || !scenario_expect_activity_equal (a->expect_activity, b->expect_activity))
    return FALSE;
  if (a->has_fsx && (a->fsx_seed != b->fsx_seed || a->fsx_length_bytes != b->fsx_length_bytes
                     || !a->fsx_lite != !b->fsx_lite))
    return FALSE;
  for (guint i = 0; i < a->tasks->len; i++)
    if (!task_equal (a, g_ptr_array_index (a->tasks, i), b, g_ptr_array_index (b->tasks, i)))
      return FALSE;
  return TRUE;
}

/* --- loading ---------------------------------------------------------------- */

/* Parse and load; the text's checksum only when the scenario is kept. */
static VmemuScenario *
scenario_load_data (const char *name, const char *data, gsize len, gboolean checksum,
                    GError **error)
{
  g_autoptr(VmemuScenario) scn = NULL;
  g_autoptr(SNode) root = NULL;

  if (!scenario_check_utf8 (name, data ? data : "", len, error))
    return NULL;
  if (!scenario_yaml_parse (name, data ? data : "", len, &root, error))
    return NULL;
  if (root == NULL)
    {
      scenario_fail (error, VMEMU_SCENARIO_ERROR_INVALID, name, 1, 1,
                     "empty scenario: expected a mapping with at least 'name'");
      return NULL;
    }
  scn = vmemu_scenario_new (NULL);
  scn->path = g_strdup (name);
  if (checksum)
    scn->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                               (const guchar *) (data ? data : ""), len);
  if (!scenario_load_tree (scn, name, root, error))
    return NULL;
  return g_steal_pointer (&scn);
}

VmemuScenario *
vmemu_scenario_load_data (const char *name, const char *data, gsize len, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return scenario_load_data (name, data, len, TRUE, error);
}

gboolean
vmemu_scenario_check_data (const char *name, const char *data, gsize len, GError **error)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_autoptr(VmemuScenario) scn = scenario_load_data (name, data, len, FALSE, error);
  return scn != NULL;
}

char *
vmemu_scenario_dump_name (const char *path)
{
  GString *name = g_string_new (NULL);
  for (const char *c = path[0] == '/' ? path + 1 : path; *c; c++)
    if (*c == '/')
      g_string_append_c (name, '_');
    else if (*c == '_' || *c == '%' || (*c == '.' && name->len == 0))   /* no "..", no dot file */
      g_string_append_printf (name, "%%%02X", (guchar) *c);
    else
      g_string_append_c (name, *c);
  return g_string_free (name, FALSE);
}

/* Reads at most max_bytes (more is an error, whatever size the file claims:
 * /proc files say 0).  Only regular files: a FIFO would block until a writer
 * comes, a device like /dev/zero never ends.  The open is non-blocking so
 * that a FIFO is refused, not waited on. */
gboolean
vmemu_read_input_file (const char *path, gsize max_bytes, char **data_out, gsize *len_out,
                       GError **error)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: cannot read: %s",
                   path, g_strerror (saved));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      gboolean dir = S_ISDIR (st.st_mode);
      close (fd);
      g_set_error (error, G_FILE_ERROR, dir ? G_FILE_ERROR_ISDIR : G_FILE_ERROR_INVAL,
                   "%s: cannot read: %s", path,
                   dir ? "is a directory" : "not a regular file (a FIFO, device or socket)");
      return FALSE;
    }
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 chunk[65536];
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "%s: cannot read: %s", path, g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max_bytes)
        {
          close (fd);
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                       "%s: too large (more than %" G_GSIZE_FORMAT " bytes)", path, max_bytes);
          return FALSE;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  close (fd);
  *len_out = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);   /* NUL-terminated, like GLib */
  *data_out = (char *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

VmemuScenario *
vmemu_scenario_load_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* stat does not open: a FIFO is seen for what it is without blocking. */
  if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode)
      && (guint64) st.st_size > SCENARIO_MAX_FILE_BYTES)
    {
      g_set_error (error, VMEMU_SCENARIO_ERROR, VMEMU_SCENARIO_ERROR_IO,
                   "%s: too large for a scenario (%" G_GUINT64_FORMAT " bytes, limit %u)",
                   path, (guint64) st.st_size, SCENARIO_MAX_FILE_BYTES);
      return NULL;
    }
  if (!vmemu_read_input_file (path, SCENARIO_MAX_FILE_BYTES, &data, &len, &local))
    {
      g_set_error_literal (error, VMEMU_SCENARIO_ERROR, VMEMU_SCENARIO_ERROR_IO,
                           local->message);
      return NULL;
    }
  return vmemu_scenario_load_data (path, data, len, error);
}

/* --- units ------------------------------------------------------------------ */

typedef struct {
  const char *suffix;
  guint64 scale;
} Unit;

static const Unit size_units[] = {
  { "", 1 }, { "B", 1 },
  { "k", 1ull << 10 }, { "K", 1ull << 10 }, { "KiB", 1ull << 10 },
  { "M", 1ull << 20 }, { "MiB", 1ull << 20 },
  { "G", 1ull << 30 }, { "GiB", 1ull << 30 },
  { "T", 1ull << 40 }, { "TiB", 1ull << 40 },
  { "P", 1ull << 50 }, { "PiB", 1ull << 50 },   /* device.size goes up to 1PiB */
  { NULL, 0 },
};

static const Unit duration_units[] = {
  { "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
  { "s", 1000000000ull }, { "min", 60000000000ull }, { "h", 3600000000000ull },
  { NULL, 0 },
};

/* Digits, optional blanks, then one of units.  No sign, no fraction, no
 * overflow: a scenario states exact integers. */
static gboolean
parse_quantity (const char *text, const Unit *units, guint64 *out, const char **why)
{
  const char *p = text;
  guint64 v = 0;

  *why = NULL;
  if (*p == '\0')
    return (*why = "empty value"), FALSE;
  if (*p == '-')
    return (*why = "negative values are not allowed"), FALSE;
  if (!g_ascii_isdigit (*p))
    return (*why = "expected a whole number"), FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      guint d = (guint) (*p - '0');
      if (v > (G_MAXUINT64 - d) / 10)
        return (*why = "too large (does not fit in 64 bits)"), FALSE;
      v = v * 10 + d;
    }
  if (*p == '.' || *p == ',')
    return (*why = "fractions are not allowed; use a smaller unit"), FALSE;
  /* 'e' only as an exponent (1e6): "16EiB" is an unknown unit, not a fraction. */
  if ((*p == 'e' || *p == 'E') && (g_ascii_isdigit (p[1]) || p[1] == '+' || p[1] == '-'))
    return (*why = "exponents are not allowed; write the digits out"), FALSE;
  /* 0x10: YAML 1.1 would read hex, vmemu reads only decimal. */
  if (v == 0 && p == text + 1 && (*p == 'x' || *p == 'X') && g_ascii_isxdigit (p[1]))
    return (*why = "hexadecimal is not allowed; write it in decimal"), FALSE;
  while (*p == ' ')
    p++;
  for (gsize i = 0; units[i].suffix != NULL; i++)
    if (strcmp (p, units[i].suffix) == 0)
      {
        if (units[i].scale > 1 && v > G_MAXUINT64 / units[i].scale)
          return (*why = "too large (does not fit in 64 bits)"), FALSE;
        *out = v * units[i].scale;
        return TRUE;
      }
  return (*why = "unknown unit"), FALSE;
}

/* "8KB", "1 mb": decimal-looking suffixes get the binary one to use. */
static const char *
size_unit_hint (const char *text)
{
  static const struct { const char *suffix, *why; } hints[] = {
    { "kb", "use KiB, not KB (sizes are binary: 1KiB = 1024 bytes)" },
    { "mb", "use MiB, not MB (sizes are binary: 1MiB = 1024KiB)" },
    { "gb", "use GiB, not GB (sizes are binary: 1GiB = 1024MiB)" },
    { "tb", "use TiB, not TB (sizes are binary: 1TiB = 1024GiB)" },
    { "pb", "use PiB, not PB (sizes are binary: 1PiB = 1024TiB)" },
    { "kib", "write KiB (capital K, lower-case i)" }, { "mib", "write MiB" },
    { "gib", "write GiB" }, { "tib", "write TiB" }, { "pib", "write PiB" },
  };
  const char *p = text;
  while (g_ascii_isdigit (*p) || *p == ' ')
    p++;
  for (gsize i = 0; i < G_N_ELEMENTS (hints); i++)
    if (g_ascii_strcasecmp (p, hints[i].suffix) == 0)
      return hints[i].why;
  return NULL;
}

gboolean
scenario_parse_size (const char *text, guint64 *bytes, const char **why)
{
  if (parse_quantity (text, size_units, bytes, why))
    return TRUE;
  if (g_str_equal (*why, "unknown unit") && size_unit_hint (text) != NULL)
    *why = size_unit_hint (text);
  return FALSE;
}

gboolean
scenario_parse_duration (const char *text, guint64 *ns, const char **why)
{
  return parse_quantity (text, duration_units, ns, why);
}

gboolean
scenario_parse_uint (const char *text, guint64 *value, const char **why)
{
  static const Unit none[] = { { "", 1 }, { NULL, 0 } };
  if (!parse_quantity (text, none, value, why))
    {
      if (g_str_equal (*why, "unknown unit"))
        *why = "expected a whole number";
      return FALSE;
    }
  return TRUE;
}

gboolean
vmemu_parse_size (const char *text, guint64 *bytes)
{
  const char *why;
  guint64 v;

  g_return_val_if_fail (text != NULL, FALSE);
  if (!scenario_parse_size (text, &v, &why))
    return FALSE;
  if (bytes != NULL)
    *bytes = v;
  return TRUE;
}

gboolean
vmemu_parse_size_why (const char *text, guint64 *bytes, const char **why)
{
  guint64 v;
  const char *reason = NULL;

  g_return_val_if_fail (text != NULL, FALSE);
  if (!scenario_parse_size (text, &v, &reason))
    {
      if (why != NULL)
        *why = reason;
      return FALSE;
    }
  if (bytes != NULL)
    *bytes = v;
  return TRUE;
}

gboolean
vmemu_parse_duration (const char *text, guint64 *ns)
{
  const char *why;
  guint64 v;

  g_return_val_if_fail (text != NULL, FALSE);
  if (!scenario_parse_duration (text, &v, &why))
    return FALSE;
  if (ns != NULL)
    *ns = v;
  return TRUE;
}
