/* conform-guest.c — PID 1 of a User-Mode Linux guest booted by `vmemu conform`.
 *
 * It runs a scenario's operations as real system calls on a real kernel.  The
 * host (engine/conform/conform-script.c) writes a line-based script and a data
 * blob into a work directory; this program mounts that directory (hostfs),
 * copies the XFS image into the RAM disk, mounts it, creates the scenario's
 * files, forks one process per task, runs each task's operations at the
 * scenario's times on the guest's virtual clock (time-travel=inf-cpu: a sleep
 * advances time exactly, computation takes none), then syncs, unmounts,
 * mounts again and copies every file's bytes out for the host to compare with
 * vmemu's oracle.  With tracing on, the tracepoint buffer goes out too.
 *
 * Built with `gcc -static`: it runs before anything else exists in the guest.
 * Plain libc only.  Every failure is written to out/guest.err and ends the run
 * (the host reports it); nothing here decides a verdict.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 64
#define MAX_TASKS 64
#define MAX_SYMS 256
#define PAGE 4096

/* One operation, as the host wrote it (conform-script.c: every key is an
 * integer; -1 means "not given"). */
typedef struct {
  int task, index;
  char kind[24];
  int64_t at, after, file, off, len, size, src, dst, hold, dur, data, direct, priv, keep,
      sync, advice, mode, map, pipe, region, level, value;
} GuestOp;

typedef struct {
  char path[256];
  int64_t size, data;
  char state[16];
} GuestFile;

static char workdir[512], mntdir[600], outdir[600];
static int64_t blocksize = 1024;
static int tracing;
static GuestFile files[MAX_FILES];
static int nfiles;
static char task_names[MAX_TASKS][64];
static int ntasks;
static GuestOp *ops;
static int nops;
static int pipes[MAX_SYMS][2];
static int64_t pipe_cap[MAX_SYMS];
static int npipes_used;
static unsigned char *blob;
static size_t blob_len;
static char sysctls[32][2][128];
static int nsysctls;

static void poweroff (void);

static void
die (const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  char path[700];
  snprintf (path, sizeof path, "%s/guest.err", outdir);
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0)
    {
      dprintf (fd, "%s\n", msg);
      close (fd);
    }
  fprintf (stderr, "conform-guest: %s\n", msg);
  if (getpid () == 1)
    poweroff ();
  _exit (1);
}

static void
poweroff (void)
{
  sync ();
  reboot (RB_POWER_OFF);
  for (;;)
    pause ();
}

static int64_t
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_until (int64_t t)
{
  if (t <= now_ns ())
    return;
  struct timespec ts = { .tv_sec = t / 1000000000, .tv_nsec = t % 1000000000 };
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

static void
sleep_for (int64_t ns)
{
  if (ns > 0)
    sleep_until (now_ns () + ns);
}

static void
write_file (const char *path, const void *buf, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    die ("open %s: %s", path, strerror (errno));
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n <= 0)
        die ("write %s: %s", path, strerror (errno));
      p += n;
      len -= (size_t) n;
    }
  if (close (fd) != 0)
    die ("close %s: %s", path, strerror (errno));
}

static void
write_text (const char *path, const char *text)
{
  write_file (path, text, strlen (text));
}

/* The whole of a (small) file; NUL-terminated. */
static char *
slurp (const char *path, size_t *len)
{
  int fd = open (path, O_RDONLY);
  if (fd < 0)
    die ("open %s: %s", path, strerror (errno));
  /* sized from the file when it has a size (the data blob can be large);
   * tracefs and procfs files report 0 and grow the buffer instead */
  struct stat st;
  size_t cap = fstat (fd, &st) == 0 && st.st_size > 0 ? (size_t) st.st_size : 65536, n = 0;
  char *buf = malloc (cap + 1);
  if (buf == NULL)
    die ("out of memory reading %s", path);
  for (;;)
    {
      if (n == cap)
        buf = realloc (buf, (cap *= 2) + 1);
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0)
        die ("read %s: %s", path, strerror (errno));
      if (r == 0)
        break;
      n += (size_t) r;
    }
  close (fd);
  buf[n] = 0;
  if (len)
    *len = n;
  return buf;
}

static int64_t
kv (const char *line, const char *key)
{
  char pat[40];
  snprintf (pat, sizeof pat, " %s=", key);
  const char *p = strstr (line, pat);
  if (p == NULL)
    return -1;
  return strtoll (p + strlen (pat), NULL, 10);
}

static void
parse_op (const char *line)
{
  /* ops[] was sized from the script's "op " lines */
  GuestOp *o = &ops[nops++];
  if (sscanf (line, "op %d %d %23s", &o->task, &o->index, o->kind) != 3 || o->task < 0
      || o->task >= ntasks)
    die ("script: bad op line: %s", line);
#define K(f) o->f = kv (line, #f)
  K (at); K (after); K (file); K (off); K (len); K (size); K (src); K (dst); K (hold);
  K (dur); K (data); K (direct); K (priv); K (keep); K (sync); K (advice); K (mode);
  K (map); K (pipe); K (region); K (level); K (value);
#undef K
  if (o->file >= nfiles || o->map >= MAX_SYMS || o->pipe >= MAX_SYMS || o->region >= MAX_SYMS)
    die ("script: op refers to nothing: %s", line);
}

static void
parse_script (const char *path)
{
  char *text = slurp (path, NULL);
  size_t max_ops = 1;
  for (const char *p = text; (p = strstr (p, "\nop ")); p++)
    max_ops++;
  ops = calloc (max_ops, sizeof *ops);
  char *save = NULL;
  int first = 1;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      if (first)
        {
          if (strcmp (line, "vmemu-conform-guest 1") != 0)
            die ("script: not a version 1 guest script");
          first = 0;
          continue;
        }
      char word[32] = "";
      sscanf (line, "%31s", word);
      if (strcmp (word, "blocksize") == 0)
        blocksize = strtoll (line + 10, NULL, 10);
      else if (strcmp (word, "trace") == 0)
        tracing = atoi (line + 6);
      else if (strcmp (word, "sysctl") == 0 && nsysctls < 32)
        {
          if (sscanf (line, "sysctl %127s %127s", sysctls[nsysctls][0], sysctls[nsysctls][1]) != 2)
            die ("script: bad sysctl line: %s", line);
          nsysctls++;
        }
      else if (strcmp (word, "file") == 0)
        {
          GuestFile *f = &files[nfiles];
          int id;
          if (nfiles == MAX_FILES
              || sscanf (line, "file %d %255s %15s", &id, f->path, f->state) != 3 || id != nfiles)
            die ("script: bad file line: %s", line);
          f->size = kv (line, "size");
          f->data = kv (line, "data");
          nfiles++;
        }
      else if (strcmp (word, "task") == 0)
        {
          int id;
          if (ntasks == MAX_TASKS
              || sscanf (line, "task %d %63s", &id, task_names[ntasks]) != 2 || id != ntasks)
            die ("script: bad task line: %s", line);
          ntasks++;
        }
      else if (strcmp (word, "pipe") == 0)
        {
          int id;
          if (sscanf (line, "pipe %d", &id) != 1 || id < 0 || id >= MAX_SYMS)
            die ("script: bad pipe line: %s", line);
          pipe_cap[id] = kv (line, "cap");
          npipes_used++;
        }
      else if (strcmp (word, "op") == 0)
        parse_op (line);
      else if (strcmp (word, "end") == 0)
        break;
      else
        die ("script: unknown line: %s", line);
    }
  free (text);
}

/* ---- setup ---- */

static void
mount_or_die (const char *src, const char *dst, const char *type, const char *data)
{
  if (mount (src, dst, type, 0, data) != 0)
    die ("mount %s on %s (%s): %s", src, dst, type, strerror (errno));
}

static void
set_sysctl (const char *name, const char *value)
{
  char path[256];
  snprintf (path, sizeof path, "/proc/sys/%s", name);
  write_text (path, value);
}

static void
drop_caches (int mode)
{
  char v[8];
  snprintf (v, sizeof v, "%d", mode);
  set_sysctl ("vm/drop_caches", v);
}

/* Copy the image into the RAM disk, skipping all-zero pages (brd reads
 * unallocated sectors as zero): only the blocks mkfs wrote cost memory. */
static void
load_ramdisk (void)
{
  char img[700];
  snprintf (img, sizeof img, "%s/fs.img", workdir);
  int in = open (img, O_RDONLY), out = open ("/dev/ram0", O_WRONLY);
  if (in < 0 || out < 0)
    die ("open %s or /dev/ram0: %s", img, strerror (errno));
  static unsigned char buf[1 << 16];
  static const unsigned char zero[PAGE];
  off_t pos = 0;
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0)
        die ("read %s: %s", img, strerror (errno));
      if (n == 0)
        break;
      for (ssize_t o = 0; o < n; o += PAGE)
        {
          size_t len = (size_t) (n - o < PAGE ? n - o : PAGE);
          if (memcmp (buf + o, zero, len) != 0
              && pwrite (out, buf + o, len, pos + o) != (ssize_t) len)
            die ("write /dev/ram0: %s", strerror (errno));
        }
      pos += n;
    }
  if (fsync (out) != 0)
    die ("fsync /dev/ram0: %s", strerror (errno));
  close (in);
  close (out);
}

static int
open_file (int i, int flags)
{
  char path[900];
  snprintf (path, sizeof path, "%s%s", mntdir, files[i].path);
  int fd = open (path, flags, 0644);
  if (fd < 0)
    die ("open %s: %s", path, strerror (errno));
  return fd;
}

static void
pwrite_all (int fd, const void *buf, size_t len, off_t off, const char *what)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = pwrite (fd, p, len, off);
      if (n <= 0)
        die ("write %s: %s", what, strerror (errno));
      p += n;
      len -= (size_t) n;
      off += n;
    }
}

static const unsigned char *
blob_at (int64_t off, int64_t len)
{
  if (off < 0 || len < 0 || (uint64_t) (off + len) > blob_len)
    die ("script: data range %lld+%lld outside the blob", (long long) off, (long long) len);
  return blob + off;
}

/* The scenario's initial files: on-disk and cached ones written and synced,
 * then every cache dropped (the image copy, hostfs pages) so the run starts
 * from a page cache holding only what the scenario says; cached files are
 * read back in, dirty ones written and left dirty. */
static void
create_files (void)
{
  for (int i = 0; i < nfiles; i++)
    {
      GuestFile *f = &files[i];
      int fd = open_file (i, O_RDWR | O_CREAT | O_TRUNC);
      if (strcmp (f->state, "sparse") == 0 || strcmp (f->state, "dirty") == 0)
        {
          if (ftruncate (fd, f->size) != 0)
            die ("ftruncate %s: %s", f->path, strerror (errno));
        }
      else if (f->data >= 0)
        pwrite_all (fd, blob_at (f->data, f->size), (size_t) f->size, 0, f->path);
      else if (ftruncate (fd, f->size) != 0)
        die ("ftruncate %s: %s", f->path, strerror (errno));
      close (fd);
    }
  sync ();
  drop_caches (3);
}

static void
prime_files (void)
{
  for (int i = 0; i < nfiles; i++)
    {
      GuestFile *f = &files[i];
      int fd = open_file (i, O_RDWR);
      if (strcmp (f->state, "cached") == 0)
        {
          static unsigned char buf[1 << 16];
          for (int64_t o = 0; o < f->size; o += (int64_t) sizeof buf)
            if (pread (fd, buf, sizeof buf, o) < 0)
              die ("read %s: %s", f->path, strerror (errno));
        }
      else if (strcmp (f->state, "dirty") == 0)
        {
          if (f->data >= 0)
            pwrite_all (fd, blob_at (f->data, f->size), (size_t) f->size, 0, f->path);
          else
            {
              /* zero content still dirties every page, as a write of zeroes does */
              static const unsigned char zero[1 << 16];
              for (int64_t o = 0; o < f->size; o += (int64_t) sizeof zero)
                pwrite_all (fd, zero, (size_t) (f->size - o < (int64_t) sizeof zero
                                                 ? f->size - o : (int64_t) sizeof zero),
                            o, f->path);
            }
        }
      close (fd);
    }
}

static void
trace_setup (void)
{
  mount_or_die ("tracefs", "/sys/kernel/tracing", "tracefs", NULL);
  write_text ("/sys/kernel/tracing/tracing_on", "0");
  write_text ("/sys/kernel/tracing/trace_clock", "mono");
  write_text ("/sys/kernel/tracing/buffer_size_kb", "8192");
  static const char *const groups[] = { "filemap", "writeback", "vmscan", "iomap", "block" };
  for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
    {
      char path[128];
      snprintf (path, sizeof path, "/sys/kernel/tracing/events/%s/enable", groups[i]);
      write_text (path, "1");
    }
  write_text ("/sys/kernel/tracing/trace", "");
}

/* ---- the operations ---- */

typedef struct {
  int fd[MAX_FILES];
  int dfd[MAX_FILES];           /* O_DIRECT, opened on first use */
  void *map_addr[MAX_SYMS];
  int64_t map_len[MAX_SYMS];
  void *region_addr[MAX_SYMS];
  int64_t region_len[MAX_SYMS];
  int hold_pipe[2];
  char *log;                    /* the op log, grown as needed */
  size_t log_len, log_cap;
} TaskState;

static int64_t t0;
static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_armed;
static volatile unsigned char load_sink;

static void
on_sigbus (int sig)
{
  if (!bus_armed)
    {
      signal (sig, SIG_DFL);
      raise (sig);
      return;
    }
  siglongjmp (bus_jmp, 1);
}

static void
log_printf (TaskState *ts, const char *fmt, ...)
{
  for (;;)
    {
      va_list ap;
      va_start (ap, fmt);
      int n = vsnprintf (ts->log + ts->log_len, ts->log_cap - ts->log_len, fmt, ap);
      va_end (ap);
      if (n < 0)
        die ("op log: %s", strerror (errno));
      if ((size_t) n < ts->log_cap - ts->log_len)
        {
          ts->log_len += (size_t) n;
          return;
        }
      ts->log_cap = ts->log_cap * 2 + (size_t) n;
      ts->log = realloc (ts->log, ts->log_cap);
      if (ts->log == NULL)
        die ("op log: out of memory");
    }
}

static void
log_op (TaskState *ts, const GuestOp *o, int64_t start, int64_t end, int64_t result)
{
  log_printf (ts, "op %d %d %s start=%lld end=%lld result=%lld\n", o->task, o->index, o->kind,
              (long long) (start - t0), (long long) (end - t0), (long long) result);
}

static int
direct_fd (TaskState *ts, int file)
{
  if (ts->dfd[file] < 0)
    ts->dfd[file] = open_file (file, O_RDWR | O_DIRECT);
  return ts->dfd[file];
}

static void *
aligned_buf (int64_t len)
{
  void *p = NULL;
  if (posix_memalign (&p, PAGE, (size_t) (len + PAGE)) != 0)
    die ("out of memory (%lld bytes)", (long long) len);
  return p;
}

static int64_t
ret (int64_t r)
{
  return r < 0 ? -errno : r;
}

/* A read whose page references are held `hold` ns per page, the way kernel
 * reproducers hold them without userfaultfd (not in this kernel's config):
 * splice the page into a pipe (the pipe buffer keeps a reference on the
 * page-cache page itself), wait, then read the pipe. */
static int64_t
op_read_hold (TaskState *ts, const GuestOp *o)
{
  unsigned char buf[PAGE];
  int64_t done = 0;
  while (done < o->len)
    {
      loff_t off = o->off + done;
      int64_t chunk = PAGE - (off % PAGE);
      if (chunk > o->len - done)
        chunk = o->len - done;
      ssize_t n = splice (ts->fd[o->file], &off, ts->hold_pipe[1], NULL, (size_t) chunk, 0);
      if (n < 0)
        return -errno;
      if (n == 0)
        break;   /* end of file */
      sleep_for (o->hold);
      for (ssize_t got = 0; got < n;)
        {
          ssize_t r = read (ts->hold_pipe[0], buf, (size_t) (n - got));
          if (r <= 0)
            return r < 0 ? -errno : -EIO;
          got += r;
        }
      done += n;
    }
  return done;
}

static int64_t
op_read (TaskState *ts, const GuestOp *o)
{
  if (o->hold > 0)
    return op_read_hold (ts, o);
  unsigned char *buf = aligned_buf (o->len);
  int fd = o->direct > 0 ? direct_fd (ts, (int) o->file) : ts->fd[o->file];
  int64_t r = ret (pread (fd, buf, (size_t) o->len, o->off));
  free (buf);
  return r;
}

static int64_t
op_write (TaskState *ts, const GuestOp *o)
{
  unsigned char *buf = aligned_buf (o->len);
  memcpy (buf, blob_at (o->data, o->len), (size_t) o->len);
  int fd = o->direct > 0 ? direct_fd (ts, (int) o->file) : ts->fd[o->file];
  int64_t r = ret (pwrite (fd, buf, (size_t) o->len, o->off));
  free (buf);
  return r;
}

static int64_t
op_splice (TaskState *ts, const GuestOp *o)
{
  loff_t off = o->off;
  int64_t done = 0;
  while (done < o->len)
    {
      ssize_t n = splice (ts->fd[o->file], &off, pipes[o->pipe][1], NULL,
                          (size_t) (o->len - done), SPLICE_F_NONBLOCK);
      if (n < 0)
        return done ? done : -errno;
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

/* Reading a pipe empty releases its buffers' page references, whichever
 * process still has the pipe open. */
static int64_t
op_close_pipe (const GuestOp *o)
{
  unsigned char buf[PAGE];
  int64_t total = 0;
  for (;;)
    {
      ssize_t r = read (pipes[o->pipe][0], buf, sizeof buf);
      if (r <= 0)
        break;
      total += r;
    }
  return total;
}

/* Anonymous memory that leaves the zone's free pages at the same place
 * between its min and low watermarks as the model's allocation does
 * (`level`, per mille of low - min above min; conform-script.c). */
static int64_t
op_allocate (TaskState *ts, const GuestOp *o)
{
  char *zi = slurp ("/proc/zoneinfo", NULL);
  char *z = strstr (zi, "zone   Normal");
  long long nfree = -1, wmin = -1, wlow = -1;
  if (z)
    {
      char *p;
      if ((p = strstr (z, "pages free")))
        nfree = strtoll (p + 10, NULL, 10);
      if ((p = strstr (z, "\n        min")))
        wmin = strtoll (p + 13, NULL, 10);
      if ((p = strstr (z, "\n        low")))
        wlow = strtoll (p + 13, NULL, 10);
    }
  free (zi);
  if (nfree < 0 || wmin < 0 || wlow < 0)
    die ("allocate: cannot read the Normal zone in /proc/zoneinfo");
  long long target = wmin + (o->level > 0 ? o->level : 0) * (wlow - wmin) / 1000;
  long long pages = nfree - target;
  if (pages <= 0)
    return 0;
  int64_t len = pages * PAGE;
  char *p = mmap (NULL, (size_t) len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return -errno;
  for (int64_t i = 0; i < len; i += PAGE)
    p[i] = 1;
  ts->region_addr[o->region] = p;
  ts->region_len[o->region] = len;
  return pages;
}

/* Loads (every byte, through a volatile pointer: a copy into a buffer that
 * is then freed would be optimised away) or stores through a mapping.  A
 * load or store past EOF raises SIGBUS: the op fails with -EFAULT. */
static __attribute__ ((noinline)) int64_t
map_access (TaskState *ts, const GuestOp *o, int store)
{
  volatile unsigned char *p = (volatile unsigned char *) ts->map_addr[o->map] + o->off;
  if (sigsetjmp (bus_jmp, 1) != 0)
    {
      bus_armed = 0;
      return -EFAULT;
    }
  bus_armed = 1;
  if (store)
    {
      const unsigned char *src = blob_at (o->data, o->len);
      for (int64_t i = 0; i < o->len; i++)
        p[i] = src[i];
    }
  else
    {
      unsigned char sum = 0;
      for (int64_t i = 0; i < o->len; i++)
        sum ^= p[i];
      load_sink = sum;
    }
  bus_armed = 0;
  return o->len;
}

static int64_t
run_op (TaskState *ts, const GuestOp *o)
{
  const char *k = o->kind;
  int fd = o->file >= 0 ? ts->fd[o->file] : -1;
  if (strcmp (k, "verify") == 0)
    {
      /* a read through the page cache; len 0: to the end of the file */
      GuestOp v = *o;
      struct stat st;
      if (v.len <= 0 && fstat (fd, &st) == 0)
        v.len = st.st_size > v.off ? st.st_size - v.off : 0;
      return v.len > 0 ? op_read (ts, &v) : 0;
    }
  if (strcmp (k, "read") == 0)
    return op_read (ts, o);
  if (strcmp (k, "write") == 0)
    return op_write (ts, o);
  if (strcmp (k, "mmap") == 0)
    {
      void *p = mmap (NULL, (size_t) o->len, PROT_READ | PROT_WRITE,
                      o->priv > 0 ? MAP_PRIVATE : MAP_SHARED, fd, o->off);
      if (p == MAP_FAILED)
        return -errno;
      ts->map_addr[o->map] = p;
      ts->map_len[o->map] = o->len;
      return 0;
    }
  if (strcmp (k, "mread") == 0 || strcmp (k, "mwrite") == 0)
    return map_access (ts, o, k[1] == 'w');
  if (strcmp (k, "msync") == 0)
    return ret (msync (ts->map_addr[o->map], (size_t) ts->map_len[o->map],
                       o->sync == 0 ? MS_ASYNC : MS_SYNC));
  if (strcmp (k, "munmap") == 0)
    return ret (munmap (ts->map_addr[o->map], (size_t) ts->map_len[o->map]));
  if (strcmp (k, "fsync") == 0)
    return ret (fsync (fd));
  if (strcmp (k, "fdatasync") == 0)
    return ret (fdatasync (fd));
  if (strcmp (k, "sync") == 0)
    {
      sync ();
      return 0;
    }
  if (strcmp (k, "sync_file_range") == 0)
    return ret (sync_file_range (fd, o->off, o->len, SYNC_FILE_RANGE_WRITE));
  if (strcmp (k, "truncate") == 0)
    return ret (ftruncate (fd, o->size));
  if (strcmp (k, "fallocate") == 0)
    return ret (fallocate (fd, o->keep > 0 ? FALLOC_FL_KEEP_SIZE : 0, o->off, o->len));
  if (strcmp (k, "punch_hole") == 0)
    return ret (fallocate (fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, o->off, o->len));
  if (strcmp (k, "zero_range") == 0)
    return ret (fallocate (fd, FALLOC_FL_ZERO_RANGE | (o->keep > 0 ? FALLOC_FL_KEEP_SIZE : 0),
                           o->off, o->len));
  if (strcmp (k, "collapse_range") == 0)
    return ret (fallocate (fd, FALLOC_FL_COLLAPSE_RANGE, o->off, o->len));
  if (strcmp (k, "insert_range") == 0)
    return ret (fallocate (fd, FALLOC_FL_INSERT_RANGE, o->off, o->len));
  if (strcmp (k, "copy_range") == 0)
    {
      loff_t src = o->src, dst = o->dst;
      return ret (copy_file_range (fd, &src, fd, &dst, (size_t) o->len, 0));
    }
  if (strcmp (k, "fadvise") == 0)
    {
      int e = posix_fadvise (fd, o->off, o->len,
                             o->advice == 1 ? POSIX_FADV_WILLNEED : POSIX_FADV_DONTNEED);
      return -e;
    }
  if (strcmp (k, "drop_caches") == 0)
    {
      drop_caches ((int) o->mode);
      return 0;
    }
  if (strcmp (k, "splice") == 0)
    return op_splice (ts, o);
  if (strcmp (k, "close_pipe") == 0)
    return op_close_pipe (o);
  if (strcmp (k, "allocate") == 0)
    return op_allocate (ts, o);
  if (strcmp (k, "free") == 0)
    {
      if (ts->region_addr[o->region] == NULL)
        return 0;
      int64_t r = ret (munmap (ts->region_addr[o->region], (size_t) ts->region_len[o->region]));
      ts->region_addr[o->region] = NULL;
      return r;
    }
  if (strcmp (k, "sleep") == 0)
    {
      sleep_for (o->dur);
      return 0;
    }
  die ("script: operation '%s' is not runnable in the guest", k);
  return -1;
}

static void
run_task (int task)
{
  static TaskState ts;
  memset (&ts, 0, sizeof ts);
  struct sigaction sa = { .sa_handler = on_sigbus };
  sigemptyset (&sa.sa_mask);
  sigaction (SIGBUS, &sa, NULL);
  for (int i = 0; i < nfiles; i++)
    {
      ts.fd[i] = open_file (i, O_RDWR);
      ts.dfd[i] = -1;
    }
  if (pipe (ts.hold_pipe) != 0)
    die ("pipe: %s", strerror (errno));
  /* for the host's trace import: who this task is, where time 0 lies on
   * CLOCK_MONOTONIC (= trace_clock mono), the files' inode numbers */
  ts.log_cap = 65536;
  ts.log = malloc (ts.log_cap);
  if (ts.log == NULL)
    die ("op log: out of memory");
  log_printf (&ts, "task %d pid %d t0 %lld\n", task, (int) getpid (), (long long) t0);
  for (int i = 0; task == 0 && i < nfiles; i++)
    {
      struct stat st;
      if (fstat (ts.fd[i], &st) == 0)
        log_printf (&ts, "inode %d %llu\n", i, (unsigned long long) st.st_ino);
    }
  int64_t prev_end = t0;
  for (int i = 0; i < nops; i++)
    {
      const GuestOp *o = &ops[i];
      if (o->task != task)
        continue;
      sleep_until (o->at >= 0 ? t0 + o->at : prev_end + (o->after > 0 ? o->after : 0));
      int64_t start = now_ns ();
      int64_t r = run_op (&ts, o);
      prev_end = now_ns ();
      log_op (&ts, o, start, prev_end, r);
    }
  char path[900];
  snprintf (path, sizeof path, "%s/task.%d.log", outdir, task);
  write_file (path, ts.log, ts.log_len);
}

/* ---- read-back ---- */

static void
read_back (void)
{
  if (umount (mntdir) != 0)
    die ("umount %s: %s", mntdir, strerror (errno));
  mount_or_die ("/dev/ram0", mntdir, "xfs", NULL);
  for (int i = 0; i < nfiles; i++)
    {
      int fd = open_file (i, O_RDONLY);
      struct stat st;
      if (fstat (fd, &st) != 0)
        die ("stat %s: %s", files[i].path, strerror (errno));
      unsigned char *buf = malloc ((size_t) st.st_size + 1);
      ssize_t got = 0;
      while (got < st.st_size)
        {
          ssize_t n = pread (fd, buf + got, (size_t) (st.st_size - got), got);
          if (n <= 0)
            die ("read back %s: %s", files[i].path, n < 0 ? strerror (errno) : "short");
          got += n;
        }
      close (fd);
      char path[900];
      snprintf (path, sizeof path, "%s/final.%d", outdir, i);
      write_file (path, buf, (size_t) st.st_size);
      free (buf);
    }
  if (umount (mntdir) != 0)
    die ("umount %s: %s", mntdir, strerror (errno));
}

static void
copy_trace (void)
{
  write_text ("/sys/kernel/tracing/tracing_on", "0");
  size_t len;
  char *text = slurp ("/sys/kernel/tracing/trace", &len);
  char path[900];
  snprintf (path, sizeof path, "%s/trace.txt", outdir);
  write_file (path, text, len);
  free (text);
}

int
main (int argc, char **argv)
{
  /* the host passes the work directory as vmemudir=PATH on the kernel
   * command line, which hands unknown name=value words to init as
   * environment (not "conformdir=": UML's `con` option takes every word
   * starting with "con"; and no dot: those are module parameters) */
  const char *dir = getenv ("vmemudir");
  if (dir == NULL && argc > 1)
    dir = argv[1];
  if (dir == NULL)
    {
      fprintf (stderr, "conform-guest: no vmemudir= given\n");
      poweroff ();
    }
  snprintf (workdir, sizeof workdir, "%s", dir);
  snprintf (outdir, sizeof outdir, "%s/out", workdir);
  snprintf (mntdir, sizeof mntdir, "%s/mnt", workdir);
  /* A sleep ends at its exact time: the default 50 us timer slack would
   * stretch every one of them on the virtual clock. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  mount ("proc", "/proc", "proc", 0, NULL);
  mount ("sysfs", "/sys", "sysfs", 0, NULL);
  if (mount ("none", workdir, "hostfs", 0, workdir) != 0)
    {
      fprintf (stderr, "conform-guest: mount hostfs %s: %s\n", workdir, strerror (errno));
      poweroff ();
    }
  char path[900];
  snprintf (path, sizeof path, "%s/script", workdir);
  parse_script (path);
  snprintf (path, sizeof path, "%s/data.bin", workdir);
  blob = (unsigned char *) slurp (path, &blob_len);
  for (int i = 0; i < MAX_SYMS; i++)
    pipes[i][0] = pipes[i][1] = -1;
  for (int i = 0; i < MAX_SYMS; i++)
    if (pipe_cap[i] > 0)
      {
        if (pipe2 (pipes[i], O_NONBLOCK) != 0)
          die ("pipe: %s", strerror (errno));
        if (pipe_cap[i] > 65536 && fcntl (pipes[i][1], F_SETPIPE_SZ, (int) pipe_cap[i]) < 0)
          die ("F_SETPIPE_SZ %lld: %s", (long long) pipe_cap[i], strerror (errno));
      }

  load_ramdisk ();
  mount_or_die ("/dev/ram0", mntdir, "xfs", NULL);
  for (int i = 0; i < nsysctls; i++)
    set_sysctl (sysctls[i][0], sysctls[i][1]);
  create_files ();
  if (tracing)
    trace_setup ();
  prime_files ();

  /* Every task is forked first and waits on a pipe for t0, which lies 1 ms
   * ahead of the moment the last fork returned: however long the forks took
   * on the virtual clock, all tasks are asleep at t0. */
  pid_t pids[MAX_TASKS];
  int go[MAX_TASKS][2];
  for (int t = 0; t < ntasks; t++)
    {
      if (pipe (go[t]) != 0)
        die ("pipe: %s", strerror (errno));
      pids[t] = fork ();
      if (pids[t] < 0)
        die ("fork: %s", strerror (errno));
      if (pids[t] == 0)
        {
          close (go[t][1]);
          if (read (go[t][0], &t0, sizeof t0) != (ssize_t) sizeof t0)
            die ("task %d: no start time", t);
          run_task (t);
          _exit (0);
        }
      close (go[t][0]);
    }
  /* hrtimers run in low resolution until the first tick switches them
   * (hrtimer_run_queues); a sleep before that ends on the tick.  Sleep past
   * two ticks (HZ=100) first. */
  sleep_for (20000000);
  t0 = now_ns () + 1000000;
  if (tracing)
    write_text ("/sys/kernel/tracing/tracing_on", "1");
  for (int t = 0; t < ntasks; t++)
    if (write (go[t][1], &t0, sizeof t0) != (ssize_t) sizeof t0)
      die ("start task %d: %s", t, strerror (errno));
  int bad = 0;
  for (int t = 0; t < ntasks; t++)
    {
      int status;
      if (waitpid (pids[t], &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        bad = 1;
    }
  int64_t end = now_ns ();
  sync ();
  if (tracing)
    copy_trace ();
  read_back ();
  char done[128];
  snprintf (done, sizeof done, "ok tasks=%s end=%lld\n", bad ? "failed" : "ok",
            (long long) (end - t0));
  snprintf (path, sizeof path, "%s/done", outdir);
  write_text (path, done);
  poweroff ();
  return 0;
}
