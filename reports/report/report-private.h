/* report-private.h — the report as data, shared by the runner (report.c),
 * the trace analysis (report-analyze.c) and the four renderers.  Only
 * reports/report/ includes it. */
#pragma once

#include "reports/report/report.h"

#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"
#include "engine/trace/tracedb.h"

/* What happened in one run. */
typedef enum {
  REPORT_OUTCOME_CLEAN,         /* every check passed */
  REPORT_OUTCOME_LOSS,          /* a check failed: data loss */
  REPORT_OUTCOME_ERROR,         /* the run itself failed (setup, stall) */
} ReportOutcome;

/* The verdict shown for one variant: the outcome judged by `expect:`. */
typedef enum {
  REPORT_VERDICT_CLEAN,         /* clean, as expected or with no expectation */
  REPORT_VERDICT_LOSS,          /* data loss, as expected or with no expectation */
  REPORT_VERDICT_EXPECT_FAILED, /* the outcome is not the one `expect:` states */
  REPORT_VERDICT_ERROR,         /* the run failed */
} ReportVerdict;

/* A scenario's status, candidate against baseline. */
typedef enum {
  REPORT_STATUS_REGRESSED,      /* baseline fine, candidate bad */
  REPORT_STATUS_FIXED,          /* baseline bad, candidate fine */
  REPORT_STATUS_STILL_FAILING,  /* both bad */
  REPORT_STATUS_OK,             /* both fine */
} ReportStatus;

/* One bio of the block_io table. */
typedef struct {
  guint64 t_submit_ns;
  guint64 t_complete_ns;        /* t_submit_ns when it never completed */
  gboolean write;
  gint64 status;                /* 0 or -errno */
  guint64 bytes;
} ReportIo;

/* One row of the side-by-side counts table. */
typedef struct {
  char *label;                  /* "events", "write bios", or an event name */
  gboolean is_event;            /* TRUE: a per-event-name count */
  guint64 v[2];                 /* baseline, candidate */
  int good_when;                /* +1: more is better for the data (bytes written),
                                 * -1: more is worse (data loss), 0: neither */
} ReportRow;

/* A moment the timeline marks: reclaim starting, drop_caches. */
typedef enum { REPORT_MARK_KSWAPD, REPORT_MARK_DIRECT_RECLAIM, REPORT_MARK_DROP_CACHES } ReportMarkKind;
typedef struct {
  guint64 t_ns;
  ReportMarkKind kind;
} ReportMark;

/* Peak and final page counts of a timeline. */
typedef struct {
  guint32 max_dirty_pages;
  guint32 max_writeback_pages;
  guint32 max_uptodate_pages;
  guint32 max_cached_pages;
} ReportPeaks;

/* One variant's run of one scenario. */
typedef struct {
  char *variant;                /* spec as run (or the trace's variant meta) */
  char *trace_label;            /* "traces/NAME.VARIANT.db" or the input path */
  char *trace_path;             /* where the database is now (owned) */
  gint64 run;                   /* run id in the database */
  ReportOutcome outcome;
  char *error;                  /* REPORT_OUTCOME_ERROR: the message */
  gboolean has_expect;          /* the scenario states an outcome for this variant */
  VmemuExpectOutcome expect;
  ReportVerdict verdict;
  guint64 seed;
  char *reproduce;              /* shell command that re-runs this side */
  char *content_sha256;
  guint64 n_events;
  guint64 t_end_ns;
  char *kernel_bug;             /* the trace's kernel_bug meta: the BUG()s 5.8 would hit */
  char *depends_on;             /* the trace's depends_on meta: the model simplifications the
                                 * verdict depends on ("; "-joined), NULL when none */
  GPtrArray *losses;            /* VmemuTracedbVerify*: the failed checks */
  GArray *loss_times;           /* guint64 t_ns of vmemu_data_loss events */
  GArray *pages;                /* VmemuTracedbPageCounts over time */
  GArray *ios;                  /* ReportIo in submission order */
  GArray *marks;                /* ReportMark in time order */
  char *activity_unmet;         /* "not met: kswapd: true (it was 0)" from the trace's
                                 * meta expect_activity, NULL when met or absent */
  ReportPeaks peaks;
} ReportSide;

/* One scenario (or one pair of traces). */
typedef struct {
  char *name;                   /* scenario name, unique within the report */
  char *slug;                   /* file-name and anchor safe form of name */
  char *source;                 /* the input path(s) as given */
  gboolean from_traces;         /* read from existing trace databases */
  VmemuScenario *scn;           /* NULL for traces whose scenario is unavailable */
  char *scenario_path;          /* path to re-run it, may be NULL */
  char *sha256;                 /* of the scenario file, may be NULL */
  char *description;            /* may be NULL */
  ReportSide side[2];           /* baseline, candidate */
  ReportStatus status;
  gboolean identical;           /* equal content fingerprints */
  char *diff_summary;           /* first line of vmemu diff */
  char *diff_hint;              /* "why it matters", may be NULL */
  gboolean has_divergence;      /* divergence_t_ns is meaningful */
  guint64 divergence_t_ns;
  char *diff_text;              /* the diff, rendered */
  char *diff_markdown;
  char *diff_json;
  GPtrArray *rows;              /* ReportRow*: totals first, then event names */
  guint order;                  /* input position (ties of the status sort) */
  guint group;                  /* 1-based ReportGroup of its first divergence, 0 none */
} ReportScenario;

/* Scenarios whose traces first part at the same event for the same reason. */
typedef struct {
  guint id;                     /* 1-based, in order of the first member */
  char *event;                  /* the divergent event's name */
  char *summary;                /* the first member's divergence sentence */
  char *hint;                   /* "why it matters", may be NULL */
  GPtrArray *members;           /* ReportScenario*, borrowed, in report order */
} ReportGroup;

struct _VmemuReport {
  char *baseline;               /* variant specs */
  char *candidate;
  guint jobs;
  gboolean regressions_only;
  gboolean force;
  char *command_line;           /* may be NULL */
  VmemuReportProgress progress;
  gpointer progress_data;
  const volatile gint *interrupt;
  GPtrArray *scenarios;         /* ReportScenario*: by status (regressed, fixed, still
                                 * failing, ok), then input order, once analysed */
  GPtrArray *groups;            /* ReportGroup*, by first divergence */
  guint n_regressed, n_fixed, n_still_failing, n_ok, n_errors;
  char *headline;
};

/* ---- report-analyze.c ---- */

/* Fills side (outcome, losses, timeline, I/O) from its trace and the diff
 * fields and count rows of sc from the pair. */
gboolean report_analyze_scenario (VmemuReport *r, ReportScenario *sc, GError **error);
/* Verdict and status from outcomes and expectations. */
void report_judge (ReportScenario *sc);
void report_side_clear (ReportSide *s);
void report_row_free (ReportRow *row);

/* ---- report-util.c ---- */

void report_xml_text (GString *out, const char *s);      /* escaped text */
/* "30.200000 ms" (virtual time); g_free it. */
char *report_format_ms (guint64 t_ns);
/* "+12.5%", "-100.0%", "0.0%", "new" when a == 0 < b; g_free it. */
char *report_percent (guint64 a, guint64 b);
/* TRUE and the change in percent, FALSE when a == 0 and b != 0. */
gboolean report_percent_value (guint64 a, guint64 b, double *out);
const char *report_verdict_name (ReportVerdict v);     /* "clean", "data loss", ... */
const char *report_verdict_id (ReportVerdict v);       /* "clean", "data-loss", ... */
const char *report_status_name (ReportStatus s);       /* "regressed", "fixed", ... */
const char *report_outcome_id (ReportOutcome o);
/* "data loss (expected)", "clean, expected data loss", ...; g_free it. */
char *report_verdict_sentence (const ReportSide *s);
/* Was this side bad: data loss, a failed expectation or an error. */
gboolean report_side_bad (const ReportSide *s);
/* Which scenarios the renderers list. */
gboolean report_listed (const VmemuReport *r, const ReportScenario *sc);
/* "/data offset 2048 length 16 (final check at 30.2 ms)"; g_free it. */
char *report_loss_sentence (const VmemuTracedbVerify *v);

/* ---- renderers: each returns the whole file ---- */
char *report_render_html (const VmemuReport *r);
/* report.md: headline, causes (groups), the summary table, reproduce;
 * report-details.md: one section per scenario. */
char *report_render_markdown (const VmemuReport *r);
char *report_render_markdown_details (const VmemuReport *r);
char *report_render_json (const VmemuReport *r);
char *report_render_junit (const VmemuReport *r);
