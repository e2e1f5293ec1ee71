/* readahead.h — mm/readahead.c and the readahead calls of mm/filemap.c (readahead.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

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
