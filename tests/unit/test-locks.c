/* test-locks.c — the sleeping locks that order tasks (docs/model.md
 * "Sleeping locks"): the XFS IOLOCK (i_rwsem) and MMAPLOCK as 5.8's
 * xfs_file_fallocate, xfs_vn_setattr, xfs_file_buffered_aio_read/write and
 * __xfs_filemap_fault take them, with rwsem's FIFO wake-up order; and the
 * page reference wp_page_shared keeps across balance_dirty_pages_ratelimited.
 *
 * Device latencies are the defaults (read 100 us, write 200 us, no jitter).
 */
#include <signal.h>
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
enum { IOLOCK = 1, MMAPLOCK = 2 };
enum { SHARED = 1, EXCL = 2 };

static guint
losses (Run *r)
{
  return vmemu_machine_result (r->m)->losses->len;
}

/* xfs_file_fallocate holds XFS_MMAPLOCK_EXCL across xfs_flush_unmap_range:
 * the write fault at 1.05 ms sleeps in __xfs_filemap_fault until the punch
 * ends (1.2 ms), then faults page 0 back in; its store survives
 * (scenarios/k58-punch-mmaplock.yaml).  Fails without the MMAPLOCK: the
 * fault dirties page 0 between the flush and the truncation, which throws
 * the store away. */
static void
test_punch_holds_mmaplock (void)
{
  g_autofree char *yaml = NULL;   /* tests run from the project root */
  g_assert_true (g_file_get_contents ("scenarios/k58-punch-mmaplock.yaml", &yaml, NULL, NULL));
  g_autoptr (Run) r = run_yaml (yaml, "baseline");
  gint64 mapper = TASK (r, "mapper");
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_ilock_wait") " and task = %" G_GINT64_FORMAT
                         " and a0 = %d and a1 = %d and t_ns = 1050000", mapper, MMAPLOCK, SHARED),
                   ==, 1);
  g_assert_cmpint (q (r, "select t_ns" EV ("xfs_ilock_grant") " and a2 = %" G_GINT64_FORMAT,
                      mapper), ==, q (r, "select t_end_ns from syscalls where op = 'punch_hole'"));
  g_assert_cmpint (q (r, "select min(t_ns)" EV ("xfs_filemap_page_mkwrite")), >=, 1200000);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* xfs_vn_setattr takes XFS_MMAPLOCK_EXCL (and do_truncate the i_rwsem)
 * around xfs_setattr_size: page 2 is under writeback (sync_file_range at
 * 1 ms), so the shrinking truncate at 1.01 ms sleeps in
 * truncate_inode_pages_range until 1.2 ms; a read fault on page 2 at 1.02 ms
 * sleeps on the MMAPLOCK meanwhile and then sees the new size: SIGBUS
 * (-EFAULT), never the old page. */
static void
test_truncate_holds_mmaplock (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: random } ]\n"
    "tasks:\n  - name: w\n    ops:\n"
    "      - write: { file: /f, offset: 8192, length: 4096, value: 1 }\n"
    "      - sync_file_range: { at: 1ms, file: /f }\n"
    "      - truncate: { at: 1010us, file: /f, size: 1024 }\n"
    "  - name: m\n    ops:\n"
    "      - mmap: { file: /f, offset: 0, length: 16384, as: m }\n"
    "      - mread: { at: 1020us, map: m, offset: 8192, length: 8 }\n",
    "baseline");
  gint64 m = TASK (r, "m");
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_ilock_wait") " and task = %" G_GINT64_FORMAT
                         " and a0 = %d and t_ns = 1020000", m, MMAPLOCK), ==, 1);
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'truncate'"), ==, 1200000);
  /* past the new EOF: filemap_fault's VM_FAULT_SIGBUS */
  g_assert_cmpint (q (r, "select result from syscalls where op = 'mread'"), ==,
                   -(VMEMU_RESULT_SIGNAL_BASE + SIGBUS));
  g_assert_cmpuint (losses (r), ==, 0);
}

/* rwsem FIFO order (rwsem_mark_wake): while a punch holds IOLOCK_EXCL, a
 * read queues (SHARED), then a write (EXCL), then a second read (SHARED,
 * behind the queued writer: it may not jump the queue).  At release the
 * oldest sleeper is a reader, so every sleeping reader is woken (5.8 wakes
 * them all, writers stay queued); the write runs after both reads. */
static void
test_rwsem_fifo_wakes_all_readers (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: random } ]\n"
    "tasks:\n  - name: p\n    ops:\n"
    "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
    "      - punch_hole: { at: 1ms, file: /f, offset: 0, length: 1024 }\n"
    "  - name: r1\n    ops:\n"
    "      - read: { at: 1010us, file: /f, offset: 8192, length: 100 }\n"
    "  - name: w\n    ops:\n"
    "      - write: { at: 1020us, file: /f, offset: 8192, length: 100, value: 2 }\n"
    "  - name: r2\n    ops:\n"
    "      - read: { at: 1030us, file: /f, offset: 12288, length: 100 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_ilock_wait") " and a0 = %d", IOLOCK), ==, 3);
  g_autofree char *order = qs (r, "select group_concat(n) from (select t.name as n from events_named e"
                                  " join tasks t on t.id = e.a2 where e.name = 'xfs_ilock_grant'"
                                  " and e.a0 = %d order by e.seq)", IOLOCK);
  g_assert_cmpstr (order, ==, "r1,r2,w");
  gint64 punch_end = q (r, "select t_end_ns from syscalls where op = 'punch_hole'");
  g_assert_cmpint (q (r, "select t_start_ns from syscalls where op = 'write' and offset = 8192"),
                   ==, 1020000);
  g_assert_cmpint (q (r, "select seq_exit from syscalls where op = 'write' and offset = 8192"),
                   >, q (r, "select max(seq_exit) from syscalls where op = 'read'"));
  g_assert_cmpint (q (r, "select min(t_end_ns) from syscalls where op = 'read'"), >, punch_end);
  g_assert_cmpuint (losses (r), ==, 0);
}

/* Two buffered reads share the IOLOCK: neither waits even while one holds
 * its page references for 5 ms (xfs_file_buffered_aio_read,
 * IOLOCK_SHARED); a buffered write (IOLOCK_EXCL) waits for the slow read. */
static void
test_reads_share_writes_wait (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nfilesystem: { block_size: 1024 }\n"
    "files: [ { path: /f, size: 16KiB, content: random } ]\n"
    "tasks:\n  - name: slow\n    ops:\n"
    "      - read: { file: /f, offset: 0, length: 4096, hold: 5ms }\n"
    "  - name: fast\n    ops:\n"
    "      - read: { at: 1ms, file: /f, offset: 4096, length: 4096 }\n"
    "  - name: w\n    ops:\n"
    "      - write: { at: 2ms, file: /f, offset: 8192, length: 10, value: 3 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_ilock_wait") " and task = %" G_GINT64_FORMAT,
                      TASK (r, "fast")), ==, 0);
  g_assert_cmpint (q (r, "select count(*)" EV ("xfs_ilock_wait") " and task = %" G_GINT64_FORMAT
                         " and a1 = %d", TASK (r, "w"), EXCL), ==, 1);
  g_assert_cmpint (q (r, "select t_end_ns from syscalls where op = 'write'"), >=,
                   q (r, "select t_end_ns from syscalls where op = 'read' and offset = 0"));
}

/* wp_page_shared takes a page reference before page_mkwrite and puts it
 * only after fault_dirty_shared_page -> balance_dirty_pages_ratelimited,
 * which may sleep.  The pages are mapped read-only by the loads, so every
 * store is a wp_page_shared fault; the 160th dirtied page (index 159, at
 * 0.9 ms, when the mread ends) crosses the freerun point and the task sleeps.  A migration of
 * that page at 1.0 ms finds the fault's reference and fails with -EAGAIN
 * (migrate_page_move_mapping's count check).  Fails if the reference is
 * dropped before the throttle. */
static void
test_wp_page_shared_holds_across_balance (void)
{
  g_autoptr (Run) r = run_yaml (
    "name: t\nmachine: { memory: 4MiB }\nfilesystem: { block_size: 4096 }\n"
    "files: [ { path: /f, size: 2MiB, content: random } ]\n"
    "tasks:\n  - name: m\n    ops:\n"
    "      - mmap: { file: /f, offset: 0, length: 2MiB, as: m }\n"
    "      - mread: { map: m, offset: 0, length: 2MiB }\n"
    "      - mwrite: { map: m, offset: 0, length: 2MiB, value: 4 }\n"
    "  - name: x\n    ops:\n      - migrate: { at: 1000us, file: /f, offset: 651264 }\n",
    "baseline");
  g_assert_cmpint (q (r, "select min(t_ns)" EV ("balance_dirty_pages")), ==, 900000);
  g_autofree char *holders = qs (r, "select detail" EV ("iomap_migrate_page") " and idx = 159");
  g_assert_cmpstr (holders, ==, "cache,pte,fault,isolate");
  g_assert_cmpint (q (r, "select a1" EV ("mm_migrate_pages")), ==, -11);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/locks/mmaplock/punch", test_punch_holds_mmaplock);
  g_test_add_func ("/locks/mmaplock/truncate", test_truncate_holds_mmaplock);
  g_test_add_func ("/locks/rwsem/fifo-wakes-all-readers", test_rwsem_fifo_wakes_all_readers);
  g_test_add_func ("/locks/iolock/reads-share-writes-wait", test_reads_share_writes_wait);
  g_test_add_func ("/locks/wp-page-shared/holds-across-balance",
                   test_wp_page_shared_holds_across_balance);
  return g_test_run ();
}
