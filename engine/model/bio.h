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
  VmContent *snap;               /* write: the data at submission (descriptors) */
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
void vm_bio_release (VmemuMachine *m, VmemuBio *bio);
void vm_bio_cache_free (VmemuMachine *m);
/* The disk's bytes of blocks [pblk, pblk + bytes / block size) into dst at
 * doff, and src's bytes at soff onto those blocks (descriptors, no bytes). */
void vm_disk_read (VmemuMachine *m, guint64 pblk, guint64 bytes, VmContent *dst, guint64 doff);
void vm_disk_write (VmemuMachine *m, guint64 pblk, guint64 bytes, const VmContent *src,
                    guint64 soff);
void vm_bdev_power_cut (VmemuMachine *m);
