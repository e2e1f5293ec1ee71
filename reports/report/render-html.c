/* render-html.c — index.html: one self-contained page (inline CSS, inline
 * SVG plots, no script, nothing loaded from anywhere).  The markup is also
 * well-formed XML: every element is closed, void elements end in "/>". */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include <string.h>

/* Plot geometry (SVG user units). */
#define PLOT_W 960.0
#define PLOT_H 212.0
#define PLOT_LEFT 52.0
#define PLOT_RIGHT 948.0
#define PLOT_TOP 14.0
#define PLOT_BOTTOM 150.0
#define IO_READ_Y 174.0
#define IO_WRITE_Y 190.0
#define IO_ROW_H 10.0
#define MAX_IO_MARKS 4000     /* bios drawn per plot; beyond that the plot says so */
#define MAX_IO_TITLES 400     /* hover titles only on small runs */

static const char css[] =
  ":root{--fg:#1d2125;--muted:#5f6b76;--bg:#fff;--card:#f6f8fa;--line:#d8dee4;"
  "--bad:#c92a2a;--good:#2b8a3e;--warn:#e67700;}"
  "@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--muted:#9aa5b1;--bg:#15181c;"
  "--card:#1f242a;--line:#39414a;--bad:#ff6b6b;--good:#69db7c;--warn:#ffa94d;}}"
  "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);"
  "background:var(--bg);max-width:1100px;margin:0 auto;padding:1em 1.5em 3em;}"
  "h1{font-size:1.5em;margin:.4em 0}h2{font-size:1.25em;margin-top:2em;"
  "border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1.05em}"
  "code,pre,.mono{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;"
  "font-size:.88em}pre{background:var(--card);padding:.8em;overflow-x:auto;"
  "border:1px solid var(--line);border-radius:6px;white-space:pre-wrap}"
  ".headline{font-size:1.1em;font-weight:600;padding:.7em 1em;border-radius:6px;"
  "border-left:6px solid var(--good);background:var(--card)}"
  ".headline.bad{border-left-color:var(--bad)}"
  "table{border-collapse:collapse;margin:.6em 0;width:100%}"
  "th,td{border:1px solid var(--line);padding:.25em .5em;text-align:left;vertical-align:top}"
  "th{background:var(--card)}td.num{text-align:right;font-variant-numeric:tabular-nums}"
  ".badge{display:inline-block;padding:0 .45em;border-radius:4px;font-size:.85em;"
  "font-weight:600;color:#fff;background:var(--muted)}"
  ".b-regressed,.b-data-loss,.b-error,.b-expectation-failed{background:var(--bad)}"
  ".b-fixed,.b-clean{background:var(--good)}.b-still-failing{background:var(--warn)}"
  ".b-ok{background:var(--muted)}"
  ".better{color:var(--good)}.worse{color:var(--bad)}.muted{color:var(--muted)}"
  ".sides{display:grid;grid-template-columns:1fr 1fr;gap:1em}"
  ".side{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6em .9em}"
  ".hint{border-left:4px solid var(--warn);padding:.3em .8em;background:var(--card)}"
  "svg{width:100%;height:auto;background:var(--card);border:1px solid var(--line);"
  "border-radius:6px}svg text{fill:var(--muted);font:11px system-ui,sans-serif}"
  "svg .axis{stroke:var(--line);stroke-width:1}"
  ".s{fill:none;stroke-width:1.6}.s-up{stroke:#1c7ed6}"
  /* cached is drawn last, wide and dashed: where every cached page is
   * uptodate the two lines coincide and uptodate shows through the gaps */
  ".s-cached{stroke:#5c940d;stroke-width:3;stroke-dasharray:7 4}"
  ".m-reclaim{stroke:#f08c00;stroke-width:1.5}svg text.m-reclaim-t{fill:#f08c00}"
  ".m-dc{stroke:#0c8599;stroke-width:1.5}svg text.m-dc-t{fill:#0c8599}"
  ".s-dirty{stroke:#e8590c}.s-wb{stroke:#9c36b5}"
  ".io-r{fill:#1c7ed6}.io-w{fill:#2b8a3e}.io-e{fill:#c92a2a}"
  ".loss{stroke:#c92a2a;stroke-width:2}svg text.loss-t{fill:#c92a2a;font-weight:600}"
  ".div{stroke:var(--muted);stroke-width:1;stroke-dasharray:4 3}"
  ".plots h4{margin:.8em 0 .2em}svg .idle{fill:var(--line);opacity:.45}"
  ".legend span{margin-right:1.2em;white-space:nowrap}"
  ".sw{display:inline-block;width:1.4em;height:.3em;vertical-align:middle;margin-right:.3em}";

static void
text (GString *o, const char *s)
{
  report_xml_text (o, s);
}

/* <tag class="cls">escaped text</tag> */
static void
elem (GString *o, const char *tag, const char *cls, const char *s)
{
  if (cls)
    g_string_append_printf (o, "<%s class=\"%s\">", tag, cls);
  else
    g_string_append_printf (o, "<%s>", tag);
  text (o, s);
  g_string_append_printf (o, "</%s>", tag);
}

static void
badge (GString *o, const char *id, const char *label)
{
  g_autofree char *cls = g_strdup_printf ("badge b-%s", id);
  elem (o, "span", cls, label);
}

/* ---- plots ---- */

/* One piece of the time axis: [t0, t1] is drawn over [x0, x1].  Stretches
 * with no event longer than 1/IDLE_FRACTION of the run are "idle" and
 * squeezed to a fixed width, so that a run that sleeps 20 ms between two
 * bursts still shows both bursts. */
typedef struct {
  guint64 t0, t1;
  double x0, x1;
  gboolean idle;
} Piece;

#define IDLE_FRACTION 16    /* a gap longer than t_max / 16 is idle */
#define IDLE_WEIGHT 40      /* and drawn as wide as t_max / 40 */

typedef struct {
  guint64 t_max_ns;         /* right edge of the x axis */
  guint32 v_max;            /* top of the y axis, pages */
  GArray *pieces;           /* Piece, in time order, covering [0, t_max_ns] */
} Frame;

static double
px_x (const Frame *f, guint64 t_ns)
{
  guint lo = 0, hi = f->pieces->len;

  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (f->pieces, Piece, mid).t0 <= t_ns)
        lo = mid;
      else
        hi = mid;
    }
  const Piece *p = &g_array_index (f->pieces, Piece, lo);
  if (p->t1 == p->t0)
    return p->x0;
  double u = ((double) MIN (t_ns, p->t1) - (double) p->t0) / (double) (p->t1 - p->t0);
  return p->x0 + (p->x1 - p->x0) * MAX (u, 0.0);
}

/* The virtual time drawn at x. */
static guint64
t_at (const Frame *f, double x)
{
  for (guint i = 0; i < f->pieces->len; i++)
    {
      const Piece *p = &g_array_index (f->pieces, Piece, i);
      if (x <= p->x1 || i + 1 == f->pieces->len)
        {
          double u = p->x1 > p->x0 ? (x - p->x0) / (p->x1 - p->x0) : 0.0;
          return p->t0 + (guint64) (CLAMP (u, 0.0, 1.0) * (double) (p->t1 - p->t0));
        }
    }
  return 0;
}

static void
add_time (GArray *times, guint64 t)
{
  g_array_append_val (times, t);
}

static gint
cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Every moment something is drawn, on either side, sorted. */
static GArray *
frame_times (const ReportScenario *sc)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (guint64));

  add_time (times, 0);
  for (int k = 0; k < 2; k++)
    {
      const ReportSide *s = &sc->side[k];
      add_time (times, s->t_end_ns);
      for (guint i = 0; i < s->pages->len; i++)
        add_time (times, g_array_index (s->pages, VmemuTracedbPageCounts, i).t_ns);
      for (guint i = 0; i < s->ios->len; i++)
        {
          add_time (times, g_array_index (s->ios, ReportIo, i).t_submit_ns);
          add_time (times, g_array_index (s->ios, ReportIo, i).t_complete_ns);
        }
      for (guint i = 0; i < s->loss_times->len; i++)
        add_time (times, g_array_index (s->loss_times, guint64, i));
      for (guint i = 0; i < s->losses->len; i++)
        add_time (times, ((VmemuTracedbVerify *) s->losses->pdata[i])->t_ns);
    }
  if (sc->has_divergence)
    add_time (times, sc->divergence_t_ns);
  g_array_sort (times, cmp_u64);
  return times;
}

/* Busy stretches keep their length, idle ones get IDLE_WEIGHT; then the
 * weights are scaled to the plot's width. */
static void
frame_init (Frame *f, const ReportScenario *sc)
{
  g_autoptr(GArray) times = frame_times (sc);
  guint64 t_max = MAX (g_array_index (times, guint64, times->len - 1), 1);
  double idle_w = (double) t_max / IDLE_WEIGHT, total = 0.0;
  Piece cur = { 0 };

  f->t_max_ns = t_max;
  f->pieces = g_array_new (FALSE, TRUE, sizeof (Piece));
  for (guint i = 0; i + 1 < times->len; i++)
    {
      guint64 a = g_array_index (times, guint64, i), b = g_array_index (times, guint64, i + 1);
      gboolean idle = b - a > t_max / IDLE_FRACTION;
      if (idle != cur.idle && cur.t1 > cur.t0)
        {
          g_array_append_val (f->pieces, cur);
          cur = (Piece) { .t0 = a, .t1 = a };
        }
      cur.idle = idle;
      cur.t1 = b;
      cur.x1 += idle ? idle_w : (double) (b - a);
    }
  if (cur.t1 > cur.t0 || f->pieces->len == 0)
    g_array_append_val (f->pieces, cur);
  for (guint i = 0; i < f->pieces->len; i++)
    total += g_array_index (f->pieces, Piece, i).x1;
  double x = PLOT_LEFT, scale = (PLOT_RIGHT - PLOT_LEFT) / MAX (total, 1.0);
  for (guint i = 0; i < f->pieces->len; i++)
    {
      Piece *p = &g_array_index (f->pieces, Piece, i);
      double w = p->x1 * scale;
      p->x0 = x;
      p->x1 = x += w;
    }
}

static double
px_y (const Frame *f, guint32 v)
{
  return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * ((double) v / (double) f->v_max);
}

static void
num (GString *o, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append (o, g_ascii_formatd (buf, sizeof buf, "%.1f", v));
}

typedef enum { SERIES_CACHED, SERIES_UPTODATE, SERIES_DIRTY, SERIES_WRITEBACK } Series;

static guint32
series_value (const VmemuTracedbPageCounts *c, Series which)
{
  switch (which)
    {
    case SERIES_CACHED: return c->cached_pages;
    case SERIES_UPTODATE: return c->uptodate_pages;
    case SERIES_DIRTY: return c->dirty_pages;
    default: return c->writeback_pages;
    }
}

/* Extremes and final value of one pixel column. */
typedef struct {
  double x;
  guint32 lo, hi, last, drawn;
} Column;

static void
column_flush (GString *o, const Frame *f, Column *c)
{
  guint32 seq[3] = { c->hi, c->lo, c->last };

  if (c->lo == c->hi && c->last == c->drawn)
    return;
  for (int i = 0; i < 3; i++)
    if (i == 2 || c->lo != c->hi)
      {
        g_string_append (o, " V");
        num (o, px_y (f, seq[i]));
      }
  c->drawn = c->last;
}

/* A step line of one page count; points that fall into one pixel column
 * collapse to that column's extremes, so the path stays small. */
static void
svg_series (GString *o, const Frame *f, const ReportSide *s, Series which, const char *cls)
{
  Column c = { .x = px_x (f, 0) };

  g_string_append_printf (o, "<path class=\"s %s\" d=\"M", cls);
  num (o, c.x);
  g_string_append_c (o, ' ');
  num (o, px_y (f, 0));
  for (guint i = 0; i < s->pages->len; i++)
    {
      const VmemuTracedbPageCounts *p = &g_array_index (s->pages, VmemuTracedbPageCounts, i);
      double x = px_x (f, p->t_ns);
      guint32 v = series_value (p, which);
      if (x >= c.x + 0.5)
        {
          column_flush (o, f, &c);
          g_string_append (o, " H");
          num (o, x);
          c.x = x;
          c.lo = c.hi = c.last;
        }
      c.last = v;
      c.lo = MIN (c.lo, v);
      c.hi = MAX (c.hi, v);
    }
  column_flush (o, f, &c);
  g_string_append (o, " H");
  num (o, px_x (f, s->t_end_ns));
  g_string_append (o, "\"/>\n");
}

/* Idle stretches: a light band with the time it stands for. */
static void
svg_idle (GString *o, const Frame *f)
{
  for (guint i = 0; i < f->pieces->len; i++)
    {
      const Piece *p = &g_array_index (f->pieces, Piece, i);
      if (!p->idle)
        continue;
      g_autofree char *len = report_format_ms (p->t1 - p->t0);
      g_autofree char *t0 = report_format_ms (p->t0);
      g_string_append (o, "<rect class=\"idle\" x=\"");
      num (o, p->x0);
      g_string_append_printf (o, "\" y=\"%g\" width=\"", PLOT_TOP);
      num (o, p->x1 - p->x0);
      g_string_append_printf (o, "\" height=\"%g\"><title>nothing happens for %s from %s"
                              " (drawn shorter)</title></rect>\n<text x=\"", PLOT_BOTTOM - PLOT_TOP,
                              len, t0);
      num (o, (p->x0 + p->x1) / 2);
      g_string_append_printf (o, "\" y=\"%g\" text-anchor=\"middle\">\u2248</text>\n",
                              PLOT_BOTTOM + 4);
    }
}

static void
svg_axes (GString *o, const Frame *f)
{
  g_string_append_printf (o, "<line class=\"axis\" x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\"/>\n"
                             "<line class=\"axis\" x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\"/>\n",
                          PLOT_LEFT, PLOT_BOTTOM, PLOT_RIGHT, PLOT_BOTTOM, PLOT_LEFT, PLOT_TOP,
                          PLOT_LEFT, PLOT_BOTTOM);
  svg_idle (o, f);
  double last_x = -100.0;
  for (int i = 0; i <= 6; i++)
    {
      double x = PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * i / 6.0;
      if (x - last_x < 70.0)
        continue;
      guint64 t = t_at (f, x);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (buf, sizeof buf, "%.4g", (double) t / 1e6);
      g_string_append (o, "<text x=\"");
      num (o, x);
      g_string_append_printf (o, "\" y=\"%g\" text-anchor=\"%s\">%s ms</text>\n", PLOT_BOTTOM + 13,
                              i == 0 ? "start" : i == 6 ? "end" : "middle", buf);
      last_x = x;
    }
  for (int i = 0; i <= 2; i++)
    {
      guint32 v = f->v_max / 2 * (guint32) i;
      if (i == 2)
        v = f->v_max;
      g_string_append_printf (o, "<text x=\"%g\" y=\"", PLOT_LEFT - 5);
      num (o, px_y (f, v) + 4);
      g_string_append_printf (o, "\" text-anchor=\"end\">%u</text>\n", v);
    }
  g_string_append_printf (o, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">reads</text>\n"
                             "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">writes</text>\n",
                          PLOT_LEFT - 5, IO_READ_Y + 9, PLOT_LEFT - 5, IO_WRITE_Y + 9);
}

static void
svg_io (GString *o, const Frame *f, const ReportSide *s)
{
  guint n = MIN (s->ios->len, MAX_IO_MARKS);

  for (guint i = 0; i < n; i++)
    {
      const ReportIo *io = &g_array_index (s->ios, ReportIo, i);
      double x0 = px_x (f, io->t_submit_ns), x1 = px_x (f, io->t_complete_ns);
      const char *cls = io->status != 0 ? "io-e" : io->write ? "io-w" : "io-r";
      g_string_append_printf (o, "<rect class=\"%s\" x=\"", cls);
      num (o, x0);
      g_string_append_printf (o, "\" y=\"%g\" width=\"", io->write ? IO_WRITE_Y : IO_READ_Y);
      num (o, MAX (x1 - x0, 1.5));
      g_string_append_printf (o, "\" height=\"%g\">", IO_ROW_H);
      if (s->ios->len <= MAX_IO_TITLES)
        {
          g_autofree char *t0 = report_format_ms (io->t_submit_ns);
          g_autofree char *t1 = report_format_ms (io->t_complete_ns);
          g_string_append_printf (o, "<title>%s %" G_GUINT64_FORMAT " bytes, submitted %s,"
                                  " completed %s%s</title>", io->write ? "write" : "read",
                                  io->bytes, t0, t1, io->status ? ", failed" : "");
        }
      g_string_append (o, "</rect>\n");
    }
  if (s->ios->len > n)
    g_string_append_printf (o, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">first %u of %u"
                               " bios shown</text>\n", PLOT_RIGHT, PLOT_H - 2, n, s->ios->len);
}

static void
svg_vline (GString *o, const Frame *f, guint64 t, const char *cls, const char *label,
           const char *title)
{
  double x = px_x (f, t);

  g_string_append_printf (o, "<line class=\"%s\" x1=\"", cls);
  num (o, x);
  g_string_append_printf (o, "\" y1=\"%g\" x2=\"", PLOT_TOP - 4);
  num (o, x);
  g_string_append_printf (o, "\" y2=\"%g\"><title>", PLOT_BOTTOM);
  text (o, title);
  g_string_append (o, "</title></line>\n");
  if (label)
    {
      g_string_append_printf (o, "<text class=\"%s-t\" x=\"", cls);
      num (o, x - 3);
      g_string_append_printf (o, "\" y=\"%g\" text-anchor=\"end\">", PLOT_TOP + 6);
      text (o, label);
      g_string_append (o, "</text>\n");
    }
}

/* Reclaim and drop_caches: the first of each kind labelled, every one drawn. */
static void
svg_marks (GString *o, const Frame *f, const ReportSide *s)
{
  static const char *const cls[] = { "m-reclaim", "m-reclaim", "m-dc" };
  static const char *const label[] = { "kswapd", "direct reclaim", "drop_caches" };
  gboolean labelled[3] = { FALSE, FALSE, FALSE };
  for (guint i = 0; i < s->marks->len; i++)
    {
      const ReportMark *mk = &g_array_index (s->marks, ReportMark, i);
      g_autofree char *t = report_format_ms (mk->t_ns);
      g_autofree char *title = g_strdup_printf ("%s at %s", label[mk->kind], t);
      svg_vline (o, f, mk->t_ns, cls[mk->kind], labelled[mk->kind] ? NULL : label[mk->kind],
                 title);
      labelled[mk->kind] = TRUE;
    }
}

/* Loss moments: vmemu_data_loss events, else the failed checks. */
static void
svg_losses (GString *o, const Frame *f, const ReportSide *s)
{
  g_autofree char *what = NULL;

  if (s->losses->len > 0)
    what = report_loss_sentence (s->losses->pdata[0]);
  for (guint i = 0; i < s->loss_times->len; i++)
    svg_vline (o, f, g_array_index (s->loss_times, guint64, i), "loss", i ? NULL : "data loss",
               what ? what : "data loss");
  for (guint i = 0; s->loss_times->len == 0 && i < s->losses->len; i++)
    {
      const VmemuTracedbVerify *v = s->losses->pdata[i];
      g_autofree char *sentence = report_loss_sentence (v);
      svg_vline (o, f, v->t_ns, "loss", i ? NULL : "data loss", sentence);
    }
}

static void
svg_plot (GString *o, const Frame *f, const ReportScenario *sc, int k)
{
  const ReportSide *s = &sc->side[k];
  static const struct { Series which; const char *cls; } lines[] = {
    { SERIES_UPTODATE, "s-up" }, { SERIES_DIRTY, "s-dirty" },
    { SERIES_WRITEBACK, "s-wb" }, { SERIES_CACHED, "s-cached" },
  };

  g_string_append_printf (o, "<svg viewBox=\"0 0 %g %g\""
                             " role=\"img\" aria-label=\"", PLOT_W, PLOT_H);
  text (o, s->variant);
  g_string_append (o, ": page-cache pages and I/O over virtual time\">\n<title>");
  text (o, s->variant);
  g_string_append (o, ": dirty, writeback, uptodate and cached pages over virtual time</title>\n");
  svg_axes (o, f);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    svg_series (o, f, s, lines[i].which, lines[i].cls);
  svg_io (o, f, s);
  if (sc->has_divergence)
    {
      g_autofree char *t = report_format_ms (sc->divergence_t_ns);
      g_autofree char *title = g_strdup_printf ("first divergence at %s", t);
      svg_vline (o, f, sc->divergence_t_ns, "div", NULL, title);
    }
  svg_marks (o, f, s);
  svg_losses (o, f, s);
  g_string_append (o, "</svg>\n");
}

static void
html_plots (GString *o, const ReportScenario *sc)
{
  Frame f = { .v_max = MAX (MAX (sc->side[0].peaks.max_cached_pages,
                                 sc->side[1].peaks.max_cached_pages), 2) };

  frame_init (&f, sc);

  g_string_append (o, "<h3>Timeline</h3>\n<p class=\"legend\">"
                      "<span><span class=\"sw\" style=\"background:#5c940d\"></span>cached (dashed)</span>"
                      "<span><span class=\"sw\" style=\"background:#1c7ed6\"></span>uptodate</span>"
                      "<span><span class=\"sw\" style=\"background:#e8590c\"></span>dirty</span>"
                      "<span><span class=\"sw\" style=\"background:#9c36b5\"></span>writeback</span>"
                      "<span><span class=\"sw\" style=\"background:#2b8a3e\"></span>write bio</span>"
                      "<span><span class=\"sw\" style=\"background:#c92a2a\"></span>data loss,"
                      " failed bio</span>"
                      "<span><span class=\"sw\" style=\"background:#f08c00\"></span>kswapd,"
                      " direct reclaim</span>"
                      "<span><span class=\"sw\" style=\"background:#0c8599\"></span>drop_caches</span>"
                      "<span class=\"muted\">thin dashed: first divergence;"
                      " \u2248: idle time drawn shorter</span>"
                      "</p>\n<div class=\"plots\">\n");
  for (int k = 0; k < 2; k++)
    {
      g_string_append (o, "<div>");
      elem (o, "h4", NULL, sc->side[k].variant);
      svg_plot (o, &f, sc, k);
      g_string_append (o, "</div>\n");
    }
  g_string_append (o, "</div>\n");
  g_array_unref (f.pieces);
}

/* ---- tables ---- */

static void
count_row (GString *o, const ReportRow *row)
{
  g_autofree char *pct = report_percent (row->v[0], row->v[1]);
  /* coloured by what the change means for the data, not by its sign */
  int dir = row->v[1] > row->v[0] ? 1 : row->v[1] < row->v[0] ? -1 : 0;
  int effect = dir * row->good_when;
  const char *cls = effect > 0 ? "num better" : effect < 0 ? "num worse" : "num";

  g_string_append (o, "<tr>");
  elem (o, "td", row->is_event ? "mono" : NULL, row->label);
  g_string_append_printf (o, "<td class=\"num\">%" G_GUINT64_FORMAT "</td><td class=\"num\">%"
                             G_GUINT64_FORMAT "</td>", row->v[0], row->v[1]);
  elem (o, "td", cls, pct);
  g_string_append (o, "</tr>\n");
}

static void
count_table_head (GString *o, const ReportScenario *sc)
{
  g_string_append (o, "<table><thead><tr><th>count</th><th>");
  text (o, sc->side[0].variant);
  g_string_append (o, "</th><th>");
  text (o, sc->side[1].variant);
  g_string_append (o, "</th><th>change</th></tr></thead><tbody>\n");
}

/* Totals and the event kinds whose counts differ; the rest folded away. */
static void
html_counts (GString *o, const ReportScenario *sc)
{
  guint same = 0;

  g_string_append (o, "<h3>Counts</h3>\n");
  count_table_head (o, sc);
  for (guint i = 0; i < sc->rows->len; i++)
    {
      const ReportRow *row = sc->rows->pdata[i];
      if (row->is_event && row->v[0] == row->v[1])
        same++;
      else
        count_row (o, row);
    }
  g_string_append (o, "</tbody></table>\n");
  if (same == 0)
    return;
  g_string_append_printf (o, "<details><summary>%u event kind(s) with equal counts</summary>\n",
                          same);
  count_table_head (o, sc);
  for (guint i = 0; i < sc->rows->len; i++)
    {
      const ReportRow *row = sc->rows->pdata[i];
      if (row->is_event && row->v[0] == row->v[1])
        count_row (o, row);
    }
  g_string_append (o, "</tbody></table></details>\n");
}

static void
html_side (GString *o, const ReportSide *s, int k)
{
  g_autofree char *sentence = report_verdict_sentence (s);

  g_string_append_printf (o, "<div class=\"side\"><strong>%s</strong> <code>",
                          k ? "candidate" : "baseline");
  text (o, s->variant);
  g_string_append (o, "</code> ");
  badge (o, report_verdict_id (s->verdict), report_verdict_name (s->verdict));
  g_string_append (o, "<br/>");
  text (o, sentence);
  g_string_append (o, "\n<ul>");
  for (guint i = 0; i < s->losses->len; i++)
    {
      g_autofree char *loss = report_loss_sentence (s->losses->pdata[i]);
      g_string_append (o, "<li><strong>data loss:</strong> ");
      text (o, loss);
      g_string_append (o, "</li>");
    }
  if (s->activity_unmet)
    {
      g_string_append (o, "<li class=\"worse\"><strong>expect_activity</strong> ");
      text (o, s->activity_unmet);
      g_string_append (o, ": the run did not exercise the path the scenario names</li>");
    }
  if (s->outcome != REPORT_OUTCOME_ERROR)
    {
      g_string_append (o, "<li>trace <code>");
      text (o, s->trace_label);
      g_string_append_printf (o, "</code>, %" G_GUINT64_FORMAT " events</li>", s->n_events);
    }
  if (s->reproduce)
    {
      g_string_append (o, "<li>re-run: <code>");
      text (o, s->reproduce);
      g_string_append (o, "</code></li>");
    }
  g_string_append (o, "</ul></div>\n");
}

static void
html_divergence (GString *o, const ReportScenario *sc)
{
  g_string_append (o, "<h3>First divergence</h3>\n");
  if (sc->diff_summary == NULL)
    {
      elem (o, "p", "muted", "No diff: a run failed.");
      return;
    }
  if (sc->identical)
    {
      elem (o, "p", NULL, "None: the two traces are identical.");
      return;
    }
  elem (o, "p", NULL, sc->diff_summary);
  if (sc->diff_hint)
    {
      g_string_append (o, "<p class=\"hint\"><strong>Why it matters:</strong> ");
      text (o, sc->diff_hint);
      g_string_append (o, "</p>\n");
    }
  g_string_append (o, "<details><summary>Full <code>vmemu diff</code></summary><pre>");
  text (o, sc->diff_text);
  g_string_append (o, "</pre></details>\n");
}

static void
html_scenario (GString *o, const ReportScenario *sc)
{
  g_string_append_printf (o, "<section id=\"s-%s\">\n<h2>", sc->slug);
  text (o, sc->name);
  g_string_append (o, " ");
  badge (o, report_status_name (sc->status), report_status_name (sc->status));
  g_string_append (o, "</h2>\n");
  if (sc->description)
    elem (o, "p", NULL, sc->description);
  g_string_append (o, "<p class=\"muted\">source <code>");
  text (o, sc->source);
  g_string_append (o, "</code>");
  if (sc->sha256)
    {
      g_string_append (o, ", sha256 <code>");
      text (o, sc->sha256);
      g_string_append (o, "</code>");
    }
  g_string_append_printf (o, ", seed %" G_GUINT64_FORMAT "</p>\n<div class=\"sides\">\n",
                          sc->side[0].seed);
  for (int k = 0; k < 2; k++)
    html_side (o, &sc->side[k], k);
  g_string_append (o, "</div>\n");
  html_divergence (o, sc);
  html_plots (o, sc);
  html_counts (o, sc);
  g_string_append (o, "</section>\n");
}

static void
html_summary (GString *o, const VmemuReport *r)
{
  g_string_append (o, "<h2>Scenarios</h2>\n<table><thead><tr><th>scenario</th><th>status</th><th>");
  text (o, r->baseline);
  g_string_append (o, "</th><th>");
  text (o, r->candidate);
  g_string_append (o, "</th><th>first divergence</th></tr></thead><tbody>\n");
  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (!report_listed (r, sc))
        continue;
      g_autofree char *va = report_verdict_sentence (&sc->side[0]);
      g_autofree char *vb = report_verdict_sentence (&sc->side[1]);
      g_string_append_printf (o, "<tr><td><a href=\"#s-%s\">", sc->slug);
      text (o, sc->name);
      g_string_append (o, "</a></td><td>");
      badge (o, report_status_name (sc->status), report_status_name (sc->status));
      g_string_append (o, "</td>");
      elem (o, "td", NULL, va);
      elem (o, "td", NULL, vb);
      if (!sc->identical && sc->group > 0)
        {
          const ReportGroup *g = r->groups->pdata[sc->group - 1];
          g_string_append_printf (o, "<td><a href=\"#cause-%u\">cause %u</a>: ", g->id, g->id);
          elem (o, "code", NULL, g->event);
          g_string_append (o, "</td>");
        }
      else
        elem (o, "td", NULL, sc->identical ? "none (identical traces)"
                             : sc->diff_summary ? sc->diff_summary : "-");
      g_string_append (o, "</tr>\n");
    }
  g_string_append (o, "</tbody></table>\n");
}

/* One entry per first-divergence cause, before the table that points at it. */
static void
html_causes (GString *o, const VmemuReport *r)
{
  if (r->groups->len == 0)
    return;
  g_string_append (o, "<h2>Causes</h2>\n<ol>\n");
  for (guint i = 0; i < r->groups->len; i++)
    {
      const ReportGroup *g = r->groups->pdata[i];
      g_string_append_printf (o, "<li id=\"cause-%u\">", g->id);
      elem (o, "code", NULL, g->event);
      g_string_append_printf (o, " in %u %s: ", g->members->len,
                              g->members->len == 1 ? "scenario" : "scenarios");
      for (guint k = 0; k < g->members->len; k++)
        {
          const ReportScenario *sc = g->members->pdata[k];
          g_string_append_printf (o, "%s<a href=\"#s-%s\">", k ? ", " : "", sc->slug);
          text (o, sc->name);
          g_string_append (o, "</a> ");
          badge (o, report_status_name (sc->status), report_status_name (sc->status));
        }
      g_string_append (o, "<div>");
      text (o, g->summary);
      g_string_append (o, "</div>");
      if (g->hint)
        {
          g_string_append (o, "<div class=\"hint\">");
          text (o, g->hint);
          g_string_append (o, "</div>");
        }
      g_string_append (o, "</li>\n");
    }
  g_string_append (o, "</ol>\n");
}

static void
html_reproduce (GString *o, const VmemuReport *r)
{
  g_string_append (o, "<h2>Reproduce</h2>\n<p>Command: <code>");
  text (o, r->command_line ? r->command_line : "(not recorded)");
  g_string_append_printf (o, "</code><br/>vmemu %s; times are virtual (emulated), the same on"
                             " every machine.</p>\n<table><thead><tr><th>scenario</th>"
                             "<th>sha256</th><th>seed</th><th>re-run</th></tr></thead><tbody>\n",
                          VMEMU_VERSION);
  for (guint i = 0; i < r->scenarios->len; i++)
    {
      const ReportScenario *sc = r->scenarios->pdata[i];
      if (!report_listed (r, sc))
        continue;
      g_string_append (o, "<tr>");
      elem (o, "td", NULL, sc->name);
      elem (o, "td", "mono", sc->sha256 ? sc->sha256 : "?");
      g_string_append_printf (o, "<td class=\"num\">%" G_GUINT64_FORMAT "</td><td class=\"mono\">",
                              sc->side[0].seed);
      for (int k = 0; k < 2; k++)
        {
          text (o, sc->side[k].reproduce ? sc->side[k].reproduce : "(scenario unknown)");
          g_string_append (o, k ? "" : "<br/>");
        }
      g_string_append (o, "</td></tr>\n");
    }
  g_string_append (o, "</tbody></table>\n");
}

char *
report_render_html (const VmemuReport *r)
{
  GString *o = g_string_new ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                             "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\""
                             " content=\"width=device-width, initial-scale=1\"/>\n<title>");
  g_autofree char *title = g_strdup_printf ("vmemu report: %s → %s", r->baseline, r->candidate);

  text (o, title);
  g_string_append_printf (o, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n", css);
  elem (o, "h1", NULL, title);
  elem (o, "p", r->n_regressed > 0 ? "headline bad" : "headline", r->headline);
  if (r->regressions_only)
    elem (o, "p", "muted", "Only regressed scenarios are listed (--regressions-only).");
  g_string_append (o, "</header>\n<main>\n");
  html_causes (o, r);
  html_summary (o, r);
  html_reproduce (o, r);
  for (guint i = 0; i < r->scenarios->len; i++)
    if (report_listed (r, r->scenarios->pdata[i]))
      html_scenario (o, r->scenarios->pdata[i]);
  g_string_append_printf (o, "</main>\n<footer class=\"muted\"><p>vmemu %s. Each scenario ran"
                             " once under each variant; traces are in <code>traces/</code>"
                             " beside this page.</p></footer>\n</body>\n</html>\n", VMEMU_VERSION);
  return g_string_free (o, FALSE);
}
