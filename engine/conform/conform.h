/* conform.h — run a scenario on a real Linux kernel (User-Mode Linux) and
 * judge the model by it (`vmemu conform`, docs/conform.md).
 *
 * Three steps, each usable alone (the unit tests use the first and last
 * without a kernel):
 *   1. vmemu_conform_translate(): the scenario, and the machine that will run
 *      it in the model (for the exact bytes it writes), become a guest script
 *      and a data blob for engine/conform/guest/conform-guest.c — or a
 *      VMEMU_CONFORM_ERROR_UNSUPPORTED error naming the op and why it cannot
 *      be forced on a real kernel;
 *   2. vmemu_conform_boot(): make the XFS image, boot the kernel with the
 *      guest as PID 1, collect every file's bytes after sync + remount, the
 *      op log and the tracepoint text;
 *   3. vmemu_conform_check_file() / vmemu_conform_agree(): the verdict.
 */
#pragma once

#include <glib.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

G_BEGIN_DECLS

#define VMEMU_CONFORM_ERROR (vmemu_conform_error_quark ())
GQuark vmemu_conform_error_quark (void);
typedef enum {
  VMEMU_CONFORM_ERROR_UNSUPPORTED, /* cannot be forced on a real kernel (exit 3) */
  VMEMU_CONFORM_ERROR_SETUP,       /* kernel, guest or mkfs.xfs missing or unusable */
  VMEMU_CONFORM_ERROR_GUEST,       /* the guest run failed (boot, mount, an I/O) */
  VMEMU_CONFORM_ERROR_TRACE,       /* the tracepoint text is malformed */
  VMEMU_CONFORM_ERROR_INTERRUPTED, /* the interrupt flag was raised during the boot */
  VMEMU_CONFORM_ERROR_HOST,        /* this host cannot run the UML kernel at all (exit 5) */
} VmemuConformError;

/* The kernel's RAM disk (CONFIG_BLK_DEV_RAM_SIZE) holds the filesystem. */
#define VMEMU_CONFORM_DEVICE_BYTES (64u << 20)

/* What the guest is told to do. */
typedef struct {
  GString *script;          /* "vmemu-conform-guest 1" text, one line per item */
  GByteArray *data;         /* initial file contents and the bytes of every write */
} VmemuConformPlan;

void vmemu_conform_plan_free (VmemuConformPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuConformPlan, vmemu_conform_plan_free)

/* m: a machine made by vmemu_machine_new() for this scenario and not yet run
 * (its files hold their initial contents).  trace: ask the guest to record
 * tracepoints. */
VmemuConformPlan *vmemu_conform_translate (VmemuMachine *m, gboolean trace, GError **error);

/* Pressure: where the model's allocation leaves free memory, in per mille of
 * (low - min) above the min watermark (negative: below min).  free_after is
 * the model's free pages after the allocation. */
gint64 vmemu_conform_pressure_level (guint64 free_after, guint64 wmark_min, guint64 wmark_low);

typedef struct {
  const char *kernel;       /* the UML binary */
  const char *guest;        /* the static conform-guest binary */
  const char *workdir;      /* an empty directory for this run (absolute) */
  guint64 block_size;       /* filesystem.block_size */
  guint timeout_s;          /* wall-clock limit for the boot, 0: 120 s */
  const volatile gint *interrupt; /* when set and non-zero: kill the kernel, fail */
} VmemuConformBoot;

/* What came back from the guest. */
typedef struct {
  GPtrArray *files;         /* of GBytes*: final contents, scenario file order */
  char *op_log;             /* "op TASK INDEX KIND start=NS end=NS result=R" lines */
  char *trace_text;         /* tracefs `trace` text, NULL when not traced */
  guint64 end_ns;           /* guest virtual time at the end of the last task */
  gdouble wall_s;           /* boot to power-off, host seconds */
} VmemuConformResult;

void vmemu_conform_result_free (VmemuConformResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuConformResult, vmemu_conform_result_free)

VmemuConformResult *vmemu_conform_boot (const VmemuConformBoot *boot,
                                        const VmemuConformPlan *plan, GError **error);

/* One file's read-back against the oracle. */
typedef struct {
  gboolean ok;
  guint64 expected_size, found_size;
  guint64 bad_offset;       /* first differing byte (size differences count) */
  guint64 bad_length;       /* length of the first differing run */
  guint64 bad_total;        /* every differing byte over max(sizes) */
} VmemuConformCheck;

void vmemu_conform_check_file (const guint8 *expected, guint64 expected_len,
                               const guint8 *found, guint64 found_len, VmemuConformCheck *out);

/* "clean" / "data loss". */
const char *vmemu_conform_verdict_name (gboolean lost);
/* "real 5.8.1: clean | vmemu baseline: data loss  DISAGREE" (no newline). */
char *vmemu_conform_verdict_line (const char *kernel_label, gboolean real_lost,
                                  const char *variant, gboolean model_lost);
/* "5.8.1+4595a298d556" from ".../linux-5.8.1+4595a298d556-um". */
char *vmemu_conform_kernel_label (const char *kernel_path);

/* Store the guest's tracepoint text as a run of tr (call after
 * vmemu_trace_begin_run()): events whose tracepoint vmemu also has, with
 * inodes named from the scenario's files (inode numbers are the guest's).
 * Returns the number of events stored. */
gboolean vmemu_conform_trace_import (VmemuTrace *tr, const VmemuScenario *scn,
                                     const char *trace_text, const char *op_log,
                                     guint64 *n_events, GError **error);

/* Did the guest's ops interleave across tasks as the model's did (each
 * cross-task pair: ended before / overlapped / began after)?  FALSE with
 * VMEMU_CONFORM_ERROR_UNSUPPORTED naming the first pair that differs.
 * op_log: the guest's "op T I KIND start=NS end=NS result=R" lines. */
gboolean vmemu_conform_check_order (const VmemuScenario *scn, const VmemuVariant *variant,
                                    const char *op_log, GError **error);

/* DIR/vmemu.db and DIR/linux.db: the model's run and the kernel's, each cut
 * down to the events whose tracepoint both emitted, in order, for `vmemu
 * diff DIR/vmemu.db DIR/linux.db` (conform-common.c). */
gboolean vmemu_conform_write_common (const VmemuScenario *scn, const VmemuVariant *variant,
                                     const char *trace_text, const char *op_log,
                                     const char *dir, gboolean force, GError **error);

/* ---- one whole conformance run (conform-run.c) ---- */

typedef struct {
  const char *kernel;           /* UML binary */
  const char *guest;            /* static conform-guest binary (absolute) */
  const VmemuVariant *variant;  /* the model variant to compare with */
  VmemuTrace *trace;            /* borrowed, may be NULL: vmemu's run, then the kernel's */
  gboolean keep_workdir;        /* leave the work directory (its path is in the outcome) */
  guint timeout_s;
  const volatile gint *interrupt; /* may be NULL: SIGINT flag (the kernel is killed) */
  const char *common_dir;       /* may be NULL: vmemu_conform_write_common() there */
  gboolean force;               /* replace existing files in common_dir */
} VmemuConformOptions;

typedef struct {
  gboolean model_lost, real_lost;
  gboolean model_final_lost;    /* the model's loss shows in its final read-back too */
  char *kernel_label;           /* "5.8.1", "5.8.1+4595a298d556" */
  char *line;                   /* vmemu_conform_verdict_line() */
  GPtrArray *details;           /* of char*: one line per file the real kernel lost */
  char *workdir;
  gdouble wall_s;               /* boot + run, host seconds */
  guint64 end_ns;               /* guest virtual time of the run */
  guint64 trace_events;         /* real-kernel events stored (with a trace) */
  char *not_reproduced;         /* non-NULL: the interleaving differed (why); do not compare */
} VmemuConformOutcome;

void vmemu_conform_outcome_free (VmemuConformOutcome *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuConformOutcome, vmemu_conform_outcome_free)

/* Run scn in the model and on the kernel, and judge.  Errors:
 * VMEMU_CONFORM_ERROR_UNSUPPORTED (cannot be forced), _SETUP, _GUEST, or the
 * model's own (VMEMU_MACHINE_ERROR). */
VmemuConformOutcome *vmemu_conform_run (const VmemuScenario *scn, const VmemuConformOptions *o,
                                        GError **error);

G_END_DECLS
