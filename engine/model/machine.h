/* machine.h — one emulated machine: the kernel models wired together and run
 * over a scenario.
 *
 * Every piece of state hangs off VmemuMachine, so several machines can run in
 * one process (the explorer runs many at once).
 */
#pragma once

#include <glib.h>

#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

G_BEGIN_DECLS

#define VMEMU_MACHINE_ERROR (vmemu_machine_error_quark ())
GQuark vmemu_machine_error_quark (void);
typedef enum {
  VMEMU_MACHINE_ERROR_SETUP,    /* the scenario cannot be set up (sizes, files) */
  VMEMU_MACHINE_ERROR_STALL,    /* the model stopped making progress (a model bug) */
  VMEMU_MACHINE_ERROR_IO,       /* writing --dump-files failed */
  VMEMU_MACHINE_ERROR_INTERRUPTED, /* options.interrupt was raised */
} VmemuMachineError;

typedef struct _VmemuMachine VmemuMachine;

typedef struct {
  guint64 seed;                 /* the run's seed (scenario's, or --seed) */
  gboolean has_seed;            /* FALSE: use machine.seed from the scenario */
  const VmemuVariant *variant;  /* borrowed; must outlive the machine */
  VmemuTrace *trace;            /* borrowed, may be NULL */
  guint64 time_limit_ns;        /* 0: none; stop the run (as a stall) past this */
  const volatile gint *interrupt; /* when set and non-zero, the run stops soon (SIGINT) */
} VmemuMachineOptions;

/* One failed check of file contents. */
typedef struct {
  char *path;
  char *kind;                   /* "read", "mread", "verify", "final", ... */
  char *task;                   /* task name, "final" for the final read-back */
  guint64 time_ns;
  guint64 offset_bytes;         /* first bad byte */
  guint64 length_bytes;         /* length of the first bad run */
  guint64 total_bytes;          /* every bad byte in the range checked */
  guint64 span_bytes;           /* first to last bad byte (a lost 16-byte store: 16) */
  char *expected_hex;
  char *found_hex;
} VmemuLoss;

/* An operation whose result differs from what the scenario expects. */
typedef struct {
  char *task;
  const char *op;               /* op name (static) */
  guint op_number;              /* 1-based, in the task */
  guint32 line, column;         /* of the op in the YAML (0: generated) */
  guint64 time_ns;
  int result;                   /* 0 or -errno */
  int expected;                 /* 0 or -errno */
} VmemuOpResult;

typedef struct {
  guint64 seed;
  guint64 end_time_ns;
  guint64 events_run;           /* discrete events */
  guint64 trace_events;         /* trace rows emitted */
  guint64 ops_run;              /* scenario operations completed (tasks' ops, generate expanded;
                                 * the final check's are not counted) */
  guint64 op_errors;            /* operations that returned an error */
  guint64 verifications;
  guint64 verify_failed;
  guint64 bios_read;
  guint64 bios_write;
  guint64 bytes_written;        /* to the device */
  guint64 pages_reclaimed;
  GPtrArray *losses;            /* of VmemuLoss*, in time order */
  /* of char*: the model simplifications (docs/model.md, "What the model
   * simplifies and how a run says so") this run reached where they could
   * change its verdict, in the order first reached.  Non-empty: the verdict
   * depends on them, and `vmemu run` exits 3 (cannot judge). */
  GPtrArray *depends_on;
  /* of char*: the BUG()s 5.8 would hit in this run, in the order first
   * reached (the model goes on past them).  Non-empty: the verdict is
   * "kernel BUG", a failure found, and `vmemu run` exits 1. */
  GPtrArray *kernel_bugs;
  guint64 activity[VMEMU_ACT__COUNT]; /* what the machine did (scenario.h) */
  GPtrArray *unexpected;        /* of VmemuOpResult*: ops not returning what was expected */
} VmemuRunResult;

/* With a trace, the run's meta (scenario, sha256, seed, variant and its
 * switches, version, page and block size) is written into it here. */
VmemuMachine *vmemu_machine_new (const VmemuScenario *scn, const VmemuMachineOptions *opt,
                                 GError **error);
void vmemu_machine_free (VmemuMachine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuMachine, vmemu_machine_free)

/* Run every task, then the final check (sync, evict, read back every file). */
gboolean vmemu_machine_run (VmemuMachine *m, GError **error);
const VmemuRunResult *vmemu_machine_result (const VmemuMachine *m);
/* The result's depends_on joined with "; ", or NULL when it is empty (the
 * verdict can be trusted); g_free it. */
char *vmemu_run_depends_on_text (const VmemuRunResult *r);
/* The run's verdict into tr's meta: result, depends_on and kernel_bug (when
 * any), expect_activity. */
void vmemu_machine_write_result_meta (const VmemuMachine *m, VmemuTrace *tr);
/* The result's kernel_bugs joined with "; ", or NULL when there is none. */
char *vmemu_run_kernel_bugs_text (const VmemuRunResult *r);

/* Write the final (on-disk) contents of every file into dir, one file per
 * scenario path with '/' turned into '_' (leading '/' dropped). */
gboolean vmemu_machine_dump_files (VmemuMachine *m, const char *dir, GError **error);

/* Read-only views for `vmemu conform` (probe.c). */
/* The oracle's length of file `file`, and a copy of its bytes (g_free it):
 * the oracle holds them sparsely, so ask for the copy only when needed. */
guint64 vmemu_machine_file_expected_size (const VmemuMachine *m, guint file);
guint8 *vmemu_machine_file_expected_dup (const VmemuMachine *m, guint file, guint64 *len);
void vmemu_machine_op_data (VmemuMachine *m, guint task, guint op_i, guint64 file_off,
                            guint8 *buf, gsize len);
void vmemu_machine_watermarks (const VmemuMachine *m, guint64 *total, guint64 *min,
                               guint64 *low, guint64 *high);
const VmemuScenario *vmemu_machine_scenario (VmemuMachine *m);

G_END_DECLS
