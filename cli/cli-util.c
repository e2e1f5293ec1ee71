/* cli-util.c — report an error once, as "<prgname>: message". */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

char *
vmemu_cli_help_text (GOptionContext *ctx)
{
  g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
  g_auto (GStrv) parts = g_strsplit (help, "\u2026", -1);   /* the ellipsis */
  g_autofree char *plain = g_strjoinv ("...", parts);
  GString *out = g_string_new (plain);
  if (strstr (out->str, "130") == NULL)
    g_string_append (out, "Interrupted by SIGINT or SIGTERM: exit status 130.\n");
  return g_string_free (out, FALSE);
}

int
vmemu_cli_parse (GOptionContext *ctx, int *argc, char ***argv)
{
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GError) error = NULL;

  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, help_entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    return vmemu_cli_usage ("%s", error->message);
  if (!help)
    return -1;
  g_autofree char *text = vmemu_cli_help_text (ctx);
  fputs (text, stdout);
  return VMEMU_EXIT_OK;
}
