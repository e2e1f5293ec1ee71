/* xfs.c — the filesystem below iomap: an extent map (the XFS data fork:
 * hole, delalloc, unwritten, written; a VmBmap of packed block values), the block allocator, and the
 * iomap_begin / map_blocks decisions of fs/xfs/xfs_iomap.c and xfs_aops.c
 * (Linux 5.8) that matter to the page cache.
 */
#include "engine/model/fs-ops.h"
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/iomap.h"
#include "engine/model/xfs.h"
#include "engine/model/mmap.h"
#include "engine/model/filemap.h"

/* A written or unwritten extent's device blocks advance with the file block
 * (pblk << 2 steps by 4); a delalloc reservation's value does not. */
static guint64
blk_step (guint64 v)
{
  guint t = (guint) (v & 3);
  return t == VM_BLK_MAPPED || t == VM_BLK_UNWRITTEN ? 4 : 0;
}

VmBmap *
vm_blk_map_new (void)
{
  return vm_bmap_new (blk_step);
}

VmBlk
vm_blk_get (VmemuInode *ino, guint64 blk)
{
  guint64 v = vm_bmap_get (ino->blocks, blk);
  return (VmBlk) { .type = (guint8) (v & 3), .pblk = v >> 2 };
}

void
vm_blk_set (VmemuInode *ino, guint64 blk, VmBlkType type, guint64 pblk)
{
  if (type == VM_BLK_HOLE)
    {
      vm_bmap_set (ino->blocks, blk, 1, 0);
      return;
    }
  ino->blocks_len = MAX (ino->blocks_len, blk + 1);
  vm_bmap_set (ino->blocks, blk, 1, VM_BLK_PACK (type, pblk));
}

/* The extents from block `from` on move by `shift` blocks, up (leaving
 * holes) or down (over blocks already freed): xfs_bmap_shift_extents moves
 * extents, not blocks. */
void
vm_blk_shift (VmemuInode *ino, guint64 from, guint64 shift, gboolean up)
{
  guint64 n = ino->blocks_len;
  if (from >= n)
    return;
  vm_bmap_shift (ino->blocks, from, shift, up);
  ino->blocks_len = up ? n + shift : n - shift;
}

/* A power cut: delayed allocations were in memory only. */
void
vm_blk_drop_delalloc (VmemuInode *ino)
{
  guint64 k = 0, len, v;
  while (vm_bmap_next (ino->blocks, &k, &len, &v))
    {
      if ((v & 3) == VM_BLK_DELALLOC)
        vm_bmap_set (ino->blocks, k, len, 0);
      k += len;
    }
}

/* The allocator: freed blocks are reused last-in first-out, otherwise the
 * device is filled in order.  Deterministic by construction. */
guint64
vm_pblk_alloc (VmemuMachine *m)
{
  if (m->free_pblks->len > 0)
    {
      guint64 pb = g_array_index (m->free_pblks, guint64, m->free_pblks->len - 1);
      g_array_set_size (m->free_pblks, m->free_pblks->len - 1);
      return pb;
    }
  return m->next_pblk++;
}

void
vm_pblk_free (VmemuMachine *m, guint64 pblk)
{
  /* a freed block reads as zero when it is handed out again */
  vmemu_content_zero (m->disk, pblk << m->blkbits, m->block_size);
  g_array_append_val (m->free_pblks, pblk);
}

/* xfs_buffered_write_iomap_begin: holes under a buffered write or a write
 * fault get a delayed-allocation reservation (IOMAP_DELALLOC, IOMAP_F_NEW). */
void
vm_xfs_reserve_delalloc (VmemuMachine *m, VmemuInode *ino, guint64 pos, guint64 len)
{
  if (len == 0)
    return;
  guint64 first = pos >> m->blkbits, last = (pos + len - 1) >> m->blkbits;
  guint64 run = G_MAXUINT64;
  for (guint64 b = first; b <= last + 1; b++)
    {
      gboolean hole = b <= last && vm_blk_get (ino, b).type == VM_BLK_HOLE;
      if (hole)
        {
          vm_blk_set (ino, b, VM_BLK_DELALLOC, 0);
          if (run == G_MAXUINT64)
            run = b;
        }
      else if (run != G_MAXUINT64)
        {
          vm_trace_inode (m, VMEMU_EV_XFS_DELALLOC_RESERVE, ino, run << m->blkbits,
                          (b - run) << m->blkbits, 0, 0, NULL);
          run = G_MAXUINT64;
        }
    }
}

/* xfs_map_blocks: what writeback finds at a block.  A delalloc block is
 * converted (xfs_bmapi_convert_delalloc converts the whole delalloc extent
 * around it, allocating real blocks). */
VmBlkType
vm_xfs_map_blocks (VmemuMachine *m, VmemuInode *ino, guint64 blk, guint64 *pblk)
{
  VmBlk b = vm_blk_get (ino, blk);
  if (b.type == VM_BLK_DELALLOC)
    {
      guint64 s = blk, e = blk;
      while (s > 0 && vm_blk_get (ino, s - 1).type == VM_BLK_DELALLOC)
        s--;
      while (vm_blk_get (ino, e + 1).type == VM_BLK_DELALLOC)
        e++;
      for (guint64 i = s; i <= e; i++)
        vm_blk_set (ino, i, VM_BLK_MAPPED, vm_pblk_alloc (m));
      vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_ALLOC, ino, s << m->blkbits,
                      (e - s + 1) << m->blkbits, 0, 0, NULL);
      b = vm_blk_get (ino, blk);
    }
  else if (b.type != VM_BLK_HOLE)
    vm_trace_inode (m, VMEMU_EV_XFS_MAP_BLOCKS_FOUND, ino, blk << m->blkbits,
                    m->block_size, b.type == VM_BLK_MAPPED ? VMEMU_IOMAP_MAPPED
                                                           : VMEMU_IOMAP_UNWRITTEN, 0, NULL);
  *pblk = b.pblk;
  return b.type;
}

/* xfs_itruncate_extents / xfs_free_file_space: blocks leave the file; written
 * ones go back to the allocator. */
void
vm_xfs_free_blocks (VmemuMachine *m, VmemuInode *ino, guint64 first, guint64 last)
{
  guint64 k = first, len, v, end = first;
  while (k <= last && vm_bmap_next (ino->blocks, &k, &len, &v) && k <= last)
    {
      len = MIN (len, last - k + 1);
      if (blk_step (v) != 0)   /* written or unwritten: back to the allocator, in block order */
        for (guint64 i = 0; i < len; i++)
          vm_pblk_free (m, (v >> 2) + i);
      k += len;
      end = k;
    }
  if (end > first)
    vm_bmap_set (ino->blocks, first, end - first, 0);   /* one removal for the range */
}

/* iomap_block_needs_zeroing: anything but a written extent, or past EOF,
 * reads as zeroes instead of from the device. */
gboolean
vm_block_needs_zeroing (VmemuMachine *m, VmemuInode *ino, guint64 pos)
{
  if (pos >= ino->i_size)
    return TRUE;
  return vm_blk_get (ino, pos >> m->blkbits).type != VM_BLK_MAPPED;
}

/* ---- the filesystem's ops tables (fs-ops.h) ---- */

/* xfs_filemap_fault: a read fault on a non-DAX file is filemap_fault (the
 * MMAPLOCK it takes is not modelled). */
static VmStep
xfs_filemap_fault (VmemuMachine *m, VmemuActor *a, const VmGetPage *gp)
{
  return vm_get_page_uptodate (m, a, gp);
}

/* xfs_filemap_map_pages: filemap_map_pages under the MMAPLOCK. */
static gboolean
xfs_filemap_map_pages (VmemuMachine *m, VmemuActor *a, VmemuMap *map, guint64 fault_i)
{
  return vm_filemap_map_pages (m, a, map, fault_i);
}

/* xfs_filemap_page_mkwrite -> __xfs_filemap_fault(write_fault) ->
 * iomap_page_mkwrite with xfs_buffered_write_iomap_ops. */
static int
xfs_filemap_page_mkwrite (VmemuMachine *m, VmemuPage *p, VmemuInode *ino)
{
  return vm_iomap_page_mkwrite (m, p, ino);
}

/* xfs_address_space_operations, xfs_file_vm_ops, xfs_buffered_write_iomap_ops
 * and xfs_writeback_ops of 5.8, and the iomap functions as released. */
const VmFsOps vm_xfs_fs_ops = {
  .a_ops = {
    .readpage = vm_iomap_readpage,                   /* xfs_vm_readpage */
    .readahead = vm_iomap_readahead,                 /* xfs_vm_readahead */
    .writepage = vm_iomap_writepage,                 /* xfs_vm_writepage */
    .writepages = { .writepage = vm_iomap_do_writepage,   /* xfs_vm_writepages */
                    .submit = vm_iomap_submit_ioend },
    .set_page_dirty = vm_set_page_dirty,             /* iomap_set_page_dirty */
    .releasepage = vm_iomap_releasepage,
    .invalidatepage = vm_iomap_invalidatepage,
    .is_partially_uptodate = vm_iomap_is_partially_uptodate,
    .migratepage = vm_iomap_migrate_page,
    .split_page_private = vm_iomap_page_release,
  },
  .vm_ops = {
    .fault = xfs_filemap_fault,
    .map_pages = xfs_filemap_map_pages,
    .page_mkwrite = xfs_filemap_page_mkwrite,
  },
  .i_op = { .itruncate_extents = vm_xfs_free_blocks },
  .iomap_ops = { .iomap_begin = vm_xfs_reserve_delalloc, .map_blocks = vm_xfs_map_blocks },
  .iomap = {
    .page_create = vm_iomap_page_create,
    .page_mkwrite_actor = vm_iomap_page_mkwrite_actor,
    .writepage_map_iop = vm_iomap_writepage_map_iop,
    .write_begin = vm_iomap_write_begin,
    .write_end = vm_iomap_write_end,
  },
};
