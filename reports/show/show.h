/* show.h — one page's history as text (`vmemu show TRACE.db --page N`):
 * every event that touched it, who ran it, the flags it changed, the
 * iomap_page bitmap, and who held references after each change, without SQL. */
#pragma once

#include <glib.h>
#include "engine/trace/tracedb.h"

G_BEGIN_DECLS

#define VMEMU_SHOW_ERROR (vmemu_show_error_quark ())
GQuark vmemu_show_error_quark (void);
typedef enum {
  VMEMU_SHOW_ERROR_FILE,      /* --file names no file of the run, or one is needed */
  VMEMU_SHOW_ERROR_READ,      /* the trace could not be read */
} VmemuShowError;

typedef struct {
  gint64 run;                 /* run id */
  const char *path;           /* file path, NULL: the run's only file */
  gint64 index;               /* page index */
  gboolean colour;            /* ANSI colours (the caller decides: tty, NO_COLOR) */
  gboolean refs;              /* list page_ref_get / page_ref_put events too */
} VmemuShowOptions;

/* Appends the page's history to out.  FALSE with @error on a bad file name
 * or a read error. */
gboolean vmemu_show_page (VmemuTracedb *db, const VmemuShowOptions *opt, GString *out,
                          GError **error);

G_END_DECLS
