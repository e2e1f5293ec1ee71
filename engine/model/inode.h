/* inode.h — fs.h: the inode and its address_space (page cache, data fork,
 * sleeping locks, writeback state) and the oracle's copy of the file.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"
#include "engine/model/sparse.h"
#include "engine/xa/xa.h"

/* Per-block extent state, as the XFS data fork would say it. */
typedef enum { VM_BLK_HOLE, VM_BLK_DELALLOC, VM_BLK_UNWRITTEN, VM_BLK_MAPPED } VmBlkType;
typedef struct {
  guint8 type;                   /* VmBlkType */
  guint64 pblk;                  /* device block when UNWRITTEN or MAPPED */
} VmBlk;
/* In VmemuInode.blocks a block's value is one guint64: pblk << 2 | type (0
 * is a hole); an extent of them is one VmBmap entry (sparse.h). */
#define VM_BLK_PACK(type, pblk) (((guint64) (pblk) << 2) | (guint64) (type))

/* A sleeping reader/writer lock (struct rw_semaphore): the XFS IOLOCK (the
 * VFS inode's i_rwsem in 5.8) and MMAPLOCK (ip->i_mmaplock).  Sleepers queue
 * in FIFO order (actor->rw_next); locks.c says how they are woken. */
typedef struct {
  gint32 readers;                /* shared holders */
  VmemuActor *writer;            /* the exclusive holder, or NULL */
  VmemuActor *wait_head, *wait_tail;   /* sleepers, oldest first */
  guint8 cls;                    /* VM_ILOCK_IOLOCK or VM_ILOCK_MMAPLOCK (for the trace) */
} VmRwsem;
enum { VM_ILOCK_IOLOCK = 1, VM_ILOCK_MMAPLOCK = 2 };
enum { VM_LOCK_SHARED = 1, VM_LOCK_EXCL = 2 };
#define VM_MAX_HELD_LOCKS 4

/* The fields every cached read touches come first (inode number, size, page
 * cache, IOLOCK, the oracle's views), so a read of a cold inode costs two
 * cache lines, not five: at millions of cached pages in thousands of files
 * the inode is a cache miss per read. */
struct _VmemuInode {
  guint64 ino;
  guint64 i_size;                /* in-core size */
  VmemuXa *pages;                /* the page cache (i_pages) */
  const VmAops *a_ops;           /* mapping->a_ops (fs-ops.h) */
  /* oracle: what a correct kernel shows for this file */
  VmContent *expected;           /* its size is the oracle's file length */
  VmContentRng *content_rng;     /* where its initial random content began (or NULL) */
  VmBmap *page_gen;              /* per page index: oracle generation of its last change (constant-valued extents) */
  guint file_idx;
  guint copies_in_flight;        /* copy_range calls over more than one page, running now */
  VmRwsem iolock;                /* XFS_IOLOCK_* = inode->i_rwsem */
  VmRwsem mmaplock;              /* XFS_MMAPLOCK_* = ip->i_mmaplock */
  char *path;
  guint64 disk_size;             /* on-disk di_size (survives a power cut) */
  /* the data fork: extents of block number -> VM_BLK_PACK()ed value (none:
   * a hole; xfs.c), and one past the last block it ever extended to (what
   * xfs's extent count bounds: truncate and shifts look up to it) */
  VmBmap *blocks;
  guint64 blocks_len;
  /* writeback state (struct inode / bdi_writeback) */
  gboolean dirty;                /* I_DIRTY_PAGES: on the b_dirty list */
  guint64 dirtied_when_ns;
  GList *dirty_link;             /* node in machine->b_dirty */
  guint64 writeback_index;       /* mapping->writeback_index, for cyclic writeback */
  guint32 wb_err_seq;            /* errseq_t of the mapping: bumped on each error */
  int wb_err;                    /* last error (negative errno) */
  GPtrArray *maps;               /* i_mmap: VmemuMap* mapping this inode */
  guint64 sb_list_seq;           /* order of inode_sb_list_add (0: not in core yet) */
  /* durable: contents fsync'd (for power cuts); durable_known marks (1) the
   * bytes it covers */
  VmContent *durable;
  VmRanges *durable_known;
  guint64 durable_size;
  gboolean durable_size_known;
};
