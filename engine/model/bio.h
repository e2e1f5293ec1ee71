/* bio.h — blk_types.h + bdev: bios, the device queue, error injection, the disk.
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

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

VmemuBio *vm_bio_new (VmemuMachine *m, VmBioKind kind, VmemuInode *ino, guint64 pblk,
                      guint64 file_off);
void vm_bio_add (VmemuBio *bio, VmemuPage *p, guint off, guint len);
void vm_submit_bio (VmemuMachine *m, VmemuBio *bio);
void vm_bio_free (VmemuBio *bio);
const guint8 *vm_disk_block (VmemuMachine *m, guint64 pblk);   /* NULL = zeros */
void vm_disk_write (VmemuMachine *m, guint64 pblk, const guint8 *data);
void vm_bdev_power_cut (VmemuMachine *m);
