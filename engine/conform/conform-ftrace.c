/* conform-ftrace.c — the guest's tracefs text as a run of a vmemu trace.
 *
 * Only tracepoints vmemu also emits under the same name are stored (filemap
 * add/delete, writeback_dirty_page, iomap release/invalidate/writepage,
 * vmscan, block), so `vmemu diff` compares like with like.  Times are the
 * guest's CLOCK_MONOTONIC (trace_clock=mono) less the tasks' t0, so both runs
 * count from the first scenario op.  Inodes are named from the scenario's
 * files (the guest writes each file's inode number); arguments come from the
 * tracepoint's own text by the vmemu argument name when it prints
 * "name=value", and from the 5.8 format of the few that print otherwise.
 */
#include "engine/conform/conform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  GHashTable *ino_file;     /* guest inode number -> file index + 1 */
  GHashTable *pid_task;     /* guest pid -> trace task id + 1 */
  gint32 next_task;
  gint64 t0;
  const VmemuScenario *scn;
  VmemuTrace *tr;
} Import;

/* "key=value" or "key value" (decimal, or hex with 0x) after `key`. */
static gboolean
field (const char *args, const char *key, gboolean spaced, gint64 *out)
{
  gsize klen = strlen (key);
  for (const char *p = strstr (args, key); p; p = strstr (p + 1, key))
    {
      if (p != args && p[-1] != ' ')
        continue;
      const char *v = p + klen;
      if (*v == '=' || (spaced && *v == ' '))
        {
          v++;
          char *end;
          gint64 x = (gint64) g_ascii_strtoll (v, &end, 0);
          if (end == v)
            return FALSE;
          *out = x;
          return TRUE;
        }
    }
  return FALSE;
}

static guint64
file_ino (const Import *im, gint64 guest_ino, gboolean *known)
{
  gpointer v = g_hash_table_lookup (im->ino_file, GINT_TO_POINTER ((gint) guest_ino));
  *known = v != NULL;
  /* the model's inode numbers: 131 + file index (machine.c) */
  return v ? 131 + (guint64) (GPOINTER_TO_INT (v) - 1) : 0;
}

static gint32
task_of (Import *im, const char *comm, gint pid)
{
  gpointer v = g_hash_table_lookup (im->pid_task, GINT_TO_POINTER (pid));
  if (v)
    return GPOINTER_TO_INT (v) - 1;
  gint32 id = im->next_task++;
  g_hash_table_insert (im->pid_task, GINT_TO_POINTER (pid), GINT_TO_POINTER (id + 1));
  g_autofree char *name = g_strdup_printf ("%s-%d", comm, pid);
  vmemu_trace_task (im->tr, id, name, 0, "kernel");
  return id;
}

/* Arguments of the tracepoints whose 5.8 text is not "name=value".  FALSE
 * for an event about an inode that is not one of the scenario's files (the
 * guest's own hostfs files: their host inode numbers change from run to run). */
static gboolean
special_args (const char *tp, const char *args, VmemuTraceEvent *ev, Import *im)
{
  gint64 x;
  gboolean known = TRUE;
  if (g_str_has_prefix (tp, "mm_filemap_"))
    {
      /* "dev %d:%d ino %lx page=%p pfn=%lu ofs=%lu" */
      const char *p = strstr (args, " ino ");
      known = FALSE;
      if (p)
        ev->ino = file_ino (im, (gint64) g_ascii_strtoull (p + 5, NULL, 16), &known);
      if (field (args, "ofs", FALSE, &x))
        ev->index = x / 4096;
    }
  else if (g_str_has_prefix (tp, "iomap_"))
    {
      /* "dev %d:%d ino 0x%llx size 0x%llx offset %lx length %x" (iomap_page_class;
       * offset is the page's file offset, in hex without 0x).  The arguments are
       * filled by position, a[0] offset and a[1] length, for every event of the
       * class at once (the event id is the tracepoint's, known only here at run
       * time); the event list names them so for each of them. */
      known = FALSE;
      if (field (args, "ino", TRUE, &x))
        ev->ino = file_ino (im, x, &known);
      const char *p;
      if ((p = strstr (args, " offset ")))
        {
          ev->a[0] = (gint64) g_ascii_strtoull (p + 8, NULL, 16);
          if (strcmp (tp, "iomap_releasepage") == 0 || strcmp (tp, "iomap_invalidatepage") == 0
              || strcmp (tp, "iomap_writepage") == 0)
            ev->index = ev->a[0] / 4096;
        }
      if ((p = strstr (args, " length ")))
        ev->a[1] = (gint64) g_ascii_strtoull (p + 8, NULL, 16);
    }
  else if (strcmp (tp, "writeback_dirty_page") == 0 || strstr (args, "ino=") != NULL)
    {
      known = FALSE;
      if (field (args, "ino", FALSE, &x))
        ev->ino = file_ino (im, x, &known);
      if (field (args, "index", FALSE, &x))
        ev->index = x;
    }
  else if (g_str_has_prefix (tp, "block_"))
    {
      /* bio: "%d,%d %s %llu + %u [%s]"; rq: "%d,%d %s (%s) %llu + %u [%d]" */
      g_auto (GStrv) w = g_strsplit (args, " ", 0);
      guint n = g_strv_length (w);
      for (guint i = 2; i + 2 < n; i++)
        if (strcmp (w[i + 1], "+") == 0)
          {
            ev->a[0] = g_ascii_strtoll (w[i], NULL, 10);
            ev->a[1] = g_ascii_strtoll (w[i + 2], NULL, 10);
            break;
          }
      ev->a[2] = n > 1 && strchr (w[1], 'W') ? 1 : 0;
    }
  return known;
}

/* One line of the `trace` file: "  COMM-PID  [CPU] FLAGS  SECS.USECS: NAME: ARGS". */
static gboolean
import_line (Import *im, const char *line, guint64 *n)
{
  if (line[0] == '#' || line[0] == 0)
    return TRUE;
  const char *br = strstr (line, " [");
  if (br == NULL)
    return FALSE;
  /* COMM-PID: the pid follows the last '-' before the CPU field */
  g_autofree char *who = g_strstrip (g_strndup (line, (gsize) (br - line)));
  char *dash = strrchr (who, '-');
  if (dash == NULL)
    return FALSE;
  *dash = 0;
  gint pid = atoi (dash + 1);
  const char *p = strchr (br + 2, ']');
  if (p == NULL)
    return FALSE;
  p++;
  while (*p == ' ')
    p++;
  while (*p && *p != ' ')   /* irq/preempt flags */
    p++;
  char *end;
  guint64 secs = g_ascii_strtoull (p, &end, 10);
  if (*end != '.')
    return FALSE;
  guint64 usecs = g_ascii_strtoull (end + 1, &end, 10);
  if (strncmp (end, ": ", 2) != 0)
    return FALSE;
  const char *name = end + 2;
  const char *colon = strchr (name, ':');
  if (colon == NULL)
    return FALSE;
  g_autofree char *tp = g_strndup (name, (gsize) (colon - name));
  const char *args = colon[1] ? colon + 2 : "";
  int id = vmemu_event_lookup (tp);
  if (id < 0)
    return TRUE;   /* a tracepoint vmemu does not emit */
  gint64 t = (gint64) (secs * 1000000000ull + usecs * 1000ull) - im->t0;
  VmemuTraceEvent ev = vmemu_trace_event_init ((VmemuEventId) id, t > 0 ? (guint64) t : 0);
  ev.task = task_of (im, who, pid);
  ev.cpu = 0;
  const VmemuEventInfo *info = vmemu_event_info ((VmemuEventId) id);
  for (int i = 0; i < 4; i++)
    {
      gint64 x;
      if (info->arg_names[i][0] && field (args, info->arg_names[i], FALSE, &x))
        ev.a[i] = x;
    }
  if (!special_args (tp, args, &ev, im))
    return TRUE;
  ev.detail = args;
  vmemu_trace_event (im->tr, &ev);
  (*n)++;
  return TRUE;
}

gboolean
vmemu_conform_trace_import (VmemuTrace *tr, const VmemuScenario *scn, const char *trace_text,
                            const char *op_log, guint64 *n_events, GError **error)
{
  Import im = { .ino_file = g_hash_table_new (g_direct_hash, g_direct_equal),
                .pid_task = g_hash_table_new (g_direct_hash, g_direct_equal),
                .scn = scn, .tr = tr };
  *n_events = 0;
  /* the guest's header lines: "task T pid P t0 NS" and "inode F INO" */
  g_auto (GStrv) log = g_strsplit (op_log ? op_log : "", "\n", 0);
  for (guint i = 0; log[i]; i++)
    {
      guint t, f;
      gint pid;
      gint64 t0, ino;
      if (sscanf (log[i], "task %u pid %d t0 %" G_GINT64_FORMAT, &t, &pid, &t0) == 3
          && t < scn->tasks->len)
        {
          im.t0 = t0;
          const VmemuTask *task = g_ptr_array_index (scn->tasks, t);
          g_hash_table_insert (im.pid_task, GINT_TO_POINTER (pid), GINT_TO_POINTER ((gint) t + 1));
          vmemu_trace_task (tr, (gint32) t, task->name, 0, "user");
        }
      else if (sscanf (log[i], "inode %u %" G_GINT64_FORMAT, &f, &ino) == 2 && f < scn->files->len)
        g_hash_table_insert (im.ino_file, GINT_TO_POINTER ((gint) ino), GINT_TO_POINTER ((gint) f + 1));
    }
  im.next_task = (gint32) scn->tasks->len;
  for (guint i = 0; i < scn->files->len; i++)
    vmemu_trace_inode (tr, 131 + i, ((const VmemuFile *) g_ptr_array_index (scn->files, i))->path);
  g_auto (GStrv) lines = g_strsplit (trace_text, "\n", 0);
  gboolean ok = TRUE;
  for (guint i = 0; lines[i] && ok; i++)
    if (!import_line (&im, lines[i], n_events))
      {
        g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_TRACE,
                     "guest trace line %u: not a tracefs event line: %.80s", i + 1, lines[i]);
        ok = FALSE;
      }
  g_hash_table_unref (im.ino_file);
  g_hash_table_unref (im.pid_task);
  return ok;
}
