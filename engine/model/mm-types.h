/* mm-types.h — mm_types.h: struct page (with its embedded iomap_page), the vm_area_struct,
 * pagevecs, and the typedefs and constants every part of the model shares.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include <glib.h>

#include "engine/content/content.h"
#include "engine/model/machine.h"
#include "engine/sim/sim.h"

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

/* struct page + its iomap_page's counts (PG_private says it exists; its
 * bitmap is beside the slab).  64 bytes: the 64-bit fields, then the 32-bit
 * ones, then the bytes, so there is no padding (issue 15: <= 96 model bytes
 * a page all in). */
struct _VmemuPage {
  guint64 index;                 /* page->index */
  union {
    guint64 key;
    VmContent *store;
  } c;
  guint32 flags;                 /* VMEMU_PG_* (MAPPED is derived, never stored) */
  gint32 mapcount;               /* PTEs mapping it */
  guint32 pfn;                   /* allocation order, a stable page identity */
  guint32 owner_idx;             /* file index + 1 of the inode it was cached for, kept
                                  * after deletion (0: none): vm_page_owner(); while
                                  * VM_PG_CACHED it is page->mapping: vm_page_mapping() */
  guint32 slot;                  /* slab slot + 1 (0: not a slab page): what the LRU
                                  * links and the free list say (page.c) */
  guint32 lru_prev, lru_next;    /* neighbours on the LRU list, as slots (0: none) */
  guint8 refs[VMEMU_REF__COUNT]; /* the reference ledger, per holder; page_count() is
                                  * their sum: vm_page_refcount() */
  guint8 lru;                    /* VM_LRU_* list it is on (with PG_lru) */
  guint8 folio_order;            /* member of a large folio of 1 << order pages (0: none) */
  guint8 iop_read_count;         /* iomap_page.read_count */
  guint8 iop_write_count;        /* iomap_page.write_count (<= VM_MAX_BLOCKS) */
  /* contents by reference (engine/content), kept as small as struct page:
   * cgen is VM_PAGE_CONTENT_STORE with a store in c.store, or the generator
   * of one run over the whole page (VMEMU_GEN_ZERO: all zero) whose key is
   * c.key, its generator offset the page's file offset and its source the
   * machine's (fsx) or the owner's (initial random content): page.c */
  guint8 cgen;
  /* iomap_page.uptodate (one bit per block) is in a side table by slot
   * (vm_page_iop_bits, page.c), made only for pages that get an
   * iomap_page: with a block per page (5.8 makes none) a page is this one
   * 64-byte line, from 64-byte aligned slab chunks */
};
G_STATIC_ASSERT (sizeof (VmemuPage) == 64);
#define VM_PAGE_CONTENT_STORE 0xffu

/* PG_waiters (as in the kernel): someone sleeps on the page; the sleepers are
 * in machine->waitq, so pages without sleepers carry no list head.  An
 * internal bit, masked out of trace flags. */
#define VM_PG_WAITERS (1u << 15)
/* The page's reference changes are traced (page.c): internal, like PG_waiters. */
#define VM_PG_REFS_TRACED (1u << 14)
/* The page is in its owner's page cache (page->mapping != NULL): internal. */
#define VM_PG_CACHED (1u << 16)
#define VM_PG_TRACE_MASK ((1u << VMEMU_PG__NBITS) - 1)

/* struct file_ra_state of one open file (one per task and file). */
typedef struct {
  guint64 start, size, async_size;
  guint64 ra_pages;
  guint32 mmap_miss;
  guint64 prev_pos;              /* G_MAXUINT64: -1, nothing read yet */
} VmRaState;

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
  VmContent **cow;               /* private copies after a COW fault */
  const VmVmOps *vm_ops;         /* vma->vm_ops, set by the file's ->mmap (fs-ops.h) */
};

typedef struct {
  VmemuPage *pages[VM_PAGEVEC_SIZE];
  guint n;
} VmPagevec;

typedef struct {
  VmPagevec pv[VM_N_PVEC];
} VmCpu;

static inline gboolean vm_pg (const VmemuPage *p, guint32 f) { return (p->flags & f) != 0; }

/* page_count(): the sum of the reference ledger (there is no separate
 * counter to keep in step). */
static inline gint32
vm_page_refcount (const VmemuPage *p)
{
  gint32 n = 0;
  for (int h = 0; h < VMEMU_REF__COUNT; h++)
    n += p->refs[h];
  return n;
}
