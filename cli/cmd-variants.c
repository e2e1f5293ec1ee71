/* cmd-variants.c — vmemu variants: the variant files (variants/ and any
 * VARIANTS_EXTRA) with their commit, then every switch. */
#include "cli/cli.h"

#include <stdio.h>

#include "engine/variant/variant.h"

int
vmemu_cmd_variants (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_set_prgname ("vmemu variants");
  g_option_context_set_summary (ctx,
    "List the kernel behaviour variants (one line each: name, summary, [switches],\n"
    "the variants whose replacement ops it uses, the kernel commit it models), then the\n"
    "switches a variant spec can add or remove: --variant baseline+write_begin_uptodate.\n"
    "A variant is one file in variants/ (docs/patching.md).");
  int parsed = vmemu_cli_parse (ctx, &argc, &argv);
  if (parsed >= 0)
    return parsed;
  if (argc != 1)
    return vmemu_cli_usage ("takes no arguments");
  for (guint i = 0; i < vmemu_variant_n_named (); i++)
    {
      g_autoptr (VmemuVariant) v = vmemu_variant_parse (vmemu_variant_named_name (i), &error);
      if (v == NULL)
        return vmemu_cli_usage ("%s", error->message);
      g_autofree char *sw = vmemu_variant_switches_string (v);
      g_autofree char *ops = vmemu_variant_ops_string (v);
      const char *commit = vmemu_variant_named_commit (i);
      printf ("%-20s %s [%s]%s%s%s%s\n", vmemu_variant_named_name (i),
              vmemu_variant_named_summary (i), sw, v->n_ops ? " ops from " : "",
              v->n_ops ? ops : "", commit ? " commit " : "", commit ? commit : "");
    }
  /* Every line's first word is a spec `vmemu run --variant` accepts. */
  printf ("# switches: add one to any variant with +NAME, remove it with -NAME\n");
  for (int s = 0; s < VMEMU_SW__COUNT; s++)
    {
      g_autofree char *spec = g_strdup_printf ("baseline+%s", vmemu_switch_name (s));
      printf ("%-36s %s\n", spec, vmemu_switch_summary (s));
    }
  return vmemu_cli_stdout_done ();
}
