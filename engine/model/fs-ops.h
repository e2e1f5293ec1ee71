/* fs-ops.h — the tables through which the mm side of the model reaches the
 * filesystem, shaped as in Linux 5.8, and the iomap functions a variant may
 * replace.
 *
 *   struct address_space_operations   VmAops      page->mapping->a_ops
 *   struct vm_operations_struct       VmVmOps     vma->vm_ops
 *   struct iomap_ops / iomap_writeback_ops  VmIomapOps   iomap -> the XFS-like fs
 *   struct inode_operations (truncate)      VmInodeOps
 *   iomap's own seams                 VmIomapFuncs  iomap_page_create, the
 *                                     page_mkwrite actor, writepage_map's
 *                                     missing-iop handling, __iomap_write_begin
 *
 * The XFS-like filesystem supplies the iomap-based tables (xfs.c:
 * vm_xfs_fs_ops, as xfs_address_space_operations and xfs_file_vm_ops do).
 * Each machine copies them into its own VmFsOps and lays every replacement
 * its variant names over them, in order (vm_fs_ops_build); reclaim.c,
 * writeback.c, ops.c, readahead.c, mmap.c, page.c, folio.c and the migration
 * code call only through them (make check-deps, .ci/layers.conf).
 *
 * A variant file (variants/, docs/patching.md) that replaces a function
 * includes this header and defines a struct VmemuVariantOps with the entries
 * it replaces; NULL entries keep what the base has.
 */
#pragma once

#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/filemap.h"
#include "engine/model/iomap.h"

/* address_space_operations (include/linux/fs.h).  The model's
 * write_cache_pages is restartable, so ->writepages comes in the two halves
 * iomap_writepages hands it: the writepage_t callback (iomap_do_writepage)
 * and the final flush (iomap_submit_ioend).  ->migratepage is the
 * filesystem's part of migrate_page: the private data moving to the new
 * page (migrate_page_move_mapping and migrate_page_copy stay generic). */
struct VmAops {
  void (*readpage) (VmemuMachine *m, VmemuPage *p);
  void (*readahead) (VmemuMachine *m, VmemuInode *ino, VmemuPage **pages, guint n);
  void (*writepage) (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p);
  struct {
    void (*writepage) (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p);
    void (*submit) (VmemuMachine *m, VmemuWbc *wbc);
  } writepages;
  gboolean (*set_page_dirty) (VmemuMachine *m, VmemuPage *p);
  int (*releasepage) (VmemuMachine *m, VmemuPage *p);
  void (*invalidatepage) (VmemuMachine *m, VmemuPage *p, guint off, guint len);
  gboolean (*is_partially_uptodate) (VmemuMachine *m, VmemuPage *p, guint from, guint count);
  void (*migratepage) (VmemuMachine *m, VmemuPage *newpage, VmemuPage *page);
  /* Not in 5.8, whose page cache has no large folios: what the filesystem
   * does with a large folio's private data when split_huge_page cuts it into
   * pages (the THP series: iomap drops the folio's iomap_page; each page
   * keeps PG_uptodate and PG_dirty). */
  void (*split_page_private) (VmemuMachine *m, VmemuPage *page);
};

/* vm_operations_struct (include/linux/mm.h). */
struct VmVmOps {
  VmStep (*fault) (VmemuMachine *m, VmemuActor *a, const VmGetPage *gp);
  gboolean (*map_pages) (VmemuMachine *m, VmemuActor *a, VmemuMap *map, guint64 fault_i);
  int (*page_mkwrite) (VmemuMachine *m, VmemuPage *p, VmemuInode *ino);
};

/* iomap_ops (->iomap_begin of xfs_buffered_write_iomap_ops: delalloc under
 * holes) and iomap_writeback_ops (->map_blocks: xfs_map_blocks). */
typedef struct {
  void (*iomap_begin) (VmemuMachine *m, VmemuInode *ino, guint64 pos, guint64 len);
  VmBlkType (*map_blocks) (VmemuMachine *m, VmemuInode *ino, guint64 blk, guint64 *pblk);
} VmIomapOps;

/* inode_operations, the part truncate needs: ->setattr's block freeing
 * (xfs_setattr_size -> xfs_itruncate_extents). */
typedef struct {
  void (*itruncate_extents) (VmemuMachine *m, VmemuInode *ino, guint64 first_blk,
                             guint64 last_blk);
} VmInodeOps;

/* Functions inside fs/iomap/buffered-io.c that patches change. */
typedef struct {
  /* iomap_page_create (caller: VM_IOP_CALLER_*) */
  void (*page_create) (VmemuMachine *m, VmemuPage *p, int caller);
  /* iomap_page_mkwrite_actor on a locked page inside EOF, after iomap_apply
   * mapped it: 5.8 creates the iop and dirties the page */
  void (*page_mkwrite_actor) (VmemuMachine *m, VmemuPage *p);
  /* what iomap_writepage_map does about a page without an iop before it maps
   * the blocks: nothing in 5.8; 98fee973806a creates one */
  void (*writepage_map_iop) (VmemuMachine *m, VmemuPage *p);
  /* __iomap_write_begin (restartable) */
  VmStep (*write_begin) (VmemuMachine *m, VmemuActor *a, VmemuPage *p, guint64 pos, guint len,
                         int *error);
  /* __iomap_write_end */
  void (*write_end) (VmemuMachine *m, VmemuPage *p, guint64 pos, guint len);
} VmIomapFuncs;

/* One machine's tables, or (sparse) one variant's replacements. */
struct VmemuVariantOps {
  VmAops a_ops;
  VmVmOps vm_ops;
  VmInodeOps i_op;
  VmIomapOps iomap_ops;
  VmIomapFuncs iomap;
};

/* page->mapping->a_ops; a page deleted from the cache (mapping NULL) still
 * reaches its inode's table through its owner, as the model keeps it. */
static inline const VmAops *
vm_page_a_ops (VmemuMachine *m, const VmemuPage *p)
{
  /* the owner is the mapping while the page is cached */
  const VmemuInode *ino = p->owner_idx ? g_ptr_array_index (m->inodes, p->owner_idx - 1) : NULL;
  return ino && ino->a_ops ? ino->a_ops : &m->fs_ops->a_ops;
}

/* The XFS-like filesystem's tables (xfs.c). */
extern const VmFsOps vm_xfs_fs_ops;

/* base, then every replacement of the variant's ops in order. */
void vm_fs_ops_build (VmFsOps *out, const VmFsOps *base, const VmemuVariant *variant);

/* ---- helpers for replacement functions (iomap.c) ---- */
/* kzalloc of an iomap_page: every uptodate bit clear, counts zero (the page
 * has none yet). */
void vm_iop_init (VmemuMachine *m, VmemuPage *p);
/* bitmap_fill of the page's blocks */
void vm_iop_set_all (VmemuMachine *m, VmemuPage *p);
/* attach_page_private + the iomap_page_create trace event */
void vm_iop_attach (VmemuMachine *m, VmemuPage *p, int caller);
