/* export.c — a trace run as Trace Event Format JSON (the "JSON object
 * format" of the Chrome trace-event spec), for Perfetto UI and
 * chrome://tracing. */
#define G_LOG_DOMAIN "vmemu-export"
#include "reports/export/export.h"

#include <string.h>
#include <sqlite3.h>

#include "engine/json/json.h"

G_DEFINE_QUARK (vmemu-export-error-quark, vmemu_export_error)

#define EXPORT_PID 1
/* Thread ids: task t is t + 1; the synthetic tracks sit far above. */
#define TID_WRITEBACK 100000
#define TID_BLOCK 200000

/* One trace event, rendered, waiting to be sorted by time. */
typedef struct {
  guint64 ts_ns;
  guint order;              /* emission order: ties keep it */
  char *json;               /* owned */
} ExportEvent;

/* A slice waiting for a lane on a synthetic track. */
typedef struct {
  guint64 start_ns;
  guint64 end_ns;
  char *name;               /* owned */
  char *args;               /* owned JSON object text */
} ExportSlice;

typedef struct {
  VmemuTracedb *db;
  gint64 run;
  guint64 t_end_ns;
  GArray *events;           /* ExportEvent: the source being filled (export_add) */
} Export;

/* The output is the events of every source sorted by (ts, emission order);
 * the sources are emitted one after another, so that is a k-way merge by
 * (ts, source, position) of sources each in (ts, position) order.  The big
 * ones (syscalls, page instants) are SQL cursors read as the merge goes, the
 * page counters are rendered one at a time from their samples; the synthetic
 * tracks (writeback and block I/O slices, whose lanes need every slice first)
 * are rendered arrays. */
typedef struct {
  GArray *events;           /* an array source (ExportEvent, sorted), or NULL */
  guint pos;
  sqlite3_stmt *st;         /* a cursor source, or NULL */
  void (*render) (Export *x, sqlite3_stmt *st, GString *o, guint64 *ts_ns);
  GArray *pages;            /* the page-count source (VmemuTracedbPageCounts), or NULL */
  guint32 last[4];          /* pages: the counts written last */
  gboolean has;             /* ts_ns and json hold the next event */
  guint64 ts_ns;
  GString *json;
} ExportSource;

gboolean
vmemu_export_parse_format (const char *name, VmemuExportFormat *out, GError **error)
{
  if (g_strcmp0 (name, "chrome-json") == 0 || g_strcmp0 (name, "json") == 0
      || g_strcmp0 (name, "perfetto") == 0)
    {
      *out = VMEMU_EXPORT_FORMAT_CHROME_JSON;
      return TRUE;
    }
  g_set_error (error, VMEMU_EXPORT_ERROR, VMEMU_EXPORT_ERROR_FORMAT,
               "--format %s: unknown (known: chrome-json)", name ? name : "(none)");
  return FALSE;
}

/* A column as gint64 (sqlite3_int64 is long long, gint64 long on LP64). */
static gint64
col (sqlite3_stmt *st, int i)
{
  return (gint64) sqlite3_column_int64 (st, i);
}

/* ---- JSON pieces ---- */

/* The chrome-json fields are always strings: NULL is written as "". */
static void
json_str (GString *o, const char *s)
{
  vmemu_json_string (o, s ? s : "");
}

/* The thread id of task t (t + 1); a tampered trace may hold any 64-bit
 * value, so out-of-range ids go to the process track (0) instead of
 * overflowing. */
static gint64
task_tid (gint64 task)
{
  return task >= 0 && task < G_MAXINT64 ? task + 1 : 0;
}

/* Microseconds with nanosecond digits: exact, locale-free. */
static void
json_us (GString *o, guint64 ns)
{
  g_string_append_printf (o, "%" G_GUINT64_FORMAT ".%03u", ns / 1000, (guint) (ns % 1000));
}

static void
export_add (Export *x, guint64 ts_ns, GString *json)
{
  ExportEvent ev = { .ts_ns = ts_ns, .order = x->events->len,
                     .json = g_string_free (json, FALSE) };
  g_array_append_val (x->events, ev);
}

/* {"name":..,"ph":..,"pid":1,"tid":..,"ts":.. into o (emptied first) — the
 * caller closes it. */
static void
event_head_into (GString *o, const char *name, const char *ph, gint64 tid, guint64 ts_ns)
{
  g_string_assign (o, "{\"name\":");
  json_str (o, name);
  g_string_append_printf (o, ",\"ph\":\"%s\",\"pid\":%d,\"tid\":%" G_GINT64_FORMAT ",\"ts\":",
                          ph, EXPORT_PID, tid);
  json_us (o, ts_ns);
}

/* The same in a new string. */
static GString *
event_head (const char *name, const char *ph, gint64 tid, guint64 ts_ns)
{
  GString *o = g_string_new (NULL);

  event_head_into (o, name, ph, tid, ts_ns);
  return o;
}

static void
metadata (Export *x, const char *what, gint64 tid, const char *key, const char *sval, gint64 ival)
{
  GString *o = event_head (what, "M", tid, 0);

  g_string_append_printf (o, ",\"args\":{\"%s\":", key);
  if (sval)
    json_str (o, sval);
  else
    g_string_append_printf (o, "%" G_GINT64_FORMAT, ival);
  g_string_append (o, "}}");
  export_add (x, 0, o);
}

static gboolean
read_fail (Export *x, GError **error)
{
  g_set_error (error, VMEMU_EXPORT_ERROR, VMEMU_EXPORT_ERROR_READ, "%s: cannot read: %s",
               vmemu_tracedb_path (x->db), sqlite3_errmsg (vmemu_tracedb_handle (x->db)));
  return FALSE;
}

static sqlite3_stmt *
export_query (Export *x, const char *sql)
{
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (x->db), sql, -1, &st, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64 (st, 1, x->run);
  return st;
}

/* Finalizes st; TRUE when it ran to the end. */
static gboolean
export_done (Export *x, sqlite3_stmt *st, int rc, GError **error)
{
  sqlite3_finalize (st);
  return rc == SQLITE_DONE ? TRUE : read_fail (x, error);
}

/* ---- tracks ---- */

static gboolean
export_tasks (Export *x, GError **error)
{
  sqlite3_stmt *st = export_query (x, "SELECT id, name, kind FROM tasks WHERE run = ?1 ORDER BY id");
  int rc;

  if (st == NULL)
    return read_fail (x, error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      gint64 tid = task_tid (col (st, 0));
      const char *name = (const char *) sqlite3_column_text (st, 1);
      const char *kind = (const char *) sqlite3_column_text (st, 2);
      g_autofree char *label = g_strdup_printf ("%s (%s)", name ? name : "?", kind ? kind : "task");
      metadata (x, "thread_name", tid, "name", label, 0);
      metadata (x, "thread_sort_index", tid, "sort_index", NULL, tid);
    }
  return export_done (x, st, rc, error);
}

static void
export_process (Export *x)
{
  g_autofree char *scn = vmemu_tracedb_meta (x->db, x->run, "scenario_name");
  g_autofree char *variant = vmemu_tracedb_meta (x->db, x->run, "variant");
  g_autofree char *seed = vmemu_tracedb_meta (x->db, x->run, "seed");
  g_autofree char *name = g_strdup_printf ("vmemu %s (%s, seed %s)", scn ? scn : "trace",
                                           variant ? variant : "?", seed ? seed : "?");

  metadata (x, "process_name", 0, "name", name, 0);
}

/* ---- syscalls ---- */

/* Rows in output order: by start time as an unsigned number (export_add's
 * order; a NULL or text time reads as col() reads it), ties in seq_enter order.  No index serves it; SQLite's sorter
 * spills to temporary files, so memory stays bounded. */
static const char syscalls_sql[] =
  "SELECT task, op, offset, length, result, t_start_ns, t_end_ns, seq_enter FROM syscalls"
  " WHERE run = ?1 AND seq_enter IS NOT NULL"
  " ORDER BY ifnull (CAST (t_start_ns AS INTEGER), 0) < 0,"
  " ifnull (CAST (t_start_ns AS INTEGER), 0), seq_enter";

static void
render_syscall (Export *x, sqlite3_stmt *st, GString *o, guint64 *ts_ns)
{
  guint64 t0 = (guint64) col (st, 5);
  gboolean open = sqlite3_column_type (st, 6) == SQLITE_NULL;
  guint64 t1 = open ? MAX (x->t_end_ns, t0) : (guint64) col (st, 6);

  event_head_into (o, (const char *) sqlite3_column_text (st, 1), "X", task_tid (col (st, 0)), t0);
  g_string_append (o, ",\"cat\":\"syscall\",\"dur\":");
  json_us (o, t1 - t0);
  g_string_append_printf (o, ",\"args\":{\"offset_bytes\":%" G_GINT64_FORMAT
                          ",\"length_bytes\":%" G_GINT64_FORMAT ",\"result\":",
                          col (st, 2), col (st, 3));
  if (open)
    g_string_append (o, "null");
  else
    g_string_append_printf (o, "%" G_GINT64_FORMAT, col (st, 4));
  g_string_append_printf (o, ",\"seq\":%" G_GINT64_FORMAT "}}", col (st, 7));
  *ts_ns = t0;
}

/* ---- slices on synthetic tracks ---- */

static void
slice_free (gpointer p)
{
  ExportSlice *s = p;
  g_free (s->name);
  g_free (s->args);
  g_free (s);
}

static gint
slice_cmp (gconstpointer a, gconstpointer b)
{
  const ExportSlice *x = *(ExportSlice *const *) a, *y = *(ExportSlice *const *) b;

  if (x->start_ns != y->start_ns)
    return x->start_ns < y->start_ns ? -1 : 1;
  return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

/* Slices on one track must nest; overlapping ones go to the first lane free
 * at their start (interval partitioning), each lane its own named thread. */
static void
export_lanes (Export *x, GPtrArray *slices, gint64 tid_base, const char *track, const char *cat)
{
  g_autoptr(GArray) lane_end = g_array_new (FALSE, TRUE, sizeof (guint64));

  g_ptr_array_sort (slices, slice_cmp);
  for (guint i = 0; i < slices->len; i++)
    {
      const ExportSlice *s = slices->pdata[i];
      guint lane = 0;
      while (lane < lane_end->len && g_array_index (lane_end, guint64, lane) > s->start_ns)
        lane++;
      if (lane == lane_end->len)
        {
          g_autofree char *name = lane ? g_strdup_printf ("%s (%u)", track, lane + 1)
                                       : g_strdup (track);
          g_array_append_val (lane_end, s->end_ns);
          metadata (x, "thread_name", tid_base + lane, "name", name, 0);
          metadata (x, "thread_sort_index", tid_base + lane, "sort_index", NULL, tid_base + lane);
        }
      g_array_index (lane_end, guint64, lane) = s->end_ns;
      GString *o = event_head (s->name, "X", tid_base + lane, s->start_ns);
      g_string_append_printf (o, ",\"cat\":\"%s\",\"dur\":", cat);
      json_us (o, s->end_ns - s->start_ns);
      g_string_append_printf (o, ",\"args\":%s}", s->args);
      export_add (x, s->start_ns, o);
    }
}

static ExportSlice *
page_slice (Export *x, guint64 ino, gint64 idx, guint64 t0, guint64 t1)
{
  ExportSlice *s = g_new0 (ExportSlice, 1);
  const char *path = vmemu_tracedb_inode_path (x->db, x->run, ino);
  GString *args = g_string_new ("{\"path\":");

  s->start_ns = t0;
  s->end_ns = MAX (t1, t0);
  s->name = g_strdup_printf ("writeback %s page %" G_GINT64_FORMAT, path ? path : "?", idx);
  json_str (args, path);
  g_string_append_printf (args, ",\"ino\":%" G_GUINT64_FORMAT ",\"index\":%" G_GINT64_FORMAT "}",
                          ino, idx);
  s->args = g_string_free (args, FALSE);
  return s;
}

/* set_page_writeback .. end_page_writeback of each page; one still under
 * writeback at the end runs to the end of the trace. */
static gboolean
export_writeback (Export *x, GError **error)
{
  sqlite3_stmt *st = export_query (x,
    "SELECT e.t_ns, n.name, e.ino, e.idx FROM events e JOIN event_names n ON n.id = e.name_id"
    " WHERE e.run = ?1 AND n.name IN ('set_page_writeback', 'end_page_writeback') ORDER BY e.seq");
  g_autoptr(GPtrArray) slices = g_ptr_array_new_with_free_func (slice_free);
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  if (st == NULL)
    return read_fail (x, error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      guint64 t = (guint64) col (st, 0), ino = (guint64) col (st, 2);
      gint64 idx = col (st, 3);
      g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT " %" G_GINT64_FORMAT, ino, idx);
      guint64 *start = g_hash_table_lookup (open, key);
      if (strcmp ((const char *) sqlite3_column_text (st, 1), "set_page_writeback") == 0)
        {
          if (start == NULL)
            g_hash_table_insert (open, g_steal_pointer (&key), g_memdup2 (&t, sizeof t));
        }
      else if (start != NULL)
        {
          g_ptr_array_add (slices, page_slice (x, ino, idx, *start, t));
          g_hash_table_remove (open, key);
        }
    }
  if (rc != SQLITE_DONE)
    return export_done (x, st, rc, error);
  sqlite3_finalize (st);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init (&it, open);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      guint64 ino = g_ascii_strtoull (k, NULL, 10);
      gint64 idx = g_ascii_strtoll (strchr (k, ' ') + 1, NULL, 10);
      g_ptr_array_add (slices, page_slice (x, ino, idx, *(guint64 *) v, x->t_end_ns));
    }
  export_lanes (x, slices, TID_WRITEBACK, "writeback", "writeback");
  return TRUE;
}

static gboolean
export_bios (Export *x, GError **error)
{
  sqlite3_stmt *st = export_query (x,
    "SELECT t_submit_ns, t_complete_ns, sector, nr_sectors, write, status, bio FROM block_io"
    " WHERE run = ?1 ORDER BY seq_submit");
  g_autoptr(GPtrArray) slices = g_ptr_array_new_with_free_func (slice_free);
  int rc;

  if (st == NULL)
    return read_fail (x, error);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      ExportSlice *s = g_new0 (ExportSlice, 1);
      gboolean done = sqlite3_column_type (st, 1) != SQLITE_NULL;
      s->start_ns = (guint64) col (st, 0);
      s->end_ns = MAX (done ? (guint64) col (st, 1) : x->t_end_ns, s->start_ns);
      s->name = g_strdup (col (st, 4) ? "write bio" : "read bio");
      s->args = g_strdup_printf ("{\"sector\":%" G_GINT64_FORMAT ",\"bytes\":%" G_GUINT64_FORMAT
                                 ",\"status\":%" G_GINT64_FORMAT ",\"bio\":%" G_GINT64_FORMAT
                                 ",\"completed\":%s}", col (st, 2),
                                 (guint64) col (st, 3) * 512, col (st, 5),
                                 col (st, 6), done ? "true" : "false");
      g_ptr_array_add (slices, s);
    }
  if (!export_done (x, st, rc, error))
    return FALSE;
  export_lanes (x, slices, TID_BLOCK, "block I/O", "block");
  return TRUE;
}

/* ---- counters ---- */

static const char *const counter_names[4] = { "dirty pages", "writeback pages", "cached pages",
                                               "uptodate pages" };

static void
counter_render (GString *o, const char *name, guint64 t, guint32 v)
{
  event_head_into (o, name, "C", 0, t);
  g_string_append_printf (o, ",\"args\":{\"pages\":%u}}", v);
}

/* The counters start at zero, then one event per count that changes. */
static gboolean
export_counters (Export *x, GError **error)
{
  g_autoptr(GArray) pages = vmemu_tracedb_page_counts (x->db, x->run, error);
  guint32 last[4] = { 0 };

  if (pages == NULL)
    return FALSE;
  for (int k = 0; k < 4; k++)
    {
      GString *o = g_string_new (NULL);
      counter_render (o, counter_names[k], 0, 0);
      export_add (x, 0, o);
    }
  for (guint i = 0; i < pages->len; i++)
    {
      const VmemuTracedbPageCounts *c = &g_array_index (pages, VmemuTracedbPageCounts, i);
      guint32 now[4] = { c->dirty_pages, c->writeback_pages, c->cached_pages, c->uptodate_pages };
      for (int k = 0; k < 4; k++)
        if (now[k] != last[k])
          {
            GString *o = g_string_new (NULL);
            counter_render (o, counter_names[k], c->t_ns, (last[k] = now[k]));
            export_add (x, c->t_ns, o);
          }
    }
  return TRUE;
}

/* The same events rendered one at a time from the samples, when these are in
 * time order (a replay of a trace written in time order): pos counts the
 * four initial zeros, then sample (pos - 4) / 4, count (pos - 4) % 4.  FALSE
 * when there is no event left. */
static gboolean
counter_next (ExportSource *src)
{
  while (src->pos < 4 + 4 * src->pages->len)
    {
      guint p = src->pos++;
      if (p < 4)
        {
          counter_render (src->json, counter_names[p], 0, 0);
          src->ts_ns = 0;
          return TRUE;
        }
      const VmemuTracedbPageCounts *c =
        &g_array_index (src->pages, VmemuTracedbPageCounts, (p - 4) / 4);
      guint32 now[4] = { c->dirty_pages, c->writeback_pages, c->cached_pages, c->uptodate_pages };
      guint k = (p - 4) % 4;
      if (now[k] == src->last[k])
        continue;
      src->last[k] = now[k];
      counter_render (src->json, counter_names[k], c->t_ns, now[k]);
      src->ts_ns = c->t_ns;
      return TRUE;
    }
  return FALSE;
}

static ExportSource array_source (Export *x);

/* The counters' source: streamed from the samples when they are in time
 * order, else rendered and sorted like the other arrays. */
static gboolean
counters_source (Export *x, ExportSource *src, GError **error)
{
  g_autoptr(GArray) pages = vmemu_tracedb_page_counts (x->db, x->run, error);

  if (pages == NULL)
    return FALSE;
  for (guint i = 1; i < pages->len; i++)
    if (g_array_index (pages, VmemuTracedbPageCounts, i).t_ns
        < g_array_index (pages, VmemuTracedbPageCounts, i - 1).t_ns)
      {
        if (!export_counters (x, error))
          return FALSE;
        *src = array_source (x);
        return TRUE;
      }
  *src = (ExportSource) { .pages = g_steal_pointer (&pages), .json = g_string_new (NULL) };
  return TRUE;
}

/* ---- instants ---- */

static void
instant_args (Export *x, GString *o, sqlite3_stmt *st, const char *name)
{
  const char *path = vmemu_tracedb_inode_path (x->db, x->run, (guint64) col (st, 3));
  g_autofree char *before = vmemu_page_flags_string ((guint32) col (st, 5));
  g_autofree char *after = vmemu_page_flags_string ((guint32) col (st, 6));

  g_string_append (o, ",\"args\":{\"path\":");
  json_str (o, path);
  g_string_append_printf (o, ",\"index\":%" G_GINT64_FORMAT ",\"flags_before\":",
                          col (st, 4));
  json_str (o, before);
  g_string_append (o, ",\"flags_after\":");
  json_str (o, after);
  for (int i = 0; i < 4; i++)
    {
      const char *arg = vmemu_tracedb_arg_name (x->db, name, i);
      if (arg[0] == '\0')
        continue;
      g_string_append_c (o, ',');
      json_str (o, arg);
      g_string_append_printf (o, ":%" G_GINT64_FORMAT, col (st, 7 + i));
    }
  g_string_append (o, ",\"detail\":");
  json_str (o, (const char *) sqlite3_column_text (st, 11));
  g_string_append_printf (o, ",\"seq\":%" G_GINT64_FORMAT "}}", col (st, 12));
}

/* Data loss is global (every track); every event that touches a page and
 * changes its state or its references (page, iomap, reclaim and fault
 * events, page_ref_get/put, any flag change) sits on the task that ran it
 * (kswapd's reclaim on the kswapd track), or on the process when no task
 * did. */
static void
render_instant (Export *x, sqlite3_stmt *st, GString *o, guint64 *ts_ns)
{
  guint64 t = (guint64) col (st, 0);
  const char *name = (const char *) sqlite3_column_text (st, 1);
  gint64 task = col (st, 2);
  if (name == NULL)
    name = "?";   /* a tampered trace */
  gboolean loss = strcmp (name, "vmemu_data_loss") == 0;
  const char *cls = (const char *) sqlite3_column_text (st, 13);

  event_head_into (o, loss ? "data loss" : name, "i", task_tid (task), t);
  g_string_append (o, ",\"cat\":");
  vmemu_json_string (o, loss ? "oracle" : cls ? cls : "page");   /* NULL: a tampered trace */
  g_string_append_printf (o, ",\"s\":\"%s\"", loss ? "g" : task >= 0 ? "t" : "p");
  instant_args (x, o, st, name);
  *ts_ns = t;
}

#define INSTANTS_SQL(ORDER) \
  "SELECT e.t_ns, n.name, e.task, e.ino, e.idx, e.flags_before, e.flags_after," \
  " e.a0, e.a1, e.a2, e.a3, s.str, e.seq, n.class FROM events e" \
  " JOIN event_names n ON n.id = e.name_id" \
  " LEFT JOIN strings s ON s.id = e.detail_id WHERE e.run = ?1 AND" \
  " (n.name = 'vmemu_data_loss' OR (e.ino <> 0 AND e.idx >= 0 AND" \
  " (e.flags_before <> e.flags_after OR n.class IN ('page', 'iomap', 'reclaim', 'fault'))))" \
  " ORDER BY " ORDER

/* Events are written in time order, so seq order (the primary key) is time
 * order; a trace where it is not (tampered, or foreign) is sorted by SQLite
 * on the same key export_add's sort used: time as an unsigned number, then
 * seq. */
static gboolean
events_in_time_order (Export *x, gboolean *in_order, GError **error)
{
  sqlite3_stmt *st = export_query (x,
    "SELECT EXISTS (SELECT 1 FROM (SELECT t_ns, lag (t_ns) OVER (ORDER BY seq) AS prev"
    " FROM events WHERE run = ?1) WHERE t_ns IS NULL OR t_ns < 0 OR t_ns < prev"
    " OR typeof (t_ns) <> 'integer')");
  int rc;

  if (st == NULL)
    return read_fail (x, error);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *in_order = col (st, 0) == 0;
      rc = sqlite3_step (st);
    }
  return export_done (x, st, rc, error);
}

static sqlite3_stmt *
instants_query (Export *x, GError **error)
{
  gboolean in_order = FALSE;

  if (!events_in_time_order (x, &in_order, error))
    return NULL;
  sqlite3_stmt *st = export_query (x, in_order ? INSTANTS_SQL ("e.seq")
                                                : INSTANTS_SQL ("ifnull (CAST (e.t_ns AS INTEGER), 0) < 0,"
                                                                " ifnull (CAST (e.t_ns AS INTEGER), 0),"
                                                                " e.seq"));
  if (st == NULL)
    read_fail (x, error);
  return st;
}

/* ---- the whole file ---- */

static gint
event_cmp (gconstpointer a, gconstpointer b)
{
  const ExportEvent *x = a, *y = b;

  if (x->ts_ns != y->ts_ns)
    return x->ts_ns < y->ts_ns ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
export_other_data (Export *x, GString *out)
{
  static const char *const keys[] = { "scenario", "scenario_name", "scenario_sha256", "seed",
                                      "variant", "vmemu_version", "content_sha256", "result" };

  g_string_append (out, "\"otherData\":{\"exporter\":\"vmemu export " VMEMU_VERSION "\"");
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *v = vmemu_tracedb_meta (x->db, x->run, keys[i]);
      if (v == NULL)
        continue;
      g_string_append_printf (out, ",\"%s\":", keys[i]);
      json_str (out, v);
    }
  g_string_append_printf (out, ",\"run\":%" G_GINT64_FORMAT "}", x->run);
}

static void
export_event_clear (gpointer p)
{
  g_free (((ExportEvent *) p)->json);
}

static gboolean
export_run_info (Export *x, GError **error)
{
  g_autoptr(GPtrArray) runs = vmemu_tracedb_list_runs (x->db, error);

  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    if (((VmemuTracedbRun *) runs->pdata[i])->id == x->run)
      x->t_end_ns = ((VmemuTracedbRun *) runs->pdata[i])->t_end_ns;
  return TRUE;
}

/* Hands out in chunks of about this much, so the output is never held whole. */
#define EXPORT_CHUNK_BYTES (1u << 20)

static gboolean
flush_chunk (GString *buf, gboolean last, VmemuExportWriteFunc write, gpointer data)
{
  if (buf->len < EXPORT_CHUNK_BYTES && !last)
    return TRUE;
  gboolean ok = write (buf->str, buf->len, data);
  g_string_truncate (buf, 0);
  return ok;
}

static void
source_clear (ExportSource *src)
{
  if (src->events)
    g_array_unref (src->events);
  if (src->pages)
    g_array_unref (src->pages);
  if (src->st)
    sqlite3_finalize (src->st);
  if (src->json)
    g_string_free (src->json, TRUE);
}

/* Loads the source's next event; FALSE on a read error. */
static gboolean
source_next (Export *x, ExportSource *src, GError **error)
{
  src->has = FALSE;
  if (src->pages)
    {
      src->has = counter_next (src);
      return TRUE;
    }
  if (src->events)
    {
      if (src->pos > 0)   /* written: no need to hold it */
        g_clear_pointer (&g_array_index (src->events, ExportEvent, src->pos - 1).json, g_free);
      if (src->pos >= src->events->len)
        return TRUE;
      ExportEvent *ev = &g_array_index (src->events, ExportEvent, src->pos++);
      g_string_assign (src->json, ev->json);
      src->ts_ns = ev->ts_ns;
      src->has = TRUE;
      return TRUE;
    }
  int rc = sqlite3_step (src->st);
  if (rc == SQLITE_ROW)
    {
      src->render (x, src->st, src->json, &src->ts_ns);
      src->has = TRUE;
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;
  return read_fail (x, error);
}

/* An array source: what the fill functions add to x->events, sorted. */
static ExportSource
array_source (Export *x)
{
  ExportSource src = { .events = x->events, .json = g_string_new (NULL) };

  g_array_sort (x->events, event_cmp);
  x->events = g_array_new (FALSE, TRUE, sizeof (ExportEvent));
  g_array_set_clear_func (x->events, export_event_clear);
  return src;
}

#define EXPORT_SOURCES 6

/* The sources in emission order (which breaks ties at one instant): the
 * process and tasks, syscalls, writeback, block I/O, counters, instants. */
static gboolean
open_sources (Export *x, ExportSource src[EXPORT_SOURCES], GError **error)
{
  export_process (x);
  if (!export_tasks (x, error))
    return FALSE;
  src[0] = array_source (x);
  src[1] = (ExportSource) { .st = export_query (x, syscalls_sql), .render = render_syscall,
                            .json = g_string_new (NULL) };
  if (src[1].st == NULL)
    return read_fail (x, error);
  if (!export_writeback (x, error))
    return FALSE;
  src[2] = array_source (x);
  if (!export_bios (x, error))
    return FALSE;
  src[3] = array_source (x);
  if (!counters_source (x, &src[4], error))
    return FALSE;
  src[5] = (ExportSource) { .st = instants_query (x, error), .render = render_instant,
                            .json = g_string_new (NULL) };
  if (src[5].st == NULL)
    return FALSE;
  for (int i = 0; i < EXPORT_SOURCES; i++)
    if (!source_next (x, &src[i], error))
      return FALSE;
  return TRUE;
}

/* The source holding the next event in (ts, source) order, or -1. */
static int
source_first (const ExportSource src[EXPORT_SOURCES])
{
  int best = -1;

  for (int i = 0; i < EXPORT_SOURCES; i++)
    if (src[i].has && (best < 0 || src[i].ts_ns < src[best].ts_ns))
      best = i;
  return best;
}

static gboolean
write_events (Export *x, ExportSource src[EXPORT_SOURCES], GString *out,
              VmemuExportWriteFunc write, gpointer data, GError **error)
{
  gboolean first = TRUE;
  int i;

  while ((i = source_first (src)) >= 0)
    {
      if (!first)
        g_string_append (out, ",\n");
      first = FALSE;
      g_string_append_len (out, src[i].json->str, (gssize) src[i].json->len);
      if (!flush_chunk (out, FALSE, write, data))
        return TRUE;   /* the writer failed: it knows why, stop producing */
      if (!source_next (x, &src[i], error))
        return FALSE;
    }
  if (!first)
    g_string_append_c (out, '\n');
  g_string_append (out, "]}\n");
  flush_chunk (out, TRUE, write, data);
  return TRUE;
}

gboolean
vmemu_export_chrome_json_write (VmemuTracedb *db, gint64 run, VmemuExportWriteFunc write,
                                gpointer data, GError **error)
{
  g_autoptr(GString) out = g_string_sized_new (EXPORT_CHUNK_BYTES + 4096);
  Export x = { .db = db, .run = run, .events = g_array_new (FALSE, TRUE, sizeof (ExportEvent)) };
  ExportSource src[EXPORT_SOURCES] = { { 0 } };
  gboolean ok;

  g_array_set_clear_func (x.events, export_event_clear);
  ok = export_run_info (&x, error) && open_sources (&x, src, error);
  if (ok)
    {
      g_string_append (out, "{\"displayTimeUnit\":\"ns\",");
      export_other_data (&x, out);
      g_string_append (out, ",\"traceEvents\":[\n");
      ok = write_events (&x, src, out, write, data, error);
    }
  for (int i = 0; i < EXPORT_SOURCES; i++)
    source_clear (&src[i]);
  g_array_unref (x.events);
  return ok;
}

static gboolean
append_to_gstring (const char *bytes, gsize len, gpointer data)
{
  g_string_append_len (data, bytes, (gssize) len);
  return TRUE;
}

gboolean
vmemu_export_chrome_json (VmemuTracedb *db, gint64 run, GString *out, GError **error)
{
  return vmemu_export_chrome_json_write (db, run, append_to_gstring, out, error);
}
