/* scenario-activity.c — `expect_activity:`: what a scenario says the machine
 * must do (kswapd wakes, releasepage leaves a page cached, ...), parsed,
 * written back and checked against a run's counters.  A scenario that no
 * longer reaches the path it was written for then fails instead of passing
 * as "clean". */
#include "engine/scenario/scenario-private.h"
#include "engine/scenario/kerrno.h"

#include <string.h>

static const char *const activity_names[VMEMU_ACT__COUNT + 1] = {
  [VMEMU_ACT_KSWAPD] = "kswapd",
  [VMEMU_ACT_DIRECT_RECLAIM] = "direct_reclaim",
  [VMEMU_ACT_PAGES_SCANNED] = "pages_scanned",
  [VMEMU_ACT_PAGES_RECLAIMED] = "pages_reclaimed",
  [VMEMU_ACT_RELEASEPAGE] = "releasepage",
  [VMEMU_ACT_RELEASEPAGE_FAILED_REMOVE] = "releasepage_failed_remove",
  [VMEMU_ACT_WRITEBACK] = "writeback",
  [VMEMU_ACT_FAULTS] = "faults",
  [VMEMU_ACT_MKWRITE] = "mkwrite",
  [VMEMU_ACT_DROP_CACHES] = "drop_caches",
  [VMEMU_ACT_IO_ERRORS] = "io_errors",
  [VMEMU_ACT_OP_ERRORS] = "op_errors",
  [VMEMU_ACT_SIGBUS] = "sigbus",
  [VMEMU_ACT_SIGSEGV] = "sigsegv",
  [VMEMU_ACT__COUNT] = NULL,
};

static const char *const cmp_text[] = {
  [VMEMU_CMP_EQ] = "==", [VMEMU_CMP_NE] = "!=", [VMEMU_CMP_GE] = ">=",
  [VMEMU_CMP_GT] = ">", [VMEMU_CMP_LE] = "<=", [VMEMU_CMP_LT] = "<",
};

const char *
vmemu_activity_name (VmemuActivity a)
{
  g_return_val_if_fail ((int) a >= 0 && a < VMEMU_ACT__COUNT, "unknown");
  return activity_names[a];
}

char *
vmemu_expect_activity_text (const VmemuExpectActivity *e)
{
  if (e->cmp == VMEMU_CMP_GE && e->value == 1)
    return g_strdup ("true");
  if (e->cmp == VMEMU_CMP_EQ && e->value == 0)
    return g_strdup ("false");
  if (e->cmp == VMEMU_CMP_EQ)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, e->value);
  return g_strdup_printf ("%s %" G_GUINT64_FORMAT, cmp_text[e->cmp], e->value);
}

static gboolean
cmp_holds (VmemuCmp cmp, guint64 count, guint64 value)
{
  switch (cmp)
    {
    case VMEMU_CMP_EQ: return count == value;
    case VMEMU_CMP_NE: return count != value;
    case VMEMU_CMP_GE: return count >= value;
    case VMEMU_CMP_GT: return count > value;
    case VMEMU_CMP_LE: return count <= value;
    default: return count < value;
    }
}

guint
vmemu_scenario_check_activity (const VmemuScenario *scn, const guint64 *counts,
                               GPtrArray *unmet)
{
  guint n = 0;
  g_return_val_if_fail (scn != NULL && counts != NULL, 0);
  for (guint i = 0; scn->expect_activity && i < scn->expect_activity->len; i++)
    {
      const VmemuExpectActivity *e = &g_array_index (scn->expect_activity,
                                                     VmemuExpectActivity, i);
      if (cmp_holds (e->cmp, counts[e->what], e->value))
        continue;
      n++;
      if (unmet == NULL)
        continue;
      g_autofree char *want = vmemu_expect_activity_text (e);
      g_ptr_array_add (unmet, g_strdup_printf ("expect_activity %s: %s not met: it was %"
                                               G_GUINT64_FORMAT, activity_names[e->what],
                                               want, counts[e->what]));
    }
  return n;
}

char *
vmemu_scenario_activity_verdict (const VmemuScenario *scn, const guint64 *counts)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; scn->expect_activity && i < scn->expect_activity->len; i++)
    {
      const VmemuExpectActivity *e = &g_array_index (scn->expect_activity,
                                                     VmemuExpectActivity, i);
      if (cmp_holds (e->cmp, counts[e->what], e->value))
        continue;
      g_autofree char *want = vmemu_expect_activity_text (e);
      g_string_append_printf (s, "%s%s: %s (it was %" G_GUINT64_FORMAT ")",
                              s->len ? "; " : "not met: ", activity_names[e->what], want,
                              counts[e->what]);
    }
  if (s->len == 0)
    g_string_append (s, "met");
  return g_string_free (s, FALSE);
}

/* "true", "false", "3", ">= 1", "<2", "!= 0" */
static gboolean
parse_condition (const char *text, VmemuCmp *cmp, guint64 *value, const char **why)
{
  if (strcmp (text, "true") == 0 || strcmp (text, "True") == 0)
    return (*cmp = VMEMU_CMP_GE, *value = 1), TRUE;
  if (strcmp (text, "false") == 0 || strcmp (text, "False") == 0)
    return (*cmp = VMEMU_CMP_EQ, *value = 0), TRUE;
  const char *p = text;
  *cmp = VMEMU_CMP_EQ;
  /* two-character operators first */
  static const VmemuCmp order[] = { VMEMU_CMP_GE, VMEMU_CMP_LE, VMEMU_CMP_EQ, VMEMU_CMP_NE,
                                    VMEMU_CMP_GT, VMEMU_CMP_LT };
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_has_prefix (p, cmp_text[order[i]]))
      {
        *cmp = order[i];
        p += strlen (cmp_text[order[i]]);
        break;
      }
  while (*p == ' ')
    p++;
  if (!scenario_parse_uint (p, value, why))
    {
      *why = "expected true, false, a count, or a comparison like \">= 1\"";
      return FALSE;
    }
  return TRUE;
}

gboolean
scenario_load_expect_activity (ScenarioLoad *ld, const SNode *v)
{
  if (v->kind != SNODE_MAP)
    {
      g_autofree char *got = snode_describe (v);
      return sfail (ld, v, "expected a mapping of activity to condition (kswapd: true), got %s",
                    got);
    }
  for (guint i = 0; i < snode_map_size (v); i++)
    {
      const SNode *key = snode_map_key (v, i), *val = snode_map_value (v, i);
      VmemuExpectActivity e = { .line = key->line, .column = key->column };
      int a;
      for (a = 0; a < VMEMU_ACT__COUNT && strcmp (activity_names[a], key->text) != 0; a++)
        ;
      if (a == VMEMU_ACT__COUNT)
        {
          const char *hint = scenario_suggest (key->text, activity_names);
          if (hint)
            return sfail (ld, key, "unknown activity '%s' in expect_activity; did you mean '%s'?",
                          key->text, hint);
          g_autofree char *list = g_strjoinv (", ", (char **) activity_names);
          return sfail (ld, key, "unknown activity '%s' in expect_activity (known: %s)",
                        key->text, list);
        }
      e.what = (VmemuActivity) a;
      const char *why = NULL;
      if (val->kind != SNODE_SCALAR || !parse_condition (val->text, &e.cmp, &e.value, &why))
        {
          g_autofree char *got = snode_describe (val);
          return sfail (ld, val, "%s, got %s", why ? why
                        : "expected true, false, a count, or a comparison like \">= 1\"", got);
        }
      g_array_append_val (ld->scn->expect_activity, e);
    }
  return TRUE;
}

void
scenario_write_expect_activity (const VmemuScenario *scn, GString *out)
{
  for (guint i = 0; i < scn->expect_activity->len; i++)
    {
      const VmemuExpectActivity *e = &g_array_index (scn->expect_activity,
                                                     VmemuExpectActivity, i);
      g_autofree char *want = vmemu_expect_activity_text (e);
      gboolean quote = strchr (want, ' ') != NULL || want[0] == '<' || want[0] == '>'
                       || want[0] == '!' || want[0] == '=';
      g_string_append_printf (out, "%s%s: %s%s%s\n", i == 0 ? "expect_activity:\n  " : "  ",
                              activity_names[e->what], quote ? "\"" : "", want,
                              quote ? "\"" : "");
    }
}

gboolean
scenario_expect_activity_equal (const GArray *a, const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const VmemuExpectActivity *x = &g_array_index (a, VmemuExpectActivity, i);
      const VmemuExpectActivity *y = &g_array_index (b, VmemuExpectActivity, i);
      if (x->what != y->what || x->cmp != y->cmp || x->value != y->value)
        return FALSE;
    }
  return TRUE;
}

/* --- errno names (the values: kerrno.h) ---- */

typedef struct {
  int no;
  const char *name;
} ErrnoName;

#define ERRNO_ROW(name, value) { value, #name },
static const ErrnoName errno_table[] = {
  VMEMU_ERRNO_LIST (ERRNO_ROW)
  { VMEMU_RESULT_SIGNAL_BASE + VMEMU_SIGBUS, "SIGBUS" },
  { VMEMU_RESULT_SIGNAL_BASE + VMEMU_SIGSEGV, "SIGSEGV" },
};
#undef ERRNO_ROW

#define ERRNO_NAME(name, value) #name,
static const char *const errno_names[G_N_ELEMENTS (errno_table) + 1] = {
  VMEMU_ERRNO_LIST (ERRNO_NAME) "SIGBUS", "SIGSEGV", NULL,
};
#undef ERRNO_NAME

const char *
vmemu_errno_name (int err)
{
  if (err == 0)
    return "success";
  int no = ABS (err);
  for (gsize i = 0; i < G_N_ELEMENTS (errno_table); i++)
    if (errno_table[i].no == no)
      return errno_table[i].name;
  return NULL;
}

int
vmemu_errno_from_name (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (errno_table); i++)
    if (strcmp (errno_table[i].name, name) == 0)
      return errno_table[i].no;
  return 0;
}

const char *const *
vmemu_errno_names (void)
{
  return errno_names;
}
