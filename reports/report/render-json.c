/* render-json.c — report.json: everything the report says, for scripts
 * (schema in docs/reports.md). */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include "engine/json/json.h"

#define JSON_MAX_POINTS 1000

static void
key (GString *o, const char *k)
{
  vmemu_json_string (o, k);
  g_string_append_c (o, ':');
}

static void
kv_str (GString *o, const char *k, const char *v)
{
  key (o, k);
  vmemu_json_string (o, v);
  g_string_append_c (o, ',');
}

static void
kv_u64 (GString *o, const char *k, guint64 v)
{
  key (o, k);
  g_string_append_printf (o, "%" G_GUINT64_FORMAT ",", v);
}

static void
kv_bool (GString *o, const char *k, gboolean v)
{
  key (o, k);
  g_string_append (o, v ? "true," : "false,");
}

/* Drops the comma after the last member before closing. */
static void
close_with (GString *o, char c)
{
  if (o->len > 0 && o->str[o->len - 1] == ',')
    g_string_truncate (o, o->len - 1);
  g_string_append_c (o, c);
  g_string_append_c (o, ',');
}

static void
json_losses (GString *o, const ReportSide *s)
{
  key (o, "losses");
  g_string_append_c (o, '[');
  for (guint i = 0; i < s->losses->len; i++)
    {
      const VmemuTracedbVerify *v = s->losses->pdata[i];
      g_autofree char *text = report_loss_sentence (v);
      g_string_append_c (o, '{');
      kv_str (o, "kind", v->kind);
      kv_str (o, "path", v->path);
      kv_u64 (o, "t_ns", v->t_ns);
      kv_u64 (o, "offset_bytes", v->bad_offset_bytes);
      kv_u64 (o, "length_bytes", v->bad_length_bytes);
      kv_u64 (o, "total_bytes", v->bad_total_bytes);
      kv_str (o, "expected_hex", v->expected_hex);
      kv_str (o, "found_hex", v->found_hex);
      kv_str (o, "text", text);
      close_with (o, '}');
    }
  close_with (o, ']');
  key (o, "data_loss_t_ns");
  g_string_append_c (o, '[');
  for (guint i = 0; i < s->loss_times->len; i++)
    g_string_append_printf (o, "%" G_GUINT64_FORMAT ",", g_array_index (s->loss_times, guint64, i));
  close_with (o, ']');
}

/* The last point of each 1/JSON_MAX_POINTS of the run's time. */
static void
json_timeline (GString *o, const ReportSide *s)
{
  guint64 t_end = MAX (s->t_end_ns, 1);

  key (o, "timeline");
  g_string_append_c (o, '{');
  kv_u64 (o, "peak_dirty_pages", s->peaks.max_dirty_pages);
  kv_u64 (o, "peak_writeback_pages", s->peaks.max_writeback_pages);
  kv_u64 (o, "peak_uptodate_pages", s->peaks.max_uptodate_pages);
  kv_u64 (o, "peak_cached_pages", s->peaks.max_cached_pages);
  key (o, "points");
  g_string_append_c (o, '[');
  for (guint i = 0; i < s->pages->len; i++)
    {
      const VmemuTracedbPageCounts *c = &g_array_index (s->pages, VmemuTracedbPageCounts, i);
      guint64 bucket = s->pages->len <= JSON_MAX_POINTS ? i
                       : (guint64) ((double) c->t_ns / (double) t_end * JSON_MAX_POINTS);
      gboolean last = i + 1 == s->pages->len;
      const VmemuTracedbPageCounts *n = last ? NULL : c + 1;
      guint64 next_bucket = last || s->pages->len <= JSON_MAX_POINTS ? G_MAXUINT64
                            : (guint64) ((double) n->t_ns / (double) t_end * JSON_MAX_POINTS);
      if (!last && next_bucket == bucket)
        continue;
      g_string_append_printf (o, "[%" G_GUINT64_FORMAT ",%u,%u,%u,%u],", c->t_ns, c->dirty_pages,
                              c->writeback_pages, c->uptodate_pages, c->cached_pages);
    }
  close_with (o, ']');
  close_with (o, '}');
}

static void
json_io (GString *o, const ReportSide *s)
{
  key (o, "io");
  g_string_append_c (o, '[');
  for (guint i = 0; i < s->ios->len; i++)
    {
      const ReportIo *io = &g_array_index (s->ios, ReportIo, i);
      g_string_append_printf (o, "[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",\"%s\",%"
                              G_GINT64_FORMAT ",%" G_GUINT64_FORMAT "],", io->t_submit_ns,
                              io->t_complete_ns, io->write ? "write" : "read", io->status,
                              io->bytes);
    }
  close_with (o, ']');
}

static void
json_side (GString *o, const ReportSide *s, const char *role)
{
  g_autofree char *sentence = report_verdict_sentence (s);

  g_string_append_c (o, '{');
  kv_str (o, "role", role);
  kv_str (o, "variant", s->variant);
  kv_str (o, "trace", s->outcome == REPORT_OUTCOME_ERROR ? NULL : s->trace_label);
  kv_u64 (o, "run", (guint64) s->run);
  kv_str (o, "outcome", report_outcome_id (s->outcome));
  kv_str (o, "expected", !s->has_expect ? NULL
                         : s->expect == VMEMU_EXPECT_DATA_LOSS ? "data-loss" : "clean");
  kv_str (o, "verdict", report_verdict_id (s->verdict));
  kv_str (o, "expect_activity_unmet", s->activity_unmet);
  kv_str (o, "verdict_text", sentence);
  kv_str (o, "error", s->error);
  kv_u64 (o, "seed", s->seed);
  kv_str (o, "reproduce", s->reproduce);
  kv_str (o, "content_sha256", s->content_sha256);
  kv_u64 (o, "events", s->n_events);
  kv_u64 (o, "t_end_ns", s->t_end_ns);
  json_losses (o, s);
  json_timeline (o, s);
  json_io (o, s);
  close_with (o, '}');
}

static void
json_counts (GString *o, const ReportScenario *sc)
{
  key (o, "counts");
  g_string_append_c (o, '[');
  for (guint i = 0; i < sc->rows->len; i++)
    {
      const ReportRow *row = sc->rows->pdata[i];
      double pct;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_append_c (o, '{');
      kv_str (o, "name", row->label);
      kv_bool (o, "event", row->is_event);
      kv_u64 (o, "baseline", row->v[0]);
      kv_u64 (o, "candidate", row->v[1]);
      key (o, "change_percent");
      if (report_percent_value (row->v[0], row->v[1], &pct))
        g_string_append_printf (o, "%s,", g_ascii_formatd (buf, sizeof buf, "%.2f", pct));
      else
        g_string_append (o, "null,");
      close_with (o, '}');
    }
  close_with (o, ']');
}

static void
json_scenario (GString *o, const ReportScenario *sc)
{
  g_string_append_c (o, '{');
  kv_str (o, "name", sc->name);
  kv_str (o, "slug", sc->slug);
  kv_str (o, "source", sc->source);
  kv_bool (o, "from_traces", sc->from_traces);
  kv_str (o, "scenario", sc->scenario_path);
  kv_str (o, "scenario_sha256", sc->sha256);
  kv_str (o, "description", sc->description);
  kv_str (o, "status", report_status_name (sc->status));
  kv_bool (o, "identical", sc->identical);
  key (o, "divergence");
  if (sc->diff_summary != NULL)
    {
      g_string_append_c (o, '{');
      kv_str (o, "summary", sc->diff_summary);
      kv_str (o, "hint", sc->diff_hint);
      key (o, "t_ns");
      if (sc->has_divergence)
        g_string_append_printf (o, "%" G_GUINT64_FORMAT ",", sc->divergence_t_ns);
      else
        g_string_append (o, "null,");
      close_with (o, '}');
    }
  else
    g_string_append (o, "null,");
  key (o, "sides");
  g_string_append_c (o, '[');
  json_side (o, &sc->side[0], "baseline");
  json_side (o, &sc->side[1], "candidate");
  close_with (o, ']');
  json_counts (o, sc);
  key (o, "diff");
  g_string_append_printf (o, "%s,", sc->diff_json ? sc->diff_json : "null");
  close_with (o, '}');
}

char *
report_render_json (const VmemuReport *r)
{
  GString *o = g_string_new ("{");

  kv_str (o, "format", "vmemu-report");
  kv_u64 (o, "format_version", 1);
  kv_str (o, "vmemu_version", VMEMU_VERSION);
  kv_str (o, "command", r->command_line);
  kv_str (o, "baseline", r->baseline);
  kv_str (o, "candidate", r->candidate);
  kv_bool (o, "regressions_only", r->regressions_only);
  kv_str (o, "headline", r->headline);
  kv_u64 (o, "exit_status", r->n_regressed > 0 ? 1 : 0);
  key (o, "summary");
  g_string_append_c (o, '{');
  kv_u64 (o, "scenarios", r->scenarios->len);
  kv_u64 (o, "regressed", r->n_regressed);
  kv_u64 (o, "fixed", r->n_fixed);
  kv_u64 (o, "still_failing", r->n_still_failing);
  kv_u64 (o, "ok", r->n_ok);
  kv_u64 (o, "errors", r->n_errors);
  close_with (o, '}');
  key (o, "scenarios");
  g_string_append_c (o, '[');
  for (guint i = 0; i < r->scenarios->len; i++)
    if (report_listed (r, r->scenarios->pdata[i]))
      json_scenario (o, r->scenarios->pdata[i]);
  close_with (o, ']');
  close_with (o, '}');
  g_string_truncate (o, o->len - 1);
  g_string_append_c (o, '\n');
  return g_string_free (o, FALSE);
}
