/* export.h — a trace run converted for other tools: the Trace Event Format
 * (JSON) that Perfetto UI and chrome://tracing open. */
#pragma once

#include <glib.h>
#include "engine/trace/tracedb.h"

G_BEGIN_DECLS

#define VMEMU_EXPORT_ERROR (vmemu_export_error_quark ())
GQuark vmemu_export_error_quark (void);

typedef enum {
  VMEMU_EXPORT_ERROR_FORMAT,    /* unknown --format */
  VMEMU_EXPORT_ERROR_READ,      /* the trace could not be read */
} VmemuExportError;

typedef enum {
  VMEMU_EXPORT_FORMAT_CHROME_JSON,   /* Trace Event Format, JSON object form */
} VmemuExportFormat;

/* Parses "chrome-json" (also "json", "perfetto"). */
gboolean vmemu_export_parse_format (const char *name, VmemuExportFormat *out, GError **error);

/* Appends run of db to out as one JSON object: {"traceEvents": [...],
 * "displayTimeUnit": "ns", "otherData": {...}}.  One process; each task a
 * thread named by "M" events; syscalls as "X" slices on their task; page
 * writeback (set_page_writeback .. end_page_writeback) and bios (submit ..
 * completion) as "X" slices on "writeback" and "block I/O" tracks (more than
 * one when they overlap); page counts as "C" counters; instants for data loss
 * and every event that touches a page and changes its state or references.  ts/dur in microseconds of
 * virtual time.  Deterministic: the same run gives the same bytes. */
gboolean vmemu_export_chrome_json (VmemuTracedb *db, gint64 run, GString *out,
                                   GError **error);

/* The same bytes handed to write() in chunks of about 1 MiB as they are
 * produced: syscalls and page instants stream from SQL cursors, merged in
 * time order, so neither the output nor its bulk is ever held in memory.  write returns FALSE
 * to stop (it failed and keeps its own error); the export still returns TRUE
 * then: FALSE only for a trace that cannot be read. */
typedef gboolean (*VmemuExportWriteFunc) (const char *bytes, gsize len, gpointer data);
gboolean vmemu_export_chrome_json_write (VmemuTracedb *db, gint64 run,
                                         VmemuExportWriteFunc write, gpointer data,
                                         GError **error);

G_END_DECLS
