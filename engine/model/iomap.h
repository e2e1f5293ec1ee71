/* iomap.h — fs/iomap/buffered-io.c (iomap.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

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
