/* iomap.c — fs/iomap/buffered-io.c of Linux 5.8: the iomap_page and its
 * per-block uptodate bitmap, readpage/readahead, write_begin/write_end,
 * page_mkwrite, writepage_map, releasepage and invalidatepage.
 *
 * The iomap_page is embedded in VmemuPage; PG_private says it exists and the
 * IOP reference in the ledger stands for attach_page_private's get_page.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/iomap.h"
#include "engine/model/xfs.h"
#include "engine/model/folio.h"

#include <string.h>

/* ---- the bitmap ---- */

gboolean
vm_iop_test (VmemuMachine *m, const VmemuPage *p, guint blk)
{
  return (vm_page_iop_bits_peek (m, p)[blk >> 6] >> (blk & 63)) & 1;
}

static void
iop_set (VmemuMachine *m, VmemuPage *p, guint blk)
{
  vm_page_iop_bits (m, p)[blk >> 6] |= G_GUINT64_CONSTANT (1) << (blk & 63);
}

guint64
vm_iop_bits_value (VmemuMachine *m, const VmemuPage *p)
{
  return vm_page_iop_bits_peek (m, p)[0];
}

gboolean
vm_iop_full (VmemuMachine *m, const VmemuPage *p)
{
  for (guint b = 0; b < m->blocks_per_page; b++)
    if (!vm_iop_test (m, p, b))
      return FALSE;
  return TRUE;
}

static void
iop_fill (VmemuMachine *m, VmemuPage *p)
{
  for (guint b = 0; b < m->blocks_per_page; b++)
    iop_set (m, p, b);
}

/* "bits=1100": block 0 first. */
static char *
bits_detail (VmemuMachine *m, const VmemuPage *p, const char *prefix)
{
  if (m->trace == NULL)
    return NULL;   /* nobody reads it: keep the untraced run allocation-free */
  GString *s = g_string_new (prefix);
  g_string_append (s, "bits=");
  for (guint b = 0; b < m->blocks_per_page; b++)
    g_string_append_c (s, vm_iop_test (m, p, b) ? '1' : '0');
  return g_string_free (s, FALSE);
}

static const char *const caller_names[] = {
  "iomap_readpage_actor", "__iomap_write_begin", "iomap_page_mkwrite_actor",
  "iomap_writepage_map", "setup",
};

/* kzalloc of the iomap_page: every bit clear (fs-ops.h). */
void
vm_iop_init (VmemuMachine *m, VmemuPage *p)
{
  vm_page_iop_clear (m, p);
  p->iop_read_count = 0;
  p->iop_write_count = 0;
}

/* bitmap_fill over the page's blocks (fs-ops.h). */
void
vm_iop_set_all (VmemuMachine *m, VmemuPage *p)
{
  iop_fill (m, p);
}

/* attach_page_private: PG_private and the page reference, then the
 * iomap_page_create event (fs-ops.h). */
void
vm_iop_attach (VmemuMachine *m, VmemuPage *p, int caller)
{
  guint32 before = p->flags;
  gboolean uptodate = (p->flags & VMEMU_PG_UPTODATE) != 0;
  p->flags |= VMEMU_PG_PRIVATE;
  vm_get_page (m, p, VMEMU_REF_IOP);
  g_autofree char *d = bits_detail (m, p, "");
  g_autofree char *detail = d ? g_strdup_printf ("%s caller=%s%s", d, caller_names[caller],
                                                 uptodate && vm_iop_bits_value (m, p) == 0
                                                     ? " (uptodate page, empty bitmap)" : "")
                              : NULL;
  vm_trace_page (m, VMEMU_EV_IOP_CREATE, p, before, uptodate, (gint64) vm_iop_bits_value (m, p),
                 m->blocks_per_page, caller, detail);
}

/* iomap_page_create: in 5.8 the bitmap starts all clear, whatever the page's
 * PG_uptodate says (the bug).  The fix (4595a298d556) fills it for an
 * uptodate page; mkwrite-create-fill fills only when the page_mkwrite actor
 * is the creator.  The scenario's set-up (not kernel code) fills it too.
 * Reached through m->fs_ops->iomap.page_create: a variant may replace it. */
void
vm_iomap_page_create (VmemuMachine *m, VmemuPage *p, int caller)
{
  if ((p->flags & VMEMU_PG_PRIVATE) || m->blocks_per_page == 1)
    return;
  vm_iop_init (m, p);
  gboolean uptodate = (p->flags & VMEMU_PG_UPTODATE) != 0;
  if (uptodate && (vmemu_variant_has (m->variant, VMEMU_SW_IOP_CREATE_FILL)
                   || (caller == VM_IOP_CALLER_MKWRITE
                       && vmemu_variant_has (m->variant, VMEMU_SW_MKWRITE_CREATE_FILL))
                   || caller == VM_IOP_CALLER_SETUP))
    vm_iop_set_all (m, p);
  vm_iop_attach (m, p, caller);
}

/* iomap_page_release via detach_page_private. */
void
vm_iomap_page_release (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_PRIVATE))
    return;
  guint32 before = p->flags;
  g_autofree char *detail = bits_detail (m, p, "");
  gint64 bits = (gint64) vm_iop_bits_value (m, p);
  p->flags &= ~VMEMU_PG_PRIVATE;
  vm_page_iop_clear (m, p);
  vm_put_page (m, p, VMEMU_REF_IOP);   /* never the last: the caller holds one */
  vm_trace_page (m, VMEMU_EV_IOP_RELEASE, p, before, bits, m->blocks_per_page, 0, 0, detail);
}

/* iomap_set_range_uptodate: a page with PG_error set is left alone (5.8);
 * with an iop every block the range touches gets its bit and PG_uptodate
 * follows a full bitmap; without one the whole page becomes uptodate. */
void
vm_iomap_set_range_uptodate (VmemuMachine *m, VmemuPage *p, guint off, guint len)
{
  if (len == 0)
    return;
  guint32 before = p->flags;
  if (p->flags & VMEMU_PG_ERROR)
    {
      vm_trace_page (m, VMEMU_EV_IOP_SET_UPTODATE, p, before, off, len,
                     (gint64) vm_iop_bits_value (m, p), 0, "PG_error set: nothing marked");
      return;
    }
  if (p->flags & VMEMU_PG_PRIVATE)
    {
      for (guint b = off >> m->blkbits; b <= (off + len - 1) >> m->blkbits; b++)
        iop_set (m, p, b);
      if (vm_iop_full (m, p))
        p->flags |= VMEMU_PG_UPTODATE;
    }
  else
    p->flags |= VMEMU_PG_UPTODATE;
  g_autofree char *d = (p->flags & VMEMU_PG_PRIVATE) ? bits_detail (m, p, "") : NULL;
  vm_trace_page (m, VMEMU_EV_IOP_SET_UPTODATE, p, before, off, len,
                 (gint64) vm_iop_bits_value (m, p), 0, d);
}

/* iomap_releasepage: refuses dirty and writeback pages, otherwise frees the
 * iop.  It does not look at PG_uptodate, the mapcount or the refcount. */
int
vm_iomap_releasepage (VmemuMachine *m, VmemuPage *p)
{
  int ok = !(p->flags & (VMEMU_PG_DIRTY | VMEMU_PG_WRITEBACK));
  vm_trace_page (m, VMEMU_EV_IOMAP_RELEASEPAGE, p, p->flags,
                 (gint64) (p->index << m->page_shift), m->page_size, ok, 0, NULL);
  if (ok)
    vm_iomap_page_release (m, p);
  return ok;
}

/* iomap_invalidatepage: only a whole-page invalidation cancels dirty and
 * releases the iop; a partial one keeps every bit. */
void
vm_iomap_invalidatepage (VmemuMachine *m, VmemuPage *p, guint off, guint len)
{
  gboolean whole = off == 0 && len == m->page_size;
  vm_trace_page (m, VMEMU_EV_IOMAP_INVALIDATEPAGE, p, p->flags, off, len, whole, 0, NULL);
  if (!whole && p->folio_order
      && vmemu_variant_has (m->variant, VMEMU_SW_PARTIAL_INVALIDATE_RELEASE))
    {
      /* "iomap: Support THPs in invalidatepage": a partial invalidate of a
       * large folio releases its iomap_page (the folio is then split). */
      vm_split_folio (m, p, TRUE);
      return;
    }
  if (!whole)
    return;
  if (p->flags & VMEMU_PG_DIRTY)
    vm_cancel_dirty_page (m, p);
  vm_iomap_page_release (m, p);
}

gboolean
vm_iomap_is_partially_uptodate (VmemuMachine *m, VmemuPage *p, guint from, guint count)
{
  gboolean ok = FALSE;
  if ((p->flags & VMEMU_PG_PRIVATE) && count > 0)
    {
      ok = TRUE;
      for (guint b = from >> m->blkbits; b <= (from + count - 1) >> m->blkbits; b++)
        ok = ok && vm_iop_test (m, p, b);
    }
  vm_trace_page (m, VMEMU_EV_IOMAP_PARTIALLY_UPTODATE, p, p->flags, from, count, ok, 0, NULL);
  return ok;
}

/* ---- reads ---- */

/* Add one block of a page to the read bio being built, or start a new one
 * when the device blocks are not contiguous (iomap_readpage_actor). */
static void
read_add_block (VmemuMachine *m, VmemuBio **cur, VmemuInode *ino, VmemuPage *p, guint off,
                guint64 pblk, gboolean ra)
{
  VmemuBio *bio = *cur;
  if (bio && (bio->inode != ino || bio->pblk + bio->bytes / m->block_size != pblk))
    {
      vm_submit_bio (m, bio);
      bio = *cur = NULL;
    }
  if (bio == NULL)
    {
      bio = *cur = vm_bio_new (m, VM_BIO_READ_PAGES, ino,
                               pblk, (p->index << m->page_shift) + off);
      bio->readahead = ra;
    }
  VmBioSeg *last = bio->segs->len ? &g_array_index (bio->segs, VmBioSeg, bio->segs->len - 1)
                                  : NULL;
  if (last && last->page == p && last->off + last->len == off)
    {
      last->len += m->block_size;
      bio->bytes += m->block_size;
    }
  else
    {
      vm_bio_add (bio, p, off, m->block_size);
      if (p->flags & VMEMU_PG_PRIVATE)
        p->iop_read_count++;
    }
}

/* iomap_readpage_actor over a whole page: create the iop, zero what needs
 * zeroing (holes, delalloc, unwritten, past EOF) and mark it uptodate, and
 * queue reads of the written blocks whose bits are clear.  Returns whether
 * the page entered a bio. */
static gboolean
readpage_actor (VmemuMachine *m, VmemuBio **cur, VmemuPage *p, gboolean ra)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  gboolean in_bio = FALSE;
  m->fs_ops->iomap.page_create (m, p, VM_IOP_CALLER_READ);
  guint64 page_off = p->index << m->page_shift;
  for (guint b = 0; b < m->blocks_per_page; b++)
    {
      guint off = b << m->blkbits;
      if ((p->flags & VMEMU_PG_PRIVATE) && vm_iop_test (m, p, b))
        continue;
      if (vm_block_needs_zeroing (m, ino, page_off + off))
        {
          if (vm_page_has_content (p))
            {
              vmemu_content_zero (vm_page_content (m, p), off, m->block_size);
              vm_page_content_done (m, p);
            }
          vm_iomap_set_range_uptodate (m, p, off, m->block_size);
          continue;
        }
      read_add_block (m, cur, ino, p, off, vm_blk_get (ino, (page_off + off) >> m->blkbits).pblk,
                      ra);
      in_bio = TRUE;
    }
  return in_bio;
}

/* iomap_readpage: the page is locked and not uptodate; it is unlocked by the
 * read completion, or now when nothing had to be read. */
void
vm_iomap_readpage (VmemuMachine *m, VmemuPage *p)
{
  vm_trace_page (m, VMEMU_EV_IOMAP_READPAGE, p, p->flags, 1, 0, 0, 0, NULL);
  VmemuBio *bio = NULL;
  if (readpage_actor (m, &bio, p, FALSE))
    vm_submit_bio (m, bio);
  else
    vm_unlock_page (m, p);
}

/* iomap_readahead: the pages are new, locked and in the cache already. */
void
vm_iomap_readahead (VmemuMachine *m, VmemuInode *ino, VmemuPage **pages, guint n)
{
  if (n == 0)
    return;
  vm_trace_page (m, VMEMU_EV_IOMAP_READAHEAD, pages[0], pages[0]->flags, n, 0, 0, 0, NULL);
  VmemuBio *bio = NULL;
  for (guint i = 0; i < n; i++)
    if (!readpage_actor (m, &bio, pages[i], TRUE))
      vm_unlock_page (m, pages[i]);
  if (bio)
    vm_submit_bio (m, bio);
}

/* iomap_read_end_io: errors clear PG_uptodate and set PG_error; the page is
 * unlocked when its last segment completes. */
void
vm_read_end_io (VmemuMachine *m, VmemuBio *bio)
{
  if (bio->kind == VM_BIO_READ_SYNC)
    {
      /* iomap_read_page_sync: the data is in the page; 5.8 sets no bits. */
      VmemuActor *a = bio->waiter;
      VmBioSeg *s = &g_array_index (bio->segs, VmBioSeg, 0);
      if (bio->error == 0 && vmemu_variant_has (m->variant, VMEMU_SW_WRITE_BEGIN_UPTODATE))
        vm_iomap_set_range_uptodate (m, s->page, s->off, (guint) bio->bytes);
      if (bio->error)
        a->st.io_error = bio->error;
      a->st.pending_io--;
      vm_actor_wake (m, a);
      return;
    }
  for (guint i = 0; i < bio->segs->len; i++)
    {
      VmBioSeg *s = &g_array_index (bio->segs, VmBioSeg, i);
      VmemuPage *p = s->page;
      if (bio->error)
        {
          guint32 before = p->flags;
          p->flags &= ~VMEMU_PG_UPTODATE;
          p->flags |= VMEMU_PG_ERROR;
          vm_trace_page (m, VMEMU_EV_IOP_SET_UPTODATE, p, before, s->off, s->len,
                         (gint64) vm_iop_bits_value (m, p), 0, "read error: PG_error");
        }
      else
        vm_iomap_set_range_uptodate (m, p, s->off, s->len);
      if (!(p->flags & VMEMU_PG_PRIVATE) || --p->iop_read_count == 0)
        vm_unlock_page (m, p);
    }
}

/* ---- buffered writes ---- */

/* iomap_adjust_read_range over the page: the first run of blocks from *pos
 * whose bits are clear (all of it without an iop), cut where the extent
 * type's need for zeroing changes (iomap_apply clamps to one extent). */
static guint
adjust_read_range (VmemuMachine *m, VmemuPage *p, guint64 *pos, guint64 end)
{
  guint64 page_off = p->index << m->page_shift;
  while (*pos < end && (p->flags & VMEMU_PG_PRIVATE)
         && vm_iop_test (m, p, (guint) ((*pos - page_off) >> m->blkbits)))
    *pos += m->block_size;
  if (*pos >= end)
    return 0;
  gboolean z = vm_block_needs_zeroing (m, vm_page_mapping (m, p), *pos);
  guint64 pb0 = vm_blk_get (vm_page_mapping (m, p), *pos >> m->blkbits).pblk;
  guint64 e = *pos;
  /* ... and where the written blocks stop being contiguous on the device
   * (the extent ends there too): one synchronous read covers one extent. */
  while (e < end && !((p->flags & VMEMU_PG_PRIVATE)
                      && vm_iop_test (m, p, (guint) ((e - page_off) >> m->blkbits)))
         && vm_block_needs_zeroing (m, vm_page_mapping (m, p), e) == z
         && (z || vm_blk_get (vm_page_mapping (m, p), e >> m->blkbits).pblk
                    == pb0 + ((e - *pos) >> m->blkbits)))
    e += m->block_size;
  return (guint) (e - *pos);
}

/* __iomap_write_begin for [pos, pos+len) inside the locked page p.  Blocks
 * the write only partly covers are zeroed (no data on disk) or read
 * synchronously, one run at a time, sleeping while a read is in flight. */
VmStep
vm_iomap_write_begin (VmemuMachine *m, VmemuActor *a, VmemuPage *p, guint64 pos, guint len,
                      int *error)
{
  VmOpState *st = &a->st;
  guint64 page_off = p->index << m->page_shift;
  guint64 block_end = (pos + len + m->block_size - 1) & ~(guint64) (m->block_size - 1);
  guint from = (guint) (pos - page_off), to = from + len;
  *error = 0;
  if (st->pending_io)
    return VM_BLOCKED;
  if (st->blk_pos == 0)
    {
      vm_trace_page (m, VMEMU_EV_IOMAP_WRITE_BEGIN, p, p->flags, (gint64) pos, len, 0, 0, NULL);
      m->fs_ops->iomap.page_create (m, p, VM_IOP_CALLER_WRITE_BEGIN);
      if (p->flags & VMEMU_PG_UPTODATE)
        return VM_DONE;
      /* e6e7ca92623a (5.10, stable 5.8.x/5.9.x): ClearPageError only after
       * "if (PageUptodate(page)) return 0;", so an uptodate page keeps
       * PG_error and iomap_set_range_uptodate still marks nothing on it */
      if (vmemu_variant_has (m->variant, VMEMU_SW_WRITE_BEGIN_CLEAR_ERROR))
        p->flags &= ~VMEMU_PG_ERROR;
      st->blk_pos = (pos & ~(guint64) (m->block_size - 1)) + 1;   /* +1: started */
    }
  if (st->io_error)
    {
      *error = st->io_error;
      st->io_error = 0;
      st->blk_pos = 0;
      return VM_DONE;
    }
  guint64 bs = st->blk_pos - 1;
  while (bs < block_end)
    {
      guint plen = adjust_read_range (m, p, &bs, block_end);
      if (plen == 0)
        break;
      guint poff = (guint) (bs - page_off);
      gboolean from_in = from > poff && from < poff + plen;
      gboolean to_in = to > poff && to < poff + plen;
      if (from_in || to_in)
        {
          if (vm_block_needs_zeroing (m, vm_page_mapping (m, p), bs))
            {
              /* zeroing a page without contents leaves it without */
              if (vm_page_has_content (p))
                {
                  VmContent *c = vm_page_content (m, p);
                  vmemu_content_zero (c, poff, from > poff ? from - poff : 0);
                  if (to < poff + plen)
                    vmemu_content_zero (c, to, poff + plen - to);
                  vm_page_content_done (m, p);
                }
              vm_iomap_set_range_uptodate (m, p, poff, plen);
            }
          else
            {
              /* iomap_read_page_sync: submit and wait. */
              VmemuBio *bio = vm_bio_new (m, VM_BIO_READ_SYNC, vm_page_mapping (m, p),
                                          vm_blk_get (vm_page_mapping (m, p), bs >> m->blkbits).pblk, bs);
              vm_bio_add (bio, p, poff, plen);
              bio->waiter = a;
              st->pending_io++;
              st->blk_pos = bs + plen + 1;
              vm_submit_bio (m, bio);
              return VM_BLOCKED;
            }
        }
      bs += plen;
    }
  st->blk_pos = 0;
  return VM_DONE;
}

/* __iomap_write_end with copied == len: mark the range uptodate (len, not
 * copied) and dirty the page. */
void
vm_iomap_write_end (VmemuMachine *m, VmemuPage *p, guint64 pos, guint len)
{
  guint off = (guint) (pos - (p->index << m->page_shift));
  vm_iomap_set_range_uptodate (m, p, off, len);
  vm_set_page_dirty (m, p);
  vm_trace_page (m, VMEMU_EV_IOMAP_WRITE_END, p, p->flags, (gint64) pos, len, len, 0, NULL);
}

/* ---- page_mkwrite ---- */

/* iomap_page_mkwrite with the page locked by the caller: check it is still
 * this file's and inside EOF, reserve delalloc under holes
 * (xfs_buffered_write_iomap_begin), then the actor: create the iop and dirty
 * the page.  No bit is ever set here in 5.8. */
int
vm_iomap_page_mkwrite (VmemuMachine *m, VmemuPage *p, VmemuInode *ino)
{
  guint64 eof_off;
  guint64 eof_index = vm_eof_index (m, ino, &eof_off);
  if (vm_page_mapping (m, p) != ino || p->index > eof_index || (p->index == eof_index && eof_off == 0))
    return -VMEMU_EFAULT;   /* truncated under us */
  guint64 length = p->index == eof_index ? eof_off : m->page_size;
  guint64 pos = p->index << m->page_shift;
  vm_trace_page (m, VMEMU_EV_IOMAP_PAGE_MKWRITE, p, p->flags, (gint64) length, 0, 0, 0, NULL);
  m->fs_ops->iomap_ops.iomap_begin (m, ino, pos, length);   /* xfs_buffered_write_iomap_begin */
  VmBlk b = vm_blk_get (ino, pos >> m->blkbits);
  static const int iomap_type[] = { VMEMU_IOMAP_HOLE, VMEMU_IOMAP_DELALLOC,
                                    VMEMU_IOMAP_UNWRITTEN, VMEMU_IOMAP_MAPPED };
  vm_trace_page (m, VMEMU_EV_IOMAP_APPLY, p, p->flags, (gint64) pos, (gint64) length,
                 0x09 /* IOMAP_WRITE|IOMAP_FAULT */, VM_IOP_CALLER_MKWRITE,
                 "iomap_page_mkwrite_actor");
  vm_trace_page (m, VMEMU_EV_IOMAP_APPLY_DSTMAP, p, p->flags, (gint64) pos, (gint64) length,
                 iomap_type[b.type], (gint64) (b.pblk << m->blkbits), NULL);
  if (!(p->flags & VMEMU_PG_UPTODATE))
    vm_trace_page (m, VMEMU_EV_IOMAP_PAGE_MKWRITE, p, p->flags, (gint64) length, 0, 0, 0,
                   "WARN_ON_ONCE(!PageUptodate(page))");
  m->fs_ops->iomap.page_mkwrite_actor (m, p);
  return 0;
}

/* iomap_page_mkwrite_actor: create the iop and dirty the page.  The
 * reviewer's alternatives fill the bitmap here (mkwrite_fill) and 5.14
 * (9d70bb7eb395) creates no iop at all (mkwrite_no_iop). */
void
vm_iomap_page_mkwrite_actor (VmemuMachine *m, VmemuPage *p)
{
  if (!vmemu_variant_has (m->variant, VMEMU_SW_MKWRITE_NO_IOP))
    {
      m->fs_ops->iomap.page_create (m, p, VM_IOP_CALLER_MKWRITE);
      if ((p->flags & VMEMU_PG_UPTODATE) && (p->flags & VMEMU_PG_PRIVATE)
          && vmemu_variant_has (m->variant, VMEMU_SW_MKWRITE_FILL) && !vm_iop_full (m, p))
        {
          guint32 before = p->flags;
          iop_fill (m, p);
          g_autofree char *d = bits_detail (m, p, "mkwrite_fill: ");
          vm_trace_page (m, VMEMU_EV_IOP_SET_UPTODATE, p, before, 0, m->page_size,
                         (gint64) vm_iop_bits_value (m, p), 0, d);
        }
    }
  vm_set_page_dirty (m, p);
}

/* ---- writeback ---- */

void
vm_iomap_submit_ioend (VmemuMachine *m, VmemuWbc *wbc)
{
  if (wbc->ioend)
    {
      vm_submit_bio (m, wbc->ioend);
      wbc->ioend = NULL;
    }
}

/* iomap_add_to_ioend: extend the cached ioend when the block continues it on
 * the device and in the file with the same extent type; otherwise submit it
 * and start another. */
static void
add_to_ioend (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p, guint off, guint64 pblk,
              gboolean unwritten)
{
  VmemuBio *io = wbc->ioend;
  guint64 file_off = (p->index << m->page_shift) + off;
  if (io && (io->inode != vm_page_mapping (m, p) || io->unwritten != unwritten
             || io->pblk + io->bytes / m->block_size != pblk
             || io->file_off + io->bytes != file_off || io->bytes >= (1u << 20)))
    {
      vm_iomap_submit_ioend (m, wbc);
      io = NULL;
    }
  if (io == NULL)
    {
      io = wbc->ioend = vm_bio_new (m, VM_BIO_WRITE, vm_page_mapping (m, p), pblk, file_off);
      io->unwritten = unwritten;
    }
  VmBioSeg *last = io->segs->len ? &g_array_index (io->segs, VmBioSeg, io->segs->len - 1) : NULL;
  if (last && last->page == p && last->off + last->len == off)
    {
      last->len += m->block_size;
      io->bytes += m->block_size;
    }
  else
    {
      vm_bio_add (io, p, off, m->block_size);
      if (p->flags & VMEMU_PG_PRIVATE)
        p->iop_write_count++;
    }
}

/* writepage_map's handling of a page without an iop: 5.8 writes every block
 * (nothing to do here); 98fee973806a (5.14) creates the iop, filled when the
 * page is uptodate. */
void
vm_iomap_writepage_map_iop (VmemuMachine *m, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_PRIVATE) && m->blocks_per_page > 1
      && vmemu_variant_has (m->variant, VMEMU_SW_WRITEPAGE_CREATE_IOP))
    m->fs_ops->iomap.page_create (m, p, VM_IOP_CALLER_WRITEPAGE);
}

/* iomap_writepage_map: write the blocks whose bit is set (all of them when
 * there is no iop).  With every bit clear nothing is written and the page
 * goes through writeback with no I/O and no error: the 5.8 data loss. */
static void
writepage_map (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p, guint64 end_offset)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  guint count = 0, skipped = 0;
  m->fs_ops->iomap.writepage_map_iop (m, p);
  gboolean has_iop = (p->flags & VMEMU_PG_PRIVATE) != 0;
  guint64 page_off = p->index << m->page_shift;
  for (guint b = 0; b < m->blocks_per_page && page_off + (b << m->blkbits) < end_offset; b++)
    {
      if (has_iop && !vm_iop_test (m, p, b))
        {
          skipped++;
          continue;
        }
      guint64 pblk;
      VmBlkType t = m->fs_ops->iomap_ops.map_blocks (m, ino, (page_off >> m->blkbits) + b, &pblk);
      if (t == VM_BLK_HOLE)
        continue;
      add_to_ioend (m, wbc, p, b << m->blkbits, pblk, t == VM_BLK_UNWRITTEN);
      count++;
    }
  g_autofree char *d = has_iop ? bits_detail (m, p, "") : NULL;
  g_autofree char *detail = m->trace ? g_strdup_printf ("%s count=%u skipped=%u%s",
                                                        d ? d : "no iomap_page", count, skipped,
                                                        count == 0 && skipped
                                                            ? ": nothing written" : "")
                                     : NULL;
  vm_trace_page (m, VMEMU_EV_IOMAP_WRITEPAGE_MAP, p, p->flags, (gint64) vm_iop_bits_value (m, p),
                 count, 0, skipped, detail);
  vm_set_page_writeback (m, p, FALSE);
  vm_unlock_page (m, p);
  if (count == 0)
    vm_end_page_writeback (m, p);
}

/* iomap_do_writepage: the page is locked and its dirty bit was cleared by
 * clear_page_dirty_for_io. */
void
vm_iomap_do_writepage (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p)
{
  VmemuInode *ino = vm_page_mapping (m, p);
  vm_trace_page (m, VMEMU_EV_IOMAP_WRITEPAGE, p, p->flags, (gint64) (p->index << m->page_shift),
                 m->page_size, (gint64) ino->i_size, 0, NULL);
  /* Direct reclaim (PF_MEMALLOC without PF_KSWAPD) may not write. */
  if (wbc->for_reclaim && m->cur != m->kswapd)
    {
      vm_redirty_page_for_writepage (m, p, 1);
      vm_unlock_page (m, p);
      return;
    }
  guint64 eof_off;
  guint64 end_index = vm_eof_index (m, ino, &eof_off);
  guint64 end_offset = (p->index + 1) << m->page_shift;
  if (p->index > end_index || (p->index == end_index && eof_off == 0))
    {
      vm_redirty_page_for_writepage (m, p, 2);
      vm_unlock_page (m, p);
      return;
    }
  if (p->index == end_index)
    {
      /* The tail beyond EOF is zeroed before it goes to disk. */
      if (vm_page_has_content (p))
        {
          vmemu_content_zero (vm_page_content (m, p), eof_off, m->page_size - eof_off);
          vm_page_content_done (m, p);
        }
      end_offset = ino->i_size;
    }
  writepage_map (m, wbc, p, end_offset);
}

/* iomap_writepage: ->writepage for reclaim's pageout, one page then the
 * ioend's submission. */
void
vm_iomap_writepage (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p)
{
  vm_iomap_do_writepage (m, wbc, p);   /* unlocks */
  vm_iomap_submit_ioend (m, wbc);
}

/* iomap_migrate_page, its own part: the iomap_page moves with its bits to
 * the new page (migrate_page_move_mapping and the copy are the caller's). */
void
vm_iomap_migrate_page (VmemuMachine *m, VmemuPage *np, VmemuPage *p)
{
  if (!(p->flags & VMEMU_PG_PRIVATE))
    return;
  memcpy (vm_page_iop_bits (m, np), vm_page_iop_bits_peek (m, p), 2 * sizeof (guint64));
  np->iop_read_count = p->iop_read_count;
  np->iop_write_count = p->iop_write_count;
  np->flags |= VMEMU_PG_PRIVATE;
  vm_get_page (m, np, VMEMU_REF_IOP);
  p->flags &= ~VMEMU_PG_PRIVATE;
  vm_page_iop_clear (m, p);
  vm_put_page (m, p, VMEMU_REF_IOP);
}

/* iomap_writepage_end_bio / xfs_end_ioend: convert unwritten extents, move
 * the on-disk size, then end writeback of each page when its last segment
 * completes. */
void
vm_write_end_io (VmemuMachine *m, VmemuBio *bio)
{
  VmemuInode *ino = bio->inode;
  guint64 end = bio->file_off + bio->bytes;
  if (bio->error == 0)
    {
      if (bio->unwritten)
        {
          for (guint64 b = bio->file_off >> m->blkbits; b < end >> m->blkbits; b++)
            {
              VmBlk k = vm_blk_get (ino, b);
              if (k.type == VM_BLK_UNWRITTEN)
                vm_blk_set (ino, b, VM_BLK_MAPPED, k.pblk);
            }
          vm_trace_inode (m, VMEMU_EV_XFS_UNWRITTEN_CONVERT, ino, (gint64) bio->file_off,
                          (gint64) bio->bytes, 0, 0, NULL);
        }
      guint64 new_size = MIN (end, ino->i_size);
      if (new_size > ino->disk_size)
        {
          ino->disk_size = new_size;
          vm_trace_inode (m, VMEMU_EV_XFS_SETFILESIZE, ino, (gint64) new_size, 0, 0, 0, NULL);
        }
    }
  for (guint i = 0; i < bio->segs->len; i++)
    {
      VmemuPage *p = g_array_index (bio->segs, VmBioSeg, i).page;
      if (bio->error)
        {
          p->flags |= VMEMU_PG_ERROR;
          vm_mapping_set_error (m, ino, bio->error);
        }
      if (!(p->flags & VMEMU_PG_PRIVATE) || --p->iop_write_count == 0)
        vm_end_page_writeback (m, p);
    }
}

/* end_page_writeback: rotate a page reclaim wanted to the inactive tail, clear
 * PG_writeback and the WRITEBACK tag, wake the waiters.  Writeback holds no
 * page reference. */
void
vm_end_page_writeback (VmemuMachine *m, VmemuPage *p)
{
  guint32 before = p->flags;
  if (p->flags & VMEMU_PG_RECLAIM)
    {
      p->flags &= ~VMEMU_PG_RECLAIM;
      if ((p->flags & VMEMU_PG_LRU) && !(p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_DIRTY)))
        vm_pagevec_add (m, m->cur ? m->cur->cpu : 0, VM_PVEC_ROTATE, p);
    }
  if (!(p->flags & VMEMU_PG_WRITEBACK))
    {
      /* 5.8 end_page_writeback BUG()s here: only reachable when a page
       * without an iomap_page on a sub-page-block filesystem is written in
       * several bios (one iomap_finish_page_writeback each), i.e. with a
       * switch combination no kernel shipped (mkwrite_no_iop without
       * writepage_create_iop).  The kernel would crash here: that is the
       * verdict (a failure found), whatever the model does next. */
      vm_kernel_bug (m, "end_page_writeback of a page not under writeback");
      return;
    }
  p->flags &= ~VMEMU_PG_WRITEBACK;
  if (vm_page_mapping (m, p))
    vmemu_xa_clear_mark (vm_page_mapping (m, p)->pages, p->index, VMEMU_XA_MARK_WRITEBACK);
  m->nr_writeback--;
  vm_trace_page (m, VMEMU_EV_END_PAGE_WRITEBACK, p, before, 0, 0, 0, 0, NULL);
  vm_wake_page (m, p);
}
