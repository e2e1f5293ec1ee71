/* diff.h — compare two runs of trace databases and explain, in kernel terms,
 * where they part: the first divergent event, the page it touched, what each
 * side did next, and the consequences (I/O issued, data lost, event counts). */
#pragma once

#include <glib.h>
#include "engine/trace/tracedb.h"

#define VMEMU_DIFF_ERROR (vmemu_diff_error_quark ())
GQuark vmemu_diff_error_quark (void);

typedef enum {
  VMEMU_DIFF_ERROR_INCOMPATIBLE,  /* traces of different schema versions */
  VMEMU_DIFF_ERROR_FORMAT,        /* unknown output format */
} VmemuDiffError;

typedef enum {
  VMEMU_DIFF_FORMAT_TEXT,
  VMEMU_DIFF_FORMAT_MARKDOWN,
  VMEMU_DIFF_FORMAT_JSON,
} VmemuDiffFormat;

/* What kind of first divergence was found. */
typedef enum {
  VMEMU_DIFF_SAME,         /* equal content fingerprints */
  VMEMU_DIFF_EVENT,        /* a different event at the same position */
  VMEMU_DIFF_TIME,         /* the same event at a different virtual time */
  VMEMU_DIFF_FIELDS,       /* same event and time; refcount, mapcount, cpu or detail differ */
  VMEMU_DIFF_LENGTH,       /* one event stream is a prefix of the other */
  VMEMU_DIFF_RECORDS,      /* identical events; verifications, tasks or inodes differ */
} VmemuDiffKind;

typedef struct _VmemuDiff VmemuDiff;

/* Parses "text", "markdown" or "json". */
gboolean vmemu_diff_parse_format (const char *name, VmemuDiffFormat *out,
                                  GError **error);

/* Compares run_a of a with run_b of b.  Both databases are borrowed and only
 * used during the call.  Returns a new result (vmemu_diff_free()), or NULL
 * with @error set (VMEMU_TRACEDB_ERROR from reading, VMEMU_DIFF_ERROR). */
VmemuDiff *vmemu_diff_compare (VmemuTracedb *a, gint64 run_a, VmemuTracedb *b,
                               gint64 run_b, GError **error);
void vmemu_diff_free (VmemuDiff *d);                             /* NULL-safe */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VmemuDiff, vmemu_diff_free)

/* TRUE when the two runs have the same content fingerprint. */
gboolean vmemu_diff_is_equal (const VmemuDiff *d);
VmemuDiffKind vmemu_diff_kind (const VmemuDiff *d);
/* seq of the first divergent event (0 when none). */
gint64 vmemu_diff_divergence_seq (const VmemuDiff *d);

/* The report in the given format, ending with a newline; g_free it.  The
 * JSON form is one object (see docs/trace-schema.md, "vmemu diff"). */
char *vmemu_diff_render (const VmemuDiff *d, VmemuDiffFormat format);
