/* fsx-parse.c — the reader for fsx --record-ops files.
 *
 * Accepts exactly what read_op() in ltp/fsx.c accepts, and rejects the rest
 * with a message naming the line and the token fsx would have choked on.
 * Where fsx is sloppy (a line longer than its 256-byte fgets buffer is split
 * in two and the tail parsed as a line of its own; strtoul() takes "-1"), we
 * reject the input instead of guessing.
 */
#include "engine/fsx/fsx.h"

#include <string.h>

#define FSX_MAX_LINE 255   /* fgets (line, 256, f) */
#define FSX_MAX_TOKENS 16

G_DEFINE_QUARK (vmemu-fsx-error-quark, vmemu_fsx_error)

static const char *const op_names[VMEMU_FSX_OP__COUNT] = {
  [VMEMU_FSX_OP_READ] = "read",
  [VMEMU_FSX_OP_WRITE] = "write",
  [VMEMU_FSX_OP_MAPREAD] = "mapread",
  [VMEMU_FSX_OP_MAPWRITE] = "mapwrite",
  [VMEMU_FSX_OP_TRUNCATE] = "truncate",
  [VMEMU_FSX_OP_FALLOCATE] = "fallocate",
  [VMEMU_FSX_OP_PUNCH_HOLE] = "punch_hole",
  [VMEMU_FSX_OP_ZERO_RANGE] = "zero_range",
  [VMEMU_FSX_OP_COLLAPSE_RANGE] = "collapse_range",
  [VMEMU_FSX_OP_INSERT_RANGE] = "insert_range",
  [VMEMU_FSX_OP_CLONE_RANGE] = "clone_range",
  [VMEMU_FSX_OP_DEDUPE_RANGE] = "dedupe_range",
  [VMEMU_FSX_OP_COPY_RANGE] = "copy_range",
  [VMEMU_FSX_OP_EXCHANGE_RANGE] = "exchange_range",
  [VMEMU_FSX_OP_FSYNC] = "fsync",
  [VMEMU_FSX_OP_READ_DONTCACHE] = "read_dontcache",
  [VMEMU_FSX_OP_WRITE_DONTCACHE] = "write_dontcache",
  [VMEMU_FSX_OP_WRITE_ATOMIC] = "write_atomic",
};

/* One line cut into tokens (pointers into a private copy). */
typedef struct {
  char buf[FSX_MAX_LINE + 1];
  char *tok[FSX_MAX_TOKENS];
  guint n;                      /* tokens found, at most FSX_MAX_TOKENS */
  gboolean too_many;            /* more than FSX_MAX_TOKENS */
} Line;

const char *
vmemu_fsx_op_name (VmemuFsxOpKind op)
{
  if ((guint) op >= VMEMU_FSX_OP__COUNT)
    return NULL;
  return op_names[op];
}

/* MODELS: op_args_count(), ltp/fsx.c. */
static guint32
fsx_op_args (VmemuFsxOpKind op)
{
  switch (op)
    {
    case VMEMU_FSX_OP_CLONE_RANGE:
    case VMEMU_FSX_OP_DEDUPE_RANGE:
    case VMEMU_FSX_OP_COPY_RANGE:
    case VMEMU_FSX_OP_EXCHANGE_RANGE:
      return 4;
    default:
      return 3;
    }
}

static const char *
fsx_op_args_help (VmemuFsxOpKind op)
{
  if (fsx_op_args (op) == 4)
    return "SRC LEN DST SIZE";
  if (op == VMEMU_FSX_OP_TRUNCATE)
    return "0 NEWSIZE SIZE";
  return "OFF LEN SIZE";
}

static gboolean
fsx_op_lookup (const char *name, VmemuFsxOpKind *op)
{
  for (guint i = 0; i < VMEMU_FSX_OP__COUNT; i++)
    if (strcmp (name, op_names[i]) == 0)
      {
        *op = (VmemuFsxOpKind) i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
set_line_error (GError **error, const char *name, guint32 lineno, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
set_line_error (GError **error, const char *name, guint32 lineno, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_PARSE, "%s:%u: %s", name, lineno, msg);
  return FALSE;
}

typedef enum {
  NUM_OK,
  NUM_BAD,        /* not a strtoul(base 0) number, or trailing garbage */
  NUM_NEGATIVE,   /* strtoul() would take it and wrap */
  NUM_RANGE,      /* more than 32 bits: fsx stores args in an int */
} NumResult;

static int
digit_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return 99;
}

/* strtoul (s, &end, 0) with *end required to be '\0'. */
static NumResult
parse_number (const char *s, guint64 *out)
{
  guint base = 10;
  guint64 v = 0;

  if (*s == '+' || *s == '-')
    {
      if (*s == '-' && digit_value (s[1]) < 10)
        return NUM_NEGATIVE;
      s++;
    }
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
      base = 16;
      s += 2;
    }
  else if (s[0] == '0')
    base = 8;
  if (*s == '\0')
    return base == 8 ? (*out = 0, NUM_OK) : NUM_BAD;
  for (; *s; s++)
    {
      int d = digit_value (*s);

      if (d >= (int) base)
        return NUM_BAD;
      v = v * base + (guint) d;
      if (v > G_MAXUINT32)
        return NUM_RANGE;
    }
  *out = v;
  return NUM_OK;
}

/* Cut [text, text+len) into tokens separated by spaces and tabs, as
 * strtok (line, " \t\n") does.  '\r' is not a separator, as in fsx. */
static void
line_split (Line *l, const char *text, gsize len)
{
  char *save = NULL;

  memcpy (l->buf, text, len);
  l->buf[len] = '\0';
  l->n = 0;
  l->too_many = FALSE;
  for (char *t = strtok_r (l->buf, " \t", &save); t; t = strtok_r (NULL, " \t", &save))
    {
      if (l->n == FSX_MAX_TOKENS)
        {
          l->too_many = TRUE;
          break;
        }
      l->tok[l->n++] = t;
    }
}

static gboolean
parse_args (const Line *l, guint *i, VmemuFsxEntry *e, const char *name, GError **error)
{
  const char *opname = op_names[e->op];

  for (guint32 a = 0; a < e->nr_args; a++, (*i)++)
    {
      const char *t;
      g_autofree char *q = NULL;

      if (*i >= l->n)
        return set_line_error (error, name, e->line,
                               "'%s' needs %u arguments (%s), found %u", opname, e->nr_args,
                               fsx_op_args_help (e->op), a);
      t = l->tok[*i];
      q = g_strescape (t, NULL);
      switch (parse_number (t, &e->args[a]))
        {
        case NUM_OK:
          break;
        case NUM_NEGATIVE:
          return set_line_error (error, name, e->line, "argument %u of '%s' is negative: '%s'",
                                 a + 1, opname, q);
        case NUM_RANGE:
          return set_line_error (error, name, e->line,
                                 "argument %u of '%s' does not fit in 32 bits: '%s'", a + 1,
                                 opname, q);
        case NUM_BAD:
        default:
          return set_line_error (error, name, e->line,
                                 "argument %u of '%s' is not a number: '%s'", a + 1, opname, q);
        }
    }
  return TRUE;
}

static gboolean
parse_flags (const Line *l, guint i, VmemuFsxEntry *e, const char *name, GError **error)
{
  for (; i < l->n; i++)
    {
      const char *t = l->tok[i];

      if (strcmp (t, "keep_size") == 0)
        e->keep_size = TRUE;
      else if (strcmp (t, "close_open") == 0)
        e->close_open = TRUE;
      else if (strcmp (t, "unshare") == 0)
        e->unshare = TRUE;
      else if (strcmp (t, "*") == 0)
        e->marked = TRUE;
      else
        {
          g_autofree char *q = g_strescape (t, NULL);
          return set_line_error (error, name, e->line,
                                 "unexpected '%s' after the arguments of '%s' (flags are "
                                 "keep_size, close_open, unshare and *)",
                                 q, op_names[e->op]);
        }
    }
  if (l->too_many)
    return set_line_error (error, name, e->line, "too many tokens (more than %d)",
                           FSX_MAX_TOKENS);
  return TRUE;
}

/* MODELS: read_op(), ltp/fsx.c, for one line that has a first token that is
 * not a comment. */
static gboolean
parse_entry (const Line *l, VmemuFsxEntry *e, const char *name, GError **error)
{
  guint i = 0;

  if (strcmp (l->tok[0], "skip") == 0)
    {
      e->skipped = TRUE;
      if (++i >= l->n)
        return set_line_error (error, name, e->line, "'skip' without an operation");
    }
  if (!fsx_op_lookup (l->tok[i], &e->op))
    {
      g_autofree char *q = g_strescape (l->tok[i], NULL);
      return set_line_error (error, name, e->line, "unknown operation '%s'", q);
    }
  e->nr_args = fsx_op_args (e->op);
  i++;
  if (!parse_args (l, &i, e, name, error))
    return FALSE;
  return parse_flags (l, i, e, name, error);
}

/* Checks one raw line and tokenizes it; FALSE with an error for a line fsx
 * cannot read as one line. */
static gboolean
parse_line_text (Line *l, const char *text, gsize len, const char *name, guint32 lineno,
                 GError **error)
{
  if (len > FSX_MAX_LINE)
    return set_line_error (error, name, lineno,
                           "line is %" G_GSIZE_FORMAT " characters long; fsx reads at most %d",
                           len, FSX_MAX_LINE);
  if (memchr (text, '\0', len) != NULL)
    return set_line_error (error, name, lineno, "NUL byte in line");
  line_split (l, text, len);
  return TRUE;
}

GArray *
vmemu_fsx_parse_data (const char *name, const char *data, gsize len, GError **error)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (VmemuFsxEntry));
  g_autofree Line *l = g_new0 (Line, 1);
  guint32 lineno = 0;
  gsize pos = 0;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  while (pos < len)
    {
      const char *nl = memchr (data + pos, '\n', len - pos);
      gsize n = nl ? (gsize) (nl - (data + pos)) : len - pos;
      VmemuFsxEntry e = { 0 };

      lineno++;
      if (!parse_line_text (l, data + pos, n, name, lineno, error))
        return NULL;
      pos += n + 1;
      if (l->n == 0 || l->tok[0][0] == '#')
        continue;
      e.line = lineno;
      e.opnum = entries->len + 1;
      if (!parse_entry (l, &e, name, error))
        return NULL;
      g_array_append_val (entries, e);
    }
  return g_steal_pointer (&entries);
}
