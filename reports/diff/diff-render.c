/* diff-render.c — a VmemuDiff as text, Markdown or JSON. */
#define G_LOG_DOMAIN "vmemu-diff"
#include "reports/diff/diff.h"

#include <string.h>

#include "engine/json/json.h"
#include "reports/diff/diff-private.h"

static char *
flags_change (const DiffEvent *ev)
{
  g_autofree char *before = vmemu_page_flags_string (ev->flags_before);
  g_autofree char *after = vmemu_page_flags_string (ev->flags_after);

  if (ev->flags_before == ev->flags_after)
    return g_strdup_printf ("flags %s", before);
  return g_strdup_printf ("flags %s -> %s", before, after);
}

/* "#124 10.000400 ms iomap_writepage_map task 1 bits=0000 ...; flags a -> b" */
static char *
event_line (const DiffEvent *ev)
{
  g_autofree char *t = diff_format_time (ev->t_ns);
  g_autofree char *flags = flags_change (ev);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "#%" G_GINT64_FORMAT " %s %s", ev->seq, t, ev->name);
  if (ev->task_name != NULL)
    g_string_append_printf (s, " task %s", ev->task_name);
  else if (ev->task >= 0)
    g_string_append_printf (s, " task %d", ev->task);
  if (ev->args_text[0] != '\0')
    g_string_append_printf (s, " %s", ev->args_text);
  if (ev->idx >= 0)
    g_string_append_printf (s, "; page %" G_GINT64_FORMAT ", %s", ev->idx, flags);
  if (ev->blk_count > 0)
    g_string_append_printf (s, ", blocks %" G_GINT64_FORMAT "+%d", ev->blk_first,
                            ev->blk_count);
  if (ev->refcount >= 0)
    g_string_append_printf (s, ", refcount %d", ev->refcount);
  if (ev->mapcount >= 0)
    g_string_append_printf (s, ", mapcount %d", ev->mapcount);
  return g_string_free (s, FALSE);
}

static char *
summary_line (const VmemuDiff *d)
{
  g_autofree char *t = diff_format_time (d->t_ns);

  switch (d->kind)
    {
    case VMEMU_DIFF_SAME:
      return g_strdup_printf ("traces are identical (%" G_GUINT64_FORMAT
                              " events, content sha256 %s)",
                              d->side[0].n_events, d->side[0].sha);
    case VMEMU_DIFF_RECORDS:
      return g_strdup_printf ("traces differ: %s", d->records_note);
    case VMEMU_DIFF_TIME:
      return g_strdup_printf ("first divergence (timing) at %s (event #%" G_GINT64_FORMAT
                              "): %s: %s", t, d->seq, d->headline, d->explanation);
    default:
      return g_strdup_printf ("first divergence at %s (event #%" G_GINT64_FORMAT
                              "): %s: %s", t, d->seq, d->headline, d->explanation);
    }
}

static char *
io_sentence (const DiffSide *s)
{
  return g_strdup_printf ("%s queued %" G_GUINT64_FORMAT " %s: %" G_GUINT64_FORMAT
                          " %s, %" G_GUINT64_FORMAT " bytes written, %"
                          G_GUINT64_FORMAT " bytes read",
                          s->label, s->io.bios, s->io.bios == 1 ? "bio" : "bios",
                          s->io.write_bios, s->io.write_bios == 1 ? "write" : "writes",
                          s->io.write_bytes, s->io.read_bytes);
}

static char *
verify_sentence (const VmemuTracedbVerify *v)
{
  return g_strdup_printf ("%s check of %s [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                          "): %" G_GUINT64_FORMAT " %s wrong, first run at offset %"
                          G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " bytes), expected %s"
                          " found %s", v->kind ? v->kind : "?", v->path ? v->path : "?",
                          v->offset_bytes, v->length_bytes, v->bad_total_bytes,
                          v->bad_total_bytes == 1 ? "byte" : "bytes", v->bad_offset_bytes, v->bad_length_bytes,
                          v->expected_hex ? v->expected_hex : "?",
                          v->found_hex ? v->found_hex : "?");
}

static char *
loss_sentence (const DiffLoss *l)
{
  g_autofree char *t = diff_format_time (l->t_ns);

  return g_strdup_printf ("lost %s [%" G_GUINT64_FORMAT ", +%" G_GUINT64_FORMAT
                          ") at %s", l->path, l->offset_bytes, l->length_bytes, t);
}

/* ---- text and Markdown share one walk; only the decoration differs ---- */

typedef struct {
  gboolean md;              /* Markdown instead of plain text */
  GString *out;
} Out;

static void
out_heading (Out *o, const char *title)
{
  g_string_append_printf (o->out, o->md ? "\n## %s\n\n" : "\n%s:\n", title);
}

static void
out_item (Out *o, int level, const char *text)
{
  if (o->md)
    g_string_append_printf (o->out, "%*s- %s\n", 2 * level, "", text);
  else
    g_string_append_printf (o->out, "%*s%s\n", 2 * (level + 1), "", text);
}

static void
out_take_item (Out *o, int level, char *text)
{
  out_item (o, level, text);
  g_free (text);
}

static void
render_sides (Out *o, const VmemuDiff *d)
{
  for (int s = 0; s < 2; s++)
    {
      const DiffSide *side = &d->side[s];
      out_take_item (o, 0, g_strdup_printf (
        "%s: %s run %" G_GINT64_FORMAT ", %" G_GUINT64_FORMAT " events, content sha256 %s",
        side->label, side->path, side->run, side->n_events, side->sha));
    }
  for (guint i = 0; i < d->notes->len; i++)
    out_take_item (o, 0, g_strdup_printf ("note: %s", (char *) d->notes->pdata[i]));
}

static void
render_divergence (Out *o, const VmemuDiff *d)
{
  out_heading (o, "Divergence");
  for (int s = 0; s < 2; s++)
    {
      const DiffSide *side = &d->side[s];
      if (side->ev.present)
        {
          g_autofree char *line = event_line (&side->ev);
          out_take_item (o, 0, g_strdup_printf ("%s: %s", side->label, line));
        }
      else
        out_take_item (o, 0, g_strdup_printf ("%s: (no more events)", side->label));
    }
  if (d->common.present)
    {
      g_autofree char *line = event_line (&d->common);
      out_take_item (o, 0, g_strdup_printf ("last common event: %s", line));
    }
  if (d->page_idx < 0)
    return;
  g_autofree char *title = g_strdup_printf ("What each side did next on %s page %"
                                            G_GINT64_FORMAT, d->page_path, d->page_idx);
  out_heading (o, title);
  for (int s = 0; s < 2; s++)
    {
      const DiffSide *side = &d->side[s];
      out_take_item (o, 0, g_strdup_printf ("%s:%s", side->label,
                                            side->next->len ? "" : " nothing more"));
      for (guint i = 0; i < side->next->len; i++)
        out_take_item (o, 1, event_line (side->next->pdata[i]));
    }
}

static void
render_data (Out *o, const DiffSide *side)
{
  for (guint i = 0; i < side->losses->len; i++)
    {
      g_autofree char *l = loss_sentence (&g_array_index (side->losses, DiffLoss, i));
      out_take_item (o, 1, g_strdup_printf ("%s %s", side->label, l));
    }
  if (side->failed->len == 0)
    {
      out_take_item (o, 1, g_strdup_printf ("%s passed %s %u %s", side->label,
                                            side->n_verifications == 1 ? "its" : "all",
                                            side->n_verifications,
                                            side->n_verifications == 1 ? "verification"
                                                                       : "verifications"));
      return;
    }
  out_take_item (o, 1, g_strdup_printf ("%s failed %u of %u %s:",
                                        side->label, side->failed->len,
                                        side->n_verifications,
                                        side->n_verifications == 1 ? "verification"
                                                                   : "verifications"));
  for (guint i = 0; i < side->failed->len; i++)
    out_take_item (o, 2, verify_sentence (side->failed->pdata[i]));
}

static void
render_consequences (Out *o, const VmemuDiff *d)
{
  out_heading (o, "Consequences");
  out_item (o, 0, "I/O:");
  for (int s = 0; s < 2; s++)
    out_take_item (o, 1, io_sentence (&d->side[s]));
  out_take_item (o, 1, g_strdup_printf (
    "blocks skipped by iomap_writepage_map: %s %" G_GUINT64_FORMAT ", %s %"
    G_GUINT64_FORMAT, d->side[0].label, d->side[0].io.blocks_skipped,
    d->side[1].label, d->side[1].io.blocks_skipped));
  out_item (o, 0, "data:");
  for (int s = 0; s < 2; s++)
    render_data (o, &d->side[s]);
  if (d->counts->len == 0)
    return;
  out_take_item (o, 0, g_strdup_printf ("event counts (%s -> %s):", d->side[0].label,
                                        d->side[1].label));
  for (guint i = 0; i < d->counts->len; i++)
    {
      const DiffCount *c = &g_array_index (d->counts, DiffCount, i);
      out_take_item (o, 1, g_strdup_printf (
        "%s %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " (%+" G_GINT64_FORMAT ")",
        c->name, c->a, c->b, (gint64) (c->b - c->a)));
    }
}

static void
render_meta (Out *o, const VmemuDiff *d)
{
  if (d->meta->len == 0)
    return;
  out_heading (o, "Meta differences");
  for (guint i = 0; i < d->meta->len; i++)
    {
      const DiffMeta *m = d->meta->pdata[i];
      out_take_item (o, 0, g_strdup_printf ("%s: %s \"%s\", %s \"%s\"", m->key,
                                            d->side[0].label, m->a ? m->a : "(none)",
                                            d->side[1].label, m->b ? m->b : "(none)"));
    }
}

static char *
render_text (const VmemuDiff *d, gboolean md)
{
  Out o = { md, g_string_new (NULL) };
  g_autofree char *summary = summary_line (d);

  if (md)
    g_string_append (o.out, "# vmemu diff\n\n");
  g_string_append_printf (o.out, "%s\n", summary);
  if (d->hint != NULL)
    g_string_append_printf (o.out, md ? "\n> Why it matters: %s.\n" : "  why it matters: %s.\n",
                            d->hint);
  if (md)
    g_string_append_c (o.out, '\n');
  render_sides (&o, d);
  if (d->kind != VMEMU_DIFF_SAME && d->kind != VMEMU_DIFF_RECORDS)
    render_divergence (&o, d);
  if (d->kind != VMEMU_DIFF_SAME)
    render_consequences (&o, d);
  render_meta (&o, d);
  return g_string_free (o.out, FALSE);
}

/* ---- JSON ---- */

static void
json_key (GString *out, const char *key)
{
  if (out->len > 0 && out->str[out->len - 1] != '{' && out->str[out->len - 1] != '[')
    g_string_append_c (out, ',');
  vmemu_json_string (out, key);
  g_string_append_c (out, ':');
}

static void
json_kv_str (GString *out, const char *key, const char *v)
{
  json_key (out, key);
  vmemu_json_string (out, v);
}

static void
json_kv_int (GString *out, const char *key, gint64 v)
{
  json_key (out, key);
  g_string_append_printf (out, "%" G_GINT64_FORMAT, v);
}

static void
json_comma (GString *out)
{
  if (out->str[out->len - 1] != '[' && out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
}

static void
json_event (GString *out, const DiffEvent *ev)
{
  g_autofree char *fb = vmemu_page_flags_string (ev->flags_before);
  g_autofree char *fa = vmemu_page_flags_string (ev->flags_after);

  if (!ev->present)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '{');
  json_kv_int (out, "seq", ev->seq);
  json_kv_int (out, "t_ns", (gint64) ev->t_ns);
  json_kv_str (out, "name", ev->name);
  json_kv_int (out, "task", ev->task);
  if (ev->task_name != NULL)
    {
      g_string_append (out, ",\"task_name\":");
      vmemu_json_string (out, ev->task_name);
    }
  json_kv_int (out, "ino", (gint64) ev->ino);
  json_kv_int (out, "index", ev->idx);
  json_kv_int (out, "blk_first", ev->blk_first);
  json_kv_int (out, "blk_count", ev->blk_count);
  json_kv_str (out, "flags_before", fb);
  json_kv_str (out, "flags_after", fa);
  json_kv_int (out, "refcount", ev->refcount);
  json_kv_int (out, "mapcount", ev->mapcount);
  json_key (out, "a");
  g_string_append_printf (out, "[%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",%"
                          G_GINT64_FORMAT ",%" G_GINT64_FORMAT "]",
                          ev->a[0], ev->a[1], ev->a[2], ev->a[3]);
  json_kv_str (out, "args", ev->args_text);
  json_kv_str (out, "detail", ev->detail);
  json_kv_str (out, "what", ev->what);
  g_string_append_c (out, '}');
}

static void
json_side (GString *out, const DiffSide *s)
{
  g_string_append_c (out, '{');
  json_kv_str (out, "label", s->label);
  json_kv_str (out, "path", s->path);
  json_kv_int (out, "run", s->run);
  json_kv_int (out, "events", (gint64) s->n_events);
  json_kv_str (out, "content_sha256", s->sha);
  json_key (out, "io");
  g_string_append_printf (out, "{\"bios\":%" G_GUINT64_FORMAT ",\"write_bios\":%"
                          G_GUINT64_FORMAT ",\"write_bytes\":%" G_GUINT64_FORMAT
                          ",\"read_bytes\":%" G_GUINT64_FORMAT ",\"blocks_skipped\":%"
                          G_GUINT64_FORMAT "}", s->io.bios, s->io.write_bios,
                          s->io.write_bytes, s->io.read_bytes, s->io.blocks_skipped);
  json_kv_int (out, "verifications", s->n_verifications);
  json_key (out, "failed_verifications");
  g_string_append_c (out, '[');
  for (guint i = 0; i < s->failed->len; i++)
    {
      const VmemuTracedbVerify *v = s->failed->pdata[i];
      json_comma (out);
      g_string_append_c (out, '{');
      json_kv_str (out, "kind", v->kind);
      json_kv_str (out, "path", v->path);
      json_kv_int (out, "t_ns", (gint64) v->t_ns);
      json_kv_int (out, "offset_bytes", (gint64) v->offset_bytes);
      json_kv_int (out, "length_bytes", (gint64) v->length_bytes);
      json_kv_int (out, "bad_offset_bytes", (gint64) v->bad_offset_bytes);
      json_kv_int (out, "bad_length_bytes", (gint64) v->bad_length_bytes);
      json_kv_int (out, "bad_total_bytes", (gint64) v->bad_total_bytes);
      json_kv_str (out, "expected_hex", v->expected_hex);
      json_kv_str (out, "found_hex", v->found_hex);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]");
  json_key (out, "data_loss");
  g_string_append_c (out, '[');
  for (guint i = 0; i < s->losses->len; i++)
    {
      const DiffLoss *l = &g_array_index (s->losses, DiffLoss, i);
      json_comma (out);
      g_string_append_c (out, '{');
      json_kv_str (out, "path", l->path);
      json_kv_int (out, "t_ns", (gint64) l->t_ns);
      json_kv_int (out, "offset_bytes", (gint64) l->offset_bytes);
      json_kv_int (out, "length_bytes", (gint64) l->length_bytes);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]");
  json_key (out, "event");
  json_event (out, &s->ev);
  json_key (out, "next");
  g_string_append_c (out, '[');
  for (guint i = 0; i < s->next->len; i++)
    {
      json_comma (out);
      json_event (out, s->next->pdata[i]);
    }
  g_string_append (out, "]}");
}

static const char *const kind_names[] = {
  [VMEMU_DIFF_SAME] = "same",     [VMEMU_DIFF_EVENT] = "event",
  [VMEMU_DIFF_TIME] = "time",     [VMEMU_DIFF_FIELDS] = "fields",
  [VMEMU_DIFF_LENGTH] = "length", [VMEMU_DIFF_RECORDS] = "records",
};

static void
json_divergence (GString *out, const VmemuDiff *d)
{
  g_autofree char *summary = summary_line (d);

  json_kv_str (out, "summary", summary);
  json_key (out, "divergence");
  if (d->kind == VMEMU_DIFF_SAME)
    {
      g_string_append (out, "null");
      return;
    }
  g_string_append_c (out, '{');
  json_kv_str (out, "kind", kind_names[d->kind]);
  json_kv_int (out, "seq", d->seq);
  json_kv_int (out, "t_ns", (gint64) d->t_ns);
  json_kv_str (out, "headline", d->headline);
  json_kv_str (out, "hint", d->hint);
  json_kv_str (out, "explanation", d->kind == VMEMU_DIFF_RECORDS ? d->records_note
                                                                  : d->explanation);
  json_key (out, "page");
  if (d->page_idx < 0)
    g_string_append (out, "null");
  else
    {
      g_string_append_c (out, '{');
      json_kv_str (out, "path", d->page_path);
      json_kv_int (out, "ino", (gint64) d->page_ino);
      json_kv_int (out, "index", d->page_idx);
      json_kv_int (out, "offset_bytes", (gint64) d->page_offset_bytes);
      g_string_append_c (out, '}');
    }
  json_key (out, "last_common");
  json_event (out, &d->common);
  g_string_append_c (out, '}');
}

static char *
render_json (const VmemuDiff *d)
{
  GString *out = g_string_new ("{");

  json_key (out, "equal");
  g_string_append (out, d->kind == VMEMU_DIFF_SAME ? "true" : "false");
  json_divergence (out, d);
  json_key (out, "sides");
  g_string_append_c (out, '[');
  json_side (out, &d->side[0]);
  g_string_append_c (out, ',');
  json_side (out, &d->side[1]);
  g_string_append_c (out, ']');
  json_key (out, "notes");
  g_string_append_c (out, '[');
  for (guint i = 0; i < d->notes->len; i++)
    {
      json_comma (out);
      vmemu_json_string (out, d->notes->pdata[i]);
    }
  g_string_append_c (out, ']');
  json_key (out, "meta_differences");
  g_string_append_c (out, '[');
  for (guint i = 0; i < d->meta->len; i++)
    {
      const DiffMeta *m = d->meta->pdata[i];
      json_comma (out);
      g_string_append_c (out, '{');
      json_kv_str (out, "key", m->key);
      json_kv_str (out, "a", m->a);
      json_kv_str (out, "b", m->b);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  json_key (out, "event_count_deltas");
  g_string_append_c (out, '[');
  for (guint i = 0; i < d->counts->len; i++)
    {
      const DiffCount *c = &g_array_index (d->counts, DiffCount, i);
      json_comma (out);
      g_string_append_c (out, '{');
      json_kv_str (out, "name", c->name);
      json_kv_int (out, "a", (gint64) c->a);
      json_kv_int (out, "b", (gint64) c->b);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}\n");
  return g_string_free (out, FALSE);
}

char *
vmemu_diff_render (const VmemuDiff *d, VmemuDiffFormat format)
{
  g_return_val_if_fail (d != NULL, NULL);
  switch (format)
    {
    case VMEMU_DIFF_FORMAT_MARKDOWN:
      return render_text (d, TRUE);
    case VMEMU_DIFF_FORMAT_JSON:
      return render_json (d);
    case VMEMU_DIFF_FORMAT_TEXT:
    default:
      return render_text (d, FALSE);
    }
}
