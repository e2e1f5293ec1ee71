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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fidelity/pagecache_isize_extended/truncate", test_isize_extended_truncate);
  g_test_add_func ("/fidelity/pagecache_isize_extended/write", test_isize_extended_write);
  g_test_add_func ("/fidelity/pagecache_isize_extended/conditions", test_isize_extended_conditions);
  g_test_add_func ("/fidelity/write_begin_clear_error/after-uptodate",
                   test_write_begin_clear_error_after_uptodate);
  return g_test_run ();
}
