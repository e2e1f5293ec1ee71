/* fsx.h — everything vmemu knows about xfstests' fsx (ltp/fsx.c):
 *
 *  - (glibc random() and fsx's data pattern are engine/content/fsx-pattern.h,
 *    below the model, included here);
 *  - a reader for fsx --record-ops files and an importer that turns one into
 *    a scenario whose single task "fsx" does what the recorded fsx did;
 *  - (the generator behind a scenario's `generate:` block, an fsx-style random
 *    stream, is engine/generate/generate.h, below the model, included here).
 *
 * The op file format and its semantics are described in docs/fsx.md.
 * Nothing here touches the host: no libc random(), no clock.
 */
#pragma once

#include <glib.h>

#include "engine/content/fsx-pattern.h"
#include "engine/scenario/scenario.h"
#include "engine/generate/generate.h"

/* The largest fsx op file read (256 MiB: an fsx -N 1000000 log is ~60 MiB). */
#define VMEMU_FSX_MAX_FILE_BYTES ((gsize) 256 << 20)

/* --pressure cycles=N: at most this many (3 ops each, like generate's 1M). */
#define VMEMU_FSX_PRESSURE_MAX_CYCLES 300000u

G_BEGIN_DECLS

#define VMEMU_FSX_ERROR (vmemu_fsx_error_quark ())
GQuark vmemu_fsx_error_quark (void);

typedef enum {
  VMEMU_FSX_ERROR_PARSE,        /* a line fsx itself would reject (it exits 100) */
  VMEMU_FSX_ERROR_INVALID,      /* well formed, but inconsistent with the file model */
  VMEMU_FSX_ERROR_UNSUPPORTED,  /* an executed op vmemu cannot express (exchange_range) */
  VMEMU_FSX_ERROR_OPTIONS,      /* bad import options or pressure spec */
} VmemuFsxError;

/* glibc random() and fsx's data pattern live below the model, in
 * engine/content/fsx-pattern.h (the model generates fsx bytes from them). */

/* ---- op files ----------------------------------------------------------- */

/* The op codes of fsx.c, by their names in op files. */
typedef enum {
  VMEMU_FSX_OP_READ,
  VMEMU_FSX_OP_WRITE,
  VMEMU_FSX_OP_MAPREAD,
  VMEMU_FSX_OP_MAPWRITE,
  VMEMU_FSX_OP_TRUNCATE,
  VMEMU_FSX_OP_FALLOCATE,
  VMEMU_FSX_OP_PUNCH_HOLE,
  VMEMU_FSX_OP_ZERO_RANGE,
  VMEMU_FSX_OP_COLLAPSE_RANGE,
  VMEMU_FSX_OP_INSERT_RANGE,
  VMEMU_FSX_OP_CLONE_RANGE,
  VMEMU_FSX_OP_DEDUPE_RANGE,
  VMEMU_FSX_OP_COPY_RANGE,
  VMEMU_FSX_OP_EXCHANGE_RANGE,
  VMEMU_FSX_OP_FSYNC,
  VMEMU_FSX_OP_READ_DONTCACHE,
  VMEMU_FSX_OP_WRITE_DONTCACHE,
  VMEMU_FSX_OP_WRITE_ATOMIC,
  VMEMU_FSX_OP__COUNT
} VmemuFsxOpKind;

/* Name as written in op files ("punch_hole"), or NULL when out of range. */
const char *vmemu_fsx_op_name (VmemuFsxOpKind op);

/* One entry (non-comment, non-blank line) of an op file, as fsx's read_op()
 * reads it. */
typedef struct {
  VmemuFsxOpKind op;
  guint32 line;          /* 1-based line in the op file */
  guint32 opnum;         /* 1-based entry number, skip lines included: fsx's testcalls */
  guint32 nr_args;       /* 3, or 4 for copy/clone/dedupe/exchange */
  guint64 args[4];       /* as written; args[nr_args - 1] is SIZE, the size before the op */
  gboolean skipped;      /* "skip" prefix: fsx did nothing, the args mean nothing */
  gboolean keep_size;    /* FALLOC_FL_KEEP_SIZE */
  gboolean close_open;   /* close, drop_caches 3, reopen after the op */
  gboolean unshare;      /* FALLOC_FL_UNSHARE_RANGE */
  gboolean marked;       /* "*": the op covers the bad offset of a failed run */
} VmemuFsxEntry;

/* Parse an op file's text.  Returns a new array of VmemuFsxEntry (free with
 * g_array_unref()), or NULL with a VMEMU_FSX_ERROR_PARSE error whose message is
 * "NAME:LINE: message" and quotes the offending token.  Only the grammar is
 * checked here; vmemu_fsx_import_data() checks the semantics. */
GArray *vmemu_fsx_parse_data (const char *name, const char *data, gsize len, GError **error);

/* ---- import ------------------------------------------------------------- */

/* Background memory pressure added by the importer (docs/fsx.md, "Pressure").
 * All zero means none. */
typedef struct {
  guint32 drop_caches_every;   /* drop_caches (mode drop_caches_mode) after every Nth entry */
  guint32 drop_caches_mode;    /* 1, 2 or 3 (default 1) */
  guint64 anon_bytes;          /* task "pressure": allocate this much anonymous memory ... */
  guint64 anon_hold_ns;        /* ... hold it this long ... */
  guint64 anon_gap_ns;         /* ... free it and wait this long before the next cycle */
  guint32 anon_cycles;         /* cycles; 0 = one per op file entry */
} VmemuFsxPressure;

/* Parse a pressure spec: comma-separated KEY=VALUE with keys drop-every,
 * drop-mode, anon (size), hold, gap (durations) and cycles, e.g.
 * "anon=48MiB,hold=2ms,gap=1ms" or "drop-every=25".  Fills *out (after
 * vmemu_fsx_pressure_init) and returns TRUE, or FALSE with
 * VMEMU_FSX_ERROR_OPTIONS. */
void vmemu_fsx_pressure_init (VmemuFsxPressure *pr);
gboolean vmemu_fsx_pressure_parse (const char *spec, VmemuFsxPressure *out, GError **error);

/* How to turn an op file into a scenario.  Start from
 * vmemu_fsx_import_options_init(); strings are borrowed. */
typedef struct {
  guint32 fsx_seed;            /* -S of the recorded run (default 1, fsx's default) */
  guint64 fsx_length_bytes;    /* -l (default 262144) */
  gboolean lite;               /* -L: the file starts as fsx_length zero bytes on disk */
  guint64 page_size_bytes;     /* machine page size (default 4096) */
  guint64 block_size_bytes;    /* filesystem block size (default 1024: sub-page blocks) */
  guint64 memory_bytes;        /* machine memory; 0 keeps the scenario default */
  const char *file_path;       /* the file fsx works on (default "/fsx") */
  const char *name;            /* scenario name; NULL derives it from the op file name */
  gboolean check_size;         /* SIZE column must match the model size (default TRUE) */
  gboolean close_open_on_skip; /* drop caches after skipped close_open ops too, as the
                                  original run did (default TRUE; fsx replay: FALSE) */
  gboolean eof_page_check;     /* mapread/mapwrite also read the EOF page's tail past EOF,
                                  as fsx's check_eofpage() does (default FALSE) */
  gboolean flush_after_write;  /* fsx -f: mmap, msync(MS_ASYNC), munmap after each write */
  gboolean fsync_after_write;  /* fsx -y: fsync after each write */
  VmemuFsxPressure pressure;
} VmemuFsxImportOptions;

void vmemu_fsx_import_options_init (VmemuFsxImportOptions *opts);

/* Option values as typed on a command line, shared by `vmemu import-fsx` and
 * `vmemu run --fsx`.  NULL leaves the field alone. */
typedef struct {
  const char *fsx_seed;        /* decimal or 0x hex, 1 .. 2^31-1 */
  const char *fsx_length;      /* a size: "262144", "256KiB" */
  const char *page_size;       /* a size */
  const char *block_size;      /* a size */
  const char *memory;          /* a size */
  const char *pressure;        /* a vmemu_fsx_pressure_parse() spec */
} VmemuFsxOptionText;

/* Parse the strings in text into opts.  FALSE with VMEMU_FSX_ERROR_OPTIONS
 * ("--fsx-length: bad size 'x'") on bad text; the combination is checked by
 * the import itself. */
gboolean vmemu_fsx_import_options_apply_text (VmemuFsxImportOptions *opts,
                                              const VmemuFsxOptionText *text, GError **error);

/* Statistics of the last import, for messages (may be NULL). */
typedef struct {
  guint32 entries;        /* op file entries (= the last opnum) */
  guint32 skipped;
  guint32 ops_emitted;    /* VmemuOps in task "fsx" */
  guint64 final_size_bytes;
} VmemuFsxImportStats;

/* Read an op file and build a scenario: machine and filesystem from opts, one
 * file (opts->file_path), task "fsx" and, with anon pressure, task "pressure".
 * has_fsx is set with the seed, length and lite flag.  Returns a new scenario
 * (free with vmemu_scenario_free()) or NULL with an error: G_FILE_ERROR when
 * the file can't be read, VMEMU_FSX_ERROR otherwise, the message starting with
 * "PATH:LINE: " for errors on a line.  opts may be NULL for the defaults. */
VmemuScenario *vmemu_fsx_import_file (const char *path, const VmemuFsxImportOptions *opts,
                                      GError **error);
/* Same from memory; `name` stands for the path in messages. */
VmemuScenario *vmemu_fsx_import_data (const char *name, const char *data, gsize len,
                                      const VmemuFsxImportOptions *opts,
                                      VmemuFsxImportStats *stats, GError **error);

G_END_DECLS
