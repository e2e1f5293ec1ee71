/* sparse.c — the range map behind the oracle (see sparse.h): non-overlapping
 * intervals in a GTree ordered by start, never iterated by pointer.  (The
 * oracle's bytes are engine/content stores since issue 15.)
 */
#include "engine/model/sparse.h"

/* ---- the range map ---- */

typedef struct {
  guint64 start, end;   /* first must stay the key: compared as guint64 */
  guint32 val;
} Range;

struct _VmRanges {
  GTree *t;   /* Range (key and value) ordered by start */
};

static gint
range_cmp (gconstpointer a, gconstpointer b, gpointer unused)
{
  (void) unused;
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
  return x < y ? -1 : x > y;
}

VmRanges *
vm_ranges_new (void)
{
  VmRanges *r = g_new0 (VmRanges, 1);
  r->t = g_tree_new_full (range_cmp, NULL, NULL, g_free);
  return r;
}

void
vm_ranges_free (VmRanges *r)
{
  if (!r)
    return;
  g_tree_destroy (r->t);
  g_free (r);
}

guint
vm_ranges_count (const VmRanges *r)
{
  return (guint) g_tree_nnodes (r->t);
}

/* The interval holding pos, else the first one after it. */
static GTreeNode *
node_from (const VmRanges *r, guint64 pos)
{
  GTreeNode *n = g_tree_upper_bound (r->t, &pos);   /* first start > pos */
  GTreeNode *p = n ? g_tree_node_previous (n) : g_tree_node_last (r->t);
  if (p && ((const Range *) g_tree_node_value (p))->end > pos)
    return p;
  return n;
}

static void
insert (VmRanges *r, guint64 start, guint64 end, guint32 val)
{
  Range *x = g_new (Range, 1);
  *x = (Range) { start, end, val };
  g_tree_insert (r->t, x, x);
}

void
vm_ranges_set (VmRanges *r, guint64 start, guint64 end, guint32 val)
{
  if (start >= end)
    return;
  /* each overlapping interval leaves, its parts outside [start, end) come
   * back; the left part ends at start, so the next lookup passes it */
  GTreeNode *n;
  while ((n = node_from (r, start)) != NULL)
    {
      Range x = *(const Range *) g_tree_node_value (n);
      if (x.start >= end)
        break;
      g_tree_remove (r->t, &x.start);
      if (x.start < start)
        insert (r, x.start, start, x.val);
      if (x.end > end)
        insert (r, end, x.end, x.val);
    }
  if (val)
    insert (r, start, end, val);
}

guint32
vm_ranges_get (const VmRanges *r, guint64 pos)
{
  GTreeNode *n = node_from (r, pos);
  const Range *x = n ? g_tree_node_value (n) : NULL;
  return x && x->start <= pos ? x->val : 0;
}

gboolean
vm_ranges_next (const VmRanges *r, guint64 *start, guint64 *stop, guint64 end, guint32 *val)
{
  if (*start >= end)
    return FALSE;
  GTreeNode *n = node_from (r, *start);
  if (!n)
    return FALSE;
  const Range *x = g_tree_node_value (n);
  if (x->start >= end)
    return FALSE;
  *start = MAX (*start, x->start);
  *stop = MIN (end, x->end);
  *val = x->val;
  return TRUE;
}
