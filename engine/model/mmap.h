/* mmap.h — mm/memory.c, mm/rmap.c, mm/mmap.c: mappings, faults, unmapping (mmap.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

VmemuMap *vm_mmap (VmemuMachine *m, VmemuActor *a, VmemuInode *ino, gint sym, guint64 off,
                   guint64 len, gboolean private_map);
void vm_munmap (VmemuMachine *m, VmemuMap *map);
gboolean vm_page_mkclean (VmemuMachine *m, VmemuPage *p);
gboolean vm_page_mkclean_from (VmemuMachine *m, VmemuPage *p, const char *caller);
gboolean vm_try_to_unmap (VmemuMachine *m, VmemuPage *p);
void vm_unmap_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 first, guint64 last);
int vm_page_referenced (VmemuMachine *m, VmemuPage *p);

gboolean vm_filemap_map_pages (VmemuMachine *m, VmemuActor *a, VmemuMap *map, guint64 fault_i);

/* The fault path of the user ops (mmap / mread / mwrite / munmap): filemap_fault,
 * do_read_fault's fault-around, do_shared_fault / wp_page_shared with the vm_ops'
 * page_mkwrite, and the private COW copies. */
VmemuMap *vm_op_map (VmemuActor *a, const VmemuOp *op);
VmStep vm_op_map_rw (VmemuMachine *m, VmemuActor *a, const VmemuOp *op, gboolean write);
void vm_op_mmap (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
void vm_op_munmap (VmemuMachine *m, VmemuActor *a, const VmemuOp *op);
