/* fuzz-fsx.c — libFuzzer target for the fsx op-file parser and importer: any
 * bytes give entries / a scenario or one error naming the line, never a
 * crash, a hang or a leak.  The first input byte picks importer options so
 * that lite mode, replay mode and pressure are covered too. */
#include <stdint.h>
#include <string.h>

#include "engine/fsx/fsx.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 mode = size > 0 ? data[0] : 0;
  const char *text = (const char *) data + (size > 0);
  gsize len = size > 0 ? size - 1 : 0;

  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) entries = vmemu_fsx_parse_data ("fuzz.fsxops", text, len, &error);
  if (entries == NULL)
    {
      g_assert (error != NULL && strchr (error->message, '\n') == NULL);
      g_clear_error (&error);
    }

  VmemuFsxImportOptions fo;
  vmemu_fsx_import_options_init (&fo);
  fo.lite = (mode & 1) != 0;
  fo.check_size = (mode & 2) == 0;
  fo.close_open_on_skip = (mode & 4) == 0;
  fo.eof_page_check = (mode & 8) != 0;
  fo.flush_after_write = (mode & 16) != 0;
  fo.fsync_after_write = (mode & 32) != 0;
  if (mode & 64)
    {
      VmemuFsxOptionText t = { .pressure = "anon=2MiB,drop-every=50", .memory = "16MiB",
                               .fsx_length = "64KiB" };
      if (!vmemu_fsx_import_options_apply_text (&fo, &t, &error))
        g_clear_error (&error);
    }
  VmemuFsxImportStats stats;
  g_autoptr (VmemuScenario) scn =
    vmemu_fsx_import_data ("fuzz.fsxops", text, len, &fo, &stats, &error);
  if (scn == NULL)
    g_assert (error != NULL && strchr (error->message, '\n') == NULL);
  else
    g_assert (entries != NULL);
  return 0;
}
