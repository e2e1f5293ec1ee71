/* trace.h — the trace writer: the only code that touches SQLite on the
 * writing side.  Models emit through vmemu_trace_event(); a NULL VmemuTrace*
 * is accepted everywhere and does nothing (runs without -o).
 *
 * The database is written to a temporary file beside the target and renamed
 * into place by vmemu_trace_close(); vmemu_trace_abort() removes it.
 *
 * The calls copy their arguments (strings included) and return: one writer
 * thread per trace applies them to SQLite in call order.  A VmemuTrace is
 * used from one thread at a time, like before.
 */
#pragma once

#include <glib.h>
#include "engine/trace/trace-events.h"

G_BEGIN_DECLS

#define VMEMU_TRACE_ERROR (vmemu_trace_error_quark ())
GQuark vmemu_trace_error_quark (void);
typedef enum {
  VMEMU_TRACE_ERROR_EXISTS,    /* output exists and force was not given */
  VMEMU_TRACE_ERROR_IO,        /* cannot create / write / rename */
  VMEMU_TRACE_ERROR_SQLITE,    /* SQLite failed */
} VmemuTraceError;

/* Schema version written into meta; bumped on any incompatible change. */
#define VMEMU_TRACE_SCHEMA_VERSION 2
/* The events' indexes a trace is written without, built by the first reader
 * that needs them (vmemu_tracedb_need_index ()); one CREATE INDEX IF NOT
 * EXISTS each: by page (page_history, page_refs), by name, by task. */
#define VMEMU_TRACE_INDEX_BY_PAGE \
  "CREATE INDEX IF NOT EXISTS events_by_page ON events (run, ino, idx, seq)"
#define VMEMU_TRACE_INDEX_BY_NAME \
  "CREATE INDEX IF NOT EXISTS events_by_name ON events (run, name_id, seq)"
#define VMEMU_TRACE_INDEX_BY_TASK \
  "CREATE INDEX IF NOT EXISTS events_by_task ON events (run, task, seq)"
/* PRAGMA application_id of every trace database: "vmem" in ASCII. */
#define VMEMU_TRACE_APPLICATION_ID 0x766d656d

typedef struct _VmemuTrace VmemuTrace;

/* One event.  Fields that do not apply are -1 (signed) or 0 (ino, flags). */
typedef struct {
  guint64 time_ns;
  VmemuEventId id;
  gint32 task;            /* task id from vmemu_trace_task(), -1 for none */
  gint32 cpu;             /* -1 for none */
  guint64 ino;            /* 0 for none */
  gint64 index;           /* page index, -1 for none */
  gint64 blk_first;       /* first filesystem block (file-relative), -1 none */
  gint32 blk_count;       /* blocks, 0 none */
  guint32 flags_before;   /* VmemuPageFlag bits */
  guint32 flags_after;
  gint32 refcount;        /* after the event, -1 none */
  gint32 mapcount;        /* after the event, -1 none */
  gint64 a[4];            /* arguments, named in trace-events.h */
  const char *detail;     /* optional text (copied), e.g. "holders=cache,iop,pipe" */
} VmemuTraceEvent;

/* A check of file contents against the oracle. */
typedef struct {
  guint64 time_ns;
  gint32 task;            /* -1 for the final check */
  const char *kind;       /* "read", "mread", "verify", "final" */
  guint64 ino;
  const char *path;
  guint64 offset_bytes;   /* range checked */
  guint64 length_bytes;
  gboolean ok;
  guint64 bad_offset_bytes;   /* first mismatching byte (when !ok) */
  guint64 bad_length_bytes;   /* length of the first mismatching run */
  guint64 bad_total_bytes;    /* all mismatching bytes in the range */
  const char *expected_hex;   /* up to 16 bytes from bad_offset, hex */
  const char *found_hex;
} VmemuTraceVerify;

/* Open path for writing (":memory:" for an in-memory trace).  Fails with
 * VMEMU_TRACE_ERROR_EXISTS when path exists and !force. */
VmemuTrace *vmemu_trace_open (const char *path, gboolean force, GError **error);
/* Commit, close and rename into place.  Frees tr. */
gboolean vmemu_trace_close (VmemuTrace *tr, GError **error);

/* Let a raised *flag (SIGINT) stop SQLite's long steps, the index build and
 * the commit in vmemu_trace_close(): then close fails, the temporary file is
 * removed and the caller sees its flag set.  NULL: never. */
void vmemu_trace_set_interrupt (VmemuTrace *tr, const volatile gint *flag);

/* The temporary file being written (renamed into place by close), or NULL
 * (":memory:", or already closed). */
const char *vmemu_trace_temp_path (const VmemuTrace *tr);
/* Discard everything written; removes the temporary file.  Frees tr. */
void vmemu_trace_abort (VmemuTrace *tr);
/* Like vmemu_trace_close(), but hands the still-open connection to the caller
 * (sqlite3_close() it; vmemu_tracedb_new_for_db() can take it over).  Meant
 * for ":memory:" traces that are explored right after the run.  Frees tr;
 * NULL with @error set on failure. */
struct sqlite3 *vmemu_trace_close_to_db (VmemuTrace *tr, GError **error);

/* Ends the current run (run ids start at 1; run 1 begins at open) and starts
 * the next one, named @name (NULL: its number).  Tasks, inodes, seq numbers
 * and meta are per run.  Returns the new run id (0 for a NULL tr). */
gint64 vmemu_trace_begin_run (VmemuTrace *tr, const char *name);

/* Run metadata: scenario, scenario_sha256, seed, variant, vmemu_version, ... */
void vmemu_trace_meta (VmemuTrace *tr, const char *key, const char *value);
/* Register a task (id unique per run) and an inode. */
void vmemu_trace_task (VmemuTrace *tr, gint32 id, const char *name, gint32 cpu,
                       const char *kind);
void vmemu_trace_inode (VmemuTrace *tr, guint64 ino, const char *path);

void vmemu_trace_event (VmemuTrace *tr, const VmemuTraceEvent *ev);
void vmemu_trace_verify (VmemuTrace *tr, const VmemuTraceVerify *v);

/* Events written so far (0 for NULL). */
guint64 vmemu_trace_n_events (const VmemuTrace *tr);

/* An event with every optional field set to "none". */
static inline VmemuTraceEvent
vmemu_trace_event_init (VmemuEventId id, guint64 time_ns)
{
  VmemuTraceEvent ev = { .time_ns = time_ns, .id = id, .task = -1, .cpu = -1,
                         .index = -1, .blk_first = -1, .refcount = -1,
                         .mapcount = -1 };
  return ev;
}

G_END_DECLS
