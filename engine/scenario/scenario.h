/* scenario.h — a validated, immutable scenario, loaded from YAML.
 *
 * The YAML keys are a contract with users (docs/scenario-format.md).  The loader
 * checks everything it can without running the models: types, ranges, names
 * that must refer to something (files, maps, pipes, regions), and reports the
 * first problem as "FILE:LINE:COLUMN: message".
 *
 * Everything here is plain data: the machine reads it and never changes it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VMEMU_SCENARIO_ERROR (vmemu_scenario_error_quark ())

/* The largest file vmemu emulates (16 GiB): every file size, file offset
 * and offset + length is at most this.  Memory no longer bounds it: the
 * oracle and every other copy of a file's bytes are contents by reference
 * (engine/content), the block map and the page-cache index are sparse
 * (engine/xa), so a file costs what is written into it.  Time does: the final
 * check reads every page of every file back through the page cache, holes
 * included, and traces each (about 30 s a GiB with a trace; comparing is no
 * longer the cost), so the limit keeps a run of any valid scenario within
 * minutes. */
#define VMEMU_FILE_MAX_BYTES (1ull << 34)
#define VMEMU_FILE_MAX_TEXT "16GiB"

/* fsx keeps its good-file buffer and data pattern as flat arrays of its
 * file length, as the real fsx does: its length is at most 2 GiB. */
#define VMEMU_FSX_MAX_BYTES (1ull << 31)

/* The most picks one `generate:` block may draw.  The run pulls generated
 * ops one pick at a time, so memory does not grow with the count (issue 12);
 * what bounds it now is time: validate counts the ops by drawing them (0.25 s
 * a million picks, so at most about 3 s), and a run of 10M picks already
 * takes hours.  Op numbers are 32 bits (a pick makes at most 11 ops). */
#define VMEMU_GENERATE_MAX_COUNT 10000000

/* The most virtual time a task's at/after/for/hold values may add up to (100
 * years, well inside the 2^63 ns a signed 64-bit clock holds). */
#define VMEMU_TIMELINE_MAX_NS (100ull * 365 * 24 * 3600 * 1000000000ull)
GQuark vmemu_scenario_error_quark (void);

typedef enum {
  VMEMU_SCENARIO_ERROR_IO,        /* cannot read the file */
  VMEMU_SCENARIO_ERROR_PARSE,     /* not YAML, tabs, bad UTF-8, too deep, aliases */
  VMEMU_SCENARIO_ERROR_INVALID,   /* YAML fine, contents wrong */
} VmemuScenarioError;

/* Every operation a task can run.  Keep in sync with vmemu_op_kind_name(). */
typedef enum {
  VMEMU_OP_READ,
  VMEMU_OP_WRITE,
  VMEMU_OP_MMAP,
  VMEMU_OP_MREAD,
  VMEMU_OP_MWRITE,
  VMEMU_OP_MSYNC,
  VMEMU_OP_MUNMAP,
  VMEMU_OP_FSYNC,
  VMEMU_OP_FDATASYNC,
  VMEMU_OP_SYNC,
  VMEMU_OP_SYNC_FILE_RANGE,
  VMEMU_OP_TRUNCATE,
  VMEMU_OP_FALLOCATE,
  VMEMU_OP_PUNCH_HOLE,
  VMEMU_OP_ZERO_RANGE,
  VMEMU_OP_COLLAPSE_RANGE,
  VMEMU_OP_INSERT_RANGE,
  VMEMU_OP_COPY_RANGE,
  VMEMU_OP_FADVISE,
  VMEMU_OP_DROP_CACHES,
  VMEMU_OP_SPLICE,
  VMEMU_OP_CLOSE_PIPE,
  VMEMU_OP_ALLOCATE,
  VMEMU_OP_FREE,
  VMEMU_OP_MIGRATE,
  VMEMU_OP_SLEEP,
  VMEMU_OP_INJECT,
  VMEMU_OP_POWER_CUT,
  VMEMU_OP_VERIFY,
  VMEMU_OP_SPLIT_FOLIO,   /* vmemu extension: split the large folio at offset */
  VMEMU_OP__COUNT
} VmemuOpKind;

/* Where the bytes of a write or mwrite come from. */
typedef enum {
  VMEMU_DATA_GENERATED,   /* seeded pattern: vmemu_data_byte() */
  VMEMU_DATA_VALUE,       /* one fixed byte (op->value) */
  VMEMU_DATA_FSX,         /* fsx's pattern for op number op->fsx_opnum */
} VmemuDataKind;

typedef enum { VMEMU_ADVICE_DONTNEED, VMEMU_ADVICE_WILLNEED } VmemuAdvice;
typedef enum { VMEMU_INJECT_ON_READ, VMEMU_INJECT_ON_WRITE, VMEMU_INJECT_ON_READAHEAD } VmemuInjectOn;

/* One operation.  Unused fields are zero (or -1 for indexes). */
typedef struct {
  VmemuOpKind kind;
  guint32 line;             /* 1-based position of the op in the YAML (0 if generated) */
  guint32 column;
  gboolean has_at;          /* `at` given: absolute start time */
  guint64 at_ns;
  guint64 after_ns;         /* `after` (default 0): delay after the previous op ends */
  gint file;                /* index into VmemuScenario.files, -1 when the op takes none */
  gint map;                 /* mapping symbol index (VmemuScenario.symbols), -1 none */
  gint pipe;                /* pipe symbol index, -1 none */
  gint region;              /* anonymous-region symbol index (allocate/free `as`), -1 none */
  guint64 offset_bytes;     /* file offset, or offset inside the mapping for mread/mwrite */
  guint64 length_bytes;
  gboolean has_range;       /* verify: offset/length were given */
  guint64 size_bytes;       /* truncate size, allocate size */
  guint64 src_bytes;        /* copy_range source offset */
  guint64 dst_bytes;        /* copy_range destination offset */
  guint64 hold_ns;          /* read: page references are kept this long per page */
  guint64 for_ns;           /* sleep */
  VmemuDataKind data;       /* write / mwrite */
  guint8 value;             /* with VMEMU_DATA_VALUE */
  guint32 fsx_opnum;        /* with VMEMU_DATA_FSX: fsx's op number n */
  gboolean direct;          /* O_DIRECT read/write */
  gboolean private_map;     /* mmap MAP_PRIVATE */
  gboolean keep_size;       /* fallocate, zero_range */
  gboolean sync;            /* msync: MS_SYNC (default TRUE) vs MS_ASYNC */
  VmemuAdvice advice;       /* fadvise */
  guint32 mode;             /* drop_caches mode: 1 (default), 2 or 3 */
  VmemuInjectOn inject_on;  /* inject: which I/O fails */
  guint32 count;            /* inject: how many I/Os fail (default 1) */
  gboolean inject_any_offset; /* inject: no file/offset given, any I/O of that kind */
  gint32 expect_error;      /* `expect: { error: E }`: the Linux errno it returns (0: success) */
} VmemuOp;

/* fsx-style random op stream (a `generate:` block in place of `ops:`). */
typedef struct {
  guint64 seed;
  guint32 count;
  gint file;                     /* index into files */
  guint64 file_length_bytes;
  guint64 max_op_size_bytes;
  guint64 align_bytes;           /* offsets rounded down to this (default 1) */
  guint32 w_read, w_write, w_mread, w_mwrite, w_truncate, w_fallocate, w_punch_hole,
          w_zero_range, w_collapse_range, w_insert_range, w_fsync, w_msync;
  /* background events, per mille per op (drawn from the same seed) */
  guint32 bg_pressure, bg_drop_caches, bg_reader_hold, bg_readahead_error, bg_split;
} VmemuGenerate;

typedef struct {
  char *name;               /* unique */
  guint32 cpu;
  guint32 line;             /* where the task is declared */
  GArray *ops;              /* of VmemuOp; expanded from `generate` when present */
  gboolean has_generate;
  VmemuGenerate generate;
} VmemuTask;

typedef enum { VMEMU_CONTENT_ZERO, VMEMU_CONTENT_RANDOM, VMEMU_CONTENT_BYTE } VmemuContentKind;
typedef enum {
  VMEMU_FILE_ON_DISK,   /* written and synced, not cached */
  VMEMU_FILE_CACHED,    /* also clean in the page cache */
  VMEMU_FILE_DIRTY,     /* in the page cache, dirty, with delalloc blocks */
  VMEMU_FILE_SPARSE,    /* size set, no blocks allocated (reads as zero) */
} VmemuFileState;

typedef struct {
  char *path;
  guint32 line;
  guint64 size_bytes;
  VmemuContentKind content;
  guint8 content_byte;
  VmemuFileState state;
} VmemuFile;

typedef enum { VMEMU_EXPECT_CLEAN, VMEMU_EXPECT_DATA_LOSS } VmemuExpectOutcome;

typedef struct {
  char *variant;            /* as written: "baseline", "patched", "baseline+switch" */
  VmemuExpectOutcome outcome;
} VmemuExpect;

typedef struct {
  guint64 page_size_bytes;          /* 4096 or 65536 */
  guint64 memory_bytes;             /* default 64 MiB */
  guint32 cpus;                     /* default 1 */
  guint64 seed;                     /* default 1 */
  gboolean large_folios;            /* vmemu extension: multi-page folios in the cache */
  guint32 folio_order;              /* with large_folios: pages per folio = 1 << order */
  /* vmemu extension: the machine's other filesystems (its root, where the
   * tasks' programs live) have cached pages.  drop_caches walks the
   * superblocks oldest first (iterate_supers), so it reaches them before the
   * scenario's filesystem, and the first invalidate_mapping_pages there
   * drains the writing CPU's pagevecs (__pagevec_release). */
  gboolean other_fs_cached;
  struct {
    guint64 dirty_expire_ns;        /* default 30 s */
    guint64 interval_ns;            /* default 5 s */
    guint32 background_ratio;       /* default 10 */
    guint32 ratio;                  /* default 20 */
  } writeback;
  struct {
    gboolean buffer_heads_over_limit; /* default FALSE */
    guint64 min_free_bytes;         /* 0 = derived from memory like min_free_kbytes */
    gboolean drain_on_exit;         /* lru_add_drain at task exit / munmap (default TRUE) */
  } reclaim;
  struct {
    guint64 read_latency_ns;        /* default 100 us */
    guint64 write_latency_ns;       /* default 200 us */
    guint64 jitter_ns;              /* default 0 */
    guint32 queue_depth;            /* default 32 */
    guint64 size_bytes;             /* default 1 GiB */
  } device;
} VmemuMachineConfig;

/* What the machine did during a run, counted from its events (the run
 * summary, the trace's meta "activity.NAME", and `expect_activity:`).
 * Keep in sync with vmemu_activity_name(). */
typedef enum {
  VMEMU_ACT_KSWAPD,                    /* kswapd wake-ups (mm_vmscan_kswapd_wake) */
  VMEMU_ACT_DIRECT_RECLAIM,            /* direct reclaim passes */
  VMEMU_ACT_PAGES_SCANNED,             /* shrink_inactive_list nr_scanned, summed */
  VMEMU_ACT_PAGES_RECLAIMED,           /* shrink_inactive_list nr_reclaimed, summed */
  VMEMU_ACT_RELEASEPAGE,               /* ->releasepage calls (iomap_releasepage) */
  VMEMU_ACT_RELEASEPAGE_FAILED_REMOVE, /* ... that released the iop, then the page stayed cached */
  VMEMU_ACT_WRITEBACK,                 /* pages put under writeback (set_page_writeback) */
  VMEMU_ACT_FAULTS,                    /* page faults on file mappings (filemap_fault) */
  VMEMU_ACT_MKWRITE,                   /* ->page_mkwrite calls */
  VMEMU_ACT_DROP_CACHES,               /* drop_caches passes */
  VMEMU_ACT_IO_ERRORS,                 /* bios completed with an error */
  VMEMU_ACT_OP_ERRORS,                 /* operations that returned an error */
  VMEMU_ACT_SIGBUS,                    /* SIGBUS delivered to a task */
  VMEMU_ACT_SIGSEGV,                   /* SIGSEGV delivered to a task */
  VMEMU_ACT__COUNT
} VmemuActivity;

/* "kswapd", "releasepage_failed_remove", ...: the expect_activity keys. */
const char *vmemu_activity_name (VmemuActivity a);

typedef enum { VMEMU_CMP_EQ, VMEMU_CMP_NE, VMEMU_CMP_GE, VMEMU_CMP_GT, VMEMU_CMP_LE,
               VMEMU_CMP_LT } VmemuCmp;

/* One `expect_activity:` entry: counter CMP value. */
typedef struct {
  VmemuActivity what;
  VmemuCmp cmp;
  guint64 value;
  guint32 line, column;     /* of the key in the YAML (0: built) */
} VmemuExpectActivity;

/* A loaded scenario.  Immutable once returned. */
typedef struct {
  char *path;                       /* as given to the loader */
  char *sha256;                     /* of the file's bytes */
  char *name;
  char *description;                /* may be NULL */
  char *variant;                    /* optional default variant spec, may be NULL */
  VmemuMachineConfig machine;
  guint64 block_size_bytes;         /* filesystem.block_size */
  GPtrArray *files;                 /* of VmemuFile* */
  GPtrArray *tasks;                 /* of VmemuTask* */
  GPtrArray *symbols;               /* of char*: map, pipe and region names ("as", "pipe") */
  GArray *expects;                  /* of VmemuExpect */
  GArray *expect_activity;          /* of VmemuExpectActivity, in file order */
  gboolean has_fsx;                 /* fsx data pattern configured (`fsx:` block) */
  guint32 fsx_seed;
  guint64 fsx_length_bytes;
  gboolean fsx_lite;
} VmemuScenario;

/* Load and validate.  On failure the message starts with "PATH:LINE:COLUMN: ". */
VmemuScenario *vmemu_scenario_load_file (const char *path, GError **error);

/* The file name `vmemu run --dump-files` gives a scenario path: the leading
 * '/' dropped, '/' turned into '_', and '_' and '%' escaped as %5F and %25 so
 * that no two paths share a name ("/a/b" -> "a_b", "/a_b" -> "a%5Fb"); a
 * leading '.' becomes %2E (no "..", no hidden file). */
char *vmemu_scenario_dump_name (const char *path);

/* Read a whole input file (scenario, fsx op file) of at most max_bytes into a
 * new NUL-terminated buffer.  Only regular files are read: FIFOs, devices and
 * sockets are refused without blocking.  Errors (G_FILE_ERROR) read
 * "PATH: cannot read: REASON" or "PATH: too large (more than N bytes)". */
gboolean vmemu_read_input_file (const char *path, gsize max_bytes, char **data_out,
                                gsize *len_out, GError **error);
/* Same, from memory; `name` stands for the path in messages. */
VmemuScenario *vmemu_scenario_load_data (const char *name, const char *data, gsize len,
                                         GError **error);
/* Whether vmemu_scenario_load_data would accept data (the same message when
 * not), without keeping the scenario or hashing the text. */
gboolean vmemu_scenario_check_data (const char *name, const char *data, gsize len,
                                    GError **error);
/* A scenario with defaults and no files or tasks, for programmatic construction
 * (fsx import, explorer, tests). */
VmemuScenario *vmemu_scenario_new (const char *name);
/* Deep copy (the explorer shrinks copies). */
VmemuScenario *vmemu_scenario_copy (const VmemuScenario *scn);
void vmemu_scenario_free (VmemuScenario *scn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuScenario, vmemu_scenario_free)

/* Symbol index for name, adding it when absent. */
gint vmemu_scenario_intern_symbol (VmemuScenario *scn, const char *name);
/* A VmemuOp with every index at -1 and defaults filled in. */
VmemuOp vmemu_op_init (VmemuOpKind kind);
const char *vmemu_op_kind_name (VmemuOpKind kind);
/* Expected outcome for a variant spec, or FALSE when the scenario states none. */
gboolean vmemu_scenario_expect (const VmemuScenario *scn, const char *variant,
                                VmemuExpectOutcome *outcome);

/* Checks counts (VMEMU_ACT__COUNT of them) against expect_activity.  Returns
 * the number of entries not met; each adds a line such as
 * "expect_activity kswapd: true (>= 1) not met: 0" to unmet (may be NULL). */
guint vmemu_scenario_check_activity (const VmemuScenario *scn, const guint64 *counts,
                                     GPtrArray *unmet);
/* "met", or "not met: kswapd: true (it was 0); ..." (g_free): what run and
 * report store in a trace's meta "expect_activity". */
char *vmemu_scenario_activity_verdict (const VmemuScenario *scn, const guint64 *counts);
/* "true", ">= 1", "0": the condition as it is written back. Returns a new string. */
char *vmemu_expect_activity_text (const VmemuExpectActivity *e);

/* Write the scenario back as YAML in the contract format, loadable by
 * vmemu_scenario_load_file() to an equal scenario.  `header` (may be NULL) is
 * written as leading "# " comment lines. */
void vmemu_scenario_write_yaml (const VmemuScenario *scn, const char *header, GString *out);

/* Equal in meaning: every field except path, sha256 and YAML positions
 * (line/column).  Ops are compared by the names their symbols stand for, not
 * by symbol index. */
gboolean vmemu_scenario_equal (const VmemuScenario *a, const VmemuScenario *b);

/* Builders for programmatic construction (fsx import, explorer, tests).  Each
 * appends to scn, which owns the result; the pointer stays valid until the
 * next add of the same kind. */
VmemuFile *vmemu_scenario_add_file (VmemuScenario *scn, const char *path, guint64 size_bytes);
VmemuTask *vmemu_scenario_add_task (VmemuScenario *scn, const char *name);
void vmemu_scenario_add_expect (VmemuScenario *scn, const char *variant,
                                VmemuExpectOutcome outcome);
/* Index of the file with that path in scn->files, or -1. */
gint vmemu_scenario_find_file (const VmemuScenario *scn, const char *path);
/* The free functions behind scn->files and scn->tasks (NULL-safe). */
void vmemu_file_free (VmemuFile *file);
void vmemu_task_free (VmemuTask *task);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuFile, vmemu_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuTask, vmemu_task_free)
/* The kind whose vmemu_op_kind_name() is name; FALSE if none. */
gboolean vmemu_op_kind_from_name (const char *name, VmemuOpKind *kind);

/* An op that ends with a signal (SIGBUS, SIGSEGV: the task is killed) has
 * the result -(VMEMU_RESULT_SIGNAL_BASE + signal number); `expect: { error:
 * SIGBUS }` names it like an errno. */
#define VMEMU_RESULT_SIGNAL_BASE 1000
#define VMEMU_SIGBUS 7    /* Linux x86/generic numbers */
#define VMEMU_SIGSEGV 11

/* Linux errno names, for op results: "EINVAL" for 22 or -22, "success" for
 * 0, NULL for a number without a name here. */
const char *vmemu_errno_name (int err);
/* 22 for "EINVAL"; 0 when the name is not one vmemu knows. */
int vmemu_errno_from_name (const char *name);
/* NULL-terminated list of the known names (for did-you-mean). */
const char *const *vmemu_errno_names (void);

/* Parse "4096", "16KiB", "64MiB" / "250us", "5ms", "30s".  FALSE on bad text. */
gboolean vmemu_parse_size (const char *text, guint64 *bytes);
/* The same, saying why text was refused (a static string such as "use KiB,
 * not KB (...)" or "unknown unit") through *why. */
gboolean vmemu_parse_size_why (const char *text, guint64 *bytes, const char **why);
gboolean vmemu_parse_duration (const char *text, guint64 *ns);

G_END_DECLS
