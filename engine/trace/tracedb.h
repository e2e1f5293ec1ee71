/* tracedb.h — read-only access to a vmemu trace database: runs, meta, events
 * in seq order, per-name counts, verifications, and the content fingerprint.
 * Depends only on the trace schema (engine/trace/trace-events.h, trace.h). */
#pragma once

#include <glib.h>
#include "engine/trace/trace.h"

#define VMEMU_TRACEDB_ERROR (vmemu_tracedb_error_quark ())
GQuark vmemu_tracedb_error_quark (void);

typedef enum {
  VMEMU_TRACEDB_ERROR_OPEN,     /* missing file, a directory, unreadable */
  VMEMU_TRACEDB_ERROR_NOT_TRACE,/* not SQLite, or SQLite but not a vmemu trace */
  VMEMU_TRACEDB_ERROR_SCHEMA,   /* a schema_version this build does not read */
  VMEMU_TRACEDB_ERROR_CORRUPT,  /* truncated or damaged database */
  VMEMU_TRACEDB_ERROR_LOCKED,   /* another process holds a lock */
  VMEMU_TRACEDB_ERROR_NO_RUN,   /* --run names no run in the trace */
  VMEMU_TRACEDB_ERROR_SQLITE,   /* any other SQLite failure */
} VmemuTracedbError;

typedef struct _VmemuTracedb VmemuTracedb;

/* One row of the runs table. */
typedef struct {
  gint64 id;                /* runs.id, from 1 */
  char *name;               /* owned */
  guint64 n_events;         /* events in the run */
  guint64 n_verifications;  /* verifications in the run */
  guint64 t_end_ns;         /* virtual time of the last record */
  char *content_sha256;     /* as stored at close (hex), owned; may be NULL */
} VmemuTracedbRun;

/* One event as read back.  Strings are borrowed: name lives as long as the
 * database, detail until the next vmemu_tracedb_iter_next(). */
typedef struct {
  gint64 seq;               /* 1-based order within the run */
  guint64 t_ns;             /* virtual time */
  int id;                   /* this build's VmemuEventId for name, -1 unknown */
  const char *name;         /* tracepoint / function name */
  gint32 task;              /* -1 none */
  gint32 cpu;               /* -1 none */
  guint64 ino;              /* 0 none */
  gint64 idx;               /* page index, -1 none */
  gint64 blk_first;         /* -1 none */
  gint32 blk_count;         /* 0 none */
  guint32 flags_before;     /* VmemuPageFlag bits */
  guint32 flags_after;
  gint32 refcount;          /* -1 none */
  gint32 mapcount;          /* -1 none */
  gint64 a[4];              /* arguments, named by vmemu_tracedb_arg_name() */
  const char *detail;       /* NULL when none */
} VmemuTracedbEvent;

/* One row of the verifications table; strings owned by the record. */
typedef struct {
  gint64 id;                /* 1-based order within the run */
  gint64 after_seq;         /* seq of the last event before it */
  guint64 t_ns;
  gint32 task;              /* -1 for the final check */
  char *kind;               /* "read", "mread", "verify", "final" */
  guint64 ino;
  char *path;
  guint64 offset_bytes;
  guint64 length_bytes;
  gboolean ok;
  guint64 bad_offset_bytes;
  guint64 bad_length_bytes;
  guint64 bad_total_bytes;
  char *expected_hex;
  char *found_hex;
} VmemuTracedbVerify;

/* How many events of one name a run has. */
typedef struct {
  const char *name;         /* borrowed from the database */
  guint64 count;
} VmemuTracedbCount;

typedef struct _VmemuTracedbIter VmemuTracedbIter;

/* Opens path read-only and checks it is a vmemu trace of a schema version
 * this build reads.  Returns a new handle (vmemu_tracedb_free()), or NULL with
 * a one-line message starting with path. */
VmemuTracedb *vmemu_tracedb_open (const char *path, GError **error);
/* Takes ownership of an open connection (e.g. vmemu_trace_close_to_db());
 * @label names it in messages.  On error the connection is closed. */
VmemuTracedb *vmemu_tracedb_new_for_db (struct sqlite3 *db, const char *label,
                                        GError **error);
void vmemu_tracedb_free (VmemuTracedb *db);                   /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuTracedb, vmemu_tracedb_free)

/* Borrowed: the path or label given at open, and the connection (for ad-hoc
 * queries; do not close it). */
const char *vmemu_tracedb_path (const VmemuTracedb *db);
struct sqlite3 *vmemu_tracedb_handle (const VmemuTracedb *db);
int vmemu_tracedb_schema_version (const VmemuTracedb *db);

/* Builds an index the trace was written without (VMEMU_TRACE_INDEX_BY_NAME,
 * VMEMU_TRACE_INDEX_BY_TASK of trace.h) if it is missing: on the connection
 * itself when it is writable, else through a short read-write connection to
 * the file.  A read-only file, or a lock held elsewhere, leaves it missing:
 * queries then scan, which is slower but gives the same rows.  Call it before
 * any iterator of db is open; it tries each index once per handle. */
void vmemu_tracedb_need_index (VmemuTracedb *db, const char *create_sql);

/* Runs in id order: a new array of VmemuTracedbRun* that frees its records. */
GPtrArray *vmemu_tracedb_list_runs (VmemuTracedb *db, GError **error);
void vmemu_tracedb_run_free (VmemuTracedbRun *run);
/* Resolves a --run argument (an id or a name; NULL: the first run). */
gboolean vmemu_tracedb_resolve_run (VmemuTracedb *db, const char *spec,
                                    gint64 *run_out, GError **error);

/* The meta value for key in run (0 = database-wide), or NULL; g_free it. */
char *vmemu_tracedb_meta (VmemuTracedb *db, gint64 run, const char *key);
/* Sorted, NULL-terminated meta keys of a run; g_strfreev it. */
char **vmemu_tracedb_meta_keys (VmemuTracedb *db, gint64 run);

/* Borrowed path of an inode (NULL if unregistered), name of a task. */
const char *vmemu_tracedb_inode_path (VmemuTracedb *db, gint64 run, guint64 ino);
const char *vmemu_tracedb_task_name (VmemuTracedb *db, gint64 run, gint32 task);
/* Name of argument i (0..3) of the event called name, as recorded in the
 * trace's event_names table; "" when unused or unknown. */
const char *vmemu_tracedb_arg_name (VmemuTracedb *db, const char *name, int i);

/* Events of a run in seq order, starting at from_seq.  With ino != 0 only the
 * events of page (ino, idx); that one builds events_by_page first if it can
 * (vmemu_tracedb_need_index ()): open it before other iterators of db.  Free
 * with vmemu_tracedb_iter_free(). */
VmemuTracedbIter *vmemu_tracedb_events (VmemuTracedb *db, gint64 run,
                                        gint64 from_seq, GError **error);
VmemuTracedbIter *vmemu_tracedb_page_events (VmemuTracedb *db, gint64 run,
                                             guint64 ino, gint64 idx,
                                             gint64 from_seq, GError **error);
/* Fills ev with the next event: TRUE, or FALSE at the end or on error (then
 * @error is set). */
gboolean vmemu_tracedb_iter_next (VmemuTracedbIter *it, VmemuTracedbEvent *ev,
                                  GError **error);
void vmemu_tracedb_iter_free (VmemuTracedbIter *it);          /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuTracedbIter, vmemu_tracedb_iter_free)

/* Event counts by name, sorted by name: a GArray of VmemuTracedbCount. */
GArray *vmemu_tracedb_count_by_name (VmemuTracedb *db, gint64 run, GError **error);
/* Verifications of a run in order: GPtrArray of VmemuTracedbVerify*. */
GPtrArray *vmemu_tracedb_verifications (VmemuTracedb *db, gint64 run,
                                        GError **error);
void vmemu_tracedb_verify_free (VmemuTracedbVerify *v);

/* Recomputes the content fingerprint of a run from its rows (hex sha256, as
 * defined in docs/trace-schema.md).  Returns a new string or NULL. */
char *vmemu_tracedb_content_sha256 (VmemuTracedb *db, gint64 run, GError **error);

/* ---- page counts over time (tracedb-pages.c) ---- */

/* Page-cache page counts after one event.  The model emits no such counter
 * for uptodate or cached pages, so they are rebuilt by replaying the page
 * flag changes (flags_after) and mm_filemap_add/delete_from_page_cache. */
typedef struct {
  gint64 seq;               /* the event after which the counts hold */
  guint64 t_ns;             /* its virtual time */
  guint32 dirty_pages;      /* cached pages with PG_dirty */
  guint32 writeback_pages;  /* cached pages with PG_writeback */
  guint32 uptodate_pages;   /* cached pages with PG_uptodate */
  guint32 cached_pages;     /* pages in any file's page cache */
} VmemuTracedbPageCounts;

/* One VmemuTracedbPageCounts per event that changes a count, in seq order
 * (a new GArray; the counts before the first entry are all zero). */
GArray *vmemu_tracedb_page_counts (VmemuTracedb *db, gint64 run, GError **error);
