/* trace-private.h — the trace writer's insides, shared by trace.c (schema,
 * SQLite, typed tables), trace-writer.c (the calls and the writer thread),
 * trace-sums.c (the fingerprint) and trace-pending.c (the virtual table the
 * events are inserted from).  Not for use outside engine/trace. */
#pragma once

#include <sqlite3.h>

#include "engine/trace/sha256.h"
#include "engine/trace/trace.h"

G_BEGIN_DECLS

typedef struct PendingSource_ PendingSource;

/* Rows between intermediate commits: keeps SQLite's dirty-page cache bounded
 * without paying a commit per event. */
#define COMMIT_EVERY_ROWS (1u << 20)
/* Events inserted by one statement, INSERT INTO events SELECT * FROM
 * vmemu_pending_events: a virtual table over the buffered rows, so SQLite
 * reads the values itself instead of taking a bind call for each (measured:
 * binding was most of an event's cost; 64 bound rows a step halved it, the
 * virtual table takes off another third). */
#define EVENT_BATCH 4096
#define EVENT_COLUMNS 19

/* An event waiting for its batch: the row as SQLite will read it. */
typedef struct {
  gint64 v[EVENT_COLUMNS];  /* detail_id 0 is NULL */
} EventRow;

typedef enum {
  ST_EVENT_BATCH,
  ST_STRING,
  ST_META,
  ST_TASK,
  ST_INODE,
  ST_SYSCALL,
  ST_BIO_QUEUE,
  ST_BIO_COMPLETE,
  ST_RECLAIM,
  ST_COUNTER,
  ST_VERIFY,
  ST_RUN,
  ST__COUNT
} Stmt;

/* What the API hands the writer thread: one call, its strings copied into
 * the batch's string chunk. */
typedef enum {
  REC_EVENT,
  REC_VERIFY,
  REC_META,
  REC_TASK,
  REC_INODE,
  REC_BEGIN_RUN,
  REC_INTERRUPT,
} RecKind;

typedef struct {
  RecKind kind;
  union {
    VmemuTraceEvent ev;
    VmemuTraceVerify verify;
    struct { const char *key, *value; } meta;
    struct { const char *name, *sha; } begin;  /* next run, last run's fingerprint */
    struct { gint32 id, cpu; const char *name, *kind; } task;
    struct { guint64 ino; const char *path; } inode;
    const volatile gint *flag;
  } u;
} Rec;

/* Records a batch holds: big enough that the hand-over (a mutex and maybe a
 * wake-up) is rare, small enough that BATCHES of them stay a few MiB. */
#define BATCH_RECS 4096
/* Batches in flight: the model runs ahead of the writer by at most this many
 * minus one, then waits (memory stays bounded on a long run). */
#define BATCHES 4

typedef struct {
  Rec recs[BATCH_RECS];
  guint n;
  gboolean last;          /* the writer thread ends after this batch */
  GStringChunk *text;     /* the records' strings */
} Batch;

/* Everything that belongs to the run being written. */
typedef struct {
  gint64 id;              /* runs.id, from 1 */
  char *name;             /* runs.name, owned */
  guint64 seq;            /* events written in this run (= last seq) */
  guint64 n_verify;       /* verifications written in this run */
  guint64 last_t_ns;      /* time of the latest event or verification */
  GHashTable *syscalls;   /* task id -> PendingSyscall* */
  GHashTable *bios;       /* BioKey* -> GQueue* of block_io rowids */
} Run;

/* The run's content fingerprint as it builds up, on the API side (the
 * model's thread, which has time to spare while the writer inserts). */
typedef struct {
  VmemuSha256 ev_sum;     /* canonical stream of events, in seq order */
  VmemuSha256 ver_sum;    /* canonical stream of verifications */
  GTree *tasks;           /* task id -> GBytes (canonical task record) */
  GTree *inodes;          /* ino -> GBytes (canonical inode record) */
  GByteArray *rec;        /* scratch buffer for one canonical record */
} Sums;

struct _VmemuTrace {
  sqlite3 *db;
  sqlite3_stmt *st[ST__COUNT];
  char *path;             /* target path as given */
  char *tmp_path;         /* file being written, NULL for ":memory:" */
  gboolean force;         /* replace an existing target at close */
  GHashTable *strings;    /* interned text -> id (GINT64 in a pointer-sized box) */
  gint64 next_string_id;
  guint64 rows_since_commit;
  guint64 n_events;       /* over all runs */
  EventRow *batch;        /* EVENT_BATCH events not yet inserted (not zeroed:
                           * a small trace touches only its first pages) */
  PendingSource *pending; /* vmemu_pending_events' view of batch */
  guint n_batch;
  char *error_msg;        /* first SQLite failure, owned; writing stops there */
  Run run;
  /* The API side (the model's thread); everything above belongs to the
   * writer thread while it runs, and to the caller again once it is joined. */
  GThread *writer;        /* NULL until the first batch is full, and after the join */
  GAsyncQueue *full;      /* Batch*: to write, in order */
  GAsyncQueue *empty;     /* Batch*: written, to fill again */
  Batch *cur;             /* being filled */
  gint64 api_run_id;      /* the run vmemu_trace_begin_run () last returned */
  Sums sums;              /* of run api_run_id */
  gint failed;            /* atomic: the writer met an error, stop filling */
  gint abandon;           /* atomic: discarding, write nothing more */
  const volatile gint *interrupt;  /* vmemu_trace_set_interrupt ()'s flag */
};

/* ---- trace.c: a record applied to SQLite (on the writer thread) ---- */
G_GNUC_INTERNAL void apply_event (VmemuTrace *tr, const VmemuTraceEvent *ev);
G_GNUC_INTERNAL void apply_verify (VmemuTrace *tr, const VmemuTraceVerify *v);
G_GNUC_INTERNAL void apply_meta (VmemuTrace *tr, const char *key, const char *value);
G_GNUC_INTERNAL void apply_task (VmemuTrace *tr, gint32 id, const char *name, gint32 cpu,
                                 const char *kind);
G_GNUC_INTERNAL void apply_inode (VmemuTrace *tr, guint64 ino, const char *path);
G_GNUC_INTERNAL void apply_begin_run (VmemuTrace *tr, const char *name, const char *sha);
G_GNUC_INTERNAL void apply_interrupt (VmemuTrace *tr, const volatile gint *flag);

/* ---- trace-writer.c ---- */
/* After the schema: the calls fill batches; the thread starts with the
 * second. */
G_GNUC_INTERNAL void trace_writer_start (VmemuTrace *tr);
/* Hands over what is filled and joins (or writes the one batch itself):
 * SQLite is the caller's again. */
G_GNUC_INTERNAL void trace_writer_stop (VmemuTrace *tr);

/* ---- trace-sums.c (on the caller's side) ---- */
G_GNUC_INTERNAL void sums_init (Sums *sums);
G_GNUC_INTERNAL void sums_clear (Sums *sums);
/* The run's content_sha256 (hex, g_free it); ends the sections: sums_clear
 * and sums_init before the next run. */
G_GNUC_INTERNAL char *sums_fingerprint (Sums *sums);
G_GNUC_INTERNAL void sums_event (Sums *sums, const VmemuTraceEvent *ev);
G_GNUC_INTERNAL void sums_verify (Sums *sums, const VmemuTraceVerify *v);
G_GNUC_INTERNAL void sums_task (Sums *sums, gint32 id, const char *name, gint32 cpu,
                                const char *kind);
G_GNUC_INTERNAL void sums_inode (Sums *sums, guint64 ino, const char *path);

/* ---- trace-pending.c ---- */
/* Registers vmemu_pending_events on tr->db over tr->batch. */
G_GNUC_INTERNAL gboolean trace_pending_register (VmemuTrace *tr);
/* The connection keeps the module (and may outlive tr): empty it. */
G_GNUC_INTERNAL void trace_detach_pending (VmemuTrace *tr);

G_END_DECLS
