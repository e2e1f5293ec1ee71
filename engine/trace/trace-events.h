/* trace-events.h — every trace event, declared once.
 *
 * X (ID, "name", CLASS, a0, a1, a2, a3)
 *   name:  the kernel tracepoint name where one exists (without the system),
 *          otherwise the kernel function the event stands for;
 *   CLASS: what typed table the writer also routes it to;
 *   a0-a3: names of the integer arguments, units in the name, as bare
 *          identifiers: each becomes a C constant (VMEMU_ARG (ID, name), the
 *          index into a[]), a column of the SQL views events_named and
 *          page_history, and the event_names row.  _N marks slot N unused.
 * Only ever use a0-a3 with # or ## in an X macro: an argument name may be a
 * macro elsewhere (errno), and only # and ## keep it from expanding.
 *
 * Common fields of every event (VmemuTraceEvent): time, seq, task, cpu, ino,
 * page index, block range, page flags before/after, refcount, mapcount, detail.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VMEMU_EVC_GENERIC,
  VMEMU_EVC_SYSCALL,     /* sys_enter / sys_exit pairs -> syscalls table */
  VMEMU_EVC_BLOCK,       /* bio submit / completion -> block_io table */
  VMEMU_EVC_PAGE,        /* page-state changes -> page_states table */
  VMEMU_EVC_RECLAIM,     /* reclaim scans -> reclaim_scans table */
  VMEMU_EVC_WRITEBACK,
  VMEMU_EVC_IOMAP,
  VMEMU_EVC_FAULT,
  VMEMU_EVC_TASK,
  VMEMU_EVC_ORACLE,
  VMEMU_EVC_COUNTER,     /* machine-wide counters (nr_dirty, ...) -> counters table */
  VMEMU_EVC_MM,          /* page allocator, migration, folios */
  VMEMU_EVC_XFS,         /* filesystem glue */
} VmemuEventClass;

#define VMEMU_EVENTS(X) \
  X (SYS_ENTER, "sys_enter", SYSCALL, op, offset_bytes, length_bytes, size_bytes) \
  X (SYS_EXIT, "sys_exit", SYSCALL, op, offset_bytes, length_bytes, result) \
  X (TASK_START, "task_start", TASK, _0, _1, _2, _3) \
  X (TASK_EXIT, "task_exit", TASK, ops, _1, _2, _3) \
  X (TASK_BLOCK, "task_block", TASK, reason, _1, _2, _3) \
  X (TASK_WAKE, "task_wake", TASK, _0, _1, _2, _3) \
  X (ADD_TO_PAGE_CACHE, "mm_filemap_add_to_page_cache", PAGE, _0, _1, _2, _3) \
  X (DELETE_FROM_PAGE_CACHE, "mm_filemap_delete_from_page_cache", PAGE, _0, _1, _2, _3) \
  X (LRU_INSERTION, "mm_lru_insertion", PAGE, lru, _1, _2, _3) \
  X (LRU_ACTIVATE, "mm_lru_activate", PAGE, _0, _1, _2, _3) \
  X (PAGEVEC_ADD, "pagevec_add", PAGE, pagevec, cpu, _2, _3) \
  X (LRU_ADD_DRAIN, "lru_add_drain", GENERIC, cpu, pages, reason, _3) \
  X (MARK_PAGE_ACCESSED, "mark_page_accessed", PAGE, _0, _1, _2, _3) \
  X (PAGE_LOCK_WAIT, "wait_on_page_locked", PAGE, _0, _1, _2, _3) \
  X (PAGE_REF_GET, "page_ref_get", PAGE, holder, holder_count, pvec_cpu, moved_from) \
  X (PAGE_REF_PUT, "page_ref_put", PAGE, holder, holder_count, pvec_cpu, _3) \
  X (IOMAP_READPAGE, "iomap_readpage", IOMAP, nr_pages, _1, _2, _3) \
  X (IOMAP_READAHEAD, "iomap_readahead", IOMAP, nr_pages, _1, _2, _3) \
  X (IOMAP_WRITEPAGE, "iomap_writepage", IOMAP, offset_bytes, length_bytes, size_bytes, _3) \
  X (IOMAP_RELEASEPAGE, "iomap_releasepage", IOMAP, offset_bytes, length_bytes, released, _3) \
  X (IOMAP_INVALIDATEPAGE, "iomap_invalidatepage", IOMAP, offset_bytes, length_bytes, released, _3) \
  X (IOMAP_APPLY, "iomap_apply", IOMAP, pos_bytes, length_bytes, flags, actor) \
  X (IOMAP_APPLY_DSTMAP, "iomap_apply_dstmap", IOMAP, offset_bytes, length_bytes, type, addr_bytes) \
  X (IOP_CREATE, "iomap_page_create", IOMAP, page_uptodate, bits, nr_blocks, caller) \
  X (IOP_RELEASE, "iomap_page_release", IOMAP, bits, nr_blocks, _2, _3) \
  X (IOP_SET_UPTODATE, "iomap_set_range_uptodate", IOMAP, offset_bytes, length_bytes, bits, _3) \
  X (IOMAP_WRITEPAGE_MAP, "iomap_writepage_map", IOMAP, bits, count, error, blocks_skipped) \
  X (IOMAP_PAGE_MKWRITE, "iomap_page_mkwrite", IOMAP, length_bytes, _1, _2, _3) \
  X (IOMAP_WRITE_BEGIN, "iomap_write_begin", IOMAP, pos_bytes, length_bytes, _2, _3) \
  X (IOMAP_WRITE_END, "iomap_write_end", IOMAP, pos_bytes, length_bytes, copied_bytes, _3) \
  X (IOMAP_PARTIALLY_UPTODATE, "iomap_is_partially_uptodate", IOMAP, from_bytes, count_bytes, result, _3) \
  X (IOMAP_ZERO_RANGE, "iomap_zero_range", IOMAP, pos_bytes, length_bytes, _2, _3) \
  X (IOMAP_TRUNCATE_PAGE, "iomap_truncate_page", IOMAP, pos_bytes, _1, _2, _3) \
  X (IOMAP_MIGRATE_PAGE, "iomap_migrate_page", IOMAP, result, _1, _2, _3) \
  X (FILEMAP_FAULT, "xfs_filemap_fault", FAULT, write_fault, _1, _2, _3) \
  X (FILEMAP_MAP_PAGES, "filemap_map_pages", FAULT, _0, _1, _2, _3) \
  X (DO_SHARED_FAULT, "do_shared_fault", FAULT, _0, _1, _2, _3) \
  X (WP_PAGE_SHARED, "wp_page_shared", FAULT, _0, _1, _2, _3) \
  X (PAGE_MKWRITE, "xfs_filemap_page_mkwrite", FAULT, result, _1, _2, _3) \
  X (PTE_INSTALL, "finish_fault", FAULT, writable, map, _2, _3) \
  X (PTE_ZAP, "zap_pte_range", FAULT, dirty, map, _2, _3) \
  X (PAGE_MKCLEAN, "page_mkclean", FAULT, cleaned, _1, _2, _3) \
  X (TRY_TO_UNMAP, "try_to_unmap", FAULT, result, _1, _2, _3) \
  X (WRITEBACK_DIRTY_PAGE, "writeback_dirty_page", WRITEBACK, _0, _1, _2, _3) \
  X (WRITEBACK_MARK_INODE_DIRTY, "writeback_mark_inode_dirty", WRITEBACK, state, _1, _2, _3) \
  X (WRITEBACK_DIRTY_INODE_ENQUEUE, "writeback_dirty_inode_enqueue", WRITEBACK, dirtied_when_ns, _1, _2, _3) \
  X (WRITEBACK_QUEUE_IO, "writeback_queue_io", WRITEBACK, moved, older_than_ns, reason, _3) \
  X (WRITEBACK_START, "writeback_start", WRITEBACK, nr_pages, sync_mode, reason, _3) \
  X (WRITEBACK_WRITTEN, "writeback_written", WRITEBACK, nr_pages, sync_mode, reason, _3) \
  X (WRITEBACK_WAKE_BACKGROUND, "writeback_wake_background", WRITEBACK, _0, _1, _2, _3) \
  X (WRITEBACK_SINGLE_INODE, "writeback_single_inode", WRITEBACK, nr_to_write, wrote, writeback_index, _3) \
  X (WBC_WRITEPAGE, "wbc_writepage", WRITEBACK, sync_mode, for_reclaim, range_start_bytes, range_end_bytes) \
  X (CLEAR_PAGE_DIRTY_FOR_IO, "clear_page_dirty_for_io", WRITEBACK, was_dirty, _1, _2, _3) \
  X (SET_PAGE_WRITEBACK, "set_page_writeback", WRITEBACK, keepwrite, _1, _2, _3) \
  X (END_PAGE_WRITEBACK, "end_page_writeback", WRITEBACK, _0, _1, _2, _3) \
  X (REDIRTY_PAGE, "redirty_page_for_writepage", WRITEBACK, reason, _1, _2, _3) \
  X (WAIT_ON_PAGE_WRITEBACK, "wait_on_page_writeback", WRITEBACK, _0, _1, _2, _3) \
  X (FILEMAP_SET_WB_ERR, "filemap_set_wb_err", WRITEBACK, errno, _1, _2, _3) \
  X (CHECK_WB_ERR, "file_check_and_advance_wb_err", WRITEBACK, errno, _1, _2, _3) \
  X (GLOBAL_DIRTY_STATE, "global_dirty_state", COUNTER, nr_dirty, nr_writeback, background_thresh, dirty_thresh) \
  X (BALANCE_DIRTY_PAGES, "balance_dirty_pages", WRITEBACK, dirty, limit, pause_ns, _3) \
  X (KSWAPD_WAKE, "mm_vmscan_kswapd_wake", RECLAIM, order, _1, _2, _3) \
  X (KSWAPD_SLEEP, "mm_vmscan_kswapd_sleep", RECLAIM, _0, _1, _2, _3) \
  X (WAKEUP_KSWAPD, "mm_vmscan_wakeup_kswapd", RECLAIM, order, nr_free, low_wmark, _3) \
  X (DIRECT_RECLAIM_BEGIN, "mm_vmscan_direct_reclaim_begin", RECLAIM, order, _1, _2, _3) \
  X (DIRECT_RECLAIM_END, "mm_vmscan_direct_reclaim_end", RECLAIM, nr_reclaimed, _1, _2, _3) \
  X (LRU_ISOLATE, "mm_vmscan_lru_isolate", RECLAIM, nr_requested, nr_scanned, nr_taken, lru) \
  X (VMSCAN_WRITEPAGE, "mm_vmscan_writepage", RECLAIM, reclaim_flags, _1, _2, _3) \
  X (SHRINK_INACTIVE, "mm_vmscan_lru_shrink_inactive", RECLAIM, nr_scanned, nr_reclaimed, nr_dirty, nr_writeback) \
  X (SHRINK_ACTIVE, "mm_vmscan_lru_shrink_active", RECLAIM, nr_taken, nr_active, nr_deactivated, nr_referenced) \
  X (SHRINK_PAGE, "shrink_page_list", RECLAIM, outcome, references, _2, _3) \
  X (TRY_TO_RELEASE_PAGE, "try_to_release_page", PAGE, result, _1, _2, _3) \
  X (REMOVE_MAPPING_FAIL, "remove_mapping_fail", PAGE, refcount, expected, dirty, _3) \
  X (INVALIDATE_MAPPING_PAGES, "invalidate_mapping_pages", GENERIC, start, end, invalidated, _3) \
  X (INVALIDATE_INODE_PAGES2, "invalidate_inode_pages2_range", GENERIC, start, end, result, _3) \
  X (TRUNCATE_INODE_PAGES, "truncate_inode_pages_range", GENERIC, lstart_bytes, lend_bytes, _2, _3) \
  X (DEACTIVATE_FILE_PAGE, "deactivate_file_page", PAGE, _0, _1, _2, _3) \
  X (XFS_MAP_BLOCKS_FOUND, "xfs_map_blocks_found", XFS, offset_bytes, length_bytes, type, _3) \
  X (XFS_MAP_BLOCKS_ALLOC, "xfs_map_blocks_alloc", XFS, offset_bytes, length_bytes, _2, _3) \
  X (XFS_DELALLOC_RESERVE, "xfs_iomap_alloc", XFS, offset_bytes, length_bytes, _2, _3) \
  X (XFS_UNWRITTEN_CONVERT, "xfs_unwritten_convert", XFS, offset_bytes, length_bytes, _2, _3) \
  X (XFS_SETFILESIZE, "xfs_setfilesize", XFS, size_bytes, _1, _2, _3) \
  X (XFS_FILE_FSYNC, "xfs_file_fsync", XFS, datasync, _1, _2, _3) \
  X (XFS_DISCARD_PAGE, "xfs_discard_page", XFS, _0, _1, _2, _3) \
  X (BIO_QUEUE, "block_bio_queue", BLOCK, sector, nr_sectors, write, bio) \
  X (BIO_COMPLETE, "block_rq_complete", BLOCK, sector, nr_sectors, write, error) \
  X (BIO_ERROR_INJECTED, "block_error_injected", BLOCK, sector, nr_sectors, write, _3) \
  X (MM_PAGE_ALLOC, "mm_page_alloc", MM, nr_pages, nr_free, _2, _3) \
  X (MM_PAGE_FREE, "mm_page_free", MM, nr_pages, nr_free, _2, _3) \
  X (MIGRATE_PAGE, "mm_migrate_pages", MM, succeeded, _1, _2, _3) \
  X (SPLIT_FOLIO, "split_huge_page", MM, nr_pages, _1, _2, _3) \
  X (SPLICE_TO_PIPE, "splice_to_pipe", GENERIC, pipe, _1, _2, _3) \
  X (PIPE_RELEASE, "pipe_buf_release", GENERIC, pipe, _1, _2, _3) \
  X (POWER_CUT, "power_cut", GENERIC, pages_lost, _1, _2, _3) \
  X (DATA_LOSS, "vmemu_data_loss", ORACLE, offset_bytes, length_bytes, _2, _3) \
  X (VERIFY, "vmemu_verify", ORACLE, offset_bytes, length_bytes, ok, _3) \
  X (XFS_ILOCK_WAIT, "xfs_ilock_wait", XFS, lock, mode, waiters, _3) \
  X (XFS_ILOCK_GRANT, "xfs_ilock_grant", XFS, lock, mode, task, _3) \
  X (DEPENDS_ON, "vmemu_depends_on", ORACLE, _0, _1, _2, _3) \
  X (SIGNAL_GENERATE, "signal_generate", TASK, sig, offset_bytes, _2, _3) \
  X (KERNEL_BUG, "vmemu_kernel_bug", ORACLE, _0, _1, _2, _3)

typedef enum {
#define VMEMU_EV_ENUM(id, name, cls, a0, a1, a2, a3) VMEMU_EV_##id,
  VMEMU_EVENTS (VMEMU_EV_ENUM)
#undef VMEMU_EV_ENUM
  VMEMU_EV__COUNT
} VmemuEventId;

/* The index into a[] of argument NAME of event ID, from the event list:
 * ev.a[VMEMU_ARG (IOMAP_RELEASEPAGE, released)] is a[2].  A misspelt name is
 * a compile error. */
#define VMEMU_ARG(ID, NAME) VMEMU_ARG_##ID##__##NAME
enum {
#define VMEMU_EV_ARGS(id, name, cls, a0, a1, a2, a3)                          \
  VMEMU_ARG_##id##__##a0 = 0, VMEMU_ARG_##id##__##a1 = 1,                      \
  VMEMU_ARG_##id##__##a2 = 2, VMEMU_ARG_##id##__##a3 = 3,
  VMEMU_EVENTS (VMEMU_EV_ARGS)
#undef VMEMU_EV_ARGS
};
/* Argument NAME of event ID in any record with an a[4] (VmemuTraceEvent,
 * VmemuTracedbEvent): VMEMU_EV_ARG (&ev, IOMAP_RELEASEPAGE, released). */
#define VMEMU_EV_ARG(ev, ID, NAME) ((ev)->a[VMEMU_ARG (ID, NAME)])

typedef struct {
  const char *name;          /* tracepoint or function name */
  VmemuEventClass cls;
  const char *arg_names[4];  /* "" when unused */
} VmemuEventInfo;

/* Static table indexed by VmemuEventId. */
const VmemuEventInfo *vmemu_event_info (VmemuEventId id);
/* Id for a name, or -1. */
int vmemu_event_lookup (const char *name);

/* Page flag bits as they appear in trace fields flags_before / flags_after. */
typedef enum {
  VMEMU_PG_LOCKED = 1u << 0,
  VMEMU_PG_UPTODATE = 1u << 1,
  VMEMU_PG_DIRTY = 1u << 2,
  VMEMU_PG_WRITEBACK = 1u << 3,
  VMEMU_PG_PRIVATE = 1u << 4,     /* iomap_page attached */
  VMEMU_PG_REFERENCED = 1u << 5,
  VMEMU_PG_ACTIVE = 1u << 6,
  VMEMU_PG_LRU = 1u << 7,
  VMEMU_PG_RECLAIM = 1u << 8,
  VMEMU_PG_ERROR = 1u << 9,
  VMEMU_PG_WORKINGSET = 1u << 10,
  VMEMU_PG_MAPPED = 1u << 11,     /* mapcount > 0 (derived, for readability) */
  VMEMU_PG_HEAD = 1u << 12,       /* head of a large folio */
  VMEMU_PG_READAHEAD = 1u << 13,  /* readahead marker (the kernel shares PG_reclaim's bit) */
} VmemuPageFlag;
#define VMEMU_PG__NBITS 14

/* "uptodate" for bit 1: the kernel's PG_ name without the prefix. */
const char *vmemu_page_flag_name (int bit);
/* "uptodate|dirty|private" style text for flags (g_free the result). */
char *vmemu_page_flags_string (guint32 flags);

/* Who holds a page reference (docs/model.md, "Pages and references"). */
typedef enum {
  VMEMU_REF_CACHE,        /* page-cache slot */
  VMEMU_REF_IOP,          /* attach_page_private */
  VMEMU_REF_PTE,          /* a PTE mapping it */
  VMEMU_REF_PVEC_LRU_ADD, /* per-CPU lru_add pagevec */
  VMEMU_REF_PVEC_ACTIVATE,
  VMEMU_REF_PVEC_ROTATE,
  VMEMU_REF_PVEC_DEACTIVATE,
  VMEMU_REF_LOOKUP,       /* a kernel path's lookup pagevec / find_get_page */
  VMEMU_REF_READER,       /* generic_file_buffered_read copying */
  VMEMU_REF_FAULT,        /* filemap_fault in progress */
  VMEMU_REF_ISOLATE,      /* isolated from the LRU by reclaim */
  VMEMU_REF_PIPE,         /* splice pipe buffer */
  VMEMU_REF_PIN,          /* get_user_pages pin (O_DIRECT buffer) */
  VMEMU_REF_IO,           /* readahead / I/O in flight */
  VMEMU_REF_WBBATCH,      /* write_cache_pages / __filemap_fdatawait_range pagevec */
  VMEMU_REF__COUNT
} VmemuRefHolder;

const char *vmemu_ref_holder_name (VmemuRefHolder h);

/* iomap extent types (iomap_apply_dstmap "type"). */
typedef enum {
  VMEMU_IOMAP_HOLE, VMEMU_IOMAP_DELALLOC, VMEMU_IOMAP_MAPPED, VMEMU_IOMAP_UNWRITTEN
} VmemuIomapType;
const char *vmemu_iomap_type_name (int type);

/* The function that created an iomap_page (iomap_page_create "caller"): the
 * model's VM_IOP_CALLER_* order, "iomap_readpage", "__iomap_write_begin",
 * "iomap_page_mkwrite_actor", "iomap_writepage_map", "setup". */
const char *vmemu_iop_caller_name (int caller);
/* "SIGBUS" for 7, "SIGSEGV" for 11 (signal_generate "sig"). */
const char *vmemu_signal_name (int sig);

G_END_DECLS
