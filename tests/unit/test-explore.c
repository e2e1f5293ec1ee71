/* test-explore.c — the explorer: case seeds and generation, the search (first
 * failing case by index whatever -j), shards, the shrinker, the explanation.
 * Run from the project's root (the seed scenarios are read from scenarios/). */
#include "engine/explore/explore.h"

#include <string.h>

#include "engine/fsx/fsx.h"

static VmemuVariant *
variant (const char *spec)
{
  g_autoptr (GError) error = NULL;
  VmemuVariant *v = vmemu_variant_parse (spec, &error);
  g_assert_no_error (error);
  return v;
}

static VmemuScenario *
load (const char *path)
{
  g_autoptr (GError) error = NULL;
  VmemuScenario *scn = vmemu_scenario_load_file (path, &error);
  g_assert_no_error (error);
  return scn;
}

static gint
find_task (const VmemuScenario *scn, const char *name)
{
  for (guint i = 0; i < scn->tasks->len; i++)
    if (strcmp (((const VmemuTask *) g_ptr_array_index (scn->tasks, i))->name, name) == 0)
      return (gint) i;
  return -1;
}

static void
test_explore_case_seed (void)
{
  /* splitmix64 of both: pinned, so a seed names the same cases in every build */
  g_assert_cmpuint (vmemu_explore_case_seed (1, 0), ==, vmemu_explore_case_seed (1, 0));
  g_assert_cmpuint (vmemu_explore_case_seed (1, 0), !=, vmemu_explore_case_seed (1, 1));
  g_assert_cmpuint (vmemu_explore_case_seed (1, 0), !=, vmemu_explore_case_seed (2, 0));
  g_assert_cmpuint (vmemu_explore_case_seed (0, 0), ==, G_GUINT64_CONSTANT (0xa706dd2f4d197e6f));
}

static void
test_explore_case_generation (void)
{
  g_autoptr (VmemuScenario) tmpl = vmemu_explore_template_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) a = vmemu_explore_case_new (tmpl, 1, 7, &error);
  g_autoptr (VmemuScenario) b = vmemu_explore_case_new (tmpl, 1, 7, NULL);
  g_autoptr (VmemuScenario) c = vmemu_explore_case_new (tmpl, 1, 8, NULL);

  g_assert_no_error (error);
  g_assert_true (vmemu_scenario_equal (a, b));
  g_assert_false (vmemu_scenario_equal (a, c));
  g_assert_cmpuint (a->machine.seed, ==, vmemu_explore_case_seed (1, 7));
  g_assert_cmpuint (a->block_size_bytes, ==, 1024);
  g_assert_cmpuint (a->machine.page_size_bytes, ==, 4096);
  g_assert_cmpint (find_task (a, "fsx"), ==, 0);
  for (guint i = 0; i < a->tasks->len; i++)
    g_assert_false (((const VmemuTask *) g_ptr_array_index (a->tasks, i))->has_generate);
  /* the background ops run in tasks of their own, with start times */
  gint r = find_task (a, "fsx_reader");
  g_assert_cmpint (r, >, 0);
  const VmemuTask *rt = g_ptr_array_index (a->tasks, r);
  for (guint i = 0; i < rt->ops->len; i++)
    {
      const VmemuOp *op = &g_array_index (rt->ops, VmemuOp, i);
      g_assert_cmpint (op->kind, ==, VMEMU_OP_READ);
      g_assert_true (op->has_at);
      g_assert_cmpuint (op->hold_ns, >, 0);
    }
  g_assert_cmpuint (vmemu_explore_count_ops (a), >, 20);
}

static void
test_explore_no_generate (void)
{
  g_autoptr (VmemuScenario) scn = load ("scenarios/seed-reclaim.yaml");
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) c = vmemu_explore_case_new (scn, 1, 0, &error);

  g_assert_null (c);
  g_assert_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INPUT);
  g_assert_cmpstr (error->message, ==,
                   "scenarios/seed-reclaim.yaml: no task has a generate: block, so there is "
                   "nothing to explore");
}

static void
test_explore_bad_options (void)
{
  g_autoptr (VmemuVariant) v = variant ("baseline");
  g_autoptr (GError) error = NULL;
  VmemuExploreOptions o;
  VmemuExploreResult r = { 0 };

  vmemu_explore_options_init (&o);
  o.variant = v;
  o.shard_index = 3;
  o.shard_count = 3;
  g_assert_false (vmemu_explore_run (&o, &r, &error));
  g_assert_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_OPTIONS);
  g_assert_cmpstr (error->message, ==, "shard 3/3: K must be below N");
}

/* Runs the explorer on baseline, seed 1, at most 40 cases. */
static void
run_baseline (guint jobs, VmemuExploreResult *r)
{
  g_autoptr (VmemuVariant) v = variant ("baseline");
  g_autoptr (VmemuVariant) check = variant ("patched");
  g_autoptr (GError) error = NULL;
  VmemuExploreOptions o;

  vmemu_explore_options_init (&o);
  o.variant = v;
  o.check_variant = check;
  o.max_cases = 40;
  o.jobs = jobs;
  g_assert_true (vmemu_explore_run (&o, r, &error));
  g_assert_no_error (error);
}

static void
test_explore_finds_and_shrinks (void)
{
  VmemuExploreResult one = { 0 }, three = { 0 };
  g_autoptr (GString) y1 = g_string_new (NULL), y3 = g_string_new (NULL);
  VmemuExpectOutcome want;

  run_baseline (1, &one);
  run_baseline (3, &three);
  g_assert_true (one.found);
  g_assert_cmpuint (one.cases_to_first_loss, ==, one.first_case + 1);
  g_assert_cmpuint (one.first_case_seed, ==, vmemu_explore_case_seed (1, one.first_case));
  g_assert_cmpstr (one.loss_path, ==, "/fsx");
  /* 10 since the XFS IOLOCK is modelled: a read holding its pages (and
   * IOLOCK_SHARED) now delays the case's buffered writes, and the greedy
   * shrinker stops at a 10-op case whose loss comes through the activate
   * pagevec's reference (before: 4 ops through a reader's). */
  g_assert_cmpuint (one.shrunk_ops, <=, 10);
  g_assert_cmpuint (one.shrunk_ops, ==, vmemu_explore_count_ops (one.minimal));
  g_assert_cmpuint (one.original_ops, >, one.shrunk_ops);
  g_assert_true (one.checked && one.check_clean);
  g_assert_true (vmemu_scenario_expect (one.minimal, "baseline", &want));
  g_assert_cmpint (want, ==, VMEMU_EXPECT_DATA_LOSS);
  g_assert_true (vmemu_scenario_expect (one.minimal, "patched", &want));
  g_assert_cmpint (want, ==, VMEMU_EXPECT_CLEAN);
  g_assert_nonnull (strstr (one.explanation, "remove_mapping_fail"));
  g_assert_nonnull (strstr (one.explanation, "iomap_page_mkwrite_actor"));
  g_assert_nonnull (strstr (one.explanation, "count=0 skipped=4"));
  /* -j changes nothing: the same case, the same shrink, the same words */
  g_assert_cmpuint (three.first_case, ==, one.first_case);
  g_assert_cmpuint (three.shrink_runs, ==, one.shrink_runs);
  g_assert_cmpstr (three.explanation, ==, one.explanation);
  vmemu_scenario_write_yaml (one.minimal, NULL, y1);
  vmemu_scenario_write_yaml (three.minimal, NULL, y3);
  g_assert_cmpstr (y1->str, ==, y3->str);
  vmemu_explore_result_clear (&one);
  vmemu_explore_result_clear (&three);
}

static void
test_explore_patched_clean (void)
{
  g_autoptr (VmemuVariant) v = variant ("patched");
  g_autoptr (GError) error = NULL;
  VmemuExploreOptions o;
  VmemuExploreResult r = { 0 };

  vmemu_explore_options_init (&o);
  o.variant = v;
  o.max_cases = 30;
  o.jobs = 2;
  g_assert_true (vmemu_explore_run (&o, &r, &error));
  g_assert_false (r.found);
  g_assert_cmpuint (r.cases_run, ==, 30);
  g_assert_cmpuint (r.cases_errored, ==, 0);
  g_assert_cmpuint (r.ops_generated, >, 30 * 20);
  g_assert_null (r.minimal);
  vmemu_explore_result_clear (&r);
}

static void
test_explore_shard (void)
{
  g_autoptr (VmemuVariant) v = variant ("baseline");
  g_autoptr (GError) error = NULL;
  VmemuExploreOptions o;
  VmemuExploreResult r = { 0 };

  vmemu_explore_options_init (&o);
  o.variant = v;
  o.max_cases = 20;
  o.shard_index = 2;
  o.shard_count = 5;
  o.no_shrink = TRUE;
  g_assert_true (vmemu_explore_run (&o, &r, &error));
  g_assert_true (r.found);
  g_assert_cmpuint (r.first_case % 5, ==, 2);
  g_assert_cmpuint (r.cases_to_first_loss, ==, r.first_case / 5 + 1);
  g_assert_cmpuint (r.shrunk_ops, ==, r.original_ops);
  vmemu_explore_result_clear (&r);
}

static void
test_explore_shrink_seed_scenario (void)
{
  g_autoptr (VmemuScenario) scn = load ("scenarios/seed-drop-caches.yaml");
  g_autoptr (VmemuVariant) v = variant ("baseline");
  g_autoptr (GError) error = NULL;
  guint64 runs = 0;
  g_autoptr (VmemuScenario) min = vmemu_explore_shrink (scn, v, 2, 0, &runs, &error);

  g_assert_no_error (error);
  /* read+hold, drop_caches, mmap, mwrite: the verify, fsync, munmap and the
   * injected error are not needed for the loss */
  g_assert_cmpuint (vmemu_explore_count_ops (min), ==, 4);
  g_assert_cmpuint (runs, >, 0);
}

static void
test_explore_shrink_not_failing (void)
{
  g_autoptr (VmemuScenario) scn = load ("scenarios/seed-drop-caches.yaml");
  g_autoptr (VmemuVariant) v = variant ("patched");
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) min = vmemu_explore_shrink (scn, v, 1, 0, NULL, &error);

  g_assert_null (min);
  g_assert_error (error, VMEMU_EXPLORE_ERROR, VMEMU_EXPLORE_ERROR_INPUT);
}

static void
test_explore_explain_seed (void)
{
  g_autoptr (VmemuScenario) scn = load ("scenarios/seed-drop-caches.yaml");
  g_autoptr (VmemuVariant) v = variant ("baseline");
  g_autoptr (VmemuVariant) p = variant ("patched");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vmemu_explore_explain (scn, v, &error);
  g_autofree char *clean = vmemu_explore_explain (scn, p, &error);
  g_auto (GStrv) lines = NULL;

  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* four lines and the empty tail */
  g_assert_cmpstr (lines[0], ==,
                   "1. at 1.000 ms, task admin, op 1 (drop_caches): iomap_releasepage frees the "
                   "iomap_page of /data page 0, then remove_mapping_fail (refcount 3, "
                   "holders=cache,lookup,reader): the page stays cached, uptodate "
                   "and without its iomap_page; the reader is task reader, op 1 (read offset 0 "
                   "length 4096 hold 5.000 ms).");
  g_assert_cmpstr (lines[1], ==,
                   "2. at 10.000 ms, task writer, op 2 (mwrite offset 100 length 8 in the "
                   "mapping, file offset 100): the write fault's iomap_page_mkwrite_actor "
                   "creates a new iomap_page with bits 0 (no block uptodate) and dirties the "
                   "page.");
  g_assert_cmpstr (lines[2], ==,
                   "3. at 10.000 ms, task writer, op 3 (fsync): iomap_writepage_map count=0 "
                   "skipped=4: no block of the dirty page is written, the store never reaches "
                   "the disk.");
  g_assert_true (g_str_has_prefix (lines[3], "4. at 10.100 ms, task writer, op 6 (verify) finds "
                                             "the loss: verify: /data offset 100 length 8"));
  g_assert_cmpstr (clean, ==, "The case runs clean under patched: no loss to explain.\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explore/case-seed", test_explore_case_seed);
  g_test_add_func ("/explore/case-generation", test_explore_case_generation);
  g_test_add_func ("/explore/no-generate-block", test_explore_no_generate);
  g_test_add_func ("/explore/bad-options", test_explore_bad_options);
  g_test_add_func ("/explore/finds-and-shrinks-whatever-jobs", test_explore_finds_and_shrinks);
  g_test_add_func ("/explore/patched-finds-nothing", test_explore_patched_clean);
  g_test_add_func ("/explore/shard-takes-k-mod-n", test_explore_shard);
  g_test_add_func ("/explore/shrink-seed-scenario", test_explore_shrink_seed_scenario);
  g_test_add_func ("/explore/shrink-needs-a-failing-case", test_explore_shrink_not_failing);
  g_test_add_func ("/explore/explain-seed-scenario", test_explore_explain_seed);
  return g_test_run ();
}
