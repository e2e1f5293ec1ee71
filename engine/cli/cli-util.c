/* cli-util.c — report an error once, as "<prgname>: message". */
#include "engine/cli/cli.h"

#include <stdarg.h>
#include <stdio.h>

static int
vreport (int status, const char *fmt, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  fprintf (stderr, "%s: %s\n", g_get_prgname (), msg);
  return status;
}

int
vmemu_cli_fail (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = vreport (VMEMU_EXIT_FAIL, fmt, ap);
  va_end (ap);
  return r;
}

int
vmemu_cli_usage (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int r = vreport (VMEMU_EXIT_USAGE, fmt, ap);
  va_end (ap);
  return r;
}
