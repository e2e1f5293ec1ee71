/* fsx-import.c — turn an fsx op file into a scenario whose task "fsx" makes
 * the same calls, in the same order, with the same data as the recorded run.
 *
 * While converting we keep fsx's model of the file size (file_size in
 * ltp/fsx.c) so that every executed line can be checked against what the real
 * fsx would have accepted: an op file that could not come from a passing fsx
 * run is refused with "PATH:LINE: message" instead of being half-imported.
 */
#include "engine/fsx/fsx-private.h"

#include <stdarg.h>
#include <string.h>

#define FSX_DEFAULT_LENGTH G_GUINT64_CONSTANT (262144)

/* Conversion state for one op file. */
typedef struct {
  const VmemuFsxImportOptions *opts;
  const char *name;          /* op file name for messages */
  GArray *ops;               /* task "fsx": VmemuOp */
  gint file;                 /* scenario file index of opts->file_path */
  gint map;                  /* VMEMU_FSX_MAP_SYMBOL */
  guint64 size;              /* fsx's file_size: the model size before the next op */
  const VmemuFsxEntry *e;    /* the entry being converted */
} Conv;

void
vmemu_fsx_pressure_init (VmemuFsxPressure *pr)
{
  g_return_if_fail (pr != NULL);
  memset (pr, 0, sizeof *pr);
  pr->drop_caches_mode = 1;
}

void
vmemu_fsx_import_options_init (VmemuFsxImportOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->fsx_seed = 1;
  opts->fsx_length_bytes = FSX_DEFAULT_LENGTH;
  opts->page_size_bytes = 4096;
  opts->block_size_bytes = 1024;
  opts->file_path = "/fsx";
  opts->check_size = TRUE;
  opts->close_open_on_skip = TRUE;
  vmemu_fsx_pressure_init (&opts->pressure);
}

static gboolean
conv_error (const Conv *c, GError **error, VmemuFsxError code, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
conv_error (const Conv *c, GError **error, VmemuFsxError code, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMEMU_FSX_ERROR, code, "%s:%u: %s: %s", c->name, c->e->line,
               vmemu_fsx_op_name (c->e->op), msg);
  return FALSE;
}

/* Offsets past -l never happen in a real run: fsx trims to maxfilelen, and
 * the data pattern only covers that much. */
static gboolean
conv_check_length (const Conv *c, guint64 end, GError **error)
{
  if (end <= c->opts->fsx_length_bytes)
    return TRUE;
  return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                     "range ends at 0x%" G_GINT64_MODIFIER "x, past the fsx file length "
                     "0x%" G_GINT64_MODIFIER "x (-l)",
                     end, c->opts->fsx_length_bytes);
}

static void
conv_map_access (Conv *c, guint64 off, guint64 len, gboolean is_write)
{
  VmemuMapAccess a = {
    .file = c->file, .map = c->map, .page_size_bytes = c->opts->page_size_bytes,
    .offset_bytes = off, .length_bytes = len, .is_write = is_write,
    .has_msync = is_write, .msync_sync = TRUE,
    .eof_check_size = c->opts->eof_page_check ? c->size : 0,
    .data = VMEMU_DATA_FSX, .fsx_opnum = c->e->opnum,
  };

  vmemu_emit_map_access (c->ops, &a);
}

/* read, read_dontcache, mapread: doread() / domapread(). */
static gboolean
conv_read (Conv *c, gboolean mapped, GError **error)
{
  guint64 off = c->e->args[0], len = c->e->args[1];

  if (off + len > c->size)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                       "reads [0x%" G_GINT64_MODIFIER "x, 0x%" G_GINT64_MODIFIER "x) past EOF "
                       "0x%" G_GINT64_MODIFIER "x",
                       off, off + len, c->size);
  if (len == 0)
    return TRUE;
  if (mapped)
    conv_map_access (c, off, len, FALSE);
  else
    vmemu_emit_range (c->ops, VMEMU_OP_READ, c->file, off, len);
  return TRUE;
}

/* fsx -f (doflush()) and -y after a write() */
static void
conv_after_write (Conv *c, guint64 off, guint64 len)
{
  VmemuOp op;

  if (c->opts->flush_after_write)
    {
      /* msync(MS_INVALIDATE) only checks for mlocked pages on Linux; the
       * scenario op closest to it is msync(MS_ASYNC), also a no-op. */
      VmemuMapAccess a = { .file = c->file, .map = c->map,
                         .page_size_bytes = c->opts->page_size_bytes, .offset_bytes = off,
                         .length_bytes = len, .no_access = TRUE, .has_msync = TRUE };
      vmemu_emit_map_access (c->ops, &a);
    }
  if (c->opts->fsync_after_write)
    {
      op = vmemu_op_init (VMEMU_OP_FSYNC);
      op.file = c->file;
      g_array_append_val (c->ops, op);
    }
}

/* write, write_dontcache, write_atomic, mapwrite: dowrite() / domapwrite(). */
static gboolean
conv_write (Conv *c, gboolean mapped, GError **error)
{
  guint64 off = c->e->args[0], len = c->e->args[1];
  VmemuOp op;

  if (!conv_check_length (c, off + len, error))
    return FALSE;
  if (len == 0)
    return TRUE;
  if (mapped && off + len > c->size)
    {
      op = vmemu_op_init (VMEMU_OP_TRUNCATE);   /* domapwrite() extends by ftruncate */
      op.file = c->file;
      op.size_bytes = off + len;
      g_array_append_val (c->ops, op);
      c->size = off + len;
    }
  if (mapped)
    conv_map_access (c, off, len, TRUE);
  else
    {
      vmemu_emit_range (c->ops, VMEMU_OP_WRITE, c->file, off, len);
      g_array_index (c->ops, VmemuOp, c->ops->len - 1).data = VMEMU_DATA_FSX;
      g_array_index (c->ops, VmemuOp, c->ops->len - 1).fsx_opnum = c->e->opnum;
      conv_after_write (c, off, len);
    }
  c->size = MAX (c->size, off + len);
  return TRUE;
}

static gboolean
conv_truncate (Conv *c, GError **error)
{
  guint64 new_size = c->e->args[1];
  VmemuOp op = vmemu_op_init (VMEMU_OP_TRUNCATE);

  if (c->e->args[0] != 0)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                       "the first argument must be 0, not 0x%" G_GINT64_MODIFIER "x",
                       c->e->args[0]);
  if (!conv_check_length (c, new_size, error))
    return FALSE;
  op.file = c->file;
  op.size_bytes = new_size;
  g_array_append_val (c->ops, op);
  c->size = new_size;
  return TRUE;
}

/* fallocate and zero_range: do_preallocate() / do_zero_range(). */
static gboolean
conv_falloc (Conv *c, VmemuOpKind kind, GError **error)
{
  guint64 off = c->e->args[0], len = c->e->args[1];

  if (!conv_check_length (c, off + len, error))
    return FALSE;
  if (len == 0)
    return TRUE;
  vmemu_emit_range (c->ops, kind, c->file, off, len);
  g_array_index (c->ops, VmemuOp, c->ops->len - 1).keep_size = c->e->keep_size;
  if (!c->e->keep_size)
    c->size = MAX (c->size, off + len);
  return TRUE;
}

/* do_punch_hole(): the logged length may run past EOF; fsx trims it. */
static gboolean
conv_punch (Conv *c, GError **error)
{
  guint64 off = c->e->args[0], end = MIN (c->e->args[0] + c->e->args[1], c->size);

  if (off < end)
    vmemu_emit_range (c->ops, VMEMU_OP_PUNCH_HOLE, c->file, off, end - off);
  return TRUE;
}

static gboolean
conv_check_aligned (const Conv *c, GError **error)
{
  guint64 bs = c->opts->block_size_bytes;

  if (c->e->args[0] % bs == 0 && c->e->args[1] % bs == 0 && c->e->args[1] > 0)
    return TRUE;
  return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                     "offset 0x%" G_GINT64_MODIFIER "x and length 0x%" G_GINT64_MODIFIER "x "
                     "must be non-zero multiples of the block size %" G_GUINT64_FORMAT,
                     c->e->args[0], c->e->args[1], bs);
}

/* collapse_range and insert_range: do_collapse_range() / do_insert_range(). */
static gboolean
conv_shift (Conv *c, gboolean insert, GError **error)
{
  guint64 off = c->e->args[0], len = c->e->args[1];

  if (!conv_check_aligned (c, error))
    return FALSE;
  if (!insert && off + len >= c->size)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                       "range must end before EOF 0x%" G_GINT64_MODIFIER "x", c->size);
  if (insert && off >= c->size)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                       "offset must lie before EOF 0x%" G_GINT64_MODIFIER "x", c->size);
  if (insert && !conv_check_length (c, c->size + len, error))
    return FALSE;
  vmemu_emit_range (c->ops, insert ? VMEMU_OP_INSERT_RANGE : VMEMU_OP_COLLAPSE_RANGE, c->file,
                  off, len);
  c->size = insert ? c->size + len : c->size - len;
  return TRUE;
}

/* copy_range (and clone_range, which leaves the same bytes): do_copy_range(). */
static gboolean
conv_copy (Conv *c, GError **error)
{
  guint64 src = c->e->args[0], len = c->e->args[1], dst = c->e->args[2];
  VmemuOp op = vmemu_op_init (VMEMU_OP_COPY_RANGE);

  if (src + len > c->size)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                       "source ends at 0x%" G_GINT64_MODIFIER "x, past EOF 0x%"
                       G_GINT64_MODIFIER "x", src + len, c->size);
  if ((src > dst ? src - dst : dst - src) < len)
    return conv_error (c, error, VMEMU_FSX_ERROR_INVALID, "source and destination overlap");
  if (!conv_check_length (c, dst + len, error))
    return FALSE;
  if (len == 0)
    return TRUE;
  op.file = c->file;
  op.src_bytes = src;
  op.dst_bytes = dst;
  op.length_bytes = len;
  g_array_append_val (c->ops, op);
  c->size = MAX (c->size, dst + len);
  return TRUE;
}

static gboolean
conv_dispatch (Conv *c, GError **error)
{
  switch (c->e->op)
    {
    case VMEMU_FSX_OP_READ:
    case VMEMU_FSX_OP_READ_DONTCACHE:
      return conv_read (c, FALSE, error);
    case VMEMU_FSX_OP_MAPREAD:
      return conv_read (c, TRUE, error);
    case VMEMU_FSX_OP_WRITE:
    case VMEMU_FSX_OP_WRITE_DONTCACHE:
    case VMEMU_FSX_OP_WRITE_ATOMIC:
      return conv_write (c, FALSE, error);
    case VMEMU_FSX_OP_MAPWRITE:
      return conv_write (c, TRUE, error);
    case VMEMU_FSX_OP_TRUNCATE:
      return conv_truncate (c, error);
    case VMEMU_FSX_OP_FALLOCATE:
      return conv_falloc (c, VMEMU_OP_FALLOCATE, error);
    case VMEMU_FSX_OP_ZERO_RANGE:
      return conv_falloc (c, VMEMU_OP_ZERO_RANGE, error);
    case VMEMU_FSX_OP_PUNCH_HOLE:
      return conv_punch (c, error);
    case VMEMU_FSX_OP_COLLAPSE_RANGE:
      return conv_shift (c, FALSE, error);
    case VMEMU_FSX_OP_INSERT_RANGE:
      return conv_shift (c, TRUE, error);
    case VMEMU_FSX_OP_COPY_RANGE:
    case VMEMU_FSX_OP_CLONE_RANGE:
      return conv_copy (c, error);
    case VMEMU_FSX_OP_DEDUPE_RANGE:
      return TRUE;   /* succeeds only on equal ranges: the bytes do not change */
    case VMEMU_FSX_OP_FSYNC:
      vmemu_emit_range (c->ops, VMEMU_OP_FSYNC, c->file, 0, 0);
      return TRUE;
    case VMEMU_FSX_OP_EXCHANGE_RANGE:
    default:
      return conv_error (c, error, VMEMU_FSX_ERROR_UNSUPPORTED,
                         "vmemu has no primitive op for this; only skipped lines are accepted");
    }
}

static void
conv_drop_caches (Conv *c, guint32 mode)
{
  VmemuOp op = vmemu_op_init (VMEMU_OP_DROP_CACHES);

  op.mode = mode;
  g_array_append_val (c->ops, op);
}

/* The usual cause of a SIZE mismatch on the first lines: the wrong -L / -l. */
static const char *
conv_size_hint (const Conv *c)
{
  guint64 col = c->e->args[c->e->nr_args - 1];

  if (!c->opts->lite && c->size == 0 && col > 0 && col == c->opts->fsx_length_bytes)
    return " (was the run made with fsx -L?)";
  if (c->opts->lite && col == 0 && c->e->opnum == 1)
    return " (the file starts empty: was the run made without fsx -L?)";
  if (c->opts->lite && col != c->opts->fsx_length_bytes && c->e->opnum == 1)
    return " (lite runs start at the fsx length: check -l)";
  return "";
}

/* One entry: the SIZE cross-check, the op, then the close/open and the
 * drop_caches pressure that follow it. */
static gboolean
conv_entry (Conv *c, GError **error)
{
  const VmemuFsxEntry *e = c->e;
  guint32 every = c->opts->pressure.drop_caches_every;

  if (!e->skipped)
    {
      if (c->opts->check_size && e->args[e->nr_args - 1] != c->size)
        return conv_error (c, error, VMEMU_FSX_ERROR_INVALID,
                           "SIZE column says 0x%" G_GINT64_MODIFIER "x but the ops above "
                           "leave the file at 0x%" G_GINT64_MODIFIER "x bytes%s",
                           e->args[e->nr_args - 1], c->size, conv_size_hint (c));
      if (!conv_dispatch (c, error))
        return FALSE;
    }
  if (e->close_open && (!e->skipped || c->opts->close_open_on_skip))
    conv_drop_caches (c, 3);   /* docloseopen(): echo 3 > drop_caches */
  if (every > 0 && e->opnum % every == 0)
    conv_drop_caches (c, c->opts->pressure.drop_caches_mode);
  return TRUE;
}

static gboolean
check_options (const VmemuFsxImportOptions *o, GError **error)
{
  const char *bad = NULL;

  if (o->fsx_seed == 0 || o->fsx_seed > G_MAXINT32)
    bad = "fsx seed must be between 1 and 2^31-1 (fsx -S 0 picks a seed from the clock: "
          "use the one it printed)";
  else if (o->page_size_bytes != 4096 && o->page_size_bytes != 65536)
    bad = "page size must be 4096 or 65536";
  else if (o->block_size_bytes < 512 || o->block_size_bytes > 4096
           || (o->block_size_bytes & (o->block_size_bytes - 1)) != 0)
    bad = "block size must be 512, 1024, 2048 or 4096";
  else if (o->page_size_bytes % o->block_size_bytes != 0)
    bad = "block size must divide the page size";
  else if (o->fsx_length_bytes == 0 || o->fsx_length_bytes > G_MAXINT32)
    bad = "fsx length must be between 1 and 2^31-1 bytes";
  else if (o->file_path == NULL || o->file_path[0] != '/')
    bad = "the file path must be absolute";
  else if (o->pressure.drop_caches_mode < 1 || o->pressure.drop_caches_mode > 3)
    bad = "drop_caches mode must be 1, 2 or 3";
  if (bad == NULL)
    return TRUE;
  g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS, "%s", bad);
  return FALSE;
}

/* "g127-std.fsxops" -> "g127-std": lower case, [a-z0-9-] only. */
static char *
name_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  GString *s = g_string_new (NULL);

  if (dot != NULL && dot != base)
    *dot = '\0';
  for (const char *p = base; *p; p++)
    {
      char ch = g_ascii_tolower (*p);

      if (!g_ascii_isalnum (ch))
        ch = '-';
      if (ch != '-' || (s->len > 0 && s->str[s->len - 1] != '-'))
        g_string_append_c (s, ch);
    }
  while (s->len > 0 && s->str[s->len - 1] == '-')
    g_string_truncate (s, s->len - 1);
  if (s->len == 0)
    g_string_assign (s, "fsx");
  return g_string_free (s, FALSE);
}

static VmemuTask *
task_new (const char *name)
{
  VmemuTask *t = g_new0 (VmemuTask, 1);

  t->name = g_strdup (name);
  t->ops = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  return t;
}

/* Task "pressure": allocate / hold / free / wait, anon_cycles times. */
static VmemuTask *
pressure_task_new (VmemuScenario *scn, const VmemuFsxPressure *pr, guint32 entries)
{
  VmemuTask *t = task_new ("pressure");
  gint region = vmemu_scenario_intern_symbol (scn, VMEMU_FSX_REGION_SYMBOL);
  guint32 cycles = pr->anon_cycles ? pr->anon_cycles : MAX (entries, 1);

  t->cpu = scn->machine.cpus > 1 ? 1 : 0;
  for (guint32 i = 0; i < cycles; i++)
    {
      VmemuOp op = vmemu_op_init (VMEMU_OP_ALLOCATE);

      op.after_ns = pr->anon_gap_ns;
      op.size_bytes = pr->anon_bytes;
      op.region = region;
      g_array_append_val (t->ops, op);
      op = vmemu_op_init (VMEMU_OP_FREE);
      op.after_ns = pr->anon_hold_ns;
      op.region = region;
      g_array_append_val (t->ops, op);
    }
  return t;
}

static void
scenario_add_file (VmemuScenario *scn, const VmemuFsxImportOptions *o)
{
  VmemuFile *f = g_new0 (VmemuFile, 1);

  f->path = g_strdup (o->file_path);
  f->size_bytes = o->lite ? o->fsx_length_bytes : 0;
  f->content = VMEMU_CONTENT_ZERO;   /* lite: dd if=/dev/zero; else created empty */
  f->state = VMEMU_FILE_ON_DISK;
  g_ptr_array_add (scn->files, f);
}

static VmemuScenario *
scenario_build (const char *name, const VmemuFsxImportOptions *o)
{
  g_autofree char *derived = o->name ? g_strdup (o->name) : name_from_path (name);
  VmemuScenario *scn = vmemu_scenario_new (derived);

  scn->description = g_strdup_printf ("fsx op file %s imported by vmemu import-fsx "
                                      "(fsx -S %u -l %" G_GUINT64_FORMAT "%s)",
                                      name, o->fsx_seed, o->fsx_length_bytes,
                                      o->lite ? " -L" : "");
  scn->machine.page_size_bytes = o->page_size_bytes;
  if (o->memory_bytes > 0)
    scn->machine.memory_bytes = o->memory_bytes;
  scn->block_size_bytes = o->block_size_bytes;
  scn->has_fsx = TRUE;
  scn->fsx_seed = o->fsx_seed;
  scn->fsx_length_bytes = o->fsx_length_bytes;
  scn->fsx_lite = o->lite;
  scenario_add_file (scn, o);
  return scn;
}

static gboolean
convert_entries (Conv *c, GArray *entries, GError **error)
{
  for (guint i = 0; i < entries->len; i++)
    {
      c->e = &g_array_index (entries, VmemuFsxEntry, i);
      if (!conv_entry (c, error))
        return FALSE;
    }
  return TRUE;
}

VmemuScenario *
vmemu_fsx_import_data (const char *name, const char *data, gsize len,
                       const VmemuFsxImportOptions *opts, VmemuFsxImportStats *stats,
                       GError **error)
{
  VmemuFsxImportOptions defaults;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  VmemuTask *task;
  Conv c = { 0 };

  g_return_val_if_fail (name != NULL && (data != NULL || len == 0), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (opts == NULL)
    vmemu_fsx_import_options_init (&defaults);
  c.opts = opts ? opts : &defaults;
  if (!check_options (c.opts, error))
    return NULL;
  entries = vmemu_fsx_parse_data (name, data, len, error);
  if (entries == NULL)
    return NULL;
  /* An op file with no op is a wrong or truncated file, not a test. */
  if (entries->len == 0)
    {
      g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_INVALID,
                   "%s: no operations (empty op file)", name);
      return NULL;
    }
  scn = scenario_build (name, c.opts);
  task = task_new ("fsx");
  g_ptr_array_add (scn->tasks, task);
  c.name = name;
  c.ops = task->ops;
  c.file = 0;
  c.map = vmemu_scenario_intern_symbol (scn, VMEMU_FSX_MAP_SYMBOL);
  c.size = c.opts->lite ? c.opts->fsx_length_bytes : 0;
  if (!convert_entries (&c, entries, error))
    return NULL;
  if (c.opts->pressure.anon_bytes > 0)
    g_ptr_array_add (scn->tasks, pressure_task_new (scn, &c.opts->pressure, entries->len));
  if (stats != NULL)
    *stats = (VmemuFsxImportStats) { .entries = entries->len, .ops_emitted = c.ops->len,
                                     .final_size_bytes = c.size };
  for (guint i = 0; stats != NULL && i < entries->len; i++)
    stats->skipped += g_array_index (entries, VmemuFsxEntry, i).skipped ? 1 : 0;
  return g_steal_pointer (&scn);
}

VmemuScenario *
vmemu_fsx_import_file (const char *path, const VmemuFsxImportOptions *opts, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  /* "PATH: cannot read: REASON", as the scenario loader says it. */
  if (!vmemu_read_input_file (path, VMEMU_FSX_MAX_FILE_BYTES, &text, &len, error))
    return NULL;
  return vmemu_fsx_import_data (path, text, len, opts, NULL, error);
}
