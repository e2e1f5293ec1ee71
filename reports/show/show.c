/* show.c — one page's history as text: the events of (ino, idx) in order,
 * with the flags each changed, named arguments (bitmaps in binary, holders,
 * callers and extent types by name) and the reference holders after every
 * reference change, replayed from page_ref_get / page_ref_put. */
#include "reports/show/show.h"

#include <string.h>
#include <sqlite3.h>

#include "engine/trace/trace-events.h"

G_DEFINE_QUARK (vmemu-show-error-quark, vmemu_show_error)

/* ANSI SGR sequences, or nothing without colour. */
typedef struct {
  gboolean on;
} Paint;

static void
paint (GString *out, const Paint *p, const char *sgr, const char *text)
{
  if (p->on)
    g_string_append_printf (out, "\033[%sm%s\033[0m", sgr, text);
  else
    g_string_append (out, text);
}

#define SGR_BOLD "1"
#define SGR_RED "31"
#define SGR_GREEN "32"
#define SGR_YELLOW "33"
#define SGR_DIM "2"

/* The reference ledger as the events tell it, in first-seen order. */
typedef struct {
  char *name;       /* "reader", "pvec_lru_add cpu 0" */
  gint count;
} Holder;

static void
holder_free (gpointer data)
{
  Holder *h = data;
  g_free (h->name);
  g_free (h);
}

static void
holders_add (GPtrArray *holders, const char *name, gint delta)
{
  for (guint i = 0; i < holders->len; i++)
    {
      Holder *h = g_ptr_array_index (holders, i);
      if (strcmp (h->name, name) == 0)
        {
          h->count += delta;
          return;
        }
    }
  Holder *h = g_new0 (Holder, 1);
  h->name = g_strdup (name);
  h->count = delta;
  g_ptr_array_add (holders, h);
}

static void
holders_text (GPtrArray *holders, GString *out)
{
  gboolean first = TRUE;
  for (guint i = 0; i < holders->len; i++)
    {
      const Holder *h = g_ptr_array_index (holders, i);
      if (h->count <= 0)
        continue;
      g_string_append_printf (out, "%s%s", first ? "" : ", ", h->name);
      if (h->count > 1)
        g_string_append_printf (out, " x%d", h->count);
      first = FALSE;
    }
  if (first)
    g_string_append (out, "none");
}

static char *
holder_name (gint64 holder, gint64 cpu)
{
  const char *name = vmemu_ref_holder_name ((VmemuRefHolder) holder);
  return cpu >= 0 ? g_strdup_printf ("%s cpu %" G_GINT64_FORMAT, name, cpu) : g_strdup (name);
}

/* The run's file: by path, or the only one. */
static gboolean
resolve_file (VmemuTracedb *db, gint64 run, const char *path, guint64 *ino, GError **error)
{
  sqlite3_stmt *st = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  gboolean found = FALSE;

  if (sqlite3_prepare_v2 (vmemu_tracedb_handle (db), "SELECT ino, path FROM inodes"
                          " WHERE run = ?1 ORDER BY ino", -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, VMEMU_SHOW_ERROR, VMEMU_SHOW_ERROR_READ, "%s: cannot read inodes: %s",
                   vmemu_tracedb_path (db), sqlite3_errmsg (vmemu_tracedb_handle (db)));
      return FALSE;
    }
  sqlite3_bind_int64 (st, 1, run);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      const char *p = (const char *) sqlite3_column_text (st, 1);
      g_ptr_array_add (paths, g_strdup (p ? p : ""));
      if ((path != NULL && g_strcmp0 (p, path) == 0) || (path == NULL && !found))
        {
          *ino = (guint64) sqlite3_column_int64 (st, 0);
          found = TRUE;
        }
    }
  sqlite3_finalize (st);
  g_ptr_array_add (paths, NULL);
  g_autofree char *list = g_strjoinv (", ", (char **) paths->pdata);
  if (path == NULL && paths->len > 2)
    {
      g_set_error (error, VMEMU_SHOW_ERROR, VMEMU_SHOW_ERROR_FILE,
                   "the run has several files; name one with --file (%s)", list);
      return FALSE;
    }
  if (!found)
    {
      g_set_error (error, VMEMU_SHOW_ERROR, VMEMU_SHOW_ERROR_FILE, "no file '%s' in the run (%s)",
                   path ? path : "", list);
      return FALSE;
    }
  return TRUE;
}

/* "+dirty -locked" */
static void
flag_changes (GString *out, const Paint *p, guint32 before, guint32 after)
{
  for (int bit = 0; bit < VMEMU_PG__NBITS; bit++)
    {
      guint32 m = 1u << bit;
      if ((before & m) == (after & m))
        continue;
      g_autofree char *t = g_strdup_printf ("%s%s", (after & m) ? "+" : "-",
                                            vmemu_page_flag_name (bit));
      g_string_append_c (out, ' ');
      paint (out, p, (after & m) ? SGR_GREEN : SGR_RED, t);
    }
}

/* One argument with its name, shown as a kernel developer reads it. */
static void
arg_text (GString *out, const char *event, const char *arg, gint64 v, guint blocks)
{
  if (strcmp (arg, "bits") == 0)
    {
      g_string_append (out, " bits=");
      for (guint b = 0; b < blocks && b < 64; b++)
        g_string_append_c (out, (v >> b) & 1 ? '1' : '0');
      return;
    }
  if (strcmp (arg, "caller") == 0 && strcmp (event, "iomap_page_create") == 0)
    {
      g_string_append_printf (out, " caller=%s", vmemu_iop_caller_name ((int) v));
      return;
    }
  if (strcmp (arg, "type") == 0)
    {
      g_string_append_printf (out, " type=%s", vmemu_iomap_type_name ((int) v));
      return;
    }
  if (strcmp (arg, "sig") == 0)
    {
      g_string_append_printf (out, " sig=%s", vmemu_signal_name ((int) v));
      return;
    }
  g_string_append_printf (out, " %s=%" G_GINT64_FORMAT, arg, v);
}

static gboolean
is_ref_event (const char *name)
{
  return strcmp (name, "page_ref_get") == 0 || strcmp (name, "page_ref_put") == 0;
}

/* page_ref_get and page_ref_put name their holder and pagevec CPU alike. */
G_STATIC_ASSERT (VMEMU_ARG (PAGE_REF_GET, holder) == VMEMU_ARG (PAGE_REF_PUT, holder));
G_STATIC_ASSERT (VMEMU_ARG (PAGE_REF_GET, pvec_cpu) == VMEMU_ARG (PAGE_REF_PUT, pvec_cpu));

/* The holder of a reference event, "pvec_lru_add cpu 1" style. */
static char *
ref_holder (const VmemuTracedbEvent *ev)
{
  return holder_name (VMEMU_EV_ARG (ev, PAGE_REF_GET, holder),
                      VMEMU_EV_ARG (ev, PAGE_REF_GET, pvec_cpu));
}

/* The ledger after a reference event. */
static void
apply_ref (GPtrArray *holders, const VmemuTracedbEvent *ev)
{
  g_autofree char *h = ref_holder (ev);
  gboolean get = strcmp (ev->name, "page_ref_get") == 0;
  gint64 moved_from = VMEMU_EV_ARG (ev, PAGE_REF_GET, moved_from);
  holders_add (holders, h, get ? 1 : -1);
  if (get && moved_from >= 0)
    {
      g_autofree char *from = holder_name (moved_from, -1);
      holders_add (holders, from, -1);
    }
}

static void
event_line (VmemuTracedb *db, const VmemuShowOptions *opt, const Paint *p, guint blocks,
            const VmemuTracedbEvent *ev, GPtrArray *holders, GString *out)
{
  const char *task = ev->task >= 0 ? vmemu_tracedb_task_name (db, opt->run, ev->task) : NULL;
  g_string_append_printf (out, "%7" G_GINT64_FORMAT " %13.6f ms  %-12s ", ev->seq,
                          ev->t_ns / 1e6, task ? task : "-");
  gboolean bad = strcmp (ev->name, "remove_mapping_fail") == 0
                 || strcmp (ev->name, "vmemu_data_loss") == 0
                 || strcmp (ev->name, "signal_generate") == 0;
  gboolean ref = is_ref_event (ev->name);
  g_autofree char *name = g_strdup_printf ("%-34s", ev->name);
  paint (out, p, bad ? SGR_RED : ref ? SGR_DIM : SGR_BOLD, name);
  if (ref)
    {
      g_autofree char *h = ref_holder (ev);
      gint64 moved_from = VMEMU_EV_ARG (ev, PAGE_REF_GET, moved_from);
      g_string_append_printf (out, " %s", h);
      if (strcmp (ev->name, "page_ref_get") == 0 && moved_from >= 0)
        g_string_append_printf (out, " (from %s)", vmemu_ref_holder_name (moved_from));
    }
  else
    for (int i = 0; i < 4; i++)
      {
        const char *arg = vmemu_tracedb_arg_name (db, ev->name, i);
        if (arg[0] != '\0')
          arg_text (out, ev->name, arg, ev->a[i], blocks);
      }
  flag_changes (out, p, ev->flags_before, ev->flags_after);
  if (ev->detail)
    g_string_append_printf (out, " [%s]", ev->detail);
  if (ref)
    {
      g_string_append_printf (out, "  refcount %d: ", ev->refcount);
      GString *h = g_string_new (NULL);
      holders_text (holders, h);
      paint (out, p, SGR_YELLOW, h->str);
      g_string_free (h, TRUE);
    }
  g_string_append_c (out, '\n');
}

static guint
blocks_per_page (VmemuTracedb *db, gint64 run)
{
  g_autofree char *ps = vmemu_tracedb_meta (db, run, "page_size_bytes");
  g_autofree char *bs = vmemu_tracedb_meta (db, run, "block_size_bytes");
  guint64 p = ps ? g_ascii_strtoull (ps, NULL, 10) : 0, b = bs ? g_ascii_strtoull (bs, NULL, 10) : 0;
  return p && b && p >= b ? (guint) (p / b) : 1;
}

gboolean
vmemu_show_page (VmemuTracedb *db, const VmemuShowOptions *opt, GString *out, GError **error)
{
  guint64 ino = 0;
  if (!resolve_file (db, opt->run, opt->path, &ino, error))
    return FALSE;
  const char *path = vmemu_tracedb_inode_path (db, opt->run, ino);
  Paint p = { opt->colour };
  guint blocks = blocks_per_page (db, opt->run);
  g_autofree char *scn = vmemu_tracedb_meta (db, opt->run, "scenario_name");
  g_autofree char *variant = vmemu_tracedb_meta (db, opt->run, "variant");
  g_autofree char *head = g_strdup_printf ("page %" G_GINT64_FORMAT " of %s", opt->index,
                                           path ? path : "?");
  paint (out, &p, SGR_BOLD, head);
  g_string_append_printf (out, " in %s (run %" G_GINT64_FORMAT ": %s, variant %s)\n",
                          vmemu_tracedb_path (db), opt->run, scn ? scn : "?",
                          variant ? variant : "?");
  g_string_append (out, "    seq          time  task         event\n");

  g_autoptr (VmemuTracedbIter) it = vmemu_tracedb_page_events (db, opt->run, ino, opt->index, 1,
                                                              error);
  if (it == NULL)
    return FALSE;
  g_autoptr (GPtrArray) holders = g_ptr_array_new_with_free_func (holder_free);
  VmemuTracedbEvent ev;
  guint64 n = 0, shown = 0;
  while (vmemu_tracedb_iter_next (it, &ev, error))
    {
      n++;
      gboolean ref = is_ref_event (ev.name);
      if (ref)
        apply_ref (holders, &ev);
      if (ref && !opt->refs)
        continue;
      event_line (db, opt, &p, blocks, &ev, holders, out);
      shown++;
    }
  if (error && *error)
    return FALSE;
  if (n == 0)
    g_string_append (out, "no events touched this page\n");
  GString *h = g_string_new (NULL);
  holders_text (holders, h);
  g_string_append_printf (out, "%" G_GUINT64_FORMAT " events (%" G_GUINT64_FORMAT
                          " shown); references held at the end: %s\n", n, shown, h->str);
  g_string_free (h, TRUE);
  return TRUE;
}
