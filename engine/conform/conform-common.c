/* conform-common.c — the model's and the kernel's event streams cut down to
 * what both have, as two trace files `vmemu diff` can compare (run 1 of each).
 *
 * Kept: events whose tracepoint name both runs emitted, with their order,
 * task (the scenario task's index; kernel threads and the model's kernel
 * actors as -1), and for the tracepoints that name a page its inode and
 * index.  Dropped: what only one side knows
 * (page flags, reference counts, block ranges, arguments, detail text) and
 * the times: the kernel's syscalls cost it ~1 us of virtual time each and
 * the model's device has latency, so times differ from the first event on;
 * the order of the shared events is what the comparison is about.
 */
#include "engine/conform/conform.h"

#include <errno.h>
#include <sqlite3.h>

#include "engine/run/run.h"
#include "engine/trace/tracedb.h"

static GHashTable *
names_of (VmemuTracedb *db, GError **error)
{
  g_autoptr (GArray) counts = vmemu_tracedb_count_by_name (db, 1, error);
  if (counts == NULL)
    return NULL;
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < counts->len; i++)
    g_hash_table_add (set, g_strdup (g_array_index (counts, VmemuTracedbCount, i).name));
  return set;
}

/* The tracepoints whose 5.8 text names the page (ofs=, index=, offset):
 * the others carry no page index on the kernel's side. */
static gboolean
page_event (const char *name)
{
  static const char *const names[] = {
    "mm_filemap_add_to_page_cache", "mm_filemap_delete_from_page_cache", "writeback_dirty_page",
    "iomap_releasepage", "iomap_invalidatepage", "iomap_writepage",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      return TRUE;
  return FALSE;
}

/* Run 1 of db into a new trace at path, only the events named in both sets.
 * task_base: the trace task id of the scenario's task 0. */
static gboolean
write_common (VmemuTracedb *db, GHashTable *mine, GHashTable *theirs, gint32 task_base,
              const VmemuScenario *scn, const char *source, const char *path, gboolean force,
              GError **error)
{
  VmemuTrace *tr = vmemu_trace_open (path, force, error);
  if (tr == NULL)
    return FALSE;
  vmemu_trace_meta (tr, "source", source);
  vmemu_trace_meta (tr, "scenario", scn->name);
  vmemu_trace_meta (tr, "view", "events both vmemu and the kernel emit; order only");
  for (guint i = 0; i < scn->tasks->len; i++)
    vmemu_trace_task (tr, (gint32) i,
                      ((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->name, 0, "user");
  for (guint i = 0; i < scn->files->len; i++)
    vmemu_trace_inode (tr, 131 + i, ((const VmemuFile *) g_ptr_array_index (scn->files, i))->path);
  g_autoptr (VmemuTracedbIter) it = vmemu_tracedb_events (db, 1, 1, error);
  if (it == NULL)
    {
      vmemu_trace_abort (tr);
      return FALSE;
    }
  VmemuTracedbEvent ev;
  while (vmemu_tracedb_iter_next (it, &ev, error))
    {
      if (ev.id < 0 || !g_hash_table_contains (mine, ev.name)
          || !g_hash_table_contains (theirs, ev.name))
        continue;
      VmemuTraceEvent out = vmemu_trace_event_init ((VmemuEventId) ev.id, 0);
      gint32 t = ev.task - task_base;
      out.task = ev.task >= task_base && t < (gint32) scn->tasks->len ? t : -1;
      if (page_event (ev.name))
        {
          out.ino = ev.ino;
          out.index = ev.idx;
        }
      vmemu_trace_event (tr, &out);
    }
  if (*error)
    {
      vmemu_trace_abort (tr);
      return FALSE;
    }
  return vmemu_trace_close (tr, error);
}

static VmemuTracedb *
to_db (VmemuTrace *tr, const char *label, GError **error)
{
  sqlite3 *raw = vmemu_trace_close_to_db (tr, error);
  return raw ? vmemu_tracedb_new_for_db (raw, label, error) : NULL;
}

gboolean
vmemu_conform_write_common (const VmemuScenario *scn, const VmemuVariant *variant,
                            const char *trace_text, const char *op_log, const char *dir,
                            gboolean force, GError **error)
{
  /* the model again, into memory (its run is deterministic) */
  VmemuRunOptions ro = { .scenario = scn, .variant = variant,
                         .trace_path = VMEMU_RUN_TRACE_MEMORY };
  g_autoptr (VmemuRun) run = vmemu_run_one (&ro);
  if (!vmemu_run_check (run, error))
    return FALSE;
  VmemuMachine *m = vmemu_run_machine (run);
  g_autoptr (VmemuTracedb) mdb = vmemu_tracedb_new_for_db (vmemu_run_steal_db (run), "vmemu",
                                                           error);
  if (mdb == NULL)
    return FALSE;
  VmemuTrace *kt = vmemu_trace_open (":memory:", FALSE, error);
  guint64 n;
  if (kt == NULL)
    return FALSE;
  if (!vmemu_conform_trace_import (kt, vmemu_machine_scenario (m), trace_text, op_log, &n,
                                   error))
    {
      vmemu_trace_abort (kt);
      return FALSE;
    }
  g_autoptr (VmemuTracedb) kdb = to_db (kt, "linux", error);
  if (kdb == NULL)
    return FALSE;
  g_autoptr (GHashTable) mnames = names_of (mdb, error);
  g_autoptr (GHashTable) knames = mnames ? names_of (kdb, error) : NULL;
  if (knames == NULL)
    return FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP, "%s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  g_autofree char *mpath = g_build_filename (dir, "vmemu.db", NULL);
  g_autofree char *kpath = g_build_filename (dir, "linux.db", NULL);
  /* user tasks are 3.. in the model (after kswapd, flusher, final), 0.. in the import */
  return write_common (mdb, mnames, knames, 3, vmemu_machine_scenario (m), "vmemu", mpath, force,
                       error)
         && write_common (kdb, knames, mnames, 0, vmemu_machine_scenario (m), "linux-5.8.1",
                          kpath, force, error);
}
