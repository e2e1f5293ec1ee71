/* test-reclaim.c — the reclaim model's conditions (docs/model.md "Reclaim",
 * mm/vmscan.c, mm/page_alloc.c), one at a time: watermarks derived from the
 * memory size, kswapd and direct reclaim, shrink_page_list's order per page,
 * the per-CPU pagevecs, shrink_active_list and buffer_heads_over_limit.
 *
 * Each scenario is a few lines of YAML run with an in-memory trace; the
 * assertions are exact counts, times and free-page numbers read back with
 * SQL.  Memory is 4 MiB (1024 pages) unless said otherwise; the page counts
 * in the allocations are computed from the watermarks below.
 */
#include <glib.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/model/machine.h"
#include "engine/scenario/scenario.h"
#include "engine/trace/trace.h"
#include "engine/variant/variant.h"

#include "tests/unit/model-run.h"

/* events_named restricted to one event name, for counts and sums. */
#define EV(name) " from events_named where name = '" name "'"
#define TASK(r, name) q (r, "select id from tasks where name = '%s'", name)

enum { SP_FREED, SP_KEEP, SP_ACTIVATE };                 /* shrink_page_list a0 */
enum { REF_RECLAIM, REF_RECLAIM_CLEAN, REF_KEEP, REF_ACTIVATE };   /* a1 */
#define PG_LOCKED 1
#define PG_DIRTY 4
#define PG_WRITEBACK 8
#define PG_PRIVATE 16
#define PG_REFERENCED 32
#define PG_ACTIVE 64
#define PG_LRU 128
#define PG_RECLAIM 256
#define PG_WORKINGSET 1024
#define PG_MAPPED 2048

/* ---- watermarks ---- */

/* 4 MiB = 1024 pages = 4096 KiB: min_free_kbytes = int_sqrt(16 * 4096) = 256
 * KiB = 64 pages; delta = max(64 / 4, 1024 * 10 / 10000) = 16; low = 80,
 * high = 96.  An allocation is fine while free >= n + low; at free 80 the
 * next page wakes kswapd; below n + min (65 for one page) the task reclaims
 * directly. */
static void
check_wmarks (Run *r, gint64 wake_free, gint64 low, gint64 min_free)
{
  gint64 t = TASK (r, "t");
  /* one wake-up, when the task found free == low */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_wakeup_kswapd")), ==, 1);
  g_assert_cmpint (q (r, "select a1" EV ("mm_vmscan_wakeup_kswapd")), ==, wake_free);
  g_assert_cmpint (q (r, "select a2" EV ("mm_vmscan_wakeup_kswapd")), ==, low);
  g_assert_cmpint (q (r, "select task" EV ("mm_vmscan_wakeup_kswapd")), ==, t);
  /* the allocation before it left exactly `low` free and woke nobody */
  g_assert_cmpint (q (r, "select a1" EV ("mm_page_alloc") " and seq < (select seq"
                         EV ("mm_vmscan_wakeup_kswapd") ") order by seq desc limit 1"), ==, low);
  /* one direct reclaim, by the allocating task, when free was == min */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_direct_reclaim_begin")), ==, 1);
  g_assert_cmpint (q (r, "select task" EV ("mm_vmscan_direct_reclaim_begin")), ==, t);
  g_assert_cmpint (q (r, "select a1" EV ("mm_page_alloc") " and seq < (select seq"
                         EV ("mm_vmscan_direct_reclaim_begin") ") order by seq desc limit 1"),
                   ==, min_free);
  /* nothing reclaimable (anonymous memory only): the allocation dips into
   * the reserve */
  g_assert_cmpint (q (r, "select a0" EV ("mm_vmscan_direct_reclaim_end")), ==, 0);
  g_assert_cmpint (q (r, "select a1" EV ("mm_page_alloc") " order by seq desc limit 1"), ==,
                   min_free - 1);
}

static char *
wmark_yaml (const char *memory, guint64 total, guint64 min, guint64 low)
{
  /* total - low - 1 pages, then 1 (free == low), 1 (wake), then down to
   * min + 1, 1 (free == min), 1 (direct reclaim) */
  return g_strdup_printf (
    "name: t\nmachine: { memory: %s }\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - allocate: { size: %" G_GUINT64_FORMAT ", as: a }\n"
    "      - allocate: { size: 4096, as: b }\n"
    "      - allocate: { size: 4096, as: c }\n"
    "      - allocate: { size: %" G_GUINT64_FORMAT ", as: d }\n"
    "      - allocate: { size: 4096, as: e }\n"
    "      - allocate: { size: 4096, as: f }\n",
    memory, (total - low - 1) * 4096, (low - 1 - (min + 1)) * 4096);
}

static void
test_watermarks_derived (void)
{
  /* 4 MiB: min 64, low 80, high 96 (see above) */
  g_autofree char *y4 = wmark_yaml ("4MiB", 1024, 64, 80);
  g_autoptr (Run) a = run_yaml (y4, "baseline");
  check_wmarks (a, 80, 80, 64);
  /* 64 MiB = 16384 pages = 65536 KiB: min_free_kbytes = int_sqrt(16 * 65536)
   * = 1024 KiB = 256 pages; delta = max(256 / 4, 16384 * 10 / 10000 = 16) =
   * 64; low = 320, high = 384. */
  g_autofree char *y64 = wmark_yaml ("64MiB", 16384, 256, 320);
  g_autoptr (Run) b = run_yaml (y64, "baseline");
  check_wmarks (b, 320, 320, 256);
}

/* kswapd, woken at free == low (80), reclaims clean cached pages from
 * priority 12 down, lru_size >> priority pages per pass (the list shrinking
 * as it goes: 64 pages -> 1, 1, 3, 7, 13 at priorities 6..2), and sleeps as
 * soon as free reaches high (79 + 25 = 104 >= 96). */
static void
test_kswapd_reclaims_to_high (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 256KiB, state: cached } ]\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - allocate: { size: 3604480, as: a }\n"   /* 880 pages: 960 -> 80 */
    "      - allocate: { size: 4096, as: b }\n"      /* wake at 80; 79 */
    "      - sleep: { for: 1s }\n"
    "      - allocate: { size: 4096, as: c }\n",
    "baseline");
  gint64 kswapd = TASK (r, "kswapd0");
  g_assert_cmpint (q (r, "select a1" EV ("mm_vmscan_wakeup_kswapd")), ==, 80);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_kswapd_wake")), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_kswapd_sleep")), ==, 1);
  g_autofree char *passes = qs (r, "select group_concat(nr_reclaimed) from (select nr_reclaimed"
                                   " from reclaim_scans where task = %" G_GINT64_FORMAT
                                   " and lru = 'inactive' order by seq)", kswapd);
  g_assert_cmpstr (passes, ==, "1,1,3,7,13");
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and task = %" G_GINT64_FORMAT, kswapd), ==, 25);
  /* free after kswapd: 104; the allocation at 1 s leaves 103 */
  g_assert_cmpint (q (r, "select a1" EV ("mm_page_alloc") " and t_ns = 1000000000"), ==, 103);
  /* no direct reclaim was needed */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_direct_reclaim_begin")), ==, 0);
}

/* Direct reclaim below min runs in the allocating task, draining its CPU and
 * scanning the inactive tail.  With 64 cached pages, free 64 and one page
 * wanted, the model stops at the first pass that brings free to n + min. */
static const char *direct_yaml =
  "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /f, size: 256KiB, state: cached } ]\n"
  "tasks:\n  - name: t\n    ops:\n"
  "      - allocate: { size: 3665920, as: a }\n"   /* 895 pages: 960 -> 65, wakes kswapd */
  "      - allocate: { size: 4096, as: b }\n"      /* 64 */
  "      - allocate: { size: 4096, as: c }\n"      /* 64 < 65: direct reclaim */
  "      - sleep: { for: 1s }\n";

static void
test_direct_reclaim_by_allocating_task (void)
{
  g_autoptr (Run) r = run_yaml (direct_yaml, "baseline");
  gint64 t = TASK (r, "t");
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_direct_reclaim_begin")), ==, 1);
  g_assert_cmpint (q (r, "select task" EV ("mm_vmscan_direct_reclaim_begin")), ==, t);
  g_assert_cmpint (q (r, "select count(*) from reclaim_scans where task = %" G_GINT64_FORMAT, t),
                   >=, 1);
  g_assert_cmpint (q (r, "select count(*) from reclaim_scans where task = %" G_GINT64_FORMAT
                         " and nr_reclaimed > 0", t), >=, 1);
  /* reclaimed pages leave the cache in the allocating task's context */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and task = %" G_GINT64_FORMAT, t),
                   ==, q (r, "select a0" EV ("mm_vmscan_direct_reclaim_end")));
}

/* try_to_free_pages asks for SWAP_CLUSTER_MAX (32) pages and
 * do_try_to_free_pages goes down the priorities until that many are
 * reclaimed, whatever the watermarks say: 1, 1, 3, 7, 13 (priorities 6..2,
 * 25 pages) and then 39 >> 1 = 19 at priority 1: 44 pages. */
static void
test_direct_reclaim_reclaims_a_cluster (void)
{
  g_autoptr (Run) r = run_yaml (direct_yaml, "baseline");
  gint64 got = q (r, "select a0" EV ("mm_vmscan_direct_reclaim_end"));
  g_assert_cmpint (got, ==, 44);
}

/* kswapd that frees nothing fails; after MAX_RECLAIM_RETRIES (16) failures
 * wakeup_kswapd leaves the node to direct reclaim ("hopeless node").  The
 * model retries every 100 ms (its congestion wait). */
static void
test_kswapd_failures_stop_wakeups (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\n"
    "tasks:\n  - name: t\n    ops:\n"
    "      - allocate: { size: 3862528, as: a }\n"   /* 81 */
    "      - allocate: { size: 4096, as: b }\n"      /* 80 */
    "      - allocate: { size: 4096, as: c }\n"      /* wake; 79 */
    "      - sleep: { for: 2s }\n"
    "      - allocate: { size: 4096, as: d }\n"      /* 79 < 81: would wake */
    "      - allocate: { size: 4096, as: e }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_wakeup_kswapd")), ==, 1);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_kswapd_wake")), ==, 16);
  g_assert_cmpint (q (r, "select max(t_ns)" EV ("mm_vmscan_kswapd_wake")), ==,
                   G_GINT64_CONSTANT (1500000000));
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_kswapd_sleep")), ==, 1);
  g_assert_cmpint (q (r, "select t_ns" EV ("mm_vmscan_kswapd_sleep")), ==,
                   G_GINT64_CONSTANT (1500000000));
  /* the allocations at 2 s go below low without any wake-up */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_page_alloc") " and t_ns = 2000000000"), ==, 2);
  g_assert_cmpint (q (r, "select count(*) from events_named where t_ns >= 2000000000 and name"
                         " like 'mm_vmscan_%%'"), ==, 0);
}

/* ---- shrink_page_list, per page ---- */

/* (1) trylock_page: 16 pages in one readahead bio stay locked for the read
 * latency (100 us); direct reclaim at 50 us isolates them (15 on the LRU,
 * the 16th drained from the lru_add pagevec at the first scan) and keeps
 * every one: 1 + 4 + 8 + 16 scanned at priorities 3..0, none reclaimed. */
static void
test_locked_page_skipped (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 64KiB, content: random } ]\n"
    "tasks:\n"
    "  - name: r\n    ops:\n"
    "      - read: { file: /g, offset: 0, length: 65536 }\n"
    "  - name: p\n    ops:\n"
    "      - allocate: { at: 50us, size: 3866624, as: a }\n"   /* 944 pages: 1008 -> 64 */
    "      - allocate: { size: 4096, as: b }\n",
    "baseline");
  gint64 p = TASK (r, "p");
  g_autofree char *scans = qs (r, "select group_concat(nr_scanned || '/' || nr_reclaimed) from"
                                  " (select * from reclaim_scans where task = %" G_GINT64_FORMAT
                                  " order by seq)", p);
  g_assert_cmpstr (scans, ==, "1/0,4/0,8/0,16/0");
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT,
                      p), ==, 0);
  g_assert_cmpint (q (r, "select a0" EV ("mm_vmscan_direct_reclaim_end")), ==, 0);
  /* the read completes at 100 us and the pages are intact */
  g_assert_cmpint (q (r, "select count(*) from verifications where kind = 'read' and ok = 1"), ==,
                   1);
}

/* (2) PG_writeback: global reclaim sets PG_reclaim and activates the page
 * (nr_writeback counted); the page under fsync's write is not waited for. */
static const char *writeback_yaml =
  "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /g, size: 4096, content: random } ]\n"
  "tasks:\n"
  "  - name: w\n    ops:\n"
  "      - write: { file: /g, offset: 0, length: 4096, value: 65 }\n"
  "      - fsync: { file: /g }\n"
  "      - fadvise: { at: 1ms, file: /g, advice: dontneed }\n"
  "  - name: p\n    ops:\n"
  "      - allocate: { at: 50us, size: 3928064, as: a }\n"   /* 959 pages: 1023 -> 64 */
  "      - allocate: { size: 4096, as: b }\n";

static void
test_writeback_page_activated_with_reclaim (void)
{
  g_autoptr (Run) r = run_yaml (writeback_yaml, "baseline");
  gint64 p = TASK (r, "p");
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT,
                      p), ==, 1);
  g_assert_cmpint (q (r, "select a0" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT, p),
                   ==, SP_ACTIVATE);
  /* classified before page_check_references: no reference verdict */
  g_assert_cmpint (q (r, "select a1" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT, p),
                   ==, -1);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("shrink_page_list") " and task = %"
                         G_GINT64_FORMAT, PG_RECLAIM | PG_WRITEBACK, p),
                   ==, PG_RECLAIM | PG_WRITEBACK);
  g_assert_cmpint (q (r, "select nr_writeback from reclaim_scans where task = %" G_GINT64_FORMAT,
                      p), ==, 1);
  /* fsync's bio completes at 200 us: end_page_writeback clears PG_reclaim */
  g_assert_cmpint (q (r, "select t_ns" EV ("end_page_writeback") " and t_ns < 1000000"), ==,
                   200000);
  g_assert_cmpint (q (r, "select flags_before & %d" EV ("end_page_writeback")
                         " and t_ns < 1000000", PG_RECLAIM), ==, PG_RECLAIM);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("end_page_writeback")
                         " and t_ns < 1000000", PG_RECLAIM), ==, 0);
}

/* ... and rotate_reclaimable_page moves it to the inactive tail: in 5.8
 * pagevec_move_tail_fn clears PG_active (since "mm: vmscan: move dirty pages
 * out of the way until they're flushed", activated PG_reclaim pages are
 * rotated back).  fadvise's drain at 1 ms processes the rotate pagevec; the
 * page it then deletes must be inactive. */
static void
test_writeback_end_rotates_to_inactive (void)
{
  g_autoptr (Run) r = run_yaml (writeback_yaml, "baseline");
  gint64 flags = q (r, "select flags_before" EV ("mm_filemap_delete_from_page_cache")
                       " and t_ns = 1000000");
  g_assert_cmpint (flags & PG_ACTIVE, ==, 0);
}

/* (3) PG_dirty in direct reclaim: never written by reclaim; PG_reclaim set and
 * activated; a batch of only unqueued dirty pages wakes the flusher. */
static const char *dirty_yaml =
  "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /g, size: 4096, state: dirty, content: 7 } ]\n"
  "tasks:\n  - name: p\n    ops:\n"
  "      - allocate: { at: 50us, size: 3928064, as: a }\n"   /* 959 pages: 1023 -> 64 */
  "      - allocate: { size: 4096, as: b }\n"
  "      - sleep: { for: 1ms }\n";

static void
test_dirty_page_left_to_flusher (void)
{
  g_autoptr (Run) r = run_yaml (dirty_yaml, "baseline");
  gint64 p = TASK (r, "p");
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT,
                      p), ==, 1);
  g_assert_cmpint (q (r, "select a0" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT, p),
                   ==, SP_ACTIVATE);
  g_assert_cmpint (q (r, "select a1" EV ("shrink_page_list") " and task = %" G_GINT64_FORMAT, p),
                   ==, REF_RECLAIM);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("shrink_page_list") " and task = %"
                         G_GINT64_FORMAT, PG_RECLAIM | PG_DIRTY, p), ==, PG_RECLAIM | PG_DIRTY);
  /* no writepage from direct reclaim, no release, no removal.  (kswapd,
   * woken at the same time, does write it: its first shrink_node at
   * priority 12 takes nothing, and 5.8 sets PGDAT_DIRTY when
   * nr.unqueued_dirty == nr.file_taken, 0 == 0, so the PG_reclaim page goes
   * to pageout -- see test_kswapd_pgdat_dirty_per_shrink_node.) */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_writepage") " and task = %"
                         G_GINT64_FORMAT, p), ==, 0);
  g_assert_cmpint (q (r, "select count(*)" EV ("try_to_release_page") " and t_ns = 50000"), ==, 0);
  g_assert_cmpint (q (r, "select nr_dirty from reclaim_scans where task = %" G_GINT64_FORMAT, p),
                   ==, 1);
  /* every page taken was dirty and unqueued: wakeup_flusher_threads
   * (WB_REASON_VMSCAN), whose work starts at once */
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_start") " and a2 = 1 and t_ns = 50000"),
                   ==, 1);
  g_assert_cmpint (vmemu_machine_result (r->m)->losses->len, ==, 0);
}

/* PGDAT_DIRTY is set at the end of shrink_node over all its batches, and
 * in 5.8 also when nothing was taken (sc->nr.unqueued_dirty ==
 * sc->nr.file_taken, 0 == 0): kswapd's first shrink_node at priority 12
 * scans nothing (1 page >> 12) and flags the node, so when it reaches the
 * dirty page direct reclaim marked PG_reclaim, shrink_page_list sends it to
 * pageout (mm_vmscan_writepage by kswapd).  Fails with the flags set per
 * shrink_inactive_list batch (only for n > 0). */
static void
test_kswapd_pgdat_dirty_per_shrink_node (void)
{
  g_autoptr (Run) r = run_yaml (dirty_yaml, "baseline");
  gint64 kswapd = TASK (r, "kswapd0");
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_vmscan_writepage") " and task = %"
                         G_GINT64_FORMAT, kswapd), ==, 1);
  g_assert_cmpint (q (r, "select t_ns" EV ("mm_vmscan_writepage")), ==, 50000);
  g_assert_cmpint (vmemu_machine_result (r->m)->losses->len, ==, 0);
}

/* wakeup_flusher_threads(WB_REASON_VMSCAN) -> wb_start_writeback sets
 * WB_start_all, and wb_check_start_all writes every dirty page
 * (get_nr_dirty_pages()), whatever the background threshold.  Two dirty
 * files: kswapd, with PGDAT_DIRTY from its first shrink_node, writes /h's
 * PG_reclaim page itself (pageout); the flusher's VMSCAN work writes /g at
 * 50 us although the dirty count is far below the background threshold. */
static void
test_vmscan_wakeup_writes_dirty_pages (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 4096, state: dirty, content: 7 },\n"
    "         { path: /h, size: 4096, state: dirty, content: 8 } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"
    "      - allocate: { size: 4096, as: b }\n"
    "      - sleep: { for: 1ms }\n",
    "baseline");
  gint64 flusher = TASK (r, "kworker/u:flush");
  g_assert_cmpint (q (r, "select count(*)" EV ("writeback_start") " and a2 = 1 and t_ns = 50000"
                         " and task = %" G_GINT64_FORMAT, flusher), >=, 1);
  g_assert_cmpint (q (r, "select t_ns" EV ("block_bio_queue") " and a2 = 1 and task = %"
                         G_GINT64_FORMAT " order by seq limit 1", flusher), ==, 50000);
  g_assert_cmpint (q (r, "select ino" EV ("wbc_writepage") " and task = %" G_GINT64_FORMAT
                         " order by seq limit 1", flusher),
                   ==, q (r, "select ino from inodes where path = '/g'"));
}

/* (4) a mapped page: the first scan finds its young PTE (page_referenced)
 * and no PG_referenced: KEEP with PG_referenced set.  The second scan finds
 * no young PTE and PG_referenced: RECLAIM_CLEAN, try_to_unmap, then
 * try_to_release_page and the removal. */
static void
test_mapped_page_unmapped_first (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 4096, state: cached, content: 7 } ]\n"
    "tasks:\n"
    "  - name: m\n    ops:\n"
    "      - mmap: { file: /g, offset: 0, length: 4096, as: m }\n"
    "      - mread: { map: m, offset: 0, length: 16 }\n"
    "      - sleep: { for: 1ms }\n"
    "  - name: p\n    ops:\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"   /* 959 pages: 1023 -> 64 */
    "      - allocate: { size: 4096, as: b }\n"                 /* reclaim 1: KEEP */
    "      - free: { as: b }\n"
    "      - allocate: { size: 4096, as: c }\n",                /* reclaim 2: unmap, free */
    "baseline");
  gint64 p = TASK (r, "p");
  g_autofree char *outcomes = qs (r, "select group_concat(a0 || ':' || a1 || ':' || detail) from"
                                     " (select *" EV ("shrink_page_list") " and task = %"
                                     G_GINT64_FORMAT " order by seq)", p);
  g_assert_cmpstr (outcomes, ==, "1:2:keep,0:1:reclaimed");
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("shrink_page_list") " and task = %"
                         G_GINT64_FORMAT " order by seq limit 1", PG_REFERENCED | PG_MAPPED, p),
                   ==, PG_REFERENCED | PG_MAPPED);
  /* kernel order: try_to_unmap, try_to_release_page, delete */
  g_autofree char *order = qs (r, "select group_concat(name) from (select name from events_named"
                                  " where task = %" G_GINT64_FORMAT " and name in ('try_to_unmap',"
                                  " 'try_to_release_page', 'mm_filemap_delete_from_page_cache')"
                                  " order by seq)", p);
  g_assert_cmpstr (order, ==, "try_to_unmap,try_to_release_page,mm_filemap_delete_from_page_cache");
  g_assert_cmpint (q (r, "select a0" EV ("try_to_unmap")), ==, 1);
  g_assert_cmpint (q (r, "select mapcount" EV ("try_to_unmap")), ==, 0);
}

/* (5) page_check_references without PTEs: a page read once (PG_referenced)
 * is RECLAIM_CLEAN, and a clean page goes on to be freed.  With a young PTE
 * as well it is ACTIVATE. */
static void
test_referenced_page (void)
{
  g_autoptr (Run) a = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 4096, state: cached, content: 7 } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - read: { file: /g, offset: 0, length: 4096 }\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"
    "      - allocate: { size: 4096, as: b }\n",
    "baseline");
  g_autofree char *oa = qs (a, "select group_concat(a0 || ':' || a1)" EV ("shrink_page_list"));
  g_assert_cmpstr (oa, ==, "0:1");   /* RECLAIM_CLEAN, freed */
  g_assert_cmpint (q (a, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and t_ns = 50000"), ==, 1);

  g_autoptr (Run) b = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 4096, state: cached, content: 7 } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - read: { file: /g, offset: 0, length: 4096 }\n"
    "      - mmap: { file: /g, offset: 0, length: 4096, as: m }\n"
    "      - mread: { map: m, offset: 0, length: 16 }\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"
    "      - allocate: { size: 4096, as: b }\n",
    "baseline");
  gint64 p = TASK (b, "p");
  g_autofree char *ob = qs (b, "select group_concat(a0 || ':' || a1)" EV ("shrink_page_list")
                               " and task = %" G_GINT64_FORMAT, p);
  g_assert_cmpstr (ob, ==, "2:3");   /* ACTIVATE */
  g_assert_cmpint (q (b, "select count(*)" EV ("try_to_unmap") " and task = %" G_GINT64_FORMAT, p),
                   ==, 0);
  g_assert_cmpint (q (b, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and task = %" G_GINT64_FORMAT, p), ==, 0);
}

/* (6) try_to_release_page only for pages with private data: with 1 KiB
 * blocks the page has an iomap_page and it is released before the removal;
 * with 4 KiB blocks there is none (iomap_page_create does not make one). */
static void
test_release_only_private_pages (void)
{
  const char *fmt =
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: %d }\n"
    "files: [ { path: /g, size: 4096, state: cached, content: 7 } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"
    "      - allocate: { size: 4096, as: b }\n";
  g_autofree char *y1 = g_strdup_printf (fmt, 1024);
  g_autofree char *y4 = g_strdup_printf (fmt, 4096);
  g_autoptr (Run) a = run_yaml (y1, "baseline");
  g_autoptr (Run) b = run_yaml (y4, "baseline");
  g_autofree char *oa = qs (a, "select group_concat(name) from (select name from events_named"
                               " where t_ns = 50000 and name in ('try_to_release_page',"
                               " 'iomap_page_release', 'mm_filemap_delete_from_page_cache',"
                               " 'shrink_page_list') order by seq)");
  g_assert_cmpstr (oa, ==, "iomap_page_release,try_to_release_page,"
                           "mm_filemap_delete_from_page_cache,shrink_page_list");
  g_assert_cmpint (q (a, "select a0" EV ("try_to_release_page")), ==, 1);
  g_autofree char *ob = qs (b, "select group_concat(name) from (select name from events_named"
                               " where t_ns = 50000 and name in ('try_to_release_page',"
                               " 'iomap_page_release', 'mm_filemap_delete_from_page_cache',"
                               " 'shrink_page_list') order by seq)");
  g_assert_cmpstr (ob, ==, "mm_filemap_delete_from_page_cache,shrink_page_list");
}

/* (7) __remove_mapping freezes at exactly 2 references (cache + isolation):
 * a splice pipe's reference makes it fail after the iop was released; the
 * holders are named and the page stays cached without its iop. */
static void
test_remove_mapping_fails_on_extra_reference (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /g, size: 4096, state: cached, content: 7 } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - splice: { file: /g, offset: 0, length: 4096, pipe: q }\n"
    "      - allocate: { at: 50us, size: 3928064, as: a }\n"
    "      - allocate: { size: 4096, as: b }\n"
    "      - close_pipe: { pipe: q }\n",
    "baseline");
  g_autofree char *holders = qs (r, "select detail" EV ("remove_mapping_fail"));
  g_assert_cmpstr (holders, ==, "holders=cache,isolate,pipe");
  g_assert_cmpint (q (r, "select a0" EV ("remove_mapping_fail")), ==, 3);   /* refcount */
  g_assert_cmpint (q (r, "select a1" EV ("remove_mapping_fail")), ==, 2);   /* expected */
  g_assert_cmpint (q (r, "select a2" EV ("remove_mapping_fail")), ==, 0);   /* not dirty */
  /* splice marked it accessed: RECLAIM_CLEAN; the failed removal keeps it */
  g_autofree char *o = qs (r, "select a0 || ':' || a1" EV ("shrink_page_list"));
  g_assert_cmpstr (o, ==, "1:1");
  g_assert_cmpint (q (r, "select min(seq)" EV ("iomap_page_release")), <,
                   q (r, "select seq" EV ("remove_mapping_fail")));
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("remove_mapping_fail"), PG_PRIVATE), ==, 0);
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_filemap_delete_from_page_cache")
                         " and seq < (select seq" EV ("pipe_buf_release") ")"), ==, 0);
}

/* (8) lru_cache_add: pages wait in the per-CPU lru_add pagevec, off the LRU,
 * until their CPU drains it.  The reader on CPU 1 leaves /g's 4 pages in its
 * pagevec; direct reclaim on CPU 0 drains only CPU 0 and reclaims the two
 * cached /c pages, never a /g page, until the reader's exit
 * (exit_mmap drain, 250.1 ms) puts them on the LRU and kswapd's next pass
 * (300.5 ms, after its 100 ms waits) reclaims all four. */
static void
test_pagevec_pages_invisible_until_drained (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB, cpus: 2 }\nfilesystem: { block_size: 1024 }\n"
    "files:\n  - { path: /g, size: 16KiB, content: random }\n"
    "  - { path: /c, size: 8KiB, state: cached }\n"
    "tasks:\n"
    "  - name: r\n    cpu: 1\n    ops:\n"
    "      - read: { file: /g, offset: 0, length: 16384 }\n"
    "      - sleep: { for: 250ms }\n"
    "  - name: p\n    cpu: 0\n    ops:\n"
    "      - allocate: { at: 500us, size: 3907584, as: a }\n"   /* 954 pages: 1018 -> 64 */
    "      - allocate: { size: 4096, as: b }\n"                 /* direct reclaim */
    "      - sleep: { for: 1s }\n",
    "baseline");
  gint64 rt = TASK (r, "r"), pt = TASK (r, "p"), kswapd = TASK (r, "kswapd0");
  gint64 g = q (r, "select ino from inodes where path = '/g'");
  gint64 c = q (r, "select ino from inodes where path = '/c'");
  /* at 500 us: both /c pages by the direct reclaim (it wants a cluster of
   * 32), none left for kswapd */
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and t_ns = 500000 and ino = %"
                         G_GINT64_FORMAT " and detail = 'reclaimed' and task = %" G_GINT64_FORMAT,
                      c, pt), ==, 2);
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and t_ns = 500000 and ino = %"
                         G_GINT64_FORMAT " and detail = 'reclaimed' and task = %" G_GINT64_FORMAT,
                      c, kswapd), ==, 0);
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and ino = %" G_GINT64_FORMAT
                         " and t_ns < 250100000", g), ==, 0);
  /* CPU 1's pagevec is drained by the reader's exit */
  g_assert_cmpint (q (r, "select t_ns" EV ("lru_add_drain") " and task = %" G_GINT64_FORMAT, rt),
                   ==, 250100000);
  g_assert_cmpint (q (r, "select a1" EV ("lru_add_drain") " and task = %" G_GINT64_FORMAT, rt), ==,
                   4);
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and ino = %" G_GINT64_FORMAT
                         " and detail = 'reclaimed' and t_ns = 300500000 and task = %"
                         G_GINT64_FORMAT, g, kswapd), ==, 4);
}

/* ---- shrink_active_list ---- */

/* Pages read twice become active (PG_active set while in the lru_add
 * pagevec); with nothing inactive, inactive_list_is_low and the active tail
 * is deactivated, then reclaimed from the inactive list. */
static const char *active_yaml =
  "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 1024 }\n"
  "files: [ { path: /g, size: 16KiB, content: random } ]\n"
  "tasks:\n"
  "  - name: r\n    ops:\n"
  "      - read: { file: /g, offset: 0, length: 16384 }\n"
  "      - read: { file: /g, offset: 0, length: 16384 }\n"
  "  - name: p\n    ops:\n"
  "      - allocate: { at: 500us, size: 3915776, as: a }\n"   /* 956 pages: 1020 -> 64 */
  "      - allocate: { size: 4096, as: b }\n";

static void
test_shrink_active_deactivates (void)
{
  g_autoptr (Run) r = run_yaml (active_yaml, "baseline");
  gint64 p = TASK (r, "p");
  /* the reader's exit drained 4 pages onto the active list */
  g_assert_cmpint (q (r, "select count(*)" EV ("mm_lru_insertion") " and a0 = 1"), ==, 4);
  /* direct reclaim wants a cluster (32): each priority deactivates the active
   * tail (1, 1, then 2 pages) and reclaims those pages from the inactive list */
  g_assert_cmpint (q (r, "select count(*) from reclaim_scans where lru = 'active' and task = %"
                         G_GINT64_FORMAT, p), ==, 3);
  g_assert_cmpint (q (r, "select nr_taken from reclaim_scans where lru = 'active' order by seq"
                         " limit 1"), ==, 1);
  g_assert_cmpint (q (r, "select sum(nr_deactivated) from reclaim_scans where lru = 'active'"), ==, 4);
  g_assert_cmpint (q (r, "select count(*)" EV ("shrink_page_list") " and detail = 'deactivate'"),
                   ==, 4);
  g_assert_cmpint (q (r, "select flags_before & %d" EV ("shrink_page_list")
                         " and detail = 'deactivate' order by seq limit 1", PG_ACTIVE), ==, PG_ACTIVE);
  g_assert_cmpint (q (r, "select flags_after & %d" EV ("shrink_page_list")
                         " and detail = 'deactivate' order by seq limit 1", PG_ACTIVE), ==, 0);
  /* the first deactivated page is the first reclaimed from the inactive list */
  g_assert_cmpint (q (r, "select idx" EV ("shrink_page_list") " and detail = 'reclaimed' order by seq limit 1"), ==,
                   q (r, "select idx" EV ("shrink_page_list") " and detail = 'deactivate' order by seq limit 1"));
  g_assert_cmpint (q (r, "select a0" EV ("mm_vmscan_direct_reclaim_end")), ==, 4);
}

/* 5.8 shrink_active_list: ClearPageActive + SetPageWorkingset on every page
 * it deactivates (since 4.20, "mm: workingset: tell cache transitions from
 * workingset thrashing"). */
static void
test_shrink_active_sets_workingset (void)
{
  g_autoptr (Run) r = run_yaml (active_yaml, "baseline");
  gint64 f = q (r, "select flags_after" EV ("shrink_page_list") " and detail = 'deactivate'");
  g_assert_cmpint (f & PG_WORKINGSET, ==, PG_WORKINGSET);
}

/* buffer_heads_over_limit: shrink_active_list releases the private data of
 * every active page it can trylock, mapped or not, and the page stays in the
 * cache (S5).  4 active mapped pages of /g, 2 cached inactive pages of /c:
 * the one deactivated /g page loses its iop; the inactive scan reclaims a /c
 * page instead. */
static const char *bh_fmt =
  "name: t\nmachine: { memory: 4MiB, reclaim: { buffer_heads_over_limit: %s } }\n"
  "filesystem: { block_size: 1024 }\n"
  "files:\n  - { path: /g, size: 16KiB, content: random }\n"
  "  - { path: /c, size: 8KiB, state: cached }\n"
  "tasks:\n"
  "  - name: r\n    ops:\n"
  "      - read: { file: /g, offset: 0, length: 16384 }\n"
  "      - read: { file: /g, offset: 0, length: 16384 }\n"
  "  - name: m\n    ops:\n"
  "      - mmap: { at: 200us, file: /g, offset: 0, length: 16384, as: m }\n"
  "      - mread: { map: m, offset: 0, length: 16384 }\n"
  "      - sleep: { for: 1ms }\n"
  "  - name: p\n    ops:\n"
  "      - allocate: { at: 500us, size: 3907584, as: a }\n"   /* 954 pages: 1018 -> 64 */
  "      - allocate: { size: 4096, as: b }\n";

static void
test_buffer_heads_over_limit (void)
{
  g_autofree char *yon = g_strdup_printf (bh_fmt, "true");
  g_autofree char *yoff = g_strdup_printf (bh_fmt, "false");
  g_autoptr (Run) on = run_yaml (yon, "baseline");
  g_autoptr (Run) off = run_yaml (yoff, "baseline");
  gint64 p = TASK (on, "p");
  gint64 g = q (on, "select ino from inodes where path = '/g'");
  gint64 c = q (on, "select ino from inodes where path = '/c'");
  /* released from active, mapped pages by the reclaiming task: the three
   * pages of /g that the growing scans deactivate (a cluster of 32 is wanted) */
  g_assert_cmpint (q (on, "select count(*)" EV ("try_to_release_page") " and task = %"
                          G_GINT64_FORMAT " and ino = %" G_GINT64_FORMAT " and a0 = 1"
                          " and flags_before & %d = %d", p, g, PG_ACTIVE | PG_MAPPED,
                          PG_ACTIVE | PG_MAPPED), ==, 3);
  gint64 idx = q (on, "select idx" EV ("try_to_release_page") " and ino = %" G_GINT64_FORMAT
                      " order by seq limit 1", g);
  gint64 rel = q (on, "select seq" EV ("try_to_release_page") " and ino = %" G_GINT64_FORMAT
                      " order by seq limit 1", g);
  /* the page stays cached: the next thing that happens to it is its
   * deactivation, still mapped and now without its iomap_page */
  g_assert_cmpint (q (on, "select seq" EV ("shrink_page_list") " and ino = %" G_GINT64_FORMAT
                          " and idx = %" G_GINT64_FORMAT " and seq > %" G_GINT64_FORMAT
                          " order by seq limit 1", g, idx, rel), ==, rel + 1);
  g_assert_cmpint (q (on, "select flags_after & %d" EV ("shrink_page_list") " and seq = %"
                          G_GINT64_FORMAT, PG_PRIVATE | PG_MAPPED, rel + 1), ==, PG_MAPPED);
  /* the first page the inactive scan reclaims is a /c page */
  g_assert_cmpint (q (on, "select ino" EV ("shrink_page_list") " and detail = 'reclaimed'"
                          " order by seq limit 1"), ==, c);
  /* without the switch, shrink_active_list releases nothing: /g's first
   * release comes from shrink_page_list after /c's pages are gone */
  gint64 first_c = q (off, "select min(seq)" EV ("shrink_page_list") " and detail = 'reclaimed'");
  g_assert_cmpint (q (off, "select count(*)" EV ("try_to_release_page") " and ino = %"
                           G_GINT64_FORMAT " and seq < %" G_GINT64_FORMAT, g, first_c), ==, 0);
  g_assert_cmpint (q (off, "select count(*)" EV ("shrink_page_list") " and detail = 'deactivate'"),
                   ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reclaim/kswapd/pgdat-dirty-per-shrink-node",
                   test_kswapd_pgdat_dirty_per_shrink_node);
  g_test_add_func ("/reclaim/watermarks/derived-4mib-64mib", test_watermarks_derived);
  g_test_add_func ("/reclaim/kswapd/reclaims-to-high", test_kswapd_reclaims_to_high);
  g_test_add_func ("/reclaim/kswapd/failures-stop-wakeups", test_kswapd_failures_stop_wakeups);
  g_test_add_func ("/reclaim/direct/by-allocating-task", test_direct_reclaim_by_allocating_task);
  g_test_add_func ("/reclaim/direct/reclaims-a-cluster", test_direct_reclaim_reclaims_a_cluster);
  g_test_add_func ("/reclaim/shrink-page-list/locked-skipped", test_locked_page_skipped);
  g_test_add_func ("/reclaim/shrink-page-list/writeback-activated",
                   test_writeback_page_activated_with_reclaim);
  g_test_add_func ("/reclaim/shrink-page-list/writeback-end-rotates",
                   test_writeback_end_rotates_to_inactive);
  g_test_add_func ("/reclaim/shrink-page-list/dirty-left-to-flusher",
                   test_dirty_page_left_to_flusher);
  g_test_add_func ("/reclaim/shrink-page-list/vmscan-wakeup-writes",
                   test_vmscan_wakeup_writes_dirty_pages);
  g_test_add_func ("/reclaim/shrink-page-list/mapped-unmapped-first",
                   test_mapped_page_unmapped_first);
  g_test_add_func ("/reclaim/shrink-page-list/referenced", test_referenced_page);
  g_test_add_func ("/reclaim/shrink-page-list/release-private-only",
                   test_release_only_private_pages);
  g_test_add_func ("/reclaim/shrink-page-list/remove-mapping-extra-ref",
                   test_remove_mapping_fails_on_extra_reference);
  g_test_add_func ("/reclaim/pagevec/invisible-until-drained",
                   test_pagevec_pages_invisible_until_drained);
  g_test_add_func ("/reclaim/shrink-active/deactivates", test_shrink_active_deactivates);
  g_test_add_func ("/reclaim/shrink-active/workingset", test_shrink_active_sets_workingset);
  g_test_add_func ("/reclaim/shrink-active/buffer-heads-over-limit", test_buffer_heads_over_limit);
  return g_test_run ();
}
