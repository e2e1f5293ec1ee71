/* test-bdev.c — the block device model's conditions (docs/model.md "Block
 * device" and "Power cut"): queue depth, latencies, seeded jitter reordering
 * completions, injected errors on reads, readahead and writes, and the power
 * cut (in-flight bios lost, fsync'd data intact, unsynced data free to be
 * old or new).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

#include "tests/unit/model-run.h"

#define EV(name) " from events_named where name = '" name "'"

static guint
losses (Run *r)
{
  return vmemu_machine_result (r->m)->losses->len;
}

/* Four 4 KiB files on device blocks 0-3 (sectors 0, 8, 16, 24), each read by
 * its own task at time 0: four one-block bios submitted together. */
static char *
four_readers (const char *device, guint64 seed)
{
  return g_strdup_printf (
    "name: t\nmachine: { seed: %" G_GUINT64_FORMAT ", device: { %s } }\n"
    "filesystem: { block_size: 4096 }\n"
    "files:\n"
    "  - { path: /a, size: 4096, content: 1 }\n  - { path: /b, size: 4096, content: 2 }\n"
    "  - { path: /c, size: 4096, content: 3 }\n  - { path: /d, size: 4096, content: 4 }\n"
    "tasks:\n"
    "  - name: ta\n    ops: [ { read: { file: /a, offset: 0, length: 4096 } } ]\n"
    "  - name: tb\n    ops: [ { read: { file: /b, offset: 0, length: 4096 } } ]\n"
    "  - name: tc\n    ops: [ { read: { file: /c, offset: 0, length: 4096 } } ]\n"
    "  - name: td\n    ops: [ { read: { file: /d, offset: 0, length: 4096 } } ]\n",
    seed, device);
}

/* "sector@t_complete_ns" of the bios submitted at 0, in completion order. */
static char *
completions (Run *r)
{
  return qs (r, "select group_concat(sector || '@' || t_complete_ns) from (select * from block_io"
                " where t_submit_ns = 0 order by seq_complete)");
}

/* queue_depth 1 serialises the four requests (FIFO, 100 us each); 32 lets
 * them complete together. */
static void
test_queue_depth (void)
{
  g_autofree char *y1 = four_readers ("queue_depth: 1", 1);
  g_autofree char *y32 = four_readers ("queue_depth: 32", 1);
  g_autoptr (Run) a = run_yaml (y1, "baseline");
  g_autoptr (Run) b = run_yaml (y32, "baseline");
  g_autofree char *ca = completions (a);
  g_autofree char *cb = completions (b);
  g_assert_cmpstr (ca, ==, "0@100000,8@200000,16@300000,24@400000");
  g_assert_cmpstr (cb, ==, "0@100000,8@100000,16@100000,24@100000");
  /* the readers' syscalls end with their bio */
  g_autofree char *ends = qs (a, "select group_concat(t_end_ns) from (select t_end_ns from syscalls"
                                 " where op = 'read' order by t_end_ns)");
  g_assert_cmpstr (ends, ==, "100000,200000,300000,400000");
  g_assert_cmpuint (losses (a), ==, 0);
}

/* read_latency and write_latency: a read completes 250 us after submission,
 * fsync's write 1 ms after. */
static void
test_latency (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { device: { read_latency: 250us, write_latency: 1ms } }\n"
    "filesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 4096, content: 5 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { at: 1ms, file: /f, offset: 0, length: 4096 }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 6 }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_autofree char *ios = qs (r, "select group_concat(write || ':' || t_submit_ns || ':'"
                                " || t_complete_ns) from (select * from block_io"
                                " where t_submit_ns < 2250000 order by seq_submit)");
  g_assert_cmpstr (ios, ==, "0:1000000:1250000,1:1250000:2250000");
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'fsync'"), ==, 2250000);
}

/* jitter: each request takes latency + a seeded uniform draw in [0, jitter],
 * so requests overtake one another.  The same seed gives the same order and
 * times; other seeds other orders. */
static void
test_jitter_reorders_deterministically (void)
{
  g_autofree char *y1 = four_readers ("jitter: 100us", 1);
  g_autofree char *y2 = four_readers ("jitter: 100us", 2);
  g_autofree char *y3 = four_readers ("jitter: 100us", 3);
  g_autoptr (Run) a = run_yaml (y1, "baseline");
  g_autoptr (Run) a2 = run_yaml (y1, "baseline");
  g_autoptr (Run) b = run_yaml (y2, "baseline");
  g_autoptr (Run) c = run_yaml (y3, "baseline");
  g_autofree char *ca = completions (a);
  g_autofree char *ca2 = completions (a2);
  g_autofree char *cb = completions (b);
  g_autofree char *cc = completions (c);
  g_assert_cmpstr (ca, ==, "16@112059,8@113052,24@176946,0@188745");
  g_assert_cmpstr (ca2, ==, ca);
  g_assert_cmpstr (cb, ==, "8@108796,0@120798,16@139685,24@141107");
  g_assert_cmpstr (cc, ==, "24@157685,16@172692,0@175380,8@178986");
  /* every completion within [latency, latency + jitter] */
  g_assert_cmpint (q (a, "select count(*) from block_io where t_submit_ns = 0 and"
                         " t_complete_ns between 100000 and 200000"), ==, 4);
  g_assert_cmpuint (losses (a) + losses (b) + losses (c), ==, 0);
}

/* ---- injected errors ---- */

/* readahead: the readahead bio (the whole 16 KiB file) fails; the read falls
 * back to ->readpage for its page, which is not a readahead bio and
 * succeeds.  read with count 2: the next two reads covering block 8 fail
 * with -EIO; the third succeeds (here: the final read-back). */
static void
test_inject_read_and_readahead (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 16KiB, content: 9 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - inject: { error: eio, on: readahead, file: /f, count: 1 }\n"
    "      - read: { file: /f, offset: 0, length: 4096 }\n"
    "      - inject: { at: 1ms, error: eio, on: read, file: /f, offset: 8192, count: 2 }\n"
    "      - read: { file: /f, offset: 8192, length: 4096 }\n"
    "      - read: { file: /f, offset: 8192, length: 4096 }\n",
    "baseline");
  g_autofree char *reads = qs (r, "select group_concat(t_start_ns || ':' || result) from (select *"
                                  " from syscalls where op = 'read' order by seq_enter)");
  g_assert_cmpstr (reads, ==, "0:4096,1000000:-5,1100000:-5");
  g_autofree char *ios = qs (r, "select group_concat(sector || '+' || nr_sectors || ':' || status)"
                                " from (select * from block_io order by seq_submit)");
  g_assert_cmpstr (ios, ==, "0+32:-5,0+8:0,16+8:-5,16+8:-5,0+32:0");
  g_assert_cmpint (q (r, "select count(*)" EV ("block_error_injected")), ==, 3);
  /* a failed read leaves PG_error and no PG_uptodate on each page it
   * covered: 4 pages of the readahead bio, then page 2 twice */
  g_autofree char *errs = qs (r, "select group_concat(idx) from (select idx"
                                 EV ("iomap_set_range_uptodate") " and detail ="
                                 " 'read error: PG_error' order by seq)");
  g_assert_cmpstr (errs, ==, "0,1,2,3,2,2");
  g_assert_cmpint (q (r, "select count(*)" EV ("iomap_set_range_uptodate")
                         " and detail = 'read error: PG_error' and (flags_after & 512) = 512"
                         " and (flags_after & 2) = 0"), ==, 6);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* write with count 2: two writebacks of the page fail (fsync -EIO each time,
 * the write redirtying the page in between), the third succeeds. */
static void
test_inject_write_count (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 4096, content: 9 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - inject: { error: eio, on: write, file: /f, count: 2 }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - fsync: { file: /f }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 2 }\n"
    "      - fsync: { file: /f }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 3 }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_autofree char *res = qs (r, "select group_concat(result) from (select result from syscalls"
                                " where op = 'fsync' order by seq_enter)");
  g_assert_cmpstr (res, ==, "-5,-5,0");
  g_autofree char *st = qs (r, "select group_concat(status) from (select status from block_io"
                               " where write = 1 order by seq_submit)");
  g_assert_cmpstr (st, ==, "-5,-5,0");
  g_assert_cmpint (q (r, "select count(*)" EV ("filemap_set_wb_err")), ==, 2);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* ---- power cut ---- */

/* Page 0 is written and fsync'd (durable); page 1 is written and its
 * writeback started (sync_file_range) and the power is cut while that bio is
 * in flight: it never reaches the media, the page cache goes, and page 1
 * reads back with its old contents — which is allowed (it was not synced) and
 * not a loss.  Page 0 reads back as fsync'd. */
static void
test_power_cut (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - fsync: { file: /f }\n"
    "      - write: { file: /f, offset: 4096, length: 4096, value: 2 }\n"
    "      - sync_file_range: { file: /f, offset: 4096, length: 4096 }\n"
    "      - power_cut: {}\n"
    "      - verify: { file: /f }\n",
    "baseline");
  /* the cut at 200 us, with the second bio submitted at 200 us in flight */
  g_assert_cmpint (q (r, "select t_ns" EV ("power_cut")), ==, 200000);
  g_assert_cmpint (q (r, "select a0" EV ("power_cut")), ==, 2);   /* cached pages lost */
  g_autofree char *ios = qs (r, "select group_concat(sector || ':' || t_submit_ns || ':'"
                                " || ifnull(t_complete_ns, 'lost')) from (select * from block_io"
                                " where write = 1 order by seq_submit)");
  g_assert_cmpstr (ios, ==, "0:0:200000,8:200000:lost");
  g_assert_cmpint (q (r, "select count(*)" EV ("block_rq_complete") " and a2 = 1"), ==, 1);
  /* both verifications pass and nothing counts as lost */
  g_assert_cmpint (q (r, "select count(*) from verifications where ok = 0"), ==, 0);
  g_assert_cmpint (q (r, "select count(*) from verifications where kind = 'verify' and ok = 1"
                         " and length = 8192"), ==, 1);
  g_assert_cmpuint (losses (r), ==, 0);
  /* what the device holds: page 0 new (fsync'd), page 1 old */
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vmemu-bdev-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (vmemu_machine_dump_files (r->m, dir, &error));
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "f", NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_cmpuint (len, ==, 8192);
  g_assert_cmpint (data[0], ==, 1);
  g_assert_cmpint (data[4095], ==, 1);
  g_assert_cmpint (data[4096], ==, 9);
  g_assert_cmpint (data[8191], ==, 9);
  g_unlink (path);
  g_rmdir (dir);
}

/* Both pages written and fsync'd, then 100 bytes rewritten without a sync
 * and the power cut: the fsync'd bytes are required and read back (the read
 * after the cut compares all 8192 bytes); the unsynced 100 bytes never
 * reached the device and read back old, which is not a loss. */
static void
test_power_cut_fsynced_is_required (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { file: /f, offset: 0, length: 8192, value: 1 }\n"
    "      - fsync: { file: /f }\n"
    "      - write: { file: /f, offset: 0, length: 100, value: 7 }\n"
    "      - power_cut: {}\n"
    "      - read: { file: /f, offset: 0, length: 8192 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select result from syscalls where op = 'read'"), ==, 8192);
  g_assert_cmpint (q (r, "select count(*) from verifications where ok = 0"), ==, 0);
  g_assert_cmpuint (losses (r), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/bdev/queue-depth", test_queue_depth);
  g_test_add_func ("/bdev/latency", test_latency);
  g_test_add_func ("/bdev/jitter", test_jitter_reorders_deterministically);
  g_test_add_func ("/bdev/inject/read-readahead", test_inject_read_and_readahead);
  g_test_add_func ("/bdev/inject/write-count", test_inject_write_count);
  g_test_add_func ("/bdev/power-cut/in-flight-lost", test_power_cut);
  g_test_add_func ("/bdev/power-cut/fsynced-required", test_power_cut_fsynced_is_required);
  return g_test_run ();
}
