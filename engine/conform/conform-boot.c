/* conform-boot.c — make the filesystem image, boot the UML kernel with the
 * guest as PID 1, collect what it wrote.
 *
 * The recipe is ../shared/kernels/README.md's, the one that gave
 * byte-identical runs: time-travel=inf-cpu with a fixed start, norandmaps,
 * host ASLR off (setarch -R), the filesystem on the brd RAM disk (copied in
 * by the guest: ubd's asynchronous host I/O lets the virtual clock race), the
 * console to a regular file, a fixed umid.  The work directory is shared with
 * the guest through hostfs.
 */
#include "engine/conform/conform.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

void
vmemu_conform_result_free (VmemuConformResult *r)
{
  if (r == NULL)
    return;
  if (r->files)
    g_ptr_array_unref (r->files);
  g_free (r->op_log);
  g_free (r->trace_text);
  g_free (r);
}

static char *
find_tool (const char *name)
{
  char *p = g_find_program_in_path (name);
  if (p)
    return p;
  static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      char *c = g_build_filename (dirs[i], name, NULL);
      if (g_file_test (c, G_FILE_TEST_IS_EXECUTABLE))
        return c;
      g_free (c);
    }
  return NULL;
}

/* Run argv (with extra environment) to completion; output goes to log_path.
 * any_exit: an exit status other than exec's 127 is the caller's to judge
 * (a kernel whose init died exits non-zero; what the guest left says why). */
static gboolean
run_tool (char **argv, char **envp, const char *log_path, guint timeout_s,
          const volatile gint *interrupt, gboolean any_exit, gdouble *wall_s, GError **error)
{
  int log_fd = open (log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP, "%s: %s", log_path,
                   g_strerror (errno));
      return FALSE;
    }
  gint64 start = g_get_monotonic_time ();
  pid_t pid = fork ();
  if (pid < 0)
    {
      close (log_fd);
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP, "fork: %s",
                   g_strerror (errno));
      return FALSE;
    }
  if (pid == 0)
    {
      /* its own process group: UML's helper processes die with it */
      setpgid (0, 0);
      int null_fd = open ("/dev/null", O_RDONLY);
      dup2 (null_fd, 0);
      dup2 (log_fd, 1);
      dup2 (log_fd, 2);
      for (char **e = envp; e && *e; e++)
        putenv (*e);
      execv (argv[0], argv);
      _exit (127);
    }
  close (log_fd);
  int status = 0;
  gboolean timed_out = FALSE, interrupted = FALSE;
  for (;;)
    {
      pid_t r = waitpid (pid, &status, WNOHANG);
      if (r == pid)
        break;
      if (r < 0 && errno != EINTR)
        break;
      interrupted = interrupt && *interrupt;
      if (interrupted || g_get_monotonic_time () - start > (gint64) timeout_s * G_USEC_PER_SEC)
        {
          kill (-pid, SIGKILL);
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          timed_out = !interrupted;
          break;
        }
      g_usleep (5000);
    }
  /* whatever UML left behind in its process group */
  kill (-pid, SIGKILL);
  if (wall_s)
    *wall_s = (g_get_monotonic_time () - start) / 1e6;
  if (interrupted)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_INTERRUPTED,
                   "%s stopped", argv[0]);
      return FALSE;
    }
  if (timed_out)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_GUEST,
                   "%s did not finish within %u s (log: %s)", argv[0], timeout_s, log_path);
      return FALSE;
    }
  if ((WIFEXITED (status) && WEXITSTATUS (status) == 127)
      || (!any_exit && (!WIFEXITED (status) || WEXITSTATUS (status) != 0)))
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "%s failed (log: %s)", argv[0], log_path);
      return FALSE;
    }
  return TRUE;
}

/* mkfs.xfs on a regular file (no root needed); the environment lets it make
 * a filesystem under 300 MB.  Linux 5.8 knows neither bigtime nor inobtcount.
 * v5 (crc) filesystems need 1 KiB blocks at least: 512 gets a v4 one. */
static gboolean
make_image (const VmemuConformBoot *boot, const char *img, GError **error)
{
  g_autofree char *mkfs = find_tool ("mkfs.xfs");
  if (mkfs == NULL)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "mkfs.xfs not found (Debian: apt-get install xfsprogs)");
      return FALSE;
    }
  int fd = open (img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate (fd, VMEMU_CONFORM_DEVICE_BYTES) != 0)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP, "%s: %s", img,
                   g_strerror (errno));
      if (fd >= 0)
        close (fd);
      return FALSE;
    }
  close (fd);
  g_autofree char *bs = g_strdup_printf ("size=%" G_GUINT64_FORMAT, boot->block_size);
  const char *meta = boot->block_size >= 1024
    ? "crc=1,finobt=1,reflink=0,rmapbt=0,bigtime=0,inobtcount=0" : "crc=0";
  char *argv[] = { mkfs, "-q", "-f", "-b", bs, "-m", (char *) meta, "-i",
                   boot->block_size >= 1024 ? "sparse=1" : "sparse=0", (char *) img, NULL };
  char *envp[] = { "TEST_DIR=1", "TEST_DEV=1", "QA_CHECK_FS=1", NULL };
  g_autofree char *log = g_build_filename (boot->workdir, "mkfs.log", NULL);
  if (!run_tool (argv, envp, log, 60, boot->interrupt, FALSE, NULL, error))
    return FALSE;
  g_autofree char *text = NULL;
  struct stat st;
  if (stat (img, &st) != 0 || !g_file_get_contents (log, &text, NULL, NULL) || text[0] != 0)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "mkfs.xfs -b %s failed: %s", bs, text ? g_strstrip (text) : "no output");
      return FALSE;
    }
  return TRUE;
}

static char *
read_out (const char *workdir, const char *name)
{
  g_autofree char *path = g_build_filename (workdir, "out", name, NULL);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

/* The kernel's panic line, else the last non-empty line of the console, for
 * an error message. */
static char *
console_tail (const char *path)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("no console output");
  const char *panic = strstr (text, "Kernel panic");
  if (panic)
    return g_strndup (panic, strcspn (panic, "\n"));
  g_strchomp (text);
  const char *nl = strrchr (text, '\n');
  return g_strdup (nl ? nl + 1 : text);
}

static gboolean
write_inputs (const VmemuConformBoot *boot, const VmemuConformPlan *plan, GError **error)
{
  g_autofree char *script = g_build_filename (boot->workdir, "script", NULL);
  g_autofree char *data = g_build_filename (boot->workdir, "data.bin", NULL);
  g_autofree char *out = g_build_filename (boot->workdir, "out", NULL);
  g_autofree char *mnt = g_build_filename (boot->workdir, "mnt", NULL);
  g_autofree char *uml = g_build_filename (boot->workdir, "uml", NULL);
  if (g_mkdir_with_parents (out, 0755) != 0 || g_mkdir_with_parents (mnt, 0755) != 0
      || g_mkdir_with_parents (uml, 0755) != 0)
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP, "%s: %s",
                   boot->workdir, g_strerror (errno));
      return FALSE;
    }
  if (!g_file_set_contents (script, plan->script->str, (gssize) plan->script->len, error)
      || !g_file_set_contents (data, (const char *) plan->data->data, plan->data->len, error))
    return FALSE;
  g_autofree char *img = g_build_filename (boot->workdir, "fs.img", NULL);
  return make_image (boot, img, error);
}

static guint
count_lines_prefixed (const char *script, const char *prefix)
{
  guint n = 0;
  for (const char *p = script; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (g_str_has_prefix (p, prefix))
      n++;
  return n;
}

VmemuConformResult *
vmemu_conform_boot (const VmemuConformBoot *boot, const VmemuConformPlan *plan, GError **error)
{
  if (!g_path_is_absolute (boot->workdir) || !g_path_is_absolute (boot->guest))
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "the work directory and the guest need absolute paths (hostfs)");
      return NULL;
    }
  if (!g_file_test (boot->kernel, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "%s: not an executable kernel", boot->kernel);
      return NULL;
    }
  if (!g_file_test (boot->guest, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_SETUP,
                   "%s: guest program missing (make builds it)", boot->guest);
      return NULL;
    }
  if (!write_inputs (boot, plan, error))
    return NULL;

  g_autofree char *kernel = g_canonicalize_filename (boot->kernel, NULL);
  g_autofree char *setarch = find_tool ("setarch");
  g_autofree char *init = g_strdup_printf ("init=%s", boot->guest);
  g_autofree char *dir = g_strdup_printf ("vmemudir=%s", boot->workdir);
  g_autofree char *umldir = g_strdup_printf ("uml_dir=%s/uml", boot->workdir);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  if (setarch)   /* host ASLR off */
    {
      g_ptr_array_add (argv, setarch);
      g_ptr_array_add (argv, "x86_64");
      g_ptr_array_add (argv, "-R");
    }
  /* 64 MiB, plus room for the data blob the guest holds in memory (a long
   * fsx stream writes tens of MiB) */
  g_autofree char *mem = g_strdup_printf ("mem=%" G_GUINT64_FORMAT "M",
                                          64 + (((guint64) plan->data->len + (1u << 20) - 1) >> 20));
  const char *args[] = { kernel, mem, "root=/dev/root", "rootfstype=hostfs", "rootflags=/",
                         "ro", "con=null", "con0=null,fd:1", init, dir,
                         "time-travel=inf-cpu", "time-travel-start=1600000000", "norandmaps",
                         "umid=vmemu-conform", umldir };
  for (gsize i = 0; i < G_N_ELEMENTS (args); i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *console = g_build_filename (boot->workdir, "console.txt", NULL);
  g_autoptr (VmemuConformResult) r = g_new0 (VmemuConformResult, 1);
  if (!run_tool ((char **) argv->pdata, NULL, console, boot->timeout_s ? boot->timeout_s : 120,
                 boot->interrupt, TRUE, &r->wall_s, error))
    return NULL;

  g_autofree char *done = read_out (boot->workdir, "done");
  g_autofree char *err = read_out (boot->workdir, "guest.err");
  if (done == NULL || err != NULL || !g_str_has_prefix (done, "ok tasks=ok"))
    {
      /* out_of_memory -> oom_kill_process: the scenario's allocations
       * went past what the guest can hold at its watermarks (no swap); the
       * model fails such an allocation with ENOMEM instead, so the two runs
       * are not the same sequence: cannot be forced, not a broken run. */
      g_autofree char *log = NULL;
      g_file_get_contents (console, &log, NULL, NULL);
      /* UML 5.8 restores a process's FPU state with PTRACE_SETREGSET
       * (NT_X86_XSTATE) from a buffer of its own size; a host whose XSAVE
       * area is larger (AMX tile data) refuses it with EFAULT, and UML kills
       * init before the guest runs a line.  Nothing about the scenario or the
       * model: this host cannot run a 5.8 UML kernel at all. */
      if (log && strstr (log, "ptrace set fp regs failed"))
        {
          g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_HOST,
                       "this host cannot run User-Mode Linux 5.8: ptrace cannot restore the FPU"
                       " state (the host's XSAVE area, e.g. with AMX, is larger than 5.8's UML"
                       " handles; docs/conform.md) (console: %s)", console);
          return NULL;
        }
      if (log && strstr (log, "Out of memory: Killed process"))
        {
          g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_UNSUPPORTED,
                       "the real kernel's OOM killer ended a task (the scenario's allocations "
                       "leave less than the guest needs; the model has no OOM killer)");
          return NULL;
        }
      g_autofree char *tail = console_tail (console);
      g_set_error (error, VMEMU_CONFORM_ERROR, VMEMU_CONFORM_ERROR_GUEST,
                   "the guest run failed: %s (console: %s)",
                   err ? g_strstrip (err) : done ? "a task failed" : tail, console);
      return NULL;
    }
  const char *e = strstr (done, "end=");
  r->end_ns = e ? g_ascii_strtoull (e + 4, NULL, 10) : 0;
  r->files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint nfiles = count_lines_prefixed (plan->script->str, "file ");
  for (guint i = 0; i < nfiles; i++)
    {
      g_autofree char *name = g_strdup_printf ("final.%u", i);
      g_autofree char *path = g_build_filename (boot->workdir, "out", name, NULL);
      char *bytes = NULL;
      gsize len = 0;
      if (!g_file_get_contents (path, &bytes, &len, error))
        return NULL;
      g_ptr_array_add (r->files, g_bytes_new_take (bytes, len));
    }
  GString *log = g_string_new (NULL);
  guint ntasks = count_lines_prefixed (plan->script->str, "task ");
  for (guint t = 0; t < ntasks; t++)
    {
      g_autofree char *name = g_strdup_printf ("task.%u.log", t);
      g_autofree char *text = read_out (boot->workdir, name);
      if (text)
        g_string_append (log, text);
    }
  r->op_log = g_string_free (log, FALSE);
  r->trace_text = read_out (boot->workdir, "trace.txt");
  return g_steal_pointer (&r);
}
