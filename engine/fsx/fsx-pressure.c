/* fsx-pressure.c — command-line option text of import-fsx and run --fsx,
 * including the `--pressure` spec. */
#include "engine/fsx/fsx.h"

#include <string.h>

static gboolean
pressure_bad (GError **error, const char *item, const char *why)
{
  g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS, "pressure: '%s': %s", item,
               why);
  return FALSE;
}

static gboolean
parse_u32 (const char *text, guint32 *out)
{
  guint64 v = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &v, NULL))
    return FALSE;
  *out = (guint32) v;
  return TRUE;
}

/* One KEY=VALUE item. */
static gboolean
pressure_item (const char *item, VmemuFsxPressure *pr, GError **error)
{
  g_auto(GStrv) kv = g_strsplit (item, "=", 2);
  const char *k = kv[0], *v = kv[1];
  gboolean ok;

  if (v == NULL || *v == '\0')
    return pressure_bad (error, item, "expected KEY=VALUE");
  if (strcmp (k, "drop-every") == 0)
    ok = parse_u32 (v, &pr->drop_caches_every);
  else if (strcmp (k, "drop-mode") == 0)
    ok = parse_u32 (v, &pr->drop_caches_mode) && pr->drop_caches_mode >= 1
         && pr->drop_caches_mode <= 3;
  else if (strcmp (k, "anon") == 0)
    ok = vmemu_parse_size (v, &pr->anon_bytes);
  else if (strcmp (k, "hold") == 0)
    ok = vmemu_parse_duration (v, &pr->anon_hold_ns);
  else if (strcmp (k, "gap") == 0)
    ok = vmemu_parse_duration (v, &pr->anon_gap_ns);
  else if (strcmp (k, "cycles") == 0)
    {
      /* Each cycle is three ops, expanded before the run: bounded like a
       * generate block. */
      ok = parse_u32 (v, &pr->anon_cycles);
      if (ok && pr->anon_cycles > VMEMU_FSX_PRESSURE_MAX_CYCLES)
        return pressure_bad (error, item, "too many cycles (at most 300000)");
    }
  else
    return pressure_bad (error, item,
                         "unknown key (known: drop-every, drop-mode, anon, hold, gap, cycles)");
  if (!ok)
    return pressure_bad (error, item, "bad value");
  return TRUE;
}

gboolean
vmemu_fsx_pressure_parse (const char *spec, VmemuFsxPressure *out, GError **error)
{
  g_auto(GStrv) items = NULL;
  VmemuFsxPressure pr = *out;

  g_return_val_if_fail (spec != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  items = g_strsplit (spec, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (items[i][0] == '\0')
        continue;
      if (!pressure_item (items[i], &pr, error))
        return FALSE;
    }
  if (pr.anon_bytes == 0 && (pr.anon_hold_ns || pr.anon_gap_ns || pr.anon_cycles))
    return pressure_bad (error, spec, "hold, gap and cycles need anon=SIZE");
  if (pr.anon_bytes > 0 && pr.anon_hold_ns == 0 && pr.anon_gap_ns == 0)
    {
      pr.anon_hold_ns = 1000000;   /* defaults: hold 1 ms, then 1 ms without */
      pr.anon_gap_ns = 1000000;
    }
  *out = pr;
  return TRUE;
}

static gboolean
apply_size (const char *flag, const char *text, guint64 *out, GError **error)
{
  if (text == NULL)
    return TRUE;
  const char *why = NULL;
  if (vmemu_parse_size_why (text, out, &why))
    return TRUE;
  g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS, "%s: bad size '%s'%s%s", flag,
               text, why && g_str_has_prefix (why, "use ") ? ": " : "",
               why && g_str_has_prefix (why, "use ") ? why : "");
  return FALSE;
}

static gboolean
apply_seed (const char *text, guint32 *out, GError **error)
{
  guint64 v = 0;
  char *end = NULL;

  if (text == NULL)
    return TRUE;
  v = g_ascii_strtoull (text, &end, 0);
  if (text[0] != '\0' && text[0] != '-' && *end == '\0' && v >= 1 && v <= G_MAXINT32)
    {
      *out = (guint32) v;
      return TRUE;
    }
  g_set_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS,
               "--fsx-seed: '%s' is not a seed between 1 and 2147483647", text);
  return FALSE;
}

gboolean
vmemu_fsx_import_options_apply_text (VmemuFsxImportOptions *opts,
                                     const VmemuFsxOptionText *text, GError **error)
{
  g_return_val_if_fail (opts != NULL && text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!apply_seed (text->fsx_seed, &opts->fsx_seed, error)
      || !apply_size ("--fsx-length", text->fsx_length, &opts->fsx_length_bytes, error)
      || !apply_size ("--page-size", text->page_size, &opts->page_size_bytes, error)
      || !apply_size ("--block-size", text->block_size, &opts->block_size_bytes, error)
      || !apply_size ("--memory", text->memory, &opts->memory_bytes, error))
    return FALSE;
  if (text->pressure != NULL && !vmemu_fsx_pressure_parse (text->pressure, &opts->pressure,
                                                           error))
    return FALSE;
  return TRUE;
}
