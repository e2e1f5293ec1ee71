/* explore-private.h — shared between the explorer's files; nothing outside
 * engine/explore/ includes it. */
#pragma once

#include "engine/explore/explore.h"
#include "engine/run/run.h"

/* How one trial run of a case ended. */
typedef enum {
  EXPLORE_CASE_CLEAN,       /* every check passed */
  EXPLORE_CASE_LOSS,        /* at least one loss */
  EXPLORE_CASE_ERROR,       /* the machine refused the case or stopped (stall) */
  EXPLORE_CASE_INTERRUPTED, /* options.interrupt */
} ExploreOutcome;

/* The facts of one run the explorer compares. */
typedef struct {
  ExploreOutcome outcome;
  guint64 ops_run;
  char *loss_path;          /* with LOSS: path of the first loss, owned */
  char *loss_kind;          /* with LOSS: "read", "mread", "verify", "final", owned */
} ExploreRun;

void explore_run_clear (ExploreRun *r);

/* Run scn under variant without a trace.  Never fails: errors are an outcome. */
void explore_run_case (const VmemuScenario *scn, const VmemuVariant *variant,
                       const volatile gint *interrupt, ExploreRun *out);

/* A virtual-time budget for one case (a guard against a model stall). */
#define EXPLORE_CASE_TIME_LIMIT_NS (G_GUINT64_CONSTANT (60) * 1000000000)

/* The scenario written as YAML and loaded back: the loader's checks (maps
 * mapped in the same task, regions allocated before freed, ranges ...) decide
 * whether a shrink candidate is a valid scenario at all.  NULL when not. */
VmemuScenario *explore_reload (const VmemuScenario *scn);

/* Start time of every op of every user task, in task order then op order,
 * from one traced run (sys_enter events).  A new GArray of guint64, or NULL. */
GArray *explore_op_start_times (const VmemuScenario *scn, const VmemuVariant *variant,
                                GError **error);
