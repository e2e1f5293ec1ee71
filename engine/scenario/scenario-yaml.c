/* scenario-yaml.c — YAML text to a tree of positioned nodes.
 *
 * libyaml's event API is used rather than its document API because the
 * document loader expands nothing but also checks nothing: it accepts
 * duplicate keys, shares aliased nodes, and recurses without a depth bound.
 * Here aliases are refused outright (no alias bombs, and scenarios have no use
 * for them), nesting is bounded, and duplicate keys are reported where the
 * second one stands.
 */
#include "engine/scenario/scenario-private.h"
#include "engine/suggest/suggest.h"

#include <string.h>
#include <yaml.h>

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_parser_t, yaml_parser_delete)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_event_t, yaml_event_delete)

gboolean
scenario_fail (GError **error, VmemuScenarioError code, const char *name, guint line,
               guint column, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  /* Messages quote values (and the path), which may hold newlines or other
   * control characters: escape them so every error stays one line.  Bytes
   * beyond ASCII are escaped too (\xHH): a quoted U+202E must not reorder
   * the terminal line it lands on. */
  g_autofree char *full = g_strdup_printf ("%s:%u:%u: %s", name, line, column, msg);
  GString *one = g_string_sized_new (strlen (full));
  for (const char *c = full; *c; c++)
    if (*c == '\n')
      g_string_append (one, "\\n");
    else if (*c == '\t')
      g_string_append (one, "\\t");
    else if ((guchar) *c < 0x20 || (guchar) *c >= 0x7f)
      g_string_append_printf (one, "\\x%02x", (guchar) *c);
    else
      g_string_append_c (one, *c);
  /* A value quoted in full (a 900 KB key) would make a useless line: keep
   * the head, where the position and the start of the value are, and the
   * tail, where a hint usually is. */
  if (one->len > SCENARIO_MESSAGE_MAX)
    {
      gsize head = SCENARIO_MESSAGE_MAX - 120, tail = 100;
      g_autofree char *end = g_strdup (one->str + one->len - tail);
      gsize cut = one->len - head - tail;
      g_string_truncate (one, head);
      g_string_append_printf (one, "...(%" G_GSIZE_FORMAT " bytes cut)...%s", cut, end);
    }
  g_set_error_literal (error, VMEMU_SCENARIO_ERROR, code, one->str);
  g_string_free (one, TRUE);
  return FALSE;
}

/* The nodes of one parse are carved from large blocks (a scenario has
 * thousands of small nodes: an fsx import about ten per op) and freed at
 * once with the root; only the collections' item arrays are their own. */
typedef struct _SBlock SBlock;
struct _SBlock {
  SBlock *next;
  gsize used, cap;
  max_align_t data[];
};

#define SBLOCK_BYTES (64u * 1024)

static void
sblocks_free (SBlock *b)
{
  while (b != NULL)
    {
      SBlock *next = b->next;
      g_free (b);
      b = next;
    }
}

/* size bytes of zeroes from the newest block of *head (a new one if full). */
static gpointer
sblock_alloc (SBlock **head, gsize size)
{
  size = (size + sizeof (max_align_t) - 1) / sizeof (max_align_t) * sizeof (max_align_t);
  SBlock *b = *head;
  if (b == NULL || b->cap - b->used < size)
    {
      gsize cap = MAX (SBLOCK_BYTES, size);
      b = g_malloc (sizeof (SBlock) + cap);
      b->next = *head;
      b->used = 0;
      b->cap = cap;
      *head = b;
    }
  gpointer p = (char *) b->data + b->used;
  b->used += size;
  memset (p, 0, size);
  return p;
}

/* The item arrays of node and everything under it. */
static void
snode_free_items (SNode *node)
{
  if (node->items == NULL)
    return;
  for (guint i = 0; i < node->items->len; i++)
    snode_free_items (g_ptr_array_index (node->items, i));
  g_clear_pointer (&node->items, g_ptr_array_unref);
}

/* Frees a tree given its root; for any other node (one the builder could
 * not attach) only its item arrays: its memory is the parse's blocks. */
void
snode_free (SNode *node)
{
  if (node == NULL)
    return;
  snode_free_items (node);
  sblocks_free (node->arena);
}

gboolean
snode_is_null (const SNode *node)
{
  if (node->kind != SNODE_SCALAR || !node->plain)
    return FALSE;
  return node->len == 0 || strcmp (node->text, "~") == 0 || strcmp (node->text, "null") == 0
         || strcmp (node->text, "Null") == 0 || strcmp (node->text, "NULL") == 0;
}

char *
snode_describe (const SNode *node)
{
  if (node->kind == SNODE_MAP)
    return g_strdup ("a mapping");
  if (node->kind == SNODE_SEQ)
    return g_strdup ("a sequence");
  if (snode_is_null (node))
    return g_strdup ("null");
  if (node->len == 0)
    return g_strdup ("an empty string");
  /* Long values are cut so a message stays one readable line. */
  g_autofree char *cut = g_utf8_substring (node->text, 0, MIN (g_utf8_strlen (node->text, -1), 40));
  /* Quotes and backslashes escaped here; control and non-ASCII bytes by
   * scenario_fail, as \xHH. */
  GString *esc = g_string_new (NULL);
  for (const char *c = cut; *c; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_c (esc, '\\');
      g_string_append_c (esc, *c);
    }
  g_autofree char *e = g_string_free (esc, FALSE);
  return g_strdup_printf ("\"%s%s\"", e, strlen (cut) < node->len ? "..." : "");
}

guint
snode_map_size (const SNode *map)
{
  return map->items->len / 2;
}

const SNode *
snode_map_key (const SNode *map, guint i)
{
  return g_ptr_array_index (map->items, 2 * i);
}

const SNode *
snode_map_value (const SNode *map, guint i)
{
  return g_ptr_array_index (map->items, 2 * i + 1);
}

const SNode *
snode_map_get (const SNode *map, const char *key)
{
  if (map == NULL || map->kind != SNODE_MAP)
    return NULL;
  for (guint i = 0; i < snode_map_size (map); i++)
    if (strcmp (snode_map_key (map, i)->text, key) == 0)
      return snode_map_value (map, i);
  return NULL;
}

/* Line and column (1-based, columns in characters) of byte offset in data. */
static void
text_position (const char *data, gsize offset, guint *line, guint *column)
{
  *line = 1;
  *column = 1;
  for (gsize i = 0; i < offset; i++)
    {
      guchar c = (guchar) data[i];
      if (c == '\n')
        {
          (*line)++;
          *column = 1;
        }
      else if ((c & 0xc0) != 0x80)
        (*column)++;
    }
}

gboolean
scenario_check_utf8 (const char *name, const char *data, gsize len, GError **error)
{
  const char *end = NULL;
  guint line, column;

  if (g_utf8_validate_len (data, len, &end))
    return TRUE;
  text_position (data, (gsize) (end - data), &line, &column);
  if (*end == '\0')
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, name, line, column,
                          "NUL byte in the file (a scenario is UTF-8 text)");
  return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, name, line, column,
                        "invalid UTF-8 (byte 0x%02x)", (guchar) *end);
}

/* The first tab among the leading blanks of line (1-based), or -1. */
static gssize
line_indent_tab (const char *data, gsize len, guint line)
{
  gsize i = 0;

  for (guint l = 1; l < line && i < len; i++)
    if (data[i] == '\n')
      l++;
  for (gsize start = i; i < len && (data[i] == ' ' || data[i] == '\t'); i++)
    if (data[i] == '\t')
      return (gssize) (i - start);
  return -1;
}

/* libyaml's error, reworded when the cause is a tab used for indentation:
 * libyaml only says "found character that cannot start any token". */
static gboolean
yaml_error (const char *name, const char *data, gsize len, const yaml_parser_t *p,
            GError **error)
{
  guint line = (guint) p->problem_mark.line + 1, column = (guint) p->problem_mark.column + 1;
  gssize tab;

  if (p->error == YAML_READER_ERROR)
    text_position (data, MIN (p->problem_offset, len), &line, &column);
  tab = line_indent_tab (data, len, line);
  if (tab >= 0 || (p->problem_mark.index < len && data[p->problem_mark.index] == '\t'))
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, name, line,
                          tab >= 0 ? (guint) tab + 1 : column,
                          "tab character used for indentation (YAML indents with spaces)");
  if (p->context != NULL)
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, name, line, column,
                          "not valid YAML: %s %s", p->problem ? p->problem : "syntax error",
                          p->context);
  return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, name, line, column,
                        "not valid YAML: %s", p->problem ? p->problem : "syntax error");
}

/* Event-to-tree state: the open collections, innermost last. */
typedef struct {
  const char *name;
  GPtrArray *open;          /* SNode*, borrowed: owned by their parent or root */
  SNode *root;              /* owned */
  guint documents;
  SBlock *blocks;           /* every node's memory: handed to the root at the end */
} Builder;

static SNode *
node_new (Builder *b, SNodeKind kind, const yaml_mark_t *mark, gsize extra)
{
  SNode *node = sblock_alloc (&b->blocks, sizeof (SNode) + extra);
  node->kind = kind;
  node->line = (guint32) mark->line + 1;
  node->column = (guint32) mark->column + 1;
  if (kind != SNODE_SCALAR)
    node->items = g_ptr_array_new ();
  return node;
}

/* A new key of parent: a scalar, not seen before in that mapping. */
static gboolean
check_key (Builder *b, const SNode *parent, const SNode *key, GError **error)
{
  if (key->kind != SNODE_SCALAR)
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_INVALID, b->name, key->line,
                          key->column, "mapping keys must be strings, got %s",
                          key->kind == SNODE_MAP ? "a mapping" : "a sequence");
  for (guint i = 0; i < snode_map_size (parent); i++)
    {
      const SNode *old = snode_map_key (parent, i);
      if (strcmp (old->text, key->text) == 0)
        return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, b->name, key->line,
                              key->column, "duplicate key '%s' (first at line %u, column %u)",
                              key->text, old->line, old->column);
    }
  return TRUE;
}

/* Hands node (owned) to the innermost open collection, or makes it the root. */
static gboolean
builder_attach (Builder *b, SNode *node, GError **error)
{
  g_autoptr(SNode) owned = node;

  if (b->open->len == 0)
    {
      g_assert (b->root == NULL);
      b->root = g_steal_pointer (&owned);
      return TRUE;
    }
  SNode *parent = g_ptr_array_index (b->open, b->open->len - 1);
  if (parent->kind == SNODE_MAP && parent->items->len % 2 == 0
      && !check_key (b, parent, node, error))
    return FALSE;
  g_ptr_array_add (parent->items, g_steal_pointer (&owned));
  return TRUE;
}

static gboolean
builder_open (Builder *b, SNodeKind kind, const yaml_event_t *ev, GError **error)
{
  SNode *node;

  if (b->open->len >= SCENARIO_MAX_DEPTH)
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, b->name,
                          (guint) ev->start_mark.line + 1, (guint) ev->start_mark.column + 1,
                          "nesting deeper than %d levels", SCENARIO_MAX_DEPTH);
  node = node_new (b, kind, &ev->start_mark, 0);
  if (!builder_attach (b, node, error))
    return FALSE;
  g_ptr_array_add (b->open, node);
  return TRUE;
}

static gboolean
builder_scalar (Builder *b, const yaml_event_t *ev, GError **error)
{
  const char *value = (const char *) ev->data.scalar.value;
  SNode *node;

  /* A "\0" escape would make C strings lie about their length; no key or
   * value of the contract needs one. */
  if (memchr (value, '\0', ev->data.scalar.length) != NULL)
    return scenario_fail (error, VMEMU_SCENARIO_ERROR_INVALID, b->name,
                          (guint) ev->start_mark.line + 1, (guint) ev->start_mark.column + 1,
                          "NUL character in a value");
  /* one allocation for the node and its text: a scenario has many scalars */
  node = node_new (b, SNODE_SCALAR, &ev->start_mark, ev->data.scalar.length + 1);
  node->len = ev->data.scalar.length;
  node->text = (char *) (node + 1);
  memcpy (node->text, value, node->len);
  node->text[node->len] = '\0';
  node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
  return builder_attach (b, node, error);
}

static gboolean
builder_event (Builder *b, const yaml_event_t *ev, GError **error)
{
  guint line = (guint) ev->start_mark.line + 1, column = (guint) ev->start_mark.column + 1;

  switch (ev->type)
    {
    case YAML_DOCUMENT_START_EVENT:
      if (++b->documents > 1)
        return scenario_fail (error, VMEMU_SCENARIO_ERROR_INVALID, b->name, line, column,
                              "a scenario file holds one YAML document; found a second");
      return TRUE;
    case YAML_ALIAS_EVENT:
      return scenario_fail (error, VMEMU_SCENARIO_ERROR_PARSE, b->name, line, column,
                            "YAML aliases (*%s) are not supported in scenarios",
                            (const char *) ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
      return builder_scalar (b, ev, error);
    case YAML_SEQUENCE_START_EVENT:
      return builder_open (b, SNODE_SEQ, ev, error);
    case YAML_MAPPING_START_EVENT:
      return builder_open (b, SNODE_MAP, ev, error);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
      g_ptr_array_set_size (b->open, b->open->len - 1);
      return TRUE;
    default:
      return TRUE;
    }
}

gboolean
scenario_yaml_parse (const char *name, const char *data, gsize len, SNode **root,
                     GError **error)
{
  g_auto(yaml_parser_t) parser = { 0 };
  g_autoptr(GPtrArray) open = g_ptr_array_new ();
  Builder b = { .name = name, .open = open };
  gboolean ok = TRUE, done = FALSE;

  if (!yaml_parser_initialize (&parser))
    g_error ("libyaml: out of memory");
  yaml_parser_set_input_string (&parser, (const unsigned char *) data, len);
  yaml_parser_set_encoding (&parser, YAML_UTF8_ENCODING);
  while (ok && !done)
    {
      g_auto(yaml_event_t) ev = { 0 };
      if (!yaml_parser_parse (&parser, &ev))
        ok = yaml_error (name, data, len, &parser, error);
      else
        {
          done = ev.type == YAML_STREAM_END_EVENT;
          ok = builder_event (&b, &ev, error);
        }
    }
  if (!ok)
    {
      snode_free (b.root);
      sblocks_free (b.blocks);
      return FALSE;
    }
  if (b.root != NULL)
    b.root->arena = g_steal_pointer (&b.blocks);
  sblocks_free (b.blocks);
  *root = b.root;
  return TRUE;
}

/* The did-you-mean rule is shared with the command line (engine/suggest). */
const char *
scenario_suggest (const char *word, const char *const *candidates)
{
  return vmemu_suggest (word, candidates);
}
