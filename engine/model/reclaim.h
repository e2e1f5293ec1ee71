/* reclaim.h — mm/vmscan.c, mm/truncate.c and page allocation (reclaim.c).
 * Only engine/model/ includes this (docs/model.md maps each function to
 * the Linux 5.8 function it stands for). */
#pragma once

#include "engine/model/mm-types.h"

void vm_setup_watermarks (VmemuMachine *m);
gboolean vm_alloc_pages_check (VmemuMachine *m, guint64 n);
void vm_kswapd_resume (VmemuMachine *m, VmemuActor *a);
guint64 vm_shrink_node (VmemuMachine *m, gboolean kswapd, int priority, guint64 nr_to_reclaim);
guint64 vm_invalidate_mapping_pages (VmemuMachine *m, VmemuInode *ino, guint64 start,
                                     guint64 end);
void vm_truncate_inode_pages_range (VmemuMachine *m, VmemuInode *ino, guint64 lstart,
                                    guint64 lend);
int vm_invalidate_inode_pages2_range (VmemuMachine *m, VmemuInode *ino, guint64 start,
                                      guint64 end);
void vm_truncate_inode_pages_final (VmemuMachine *m, VmemuInode *ino);
