/* test-conform.c — vmemu conform without a kernel: the scenario -> guest
 * script translation (times, holds, the model's exact bytes, refusals with
 * exit 3), the pressure mapping, the read-back verdict and the tracefs
 * import.  tests/e2e/conform.sh runs the real kernel when there is one. */
#include "engine/conform/conform.h"

#include <string.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"

static const char seed_yaml[] =
  "name: seed-drop-caches\n"
  "filesystem: { block_size: 1024 }\n"
  "files:\n"
  "  - { path: /data, size: 16KiB, content: random }\n"
  "tasks:\n"
  "  - name: reader\n"
  "    ops:\n"
  "      - read: { file: /data, offset: 0, length: 4096, hold: 5ms }\n"
  "  - name: admin\n"
  "    ops:\n"
  "      - drop_caches: { at: 1ms }\n"
  "  - name: writer\n"
  "    ops:\n"
  "      - mmap: { at: 10ms, file: /data, offset: 4096, length: 8192, as: m }\n"
  "      - mwrite: { map: m, offset: 100, length: 8 }\n"
  "      - fsync: { file: /data }\n"
  "      - munmap: { map: m }\n"
  "      - verify: { file: /data }\n";

typedef struct {
  VmemuScenario *scn;
  VmemuVariant *variant;
  VmemuMachine *m;
} Fixture;

static void
fixture_load (Fixture *f, const char *yaml)
{
  g_autoptr (GError) error = NULL;
  f->scn = vmemu_scenario_load_data ("test.yaml", yaml, strlen (yaml), &error);
  g_assert_no_error (error);
  f->variant = vmemu_variant_parse ("baseline", &error);
  g_assert_no_error (error);
  VmemuMachineOptions mo = { .variant = f->variant };
  f->m = vmemu_machine_new (f->scn, &mo, &error);
  g_assert_no_error (error);
}

static void
fixture_clear (Fixture *f)
{
  vmemu_machine_free (f->m);
  vmemu_variant_free (f->variant);
  vmemu_scenario_free (f->scn);
}

static char *
line_starting (const char *script, const char *prefix)
{
  for (const char *p = script; p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (g_str_has_prefix (p, prefix))
      return g_strndup (p, strcspn (p, "\n"));
  return NULL;
}

static void
test_translate_seed (void)
{
  Fixture f;
  fixture_load (&f, seed_yaml);
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuConformPlan) plan = vmemu_conform_translate (f.m, FALSE, &error);
  g_assert_no_error (error);
  const char *s = plan->script->str;
  g_assert_true (g_str_has_prefix (s, "vmemu-conform-guest 1\nblocksize 1024\ntrace 0\n"));
  g_assert_nonnull (strstr (s, "\nsysctl vm/dirty_expire_centisecs 3000\n"));
  g_assert_nonnull (strstr (s, "\nfile 0 /data on-disk size=16384 data=0\n"));
  g_assert_nonnull (strstr (s, "\ntask 0 reader\ntask 1 admin\ntask 2 writer\n"));
  /* the hold is per page, and scenario times stay scenario times */
  g_autofree char *rd = line_starting (s, "op 0 0 read");
  g_assert_nonnull (strstr (rd, " after=0 file=0 off=0 len=4096 "));
  g_assert_nonnull (strstr (rd, " hold=5000000 "));
  g_autofree char *dc = line_starting (s, "op 1 0 drop_caches");
  g_assert_nonnull (strstr (dc, " at=1000000 "));
  g_assert_nonnull (strstr (dc, " mode=1"));
  g_autofree char *mm = line_starting (s, "op 2 0 mmap");
  g_assert_nonnull (strstr (mm, " at=10000000 file=0 map=0 off=4096 len=8192 "));
  /* verify without a range reads to the end of the file (len 0) */
  g_autofree char *vf = line_starting (s, "op 2 4 verify");
  g_assert_nonnull (strstr (vf, " off=0 len=0 "));
  g_assert_true (g_str_has_suffix (s, "\nend\n"));

  /* the blob: the file's initial contents as the model has them, then the
   * mwrite's bytes, keyed by its file offset (mapping offset + 100) */
  guint64 len;
  g_autofree guint8 *initial = vmemu_machine_file_expected_dup (f.m, 0, &len);
  g_assert_cmpuint (len, ==, 16384);
  g_assert_cmpuint (plan->data->len, ==, 16384 + 8);
  g_assert_cmpmem (plan->data->data, 16384, initial, 16384);
  g_autofree char *mw = line_starting (s, "op 2 1 mwrite");
  g_assert_nonnull (strstr (mw, " data=16384"));
  guint8 want[8];
  vmemu_machine_op_data (f.m, 2, 1, 4096 + 100, want, 8);
  g_assert_cmpmem (plan->data->data + 16384, 8, want, 8);
  /* and those are the bytes the model stores: after the run the oracle has
   * them at 4196 */
  g_autoptr (GError) run_error = NULL;
  g_assert_true (vmemu_machine_run (f.m, &run_error));
  g_autofree guint8 *final = vmemu_machine_file_expected_dup (f.m, 0, &len);
  g_assert_cmpmem (final + 4196, 8, want, 8);
  fixture_clear (&f);
}

/* Ops and machines a real kernel cannot be made to have: exit 3, naming
 * the op's position and the reason. */
static void
test_translate_refusals (void)
{
  static const struct { const char *yaml; const char *why; } cases[] = {
    { "name: x\nfiles: [ { path: /f, size: 4096 } ]\ntasks:\n  - name: t\n    ops:\n"
      "      - migrate: { file: /f, offset: 0 }\n", "test.yaml:6:9: task t, migrate: " },
    { "name: x\nfiles: [ { path: /f, size: 4096 } ]\ntasks:\n  - name: t\n    ops:\n"
      "      - inject: { error: eio, on: write }\n", "inject: the RAM disk cannot fail" },
    { "name: x\nfiles: [ { path: /f, size: 4096 } ]\ntasks:\n  - name: t\n    ops:\n"
      "      - power_cut\n", "power_cut: " },
    { "name: x\nfiles: [ { path: /f, size: 4096 } ]\ntasks:\n  - name: t\n    ops:\n"
      "      - read: { file: /f, length: 4096, hold: 1ms, direct: true }\n",
      "a direct read holds no page-cache reference" },
    { "name: x\nmachine: { cpus: 2 }\n", "CONFIG_NR_CPUS=1" },
    { "name: x\nmachine: { large_folios: true }\n", "no large folios" },
    { "name: x\nmachine: { page_size: 65536 }\n", "4 KiB pages" },
    { "name: x\nmachine: { reclaim: { buffer_heads_over_limit: true } }\n",
      "buffer_heads_over_limit" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Fixture f;
      fixture_load (&f, cases[i].yaml);
      g_autoptr (GError) error = NULL;
      g_autoptr (VmemuConformPlan) plan = vmemu_conform_translate (f.m, FALSE, &error);
      g_assert_null (plan);
      g_assert_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED);
      if (strstr (error->message, cases[i].why) == NULL)
        g_error ("case %zu: '%s' does not say '%s'", i, error->message, cases[i].why);
      fixture_clear (&f);
    }
}

/* seed-reclaim's shape: 1024 pages (min 64, low 80), 16 cached, 938
 * allocated: 70 free, 375 per mille of the way from min to low. */
static void
test_pressure_level (void)
{
  g_assert_cmpint (vmemu_conform_pressure_level (70, 64, 80), ==, 375);
  g_assert_cmpint (vmemu_conform_pressure_level (80, 64, 80), ==, 1000);
  g_assert_cmpint (vmemu_conform_pressure_level (200, 64, 80), ==, 8500);
  /* below min the real guest would meet the OOM killer: held at min */
  g_assert_cmpint (vmemu_conform_pressure_level (10, 64, 80), ==, 0);

  static const char yaml[] =
    "name: p\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /data, size: 64KiB, content: random } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - allocate: { at: 1ms, size: 3752KiB, as: anon }\n"
    "      - free: { at: 2ms, as: anon }\n"
    "      - allocate: { at: 3ms, size: 3752KiB, as: anon }\n";
  Fixture f;
  fixture_load (&f, yaml);
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuConformPlan) plan = vmemu_conform_translate (f.m, FALSE, &error);
  g_assert_no_error (error);
  g_autofree char *a1 = line_starting (plan->script->str, "op 0 0 allocate");
  g_autofree char *a2 = line_starting (plan->script->str, "op 0 2 allocate");
  g_assert_true (g_str_has_suffix (a1, " level=375"));
  /* the free gave the pages back: the second allocation lands at the same place */
  g_assert_true (g_str_has_suffix (a2, " level=375"));
  fixture_clear (&f);
}

static void
test_check_file (void)
{
  const guint8 a[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  const guint8 b[] = { 1, 2, 0, 0, 5, 0, 7, 8 };
  VmemuConformCheck c;
  vmemu_conform_check_file (a, 8, a, 8, &c);
  g_assert_true (c.ok);
  g_assert_cmpuint (c.bad_total, ==, 0);
  vmemu_conform_check_file (a, 8, b, 8, &c);
  g_assert_false (c.ok);
  g_assert_cmpuint (c.bad_offset, ==, 2);
  g_assert_cmpuint (c.bad_length, ==, 2);
  g_assert_cmpuint (c.bad_total, ==, 3);
  /* a shorter file differs by its missing bytes */
  vmemu_conform_check_file (a, 8, a, 6, &c);
  g_assert_false (c.ok);
  g_assert_cmpuint (c.bad_offset, ==, 6);
  g_assert_cmpuint (c.bad_total, ==, 2);
  g_assert_cmpuint (c.found_size, ==, 6);
  vmemu_conform_check_file (a, 6, a, 8, &c);
  g_assert_false (c.ok);
  g_assert_cmpuint (c.expected_size, ==, 6);
}

static void
test_verdict_line (void)
{
  g_autofree char *l1 = vmemu_conform_verdict_line ("5.8.1", FALSE, "baseline", TRUE);
  g_assert_cmpstr (l1, ==, "real 5.8.1: clean | vmemu baseline: data loss  DISAGREE");
  g_autofree char *l2 = vmemu_conform_verdict_line ("5.8.1+4595a298d556", FALSE, "patched", FALSE);
  g_assert_cmpstr (l2, ==, "real 5.8.1+4595a298d556: clean | vmemu patched: clean  AGREE");
  g_autofree char *k1 = vmemu_conform_kernel_label ("../shared/kernels/linux-5.8.1-um");
  g_assert_cmpstr (k1, ==, "5.8.1");
  g_autofree char *k2 = vmemu_conform_kernel_label ("/k/linux-5.8.1+4595a298d556-um");
  g_assert_cmpstr (k2, ==, "5.8.1+4595a298d556");
  g_autofree char *k3 = vmemu_conform_kernel_label ("/k/vmlinux");
  g_assert_cmpstr (k3, ==, "vmlinux");
}

/* Lines as tracefs prints them on the 5.8.1 UML kernel. */
static const char trace_text[] =
  "# tracer: nop\n"
  "#\n"
  "   conform-guest-28    [000] ....     0.021024: mm_filemap_add_to_page_cache: dev 1:0 ino 43 page=(____ptrval____) pfn=15657 ofs=8192\n"
  "   conform-guest-28    [000] ....     0.021028: iomap_releasepage: dev 1:0 ino 0x43 size 0x4000 offset 2000 length 1000\n"
  "   conform-guest-30    [000] d...     0.021033: writeback_dirty_page: bdi 1:0: ino=67 index=2\n"
  "   conform-guest-30    [000] d...     0.021034: writeback_mark_inode_dirty: bdi (unknown): ino=10952851 state= flags=I_DIRTY_SYNC\n"
  "         kswapd0-16    [000] ....     0.021035: mm_vmscan_lru_shrink_inactive: nid=0 nr_scanned=32 nr_reclaimed=5 nr_dirty=0 nr_writeback=0 nr_congested=0 nr_immediate=0 nr_activate_anon=0 nr_activate_file=0 nr_ref_keep=0 nr_unmap_fail=0 priority=12 flags=RECLAIM_WB_FILE|RECLAIM_WB_ASYNC\n"
  "   conform-guest-30    [000] ....     0.021036: block_bio_queue: 1,0 W 20480 + 8 [conform-guest]\n"
  "   conform-guest-30    [000] ....     0.021037: some_tracepoint_vmemu_lacks: x=1\n";

static void
test_trace_import (void)
{
  Fixture f;
  fixture_load (&f, seed_yaml);
  g_autoptr (GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (":memory:", FALSE, &error);
  g_assert_no_error (error);
  /* t0 is 21.0 ms on the guest's CLOCK_MONOTONIC; /data is inode 67 (0x43) */
  const char *log = "task 0 pid 28 t0 21000000\ninode 0 67\ntask 2 pid 30 t0 21000000\n";
  guint64 n = 0;
  g_assert_true (vmemu_conform_trace_import (tr, f.scn, trace_text, log, &n, &error));
  g_assert_no_error (error);
  /* add, release, dirty, shrink, bio; not the guest's hostfs inode, not
   * the tracepoint vmemu does not have */
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpuint (vmemu_trace_n_events (tr), ==, 5);
  vmemu_trace_abort (tr);

  tr = vmemu_trace_open (":memory:", FALSE, &error);
  g_assert_false (vmemu_conform_trace_import (tr, f.scn, "garbage without fields\n", log, &n,
                                              &error));
  g_assert_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_TRACE);
  vmemu_trace_abort (tr);
  fixture_clear (&f);
}

/* The interleaving check against the model's own run of the seed scenario:
 * the reader's read spans the admin's drop_caches in the model. */
static void
test_check_order (void)
{
  Fixture f;
  fixture_load (&f, seed_yaml);
  const char *same =
    "task 0 pid 28 t0 21000000\n"
    "op 0 0 read start=700 end=5001900 result=4096\n"
    "op 1 0 drop_caches start=1000300 end=1000600 result=0\n"
    "op 2 0 mmap start=10000300 end=10000500 result=0\n"
    "op 2 1 mwrite start=10001000 end=10001300 result=8\n"
    "op 2 2 fsync start=10001800 end=10002300 result=0\n"
    "op 2 3 munmap start=10002800 end=10003100 result=0\n"
    "op 2 4 verify start=10003600 end=10004100 result=16384\n";
  g_autoptr (GError) error = NULL;
  g_assert_true (vmemu_conform_check_order (f.scn, f.variant, same, &error));
  g_assert_no_error (error);
  /* a read that was over before drop_caches ran: another interleaving */
  g_autofree char *early = g_strdup (same);
  memcpy (strstr (early, "end=5001900"), "end=0501900", 11);
  g_assert_false (vmemu_conform_check_order (f.scn, f.variant, early, &error));
  g_assert_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "task reader op 1 (read) overlapped task admin op 1 "
                                            "(drop_caches) in the model, but ended before it"));
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conform/translate-seed", test_translate_seed);
  g_test_add_func ("/conform/translate-refusals", test_translate_refusals);
  g_test_add_func ("/conform/pressure-level", test_pressure_level);
  g_test_add_func ("/conform/check-file", test_check_file);
  g_test_add_func ("/conform/verdict-line", test_verdict_line);
  g_test_add_func ("/conform/trace-import", test_trace_import);
  g_test_add_func ("/conform/check-order", test_check_order);
  return g_test_run ();
}
