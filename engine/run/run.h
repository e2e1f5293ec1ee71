/* run.h — one run's lifecycle, and batches of runs on one thread pool.
 *
 * A run is: open the trace (a file, memory or none), build the machine (which
 * expands the scenario's generate: streams and writes the run's meta), run
 * it, write the verdict meta, then close the trace, or abort it (the
 * temporary file removed) when any step failed.  `vmemu run`, `vmemu report`,
 * `vmemu explore`, conform and the unit tests all go through vmemu_run_one(),
 * so the sequence exists once.
 *
 * vmemu_run_pool() is the one thread pool (a GThreadPool) of the program:
 * report's runs and comparisons, explore's search and its shrinker take
 * numbered items in order, and the outcome does not depend on the number of
 * threads (see there).
 */
#pragma once

#include <glib.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

G_BEGIN_DECLS

#define VMEMU_RUN_ERROR (vmemu_run_error_quark ())
GQuark vmemu_run_error_quark (void);
typedef enum {
  VMEMU_RUN_ERROR_INTERRUPTED,  /* a pool's interrupt flag was raised */
} VmemuRunError;

struct sqlite3;

/* The path that asks for an in-memory trace, kept open for reading. */
#define VMEMU_RUN_TRACE_MEMORY ":memory:"

typedef struct {
  const VmemuScenario *scenario;  /* borrowed */
  const VmemuVariant *variant;    /* borrowed */
  /* NULL: no trace; VMEMU_RUN_TRACE_MEMORY: an in-memory trace, handed over
   * by vmemu_run_steal_db(); else a file, written through a temporary file
   * renamed into place at the end. */
  const char *trace_path;
  gboolean force;                 /* replace an existing trace file */
  guint64 seed;                   /* with has_seed: instead of the scenario's */
  gboolean has_seed;
  guint64 time_limit_ns;          /* 0: none (VmemuMachineOptions) */
  gboolean result_meta;           /* write the verdict meta (run, report) */
  const char *dump_dir;           /* --dump-files: the final file contents, before close */
  const volatile gint *interrupt; /* machine and trace close stop soon when non-zero */
  /* Called with the trace's temporary file once it exists (the CLI removes
   * it when the process aborts), may be NULL. */
  void (*trace_temp) (const char *temp_path);
} VmemuRunOptions;

/* Where a run stopped. */
typedef enum {
  VMEMU_RUN_DONE,           /* ran to the end; the trace (if any) is written */
  VMEMU_RUN_FAILED_OPEN,    /* the trace could not be opened: nothing ran */
  VMEMU_RUN_FAILED_MACHINE, /* the machine refused the scenario or stopped (stall, time limit) */
  VMEMU_RUN_INTERRUPTED,    /* options.interrupt was raised while the machine ran */
  VMEMU_RUN_FAILED_DUMP,    /* writing --dump-files failed */
  VMEMU_RUN_FAILED_CLOSE,   /* finishing the trace failed (or options.interrupt during it) */
} VmemuRunStatus;

typedef struct _VmemuRun VmemuRun;

/* Runs o's scenario through the whole lifecycle.  Never NULL: a failure is
 * the run's status and error (the original GError: trace, machine, ...),
 * and its trace is aborted. */
VmemuRun *vmemu_run_one (const VmemuRunOptions *o);
void vmemu_run_free (VmemuRun *r);                 /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuRun, vmemu_run_free)

VmemuRunStatus vmemu_run_status (const VmemuRun *r);
const GError *vmemu_run_error (const VmemuRun *r);  /* NULL when DONE */
/* FALSE with a copy of the run's error unless it is DONE. */
gboolean vmemu_run_check (const VmemuRun *r, GError **error);
/* The machine, once built (its result is final only when DONE), else NULL. */
VmemuMachine *vmemu_run_machine (const VmemuRun *r);
const VmemuRunResult *vmemu_run_machine_result (const VmemuRun *r); /* DONE only, else NULL */
/* An in-memory trace's connection (sqlite3_close it, or hand it to
 * vmemu_tracedb_new_for_db); NULL unless DONE with VMEMU_RUN_TRACE_MEMORY. */
struct sqlite3 *vmemu_run_steal_db (VmemuRun *r);

/* The common case of the readers (explore, explain, conform, tests): scn
 * under variant into an in-memory trace, its connection, or NULL. */
struct sqlite3 *vmemu_run_to_db (const VmemuScenario *scn, const VmemuVariant *variant,
                                 guint64 time_limit_ns, GError **error);

/* ---- the pool ---- */

/* Any thread: do item i.  FALSE with error stops handing out items. */
typedef gboolean (*VmemuRunWorkFn) (guint64 i, gpointer data, GError **error);
/* Any thread, one call at a time, in index order, before item i is handed
 * out: FALSE hands out no more. */
typedef gboolean (*VmemuRunNextFn) (guint64 i, gpointer data);
/* Any thread, one call at a time (under the pool's lock), after item i
 * succeeded. */
typedef void (*VmemuRunDoneFn) (guint64 i, gpointer data);

typedef struct {
  guint jobs;             /* threads, the calling thread included; 0 or 1: it alone */
  guint64 n;              /* items 0 .. n-1 (G_MAXUINT64: until next says stop) */
  VmemuRunWorkFn work;
  VmemuRunNextFn next;    /* may be NULL */
  VmemuRunDoneFn done;    /* may be NULL */
  /* The calling thread only, before each item it takes and once when none
   * is left: for callbacks that must stay on one thread.  May be NULL. */
  void (*between) (gpointer data);
  gpointer data;
  /* When non-zero before an item is handed out: no more items, and the pool
   * fails with VMEMU_RUN_ERROR_INTERRUPTED (unless an item failed).  May be NULL. */
  const volatile gint *interrupt;
} VmemuRunPool;

/* The calling thread and jobs - 1 helpers on one GThreadPool take items in
 * index order, so when item k fails every item below k has been handed out
 * and finishes: the error returned is that of the lowest failing item,
 * whatever the number of threads.  Returns when no item is running any more. */
gboolean vmemu_run_pool (const VmemuRunPool *p, GError **error);

/* A batch of runs on the pool: runs[i] is item i.  each (i, run, data,
 * error) is called on the thread that ran runs[i], as soon as it ended
 * (whatever its status): it takes what it needs (or steals the in-memory
 * db), and the run is freed after; FALSE from each stops the batch as a
 * failing item of the pool does.  done, data and interrupt as in the pool. */
typedef gboolean (*VmemuRunEachFn) (guint i, VmemuRun *run, gpointer data, GError **error);
typedef struct {
  guint jobs;
  VmemuRunEachFn each;
  VmemuRunDoneFn done;    /* may be NULL */
  gpointer data;
  const volatile gint *interrupt;
} VmemuRunBatch;
gboolean vmemu_run_batch (const VmemuRunOptions *runs, guint n, const VmemuRunBatch *b,
                          GError **error);
/* Every run of the batch, in the order of runs (whatever jobs is). */
GPtrArray *vmemu_run_batch_collect (const VmemuRunOptions *runs, guint n, guint jobs);

G_END_DECLS
