/* scenario-load.c — the node tree checked against the contract
 * (docs/scenario-format.md) and turned into a VmemuScenario.
 *
 * Every check fails at the node that is wrong, so a user sees the line and
 * column to edit.  Ops live in scenario-ops.c.
 */
#include "engine/scenario/scenario-private.h"
#include "engine/variant/variant.h"

#include <string.h>

#include "engine/variant/variant.h"

gboolean
sfail (ScenarioLoad *ld, const SNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return scenario_fail (ld->error, VMEMU_SCENARIO_ERROR_INVALID, ld->name, at->line,
                        at->column, "%s", msg);
}

static gboolean
expected (ScenarioLoad *ld, const SNode *v, const char *what)
{
  g_autofree char *got = snode_describe (v);
  return sfail (ld, v, "expected %s, got %s", what, got);
}

/* --- typed getters ---------------------------------------------------------- */

gboolean
sget_string (ScenarioLoad *ld, const SNode *v, const char **out)
{
  if (v->kind != SNODE_SCALAR || snode_is_null (v))
    return expected (ld, v, "a string");
  *out = v->text;
  return TRUE;
}

gboolean
sget_bool (ScenarioLoad *ld, const SNode *v, gboolean *out)
{
  if (v->kind == SNODE_SCALAR && (strcmp (v->text, "true") == 0 || strcmp (v->text, "True") == 0))
    *out = TRUE;
  else if (v->kind == SNODE_SCALAR
           && (strcmp (v->text, "false") == 0 || strcmp (v->text, "False") == 0))
    *out = FALSE;
  else
    return expected (ld, v, "true or false");
  return TRUE;
}

/* One scalar through parse; range checked with the value spelt by show. */
static gboolean
sget_quantity (ScenarioLoad *ld, const SNode *v, const char *what,
               gboolean (*parse) (const char *, guint64 *, const char **),
               char *(*show) (guint64), guint64 min, guint64 max, guint64 *out)
{
  const char *why = NULL;
  guint64 x;

  if (v->kind != SNODE_SCALAR || snode_is_null (v) || v->len == 0)
    return expected (ld, v, what);
  if (!parse (v->text, &x, &why))
    {
      g_autofree char *got = snode_describe (v);
      return sfail (ld, v, "expected %s, got %s: %s", what, got, why);
    }
  if (x < min || x > max)
    {
      g_autofree char *lo = show (min), *hi = show (max), *got = show (x);
      return sfail (ld, v, "%s is out of range [%s, %s]", got, lo, hi);
    }
  *out = x;
  return TRUE;
}

static char *
show_uint (guint64 v)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

gboolean
sget_uint (ScenarioLoad *ld, const SNode *v, guint64 min, guint64 max, guint64 *out)
{
  return sget_quantity (ld, v, "a whole number", scenario_parse_uint, show_uint, min, max, out);
}

gboolean
sget_size (ScenarioLoad *ld, const SNode *v, guint64 min, guint64 max, guint64 *out)
{
  return sget_quantity (ld, v, "a size", scenario_parse_size, scenario_format_size, min, max,
                        out);
}

gboolean
sget_duration (ScenarioLoad *ld, const SNode *v, guint64 max, guint64 *out)
{
  return sget_quantity (ld, v, "a duration", scenario_parse_duration,
                        scenario_format_duration, 0, max, out);
}

gboolean
sget_size_dev (ScenarioLoad *ld, const SNode *v, const char *what, guint64 *out)
{
  guint64 dev = ld->scn->machine.device.size_bytes;

  if (!sget_size (ld, v, 0, G_MAXUINT64, out))
    return FALSE;
  if (*out > dev)
    {
      g_autofree char *got = scenario_format_size (*out), *max = scenario_format_size (dev);
      return sfail (ld, v, "%s %s is beyond the device size (%s, machine.device.size)", what,
                    got, max);
    }
  if (*out > VMEMU_FILE_MAX_BYTES)
    {
      g_autofree char *got = scenario_format_size (*out);
      return sfail (ld, v, "%s %s is beyond the largest file vmemu emulates (%s)", what, got,
                    VMEMU_FILE_MAX_TEXT);
    }
  return TRUE;
}

static gboolean
sget_u32 (ScenarioLoad *ld, const SNode *v, guint64 min, guint64 max, guint32 *out)
{
  guint64 x;
  if (!sget_uint (ld, v, min, MIN (max, G_MAXUINT32), &x))
    return FALSE;
  *out = (guint32) x;
  return TRUE;
}

gboolean
sget_enum (ScenarioLoad *ld, const SNode *v, const char *what, const char *const *names,
           gint *out)
{
  g_autofree char *list = g_strjoinv (", ", (char **) names);
  const char *hint;

  if (v->kind != SNODE_SCALAR || snode_is_null (v))
    {
      g_autofree char *msg = g_strdup_printf ("%s (%s)", what, list);
      return expected (ld, v, msg);
    }
  for (gint i = 0; names[i] != NULL; i++)
    if (strcmp (v->text, names[i]) == 0)
      return (*out = i), TRUE;
  hint = scenario_suggest (v->text, names);
  if (hint != NULL)
    return sfail (ld, v, "unknown %s '%s'; did you mean '%s'?", what, v->text, hint);
  return sfail (ld, v, "unknown %s '%s' (one of: %s)", what, v->text, list);
}

gboolean
scheck_map (ScenarioLoad *ld, const SNode *v, const char *where, const char *const *allowed)
{
  if (v->kind != SNODE_MAP)
    return expected (ld, v, "a mapping");
  for (guint i = 0; i < snode_map_size (v); i++)
    {
      const SNode *key = snode_map_key (v, i);
      gboolean known = FALSE;
      for (gsize j = 0; allowed[j] != NULL && !known; j++)
        known = strcmp (key->text, allowed[j]) == 0;
      if (known)
        continue;
      const char *hint = scenario_suggest (key->text, allowed);
      if (hint != NULL)
        return sfail (ld, key, "unknown key '%s' in %s; did you mean '%s'?", key->text, where,
                      hint);
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);
      return sfail (ld, key, "unknown key '%s' in %s (known keys: %s)", key->text, where, list);
    }
  return TRUE;
}

gboolean
sget_file (ScenarioLoad *ld, const SNode *v, gint *index)
{
  const char *path;
  g_autofree const char **paths = NULL;
  const char *hint;

  if (!sget_string (ld, v, &path))
    return FALSE;
  *index = GPOINTER_TO_INT (g_hash_table_lookup (ld->file_index, path)) - 1;
  if (*index >= 0)
    return TRUE;
  paths = g_new0 (const char *, ld->scn->files->len + 1);
  for (guint i = 0; i < ld->scn->files->len; i++)
    paths[i] = ((VmemuFile *) g_ptr_array_index (ld->scn->files, i))->path;
  hint = scenario_suggest (path, paths);
  if (hint != NULL)
    return sfail (ld, v, "no file '%s' in files; did you mean '%s'?", path, hint);
  return sfail (ld, v, "no file '%s' in files", path);
}

/* The node under key in map (a mapping already checked), or NULL. */
#define GET(map, key) snode_map_get ((map), (key))

/* --- machine ---------------------------------------------------------------- */

static gboolean
load_writeback (ScenarioLoad *ld, const SNode *v, VmemuMachineConfig *m)
{
  static const char *const keys[] = { "dirty_expire", "interval", "background_ratio", "ratio",
                                      NULL };
  const SNode *x;

  if (!scheck_map (ld, v, "machine.writeback", keys))
    return FALSE;
  if ((x = GET (v, "dirty_expire")) && !sget_duration (ld, x, SCENARIO_MAX_DURATION_NS,
                                                       &m->writeback.dirty_expire_ns))
    return FALSE;
  if ((x = GET (v, "interval")) && !sget_duration (ld, x, SCENARIO_MAX_DURATION_NS,
                                                   &m->writeback.interval_ns))
    return FALSE;
  if ((x = GET (v, "background_ratio")) && !sget_u32 (ld, x, 0, 100, &m->writeback.background_ratio))
    return FALSE;
  if ((x = GET (v, "ratio")) && !sget_u32 (ld, x, 0, 100, &m->writeback.ratio))
    return FALSE;
  return TRUE;
}

static gboolean
load_reclaim (ScenarioLoad *ld, const SNode *v, VmemuMachineConfig *m)
{
  static const char *const keys[] = { "buffer_heads_over_limit", "min_free", "drain_on_exit",
                                      NULL };
  const SNode *x;

  if (!scheck_map (ld, v, "machine.reclaim", keys))
    return FALSE;
  if ((x = GET (v, "buffer_heads_over_limit"))
      && !sget_bool (ld, x, &m->reclaim.buffer_heads_over_limit))
    return FALSE;
  if ((x = GET (v, "min_free"))
      && !sget_size (ld, x, 0, m->memory_bytes, &m->reclaim.min_free_bytes))
    return FALSE;
  if ((x = GET (v, "drain_on_exit")) && !sget_bool (ld, x, &m->reclaim.drain_on_exit))
    return FALSE;
  return TRUE;
}

/* Device capacity bound: 1 PiB keeps offset + length far from overflow. */
#define DEVICE_MAX_BYTES (1ull << 50)

static gboolean
load_device (ScenarioLoad *ld, const SNode *v, VmemuMachineConfig *m)
{
  static const char *const keys[] = { "read_latency", "write_latency", "jitter", "queue_depth",
                                      "size", NULL };
  const SNode *x;

  if (!scheck_map (ld, v, "machine.device", keys))
    return FALSE;
  if ((x = GET (v, "read_latency"))
      && !sget_duration (ld, x, SCENARIO_MAX_DURATION_NS, &m->device.read_latency_ns))
    return FALSE;
  if ((x = GET (v, "write_latency"))
      && !sget_duration (ld, x, SCENARIO_MAX_DURATION_NS, &m->device.write_latency_ns))
    return FALSE;
  if ((x = GET (v, "jitter"))
      && !sget_duration (ld, x, SCENARIO_MAX_DURATION_NS, &m->device.jitter_ns))
    return FALSE;
  if ((x = GET (v, "queue_depth")) && !sget_u32 (ld, x, 1, 4096, &m->device.queue_depth))
    return FALSE;
  if ((x = GET (v, "size")))
    {
      if (!sget_size (ld, x, m->page_size_bytes, DEVICE_MAX_BYTES, &m->device.size_bytes))
        return FALSE;
      if (m->device.size_bytes % m->page_size_bytes != 0)
        return sfail (ld, x, "device size must be a multiple of page_size (%" G_GUINT64_FORMAT
                      ")", m->page_size_bytes);
    }
  return TRUE;
}

/* page_size and memory, which the other checks of machine depend on. */
static gboolean
load_machine_sizes (ScenarioLoad *ld, const SNode *v, VmemuMachineConfig *m)
{
  const SNode *x;

  if ((x = GET (v, "page_size")))
    {
      if (!sget_size (ld, x, 4096, 65536, &m->page_size_bytes))
        return FALSE;
      if (m->page_size_bytes != 4096 && m->page_size_bytes != 65536)
        return sfail (ld, x, "page_size must be 4096 or 65536, got %" G_GUINT64_FORMAT,
                      m->page_size_bytes);
    }
  if ((x = GET (v, "memory")))
    {
      /* 1 TiB: far beyond anything worth emulating page by page. */
      if (!sget_size (ld, x, m->page_size_bytes, 1ull << 40, &m->memory_bytes))
        return FALSE;
      if (m->memory_bytes % m->page_size_bytes != 0)
        return sfail (ld, x, "memory must be a multiple of page_size (%" G_GUINT64_FORMAT ")",
                      m->page_size_bytes);
    }
  else if (m->memory_bytes % m->page_size_bytes != 0)
    return sfail (ld, v, "memory must be a multiple of page_size");
  return TRUE;
}

static gboolean
load_machine (ScenarioLoad *ld, const SNode *v)
{
  static const char *const keys[] = { "page_size", "memory", "cpus", "seed", "writeback",
                                      "reclaim", "device", "large_folios", "folio_order",
                                      "other_filesystems_cached",
                                      NULL };
  VmemuMachineConfig *m = &ld->scn->machine;
  const SNode *x;

  if (!scheck_map (ld, v, "machine", keys) || !load_machine_sizes (ld, v, m))
    return FALSE;
  if ((x = GET (v, "cpus")) && !sget_u32 (ld, x, 1, 256, &m->cpus))
    return FALSE;
  if ((x = GET (v, "seed")) && !sget_uint (ld, x, 0, G_MAXUINT64, &m->seed))
    return FALSE;
  if ((x = GET (v, "large_folios")) && !sget_bool (ld, x, &m->large_folios))
    return FALSE;
  if ((x = GET (v, "folio_order")) && !sget_u32 (ld, x, 1, 9, &m->folio_order))
    return FALSE;
  if ((x = GET (v, "other_filesystems_cached")) && !sget_bool (ld, x, &m->other_fs_cached))
    return FALSE;
  if ((x = GET (v, "writeback")) && !load_writeback (ld, x, m))
    return FALSE;
  if ((x = GET (v, "reclaim")) && !load_reclaim (ld, x, m))
    return FALSE;
  if ((x = GET (v, "device")) && !load_device (ld, x, m))
    return FALSE;
  return TRUE;
}

static gboolean
load_filesystem (ScenarioLoad *ld, const SNode *v)
{
  static const char *const keys[] = { "block_size", NULL };
  guint64 page = ld->scn->machine.page_size_bytes, bs;
  const SNode *x;

  if (!scheck_map (ld, v, "filesystem", keys))
    return FALSE;
  if ((x = GET (v, "block_size")) == NULL)
    return TRUE;
  if (!sget_size (ld, x, 1, G_MAXUINT64, &bs))
    return FALSE;
  if ((bs & (bs - 1)) != 0)
    return sfail (ld, x, "block_size must be a power of two, got %" G_GUINT64_FORMAT, bs);
  if (bs < 512)
    return sfail (ld, x, "block_size must be at least 512, got %" G_GUINT64_FORMAT, bs);
  if (page % bs != 0)
    return sfail (ld, x, "block_size %" G_GUINT64_FORMAT " must divide page_size (%"
                  G_GUINT64_FORMAT ")", bs, page);
  ld->scn->block_size_bytes = bs;
  return TRUE;
}

/* --- files ------------------------------------------------------------------ */

static gboolean
load_file_content (ScenarioLoad *ld, const SNode *x, VmemuFile *f)
{
  guint64 byte;

  if (x->kind == SNODE_SCALAR && strcmp (x->text, "zero") == 0)
    f->content = VMEMU_CONTENT_ZERO;
  else if (x->kind == SNODE_SCALAR && strcmp (x->text, "random") == 0)
    f->content = VMEMU_CONTENT_RANDOM;
  else if (x->kind == SNODE_SCALAR && x->len > 0 && g_ascii_isdigit (x->text[0]))
    {
      if (!sget_uint (ld, x, 0, 255, &byte))
        return FALSE;
      f->content = VMEMU_CONTENT_BYTE;
      f->content_byte = (guint8) byte;
    }
  else
    return expected (ld, x, "file content (zero, random or a byte value 0..255)");
  return TRUE;
}

static gboolean
load_file_path (ScenarioLoad *ld, const SNode *v, VmemuFile *f)
{
  static const char *const keys[] = { "path", "size", "content", "state", NULL };
  const SNode *x;
  const char *path;
  gint other;

  if (!scheck_map (ld, v, "a file", keys))
    return FALSE;
  if ((x = GET (v, "path")) == NULL)
    return sfail (ld, v, "a file needs 'path'");
  if (!sget_string (ld, x, &path))
    return FALSE;
  if (path[0] != '/' || path[1] == '\0' || g_str_has_suffix (path, "/"))
    return sfail (ld, x, "file path must be absolute and name a file, like /data; got '%s'",
                  path);
  other = GPOINTER_TO_INT (g_hash_table_lookup (ld->file_index, path)) - 1;
  if (other >= 0)
    return sfail (ld, x, "duplicate file '%s' (first at line %u)", path,
                  ((VmemuFile *) g_ptr_array_index (ld->scn->files, other))->line);
  f->path = g_strdup (path);
  return TRUE;
}

static gboolean
load_file (ScenarioLoad *ld, const SNode *v)
{
  static const char *const states[] = { "on-disk", "cached", "dirty", "sparse", NULL };
  g_autoptr(VmemuFile) f = g_new0 (VmemuFile, 1);
  const SNode *x;
  gint state;

  f->line = v->line;
  if (!load_file_path (ld, v, f))
    return FALSE;
  if ((x = GET (v, "size")) && !sget_size_dev (ld, x, "file size", &f->size_bytes))
    return FALSE;
  if ((x = GET (v, "content")) && !load_file_content (ld, x, f))
    return FALSE;
  if ((x = GET (v, "state")))
    {
      if (!sget_enum (ld, x, "file state", states, &state))
        return FALSE;
      f->state = (VmemuFileState) state;
    }
  g_ptr_array_add (ld->scn->files, g_steal_pointer (&f));
  g_hash_table_insert (ld->file_index,
                       ((VmemuFile *) g_ptr_array_index (ld->scn->files, ld->scn->files->len - 1))->path,
                       GINT_TO_POINTER (ld->scn->files->len));
  return TRUE;
}

static gboolean
load_files (ScenarioLoad *ld, const SNode *v)
{
  if (v->kind != SNODE_SEQ)
    return expected (ld, v, "a list of files");
  guint64 page = ld->scn->machine.page_size_bytes, mem_pages = ld->scn->machine.memory_bytes / page;
  guint64 dirty_pages = 0;
  for (guint i = 0; i < v->items->len; i++)
    {
      const SNode *item = g_ptr_array_index (v->items, i);
      if (!load_file (ld, item))
        return FALSE;
      /* The setup puts cached and dirty files into the page cache in order:
       * dirty pages cannot be reclaimed then (no writeback yet), clean ones
       * make room for each other.  `vmemu run` would stop at setup. */
      const VmemuFile *f = g_ptr_array_index (ld->scn->files, ld->scn->files->len - 1);
      guint64 pages = (f->size_bytes + page - 1) / page;
      if ((f->state != VMEMU_FILE_CACHED && f->state != VMEMU_FILE_DIRTY) || pages == 0)
        continue;
      guint64 need = dirty_pages + (f->state == VMEMU_FILE_DIRTY ? pages : 1);
      if (need > mem_pages)
        {
          g_autofree char *mem = scenario_format_size (ld->scn->machine.memory_bytes);
          const SNode *at = GET (item, "state") ? GET (item, "state") : item;
          return sfail (ld, at, "the %s pages of '%s' do not fit in memory (%s, machine.memory) "
                        "beside %" G_GUINT64_FORMAT " dirty pages of the files above",
                        f->state == VMEMU_FILE_DIRTY ? "dirty" : "cached", f->path, mem,
                        dirty_pages);
        }
      if (f->state == VMEMU_FILE_DIRTY)
        dirty_pages += pages;
    }
  return TRUE;
}

/* --- generate --------------------------------------------------------------- */

/* Where each weight and background rate lives in VmemuGenerate, so the key
 * lists and the stores cannot drift apart. */
typedef struct {
  const char *key;
  gsize offset;
} GenField;

static const GenField gen_weights[] = {
  { "read", G_STRUCT_OFFSET (VmemuGenerate, w_read) },
  { "write", G_STRUCT_OFFSET (VmemuGenerate, w_write) },
  { "mread", G_STRUCT_OFFSET (VmemuGenerate, w_mread) },
  { "mwrite", G_STRUCT_OFFSET (VmemuGenerate, w_mwrite) },
  { "truncate", G_STRUCT_OFFSET (VmemuGenerate, w_truncate) },
  { "fallocate", G_STRUCT_OFFSET (VmemuGenerate, w_fallocate) },
  { "punch_hole", G_STRUCT_OFFSET (VmemuGenerate, w_punch_hole) },
  { "zero_range", G_STRUCT_OFFSET (VmemuGenerate, w_zero_range) },
  { "collapse_range", G_STRUCT_OFFSET (VmemuGenerate, w_collapse_range) },
  { "insert_range", G_STRUCT_OFFSET (VmemuGenerate, w_insert_range) },
  { "fsync", G_STRUCT_OFFSET (VmemuGenerate, w_fsync) },
  { "msync", G_STRUCT_OFFSET (VmemuGenerate, w_msync) },
  { NULL, 0 },
};

static const GenField gen_background[] = {
  { "pressure", G_STRUCT_OFFSET (VmemuGenerate, bg_pressure) },
  { "drop_caches", G_STRUCT_OFFSET (VmemuGenerate, bg_drop_caches) },
  { "reader_hold", G_STRUCT_OFFSET (VmemuGenerate, bg_reader_hold) },
  { "readahead_error", G_STRUCT_OFFSET (VmemuGenerate, bg_readahead_error) },
  { "split", G_STRUCT_OFFSET (VmemuGenerate, bg_split) },
  { NULL, 0 },
};

/* Reads a mapping of small counters into the fields named by table. */
static gboolean
load_gen_fields (ScenarioLoad *ld, const SNode *v, const char *where, const GenField *table,
                 guint64 max, VmemuGenerate *g)
{
  const char *keys[16] = { NULL };
  const SNode *x;

  for (gsize i = 0; table[i].key != NULL; i++)
    keys[i] = table[i].key;
  if (!scheck_map (ld, v, where, keys))
    return FALSE;
  for (gsize i = 0; table[i].key != NULL; i++)
    if ((x = GET (v, table[i].key))
        && !sget_u32 (ld, x, 0, max, G_STRUCT_MEMBER_P (g, table[i].offset)))
      return FALSE;
  return TRUE;
}

static gboolean
generate_defaults (ScenarioLoad *ld, const SNode *v, VmemuGenerate *g)
{
  const SNode *x;

  g->seed = ld->scn->machine.seed;
  g->file_length_bytes = 262144;  /* fsx's -l default */
  g->max_op_size_bytes = 65536;   /* fsx's -o default */
  g->align_bytes = 1;
  /* Without a weights block, the op mix of plain fsx: everything but syncs. */
  for (gsize i = 0; gen_weights[i].key != NULL; i++)
    *(guint32 *) G_STRUCT_MEMBER_P (g, gen_weights[i].offset) = i < 10 ? 1 : 0;
  if ((x = GET (v, "count")) == NULL)
    return sfail (ld, v, "generate needs 'count'");
  if ((x = GET (v, "file")) == NULL)
    return sfail (ld, v, "generate needs 'file'");
  return TRUE;
}

static gboolean
load_generate (ScenarioLoad *ld, const SNode *v, VmemuGenerate *g)
{
  static const char *const keys[] = { "seed", "count", "file", "file_length", "max_op_size",
                                      "align", "weights", "background", NULL };
  guint64 dev = ld->scn->machine.device.size_bytes, sum = 0;
  const SNode *x;

  if (!scheck_map (ld, v, "generate", keys) || !generate_defaults (ld, v, g))
    return FALSE;
  if ((x = GET (v, "seed")) && !sget_uint (ld, x, 0, G_MAXUINT64, &g->seed))
    return FALSE;
  if (!sget_u32 (ld, GET (v, "count"), 0, VMEMU_GENERATE_MAX_COUNT, &g->count)
      || !sget_file (ld, GET (v, "file"), &g->file))
    return FALSE;
  if ((x = GET (v, "file_length")) && !sget_size_dev (ld, x, "file_length", &g->file_length_bytes))
    return FALSE;
  if (g->file_length_bytes == 0 || g->file_length_bytes > dev)
    return sfail (ld, x ? x : v, "file_length must be above zero and fit on the device");
  if ((x = GET (v, "max_op_size"))
      && !sget_size (ld, x, 1, g->file_length_bytes, &g->max_op_size_bytes))
    return FALSE;
  if (x == NULL)   /* the default, like fsx's -o, never exceeds the file length */
    g->max_op_size_bytes = MIN (g->max_op_size_bytes, g->file_length_bytes);
  if ((x = GET (v, "align")) && !sget_size (ld, x, 1, g->file_length_bytes, &g->align_bytes))
    return FALSE;
  if ((x = GET (v, "weights")))
    {
      /* Weights given: the ones left out are zero, so a block states the mix. */
      for (gsize i = 0; gen_weights[i].key != NULL; i++)
        *(guint32 *) G_STRUCT_MEMBER_P (g, gen_weights[i].offset) = 0;
      if (!load_gen_fields (ld, x, "generate.weights", gen_weights, 1000000, g))
        return FALSE;
      for (gsize i = 0; gen_weights[i].key != NULL; i++)
        sum += *(guint32 *) G_STRUCT_MEMBER_P (g, gen_weights[i].offset);
      if (sum == 0)
        return sfail (ld, x, "at least one weight must be above zero");
    }
  if ((x = GET (v, "background"))
      && !load_gen_fields (ld, x, "generate.background", gen_background, 1000, g))
    return FALSE;
  return TRUE;
}

/* --- tasks ------------------------------------------------------------------ */

static gboolean
load_task_name (ScenarioLoad *ld, const SNode *v, VmemuTask *t)
{
  const SNode *x = GET (v, "name");
  const char *name;

  if (x == NULL)
    return sfail (ld, v, "a task needs 'name'");
  if (!sget_string (ld, x, &name))
    return FALSE;
  if (name[0] == '\0')
    return sfail (ld, x, "task name must not be empty");
  const VmemuTask *o = g_hash_table_lookup (ld->task_names, name);
  if (o != NULL)
    return sfail (ld, x, "duplicate task name '%s' (first at line %u)", name, o->line);
  t->name = g_strdup (name);
  g_hash_table_insert (ld->task_names, t->name, t);
  return TRUE;
}

static gboolean
load_task (ScenarioLoad *ld, const SNode *v)
{
  static const char *const keys[] = { "name", "cpu", "ops", "generate", NULL };
  g_autoptr(VmemuTask) t = g_new0 (VmemuTask, 1);
  const SNode *x, *ops, *gen;

  t->line = v->line;
  t->ops = g_array_new (FALSE, TRUE, sizeof (VmemuOp));
  if (!scheck_map (ld, v, "a task", keys) || !load_task_name (ld, v, t))
    return FALSE;
  if ((x = GET (v, "cpu")) && !sget_u32 (ld, x, 0, G_MAXUINT32, &t->cpu))
    return FALSE;
  if (t->cpu >= ld->scn->machine.cpus)
    return sfail (ld, x, "cpu %u does not exist (machine.cpus is %u, so cpus are 0..%u)",
                  t->cpu, ld->scn->machine.cpus, ld->scn->machine.cpus - 1);
  ops = GET (v, "ops");
  gen = GET (v, "generate");
  if (ops != NULL && gen != NULL)
    return sfail (ld, gen, "a task takes 'ops' or 'generate', not both");
  if (ops == NULL && gen == NULL)
    return sfail (ld, v, "task '%s' needs 'ops' or 'generate'", t->name);
  t->has_generate = gen != NULL;
  if (gen != NULL && !load_generate (ld, gen, &t->generate))
    return FALSE;
  if (ops != NULL && !scenario_load_ops (ld, t, ops))
    return FALSE;
  g_ptr_array_add (ld->scn->tasks, g_steal_pointer (&t));
  return TRUE;
}

static gboolean
load_tasks (ScenarioLoad *ld, const SNode *v)
{
  if (v->kind != SNODE_SEQ)
    return expected (ld, v, "a list of tasks");
  for (guint i = 0; i < v->items->len; i++)
    if (!load_task (ld, g_ptr_array_index (v->items, i)))
      return FALSE;
  return scenario_check_pipes (ld);
}

/* --- expect, fsx, top level ------------------------------------------------- */

/* An expectation for a variant no run can have is a typo ("pached"): it
 * would never be checked.  The variant parser says which name is wrong and
 * suggests the closest. */
static gboolean
expect_variant_known (ScenarioLoad *ld, const SNode *key)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (VmemuVariant) v = vmemu_variant_parse (key->text, &err);
  if (v == NULL)
    return sfail (ld, key, "%s", err->message);
  return TRUE;
}

static gboolean
load_expect (ScenarioLoad *ld, const SNode *v)
{
  static const char *const outcomes[] = { "clean", "data-loss", NULL };
  gint outcome;

  if (v->kind != SNODE_MAP)
    return expected (ld, v, "a mapping of variant to outcome");
  for (guint i = 0; i < snode_map_size (v); i++)
    {
      const SNode *key = snode_map_key (v, i);
      if (key->len == 0)
        return sfail (ld, key, "empty variant name");
      if (!expect_variant_known (ld, key))
        return FALSE;
      if (!sget_enum (ld, snode_map_value (v, i), "outcome", outcomes, &outcome))
        return FALSE;
      vmemu_scenario_add_expect (ld->scn, key->text, (VmemuExpectOutcome) outcome);
    }
  return TRUE;
}

static gboolean
load_fsx (ScenarioLoad *ld, const SNode *v)
{
  static const char *const keys[] = { "seed", "length", "lite", NULL };
  const SNode *x;

  if (!scheck_map (ld, v, "fsx", keys))
    return FALSE;
  ld->scn->has_fsx = TRUE;
  /* fsx seeds glibc random() with srandom(), which takes 31 useful bits. */
  if ((x = GET (v, "seed")) && !sget_u32 (ld, x, 0, G_MAXINT32, &ld->scn->fsx_seed))
    return FALSE;
  if ((x = GET (v, "length")) && !sget_size_dev (ld, x, "fsx length", &ld->scn->fsx_length_bytes))
    return FALSE;
  if (ld->scn->fsx_length_bytes == 0)
    return sfail (ld, x, "fsx length must be above zero");
  if (ld->scn->fsx_length_bytes > VMEMU_FSX_MAX_BYTES)
    {
      g_autofree char *got = scenario_format_size (ld->scn->fsx_length_bytes);
      return sfail (ld, x, "fsx length %s is beyond the largest fsx file (2GiB: fsx keeps it "
                    "as a flat buffer)", got);
    }
  if ((x = GET (v, "lite")) && !sget_bool (ld, x, &ld->scn->fsx_lite))
    return FALSE;
  return TRUE;
}

static gboolean
name_is_valid (const char *name)
{
  if (name[0] == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-'))
      return FALSE;
  return TRUE;
}

static gboolean
load_header (ScenarioLoad *ld, const SNode *root)
{
  const SNode *x;
  const char *s;

  if ((x = GET (root, "name")) == NULL)
    return sfail (ld, root, "missing required key 'name'");
  if (!sget_string (ld, x, &s))
    return FALSE;
  if (!name_is_valid (s))
    return sfail (ld, x, "name must match [a-z0-9-]+, got '%s'", s);
  ld->scn->name = g_strdup (s);
  if ((x = GET (root, "description")) && !snode_is_null (x))
    {
      if (!sget_string (ld, x, &s))
        return FALSE;
      ld->scn->description = g_strdup (s);
    }
  if ((x = GET (root, "variant")))
    {
      if (!sget_string (ld, x, &s))
        return FALSE;
      if (s[0] == '\0')
        return sfail (ld, x, "variant must not be empty");
      /* `vmemu run` would refuse it: validate says so first, where it is. */
      g_autoptr (GError) verr = NULL;
      g_autoptr (VmemuVariant) parsed = vmemu_variant_parse (s, &verr);
      if (parsed == NULL)
        return sfail (ld, x, "%s", verr->message);
      ld->scn->variant = g_strdup (s);
    }
  return TRUE;
}

static gboolean
load_body (ScenarioLoad *ld, const SNode *root)
{
  const SNode *x;

  if ((x = GET (root, "machine")) && !load_machine (ld, x))
    return FALSE;
  if ((x = GET (root, "filesystem")) && !load_filesystem (ld, x))
    return FALSE;
  if ((x = GET (root, "fsx")) && !load_fsx (ld, x))
    return FALSE;
  if ((x = GET (root, "files")) && !load_files (ld, x))
    return FALSE;
  if ((x = GET (root, "tasks")) && !load_tasks (ld, x))
    return FALSE;
  if ((x = GET (root, "expect")) && !load_expect (ld, x))
    return FALSE;
  if ((x = GET (root, "expect_activity")) && !scenario_load_expect_activity (ld, x))
    return FALSE;
  return TRUE;
}

gint
scenario_load_intern (ScenarioLoad *ld, const char *name)
{
  gint i = GPOINTER_TO_INT (g_hash_table_lookup (ld->symbol_index, name)) - 1;
  if (i >= 0)
    return i;
  g_ptr_array_add (ld->scn->symbols, g_strdup (name));
  g_hash_table_insert (ld->symbol_index, g_ptr_array_index (ld->scn->symbols,
                                                            ld->scn->symbols->len - 1),
                       GINT_TO_POINTER (ld->scn->symbols->len));
  return (gint) ld->scn->symbols->len - 1;
}

gboolean
scenario_load_tree (VmemuScenario *scn, const char *name, const SNode *root, GError **error)
{
  static const char *const keys[] = { "name", "description", "variant", "machine",
                                      "filesystem", "files", "tasks", "expect", "fsx",
                                      "expect_activity", NULL };
  g_autoptr(GHashTable) pipes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) pipe_uses = g_ptr_array_new ();
  g_autoptr(GHashTable) file_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) task_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) symbol_index = g_hash_table_new (g_str_hash, g_str_equal);
  ScenarioLoad ld = { .name = name, .scn = scn, .error = error, .pipes = pipes,
                      .pipe_uses = pipe_uses, .file_index = file_index,
                      .task_names = task_names, .symbol_index = symbol_index };

  for (guint i = 0; i < scn->files->len; i++)
    g_hash_table_insert (file_index, ((VmemuFile *) g_ptr_array_index (scn->files, i))->path,
                         GINT_TO_POINTER (i + 1));
  for (guint i = 0; i < scn->tasks->len; i++)
    g_hash_table_insert (task_names, ((VmemuTask *) g_ptr_array_index (scn->tasks, i))->name,
                         g_ptr_array_index (scn->tasks, i));
  for (guint i = 0; i < scn->symbols->len; i++)
    if (!g_hash_table_contains (symbol_index, g_ptr_array_index (scn->symbols, i)))
      g_hash_table_insert (symbol_index, g_ptr_array_index (scn->symbols, i),
                           GINT_TO_POINTER (i + 1));

  if (root->kind != SNODE_MAP)
    {
      g_autofree char *got = snode_describe (root);
      return sfail (&ld, root, "expected a mapping at the top level, got %s", got);
    }
  if (!scheck_map (&ld, root, "the top level", keys))
    return FALSE;
  return load_header (&ld, root) && load_body (&ld, root);
}
