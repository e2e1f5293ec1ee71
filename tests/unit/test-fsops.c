/* test-fsops.c — the filesystem operations of engine/model/fsops.c through
 * the machine API: small scenarios built from YAML, run under a variant, and
 * checked on exact results (final file bytes and size, op errors, losses,
 * and trace rows for the conditions that leave no trace in the bytes). */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "engine/run/run.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

/* Common head: 4 KiB pages, 1 KiB blocks, one zero-filled on-disk file of
 * `size` bytes; ops follow as one task. */
static char *
scn_yaml (guint64 size, const char *ops)
{
  return g_strdup_printf ("name: t\n"
                          "machine: { page_size: 4096, memory: \"64MiB\", seed: 1 }\n"
                          "filesystem: { block_size: 1024 }\n"
                          "files:\n  - { path: /f, size: %" G_GUINT64_FORMAT
                          ", content: zero, state: on-disk }\n"
                          "tasks:\n  - name: t\n    ops:\n%s",
                          size, ops);
}

typedef struct {
  GBytes *file;              /* final contents of /f */
  guint64 op_errors;
  guint losses;
  sqlite3 *db;               /* the trace, when asked for */
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->file, g_bytes_unref);
  if (r->db)
    sqlite3_close (r->db);
  r->db = NULL;
}

static void
run_scenario (const char *ops, guint64 size, const char *variant, gboolean trace, Run *out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *y = scn_yaml (size, ops);
  g_autoptr (VmemuScenario) scn = vmemu_scenario_load_data ("t.yaml", y, strlen (y), &error);
  g_assert_no_error (error);
  g_autoptr (VmemuVariant) v = vmemu_variant_parse (variant, &error);
  g_assert_no_error (error);
  VmemuRunOptions ro = { .scenario = scn, .variant = v,
                         .trace_path = trace ? VMEMU_RUN_TRACE_MEMORY : NULL };
  g_autoptr (VmemuRun) run = vmemu_run_one (&ro);
  g_assert_no_error (vmemu_run_error (run));
  VmemuMachine *m = vmemu_run_machine (run);
  const VmemuRunResult *r = vmemu_run_machine_result (run);
  out->op_errors = r->op_errors;
  out->losses = r->losses->len;
  g_autofree char *dir = g_dir_make_tmp ("test-fsops-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_true (vmemu_machine_dump_files (m, dir, &error));
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "f", NULL);
  char *data;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  out->file = g_bytes_new_take (data, len);
  g_unlink (path);
  g_rmdir (dir);
  out->db = vmemu_run_steal_db (run);
}

/* Assert f[off, off+len) is all `byte`. */
static void
assert_range (GBytes *f, guint64 off, guint64 len, guint8 byte)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (f, &n);
  g_assert_cmpuint (off + len, <=, n);
  for (guint64 i = off; i < off + len; i++)
    if (d[i] != byte)
      g_error ("byte %" G_GUINT64_FORMAT " is %02x, want %02x", i, d[i], byte);
}

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  gint64 v = -1;
  if (sqlite3_step (st) == SQLITE_ROW)
    v = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return v;
}

/* punch_hole: [1500, 6500) zero (partial blocks through the write path),
 * everything else kept, size unchanged; pages are mapped and dirty. */
static void
test_punch_hole (void)
{
  Run r = { 0 };
  run_scenario ("      - write: { file: /f, offset: 0, length: 16384, value: 17 }\n"
                "      - mmap: { file: /f, offset: 0, length: 16384, as: m }\n"
                "      - mwrite: { map: m, offset: 1000, length: 8000, value: 34 }\n"
                "      - punch_hole: { file: /f, offset: 1500, length: 5000 }\n"
                "      - mread: { map: m, offset: 0, length: 16384 }\n",
                16384, "baseline", FALSE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 16384);
  assert_range (r.file, 0, 1000, 17);
  assert_range (r.file, 1000, 500, 34);
  assert_range (r.file, 1500, 5000, 0);
  assert_range (r.file, 6500, 2500, 34);
  assert_range (r.file, 9000, 7384, 17);
  g_assert_cmpuint (r.op_errors, ==, 0);
  g_assert_cmpuint (r.losses, ==, 0);
  run_clear (&r);
}

/* zero_range: without keep_size the file grows to the end of the range;
 * with keep_size it does not. */
static void
test_zero_range_size (void)
{
  Run r = { 0 };
  run_scenario ("      - write: { file: /f, offset: 0, length: 8192, value: 5 }\n"
                "      - zero_range: { file: /f, offset: 7000, length: 3000 }\n",
                0, "patched", FALSE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 10000);
  assert_range (r.file, 0, 7000, 5);
  assert_range (r.file, 7000, 3000, 0);
  run_clear (&r);
  run_scenario ("      - write: { file: /f, offset: 0, length: 8192, value: 5 }\n"
                "      - zero_range: { file: /f, offset: 7000, length: 3000, keep_size: true }\n",
                0, "patched", FALSE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 8192);
  assert_range (r.file, 7000, 1192, 0);
  g_assert_cmpuint (r.op_errors, ==, 0);
  run_clear (&r);
}

/* collapse removes [4096, 8192) and shifts the tail down; insert makes a
 * zero range and shifts it up; misaligned or reaching EOF is -EINVAL. */
static void
test_collapse_insert (void)
{
  const char *w = "      - write: { file: /f, offset: 0, length: 4096, value: 1 }\n"
                  "      - write: { file: /f, offset: 4096, length: 4096, value: 2 }\n"
                  "      - write: { file: /f, offset: 8192, length: 4000, value: 3 }\n";
  Run r = { 0 };
  g_autofree char *c = g_strconcat (w, "      - collapse_range: { file: /f, offset: 4096, length: 4096 }\n",
                                    NULL);
  run_scenario (c, 0, "baseline", FALSE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 8096);
  assert_range (r.file, 0, 4096, 1);
  assert_range (r.file, 4096, 4000, 3);
  g_assert_cmpuint (r.op_errors, ==, 0);
  g_assert_cmpuint (r.losses, ==, 0);
  run_clear (&r);

  g_autofree char *i = g_strconcat (w, "      - insert_range: { file: /f, offset: 4096, length: 8192 }\n",
                                    "      - read: { file: /f, offset: 0, length: 20384 }\n", NULL);
  run_scenario (i, 0, "baseline", FALSE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 20384);
  assert_range (r.file, 0, 4096, 1);
  assert_range (r.file, 4096, 8192, 0);
  assert_range (r.file, 12288, 4096, 2);
  assert_range (r.file, 16384, 4000, 3);
  g_assert_cmpuint (r.op_errors, ==, 0);
  g_assert_cmpuint (r.losses, ==, 0);
  run_clear (&r);

  g_autofree char *bad = g_strconcat (w, "      - collapse_range: { file: /f, offset: 100, length: 4096 }\n"
                                      "      - collapse_range: { file: /f, offset: 4096, length: 8192 }\n"
                                      "      - insert_range: { file: /f, offset: 12288, length: 1024 }\n",
                                      NULL);
  run_scenario (bad, 0, "baseline", FALSE, &r);
  g_assert_cmpuint (r.op_errors, ==, 3);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 12192);
  run_clear (&r);
}

/* fallocate KEEP_SIZE past EOF leaves the size; exposed by truncate up the
 * preallocated blocks read as zeros; plain fallocate extends the size. */
static void
test_fallocate (void)
{
  Run r = { 0 };
  run_scenario ("      - write: { file: /f, offset: 0, length: 5000, value: 9 }\n"
                "      - fsync: { file: /f }\n"
                "      - fallocate: { file: /f, offset: 3000, length: 9000, keep_size: true }\n"
                "      - truncate: { file: /f, size: 10000 }\n"
                "      - fallocate: { file: /f, offset: 12000, length: 100 }\n",
                0, "patched", TRUE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 12100);
  assert_range (r.file, 0, 5000, 9);
  assert_range (r.file, 5000, 7100, 0);
  g_assert_cmpuint (r.op_errors, ==, 0);
  g_assert_cmpuint (r.losses, ==, 0);
  /* Blocks 5..11 were holes: preallocated unwritten by the first call. */
  g_assert_cmpint (query_int (r.db, "SELECT a2 FROM events_named WHERE name = "
                                    "'xfs_map_blocks_alloc' AND detail = 'xfs_alloc_file_space' "
                                    "ORDER BY seq LIMIT 1"),
                   ==, 7);
  run_clear (&r);
}

/* copy_range copies the old source bytes, grows the file past EOF, and
 * refuses overlapping ranges. */
static void
test_copy_range (void)
{
  Run r = { 0 };
  run_scenario ("      - write: { file: /f, offset: 0, length: 3000, value: 1 }\n"
                "      - write: { file: /f, offset: 3000, length: 3000, value: 2 }\n"
                "      - copy_range: { file: /f, src: 2000, dst: 8000, length: 2000 }\n"
                "      - copy_range: { file: /f, src: 0, dst: 1000, length: 2000 }\n",
                0, "baseline", TRUE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 10000);
  assert_range (r.file, 0, 3000, 1);
  assert_range (r.file, 3000, 3000, 2);
  assert_range (r.file, 6000, 2000, 0);
  assert_range (r.file, 8000, 1000, 1);
  assert_range (r.file, 9000, 1000, 2);
  g_assert_cmpuint (r.op_errors, ==, 1);   /* the overlapping one */
  g_assert_cmpuint (r.losses, ==, 0);
  /* the pipe buffers held page references and released them */
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = 'splice_to_pipe'"),
                   ==, query_int (r.db, "SELECT count(*) FROM events_named WHERE name = 'pipe_buf_release'"));
  run_clear (&r);
}

/* Direct I/O: sector alignment or -EINVAL; a direct write over dirty cached
 * pages after their flush; allocation as unwritten converted at completion;
 * the page cache invalidated before and after. */
static void
test_direct_io (void)
{
  Run r = { 0 };
  run_scenario ("      - write: { file: /f, offset: 0, length: 8192, value: 3 }\n"
                "      - write: { file: /f, offset: 100, length: 512, direct: true }\n"
                "      - write: { file: /f, offset: 1024, length: 2048, direct: true, value: 4 }\n"
                "      - write: { file: /f, offset: 8192, length: 1536, direct: true, value: 6 }\n"
                "      - read: { file: /f, offset: 0, length: 10240, direct: true }\n"
                "      - read: { file: /f, offset: 0, length: 9728 }\n",
                0, "baseline", TRUE, &r);
  g_assert_cmpuint (g_bytes_get_size (r.file), ==, 9728);
  assert_range (r.file, 0, 1024, 3);
  assert_range (r.file, 1024, 2048, 4);
  assert_range (r.file, 3072, 5120, 3);
  assert_range (r.file, 8192, 1536, 6);
  g_assert_cmpuint (r.op_errors, ==, 1);   /* offset 100 */
  g_assert_cmpuint (r.losses, ==, 0);
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = "
                                    "'xfs_unwritten_convert' AND detail = 'xfs_dio_write_end_io'"),
                   ==, 1);
  /* iomap_dio_rw invalidates before each I/O (reads too in 5.8) and after
   * each write with cached pages */
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = "
                                    "'invalidate_inode_pages2_range'"),
                   >=, 4);
  run_clear (&r);
}

/* Under VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY a direct read leaves the cache. */
static void
test_dio_read_invalidation_switch (void)
{
  const char *ops = "      - read: { file: /f, offset: 0, length: 4096 }\n"
                    "      - read: { file: /f, offset: 0, length: 4096, direct: true }\n";
  Run r = { 0 };
  run_scenario (ops, 8192, "baseline", TRUE, &r);
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = "
                                    "'invalidate_inode_pages2_range'"), ==, 1);
  run_clear (&r);
  run_scenario (ops, 8192, "baseline+dio_invalidate_writes_only", TRUE, &r);
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = "
                                    "'invalidate_inode_pages2_range'"), ==, 0);
  run_clear (&r);
}

/* Migration: success moves the iomap_page (bits intact: the later store is
 * written); an extra reference makes migrate_page_move_mapping refuse. */
static void
test_migrate (void)
{
  Run r = { 0 };
  run_scenario ("      - read: { file: /f, offset: 0, length: 8192 }\n"
                "      - mmap: { file: /f, offset: 0, length: 8192, as: m }\n"
                "      - mwrite: { map: m, offset: 10, length: 10, value: 8 }\n"
                "      - migrate: { file: /f, offset: 0 }\n"
                "      - mwrite: { map: m, offset: 2000, length: 10, value: 8 }\n"
                "      - migrate: { at: \"2ms\", file: /f, offset: 4096 }\n"
                "      - munmap: { map: m }\n"
                "  - name: r\n    ops:\n"
                "      - read: { at: \"1ms\", file: /f, offset: 4096, length: 10, hold: \"3ms\" }\n",
                8192, "baseline", TRUE, &r);
  assert_range (r.file, 10, 10, 8);
  assert_range (r.file, 2000, 10, 8);
  g_assert_cmpuint (r.op_errors, ==, 0);
  g_assert_cmpuint (r.losses, ==, 0);
  g_assert_cmpint (query_int (r.db, "SELECT group_concat(a0) FROM (SELECT a0 FROM events_named "
                                    "WHERE name = 'mm_migrate_pages' ORDER BY seq)"),
                   ==, 1);   /* "1,0" reads as 1 */
  g_assert_cmpint (query_int (r.db, "SELECT a0 FROM events_named WHERE name = "
                                    "'iomap_migrate_page' ORDER BY seq DESC LIMIT 1"),
                   ==, -11);
  g_assert_cmpint (query_int (r.db, "SELECT count(*) FROM events_named WHERE name = "
                                    "'iomap_migrate_page' AND a0 = 0"), ==, 1);
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fsops/punch-hole", test_punch_hole);
  g_test_add_func ("/fsops/zero-range-size", test_zero_range_size);
  g_test_add_func ("/fsops/collapse-insert", test_collapse_insert);
  g_test_add_func ("/fsops/fallocate", test_fallocate);
  g_test_add_func ("/fsops/copy-range", test_copy_range);
  g_test_add_func ("/fsops/direct-io", test_direct_io);
  g_test_add_func ("/fsops/dio-read-invalidation-switch", test_dio_read_invalidation_switch);
  g_test_add_func ("/fsops/migrate", test_migrate);
  return g_test_run ();
}
