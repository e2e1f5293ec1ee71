/* generate.c — the `generate:` block: an fsx-style random op stream.
 *
 * The choices follow test() in ltp/fsx.c: pick an op by weight, draw an
 * offset and a length, trim them the way fsx trims (TRIM_OFF_LEN against
 * the file size for reads and punches, against -l for writes), and drop the
 * picks fsx would log as "skip".  The numbers come from the project PRNG
 * (VmemuRng), never from the C library, so a seed means the same stream
 * everywhere.
 */
#include "engine/generate/generate.h"

#include "engine/sim/sim.h"

/* What a pick can be; the order is the order of the weights in VmemuGenerate. */
typedef enum {
  GEN_READ, GEN_WRITE, GEN_MREAD, GEN_MWRITE, GEN_TRUNCATE, GEN_FALLOCATE,
  GEN_PUNCH_HOLE, GEN_ZERO_RANGE, GEN_COLLAPSE_RANGE, GEN_INSERT_RANGE, GEN_FSYNC,
  GEN_MSYNC, GEN__COUNT
} GenKind;

/* Generator state for one expansion. */
typedef struct {
  const VmemuGenerate *g;
  VmemuRng rng;
  guint64 size;            /* model file size, like fsx's file_size */
  guint64 length;          /* g->file_length_bytes: fsx -l */
  guint64 page;            /* page size */
  guint64 block;           /* fs block size: collapse/insert granularity */
  guint64 memory;          /* machine memory, for pressure sizes */
  gint file, map, region;
  GArray *ops;             /* foreground stream */
  GArray *bg;              /* background stream, NULL = inline */
  guint64 bg_next_ns;      /* the next background op starts no earlier */
  guint64 pick;            /* 0-based foreground pick */
} Gen;

void
vmemu_generate_prepare (VmemuScenario *scn)
{
  g_return_if_fail (scn != NULL);
  vmemu_scenario_intern_symbol (scn, VMEMU_FSX_MAP_SYMBOL);
  vmemu_scenario_intern_symbol (scn, VMEMU_FSX_REGION_SYMBOL);
}

static GenKind
gen_pick_kind (Gen *s, guint64 total)
{
  const guint32 w[GEN__COUNT] = {
    s->g->w_read, s->g->w_write, s->g->w_mread, s->g->w_mwrite, s->g->w_truncate,
    s->g->w_fallocate, s->g->w_punch_hole, s->g->w_zero_range, s->g->w_collapse_range,
    s->g->w_insert_range, s->g->w_fsync, s->g->w_msync,
  };
  guint64 r = vmemu_rng_below (&s->rng, total);

  for (guint k = 0; k < GEN__COUNT; k++)
    {
      if (r < w[k])
        return (GenKind) k;
      r -= w[k];
    }
  g_assert_not_reached ();
}

/* TRIM_OFF_LEN() of fsx, then the offset rounded down to `align`. */
static void
gen_trim (Gen *s, guint64 *off, guint64 *len, guint64 bound)
{
  guint64 align = MAX (s->g->align_bytes, 1);

  *off = bound ? *off % bound : 0;
  *off -= *off % align;
  if (*off + *len > bound)
    *len = bound - *off;
}

static void
gen_map (Gen *s, guint64 off, guint64 len, gboolean is_write, gboolean sync)
{
  VmemuMapAccess a = {
    .file = s->file, .map = s->map, .page_size_bytes = s->page,
    .offset_bytes = off, .length_bytes = len, .is_write = is_write,
    .has_msync = is_write, .msync_sync = sync, .data = VMEMU_DATA_GENERATED,
  };

  vmemu_emit_map_access (s->ops, &a);
}

static void
gen_truncate_to (Gen *s, guint64 new_size)
{
  VmemuOp op = vmemu_op_init (VMEMU_OP_TRUNCATE);

  op.file = s->file;
  op.size_bytes = new_size;
  g_array_append_val (s->ops, op);
  s->size = new_size;
}

/* read, mread, punch_hole, msync: ranges inside EOF. */
static void
gen_inside (Gen *s, GenKind k, guint64 off, guint64 len)
{
  gen_trim (s, &off, &len, s->size);
  if (len == 0)
    return;   /* fsx: "skipping zero size read" */
  if (k == GEN_READ)
    vmemu_emit_range (s->ops, VMEMU_OP_READ, s->file, off, len);
  else if (k == GEN_PUNCH_HOLE)
    vmemu_emit_range (s->ops, VMEMU_OP_PUNCH_HOLE, s->file, off, len);
  else
    gen_map (s, off, len, k == GEN_MSYNC, FALSE);
}

/* write, mwrite, fallocate, zero_range: ranges inside -l. */
static void
gen_extend (Gen *s, GenKind k, guint64 off, guint64 len)
{
  gboolean keep_size = FALSE;
  VmemuOpKind kind = k == GEN_FALLOCATE ? VMEMU_OP_FALLOCATE : VMEMU_OP_ZERO_RANGE;

  if (k == GEN_FALLOCATE || k == GEN_ZERO_RANGE)
    keep_size = vmemu_rng_below (&s->rng, 2) == 1;
  gen_trim (s, &off, &len, s->length);
  if (len == 0)
    return;
  if (k == GEN_MWRITE && off + len > s->size)
    gen_truncate_to (s, off + len);   /* domapwrite() extends by ftruncate */
  if (k == GEN_MWRITE)
    gen_map (s, off, len, TRUE, TRUE);
  else if (k == GEN_WRITE)
    vmemu_emit_range (s->ops, VMEMU_OP_WRITE, s->file, off, len);
  else
    {
      vmemu_emit_range (s->ops, kind, s->file, off, len);
      g_array_index (s->ops, VmemuOp, s->ops->len - 1).keep_size = keep_size;
    }
  if (!keep_size)
    s->size = MAX (s->size, off + len);
}

/* collapse_range and insert_range: block-aligned, as fsx's do_*_range(). */
static void
gen_shift (Gen *s, GenKind k, guint64 off, guint64 len)
{
  gboolean insert = k == GEN_INSERT_RANGE;

  if (!insert && s->size <= 1)
    return;
  gen_trim (s, &off, &len, insert ? s->length : s->size - 1);
  off -= off % s->block;
  len -= len % s->block;
  if (len == 0 || (!insert && off + len >= s->size)
      || (insert && (off >= s->size || s->size + len > s->length)))
    return;
  vmemu_emit_range (s->ops, insert ? VMEMU_OP_INSERT_RANGE : VMEMU_OP_COLLAPSE_RANGE, s->file,
                  off, len);
  s->size = insert ? s->size + len : s->size - len;
}

static void
gen_foreground (Gen *s, guint64 total)
{
  GenKind k = gen_pick_kind (s, total);
  guint64 off = vmemu_rng_next (&s->rng);
  guint64 len = vmemu_rng_below (&s->rng, s->g->max_op_size_bytes + 1);
  guint64 align = MAX (s->g->align_bytes, 1);

  switch (k)
    {
    case GEN_READ: case GEN_MREAD: case GEN_PUNCH_HOLE: case GEN_MSYNC:
      gen_inside (s, k, off, len);
      break;
    case GEN_WRITE: case GEN_MWRITE: case GEN_FALLOCATE: case GEN_ZERO_RANGE:
      gen_extend (s, k, off, len);
      break;
    case GEN_COLLAPSE_RANGE: case GEN_INSERT_RANGE:
      gen_shift (s, k, off, len);
      break;
    case GEN_TRUNCATE:
      off %= s->length;   /* fsx: a random size below maxfilelen, rounded down by -t */
      gen_truncate_to (s, off - off % align);
      break;
    case GEN_FSYNC:
    default:
      vmemu_emit_range (s->ops, VMEMU_OP_FSYNC, s->file, 0, 0);
      break;
    }
}

/* Appends a background op: timed for the background task, or inline. */
static void
gen_bg_emit (Gen *s, VmemuOp op, guint64 at_ns, guint64 duration_ns)
{
  if (s->bg == NULL)
    {
      g_array_append_val (s->ops, op);
      return;
    }
  op.has_at = TRUE;
  op.at_ns = MAX (at_ns, s->bg_next_ns);
  s->bg_next_ns = op.at_ns + MAX (duration_ns, 1);
  g_array_append_val (s->bg, op);
}

/* Anonymous memory: between a half and three quarters of RAM, held a while. */
static void
gen_bg_pressure (Gen *s, guint64 at_ns)
{
  guint64 half = s->memory / 2;
  guint64 bytes = half + vmemu_rng_below (&s->rng, half / 2 + 1);
  guint64 hold_ns = vmemu_rng_range (&s->rng, 1, 10) * VMEMU_GENERATE_OP_NS;
  VmemuOp op = vmemu_op_init (VMEMU_OP_ALLOCATE);

  op.size_bytes = MAX (bytes - bytes % s->page, s->page);
  op.region = s->region;
  gen_bg_emit (s, op, at_ns, hold_ns);
  op = vmemu_op_init (VMEMU_OP_FREE);
  op.region = s->region;
  gen_bg_emit (s, op, at_ns + hold_ns, 0);
}

/* A reader that keeps references on 1-4 pages inside EOF (a slow copy). */
static void
gen_bg_reader (Gen *s, guint64 at_ns)
{
  guint64 off = vmemu_rng_next (&s->rng);
  guint64 pages = vmemu_rng_range (&s->rng, 1, 4);
  guint64 hold_ns = vmemu_rng_range (&s->rng, 1, 50) * VMEMU_GENERATE_OP_NS;
  VmemuOp op = vmemu_op_init (VMEMU_OP_READ);

  if (s->size == 0)
    return;
  off %= s->size;
  off -= off % s->page;
  op.file = s->file;
  op.offset_bytes = off;
  op.length_bytes = MIN (pages * s->page, s->size - off);
  op.hold_ns = hold_ns;
  gen_bg_emit (s, op, at_ns, hold_ns);
}

/* split_folio at a page inside EOF. */
static void
gen_bg_split (Gen *s, guint64 at_ns)
{
  guint64 off = vmemu_rng_next (&s->rng);
  VmemuOp op = vmemu_op_init (VMEMU_OP_SPLIT_FOLIO);

  if (s->size == 0)
    return;
  off %= s->size;
  op.file = s->file;
  op.offset_bytes = off - off % s->page;
  gen_bg_emit (s, op, at_ns, 0);
}

static void
gen_bg_simple (Gen *s, VmemuOpKind kind, guint64 at_ns)
{
  VmemuOp op = vmemu_op_init (kind);

  if (kind == VMEMU_OP_INJECT)
    {
      op.inject_on = VMEMU_INJECT_ON_READAHEAD;   /* the next readahead I/O fails */
      op.file = s->file;
      op.inject_any_offset = TRUE;
      op.count = 1;
    }
  gen_bg_emit (s, op, at_ns, 0);   /* drop_caches keeps mode 1 */
}

static gboolean
gen_roll (Gen *s, guint32 per_mille)
{
  return per_mille > 0 && vmemu_rng_below (&s->rng, 1000) < per_mille;
}

/* The background knobs, rolled in a fixed order after every pick. */
static void
gen_background (Gen *s)
{
  guint64 at_ns = (guint64) (s->pick + 1) * VMEMU_GENERATE_OP_NS;
  const VmemuGenerate *g = s->g;

  if (gen_roll (s, g->bg_pressure))
    gen_bg_pressure (s, at_ns + vmemu_rng_below (&s->rng, VMEMU_GENERATE_OP_NS));
  if (gen_roll (s, g->bg_drop_caches))
    gen_bg_simple (s, VMEMU_OP_DROP_CACHES,
                   at_ns + vmemu_rng_below (&s->rng, VMEMU_GENERATE_OP_NS));
  if (gen_roll (s, g->bg_reader_hold))
    gen_bg_reader (s, at_ns + vmemu_rng_below (&s->rng, VMEMU_GENERATE_OP_NS));
  if (gen_roll (s, g->bg_readahead_error))
    gen_bg_simple (s, VMEMU_OP_INJECT, at_ns + vmemu_rng_below (&s->rng, VMEMU_GENERATE_OP_NS));
  if (gen_roll (s, g->bg_split))
    gen_bg_split (s, at_ns + vmemu_rng_below (&s->rng, VMEMU_GENERATE_OP_NS));
}

static guint64
gen_total_weight (const VmemuGenerate *g)
{
  return (guint64) g->w_read + g->w_write + g->w_mread + g->w_mwrite + g->w_truncate
         + g->w_fallocate + g->w_punch_hole + g->w_zero_range + g->w_collapse_range
         + g->w_insert_range + g->w_fsync + g->w_msync;
}

/* A generate: block's stream, pick by pick (issue 12: a run pulls its ops
 * lazily, so memory no longer grows with count). */
struct _VmemuGenerator {
  VmemuGenerate g;         /* a copy: the generator outlives no scenario but owns its knobs */
  Gen s;
  guint64 total;           /* sum of the weights */
};

VmemuGenerator *
vmemu_generator_new (const VmemuGenerate *g, const VmemuScenario *scn, guint64 initial_size,
                     guint64 page_size)
{
  g_return_val_if_fail (g != NULL && scn != NULL, NULL);
  g_return_val_if_fail (page_size > 0 && g->file_length_bytes > 0, NULL);
  g_return_val_if_fail (g->file >= 0 && (guint) g->file < scn->files->len, NULL);
  gint map = vmemu_scenario_symbol_lookup (scn, VMEMU_FSX_MAP_SYMBOL);
  gint region = vmemu_scenario_symbol_lookup (scn, VMEMU_FSX_REGION_SYMBOL);
  g_return_val_if_fail (map >= 0 && region >= 0, NULL);   /* vmemu_generate_prepare() */

  VmemuGenerator *gen = g_new0 (VmemuGenerator, 1);
  gen->g = *g;
  gen->s.g = &gen->g;
  gen->s.size = initial_size;
  gen->s.page = page_size;
  gen->s.map = map;
  gen->s.region = region;
  gen->s.length = g->file_length_bytes;
  gen->s.block = scn->block_size_bytes ? scn->block_size_bytes : page_size;
  gen->s.memory = scn->machine.memory_bytes;
  gen->s.file = g->file;
  vmemu_rng_init (&gen->s.rng, g->seed);
  gen->total = gen_total_weight (g);
  return gen;
}

void
vmemu_generator_free (VmemuGenerator *gen)
{
  g_free (gen);
}

gboolean
vmemu_generator_step (VmemuGenerator *gen, GArray *ops_out, GArray *bg_ops_out)
{
  g_return_val_if_fail (gen != NULL && ops_out != NULL, FALSE);
  if (gen->s.pick >= gen->g.count)
    return FALSE;
  gen->s.ops = ops_out;
  gen->s.bg = bg_ops_out;
  if (gen->total > 0)
    gen_foreground (&gen->s, gen->total);
  gen_background (&gen->s);
  gen->s.pick++;
  gen->s.ops = gen->s.bg = NULL;
  return TRUE;
}

void
vmemu_generate_ops (const VmemuGenerate *g, const VmemuScenario *scn, guint64 initial_size,
                    guint64 page_size, GArray *ops_out, GArray *bg_ops_out)
{
  vmemu_generate_ops_until (g, scn, initial_size, page_size, ops_out, bg_ops_out, NULL);
}

gboolean
vmemu_generate_ops_until (const VmemuGenerate *g, const VmemuScenario *scn,
                          guint64 initial_size, guint64 page_size, GArray *ops_out,
                          GArray *bg_ops_out, const volatile gint *interrupt)
{
  g_return_val_if_fail (ops_out != NULL, FALSE);
  g_autoptr (VmemuGenerator) gen = vmemu_generator_new (g, scn, initial_size, page_size);
  g_return_val_if_fail (gen != NULL, FALSE);
  for (guint64 pick = 0;; pick++)
    {
      /* Ctrl-C while a large block expands: stop within 4096 picks. */
      if (interrupt != NULL && (pick & 4095) == 0 && *interrupt)
        return FALSE;
      if (!vmemu_generator_step (gen, ops_out, bg_ops_out))
        return TRUE;
    }
}
