/* explore.h — the explorer: run many generated cases until one loses data,
 * shrink the first failing one to a handful of operations, and explain it.
 *
 * A *case* is a scenario with explicit ops.  Case k of seed S is built from a
 * base scenario (the user's, with `generate:` blocks, or the built-in
 * generic/127-shaped template) by re-seeding every generate block with a seed
 * derived from (S, k) and expanding it: the fsx-style stream stays in its
 * task, the background events go to two tasks of their own (a reader holding
 * page references, and an admin task for drop_caches and memory pressure), so
 * that they really run concurrently.  Every op of a generated stream starts
 * at a fixed virtual time, so dropping one op does not move the others.
 *
 * Determinism: the result depends on the options only, never on -j or on
 * thread timing.  The "first failing case" is the one with the smallest index
 * (not the first to finish), shrinking is a fixed sequence of trials, and a
 * batch of trials run in parallel is resolved in trial order.  Wall-clock
 * limits live in the caller (should_stop), so this module never reads the
 * host clock; a stop by wall clock naturally changes how far it got.
 *
 * The documentation is docs/explore.md.
 */
#pragma once

#include <glib.h>

#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

G_BEGIN_DECLS

#define VMEMU_EXPLORE_ERROR (vmemu_explore_error_quark ())
GQuark vmemu_explore_error_quark (void);

typedef enum {
  VMEMU_EXPLORE_ERROR_INPUT,        /* the base scenario cannot be explored (no generate:, bad setup) */
  VMEMU_EXPLORE_ERROR_OPTIONS,      /* inconsistent options (shard K >= N, jobs 0 ...) */
  VMEMU_EXPLORE_ERROR_MODEL,        /* the minimal case could not be replayed or traced */
  VMEMU_EXPLORE_ERROR_INTERRUPTED,  /* options.interrupt was raised */
} VmemuExploreError;

/* Where the explorer is, for a progress line.  Passed to the progress callback. */
typedef struct {
  guint64 cases_run;          /* cases finished (this shard) */
  guint64 ops_run;            /* operations those cases completed */
  gboolean found;             /* a failing case is known */
  guint64 first_case;         /* with found: its global index k */
  guint32 best_ops;           /* with found: ops of the smallest failing case so far */
  gboolean shrinking;         /* the search is over, the shrinker is at work */
  guint64 shrink_runs;        /* trial runs of the shrinker so far */
} VmemuExploreProgress;

typedef struct {
  const VmemuScenario *scenario;  /* borrowed; NULL: the built-in template */
  const VmemuVariant *variant;    /* borrowed; the kernel under test */
  const VmemuVariant *check_variant; /* borrowed, may be NULL: the minimal case is also run
                                        under it and must be clean (usually "patched") */
  guint64 seed;                   /* S: case k uses vmemu_explore_case_seed (S, k) */
  guint64 max_cases;              /* cases of this shard to try; 0: until should_stop */
  guint jobs;                     /* worker threads (>= 1) */
  guint32 shard_index;            /* K of --shard K/N: this run takes the cases k with */
  guint32 shard_count;            /* k mod N == K; N = 0 or 1: all cases */
  gboolean no_shrink;             /* report the failing case as generated */
  guint64 shrink_max_runs;        /* budget of shrink trials; 0: the default (4000) */
  /* Called by the calling thread between cases (about every case it runs
   * itself); TRUE stops taking new cases.  May be NULL. */
  gboolean (*should_stop) (gpointer user_data);
  /* A clock in nanoseconds, for ns_to_first_loss only.  May be NULL. */
  guint64 (*clock_ns) (gpointer user_data);
  /* Called by the calling thread with the current state.  May be NULL. */
  void (*progress) (const VmemuExploreProgress *p, gpointer user_data);
  gpointer user_data;
  const volatile gint *interrupt; /* when set and non-zero: stop with ..._INTERRUPTED */
} VmemuExploreOptions;

/* Fills *o with the defaults: template, seed 1, one job, no limits. */
void vmemu_explore_options_init (VmemuExploreOptions *o);

/* What a run found.  Initialise with { 0 }; free the contents with
 * vmemu_explore_result_clear(). */
typedef struct {
  gboolean found;               /* a case lost data */
  guint64 cases_run;            /* cases finished (this shard) */
  guint64 ops_run;              /* operations they completed */
  guint64 ops_generated;        /* operations they contained */
  guint64 cases_errored;        /* cases the model refused or stopped (stall); counted, not failures */
  /* With found: */
  guint64 first_case;           /* global index k of the first failing case */
  guint64 first_case_seed;      /* vmemu_explore_case_seed (seed, k) */
  guint64 cases_to_first_loss;  /* position of that case in this shard's order, from 1 */
  guint64 ns_to_first_loss;     /* by options.clock_ns from the start (0 without a clock) */
  guint32 original_ops;         /* ops of the failing case as generated */
  guint32 shrunk_ops;           /* ops of the minimal case (every op of every task) */
  guint64 shrink_runs;          /* trial runs the shrinker made */
  char *loss_path;              /* the file that lost data */
  VmemuScenario *failing;       /* the failing case as generated, owned */
  VmemuScenario *minimal;       /* the shrunk case with its expect: block, owned */
  char *explanation;            /* a few lines built from the minimal case's trace, owned */
  gboolean checked;             /* the minimal case was run under check_variant ... */
  gboolean check_clean;         /* ... and verified clean there */
} VmemuExploreResult;

void vmemu_explore_result_clear (VmemuExploreResult *r);

/* Explore: run cases (in parallel with options->jobs threads) until one loses
 * data, the case budget is used up or should_stop says so; then shrink the
 * failing case, explain it and run it under check_variant.  Returns TRUE with
 * *result filled (result->found tells whether a loss was found), or FALSE with
 * VMEMU_EXPLORE_ERROR (INPUT when the base scenario has no generate: block or
 * cannot be set up, INTERRUPTED, MODEL when the minimal case cannot be traced). */
gboolean vmemu_explore_run (const VmemuExploreOptions *options, VmemuExploreResult *result,
                            GError **error);

/* ---- the parts, for tests and other tools -------------------------------- */

/* The seed of case k of an exploration with seed S (splitmix64 of both). */
guint64 vmemu_explore_case_seed (guint64 seed, guint64 k);

/* The built-in base scenario: generic/127's shape on a 1 KiB-block
 * filesystem with 4 KiB pages (docs/explore.md lists its knobs).  New
 * scenario, free with vmemu_scenario_free(). */
VmemuScenario *vmemu_explore_template_new (void);

/* Case k of seed S from base: a new scenario with explicit ops, or NULL with
 * VMEMU_EXPLORE_ERROR_INPUT when base has no generate: block. */
VmemuScenario *vmemu_explore_case_new (const VmemuScenario *base, guint64 seed, guint64 k,
                                       GError **error);

/* Total number of ops over every task. */
guint32 vmemu_explore_count_ops (const VmemuScenario *scn);

/* Shrink a failing case: drop ops and tasks, shorten lengths, align offsets,
 * simplify and move start times, as long as the case still loses data on the
 * same file under variant.  Deterministic; trials of one batch run on `jobs`
 * threads.  Returns a new scenario (the input when nothing could be dropped is
 * copied) and the number of trial runs, or NULL with an error when the input
 * does not fail. */
VmemuScenario *vmemu_explore_shrink (const VmemuScenario *failing, const VmemuVariant *variant,
                                     guint jobs, guint64 max_runs, guint64 *runs_out,
                                     GError **error);
/* The same, stopping soon once *interrupt is non-zero (NULL: never): then
 * NULL and VMEMU_EXPLORE_ERROR_INTERRUPTED. */
VmemuScenario *vmemu_explore_shrink_interruptible (const VmemuScenario *failing,
                                                   const VmemuVariant *variant, guint jobs,
                                                   guint64 max_runs,
                                                   const volatile gint *interrupt,
                                                   guint64 *runs_out, GError **error);

/* Run scn under variant with an in-memory trace and describe the loss: which
 * op left a page uptodate without its iomap_page, which op dirtied it with an
 * empty bitmap, which writeback skipped its blocks, where the loss shows.
 * Returns the lines (each ending in '\n'), or NULL with an error. */
char *vmemu_explore_explain (const VmemuScenario *scn, const VmemuVariant *variant,
                             GError **error);

G_END_DECLS
