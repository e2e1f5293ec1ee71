/* xa.c — a radix tree of 64-way nodes with per-mark summary bitmaps.
 *
 * Shaped like the kernel's xarray (lib/xarray.c): a node at level `shift`
 * splits the index on bits [shift, shift + 6); leaves have shift 0 and hold
 * the values.  In a leaf, bit i of marks[m] says entry i has mark m; in an
 * inner node it says child i's subtree holds at least one entry with mark m
 * (the kernel's node_set_mark / xas_set_mark propagation).  Searches use the
 * bitmaps to jump over empty or unmarked subtrees, so they never walk more
 * than one path down and up per step.  Every node on the tree holds at least
 * one entry below it: empty nodes are freed at once.
 */
#include "engine/xa/xa.h"

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE (1u << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK ((guint64) XA_CHUNK_SIZE - 1)
/* Highest shift a node can have: it splits bits 60..63 of the index. */
#define XA_MAX_SHIFT 60

typedef struct _XaNode XaNode;

struct _XaNode {
  guint8 shift;         /* index bits this node splits: [shift, shift + 6) */
  guint8 offset;        /* slot in the parent that points here */
  guint8 count;         /* non-NULL slots, 1..64 while on the tree */
  XaNode *parent;       /* NULL at the root */
  guint64 present;      /* bit i set iff slots[i] != NULL (fast find) */
  guint64 marks[VMEMU_XA_N_MARKS];  /* per-mark summary, see file comment */
  gpointer slots[XA_CHUNK_SIZE];    /* values (leaf) or XaNode * (inner) */
};

struct _VmemuXa {
  XaNode *root;         /* NULL when empty; covers [0, 64 << root->shift) */
  guint root_shift;     /* root->shift, kept here so that a lookup reads no
                         * node header: only the slot it follows (at a few
                         * million pages every node is a cache miss) */
  gsize count;          /* entries stored */
  gsize n_nodes;        /* nodes allocated, for vmemu_xa_memory_bytes() */
};

/* ------------------------------------------------------------- helpers --- */

static inline guint
node_slot (const XaNode *node, guint64 index)
{
  return (index >> node->shift) & XA_CHUNK_MASK;
}

/* Does `index` fall inside the range a node of this shift covers from 0? */
static inline gboolean
shift_covers (guint shift, guint64 index)
{
  return shift + XA_CHUNK_SHIFT >= 64
         || (index >> (shift + XA_CHUNK_SHIFT)) == 0;
}

/* First index of the subtree `node` roots, given any index inside it. */
static inline guint64
node_base (const XaNode *node, guint64 index)
{
  guint span_shift = node->shift + XA_CHUNK_SHIFT;

  if (span_shift >= 64)
    return 0;
  return index & ~((G_GUINT64_CONSTANT (1) << span_shift) - 1);
}

/* Bits of `node` to search: entries (or subtrees) present, or marked. */
static inline guint64
node_bits (const XaNode *node, int mark)
{
  return mark < 0 ? node->present : node->marks[mark];
}

static XaNode *
node_new (VmemuXa *xa, guint shift, XaNode *parent, guint offset)
{
  XaNode *node = g_new0 (XaNode, 1);

  node->shift = shift;
  node->parent = parent;
  node->offset = offset;
  xa->n_nodes++;
  return node;
}

static void
node_free_tree (VmemuXa *xa, XaNode *node)
{
  if (node->shift > 0)
    for (guint64 bits = node->present; bits; bits &= bits - 1)
      node_free_tree (xa, node->slots[__builtin_ctzll (bits)]);
  xa->n_nodes--;
  g_free (node);
}

/* The leaf holding `index`, or NULL if no entry could be there. */
static XaNode *
xa_leaf (const VmemuXa *xa, guint64 index)
{
  XaNode *node = xa->root;
  guint shift = xa->root_shift;

  if (node == NULL || !shift_covers (shift, index))
    return NULL;
  /* a child's shift is its parent's less one level */
  for (; shift > 0; shift -= XA_CHUNK_SHIFT)
    {
      node = node->slots[(index >> shift) & XA_CHUNK_MASK];
      if (node == NULL)
        return NULL;
    }
  return node;
}

static inline void
set_root (VmemuXa *xa, XaNode *root)
{
  xa->root = root;
  xa->root_shift = root ? root->shift : 0;
}

/* Bit `offset` of `node`'s mark summary was just set: tell the ancestors
 * (cf. the kernel's xas_set_mark).  Stops where the summary was already set. */
static void
mark_propagate_set (XaNode *node, VmemuXaMark mark)
{
  while (node->parent != NULL)
    {
      XaNode *parent = node->parent;
      guint64 bit = G_GUINT64_CONSTANT (1) << node->offset;

      if (parent->marks[mark] & bit)
        return;
      parent->marks[mark] |= bit;
      node = parent;
    }
}

/* `node`'s summary for `mark` just became empty: clear it upwards until an
 * ancestor still has other marked children (cf. xas_clear_mark). */
static void
mark_propagate_clear (XaNode *node, VmemuXaMark mark)
{
  while (node->marks[mark] == 0 && node->parent != NULL)
    {
      node->parent->marks[mark] &= ~(G_GUINT64_CONSTANT (1) << node->offset);
      node = node->parent;
    }
}

/* --------------------------------------------------------------- shape --- */

/* Add levels above the root until it covers `index` (cf. xas_expand). */
static void
xa_expand (VmemuXa *xa, guint64 index)
{
  while (!shift_covers (xa->root->shift, index))
    {
      XaNode *old = xa->root;
      XaNode *top = node_new (xa, old->shift + XA_CHUNK_SHIFT, NULL, 0);

      top->slots[0] = old;
      top->present = 1;
      top->count = 1;
      for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
        top->marks[m] = old->marks[m] != 0;
      old->parent = top;
      old->offset = 0;
      set_root (xa, top);
    }
}

/* Drop root levels that only lead to slot 0 (cf. xas_shrink), so a tree that
 * once held a huge index does not keep its height forever. */
static void
xa_shrink (VmemuXa *xa)
{
  XaNode *root = xa->root;

  while (root != NULL && root->shift > 0 && root->present == 1)
    {
      XaNode *child = root->slots[0];

      child->parent = NULL;
      child->offset = 0;
      g_free (root);
      xa->n_nodes--;
      root = child;
    }
  set_root (xa, root);
}

/* `node` has just lost its last slot: free it and empty ancestors. */
static void
xa_delete_node (VmemuXa *xa, XaNode *node)
{
  while (node != NULL && node->count == 0)
    {
      XaNode *parent = node->parent;

      if (parent == NULL)
        set_root (xa, NULL);
      else
        {
          parent->slots[node->offset] = NULL;
          parent->present &= ~(G_GUINT64_CONSTANT (1) << node->offset);
          parent->count--;
        }
      g_free (node);
      xa->n_nodes--;
      node = parent;
    }
}

/* The leaf for `index`, creating the root, levels and path as needed. */
static XaNode *
xa_create_leaf (VmemuXa *xa, guint64 index)
{
  XaNode *node;

  if (xa->root == NULL)
    {
      guint shift = 0;
      while (!shift_covers (shift, index))
        shift += XA_CHUNK_SHIFT;
      set_root (xa, node_new (xa, shift, NULL, 0));
    }
  xa_expand (xa, index);
  node = xa->root;
  while (node->shift > 0)
    {
      guint off = node_slot (node, index);

      if (node->slots[off] == NULL)
        {
          node->slots[off] = node_new (xa, node->shift - XA_CHUNK_SHIFT,
                                       node, off);
          node->present |= G_GUINT64_CONSTANT (1) << off;
          node->count++;
        }
      node = node->slots[off];
    }
  return node;
}

/* -------------------------------------------------------------- search --- */

/* The first entry at or after *index (up to max) whose bit is set in
 * node_bits (leaf, mark).  Returns its leaf and sets *index and *offset; NULL
 * when there is none.  Walks down, and up past exhausted nodes, using the
 * summary bitmaps to skip whole subtrees (cf. xas_find_marked). */
static XaNode *
xa_find_leaf (const VmemuXa *xa, guint64 *index, guint64 max, int mark,
              guint *offset)
{
  XaNode *node = xa->root;
  guint64 start = *index;
  guint off;

  if (node == NULL || start > max || !shift_covers (node->shift, start))
    return NULL;
  off = node_slot (node, start);
  for (;;)
    {
      guint64 bits = 0;
      guint next;

      if (off < XA_CHUNK_SIZE)
        bits = node_bits (node, mark) & (~G_GUINT64_CONSTANT (0) << off);

      if (bits == 0)
        {
          if (node->parent == NULL)
            return NULL;
          off = node->offset + 1;      /* the parent's next subtree */
          node = node->parent;
          continue;
        }
      next = __builtin_ctzll (bits);
      if (next != node_slot (node, start))
        start = node_base (node, start) + ((guint64) next << node->shift);
      if (start > max)
        return NULL;
      if (node->shift == 0)
        {
          *index = start;
          *offset = next;
          return node;
        }
      node = node->slots[next];
      off = node_slot (node, start);
    }
}

/* The bits of a leaf that lie in [index, max], given index inside the leaf. */
static guint64
leaf_range_mask (guint64 index, guint64 max)
{
  guint64 mask = ~G_GUINT64_CONSTANT (0) << (index & XA_CHUNK_MASK);

  if (max - (index & ~XA_CHUNK_MASK) < XA_CHUNK_MASK)
    mask &= (G_GUINT64_CONSTANT (2) << (max & XA_CHUNK_MASK)) - 1;
  return mask;
}

/* ---------------------------------------------------------- public API --- */

VmemuXa *
vmemu_xa_new (void)
{
  return g_new0 (VmemuXa, 1);
}

void
vmemu_xa_free (VmemuXa *xa)
{
  if (xa == NULL)
    return;
  if (xa->root != NULL)
    node_free_tree (xa, xa->root);
  g_free (xa);
}

gpointer
vmemu_xa_load (const VmemuXa *xa, guint64 index)
{
  const XaNode *leaf;

  g_return_val_if_fail (xa != NULL, NULL);
  leaf = xa_leaf (xa, index);
  return leaf != NULL ? leaf->slots[index & XA_CHUNK_MASK] : NULL;
}

gpointer
vmemu_xa_store (VmemuXa *xa, guint64 index, gpointer value)
{
  XaNode *leaf;
  guint off = index & XA_CHUNK_MASK;
  gpointer old;

  g_return_val_if_fail (xa != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);

  leaf = xa_create_leaf (xa, index);
  old = leaf->slots[off];
  leaf->slots[off] = value;
  if (old == NULL)
    {
      leaf->present |= G_GUINT64_CONSTANT (1) << off;
      leaf->count++;
      xa->count++;
    }
  return old;
}

gpointer
vmemu_xa_erase (VmemuXa *xa, guint64 index)
{
  XaNode *leaf;
  guint off = index & XA_CHUNK_MASK;
  guint64 bit = G_GUINT64_CONSTANT (1) << off;
  gpointer old;

  g_return_val_if_fail (xa != NULL, NULL);
  leaf = xa_leaf (xa, index);
  if (leaf == NULL || leaf->slots[off] == NULL)
    return NULL;

  old = leaf->slots[off];
  for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
    if (leaf->marks[m] & bit)
      {
        leaf->marks[m] &= ~bit;
        mark_propagate_clear (leaf, m);
      }
  leaf->slots[off] = NULL;
  leaf->present &= ~bit;
  leaf->count--;
  xa->count--;
  xa_delete_node (xa, leaf);
  xa_shrink (xa);
  return old;
}

gsize
vmemu_xa_count (const VmemuXa *xa)
{
  g_return_val_if_fail (xa != NULL, 0);
  return xa->count;
}

void
vmemu_xa_set_mark (VmemuXa *xa, guint64 index, VmemuXaMark mark)
{
  XaNode *leaf;
  guint64 bit = G_GUINT64_CONSTANT (1) << (index & XA_CHUNK_MASK);
  gboolean was_marked;

  g_return_if_fail (xa != NULL);
  g_return_if_fail ((guint) mark < VMEMU_XA_N_MARKS);
  leaf = xa_leaf (xa, index);
  if (leaf == NULL || !(leaf->present & bit) || (leaf->marks[mark] & bit))
    return;
  was_marked = leaf->marks[mark] != 0;
  leaf->marks[mark] |= bit;
  if (!was_marked)
    mark_propagate_set (leaf, mark);
}

void
vmemu_xa_clear_mark (VmemuXa *xa, guint64 index, VmemuXaMark mark)
{
  XaNode *leaf;
  guint64 bit = G_GUINT64_CONSTANT (1) << (index & XA_CHUNK_MASK);

  g_return_if_fail (xa != NULL);
  g_return_if_fail ((guint) mark < VMEMU_XA_N_MARKS);
  leaf = xa_leaf (xa, index);
  if (leaf == NULL || !(leaf->marks[mark] & bit))
    return;
  leaf->marks[mark] &= ~bit;
  mark_propagate_clear (leaf, mark);
}

gboolean
vmemu_xa_get_mark (const VmemuXa *xa, guint64 index, VmemuXaMark mark)
{
  const XaNode *leaf;

  g_return_val_if_fail (xa != NULL, FALSE);
  g_return_val_if_fail ((guint) mark < VMEMU_XA_N_MARKS, FALSE);
  leaf = xa_leaf (xa, index);
  return leaf != NULL && (leaf->marks[mark] >> (index & XA_CHUNK_MASK)) & 1;
}

gboolean
vmemu_xa_marked (const VmemuXa *xa, VmemuXaMark mark)
{
  g_return_val_if_fail (xa != NULL, FALSE);
  g_return_val_if_fail ((guint) mark < VMEMU_XA_N_MARKS, FALSE);
  return xa->root != NULL && xa->root->marks[mark] != 0;
}

gpointer
vmemu_xa_find (const VmemuXa *xa, guint64 *index, guint64 max, int mark)
{
  XaNode *leaf;
  guint off;

  g_return_val_if_fail (xa != NULL, NULL);
  g_return_val_if_fail (index != NULL, NULL);
  g_return_val_if_fail (mark >= VMEMU_XA_NO_MARK && mark < VMEMU_XA_N_MARKS,
                        NULL);
  leaf = xa_find_leaf (xa, index, max, mark, &off);
  return leaf != NULL ? leaf->slots[off] : NULL;
}

guint
vmemu_xa_gather (const VmemuXa *xa, guint64 start, guint64 max, int mark,
                 gpointer *values, guint64 *indexes, guint n)
{
  guint got = 0;
  guint off;
  XaNode *leaf;

  g_return_val_if_fail (xa != NULL, 0);
  g_return_val_if_fail (values != NULL || n == 0, 0);
  g_return_val_if_fail (mark >= VMEMU_XA_NO_MARK && mark < VMEMU_XA_N_MARKS, 0);

  /* One descent per leaf, then a bitmap walk along it (cf. the kernel's
   * find_get_entries batching through xas_next). */
  while (got < n && (leaf = xa_find_leaf (xa, &start, max, mark, &off)) != NULL)
    {
      guint64 base = start & ~XA_CHUNK_MASK;
      guint64 bits = node_bits (leaf, mark) & leaf_range_mask (start, max);

      for (; bits != 0 && got < n; bits &= bits - 1, got++)
        {
          off = __builtin_ctzll (bits);
          values[got] = leaf->slots[off];
          if (indexes != NULL)
            indexes[got] = base + off;
        }
      if (base + XA_CHUNK_MASK >= max)
        break;                         /* also stops before base + 64 wraps */
      start = base + XA_CHUNK_SIZE;
    }
  return got;
}

guint64
vmemu_xa_copy_marks (VmemuXa *xa, guint64 start, guint64 max,
                     VmemuXaMark from, VmemuXaMark to)
{
  guint64 tagged = 0;
  guint off;
  XaNode *leaf;

  g_return_val_if_fail (xa != NULL, 0);
  g_return_val_if_fail ((guint) from < VMEMU_XA_N_MARKS, 0);
  g_return_val_if_fail ((guint) to < VMEMU_XA_N_MARKS, 0);

  /* Whole leaves at a time: OR the range of `from` into `to`, then fix the
   * summaries once per leaf (the kernel's tag_pages_for_writeback batches
   * the same way, under one lock hold per XA_CHECK_SCHED entries). */
  while ((leaf = xa_find_leaf (xa, &start, max, from, &off)) != NULL)
    {
      guint64 base = start & ~XA_CHUNK_MASK;
      guint64 bits = leaf->marks[from] & leaf_range_mask (start, max);
      gboolean was_marked = leaf->marks[to] != 0;

      leaf->marks[to] |= bits;
      if (!was_marked)
        mark_propagate_set (leaf, to);
      tagged += __builtin_popcountll (bits);
      if (base + XA_CHUNK_MASK >= max)
        break;
      start = base + XA_CHUNK_SIZE;
    }
  return tagged;
}

gsize
vmemu_xa_memory_bytes (const VmemuXa *xa)
{
  g_return_val_if_fail (xa != NULL, 0);
  return xa->n_nodes * sizeof (XaNode);
}

/* ---------------------------------------------------------- invariants --- */

/* Checks one subtree; returns the entries below it. */
static gsize
node_check (const XaNode *node, const XaNode *parent, guint offset,
            gsize *n_nodes)
{
  gsize entries = 0;
  guint64 present = 0;

  g_assert (node->parent == parent);
  g_assert (parent == NULL || node->offset == offset);
  g_assert (parent == NULL || node->shift + XA_CHUNK_SHIFT == parent->shift);
  g_assert_cmpuint (node->count, >, 0);
  (*n_nodes)++;
  for (guint i = 0; i < XA_CHUNK_SIZE; i++)
    {
      const XaNode *child = node->slots[i];
      if (child == NULL)
        continue;
      present |= G_GUINT64_CONSTANT (1) << i;
      if (node->shift == 0)
        entries++;
      else
        {
          entries += node_check (child, node, i, n_nodes);
          for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
            g_assert (((node->marks[m] >> i) & 1) == (child->marks[m] != 0));
        }
    }
  g_assert_cmphex (present, ==, node->present);
  g_assert_cmpuint (node->count, ==, __builtin_popcountll (present));
  for (int m = 0; m < VMEMU_XA_N_MARKS; m++)
    g_assert_cmphex (node->marks[m] & ~present, ==, 0);
  return entries;
}

void
vmemu_xa_check (const VmemuXa *xa)
{
  gsize n_nodes = 0;

  g_assert (xa != NULL);
  if (xa->root == NULL)
    {
      g_assert_cmpuint (xa->count, ==, 0);
      g_assert_cmpuint (xa->n_nodes, ==, 0);
      return;
    }
  g_assert_cmpuint (xa->root->shift, <=, XA_MAX_SHIFT);
  g_assert_cmpuint (xa->root_shift, ==, xa->root->shift);
  g_assert_cmpuint (xa->root->shift % XA_CHUNK_SHIFT, ==, 0);
  /* shrunk: a root above the leaves has more than slot 0 in use */
  g_assert (xa->root->shift == 0 || xa->root->present != 1);
  g_assert_cmpuint (node_check (xa->root, NULL, 0, &n_nodes), ==, xa->count);
  g_assert_cmpuint (n_nodes, ==, xa->n_nodes);
}
