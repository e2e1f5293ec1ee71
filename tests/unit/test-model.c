/* test-model.c — the kernel model's conditions, one at a time, through small
 * scenarios and the events they leave in an in-memory trace. */
#include <glib.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

#include "tests/unit/model-run.h"

static guint
losses (Run *r)
{
  return vmemu_machine_result (r->m)->losses->len;
}

#define EV(name) "select count(*) from events e join event_names n on n.id = e.name_id where n.name = '" name "'"

/* S1 in one task: the splice holder makes remove_mapping fail after the
 * release, and the holders are named. */
static const char *s1 = MODEL_RUN_S1_YAML;

static void
test_remove_mapping_fails_on_pipe_reference (void)
{
  g_autoptr (Run) r = run_yaml (s1, "baseline");
  g_autofree char *holders = qs (r, "select s.str from events e join event_names n on n.id = e.name_id"
                                    " join strings s on s.id = e.detail_id"
                                    " where n.name = 'remove_mapping_fail' order by seq limit 1");
  g_assert_cmpstr (holders, ==, "holders=cache,lookup,pipe");
  /* the iop was released before the failed removal */
  g_assert_cmpint (q (r, "select min(seq) from events e join event_names n on n.id = e.name_id"
                         " where n.name = 'iomap_page_release'"), <,
                   q (r, "select min(seq) from events e join event_names n on n.id = e.name_id"
                         " where n.name = 'remove_mapping_fail'"));
}

static void
test_mkwrite_creates_empty_bitmap_and_writeback_skips (void)
{
  g_autoptr (Run) r = run_yaml (s1, "baseline");
  /* iomap_page_create from the page_mkwrite actor (caller 2) on an uptodate page: bits 0 */
  g_assert_cmpint (q (r, EV ("iomap_page_create") " and e.a3 = 2 and e.a0 = 1 and e.a1 = 0"), ==, 1);
  /* the fsync after the store: writepage_map with count 0, 4 blocks skipped, no error */
  g_assert_cmpint (q (r, EV ("iomap_writepage_map") " and e.a1 = 0 and e.a3 = 4 and e.a2 = 0"), ==, 1);
  /* fsync returned 0 */
  g_assert_cmpint (q (r, "select count(*) from syscalls where result < 0"), ==, 0);
  g_assert_cmpuint (losses (r), >=, 1);
  const VmemuLoss *l = g_ptr_array_index (vmemu_machine_result (r->m)->losses, 0);
  g_assert_cmpuint (l->offset_bytes, ==, 0);
  g_assert_cmpuint (l->length_bytes, ==, 1);
  g_assert_cmpstr (l->expected_hex, ==, "42");
  g_assert_cmpstr (l->found_hex, ==, "41");
}

static void
test_patched_fills_and_writes (void)
{
  g_autoptr (Run) r = run_yaml (s1, "patched");
  g_assert_cmpint (q (r, EV ("iomap_page_create") " and e.a3 = 2 and e.a1 = 15"), ==, 1);
  g_assert_cmpint (q (r, EV ("iomap_writepage_map") " and e.a1 = 0"), ==, 0);
  g_assert_cmpuint (losses (r), ==, 0);
}

static void
test_mkwrite_fill_variants (void)
{
  g_autoptr (Run) a = run_yaml (s1, "mkwrite-fill");
  g_autoptr (Run) b = run_yaml (s1, "mkwrite-create-fill");
  g_autoptr (Run) c = run_yaml (s1, "baseline+mkwrite_no_iop");
  g_assert_cmpuint (losses (a), ==, 0);
  g_assert_cmpuint (losses (b), ==, 0);
  /* 5.14's mkwrite creates no iop: writepage_map then writes the whole page (N6) */
  g_assert_cmpuint (losses (c), ==, 0);
  g_assert_cmpint (q (c, EV ("iomap_page_create") " and e.a3 = 2"), ==, 0);
}

/* iomap_releasepage refuses dirty pages: drop_caches leaves a dirty page and
 * its iop alone. */
static void
test_releasepage_refuses_dirty (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 8192 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { file: /f, offset: 0, length: 100 }\n"
    "      - drop_caches: {}\n", "baseline");
  g_assert_cmpint (q (r, EV ("iomap_releasepage") " and e.a2 = 0 and e.t_ns = 0"), ==, 0);
  g_assert_cmpint (q (r, EV ("iomap_page_release") " and e.t_ns = 0"), ==, 0);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* A partial write to an uncached page of a written file reads the block it
 * only partly covers (write_begin) and sets only the touched blocks' bits. */
static void
test_write_begin_reads_partial_block (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 8192, content: random } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { file: /f, offset: 1500, length: 100 }\n"
    "      - fsync: { file: /f }\n", "baseline");
  /* one synchronous read of block 1 (1024 bytes: 2 sectors at sector 2) before
   * the write; the final check's read-back of the whole file comes after */
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 0 and seq_submit <"
                         " (select min(seq_submit) from block_io where write = 1)"), ==, 1);
  g_assert_cmpint (q (r, "select sector * 1000 + nr_sectors from block_io where write = 0"
                         " order by seq_submit limit 1"), ==, 2002);
  /* writeback writes exactly block 1 */
  g_assert_cmpint (q (r, EV ("iomap_writepage_map") " and e.a0 = 2 and e.a1 = 1"), ==, 1);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* 5.10's write_begin marks the blocks it read uptodate. */
static void
test_write_begin_uptodate_switch (void)
{
  const char *y =
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 8192, content: random } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { file: /f, offset: 1500, length: 100 }\n";
  g_autoptr (Run) a = run_yaml (y, "baseline");
  g_autoptr (Run) b = run_yaml (y, "baseline+write_begin_uptodate");
  g_assert_cmpint (q (a, EV ("iomap_set_range_uptodate") " and e.a0 = 1024 and e.a1 = 1024"), ==, 0);
  g_assert_cmpint (q (b, EV ("iomap_set_range_uptodate") " and e.a0 = 1024 and e.a1 = 1024"), ==, 1);
}

/* Readahead of a sparse file: holes are zeroed and marked uptodate without
 * any device read. */
static void
test_holes_read_as_zero_without_io (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 65536, state: sparse } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /f, offset: 0, length: 65536 }\n", "baseline");
  g_assert_cmpint (q (r, "select count(*) from block_io"), ==, 0);
  g_assert_cmpint (q (r, "select count(*) from verifications where ok = 0"), ==, 0);
  g_assert_cmpint (q (r, "select count(*) from verifications where kind = 'read' and length = 65536"), ==, 1);
}

/* The flusher writes an inode once it has been dirty for 30 s, on the 5 s
 * tick armed (wb_wakeup_delayed) when the inode was first dirtied: the write at
 * 1 s dirties the page at 1.0001 s (after reading the partial block), ticks
 * come at 6.0001 s, ..., and the one at 31.0001 s finds the inode expired. */
static void
test_kupdate_writes_after_expiry (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 8192 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { at: \"1s\", file: /f, offset: 0, length: 100 }\n"
    "      - sleep: { for: \"60s\" }\n", "baseline");
  g_assert_cmpint (q (r, "select min(t_submit_ns) from block_io where write = 1"), ==, G_GINT64_CONSTANT (31000100000));
}

/* Two runs of a scenario give identical trace contents. */
static void
test_same_run_same_fingerprint (void)
{
  g_autoptr (Run) a = run_yaml (s1, "baseline");
  g_autoptr (Run) b = run_yaml (s1, "baseline");
  g_autofree char *ha = qs (a, "select value from meta where key = 'content_sha256'");
  g_autofree char *hb = qs (b, "select value from meta where key = 'content_sha256'");
  g_assert_nonnull (ha);
  g_assert_cmpstr (ha, ==, hb);
}

/* 64 KiB pages with 4 KiB blocks (the ppc64 shape) lose the store the same way. */
static void
test_large_page_shape (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { page_size: 65536, memory: \"256MiB\" }\nfilesystem: { block_size: 4096 }\n"
    "files: [ { path: /f, size: 131072, content: random } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - splice: { file: /f, offset: 0, length: 65536, pipe: p }\n"
    "      - drop_caches: {}\n"
    "      - mmap: { file: /f, offset: 0, length: 65536, as: m }\n"
    "      - mwrite: { map: m, offset: 40000, length: 10 }\n"
    "      - msync: { map: m }\n", "baseline");
  g_assert_cmpint (q (r, EV ("iomap_writepage_map") " and e.a1 = 0 and e.a3 = 16"), ==, 1);
  g_assert_cmpuint (losses (r), >=, 1);
}

/* ---- "cannot judge": runs that reach a model simplification ---- */

static char *
depends (Run *r)
{
  return vmemu_run_depends_on_text (vmemu_machine_result (r->m));
}

/* The seed scenarios reach no simplification: their verdicts stand. */
static void
test_seeds_can_be_judged (void)
{
  const char *files[] = { "scenarios/seed-drop-caches.yaml", "scenarios/seed-reclaim.yaml" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    for (guint v = 0; v < 2; v++)
      {
        g_autofree char *yaml = NULL;   /* tests run from the project root */
        g_assert_true (g_file_get_contents (files[i], &yaml, NULL, NULL));
        g_autoptr (Run) r = run_yaml (yaml, v ? "patched" : "baseline");
        g_autofree char *d = depends (r);
        g_assert_null (d);
        gboolean lost = vmemu_machine_result (r->m)->losses->len > 0;
        g_assert_cmpint (lost, ==, v == 0);   /* baseline loses, patched does not */
      }
}

/* 5.8 end_page_writeback BUG()s on a page not under writeback; with
 * mkwrite_no_iop and no writepage_create_iop a page without iomap_page is
 * written in several bios and each completion ends its writeback.  The run
 * goes on past the assertion, and its verdict is the BUG (a failure found),
 * not a model simplification. */
static void
test_kernel_bug_verdict (void)
{
  g_autofree char *yaml = NULL;
  g_assert_true (g_file_get_contents ("scenarios/k58-wcp-batch-lock.yaml", &yaml, NULL,
                                      NULL));
  g_autoptr (Run) r = run_yaml (yaml, "baseline+mkwrite_no_iop");
  g_autofree char *bugs = vmemu_run_kernel_bugs_text (vmemu_machine_result (r->m));
  g_autofree char *d = depends (r);
  g_assert_cmpstr (bugs, ==, "end_page_writeback of a page not under writeback");
  g_assert_null (d);
  g_assert_cmpint (q (r, "select count(*) from events_named where name = 'vmemu_kernel_bug'"),
                   ==, 1);
  /* with both 5.14 halves (v5-14) the page gets an iop at writeback: no BUG */
  g_autoptr (Run) ok = run_yaml (yaml, "v5-14");
  g_assert_null (vmemu_run_kernel_bugs_text (vmemu_machine_result (ok->m)));
}

/* An allocation the model fails (5.8 would compact, retry, OOM-kill). */
static void
test_enomem_cannot_judge (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfiles: [ { path: /f, size: 4096 } ]\n"
    "tasks:\n  - name: a\n    ops:\n"
    "      - allocate: { size: 4MiB, as: x }\n"
    "      - allocate: { size: 4MiB, as: y }\n",
    "baseline");
  g_autofree char *d = depends (r);
  g_assert_cmpstr (d, ==, "no OOM killer or compaction: an allocation failed with ENOMEM");
}

/* Two tasks on two CPUs working on one file at the same instant are
 * flagged; on one CPU, or at different instants, they are not. */
static void
test_same_instant_two_cpus (void)
{
  const char *fmt =
    "name: t\nmachine: { cpus: 2 }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: random } ]\n"
    "tasks:\n  - name: a\n    cpu: 0\n    ops:\n"
    "      - write: { at: 1ms, file: /f, offset: 0, length: 100, value: 1 }\n"
    "  - name: b\n    cpu: %d\n    ops:\n"
    "      - read: { at: %s, file: /f, offset: 8192, length: 100 }\n";
  struct { int cpu; const char *at; gboolean flagged; } c[] = {
    { 1, "1ms", TRUE }, { 0, "1ms", FALSE }, { 1, "1001us", FALSE } };
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    {
      g_autofree char *yaml = g_strdup_printf (fmt, c[i].cpu, c[i].at);
      g_autoptr (Run) r = run_yaml (yaml, "baseline");
      g_autofree char *d = depends (r);
      if (c[i].flagged)
        g_assert_cmpstr (d, ==, "no parallelism within an instant: two CPUs work on one file at "
                                "the same time");
      else
        g_assert_null (d);
    }
}

/* do_splice_direct holds up to 16 source pages in its pipe; the model one.
 * drop_caches on the file while a 3-page copy is in flight (its first read
 * sleeps on I/O) is flagged; after the copy it is not. */
static void
test_copy_pipe_batch (void)
{
  const char *fmt =
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 64KiB, content: random } ]\n"
    "tasks:\n  - name: c\n    ops:\n"
    "      - copy_range: { file: /f, src: 0, dst: 32768, length: 12288 }\n"
    "  - name: d\n    ops:\n      - drop_caches: { at: %s }\n";
  g_autofree char *during = g_strdup_printf (fmt, "50us");
  g_autofree char *after = g_strdup_printf (fmt, "5ms");
  g_autoptr (Run) a = run_yaml (during, "baseline");
  g_autoptr (Run) b = run_yaml (after, "baseline");
  g_autofree char *da = depends (a);
  g_autofree char *db = depends (b);
  g_assert_cmpstr (da, ==, "do_splice_direct copies one page per round (5.8: a 16-page pipe)");
  g_assert_null (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/pagecache/remove-mapping-fails-on-pipe-reference",
                   test_remove_mapping_fails_on_pipe_reference);
  g_test_add_func ("/model/iomap/mkwrite-creates-empty-bitmap-and-writeback-skips",
                   test_mkwrite_creates_empty_bitmap_and_writeback_skips);
  g_test_add_func ("/model/iomap/patched-fills-and-writes", test_patched_fills_and_writes);
  g_test_add_func ("/model/iomap/mkwrite-fill-variants", test_mkwrite_fill_variants);
  g_test_add_func ("/model/iomap/releasepage-refuses-dirty", test_releasepage_refuses_dirty);
  g_test_add_func ("/model/iomap/write-begin-reads-partial-block", test_write_begin_reads_partial_block);
  g_test_add_func ("/model/iomap/write-begin-uptodate-switch", test_write_begin_uptodate_switch);
  g_test_add_func ("/model/iomap/holes-read-as-zero-without-io", test_holes_read_as_zero_without_io);
  g_test_add_func ("/model/writeback/kupdate-writes-after-expiry", test_kupdate_writes_after_expiry);
  g_test_add_func ("/model/determinism/same-run-same-fingerprint", test_same_run_same_fingerprint);
  g_test_add_func ("/model/iomap/64k-pages-4k-blocks", test_large_page_shape);
  g_test_add_func ("/model/cannot-judge/seeds-can-be-judged", test_seeds_can_be_judged);
  g_test_add_func ("/model/kernel-bug/verdict", test_kernel_bug_verdict);
  g_test_add_func ("/model/cannot-judge/enomem", test_enomem_cannot_judge);
  g_test_add_func ("/model/cannot-judge/same-instant-two-cpus", test_same_instant_two_cpus);
  g_test_add_func ("/model/cannot-judge/copy-pipe-batch", test_copy_pipe_batch);
  return g_test_run ();
}
