/* render-junit.c — junit.xml: one testcase per scenario, failing when the
 * candidate regresses, so CI systems show regressions as failed tests. */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

static void
attr (GString *o, const char *name, const char *value)
{
  g_string_append_printf (o, " %s=\"", name);
  report_xml_text (o, value);
  g_string_append_c (o, '"');
}

static void
property (GString *o, const char *name, const char *value)
{
  g_string_append (o, "      <property");
  attr (o, "name", name);
  attr (o, "value", value ? value : "");
  g_string_append (o, "/>\n");
}

/* What the test's output says: verdicts, losses, divergence, re-run. */
static char *
case_text (const ReportScenario *sc)
{
  GString *s = g_string_new (NULL);

  for (int k = 0; k < 2; k++)
    {
      const ReportSide *side = &sc->side[k];
      g_autofree char *v = report_verdict_sentence (side);
      g_string_append_printf (s, "%s %s: %s\n", k ? "candidate" : "baseline", side->variant, v);
      for (guint i = 0; i < side->losses->len; i++)
        {
          g_autofree char *loss = report_loss_sentence (side->losses->pdata[i]);
          g_string_append_printf (s, "  data loss: %s\n", loss);
        }
      if (side->reproduce)
        g_string_append_printf (s, "  re-run: %s\n", side->reproduce);
    }
  if (sc->diff_summary && !sc->identical)
    g_string_append_printf (s, "%s\n", sc->diff_summary);
  return g_string_free (s, FALSE);
}

static void
junit_case (GString *o, const VmemuReport *r, const ReportScenario *sc)
{
  g_autofree char *text = case_text (sc);

  g_string_append (o, "    <testcase");
  attr (o, "classname", "vmemu.report");
  attr (o, "name", sc->name);
  attr (o, "file", sc->source);
  g_string_append (o, " time=\"0\">\n    <properties>\n");
  property (o, "status", report_status_name (sc->status));
  property (o, "baseline_verdict", report_verdict_id (sc->side[0].verdict));
  property (o, "candidate_verdict", report_verdict_id (sc->side[1].verdict));
  property (o, "scenario_sha256", sc->sha256);
  g_string_append (o, "    </properties>\n");
  if (sc->status == REPORT_STATUS_REGRESSED)
    {
      g_autofree char *msg = g_strdup_printf ("regression: %s %s",
                                              r->candidate, report_verdict_name (sc->side[1].verdict));
      g_string_append (o, "      <failure");
      attr (o, "message", msg);
      attr (o, "type", "regression");
      g_string_append (o, ">");
      report_xml_text (o, text);
      g_string_append (o, "</failure>\n");
    }
  g_string_append (o, "      <system-out>");
  report_xml_text (o, text);
  g_string_append (o, "</system-out>\n    </testcase>\n");
}

char *
report_render_junit (const VmemuReport *r)
{
  GString *o = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autofree char *suite = g_strdup_printf ("vmemu report %s -> %s", r->baseline, r->candidate);
  guint n = 0;

  for (guint i = 0; i < r->scenarios->len; i++)
    n += report_listed (r, r->scenarios->pdata[i]);
  g_string_append_printf (o, "<testsuites tests=\"%u\" failures=\"%u\" errors=\"0\">\n"
                             "  <testsuite", n, r->n_regressed);
  attr (o, "name", suite);
  g_string_append_printf (o, " tests=\"%u\" failures=\"%u\" errors=\"0\" skipped=\"0\""
                             " time=\"0\">\n  <properties>\n", n, r->n_regressed);
  property (o, "command", r->command_line);
  property (o, "vmemu_version", VMEMU_VERSION);
  property (o, "headline", r->headline);
  g_string_append (o, "  </properties>\n");
  for (guint i = 0; i < r->scenarios->len; i++)
    if (report_listed (r, r->scenarios->pdata[i]))
      junit_case (o, r, r->scenarios->pdata[i]);
  g_string_append (o, "  </testsuite>\n</testsuites>\n");
  return g_string_free (o, FALSE);
}
