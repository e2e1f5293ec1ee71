/* test-json.c — the one JSON string writer (engine/json): NULL, the short
 * escapes the four old escapers disagreed on, other control bytes, UTF-8. */
#include <glib.h>

#include "engine/json/json.h"

static void
check (const char *in, const char *want)
{
  g_autoptr (GString) out = g_string_new ("x");   /* appends, never resets */
  vmemu_json_string (out, in);
  g_assert_cmpstr (out->str + 1, ==, want);
}

static void
test_strings (void)
{
  check (NULL, "null");
  check ("", "\"\"");
  check ("a\"b\\c", "\"a\\\"b\\\\c\"");
  check ("l1\nl2\r\t\b\f", "\"l1\\nl2\\r\\t\\b\\f\"");
  check ("\x01\x1f", "\"\\u0001\\u001f\"");
  check ("caf\xc3\xa9 \xe2\x89\x88", "\"caf\xc3\xa9 \xe2\x89\x88\"");
  check ("/", "\"/\"");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/strings", test_strings);
  return g_test_run ();
}
