/* report-util.c — escaping, number formatting and the words the four
 * renderers share, so every format says the same thing. */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include <string.h>

/* Escapes for both HTML and XML text and attribute values; control
 * characters XML 1.0 forbids become '?'. */
void
report_xml_text (GString *out, const char *s)
{
  if (s == NULL)
    return;
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        default:
          if (*p < 0x20 && *p != '\n' && *p != '\t')
            g_string_append_c (out, '?');
          else
            g_string_append_c (out, (char) *p);
        }
    }
}

char *
report_format_ms (guint64 t_ns)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT " ms",
                          t_ns / 1000000, t_ns % 1000000);
}

gboolean
report_percent_value (guint64 a, guint64 b, double *out)
{
  if (a == 0)
    {
      *out = 0.0;
      return b == 0;
    }
  *out = ((double) b - (double) a) * 100.0 / (double) a;
  return TRUE;
}

char *
report_percent (guint64 a, guint64 b)
{
  double pct;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!report_percent_value (a, b, &pct))
    return g_strdup ("new");
  g_ascii_formatd (buf, sizeof buf, "%.1f", pct);
  if (strcmp (buf, "-0.0") == 0)
    return g_strdup ("0.0%");
  return g_strdup_printf ("%s%s%%", pct > 0.0 ? "+" : "", buf);
}

const char *
report_verdict_name (ReportVerdict v)
{
  static const char *const names[] = { "clean", "data loss", "expectation failed", "error" };
  return names[v];
}

const char *
report_verdict_id (ReportVerdict v)
{
  static const char *const ids[] = { "clean", "data-loss", "expectation-failed", "error" };
  return ids[v];
}

const char *
report_status_name (ReportStatus s)
{
  static const char *const names[] = { "regressed", "fixed", "still-failing", "ok" };
  return names[s];
}

const char *
report_outcome_id (ReportOutcome o)
{
  static const char *const ids[] = { "clean", "data-loss", "error" };
  return ids[o];
}

char *
report_verdict_sentence (const ReportSide *s)
{
  const char *what = s->outcome == REPORT_OUTCOME_LOSS ? "data loss"
                     : s->outcome == REPORT_OUTCOME_ERROR ? "error" : "clean";

  if (s->outcome == REPORT_OUTCOME_ERROR)
    return g_strdup_printf ("error: %s", s->error ? s->error : "the run failed");
  if (s->kernel_bug)   /* vmemu run exits 1: 5.8 would crash */
    return g_strdup_printf ("kernel BUG: %s", s->kernel_bug);
  if (s->depends_on)   /* vmemu run exits 3: the model cannot judge this run */
    return g_strdup_printf ("cannot judge: %s (depends on: %s)", what, s->depends_on);
  if (!s->has_expect)
    return g_strdup_printf ("%s (no expectation)", what);
  if (s->verdict == REPORT_VERDICT_EXPECT_FAILED)
    return g_strdup_printf ("expectation failed: %s, expected %s", what,
                            s->expect == VMEMU_EXPECT_DATA_LOSS ? "data loss" : "clean");
  return g_strdup_printf ("%s (as expected)", what);
}

gboolean
report_side_bad (const ReportSide *s)
{
  return s->outcome != REPORT_OUTCOME_CLEAN || s->verdict == REPORT_VERDICT_EXPECT_FAILED
         || s->depends_on != NULL || s->kernel_bug != NULL;
}

gboolean
report_listed (const VmemuReport *r, const ReportScenario *sc)
{
  if (!r->regressions_only)
    return TRUE;
  return sc->status == REPORT_STATUS_REGRESSED;
}

char *
report_loss_sentence (const VmemuTracedbVerify *v)
{
  g_autofree char *t = report_format_ms (v->t_ns);

  return g_strdup_printf ("%s offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT
                          " (%" G_GUINT64_FORMAT " bytes differ in all) lost, seen by the %s"
                          " check at %s: expected %s, found %s",
                          v->path ? v->path : "?", v->bad_offset_bytes, v->bad_length_bytes,
                          v->bad_total_bytes, v->kind ? v->kind : "?", t,
                          v->expected_hex ? v->expected_hex : "?",
                          v->found_hex ? v->found_hex : "?");
}
