/* fsx-private.h — op-building helpers shared by the importer and the
 * generator.  Nothing outside engine/fsx/ includes this. */
#pragma once

#include "engine/fsx/fsx.h"

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
} FsxMapAccess;

/* Appends the mmap, mread/mwrite, [msync], [EOF-tail mread], munmap ops. */
void fsx_emit_map_access (GArray *ops, const FsxMapAccess *a);

/* Appends one op with a file range. */
void fsx_emit_range (GArray *ops, VmemuOpKind kind, gint file, guint64 offset_bytes,
                     guint64 length_bytes);

/* Index of symbol `name` in scn->symbols, or -1. */
gint fsx_symbol_lookup (const VmemuScenario *scn, const char *name);
