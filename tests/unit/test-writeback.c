/* test-writeback.c — the writeback model's conditions (docs/model.md
 * "Writeback", mm/page-writeback.c, fs/fs-writeback.c), one at a time: dirtied_when and kupdate
 * expiry, the background threshold and balance_dirty_pages, write_cache_pages
 * (index order, TOWRITE tagging, cyclic writeback_index), fsync, msync,
 * sync_file_range, write errors and errseq, page_mkclean.
 *
 * Device latencies are the defaults (read 100 us, write 200 us, no jitter),
 * so every time below is exact.
 */
#include <glib.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

#include "tests/unit/model-run.h"

#define EV(name) " from events_named where name = '" name "'"
#define TASK(r, name) q (r, "select id from tasks where name = '%s'", name)
#define PG_ERROR 512
enum { WB_REASON_BACKGROUND = 0, WB_REASON_VMSCAN = 1, WB_REASON_PERIODIC = 3 };   /* enum wb_reason */

/* ---- dirty inodes and kupdate ---- */

/* __mark_inode_dirty stamps dirtied_when at the first dirtying (1 s) and arms
 * the flusher 5 s later; redirtying (a second page at 20 s) does not move
 * it.  The ticks at 6, 11, ..., 26 s find nothing expired; the one at 31 s
 * writes the inode (both pages, one bio) with reason PERIODIC. */
static void
test_dirtied_when_and_expiry (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 0 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { at: 1s, file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - write: { at: 20s, file: /f, offset: 4096, length: 4096, value: 2 }\n"
    "      - sleep: { for: 30s }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_dirty_inode_enqueue")), ==, 1);
  g_assert_cmpint (q (r, "select a0" EV ("writeback_dirty_inode_enqueue")), ==,
                   G_GINT64_CONSTANT (1000000000));
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_dirty_page")), ==, 2);
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_start")), ==, 1);
  g_assert_cmpint (q (r, "select t_ns" EV ("writeback_start")), ==, G_GINT64_CONSTANT (31000000000));
  g_assert_cmpint (q (r, "select a2" EV ("writeback_start")), ==, WB_REASON_PERIODIC);
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 1 and t_submit_ns < 50000000000"),
                   ==, 1);
  g_assert_cmpint (q (r, "select nr_sectors from block_io where write = 1 order by seq_submit limit 1"),
                   ==, 16);
  g_assert_cmpint (q (r, "select task" EV ("block_bio_queue") " order by seq limit 1"), ==,
                   TASK (r, "kworker/u:flush"));
  g_assert_cmpint (q (r, "select a0" EV ("writeback_written")), ==, 2);
}

/* A dirty_expire of 10 s moves the write to the first tick at or after
 * dirtied_when + 10 s: 11 s. */
static void
test_expiry_follows_setting (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { writeback: { dirty_expire: 10s } }\nfilesystem: { block_size: 4096 }\n"
    "files: [ { path: /f, size: 0 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { at: 1s, file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - sleep: { for: 30s }\n",
    "baseline");
  g_assert_cmpint (q (r, "select min(t_submit_ns) from block_io where write = 1"), ==,
                   G_GINT64_CONSTANT (11000000000));
}

/* ---- thresholds and balance_dirty_pages ---- */

/* 4 MiB: writing 200 pages.  Every 32 dirtied pages the writer compares
 * nr_dirty + nr_writeback with the thresholds over free pages less the
 * reserve plus file LRU pages (10 % and 20 %).  At 96 pages (bg 92) the
 * flusher is kicked; at 160 (dirtyable: free less the reserve (high
 * watermark) plus the file LRU: bg 91, thresh 183, freerun 137) the writer
 * sleeps 200 ms * 23 / 46 = 100 ms, the flusher
 * writes the 160 pages meanwhile, and the write returns after the pause. */
static const char *bdp_yaml =
  "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 4096 }\n"
  "files: [ { path: /f, size: 0 } ]\n"
  "tasks:\n  - name: w\n    ops:\n"
  "      - write: { file: /f, offset: 0, length: 819200, value: 1 }\n";

static void
test_background_and_throttle (void)
{
  g_autoptr (Run) r = run_yaml (bdp_yaml, "baseline");
  gint64 w = TASK (r, "w");
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_wake_background")), ==, 1);
  g_assert_cmpint (q (r, "select task" EV ("writeback_wake_background")), ==, w);
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_dirty_page") " and seq < (select seq"
                         EV ("writeback_wake_background") ")"), ==, 96);
  /* one throttle, at 160 dirty pages */
  g_assert_cmpint (q (r, "select count(*)" EV ("balance_dirty_pages")), ==, 1);
}

static void
test_background_and_throttle_values (void)
{
  g_autoptr (Run) r = run_yaml (bdp_yaml, "baseline");
  gint64 fl = TASK (r, "kworker/u:flush");
  g_autofree char *bdp = qs (r, "select a0 || '/' || a1 || '/' || a2" EV ("balance_dirty_pages"));
  g_assert_cmpstr (bdp, ==, "160/183/100000000");
  g_autofree char *gds = qs (r, "select a0 || '/' || a1 || '/' || a2 || '/' || a3"
                                EV ("global_dirty_state"));
  g_assert_cmpstr (gds, ==, "160/0/91/183");
  /* the flusher's background work writes while the writer sleeps */
  g_assert_cmpint (q (r, "select a2" EV ("writeback_start")), ==, WB_REASON_BACKGROUND);
  g_assert_cmpint (q (r, "select task" EV ("block_bio_queue") " order by seq limit 1"), ==, fl);
  g_assert_cmpint (q (r, "select t_submit_ns from block_io order by seq_submit limit 1"), ==, 0);
  g_assert_cmpint (q (r, "select nr_sectors from block_io order by seq_submit limit 1"), ==,
                   1280);   /* 160 pages */
  /* the syscall lasts the pause */
  g_assert_cmpint (q (r, "select t_end_ns - t_start_ns from syscalls where op = 'write'"), ==,
                   100000000);
  g_assert_cmpint (q (r, "select result from syscalls where op = 'write'"), ==, 819200);
}

/* 5.8 global_dirtyable_memory subtracts totalreserve_pages (the high
 * watermark, 96 pages at 4 MiB) from the free pages: at the check after 96
 * pages dirtyable = 1024 - 96 + 90 - 96 + 1 = 923, bg = 409 * 923 / 4096 =
 * 92 < 96, so the flusher is kicked after 96 pages, not 128. */
static void
test_dirtyable_excludes_reserve (void)
{
  g_autoptr (Run) r = run_yaml (bdp_yaml, "baseline");
  gint64 n = q (r, "select count(*)" EV ("writeback_dirty_page") " and seq < (select seq"
                   EV ("writeback_wake_background") ")");
  g_assert_cmpint (n, ==, 96);
}

/* ---- write_cache_pages ---- */

/* Pages dirtied in the order 3, 1, 2, 0 are written in index order. */
static void
test_index_order (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 16KiB, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { file: /f, offset: 12288, length: 4096, value: 1 }\n"
    "      - write: { file: /f, offset: 4096, length: 4096, value: 2 }\n"
    "      - write: { file: /f, offset: 8192, length: 4096, value: 3 }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 4 }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_autofree char *order = qs (r, "select group_concat(idx) from (select idx"
                                  EV ("wbc_writepage") " and t_ns = 0 order by seq)");
  g_assert_cmpstr (order, ==, "0,1,2,3");
  /* WB_SYNC_ALL (a0 = 1), not for reclaim */
  g_assert_cmpint (q (r, "select count(*)" EV ("wbc_writepage") " and a0 = 1 and a1 = 0"), ==, 4);
}

/* WB_SYNC_ALL tags TOWRITE first (tag_pages_for_writeback): page 0 is under
 * writeback (sync_file_range) and dirty again, so fsync sleeps on it (200
 * us); page 3, dirtied by another task at 50 us, was not tagged and is not
 * written by this fsync (the final sync writes it). */
static void
test_towrite_tagging (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 16KiB, content: 9 } ]\n"
    "tasks:\n"
    "  - name: a\n    ops:\n"
    "      - write: { file: /f, offset: 0, length: 8192, value: 1 }\n"
    "      - sync_file_range: { file: /f, offset: 0, length: 4096 }\n"
    "      - write: { file: /f, offset: 0, length: 100, value: 3 }\n"
    "      - fsync: { file: /f }\n"
    "  - name: b\n    ops:\n"
    "      - write: { at: 50us, file: /f, offset: 12288, length: 4096, value: 2 }\n",
    "baseline");
  gint64 a = TASK (r, "a");
  g_autofree char *pages = qs (r, "select group_concat(idx) from (select idx"
                                  EV ("wbc_writepage") " and task = %" G_GINT64_FORMAT
                                  " and a0 = 1 order by seq)", a);
  g_assert_cmpstr (pages, ==, "0,1");
  g_assert_cmpint (q (r, "select count(*)" EV ("wait_on_page_writeback") " and task = %"
                         G_GINT64_FORMAT " and idx = 0", a), ==, 2);
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'fsync'"), ==, 400000);
  /* page 3 is written by the final sync */
  g_assert_cmpint (q (r, "select task" EV ("wbc_writepage") " and idx = 3"), ==, TASK (r, "final"));
  g_assert_cmpint (vmemu_machine_result (r->m)->losses->len, ==, 0);
}

/* The flusher's cyclic writeback: a chunk of 1024 pages (nr_to_write) stops
 * after page 1023 and records done_index -- the last page it looked at, 1023,
 * not the next one (write_cache_pages, 5.8) -- in writeback_index; the next
 * chunk starts there (page 1023 is clean now), reaches the end of the file
 * and wraps the index to 0. */
static void
test_cyclic_writeback_index (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 0 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { at: 1s, file: /f, offset: 0, length: 4505600, value: 1 }\n"   /* 1100 pages */
    "      - sleep: { for: 40s }\n",
    "baseline");
  g_autofree char *chunks = qs (r, "select group_concat(a1 || ':' || a2) from (select *"
                                   EV ("writeback_single_inode") " order by seq)");
  g_assert_cmpstr (chunks, ==, "1024:1023,76:0");
  g_assert_cmpint (q (r, "select min(t_ns)" EV ("writeback_single_inode")), ==,
                   G_GINT64_CONSTANT (31000000000));
  /* the second chunk starts at page 1024 */
  g_assert_cmpint (q (r, "select idx" EV ("wbc_writepage") " and seq > (select min(seq)"
                         EV ("writeback_single_inode") ") order by seq limit 1"), ==, 1024);
}

/* ---- fsync, msync, sync_file_range ---- */

/* fsync waits for the write it started: it returns when the bio completes
 * (submit + 200 us). */
static void
test_fsync_waits (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { at: 1ms, file: /f, offset: 0, length: 8192, value: 1 }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_assert_cmpint (q (r, "select t_start_ns from syscalls where op = 'fsync'"), ==, 1000000);
  g_assert_cmpint (q (r, "select t_submit_ns from block_io where write = 1 order by seq_submit"
                         " limit 1"), ==, 1000000);
  g_assert_cmpint (q (r, "select t_complete_ns from block_io where write = 1 order by seq_submit"
                         " limit 1"), ==, 1200000);
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'fsync'"), ==, 1200000);
  g_assert_cmpint (q (r, "select result from syscalls where op = 'fsync'"), ==, 0);
  g_assert_cmpint (q (r, "select count(*) from syscall_io where op = 'fsync'"), ==, 1);
}

/* msync: MS_ASYNC starts no I/O in 5.8; MS_SYNC writes and waits. */
static void
test_msync (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - mmap: { file: /f, offset: 0, length: 8192, as: m }\n"
    "      - mwrite: { at: 1ms, map: m, offset: 10, length: 10, value: 1 }\n"
    "      - msync: { at: 2ms, map: m, sync: false }\n"
    "      - msync: { at: 3ms, map: m }\n",
    "baseline");
  g_autofree char *ops = qs (r, "select group_concat(t_start_ns || ':' || (t_end_ns - t_start_ns)"
                                " || ':' || result) from (select * from syscalls where op = 'msync'"
                                " order by seq_enter)");
  g_assert_cmpstr (ops, ==, "2000000:0:0,3000000:200000:0");
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 1 and t_submit_ns < 3000000"),
                   ==, 0);
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 1 and t_submit_ns = 3000000"),
                   ==, 1);
}

/* sync_file_range(SYNC_FILE_RANGE_WRITE) starts WB_SYNC_NONE writeback of the
 * range and returns at once: the bio completes 200 us after the call. */
static void
test_sync_file_range_does_not_wait (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 16KiB, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { at: 1ms, file: /f, offset: 0, length: 16384, value: 1 }\n"
    "      - sync_file_range: { file: /f, offset: 4096, length: 8192 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select t_end_ns - t_start_ns from syscalls where op = 'sync_file_range'"),
                   ==, 0);
  g_autofree char *pages = qs (r, "select group_concat(idx) from (select idx" EV ("wbc_writepage")
                                  " and t_ns = 1000000 and task = %" G_GINT64_FORMAT " order by seq)", TASK (r, "w"));
  g_assert_cmpstr (pages, ==, "1,2");
  g_assert_cmpint (q (r, "select a0" EV ("wbc_writepage") " and t_ns = 1000000 limit 1"), ==, 0);
  g_assert_cmpint (q (r, "select t_complete_ns from block_io where write = 1 order by seq_submit"
                         " limit 1"), ==, 1200000);
}

/* ---- write errors ---- */

/* An injected write error: the page gets PG_error, the mapping's errseq is
 * set (filemap_set_wb_err), the next fsync of the task reports -EIO once and
 * the second returns 0. */
static void
test_write_error_reported_once (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 4096 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - inject: { error: eio, on: write, file: /f, count: 1 }\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - fsync: { file: /f }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_autofree char *res = qs (r, "select group_concat(result) from (select result from syscalls"
                                " where op = 'fsync' order by seq_enter)");
  g_assert_cmpstr (res, ==, "-5,0");
  g_assert_cmpint (q (r, "select count(*)" EV ("block_error_injected")), ==, 1);
  g_assert_cmpint (q (r, "select status from block_io where write = 1 order by seq_submit limit 1"),
                   ==, -5);
  g_assert_cmpint (q (r, "select count(*)" EV ("filemap_set_wb_err")), ==, 1);
  g_assert_cmpint (q (r, "select a0" EV ("filemap_set_wb_err")), ==, 5);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("end_page_writeback") " and idx = 0"
                         " order by seq limit 1", PG_ERROR), ==, PG_ERROR);
  g_autofree char *checks = qs (r, "select group_concat(a0) from (select a0"
                                   EV ("file_check_and_advance_wb_err") " order by seq)");
  g_assert_cmpstr (checks, ==, "5,0");
  /* the second fsync has nothing to write */
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 1 and t_submit_ns <"
                         " (select t_end_ns from syscalls where op = 'fsync' order by seq_enter"
                         " desc limit 1)"), ==, 1);
}

/* ---- page_mkclean ---- */

/* clear_page_dirty_for_io write-protects the PTE: each store after an fsync
 * faults into page_mkwrite again; a second store before the fsync does not. */
static void
test_page_mkclean_refaults (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\nfiles: [ { path: /f, size: 8192, content: 9 } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - mmap: { file: /f, offset: 0, length: 8192, as: m }\n"
    "      - mwrite: { map: m, offset: 0, length: 10, value: 1 }\n"
    "      - mwrite: { map: m, offset: 100, length: 10, value: 2 }\n"
    "      - fsync: { file: /f }\n"
    "      - mwrite: { map: m, offset: 200, length: 10, value: 3 }\n"
    "      - fsync: { file: /f }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_filemap_page_mkwrite")), ==, 2);
  /* first through do_shared_fault, then through wp_page_shared */
  g_assert_cmpint (q (r, "select count(*)" EV ("do_shared_fault") " and detail is null"), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("wp_page_shared")), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("page_mkclean")), ==, 2);
  g_assert_cmpint (q (r, "select count(*) from block_io where write = 1"), ==, 2);
  g_assert_cmpint (vmemu_machine_result (r->m)->losses->len, ==, 0);
}

/* ---- pagevec batches held across sleeps ---- */

/* Queue depth 1, pages 0 and 2 dirty, fsync at 1 ms, drop_caches at 1.3 ms,
 * an mmap store to page 0 at 10 ms (scenarios/k58-fdatawait-batch.yaml). */
static const char *fdatawait_batch_yaml =
  "name: t\nmachine: { device: { queue_depth: 1 } }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /f, size: 16KiB, content: random } ]\n"
  "tasks:\n  - name: w\n    ops:\n"
  "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
  "      - write: { file: /f, offset: 8192, length: 4096, value: 2 }\n"
  "      - fsync: { at: 1ms, file: /f }\n"
  "  - name: d\n    ops:\n      - drop_caches: { at: 1300us }\n"
  "  - name: m\n    ops:\n"
  "      - mmap: { at: 10ms, file: /f, offset: 0, length: 4096, as: m }\n"
  "      - mwrite: { map: m, offset: 100, length: 8, value: 7 }\n"
  "      - fsync: { file: /f }\n";

/* __filemap_fdatawait_range: pagevec_lookup_range_tag(WRITEBACK) takes pages
 * 0 and 2 together; the reference on page 0 is kept while
 * wait_on_page_writeback sleeps on page 2 (1.2 .. 1.4 ms), so drop_caches at
 * 1.3 ms strips page 0's iomap_page and remove_mapping fails on the batch's
 * reference.  Under 5.8 (baseline) the later mmap store is lost; under
 * 4595a298d556 it is not.  Fails if the wait walk holds only the page it
 * sleeps on. */
static void
test_fdatawait_holds_batch (void)
{
  g_autoptr (Run) r = run_yaml (fdatawait_batch_yaml, "baseline");
  g_autofree char *holders = qs (r, "select detail" EV ("remove_mapping_fail") " and idx = 0");
  g_assert_cmpstr (holders, ==, "holders=cache,lookup,wbbatch");
  g_assert_cmpint (q (r, "select count(*)" EV ("wait_on_page_writeback") " and idx = 2"
                         " and t_ns = 1200000"), ==, 1);
  g_assert_cmpuint (vmemu_machine_result (r->m)->losses->len, >, 0);
  g_autoptr (Run) p = run_yaml (fdatawait_batch_yaml, "patched");
  g_assert_cmpuint (vmemu_machine_result (p->m)->losses->len, ==, 0);
}

/* write_cache_pages: the batch {0, 1, 2} is held while lock_page sleeps on
 * page 2 (locked by a write reading block 1 synchronously); page 0, already
 * written, cannot leave the cache at drop_caches and loses its iomap_page
 * (scenarios/k58-wcp-batch-lock.yaml).  Fails if write_cache_pages holds only
 * the page it is on. */
static void
test_write_cache_pages_holds_batch (void)
{
  g_autofree char *yaml = NULL;   /* tests run from the project root */
  g_assert_true (g_file_get_contents ("scenarios/k58-wcp-batch-lock.yaml", &yaml, NULL, NULL));
  g_autoptr (Run) r = run_yaml (yaml, "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("wait_on_page_locked") " and idx = 2"
                         " and t_ns = 1100000"), ==, 1);
  g_autofree char *holders = qs (r, "select detail" EV ("remove_mapping_fail") " and idx = 0"
                                    " and t_ns = 1600000");
  g_assert_cmpstr (holders, ==, "holders=cache,lookup,wbbatch");
  g_assert_cmpuint (vmemu_machine_result (r->m)->losses->len, >, 0);
}

/* The first pagevec_release of __filemap_fdatawait_range drains this CPU's
 * pagevecs (__pagevec_release), as write_cache_pages' does: two drains per
 * fsync that writes and waits. */
static void
test_fdatawait_release_drains (void)
{
  g_autoptr (Run) r = run_yaml (fdatawait_batch_yaml, "baseline");
  gint64 w = TASK (r, "w");
  g_assert_cmpint (q (r, "select count(*)" EV ("lru_add_drain") " and task = %" G_GINT64_FORMAT
                         " and detail = 'pagevec_release'", w), ==, 2);
}

/* __filemap_fdatawait_range does ClearPageError on each page it waited on:
 * after an fsync that reported -EIO, a write into another block of the page
 * finds no PG_error, so iomap_set_range_uptodate marks it and the second
 * fsync writes it (scenarios/k58-fdatawait-clear-error.yaml).  Fails if
 * PG_error survives the wait. */
static void
test_fdatawait_clears_error (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: random } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - inject: { error: eio, on: write, file: /f, offset: 0, count: 1 }\n"
    "      - write: { file: /f, offset: 0, length: 1024, value: 5 }\n"
    "      - fsync: { file: /f }\n"
    "      - write: { file: /f, offset: 2048, length: 1024, value: 6 }\n"
    "      - fsync: { file: /f }\n"
    "      - drop_caches: {}\n"
    "      - verify: { file: /f, offset: 2048, length: 1024 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select result from syscalls where op = 'fsync' order by seq_enter limit 1"),
                   ==, -5);
  g_assert_cmpint (q (r, "select count(*)" EV ("end_page_writeback") " and flags_after & %d",
                      PG_ERROR), ==, 1);
  g_assert_cmpint (q (r, "select flags_before & %d" EV ("iomap_set_range_uptodate")
                         " and a0 = 2048", PG_ERROR), ==, 0);
  g_assert_cmpint (q (r, "select a1" EV ("iomap_writepage_map") " order by seq desc limit 1"),
                   ==, 2);
  g_assert_cmpuint (vmemu_machine_result (r->m)->losses->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/writeback/kupdate/dirtied-when-and-expiry", test_dirtied_when_and_expiry);
  g_test_add_func ("/writeback/kupdate/expiry-setting", test_expiry_follows_setting);
  g_test_add_func ("/writeback/balance/background-and-throttle", test_background_and_throttle);
  g_test_add_func ("/writeback/balance/values", test_background_and_throttle_values);
  g_test_add_func ("/writeback/balance/dirtyable-excludes-reserve", test_dirtyable_excludes_reserve);
  g_test_add_func ("/writeback/write-cache-pages/index-order", test_index_order);
  g_test_add_func ("/writeback/write-cache-pages/towrite", test_towrite_tagging);
  g_test_add_func ("/writeback/write-cache-pages/cyclic", test_cyclic_writeback_index);
  g_test_add_func ("/writeback/fsync/waits", test_fsync_waits);
  g_test_add_func ("/writeback/msync", test_msync);
  g_test_add_func ("/writeback/sync-file-range", test_sync_file_range_does_not_wait);
  g_test_add_func ("/writeback/errors/eio-once", test_write_error_reported_once);
  g_test_add_func ("/writeback/page-mkclean", test_page_mkclean_refaults);
  g_test_add_func ("/writeback/batch/fdatawait-holds-batch", test_fdatawait_holds_batch);
  g_test_add_func ("/writeback/batch/write-cache-pages-holds-batch",
                   test_write_cache_pages_holds_batch);
  g_test_add_func ("/writeback/batch/fdatawait-release-drains", test_fdatawait_release_drains);
  g_test_add_func ("/writeback/errors/fdatawait-clears-pg-error", test_fdatawait_clears_error);
  return g_test_run ();
}
