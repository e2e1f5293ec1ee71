/* oracle.c — the expected content of every file, as a correct kernel would
 * show it, updated when each user operation takes effect; the byte-for-byte
 * comparison behind every read and verification; and the bytes writes store.
 *
 * Loss is only ever detected by reading real bytes back and comparing them
 * with this oracle, never inferred from page flags.
 */
#include "engine/model/model-private.h"

#include <string.h>

#include "engine/fsx/fsx.h"


static void
ensure_len (GByteArray *a, guint64 len)
{
  if (a->len < len)
    {
      guint old = a->len;
      g_byte_array_set_size (a, (guint) len);
      memset (a->data + old, 0, len - old);
    }
}

/* Stamp the pages of [off, off+len) with a new oracle generation: a read
 * that began before this change may legitimately return either version. */
static void
stamp (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len)
{
  if (len == 0)
    return;
  guint64 first = off >> m->page_shift, last = (off + len - 1) >> m->page_shift;
  if (last >= ino->page_gen->len)
    g_array_set_size (ino->page_gen, (guint) last + 1);
  m->oracle_gen++;
  for (guint64 i = first; i <= last; i++)
    g_array_index (ino->page_gen, guint32, i) = m->oracle_gen;
}

/* Bytes changed since they were fsync'd are no longer promised to survive a
 * power cut as they were. */
static void
forget_durable (VmemuInode *ino, guint64 off, guint64 len)
{
  if (off >= ino->durable_known->len)
    return;
  len = MIN (len, ino->durable_known->len - off);
  memset (ino->durable_known->data + off, 0, len);
}

void
vm_oracle_write (VmemuMachine *m, VmemuInode *ino, guint64 off, const guint8 *buf, guint64 len)
{
  ensure_len (ino->expected, off + len);
  memcpy (ino->expected->data + off, buf, len);
  forget_durable (ino, off, len);
  stamp (m, ino, off, len);
}

/* A new size: bytes past it are gone, and read as zero if the file grows. */
void
vm_oracle_set_size (VmemuMachine *m, VmemuInode *ino, guint64 size)
{
  if (size < ino->expected->len)
    {
      forget_durable (ino, size, ino->expected->len - size);
      stamp (m, ino, size, ino->expected->len - size);
      g_byte_array_set_size (ino->expected, (guint) size);
    }
  else
    {
      stamp (m, ino, ino->expected->len, size - ino->expected->len);
      ensure_len (ino->expected, size);
    }
  ino->durable_size_known = FALSE;
}

void
vm_oracle_zero (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len)
{
  if (off >= ino->expected->len)
    return;
  len = MIN (len, ino->expected->len - off);
  memset (ino->expected->data + off, 0, len);
  forget_durable (ino, off, len);
  stamp (m, ino, off, len);
}

/* Compare found bytes with the oracle at [off, off+len), accumulating the
 * first bad run and the total into the op's state. */
/* Per-byte scan of [off, off+len): the first bad run and the total. */
static void
compare_slow (VmOpState *st, VmemuInode *ino, guint64 off, const guint8 *found, guint64 len)
{
  for (guint64 i = 0; i < len; i++)
    {
      guint64 o = off + i;
      guint8 want = o < ino->expected->len ? ino->expected->data[o] : 0;
      guint8 got = found ? found[i] : 0;
      if (want == got)
        {
          if (st->bad)
            st->nexp = 1;   /* the first bad run has ended */
          continue;
        }
      st->bad_total++;
      st->bad_last = o;
      if (!st->bad)
        {
          st->bad = TRUE;
          st->bad_off = o;
          st->bad_len = 0;
          st->nexp = 0;
          for (guint k = 0; k < 16; k++)
            st->got[k] = found && i + k < len ? found[i + k] : 0;
        }
      if (st->nexp == 0)
        st->bad_len++;
    }
}

static gboolean
all_zero (const guint8 *p, guint64 len)
{
  static const guint8 zeros[4096];
  while (len > 0)
    {
      guint64 n = MIN (len, sizeof zeros);
      if (memcmp (p, zeros, n) != 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

/* Compare found bytes (NULL: a zero page) with the oracle at [off, off+len),
 * accumulating the first bad run and the total into the op's state.  The
 * common all-equal case is a memcmp. */
void
vm_oracle_compare (VmemuMachine *m, VmOpState *st, VmemuInode *ino, guint64 off,
                   const guint8 *found, guint64 len)
{
  st->checked = TRUE;
  /* A page another task changed while this op ran (a read racing a write or
   * a truncate, as generic_file_buffered_read can) may hold either version:
   * only the unchanged pages are held to the oracle. */
  if (len > 0)
    {
      guint64 first = off >> m->page_shift, last = (off + len - 1) >> m->page_shift;
      for (guint64 i = first; i <= last && i < ino->page_gen->len; i++)
        if (g_array_index (ino->page_gen, guint32, i) > st->gen_start)
          {
            guint64 ps = i << m->page_shift, pe = ps + m->page_size;
            guint64 cs = MAX (ps, off), ce = MIN (pe, off + len);
            if (cs > off)
              vm_oracle_compare (m, st, ino, off, found, cs - off);
            if (ce < off + len)
              vm_oracle_compare (m, st, ino, ce, found ? found + (ce - off) : NULL,
                                 off + len - ce);
            return;
          }
    }
  guint64 have = off < ino->expected->len ? MIN (len, ino->expected->len - off) : 0;
  const guint8 *want = have ? ino->expected->data + off : NULL;
  gboolean equal;
  if (found)
    equal = (have == 0 || memcmp (found, want, have) == 0) && all_zero (found + have, len - have);
  else
    equal = have == 0 || all_zero (want, have);
  if (equal)
    {
      if (st->bad)
        st->nexp = 1;
      return;
    }
  compare_slow (st, ino, off, found, len);
}

static char *
hex (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 n, gboolean expected,
     const guint8 *found_at_off)
{
  GString *s = g_string_new (NULL);
  for (guint64 i = 0; i < n; i++)
    {
      guint8 b = expected ? (off + i < ino->expected->len ? ino->expected->data[off + i] : 0)
                          : found_at_off[i];
      g_string_append_printf (s, "%02x", b);
    }
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
  guint64 size = ino->expected->len;
  ensure_len (ino->durable, size);
  ensure_len (ino->durable_known, size);
  guint64 e = MIN (end, size);
  if (start < e)
    {
      memcpy (ino->durable->data + start, ino->expected->data + start, e - start);
      memset (ino->durable_known->data + start, 1, e - start);
    }
  ino->durable_size = size;
  ino->durable_size_known = TRUE;
}

/* The bytes a write or mwrite stores at file offset file_off. */
void
vm_data_fill (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 file_off, guint8 *buf,
              gsize len)
{
  switch (op->data)
    {
    case VMEMU_DATA_VALUE:
      memset (buf, op->value, len);
      break;
    case VMEMU_DATA_FSX:
      vmemu_fsx_pattern_fill (m->fsx, op->fsx_opnum, file_off, buf, len);
      break;
    default:
      {
        /* A seeded pattern, unique per run, task and operation: byte o of
         * the file is byte (o % 8) of mix64(key + o / 8), so the bytes do not
         * depend on how the write is cut into pages. */
        guint64 key = vmemu_mix64 (m->seed ^ ((guint64) a->id << 48) ^ ((guint64) a->op_i << 20)
                                   ^ 0x9e3779b97f4a7c15ull);
        gsize i = 0;
        while (i < len)
          {
            guint64 o = file_off + i;
            guint64 w = vmemu_mix64 (key + (o >> 3));
            if ((o & 7) == 0 && len - i >= 8)
              {
                guint64 le = GUINT64_TO_LE (w);   /* same bytes on any host */
                memcpy (buf + i, &le, 8);
                i += 8;
                continue;
              }
            for (guint b = (guint) (o & 7); b < 8 && i < len; b++, i++)
              buf[i] = (guint8) (w >> (8 * b));
          }
      }
    }
}
