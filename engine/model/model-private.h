/* model-private.h — the kernel model's shared structures.  Only engine/model/
 * includes this.  Functions are named vm_<kernel function> after the Linux
 * 5.8 function they stand for; docs/model.md maps each one.
 */
#pragma once

#include <glib.h>

#include "engine/model/machine.h"
#include "engine/model/sparse.h"
#include "engine/sim/sim.h"
#include "engine/xa/xa.h"

typedef struct _VmemuInode VmemuInode;
typedef struct _VmemuPage VmemuPage;
typedef struct _VmemuMap VmemuMap;
typedef struct _VmemuActor VmemuActor;
typedef struct _VmemuBio VmemuBio;
typedef struct _VmemuWbc VmemuWbc;
/* The filesystem's ops tables (fs-ops.h). */
typedef struct VmAops VmAops;
typedef struct VmVmOps VmVmOps;
typedef struct VmemuVariantOps VmFsOps;

#define VM_PAGEVEC_SIZE 15        /* PAGEVEC_SIZE */
#define VM_SWAP_CLUSTER_MAX 32
#define VM_DEF_PRIORITY 12
#define VM_MAX_RECLAIM_RETRIES 16
#define VM_MAX_BLOCKS 128         /* 64 KiB page / 512-byte blocks */

/* Step results of restartable operations. */
typedef enum { VM_DONE, VM_BLOCKED } VmStep;

enum { VM_LRU_NONE, VM_LRU_INACTIVE, VM_LRU_ACTIVE };
enum { VM_PVEC_LRU_ADD, VM_PVEC_ACTIVATE, VM_PVEC_ROTATE, VM_PVEC_DEACTIVATE, VM_N_PVEC };

/* struct page + its iomap_page (the iop is embedded: PG_private says it exists). */
struct _VmemuPage {
  guint32 flags;                 /* VMEMU_PG_* (MAPPED is derived, never stored) */
  gint32 refcount;               /* == sum of refs[] */
  gint32 mapcount;               /* PTEs mapping it */
  guint32 pfn;                   /* allocation order, a stable page identity */
  guint8 refs[VMEMU_REF__COUNT]; /* the reference ledger, per holder */
  guint8 lru;                    /* VM_LRU_* list it is on (with PG_lru) */
  guint8 folio_order;            /* member of a large folio of 1 << order pages (0: none) */
  guint8 iop_read_count;         /* iomap_page.read_count */
  guint16 iop_write_count;       /* iomap_page.write_count */
  guint64 iop_bits[2];           /* iomap_page.uptodate, one bit per block */
  guint64 index;                 /* page->index */
  VmemuInode *mapping;           /* page->mapping, NULL once deleted from the cache */
  VmemuInode *owner;             /* the inode it was cached for (kept after deletion) */
  guint8 *data;                  /* page contents; NULL means all zero */
  VmemuPage *lru_prev, *lru_next;
};

/* PG_waiters (as in the kernel): someone sleeps on the page; the sleepers are
 * in machine->waitq, so pages without sleepers carry no list head.  An
 * internal bit, masked out of trace flags. */
#define VM_PG_WAITERS (1u << 15)
/* The page's reference changes are traced (page.c): internal, like PG_waiters. */
#define VM_PG_REFS_TRACED (1u << 14)
#define VM_PG_TRACE_MASK ((1u << VMEMU_PG__NBITS) - 1)

/* Per-block extent state, as the XFS data fork would say it. */
typedef enum { VM_BLK_HOLE, VM_BLK_DELALLOC, VM_BLK_UNWRITTEN, VM_BLK_MAPPED } VmBlkType;
typedef struct {
  guint8 type;                   /* VmBlkType */
  guint64 pblk;                  /* device block when UNWRITTEN or MAPPED */
} VmBlk;
/* In VmemuInode.blocks each block is one guint64: pblk << 2 | type (0 is a
 * hole), half the size of a VmBlk. */
#define VM_BLK_PACK(type, pblk) (((guint64) (pblk) << 2) | (guint64) (type))
G_STATIC_ASSERT (sizeof (gpointer) >= sizeof (guint64));   /* packed values live in pointers */

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

struct _VmemuInode {
  guint64 ino;
  char *path;
  guint file_idx;
  guint64 i_size;                /* in-core size */
  guint64 disk_size;             /* on-disk di_size (survives a power cut) */
  /* the data fork: block number -> VM_BLK_PACK()ed value as a pointer (no
   * entry: a hole), and one past the last block it ever extended to (what
   * xfs's extent count bounds: truncate and shifts look up to it) */
  VmemuXa *blocks;
  guint64 blocks_len;
  VmemuXa *pages;                /* the page cache (i_pages) */
  /* writeback state (struct inode / bdi_writeback) */
  gboolean dirty;                /* I_DIRTY_PAGES: on the b_dirty list */
  guint64 dirtied_when_ns;
  GList *dirty_link;             /* node in machine->b_dirty */
  guint64 writeback_index;       /* mapping->writeback_index, for cyclic writeback */
  guint32 wb_err_seq;            /* errseq_t of the mapping: bumped on each error */
  int wb_err;                    /* last error (negative errno) */
  GPtrArray *maps;               /* i_mmap: VmemuMap* mapping this inode */
  guint64 sb_list_seq;           /* order of inode_sb_list_add (0: not in core yet) */
  VmRwsem iolock;                /* XFS_IOLOCK_* = inode->i_rwsem */
  VmRwsem mmaplock;              /* XFS_MMAPLOCK_* = ip->i_mmaplock */
  guint copies_in_flight;        /* copy_range calls over more than one page, running now */
  const VmAops *a_ops;           /* mapping->a_ops (fs-ops.h) */
  /* oracle: what a correct kernel shows for this file */
  VmSparse *expected;            /* its size is the oracle's file length */
  /* durable: contents fsync'd (for power cuts); durable_known marks (1) the
   * bytes it covers */
  VmSparse *durable;
  VmRanges *durable_known;
  VmRanges *page_gen;            /* per page index: oracle generation of its last change */
  guint64 durable_size;
  gboolean durable_size_known;
};

enum { VM_PTE_PRESENT = 1, VM_PTE_WRITE = 2, VM_PTE_DIRTY = 4, VM_PTE_YOUNG = 8, VM_PTE_COW = 16 };

/* One mmap() of a file (vm_area_struct + its page table). */
struct _VmemuMap {
  gint sym;                      /* scenario symbol ("as") */
  VmemuActor *task;
  VmemuInode *inode;
  guint64 pgoff;                 /* first file page */
  guint64 npages;
  gboolean private_map;          /* MAP_PRIVATE */
  gboolean unmapped;
  guint8 *pte;                   /* VM_PTE_* per page */
  VmemuPage **ptepage;           /* page-cache page a shared PTE maps */
  guint8 **cow;                  /* private copies after a COW fault */
  const VmVmOps *vm_ops;         /* vma->vm_ops, set by the file's ->mmap (fs-ops.h) */
};

typedef enum { VM_ACTOR_USER, VM_ACTOR_KSWAPD, VM_ACTOR_FLUSHER, VM_ACTOR_FINAL } VmActorKind;

/* A pagevec filled by pagevec_lookup_range_tag(): up to PAGEVEC_SIZE pages,
 * each with a VMEMU_REF_WBBATCH reference, held until pagevec_release() --
 * across every sleep on a later page of the batch (lock_page,
 * wait_on_page_writeback).  Used by write_cache_pages and
 * __filemap_fdatawait_range. */
typedef struct {
  VmemuPage *pages[VM_PAGEVEC_SIZE];
  guint nr;                      /* pages in the batch */
  guint i;                       /* the page being worked on */
  gboolean drained;              /* percpu_pvec_drained: the first release drained */
  gboolean locked;               /* write_cache_pages holds pages[i]'s lock */
  gboolean started;              /* a walk is in progress (index is valid) */
  guint64 index;                 /* next index to look up from */
} VmWbBatch;

/* Restartable state of a write_cache_pages pass (struct writeback_control). */
struct _VmemuWbc {
  VmemuInode *inode;
  gboolean sync_all;             /* WB_SYNC_ALL */
  gboolean for_reclaim, for_kupdate, for_background;
  guint64 start, end;            /* page index range (inclusive) */
  gboolean cyclic;
  gboolean range_whole;          /* range_start 0 .. LLONG_MAX: stores writeback_index */
  gint64 nr_to_write;
  /* progress */
  gboolean started;
  VmWbBatch pvec;                /* the pagevec write_cache_pages holds */
  gboolean done;                 /* stop after this batch (nr_to_write used up) */
  guint64 done_index;            /* index of the last page looked at (cyclic restart) */
  VmemuPage *page;               /* copy_file_range parks its pipe page here (fsops.c) */
  guint64 written;
  int error;
  VmemuBio *ioend;               /* the ioend being built (iomap_writepage_ctx) */
};

/* Restartable state of the current operation of a user task. */
typedef struct {
  int phase;
  guint64 pos, end;              /* bytes */
  VmemuPage *page;               /* page held across a sleep, with a ref of `holder` */
  int holder;
  int sub;                       /* sub-machine phase (page lookup, fault, mkwrite) */
  guint64 timer_until_ns;
  VmemuWbc wbc;
  VmWbBatch wait;                /* __filemap_fdatawait_range's pagevec */
  VmemuPage *wp_page;            /* wp_page_shared: its reference, kept to the end of the fault */
  VmemuInode *inode;
  guint ino_i;                   /* sync/drop_caches: inode cursor */
  int result;                    /* errno-style result (0 or negative) */
  gboolean checked, bad;         /* verification accumulated over the op */
  guint64 bad_off, bad_len, bad_total;
  guint64 bad_last;              /* offset of the last mismatching byte (for the span) */
  guint8 exp[16], got[16];
  guint nexp;
  guint64 count;
  guint64 blk_pos;               /* __iomap_write_begin: next block_start */
  guint pending_io;              /* synchronous reads in flight */
  guint chunk;                   /* bytes of the current page step */
  guint32 gen_start;             /* oracle generation when the op began */
  int io_error;
  guint64 isize_from;            /* iomap_write_end: old_size for pagecache_isize_extended */
  guint fault_retries;           /* map_access: the page was unmapped before the access */
} VmOpState;

/* struct file_ra_state of one open file (one per task and file). */
typedef struct {
  guint64 start, size, async_size;
  guint64 ra_pages;
  guint32 mmap_miss;
  guint64 prev_pos;              /* G_MAXUINT64: -1, nothing read yet */
} VmRaState;

struct _VmemuActor {
  gint32 id;
  char *name;
  guint32 cpu;
  VmActorKind kind;
  gboolean done;
  gboolean wake_pending;
  VmemuActor *wait_next;         /* on a page's waiters list */
  VmemuPage *waiting_on;
  /* sleeping locks (locks.c) */
  VmRwsem *rw_wait;              /* the rwsem this actor sleeps on, or NULL */
  VmemuActor *rw_next;           /* next sleeper on rw_wait */
  guint8 rw_mode;                /* VM_LOCK_* asked for */
  VmRwsem *held[VM_MAX_HELD_LOCKS];   /* rwsems held now */
  guint8 held_mode[VM_MAX_HELD_LOCKS];
  guint nheld;
  /* user tasks */
  GArray *ops;                   /* of VmemuOp: the task's ops from op_base on (owned copy) */
  guint op_i;                    /* the current op's number in the task (0-based) */
  guint op_base;                 /* number of ops[0]: a generated task's window moves */
  struct _VmemuGenerator *gen;   /* a `generate:` task's stream, NULL once drained */
  gboolean in_op;
  VmOpState st;
  GPtrArray *maps;               /* by symbol: VmemuMap* (this task's mappings) */
  GArray *regions;               /* by symbol: guint64 anonymous pages */
  guint64 nr_dirtied;            /* balance_dirty_pages_ratelimited counter */
  guint32 *errseq;               /* per file: the wb_err_seq this task has seen (f_wb_err) */
  VmRaState *ra;                 /* per file: its struct file's f_ra */
  guint64 next_start_ns;
  /* kernel threads */
  guint64 kthread_state;
};

/* A bio: a run of device blocks, with the page segments it moves. */
typedef enum { VM_BIO_READ_PAGES, VM_BIO_READ_SYNC, VM_BIO_WRITE,
               VM_BIO_DIO_READ, VM_BIO_DIO_WRITE /* direct I/O: fsops.c completes them */
} VmBioKind;
typedef struct {
  VmemuPage *page;
  guint32 off;                   /* byte offset in the page */
  guint32 len;
} VmBioSeg;

struct _VmemuBio {
  guint64 id;
  VmBioKind kind;
  VmemuInode *inode;
  guint64 pblk;                  /* first device block */
  guint32 nblocks;
  guint64 file_off;              /* file offset of the first byte */
  guint64 bytes;                 /* sum of the segments */
  gboolean accounted;            /* traced and counted at its first submission */
  gboolean readahead;
  gboolean unwritten;            /* convert the extent at completion */
  GArray *segs;                  /* of VmBioSeg */
  guint8 *buf;                   /* write: data snapshot at submission */
  int error;
  VmemuActor *waiter;            /* VM_BIO_READ_SYNC: who waits */
  VmemuBio *next;                /* device queue */
  gboolean dropped;              /* power cut: never completes */
};

typedef struct {
  VmemuInode *inode;             /* NULL: any file */
  guint64 first_blk, last_blk;   /* file blocks */
  VmemuInjectOn on;
  guint32 count;
} VmInject;

typedef struct {
  VmemuPage *pages[VM_PAGEVEC_SIZE];
  guint n;
} VmPagevec;

typedef struct {
  VmPagevec pv[VM_N_PVEC];
} VmCpu;

struct _VmemuMachine {
  const VmemuScenario *scn;
  VmemuScenario *owned_scn;      /* scn with the generator's symbols, when it has `generate:` */
  VmemuScenario *expanded_scn;   /* vmemu_machine_scenario(): generate: expanded, on demand */
  GPtrArray *all_maps;           /* every VmemuMap ever created (owned) */
  const VmemuVariant *variant;
  VmFsOps *fs_ops;               /* the fs's tables with the variant's replacements (fs-ops.h) */
  VmemuTrace *trace;
  VmemuSim *sim;
  guint64 seed;
  guint64 page_size;
  guint page_shift;
  guint64 block_size;
  guint blkbits;
  guint blocks_per_page;
  guint64 time_limit_ns;
  const volatile gint *interrupt;

  GPtrArray *inodes;             /* VmemuInode*, by file index */
  guint64 sb_list_next;          /* inode_sb_list_add stamps (s_inodes order) */
  GPtrArray *actors;             /* VmemuActor*, by id */
  VmemuActor *cur;               /* actor running now (for trace attribution) */
  VmemuActor *kswapd, *flusher, *final;
  guint live_tasks;
  gboolean finished;
  GPtrArray *pipes;              /* by symbol: GPtrArray of VmemuPage* with PIPE refs */
  GHashTable *waitq;             /* VmemuPage* -> first sleeping VmemuActor (lookups only) */

  /* memory */
  guint64 total_pages;
  guint64 nr_free;
  guint64 wmark_min, wmark_low, wmark_high;
  guint64 nr_file, nr_anon, nr_dirty, nr_writeback;
  guint32 next_pfn;
  VmemuPage *lru_head[3], *lru_tail[3];   /* [VM_LRU_INACTIVE], [VM_LRU_ACTIVE] */
  guint64 lru_count[3];
  VmCpu *cpus;
  guint ncpus;
  gboolean kswapd_running;
  guint kswapd_failures;
  gboolean pgdat_dirty, pgdat_writeback;
  gboolean bh_over_limit;
  gboolean drain_on_exit;
  /* the last user-task step on a file (note_same_instant in machine.c) */
  gboolean inst_valid;
  guint64 inst_t_ns;
  int inst_file;
  guint32 inst_cpu;

  /* writeback */
  GQueue b_dirty;                /* dirty inodes, oldest first */
  gboolean flusher_armed;
  guint64 flusher_timer_gen;
  guint64 last_old_flush_ns;
  gboolean bg_requested;
  gboolean start_all;            /* WB_start_all: write every dirty page (vmscan wake-up) */
  guint64 sync_gen;
  guint32 oracle_gen;            /* bumped by every change to an expected file */
  gboolean track_durable;        /* the scenario cuts power: keep the fsync'd copy */

  /* device */
  GPtrArray *disk;               /* by device block: guint8* or NULL (zeros) */
  guint64 next_pblk;
  GArray *free_pblks;            /* freed device blocks, reused LIFO */
  guint64 dev_blocks;
  guint inflight;
  VmemuBio *queue_head, *queue_tail;
  guint64 next_bio_id;
  GArray *injects;               /* of VmInject */
  GPtrArray *bios_inflight;      /* for power cut */
  VmemuRng rng;                  /* device jitter and content */

  /* fsx data pattern (when the scenario has one) */
  struct _VmemuFsxPattern *fsx;

  VmemuRunResult result;
  const VmemuPage *activity_released;  /* page whose private data try_to_release_page just freed */
};

/* ---- machine.c: actors, tracing, results ---- */
void vm_actor_wake (VmemuMachine *m, VmemuActor *a);
void vm_actor_sleep_until (VmemuMachine *m, VmemuActor *a, guint64 t_ns);
void vm_trace_page (VmemuMachine *m, VmemuEventId id, VmemuPage *p, guint32 before,
                    gint64 a0, gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace_inode (VmemuMachine *m, VmemuEventId id, VmemuInode *ino, gint64 a0,
                     gint64 a1, gint64 a2, gint64 a3, const char *detail);
void vm_trace (VmemuMachine *m, VmemuEventId id, gint64 a0, gint64 a1, gint64 a2, gint64 a3,
               const char *detail);
guint32 vm_page_trace_flags (const VmemuPage *p);
char *vm_page_holders (const VmemuPage *p);
static inline guint64 vm_now (VmemuMachine *m) { return vmemu_sim_now_ns (m->sim); }
/* The run reached a simplification of the model that could change its
 * verdict (`what` names it and the kernel function it stands for): recorded
 * once in the result and traced as vmemu_depends_on. */
void vm_depends_on (VmemuMachine *m, const char *what);
/* 5.8 would BUG() here (`what` names the assertion): recorded once in the
 * result and traced as vmemu_kernel_bug; the model goes on. */
void vm_kernel_bug (VmemuMachine *m, const char *what);

/* ---- page.c: page state, refs, locks, page cache, LRU, pagevecs ---- */
static inline gboolean vm_pg (const VmemuPage *p, guint32 f) { return (p->flags & f) != 0; }
VmemuPage *vm_page_alloc (VmemuMachine *m, int holder);   /* NULL: out of memory */
void vm_get_page (VmemuMachine *m, VmemuPage *p, int holder);
void vm_put_page (VmemuMachine *m, VmemuPage *p, int holder);
void vm_move_ref (VmemuMachine *m, VmemuPage *p, int from, int to);
gboolean vm_trylock_page (VmemuPage *p);
VmStep vm_lock_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p);
void vm_unlock_page (VmemuMachine *m, VmemuPage *p);
VmStep vm_wait_on_page (VmemuMachine *m, VmemuActor *a, VmemuPage *p);
void vm_wake_page (VmemuMachine *m, VmemuPage *p);
VmemuPage *vm_find_get_page (VmemuMachine *m, VmemuInode *ino, guint64 index, int holder);
gboolean vm_add_to_page_cache_lru (VmemuMachine *m, VmemuActor *a, VmemuPage *p,
                                   VmemuInode *ino, guint64 index);
void vm_delete_from_page_cache (VmemuMachine *m, VmemuPage *p);
void vm_mark_page_accessed (VmemuMachine *m, VmemuPage *p);
void vm_pagevec_add (VmemuMachine *m, guint cpu, int pvec, VmemuPage *p);
void vm_lru_add_drain (VmemuMachine *m, guint cpu, const char *reason);
void vm_lru_add_drain_all (VmemuMachine *m, const char *reason);
void vm_lru_del (VmemuMachine *m, VmemuPage *p);
void vm_lru_add_head (VmemuMachine *m, VmemuPage *p, int lru);
void vm_lru_add_tail (VmemuMachine *m, VmemuPage *p, int lru);
guint8 *vm_page_data (VmemuMachine *m, VmemuPage *p);   /* allocates on first use */
guint64 vm_eof_index (VmemuMachine *m, VmemuInode *ino, guint64 *eof_off);

/* ---- iomap.c: fs/iomap/buffered-io.c ---- */
enum { VM_IOP_CALLER_READ, VM_IOP_CALLER_WRITE_BEGIN, VM_IOP_CALLER_MKWRITE,
       VM_IOP_CALLER_WRITEPAGE, VM_IOP_CALLER_SETUP };
gboolean vm_iop_test (VmemuMachine *m, const VmemuPage *p, guint blk);
guint64 vm_iop_bits_value (VmemuMachine *m, const VmemuPage *p);
gboolean vm_iop_full (VmemuMachine *m, const VmemuPage *p);
void vm_iomap_page_create (VmemuMachine *m, VmemuPage *p, int caller);
void vm_iomap_page_release (VmemuMachine *m, VmemuPage *p);
void vm_iomap_set_range_uptodate (VmemuMachine *m, VmemuPage *p, guint off, guint len);
int vm_iomap_releasepage (VmemuMachine *m, VmemuPage *p);
void vm_iomap_invalidatepage (VmemuMachine *m, VmemuPage *p, guint off, guint len);
void vm_iomap_readpage (VmemuMachine *m, VmemuPage *p);
void vm_iomap_readahead (VmemuMachine *m, VmemuInode *ino, VmemuPage **pages, guint n);
gboolean vm_iomap_is_partially_uptodate (VmemuMachine *m, VmemuPage *p, guint from, guint count);
VmStep vm_iomap_write_begin (VmemuMachine *m, VmemuActor *a, VmemuPage *p, guint64 pos,
                             guint len, int *error);
void vm_iomap_write_end (VmemuMachine *m, VmemuPage *p, guint64 pos, guint len);
int vm_iomap_page_mkwrite (VmemuMachine *m, VmemuPage *p, VmemuInode *ino);
void vm_iomap_do_writepage (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p);
void vm_iomap_submit_ioend (VmemuMachine *m, VmemuWbc *wbc);
void vm_iomap_writepage (VmemuMachine *m, VmemuWbc *wbc, VmemuPage *p);
void vm_iomap_page_mkwrite_actor (VmemuMachine *m, VmemuPage *p);
void vm_iomap_writepage_map_iop (VmemuMachine *m, VmemuPage *p);
void vm_iomap_migrate_page (VmemuMachine *m, VmemuPage *np, VmemuPage *p);
void vm_end_page_writeback (VmemuMachine *m, VmemuPage *p);
void vm_read_end_io (VmemuMachine *m, VmemuBio *bio);
void vm_write_end_io (VmemuMachine *m, VmemuBio *bio);

/* ---- xfs.c: extents, allocation, iomap_begin ---- */
VmBlk vm_blk_get (VmemuInode *ino, guint64 blk);
void vm_blk_set (VmemuInode *ino, guint64 blk, VmBlkType type, guint64 pblk);
guint64 vm_pblk_alloc (VmemuMachine *m);
void vm_pblk_free (VmemuMachine *m, guint64 pblk);
void vm_xfs_reserve_delalloc (VmemuMachine *m, VmemuInode *ino, guint64 pos, guint64 len);
void vm_blk_shift (VmemuInode *ino, guint64 from, guint64 shift, gboolean up);
void vm_blk_drop_delalloc (VmemuInode *ino);
VmBlkType vm_xfs_map_blocks (VmemuMachine *m, VmemuInode *ino, guint64 blk, guint64 *pblk);
void vm_xfs_free_blocks (VmemuMachine *m, VmemuInode *ino, guint64 first_blk, guint64 last_blk);
gboolean vm_block_needs_zeroing (VmemuMachine *m, VmemuInode *ino, guint64 pos);

/* ---- bdev.c: the block device ---- */
VmemuBio *vm_bio_new (VmemuMachine *m, VmBioKind kind, VmemuInode *ino, guint64 pblk,
                      guint64 file_off);
void vm_bio_add (VmemuBio *bio, VmemuPage *p, guint off, guint len);
void vm_submit_bio (VmemuMachine *m, VmemuBio *bio);
void vm_bio_free (VmemuBio *bio);
const guint8 *vm_disk_block (VmemuMachine *m, guint64 pblk);   /* NULL = zeros */
void vm_disk_write (VmemuMachine *m, guint64 pblk, const guint8 *data);
void vm_bdev_power_cut (VmemuMachine *m);

/* ---- writeback.c: mm/page-writeback.c, fs/fs-writeback.c ---- */
gboolean vm_set_page_dirty (VmemuMachine *m, VmemuPage *p);
gboolean vm_clear_page_dirty_for_io (VmemuMachine *m, VmemuPage *p);
void vm_cancel_dirty_page (VmemuMachine *m, VmemuPage *p);
void vm_set_page_writeback (VmemuMachine *m, VmemuPage *p, gboolean keepwrite);
void vm_redirty_page_for_writepage (VmemuMachine *m, VmemuPage *p, int reason);
void vm_wbc_init (VmemuWbc *wbc, VmemuInode *ino, gboolean sync_all, guint64 start,
                  guint64 end);
VmStep vm_write_cache_pages (VmemuMachine *m, VmemuActor *a, VmemuWbc *wbc);
VmStep vm_filemap_fdatawait_range (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                   guint64 start, guint64 end);
void vm_mapping_set_error (VmemuMachine *m, VmemuInode *ino, int error);
void vm_flusher_resume (VmemuMachine *m, VmemuActor *a);
void vm_wb_wakeup_delayed (VmemuMachine *m);
void vm_wb_start_background (VmemuMachine *m);
void vm_wakeup_flusher_threads (VmemuMachine *m);
VmStep vm_balance_dirty_pages_ratelimited (VmemuMachine *m, VmemuActor *a);
void vm_dirty_thresholds (VmemuMachine *m, guint64 *bg, guint64 *thresh);

/* ---- reclaim.c: mm/vmscan.c, mm/truncate.c, page allocation ---- */
void vm_setup_watermarks (VmemuMachine *m);
gboolean vm_alloc_pages_check (VmemuMachine *m, guint64 n);
void vm_kswapd_resume (VmemuMachine *m, VmemuActor *a);
guint64 vm_shrink_node (VmemuMachine *m, gboolean kswapd, int priority, guint64 nr_to_reclaim);
guint64 vm_invalidate_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 start,
                                     guint64 end);
void vm_truncate_inode_pages_range (VmemuMachine *m, VmemuInode *ino, guint64 lstart,
                                    guint64 lend);
int vm_invalidate_inode_pages2_range (VmemuMachine *m, VmemuInode *ino, guint64 start,
                                      guint64 end);
void vm_truncate_inode_pages_final (VmemuMachine *m, VmemuInode *ino);

/* ---- mmap.c: mm/memory.c, mm/rmap.c ---- */
VmemuMap *vm_mmap (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, gint sym, guint64 off,
                   guint64 len, gboolean private_map);
void vm_munmap (VmemuMachine *m, VmemuMap *map);
gboolean vm_page_mkclean (VmemuMachine *m, VmemuPage *p);
gboolean vm_page_mkclean_from (VmemuMachine *m, VmemuPage *p, const char *caller);
gboolean vm_try_to_unmap (VmemuMachine *m, VmemuPage *p);
void vm_unmap_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 first, guint64 last);
int vm_page_referenced (VmemuMachine *m, VmemuPage *p);

/* ---- locks.c: sleeping inode locks (XFS IOLOCK / MMAPLOCK) ---- */
void vm_rwsem_init (VmRwsem *sem, int cls);
/* down_read / down_write: VM_DONE once held (again VM_DONE when the actor
 * already holds it), VM_BLOCKED while queued; call again when woken. */
VmStep vm_rwsem_down (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmRwsem *sem, int mode);
void vm_rwsem_up (VmemuMachine *m, VmemuActor *a, VmRwsem *sem);
/* The locks a syscall takes for its whole length, as 5.8 XFS does. */
VmStep vm_op_ilock (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
void vm_op_iunlock (VmemuMachine *m, VmemuActor *a);
/* Power cut: every task holding or waiting died. */
void vm_locks_forget (VmemuMachine *m);

/* do_splice_direct fills a 16-page pipe before writing it out, holding up to
 * 16 source pages' references; the model copies one page per round.  A
 * path that releases private data and removes pages (invalidate, reclaim)
 * on a file with a multi-page copy in flight records that the verdict
 * depends on it. */
static inline void
vm_note_pipe_batch (VmemuMachine *m, VmemuInode *ino)
{
  if (ino && ino->copies_in_flight > 0)
    vm_depends_on (m, "do_splice_direct copies one page per round (5.8: a 16-page pipe)");
}

/* ---- folio.c: large folios ---- */
/* Split the large folio holding p (split_huge_page): each page keeps its
 * flags, the folio's iomap_page state is dropped.  FALSE (-EBUSY) when a
 * member is locked (other than by the caller), under writeback or pinned. */
gboolean vm_split_folio (VmemuMachine *m, VmemuPage *p, gboolean caller_locked);
/* Readahead window rounded out to whole folios when large folios are on. */
void vm_folio_ra_window (VmemuMachine *m, guint64 *start, guint64 *size);
void vm_folio_mark (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 n);

/* ---- crash.c: error injection and power cuts ---- */
void vm_inject (VmemuMachine *m, const VmemuOp *op);
void vm_power_cut (VmemuMachine *m, VmemuActor *self);

/* ---- oracle.c ---- */
void vm_oracle_write (VmemuMachine *m, VmemuInode *ino, guint64 off, const guint8 *buf,
                      guint64 len);
void vm_oracle_set_size (VmemuMachine *m, VmemuInode *ino, guint64 size);
void vm_oracle_zero (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len);
void vm_oracle_collapse (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len,
                         guint64 size);
void vm_oracle_insert (VmemuMachine *m, VmemuInode *ino, guint64 off, guint64 len, guint64 old);
void vm_oracle_read (VmemuInode *ino, guint64 off, guint64 len, guint8 *buf);
void vm_oracle_compare (VmemuMachine *m, VmOpState *st, VmemuInode *ino, guint64 off,
                        const guint8 *found, guint64 len);
void vm_oracle_report (VmemuMachine *m, VmemuActor *a, VmOpState *st, VmemuInode *ino,
                       const char *kind, guint64 off, guint64 len);
void vm_oracle_make_durable (VmemuMachine *m, VmemuInode *ino, guint64 start, guint64 end);
void vm_data_fill (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, guint64 file_off,
                   guint8 *buf, gsize len);

/* ---- ops.c: user operations ---- */
/* Internal operations of the final check. */
#define VM_OP_FINAL_CLEANUP (VMEMU_OP__COUNT + 1)
#define VM_OP_FINAL_EVICT (VMEMU_OP__COUNT + 2)
VmStep vm_op_step (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* inode_sb_list_add when the inode first becomes in-core (xfs_iget on the
 * first lookup, or set-up with cached pages): s_inodes is headed by the
 * most recent one. */
void vm_inode_sb_list_add (VmemuMachine *m, VmemuInode *ino);

gboolean vm_filemap_map_pages (VmemuMachine *m, VmemuActor *a, VmemuMap *map, guint64 fault_i);

/* The page lookup shared by read, splice and faults. */
typedef struct {
  VmemuInode *ino;
  guint64 index;
  int holder;                /* VMEMU_REF_* the reference is taken as */
  gboolean want_lock;        /* filemap_fault returns the page locked */
  gboolean mmap_ra;          /* do_sync_mmap_readahead window */
  guint64 req_pages;
  guint from, count;         /* the byte range a read needs (is_partially_uptodate) */
} VmGetPage;
/* Restartable (state in a->st.sub / a->st.page).  VM_DONE: a->st.page is the
 * page with a gp->holder reference, or NULL with a->st.result < 0. */
VmStep vm_get_page_uptodate (VmemuMachine *m, VmemuActor *a, const VmGetPage *gp);

/* ---- readahead.c: mm/readahead.c and the readahead calls of mm/filemap.c ---- */
guint64 vm_ra_default_pages (VmemuMachine *m);      /* VM_READAHEAD_PAGES */
void vm_ra_state_init (VmemuMachine *m, VmRaState *ra);   /* file_ra_state_init */
VmRaState *vm_file_ra (VmemuActor *a, VmemuInode *ino);
/* generic_file_buffered_read: page_cache_sync_readahead on a miss,
 * page_cache_async_readahead on a PG_readahead page; req in pages. */
void vm_page_cache_sync_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                   guint64 index, guint64 req);
void vm_page_cache_async_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                    VmemuPage *p, guint64 index, guint64 req);
/* filemap_fault: do_sync_mmap_readahead (miss) / do_async_mmap_readahead (hit). */
void vm_do_sync_mmap_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 index);
void vm_do_async_mmap_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmemuPage *p,
                                 guint64 index);
/* generic_fadvise(WILLNEED) -> force_page_cache_readahead */
void vm_force_page_cache_readahead (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                    guint64 index, guint64 nr);
/* generic_file_buffered_read's exit: ra->prev_pos from the last byte read. */
void vm_ra_set_prev_pos (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 end_pos);
/* One page of a buffered write (or zeroing) of [a->st.pos, +a->st.chunk):
 * restartable through a->st.phase (WR_LOOKUP at start) and a->st.page. */
enum { WR_LOOKUP, WR_LOCK, WR_BEGIN, WR_COPY, WR_BALANCE, WR_ISIZE };
VmStep vm_write_page (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, VmemuInode *ino,
                      gboolean zero);
/* The same with the bytes taken from another page (copy_file_range's pipe
 * buffer): from->page at from->off, whose expected bytes are the oracle's at
 * from->src_pos. */
typedef struct {
  VmemuPage *page;
  guint off;
  guint64 src_pos;
} VmWriteFromPage;
VmStep vm_write_page_from (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                           const VmWriteFromPage *from);
/* iomap_zero_range within one page: [pos, end); holes/unwritten skipped;
 * a->st.count++ when something was zeroed. */
VmStep vm_zero_range_step (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 pos,
                           guint64 end);
/* filemap_write_and_wait_range over bytes [start, end] (a->st.phase FS_*). */
enum { FS_WRITE, FS_WAIT, FS_CHECK };
VmStep vm_write_and_wait (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, guint64 start,
                          guint64 end, gboolean wait);
/* pagecache_isize_extended (mm/truncate.c) after i_size grew from `from` to
 * `to`: restartable through a->st.page (NULL at start). */
VmStep vm_pagecache_isize_extended (VmemuMachine *m, VmemuActor *a, VmemuInode *ino,
                                    guint64 from, guint64 to);
int vm_check_and_advance_wb_err (VmemuMachine *m, VmemuActor *a, VmemuInode *ino);

/* ---- fsops.c: fallocate family, copy_file_range, direct I/O ---- */
/* Each is a restartable operation (VM_BLOCKED / VM_DONE with a->st.result). */
VmStep vm_fsop_fallocate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_punch_hole (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_zero_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_collapse_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_insert_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
VmStep vm_fsop_copy_range (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* read/write with `direct: true` (iomap_dio_rw) */
VmStep vm_fsop_direct_io (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, gboolean write);
VmStep vm_fsop_migrate (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
/* Completion of a VM_BIO_DIO_READ / VM_BIO_DIO_WRITE bio (called by bdev.c). */
void vm_dio_end_io (VmemuMachine *m, VmemuBio *bio);

void vm_task_exit (VmemuMachine *m, VmemuActor *a);
