/* oracle.c — the expected content of every file, as a correct kernel would
 * show it, updated when each user operation takes effect; the byte-for-byte
 * comparison behind every read and verification; and the bytes writes store.
 *
 * Contents are held by reference (engine/content, docs/content.md): the
 * comparison decides on descriptors where they prove the bytes equal and
 * compares bytes everywhere else.  Loss is only ever detected by reading
 * contents back and comparing them with this oracle, never inferred from
 * page flags.
 */
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/oracle.h"

#include <string.h>

/* Stamp the pages of [off, off+len) with a new oracle generation: a read
 * that began before this change may legitimately return either version. */
static void
stamp (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len)
{
  if (len == 0)
    return;
  guint64 first = off >> m->page_shift, last = (off + len - 1) >> m->page_shift;
  m->oracle_gen++;
  vm_bmap_set (ino->page_gen, first, last - first + 1, m->oracle_gen);
}

/* A generation is the same for every page of a stamp: step 0. */
static guint64
gen_step (guint64 v)
{
  (void) v;
  return 0;
}

VmBmap *
vm_oracle_page_gen_new (void)
{
  return vm_bmap_new (gen_step);
}

/* The first stamped run of pages overlapping [*p, end): [*p, *stop) and its
 * generation (a stamp may come back cut at a segment boundary, which the
 * walk below treats the same as one run). */
static gboolean
gen_next (const VmBmap *b, guint64 *p, guint64 *stop, guint64 end, guint64 *gen)
{
  guint64 k = *p, len;
  if (k >= end || !vm_bmap_next (b, &k, &len, gen) || k >= end)
    return FALSE;
  *p = k;
  *stop = MIN (end, k + len);
  return TRUE;
}

/* Bytes changed since they were fsync'd are no longer promised to survive a
 * power cut as they were. */
static void
forget_durable (VmemuInode *ino, guint64 off, guint64 len)
{
  vm_ranges_set (ino->durable_known, off, off + len, 0);
}

void
vm_oracle_fill (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, const VmContentDesc *d)
{
  vmemu_content_fill (ino->expected, off, len, d);
  forget_durable (ino, off, len);
  stamp (m, ino, off, len);
}

void
vm_oracle_copy (VmemuMachine *m, VmemuInode *ino, guint64 off, const VmContent *src, guint64 soff,
                guint64 len)
{
  vmemu_content_copy (ino->expected, off, src, soff, len);
  forget_durable (ino, off, len);
  stamp (m, ino, off, len);
}

/* A new size: bytes past it are gone, and read as zero if the file grows. */
void
vm_oracle_set_size (VmemuMachine *m, VmemuInode *ino, guint64 size)
{
  guint64 old = vmemu_content_size (ino->expected);
  if (size < old)
    {
      forget_durable (ino, size, old - size);
      stamp (m, ino, size, old - size);
    }
  else
    stamp (m, ino, old, size - old);
  vmemu_content_set_size (ino->expected, size);
  ino->durable_size_known = FALSE;
}

void
vm_oracle_zero (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len)
{
  guint64 size = vmemu_content_size (ino->expected);
  if (off >= size)
    return;
  len = MIN (len, size - off);
  vmemu_content_zero (ino->expected, off, len);
  forget_durable (ino, off, len);
  stamp (m, ino, off, len);
}

/* collapse range: the bytes from off + len on move down to off; the last
 * len bytes read as zero (the size does not change here). */
void
vm_oracle_collapse (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, guint64 size)
{
  vm_oracle_set_size (m, ino, size);
  vmemu_content_copy (ino->expected, off, ino->expected, off + len, size - off - len);
  vmemu_content_zero (ino->expected, size - len, len);
}

/* insert range: the file was old bytes long; the bytes from off move up by
 * len and a zero range appears at off. */
void
vm_oracle_insert (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, guint64 old)
{
  if (vmemu_content_size (ino->expected) < old + len)
    vm_oracle_set_size (m, ino, old + len);
  vmemu_content_copy (ino->expected, off + len, ino->expected, off, old - off);
  vmemu_content_zero (ino->expected, off, len);
}

/* The oracle's bytes of [off, off+len) (zero past its size) into buf. */
void
vm_oracle_read (VmemuInode *ino, guint64 off, guint64 len, guint8 *buf)
{
  vmemu_content_read (ino->expected, off, len, buf);
}

/* The per-byte scan of [pos, pos+n) of a run of len bytes held to the
 * oracle at off (found at foff): the first bad run and the total.  Only the
 * stretches whose descriptors differ come here, a chunk of bytes at a time;
 * an equal byte ends the first bad run. */
#define CMP_CHUNK 4096u
static void
compare_bytes (VmOpState *st, VmemuInode *ino, guint64 off, const VmContent *found, guint64 foff,
               guint64 len, guint64 pos, guint64 n)
{
  guint8 want[CMP_CHUNK], got[CMP_CHUNK];
  for (guint64 base = pos; base < pos + n; base += CMP_CHUNK)
    {
      guint64 k = MIN (CMP_CHUNK, pos + n - base);
      vmemu_content_read (ino->expected, off + base, k, want);
      vmemu_content_read (found, foff + base, k, got);
      for (guint64 j = 0; j < k; j++)
        {
          guint64 i = base + j;
          if (want[j] == got[j])
            {
              if (st->bad)
                st->nexp = 1;   /* the first bad run has ended */
              continue;
            }
          st->bad_total++;
          st->bad_last = off + i;
          if (!st->bad)
            {
              st->bad = TRUE;
              st->bad_off = off + i;
              st->bad_len = 0;
              st->nexp = 0;
              /* the found bytes from here, zero past the run */
              memset (st->got, 0, sizeof st->got);
              vmemu_content_read (found, foff + i, MIN (sizeof st->got, len - i), st->got);
            }
          if (st->nexp == 0)
            st->bad_len++;
        }
    }
}

/* One run of pages held to the oracle: descriptors decide where they prove
 * the bytes equal (the common case: the page and the oracle got their runs
 * from the same write, and nothing is materialised); bytes are compared
 * where they differ, since different runs may hold equal bytes. */
static void
compare_run (VmOpState *st, VmemuInode *ino, guint64 off, const VmContent *found, guint64 foff,
             guint64 len)
{
  guint64 pos = 0, n, done = 0;
  while (vmemu_content_diff_next (ino->expected, off, found, foff, len, &pos, &n))
    {
      if (pos > done && st->bad)
        st->nexp = 1;   /* equal bytes before this stretch end the first bad run */
      compare_bytes (st, ino, off, found, foff, len, pos, n);
      pos += n;
      done = pos;
    }
  if ((done < len || len == 0) && st->bad)
    st->nexp = 1;
}

/* Compare found's [foff, foff+len) (NULL: a zero page) with the oracle at
 * [off, off+len), accumulating the first bad run and the total into the op's
 * state. */
void
vm_oracle_compare (VmemuMachine *m, VmOpState *st, VmemuInode *ino, guint64 off,
                   const VmContent *found, guint64 foff, guint64 len)
{
  st->checked = TRUE;
  if (len == 0)
    {
      compare_run (st, ino, off, found, foff, len);
      return;
    }
  /* A page another task changed while this op ran (a read racing a write or
   * a truncate, as generic_file_buffered_read can) may hold either version:
   * only the unchanged pages are held to the oracle, each maximal run of
   * them compared as one range. */
  if (m->oracle_gen <= st->gen_start)
    {
      /* nothing changed since the op began (the common case): every page
       * is held to the oracle, as the walk below would find */
      compare_run (st, ino, off, found, foff, len);
      return;
    }
  guint64 first = off >> m->page_shift, last = (off + len - 1) >> m->page_shift;
  guint64 run = off;   /* start of the current run of unchanged bytes */
  guint64 p = first, stop;
  guint64 gen;
  while (gen_next (ino->page_gen, &p, &stop, last + 1, &gen))
    {
      if (gen <= st->gen_start)
        {
          p = stop;
          continue;
        }
      /* pages [p, stop) changed: skip them */
      guint64 cs = MAX (p << m->page_shift, off);
      if (cs > run)
        compare_run (st, ino, run, found, foff + (run - off), cs - run);
      run = MIN (stop << m->page_shift, off + len);
      p = stop;
    }
  if (run < off + len)
    compare_run (st, ino, run, found, foff + (run - off), off + len - run);
}

static char *
hex (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 n, gboolean expected,
     const guint8 *found_at_off)
{
  GString *s = g_string_new (NULL);
  guint8 want[16];
  if (expected)
    vmemu_content_read (ino->expected, off, MIN (n, sizeof want), want);
  for (guint64 i = 0; i < n; i++)
    g_string_append_printf (s, "%02x", expected ? want[i] : found_at_off[i]);
  return g_string_free (s, FALSE);
}

/* Record the result of one checked range: a verification row, and for a
 * mismatch a loss in the run result and a vmemu_data_loss event. */
void
vm_oracle_report (VmemuMachine *m, VmemuActor *a, VmOpState *st, VmemuInode *ino,
                  const char *kind, guint64 off, guint64 len)
{
  if (!st->checked)
    return;
  m->result.verifications++;
  g_autofree char *exp_hex = NULL, *got_hex = NULL;
  if (st->bad)
    {
      guint64 n = MIN (st->bad_len, 16);
      exp_hex = hex (m, ino, st->bad_off, n, TRUE, NULL);
      got_hex = hex (m, ino, 0, n, FALSE, st->got);
    }
  VmemuTraceVerify v = {
    .time_ns = vm_now (m), .task = a ? a->id : -1, .kind = kind, .ino = ino->ino,
    .path = ino->path, .offset_bytes = off, .length_bytes = len, .ok = !st->bad,
    .bad_offset_bytes = st->bad_off, .bad_length_bytes = st->bad_len,
    .bad_total_bytes = st->bad_total, .expected_hex = exp_hex, .found_hex = got_hex,
  };
  vmemu_trace_verify (m->trace, &v);
  vm_trace_inode (m, VMEMU_EV_VERIFY, ino, (gint64) off, (gint64) len, !st->bad, 0, kind);
  if (st->bad)
    {
      m->result.verify_failed++;
      VmemuLoss *l = g_new0 (VmemuLoss, 1);
      l->path = g_strdup (ino->path);
      l->kind = g_strdup (kind);
      l->task = g_strdup (a ? a->name : "final");
      l->time_ns = vm_now (m);
      l->offset_bytes = st->bad_off;
      l->length_bytes = st->bad_len;
      l->total_bytes = st->bad_total;
      l->span_bytes = st->bad_last - st->bad_off + 1;
      l->expected_hex = g_steal_pointer (&exp_hex);
      l->found_hex = g_steal_pointer (&got_hex);
      g_ptr_array_add (m->result.losses, l);
      g_autofree char *d = g_strdup_printf ("%s: %s offset %" G_GUINT64_FORMAT " length %"
                                            G_GUINT64_FORMAT " differs from what was written",
                                            kind, ino->path, st->bad_off, st->bad_len);
      vm_trace_inode (m, VMEMU_EV_DATA_LOSS, ino, (gint64) st->bad_off, (gint64) st->bad_len,
                      (gint64) st->bad_total, 0, d);
    }
  st->checked = st->bad = FALSE;
  st->bad_off = st->bad_len = st->bad_total = st->bad_last = 0;
  st->nexp = 0;
}

/* Power-cut bookkeeping: after fsync, the synced range is what must survive. */
void
vm_oracle_make_durable (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end)
{
  if (!m->track_durable)
    return;   /* no power cut in this scenario: nobody asks what was durable */
  guint64 size = vmemu_content_size (ino->expected);
  if (vmemu_content_size (ino->durable) < size)
    vmemu_content_set_size (ino->durable, size);
  guint64 e = MIN (end, size);
  if (start < e)
    {
      vmemu_content_copy (ino->durable, start, ino->expected, start, e - start);
      vm_ranges_set (ino->durable_known, start, e, 1);
    }
  ino->durable_size = size;
  ino->durable_size_known = TRUE;
}

/* The bytes a write or mwrite stores from file offset file_off on, as a
 * run: a value byte, fsx's data pattern, or a seeded pattern unique per run,
 * task and operation (byte o of the file is byte (o % 8) of mix64 (key + o /
 * 8), so the bytes do not depend on how the write is cut into pages). */
VmContentDesc
vm_data_desc (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 file_off)
{
  switch (op->data)
    {
    case VMEMU_DATA_VALUE:
      return vmemu_content_desc_byte (op->value);
    case VMEMU_DATA_FSX:
      return vmemu_content_desc_fsx (m->fsx, op->fsx_opnum, file_off);
    default:
      {
        guint64 key = vmemu_mix64 (m->seed ^ ((guint64) a->id << 48) ^ ((guint64) a->op_i << 20)
                                   ^ 0x9e3779b97f4a7c15ull);
        return vmemu_content_desc_mix64 (key, file_off);
      }
    }
}
