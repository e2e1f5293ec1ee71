/* conform-verdict.c — the real kernel's verdict (its files read back after
 * sync and a remount, byte for byte against vmemu's oracle) and how it sits
 * beside the model's.
 */
#include "engine/conform/conform.h"

#include <string.h>

void
vmemu_conform_check_file (const guint8 *expected, guint64 expected_len, const guint8 *found,
                          guint64 found_len, VmemuConformCheck *out)
{
  memset (out, 0, sizeof *out);
  out->expected_size = expected_len;
  out->found_size = found_len;
  guint64 n = MAX (expected_len, found_len);
  gboolean in_run = FALSE, first_done = FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      /* a byte past either end differs: the sizes do */
      gboolean bad = i >= expected_len || i >= found_len || expected[i] != found[i];
      if (bad)
        {
          out->bad_total++;
          if (!first_done && !in_run)
            {
              out->bad_offset = i;
              in_run = TRUE;
            }
          if (in_run)
            out->bad_length++;
        }
      else if (in_run)
        {
          in_run = FALSE;
          first_done = TRUE;
        }
    }
  out->ok = out->bad_total == 0;
}

const char *
vmemu_conform_verdict_name (gboolean lost)
{
  return lost ? "data loss" : "clean";
}

char *
vmemu_conform_verdict_line (const char *kernel_label, gboolean real_lost, const char *variant,
                            gboolean model_lost)
{
  return g_strdup_printf ("real %s: %s | vmemu %s: %s  %s", kernel_label,
                          vmemu_conform_verdict_name (real_lost), variant,
                          vmemu_conform_verdict_name (model_lost),
                          real_lost == model_lost ? "AGREE" : "DISAGREE");
}

char *
vmemu_conform_kernel_label (const char *kernel_path)
{
  g_autofree char *base = g_path_get_basename (kernel_path);
  const char *s = base;
  if (g_str_has_prefix (s, "linux-"))
    s += strlen ("linux-");
  char *label = g_strdup (s);
  if (g_str_has_suffix (label, "-um"))
    label[strlen (label) - 3] = 0;
  return label;
}
