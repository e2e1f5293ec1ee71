/* task.h — sched.h: the actors (user tasks, kswapd, the flusher, the final check)
 * and the restartable state of the operation a task is in.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/inode.h"
#include "engine/model/writeback.h"

typedef enum { VM_ACTOR_USER, VM_ACTOR_KSWAPD, VM_ACTOR_FLUSHER, VM_ACTOR_FINAL } VmActorKind;

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

void vm_actor_wake (VmemuMachine *m, VmemuActor *a);
void vm_actor_sleep_until (VmemuMachine *m, VmemuActor *a, guint64 t_ns);
