/* generate.h — the `generate:` block of a scenario: an fsx-style random
 * stream of primitive ops drawn from the project PRNG (docs/scenario-format.md),
 * and the op-building helpers it shares with the fsx importer (engine/fsx):
 * ops emitted the way fsx issues its calls.
 *
 * Below the model: a machine pulls a generated task's ops one pick at a time
 * (engine/model/machine.c) without including anything of engine/fsx.
 */
#pragma once

#include <glib.h>

#include "engine/scenario/scenario.h"

G_BEGIN_DECLS

/* The map and region symbols the importer and generator use. */
#define VMEMU_FSX_MAP_SYMBOL "fsx_map"
#define VMEMU_FSX_REGION_SYMBOL "fsx_pressure"
#define VMEMU_FSX_READER_TASK "fsx_bg"

/* ---- generate: ---------------------------------------------------------- */

/* Nominal duration of one generated op: background events triggered after
 * foreground op i are timed around (i + 1) * this. */
#define VMEMU_GENERATE_OP_NS G_GUINT64_CONSTANT (100000)

/* Intern the symbols the generator refers to (VMEMU_FSX_MAP_SYMBOL,
 * VMEMU_FSX_REGION_SYMBOL).  Call once before vmemu_generate_ops(). */
void vmemu_generate_prepare (VmemuScenario *scn);

/* Expand a `generate:` block into primitive ops, appended to ops_out (an
 * array of VmemuOp).  Same g (seed included), scenario and sizes give the same
 * ops.  The stream follows fsx: g->count picks by weight, offsets and lengths
 * trimmed as fsx trims them, reads within EOF, the size kept in
 * [0, g->file_length], picks that fsx would skip produce nothing.  Writes use
 * VMEMU_DATA_GENERATED.  Background events (the bg_* per-mille knobs) go to
 * bg_ops_out with `at` times for a separate task, or, when bg_ops_out is NULL,
 * inline into ops_out after the op that drew them.  scn supplies the file,
 * block size, memory size and the symbols from vmemu_generate_prepare(). */
void vmemu_generate_ops (const VmemuGenerate *g, const VmemuScenario *scn,
                         guint64 initial_size, guint64 page_size,
                         GArray *ops_out, GArray *bg_ops_out);

/* The same, stopping early (FALSE, ops_out partly filled) once *interrupt is
 * non-zero; interrupt may be NULL. */
gboolean vmemu_generate_ops_until (const VmemuGenerate *g, const VmemuScenario *scn,
                                   guint64 initial_size, guint64 page_size, GArray *ops_out,
                                   GArray *bg_ops_out, const volatile gint *interrupt);

/* The same stream pulled one pick at a time, in bounded memory: what
 * `vmemu run` does (vmemu_generate_ops() is this generator drained).  g is
 * copied; scn is read only here. */
typedef struct _VmemuGenerator VmemuGenerator;
VmemuGenerator *vmemu_generator_new (const VmemuGenerate *g, const VmemuScenario *scn,
                                     guint64 initial_size, guint64 page_size);
void vmemu_generator_free (VmemuGenerator *gen);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuGenerator, vmemu_generator_free)

/* Appends the ops of the next pick (none when fsx would skip it) to ops_out
 * (background ops to bg_ops_out, or inline when NULL).  FALSE, nothing
 * appended, once all g->count picks are made. */
gboolean vmemu_generator_step (VmemuGenerator *gen, GArray *ops_out, GArray *bg_ops_out);

/* ---- op building (emit.c) ------------------------------------------------ */

/* A mapped access as fsx does it (domapread()/domapwrite()): mmap the pages
 * covering [offset, offset + length), load or store, optionally msync, then
 * munmap.  The store's data fields come from `data_op`. */
typedef struct {
  gint file;                /* scenario file index */
  gint map;                 /* map symbol index */
  guint64 page_size_bytes;
  guint64 offset_bytes;     /* file offset of the access */
  guint64 length_bytes;     /* > 0 */
  gboolean is_write;        /* mwrite (else mread) */
  gboolean no_access;       /* neither: only map, [msync,] unmap (fsx -f) */
  gboolean has_msync;       /* msync after the access */
  gboolean msync_sync;      /* MS_SYNC (else MS_ASYNC) */
  guint64 eof_check_size;   /* > 0: also load the EOF page's tail past this size */
  VmemuDataKind data;       /* for the store */
  guint32 fsx_opnum;        /* for the store with VMEMU_DATA_FSX */
} VmemuMapAccess;

/* Appends the mmap, mread/mwrite, [msync], [EOF-tail mread], munmap ops. */
void vmemu_emit_map_access (GArray *ops, const VmemuMapAccess *a);

/* Appends one op with a file range. */
void vmemu_emit_range (GArray *ops, VmemuOpKind kind, gint file, guint64 offset_bytes,
                     guint64 length_bytes);

/* Index of symbol `name` in scn->symbols, or -1. */
gint vmemu_scenario_symbol_lookup (const VmemuScenario *scn, const char *name);

G_END_DECLS
