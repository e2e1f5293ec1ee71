/* cli-signals.c — SIGINT/SIGTERM turn into a flag that long-running commands
 * poll (VmemuMachineOptions.interrupt, explore loops), so that they can stop
 * at a clean point, remove their temporary outputs and exit 128 + the signal
 * (130 for SIGINT, 143 for SIGTERM).
 *
 * g_unix_signal_add() needs a main loop, which the commands do not run, so
 * this uses sigaction() and a volatile int written by the handler.  The
 * handler is installed with SA_RESETHAND: a second Ctrl-C gets the default
 * action and kills the process at once (the user insisted). */
#include "cli/cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* gint is int on every GLib platform, and int is sig_atomic_t on Linux: the
 * handler's store is a single aligned word write. */
G_STATIC_ASSERT (sizeof (gint) == sizeof (sig_atomic_t));
static volatile gint interrupt_signal;

static void
on_signal (int sig)
{
  interrupt_signal = sig;
}

/* Temporary outputs to remove when the process aborts (g_malloc's answer to
 * ENOMEM is abort()): the paths are copied when registered, so the handler
 * only calls unlink(), which is async-signal-safe. */
#define CLI_MAX_TEMPS 8
static char *temp_paths[CLI_MAX_TEMPS];

static void
on_abort (int sig)
{
  for (int i = 0; i < CLI_MAX_TEMPS; i++)
    if (temp_paths[i] != NULL)
      unlink (temp_paths[i]);
  signal (sig, SIG_DFL);
  raise (sig);
}

void
vmemu_cli_temp_add (const char *path)
{
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  const char *both[] = { path, journal };
  for (gsize k = 0; k < G_N_ELEMENTS (both); k++)
    for (int i = 0; i < CLI_MAX_TEMPS; i++)
      if (temp_paths[i] == NULL)
        {
          temp_paths[i] = g_strdup (both[k]);
          break;
        }
}

void
vmemu_cli_temp_remove (const char *path)
{
  g_autofree char *journal = g_strconcat (path, "-journal", NULL);
  for (int i = 0; i < CLI_MAX_TEMPS; i++)
    if (temp_paths[i] != NULL
        && (strcmp (temp_paths[i], path) == 0 || strcmp (temp_paths[i], journal) == 0))
      {
        char *p = temp_paths[i];
        temp_paths[i] = NULL;   /* first out of the handler's sight, then freed */
        g_free (p);
      }
}

void
vmemu_cli_signals_install (void)
{
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  /* No SA_RESTART: a blocking read/write returns EINTR and the loop around it
   * sees the flag sooner. */
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  /* A file size limit (ulimit -f) must make write() fail with EFBIG, which
   * SQLite reports and the command turns into a message and exit 2, rather
   * than kill the process and leave its temporary file behind. */
  signal (SIGXFSZ, SIG_IGN);
  /* Out of memory aborts: remove the registered temporary outputs first. */
  struct sigaction ab;
  memset (&ab, 0, sizeof ab);
  ab.sa_handler = on_abort;
  sigemptyset (&ab.sa_mask);
  sigaction (SIGABRT, &ab, NULL);
}

const volatile gint *
vmemu_cli_interrupt_flag (void)
{
  return &interrupt_signal;
}

int
vmemu_cli_interrupt_signal (void)
{
  return interrupt_signal;
}

int
vmemu_cli_interrupted (const char *fmt, ...)
{
  int sig = interrupt_signal;
  const char *name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
  g_autofree char *msg = NULL;
  if (fmt != NULL)
    {
      va_list ap;
      va_start (ap, fmt);
      msg = g_strdup_vprintf (fmt, ap);
      va_end (ap);
    }
  fprintf (stderr, "%s: interrupted by %s%s%s\n", g_get_prgname (), name,
           msg ? "; " : "", msg ? msg : "");
  /* 128 + the signal, as a shell reports a process the signal killed:
   * 130 for SIGINT, 143 for SIGTERM. */
  return sig > 0 ? 128 + sig : VMEMU_EXIT_INTERRUPTED;
}
