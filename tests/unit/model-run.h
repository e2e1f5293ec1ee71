/* model-run.h — the harness the model's unit tests share: run a scenario
 * given as YAML with an in-memory trace (engine/run, as every run goes), then
 * read the trace back with SQL.
 * Header-only (static functions) so each test binary stays one file. */
#pragma once

#include <glib.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>

#include "engine/run/run.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

/* S1 in one task: a splice holds the page while drop_caches releases its
 * iomap_page, then an mmap store: loses data under baseline, clean under
 * patched. */
#define MODEL_RUN_S1_YAML \
  "name: t\nfilesystem: { block_size: 1024 }\n" \
  "files: [ { path: /f, size: 0 } ]\n" \
  "tasks:\n  - name: t\n    ops:\n" \
  "      - write: { file: /f, offset: 0, length: 4096, value: 65 }\n" \
  "      - fsync: { file: /f }\n" \
  "      - splice: { file: /f, offset: 0, length: 4096, pipe: p }\n" \
  "      - drop_caches: {}\n" \
  "      - mmap: { file: /f, offset: 0, length: 4096, as: m }\n" \
  "      - mwrite: { map: m, offset: 0, length: 1, value: 66 }\n" \
  "      - fsync: { file: /f }\n" \
  "      - munmap: { map: m }\n" \
  "      - close_pipe: { pipe: p }\n" \
  "      - drop_caches: {}\n" \
  "      - verify: { file: /f }\n"

typedef struct {
  VmemuScenario *scn;
  VmemuVariant *variant;
  VmemuRun *run;
  VmemuMachine *m;    /* the run's machine, after it ran */
  sqlite3 *db;        /* the run's trace, in memory */
} Run;

static inline void
run_free (Run *r)
{
  vmemu_run_free (r->run);
  vmemu_variant_free (r->variant);
  vmemu_scenario_free (r->scn);
  sqlite3_close (r->db);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

/* Load, run to the end (final check included) under variant, keep the trace. */
static inline Run *
run_yaml (const char *yaml, const char *variant)
{
  g_autoptr (GError) error = NULL;
  Run *r = g_new0 (Run, 1);
  r->scn = vmemu_scenario_load_data ("test.yaml", yaml, strlen (yaml), &error);
  g_assert_no_error (error);
  r->variant = vmemu_variant_parse (variant, &error);
  g_assert_no_error (error);
  VmemuRunOptions o = { .scenario = r->scn, .variant = r->variant,
                        .trace_path = VMEMU_RUN_TRACE_MEMORY };
  r->run = vmemu_run_one (&o);
  g_assert_no_error (vmemu_run_error (r->run));
  r->m = vmemu_run_machine (r->run);
  r->db = vmemu_run_steal_db (r->run);
  return r;
}

static inline sqlite3_stmt *
run_prepare (Run *r, const char *fmt, va_list ap)
{
  g_autofree char *sql = g_strdup_vprintf (fmt, ap);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (r->db, sql, -1, &st, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (r->db));
  return st;
}

/* One integer from SQL (printf-style); the query must return a row. */
G_GNUC_PRINTF (2, 3) static inline gint64
q (Run *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sqlite3_stmt *st = run_prepare (r, fmt, ap);
  va_end (ap);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  gint64 v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

/* One string from SQL (printf-style), NULL when no row or NULL. */
G_GNUC_PRINTF (2, 3) static inline char *
qs (Run *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  sqlite3_stmt *st = run_prepare (r, fmt, ap);
  va_end (ap);
  char *v = NULL;
  if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_text (st, 0))
    v = g_strdup ((const char *) sqlite3_column_text (st, 0));
  sqlite3_finalize (st);
  return v;
}
