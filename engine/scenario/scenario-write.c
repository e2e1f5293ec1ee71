/* scenario-write.c — a VmemuScenario back to YAML in the contract format.
 *
 * fsx import and the explorer save scenarios through this, so what it writes
 * must load back to an equal scenario (tests/unit/test-scenario.c checks the
 * round trip).  Every machine key is written, defaults included, so a saved
 * case does not change meaning if a default ever does.  Ops go on one line
 * each, as flow mappings, which is how people write them by hand.
 */
#include "engine/scenario/scenario-private.h"

#include <string.h>

typedef struct {
  const char *suffix;
  guint64 scale;
} WUnit;

/* Largest unit first: the first exact one gives the shortest spelling. */
static char *
format_with (guint64 v, const WUnit *units)
{
  if (v == 0)
    return g_strdup ("0");
  for (gsize i = 0; units[i].suffix != NULL; i++)
    if (v % units[i].scale == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT "%s", v / units[i].scale, units[i].suffix);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, v);
}

char *
scenario_format_size (guint64 bytes)
{
  static const WUnit units[] = {
    { "TiB", 1ull << 40 }, { "GiB", 1ull << 30 }, { "MiB", 1ull << 20 }, { "KiB", 1ull << 10 },
    { NULL, 0 },
  };
  return format_with (bytes, units);
}

char *
scenario_format_duration (guint64 ns)
{
  static const WUnit units[] = {
    { "h", 3600000000000ull }, { "min", 60000000000ull }, { "s", 1000000000ull },
    { "ms", 1000000ull }, { "us", 1000ull }, { "ns", 1 }, { NULL, 0 },
  };
  return format_with (ns, units);
}

/* A YAML double-quoted scalar: always valid whatever the text holds. */
static void
put_quoted (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        g_string_append_printf (out, "\\x%02x", c);
      /* Unicode line separators would be folded inside quotes. */
      else if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  g_string_append_c (out, '"');
}

/* v in decimal (as "%" G_GUINT64_FORMAT, without printf's cost). */
static void
put_uint (GString *out, guint64 v)
{
  char buf[24];
  gsize i = sizeof buf;
  do
    buf[--i] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  g_string_append_len (out, buf + i, (gssize) (sizeof buf - i));
}

static void
put_size (GString *out, const char *key, guint64 v)
{
  /* scenario_format_size, written in place: an fsx import has a few of
   * these on each of its thousands of op lines */
  static const struct { const char *suffix; guint shift; } units[] = {
    { "TiB", 40 }, { "GiB", 30 }, { "MiB", 20 }, { "KiB", 10 },
  };
  const char *suffix = "";
  g_string_append (out, key);
  g_string_append (out, ": ");
  for (gsize i = 0; v != 0 && i < G_N_ELEMENTS (units); i++)
    if ((v & ((G_GUINT64_CONSTANT (1) << units[i].shift) - 1)) == 0)
      {
        v >>= units[i].shift;
        suffix = units[i].suffix;
        break;
      }
  put_uint (out, v);
  g_string_append (out, suffix);
}

static void
put_duration (GString *out, const char *key, guint64 v)
{
  g_autofree char *s = scenario_format_duration (v);
  g_string_append_printf (out, "%s: %s", key, s);
}

static const char *
bool_name (gboolean b)
{
  return b ? "true" : "false";
}

static void
write_machine (const VmemuMachineConfig *m, GString *out)
{
  g_string_append_printf (out, "machine:\n  page_size: %" G_GUINT64_FORMAT "\n  ",
                          m->page_size_bytes);
  put_size (out, "memory", m->memory_bytes);
  g_string_append_printf (out, "\n  cpus: %u\n  seed: %" G_GUINT64_FORMAT "\n", m->cpus, m->seed);
  g_string_append_printf (out, "  large_folios: %s\n  folio_order: %u\n",
                          bool_name (m->large_folios), m->folio_order);
  if (!m->other_fs_cached)   /* written only when not the default */
    g_string_append (out, "  other_filesystems_cached: false\n");
  g_string_append (out, "  writeback:\n    ");
  put_duration (out, "dirty_expire", m->writeback.dirty_expire_ns);
  g_string_append (out, "\n    ");
  put_duration (out, "interval", m->writeback.interval_ns);
  g_string_append_printf (out, "\n    background_ratio: %u\n    ratio: %u\n",
                          m->writeback.background_ratio, m->writeback.ratio);
  g_string_append_printf (out, "  reclaim:\n    buffer_heads_over_limit: %s\n    ",
                          bool_name (m->reclaim.buffer_heads_over_limit));
  put_size (out, "min_free", m->reclaim.min_free_bytes);
  g_string_append_printf (out, "\n    drain_on_exit: %s\n  device:\n    ",
                          bool_name (m->reclaim.drain_on_exit));
  put_duration (out, "read_latency", m->device.read_latency_ns);
  g_string_append (out, "\n    ");
  put_duration (out, "write_latency", m->device.write_latency_ns);
  g_string_append (out, "\n    ");
  put_duration (out, "jitter", m->device.jitter_ns);
  g_string_append_printf (out, "\n    queue_depth: %u\n    ", m->device.queue_depth);
  put_size (out, "size", m->device.size_bytes);
  g_string_append_c (out, '\n');
}

static void
write_files (const VmemuScenario *scn, GString *out)
{
  static const char *const states[] = { "on-disk", "cached", "dirty", "sparse" };

  g_string_append (out, scn->files->len ? "files:\n" : "files: []\n");
  for (guint i = 0; i < scn->files->len; i++)
    {
      const VmemuFile *f = g_ptr_array_index (scn->files, i);
      g_string_append (out, "  - { path: ");
      put_quoted (out, f->path);
      g_string_append (out, ", ");
      put_size (out, "size", f->size_bytes);
      if (f->content == VMEMU_CONTENT_BYTE)
        g_string_append_printf (out, ", content: %u", f->content_byte);
      else
        g_string_append_printf (out, ", content: %s",
                                f->content == VMEMU_CONTENT_RANDOM ? "random" : "zero");
      g_string_append_printf (out, ", state: %s }\n", states[MIN (f->state, 3)]);
    }
}

/* --- ops -------------------------------------------------------------------- */

/* Appends ", " between arguments of one flow mapping. */
typedef struct {
  GString *out;
  const VmemuScenario *scn;
  gboolean first;
} OpWriter;

static GString *
arg (OpWriter *w)
{
  g_string_append (w->out, w->first ? " " : ", ");
  w->first = FALSE;
  return w->out;
}

static void
arg_symbol (OpWriter *w, const char *key, gint index)
{
  const char *name = index >= 0 && (guint) index < w->scn->symbols->len
                       ? g_ptr_array_index (w->scn->symbols, index) : "?";
  g_string_append_printf (arg (w), "%s: ", key);
  put_quoted (w->out, name);
}

static void
arg_file (OpWriter *w, gint index)
{
  const VmemuFile *f = index >= 0 && (guint) index < w->scn->files->len
                         ? g_ptr_array_index (w->scn->files, index) : NULL;
  g_string_append (arg (w), "file: ");
  put_quoted (w->out, f ? f->path : "?");
}

static gboolean
op_takes (VmemuOpKind k, VmemuOpKind a, VmemuOpKind b, VmemuOpKind c)
{
  return k == a || k == b || k == c;
}

/* file, offset, length: which of them the op states. */
static void
write_op_range (OpWriter *w, const VmemuOp *op)
{
  VmemuOpKind k = op->kind;
  gboolean range = TRUE;

  if (op->file >= 0)
    arg_file (w, op->file);
  if (k == VMEMU_OP_VERIFY)
    range = op->has_range;
  if (k == VMEMU_OP_INJECT)
    {
      if (op->file >= 0 && !op->inject_any_offset)
        put_size (arg (w), "offset", op->offset_bytes);
      return;
    }
  if (!range || op_takes (k, VMEMU_OP_SYNC, VMEMU_OP_POWER_CUT, VMEMU_OP_DROP_CACHES)
      || op_takes (k, VMEMU_OP_FSYNC, VMEMU_OP_FDATASYNC, VMEMU_OP_TRUNCATE)
      || op_takes (k, VMEMU_OP_MSYNC, VMEMU_OP_MUNMAP, VMEMU_OP_SLEEP)
      || op_takes (k, VMEMU_OP_ALLOCATE, VMEMU_OP_FREE, VMEMU_OP_CLOSE_PIPE))
    return;
  if (k == VMEMU_OP_COPY_RANGE)
    return;  /* src, dst and length follow with the op's data */
  put_size (arg (w), "offset", op->offset_bytes);
  if (k != VMEMU_OP_MIGRATE && k != VMEMU_OP_SPLIT_FOLIO)
    put_size (arg (w), "length", op->length_bytes);
}

static void
write_op_symbols (OpWriter *w, const VmemuOp *op)
{
  if (op->kind == VMEMU_OP_MMAP)
    arg_symbol (w, "as", op->map);
  if (op->region >= 0)
    arg_symbol (w, "as", op->region);
  if (op->pipe >= 0)
    arg_symbol (w, "pipe", op->pipe);
}

static void
write_op_data (OpWriter *w, const VmemuOp *op)
{
  static const char *const ons[] = { "read", "write", "readahead" };
  VmemuOpKind k = op->kind;

  if (op->data == VMEMU_DATA_VALUE && op_takes (k, VMEMU_OP_WRITE, VMEMU_OP_MWRITE, VMEMU_OP_MREAD))
    g_string_append_printf (arg (w), "value: %u", op->value);
  if (op->data == VMEMU_DATA_FSX && (k == VMEMU_OP_WRITE || k == VMEMU_OP_MWRITE))
    g_string_append_printf (arg (w), "fsx_op: %u", op->fsx_opnum);
  if (k == VMEMU_OP_TRUNCATE || k == VMEMU_OP_ALLOCATE)
    put_size (arg (w), "size", op->size_bytes);
  if (k == VMEMU_OP_COPY_RANGE)
    {
      put_size (arg (w), "src", op->src_bytes);
      put_size (arg (w), "dst", op->dst_bytes);
      put_size (arg (w), "length", op->length_bytes);
    }
  if (k == VMEMU_OP_FADVISE)
    g_string_append_printf (arg (w), "advice: %s",
                            op->advice == VMEMU_ADVICE_WILLNEED ? "willneed" : "dontneed");
  if (k == VMEMU_OP_INJECT)
    g_string_append_printf (arg (w), "error: eio, on: %s", ons[MIN (op->inject_on, 2)]);
  if (k == VMEMU_OP_INJECT && op->count != 1)
    g_string_append_printf (arg (w), "count: %u", op->count);
  if (k == VMEMU_OP_DROP_CACHES && op->mode != 1)
    g_string_append_printf (arg (w), "mode: %u", op->mode);
  if (k == VMEMU_OP_SLEEP)
    put_duration (arg (w), "for", op->for_ns);
}

static void
write_op_flags (OpWriter *w, const VmemuOp *op)
{
  VmemuOpKind k = op->kind;

  if (k == VMEMU_OP_READ && op->hold_ns != 0)
    put_duration (arg (w), "hold", op->hold_ns);
  if (op->direct && (k == VMEMU_OP_READ || k == VMEMU_OP_WRITE))
    g_string_append (arg (w), "direct: true");
  if (op->private_map && k == VMEMU_OP_MMAP)
    g_string_append (arg (w), "private: true");
  if (!op->sync && k == VMEMU_OP_MSYNC)
    g_string_append (arg (w), "sync: false");
  if (op->keep_size && (k == VMEMU_OP_FALLOCATE || k == VMEMU_OP_ZERO_RANGE))
    g_string_append (arg (w), "keep_size: true");
  if (op->has_at)
    put_duration (arg (w), "at", op->at_ns);
  else if (op->after_ns != 0)
    put_duration (arg (w), "after", op->after_ns);
  if (op->expect_error != 0 && vmemu_errno_name (op->expect_error) != NULL)
    g_string_append_printf (arg (w), "expect: { error: %s }", vmemu_errno_name (op->expect_error));
}

static void
write_op (const VmemuScenario *scn, const VmemuOp *op, GString *out)
{
  OpWriter w = { .out = out, .scn = scn, .first = TRUE };

  g_string_append_printf (out, "      - %s: {", vmemu_op_kind_name (op->kind));
  if (op->map >= 0 && op->kind != VMEMU_OP_MMAP)
    arg_symbol (&w, "map", op->map);
  write_op_range (&w, op);
  write_op_symbols (&w, op);
  write_op_data (&w, op);
  write_op_flags (&w, op);
  g_string_append (out, w.first ? "}\n" : " }\n");
}

/* --- generate, tasks, the rest ---------------------------------------------- */

static void
write_generate (const VmemuScenario *scn, const VmemuGenerate *g, GString *out)
{
  const VmemuFile *f = g->file >= 0 && (guint) g->file < scn->files->len
                         ? g_ptr_array_index (scn->files, g->file) : NULL;

  g_string_append_printf (out, "    generate:\n      seed: %" G_GUINT64_FORMAT
                          "\n      count: %u\n      file: ", g->seed, g->count);
  put_quoted (out, f ? f->path : "?");
  g_string_append (out, "\n      ");
  put_size (out, "file_length", g->file_length_bytes);
  g_string_append (out, "\n      ");
  put_size (out, "max_op_size", g->max_op_size_bytes);
  g_string_append (out, "\n      ");
  put_size (out, "align", g->align_bytes);
  g_string_append_printf (out, "\n      weights: { read: %u, write: %u, mread: %u, mwrite: %u,"
                          " truncate: %u, fallocate: %u, punch_hole: %u, zero_range: %u,"
                          " collapse_range: %u, insert_range: %u, fsync: %u, msync: %u }\n",
                          g->w_read, g->w_write, g->w_mread, g->w_mwrite, g->w_truncate,
                          g->w_fallocate, g->w_punch_hole, g->w_zero_range,
                          g->w_collapse_range, g->w_insert_range, g->w_fsync, g->w_msync);
  g_string_append_printf (out, "      background: { pressure: %u, drop_caches: %u,"
                          " reader_hold: %u, readahead_error: %u, split: %u }\n",
                          g->bg_pressure, g->bg_drop_caches, g->bg_reader_hold,
                          g->bg_readahead_error, g->bg_split);
}

static void
write_tasks (const VmemuScenario *scn, GString *out)
{
  g_string_append (out, scn->tasks->len ? "tasks:\n" : "tasks: []\n");
  for (guint i = 0; i < scn->tasks->len; i++)
    {
      const VmemuTask *t = g_ptr_array_index (scn->tasks, i);
      g_string_append (out, "  - name: ");
      put_quoted (out, t->name);
      g_string_append_printf (out, "\n    cpu: %u\n", t->cpu);
      if (t->has_generate)
        {
          write_generate (scn, &t->generate, out);
          continue;
        }
      g_string_append (out, t->ops->len ? "    ops:\n" : "    ops: []\n");
      for (guint j = 0; j < t->ops->len; j++)
        write_op (scn, &g_array_index (t->ops, VmemuOp, j), out);
    }
}

static void
write_header (const char *header, GString *out)
{
  g_auto(GStrv) lines = NULL;

  if (header == NULL)
    return;
  lines = g_strsplit (header, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0' || lines[i + 1] != NULL)
      g_string_append_printf (out, "#%s%s\n", lines[i][0] ? " " : "", lines[i]);
}

void
vmemu_scenario_write_yaml (const VmemuScenario *scn, const char *header, GString *out)
{
  g_return_if_fail (scn != NULL && out != NULL);

  write_header (header, out);
  g_string_append (out, "name: ");
  put_quoted (out, scn->name ? scn->name : "");
  g_string_append_c (out, '\n');
  if (scn->description != NULL)
    {
      g_string_append (out, "description: ");
      put_quoted (out, scn->description);
      g_string_append_c (out, '\n');
    }
  if (scn->variant != NULL)
    {
      g_string_append (out, "variant: ");
      put_quoted (out, scn->variant);
      g_string_append_c (out, '\n');
    }
  write_machine (&scn->machine, out);
  g_string_append_printf (out, "filesystem:\n  block_size: %" G_GUINT64_FORMAT "\n",
                          scn->block_size_bytes);
  if (scn->has_fsx)
    {
      g_autofree char *len = scenario_format_size (scn->fsx_length_bytes);
      g_string_append_printf (out, "fsx: { seed: %u, length: %s, lite: %s }\n", scn->fsx_seed,
                              len, bool_name (scn->fsx_lite));
    }
  write_files (scn, out);
  write_tasks (scn, out);
  for (guint i = 0; i < scn->expects->len; i++)
    {
      const VmemuExpect *e = &g_array_index (scn->expects, VmemuExpect, i);
      g_string_append (out, i == 0 ? "expect:\n  " : "  ");
      put_quoted (out, e->variant);
      g_string_append_printf (out, ": %s\n",
                              e->outcome == VMEMU_EXPECT_DATA_LOSS ? "data-loss" : "clean");
    }
  scenario_write_expect_activity (scn, out);
}
