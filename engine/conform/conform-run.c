/* conform-run.c — one scenario in the model and on the real kernel, judged
 * by the same oracle: the model's run gives the bytes every write stores and
 * the bytes a correct kernel shows at the end; the kernel's files, read back
 * after sync and a remount, are compared with those bytes.
 */
#include "engine/conform/conform.h"

#include <glib/gstdio.h>

void
vmemu_conform_outcome_free (VmemuConformOutcome *o)
{
  if (o == NULL)
    return;
  g_free (o->kernel_label);
  g_free (o->line);
  if (o->details)
    g_ptr_array_unref (o->details);
  g_free (o->workdir);
  g_free (o->not_reproduced);
  g_free (o);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
judge (const VmemuScenario *scn, VmemuMachine *m, const VmemuConformResult *r,
       VmemuConformOutcome *out)
{
  out->details = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < scn->files->len && i < r->files->len; i++)
    {
      const VmemuFile *f = g_ptr_array_index (scn->files, i);
      guint64 elen;
      g_autofree guint8 *expected = vmemu_machine_file_expected_dup (m, i, &elen);
      gsize flen;
      const guint8 *found = g_bytes_get_data (g_ptr_array_index (r->files, i), &flen);
      VmemuConformCheck c;
      vmemu_conform_check_file (expected, elen, found, flen, &c);
      if (c.ok)
        continue;
      out->real_lost = TRUE;
      g_ptr_array_add (out->details,
                       g_strdup_printf ("%s: %" G_GUINT64_FORMAT " bytes differ from the oracle,"
                                        " first at offset %" G_GUINT64_FORMAT " (%"
                                        G_GUINT64_FORMAT " bytes); size %" G_GUINT64_FORMAT
                                        ", expected %" G_GUINT64_FORMAT,
                                        f->path, c.bad_total, c.bad_offset, c.bad_length,
                                        c.found_size, c.expected_size));
    }
}

VmemuConformOutcome *
vmemu_conform_run (const VmemuScenario *scn, const VmemuConformOptions *o, GError **error)
{
  VmemuMachineOptions mo = { .variant = o->variant, .trace = o->trace,
                             .interrupt = o->interrupt };
  g_autoptr (VmemuMachine) m = vmemu_machine_new (scn, &mo, error);
  if (m == NULL)
    return NULL;
  /* before the run: the files still hold their initial contents */
  g_autoptr (VmemuConformPlan) plan = vmemu_conform_translate (m, o->trace || o->common_dir,
                                                               error);
  if (plan == NULL)
    return NULL;
  if (!vmemu_machine_run (m, error))
    return NULL;
  g_autoptr (VmemuConformOutcome) out = g_new0 (VmemuConformOutcome, 1);
  const GPtrArray *losses = vmemu_machine_result (m)->losses;
  out->model_lost = losses->len > 0;
  for (guint i = 0; i < losses->len; i++)
    if (g_str_equal (((const VmemuLoss *) g_ptr_array_index (losses, i))->kind, "final"))
      out->model_final_lost = TRUE;
  out->kernel_label = vmemu_conform_kernel_label (o->kernel);

  out->workdir = g_dir_make_tmp ("vmemu-conform-XXXXXX", error);
  if (out->workdir == NULL)
    return NULL;
  VmemuConformBoot boot = { .kernel = o->kernel, .guest = o->guest, .workdir = out->workdir,
                            .block_size = scn->block_size_bytes, .timeout_s = o->timeout_s,
                            .interrupt = o->interrupt };
  g_autoptr (VmemuConformResult) r = vmemu_conform_boot (&boot, plan, error);
  if (r == NULL)
    {
      /* a failed guest's directory is kept for its console and error file */
      if (!o->keep_workdir && !g_error_matches (*error, VMEMU_CONFORM_ERROR,
                                                 VMEMU_CONFORM_ERROR_GUEST))
        remove_tree (out->workdir);
      return NULL;
    }
  out->wall_s = r->wall_s;
  out->end_ns = r->end_ns;
  judge (scn, m, r, out);
  g_autoptr (GError) order_error = NULL;
  if (!vmemu_conform_check_order (vmemu_machine_scenario (m), o->variant, r->op_log,
                                  &order_error))
    {
      if (!g_error_matches (order_error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED))
        {
          g_propagate_error (error, g_steal_pointer (&order_error));
          return NULL;
        }
      out->not_reproduced = g_strdup (order_error->message);
    }
  out->line = vmemu_conform_verdict_line (out->kernel_label, out->real_lost, o->variant->spec,
                                          out->model_lost);
  if (o->trace)
    {
      vmemu_trace_meta (o->trace, "result", out->model_lost ? "data-loss" : "clean");
      g_autofree char *name = g_strdup_printf ("linux-%s", out->kernel_label);
      vmemu_trace_begin_run (o->trace, name);
      vmemu_trace_meta (o->trace, "source", "linux-5.8.1");
      vmemu_trace_meta (o->trace, "kernel", name);
      vmemu_trace_meta (o->trace, "scenario", scn->name);
      if (scn->sha256)
        vmemu_trace_meta (o->trace, "scenario_sha256", scn->sha256);
      vmemu_trace_meta (o->trace, "result", out->real_lost ? "data-loss" : "clean");
      if (!vmemu_conform_trace_import (o->trace, scn, r->trace_text ? r->trace_text : "",
                                       r->op_log, &out->trace_events, error))
        return NULL;
    }
  if (o->common_dir
      && !vmemu_conform_write_common (scn, o->variant, r->trace_text ? r->trace_text : "",
                                      r->op_log, o->common_dir, o->force, error))
    return NULL;
  if (!o->keep_workdir)
    remove_tree (out->workdir);
  return g_steal_pointer (&out);
}
