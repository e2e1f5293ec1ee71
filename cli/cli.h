/* cli.h — the command table's entry points and the helpers every command uses
 * to report errors once, with the right exit status. */
#pragma once

#include <glib.h>

#include "engine/scenario/scenario.h"
#include "engine/variant/variant.h"

G_BEGIN_DECLS

/* Exit statuses shared by every command. */
enum {
  VMEMU_EXIT_OK = 0,
  VMEMU_EXIT_FAIL = 1,      /* run: data loss / failed verification; diff: traces differ */
  VMEMU_EXIT_USAGE = 2,     /* bad command line or bad input */
  VMEMU_EXIT_CANNOT_JUDGE = 3, /* run: the verdict depends on a model simplification */
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
/* A temporary output (and its SQLite -journal) that an abort (out of memory:
 * g_malloc aborts) must remove; vmemu_cli_signals_install() installs the
 * SIGABRT handler.  At most 4 at a time; remove once renamed or deleted. */
void vmemu_cli_temp_add (const char *path);
void vmemu_cli_temp_remove (const char *path);

/* Output files (cli-output.c).  vmemu_cli_output_check() is the early check
 * (before any work): "-" and missing paths pass; directories, devices, FIFOs
 * and sockets never do (even with force); an existing file only with force,
 * and never when it is one of `inputs` (NULL-terminated, may be NULL).
 * open/write/commit write PATH through a temporary ".NAME.tmp-XXXXXX" beside
 * it, renamed into place by commit; a failed write (disk full, ulimit -f) or
 * a raised interrupt flag makes commit fail and remove the temporary file, as
 * abort does.  Messages name PATH, never the temporary file.
 * vmemu_cli_stdout_done() flushes stdout: on failure it prints "cannot write
 * to standard output: REASON" and returns VMEMU_EXIT_USAGE, else 0. */
#define VMEMU_CLI_OUTPUT_ERROR (vmemu_cli_output_error_quark ())
GQuark vmemu_cli_output_error_quark (void);
typedef struct _VmemuCliOutput VmemuCliOutput;
gboolean vmemu_cli_output_check (const char *path, gboolean force, const char *const *inputs,
                                 GError **error);
VmemuCliOutput *vmemu_cli_output_open (const char *path, gboolean force,
                                       const char *const *inputs, GError **error);
void vmemu_cli_output_write (VmemuCliOutput *o, const char *data, gsize len);
gboolean vmemu_cli_output_commit (VmemuCliOutput *o, GError **error);
void vmemu_cli_output_abort (VmemuCliOutput *o);
gboolean vmemu_cli_output_save (const char *path, gboolean force, const char *const *inputs,
                                const char *data, gsize len, GError **error);
int vmemu_cli_stdout_done (void);

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
int vmemu_cmd_conform (int argc, char **argv);

/* cmd-conform.c, for `explore --confirm-kernel`: run scn on the kernel and
 * print "real KERNEL: data loss too" / "clean" / why it cannot run. */
void vmemu_cli_conform_confirm (const VmemuScenario *scn, const VmemuVariant *variant,
                                const char *kernel);
int vmemu_cmd_show (int argc, char **argv);

G_END_DECLS
