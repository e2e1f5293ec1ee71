/* machine-private.h — the machine (a pglist_data, its CPUs, the block device, the
 * writeback and reclaim state), the clock, and the verdict notes.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/scenario/kerrno.h"
#include "engine/model/bio.h"
#include "engine/model/inode.h"
#include "engine/model/task.h"

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
  /* struct pages come from a slab of chunks of up to 4096 pages (page.c): a
   * page costs its 64 bytes and no allocator header; freed ones are reused
   * last-in first-out (their addresses are never an order: waitq only looks
   * them up) */
  GPtrArray *page_chunks;
  guint page_chunk_used;         /* pages handed out of the last chunk */
  VmemuPage *page_free_list;     /* linked through lru_next (slots) */
  GPtrArray *iop_chunks;         /* per slab chunk: its pages' iomap_page bitmaps
                                  * (2 guint64 a page), NULL until one needs them */

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
  VmContent *disk;               /* the device's bytes, at byte address pblk << blkbits */
  guint64 next_pblk;
  GArray *free_pblks;            /* freed device blocks, reused LIFO */
  guint64 dev_blocks;
  guint inflight;
  VmemuBio *queue_head, *queue_tail;
  guint64 next_bio_id;
  GArray *injects;               /* of VmInject */
  VmemuBio *bio_cache;           /* released bios, linked by next (bdev.c) */
  GPtrArray *bios_inflight;      /* for power cut */
  VmemuRng rng;                  /* device jitter and content */

  /* fsx data pattern (when the scenario has one) */
  struct _VmemuFsxPattern *fsx;

  VmemuRunResult result;
  const VmemuPage *activity_released;  /* page whose private data try_to_release_page just freed */
};

static inline guint64 vm_now (VmemuMachine *m) { return vmemu_sim_now_ns (m->sim); }
/* The run reached a simplification of the model that could change its
 * verdict (`what` names it and the kernel function it stands for): recorded
 * once in the result and traced as vmemu_depends_on. */
void vm_depends_on (VmemuMachine *m, const char *what);
/* 5.8 would BUG() here (`what` names the assertion): recorded once in the
 * result and traced as vmemu_kernel_bug; the model goes on. */
void vm_kernel_bug (VmemuMachine *m, const char *what);
/* An allocation the model fails with ENOMEM: 5.8's __alloc_pages_slowpath
 * would go on (compaction, retries, the OOM killer), so what follows is not
 * what the kernel does. */
#define OOM_SIMPLIFIED "no OOM killer or compaction: an allocation failed with ENOMEM"

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

/* page->mapping: the owner while the page is in its page cache (the struct
 * keeps the owner's index and a flag, not a pointer: mm-types.h). */
static inline VmemuInode *
vm_page_mapping (const VmemuMachine *m, const VmemuPage *p)
{
  return (p->flags & VM_PG_CACHED) ? g_ptr_array_index (m->inodes, p->owner_idx - 1) : NULL;
}
