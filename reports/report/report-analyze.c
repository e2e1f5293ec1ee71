/* report-analyze.c — what the report says about one pair of runs, read back
 * from their trace databases: losses, page counts over time, bios, event
 * counts, and the first divergence from reports/diff. */
#define G_LOG_DOMAIN "vmemu-report"
#include "reports/report/report-private.h"

#include <string.h>
#include <sqlite3.h>

#include "reports/diff/diff.h"

void
report_row_free (ReportRow *row)
{
  if (row == NULL)
    return;
  g_free (row->label);
  g_free (row);
}

void
report_side_clear (ReportSide *s)
{
  g_free (s->variant);
  g_free (s->trace_label);
  g_free (s->trace_path);
  g_free (s->error);
  g_free (s->depends_on);
  g_free (s->kernel_bug);
  g_free (s->reproduce);
  g_free (s->content_sha256);
  g_clear_pointer (&s->losses, g_ptr_array_unref);
  g_clear_pointer (&s->loss_times, g_array_unref);
  g_clear_pointer (&s->pages, g_array_unref);
  g_clear_pointer (&s->ios, g_array_unref);
  g_clear_pointer (&s->marks, g_array_unref);
  g_clear_pointer (&s->activity_unmet, g_free);
}

/* ---- small queries ---- */

static gboolean
analyze_fail (VmemuTracedb *db, GError **error)
{
  g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_IO, "%s: cannot read: %s",
               vmemu_tracedb_path (db), sqlite3_errmsg (vmemu_tracedb_handle (db)));
  return FALSE;
}

/* A single integer from sql with ?1 bound to run; FALSE on a SQLite error. */
static gboolean
query_int (VmemuTracedb *db, gint64 run, const char *sql, guint64 *out, GError **error)
{
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db), sql, -1, &st, NULL) != SQLITE_OK)
    return analyze_fail (db, error);
  sqlite3_bind_int64 (st, 1, run);
  int rc = sqlite3_step (st);
  *out = rc == SQLITE_ROW ? (guint64) sqlite3_column_int64 (st, 0) : 0;
  sqlite3_finalize (st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return analyze_fail (db, error);
  return TRUE;
}

static gboolean
read_ios (VmemuTracedb *db, ReportSide *s, GError **error)
{
  static const char sql[] =
    "SELECT t_submit_ns, coalesce(t_complete_ns, t_submit_ns), write, coalesce(status, 0),"
    " nr_sectors * 512 FROM block_io WHERE run = ?1 ORDER BY seq_submit";
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db), sql, -1, &st, NULL) != SQLITE_OK)
    return analyze_fail (db, error);
  sqlite3_bind_int64 (st, 1, s->run);
  s->ios = g_array_new (FALSE, TRUE, sizeof (ReportIo));
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      ReportIo io = { .t_submit_ns = (guint64) sqlite3_column_int64 (st, 0),
                      .t_complete_ns = (guint64) sqlite3_column_int64 (st, 1),
                      .write = sqlite3_column_int64 (st, 2) != 0,
                      .status = sqlite3_column_int64 (st, 3),
                      .bytes = (guint64) sqlite3_column_int64 (st, 4) };
      g_array_append_val (s->ios, io);
    }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? TRUE : analyze_fail (db, error);
}

static gboolean
read_loss_times (VmemuTracedb *db, ReportSide *s, GError **error)
{
  static const char sql[] =
    "SELECT e.t_ns FROM events e JOIN event_names n ON n.id = e.name_id"
    " WHERE e.run = ?1 AND n.name = 'vmemu_data_loss' ORDER BY e.seq";
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db), sql, -1, &st, NULL) != SQLITE_OK)
    return analyze_fail (db, error);
  sqlite3_bind_int64 (st, 1, s->run);
  s->loss_times = g_array_new (FALSE, TRUE, sizeof (guint64));
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      guint64 t = (guint64) sqlite3_column_int64 (st, 0);
      g_array_append_val (s->loss_times, t);
    }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? TRUE : analyze_fail (db, error);
}

/* kswapd waking, direct reclaim starting, drop_caches: what the timeline
 * marks so reclaim is on it (issue 14). */
static gboolean
read_marks (VmemuTracedb *db, ReportSide *s, GError **error)
{
  static const char sql[] =
    "SELECT e.t_ns, CASE n.name WHEN 'mm_vmscan_kswapd_wake' THEN 0"
    " WHEN 'mm_vmscan_direct_reclaim_begin' THEN 1 ELSE 2 END"
    " FROM events e JOIN event_names n ON n.id = e.name_id WHERE e.run = ?1 AND"
    " (n.name IN ('mm_vmscan_kswapd_wake', 'mm_vmscan_direct_reclaim_begin')"
    "  OR (n.name = 'sys_enter' AND e.detail_id IN"
    "      (SELECT id FROM strings WHERE str = 'drop_caches'))) ORDER BY e.seq";
  sqlite3_stmt *st = NULL;
  int rc;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db), sql, -1, &st, NULL) != SQLITE_OK)
    return analyze_fail (db, error);
  sqlite3_bind_int64 (st, 1, s->run);
  s->marks = g_array_new (FALSE, TRUE, sizeof (ReportMark));
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      ReportMark mk = { (guint64) sqlite3_column_int64 (st, 0),
                        (ReportMarkKind) sqlite3_column_int (st, 1) };
      g_array_append_val (s->marks, mk);
    }
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? TRUE : analyze_fail (db, error);
}

static void
side_peaks (ReportSide *s)
{
  for (guint i = 0; i < s->pages->len; i++)
    {
      const VmemuTracedbPageCounts *c = &g_array_index (s->pages, VmemuTracedbPageCounts, i);
      s->peaks.max_dirty_pages = MAX (s->peaks.max_dirty_pages, c->dirty_pages);
      s->peaks.max_writeback_pages = MAX (s->peaks.max_writeback_pages, c->writeback_pages);
      s->peaks.max_uptodate_pages = MAX (s->peaks.max_uptodate_pages, c->uptodate_pages);
      s->peaks.max_cached_pages = MAX (s->peaks.max_cached_pages, c->cached_pages);
    }
}

/* Keeps the failed verifications as the losses. */
static gboolean
side_losses (VmemuTracedb *db, ReportSide *s, GError **error)
{
  g_autoptr(GPtrArray) all = vmemu_tracedb_verifications (db, s->run, error);

  if (all == NULL)
    return FALSE;
  s->losses = g_ptr_array_new_with_free_func ((GDestroyNotify) vmemu_tracedb_verify_free);
  for (guint i = 0; i < all->len; i++)
    if (!((VmemuTracedbVerify *) all->pdata[i])->ok)
      g_ptr_array_add (s->losses, g_steal_pointer (&all->pdata[i]));
  return TRUE;
}

static gboolean
side_run_info (VmemuTracedb *db, ReportSide *s, GError **error)
{
  g_autoptr(GPtrArray) runs = vmemu_tracedb_list_runs (db, error);

  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      const VmemuTracedbRun *run = runs->pdata[i];
      if (run->id != s->run)
        continue;
      s->n_events = run->n_events;
      s->t_end_ns = run->t_end_ns;
      g_autofree char *act = vmemu_tracedb_meta (db, s->run, "expect_activity");
      g_free (s->activity_unmet);
      s->activity_unmet = act && g_str_has_prefix (act, "not met") ? g_strdup (act) : NULL;
      g_free (s->content_sha256);
      s->content_sha256 = g_strdup (run->content_sha256);
    }
  return TRUE;
}

/* Everything one side's trace tells; the outcome too, unless the run
 * already failed. */
static gboolean
analyze_side (VmemuTracedb *db, ReportSide *s, GError **error)
{
  if (!side_run_info (db, s, error) || !side_losses (db, s, error)
      || !read_ios (db, s, error) || !read_loss_times (db, s, error)
      || !read_marks (db, s, error))
    return FALSE;
  if ((s->pages = vmemu_tracedb_page_counts (db, s->run, error)) == NULL)
    return FALSE;
  side_peaks (s);
  g_free (s->depends_on);
  s->depends_on = vmemu_tracedb_meta (db, s->run, "depends_on");
  g_free (s->kernel_bug);
  s->kernel_bug = vmemu_tracedb_meta (db, s->run, "kernel_bug");
  if (s->outcome != REPORT_OUTCOME_ERROR)
    s->outcome = s->losses->len > 0 || s->loss_times->len > 0 ? REPORT_OUTCOME_LOSS
                                                               : REPORT_OUTCOME_CLEAN;
  return TRUE;
}

/* ---- the counts table ---- */

/* Whether more of a count is good or bad for the data: more written is the
 * data reaching the disk; more loss, skipped blocks, errors or failed
 * removals is worse; everything else is neither (issue 14: more write bios
 * from the fix were coloured red). */
static int
good_when (const char *label)
{
  static const char *const more_good[] = { "write bios", "bytes written", "end_page_writeback",
                                           "set_page_writeback", NULL };
  static const char *const more_bad[] = { "I/O errors", "blocks skipped by iomap_writepage_map",
                                          "failed verifications", "vmemu_data_loss",
                                          "remove_mapping_fail", "block_error_injected",
                                          "signal_generate", NULL };
  for (int i = 0; more_good[i]; i++)
    if (strcmp (label, more_good[i]) == 0)
      return 1;
  for (int i = 0; more_bad[i]; i++)
    if (strcmp (label, more_bad[i]) == 0)
      return -1;
  return 0;
}

static void
add_row (GPtrArray *rows, const char *label, gboolean is_event, guint64 a, guint64 b)
{
  ReportRow *row = g_new0 (ReportRow, 1);

  row->good_when = good_when (label);
  row->label = g_strdup (label);
  row->is_event = is_event;
  row->v[0] = a;
  row->v[1] = b;
  g_ptr_array_add (rows, row);
}

typedef struct {
  guint64 syscalls, read_bios, write_bios, read_bytes, write_bytes, io_errors,
          blocks_skipped, reclaimed, verifications;
} SideTotals;

static gboolean
side_totals (VmemuTracedb *db, const ReportSide *s, SideTotals *t, GError **error)
{
  memset (t, 0, sizeof *t);
  for (guint i = 0; i < s->ios->len; i++)
    {
      const ReportIo *io = &g_array_index (s->ios, ReportIo, i);
      *(io->write ? &t->write_bios : &t->read_bios) += 1;
      *(io->write ? &t->write_bytes : &t->read_bytes) += io->bytes;
      t->io_errors += io->status != 0;
    }
  return query_int (db, s->run, "SELECT count(*) FROM syscalls WHERE run = ?1",
                    &t->syscalls, error)
         && query_int (db, s->run, "SELECT coalesce(sum(blocks_skipped), 0) FROM events_named"
                       " WHERE run = ?1 AND name = 'iomap_writepage_map'", &t->blocks_skipped, error)
         && query_int (db, s->run, "SELECT coalesce(sum(nr_reclaimed), 0) FROM"
                       " reclaim_scans WHERE run = ?1", &t->reclaimed, error)
         && query_int (db, s->run, "SELECT count(*) FROM verifications WHERE run = ?1",
                       &t->verifications, error);
}

static void
add_total_rows (GPtrArray *rows, const ReportSide *s, const SideTotals *t)
{
  add_row (rows, "events", FALSE, s[0].n_events, s[1].n_events);
  add_row (rows, "virtual time (ns)", FALSE, s[0].t_end_ns, s[1].t_end_ns);
  add_row (rows, "syscalls", FALSE, t[0].syscalls, t[1].syscalls);
  add_row (rows, "read bios", FALSE, t[0].read_bios, t[1].read_bios);
  add_row (rows, "write bios", FALSE, t[0].write_bios, t[1].write_bios);
  add_row (rows, "bytes read", FALSE, t[0].read_bytes, t[1].read_bytes);
  add_row (rows, "bytes written", FALSE, t[0].write_bytes, t[1].write_bytes);
  add_row (rows, "I/O errors", FALSE, t[0].io_errors, t[1].io_errors);
  add_row (rows, "blocks skipped by iomap_writepage_map", FALSE, t[0].blocks_skipped,
           t[1].blocks_skipped);
  add_row (rows, "pages reclaimed", FALSE, t[0].reclaimed, t[1].reclaimed);
  add_row (rows, "verifications", FALSE, t[0].verifications, t[1].verifications);
  add_row (rows, "failed verifications", FALSE, s[0].losses->len, s[1].losses->len);
  add_row (rows, "peak dirty pages", FALSE, s[0].peaks.max_dirty_pages,
           s[1].peaks.max_dirty_pages);
  add_row (rows, "peak writeback pages", FALSE, s[0].peaks.max_writeback_pages,
           s[1].peaks.max_writeback_pages);
  add_row (rows, "peak cached pages", FALSE, s[0].peaks.max_cached_pages,
           s[1].peaks.max_cached_pages);
}

static gint
compare_str (gconstpointer a, gconstpointer b, gpointer data)
{
  return strcmp (a, b);
}

/* Per event name, the union of both sides, sorted by name. */
static gboolean
add_event_rows (GPtrArray *rows, VmemuTracedb **db, const ReportSide *s, GError **error)
{
  g_autoptr(GTree) names = g_tree_new_full (compare_str, NULL, g_free, g_free);

  for (int k = 0; k < 2; k++)
    {
      if (db[k] == NULL)
        continue;
      g_autoptr(GArray) counts = vmemu_tracedb_count_by_name (db[k], s[k].run, error);
      if (counts == NULL)
        return FALSE;
      for (guint i = 0; i < counts->len; i++)
        {
          const VmemuTracedbCount *c = &g_array_index (counts, VmemuTracedbCount, i);
          guint64 *v = g_tree_lookup (names, c->name);
          if (v == NULL)
            g_tree_insert (names, g_strdup (c->name), (v = g_new0 (guint64, 2)));
          v[k] = c->count;
        }
    }
  for (GTreeNode *n = g_tree_node_first (names); n != NULL; n = g_tree_node_next (n))
    {
      const guint64 *v = g_tree_node_value (n);
      add_row (rows, g_tree_node_key (n), TRUE, v[0], v[1]);
    }
  return TRUE;
}

/* ---- the diff ---- */

/* The summary is the first line of the text form, the hint its "why it
 * matters" line (reports/diff keeps the rest to itself). */
static void
diff_fields (ReportScenario *sc, VmemuDiff *d)
{
  static const char hint_prefix[] = "  why it matters: ";

  sc->diff_text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  sc->diff_markdown = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_MARKDOWN);
  sc->diff_json = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_JSON);
  g_strchomp (sc->diff_json);
  g_auto(GStrv) lines = g_strsplit (sc->diff_text, "\n", -1);
  sc->diff_summary = g_strdup (lines[0] ? lines[0] : "");
  for (guint i = 1; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], hint_prefix))
      sc->diff_hint = g_strdup (lines[i] + strlen (hint_prefix));
  sc->identical = vmemu_diff_is_equal (d);
}

/* The divergence time is read from the first divergent event of side A. */
static gboolean
divergence_time (VmemuTracedb *db, ReportScenario *sc, VmemuDiff *d, GError **error)
{
  gint64 seq = vmemu_diff_divergence_seq (d);
  guint64 t = 0;

  if (seq <= 0)
    return TRUE;
  g_autofree char *sql = g_strdup_printf ("SELECT coalesce(max(t_ns), 0) FROM events"
                                          " WHERE run = ?1 AND seq <= %" G_GINT64_FORMAT, seq);
  if (!query_int (db, sc->side[0].run, sql, &t, error))
    return FALSE;
  sc->has_divergence = TRUE;
  sc->divergence_t_ns = t;
  return TRUE;
}

static gboolean
report_diff (ReportScenario *sc, VmemuTracedb **db, GError **error)
{
  g_autoptr(VmemuDiff) d = vmemu_diff_compare (db[0], sc->side[0].run, db[1],
                                               sc->side[1].run, error);

  if (d == NULL)
    return FALSE;
  diff_fields (sc, d);
  return divergence_time (db[0], sc, d, error);
}

static VmemuTracedb *
open_side (const ReportSide *s, GError **error)
{
  sqlite3 *h = NULL;

  /* Opened by hand so that messages and the diff name the trace by its
   * place in the report, not by the temporary directory. */
  if (sqlite3_open_v2 (s->trace_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      g_set_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_IO, "%s: cannot open: %s",
                   s->trace_label, h ? sqlite3_errmsg (h) : "out of memory");
      sqlite3_close (h);
      return NULL;
    }
  return vmemu_tracedb_new_for_db (h, s->trace_label, error);
}

/* A side whose run failed has no trace: empty records. */
static void
side_empty (ReportSide *s)
{
  s->losses = g_ptr_array_new_with_free_func ((GDestroyNotify) vmemu_tracedb_verify_free);
  s->loss_times = g_array_new (FALSE, TRUE, sizeof (guint64));
  s->pages = g_array_new (FALSE, TRUE, sizeof (VmemuTracedbPageCounts));
  s->ios = g_array_new (FALSE, TRUE, sizeof (ReportIo));
  s->marks = g_array_new (FALSE, TRUE, sizeof (ReportMark));
}

gboolean
report_analyze_scenario (VmemuReport *r, ReportScenario *sc, GError **error)
{
  VmemuTracedb *db[2] = { NULL, NULL };
  SideTotals t[2] = { { 0 } };
  gboolean ok = TRUE;

  sc->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) report_row_free);
  for (int k = 0; k < 2 && ok; k++)
    {
      ReportSide *s = &sc->side[k];
      if (s->outcome == REPORT_OUTCOME_ERROR)
        side_empty (s);
      else
        ok = (db[k] = open_side (s, error)) != NULL && analyze_side (db[k], s, error)
             && side_totals (db[k], s, &t[k], error);
    }
  if (ok)
    {
      add_total_rows (sc->rows, sc->side, t);
      ok = add_event_rows (sc->rows, db, sc->side, error);
    }
  if (ok && db[0] != NULL && db[1] != NULL)
    ok = report_diff (sc, db, error);
  vmemu_tracedb_free (db[0]);
  vmemu_tracedb_free (db[1]);
  if (ok)
    report_judge (sc);
  return ok;
}

static ReportVerdict
side_verdict (const ReportSide *s)
{
  if (s->outcome == REPORT_OUTCOME_ERROR)
    return REPORT_VERDICT_ERROR;
  gboolean lost = s->outcome == REPORT_OUTCOME_LOSS;
  if (s->has_expect && lost != (s->expect == VMEMU_EXPECT_DATA_LOSS))
    return REPORT_VERDICT_EXPECT_FAILED;
  return lost ? REPORT_VERDICT_LOSS : REPORT_VERDICT_CLEAN;
}

void
report_judge (ReportScenario *sc)
{
  for (int k = 0; k < 2; k++)
    sc->side[k].verdict = side_verdict (&sc->side[k]);
  gboolean bad_a = report_side_bad (&sc->side[0]);
  gboolean bad_b = report_side_bad (&sc->side[1]);
  if (!bad_a && bad_b)
    sc->status = REPORT_STATUS_REGRESSED;
  else if (bad_a && !bad_b)
    sc->status = REPORT_STATUS_FIXED;
  else if (bad_a)
    sc->status = REPORT_STATUS_STILL_FAILING;
  else
    sc->status = REPORT_STATUS_OK;
}
