/* diff-private.h — the diff result as data, shared by the comparison
 * (diff.c) and the three renderers (diff-render.c).  Only reports/diff/. */
#pragma once

#include "reports/diff/diff.h"

/* An event copied out of a trace, with owned strings. */
typedef struct {
  gboolean present;         /* FALSE: the stream had ended */
  gint64 seq;
  guint64 t_ns;
  char *name;               /* owned */
  gint32 task;
  gint32 cpu;
  guint64 ino;
  gint64 idx;
  gint64 blk_first;
  gint32 blk_count;
  guint32 flags_before;
  guint32 flags_after;
  gint32 refcount;
  gint32 mapcount;
  gint64 a[4];
  char *detail;             /* owned, may be NULL */
  char *args_text;          /* owned: "bits=0000 count=0 ..." for display */
  char *what;               /* owned: kernel-terms sentence, "created the ..." */
  char *task_name;          /* owned, NULL when the event has no task */
} DiffEvent;

/* Block I/O totals of one run, from the block_io table. */
typedef struct {
  guint64 bios;             /* block_bio_queue events */
  guint64 write_bios;
  guint64 write_bytes;
  guint64 read_bytes;
  guint64 blocks_skipped;   /* sum of iomap_writepage_map blocks_skipped */
} DiffIo;

/* A data-loss event (vmemu_data_loss). */
typedef struct {
  guint64 t_ns;
  char *path;               /* owned */
  guint64 offset_bytes;
  guint64 length_bytes;
} DiffLoss;

/* Everything known about one side. */
typedef struct {
  char *label;              /* "baseline", "patched", or the file name */
  char *path;               /* database path */
  gint64 run;
  char *sha;                /* content fingerprint (hex) */
  guint64 n_events;
  DiffIo io;
  guint n_verifications;
  GPtrArray *failed;        /* VmemuTracedbVerify* that were not ok */
  GArray *losses;           /* DiffLoss */
  DiffEvent ev;             /* this side's event at the divergence */
  GPtrArray *next;          /* DiffEvent*: what this side did next on the page */
} DiffSide;

/* One meta key whose values differ. */
typedef struct {
  char *key;
  char *a;                  /* NULL when absent on that side */
  char *b;
} DiffMeta;

/* Per event-name count difference. */
typedef struct {
  char *name;
  guint64 a;
  guint64 b;
} DiffCount;

struct _VmemuDiff {
  VmemuDiffKind kind;
  DiffSide side[2];
  GPtrArray *meta;          /* DiffMeta*, sorted by key */
  GPtrArray *notes;         /* char*: "seeds differ: ...", in a fixed order */
  gint64 seq;               /* first divergent seq (0 when none) */
  guint64 t_ns;             /* its virtual time (side A's when both exist) */
  char *page_path;          /* page of the divergence, or NULL */
  guint64 page_ino;
  gint64 page_idx;          /* -1 when the event touches no page */
  guint64 page_offset_bytes;
  char *headline;           /* "iomap_page_create on /data page 0 (offset 0)" */
  char *explanation;        /* "baseline created ...; patched created ..." */
  char *hint;               /* why this divergence matters, or NULL */
  DiffEvent common;         /* the last event both sides agree on */
  GArray *counts;           /* DiffCount with a != b, sorted by name */
  char *records_note;       /* VMEMU_DIFF_RECORDS: what differs */
};

void diff_event_clear (DiffEvent *ev);
/* "10.000300 ms"; g_free it. */
char *diff_format_time (guint64 t_ns);
