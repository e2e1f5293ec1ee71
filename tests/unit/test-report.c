/* test-report.c — vmemu report over the two seed scenarios (baseline loses
 * the mmap store, patched writes it), and vmemu export of their traces: the
 * files exist, parse (JSON, XML/HTML), and say what they claim. */
#include "reports/report/report.h"
#include "reports/export/export.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "engine/run/run.h"
#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

#include "tests/unit/json-check.h"

/* ---- well-formed markup: every tag closed in order ---- */

static gboolean
markup_balanced (const char *text, guint *n_elements)
{
  g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func (g_free);
  const char *p = text;

  *n_elements = 0;
  while ((p = strchr (p, '<')) != NULL)
    {
      const char *end;
      if (g_str_has_prefix (p, "<!--"))
        end = strstr (p, "-->");
      else if (p[1] == '!' || p[1] == '?')
        end = strchr (p, '>');
      else
        {
          end = strchr (p, '>');
          if (end == NULL)
            return FALSE;
          gboolean closing = p[1] == '/';
          const char *name = p + 1 + closing;
          gsize len = strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
          g_autofree char *tag = g_strndup (name, len);
          if (len == 0)
            return FALSE;
          if (closing)
            {
              if (stack->len == 0 || strcmp (stack->pdata[stack->len - 1], tag) != 0)
                return FALSE;
              g_ptr_array_remove_index (stack, stack->len - 1);
            }
          else if (end[-1] != '/')
            g_ptr_array_add (stack, g_steal_pointer (&tag));
          *n_elements += !closing;
        }
      if (end == NULL)
        return FALSE;
      p = end + 1;
    }
  return stack->len == 0;
}

/* ---- fixture ---- */

typedef struct {
  char *dir;                /* fresh temporary directory */
  char *out;                /* dir/out: the report */
} Fixture;

static const char *const seeds[] = { "scenarios/seed-drop-caches.yaml",
                                     "scenarios/seed-reclaim.yaml", NULL };

static void
set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("test-report-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->out = g_build_filename (f->dir, "out", NULL);
}

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return g_remove (path);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  nftw (f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  g_free (f->dir);
  g_free (f->out);
}

static char *
read_out (const Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->out, name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* Runs a report from baseline to candidate over inputs into f->out. */
static VmemuReport *
run_report (const Fixture *f, const char *baseline, const char *candidate,
            const char *const *inputs, gboolean force, GError **error)
{
  VmemuReportOptions opt = { .baseline = baseline, .candidate = candidate, .jobs = 2,
                             .force = force, .command_line = "vmemu report (test)" };
  g_autoptr(VmemuReport) r = vmemu_report_new (&opt, inputs, error);

  if (r == NULL || !vmemu_report_run (r, f->out, error))
    return NULL;
  return g_steal_pointer (&r);
}

/* ---- report tests ---- */

static void
test_report_fix (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuReport) r = run_report (f, "baseline", "patched", seeds, FALSE, &error);
  guint n;

  g_assert_no_error (error);
  g_assert_cmpuint (vmemu_report_n_scenarios (r), ==, 2);
  g_assert_cmpuint (vmemu_report_n_regressions (r), ==, 0);

  g_autofree char *json = read_out (f, "report.json");
  g_assert_true (json_valid (json));
  g_assert_nonnull (strstr (json, "\"summary\":{\"scenarios\":2,\"regressed\":0,\"fixed\":2,"
                                  "\"still_failing\":0,\"ok\":0,\"errors\":0}"));
  g_assert_nonnull (strstr (json, "\"role\":\"baseline\",\"variant\":\"baseline\",\"trace\":"
                                  "\"traces/seed-reclaim.baseline.db\",\"run\":1,\"outcome\":"
                                  "\"data-loss\",\"expected\":\"data-loss\",\"verdict\":\"data-loss\""));
  g_assert_nonnull (strstr (json, "\"role\":\"candidate\",\"variant\":\"patched\",\"trace\":"
                                  "\"traces/seed-reclaim.patched.db\",\"run\":1,\"outcome\":"
                                  "\"clean\",\"expected\":\"clean\",\"verdict\":\"clean\""));
  g_assert_nonnull (strstr (json, "\"kind\":\"final\",\"path\":\"/data\",\"t_ns\":30200000,"
                                  "\"offset_bytes\":2048,\"length_bytes\":8"));
  g_assert_nonnull (strstr (json, "\"exit_status\":0"));

  /* report.md is the short summary: one cause for both scenarios, said once,
   * and rows that point at it; the details are in report-details.md */
  g_autofree char *md = read_out (f, "report.md");
  g_assert_nonnull (strstr (md, "## Causes (scenarios grouped by first divergence)\n\n"
                                "1. **`iomap_page_create`** in 2 scenarios: fixed:"
                                " seed-drop-caches, seed-reclaim."));
  g_assert_nonnull (strstr (md, "| seed-reclaim | **fixed** | data loss (as expected) |"
                                " clean (as expected) | cause 1: iomap_page_create |"));
  g_assert_null (strstr (md, "## seed-reclaim"));
  g_assert_nonnull (strstr (md, "[report-details.md](report-details.md)"));
  g_autofree char *details = read_out (f, "report-details.md");
  g_assert_nonnull (strstr (details, "**First divergence:** first divergence at 30.000000 ms"
                                     " (event #365): iomap_page_create on /data page 0"));
  g_assert_nonnull (strstr (details, "data loss: /data offset 2048 length 8"));
  /* the scenario by its absolute path: the command works from any directory */
  g_assert_nonnull (strstr (details, "vmemu run --variant baseline --seed 1 /"));
  g_assert_nonnull (strstr (details, "/scenarios/seed-reclaim.yaml -o seed-reclaim.baseline.db"));

  g_autofree char *html = read_out (f, "index.html");
  g_assert_true (markup_balanced (html, &n));
  g_assert_cmpuint (n, >, 100);
  g_assert_null (strstr (html, "src=\"http"));
  g_assert_null (strstr (html, "href=\"http"));
  g_assert_null (strstr (html, "<script"));
  g_assert_nonnull (strstr (html, "<svg"));
  g_assert_nonnull (strstr (html, "<strong>data loss:</strong> /data offset 2048 length 8"));
  g_assert_nonnull (strstr (html, "<td>data loss (as expected)</td><td>clean (as expected)</td>"));

  g_autofree char *junit = read_out (f, "junit.xml");
  g_assert_true (markup_balanced (junit, &n));
  g_assert_nonnull (strstr (junit, "<testsuite name=\"vmemu report baseline -&gt; patched\""
                                   " tests=\"2\" failures=\"0\""));
  g_assert_nonnull (strstr (junit, "<testcase classname=\"vmemu.report\" name=\"seed-reclaim\""));
  g_assert_nonnull (strstr (junit, "baseline baseline: data loss (as expected)\n"
                                   "  data loss: /data offset 2048 length 8"));
  g_assert_nonnull (strstr (junit, "candidate patched: clean (as expected)"));
  g_assert_null (strstr (junit, "<failure"));
}

static void
test_report_regression (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuReport) r = run_report (f, "patched", "baseline", seeds, FALSE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (vmemu_report_n_regressions (r), ==, 2);
  g_autofree char *junit = read_out (f, "junit.xml");
  g_assert_nonnull (strstr (junit, "tests=\"2\" failures=\"2\""));
  g_assert_nonnull (strstr (junit, "<failure message=\"regression: baseline data loss\""));
  g_autofree char *json = read_out (f, "report.json");
  g_assert_true (json_valid (json));
  g_assert_nonnull (strstr (json, "\"headline\":\"REGRESSION: 2 of 2 scenarios regress under"
                                  " baseline (seed-drop-caches, seed-reclaim)"));
  g_assert_nonnull (strstr (json, "\"exit_status\":1"));
}

/* Same inputs, same bytes: nothing from the host or the clock. */
static void
test_report_deterministic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuReport) r1 = run_report (f, "baseline", "patched", seeds, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r1);
  g_autofree char *html1 = read_out (f, "index.html");
  g_autofree char *json1 = read_out (f, "report.json");
  g_autoptr(VmemuReport) r2 = run_report (f, "baseline", "patched", seeds, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r2);
  g_autofree char *html2 = read_out (f, "index.html");
  g_autofree char *json2 = read_out (f, "report.json");

  g_assert_cmpstr (html1, ==, html2);
  g_assert_cmpstr (json1, ==, json2);
}

static void
test_report_refuses_existing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *keep = g_build_filename (f->out, "keep", NULL);

  g_assert_cmpint (g_mkdir (f->out, 0777), ==, 0);
  g_assert_true (g_file_set_contents (keep, "x", 1, NULL));
  g_assert_null (run_report (f, "baseline", "patched", seeds, FALSE, &error));
  g_assert_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_EXISTS);
  g_assert_true (g_file_test (keep, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_autoptr(VmemuReport) r = run_report (f, "baseline", "patched", seeds, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_false (g_file_test (keep, G_FILE_TEST_EXISTS));
  g_autofree char *json = read_out (f, "report.json");
  g_assert_true (json_valid (json));
}

/* A pair of traces from a first report makes the same verdicts. */
static void
test_report_from_traces (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuReport) r1 = run_report (f, "baseline", "patched", seeds + 1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r1);
  g_autofree char *a = g_build_filename (f->out, "traces", "seed-reclaim.baseline.db", NULL);
  g_autofree char *b = g_build_filename (f->out, "traces", "seed-reclaim.patched.db", NULL);
  g_autofree char *a2 = g_build_filename (f->dir, "a.db", NULL);
  g_autofree char *b2 = g_build_filename (f->dir, "b.db", NULL);
  g_assert_cmpint (g_rename (a, a2), ==, 0);
  g_assert_cmpint (g_rename (b, b2), ==, 0);
  const char *inputs[] = { a2, b2, NULL };
  g_autoptr(VmemuReport) r2 = run_report (f, "baseline", "patched", inputs, TRUE, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (vmemu_report_n_scenarios (r2), ==, 1);
  g_assert_cmpuint (vmemu_report_n_regressions (r2), ==, 0);
  g_autofree char *md = read_out (f, "report.md");
  g_assert_nonnull (strstr (md, "| seed-reclaim | **fixed** | data loss (as expected) |"
                                " clean (as expected) |"));
}

static void
test_report_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  const char *missing[] = { "scenarios/no-such.yaml", NULL };
  VmemuReportOptions opt = { .baseline = "baseline", .candidate = "no-such-variant" };

  g_assert_null (vmemu_report_new (&opt, seeds, &error));
  g_assert_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN);
  g_clear_error (&error);
  opt.candidate = NULL;
  g_assert_null (vmemu_report_new (&opt, missing, &error));
  g_assert_error (error, VMEMU_REPORT_ERROR, VMEMU_REPORT_ERROR_INPUT);
  g_assert_cmpstr (error->message, ==, "scenarios/no-such.yaml: no such file or directory");
}

/* ---- export ---- */

/* Runs the seed-reclaim scenario under variant into an in-memory trace. */
static VmemuTracedb *
seed_trace (const char *variant)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = vmemu_scenario_load_file (seeds[1], &error);
  g_autoptr(VmemuVariant) v = vmemu_variant_parse (variant, &error);
  g_assert_no_error (error);
  /* the run's meta names the scenario and the variant (scenario_name, variant) */
  struct sqlite3 *h = vmemu_run_to_db (scn, v, 0, &error);
  g_assert_no_error (error);
  VmemuTracedb *db = vmemu_tracedb_new_for_db (h, variant, &error);
  g_assert_no_error (error);
  return db;
}

static void
test_export_chrome_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuTracedb) base = seed_trace ("baseline");
  g_autoptr(VmemuTracedb) patched = seed_trace ("patched");
  g_autoptr(GString) a = g_string_new (NULL);
  g_autoptr(GString) b = g_string_new (NULL);

  g_assert_true (vmemu_export_chrome_json (base, 1, a, &error));
  g_assert_true (vmemu_export_chrome_json (patched, 1, b, &error));
  g_assert_no_error (error);
  g_assert_true (json_valid (a->str));
  g_assert_true (json_valid (b->str));
  g_assert_true (g_str_has_prefix (a->str, "{\"displayTimeUnit\":\"ns\",\"otherData\":"));
  g_assert_nonnull (strstr (a->str, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
                                    "\"ts\":0.000,\"args\":{\"name\":\"vmemu seed-reclaim"
                                    " (baseline, seed 1)\"}}"));
  g_assert_nonnull (strstr (a->str, "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":6,"
                                    "\"ts\":0.000,\"args\":{\"name\":\"writer (user)\"}"));
  /* the writer's fsync at 30.1 ms, a syscall slice */
  g_assert_nonnull (strstr (a->str, "{\"name\":\"fsync\",\"ph\":\"X\",\"pid\":1,\"tid\":6,"
                                    "\"ts\":30000.000,\"cat\":\"syscall\",\"dur\":"));
  g_assert_nonnull (strstr (a->str, "\"name\":\"dirty pages\",\"ph\":\"C\""));
  g_assert_nonnull (strstr (a->str, "\"name\":\"cached pages\",\"ph\":\"C\""));
  g_assert_nonnull (strstr (a->str, "{\"name\":\"data loss\",\"ph\":\"i\""));
  g_assert_nonnull (strstr (a->str, "{\"name\":\"remove_mapping_fail\",\"ph\":\"i\""));
  g_assert_null (strstr (a->str, "\"name\":\"write bio\""));
  /* the step that causes the bug is on the kswapd track (tid 1): reclaim's
   * shrink_page_list, try_to_release_page, iomap_releasepage, and the
   * reference changes (issue 14) */
  static const char *const on_kswapd[] = { "shrink_page_list", "try_to_release_page",
                                           "iomap_releasepage", "page_ref_put" };
  for (gsize i = 0; i < G_N_ELEMENTS (on_kswapd); i++)
    {
      g_autofree char *want = g_strdup_printf ("{\"name\":\"%s\",\"ph\":\"i\",\"pid\":1,"
                                               "\"tid\":1,", on_kswapd[i]);
      g_assert_nonnull (strstr (a->str, want));
    }
  g_assert_nonnull (strstr (a->str, "\"cat\":\"reclaim\""));
  /* patched writes the page back: a writeback slice and a write bio */
  g_assert_null (strstr (b->str, "{\"name\":\"data loss\""));
  g_assert_nonnull (strstr (b->str, "{\"name\":\"writeback /data page 0\",\"ph\":\"X\""));
  g_assert_nonnull (strstr (b->str, "{\"name\":\"write bio\",\"ph\":\"X\""));
  g_assert_nonnull (strstr (b->str, "\"args\":{\"name\":\"writeback\"}"));
}

static void
test_export_format_names (void)
{
  g_autoptr(GError) error = NULL;
  VmemuExportFormat fmt;

  g_assert_true (vmemu_export_parse_format ("chrome-json", &fmt, &error));
  g_assert_cmpint (fmt, ==, VMEMU_EXPORT_FORMAT_CHROME_JSON);
  g_assert_false (vmemu_export_parse_format ("svg", &fmt, &error));
  g_assert_cmpstr (error->message, ==, "--format svg: unknown (known: chrome-json)");
}

static void
test_json_validator (void)
{
  g_assert_true (json_valid ("{\"a\":[1,-2.5e3,true,null,\"x\\n\\u00e9\"],\"b\":{}}"));
  g_assert_false (json_valid ("{\"a\":[1,]}"));
  g_assert_false (json_valid ("{\"a\":01}"));
  g_assert_false (json_valid ("{\"a\":1} x"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* the scenarios are found from the project's root, where make check runs */
  if (g_getenv ("G_TEST_SRCDIR") == NULL && !g_file_test (seeds[0], G_FILE_TEST_EXISTS))
    g_assert_cmpint (g_chdir (".."), ==, 0);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, set_up, fn, tear_down)
  ADD ("/report/fix", test_report_fix);
  ADD ("/report/regression", test_report_regression);
  ADD ("/report/deterministic", test_report_deterministic);
  ADD ("/report/refuses-existing", test_report_refuses_existing);
  ADD ("/report/from-traces", test_report_from_traces);
  g_test_add_func ("/report/bad-input", test_report_bad_input);
  g_test_add_func ("/export/chrome-json", test_export_chrome_json);
  g_test_add_func ("/export/format-names", test_export_format_names);
  g_test_add_func ("/export/json-validator", test_json_validator);
  return g_test_run ();
}
