/* variant.c — the tables behind vmemu_variant_parse(). */
#include "engine/variant/variant.h"

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
    "iomap_write_begin clears PG_error before the write (e6e7ca92623a, 5.10)" },
  [VMEMU_SW_WRITEPAGE_CREATE_IOP] = { "writepage_create_iop",
    "iomap_writepage_map creates a missing iomap_page, filled if uptodate (98fee973806a, 5.14)" },
  [VMEMU_SW_MKWRITE_NO_IOP] = { "mkwrite_no_iop",
    "iomap_page_mkwrite_actor only dirties the page, creating no iomap_page (9d70bb7eb395, 5.14)" },
  [VMEMU_SW_PARTIAL_INVALIDATE_RELEASE] = { "partial_invalidate_release",
    "iomap_invalidatepage releases the iomap_page of a large folio on a partial invalidate (THP series)" },
  [VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY] = { "dio_invalidate_writes_only",
    "iomap_dio_rw flushes and invalidates the page cache only for writes (5.9)" },
};

typedef struct {
  const char *name;
  const char *summary;
  guint64 switches;   /* bit per VmemuSwitch */
} NamedVariant;

#define SW(x) (G_GUINT64_CONSTANT (1) << VMEMU_SW_##x)

static const NamedVariant named[] = {
  { "baseline", "Linux 5.8 as released: iomap_page_create always zeroes the bitmap", 0 },
  { "patched", "5.8 + 4595a298d556: iomap_page_create fills the bitmap of an uptodate page",
    SW (IOP_CREATE_FILL) },
  { "mkwrite-fill", "5.8 + the reviewer's alternative: fill in the page_mkwrite actor each time",
    SW (MKWRITE_FILL) },
  { "mkwrite-create-fill", "5.8 + fill in the page_mkwrite actor only when it creates the iomap_page",
    SW (MKWRITE_CREATE_FILL) },
  { "v5-10", "the iomap 5.10 batch: create fill, write_begin marks read blocks, clears PG_error",
    SW (IOP_CREATE_FILL) | SW (WRITE_BEGIN_UPTODATE) | SW (WRITE_BEGIN_CLEAR_ERROR)
    | SW (DIO_INVALIDATE_WRITES_ONLY) },
  { "v5-14", "5.10 + writepage creates a missing iomap_page, mkwrite creates none",
    SW (IOP_CREATE_FILL) | SW (WRITE_BEGIN_UPTODATE) | SW (WRITE_BEGIN_CLEAR_ERROR)
    | SW (DIO_INVALIDATE_WRITES_ONLY) | SW (WRITEPAGE_CREATE_IOP) | SW (MKWRITE_NO_IOP) },
};

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
  const char *names[G_N_ELEMENTS (named) + VMEMU_SW__COUNT + 1] = { NULL };
  gsize n = 0;
  if (!want_switch)
    for (gsize i = 0; i < G_N_ELEMENTS (named); i++)
      names[n++] = named[i].name;
  else
    for (int i = 0; i < VMEMU_SW__COUNT; i++)
      names[n++] = switches[i].name;
  g_autofree char *w = g_strndup (word, len);
  const char *hint = vmemu_suggest (w, names);
  return hint ? g_strdup_printf ("; did you mean '%s'?", hint) : g_strdup ("");
}

static char *
known_names (void)
{
  GString *s = g_string_new ("variants:");
  for (gsize i = 0; i < G_N_ELEMENTS (named); i++)
    g_string_append_printf (s, " %s", named[i].name);
  g_string_append (s, "; switches:");
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    g_string_append_printf (s, " %s", switches[i].name);
  return g_string_free (s, FALSE);
}

/* Apply "+sw" / "-sw" modifiers after the base name. */
static gboolean
apply_modifiers (VmemuVariant *v, const char *p, const char *spec, GError **error)
{
  while (*p)
    {
      char op = *p++;
      const char *end = p + strcspn (p, "+-");
      int sw = find_switch (p, end - p);
      if (sw < 0 || end == p)
        {
          g_autofree char *known = known_names ();
          g_autofree char *hint = did_you_mean (p, end - p, TRUE);
          g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                       "unknown switch '%.*s' in variant '%s'%s (%s)", (int) (end - p), p, spec,
                       hint, known);
          return FALSE;
        }
      v->on[sw] = (op == '+');
      p = end;
    }
  return TRUE;
}

VmemuVariant *
vmemu_variant_parse (const char *spec, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  gsize base_len = strcspn (spec, "+-");
  /* Named variants may contain '-' (mkwrite-fill): match the longest name. */
  const NamedVariant *base = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (named); i++)
    {
      gsize n = strlen (named[i].name);
      if (strncmp (spec, named[i].name, n) == 0 && (spec[n] == '\0' || spec[n] == '+'
                                                     || spec[n] == '-')
          && (base == NULL || n > strlen (base->name)))
        base = &named[i];
    }
  if (base == NULL)
    {
      g_autofree char *known = known_names ();
      g_autofree char *hint = did_you_mean (spec, base_len, FALSE);
      g_set_error (error, VMEMU_VARIANT_ERROR, VMEMU_VARIANT_ERROR_UNKNOWN,
                   "unknown variant '%.*s'%s (%s)", (int) base_len, spec, hint, known);
      return NULL;
    }
  g_autoptr (VmemuVariant) v = g_new0 (VmemuVariant, 1);
  v->spec = g_strdup (spec);
  for (int i = 0; i < VMEMU_SW__COUNT; i++)
    v->on[i] = (base->switches >> i) & 1;
  if (!apply_modifiers (v, spec + strlen (base->name), spec, error))
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

guint vmemu_variant_n_named (void) { return G_N_ELEMENTS (named); }
const char *vmemu_variant_named_name (guint i) { return i < G_N_ELEMENTS (named) ? named[i].name : NULL; }
const char *vmemu_variant_named_summary (guint i) { return i < G_N_ELEMENTS (named) ? named[i].summary : NULL; }
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
