/* diff.c — compare two trace runs: fingerprint first, then a lockstep walk of
 * both event streams to the first divergence, then its consequences. */
#define G_LOG_DOMAIN "vmemu-diff"
#include "reports/diff/diff.h"

#include <string.h>

#include <sqlite3.h>

#include "reports/diff/diff-private.h"

G_DEFINE_QUARK (vmemu-diff-error-quark, vmemu_diff_error)

/* Events shown after the divergence, per side. */
#define NEXT_EVENTS 5

/* What the walk needs to know about one side. */
typedef struct {
  VmemuTracedb *db;         /* borrowed */
  gint64 run;
  guint blocks_per_page;    /* width of iomap bitmaps; 0 = unknown */
  guint64 page_size_bytes;  /* for file offsets */
} SideCtx;

gboolean
vmemu_diff_parse_format (const char *name, VmemuDiffFormat *out, GError **error)
{
  static const char *const names[] = { "text", "markdown", "json" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (name != NULL && strcmp (name, names[i]) == 0)
      {
        *out = (VmemuDiffFormat) i;
        return TRUE;
      }
  g_set_error (error, VMEMU_DIFF_ERROR, VMEMU_DIFF_ERROR_FORMAT,
               "unknown format '%s' (expected text, markdown or json)",
               name ? name : "");
  return FALSE;
}

char *
diff_format_time (guint64 t_ns)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT " ms",
                          t_ns / 1000000, t_ns % 1000000);
}

void
diff_event_clear (DiffEvent *ev)
{
  g_clear_pointer (&ev->name, g_free);
  g_clear_pointer (&ev->detail, g_free);
  g_clear_pointer (&ev->args_text, g_free);
  g_clear_pointer (&ev->what, g_free);
  g_clear_pointer (&ev->task_name, g_free);
  ev->present = FALSE;
}

static void
diff_event_free (gpointer p)
{
  diff_event_clear (p);
  g_free (p);
}

/* ---- describing events ---- */

/* An iomap uptodate bitmap, block 0 first: "0000", "1100". */
static char *
bits_string (gint64 bits, guint width)
{
  GString *s = g_string_new (NULL);

  if (width == 0)
    for (width = 1; width < 64 && (bits >> width) != 0; width++)
      ;
  for (guint i = 0; i < width && i < 64; i++)
    g_string_append_c (s, (bits >> i) & 1 ? '1' : '0');
  return g_string_free (s, FALSE);
}

/* Names where the kernel has them: the function that created an iomap_page,
 * iomap extent types, reference holders, signals. */
static void
arg_value (GString *s, const char *event, const char *arg, gint64 v)
{
  if (strcmp (arg, "caller") == 0 && strcmp (event, "iomap_page_create") == 0)
    g_string_append_printf (s, "caller=%s", vmemu_iop_caller_name ((int) v));
  else if (strcmp (arg, "type") == 0)
    g_string_append_printf (s, "type=%s", vmemu_iomap_type_name ((int) v));
  else if ((strcmp (arg, "holder") == 0 || strcmp (arg, "moved_from") == 0) && v >= 0)
    g_string_append_printf (s, "%s=%s", arg, vmemu_ref_holder_name ((VmemuRefHolder) v));
  else if (strcmp (arg, "sig") == 0)
    g_string_append_printf (s, "sig=%s", vmemu_signal_name ((int) v));
  else
    g_string_append_printf (s, "%s=%" G_GINT64_FORMAT, arg, v);
}

static char *
args_text (VmemuTracedb *db, const VmemuTracedbEvent *ev, guint width)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < 4; i++)
    {
      const char *arg = vmemu_tracedb_arg_name (db, ev->name, i);
      if (arg[0] == '\0')
        continue;
      if (s->len > 0)
        g_string_append_c (s, ' ');
      if (strcmp (arg, "bits") == 0)
        {
          g_autofree char *b = bits_string (ev->a[i], width);
          g_string_append_printf (s, "bits=%s", b);
        }
      else
        arg_value (s, ev->name, arg, ev->a[i]);
    }
  if (ev->detail != NULL)
    g_string_append_printf (s, "%s\"%s\"", s->len ? " " : "", ev->detail);
  return g_string_free (s, FALSE);
}

/* One sentence, in kernel terms, for what an event did. */
static char *
describe_event (const VmemuTracedbEvent *ev, const char *args, guint width)
{
  switch (ev->id)
    {
    case VMEMU_EV_IOP_CREATE:
      {
        g_autofree char *bits = bits_string (VMEMU_EV_ARG (ev, IOP_CREATE, bits), width);
        return g_strdup_printf ("created the iomap_page with uptodate bits %s on %s page", bits,
                                VMEMU_EV_ARG (ev, IOP_CREATE, page_uptodate)
                                ? "an uptodate" : "a !uptodate");
      }
    case VMEMU_EV_IOP_RELEASE:
      {
        g_autofree char *bits = bits_string (VMEMU_EV_ARG (ev, IOP_RELEASE, bits), width);
        return g_strdup_printf ("released the iomap_page (bits %s)", bits);
      }
    case VMEMU_EV_IOP_SET_UPTODATE:
      {
        g_autofree char *bits = bits_string (VMEMU_EV_ARG (ev, IOP_SET_UPTODATE, bits), width);
        return g_strdup_printf ("marked bytes [%" G_GINT64_FORMAT ", +%" G_GINT64_FORMAT
                                ") uptodate, bits now %s",
                                VMEMU_EV_ARG (ev, IOP_SET_UPTODATE, offset_bytes),
                                VMEMU_EV_ARG (ev, IOP_SET_UPTODATE, length_bytes), bits);
      }
    case VMEMU_EV_IOMAP_WRITEPAGE_MAP:
      {
        g_autofree char *bits = bits_string (VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, bits), width);
        gint64 count = VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, count);
        return g_strdup_printf ("iomap_writepage_map saw bits %s: %" G_GINT64_FORMAT
                                " %s added to I/O, %" G_GINT64_FORMAT
                                " skipped, error %" G_GINT64_FORMAT,
                                bits, count, count == 1 ? "block" : "blocks",
                                VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, blocks_skipped),
                                VMEMU_EV_ARG (ev, IOMAP_WRITEPAGE_MAP, error));
      }
    case VMEMU_EV_BIO_QUEUE:
      return g_strdup_printf ("queued %s bio %" G_GINT64_FORMAT " at sector %"
                              G_GINT64_FORMAT ", %" G_GINT64_FORMAT " sectors",
                              VMEMU_EV_ARG (ev, BIO_QUEUE, write) ? "a write" : "a read",
                              VMEMU_EV_ARG (ev, BIO_QUEUE, bio),
                              VMEMU_EV_ARG (ev, BIO_QUEUE, sector),
                              VMEMU_EV_ARG (ev, BIO_QUEUE, nr_sectors));
    case VMEMU_EV_DATA_LOSS:
      return g_strdup_printf ("lost data in %s at [%" G_GINT64_FORMAT ", +%"
                              G_GINT64_FORMAT ")", ev->detail ? ev->detail : "?",
                              VMEMU_EV_ARG (ev, DATA_LOSS, offset_bytes),
                              VMEMU_EV_ARG (ev, DATA_LOSS, length_bytes));
    case VMEMU_EV_SYS_ENTER:
      return g_strdup_printf ("entered %s", ev->detail ? ev->detail : "a syscall");
    case VMEMU_EV_SYS_EXIT:
      return g_strdup_printf ("returned %" G_GINT64_FORMAT " from %s",
                              VMEMU_EV_ARG (ev, SYS_EXIT, result),
                              ev->detail ? ev->detail : "a syscall");
    default:
      return g_strdup_printf ("ran %s(%s)", ev->name, args);
    }
}

static void
event_copy (DiffEvent *out, VmemuTracedb *db, gint64 run, const VmemuTracedbEvent *ev,
            guint width)
{
  diff_event_clear (out);
  *out = (DiffEvent) {
    .present = TRUE, .seq = ev->seq, .t_ns = ev->t_ns, .name = g_strdup (ev->name),
    .task = ev->task, .cpu = ev->cpu, .ino = ev->ino, .idx = ev->idx,
    .blk_first = ev->blk_first, .blk_count = ev->blk_count,
    .flags_before = ev->flags_before, .flags_after = ev->flags_after,
    .refcount = ev->refcount, .mapcount = ev->mapcount,
    .detail = g_strdup (ev->detail),
  };
  memcpy (out->a, ev->a, sizeof out->a);
  const char *task = ev->task >= 0 ? vmemu_tracedb_task_name (db, run, ev->task) : NULL;
  out->task_name = task ? g_strdup (task) : NULL;
  out->args_text = args_text (db, ev, width);
  out->what = describe_event (ev, out->args_text, width);
}

/* ---- the walk ---- */

/* The identity of an event, which alignment compares. */
static gboolean
event_same_key (const VmemuTracedbEvent *x, const VmemuTracedbEvent *y)
{
  return strcmp (x->name, y->name) == 0 && x->task == y->task
         && x->ino == y->ino && x->idx == y->idx && x->blk_first == y->blk_first
         && x->blk_count == y->blk_count && x->flags_before == y->flags_before
         && x->flags_after == y->flags_after
         && memcmp (x->a, y->a, sizeof x->a) == 0;
}

static gboolean
event_same_rest (const VmemuTracedbEvent *x, const VmemuTracedbEvent *y)
{
  return x->cpu == y->cpu && x->refcount == y->refcount
         && x->mapcount == y->mapcount
         && g_strcmp0 (x->detail, y->detail) == 0;
}

static VmemuDiffKind
event_compare (const VmemuTracedbEvent *x, const VmemuTracedbEvent *y)
{
  if (!event_same_key (x, y))
    return VMEMU_DIFF_EVENT;
  if (x->t_ns != y->t_ns)
    return VMEMU_DIFF_TIME;
  if (!event_same_rest (x, y))
    return VMEMU_DIFF_FIELDS;
  return VMEMU_DIFF_SAME;
}

/* Walk both streams in seq order; fill d->kind, d->common and each side's
 * event at the divergence.  VMEMU_DIFF_SAME when every event matched. */
static gboolean
diff_walk (VmemuDiff *d, SideCtx ctx[2], GError **error)
{
  g_autoptr(VmemuTracedbIter) ia = vmemu_tracedb_events (ctx[0].db, ctx[0].run, 0, error);
  g_autoptr(VmemuTracedbIter) ib = ia ? vmemu_tracedb_events (ctx[1].db, ctx[1].run, 0, error) : NULL;
  VmemuTracedbEvent ea, eb;
  GError *local = NULL;

  if (ib == NULL)
    return FALSE;
  d->kind = VMEMU_DIFF_SAME;
  for (;;)
    {
      gboolean has_a = vmemu_tracedb_iter_next (ia, &ea, &local);
      gboolean has_b = local ? FALSE : vmemu_tracedb_iter_next (ib, &eb, &local);
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (!has_a && !has_b)
        return TRUE;
      d->kind = has_a && has_b ? event_compare (&ea, &eb) : VMEMU_DIFF_LENGTH;
      if (d->kind == VMEMU_DIFF_SAME)
        {
          event_copy (&d->common, ctx[0].db, ctx[0].run, &ea, ctx[0].blocks_per_page);
          continue;
        }
      if (has_a)
        event_copy (&d->side[0].ev, ctx[0].db, ctx[0].run, &ea, ctx[0].blocks_per_page);
      if (has_b)
        event_copy (&d->side[1].ev, ctx[1].db, ctx[1].run, &eb, ctx[1].blocks_per_page);
      return TRUE;
    }
}

/* The events of the divergent page that follow the divergence on one side. */
static gboolean
diff_collect_next (DiffSide *side, const SideCtx *ctx, const VmemuDiff *d,
                   GError **error)
{
  gint64 from = side->ev.present ? side->ev.seq + 1 : d->seq;
  g_autoptr(VmemuTracedbIter) it = vmemu_tracedb_page_events (
    ctx->db, ctx->run, d->page_ino, d->page_idx, from, error);
  VmemuTracedbEvent ev;
  GError *local = NULL;

  if (it == NULL)
    return FALSE;
  while (side->next->len < NEXT_EVENTS && vmemu_tracedb_iter_next (it, &ev, &local))
    {
      /* what the page went through, not who touched its refcount (those
       * are in `vmemu show` and the page_refs view) */
      if (ev.id == VMEMU_EV_PAGE_REF_GET || ev.id == VMEMU_EV_PAGE_REF_PUT)
        continue;
      DiffEvent *copy = g_new0 (DiffEvent, 1);
      event_copy (copy, ctx->db, ctx->run, &ev, ctx->blocks_per_page);
      g_ptr_array_add (side->next, copy);
    }
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* ---- headline and explanation ---- */

static const DiffEvent *
diff_page_event (const VmemuDiff *d)
{
  for (int s = 0; s < 2; s++)
    if (d->side[s].ev.present && d->side[s].ev.ino != 0 && d->side[s].ev.idx >= 0)
      return &d->side[s].ev;
  return NULL;
}

static void
diff_locate_page (VmemuDiff *d, SideCtx ctx[2])
{
  const DiffEvent *pe = diff_page_event (d);
  const DiffEvent *any = d->side[0].ev.present ? &d->side[0].ev : &d->side[1].ev;

  d->seq = any->seq;
  d->t_ns = any->t_ns;
  d->page_idx = -1;
  if (pe == NULL)
    return;
  int s = pe == &d->side[0].ev ? 0 : 1;
  d->page_ino = pe->ino;
  d->page_idx = pe->idx;
  d->page_offset_bytes = (guint64) pe->idx * ctx[s].page_size_bytes;
  const char *path = vmemu_tracedb_inode_path (ctx[s].db, ctx[s].run, pe->ino);
  d->page_path = path ? g_strdup (path)
                      : g_strdup_printf ("inode %" G_GUINT64_FORMAT, pe->ino);
}

static char *
fields_differ_text (const DiffEvent *a, const DiffEvent *b, const char *la,
                    const char *lb)
{
  GString *s = g_string_new (NULL);

#define FIELD(f)                                                              \
  if (a->f != b->f)                                                           \
    g_string_append_printf (s, "%s" #f " %s %" G_GINT64_FORMAT ", %s %"       \
                            G_GINT64_FORMAT, s->len ? "; " : "", la,          \
                            (gint64) a->f, lb, (gint64) b->f);
  FIELD (refcount)
  FIELD (mapcount)
  FIELD (cpu)
#undef FIELD
  if (g_strcmp0 (a->detail, b->detail) != 0)
    g_string_append_printf (s, "%sdetail %s \"%s\", %s \"%s\"", s->len ? "; " : "",
                            la, a->detail ? a->detail : "", lb,
                            b->detail ? b->detail : "");
  return g_string_free (s, FALSE);
}

/* iomap_page_create on an uptodate page with some bits clear on one side:
 * the case 4595a298d556 fixes (iomap_page_create, iomap_page_mkwrite_actor; docs/model.md "iomap"). */
static void
diff_hint_iop_create (VmemuDiff *d)
{
  const DiffEvent *a = &d->side[0].ev, *b = &d->side[1].ev;
  gint64 nr_blocks = VMEMU_EV_ARG (a, IOP_CREATE, nr_blocks);
  gint64 nr = nr_blocks > 0 && nr_blocks < 64 ? nr_blocks : 0;
  gint64 full = nr ? (G_GINT64_CONSTANT (1) << nr) - 1 : 0;
  gint64 bits_a = VMEMU_EV_ARG (a, IOP_CREATE, bits), bits_b = VMEMU_EV_ARG (b, IOP_CREATE, bits);

  if (VMEMU_EV_ARG (a, IOP_CREATE, page_uptodate) == 0 || nr == 0
      || (bits_a != full && bits_b != full))
    return;
  const char *clear = bits_a == full ? d->side[1].label : d->side[0].label;
  d->hint = g_strdup_printf (
    "the page was uptodate but %s's new iomap_page marks blocks !uptodate;"
    " iomap_writepage_map skips those blocks, so stores through the mapping"
    " are never written back (the lost write fixed by 4595a298d556, which"
    " fills the bitmap for an uptodate page)", clear);
}

static void
diff_explain (VmemuDiff *d, const SideCtx ctx[2])
{
  const DiffEvent *a = &d->side[0].ev, *b = &d->side[1].ev;
  const char *la = d->side[0].label, *lb = d->side[1].label;

  if (d->kind == VMEMU_DIFF_LENGTH)
    {
      const DiffSide *ended = a->present ? &d->side[1] : &d->side[0];
      const DiffEvent *more = a->present ? a : b;
      d->explanation = g_strdup_printf ("%s ended after %" G_GUINT64_FORMAT
                                        " events; %s went on and %s", ended->label,
                                        ended->n_events, a->present ? la : lb,
                                        more->what);
    }
  else if (d->kind == VMEMU_DIFF_TIME)
    {
      g_autofree char *ta = diff_format_time (a->t_ns);
      g_autofree char *tb = diff_format_time (b->t_ns);
      d->explanation = g_strdup_printf ("both sides %s, but %s at %s and %s at %s",
                                        a->what, la, ta, lb, tb);
    }
  else if (d->kind == VMEMU_DIFF_FIELDS)
    {
      g_autofree char *f = fields_differ_text (a, b, la, lb);
      d->explanation = g_strdup_printf ("both sides %s, but %s", a->what, f);
    }
  else if (strcmp (a->name, b->name) == 0
           && strcmp (a->name, "iomap_page_create") == 0
           && VMEMU_EV_ARG (a, IOP_CREATE, page_uptodate)
              == VMEMU_EV_ARG (b, IOP_CREATE, page_uptodate))
    {
      g_autofree char *bits = bits_string (VMEMU_EV_ARG (b, IOP_CREATE, bits),
                                           ctx[1].blocks_per_page);
      d->explanation = g_strdup_printf ("%s %s; %s created it with bits %s",
                                        la, a->what, lb, bits);
      diff_hint_iop_create (d);
    }
  else
    d->explanation = g_strdup_printf ("%s %s; %s %s", la, a->what, lb, b->what);
}

static void
diff_make_headline (VmemuDiff *d)
{
  const DiffEvent *a = &d->side[0].ev, *b = &d->side[1].ev;
  const char *name = NULL;
  g_autofree char *where = NULL;

  if (a->present && b->present && strcmp (a->name, b->name) == 0)
    name = a->name;
  else if (a->present != b->present)
    name = a->present ? a->name : b->name;
  if (d->page_idx >= 0)
    where = g_strdup_printf ("on %s page %" G_GINT64_FORMAT " (offset %"
                             G_GUINT64_FORMAT ")", d->page_path, d->page_idx,
                             d->page_offset_bytes);
  d->headline = g_strjoin (" ", name ? name : a->name, where ? where : "", NULL);
  g_strchomp (d->headline);
  if (name == NULL)
    {
      g_free (d->headline);
      d->headline = where ? g_strdup_printf ("%s vs %s %s", a->name, b->name, where)
                          : g_strdup_printf ("%s vs %s", a->name, b->name);
    }
}

/* ---- consequences ---- */

static gboolean
side_query_io (DiffSide *side, const SideCtx *ctx, GError **error)
{
  sqlite3 *h = vmemu_tracedb_handle (ctx->db);
  sqlite3_stmt *st = NULL;
  static const char sql[] =
    "SELECT count(*), coalesce(sum(write <> 0), 0),"
    " coalesce(sum(CASE WHEN write <> 0 THEN nr_sectors ELSE 0 END), 0) * 512,"
    " coalesce(sum(CASE WHEN write = 0 THEN nr_sectors ELSE 0 END), 0) * 512,"
    " (SELECT coalesce(sum(blocks_skipped), 0) FROM events_named"
    "   WHERE run = ?1 AND name = 'iomap_writepage_map')"
    " FROM block_io WHERE run = ?1";

  if (sqlite3_prepare_v2 (h, sql, -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SQLITE, "%s: %s",
                   vmemu_tracedb_path (ctx->db), sqlite3_errmsg (h));
      return FALSE;
    }
  sqlite3_bind_int64 (st, 1, ctx->run);
  if (sqlite3_step (st) == SQLITE_ROW)
    {
      side->io.bios = (guint64) sqlite3_column_int64 (st, 0);
      side->io.write_bios = (guint64) sqlite3_column_int64 (st, 1);
      side->io.write_bytes = (guint64) sqlite3_column_int64 (st, 2);
      side->io.read_bytes = (guint64) sqlite3_column_int64 (st, 3);
      side->io.blocks_skipped = (guint64) sqlite3_column_int64 (st, 4);
    }
  sqlite3_finalize (st);
  return TRUE;
}

static void
diff_loss_clear (gpointer p)
{
  g_free (((DiffLoss *) p)->path);
}

static gboolean
side_collect_losses (DiffSide *side, const SideCtx *ctx, GError **error)
{
  sqlite3 *h = vmemu_tracedb_handle (ctx->db);
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (h, "SELECT t_ns, offset_bytes, length_bytes, detail FROM events_named"
                             " WHERE run = ? AND name = 'vmemu_data_loss' ORDER BY seq",
                          -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, VMEMU_TRACEDB_ERROR, VMEMU_TRACEDB_ERROR_SQLITE, "%s: %s",
                   vmemu_tracedb_path (ctx->db), sqlite3_errmsg (h));
      return FALSE;
    }
  sqlite3_bind_int64 (st, 1, ctx->run);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const char *path = (const char *) sqlite3_column_text (st, 3);
      DiffLoss l = { (guint64) sqlite3_column_int64 (st, 0), g_strdup (path ? path : "?"),
                     (guint64) sqlite3_column_int64 (st, 1),
                     (guint64) sqlite3_column_int64 (st, 2) };
      g_array_append_val (side->losses, l);
    }
  sqlite3_finalize (st);
  return TRUE;
}

static gboolean
side_collect (DiffSide *side, const SideCtx *ctx, GError **error)
{
  g_autoptr(GPtrArray) verifs = vmemu_tracedb_verifications (ctx->db, ctx->run, error);

  if (verifs == NULL)
    return FALSE;
  side->n_verifications = verifs->len;
  for (guint i = 0; i < verifs->len; i++)
    if (!((VmemuTracedbVerify *) verifs->pdata[i])->ok)
      g_ptr_array_add (side->failed, g_ptr_array_steal_index (verifs, i--));
  return side_query_io (side, ctx, error) && side_collect_losses (side, ctx, error);
}

static gboolean
diff_collect_counts (VmemuDiff *d, const SideCtx ctx[2], GError **error)
{
  g_autoptr(GArray) ca = vmemu_tracedb_count_by_name (ctx[0].db, ctx[0].run, error);
  g_autoptr(GArray) cb = ca ? vmemu_tracedb_count_by_name (ctx[1].db, ctx[1].run, error) : NULL;
  guint i = 0, j = 0;

  if (cb == NULL)
    return FALSE;
  while (i < ca->len || j < cb->len)
    {
      VmemuTracedbCount *x = i < ca->len ? &g_array_index (ca, VmemuTracedbCount, i) : NULL;
      VmemuTracedbCount *y = j < cb->len ? &g_array_index (cb, VmemuTracedbCount, j) : NULL;
      int c = x == NULL ? 1 : y == NULL ? -1 : strcmp (x->name, y->name);
      DiffCount dc = { g_strdup (c <= 0 ? x->name : y->name),
                       c <= 0 ? x->count : 0, c >= 0 ? y->count : 0 };
      i += c <= 0;
      j += c >= 0;
      if (dc.a != dc.b)
        g_array_append_val (d->counts, dc);
      else
        g_free (dc.name);
    }
  return TRUE;
}

/* ---- meta ---- */

static void
diff_meta_free (gpointer p)
{
  DiffMeta *m = p;

  g_free (m->key);
  g_free (m->a);
  g_free (m->b);
  g_free (m);
}

static void
diff_add_meta (VmemuDiff *d, const char *key, const SideCtx ctx[2])
{
  g_autofree char *a = vmemu_tracedb_meta (ctx[0].db, ctx[0].run, key);
  g_autofree char *b = vmemu_tracedb_meta (ctx[1].db, ctx[1].run, key);

  if (strcmp (key, "content_sha256") == 0 || g_strcmp0 (a, b) == 0)
    return;
  DiffMeta *m = g_new0 (DiffMeta, 1);
  m->key = g_strdup (key);
  m->a = g_steal_pointer (&a);
  m->b = g_steal_pointer (&b);
  g_ptr_array_add (d->meta, m);
}

static const DiffMeta *
diff_find_meta (const VmemuDiff *d, const char *key)
{
  for (guint i = 0; i < d->meta->len; i++)
    if (strcmp (((DiffMeta *) d->meta->pdata[i])->key, key) == 0)
      return d->meta->pdata[i];
  return NULL;
}

/* The meta differences a reader must see first, as sentences. */
static void
diff_meta_notes (VmemuDiff *d)
{
  static const struct { const char *key, *what; } keys[] = {
    { "seed", "seeds differ" },
    { "variant", "variants differ" },
    { "scenario", "scenarios differ" },
    { "scenario_sha256", "scenario files differ (sha256)" },
    { "vmemu_version", "vmemu versions differ" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const DiffMeta *m = diff_find_meta (d, keys[i].key);
      if (m == NULL)
        continue;
      if (g_strcmp0 (m->a, d->side[0].label) == 0
          && g_strcmp0 (m->b, d->side[1].label) == 0)
        g_ptr_array_add (d->notes, g_strdup_printf ("%s: %s vs %s", keys[i].what,
                                                    m->a, m->b));
      else
        g_ptr_array_add (d->notes, g_strdup_printf (
          "%s: %s %s, %s %s", keys[i].what, d->side[0].label,
          m->a ? m->a : "(none)", d->side[1].label, m->b ? m->b : "(none)"));
    }
}

static gint
diff_meta_cmp (gconstpointer x, gconstpointer y)
{
  return strcmp ((*(DiffMeta *const *) x)->key, (*(DiffMeta *const *) y)->key);
}

static void
diff_compare_meta (VmemuDiff *d, const SideCtx ctx[2])
{
  g_auto(GStrv) ka = vmemu_tracedb_meta_keys (ctx[0].db, ctx[0].run);
  g_auto(GStrv) kb = vmemu_tracedb_meta_keys (ctx[1].db, ctx[1].run);

  for (char **k = ka; *k != NULL; k++)
    diff_add_meta (d, *k, ctx);
  for (char **k = kb; *k != NULL; k++)
    if (!g_strv_contains ((const char *const *) ka, *k))
      diff_add_meta (d, *k, ctx);
  g_ptr_array_sort (d->meta, diff_meta_cmp);
}

/* ---- sides ---- */

static guint64
meta_u64 (VmemuTracedb *db, gint64 run, const char *key)
{
  g_autofree char *v = vmemu_tracedb_meta (db, run, key);

  return v ? g_ascii_strtoull (v, NULL, 10) : 0;
}

/* Bitmap width: page / block size from meta, else the trace's first
 * iomap_page_create nr_blocks, else 0 (as many digits as the value needs). */
static void
side_ctx_init (SideCtx *ctx, VmemuTracedb *db, gint64 run)
{
  guint64 block = meta_u64 (db, run, "block_size_bytes");
  sqlite3_stmt *st = NULL;

  ctx->db = db;
  ctx->run = run;
  ctx->page_size_bytes = meta_u64 (db, run, "page_size_bytes");
  if (ctx->page_size_bytes == 0)
    ctx->page_size_bytes = 4096;
  ctx->blocks_per_page = block ? (guint) (ctx->page_size_bytes / block) : 0;
  if (ctx->blocks_per_page != 0
      || sqlite3_prepare_v2 (vmemu_tracedb_handle (db),
                             "SELECT nr_blocks FROM events_named WHERE run = ?"
                             " AND name = 'iomap_page_create' ORDER BY seq LIMIT 1",
                             -1, &st, NULL) != SQLITE_OK)
    return;
  sqlite3_bind_int64 (st, 1, run);
  if (sqlite3_step (st) == SQLITE_ROW)
    ctx->blocks_per_page = (guint) CLAMP (sqlite3_column_int64 (st, 0), 0, 64);
  sqlite3_finalize (st);
}

static guint64
diff_run_events (VmemuTracedb *db, gint64 run)
{
  g_autoptr(GPtrArray) runs = vmemu_tracedb_list_runs (db, NULL);

  for (guint i = 0; runs != NULL && i < runs->len; i++)
    if (((VmemuTracedbRun *) runs->pdata[i])->id == run)
      return ((VmemuTracedbRun *) runs->pdata[i])->n_events;
  return 0;
}

/* Always recomputed from the rows (docs/trace-schema.md): the stored
 * content_sha256 is what the writer saw, and a copied or edited trace can
 * keep it while its rows change. */
static char *
side_fingerprint (const SideCtx *ctx, GError **error)
{
  return vmemu_tracedb_content_sha256 (ctx->db, ctx->run, error);
}

/* Labels: the variants when they differ, else the file names, else A and B. */
static void
diff_label_sides (VmemuDiff *d, const SideCtx ctx[2])
{
  g_autofree char *va = vmemu_tracedb_meta (ctx[0].db, ctx[0].run, "variant");
  g_autofree char *vb = vmemu_tracedb_meta (ctx[1].db, ctx[1].run, "variant");
  g_autofree char *fa = g_path_get_basename (d->side[0].path);
  g_autofree char *fb = g_path_get_basename (d->side[1].path);

  if (va && vb && strcmp (va, vb) != 0)
    {
      d->side[0].label = g_steal_pointer (&va);
      d->side[1].label = g_steal_pointer (&vb);
    }
  else if (strcmp (fa, fb) != 0)
    {
      d->side[0].label = g_steal_pointer (&fa);
      d->side[1].label = g_steal_pointer (&fb);
    }
  else
    {
      d->side[0].label = g_strdup ("A");
      d->side[1].label = g_strdup ("B");
    }
}

static VmemuDiff *
diff_new (const SideCtx ctx[2])
{
  VmemuDiff *d = g_new0 (VmemuDiff, 1);

  for (int s = 0; s < 2; s++)
    {
      DiffSide *side = &d->side[s];
      side->path = g_strdup (vmemu_tracedb_path (ctx[s].db));
      side->run = ctx[s].run;
      side->failed = g_ptr_array_new_with_free_func (
        (GDestroyNotify) vmemu_tracedb_verify_free);
      side->losses = g_array_new (FALSE, TRUE, sizeof (DiffLoss));
      g_array_set_clear_func (side->losses, diff_loss_clear);
      side->next = g_ptr_array_new_with_free_func (diff_event_free);
    }
  d->meta = g_ptr_array_new_with_free_func (diff_meta_free);
  d->notes = g_ptr_array_new_with_free_func (g_free);
  d->counts = g_array_new (FALSE, TRUE, sizeof (DiffCount));
  d->page_idx = -1;
  diff_label_sides (d, ctx);
  return d;
}

void
vmemu_diff_free (VmemuDiff *d)
{
  if (d == NULL)
    return;
  for (int s = 0; s < 2; s++)
    {
      DiffSide *side = &d->side[s];
      g_free (side->label);
      g_free (side->path);
      g_free (side->sha);
      g_ptr_array_unref (side->failed);
      g_array_unref (side->losses);
      diff_event_clear (&side->ev);
      g_ptr_array_unref (side->next);
    }
  for (guint i = 0; i < d->counts->len; i++)
    g_free (g_array_index (d->counts, DiffCount, i).name);
  g_array_unref (d->counts);
  g_ptr_array_unref (d->meta);
  g_ptr_array_unref (d->notes);
  diff_event_clear (&d->common);
  g_free (d->page_path);
  g_free (d->headline);
  g_free (d->explanation);
  g_free (d->hint);
  g_free (d->records_note);
  g_free (d);
}

/* Events matched one for one: say which other records differ. */
static void
diff_explain_records (VmemuDiff *d)
{
  const DiffSide *a = &d->side[0], *b = &d->side[1];

  if (a->n_verifications != b->n_verifications || a->failed->len != b->failed->len)
    d->records_note = g_strdup_printf (
      "all %" G_GUINT64_FORMAT " events are identical, but the verifications"
      " differ: %s %u checks (%u failed), %s %u checks (%u failed)", a->n_events,
      a->label, a->n_verifications, a->failed->len, b->label, b->n_verifications,
      b->failed->len);
  else
    d->records_note = g_strdup_printf (
      "all %" G_GUINT64_FORMAT " events are identical, but the registered"
      " tasks or inodes, or the verification details, differ", a->n_events);
}

static gboolean
diff_find_divergence (VmemuDiff *d, SideCtx ctx[2], GError **error)
{
  if (!diff_walk (d, ctx, error))
    return FALSE;
  if (d->kind == VMEMU_DIFF_SAME)
    {
      d->kind = VMEMU_DIFF_RECORDS;
      diff_explain_records (d);
      return TRUE;
    }
  diff_locate_page (d, ctx);
  diff_make_headline (d);
  diff_explain (d, ctx);
  if (d->page_idx < 0)
    return TRUE;
  return diff_collect_next (&d->side[0], &ctx[0], d, error)
         && diff_collect_next (&d->side[1], &ctx[1], d, error);
}

VmemuDiff *
vmemu_diff_compare (VmemuTracedb *a, gint64 run_a, VmemuTracedb *b, gint64 run_b,
                    GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  SideCtx ctx[2];

  if (vmemu_tracedb_schema_version (a) != vmemu_tracedb_schema_version (b))
    {
      g_set_error (error, VMEMU_DIFF_ERROR, VMEMU_DIFF_ERROR_INCOMPATIBLE,
                   "%s and %s have different schema versions (%d, %d)",
                   vmemu_tracedb_path (a), vmemu_tracedb_path (b),
                   vmemu_tracedb_schema_version (a), vmemu_tracedb_schema_version (b));
      return NULL;
    }
  /* The divergent page's next events are a page lookup, the consequences
   * per-event-kind queries; before any cursor is open. */
  for (int i = 0; i < 2; i++)
    {
      vmemu_tracedb_need_index (i ? b : a, VMEMU_TRACE_INDEX_BY_PAGE);
      vmemu_tracedb_need_index (i ? b : a, VMEMU_TRACE_INDEX_BY_NAME);
    }
  side_ctx_init (&ctx[0], a, run_a);
  side_ctx_init (&ctx[1], b, run_b);
  g_autoptr(VmemuDiff) d = diff_new (ctx);
  diff_compare_meta (d, ctx);
  diff_meta_notes (d);
  for (int s = 0; s < 2; s++)
    if ((d->side[s].sha = side_fingerprint (&ctx[s], error)) == NULL
        || !side_collect (&d->side[s], &ctx[s], error))
      return NULL;
  d->side[0].n_events = diff_run_events (a, run_a);
  d->side[1].n_events = diff_run_events (b, run_b);
  if (strcmp (d->side[0].sha, d->side[1].sha) == 0)
    {
      d->kind = VMEMU_DIFF_SAME;
      return g_steal_pointer (&d);
    }
  if (!diff_find_divergence (d, ctx, error) || !diff_collect_counts (d, ctx, error))
    return NULL;
  return g_steal_pointer (&d);
}

gboolean
vmemu_diff_is_equal (const VmemuDiff *d)
{
  return d->kind == VMEMU_DIFF_SAME;
}

VmemuDiffKind
vmemu_diff_kind (const VmemuDiff *d)
{
  return d->kind;
}

gint64
vmemu_diff_divergence_seq (const VmemuDiff *d)
{
  return d->seq;
}
