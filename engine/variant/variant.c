/* variant.c — the switch table and the parsing of variant specs over the
 * table of variant files the build generates (variant-def.h). */
#include "engine/variant/variant.h"
#include "engine/variant/variant-def.h"

#include "engine/suggest/suggest.h"

#include <string.h>

G_DEFINE_QUARK (vmemu-variant-error-quark, vmemu_variant_error)

typedef struct {
  const char *name;
  const char *summary;
} SwitchInfo;

static const SwitchInfo switches[VMEMU_SW__COUNT] = {
  [VMEMU_SW_IOP_CREATE_FILL] = { "iop_create_fill",
    "iomap_page_create sets every uptodate bit when the page is PageUptodate (4595a298d556, 5.10)" },
  [VMEMU_SW_MKWRITE_FILL] = { "mkwrite_fill",
    "iomap_page_mkwrite_actor fills the bitmap of an uptodate page every time it runs" },
  [VMEMU_SW_MKWRITE_CREATE_FILL] = { "mkwrite_create_fill",
    "iomap_page_mkwrite_actor fills the bitmap only when it is the one creating the iomap_page" },
  [VMEMU_SW_WRITE_BEGIN_UPTODATE] = { "write_begin_uptodate",
    "__iomap_write_begin marks the blocks it reads uptodate (14284fedf59f, 5.10)" },
  [VMEMU_SW_WRITE_BEGIN_CLEAR_ERROR] = { "write_begin_clear_error",
    "__iomap_write_begin clears PG_error of a page that is not uptodate (e6e7ca92623a, 5.10)" },
  [VMEMU_SW_WRITEPAGE_CREATE_IOP] = { "writepage_create_iop",
    "iomap_writepage_map creates a missing iomap_page, filled if uptodate (98fee973806a, 5.14)" },
  [VMEMU_SW_MKWRITE_NO_IOP] = { "mkwrite_no_iop",
    "iomap_page_mkwrite_actor only dirties the page, creating no iomap_page (9d70bb7eb395, 5.14)" },
  [VMEMU_SW_PARTIAL_INVALIDATE_RELEASE] = { "partial_invalidate_release",
    "iomap_invalidatepage releases the iomap_page of a large folio on a partial invalidate (THP series)" },
  [VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY] = { "dio_invalidate_writes_only",
    "iomap_dio_rw flushes and invalidates the page cache only for writes (5.9)" },
};

/* ---- the variant files (every variants/NAME.c, collected by the build) ---- */

/* The variant named by [name, name+len), or NULL. */
static const VmemuVariantDef *
find_def (const char *name, gsize len)
{
  for (guint i = 0; i < vmemu_variant_table_len; i++)
    {
      const char *n = vmemu_variant_table[i].file_name;
      if (strlen (n) == len && strncmp (n, name, len) == 0)
        return vmemu_variant_table[i].def;
    }
  return NULL;
}

/* The longest variant name at p that ends at '\0', '+' or '-' (names may
 * contain '-': mkwrite-fill, v5-10). */
static const VmemuVariantDef *
match_def (const char *p, gsize *len)
{
  const VmemuVariantDef *best = NULL;
  for (guint i = 0; i < vmemu_variant_table_len; i++)
    {
      const char *n = vmemu_variant_table[i].file_name;
      gsize l = strlen (n);
      if (strncmp (p, n, l) == 0 && (p[l] == '\0' || p[l] == '+' || p[l] == '-')
          && (best == NULL || l > *len))
        {
          best = vmemu_variant_table[i].def;
          *len = l;
        }
    }
  return best;
}

static int
find_switch (const char *name, gsize len)
{
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    if (strlen (switches[i].name) == len && strncmp (switches[i].name, name, len) == 0)
      return i;
  return -1;
}

/* "; did you mean 'patched'?" for a mistyped variant or switch, or "". */
static char *
did_you_mean (const char *word, gsize len, gboolean want_switch)
{
  g_autofree const char **names = g_new0 (const char *, vmemu_variant_table_len
                                                          + VMEMU_SW__COUNT + 1);
  gsize n = 0;
  if (!want_switch)
    for (guint i = 0; i < vmemu_variant_table_len; i++)
      names[n++] = vmemu_variant_table[i].file_name;
  else
    for (int i = 0; i < VMEMU_SW__COUNT; i++)
      names[n++] = switches[i].name;
  g_autofree char *w = g_strndup (word, len);
  const char *hint = vmemu_suggest (w, (const char *const *) names);
  return hint ? g_strdup_printf ("; did you mean '%s'?", hint) : g_strdup ("");
}

static char *
known_names (void)
{
  GString *s = g_string_new ("variants:");
  for (guint i = 0; i < vmemu_variant_table_len; i++)
    g_string_append_printf (s, " %s", vmemu_variant_table[i].file_name);
  g_string_append (s, "; switches:");
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    g_string_append_printf (s, " %s", switches[i].name);
  return g_string_free (s, FALSE);
}

/* One variant's own changes on top of what v holds already. */
static gboolean
apply_def (VmemuVariant *v, const VmemuVariantDef *d, GError **error)
{
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    {
      if ((d->set >> i) & 1)
        v->on[i] = TRUE;
      if ((d->clear >> i) & 1)
        v->on[i] = FALSE;
    }
  if (d->ops == NULL)
    return TRUE;
  if (v->n_ops == G_N_ELEMENTS (v->ops))
    {
      g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                   "variant '%s': more than %u variants with replacement ops", v->spec,
                   (guint) G_N_ELEMENTS (v->ops));
      return FALSE;
    }
  v->ops_from[v->n_ops] = d->name;
  v->ops[v->n_ops++] = d->ops;
  return TRUE;
}

/* A variant with its chain of bases, the root's changes first. */
static gboolean
apply_chain (VmemuVariant *v, const VmemuVariantDef *d, guint depth, GError **error)
{
  if (depth > 16)
    {
      g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                   "variant '%s': its chain of bases loops or is deeper than 16", d->name);
      return FALSE;
    }
  if (d->base != NULL)
    {
      const VmemuVariantDef *b = find_def (d->base, strlen (d->base));
      if (b == NULL)
        {
          g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                       "variant '%s' names an unknown base '%s'", d->name, d->base);
          return FALSE;
        }
      if (!apply_chain (v, b, depth + 1, error))
        return FALSE;
    }
  return apply_def (v, d, error);
}

/* Apply "+sw" / "-sw" / "+variant" modifiers after the base name. */
static gboolean
apply_modifiers (VmemuVariant *v, const char *p, const char *spec, GError **error)
{
  while (*p)
    {
      char op = *p++;
      gsize vlen = 0;
      const VmemuVariantDef *d = op == '+' ? match_def (p, &vlen) : NULL;
      const char *end = p + strcspn (p, "+-");
      int sw = find_switch (p, end - p);
      if (sw >= 0)
        {
          v->on[sw] = (op == '+');
          p = end;
          continue;
        }
      if (d != NULL)
        {
          if (!apply_def (v, d, error))
            return FALSE;
          p += vlen;
          continue;
        }
      g_autofree char *known = known_names ();
      g_autofree char *hint = did_you_mean (p, end - p, TRUE);
      g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                   "unknown switch '%.*s' in variant '%s'%s (%s%s)", (int) (end - p), p, spec,
                   hint, known, op == '-' ? "; only switches can be removed" : "");
      return FALSE;
    }
  return TRUE;
}

/* Every file's declared name must be its file name: a spec names files. */
static gboolean
check_table (GError **error)
{
  for (guint i = 0; i < vmemu_variant_table_len; i++)
    if (strcmp (vmemu_variant_table[i].def->name, vmemu_variant_table[i].file_name) != 0)
      {
        g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                     "variant file %s.c declares the name '%s': name it %s.c or declare '%s'",
                     vmemu_variant_table[i].file_name, vmemu_variant_table[i].def->name,
                     vmemu_variant_table[i].def->name, vmemu_variant_table[i].file_name);
        return FALSE;
      }
  return TRUE;
}

VmemuVariant *
vmemu_variant_parse (const char *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  if (!check_table (error))
    return NULL;
  gsize base_len = 0;
  const VmemuVariantDef *base = match_def (spec, &base_len);
  if (base == NULL)
    {
      g_autofree char *known = known_names ();
      g_autofree char *hint = did_you_mean (spec, strcspn (spec, "+"), FALSE);
      g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                   "unknown variant '%.*s'%s (%s)", (int) strcspn (spec, "+"), spec, hint,
                   known);
      return NULL;
    }
  g_autoptr (VmemuVariant) v = g_new0 (VmemuVariant, 1);
  v->spec = g_strdup (spec);
  if (!apply_chain (v, base, 0, error) || !apply_modifiers (v, spec + base_len, spec, error))
    return NULL;
  return g_steal_pointer (&v);
}

void
vmemu_variant_free (VmemuVariant *v)
{
  if (v == NULL)
    return;
  g_free (v->spec);
  g_free (v);
}

guint vmemu_variant_n_named (void) { return vmemu_variant_table_len; }

const char *
vmemu_variant_named_name (guint i)
{
  return i < vmemu_variant_table_len ? vmemu_variant_table[i].file_name : NULL;
}

const char *
vmemu_variant_named_summary (guint i)
{
  return i < vmemu_variant_table_len ? vmemu_variant_table[i].def->summary : NULL;
}

const char *
vmemu_variant_named_commit (guint i)
{
  return i < vmemu_variant_table_len ? vmemu_variant_table[i].def->commit : NULL;
}
const char *vmemu_switch_name (VmemuSwitch sw) { return switches[sw].name; }
const char *vmemu_switch_summary (VmemuSwitch sw) { return switches[sw].summary; }

char *
vmemu_variant_switches_string (const VmemuVariant *v)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    if (v->on[i])
      g_string_append_printf (s, "%s%s", s->len ? "," : "", switches[i].name);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}

char *
vmemu_variant_ops_string (const VmemuVariant *v)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < v->n_ops; i++)
    g_string_append_printf (s, "%s%s", s->len ? "," : "", v->ops_from[i]);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}
