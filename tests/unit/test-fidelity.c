/* test-fidelity.c — conditions where the model once parted from Linux 5.8
 * (issue 10, part A).  Each test names the 5.8 function it holds the model
 * to (docs/model.md says what is modelled) and fails when the fix is
 * reverted.
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

static guint
losses (Run *r)
{
  return vmemu_machine_result (r->m)->losses->len;
}

/* ---- pagecache_isize_extended (mm/truncate.c) ---- */

#define ISIZE_HEAD \
  "name: t\nfilesystem: { block_size: 1024 }\n" \
  "files: [ { path: /f, size: 5120, content: random, state: on-disk } ]\n" \
  "tasks:\n  - name: t\n    ops:\n" \
  "      - mmap: { file: /f, offset: 0, length: 8192, as: m }\n" \
  "      - mwrite: { map: m, offset: 4200, length: 8 }\n"
#define ISIZE_TAIL \
  "      - mwrite: { map: m, offset: 7000, length: 8 }\n" \
  "      - msync: { map: m }\n" \
  "      - munmap: { map: m }\n" \
  "      - drop_caches: {}\n"

/* truncate_setsize(8192) on a 5120-byte file: round_up(5120, 1024) = 5120 is
 * inside page 1, so pagecache_isize_extended write-protects page 1's PTE
 * (page_mkclean), the store at 7000 faults into page_mkwrite again
 * (wp_page_shared) and xfs_buffered_write_iomap_begin reserves blocks 5-7. */
static void
test_isize_extended_truncate (void)
{
  g_autoptr (Run) r = run_yaml (ISIZE_HEAD "      - truncate: { file: /f, size: 8192 }\n" ISIZE_TAIL,
                                "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("page_mkclean")
                         " and detail = 'pagecache_isize_extended' and idx = 1"), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("wp_page_shared") " and idx = 1"), ==, 1);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* The same through iomap_write_end: a write at 20000 with old_size 5120 <
 * pos calls pagecache_isize_extended(5120, 20000). */
static void
test_isize_extended_write (void)
{
  g_autoptr (Run) r = run_yaml (ISIZE_HEAD "      - write: { file: /f, offset: 20000, length: 8 }\n"
                                ISIZE_TAIL, "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("page_mkclean")
                         " and detail = 'pagecache_isize_extended' and idx = 1"), ==, 1);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* Its conditions: nothing when the old size rounded up to a block is page
 * aligned (4096 -> 8192: no hole block in the old EOF page), nor when the
 * new size stays inside the old EOF block (5000 -> 5100). */
static void
test_isize_extended_conditions (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 4096, content: random, state: on-disk },\n"
    "         { path: /g, size: 5000, content: random, state: on-disk } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - mmap: { file: /f, offset: 0, length: 8192, as: m }\n"
    "      - mwrite: { map: m, offset: 100, length: 8 }\n"
    "      - truncate: { file: /f, size: 8192 }\n"
    "      - mmap: { file: /g, offset: 0, length: 8192, as: n }\n"
    "      - mwrite: { map: n, offset: 4200, length: 8 }\n"
    "      - truncate: { file: /g, size: 5100 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("page_mkclean")
                         " and detail = 'pagecache_isize_extended'"), ==, 0);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* ---- e6e7ca92623a: __iomap_write_begin clears PG_error after the
 * PageUptodate return ---- */

/* An uptodate page with PG_error (failed sync_file_range write, no fdatawait
 * to clear it) loses its iop to drop_caches while a reader holds it; the
 * write into block 2 creates a zeroed iop and returns at PageUptodate, so
 * under baseline+write_begin_clear_error PG_error stays, no bit is set and
 * writeback skips the block. */
static void
test_write_begin_clear_error_after_uptodate (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 4096, content: 9, state: on-disk } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /f, offset: 0, length: 4096 }\n"
    "      - inject: { error: eio, on: write, file: /f, count: 1 }\n"
    "      - write: { file: /f, offset: 0, length: 1024, value: 9 }\n"
    "      - sync_file_range: { file: /f, offset: 0, length: 4096 }\n"
    "      - write: { at: 20ms, file: /f, offset: 2048, length: 1024, value: 77 }\n"
    "      - fsync: { file: /f }\n"
    "  - name: reader\n    ops:\n"
    "      - read: { at: 10ms, file: /f, offset: 0, length: 4096, hold: 5ms }\n"
    "  - name: admin\n    ops:\n"
    "      - drop_caches: { at: 12ms }\n",
    "baseline+write_begin_clear_error");
  /* the write at 20 ms found the page uptodate with PG_error */
  g_assert_cmpint (q (r, "select flags_before & %d" EV ("iomap_write_begin") " and t_ns = 20000000",
                      (1 << 1) | (1 << 9)), ==, (1 << 1) | (1 << 9));
  g_assert_cmpuint (losses (r), ==, 1);
  const VmemuLoss *l = g_ptr_array_index (vmemu_machine_result (r->m)->losses, 0);
  g_assert_cmpuint (l->offset_bytes, ==, 2048);
  g_assert_cmpuint (l->length_bytes, ==, 1024);
}

/* ---- ondemand_readahead (mm/readahead.c) ---- */

#define PG_READAHEAD (1 << 13)
#define RA_FILE(size) \
  "name: t\nfilesystem: { block_size: 1024 }\n" \
  "files: [ { path: /f, size: " size ", content: random, state: on-disk } ]\n" \
  "tasks:\n  - name: t\n    ops:\n"

static char *
added (Run *r, gint64 t_ns)
{
  return qs (r, "select group_concat(idx) from (select idx" EV ("mm_filemap_add_to_page_cache")
                " and t_ns = %" G_GINT64_FORMAT " and task = (select id from tasks where name = 't')"
                " order by seq)", t_ns);
}

/* A cold read at index 2 (prev_pos -1, no history before it) is a
 * standalone random read: page 2 alone. */
static void
test_ra_random_read (void)
{
  g_autoptr (Run) r = run_yaml (RA_FILE ("64KiB")
                                "      - read: { file: /f, offset: 8192, length: 4096 }\n",
                                "baseline");
  g_autofree char *pages = added (r, 0);
  g_assert_cmpstr (pages, ==, "2");
}

/* Index 0: initial_readahead, get_init_ra_size(1, 32) = 4 pages with the
 * marker at start + size - async_size = 1; reading page 1 hits it:
 * page_cache_async_readahead, the expected callback index, so the window
 * moves to 4 and ramps up to get_next_ra_size(4) = 8, marker on its first
 * page. */
static void
test_ra_initial_and_marker (void)
{
  g_autoptr (Run) r = run_yaml (RA_FILE ("64KiB")
                                "      - read: { file: /f, offset: 0, length: 4096 }\n"
                                "      - read: { at: 1ms, file: /f, offset: 4096, length: 4096 }\n",
                                "baseline");
  g_autofree char *first = added (r, 0);
  g_assert_cmpstr (first, ==, "0,1,2,3");
  g_autofree char *second = added (r, 1000000);
  g_assert_cmpstr (second, ==, "4,5,6,7,8,9,10,11");
  /* the marker, seen when iomap_readpage_actor creates the iop */
  g_autofree char *marked = qs (r, "select group_concat(idx) from (select idx"
                                   EV ("iomap_page_create") " and (flags_before & %d)"
                                   " and task = (select id from tasks where name = 't')"
                                   " order by seq)", PG_READAHEAD);
  g_assert_cmpstr (marked, ==, "1,4");
  /* the async readahead took it off page 1 */
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("mark_page_accessed") " and idx = 1"
                         " and t_ns = 1000000", PG_READAHEAD), ==, 0);
}

/* A sequential miss: after reading page 2, prev_pos is 8192 + 4096 - 1
 * rounded as the kernel keeps it (prev_index 2), so a read of page 3 is
 * index - prev_index = 1: initial_readahead, 4 pages from 3. */
static void
test_ra_sequential_miss (void)
{
  g_autoptr (Run) r = run_yaml (RA_FILE ("64KiB")
                                "      - read: { file: /f, offset: 8192, length: 4096 }\n"
                                "      - read: { at: 1ms, file: /f, offset: 12288, length: 4096 }\n",
                                "baseline");
  g_autofree char *second = added (r, 1000000);
  g_assert_cmpstr (second, ==, "3,4,5,6");
}

/* ---- page-size dependent defaults ---- */

/* 64 KiB pages: fault_around_bytes >> PAGE_SHIFT == 1, so do_read_fault
 * skips do_fault_around (cached page 1 is not mapped by the fault on page
 * 0), and do_sync_mmap_readahead's window is VM_READAHEAD_PAGES = 2. */
static void
test_64k_no_fault_around (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { page_size: 65536 }\nfilesystem: { block_size: 4096 }\n"
    "files: [ { path: /f, size: 512KiB, content: random, state: on-disk } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /f, offset: 65536, length: 65536 }\n"
    "      - mmap: { file: /f, offset: 0, length: 524288, as: m }\n"
    "      - mread: { at: 1ms, map: m, offset: 262144, length: 16 }\n"
    "      - mread: { at: 2ms, map: m, offset: 0, length: 16 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("filemap_map_pages")), ==, 0);
  /* read-around of page 4: start 4 - 1 = 3, 2 pages */
  g_autofree char *around = added (r, 1000000);
  g_assert_cmpstr (around, ==, "3,4");
  /* page 1 (read) stays unmapped after the fault on page 0 */
  g_assert_cmpint (q (r, "select count(*)" EV ("pte_install") " and idx = 1"), ==, 0);
}

/* 4 KiB pages keep the 16-page fault-around window. */
static void
test_4k_fault_around (void)
{
  g_autoptr (Run) r = run_yaml (RA_FILE ("64KiB")
                                "      - read: { file: /f, offset: 4096, length: 4096 }\n"
                                "      - mmap: { file: /f, offset: 0, length: 65536, as: m }\n"
                                "      - mread: { at: 1ms, map: m, offset: 4096, length: 16 }\n",
                                "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("filemap_map_pages") " and idx = 1"), ==, 1);
}

/* ---- generic_fadvise (mm/fadvise.c) ---- */

/* DONTNEED: the last page is dropped only when endbyte ends a page or is
 * i_size - 1.  A 5000-byte file: (0, 8000) keeps the partial EOF page 1;
 * (0, 5000) drops it. */
static void
test_fadvise_dontneed_eof_page (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 5000, content: random, state: cached },\n"
    "         { path: /g, size: 5000, content: random, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - fadvise: { file: /f, offset: 0, length: 8000, advice: dontneed }\n"
    "      - fadvise: { file: /g, offset: 0, length: 5000, advice: dontneed }\n",
    "baseline");
  g_autofree char *f = qs (r, "select group_concat(idx)" EV ("mm_filemap_delete_from_page_cache")
                              " and path = '/f' and task = (select id from tasks where name = 't')");
  g_assert_cmpstr (f, ==, "0");
  g_autofree char *g = qs (r, "select group_concat(idx) from (select idx"
                              EV ("mm_filemap_delete_from_page_cache")
                              " and path = '/g' and task = (select id from tasks where name = 't')"
                              " order by idx)");
  g_assert_cmpstr (g, ==, "0,1");
}

/* WILLNEED: force_page_cache_readahead reads at most max(io_pages 0,
 * ra_pages 32) pages from the start of the range, whatever its length. */
static void
test_fadvise_willneed_clamp (void)
{
  g_autoptr (Run) r = run_yaml (RA_FILE ("1MiB")
                                "      - fadvise: { file: /f, offset: 0, length: 0, advice: willneed }\n",
                                "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_add_to_page_cache") " and t_ns = 0"
                         " and task = (select id from tasks where name = 't')"), ==, 32);
  g_assert_cmpint (q (r, "select max(idx)" EV ("mm_filemap_add_to_page_cache") " and t_ns = 0"
                         " and task = (select id from tasks where name = 't')"), ==, 31);
}

/* ---- drop_caches (fs/drop_caches.c) ---- */

/* Mode 2 is drop_slab only: no page leaves the cache; mode 3 drops pages. */
static void
test_drop_caches_modes (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 8192, content: random, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - drop_caches: { mode: 2 }\n"
    "      - drop_caches: { at: 1ms, mode: 3 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("invalidate_mapping_pages") " and t_ns = 0"), ==, 0);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and task = (select id from tasks where name = 't')"), ==, 2);
}

/* (On a machine whose first filesystem with cached pages is the scenario's:
 * otherwise the root's pagevec_release drains first.)
 * drop_pagecache_sb walks s_inodes from the head: inode_sb_list_add put the
 * inode looked up last (/b) there, so /b's pages are visited first, lose
 * their iops and stay on the lru_add pagevec's reference, and the first
 * pagevec_release drains that pagevec before /a is visited. */
static void
test_drop_pagecache_sb_order (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { other_filesystems_cached: false }\n"
    "filesystem: { block_size: 1024 }\n"
    "files: [ { path: /a, size: 8192, content: random, state: on-disk },\n"
    "         { path: /b, size: 8192, content: random, state: on-disk } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /a, offset: 0, length: 8192 }\n"
    "      - read: { file: /b, offset: 0, length: 8192 }\n"
    "      - drop_caches: { at: 1ms }\n",
    "baseline");
  g_autofree char *order = qs (r, "select group_concat(path) from (select path"
                                  EV ("invalidate_mapping_pages") " and t_ns = 1000000 order by seq)");
  g_assert_cmpstr (order, ==, "/b,/a");
  g_assert_cmpint (q (r, "select count(*)" EV ("remove_mapping_fail") " and path = '/b'"), ==, 2);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and path = '/a' and task = (select id from tasks where name = 't')"),
                   ==, 2);
}

/* ---- generic_file_buffered_read: a failed read of a page that left the
 * cache is retried ---- */

/* The reader's readahead and its own ->readpage of page 0 both fail (inject
 * count 2); an aligned direct write (IOLOCK_SHARED, as the read holds it)
 * runs when the second read completes, before the reader looks again, and
 * its invalidate_inode_pages2_range removes page 0.  The reader locks the
 * page, finds page->mapping NULL and goes back to find_page: the page is
 * read again and the read succeeds, where a page still cached would give
 * -EIO.  (A punch cannot do this in 5.8: xfs_file_fallocate takes
 * IOLOCK_EXCL and waits for the read.) */
static void
test_read_error_removed_page_retried (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 8KiB, content: random, state: on-disk } ]\n"
    "tasks:\n  - name: r\n    ops:\n"
    "      - inject: { error: eio, on: read, file: /f, count: 2 }\n"
    "      - read: { file: /f, offset: 0, length: 4096 }\n"
    "  - name: p\n    ops:\n"
    "      - sleep: { at: 150us, for: 50us }\n"
    "      - write: { file: /f, offset: 0, length: 4096, direct: true, value: 9 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select result from syscalls where op = 'read'"), ==, 4096);
  g_assert_cmpint (q (r, "select t_start_ns from syscalls where op = 'write'"), ==, 200000);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx = 0 and task = (select id from tasks where name = 'p')"
                         " and t_ns = 200000"), ==, 1);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* generic_file_buffered_read marks a page accessed unless the read starts
 * where the previous read of the file ended (prev_index, prev_offset from
 * ra->prev_pos): two 2 KiB reads of page 0 mark it once; a read of another
 * task (its own struct file) marks it again. */
static void
test_read_mark_accessed_once (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 8192, content: random, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /f, offset: 0, length: 2048 }\n"
    "      - read: { file: /f, offset: 2048, length: 2048 }\n"
    "  - name: u\n    ops:\n"
    "      - read: { at: 1ms, file: /f, offset: 2048, length: 2048 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("mark_page_accessed") " and idx = 0"
                         " and task = (select id from tasks where name = 't')"), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("mark_page_accessed") " and idx = 0"
                         " and task = (select id from tasks where name = 'u')"), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fidelity/pagecache_isize_extended/truncate", test_isize_extended_truncate);
  g_test_add_func ("/fidelity/pagecache_isize_extended/write", test_isize_extended_write);
  g_test_add_func ("/fidelity/pagecache_isize_extended/conditions", test_isize_extended_conditions);
  g_test_add_func ("/fidelity/write_begin_clear_error/after-uptodate",
                   test_write_begin_clear_error_after_uptodate);
  g_test_add_func ("/fidelity/ondemand_readahead/random-read", test_ra_random_read);
  g_test_add_func ("/fidelity/ondemand_readahead/initial-and-marker", test_ra_initial_and_marker);
  g_test_add_func ("/fidelity/ondemand_readahead/sequential-miss", test_ra_sequential_miss);
  g_test_add_func ("/fidelity/page-size/64k-no-fault-around", test_64k_no_fault_around);
  g_test_add_func ("/fidelity/page-size/4k-fault-around", test_4k_fault_around);
  g_test_add_func ("/fidelity/generic_fadvise/dontneed-eof-page", test_fadvise_dontneed_eof_page);
  g_test_add_func ("/fidelity/generic_fadvise/willneed-clamp", test_fadvise_willneed_clamp);
  g_test_add_func ("/fidelity/drop_caches/modes", test_drop_caches_modes);
  g_test_add_func ("/fidelity/drop_pagecache_sb/s_inodes-order", test_drop_pagecache_sb_order);
  g_test_add_func ("/fidelity/buffered_read/error-on-removed-page-retried",
                   test_read_error_removed_page_retried);
  g_test_add_func ("/fidelity/buffered_read/mark-accessed-once", test_read_mark_accessed_once);
  return g_test_run ();
}
