/* render-md.c — report.md: the report as Markdown, to paste into a mail or
 * a pull request. */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include <string.h>

/* Table cell text: '|' escaped, newlines flattened. */
static void
cell (GString *o, const char *s)
{
  for (const char *p = s ? s : ""; *p; p++)
    {
      if (*p == '|')
        g_string_append (o, "\\|");
      else if (*p == '\n')
        g_string_append_c (o, ' ');
      else
        g_string_append_c (o, *p);
    }
}

static const char *
role_label (int k)
{
  return k ? "candidate" : "baseline";
}

static void
md_summary_table (GString *o, const VmemuReport *r)
{
  g_string_append_printf (o, "| scenario | status | %s | %s | first divergence |\n"
                             "|---|---|---|---|---|\n", r->baseline, r->candidate);
  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (!report_listed (r, sc))
        continue;
      g_autofree char *va = report_verdict_sentence (&sc->side[0]);
      g_autofree char *vb = report_verdict_sentence (&sc->side[1]);
      g_string_append (o, "| ");
      cell (o, sc->name);
      g_string_append_printf (o, " | **%s** | ", report_status_name (sc->status));
      cell (o, va);
      g_string_append (o, " | ");
      cell (o, vb);
      g_string_append (o, " | ");
      if (sc->identical)
        cell (o, "none (identical traces)");
      else if (sc->group > 0)
        {
          const ReportGroup *g = r->groups->pdata[sc->group - 1];
          g_autofree char *t = g_strdup_printf ("cause %u: %s", g->id, g->event);
          cell (o, t);
        }
      else
        cell (o, sc->diff_summary ? sc->diff_summary : "-");
      g_string_append (o, " |\n");
    }
}

/* Scenarios grouped by their first divergence: one cause, said once. */
static void
md_causes (GString *o, const VmemuReport *r)
{
  if (r->groups->len == 0)
    return;
  g_string_append (o, "## Causes (scenarios grouped by first divergence)\n\n");
  for (guint i = 0; i < r->groups->len; i++)
    {
      const ReportGroup *g = r->groups->pdata[i];
      g_string_append_printf (o, "%u. **`%s`** in %u %s:", g->id, g->event, g->members->len,
                              g->members->len == 1 ? "scenario" : "scenarios");
      int last = -1;
      for (guint k = 0; k < g->members->len; k++)
        {
          const ReportScenario *sc = g->members->pdata[k];
          if ((int) sc->status != last)
            g_string_append_printf (o, "%s %s: ", last < 0 ? "" : ";",
                                    report_status_name (sc->status));
          else
            g_string_append (o, ", ");
          last = (int) sc->status;
          g_string_append (o, sc->name);
        }
      g_string_append_printf (o, ".  \n   e.g. %s\n", g->summary);
      if (g->hint)
        g_string_append_printf (o, "   > %s\n", g->hint);
    }
  g_string_append_c (o, '\n');
}

static void
md_reproduce (GString *o, const VmemuReport *r)
{
  g_string_append (o, "\n## Reproduce\n\n");
  if (r->command_line)
    g_string_append_printf (o, "Command: `%s`  \n", r->command_line);
  g_string_append_printf (o, "vmemu %s, baseline `%s`, candidate `%s`\n\n", VMEMU_VERSION,
                          r->baseline, r->candidate);
  g_string_append (o, "| scenario | sha256 | seed | source |\n|---|---|---|---|\n");
  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (!report_listed (r, sc))
        continue;
      g_string_append (o, "| ");
      cell (o, sc->name);
      g_string_append_printf (o, " | `%s` | %" G_GUINT64_FORMAT " | ",
                              sc->sha256 ? sc->sha256 : "?", sc->side[0].seed);
      cell (o, sc->source);
      g_string_append (o, " |\n");
    }
}

static void
md_side (GString *o, const ReportSide *s, int k)
{
  g_autofree char *sentence = report_verdict_sentence (s);

  g_string_append_printf (o, "- **%s** `%s`: %s", role_label (k), s->variant, sentence);
  if (s->outcome != REPORT_OUTCOME_ERROR)
    g_string_append_printf (o, " — trace `%s`", s->trace_label);
  g_string_append_c (o, '\n');
  for (guint i = 0; i < s->losses->len; i++)
    {
      g_autofree char *loss = report_loss_sentence (s->losses->pdata[i]);
      g_string_append_printf (o, "  - data loss: %s\n", loss);
    }
  if (s->activity_unmet)
    g_string_append_printf (o, "  - **expect_activity %s**: the run did not exercise the path"
                               " the scenario names\n", s->activity_unmet);
}

static void
md_counts (GString *o, const ReportScenario *sc)
{
  guint same = 0;

  g_string_append_printf (o, "\n| count | %s | %s | change |\n|---|---:|---:|---:|\n",
                          sc->side[0].variant, sc->side[1].variant);
  for (guint i = 0; i < sc->rows->len; i++)
    {
      const ReportRow *row = sc->rows->pdata[i];
      if (row->is_event && row->v[0] == row->v[1])
        {
          same++;
          continue;
        }
      g_autofree char *pct = report_percent (row->v[0], row->v[1]);
      g_string_append_printf (o, "| %s%s%s | %" G_GUINT64_FORMAT " | %" G_GUINT64_FORMAT
                              " | %s |\n", row->is_event ? "`" : "", row->label,
                              row->is_event ? "`" : "", row->v[0], row->v[1], pct);
    }
  if (same > 0)
    g_string_append_printf (o, "\n%u other event %s equally often on both sides.\n",
                            same, same == 1 ? "kind occurs" : "kinds occur");
}

static void
md_timeline (GString *o, const ReportScenario *sc)
{
  g_string_append (o, "\nTimeline (page-cache pages over virtual time, see index.html for"
                      " the plot):\n\n");
  for (int k = 0; k < 2; k++)
    {
      const ReportSide *s = &sc->side[k];
      g_autofree char *end = report_format_ms (s->t_end_ns);
      g_string_append_printf (o, "- %s: ends at %s; peak %u dirty, %u writeback, %u uptodate,"
                              " %u cached; %u %s", s->variant, end,
                              s->peaks.max_dirty_pages, s->peaks.max_writeback_pages,
                              s->peaks.max_uptodate_pages, s->peaks.max_cached_pages,
                              s->ios->len, s->ios->len == 1 ? "bio" : "bios");
      for (guint i = 0; i < s->loss_times->len; i++)
        {
          g_autofree char *t = report_format_ms (g_array_index (s->loss_times, guint64, i));
          g_string_append_printf (o, "; data loss at %s", t);
        }
      g_string_append (o, "\n");
    }
}

/* The diff's own Markdown, its headings pushed below ours. */
static void
md_diff (GString *o, const ReportScenario *sc)
{
  g_auto(GStrv) lines = g_strsplit (sc->diff_markdown, "\n", -1);

  g_string_append (o, "\n<details><summary>vmemu diff</summary>\n\n");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "# "))
        continue;
      if (lines[i][0] == '#')
        g_string_append (o, "###");
      g_string_append_printf (o, "%s\n", lines[i]);
    }
  g_string_append (o, "</details>\n");
}

static void
md_scenario (GString *o, const ReportScenario *sc)
{
  g_string_append_printf (o, "\n## %s — %s\n\n", sc->name, report_status_name (sc->status));
  if (sc->description)
    g_string_append_printf (o, "%s\n\n", sc->description);
  for (int k = 0; k < 2; k++)
    md_side (o, &sc->side[k], k);
  if (sc->identical)
    g_string_append (o, "\nThe two traces are identical.\n");
  else if (sc->diff_summary)
    {
      g_string_append_printf (o, "\n**First divergence:** %s\n", sc->diff_summary);
      if (sc->diff_hint)
        g_string_append_printf (o, "\n> Why it matters: %s\n", sc->diff_hint);
    }
  md_counts (o, sc);
  md_timeline (o, sc);
  if (sc->diff_markdown && !sc->identical)
    md_diff (o, sc);
  g_string_append (o, "\nRe-run:\n\n```sh\n");
  for (int k = 0; k < 2; k++)
    g_string_append_printf (o, "%s\n", sc->side[k].reproduce ? sc->side[k].reproduce
                                                             : "# (scenario unknown)");
  g_string_append (o, "```\n");
}

char *
report_render_markdown (const VmemuReport *r)
{
  GString *o = g_string_new (NULL);

  g_string_append_printf (o, "# vmemu regression report: %s → %s\n\n**%s**\n\n", r->baseline,
                          r->candidate, r->headline);
  if (r->regressions_only)
    g_string_append (o, "Only regressed scenarios are listed (--regressions-only).\n\n");
  md_causes (o, r);
  md_summary_table (o, r);
  md_reproduce (o, r);
  g_string_append (o, "\nPer-scenario details (verdicts, losses, counts, timeline, the diff,"
                      " re-run commands): [report-details.md](report-details.md).\n");
  return g_string_free (o, FALSE);
}

char *
report_render_markdown_details (const VmemuReport *r)
{
  GString *o = g_string_new (NULL);

  g_string_append_printf (o, "# vmemu regression report: %s → %s, per scenario\n\n**%s**\n\n"
                             "The summary is in [report.md](report.md).\n", r->baseline,
                          r->candidate, r->headline);
  for (guint i = 0; i < r->scenarios->len; i++)
    if (report_listed (r, r->scenarios->pdata[i]))
      md_scenario (o, r->scenarios->pdata[i]);
  return g_string_free (o, FALSE);
}
