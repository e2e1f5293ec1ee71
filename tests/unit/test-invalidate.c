/* test-invalidate.c — invalidation and truncation conditions (docs/model.md
 * "Invalidation", invalidate_mapping_pages, generic_fadvise, truncate_inode_pages_range,
 * invalidate_inode_pages2_range): invalidate_mapping_pages from
 * drop_caches and fadvise(DONTNEED), truncate_inode_pages_range with partial
 * pages, invalidate_inode_pages2_range around a direct write.
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
#define PG_DIRTY 4
#define PG_PRIVATE 16

static guint
losses (Run *r)
{
  return vmemu_machine_result (r->m)->losses->len;
}

/* ---- invalidate_mapping_pages ---- */

/* invalidate_inode_page keeps dirty (page 0), writeback (page 1, under
 * sync_file_range's write) and mapped (page 2) pages without touching their
 * iop; only the clean page 3 is released and removed.  The three kept pages
 * are deactivated. */
static void
test_drop_caches_skips_dirty_writeback_mapped (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: 9, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - write: { at: 1ms, file: /f, offset: 0, length: 8192, value: 1 }\n"
    "      - sync_file_range: { file: /f, offset: 4096, length: 4096 }\n"
    "      - mmap: { file: /f, offset: 8192, length: 4096, as: m }\n"
    "      - mread: { map: m, offset: 0, length: 16 }\n"
    "      - drop_caches: {}\n"
    "      - munmap: { map: m }\n",
    "baseline");
  g_assert_cmpint (q (r, "select a2" EV ("invalidate_mapping_pages") " and t_ns = 1000000"), ==, 1);
  g_autofree char *deleted = qs (r, "select group_concat(idx)" EV ("mm_filemap_delete_from_page_cache")
                                    " and t_ns = 1000000");
  g_assert_cmpstr (deleted, ==, "3");
  g_autofree char *released = qs (r, "select group_concat(idx)" EV ("try_to_release_page")
                                     " and t_ns = 1000000");
  g_assert_cmpstr (released, ==, "3");
  g_autofree char *deact = qs (r, "select group_concat(idx) from (select idx"
                                  EV ("deactivate_file_page") " and t_ns = 1000000 order by seq)");
  g_assert_cmpstr (deact, ==, "0,1,2");
  g_assert_cmpint (losses (r), ==, 0);
}

/* The seed path: drop_caches while a reader copies from the page (hold 5
 * ms).  The iop is released first, then remove_mapping fails on the reader's
 * reference (cache + lookup + reader), the holders are named, and the page is
 * deactivated, still cached, uptodate, without its iop. */
static void
test_drop_caches_releases_then_fails_on_reader (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 4096, content: random, state: cached } ]\n"
    "tasks:\n"
    "  - name: reader\n    ops:\n"
    "      - read: { file: /f, offset: 0, length: 4096, hold: 5ms }\n"
    "  - name: admin\n    ops:\n"
    "      - drop_caches: { at: 1ms }\n",
    "baseline");
  g_autofree char *order = qs (r, "select group_concat(name) from (select name from events_named"
                                  " where t_ns = 1000000 and name in ('iomap_page_release',"
                                  " 'try_to_release_page', 'remove_mapping_fail',"
                                  " 'deactivate_file_page', 'mm_filemap_delete_from_page_cache')"
                                  " order by seq)");
  g_assert_cmpstr (order, ==, "iomap_page_release,try_to_release_page,remove_mapping_fail,"
                              "deactivate_file_page");
  g_autofree char *holders = qs (r, "select detail" EV ("remove_mapping_fail"));
  g_assert_cmpstr (holders, ==, "holders=cache,lookup,reader");
  g_assert_cmpint (q (r, "select a0" EV ("remove_mapping_fail")), ==, 3);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("deactivate_file_page"), PG_PRIVATE), ==, 0);
  g_assert_cmpint (q (r, "select a2" EV ("invalidate_mapping_pages")), ==, 0);
}

/* On a machine whose first filesystem with cached pages is the scenario's
 * (other_filesystems_cached: false; otherwise an earlier superblock's
 * pagevec_release drains first: test_earlier_sb_drains).  Batches of 15:
 * pages 5..19 were read first (their lru_add pagevec filled
 * and drained), pages 0..4 last (still in the pagevec).  In the first batch
 * (0..14) pages 0..4 fail on the pagevec reference and are deactivated; the
 * first pagevec_release drains this CPU (5 lru_add + 5 deactivate); the
 * second batch (15..19) is released without another drain.  A second
 * drop_caches then removes pages 0..4. */
static void
test_only_first_batch_drains (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { other_filesystems_cached: false }\n"
    "filesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 80KiB, content: random } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - read: { file: /f, offset: 20480, length: 61440 }\n"
    "      - read: { file: /f, offset: 0, length: 20480 }\n"
    "      - drop_caches: { at: 1ms }\n"
    "      - drop_caches: { at: 2ms }\n",
    "baseline");
  g_autofree char *counts = qs (r, "select group_concat(a2) from (select a2"
                                   EV ("invalidate_mapping_pages") " order by seq)");
  g_assert_cmpstr (counts, ==, "15,5");
  g_autofree char *failed = qs (r, "select group_concat(idx) from (select idx"
                                   EV ("remove_mapping_fail") " order by seq)");
  g_assert_cmpstr (failed, ==, "0,1,2,3,4");
  g_autofree char *h = qs (r, "select detail" EV ("remove_mapping_fail") " limit 1");
  g_assert_cmpstr (h, ==, "holders=cache,pvec_lru_add,lookup");
  /* one drain per invalidate_mapping_pages call, after the first batch */
  g_assert_cmpint (q (r, "select count(*)" EV ("lru_add_drain") " and detail = 'pagevec_release'"
                         " and t_ns = 1000000"), ==, 1);
  g_assert_cmpint (q (r, "select a1" EV ("lru_add_drain") " and detail = 'pagevec_release'"
                         " and t_ns = 1000000"), ==, 10);
  g_assert_cmpint (q (r, "select max(seq)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx < 15 and t_ns = 1000000"), <,
                   q (r, "select seq" EV ("lru_add_drain") " and detail = 'pagevec_release'"
                         " and t_ns = 1000000"));
  g_assert_cmpint (q (r, "select min(seq)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx >= 15 and t_ns = 1000000"), >,
                   q (r, "select seq" EV ("lru_add_drain") " and detail = 'pagevec_release'"
                         " and t_ns = 1000000"));
  g_assert_cmpint (losses (r), ==, 0);
}

/* drop_caches_sysctl_handler -> iterate_supers visits the oldest superblock
 * first: on a machine whose root filesystem has cached pages (the default)
 * its first invalidate_mapping_pages ends in __pagevec_release ->
 * lru_add_drain() on this CPU, so pages a read left in this CPU's lru_add
 * pagevec are on the LRU, without a pagevec reference, when the scenario's
 * file is visited: all four are removed (s2-pagevec-ref keeps them only with
 * other_filesystems_cached: false).  Without that drain this test sees
 * remove_mapping_fail with holders=cache,pvec_lru_add,lookup. */
static void
test_earlier_sb_drains (void)
{
  const char *fmt = "name: t\n%sfilesystem: { block_size: 1024 }\n"
                    "files: [ { path: /f, size: 16KiB, content: random, state: on-disk } ]\n"
                    "tasks:\n  - name: t\n    ops:\n"
                    "      - read: { file: /f, offset: 0, length: 4096 }\n"
                    "      - drop_caches: { at: 1ms }\n";
  g_autofree char *yd = g_strdup_printf (fmt, "");
  g_autofree char *yf = g_strdup_printf (fmt, "machine: { other_filesystems_cached: false }\n");
  g_autoptr (Run) d = run_yaml (yd, "baseline");
  g_autoptr (Run) f = run_yaml (yf, "baseline");
  g_assert_cmpint (q (d, "select count(*)" EV ("lru_add_drain")
                         " and detail like 'drop_caches:%%' and t_ns = 1000000"), ==, 1);
  g_assert_cmpint (q (d, "select seq" EV ("lru_add_drain") " and detail like 'drop_caches:%%'"), <,
                   q (d, "select min(seq)" EV ("invalidate_mapping_pages")));
  g_assert_cmpint (q (d, "select count(*)" EV ("remove_mapping_fail")), ==, 0);
  g_assert_cmpint (q (d, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and t_ns = 1000000"), ==, 4);
  /* the scenario's filesystem first: the pagevec still holds them */
  g_assert_cmpint (q (f, "select count(*)" EV ("lru_add_drain")
                         " and detail like 'drop_caches:%%'"), ==, 0);
  g_assert_cmpint (q (f, "select count(*)" EV ("remove_mapping_fail")), ==, 4);
  g_autofree char *h = qs (f, "select detail" EV ("remove_mapping_fail") " limit 1");
  g_assert_cmpstr (h, ==, "holders=cache,pvec_lru_add,lookup");
}

/* fadvise(DONTNEED): the reader on CPU 1 leaves 4 pages in its lru_add
 * pagevec.  The local drain (CPU 0) and the first pass cannot remove them;
 * lru_add_drain_all and the second pass do.  drop_caches in the same place
 * (no drain_all) leaves them. */
static const char *fadv_fmt =
  "name: t\nmachine: { cpus: 2 }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /f, size: 16KiB, content: random } ]\n"
  "tasks:\n"
  "  - name: r\n    cpu: 1\n    ops:\n"
  "      - read: { file: /f, offset: 0, length: 16384 }\n"
  "      - sleep: { for: 5ms }\n"
  "  - name: a\n    cpu: 0\n    ops:\n"
  "      - %s\n";

static void
test_fadvise_second_pass (void)
{
  g_autofree char *yf = g_strdup_printf (fadv_fmt,
                                         "fadvise: { at: 1ms, file: /f, advice: dontneed }");
  g_autofree char *yd = g_strdup_printf (fadv_fmt, "drop_caches: { at: 1ms }");
  g_autoptr (Run) f = run_yaml (yf, "baseline");
  g_autoptr (Run) d = run_yaml (yd, "baseline");
  g_autofree char *passes = qs (f, "select group_concat(a2) from (select a2"
                                   EV ("invalidate_mapping_pages") " order by seq)");
  g_assert_cmpstr (passes, ==, "0,4");
  g_assert_cmpint (q (f, "select count(*)" EV ("remove_mapping_fail")), ==, 4);
  g_autofree char *h = qs (f, "select detail" EV ("remove_mapping_fail") " limit 1");
  g_assert_cmpstr (h, ==, "holders=cache,pvec_lru_add,lookup");
  /* drain_all reached CPU 1's pagevec (4 pages) */
  g_assert_cmpint (q (f, "select a1" EV ("lru_add_drain") " and detail = 'fadvise' and a0 = 1"),
                   ==, 4);
  g_assert_cmpint (q (f, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and t_ns = 1000000"), ==, 4);
  /* drop_caches: one pass, nothing removed */
  g_autofree char *dpass = qs (d, "select group_concat(a2)" EV ("invalidate_mapping_pages"));
  g_assert_cmpstr (dpass, ==, "0");
  g_assert_cmpint (q (d, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and t_ns = 1000000"), ==, 0);
}

/* ---- truncate ---- */

/* truncate to 6000 bytes of a 3-page file: page 2 is whole and deleted even
 * though a pipe holds it (no refcount check); page 1 is partial: the tail
 * from 6000 is zeroed (iomap_truncate_page zeroes to the end of block 5, the
 * page cache the rest), iomap_invalidatepage(1904, 2192) is partial and keeps
 * the iop and its bits. */
static void
test_truncate_whole_and_partial (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 12KiB, content: random, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - splice: { file: /f, offset: 8192, length: 4096, pipe: p }\n"
    "      - truncate: { at: 1ms, file: /f, size: 6000 }\n"
    "      - verify: { file: /f }\n"
    "      - close_pipe: { pipe: p }\n",
    "baseline");
  /* page 2 deleted with the pipe still holding it */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx = 2 and t_ns = 1000000"), ==, 1);
  g_assert_cmpint (q (r, "select refcount" EV ("mm_filemap_delete_from_page_cache") " and idx = 2"),
                   ==, 3);   /* cache (dropped right after), lookup, pipe */
  g_assert_cmpint (q (r, "select a2" EV ("iomap_invalidatepage") " and idx = 2"), ==, 1);
  /* page 1: partial invalidate, iop kept */
  g_autofree char *inv = qs (r, "select a0 || ',' || a1 || ',' || a2" EV ("iomap_invalidatepage")
                                " and idx = 1");
  g_assert_cmpstr (inv, ==, "1904,2192,0");
  g_assert_cmpint (q (r, "select count(*)" EV ("iomap_page_release") " and idx = 1"
                         " and t_ns = 1000000"), ==, 0);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("iomap_invalidatepage") " and idx = 1",
                      PG_PRIVATE), ==, PG_PRIVATE);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx = 1 and t_ns = 1000000"), ==, 0);
  g_assert_cmpint (q (r, "select a0" EV ("iomap_truncate_page")), ==, 6000);
  g_assert_cmpint (q (r, "select count(*) from verifications where kind = 'verify' and ok = 1"
                         " and length = 6000"), ==, 1);
  g_assert_cmpint (losses (r), ==, 0);
}

/* ---- invalidate_inode_pages2_range (direct I/O) ---- */

/* A direct write over pages 0-1.  Page 1 is clean (read earlier): deleted.
 * Page 0 is mapped and stored to again (at 1.05 ms) while the write-and-wait
 * before the direct write sleeps on its writeback, so it is dirty when the
 * invalidation comes: unmapped, releasepage refuses, kept dirty with its iop,
 * -EBUSY ("Page cache invalidation failure on direct I/O"), before and after
 * the I/O.  The stale dirty page later overwrites the direct write on disk,
 * as in 5.8 (dio_warn_stale_pagecache). */
static void
test_dio_invalidation_deletes_clean_keeps_dirty (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: 9 } ]\n"
    "tasks:\n"
    "  - name: a\n    ops:\n"
    "      - read: { file: /f, offset: 4096, length: 4096 }\n"
    "      - mmap: { file: /f, offset: 0, length: 4096, as: m }\n"
    "      - mwrite: { map: m, offset: 0, length: 10, value: 1 }\n"
    "      - mwrite: { at: 1050us, map: m, offset: 100, length: 10, value: 2 }\n"
    "      - sleep: { for: 1ms }\n"
    "  - name: b\n    ops:\n"
    "      - write: { at: 1ms, file: /f, offset: 0, length: 8192, direct: true, value: 3 }\n",
    "baseline");
  g_autofree char *res = qs (r, "select group_concat(t_ns || ':' || a2) from (select *"
                                EV ("invalidate_inode_pages2_range") " order by seq)");
  g_assert_cmpstr (res, ==, "1200000:-16,1400000:-16");
  /* clean page 1 deleted once, by the first pass */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx = 1 and t_ns = 1200000"), ==, 1);
  /* dirty page 0: unmapped (its dirty PTE moved to the page), release refused, kept */
  g_assert_cmpint (q (r, "select a0" EV ("zap_pte_range") " and t_ns = 1200000 and idx = 0"), ==, 1);
  g_autofree char *rel = qs (r, "select group_concat(a2)" EV ("iomap_releasepage")
                                " and idx = 0 and t_ns >= 1200000 and t_ns <= 1400000");
  g_assert_cmpstr (rel, ==, "0,0");
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("try_to_release_page")
                         " and idx = 0 and t_ns = 1400000", PG_DIRTY | PG_PRIVATE),
                   ==, PG_DIRTY | PG_PRIVATE);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and idx = 0 and t_ns < 2000000"), ==, 0);
  g_assert_cmpint (q (r, "select result from syscalls where op = 'write'"), ==, 8192);
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'write'"), ==, 1400000);
  /* the stale page wins on disk: the whole of page 0 */
  g_assert_cmpuint (losses (r), ==, 1);
  const VmemuLoss *l = g_ptr_array_index (vmemu_machine_result (r->m)->losses, 0);
  g_assert_cmpuint (l->offset_bytes, ==, 0);
  g_assert_cmpuint (l->length_bytes, ==, 4096);
  g_assert_cmpstr (l->kind, ==, "final");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/invalidate/drop-caches/skips-dirty-writeback-mapped",
                   test_drop_caches_skips_dirty_writeback_mapped);
  g_test_add_func ("/invalidate/drop-caches/release-then-fail-on-reader",
                   test_drop_caches_releases_then_fails_on_reader);
  g_test_add_func ("/invalidate/drop-caches/only-first-batch-drains", test_only_first_batch_drains);
  g_test_add_func ("/invalidate/drop-caches/earlier-superblock-drains", test_earlier_sb_drains);
  g_test_add_func ("/invalidate/fadvise/second-pass-after-drain-all", test_fadvise_second_pass);
  g_test_add_func ("/invalidate/truncate/whole-and-partial", test_truncate_whole_and_partial);
  g_test_add_func ("/invalidate/dio/deletes-clean-keeps-dirty",
                   test_dio_invalidation_deletes_clean_keeps_dirty);
  return g_test_run ();
}
