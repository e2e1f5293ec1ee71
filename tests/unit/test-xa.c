/* test-xa.c — the radix tree: hand-picked cases and a reference model. */
#include "engine/xa/xa.h"
#include "engine/sim/sim.h"

/* Values are fake pointers made from the index, so no storage is needed and
 * a wrong slot shows up as a wrong value.  +1 keeps index 0 non-NULL. */
#define VAL(i) GSIZE_TO_POINTER ((gsize) (i) * 2 + 1)

static const guint64 sparse_indexes[] = {
  0, 1, 63, 64, 65, 4095, 4096, 262143, 262144,
  G_GUINT64_CONSTANT (1) << 40, (G_GUINT64_CONSTANT (1) << 40) + 63,
  G_GUINT64_CONSTANT (1) << 63, G_MAXUINT64 - 1, G_MAXUINT64,
};

static void
test_xa_empty (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  guint64 index = 0;
  gpointer values[4];

  g_assert_null (vmemu_xa_load (xa, 0));
  g_assert_null (vmemu_xa_load (xa, G_MAXUINT64));
  g_assert_null (vmemu_xa_erase (xa, 5));
  g_assert_null (vmemu_xa_find (xa, &index, G_MAXUINT64, VMEMU_XA_NO_MARK));
  g_assert_cmpuint (vmemu_xa_gather (xa, 0, G_MAXUINT64, -1, values, NULL, 4),
                    ==, 0);
  g_assert_cmpuint (vmemu_xa_count (xa), ==, 0);
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), ==, 0);
  g_assert_false (vmemu_xa_marked (xa, VMEMU_XA_MARK_DIRTY));
  vmemu_xa_set_mark (xa, 3, VMEMU_XA_MARK_DIRTY);  /* absent: no-op */
  g_assert_false (vmemu_xa_marked (xa, VMEMU_XA_MARK_DIRTY));
  vmemu_xa_check (xa);
}

static void
test_xa_store_load_erase (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();

  g_assert_null (vmemu_xa_store (xa, 10, VAL (10)));
  g_assert_true (vmemu_xa_load (xa, 10) == VAL (10));
  g_assert_null (vmemu_xa_load (xa, 11));
  g_assert_cmpuint (vmemu_xa_count (xa), ==, 1);
  /* replacing returns the old value and keeps the count */
  g_assert_true (vmemu_xa_store (xa, 10, VAL (99)) == VAL (10));
  g_assert_true (vmemu_xa_load (xa, 10) == VAL (99));
  g_assert_cmpuint (vmemu_xa_count (xa), ==, 1);
  g_assert_true (vmemu_xa_erase (xa, 10) == VAL (99));
  g_assert_null (vmemu_xa_erase (xa, 10));
  g_assert_null (vmemu_xa_load (xa, 10));
  g_assert_cmpuint (vmemu_xa_count (xa), ==, 0);
  /* an empty tree holds no nodes */
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), ==, 0);
  vmemu_xa_check (xa);
}

static void
test_xa_store_null_is_programmer_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(VmemuXa) xa = vmemu_xa_new ();
      vmemu_xa_store (xa, 1, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*value != NULL*");
}

static void
test_xa_sparse (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  const guint n = G_N_ELEMENTS (sparse_indexes);
  gsize mem_full;

  for (guint i = 0; i < n; i++)
    {
      g_assert_null (vmemu_xa_store (xa, sparse_indexes[i],
                                     VAL (sparse_indexes[i])));
      vmemu_xa_check (xa);
    }
  g_assert_cmpuint (vmemu_xa_count (xa), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (vmemu_xa_load (xa, sparse_indexes[i])
                   == VAL (sparse_indexes[i]));
  g_assert_null (vmemu_xa_load (xa, 2));
  g_assert_null (vmemu_xa_load (xa, (G_GUINT64_CONSTANT (1) << 40) + 1));
  g_assert_null (vmemu_xa_load (xa, G_MAXUINT64 - 2));

  /* a path per distant index, not a dense array: well under 100 KiB */
  mem_full = vmemu_xa_memory_bytes (xa);
  g_assert_cmpuint (mem_full, >, 0);
  g_assert_cmpuint (mem_full, <, 100 * 1024);

  /* find walks them in index order */
  guint64 index = 0;
  for (guint i = 0; i < n; i++, index++)
    {
      g_assert_true (vmemu_xa_find (xa, &index, G_MAXUINT64, -1)
                     == VAL (sparse_indexes[i]));
      g_assert_cmphex (index, ==, sparse_indexes[i]);
      if (index == G_MAXUINT64)
        break;
    }

  /* erase from the top down: the tree shrinks back to nothing */
  for (guint i = n; i-- > 0;)
    {
      g_assert_true (vmemu_xa_erase (xa, sparse_indexes[i])
                     == VAL (sparse_indexes[i]));
      vmemu_xa_check (xa);
    }
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), ==, 0);
}

/* A tree that grew tall for a huge index drops back to one leaf. */
static void
test_xa_shrinks_height (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  gsize one_leaf;

  vmemu_xa_store (xa, 5, VAL (5));
  one_leaf = vmemu_xa_memory_bytes (xa);
  vmemu_xa_store (xa, G_GUINT64_CONSTANT (1) << 50, VAL (1));
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), >, 5 * one_leaf);
  vmemu_xa_set_mark (xa, 5, VMEMU_XA_MARK_DIRTY);
  vmemu_xa_erase (xa, G_GUINT64_CONSTANT (1) << 50);
  vmemu_xa_check (xa);
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), ==, one_leaf);
  g_assert_true (vmemu_xa_load (xa, 5) == VAL (5));
  g_assert_true (vmemu_xa_get_mark (xa, 5, VMEMU_XA_MARK_DIRTY));
  g_assert_true (vmemu_xa_marked (xa, VMEMU_XA_MARK_DIRTY));
}

static void
test_xa_marks (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();

  for (guint i = 0; i < G_N_ELEMENTS (sparse_indexes); i++)
    vmemu_xa_store (xa, sparse_indexes[i], VAL (sparse_indexes[i]));

  vmemu_xa_set_mark (xa, 4095, VMEMU_XA_MARK_DIRTY);
  vmemu_xa_set_mark (xa, 4095, VMEMU_XA_MARK_DIRTY);  /* idempotent */
  vmemu_xa_set_mark (xa, G_MAXUINT64, VMEMU_XA_MARK_WRITEBACK);
  vmemu_xa_set_mark (xa, 4094, VMEMU_XA_MARK_DIRTY);  /* absent: ignored */
  vmemu_xa_check (xa);

  g_assert_true (vmemu_xa_get_mark (xa, 4095, VMEMU_XA_MARK_DIRTY));
  g_assert_false (vmemu_xa_get_mark (xa, 4095, VMEMU_XA_MARK_WRITEBACK));
  g_assert_false (vmemu_xa_get_mark (xa, 4094, VMEMU_XA_MARK_DIRTY));
  g_assert_false (vmemu_xa_get_mark (xa, 4096, VMEMU_XA_MARK_DIRTY));
  g_assert_true (vmemu_xa_get_mark (xa, G_MAXUINT64, VMEMU_XA_MARK_WRITEBACK));
  g_assert_true (vmemu_xa_marked (xa, VMEMU_XA_MARK_DIRTY));
  g_assert_true (vmemu_xa_marked (xa, VMEMU_XA_MARK_WRITEBACK));
  g_assert_false (vmemu_xa_marked (xa, VMEMU_XA_MARK_TOWRITE));

  vmemu_xa_clear_mark (xa, 4095, VMEMU_XA_MARK_DIRTY);
  vmemu_xa_clear_mark (xa, 4095, VMEMU_XA_MARK_DIRTY);  /* idempotent */
  vmemu_xa_clear_mark (xa, 7, VMEMU_XA_MARK_DIRTY);     /* absent */
  g_assert_false (vmemu_xa_get_mark (xa, 4095, VMEMU_XA_MARK_DIRTY));
  /* the summary goes with the last mark */
  g_assert_false (vmemu_xa_marked (xa, VMEMU_XA_MARK_DIRTY));
  g_assert_true (vmemu_xa_marked (xa, VMEMU_XA_MARK_WRITEBACK));
  vmemu_xa_check (xa);
}

static void
test_xa_erase_clears_marks (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();

  vmemu_xa_store (xa, 100, VAL (100));
  vmemu_xa_store (xa, 200, VAL (200));
  for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
    vmemu_xa_set_mark (xa, 100, m);
  vmemu_xa_erase (xa, 100);
  vmemu_xa_check (xa);
  for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
    g_assert_false (vmemu_xa_marked (xa, m));
  /* a new entry at the same index starts unmarked */
  vmemu_xa_store (xa, 100, VAL (100));
  for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
    g_assert_false (vmemu_xa_get_mark (xa, 100, m));
  /* replacing a value keeps its marks (as xa_store does) */
  vmemu_xa_set_mark (xa, 200, VMEMU_XA_MARK_DIRTY);
  vmemu_xa_store (xa, 200, VAL (201));
  g_assert_true (vmemu_xa_get_mark (xa, 200, VMEMU_XA_MARK_DIRTY));
}

static void
test_xa_find_marked_across_nodes (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  static const guint64 dirty[] = { 63, 64, 4095, 4096, 300000,
                                   G_GUINT64_CONSTANT (1) << 40 };
  guint64 index;

  /* a dense run of 0..9999 plus one far entry; a few of them dirty */
  for (guint64 i = 0; i < 10000; i++)
    vmemu_xa_store (xa, i, VAL (i));
  vmemu_xa_store (xa, 300000, VAL (300000));
  vmemu_xa_store (xa, G_GUINT64_CONSTANT (1) << 40, VAL (1));
  for (guint i = 0; i < G_N_ELEMENTS (dirty); i++)
    vmemu_xa_set_mark (xa, dirty[i], VMEMU_XA_MARK_DIRTY);
  vmemu_xa_check (xa);

  index = 0;
  for (guint i = 0; i < G_N_ELEMENTS (dirty); i++, index++)
    {
      g_assert_nonnull (vmemu_xa_find (xa, &index, G_MAXUINT64,
                                       VMEMU_XA_MARK_DIRTY));
      g_assert_cmpuint (index, ==, dirty[i]);
    }
  g_assert_null (vmemu_xa_find (xa, &index, G_MAXUINT64, VMEMU_XA_MARK_DIRTY));

  /* start inside a gap, at a boundary, and with max just short */
  index = 65;
  g_assert_nonnull (vmemu_xa_find (xa, &index, G_MAXUINT64, 0));
  g_assert_cmpuint (index, ==, 4095);
  index = 4096;
  g_assert_nonnull (vmemu_xa_find (xa, &index, 4096, 0));
  g_assert_cmpuint (index, ==, 4096);
  index = 4097;
  g_assert_null (vmemu_xa_find (xa, &index, 299999, 0));
  g_assert_cmpuint (index, ==, 4097);           /* untouched on failure */
  index = 4097;
  g_assert_null (vmemu_xa_find (xa, &index, 4096, 0));  /* start > max */

  /* unmarked find: every index, then the gap */
  index = 9999;
  g_assert_true (vmemu_xa_find (xa, &index, G_MAXUINT64, -1) == VAL (9999));
  index = 10000;
  g_assert_true (vmemu_xa_find (xa, &index, G_MAXUINT64, -1) == VAL (300000));
  g_assert_cmpuint (index, ==, 300000);
  index = 300001;
  g_assert_nonnull (vmemu_xa_find (xa, &index, G_MAXUINT64, -1));
  g_assert_cmphex (index, ==, G_GUINT64_CONSTANT (1) << 40);
  index = (G_GUINT64_CONSTANT (1) << 40) + 1;
  g_assert_null (vmemu_xa_find (xa, &index, G_MAXUINT64, -1));
}

static void
test_xa_gather (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  gpointer values[16];
  guint64 indexes[16];
  guint64 start = 0;
  guint got, total = 0;

  /* every third index from 0 to 999, dirty if a multiple of 9 */
  for (guint64 i = 0; i < 1000; i += 3)
    {
      vmemu_xa_store (xa, i, VAL (i));
      if (i % 9 == 0)
        vmemu_xa_set_mark (xa, i, VMEMU_XA_MARK_DIRTY);
    }

  /* pagevec-sized batches, resuming after the last index returned */
  while ((got = vmemu_xa_gather (xa, start, G_MAXUINT64, -1, values, indexes,
                                 G_N_ELEMENTS (values))) > 0)
    {
      for (guint k = 0; k < got; k++, total++)
        {
          g_assert_cmpuint (indexes[k], ==, total * 3);
          g_assert_true (values[k] == VAL (indexes[k]));
        }
      start = indexes[got - 1] + 1;
    }
  g_assert_cmpuint (total, ==, 334);

  /* a window, with marks: [100, 500] dirty = 108, 117, ..., 495 */
  got = vmemu_xa_gather (xa, 100, 500, VMEMU_XA_MARK_DIRTY, values, indexes,
                         G_N_ELEMENTS (values));
  g_assert_cmpuint (got, ==, 16);
  g_assert_cmpuint (indexes[0], ==, 108);
  g_assert_cmpuint (indexes[15], ==, 108 + 15 * 9);
  got = vmemu_xa_gather (xa, 400, 495, VMEMU_XA_MARK_DIRTY, values, indexes,
                         G_N_ELEMENTS (values));
  g_assert_cmpuint (got, ==, 11);               /* 405..495, max inclusive */
  g_assert_cmpuint (indexes[got - 1], ==, 495);
  /* indexes may be NULL; n == 0 returns nothing */
  g_assert_cmpuint (vmemu_xa_gather (xa, 0, 2, -1, values, NULL, 16), ==, 1);
  g_assert_cmpuint (vmemu_xa_gather (xa, 0, 999, -1, values, NULL, 0), ==, 0);
  /* a window that ends inside a leaf, at the very top of the index space */
  vmemu_xa_store (xa, G_MAXUINT64, VAL (7));
  vmemu_xa_store (xa, G_MAXUINT64 - 64, VAL (8));
  got = vmemu_xa_gather (xa, G_MAXUINT64 - 100, G_MAXUINT64, -1, values,
                         indexes, 16);
  g_assert_cmpuint (got, ==, 2);
  g_assert_cmphex (indexes[1], ==, G_MAXUINT64);
}

static void
test_xa_copy_marks (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  gpointer values[256];
  guint64 indexes[256];
  guint got;

  for (guint64 i = 0; i < 5000; i++)
    {
      vmemu_xa_store (xa, i, VAL (i));
      if (i % 7 == 0)
        vmemu_xa_set_mark (xa, i, VMEMU_XA_MARK_DIRTY);
    }
  g_assert_false (vmemu_xa_marked (xa, VMEMU_XA_MARK_TOWRITE));

  /* tag_pages_for_writeback over [1000, 2000]: 1001, 1008, ..., 1995 */
  g_assert_cmpuint (vmemu_xa_copy_marks (xa, 1000, 2000, VMEMU_XA_MARK_DIRTY,
                                         VMEMU_XA_MARK_TOWRITE), ==, 143);
  vmemu_xa_check (xa);
  g_assert_true (vmemu_xa_marked (xa, VMEMU_XA_MARK_TOWRITE));
  got = vmemu_xa_gather (xa, 0, G_MAXUINT64, VMEMU_XA_MARK_TOWRITE, values,
                         indexes, G_N_ELEMENTS (values));
  g_assert_cmpuint (got, ==, 143);
  g_assert_cmpuint (indexes[0], ==, 1001);
  g_assert_cmpuint (indexes[142], ==, 1995);
  for (guint k = 0; k < got; k++)
    g_assert_true (vmemu_xa_get_mark (xa, indexes[k], VMEMU_XA_MARK_DIRTY));

  /* the source marks are untouched; again counts every source entry */
  g_assert_true (vmemu_xa_get_mark (xa, 994, VMEMU_XA_MARK_DIRTY));
  g_assert_false (vmemu_xa_get_mark (xa, 994, VMEMU_XA_MARK_TOWRITE));
  g_assert_cmpuint (vmemu_xa_copy_marks (xa, 1000, 2000, VMEMU_XA_MARK_DIRTY,
                                         VMEMU_XA_MARK_TOWRITE), ==, 143);
  g_assert_cmpuint (vmemu_xa_copy_marks (xa, 6000, G_MAXUINT64,
                                         VMEMU_XA_MARK_DIRTY,
                                         VMEMU_XA_MARK_TOWRITE), ==, 0);
  g_assert_cmpuint (vmemu_xa_copy_marks (xa, 0, G_MAXUINT64,
                                         VMEMU_XA_MARK_WRITEBACK,
                                         VMEMU_XA_MARK_TOWRITE), ==, 0);
  vmemu_xa_check (xa);
}

/* ------------------------------------------------- randomized vs model --- */

/* The reference: a GTree from index to a per-entry mark mask.  Values are
 * derived from the index and a generation, stored alongside. */
typedef struct {
  guint64 value;        /* the fake pointer stored in the tree */
  guint marks;          /* bit m set iff mark m */
} ModelEntry;

static gint
cmp_u64 (gconstpointer a, gconstpointer b, gpointer unused)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

/* Indexes mostly clustered (so leaves fill and empty), sometimes anywhere. */
static guint64
random_index (VmemuRng *rng)
{
  switch (vmemu_rng_below (rng, 8))
    {
    case 0:
      return vmemu_rng_next (rng);
    case 1:
      return (G_GUINT64_CONSTANT (1) << 40) + vmemu_rng_below (rng, 300);
    default:
      return vmemu_rng_below (rng, 20000);
    }
}

/* The model's answer to find: first key >= start, <= max, with mark. */
typedef struct {
  guint64 max;          /* inclusive limit */
  int mark;             /* -1 for any entry */
  guint64 found;        /* out: the index */
  gboolean is_found;    /* out */
} ModelFind;

static gboolean
model_find_cb (gpointer key, gpointer value, gpointer data)
{
  ModelFind *f = data;
  const ModelEntry *e = value;
  guint64 index = *(guint64 *) key;

  if (index > f->max)
    return TRUE;
  if (f->mark >= 0 && !(e->marks & (1u << f->mark)))
    return FALSE;
  f->found = index;
  f->is_found = TRUE;
  return TRUE;
}

static gboolean
model_find (GTree *model, guint64 start, guint64 max, int mark, guint64 *found)
{
  ModelFind f = { max, mark, 0, FALSE };
  GTreeNode *node = g_tree_lower_bound (model, &start);

  /* walk from the lower bound in order */
  for (; node != NULL; node = g_tree_node_next (node))
    if (model_find_cb (g_tree_node_key (node), g_tree_node_value (node), &f))
      break;
  *found = f.found;
  return f.is_found;
}

static void
model_check_op (VmemuXa *xa, GTree *model, VmemuRng *rng)
{
  guint64 index = random_index (rng);
  ModelEntry *e = g_tree_lookup (model, &index);
  int mark = (int) vmemu_rng_below (rng, VMEMU_XA_N_MARKS);

  switch (vmemu_rng_below (rng, 10))
    {
    case 0: case 1: case 2:            /* store */
      {
        guint64 value = vmemu_rng_next (rng) | 1;
        gpointer old = vmemu_xa_store (xa, index, GSIZE_TO_POINTER (value));
        g_assert_true (old == (e ? GSIZE_TO_POINTER (e->value) : NULL));
        if (e == NULL)
          {
            guint64 *key = g_new (guint64, 1);
            *key = index;
            e = g_new0 (ModelEntry, 1);
            g_tree_insert (model, key, e);
          }
        e->value = value;
        break;
      }
    case 3: case 4:                    /* erase */
      g_assert_true (vmemu_xa_erase (xa, index)
                     == (e ? GSIZE_TO_POINTER (e->value) : NULL));
      if (e != NULL)
        g_tree_remove (model, &index);
      break;
    case 5:                            /* set mark */
      vmemu_xa_set_mark (xa, index, mark);
      if (e != NULL)
        e->marks |= 1u << mark;
      break;
    case 6:                            /* clear mark */
      vmemu_xa_clear_mark (xa, index, mark);
      if (e != NULL)
        e->marks &= ~(1u << mark);
      break;
    case 7:                            /* load and marks */
      g_assert_true (vmemu_xa_load (xa, index)
                     == (e ? GSIZE_TO_POINTER (e->value) : NULL));
      g_assert_cmpint (vmemu_xa_get_mark (xa, index, mark), ==,
                       e != NULL && (e->marks >> mark) & 1);
      break;
    default:                           /* find, marked or not */
      {
        guint64 max = index + vmemu_rng_below (rng, 100000);
        guint64 want = 0, got = index;
        int m = mark - (int) vmemu_rng_below (rng, 2);  /* -1 sometimes */
        gboolean has = model_find (model, index, max < index ? G_MAXUINT64
                                   : max, m, &want);
        gpointer v = vmemu_xa_find (xa, &got, max < index ? G_MAXUINT64
                                    : max, m);
        g_assert_cmpint (v != NULL, ==, has);
        if (has)
          {
            g_assert_cmphex (got, ==, want);
            g_assert_true (v == GSIZE_TO_POINTER (((ModelEntry *)
                             g_tree_lookup (model, &want))->value));
          }
        break;
      }
    }
}

/* A full comparison: gather everything (per mark) and the summaries. */
static gboolean
model_compare_cb (gpointer key, gpointer value, gpointer data)
{
  guint64 **cursor = data;
  g_assert_cmphex (*(*cursor)++, ==, *(guint64 *) key);
  return FALSE;
}

static void
model_compare_all (VmemuXa *xa, GTree *model)
{
  gsize n = g_tree_nnodes (model);
  g_autofree gpointer *values = g_new (gpointer, n + 1);
  g_autofree guint64 *indexes = g_new (guint64, n + 1);
  guint64 *cursor = indexes;

  vmemu_xa_check (xa);
  g_assert_cmpuint (vmemu_xa_count (xa), ==, n);
  g_assert_cmpuint (vmemu_xa_gather (xa, 0, G_MAXUINT64, -1, values, indexes,
                                     n + 1), ==, n);
  g_tree_foreach (model, model_compare_cb, &cursor);
  for (gsize i = 0; i < n; i++)
    {
      const ModelEntry *e = g_tree_lookup (model, &indexes[i]);
      g_assert_true (values[i] == GSIZE_TO_POINTER (e->value));
      for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
        g_assert_cmpint (vmemu_xa_get_mark (xa, indexes[i], m), ==,
                         (e->marks >> m) & 1);
    }
}

static void
test_xa_random_vs_model (void)
{
  g_autoptr(VmemuXa) xa = vmemu_xa_new ();
  g_autoptr(GTree) model = g_tree_new_full (cmp_u64, NULL, g_free, g_free);
  VmemuRng rng;
  const guint n_ops = g_test_slow () ? 1000000 : 100000;

  vmemu_rng_init (&rng, 20240601);
  for (guint op = 0; op < n_ops; op++)
    {
      model_check_op (xa, model, &rng);
      if (op % 10000 == 0)
        model_compare_all (xa, model);
      /* now and then, tag everything dirty for writeback as a flush would */
      if (op % 25000 == 12345)
        {
          guint64 lo = random_index (&rng), tagged, want = 0;
          for (GTreeNode *node = g_tree_lower_bound (model, &lo); node;
               node = g_tree_node_next (node))
            {
              ModelEntry *e = g_tree_node_value (node);
              if (e->marks & 1u << VMEMU_XA_MARK_DIRTY)
                {
                  e->marks |= 1u << VMEMU_XA_MARK_TOWRITE;
                  want++;
                }
            }
          tagged = vmemu_xa_copy_marks (xa, lo, G_MAXUINT64,
                                        VMEMU_XA_MARK_DIRTY,
                                        VMEMU_XA_MARK_TOWRITE);
          g_assert_cmpuint (tagged, ==, want);
        }
    }
  model_compare_all (xa, model);
  g_assert_cmpuint (vmemu_xa_count (xa), >, 1000);  /* the mix really grew */

  /* drain it through the API; the tree must end empty with no nodes */
  while (vmemu_xa_count (xa) > 0)
    {
      guint64 index = 0;
      g_assert_nonnull (vmemu_xa_find (xa, &index, G_MAXUINT64, -1));
      vmemu_xa_erase (xa, index);
    }
  vmemu_xa_check (xa);
  g_assert_cmpuint (vmemu_xa_memory_bytes (xa), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xa/empty", test_xa_empty);
  g_test_add_func ("/xa/store-load-erase", test_xa_store_load_erase);
  g_test_add_func ("/xa/store-null-is-programmer-error",
                   test_xa_store_null_is_programmer_error);
  g_test_add_func ("/xa/sparse-indexes", test_xa_sparse);
  g_test_add_func ("/xa/shrinks-height", test_xa_shrinks_height);
  g_test_add_func ("/xa/marks", test_xa_marks);
  g_test_add_func ("/xa/erase-clears-marks", test_xa_erase_clears_marks);
  g_test_add_func ("/xa/find-marked-across-nodes",
                   test_xa_find_marked_across_nodes);
  g_test_add_func ("/xa/gather-in-batches", test_xa_gather);
  g_test_add_func ("/xa/copy-marks", test_xa_copy_marks);
  g_test_add_func ("/xa/random-vs-model", test_xa_random_vs_model);
  return g_test_run ();
}
