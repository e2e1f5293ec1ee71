/* locks.c — the sleeping locks that order tasks in the paths vmemu models:
 * the XFS IOLOCK (in 5.8 the VFS inode's i_rwsem, taken by xfs_ilock) and
 * MMAPLOCK (ip->i_mmaplock), both struct rw_semaphore (kernel/locking/
 * rwsem.c), and which syscall takes which, as fs/xfs/xfs_file.c and
 * xfs_iops.c do in Linux 5.8.  The page lock is in page.c.
 *
 * Wake-up order (rwsem_down_read_slowpath, rwsem_down_write_slowpath,
 * rwsem_mark_wake): a reader gets the lock at once only when no writer
 * holds it and nobody sleeps on it; otherwise it queues.  A writer needs the
 * lock free and nobody queued.  At release, when the lock is free, the
 * oldest sleeper is served: a writer alone, or every sleeping reader in the
 * queue (5.8 wakes up to 256 readers, writers stay queued).  The lock is
 * handed to the woken task (5.8 lets a spinning writer steal it; the model
 * has no CPU time, so nothing spins).
 */
#include "engine/model/machine-private.h"
#include "engine/model/events.h"
#include "engine/model/locks.h"

void
vm_rwsem_init (VmRwsem *sem, int cls)
{
  *sem = (VmRwsem) { .cls = (guint8) cls };
}

static const char *
lock_name (const VmRwsem *sem, int mode)
{
  if (sem->cls == VM_ILOCK_IOLOCK)
    return mode == VM_LOCK_EXCL ? "XFS_IOLOCK_EXCL" : "XFS_IOLOCK_SHARED";
  return mode == VM_LOCK_EXCL ? "XFS_MMAPLOCK_EXCL" : "XFS_MMAPLOCK_SHARED";
}

static void
held_add (VmemuActor *a, VmRwsem *sem, int mode)
{
  g_assert (a->nheld < VM_MAX_HELD_LOCKS);
  a->held[a->nheld] = sem;
  a->held_mode[a->nheld] = (guint8) mode;
  a->nheld++;
}

static int
held_find (const VmemuActor *a, const VmRwsem *sem)
{
  for (guint i = 0; i < a->nheld; i++)
    if (a->held[i] == sem)
      return (int) i;
  return -1;
}

static gboolean
can_take (const VmRwsem *sem, int mode)
{
  if (sem->writer != NULL || sem->wait_head != NULL)
    return FALSE;
  return mode == VM_LOCK_SHARED || sem->readers == 0;
}

static void
take (VmRwsem *sem, VmemuActor *a, int mode)
{
  if (mode == VM_LOCK_EXCL)
    sem->writer = a;
  else
    sem->readers++;
  held_add (a, sem, mode);
}

static guint
queue_len (const VmRwsem *sem)
{
  guint n = 0;
  for (const VmemuActor *w = sem->wait_head; w; w = w->rw_next)
    n++;
  return n;
}

VmStep
vm_rwsem_down (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, VmRwsem *sem, int mode)
{
  if (held_find (a, sem) >= 0)
    return VM_DONE;          /* held, or handed over by rwsem_wake while asleep */
  if (a->rw_wait == sem)
    return VM_BLOCKED;       /* woken for something else: still queued */
  if (can_take (sem, mode))
    {
      take (sem, a, mode);
      return VM_DONE;
    }
  a->rw_wait = sem;
  a->rw_mode = (guint8) mode;
  a->rw_next = NULL;
  if (sem->wait_tail)
    sem->wait_tail->rw_next = a;
  else
    sem->wait_head = a;
  sem->wait_tail = a;
  vm_trace_inode (m, VMEMU_EV_XFS_ILOCK_WAIT, ino, sem->cls, mode, queue_len (sem), 0,
                  lock_name (sem, mode));
  return VM_BLOCKED;
}

/* Hand the lock to w (dequeued by the caller) and wake it. */
static void
grant (VmemuMachine *m, VmRwsem *sem, VmemuActor *w)
{
  w->rw_next = NULL;
  w->rw_wait = NULL;
  take (sem, w, w->rw_mode);
  vm_trace (m, VMEMU_EV_XFS_ILOCK_GRANT, sem->cls, w->rw_mode, w->id, 0,
            lock_name (sem, w->rw_mode));
  vm_actor_wake (m, w);
}

/* rwsem_mark_wake: a free lock goes to the oldest sleeper if it is a writer,
 * else to every sleeping reader. */
static void
rwsem_wake (VmemuMachine *m, VmRwsem *sem)
{
  if (sem->writer != NULL || sem->readers > 0 || sem->wait_head == NULL)
    return;
  VmemuActor *head = sem->wait_head;
  if (head->rw_mode == VM_LOCK_EXCL)
    {
      sem->wait_head = head->rw_next;
      if (sem->wait_head == NULL)
        sem->wait_tail = NULL;
      grant (m, sem, head);
      return;
    }
  VmemuActor *prev = NULL, *w = sem->wait_head;
  while (w)
    {
      VmemuActor *next = w->rw_next;
      if (w->rw_mode == VM_LOCK_SHARED)
        {
          if (prev)
            prev->rw_next = next;
          else
            sem->wait_head = next;
          if (sem->wait_tail == w)
            sem->wait_tail = prev;
          grant (m, sem, w);
        }
      else
        prev = w;
      w = next;
    }
}

void
vm_rwsem_up (VmemuMachine *m, VmemuActor *a, VmRwsem *sem)
{
  int i = held_find (a, sem);
  g_assert (i >= 0);
  if (a->held_mode[i] == VM_LOCK_EXCL)
    sem->writer = NULL;
  else
    sem->readers--;
  a->nheld--;
  for (guint j = (guint) i; j < a->nheld; j++)
    {
      a->held[j] = a->held[j + 1];
      a->held_mode[j] = a->held_mode[j + 1];
    }
  rwsem_wake (m, sem);
}

/* The locks a syscall holds from start to end, in the order it takes them:
 *  - buffered read, splice, verify: IOLOCK_SHARED (xfs_file_buffered_aio_read;
 *    generic_file_splice_read -> xfs_file_read_iter);
 *  - buffered write: IOLOCK_EXCL (xfs_file_buffered_aio_write);
 *  - direct read: IOLOCK_SHARED (xfs_file_dio_aio_read); direct write:
 *    IOLOCK_SHARED when block aligned, IOLOCK_EXCL otherwise
 *    (xfs_file_dio_aio_write's unaligned_io);
 *  - truncate: i_rwsem (do_truncate's inode_lock) then MMAPLOCK_EXCL
 *    (xfs_vn_setattr around xfs_vn_setattr_size);
 *  - fallocate, punch, zero, collapse, insert: IOLOCK_EXCL | MMAPLOCK_EXCL
 *    (xfs_file_fallocate, for the whole call).
 * copy_range takes its locks per step (fsops.c) and faults take MMAPLOCK
 * per fault (ops.c).  Everything else takes no inode lock. */
static int
op_locks (const VmemuMachine *m, const VmemuOp *op, int *io, int *mmap)
{
  *io = *mmap = 0;
  switch ((int) op->kind)
    {
    case VMEMU_OP_READ:
    case VMEMU_OP_SPLICE:
    case VMEMU_OP_VERIFY:
      *io = VM_LOCK_SHARED;
      break;
    case VMEMU_OP_WRITE:
      if (op->direct)
        *io = ((op->offset_bytes | op->length_bytes) & (m->block_size - 1))
                ? VM_LOCK_EXCL : VM_LOCK_SHARED;
      else
        *io = VM_LOCK_EXCL;
      break;
    case VMEMU_OP_TRUNCATE:
    case VMEMU_OP_FALLOCATE:
    case VMEMU_OP_PUNCH_HOLE:
    case VMEMU_OP_ZERO_RANGE:
    case VMEMU_OP_COLLAPSE_RANGE:
    case VMEMU_OP_INSERT_RANGE:
      *io = *mmap = VM_LOCK_EXCL;
      break;
    default:
      break;
    }
  return *io || *mmap;
}

VmStep
vm_op_ilock (VmemuMachine *m, VmemuActor *a, const VmemuOp *op)
{
  int io, mmap;
  if (op->kind >= VMEMU_OP__COUNT || op->file < 0 || !op_locks (m, op, &io, &mmap))
    return VM_DONE;
  VmemuInode *ino = g_ptr_array_index (m->inodes, op->file);
  if (io && vm_rwsem_down (m, a, ino, &ino->iolock, io) == VM_BLOCKED)
    return VM_BLOCKED;
  if (mmap && vm_rwsem_down (m, a, ino, &ino->mmaplock, mmap) == VM_BLOCKED)
    return VM_BLOCKED;
  return VM_DONE;
}

/* End of the syscall: release what it still holds in the order it took
 * them (xfs_iunlock drops the IOLOCK before the MMAPLOCK). */
void
vm_op_iunlock (VmemuMachine *m, VmemuActor *a)
{
  while (a->nheld > 0)
    vm_rwsem_up (m, a, a->held[0]);
}

void
vm_locks_forget (VmemuMachine *m)
{
  for (guint i = 0; i < m->inodes->len; i++)
    {
      VmemuInode *ino = g_ptr_array_index (m->inodes, i);
      vm_rwsem_init (&ino->iolock, VM_ILOCK_IOLOCK);
      vm_rwsem_init (&ino->mmaplock, VM_ILOCK_MMAPLOCK);
      ino->copies_in_flight = 0;   /* the copying tasks died too */
    }
  for (guint i = 0; i < m->actors->len; i++)
    {
      VmemuActor *a = g_ptr_array_index (m->actors, i);
      a->rw_wait = NULL;
      a->rw_next = NULL;
      a->nheld = 0;
    }
}
