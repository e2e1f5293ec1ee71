/* test-diff.c — vmemu diff on two synthetic S1 traces (scenarios/s1-splice-pipe.yaml:
 * splice_to_pipe's reference) that part at the iomap_page_create of the mmap write fault. */
#include "reports/diff/diff.h"

#include <string.h>

#include <glib/gstdio.h>

#include "engine/trace/trace.h"

typedef struct {
  char *dir;                /* fresh temporary directory */
  char *a;                  /* dir/a.db */
  char *b;                  /* dir/b.db */
} Fixture;

/* How to write one synthetic run. */
typedef struct {
  const char *variant;      /* meta "variant" */
  const char *seed;         /* meta "seed" */
  gboolean patched;         /* 4595a298d556: iop created with all bits set */
  guint64 shift_ns;         /* added to the fsync's times */
  gboolean extra;           /* one more event at the end */
  gboolean verify_ok;       /* override of the final check's outcome */
} S1;

static void
set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-diff-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->a = g_build_filename (f->dir, "a.db", NULL);
  f->b = g_build_filename (f->dir, "b.db", NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_unlink (f->a);
  g_unlink (f->b);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->a);
  g_free (f->b);
}

static void
emit (VmemuTrace *tr, VmemuEventId id, guint64 t, gint64 idx, guint32 before,
      guint32 after, gint64 a0, gint64 a1, gint64 a2, gint64 a3, const char *detail)
{
  VmemuTraceEvent ev = vmemu_trace_event_init (id, t);

  ev.task = 1, ev.cpu = 0;
  if (idx >= 0)
    ev.ino = 5, ev.index = idx, ev.refcount = 2;
  ev.flags_before = before, ev.flags_after = after;
  ev.a[0] = a0, ev.a[1] = a1, ev.a[2] = a2, ev.a[3] = a3;
  ev.detail = detail;
  vmemu_trace_event (tr, &ev);
}

enum { U = VMEMU_PG_UPTODATE, D = VMEMU_PG_DIRTY, P = VMEMU_PG_PRIVATE,
       W = VMEMU_PG_WRITEBACK };

static void
emit_s1 (VmemuTrace *tr, const S1 *s)
{
  guint64 t = 10000000 + s->shift_ns;
  gint64 bits = s->patched ? 0xf : 0;

  emit (tr, VMEMU_EV_SYS_ENTER, 1000, -1, 0, 0, 1, 0, 4096, 0, "pwrite64");
  emit (tr, VMEMU_EV_ADD_TO_PAGE_CACHE, 1100, 0, 0, VMEMU_PG_LOCKED, 0, 0, 0, 0, NULL);
  emit (tr, VMEMU_EV_IOP_CREATE, 1200, 0, VMEMU_PG_LOCKED, VMEMU_PG_LOCKED | P, 0, 0, 4, 0, NULL);
  emit (tr, VMEMU_EV_IOP_SET_UPTODATE, 1300, 0, VMEMU_PG_LOCKED | P, U | D | P, 0, 4096, 0xf, 0, NULL);
  emit (tr, VMEMU_EV_SYS_EXIT, 1400, -1, 0, 0, 1, 0, 4096, 4096, "pwrite64");
  emit (tr, VMEMU_EV_SYS_ENTER, 2000, -1, 0, 0, 18, 0, 4096, 0, "fadvise64");
  emit (tr, VMEMU_EV_IOMAP_RELEASEPAGE, 2100, 0, U | P, U, 0, 4096, 1, 0, NULL);
  emit (tr, VMEMU_EV_REMOVE_MAPPING_FAIL, 2200, 0, U, U, 3, 2, 0, 0, "holders=cache,lookup,pipe");
  emit (tr, VMEMU_EV_SYS_EXIT, 2300, -1, 0, 0, 18, 0, 4096, 0, "fadvise64");
  emit (tr, VMEMU_EV_SYS_ENTER, 10000000, -1, 0, 0, 4, 0, 1, 0, "mwrite");
  emit (tr, VMEMU_EV_FILEMAP_FAULT, 10000200, 0, U, U, 1, 0, 0, 0, NULL);
  emit (tr, VMEMU_EV_IOP_CREATE, 10000300, 0, U, U | P, 1, bits, 4, 1, NULL);
  emit (tr, VMEMU_EV_WRITEBACK_DIRTY_PAGE, 10000400, 0, U | P, U | P | D, 0, 0, 0, 0, NULL);
  emit (tr, VMEMU_EV_SYS_EXIT, 10000500, -1, 0, 0, 4, 0, 1, 0, "mwrite");
  emit (tr, VMEMU_EV_SYS_ENTER, t + 1000000, -1, 0, 0, 7, 0, 0, 0, "fsync");
  emit (tr, VMEMU_EV_IOMAP_WRITEPAGE_MAP, t + 1000100, 0, U | P, U | P | W, bits,
        s->patched ? 4 : 0, 0, s->patched ? 0 : 4, NULL);
  if (s->patched)
    {
      emit (tr, VMEMU_EV_BIO_QUEUE, t + 1000200, 0, U | P | W, U | P | W, 0, 8, 1, 1, NULL);
      emit (tr, VMEMU_EV_BIO_COMPLETE, t + 1100200, -1, 0, 0, 0, 8, 1, 0, NULL);
    }
  emit (tr, VMEMU_EV_END_PAGE_WRITEBACK, t + 1100300, 0, U | P | W, U | P, 0, 0, 0, 0, NULL);
  emit (tr, VMEMU_EV_SYS_EXIT, t + 1100400, -1, 0, 0, 7, 0, 0, 0, "fsync");
  if (!s->patched)
    emit (tr, VMEMU_EV_DATA_LOSS, 20000000, 0, 0, 0, 0, 4096, 0, 0, "/data");
  if (s->extra)
    emit (tr, VMEMU_EV_MARK_PAGE_ACCESSED, 20000100, 0, U | P, U | P, 0, 0, 0, 0, NULL);
}

static void
write_s1 (const char *path, const S1 *s)
{
  g_autoptr(GError) error = NULL;
  VmemuTrace *tr = vmemu_trace_open (path, FALSE, &error);
  gboolean ok = s->patched || s->verify_ok;
  VmemuTraceVerify v = { .time_ns = 20000000, .task = -1, .kind = "final", .ino = 5,
                         .path = "/data", .length_bytes = 4096, .ok = ok,
                         .bad_length_bytes = ok ? 0 : 1, .bad_total_bytes = ok ? 0 : 1,
                         .expected_hex = ok ? NULL : "42", .found_hex = ok ? NULL : "41" };

  g_assert_no_error (error);
  vmemu_trace_meta (tr, "scenario", "s1-splice-mkwrite");
  vmemu_trace_meta (tr, "seed", s->seed ? s->seed : "1");
  vmemu_trace_meta (tr, "variant", s->variant);
  vmemu_trace_meta (tr, "page_size_bytes", "4096");
  vmemu_trace_meta (tr, "block_size_bytes", "1024");
  vmemu_trace_task (tr, 1, "writer", 0, "user");
  vmemu_trace_inode (tr, 5, "/data");
  emit_s1 (tr, s);
  vmemu_trace_verify (tr, &v);
  g_assert_true (vmemu_trace_close (tr, &error));
  g_assert_no_error (error);
}

static VmemuDiff *
diff_files (const char *a, const char *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuTracedb) da = vmemu_tracedb_open (a, &error);
  g_autoptr(VmemuTracedb) db = vmemu_tracedb_open (b, &error);

  g_assert_no_error (error);
  VmemuDiff *d = vmemu_diff_compare (da, 1, db, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (d);
  return d;
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("expected to find [%s] in:\n%s", needle, haystack);
}

#include "tests/unit/json-check.h"

/* ---- tests ---- */

static void
test_diff_reports_first_divergence_at_iop_create (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, fixed = { .variant = "patched", .patched = TRUE };

  write_s1 (f->a, &base);
  write_s1 (f->b, &fixed);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_false (vmemu_diff_is_equal (d));
  g_assert_cmpint (vmemu_diff_kind (d), ==, VMEMU_DIFF_EVENT);
  g_assert_cmpint (vmemu_diff_divergence_seq (d), ==, 12);
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "first divergence at 10.000300 ms (event #12): "
                         "iomap_page_create on /data page 0 (offset 0): baseline "
                         "created the iomap_page with uptodate bits 0000 on an "
                         "uptodate page; patched created it with bits 1111");
  assert_contains (text, "flags uptodate -> uptodate|private");
  assert_contains (text, "last common event: #11");
  assert_contains (text, "iomap_writepage_map task writer bits=0000 count=0 error=0 blocks_skipped=4");
  assert_contains (text, "baseline queued 0 bios: 0 writes, 0 bytes written");
  assert_contains (text, "patched queued 1 bio: 1 write, 4096 bytes written");
  assert_contains (text, "blocks skipped by iomap_writepage_map: baseline 4, patched 0");
  assert_contains (text, "baseline lost /data [0, +4096) at 20.000000 ms");
  assert_contains (text, "baseline failed 1 of 1 verification");
  assert_contains (text, "final check of /data [0, +4096): 1 byte wrong");
  assert_contains (text, "patched passed its 1 verification");
  assert_contains (text, "block_bio_queue 0 -> 1 (+1)");
  assert_contains (text, "vmemu_data_loss 1 -> 0 (-1)");
  assert_contains (text, "note: variants differ: baseline vs patched");
  assert_contains (text, "why it matters: the page was uptodate but baseline's new"
                         " iomap_page marks blocks !uptodate");
}

static void
test_diff_identical_traces_are_equal (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" };

  write_s1 (f->a, &base);
  write_s1 (f->b, &base);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_true (vmemu_diff_is_equal (d));
  g_assert_cmpint (vmemu_diff_divergence_seq (d), ==, 0);
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "traces are identical (19 events, content sha256 ");
  g_assert_null (strstr (text, "Consequences"));
}

static void
test_diff_notes_differing_seeds (Fixture *f, gconstpointer data)
{
  S1 one = { .variant = "baseline", .seed = "1" }, two = { .variant = "baseline", .seed = "2" };

  write_s1 (f->a, &one);
  write_s1 (f->b, &two);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_true (vmemu_diff_is_equal (d));      /* meta is not content */
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "note: seeds differ: a.db 1, b.db 2");
  assert_contains (text, "seed: a.db \"1\", b.db \"2\"");
}

static void
test_diff_json_is_valid (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, fixed = { .variant = "patched", .patched = TRUE };

  g_assert_true (json_valid ("{\"a\":[1,-2,\"x\\\"y\",null,true,{}],\"b\":{\"c\":[]}}"));
  g_assert_false (json_valid ("{\"a\":1,}"));
  g_assert_false (json_valid ("{\"a\":1}{"));
  write_s1 (f->a, &base);
  write_s1 (f->b, &fixed);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_autofree char *json = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_JSON);
  g_assert_true (json_valid (json));
  assert_contains (json, "\"equal\":false");
  assert_contains (json, "\"kind\":\"event\",\"seq\":12,\"t_ns\":10000300");
  assert_contains (json, "\"page\":{\"path\":\"/data\",\"ino\":5,\"index\":0,\"offset_bytes\":0}");
  assert_contains (json, "{\"name\":\"block_bio_queue\",\"a\":0,\"b\":1}");
  g_autoptr(VmemuDiff) same = diff_files (f->a, f->a);
  g_autofree char *json_same = vmemu_diff_render (same, VMEMU_DIFF_FORMAT_JSON);
  g_assert_true (json_valid (json_same));
  assert_contains (json_same, "\"equal\":true,");
}

static void
test_diff_markdown_has_sections (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, fixed = { .variant = "patched", .patched = TRUE };

  write_s1 (f->a, &base);
  write_s1 (f->b, &fixed);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_autofree char *md = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_MARKDOWN);
  assert_contains (md, "# vmemu diff\n");
  assert_contains (md, "\n## Divergence\n");
  assert_contains (md, "\n## What each side did next on /data page 0\n");
  assert_contains (md, "\n## Consequences\n");
  assert_contains (md, "\n- I/O:\n  - baseline queued 0 bios");
}

static void
test_diff_time_shift_is_a_timing_divergence (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, late = { .variant = "baseline", .shift_ns = 500 };

  write_s1 (f->a, &base);
  write_s1 (f->b, &late);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_cmpint (vmemu_diff_kind (d), ==, VMEMU_DIFF_TIME);
  g_assert_cmpint (vmemu_diff_divergence_seq (d), ==, 15);
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "first divergence (timing) at 11.000000 ms (event #15): "
                         "sys_enter: both sides entered fsync, but a.db at "
                         "11.000000 ms and b.db at 11.000500 ms");
}

static void
test_diff_longer_trace_is_a_length_divergence (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, more = { .variant = "baseline", .extra = TRUE };

  write_s1 (f->a, &base);
  write_s1 (f->b, &more);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_cmpint (vmemu_diff_kind (d), ==, VMEMU_DIFF_LENGTH);
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "(event #20): mark_page_accessed on /data page 0 (offset 0):"
                         " a.db ended after 19 events; b.db went on and ran"
                         " mark_page_accessed()");
}

static void
test_diff_verification_only_difference (Fixture *f, gconstpointer data)
{
  S1 base = { .variant = "baseline" }, ok = { .variant = "baseline", .verify_ok = TRUE };

  write_s1 (f->a, &base);
  write_s1 (f->b, &ok);
  g_autoptr(VmemuDiff) d = diff_files (f->a, f->b);
  g_assert_cmpint (vmemu_diff_kind (d), ==, VMEMU_DIFF_RECORDS);
  g_autofree char *text = vmemu_diff_render (d, VMEMU_DIFF_FORMAT_TEXT);
  assert_contains (text, "traces differ: all 19 events are identical, but the"
                         " verifications differ: a.db 1 checks (1 failed),"
                         " b.db 1 checks (0 failed)");
}

static void
test_diff_rejects_unknown_format (void)
{
  g_autoptr(GError) error = NULL;
  VmemuDiffFormat fmt = VMEMU_DIFF_FORMAT_TEXT;

  g_assert_true (vmemu_diff_parse_format ("json", &fmt, NULL));
  g_assert_cmpint (fmt, ==, VMEMU_DIFF_FORMAT_JSON);
  g_assert_false (vmemu_diff_parse_format ("yaml", &fmt, &error));
  g_assert_error (error, VMEMU_DIFF_ERROR, VMEMU_DIFF_ERROR_FORMAT);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, set_up, fn, tear_down)
  ADD ("/diff/reports-first-divergence-at-iop-create",
       test_diff_reports_first_divergence_at_iop_create);
  ADD ("/diff/identical-traces-are-equal", test_diff_identical_traces_are_equal);
  ADD ("/diff/notes-differing-seeds", test_diff_notes_differing_seeds);
  ADD ("/diff/json-is-valid", test_diff_json_is_valid);
  ADD ("/diff/markdown-has-sections", test_diff_markdown_has_sections);
  ADD ("/diff/time-shift-is-a-timing-divergence", test_diff_time_shift_is_a_timing_divergence);
  ADD ("/diff/longer-trace-is-a-length-divergence",
       test_diff_longer_trace_is_a_length_divergence);
  ADD ("/diff/verification-only-difference", test_diff_verification_only_difference);
#undef ADD
  g_test_add_func ("/diff/rejects-unknown-format", test_diff_rejects_unknown_format);
  return g_test_run ();
}
