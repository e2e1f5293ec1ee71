/* cli-output.c — one way for every command to write an output file: checked
 * before any work (special files are never replaced, even with --force; the
 * output may not be one of the inputs), written to a temporary file beside it
 * and renamed into place only when complete, the temporary file removed on
 * any failure (disk full, ulimit -f, a signal), and messages that name the
 * output, never the temporary file. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

G_DEFINE_QUARK (vmemu-cli-output-error-quark, vmemu_cli_output_error)

static gboolean
out_fail (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
out_fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, VMEMU_CLI_OUTPUT_ERROR, 0, msg);
  return FALSE;
}

/* Same inode: the output would replace (or truncate) this input. */
static gboolean
same_file (const struct stat *a, const char *path)
{
  struct stat b;
  return path != NULL && stat (path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

gboolean
vmemu_cli_output_check (const char *path, gboolean force, const char *const *inputs,
                        GError **error)
{
  struct stat st;

  if (path == NULL || strcmp (path, "-") == 0)
    return TRUE;
  if (lstat (path, &st) != 0)
    return TRUE;   /* does not exist yet; a bad directory shows when writing */
  if (S_ISLNK (st.st_mode) && stat (path, &st) != 0)
    return TRUE;   /* dangling symlink: the rename replaces the link */
  if (S_ISDIR (st.st_mode))
    return out_fail (error, "%s: is a directory", path);
  if (!S_ISREG (st.st_mode))
    return out_fail (error, "%s: not a regular file (a device, FIFO or socket); refusing to "
                     "replace it", path);
  for (gsize i = 0; inputs != NULL && inputs[i] != NULL; i++)
    if (same_file (&st, inputs[i]))
      return out_fail (error, "%s: is also an input; refusing to replace it", path);
  if (!force)
    return out_fail (error, "%s: already exists (use --force to replace it)", path);
  return TRUE;
}

/* Every byte, retrying short writes and EINTR unless a signal was raised. */
static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, MIN (len, (gsize) 1 << 20));
      if (n < 0 && errno == EINTR && vmemu_cli_interrupt_signal () == 0)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

struct _VmemuCliOutput {
  char *path;
  char *tmp;
  int fd;
  int saved_errno;   /* first failure, 0 while fine */
};

VmemuCliOutput *
vmemu_cli_output_open (const char *path, gboolean force, const char *const *inputs,
                       GError **error)
{
  if (!vmemu_cli_output_check (path, force, inputs, error))
    return NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.tmp-XXXXXX", dir, base);
  /* Mode 0666 through the umask: an ordinary file, not mkstemp's 0600. */
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;
      out_fail (error, "%s: cannot create a temporary file in %s: %s", path, dir,
                g_strerror (saved));
      return NULL;
    }
  VmemuCliOutput *o = g_new0 (VmemuCliOutput, 1);
  o->path = g_strdup (path);
  o->tmp = g_steal_pointer (&tmp);
  o->fd = fd;
  vmemu_cli_temp_add (o->tmp);
  return o;
}

void
vmemu_cli_output_write (VmemuCliOutput *o, const char *data, gsize len)
{
  if (o->saved_errno == 0 && !write_all (o->fd, data, len))
    o->saved_errno = errno ? errno : EIO;
}

void
vmemu_cli_output_abort (VmemuCliOutput *o)
{
  if (o == NULL)
    return;
  if (o->fd >= 0)
    close (o->fd);
  g_unlink (o->tmp);
  vmemu_cli_temp_remove (o->tmp);
  g_free (o->tmp);
  g_free (o->path);
  g_free (o);
}

gboolean
vmemu_cli_output_commit (VmemuCliOutput *o, GError **error)
{
  if (o->saved_errno == 0 && vmemu_cli_interrupt_signal () != 0)
    o->saved_errno = EINTR;
  if (o->saved_errno == 0 && fsync (o->fd) != 0 && errno != EINVAL)
    o->saved_errno = errno;
  if (close (o->fd) != 0 && o->saved_errno == 0)
    o->saved_errno = errno;
  o->fd = -1;
  if (o->saved_errno == 0 && rename (o->tmp, o->path) != 0)
    o->saved_errno = errno;
  int saved = o->saved_errno;
  if (saved != 0)
    {
      if (saved == EINTR)
        out_fail (error, "%s: not written (interrupted)", o->path);
      else
        out_fail (error, "%s: cannot write: %s", o->path, g_strerror (saved));
      vmemu_cli_output_abort (o);
      return FALSE;
    }
  vmemu_cli_temp_remove (o->tmp);
  g_free (o->tmp);
  g_free (o->path);
  g_free (o);
  return TRUE;
}

gboolean
vmemu_cli_output_save (const char *path, gboolean force, const char *const *inputs,
                       const char *data, gsize len, GError **error)
{
  VmemuCliOutput *o = vmemu_cli_output_open (path, force, inputs, error);
  if (o == NULL)
    return FALSE;
  vmemu_cli_output_write (o, data, len);
  return vmemu_cli_output_commit (o, error);
}

int
vmemu_cli_stdout_done (void)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int saved = errno;
      /* Said once: the stream is in error, later flushes would repeat it. */
      clearerr (stdout);
      return vmemu_cli_usage ("cannot write to standard output: %s",
                              g_strerror (saved ? saved : EIO));
    }
  return VMEMU_EXIT_OK;
}
