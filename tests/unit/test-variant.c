/* test-variant.c — variant files and specs (engine/variant, issue 13): the
 * generated table is sorted by file name with matching declared names, bases
 * chain, specs compose switches and variants, and the model's ops tables take
 * a variant's replacements in order. */
#include <glib.h>
#include <string.h>

#include "engine/model/fs-ops.h"
#include "engine/variant/variant-def.h"
#include "engine/variant/variant.h"

static void
test_table_sorted (void)
{
  g_assert_cmpuint (vmemu_variant_table_len, >=, 6);
  for (guint i = 0; i < vmemu_variant_table_len; i++)
    {
      g_assert_cmpstr (vmemu_variant_table[i].def->name, ==, vmemu_variant_table[i].file_name);
      if (i > 0)
        g_assert_cmpint (strcmp (vmemu_variant_table[i - 1].file_name,
                                 vmemu_variant_table[i].file_name), <, 0);
    }
  g_assert_cmpstr (vmemu_variant_named_name (0), ==, "baseline");
  g_assert_null (vmemu_variant_named_name (vmemu_variant_table_len));
}

static char *
switches_of (const char *spec)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuVariant) v = vmemu_variant_parse (spec, &error);
  g_assert_no_error (error);
  return vmemu_variant_switches_string (v);
}

/* The six built-in names keep the switch sets they had as a C table. */
static void
test_builtin_switches (void)
{
  static const char *const want[][2] = {
    { "baseline", "none" },
    { "patched", "iop_create_fill" },
    { "mkwrite-fill", "mkwrite_fill" },
    { "mkwrite-create-fill", "mkwrite_create_fill" },
    { "v5-10", "iop_create_fill,write_begin_uptodate,write_begin_clear_error,"
               "dio_invalidate_writes_only" },
    { "v5-14", "iop_create_fill,write_begin_uptodate,write_begin_clear_error,"
               "writepage_create_iop,mkwrite_no_iop,dio_invalidate_writes_only" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *sw = switches_of (want[i][0]);
      g_assert_cmpstr (sw, ==, want[i][1]);
    }
}

static void
test_compose (void)
{
  g_autofree char *a = switches_of ("baseline+patched");
  g_assert_cmpstr (a, ==, "iop_create_fill");
  g_autofree char *b = switches_of ("patched-iop_create_fill");
  g_assert_cmpstr (b, ==, "none");
  /* '-' inside a name: the longest variant name wins */
  g_autofree char *c = switches_of ("baseline+mkwrite-create-fill+write_begin_uptodate");
  g_assert_cmpstr (c, ==, "mkwrite_create_fill,write_begin_uptodate");
  /* +v5-14 adds v5-14's own changes, not its base v5-10's */
  g_autofree char *d = switches_of ("baseline+v5-14");
  g_assert_cmpstr (d, ==, "writepage_create_iop,mkwrite_no_iop");
  g_autoptr (VmemuVariant) v = vmemu_variant_parse ("v5-14", NULL);
  g_autofree char *ops = vmemu_variant_ops_string (v);
  g_assert_cmpstr (ops, ==, "none");
}

static void
test_errors (void)
{
  static const char *const bad[] = { "nosuch", "baseline+nosuch", "baseline-patched",
                                     "baseline+", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VmemuVariant) v = vmemu_variant_parse (bad[i], &error);
      g_assert_null (v);
      g_assert_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN);
      g_assert_nonnull (strstr (error->message, "variants: baseline"));
    }
}

/* Two stand-in replacements, told apart by what they return. */
static int release_a (VmemuMachine *m, VmemuPage *p) { return 10; }
static int release_b (VmemuMachine *m, VmemuPage *p) { return 20; }

/* vm_fs_ops_build: NULL entries keep the base's, the later replacement wins. */
static void
test_ops_build (void)
{
  static const struct VmemuVariantOps ra = { .a_ops.releasepage = release_a };
  static const struct VmemuVariantOps rb = { .a_ops.releasepage = release_b };
  VmemuVariant v = { .spec = (char *) "test" };
  VmFsOps out;
  vm_fs_ops_build (&out, &vm_xfs_fs_ops, &v);
  g_assert_true (memcmp (&out, &vm_xfs_fs_ops, sizeof out) == 0);
  v.ops[v.n_ops++] = &ra;
  vm_fs_ops_build (&out, &vm_xfs_fs_ops, &v);
  g_assert_true (out.a_ops.releasepage == release_a);
  g_assert_true (out.a_ops.invalidatepage == vm_xfs_fs_ops.a_ops.invalidatepage);
  g_assert_true (out.iomap.page_create == vm_xfs_fs_ops.iomap.page_create);
  v.ops[v.n_ops++] = &rb;
  vm_fs_ops_build (&out, &vm_xfs_fs_ops, &v);
  g_assert_cmpint (out.a_ops.releasepage (NULL, NULL), ==, 20);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/variant/table-sorted", test_table_sorted);
  g_test_add_func ("/variant/builtin-switches", test_builtin_switches);
  g_test_add_func ("/variant/compose", test_compose);
  g_test_add_func ("/variant/errors", test_errors);
  g_test_add_func ("/variant/ops-build", test_ops_build);
  return g_test_run ();
}
