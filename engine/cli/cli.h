/* cli.h — the command table's entry points and the helpers every command uses
 * to report errors once, with the right exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses shared by every command. */
enum {
  VMEMU_EXIT_OK = 0,
  VMEMU_EXIT_FAIL = 1,      /* run: data loss / failed verification; diff: traces differ */
  VMEMU_EXIT_USAGE = 2,     /* bad command line or bad input */
  /* run: the run did not do what the scenario states (an expect_activity
   * condition, or an op's expected result, was not met) */
  VMEMU_EXIT_NOT_EXERCISED = 4,
  VMEMU_EXIT_INTERRUPTED = 130,
};

/* Print "<prgname>: <message>" on stderr and return VMEMU_EXIT_FAIL / _USAGE. */
int vmemu_cli_fail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
int vmemu_cli_usage (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* g_option_context_parse() with the help every command shares: --help / -h
 * print the options with a plain "[OPTION...]" (GLib's "…" turns into "?" in
 * a C locale) and the exit statuses including 130, on stdout.  Returns -1
 * when the command should go on, else the exit status to return (0 after
 * help, 2 after a message on stderr for a bad option). */
int vmemu_cli_parse (GOptionContext *ctx, int *argc, char ***argv);
/* The --help text of ctx as vmemu_cli_parse() prints it (g_free). */
char *vmemu_cli_help_text (GOptionContext *ctx);

/* SIGINT/SIGTERM handling (cli-signals.c).  Call vmemu_cli_signals_install()
 * once before a long loop; poll *vmemu_cli_interrupt_flag() (non-zero once a
 * signal arrived: it holds the signal number) or pass it as
 * VmemuMachineOptions.interrupt.  A second signal kills the process at once.
 * On interruption: remove temporary outputs (vmemu_trace_abort), keep what
 * finished, then `return vmemu_cli_interrupted ("trace not written");` which
 * prints "<prgname>: interrupted by SIGINT; <message>" and
 * returns VMEMU_EXIT_INTERRUPTED (130). */
void vmemu_cli_signals_install (void);
const volatile gint *vmemu_cli_interrupt_flag (void);
int vmemu_cli_interrupt_signal (void);
int vmemu_cli_interrupted (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* Commands: argv[0] is the command name. */
int vmemu_cmd_run (int argc, char **argv);
int vmemu_cmd_variants (int argc, char **argv);
int vmemu_cmd_validate (int argc, char **argv);
int vmemu_cmd_diff (int argc, char **argv);
int vmemu_cmd_hash (int argc, char **argv);
int vmemu_cmd_import_fsx (int argc, char **argv);
int vmemu_cmd_report (int argc, char **argv);
int vmemu_cmd_export (int argc, char **argv);
int vmemu_cmd_explore (int argc, char **argv);
int vmemu_cmd_show (int argc, char **argv);

G_END_DECLS
