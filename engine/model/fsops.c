/* fsops.c — the filesystem operations beyond read and write, as XFS on
 * Linux 5.8 runs them: fallocate (xfs_file_fallocate: preallocation,
 * PUNCH_HOLE, ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE), copy_file_range
 * within a file (generic_copy_file_range: a splice through an internal
 * pipe), direct I/O (xfs_file_dio_aio_read/write -> iomap_dio_rw) and page
 * migration (migrate_pages -> iomap_migrate_page).
 *
 * Every operation is restartable like those of ops.c.  Its top-level stage
 * lives in a->st.ino_i (FS_STAGE), which only sync and drop_caches use
 * otherwise; a->st.sub is the stage of the flush/unmap helper and of the
 * truncate the size changes go through; a->st.phase/page belong to the write
 * path and vm_write_and_wait.  docs/model.md ("Filesystem operations") maps every step to its
 * kernel function and lists the simplifications.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/pagemap.h"
#include "engine/model/xfs.h"
#include "engine/model/reclaim.h"
#include "engine/model/mmap.h"
#include "engine/model/locks.h"
#include "engine/model/oracle.h"
#include "engine/model/filemap.h"
#include "engine/model/fsops.h"

#include <string.h>


#define FS_STAGE(a) ((a)->st.ino_i)
#define DIO_ALIGN 512u   /* bdev_logical_block_size of the emulated disk */

static VmemuInode *
fs_inode (VmemuMachine *m, const VmemuOp *op)
{
  return op->file >= 0 ? g_ptr_array_index (m->inodes, op->file) : NULL;
}

static guint64
round_down (guint64 x, guint64 a)
{
  return x & ~(a - 1);
}

static guint64
round_up (guint64 x, guint64 a)
{
  return (x + a - 1) & ~(a - 1);
}

/* ---- shared steps ---- */

enum { FL_WRITE, FL_TRUNCATE };

/* xfs_flush_unmap_range(offset, len): filemap_write_and_wait_range over the
 * range rounded out to max(block, page), then truncate_pagecache_range over
 * the same range: unmap the whole pages, truncate_inode_pages_range.  Since
 * the range is page aligned, every page touching it leaves the cache (after
 * its data reached the disk).  truncate_inode_pages_range sleeps on locked
 * and writeback pages; the model waits for them before calling it.
 * Restartable through st->sub (FL_*), st->phase and st->wbc. */
static VmStep
fs_flush_unmap_range (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 offset,
                      guint64 len)
{
  VmOpState *st = &a->st;
  guint64 rounding = MAX (m->block_size, m->page_size);
  guint64 start = round_down (offset, rounding);
  guint64 end = len > G_MAXUINT64 - offset - rounding ? G_MAXUINT64
                                                      : round_up (offset + len, rounding) - 1;
  for (;;)
    switch (st->sub)
      {
      case FL_WRITE:
        if (vm_write_and_wait (m, a, ino, start, end, TRUE) == VM_BLOCKED)
          return VM_BLOCKED;
        st->sub = FL_TRUNCATE;
        break;
      default:
        {
          guint64 idx = start >> m->page_shift, last = end >> m->page_shift;
          VmemuPage *p;
          while ((p = vmemu_xa_find (ino->pages, &idx, last, VMEMU_XA_NO_MARK)) != NULL)
            {
              if (p->flags & (VMEMU_PG_LOCKED | VMEMU_PG_WRITEBACK))
                return vm_wait_on_page (m, a, p);
              if (idx++ == last)
                break;
            }
          /* truncate_pagecache_range: unmap_mapping_range over whole pages,
           * then truncate_inode_pages_range. */
          vm_unmap_mapping_pages (m, ino, start >> m->page_shift, last);
          vm_truncate_inode_pages_range (m, ino, start, end);
          st->sub = FL_WRITE;
          return VM_DONE;
        }
      }
}

/* xfs_setattr_size through the truncate op of ops.c (xfs_vn_setattr_size is
 * what xfs_file_fallocate calls).  The caller sets st->end to the old size
 * and clears st->sub/phase/count before the first call. */
static VmStep
fs_setattr_size (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 newsize)
{
  VmemuOp tr = vmemu_op_init (VMEMU_OP_TRUNCATE);
  tr.file = op->file;
  tr.size_bytes = newsize;
  return vm_op_step (m, a, &tr);
}

static void
fs_stage_next (VmemuActor *a, guint stage)
{
  a->st.sub = 0;
  a->st.phase = 0;
  a->st.count = 0;
  FS_STAGE (a) = stage;
}

/* xfs_free_file_space, block part: xfs_unmap_extent over the whole blocks of
 * [offset, offset+len) (xfs_bunmapi: written and unwritten blocks are freed,
 * delalloc reservations dropped). */
static void
fs_unmap_whole_blocks (VmemuMachine *m, VmemuInode *ino, guint64 offset, guint64 len,
                       const char *caller)
{
  guint64 first = round_up (offset, m->block_size) >> m->blkbits;
  guint64 end = round_down (offset + len, m->block_size) >> m->blkbits;
  if (end > first)
    {
      vm_xfs_free_blocks (m, ino, first, end - 1);
      vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_FOUND, ino, (gint64) (first << m->blkbits),
                      (gint64) ((end - first) << m->blkbits), VMEMU_IOMAP_HOLE, 0, caller);
    }
}

/* xfs_alloc_file_space(XFS_BMAPI_PREALLOC) over whole blocks: holes get
 * unwritten extents; delalloc extents are allocated by xfs_bmapi_write as
 * unwritten too (xfs_bmapi_allocate with PREALLOC); written and unwritten
 * blocks stay as they are. */
static void
fs_alloc_unwritten (VmemuMachine *m, VmemuInode *ino, guint64 offset, guint64 len)
{
  if (len == 0)
    return;
  guint64 first = offset >> m->blkbits;
  guint64 last = (offset + len - 1) >> m->blkbits;
  guint64 n = 0;
  for (guint64 b = first; b <= last; b++)
    {
      VmBlk k = vm_blk_get (ino, b);
      if (k.type == VM_BLK_HOLE || k.type == VM_BLK_DELALLOC)
        {
          vm_blk_set (ino, b, VM_BLK_UNWRITTEN, vm_pblk_alloc (m));
          n++;
        }
    }
  vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_ALLOC, ino, (gint64) (first << m->blkbits),
                  (gint64) ((last - first + 1) << m->blkbits), (gint64) n, 0,
                  "xfs_alloc_file_space");
}

/* xfs_free_file_space after the unmap: iomap_zero_range over what is left
 * of [offset, offset+len) inside EOF — only the partial first and last
 * blocks can still be written or delalloc, everything between is a hole now
 * (skipped as "already zero").  Then, when the zeroing reached EOF inside a
 * page, filemap_write_and_wait_range from that page to the end so the
 * post-EOF part of the page is zeroed by writeback.  Stages start..start+2. */
enum { ZP_HEAD, ZP_TAIL, ZP_EOF_FLUSH, ZP_DONE };
static VmStep
fs_zero_partial_blocks (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 offset,
                        guint64 len, guint base)
{
  VmOpState *st = &a->st;
  guint64 isize = ino->i_size;
  for (;;)
    {
      guint s = FS_STAGE (a) - base;
      if (s == ZP_DONE)
        return VM_DONE;
      if (offset >= isize && s != ZP_EOF_FLUSH)
        {
          FS_STAGE (a) = base + ZP_DONE;
          return VM_DONE;
        }
      guint64 zlen = MIN (len, isize > offset ? isize - offset : 0);
      guint64 zend = offset + zlen;
      if (s == ZP_HEAD)
        {
          /* [offset, end of its block) ∩ [offset, zend) */
          guint64 e = MIN (round_up (offset + 1, m->block_size), zend);
          if (e > offset)
            if (vm_zero_range_step (m, a, ino, offset, e) == VM_BLOCKED)
              return VM_BLOCKED;
          FS_STAGE (a) = base + ZP_TAIL;
          continue;
        }
      if (s == ZP_TAIL)
        {
          guint64 b = round_down (zend, m->block_size);
          guint64 headblk_end = round_up (offset + 1, m->block_size);
          if (zend & (m->block_size - 1) && b >= headblk_end)
            if (vm_zero_range_step (m, a, ino, b, zend) == VM_BLOCKED)
              return VM_BLOCKED;
          FS_STAGE (a) = base + ZP_EOF_FLUSH;
          st->phase = FS_WRITE;
          continue;
        }
      /* ZP_EOF_FLUSH */
      if (zlen > 0 && zend >= ino->i_size && (zend & (m->page_size - 1)) > 0)
        if (vm_write_and_wait (m, a, ino, round_down (zend, m->page_size), G_MAXUINT64, TRUE)
            == VM_BLOCKED)
          return VM_BLOCKED;
      st->phase = 0;
      FS_STAGE (a) = base + ZP_DONE;
      return VM_DONE;
    }
}

/* ---- fallocate(0 / KEEP_SIZE) ---- */

enum { FA_START, FA_SETSIZE, FA_END };

/* xfs_file_fallocate, default mode: xfs_alloc_file_space(PREALLOC) over the
 * range (unwritten extents: they read as zeros and are converted when a
 * write to them completes), then without KEEP_SIZE xfs_vn_setattr_size when
 * the range ends past EOF.  Nothing is flushed or invalidated: cached data
 * stays valid. */
VmStep
vm_fsop_fallocate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 off = op->offset_bytes, len = op->length_bytes;
  for (;;)
    switch (FS_STAGE (a))
      {
      case FA_START:
        if (len == 0)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        fs_alloc_unwritten (m, ino, round_down (off, m->block_size),
                            round_up (off + len, m->block_size) - round_down (off, m->block_size));
        st->end = ino->i_size;
        fs_stage_next (a, (!op->keep_size && off + len > ino->i_size) ? FA_SETSIZE : FA_END);
        break;
      case FA_SETSIZE:
        if (fs_setattr_size (m, a, op, off + len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, FA_END);
        break;
      default:
        st->result = 0;
        return VM_DONE;
      }
}

/* ---- punch hole ---- */

enum { PH_FLUSH, PH_FREE, PH_ZERO, PH_END = PH_ZERO + ZP_DONE };

/* xfs_file_fallocate(PUNCH_HOLE|KEEP_SIZE): xfs_flush_unmap_range, then
 * xfs_free_file_space: whole blocks unmapped, partial blocks zeroed through
 * the buffered write path (iomap_zero_range), size unchanged. */
VmStep
vm_fsop_punch_hole (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 off = op->offset_bytes, len = op->length_bytes;
  for (;;)
    switch (FS_STAGE (a))
      {
      case PH_FLUSH:
        if (len == 0)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        if (fs_flush_unmap_range (m, a, ino, off, len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, PH_FREE);
        break;
      case PH_FREE:
        fs_unmap_whole_blocks (m, ino, off, len, "xfs_free_file_space");
        vm_oracle_zero (m, ino, off, len);   /* only what lies inside EOF */
        fs_stage_next (a, PH_ZERO);
        break;
      default:
        if (FS_STAGE (a) < PH_END)
          {
            if (fs_zero_partial_blocks (m, a, ino, off, len, PH_ZERO) == VM_BLOCKED)
              return VM_BLOCKED;
            break;
          }
        st->result = 0;
        return VM_DONE;
      }
}

/* ---- zero range ---- */

enum { ZR_FLUSH, ZR_FREE, ZR_ZERO, ZR_ALLOC = ZR_ZERO + ZP_DONE, ZR_SETSIZE, ZR_END };

/* xfs_file_fallocate(ZERO_RANGE[|KEEP_SIZE]) in 5.8: xfs_flush_unmap_range,
 * xfs_free_file_space (a punch: whole blocks freed, partial blocks zeroed
 * through the write path), then xfs_alloc_file_space(PREALLOC) over the
 * range rounded out to blocks, then xfs_vn_setattr_size unless KEEP_SIZE. */
VmStep
vm_fsop_zero_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 off = op->offset_bytes, len = op->length_bytes;
  for (;;)
    switch (FS_STAGE (a))
      {
      case ZR_FLUSH:
        if (len == 0)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        if (fs_flush_unmap_range (m, a, ino, off, len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, ZR_FREE);
        break;
      case ZR_FREE:
        fs_unmap_whole_blocks (m, ino, off, len, "xfs_free_file_space");
        vm_oracle_zero (m, ino, off, len);
        fs_stage_next (a, ZR_ZERO);
        break;
      case ZR_ALLOC:
        fs_alloc_unwritten (m, ino, round_down (off, m->block_size),
                            round_up (off + len, m->block_size) - round_down (off, m->block_size));
        st->end = ino->i_size;
        fs_stage_next (a, (!op->keep_size && off + len > ino->i_size) ? ZR_SETSIZE : ZR_END);
        break;
      case ZR_SETSIZE:
        if (fs_setattr_size (m, a, op, off + len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, ZR_END);
        break;
      case ZR_END:
        st->result = 0;
        return VM_DONE;
      default:   /* ZR_ZERO .. */
        if (fs_zero_partial_blocks (m, a, ino, off, len, ZR_ZERO) == VM_BLOCKED)
          return VM_BLOCKED;
        if (FS_STAGE (a) == ZR_ALLOC)
          fs_stage_next (a, ZR_ALLOC);
        break;
      }
}

/* ---- collapse and insert ---- */

/* xfs_free_eofblocks (forced, as xfs_prepare_shift calls it): blocks past
 * the block holding EOF leave the file, preallocated ones included. */
static void
fs_free_eofblocks (VmemuMachine *m, VmemuInode *ino)
{
  guint64 first = round_up (ino->i_size, m->block_size) >> m->blkbits;
  if (first < ino->blocks_len)
    vm_xfs_free_blocks (m, ino, first, ino->blocks_len - 1);
}

/* xfs_bmap_collapse_extents / xfs_bmap_insert_extents over the per-block
 * map: every block from `from` on moves by `shift` blocks (down for a
 * collapse, up for an insert); the device blocks move with them. */
static void
fs_shift_blocks (VmemuMachine *m, VmemuInode *ino, guint64 from, guint64 shift, gboolean up)
{
  (void) m;
  vm_blk_shift (ino, from, shift, up);
}

enum { CO_FLUSH, CO_SHIFT_FLUSH, CO_SHIFT, CO_SETSIZE, CO_END };

/* xfs_file_fallocate(COLLAPSE_RANGE): block-aligned, ending before EOF.
 * xfs_flush_unmap_range(offset, len); xfs_collapse_file_space:
 * xfs_free_file_space over the range, xfs_prepare_shift (free post-EOF
 * blocks; flush and unmap from the block before offset to EOF), then shift
 * every extent past the range down by len; then xfs_vn_setattr_size(size -
 * len). */
VmStep
vm_fsop_collapse_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 off = op->offset_bytes, len = op->length_bytes;
  for (;;)
    switch (FS_STAGE (a))
      {
      case CO_FLUSH:
        if ((off | len) & (m->block_size - 1) || len == 0 || off + len >= ino->i_size)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        if (fs_flush_unmap_range (m, a, ino, off, len) == VM_BLOCKED)
          return VM_BLOCKED;
        /* xfs_collapse_file_space -> xfs_free_file_space: aligned, so
         * nothing is left to zero. */
        fs_unmap_whole_blocks (m, ino, off, len, "xfs_collapse_file_space");
        fs_free_eofblocks (m, ino);
        fs_stage_next (a, CO_SHIFT_FLUSH);
        break;
      case CO_SHIFT_FLUSH:
        {
          /* xfs_prepare_shift: from the block before offset to EOF. */
          guint64 s = off ? off - m->block_size : 0;
          if (fs_flush_unmap_range (m, a, ino, s, ino->i_size) == VM_BLOCKED)
            return VM_BLOCKED;
          fs_stage_next (a, CO_SHIFT);
          break;
        }
      case CO_SHIFT:
        {
          guint64 size = ino->i_size;
          fs_shift_blocks (m, ino, (off + len) >> m->blkbits, len >> m->blkbits, FALSE);
          vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_FOUND, ino, (gint64) off, (gint64) len,
                          VMEMU_IOMAP_HOLE, 0, "xfs_collapse_file_space");
          /* The oracle: the tail moves down over the range. */
          /* The oracle: the tail moves down over the range; what was the
           * last len bytes reads as zero until xfs_setattr_size cuts it. */
          vm_oracle_collapse (m, ino, off, len, size);
          st->end = size;
          fs_stage_next (a, CO_SETSIZE);
          break;
        }
      case CO_SETSIZE:
        if (fs_setattr_size (m, a, op, st->end - len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, CO_END);
        break;
      default:
        st->result = 0;
        return VM_DONE;
      }
}

enum { IN_START, IN_SETSIZE, IN_SHIFT_FLUSH, IN_SHIFT, IN_END };

/* xfs_file_fallocate(INSERT_RANGE): block-aligned, offset inside EOF.  The
 * size grows first (xfs_vn_setattr_size(size + len), so a crash never leaves
 * shifted extents past EOF), then xfs_insert_file_space: xfs_prepare_shift
 * (free post-EOF blocks, flush and unmap from the block before offset to
 * EOF) and shift every extent from offset up by len, leaving a hole. */
VmStep
vm_fsop_insert_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 off = op->offset_bytes, len = op->length_bytes;
  for (;;)
    switch (FS_STAGE (a))
      {
      case IN_START:
        if ((off | len) & (m->block_size - 1) || len == 0 || off >= ino->i_size)
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        st->end = ino->i_size;
        st->pos = ino->i_size;   /* the size before: the oracle shift needs it */
        fs_stage_next (a, IN_SETSIZE);
        break;
      case IN_SETSIZE:
        if (fs_setattr_size (m, a, op, st->pos + len) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, IN_SHIFT_FLUSH);
        break;
      case IN_SHIFT_FLUSH:
        {
          guint64 s = off ? off - m->block_size : 0;
          fs_free_eofblocks (m, ino);   /* xfs_prepare_shift; idempotent on a retry */
          if (fs_flush_unmap_range (m, a, ino, s, ino->i_size) == VM_BLOCKED)
            return VM_BLOCKED;
          fs_stage_next (a, IN_SHIFT);
          break;
        }
      case IN_SHIFT:
        {
          guint64 old = st->pos;
          fs_shift_blocks (m, ino, off >> m->blkbits, len >> m->blkbits, TRUE);
          vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_FOUND, ino, (gint64) off, (gint64) len,
                          VMEMU_IOMAP_HOLE, 0, "xfs_insert_file_space");
          /* The oracle: setattr grew it to old + len; the bytes from
           * offset move up and a zero range appears. */
          vm_oracle_insert (m, ino, off, len, old);
          fs_stage_next (a, IN_END);
          break;
        }
      default:
        st->result = 0;
        return VM_DONE;
      }
}

/* ---- copy_file_range ---- */

enum { CP_START, CP_READ, CP_ZERO_EOF, CP_WRITE, CP_END };

/* The pipe buffer held across the write: the page, with a VMEMU_REF_PIPE
 * reference, parked in st->wbc.page (vm_write_and_wait is not used by a
 * copy, so the slot is free).  The bytes copied so far live in st->holder
 * (unused by the write path, which moves st->pos and st->chunk); a copy is
 * at most MAX_RW_COUNT bytes, so an int holds it. */
#define CP_PIPE_PAGE(st) ((st)->wbc.page)
#define CP_DONE(st) ((st)->holder)
#define MAX_RW_COUNT ((guint64) (G_MAXINT & ~4095))

/* vfs_copy_file_range within one XFS file in 5.8 without reflink:
 * generic_copy_file_checks (shorten to the source EOF; overlapping ranges
 * are -EINVAL), then generic_copy_file_range = do_splice_direct: the source
 * pages are read through the page cache into an internal pipe, whose
 * buffers hold page references (copy_page_to_iter_pipe), and
 * iter_file_splice_write writes them to the destination through the
 * buffered write path (xfs_file_write_iter, with xfs_file_aio_write_checks
 * zeroing the EOF block when the write starts past EOF).  One pipe buffer at
 * a time. */
VmStep
vm_fsop_copy_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 src = op->src_bytes, dst = op->dst_bytes;
  for (;;)
    {
      guint64 done = (guint64) CP_DONE (st);
      guint64 spos = src + done, dpos = dst + done;
      guint n = (guint) MIN (st->end > done ? st->end - done : 0,
                             MIN (m->page_size - (spos & (m->page_size - 1)),
                                  m->page_size - (dpos & (m->page_size - 1))));
      switch (FS_STAGE (a))
        {
        case CP_START:
          {
            guint64 len = op->length_bytes;
            guint64 size = ino->i_size;
            len = src >= size ? 0 : MIN (MIN (len, size - src), MAX_RW_COUNT);
            if (len && dst + len > src && dst < src + len)
              {
                st->result = -VMEMU_EINVAL;
                return VM_DONE;
              }
            CP_DONE (st) = 0;
            st->end = len;
            if (len > m->page_size)
              ino->copies_in_flight++;   /* see vm_note_pipe_batch */
            fs_stage_next (a, CP_READ);
            break;
          }
        case CP_READ:
          {
            if (done >= st->end || st->result < 0)
              {
                FS_STAGE (a) = CP_END;
                break;
              }
            /* generic_file_splice_read -> xfs_file_read_iter: IOLOCK_SHARED
             * around generic_file_buffered_read */
            if (vm_rwsem_down (m, a, ino, &ino->iolock, VM_LOCK_SHARED) == VM_BLOCKED)
              return VM_BLOCKED;
            VmGetPage gp = { .ino = ino, .index = spos >> m->page_shift,
                             .holder = VMEMU_REF_PIPE, .req_pages = 1,
                             .from = (guint) (spos & (m->page_size - 1)), .count = n };
            if (vm_get_page_uptodate (m, a, &gp) == VM_BLOCKED)
              return VM_BLOCKED;
            vm_rwsem_up (m, a, &ino->iolock);
            if (st->page == NULL)
              {
                FS_STAGE (a) = CP_END;
                break;
              }
            VmemuPage *p = st->page;
            st->page = NULL;
            vm_mark_page_accessed (m, p);
            vm_trace_page (m, VMEMU_EV_SPLICE_TO_PIPE, p, p->flags, -1, 0, 0, 0,
                           "do_splice_direct");
            VmContentView view;
            vm_oracle_compare (m, st, ino, spos, vm_page_content_peek (m, p, &view),
                               spos & (m->page_size - 1), n);
            CP_PIPE_PAGE (st) = p;
            fs_stage_next (a, CP_ZERO_EOF);
            break;
          }
        case CP_ZERO_EOF:
          /* iter_file_splice_write -> xfs_file_write_iter: IOLOCK_EXCL
           * around the EOF zeroing and the write */
          if (vm_rwsem_down (m, a, ino, &ino->iolock, VM_LOCK_EXCL) == VM_BLOCKED)
            return VM_BLOCKED;
          if (dpos > ino->i_size)
            {
              /* xfs_file_aio_write_checks -> iomap_zero_range(isize, pos) */
              guint64 z = ino->i_size;
              if (vm_zero_range_step (m, a, ino, z, MIN (round_up (z, m->block_size), dpos))
                  == VM_BLOCKED)
                return VM_BLOCKED;
            }
          fs_stage_next (a, CP_WRITE);
          break;
        case CP_WRITE:
          {
            VmemuPage *p = CP_PIPE_PAGE (st);
            if (st->phase == WR_LOOKUP && st->page == NULL && dpos + n > ino->i_size)
              vm_oracle_set_size (m, ino, dpos + n);
            if (st->phase == WR_LOOKUP && st->page == NULL)
              {
                st->pos = dpos;   /* the write path's cursor (iomap_write_actor) */
                st->chunk = n;
              }
            VmWriteFromPage from = { .page = p, .off = (guint) (spos & (m->page_size - 1)),
                                     .src_pos = spos };
            if (vm_write_page_from (m, a, ino, &from) == VM_BLOCKED)
              return VM_BLOCKED;
            vm_rwsem_up (m, a, &ino->iolock);
            /* pipe_buf_release */
            vm_trace_page (m, VMEMU_EV_PIPE_RELEASE, p, p->flags, -1, 0, 0, 0,
                           "do_splice_direct");
            vm_put_page (m, p, VMEMU_REF_PIPE);
            CP_PIPE_PAGE (st) = NULL;
            if (st->result < 0)
              {
                FS_STAGE (a) = CP_END;
                break;
              }
            CP_DONE (st) += (int) n;
            fs_stage_next (a, CP_READ);
            break;
          }
        default:
          if (st->end > m->page_size)
            ino->copies_in_flight--;
          vm_oracle_report (m, a, st, ino, "copy", src, done);
          if (st->result == 0)
            st->result = (int) done;
          return VM_DONE;
        }
    }
}

/* ---- direct I/O ---- */

/* The user buffer of one direct bio: a page of the task's own memory, not
 * in the page cache (get_user_pages pins it; the model keeps it outside the
 * memory accounting).  Freed at completion. */
static VmemuPage *
fs_user_buffer (guint64 bytes)
{
  VmemuPage *p = g_new0 (VmemuPage, 1);
  p->cgen = VM_PAGE_CONTENT_STORE;   /* never inline: not a page of the cache */
  p->c.store = vmemu_content_new (bytes);
  p->refs[VMEMU_REF_PIN] = 1;
  return p;
}

/* iomap_dio_bio_end_io for the model's direct bios: record the error,
 * hand a read's bytes to the task (compared with the oracle: this is the
 * copy to user space) and wake it when its last bio completes. */
void
vm_dio_end_io (VmemuMachine *m, VmemuBio *bio)
{
  VmemuActor *a = bio->waiter;
  VmOpState *st = &a->st;
  VmBioSeg *s = &g_array_index (bio->segs, VmBioSeg, 0);
  if (bio->error && st->io_error == 0)
    st->io_error = bio->error;
  if (bio->kind == VM_BIO_DIO_READ && bio->error == 0)
    {
      /* st->pos .. st->end: the part of the read inside EOF */
      guint64 b = MAX (bio->file_off, st->pos);
      guint64 e = MIN (bio->file_off + bio->bytes, st->end);
      if (b < e)
        {
          VmContentView view;
          vm_oracle_compare (m, st, bio->inode, b, vm_page_content_peek (m, s->page, &view),
                             b - bio->file_off, e - b);
        }
    }
  vm_page_content_free (s->page);
  g_free (s->page);
  s->page = NULL;
  st->pending_io--;
  if (st->pending_io == 0)
    vm_actor_wake (m, a);
}

/* Submit the direct bios of [pos, end) (block runs contiguous on the device
 * and of one type), as iomap_apply + iomap_dio_actor do extent by extent.
 * Writes allocate holes and delalloc as unwritten extents
 * (xfs_direct_write_iomap_begin -> xfs_iomap_write_direct, IOMAP_F_NEW) and
 * zero the unwritten parts of new or unwritten blocks (iomap_dio_zero);
 * the model builds whole device blocks, reading the stored bytes for the
 * untouched sectors of a written block.  Reads zero-fill holes and
 * unwritten blocks (iomap_dio_hole_actor) and fail on delalloc (-EIO, "page
 * cache invalidation failure"). */
static int
fs_dio_submit (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuInode *ino, gboolean write)
{
  VmOpState *st = &a->st;
  guint64 pos = op->offset_bytes, end = op->offset_bytes + op->length_bytes;
  guint64 bs = m->block_size;
  guint64 b = pos >> m->blkbits, last = (end - 1) >> m->blkbits;
  while (b <= last)
    {
      VmBlk k = vm_blk_get (ino, b);
      gboolean is_new = FALSE;
      if (write && (k.type == VM_BLK_HOLE || k.type == VM_BLK_DELALLOC))
        {
          /* xfs_iomap_write_direct: XFS_BMAPI_PREALLOC, the extent is
           * allocated unwritten and converted by xfs_dio_write_end_io. */
          guint64 e = b;
          while (e < last && (vm_blk_get (ino, e + 1).type == VM_BLK_HOLE
                              || vm_blk_get (ino, e + 1).type == VM_BLK_DELALLOC))
            e++;
          for (guint64 i = b; i <= e; i++)
            vm_blk_set (ino, i, VM_BLK_UNWRITTEN, vm_pblk_alloc (m));
          vm_trace_inode (m, VMEMU_EV_XFS_DELALLOC_RESERVE, ino, (gint64) (b << m->blkbits),
                          (gint64) ((e - b + 1) << m->blkbits), VMEMU_IOMAP_UNWRITTEN, 0,
                          "xfs_iomap_write_direct");
          k = vm_blk_get (ino, b);
          is_new = TRUE;
        }
      /* the run: same type, contiguous device blocks */
      guint64 e = b;
      while (e < last)
        {
          VmBlk n = vm_blk_get (ino, e + 1);
          if (n.type != k.type || (k.type >= VM_BLK_UNWRITTEN && n.pblk != k.pblk + (e + 1 - b)))
            break;
          e++;
        }
      guint64 roff = b << m->blkbits, rend = (e + 1) << m->blkbits;
      guint64 s = MAX (pos, roff), t = MIN (end, rend);
      int type = k.type == VM_BLK_MAPPED ? VMEMU_IOMAP_MAPPED
                 : k.type == VM_BLK_UNWRITTEN ? VMEMU_IOMAP_UNWRITTEN
                 : k.type == VM_BLK_DELALLOC ? VMEMU_IOMAP_DELALLOC : VMEMU_IOMAP_HOLE;
      vm_trace_inode (m, VMEMU_EV_IOMAP_APPLY, ino, (gint64) s, (gint64) (t - s),
                      write ? 0x11 : 0x10, 0, "iomap_dio_actor");   /* IOMAP_DIRECT|WRITE */
      vm_trace_inode (m, VMEMU_EV_IOMAP_APPLY_DSTMAP, ino, (gint64) roff, (gint64) (rend - roff),
                      type, k.type >= VM_BLK_UNWRITTEN ? (gint64) (k.pblk * bs) : -1, NULL);
      if (!write)
        {
          if (k.type == VM_BLK_DELALLOC)
            return -VMEMU_EIO;   /* iomap_dio_actor: DIO raced with page_mkwrite */
          if (k.type != VM_BLK_MAPPED)
            {
              /* iomap_dio_hole_actor: zeros to the user buffer */
              guint64 ce = MIN (t, st->end);
              if (s < ce)
                vm_oracle_compare (m, st, ino, s, NULL, 0, ce - s);
              b = e + 1;
              continue;
            }
        }
      VmemuPage *buf = fs_user_buffer (rend - roff);
      if (write)
        {
          gboolean zero_base = is_new || k.type == VM_BLK_UNWRITTEN;
          /* sectors of a written block that the write does not cover keep
           * their bytes */
          if (!zero_base)
            vm_disk_read (m, k.pblk, (e - b + 1) << m->blkbits, buf->c.store, 0);
          VmContentDesc d = vm_data_desc (m, a, op, s);
          vmemu_content_fill (buf->c.store, s - roff, t - s, &d);
          if (!zero_base && pos >= ino->i_size && t < rend)
            vmemu_content_zero (buf->c.store, t - roff, rend - t);   /* past EOF: zeroed tail */
        }
      VmemuBio *bio = vm_bio_new (m, write ? VM_BIO_DIO_WRITE : VM_BIO_DIO_READ, ino, k.pblk, roff);
      vm_bio_add (bio, buf, 0, (guint) (rend - roff));
      bio->waiter = a;
      bio->unwritten = k.type == VM_BLK_UNWRITTEN;
      st->pending_io++;
      vm_submit_bio (m, bio);
      b = e + 1;
    }
  return 0;
}

enum { DIO_START, DIO_ZERO_EOF, DIO_FLUSH, DIO_SUBMIT, DIO_WAIT, DIO_END };

/* xfs_file_dio_aio_read / xfs_file_dio_aio_write -> iomap_dio_rw (5.8):
 * sector-aligned or -EINVAL; writes starting past EOF zero the EOF block
 * first (xfs_file_aio_write_checks); filemap_write_and_wait_range and
 * invalidate_inode_pages2_range over the range for reads and writes alike
 * (reads skip the invalidation under VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY,
 * the 5.9 behaviour); the bios; the wait (synchronous kiocb); then for a
 * write xfs_dio_write_end_io (unwritten conversion, i_size and di_size) and
 * a second invalidate_inode_pages2_range when the mapping has pages. */
VmStep
vm_fsop_direct_io (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, gboolean write)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 pos = op->offset_bytes, len = op->length_bytes, end = pos + len;
  for (;;)
    switch (FS_STAGE (a))
      {
      case DIO_START:
        if ((pos | len) & (DIO_ALIGN - 1))
          {
            st->result = -VMEMU_EINVAL;
            return VM_DONE;
          }
        if (len == 0 || (!write && pos >= ino->i_size))
          {
            st->result = 0;
            return VM_DONE;
          }
        st->pos = pos;
        st->end = write ? end : MIN (end, ino->i_size);   /* dio->i_size for a read */
        fs_stage_next (a, write && pos > ino->i_size ? DIO_ZERO_EOF : DIO_FLUSH);
        break;
      case DIO_ZERO_EOF:
        {
          guint64 z = ino->i_size;
          if (z < pos && vm_zero_range_step (m, a, ino, z, MIN (round_up (z, m->block_size), pos))
                         == VM_BLOCKED)
            return VM_BLOCKED;
          fs_stage_next (a, DIO_FLUSH);
          break;
        }
      case DIO_FLUSH:
        if (vm_write_and_wait (m, a, ino, pos, end - 1, TRUE) == VM_BLOCKED)
          return VM_BLOCKED;
        if (write || !vmemu_variant_has (m->variant, VMEMU_SW_DIO_INVALIDATE_WRITES_ONLY))
          vm_invalidate_inode_pages2_range (m, ino, pos >> m->page_shift,
                                            (end - 1) >> m->page_shift);
        fs_stage_next (a, DIO_SUBMIT);
        break;
      case DIO_SUBMIT:
        {
          int err = fs_dio_submit (m, a, op, ino, write);
          if (err && st->io_error == 0)
            st->io_error = err;
          fs_stage_next (a, DIO_WAIT);
          break;
        }
      case DIO_WAIT:
        if (st->pending_io)
          return VM_BLOCKED;
        fs_stage_next (a, DIO_END);
        break;
      default:
        if (st->io_error)
          st->result = st->io_error;
        else if (write)
          {
            /* xfs_dio_write_end_io: xfs_iomap_write_unwritten over the range,
             * then the size. */
            guint64 first = pos >> m->blkbits, last = (end - 1) >> m->blkbits;
            gboolean conv = FALSE;
            for (guint64 b = first; b <= last; b++)
              {
                VmBlk k = vm_blk_get (ino, b);
                if (k.type == VM_BLK_UNWRITTEN)
                  {
                    vm_blk_set (ino, b, VM_BLK_MAPPED, k.pblk);
                    conv = TRUE;
                  }
              }
            if (conv)
              vm_trace_inode (m, VMEMU_EV_XFS_UNWRITTEN_CONVERT, ino, (gint64) pos, (gint64) len,
                              0, 0, "xfs_dio_write_end_io");
            if (end > ino->i_size)
              {
                ino->i_size = end;
                vm_oracle_set_size (m, ino, end);
              }
            if (end > ino->disk_size)
              {
                ino->disk_size = MIN (end, ino->i_size);
                vm_trace_inode (m, VMEMU_EV_XFS_SETFILESIZE, ino, (gint64) ino->disk_size, 0, 0,
                                0, "xfs_dio_write_end_io");
              }
            VmContentDesc d = vm_data_desc (m, a, op, pos);
            vm_oracle_fill (m, ino, pos, len, &d);
            /* iomap_dio_complete: invalidate again what readahead or a fault
             * may have brought back meanwhile. */
            if (vmemu_xa_count (ino->pages) > 0)
              vm_invalidate_inode_pages2_range (m, ino, pos >> m->page_shift,
                                                (end - 1) >> m->page_shift);
            st->result = (int) MIN (len, G_MAXINT);
          }
        else
          {
            vm_oracle_report (m, a, st, ino, "dread", pos, st->end - pos);
            st->result = (int) MIN (st->end - pos, G_MAXINT);
          }
        return VM_DONE;
      }
}

/* ---- migration ---- */

enum { MG_START, MG_LOCK, MG_WRITEBACK, MG_MOVE };

static void
fs_putback_lru_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p)
{
  /* putback_lru_page: lru_cache_add (the lru_add pagevec takes its
   * reference) and drop the isolation reference. */
  vm_pagevec_add (m, a->cpu, VM_PVEC_LRU_ADD, p);
  vm_put_page (m, p, VMEMU_REF_ISOLATE);
}

/* The PTE step of __unmap_and_move for a mapped page: try_to_unmap with
 * migration entries moves each dirty PTE's dirty bit to the page; after the
 * move remove_migration_ptes maps the new page (or the old one again)
 * with the write permission kept, old and clean.  The model keeps the PTEs
 * in place and moves them, so their references are left out of the count
 * migrate_page_move_mapping checks. */
static void
fs_migrate_ptes (VmemuMachine *m, VmemuInode *ino, VmemuPage *from, VmemuPage *to)
{
  for (guint k = 0; k < ino->maps->len; k++)
    {
      VmemuMap *map = g_ptr_array_index (ino->maps, k);
      for (guint64 i = 0; i < map->npages; i++)
        {
          if (!(map->pte[i] & VM_PTE_PRESENT) || (map->pte[i] & VM_PTE_COW)
              || map->ptepage[i] != from)
            continue;
          if (map->pte[i] & VM_PTE_DIRTY)
            vm_set_page_dirty (m, from);
          map->pte[i] &= ~(VM_PTE_DIRTY | VM_PTE_YOUNG);
          if (to != from)
            {
              map->ptepage[i] = to;
              from->mapcount--;
              to->mapcount++;
              vm_put_page (m, from, VMEMU_REF_PTE);
              vm_get_page (m, to, VMEMU_REF_PTE);
            }
        }
    }
}

/* Migrate the page cache page at op->offset (move_pages / compaction in
 * MIGRATE_SYNC mode): migrate_prep (lru_add_drain_all), isolate_lru_page
 * (needs PG_lru), lock the page, wait for writeback, unmap, then
 * iomap_migrate_page: migrate_page_move_mapping refuses with -EAGAIN unless
 * the page count is exactly 1 (isolation) + 1 (page cache) + PG_private;
 * on success the xarray slot points to the new page, the iomap_page moves
 * to it, data and flags are copied, the PTEs and the LRU follow.  The
 * result is 0 either way (move_pages reports per page); the outcome is in
 * the trace (mm_migrate_pages succeeded, iomap_migrate_page result). */
VmStep
vm_fsop_migrate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  VmOpState *st = &a->st;
  VmemuInode *ino = fs_inode (m, op);
  guint64 index = op->offset_bytes >> m->page_shift;
  for (;;)
    switch (FS_STAGE (a))
      {
      case MG_START:
        {
          vm_lru_add_drain_all (m, "migrate_prep");
          VmemuPage *p = vmemu_xa_load (ino->pages, index);
          if (p == NULL || !(p->flags & VMEMU_PG_LRU))
            {
              vm_trace_inode (m, VMEMU_EV_MIGRATE_PAGE, ino, 0, (gint64) index,
                              p ? -VMEMU_EBUSY : -VMEMU_ENOENT, 0,
                              p ? "isolate_lru_page: not on an LRU" : "no page");
              st->result = 0;
              return VM_DONE;
            }
          /* isolate_lru_page */
          vm_get_page (m, p, VMEMU_REF_ISOLATE);
          vm_lru_del (m, p);
          p->flags &= ~VMEMU_PG_LRU;
          st->page = p;
          fs_stage_next (a, MG_LOCK);
          break;
        }
      case MG_LOCK:
        if (vm_lock_page (m, a, st->page) == VM_BLOCKED)
          return VM_BLOCKED;
        fs_stage_next (a, MG_WRITEBACK);
        break;
      case MG_WRITEBACK:
        if (st->page->flags & VMEMU_PG_WRITEBACK)
          {
            vm_trace_page (m, VMEMU_EV_WAIT_ON_PAGE_WRITEBACK, st->page, st->page->flags, 0, 0,
                           0, 0, "migrate");
            return vm_wait_on_page (m, a, st->page);
          }
        fs_stage_next (a, MG_MOVE);
        break;
      default:
        {
          VmemuPage *p = st->page;
          st->page = NULL;
          st->result = 0;
          if (vm_page_mapping (m, p) != ino)
            {
              /* truncated meanwhile: migrate_page_move_mapping would see
               * no mapping; the kernel frees such a page instead. */
              vm_unlock_page (m, p);
              vm_put_page (m, p, VMEMU_REF_ISOLATE);
              vm_trace_inode (m, VMEMU_EV_MIGRATE_PAGE, ino, 0, (gint64) index, -VMEMU_EAGAIN, 0,
                              "truncated");
              return VM_DONE;
            }
          fs_migrate_ptes (m, ino, p, p);   /* try_to_unmap: dirty bits to the page */
          gint32 expected = 2 + ((p->flags & VMEMU_PG_PRIVATE) ? 1 : 0);
          gint32 count = vm_page_refcount (p) - p->refs[VMEMU_REF_PTE];
          VmemuPage *np = count == expected ? vm_page_alloc (m, VMEMU_REF_ISOLATE) : NULL;
          if (np == NULL)
            {
              int r = count == expected ? -VMEMU_ENOMEM : -VMEMU_EAGAIN;
              g_autofree char *who = vm_page_holders (p);
              vm_trace_page (m, VMEMU_EV_IOMAP_MIGRATE_PAGE, p, p->flags, r, 0, 0, 0, who);
              vm_trace_page (m, VMEMU_EV_MIGRATE_PAGE, p, p->flags, 0, r, 0, 0, NULL);
              vm_unlock_page (m, p);
              fs_putback_lru_page (m, a, p);
              return VM_DONE;
            }
          guint32 before = p->flags;
          /* migrate_page_move_mapping */
          np->flags |= VMEMU_PG_LOCKED;
          np->index = p->index;
          np->flags |= VM_PG_CACHED;   /* np->mapping = ino */
          np->owner_idx = ino->file_idx + 1;
          vm_get_page (m, np, VMEMU_REF_CACHE);
          gboolean marks[3];
          for (int k = 0; k < 3; k++)
            marks[k] = vmemu_xa_get_mark (ino->pages, index, (VmemuXaMark) k);
          vmemu_xa_store (ino->pages, index, np);
          for (int k = 0; k < 3; k++)
            if (marks[k])
              vmemu_xa_set_mark (ino->pages, index, (VmemuXaMark) k);
          p->flags &= ~VM_PG_CACHED;   /* p->mapping = NULL */
          vm_put_page (m, p, VMEMU_REF_CACHE);
          /* ->migratepage (iomap_migrate_page): the iomap_page moves with its bits. */
          ino->a_ops->migratepage (m, np, p);
          /* migrate_page_copy: contents, then migrate_page_states. */
          vm_page_content_copy (m, np, p);
          const guint32 moved = VMEMU_PG_UPTODATE | VMEMU_PG_DIRTY | VMEMU_PG_ERROR
                                | VMEMU_PG_REFERENCED | VMEMU_PG_ACTIVE | VMEMU_PG_WORKINGSET
                                | VMEMU_PG_READAHEAD;
          np->flags |= p->flags & moved;
          p->flags &= ~(VMEMU_PG_DIRTY | VMEMU_PG_ACTIVE);
          fs_migrate_ptes (m, ino, p, np);   /* remove_migration_ptes */
          vm_trace_page (m, VMEMU_EV_IOMAP_MIGRATE_PAGE, np, before, 0, (gint64) p->pfn, 0, 0,
                         NULL);
          vm_trace_page (m, VMEMU_EV_MIGRATE_PAGE, np, before, 1, 0, 0, 0, NULL);
          vm_unlock_page (m, np);
          vm_unlock_page (m, p);
          fs_putback_lru_page (m, a, np);
          vm_put_page (m, p, VMEMU_REF_ISOLATE);   /* the old page is freed */
          return VM_DONE;
        }
      }
}
