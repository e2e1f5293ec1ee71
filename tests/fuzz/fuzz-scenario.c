/* fuzz-scenario.c — libFuzzer target for the scenario loader: any bytes must
 * give a scenario or one error, never a crash, a hang or a leak.  A loaded
 * scenario is also written back and reloaded (the writer sees every field). */
#include <stdint.h>
#include <string.h>

#include "engine/scenario/scenario.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VmemuScenario) scn =
    vmemu_scenario_load_data ("fuzz.yaml", (const char *) data, size, &error);
  if (scn == NULL)
    {
      g_assert (error != NULL && error->message[0] != '\0');
      /* One line: messages never span lines. */
      g_assert (strchr (error->message, '\n') == NULL);
      return 0;
    }
  g_autoptr (VmemuScenario) copy = vmemu_scenario_copy (scn);
  g_assert (vmemu_scenario_equal (scn, copy));
  /* Round trip through the writer: the contract says it reloads equal. */
  g_autoptr (GString) yaml = g_string_new (NULL);
  vmemu_scenario_write_yaml (scn, "fuzz", yaml);
  g_autoptr (VmemuScenario) back =
    vmemu_scenario_load_data ("fuzz-back.yaml", yaml->str, yaml->len, &error);
  if (back == NULL)
    g_error ("written scenario does not reload: %s\n%s", error->message, yaml->str);
  g_assert (vmemu_scenario_equal (scn, back));
  return 0;
}
