/* report.h — regression reports: run scenarios under a baseline and a
 * candidate variant (or read existing traces), diff every pair, and write a
 * self-contained HTML page, Markdown, JSON and JUnit XML into one directory.
 *
 * Inputs: scenario files, directories of them (*.yaml and *.yml, sorted by
 * name), or trace databases: a database with two or more runs stands alone
 * (the runs whose `variant` meta names the baseline and candidate, else runs 1
 * and 2); a database with one run is paired with the database after it
 * (A.db B.db: A is the baseline side, B the candidate side).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VMEMU_REPORT_ERROR (vmemu_report_error_quark ())
GQuark vmemu_report_error_quark (void);

typedef enum {
  VMEMU_REPORT_ERROR_INPUT,       /* a scenario, directory or trace cannot be used */
  VMEMU_REPORT_ERROR_EXISTS,      /* the output directory is not empty and !force */
  VMEMU_REPORT_ERROR_IO,          /* writing the output failed */
  VMEMU_REPORT_ERROR_INTERRUPTED, /* options.interrupt was raised */
} VmemuReportError;

/* Called (from any thread, one call at a time) after each step; done of
 * total steps are finished, what names the step just finished. */
typedef void (*VmemuReportProgress) (guint done, guint total, const char *what,
                                     gpointer user_data);

typedef struct {
  const char *baseline;           /* variant spec; NULL: "baseline" */
  const char *candidate;          /* variant spec; NULL: "patched" */
  guint jobs;                     /* worker threads; 0: the number of CPUs */
  gboolean regressions_only;      /* list only regressed (and failed) scenarios */
  gboolean force;                 /* replace a non-empty output directory */
  const char *command_line;       /* printed at the top of every file, may be NULL */
  VmemuReportProgress progress;   /* may be NULL */
  gpointer progress_data;
  const volatile gint *interrupt; /* when set and non-zero, stop soon (SIGINT) */
} VmemuReportOptions;

typedef struct _VmemuReport VmemuReport;

/* Loads and checks every input (scenarios are parsed, traces opened, variant
 * specs parsed); nothing runs yet.  NULL with one line naming the input. */
VmemuReport *vmemu_report_new (const VmemuReportOptions *opt,
                               const char *const *inputs, GError **error);
void vmemu_report_free (VmemuReport *r);                       /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuReport, vmemu_report_free)

/* FALSE (VMEMU_REPORT_ERROR_EXISTS) when dir exists and is not an empty
 * directory and !force, so callers can refuse before any work. */
gboolean vmemu_report_check_output (const char *dir, gboolean force, GError **error);

/* Runs every scenario under both variants (in parallel), diffs the pairs and
 * writes dir/index.html, report.md, report.json, junit.xml and dir/traces/.
 * Everything is written into a temporary directory beside dir and renamed
 * into place at the end. */
gboolean vmemu_report_run (VmemuReport *r, const char *dir, GError **error);

/* After a run: scenarios in the report, and how many regressed. */
guint vmemu_report_n_scenarios (const VmemuReport *r);
guint vmemu_report_n_regressions (const VmemuReport *r);
/* A few lines for standard output: one per (listed) scenario and the
 * headline; g_free it. */
char *vmemu_report_summary_text (const VmemuReport *r);

G_END_DECLS
